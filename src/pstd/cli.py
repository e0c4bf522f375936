"""pstd's own subcommands (``pstd columns``, ``pstd backend``, ``pstd version``): a Typer app.

Only reached for subcommand words (see ``pstd.__main__``), so the ps path never
pays for importing typer or rich.  Output is rich (tables, colour) on a
terminal and plain text when piped: scripts read it with cut and awk.
"""

from __future__ import annotations

import errno
import io
import os
import sys

import typer

from pstd.env import stream_is_terminal
from pstd.ps.errors import EXIT_FAILURE, EXIT_OK, EXIT_SUBCOMMAND_USAGE
from pstd.ps.help import PSTD_ADDITIONS as ADDITIONS

_RICH = stream_is_terminal(sys.stdout)
"""Decided once: a table with colour for a person, plain lines for a pipe."""

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich" if _RICH else None,
    pretty_exceptions_enable=False,
    help="pstd subcommands.",
    epilog=ADDITIONS if _RICH else "\b\n" + ADDITIONS,  # \b: click keeps the lines as written
)


SEE_ALSO = "Anything but a subcommand word is a ps command line; pstd help lists what pstd adds to ps."


def _group_names(groups) -> str:
    """Data groups as names (CRED|TTY), not the integer str() gives a combined Group (as of an IntFlag)."""
    from pstd.model import Group

    names = [g.name for g in Group if g.value and (groups & g) == g]
    return "|".join(names) if names else "NONE"


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    if _RICH:
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    widths = [max([len(h)] + [len(r[k]) for r in rows]) for k, h in enumerate(headers)]
    for row in [headers] + rows:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths)] + [row[-1]]
        sys.stdout.write(" ".join(cells).rstrip() + "\n")


def _say(text: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    if stream is not None:
        stream.write(text + "\n")


class _ClosedStdout(io.TextIOBase):
    """Stands in for the sys.stdout Python leaves None when fd 1 was closed: every write fails as it would."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


@app.command(epilog=SEE_ALSO)
def columns(
    group: str = typer.Option("", help="Only columns that read this data group (e.g. CRED, TTY)."),
) -> None:
    """List the column registry: every ps specifier with its header, width, alignment and data groups."""
    from pstd.model import Group
    from pstd.ps.columns import REGISTRY

    wanted = None
    if group:
        wanted = Group.__members__.get(group.upper())
        if wanted is None or not wanted.value:
            choices = ", ".join(n for n, g in Group.__members__.items() if g.value)
            _say(f"pstd columns: unknown group {group!r} (choose from {choices})", err=True)
            raise typer.Exit(EXIT_SUBCOMMAND_USAGE)
    rows = []
    for name in sorted(REGISTRY):
        column = REGISTRY[name]
        if wanted is not None and not (column.groups & wanted):
            continue
        rows.append([name, column.header, str(column.width), str(column.align), _group_names(column.groups),
                     "yes" if column.printable else "-"])
    _print_table(["spec", "header", "width", "align", "groups", "printable"], rows)


@app.command(epilog="--backend=NAME on a ps command line overrides PSTD_BACKEND. " + SEE_ALSO)
def backend() -> None:
    """Say which backend `pstd` would use here (PSTD_BACKEND, default auto)."""
    from pstd.backends import BackendUnavailable, choose

    wanted = os.environ.get("PSTD_BACKEND") or "auto"
    try:
        chosen = choose(wanted)
    except BackendUnavailable as exc:
        _say(f"PSTD_BACKEND={wanted} -> unavailable: {exc}")
        raise typer.Exit(EXIT_FAILURE)
    _say(f"PSTD_BACKEND={wanted} -> {chosen}")


module_app = typer.Typer(no_args_is_help=True, help="The task_diag kernel module.")
app.add_typer(module_app, name="module")


@module_app.command(epilog=SEE_ALSO)
def status() -> None:
    """Whether the task_diag module answers, and what it serves to you (exit 1 when it does not answer)."""
    from pstd import taskdiag_abi as abi
    from pstd.backends import BackendUnavailable
    from pstd.backends import netlink

    try:
        family, info = netlink.probe()
    except BackendUnavailable as exc:
        _say(f"task_diag: not available: {exc}")
        raise typer.Exit(EXIT_FAILURE)

    def names(mask: int, table: dict) -> str:
        out = [name for bit, name in sorted(table.items()) if mask >> bit & 1]
        return ",".join(out) if out else "-"

    policy = [name for bit, name in ((abi.POLICY_PARAM, "param"), (abi.POLICY_PROC_MOUNT, "proc-mount"),
                                     (abi.POLICY_NO_PROC, "no-proc"), (abi.POLICY_LSM, "lsm"),
                                     (abi.POLICY_OPENER, "opener"))
              if info.policy & bit]
    mine = netlink.proc_hidepid()
    rows = [
        ["loaded", "yes"],
        ["family id", str(family)],
        ["version", str(info.version)],
        ["served groups", names(info.show_flags, abi.GROUP_NAMES)],
        ["self-only groups", names(info.self_only_flags, abi.GROUP_NAMES)],
        ["strategies", names(info.strategies, abi.STRATEGY_NAMES)],
        ["request flags", names(info.req_flags, abi.REQ_NAMES)],
        ["hidepid", str(info.hidepid)],
        ["policy", ",".join(policy) or "-"],
        ["/proc hidepid", "?" if mine is None else str(mine[0]) + (" gid=" if mine[1] else "")],
        ["auto backend", "netlink" if netlink.policy_matches(info) else "procfs (policy differs from /proc)"],
    ]
    _print_table(["", "task_diag"], rows)


@app.command(epilog=SEE_ALSO)
def version() -> None:
    """Print pstd's version (``pstd -V`` answers as procps's ps does)."""
    from pstd import __version__
    from pstd.ps.help import VERSION

    _say(f"pstd {__version__} (ps behaviour of {VERSION})")


@app.command(name="help")
def help_() -> None:
    """What pstd adds to ps: its options, variables and subcommands."""
    _say(ADDITIONS + "Each subcommand takes --help.  ps's own help: pstd --help [simple|list|output|threads|misc|all].")


def run_app(args: list[str]) -> int:
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    try:
        # without standalone mode click returns the code of a typer.Exit instead of raising it
        result = app(args=args, prog_name="pstd", standalone_mode=False)
        if isinstance(result, int):
            return result
        sys.stdout.flush()
    except typer.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        from pstd.ps.errors import EXIT_BROKEN_PIPE
        from pstd.ps.main import _quiet_stdout

        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        from pstd.env import program_name
        from pstd.ps.errors import EXIT_WRITE, WriteError
        from pstd.ps.main import _quiet_stdout

        _quiet_stdout()
        _say(WriteError(exc.errno or 0).text(program_name()), err=True)
        return EXIT_WRITE
    except Exception as exc:  # click's usage errors carry their own exit code
        code = getattr(exc, "exit_code", EXIT_SUBCOMMAND_USAGE)
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            _say(f"pstd: {exc}", err=True)
        return code
    return EXIT_OK
