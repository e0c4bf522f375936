"""The file a recorded dump is kept in (netlink_bench.py writes it; replay_pstd.py, ps_bench.py and
netlink_bench.py --replay read it).

A header ``=HQB`` (the generic netlink family id, the Task groups the dump served, the dump
strategy), then for each reply datagram of that one dump a native u32 length and the datagram.
"""

from __future__ import annotations

import struct

# no pathlib: replay_pstd.py is timed as pstd, and pathlib costs about 12 ms to import

HEADER = struct.Struct("=HQB")
_LEN = struct.Struct("=I")


class Recording:
    """One recorded dump."""

    def __init__(self, family: int, groups: int, strategy: int, datagrams: list) -> None:
        self.family = family
        self.groups = groups
        self.strategy = strategy
        self.datagrams = datagrams


def write(path, family: int, groups: int, strategy: int, datagrams) -> None:
    with open(path, "wb") as f:
        f.write(HEADER.pack(family, int(groups), int(strategy)))
        for d in datagrams:
            f.write(_LEN.pack(len(d)) + bytes(d))


def load(path) -> Recording:
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER.size:
        raise SystemExit(f"{path}: not a recording (no header)")
    family, groups, strategy = HEADER.unpack_from(data)
    view = memoryview(data)
    off, dgs = HEADER.size, []
    while off < len(data):
        if off + _LEN.size > len(data):
            raise SystemExit(f"{path} is cut short")
        (n,) = _LEN.unpack_from(data, off)
        if off + _LEN.size + n > len(data):
            raise SystemExit(f"{path} is cut short")
        dgs.append(view[off + _LEN.size:off + _LEN.size + n])
        off += _LEN.size + n
    return Recording(family, groups, strategy, dgs)


def task_count(rec: Recording) -> int:
    """Tasks in a recording (the first message of each; CONT continuations not counted)."""
    n, cont = 0, False  # a CONT sequence may go on in the next datagram
    for dg in rec.datagrams:
        p, end = 0, len(dg)
        while p + 16 <= end:
            mlen, typ = struct.unpack_from("=IH", dg, p)
            if typ == rec.family and mlen >= 32:
                if not cont:
                    n += 1
                cont = bool(struct.unpack_from("=I", dg, p + 28)[0] & 1)
            p += max(16, (mlen + 3) & ~3)
    return n
