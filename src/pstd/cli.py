"""pstd's own subcommands (``pstd columns``, ``pstd backend``): a Typer app.

Only reached for subcommand words (see ``pstd.__main__``), so the ps path never
pays for importing typer or rich.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="pstd subcommands (ps options go straight to pstd).")


@app.command()
def columns(
    group: str = typer.Option("", help="Only columns that read this data group (e.g. CRED)."),
) -> None:
    """List the column registry: every ps specifier with its header, width, alignment and data groups."""
    from pstd.ps.columns import REGISTRY

    table = Table("spec", "header", "width", "align", "groups", "printable")
    for name in sorted(REGISTRY):
        column = REGISTRY[name]
        groups = str(column.groups).replace("Group.", "")
        if group and group.upper() not in groups.split("|"):
            continue
        table.add_row(name, column.header, str(column.width), column.align, groups, "yes" if column.printable else "-")
    Console().print(table)


@app.command()
def backend() -> None:
    """Say which backend `pstd` would use here, and whether the task_diag module answers."""
    import os

    from pstd.backends import BackendUnavailable, choose

    console = Console()
    wanted = os.environ.get("PSTD_BACKEND", "auto")
    try:
        chosen = choose(wanted)
    except BackendUnavailable as exc:
        console.print(f"PSTD_BACKEND={wanted} -> [red]unavailable[/red]: {exc}")
        raise typer.Exit(1)
    console.print(f"PSTD_BACKEND={wanted} -> [bold]{chosen}[/bold]")


def run_app(args: list[str]) -> int:
    try:
        # without standalone mode click returns the code of a typer.Exit instead of raising it
        result = app(args=args, prog_name="pstd", standalone_mode=False)
        if isinstance(result, int):
            return result
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # click's usage errors carry their own exit code
        code = getattr(exc, "exit_code", 1)
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            Console(stderr=True).print(f"pstd: {exc}")
        return code
    return 0
