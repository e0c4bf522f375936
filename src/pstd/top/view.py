"""Which tasks a frame shows and in what order, as top decides it; no text.

Shared by batch mode and the interactive screen: sort by the query's field (the
library's key: %CPU by tick delta, %MEM by resident size, names by bytes), ties in
the order the tasks were read; then top's display filters (``-i``: only tasks
that used cpu since the last sample; ``-u``/``-U``: the user selection).  The
``Tasks:`` counts are over all tasks read, before these filters.
"""

from __future__ import annotations

from pstd.top import fields


def order(sample, query, frame) -> list[int]:
    """Indexes into ``sample.tasks`` in top's sort order."""
    f = fields.field(query.sort_field)
    keys = [f.key(t, d, frame) for t, d in zip(sample.tasks, sample.deltas)]
    idx = list(range(len(keys)))
    idx.sort(key=lambda i: (keys[i] is None, keys[i] if keys[i] is not None else 0),
             reverse=query.sort_descending)
    return idx


def user_selected(task, query) -> bool:
    """top's -u (effective uid) and -U (real, effective, saved or filesystem uid), '!' inverted."""
    if not query.user_filter:
        return True
    uid = query.user_uid
    hit = task.euid == uid
    if query.user_filter == "U" and not hit:
        hit = uid in (task.ruid, task.suid, task.fsuid)
    return hit == query.user_match


def visible(sample, query, frame, limit: int | None = None) -> list[int]:
    """Indexes of the tasks shown, in order; at most ``limit`` of them."""
    out = []
    for i in order(sample, query, frame):
        if limit is not None and len(out) >= limit:
            break
        if not query.idle and sample.deltas[i] <= 0:
            continue
        if not user_selected(sample.tasks[i], query):
            continue
        out.append(i)
    return out
