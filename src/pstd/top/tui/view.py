"""From a Snapshot to the rows on screen: filters, sort, tree, search.  No Textual here.

Filters take top's other-filter syntax: ``FIELD=TEXT`` (the cell contains TEXT),
``FIELD<VALUE`` / ``FIELD>VALUE`` (numbers when both sides read as numbers, else text),
a leading ``!`` to invert.  A filter without an operator is htop's: the command
contains the text.  ``o`` filters ignore case, as top's ``o`` does; ``O`` keeps it.
"""

from __future__ import annotations

import re

from pstd.plainclass import Factory, plain
from pstd.top.tui import columns as C

_NUM = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)")
TEXT_WIDTH = 512


class BadFilter(ValueError):
    pass


def _number(text: str):
    m = _NUM.match(text)
    return float(m.group(0)) if m else None


class Filter:
    def __init__(self, column, op: str, value: str, negate: bool, ignore_case: bool, text: str) -> None:
        self.column = column
        self.op = op
        self.value = value.lower() if ignore_case and op == "=" else value
        self.negate = negate
        self.ignore_case = ignore_case
        self.text = text
        self.number = _number(value)

    def matches(self, task, delta, ctx) -> bool:
        cell = self.column.text(task, delta, ctx, TEXT_WIDTH).strip()
        if self.op == "=":
            hit = self.value in (cell.lower() if self.ignore_case else cell)
        else:
            a = _number(cell)
            if a is not None and self.number is not None:
                hit = a < self.number if self.op == "<" else a > self.number
            else:
                hit = cell < self.value if self.op == "<" else cell > self.value
        return hit != self.negate


def parse_filter(text: str, ignore_case: bool = True) -> Filter:
    raw = text
    text = text.strip()
    negate = text.startswith("!")
    if negate:
        text = text[1:]
    m = re.match(r"([^=<>]+)([=<>])(.*)$", text)
    if not m:
        if not text:
            raise BadFilter("empty filter")
        return Filter(C.make("args"), "=", text, negate, ignore_case, raw)
    name, op, value = m.group(1).strip(), m.group(2), m.group(3)
    try:
        column = C.make(name)
    except C.UnknownColumn:
        try:
            column = C.make(name.upper())
        except C.UnknownColumn:
            raise BadFilter(f"unknown field '{name}'") from None
    if not value:
        raise BadFilter(f"'{raw}': no value")
    return Filter(column, op, value, negate, ignore_case, raw)


@plain
class ViewState:
    sort: str = "%CPU"
    """The sort column's name (one of the shown columns, or any column name)."""
    descending: bool = True
    tree: bool = False
    collapsed: set = Factory(set)
    """Tree view: tids whose subtrees are folded."""
    uid: int = -1
    """User filter: only tasks with this effective uid; -1 for everyone."""
    any_uid: bool = False
    """top's -U / U: the real, effective, saved or filesystem uid."""
    uid_invert: bool = False
    """top's ``!USER``: every task but that user's."""
    filters: list = Factory(list)
    idle: bool = True
    threads: bool = False
    pids: list = Factory(list)


class Row:
    __slots__ = ("task", "delta", "prefix", "children", "folded")

    def __init__(self, task, delta, prefix="", children=0, folded=False) -> None:
        self.task = task
        self.delta = delta
        self.prefix = prefix
        self.children = children
        self.folded = folded


def _keyed(rows, column, ctx, descending):
    if column is None:
        return rows
    present, missing = [], []
    for r in rows:
        k = column.key(r.task, r.delta, ctx)
        (missing if k is None else present).append((k, r))
    try:
        present.sort(key=lambda kr: kr[0], reverse=descending)
    except TypeError:
        present.sort(key=lambda kr: str(kr[0]), reverse=descending)
    return [r for _, r in present] + [r for _, r in missing]


def sort_column(state: ViewState, shown):
    for c in shown:
        if c.name == state.sort:
            return c
    try:
        return C.make(state.sort)
    except C.UnknownColumn:
        return None


def build(snap, shown, ctx, state: ViewState) -> list[Row]:
    rows = []
    for t, d in zip(snap.tasks, snap.deltas):
        if state.uid >= 0:
            hit = t.euid == state.uid or (state.any_uid and state.uid in (t.ruid, t.suid, t.fsuid))
            if hit == state.uid_invert:
                continue
        if not state.idle and d <= 0:
            continue
        if state.filters and not all(f.matches(t, d, ctx) for f in state.filters):
            continue
        rows.append(Row(t, d))
    column = sort_column(state, shown)
    if not state.tree:
        return _keyed(rows, column, ctx, state.descending)
    return _forest(rows, column, ctx, state)


def _forest(rows, column, ctx, state: ViewState) -> list[Row]:
    """Each task under its parent (a thread under its process), siblings in sort order;
    a task whose parent is not shown is a root."""
    by_tid = {r.task.tid: r for r in rows}
    kids: dict[int, list] = {}
    roots = []
    for r in rows:
        t = r.task
        parent = t.pid if t.tid != t.pid else t.ppid
        if parent in by_tid and parent != t.tid:
            kids.setdefault(parent, []).append(r)
        else:
            roots.append(r)
    out: list[Row] = []
    hidden: list[Row] = []

    def hide(r) -> None:
        for c in kids.get(r.task.tid, []):
            if len(hidden) < len(rows):
                hidden.append(c)
                hide(c)

    def walk(r, lead: str, last: bool, depth: int) -> None:
        children = _keyed(kids.get(r.task.tid, []), column, ctx, state.descending)
        folded = r.task.tid in state.collapsed and bool(children)
        if depth == 0:
            r.prefix = "+ " if folded else ""
        else:
            r.prefix = lead + ("└" if last else "├") + ("+" if folded else "─") + " "
        r.children = len(children)
        r.folded = folded
        out.append(r)
        if folded:
            hide(r)
            return
        inner = "" if depth == 0 else lead + ("  " if last else "│ ")
        for i, c in enumerate(children):
            walk(c, inner, i == len(children) - 1, depth + 1)

    ordered = _keyed(roots, column, ctx, state.descending)
    for i, r in enumerate(ordered):
        walk(r, "", i == len(ordered) - 1, 0)
    # a parent loop (reparenting between reads) leaves tasks unreached: show them as roots
    if len(out) + len(hidden) < len(rows):
        seen = {id(r) for r in out} | {id(r) for r in hidden}
        for r in rows:
            if id(r) not in seen:
                r.prefix = ""
                out.append(r)
    return out


def find(rows, text: str, start: int, shown, ctx, fill=None) -> int:
    """The first row at or after ``start`` (wrapping) whose shown text contains ``text``; -1 if none."""
    n = len(rows)
    for k in range(n):
        i = (start + k) % n
        r = rows[i]
        if fill is not None:
            fill(r.task)
        if any(text in c.text(r.task, r.delta, ctx, TEXT_WIDTH) for c in shown) or text in r.task.comm:
            return i
    return -1
