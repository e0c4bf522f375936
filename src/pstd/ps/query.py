"""Everything a ps command line means, as plain data.

The parser (pstd.ps.parser) builds a :class:`Query`; nothing after it looks at
argv again.  ``Query.show_flags`` is derived from the columns, sort keys and
selection through the column registry — never listed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pstd.model import Group, Strategy


@dataclass
class ColumnRequest:
    """One output column as the user asked for it."""

    spec: str
    """Registry name after alias resolution (e.g. "pcpu" for "%cpu")."""
    header: str | None = None
    """Header override from ``spec=HEADER`` ("" hides it); None keeps the registry header."""
    width: int | None = None
    """Width override from ``spec:WIDTH``; None keeps the registry width."""


@dataclass
class SortKey:
    """One sort key: a registry name and a direction."""

    spec: str
    reverse: bool = False


@dataclass
class Selection:
    """One selection criterion; a task is shown when any criterion matches (procps ORs them)."""

    kind: str
    """pid, ppid, sid, tty, euid, ruid, egid, rgid, comm, sess_or_egid (-g)."""
    values: list = field(default_factory=list)


@dataclass
class Query:
    """A parsed ps invocation."""

    # --- which tasks -------------------------------------------------------------
    selections: list[Selection] = field(default_factory=list)
    """Explicit selection lists (-p, -u, -t, ...)."""
    all_tasks: bool = False
    """-e/-A or BSD ax: every task."""
    bsd_a: bool = False
    """BSD a: lift the 'only yourself' restriction."""
    bsd_x: bool = False
    """BSD x: lift the 'must have a tty' restriction."""
    unix_a: bool = False
    """-a: all with a tty except session leaders."""
    unix_d: bool = False
    """-d: all except session leaders."""
    bsd_r: bool = False
    """BSD r: only running tasks."""
    bsd_g: bool = False
    """BSD g: really all (a legacy no-op on Linux except for selection bookkeeping)."""
    negate: bool = False
    """-N / --deselect: invert the selection."""
    quick_pids: list[int] = field(default_factory=list)
    """-q / q / --quick-pid: pids shown in the order given, no other selection."""

    # --- threads -----------------------------------------------------------------
    threads: str = ""
    """'' (processes only), 'L' (-L), 'T' (-T), 'H' (BSD H: threads as processes), 'm' (BSD m / -m: threads after processes)."""

    # --- columns -----------------------------------------------------------------
    columns: list[ColumnRequest] = field(default_factory=list)
    """Output columns in order."""
    sort_keys: list[SortKey] = field(default_factory=list)
    """Sort keys, most significant first (empty: procps's default order)."""
    forest: bool = False
    """ASCII-art process tree (f, --forest)."""
    hierarchy: bool = False
    """-H: indent by hierarchy without art."""
    headers: str = "once"
    """'once', 'none' (h, --no-headers), 'repeat' (--headers: every page)."""
    lines: int | None = None
    """--lines / --rows: page length for repeated headers."""
    width: int | None = None
    """--cols / --columns / --width override of the screen width."""
    wide: int = 0
    """Count of BSD w / -w flags (1: 132 columns, 2+: unlimited)."""

    # --- formatting switches -------------------------------------------------------
    bsd_c: bool = False
    """BSD c: show the true command name instead of args."""
    bsd_e: bool = False
    """BSD e: show the environment after the command."""
    bsd_n: bool = False
    """BSD n: numeric wchan and user ids."""
    cumulative: bool = False
    """BSD S / --cumulative: include dead children's times."""
    context: bool = False
    """-Z / --context / Z: security context column."""
    personality: str = "linux"
    """PS_PERSONALITY / CMD_ENV personality name."""

    # --- what to do instead of listing -----------------------------------------------
    action: str = "list"
    """'list', 'help', 'version', 'list_specifiers' (L)."""
    help_section: str | None = None
    """Section named by --help=SECTION."""

    @property
    def strategy(self) -> Strategy:
        """The dump strategy the selection needs."""
        return Strategy.ALL_THREAD if self.threads else Strategy.ALL

    @property
    def show_flags(self) -> Group:
        """Union of the data groups every column, sort key and selection needs."""
        from pstd.ps.columns import groups_for

        return groups_for(self)
