"""Entry point: ps arguments go to the light ps engine, subcommand words to the Typer app.

The ps path must not import typer, rich, textual or pyroute2: each costs more
start-up time than a whole ``pstd ax`` may take.
"""

from __future__ import annotations

import _signal as signal  # the C module: signal.py also builds three enums at import (about 0.6 ms)
import os
import sys

# Words that name subcommands instead of ps options.  ps itself accepts none of
# them as an argument list (BSD letters would spell an error), so no script loses.
SUBCOMMANDS = frozenset({"backend", "columns", "module", "version", "help"})
TOP = "top"
"""``pstd top ARGS``: procps top's command line (pstd.top), as light as the ps path in batch mode."""




def _signals_as_ps() -> None:
    """End on signals the way procps's ps does, from main()'s first statement on.

    Python turns SIGINT into KeyboardInterrupt (a traceback during imports) and
    ignores SIGPIPE.  ps dies by SIGINT (unless its caller ignored it, as a shell
    does for background jobs) and by SIGTERM (even then), exits 0 on SIGPIPE and
    1 on SIGHUP (even when nohup ignored it); SIGQUIT keeps its default."""
    if signal.getsignal(signal.SIGINT) != signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # imported only now, so that even this import cannot end in a KeyboardInterrupt
    from pstd.ps.errors import EXIT_BROKEN_PIPE, EXIT_HANGUP

    signal.signal(signal.SIGPIPE, lambda signo, frame: os._exit(EXIT_BROKEN_PIPE))
    signal.signal(signal.SIGHUP, lambda signo, frame: os._exit(EXIT_HANGUP))


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        _signals_as_ps()  # only as the program: a library caller's dispositions are its own
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in SUBCOMMANDS:
        from pstd.cli import run_app

        return run_app(args)
    if args and args[0] == TOP:
        from pstd.top.main import run as top

        return top(args[1:], program=argv is None)
    if argv is None:
        # A ps run allocates a record per task and exits: the cyclic collector would
        # rescan those records again and again and find nothing (records hold no
        # cycles).  A process-wide switch, so only the program makes it, never run().
        import gc

        gc.disable()
        from pstd.ps import main as ps

        ps.RETAIN = []
    from pstd.ps.main import run

    return run(args)


def program() -> None:
    """The ``pstd`` command: :func:`main`, then, after a listing, an exit without teardown.

    The interpreter's teardown frees every record and module one by one (a few percent
    of a large ``pstd ax``); run() has flushed stdout and stderr and folded their
    failures into the status, so nothing is lost by skipping it; ``pstd top`` ends the same
    way (its run() folds write failures into the status too).  The Typer subcommands exit
    the ordinary way."""
    status = main()
    ps = sys.modules.get("pstd.ps.main")
    top = sys.modules.get("pstd.top.main")  # its failures are folded into the status as run()'s
    if top is None and (ps is None or ps.RETAIN is None):
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()  # only what a stray print may have left
        except (OSError, ValueError):
            pass
    os._exit(status)


if __name__ == "__main__":
    program()
