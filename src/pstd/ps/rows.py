"""``rows(query, backend) -> Rows``: which tasks a listing shows, in which order, as which kind of row.

Selection, sorting, the forest's tree order and the thread modes, with no text:
the text renderer (:func:`pstd.ps.render.render_text`) is one consumer, ``top``,
JSON output and the Python API are others.  Nothing here writes, forks or
changes process-global state.
"""

from __future__ import annotations

import os

from pstd.model import Strategy, Task
from pstd.ps import select as _select
from pstd.ps import sort as _sort

PROCESS = "process"
"""A row for a process (or a thread listed as one: -L, -T, H)."""
THREAD = "thread"
"""A thread row under its process row (m / -m)."""


class Row:
    """One row: the task, its forest prefix and its kind."""

    __slots__ = ("task", "prefix", "kind")

    def __init__(self, task: Task, prefix: str = "", kind: str = PROCESS) -> None:
        self.task = task
        """The record (typed values; see pstd.model.Task)."""
        self.prefix = prefix
        """Forest prefix, one character per level: '+' / 'L' (has a later sibling / last child)
        at the row's own level, '|' / ' ' above it; '' outside a forest."""
        self.kind = kind
        """PROCESS or THREAD."""

    def __repr__(self) -> str:
        return f"Row({self.task!r}, {self.prefix!r}, {self.kind})"


class Rows:
    """The rows of one listing, in display order.

    Stored as parallel lists so that a listing of 30,000 processes costs no object
    per row; iterating yields :class:`Row` objects.  ``prefixes`` is None outside a
    forest, ``threads`` None outside m / -m (else True marks a THREAD row).
    """

    __slots__ = ("tasks", "prefixes", "threads")

    def __init__(self, tasks: list, prefixes: list | None = None, threads: list | None = None) -> None:
        self.tasks = tasks
        self.prefixes = prefixes
        self.threads = threads

    def __len__(self) -> int:
        return len(self.tasks)

    def __iter__(self):
        prefixes, threads = self.prefixes, self.threads
        for i, task in enumerate(self.tasks):
            yield Row(task, prefixes[i] if prefixes is not None else "",
                      THREAD if threads is not None and threads[i] else PROCESS)


class _ThisMachine:
    """The constants sort values need, read from the system (no streams, unlike an Environment)."""

    def __init__(self) -> None:
        self.page_size = os.sysconf("SC_PAGE_SIZE")
        self.clock_ticks = os.sysconf("SC_CLK_TCK")


def _default_context(query):
    from pstd.ps.context import make_context

    return make_context(_ThisMachine(), query)


def dump(query, backend) -> list:
    """The records the query's selection is chosen from (quick pids: in the order given).

    A backend with ``dump_many`` (netlink: one cheap request per pid) is asked only for the
    processes a -p or --ppid selection names; others list everything, and the selection is
    passed along to drop tasks before the files it does not need are read."""
    groups = query.show_flags
    if query.quick_pids:
        strategy = Strategy.THREAD if query.wants_threads else Strategy.ONE
        tasks = []
        last = None
        for pid in query.quick_pids:
            # procps's quick mode: an id lists what /proc/ID shows (a thread's id: that thread,
            # with its process's pid, which the selection then keeps only if it is listed too or
            # -e, x, ... take every process).  In thread modes an id lists its process's threads,
            # but not again right after the same process's (procps goes on reading the task
            # directory it has just read to its end).
            got = backend.dump(strategy, groups, pid=pid)
            if strategy == Strategy.THREAD:
                if not got or got[0].pid == last:
                    continue
                last = got[0].pid
            tasks.extend(got)
        return tasks
    many = getattr(backend, "dump_many", None)
    if many is not None:
        narrow = _select.narrow_strategy(query)
        if narrow is not None:
            return many(narrow[0], groups, narrow[1])
    # m / -m lists a shown process's threads whatever each thread's own values: its selection
    # is made over the whole dump (rows())
    keep = None if query.thread_flags & 0x400 else _select.make_filter(query)
    if keep is None:
        return backend.dump(query.strategy, groups)
    # The selection, handed to the backend, drops a task as soon as what it judges is read:
    # `-p 1` opens one stat, `-u root u` reads status only for root's tasks.  rows() applies
    # it again, so a backend that ignores it lists the same rows.
    return backend.dump(query.strategy, groups, keep=keep, keep_groups=_select.keep_groups(query))


def rows(query, backend, ctx=None, lookup=None) -> Rows:
    """The rows ``query`` lists from ``backend``.

    ``ctx`` (a FormatContext) feeds the sort values that depend on the clock or the
    machine (%cpu, elapsed time, ...); without one, one is made for this process's
    environment.  ``lookup`` maps specifiers to columns (the registry by default).
    """
    if lookup is None:
        from pstd.ps.columns import lookup
    if ctx is None:
        ctx = _default_context(query)
    tasks = dump(query, backend)
    want = _select.make_filter(query)
    keys = _sort.applied_keys(query, lookup)
    if query.fancy:
        shown = tasks if want is None else [t for t in tasks if want(t)]
        _sort.apply_sort(shown, keys, ctx, lookup)
        if query.forest_type:
            pairs = _sort.forest(shown, query.forest_type)
            return Rows([t for t, _ in pairs], [p for _, p in pairs])
        return Rows(shown)
    if query.thread_flags & 0x400:  # m / -m: a process line, then its threads
        _sort.apply_sort(tasks, keys, ctx, lookup)
        items, threads = [], []
        i, total = 0, len(tasks)
        while i < total:
            t = tasks[i]
            if want is None or want(t):
                items.append(t)
                threads.append(False)
                tgid = t.pid
                while i < total and tasks[i].pid == tgid:
                    items.append(tasks[i])
                    threads.append(True)
                    i += 1
            else:
                i += 1
        return Rows(items, threads=threads)
    return Rows(tasks if want is None else [t for t in tasks if want(t)])


def row_chunks(query, backend):
    """The rows of a listing that orders nothing, as lists of tasks in display order, read a
    chunk at a time (a generator); None when the listing needs all of its rows first.

    A listing with no sort, no forest, no m / -m thread lines and no pid lists shows the
    tasks in the order the backend lists them, each judged by the selection alone, so its
    rows can be printed and dropped as they come: a listing of 30,000 processes then never
    holds more than a chunk of records (the memory of one chunk is reused by the next, where
    a whole listing touches tens of MiB of fresh pages).  Backends without ``dump_chunks``
    (netlink: one reply for all) list them with :func:`rows`."""
    chunks = getattr(backend, "dump_chunks", None)
    if chunks is None or query.fancy or query.thread_flags & 0x400 or query.quick_pids:
        return None
    if getattr(backend, "dump_many", None) is not None and _select.narrow_strategy(query) is not None:
        return None
    want = _select.make_filter(query)
    if want is None:
        return chunks(query.strategy, query.show_flags)
    # dump_chunks, unlike dump, promises to apply the selection it is handed
    return chunks(query.strategy, query.show_flags, keep=want, keep_groups=_select.keep_groups(query))

