"""Entry point: ps arguments go to the light ps engine, subcommand words to the Typer app.

The ps path must not import typer, rich, textual or pyroute2: each costs more
start-up time than a whole ``pstd ax`` may take.
"""

from __future__ import annotations

import os
import signal
import sys

# Words that name subcommands instead of ps options.  ps itself accepts none of
# them as an argument list (BSD letters would spell an error), so no script loses.
SUBCOMMANDS = frozenset({"backend", "columns", "version", "help"})


def _exit_on_sigpipe(signo, frame) -> None:
    os._exit(0)  # procps: a reader that went away is no failure ("ps | head")


def _exit_on_sighup(signo, frame) -> None:
    os._exit(1)


def _signals_as_ps() -> None:
    """Die by signals the way procps's ps does, from the first statement on.

    Python turns SIGINT into KeyboardInterrupt (a traceback during imports) and
    ignores SIGPIPE; ps dies by SIGINT, SIGTERM and SIGQUIT, exits 0 on SIGPIPE
    and 1 on SIGHUP.  Dispositions the caller set to "ignore" stay ignored
    (nohup, a shell's background job)."""
    plan = ((signal.SIGINT, signal.SIG_DFL), (signal.SIGPIPE, _exit_on_sigpipe), (signal.SIGHUP, _exit_on_sighup))
    for signo, action in plan:
        if signo != signal.SIGPIPE and signal.getsignal(signo) == signal.SIG_IGN:
            continue
        signal.signal(signo, action)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        _signals_as_ps()  # only as the program: a library caller's dispositions are its own
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in SUBCOMMANDS:
        from pstd.cli import run_app

        return run_app(args)
    from pstd.ps.main import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
