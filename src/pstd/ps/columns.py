"""The column registry: one row per ps specifier.

Every column is defined here and nowhere else: its header, default width,
alignment class, the data groups it reads, how it is formatted and how it sorts.
Backends read ``groups``; the renderer reads ``header``/``width``/``align``
and calls ``format``; the sorter calls ``sort_key``.

(Interface skeleton; the full table lands with the registry.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pstd.model import Group


@dataclass(frozen=True)
class FormatContext:
    """What formatters need to know beyond the task itself; built once per run."""

    now: float
    """Wall clock at the start of the run (seconds since the epoch)."""
    boot_time: float
    """Boot time (seconds since the epoch), from /proc/stat btime."""
    uptime: float
    """Seconds since boot at the start of the run (/proc/uptime)."""
    clock_ticks: int
    """USER_HZ."""
    page_size: int
    """Bytes per page."""
    mem_total_kb: int
    """MemTotal from /proc/meminfo."""
    pid_max: int
    """/proc/sys/kernel/pid_max."""
    bsd_c: bool = False
    """BSD c: command columns show the true command name."""
    bsd_e: bool = False
    """BSD e: command columns append the environment."""
    bsd_n: bool = False
    """BSD n: numeric user and wchan."""
    cumulative: bool = False
    """BSD S: add dead children's cpu times."""
    threads: str = ""
    """Thread display mode of the query (see Query.threads)."""
    extra: dict = field(default_factory=dict)
    """Lazily filled lookup caches (user names, tty names, ...)."""


@dataclass(frozen=True)
class Column:
    """One ps specifier."""

    name: str
    """The specifier as ps spells it in -o (canonical name)."""
    header: str
    """Default header text."""
    width: int
    """Default width (pid-like columns may be widened from pid_max; see ``pidmax``)."""
    align: str
    """procps alignment class: RIGHT, LEFT, UNLIMITED, SIGNAL, USER, WCHAN."""
    groups: Group
    """Data groups the formatter and sort key read."""
    format: Callable[[Any, FormatContext], str]
    """(task, ctx) -> the cell text, unpadded; command columns return the full text."""
    sort_key: Callable[[Any, FormatContext], Any] | None
    """(task, ctx) -> comparable value; None when procps cannot sort by it."""
    aliases: tuple[str, ...] = ()
    """Other names ps accepts for this column."""
    pidmax: bool = False
    """Width follows the digits of pid_max (pid, ppid, pgid, ...)."""
    printable: bool = True
    """False for names procps accepts but always prints as '-'."""
    command: bool = False
    """Command-like column (args, comm, cmd, ucmd): forest art and ``c``/``e`` apply."""


REGISTRY: dict[str, Column] = {}
"""Canonical name -> Column."""


def lookup(name: str) -> Column | None:
    """The column for a specifier or alias, or None when ps would reject it."""
    return REGISTRY.get(name)


def groups_for(query: Any) -> Group:
    """Union of the groups a query's columns, sort keys and selection read."""
    groups = Group.BASE
    for request in query.columns:
        column = lookup(request.spec)
        if column is not None:
            groups |= column.groups
    for key in query.sort_keys:
        column = lookup(key.spec)
        if column is not None:
            groups |= column.groups
    return groups
