"""Which tasks a ps invocation shows (procps's want_this_proc).

- ``-e``/``-A`` (or BSD ``ax``/``agx``): everything.
- Otherwise a task passes when the *simple selection table* accepts it (used when
  a simple option such as ``a``/``x``/``-a``/``-d`` was given, or when no list
  was given) or when any selection list names it: lists are ORed.
- ``r`` then drops tasks that are not running (state R or D) and ``-N`` inverts
  the verdict.

The table is procps's 16-bit map indexed by (same euid as the caller, session
leader, no controlling tty, on the caller's tty); plain ``ps`` uses 0xaa00:
"same euid and same tty as the caller".
"""

from __future__ import annotations

from operator import attrgetter
TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: collections costs about 1 ms to import
    from collections.abc import Callable

from pstd.model import Group, Strategy

_KIND_ATTR = {"pid": "pid", "quick_pid": "pid", "ppid": "ppid", "pgrp": "pgid", "sess": "sid",
              "euid": "euid", "ruid": "ruid", "egid": "egid", "rgid": "rgid"}
"""Selection list kind -> the Task attribute it matches."""

KIND_GROUPS = {"pid": Group.BASE, "quick_pid": Group.BASE, "ppid": Group.BASE, "pgrp": Group.BASE,
               "sess": Group.BASE, "comm": Group.BASE | Group.COMM, "tty": Group.TTY, "euid": Group.OWNER,
               "ruid": Group.CRED, "egid": Group.OWNER, "rgid": Group.CRED}
"""Selection list kind (as the parser names it) -> the data groups its match reads."""

TABLE_GROUPS = Group.BASE | Group.OWNER | Group.TTY
"""What the simple selection table reads: euid, session id, tty."""


def uses_table(query) -> bool:
    """Whether the simple selection table decides (a/x/-a/-d given, or no list at all)."""
    return not query.all_tasks and (bool(query.simple_select) or not query.selections)


def selection_groups(query) -> Group:
    """The data groups deciding which tasks ``query`` shows (state for BSD r is in BASE)."""
    groups = Group.BASE
    if query.all_tasks:
        return groups
    for sel in query.selections:
        groups |= KIND_GROUPS[sel.kind]
    if uses_table(query):
        groups |= TABLE_GROUPS
    return groups


_BY_PID = frozenset({"pid", "quick_pid"})


def keep_groups(query) -> Group:
    """What a backend must read of a task before :func:`make_filter`'s predicate can judge it:
    ``Group.NONE`` (the pid alone: no file opened for a task the selection drops) when only
    -p lists decide, else :func:`selection_groups`."""
    if (query.selections and not query.all_tasks and not query.bsd_r and not uses_table(query)
            and all(s.kind in _BY_PID for s in query.selections)):
        return Group.NONE
    return selection_groups(query)


def _match(kind: str, values: list) -> Callable:
    vals = frozenset(values)
    if kind == "tty":
        return lambda t: (t.tty or 0) in vals
    attr = _KIND_ATTR.get(kind)
    if attr is not None:
        get = attrgetter(attr)
        return lambda t: get(t) in vals
    if kind == "comm":
        names = list(values)

        def by_comm(t, names=names):
            comm = t.comm or ""
            for name in names:
                if len(comm) == 15 and len(name) >= 15 and comm == name[:15]:
                    return True
                if comm == name:
                    return True
            return False

        return by_comm
    raise ValueError("unknown selection kind " + kind)


def make_filter(query) -> Callable | None:
    """A predicate task -> bool, or None when every task is shown."""
    all_tasks = query.all_tasks
    running_only = query.bsd_r
    negate = query.negate
    if all_tasks and not running_only and not negate:
        return None
    matchers = [_match(s.kind, s.values) for s in query.selections]
    use_table = uses_table(query)
    bits = query.select_bits
    own_euid = query.own_euid
    own_tty = query.own_tty

    def table(t) -> bool:
        tty = t.tty or 0
        index = ((t.euid == own_euid)
                 | ((t.sid == t.pid) << 1)
                 | ((not tty) << 2)
                 | ((tty == own_tty) << 3))
        return bool(bits & (1 << index))

    def want(t) -> bool:
        accepted = True
        if not all_tasks:
            if not (use_table and table(t)):
                for m in matchers:
                    if m(t):
                        break
                else:
                    accepted = False
        if running_only and t.state not in ("R", "D"):
            accepted = False
        return accepted != negate

    return want


def select(tasks: list, query) -> list:
    """The tasks the query shows, in their original order."""
    want = make_filter(query)
    if want is None:
        return tasks
    return [t for t in tasks if want(t)]


def narrow_strategy(query):
    """(strategy, pids) when the selection names every task it can show by pid (-p → ONE, with
    threads → THREAD) or by parent (--ppid → CHILDREN); else None (the query's ALL / ALL_THREAD).

    Only a selection made of lists of that one kind qualifies: lists are ORed with each other and
    with the simple selection table, and -N inverts them.  The selection is applied to the
    records afterwards all the same, so the listing is what a whole dump would give."""
    sels = query.selections
    if not sels or query.all_tasks or query.negate or uses_table(query):
        return None
    kinds = {s.kind for s in sels}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    pids = [v for s in sels for v in s.values]
    if kind == "pid":
        return (Strategy.THREAD if query.wants_threads else Strategy.ONE), pids
    if kind == "ppid" and not query.wants_threads:
        return Strategy.CHILDREN, pids
    return None
