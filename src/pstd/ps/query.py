"""Everything a ps command line means, as plain data.

The parser (pstd.ps.parser) builds a :class:`Query`; nothing after it looks at
argv again.  ``Query.show_flags`` is derived from the columns, sort keys and
selection through the column registry — never listed by hand.
"""

from __future__ import annotations

from pstd.plainclass import Factory, plain

from pstd.model import Group, Strategy


@plain
class ColumnRequest:
    """One output column as the user asked for it."""

    spec: str
    """Registry name after alias resolution (e.g. "pcpu" for "%cpu")."""
    header: str | None = None
    """Header override from ``spec=HEADER`` ("" hides it); None keeps the registry header."""
    width: int | None = None
    """Width override from ``spec:WIDTH``; None keeps the registry width.

    The parser always fills ``header`` and ``width`` with the final values
    (registry defaults, pid_max-derived widths and overrides applied).
    ``spec`` None marks literal text of an AIX format (``-o "%p %c"``): the
    header text is printed on every line."""


@plain
class SortKey:
    """One sort key: a registry name and a direction (spec None: a key procps ignores)."""

    spec: str | None
    reverse: bool = False


@plain
class Selection:
    """One selection criterion; a task is shown when any criterion matches (procps ORs them)."""

    kind: str
    """pid, quick_pid, ppid, pgrp, sess, tty, euid, ruid, egid, rgid, comm."""
    values: list = Factory(list)


@plain
class Query:
    """A parsed ps invocation."""

    # --- which tasks -------------------------------------------------------------
    selections: list[Selection] = Factory(list)
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
    quick_pids: list[int] = Factory(list)
    """-q / q / --quick-pid: pids shown in the order given, no other selection."""
    simple_select: int = 0
    """procps simple-selection bits (a x g -a -d) as the parser left them."""
    select_bits: int = 0
    """procps's 16-entry acceptance table for (own euid, session leader, no tty, own tty)."""
    own_tty: int = 0
    """Device number of the caller's controlling terminal (0: none)."""
    own_euid: int = 0
    """Effective uid of the caller."""

    # --- threads -----------------------------------------------------------------
    threads: str = ""
    """'' (processes only), 'L' (-L), 'T' (-T), 'H' (BSD H: threads as processes), 'm' (BSD m / -m: threads after processes)."""
    thread_flags: int = 0x100
    """procps thread flags (pstd.ps.parser.TF_*): which rows a listing shows."""

    # --- columns -----------------------------------------------------------------
    columns: list[ColumnRequest] = Factory(list)
    """Output columns in order."""
    sort_keys: list[SortKey] = Factory(list)
    """Sort keys, most significant first (empty: procps's default order)."""
    forest: bool = False
    """ASCII-art process tree (f, --forest)."""
    hierarchy: bool = False
    """-H: indent by hierarchy without art."""
    forest_type: str = ""
    """'' none, 'b' (BSD f), 'g' (--forest), 'u' (-H)."""
    headers: str = "once"
    """'once', 'none' (h, --no-headers), 'repeat' (--headers: every page)."""
    lines: int | None = None
    """--lines / --rows: page length for repeated headers."""
    width: int | None = None
    """--cols / --columns / --width override of the screen width."""
    wide: int = 0
    """Count of BSD w / -w flags (1: 132 columns, 2+: unlimited)."""
    screen_cols: int = 80
    """Final screen width (terminal, COLUMNS, --cols, w/ww applied; 131072 when unlimited)."""
    screen_rows: int = 24
    """Final screen height (terminal, LINES, --rows)."""

    # --- formatting switches -------------------------------------------------------
    bsd_c: bool = False
    """BSD c: show the true command name instead of args."""
    bsd_e: bool = False
    """BSD e: show the environment after the command."""
    bsd_n: bool = False
    """BSD n: numeric wchan and user ids."""
    user_is_number: bool = False
    """BSD n: user columns print numbers (right-aligned)."""
    wchan_is_number: bool = False
    """BSD n: wchan prints an address (right-aligned)."""
    unix_f: bool = False
    """-f/-F: comm-like columns print the full command line."""
    cumulative: bool = False
    """BSD S / --cumulative: include dead children's times."""
    context: bool = False
    """-Z / --context / Z: security context column."""
    personality: str = "unknown"
    """PS_PERSONALITY / CMD_ENV personality name."""
    personality_bits: int = 0
    """procps personality bits the name selected."""
    warnings: list[str] = Factory(list)
    """Warning lines the parser wants on stderr (bogus screen size, ignored $PS_FORMAT)."""

    # --- what to do instead of listing -----------------------------------------------
    action: str = "list"
    """'list', 'help', 'version', 'list_specifiers' (L), 'info' (--info): the parser only records it,
    the caller prints it (help and version text on stdout, --info on stderr)."""
    help_section: str | None = None
    """Section named by --help=SECTION."""
    action_text: str = ""
    """Text an action already computed from parser state (--info's settings dump)."""

    @property
    def fancy(self) -> bool:
        """Sorted or forest listing (procps reads all rows first, then orders them)."""
        return bool(self.forest_type or self.sort_keys)

    @property
    def wants_threads(self) -> bool:
        """Whether the dump must return one record per thread."""
        loose = bool(self.thread_flags & 0x800)  # H
        if self.fancy:
            return loose  # procps sorts and draws trees over processes (threads only with H)
        return loose or bool(self.thread_flags & 0x200)

    @property
    def strategy(self) -> Strategy:
        """The dump strategy the selection needs."""
        return Strategy.ALL_THREAD if self.wants_threads else Strategy.ALL

    @property
    def show_flags(self) -> Group:
        """Union of the data groups the selection, every column and sort key need."""
        from pstd.ps.columns import groups_for

        return groups_for(self)
