"""Ordering rows: sort keys, the forest's tree walk and the m-mode thread order.

procps applies its sort keys one after another with a stable sort, least
significant first; ``Query.sort_keys`` lists them most significant first.  With
no keys rows keep /proc order (pid order).  A forest sorts by ppid (or the
user's keys) and then start time before walking the trees.
"""

from __future__ import annotations

from pstd.ps.columns import lookup as _lookup


def _key_function(spec, ctx, lookup):
    column = lookup(spec) if spec else None
    if column is None or column.sort_key is None:
        return None
    sort_key = column.sort_key
    return lambda t: sort_key(t, ctx)


# procps sorts by a library item only when that item was fetched: by one of its always-read
# items, by the printer of a shown column, or by the printer of a sort key's own column.
# These specifiers' sort items are read by none of those unless one of the listed columns
# is shown or sorted by; otherwise procps's sort call fails and leaves the order alone.
_LATE_ITEMS = {
    "cutime": "TICS_USER_C", "utime": "TICS_USER", "end_code": "ADDR_CODE_END",
    "start_code": "ADDR_CODE_START", "fgid": "FLAGS", "m_resident": "MEM_RES_PGS",
    "resident": "MEM_RES_PGS", "m_share": "MEM_SHR_PGS", "tty4": "TTY_NAME", "vm_data": "VM_DATA",
    "vm_exe": "VM_EXE", "vm_lib": "VM_LIB", "vm_stack": "VM_STACK", "vsize": "VSIZE_BYTES",
}
_PROVIDERS = {
    "ADDR_CODE_END": ("drs", "dsiz", "m_drs", "m_trs", "trs", "trss", "tsiz"),
    "ADDR_CODE_START": ("drs", "dsiz", "m_drs", "m_trs", "trs", "trss", "tsiz"),
    "FLAGS": ("f", "flag", "flags"),
    "TTY_NAME": ("longtname", "tname", "tt", "tty", "tty8"),
    "VM_DATA": ("size",), "VM_STACK": ("size",),
    "VSIZE_BYTES": ("drs", "dsiz", "m_drs", "m_size", "m_trs", "size", "trs", "trss", "tsiz"),
}


def effective_keys(keys, shown) -> list:
    """The sort keys procps really applies, given the shown columns' names."""
    names = set(shown) | {k.spec for k in keys if k.spec}
    out = []
    for k in keys:
        item = _LATE_ITEMS.get(k.spec)
        if item is not None and not names.intersection(_PROVIDERS.get(item, ())):
            continue
        out.append(k)
    return out


def apply_sort(rows: list, keys, ctx, lookup=_lookup) -> list:
    """Sort ``rows`` in place by ``keys`` (most significant first, each (spec, reverse))."""
    for spec, reverse in reversed([(k.spec, k.reverse) for k in keys]):
        fn = _key_function(spec, ctx, lookup)
        if fn is not None:
            rows.sort(key=fn, reverse=reverse)
    return rows


class _Key:
    __slots__ = ("spec", "reverse")

    def __init__(self, spec, reverse=False):
        self.spec, self.reverse = spec, reverse


def forest_keys(user_keys) -> list:
    """The keys procps sorts a forest by: the user's (or ppid), then start time."""
    keys = list(user_keys) if user_keys else [_Key("ppid")]
    return keys + [_Key("start_time")]


def _start(t):
    v = t.start_time
    return 0 if v is None else v


def forest(rows: list, forest_type: str) -> list:
    """(task, prefix) in procps's tree order; ``rows`` is already sorted.

    The prefix has one character per level: '+' (this row has a later sibling)
    or 'L' (last child) at its own level, and '|' or ' ' at the levels above.
    Children of pid 1 stay at pid 1's level except for -H.
    """
    n = len(rows)
    out: list = []
    pids = {}
    for t in rows:
        pids.setdefault(t.pid, True)
    # first index of each ppid run, for the child search
    first_child: dict = {}
    for i, t in enumerate(rows):
        first_child.setdefault(t.ppid, i)
    prefix: list = []
    indent_init = forest_type != "u"

    def show(self_i: int, level: int, have_sibling: bool) -> None:
        if level:
            prefix[level - 1:] = ["+" if have_sibling else "L"]
        else:
            del prefix[:]
        out.append((rows[self_i], "".join(prefix[:level])))
        self_pid = rows[self_i].pid
        i = first_child.get(self_pid)
        if i is None:
            return
        if level:
            prefix[level - 1:] = ["|" if have_sibling else " "]
        while i < n:
            more = i + 1 < n and rows[i + 1].ppid == self_pid
            if self_pid == 1 and indent_init:
                show(i, level, more)
            else:
                show(i, level + 1, more)
            i += 1
            if not more:
                break
        del prefix[level:]

    import sys

    limit = sys.getrecursionlimit()
    if limit < n + 100:
        sys.setrecursionlimit(n + 100)
    for i in range(n - 1, -1, -1):
        if rows[i].ppid in pids:
            continue
        del prefix[:]
        show(i, 0, False)
    return out


def thread_groups(tasks: list) -> list:
    """m / -m order: by thread-group id, then by start time within the group (stable)."""
    tasks.sort(key=_start)
    tasks.sort(key=lambda t: t.pid)
    return tasks
