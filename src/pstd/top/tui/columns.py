"""Columns of the interactive table: top's fields by their top names, ps specifiers by theirs.

``PID``, ``%CPU``, ``TIME+`` ... are top's fields (pstd.top.fields) with top's widths and
cells; ``pid``, ``user``, ``rss``, ``args`` ... are ps specifiers (pstd.ps.columns) with
ps's text.  ``%cpu`` and ``pcpu`` are the one exception: ps means the lifetime average,
a live screen means the share of the last interval, so they are top's %CPU.
"""

from __future__ import annotations

from pstd.model import Group
from pstd.top import fields as top_fields

PS_AS_TOP = {"%cpu": "%CPU", "pcpu": "%CPU"}
"""ps specifiers a live screen shows as top's delta-based field."""


class UnknownColumn(ValueError):
    """A name that is neither a top field nor a ps specifier."""


class Context:
    """What cells need: top's Frame (ticks, pages, scaling) and ps's FormatContext."""

    def __init__(self, frame, ps_ctx) -> None:
        self.frame = frame
        self.ps = ps_ctx


class Column:
    """One column: a header, a width (the last variable column takes the rest), a cell and a key."""

    __slots__ = ("name", "header", "width", "right", "groups", "variable", "_text", "_key")

    def __init__(self, name, header, width, right, groups, variable, text, key) -> None:
        self.name = name
        self.header = header
        self.width = width
        self.right = right
        self.groups = Group(groups)
        self.variable = variable
        self._text = text
        self._key = key

    def text(self, task, delta, ctx: Context, width: int) -> str:
        """Exactly ``width`` cells (too long: cut with '+', as top cuts)."""
        try:
            s = self._text(task, delta, ctx, width)
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
            s = "-"  # a value the backend could not read (the task went away mid-read, say)
        if len(s) > width:
            s = s[:max(width - 1, 0)] + "+"
        return s.rjust(width) if self.right else s.ljust(width)

    def key(self, task, delta, ctx: Context):
        """What the column sorts by; None sorts after every value."""
        try:
            return self._key(task, delta, ctx)
        except (TypeError, ValueError, AttributeError):
            return None

    def __repr__(self) -> str:
        return f"Column({self.name!r})"


def _from_top(name: str, header: str | None = None) -> Column:
    f = top_fields.FIELDS[name]

    def text(t, d, ctx, w):
        return f.cell(t, d, ctx.frame, w)[:-1].strip()

    def key(t, d, ctx):
        return f.key(t, d, ctx.frame)

    width = len(f.name) if f.variable else f.width
    if f.name in top_fields.WIDE_PID:
        width = -5  # resolved against pid_max by the table (see width_of)
    # COMMAND reads the command line only when it shows it (-c, the c key): see groups_for
    return Column(name, header or f.name, width, f.right, f.groups, f.variable, text, key)


def _from_ps(col, header: str | None = None) -> Column:
    from pstd.ps.columns import RIGHT, SIGNAL, UNLIMITED

    variable = col.align == UNLIMITED

    def text(t, d, ctx, w):
        try:
            s = col.cell(t, ctx.ps, w) if col.format_room else col.format(t, ctx.ps)
        except (TypeError, ValueError, AttributeError, KeyError, OSError):
            s = "-"
        return s if s is not None else "-"

    value = col.value

    def key(t, d, ctx):
        if value is None:
            return text(t, d, ctx, 64)
        return value(t, ctx.ps)

    width = max(col.width, len(header or col.header))
    if col.align == RIGHT and not col.pidmax and col.width >= 5:
        width = max(width, 8)  # ps widens a column to its widest value; a screen keeps one width
    if col.pidmax:
        width = -width
    return Column(col.name, header or col.header, width, col.align in (RIGHT, SIGNAL), col.groups,
                  variable, text, key)


def make(spec: str) -> Column:
    """One column from ``name`` or ``name=Header``."""
    name, eq, header = spec.partition("=")
    name = name.strip()
    header = header if eq else None
    if name in top_fields.FIELDS:
        return _from_top(name, header)
    if name in PS_AS_TOP:
        return _from_top(PS_AS_TOP[name], header or "%CPU")
    from pstd.ps import columns as ps_columns

    col = ps_columns.lookup(name)
    if col is None or not col.printable:
        raise UnknownColumn(name)
    return _from_ps(col, header)


def parse(text: str) -> list[Column]:
    """A column list as ps -o takes it: names separated by commas or blanks."""
    words = [w for w in text.replace(",", " ").split() if w]
    if not words:
        raise UnknownColumn(text)
    return [make(w) for w in words]


def default() -> list[Column]:
    return [make(n) for n in top_fields.DEFAULT]


def width_of(col: Column, pid_width: int) -> int:
    if col.width < 0:
        return max(-col.width, pid_width)
    return col.width


def groups_for(columns, cmdline: bool = False) -> Group:
    """What a refresh must read for ``columns``; top's COMMAND adds the command line with ``cmdline``."""
    # state counts and cpu deltas: every refresh needs them of every task; the name (COMM):
    # search, kill and details name the task whatever the columns
    g = Group.BASE | Group.COMM | Group.STAT
    for c in columns:
        g |= c.groups
        if cmdline and c.name == "COMMAND":
            g |= Group.CMDLINE
    return g
