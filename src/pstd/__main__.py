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




_CAUGHT = {5: "TRAP", 6: "ABRT", 10: "USR1", 12: "USR2", 14: "ALRM", 16: "STKFLT", 17: "CHLD", 21: "TTIN",
           24: "XCPU", 25: "XFSZ", 26: "VTALRM", 29: "POLL", 30: "PWR", 31: "SYS"}
"""The signals ps 4.0.2 reports catching, by procps's names for them (CHLD too: a shell that
execs ps hands it its background children).  Also SEGV, BUS, FPE and ILL in ps; not here: a
Python handler only runs after the C handler returns, which a real fault would then raise
again and again."""
_REPORTS: dict = {}
"""signo -> the bytes ps writes on stderr for it, made before any handler can run (a handler
that imported could meet a module half imported)."""


def _caught(signo, frame) -> None:
    """What ps does on one of _CAUGHT, every signal blocked meanwhile: "Signal N (NAME) caught by
    NAME (VERSION)." and, but for SIGUSR1/SIGUSR2 (exit 1), "ARGV0:src/ps/display.c:71: please
    report this bug", then it dies by the signal (SIGTTIN stops it; continued, it exits 1; SIGCHLD
    is ignored by default, so it exits 1)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        os.write(2, _REPORTS[signo])
    except OSError:
        pass
    if signo in (signal.SIGUSR1, signal.SIGUSR2):
        os._exit(1)
    signal.signal(signo, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signo,))
    os.kill(os.getpid(), signo)
    os._exit(1)


def _caught_as_ps() -> None:
    """Install :func:`_caught` for the ps path (top and the subcommands are not ps)."""
    from pstd.env import program_name
    from pstd.ps.errors import PROCPS_VERSION

    argv0 = program_name()
    for signo, name in _CAUGHT.items():
        text = "Signal %d (%s) caught by %s (%s).\n" % (signo, name, os.path.basename(argv0), PROCPS_VERSION)
        if signo not in (signal.SIGUSR1, signal.SIGUSR2):
            text += "%s:src/ps/display.c:71: please report this bug\n" % argv0
        _REPORTS[signo] = text.encode("utf-8", "surrogateescape")
    for signo in _CAUGHT:
        signal.signal(signo, _caught)


def _signals_as_ps() -> None:
    """End on signals the way procps's ps does, from main()'s first statement on.

    Python turns SIGINT into KeyboardInterrupt (a traceback during imports) and
    ignores SIGPIPE.  ps dies by SIGINT (unless its caller ignored it, as a shell
    does for background jobs) and by SIGTERM (even then), exits 0 on SIGPIPE and
    1 on SIGHUP (even when nohup ignored it); SIGQUIT keeps its default.  Most
    other signals ps catches, whatever its caller left them at, to say so on
    stderr before it goes: :func:`_caught_as_ps`, once main() knows it runs ps."""
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
        _caught_as_ps()
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
