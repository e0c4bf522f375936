"""Ordering rows: sort keys, the forest's tree walk and the m-mode thread order.

procps applies its sort keys one after another with a stable sort, least
significant first; ``Query.sort_keys`` lists them most significant first.  With
no keys rows keep /proc order (pid order).  A forest sorts by ppid (or the
user's keys) and then start time before walking the trees; m / -m orders
threads by process, then start time.
"""

from __future__ import annotations

from pstd.ps.columns import lookup as _lookup
from pstd.ps.query import SortKey


def effective_keys(keys, shown, lookup=_lookup) -> list:
    """The sort keys procps really applies, given the shown columns' names.

    procps sorts by a value only when it was fetched: by the printer of a shown
    column or of a sort key's own column (``Column.fetches``).  A key whose value
    nobody fetched makes procps's sort call fail and leave the order alone.
    """
    fetched = set()
    for name in list(shown) + [k.spec for k in keys if k.spec]:
        column = lookup(name)
        if column is not None:
            fetched.update(column.fetches)
    out = []
    for k in keys:
        column = lookup(k.spec) if k.spec else None
        if column is not None and column.value is not None and column.value not in fetched:
            continue
        out.append(k)
    return out


def forest_keys(user_keys) -> list:
    """The keys procps sorts a forest by: the user's (or ppid), then start time."""
    keys = list(user_keys) if user_keys else [SortKey("ppid")]
    return keys + [SortKey("start_time")]


THREAD_KEYS = (SortKey("pid"), SortKey("start_time"))
"""m / -m order: by thread-group id, then by start time within the group."""


def applied_keys(query, lookup=_lookup) -> list:
    """The keys the listing of ``query`` is sorted by (what rows() applies, most significant first)."""
    if query.fancy:
        shown = [c.spec for c in query.columns if c.spec]
        keys = effective_keys(query.sort_keys, shown, lookup)
        return forest_keys(keys) if query.forest_type else keys
    if query.thread_flags & 0x400:  # m / -m
        return list(THREAD_KEYS)
    return []


def apply_sort(rows: list, keys, ctx, lookup=_lookup) -> list:
    """Sort ``rows`` in place by ``keys`` (most significant first, each (spec, reverse))."""
    for k in reversed(list(keys)):
        column = lookup(k.spec) if k.spec else None
        value = column.value if column is not None else None
        if value is not None:
            rows.sort(key=lambda t, value=value: value(t, ctx), reverse=k.reverse)
    return rows


def forest(rows: list, forest_type: str) -> list:
    """(task, prefix) in procps's tree order; ``rows`` is already sorted.

    The prefix has one character per level: '+' (this row has a later sibling)
    or 'L' (last child) at its own level, and '|' or ' ' at the levels above.
    Children of pid 1 stay at pid 1's level except for -H.  The walk keeps its own
    stack: a deep tree needs no recursion (and no change of the recursion limit).
    """
    n = len(rows)
    out: list = []
    pids = {t.pid for t in rows}
    # first index of each ppid run, for the child search
    first_child: dict = {}
    for i, t in enumerate(rows):
        first_child.setdefault(t.ppid, i)
    prefix: list = []
    indent_init = forest_type != "u"

    def enter(i: int, level: int, have_sibling: bool):
        """Emit row i; the frame [pid, level, next child index] when it has children."""
        if level:
            prefix[level - 1:] = ["+" if have_sibling else "L"]
        else:
            del prefix[:]
        out.append((rows[i], "".join(prefix[:level])))
        pid = rows[i].pid
        child = first_child.get(pid)
        if child is None:
            return None
        if level:
            prefix[level - 1:] = ["|" if have_sibling else " "]
        return [pid, level, child]

    for root in range(n - 1, -1, -1):
        if rows[root].ppid in pids:
            continue
        del prefix[:]
        frame = enter(root, 0, False)
        stack = [frame] if frame is not None else []
        while stack:
            frame = stack[-1]
            pid, level, i = frame
            if i >= n:  # all children shown
                del prefix[level:]
                stack.pop()
                continue
            more = i + 1 < n and rows[i + 1].ppid == pid
            frame[2] = i + 1 if more else n
            child = enter(i, level if (pid == 1 and indent_init) else level + 1, more)
            if child is not None:
                stack.append(child)
    return out


def thread_groups(tasks: list, ctx=None, lookup=_lookup) -> list:
    """m / -m order (``THREAD_KEYS``), in place."""
    return apply_sort(tasks, THREAD_KEYS, ctx, lookup)
