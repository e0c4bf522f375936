"""Entry point: ps arguments go to the light ps engine, subcommand words to the Typer app.

The ps path must not import typer, rich, textual or pyroute2: each costs more
start-up time than a whole ``pstd ax`` may take.
"""

from __future__ import annotations

import sys

# Words that name subcommands instead of ps options.  ps itself accepts none of
# them as an argument list (BSD letters would spell an error), so no script loses.
SUBCOMMANDS = frozenset({"backend", "columns"})


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in SUBCOMMANDS:
        from pstd.cli import run_app

        return run_app(args)
    from pstd.ps.main import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
