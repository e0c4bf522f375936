#!/usr/bin/env python3
"""The whole ``pstd ARGS`` program on the netlink backend, its replies read from a recording.

    python benchmarks/replay_pstd.py RECORDING ARGS...

RECORDING is a file written by ``netlink_bench.py --record`` (u16 family, u64 groups, then
u32 length + datagram for each reply of one dump), or a folder of such files (``pstd top``
asks for several sets of groups).  The socket the netlink backend opens answers a dump of all
tasks with the datagrams recorded for the requested groups, and a dump of one task (ONE, as
``pstd top`` sends for each drawn row) with that task's message of the same recording and the
recording's closing message; GET_INFO says the module serves exactly the recorded groups.
Everything else -- interpreter start, imports, parsing, selection, sorting, rendering,
writing -- is the program as installed.  ps_bench.py --replay and top_cpu_bench.py --replay
time it on the host: the userspace cost at full interpreter speed, without the kernel's share
(which the VM benchmark measures).

A request for groups no recording holds ends the program with status 3 (a recording of another
query would otherwise be parsed wrongly, or the figure would time /proc); ps_bench.py pairs
each recording with the command it was made for.
"""

from __future__ import annotations

import os
import struct
import sys

_NLMSGHDR = struct.Struct("=IHHII")


class _Recording:
    """One recorded dump: its datagrams, and each task's message by pid (for ONE requests)."""

    def __init__(self, family: int, groups: int, datagrams) -> None:
        self.family, self.groups, self.datagrams = family, groups, datagrams
        self._by_pid = None
        self.done = b""

    def message_of(self, pid: int) -> bytes:
        if self._by_pid is None:
            from pstd import taskdiag_abi as abi

            self._by_pid = {}
            body = _NLMSGHDR.size + abi.GENLMSGHDR.size
            for dg in self.datagrams:
                off = 0
                while off + _NLMSGHDR.size <= len(dg):
                    n, kind = _NLMSGHDR.unpack_from(dg, off)[:2]
                    if n < _NLMSGHDR.size:
                        break
                    if kind == abi.NLMSG_DONE:
                        self.done = bytes(dg[off:off + n])
                    elif kind == self.family:
                        (tid,) = struct.unpack_from("=I", dg, off + body)
                        self._by_pid.setdefault(tid, bytes(dg[off:off + n]))
                    off += (n + 3) & ~3
        return self._by_pid.get(pid, b"")


class _RecordedSocket:
    """Stands in for the AF_NETLINK socket: each request is answered from the recordings."""

    def __init__(self, recordings: dict) -> None:
        self._recordings = recordings
        self._dgs = []
        self._next = 0

    def send(self, data) -> int:
        from pstd import taskdiag_abi as abi

        off = abi.NLMSGHDR.size + abi.GENLMSGHDR.size + abi.TaskDiagMsg.size + 4
        flags, strategy, pid = abi.TaskDiagPid.unpack_from(data, off)
        rec = self._recordings.get(flags)
        if rec is None:
            sys.stderr.write("replay_pstd: a request for show_flags %#x; recorded: %s\n"
                             % (flags, ", ".join("%#x" % f for f in self._recordings)))
            os._exit(3)
        if pid:
            msg = rec.message_of(pid)
            self._dgs = [msg + rec.done]
        else:
            self._dgs = rec.datagrams
        self._next = 0
        return len(data)

    def recv_into(self, buf) -> int:
        if self._next >= len(self._dgs):
            raise OSError(11, "no reply recorded")
        dg = self._dgs[self._next]
        self._next += 1
        n = len(dg)
        buf[:n] = dg
        return n

    def close(self) -> None:
        pass


def _load(path: str) -> _Recording:
    with open(path, "rb") as f:
        data = f.read()
    family, groups = struct.unpack_from("=HQ", data)
    view = memoryview(data)
    off, dgs = 10, []
    while off < len(data):
        (n,) = struct.unpack_from("=I", data, off)
        if off + 4 + n > len(data):
            sys.exit("replay_pstd: %s is cut short" % path)
        dgs.append(view[off + 4:off + 4 + n])
        off += 4 + n
    return _Recording(family, groups, dgs)


def _refuse_procfs(backend_cls) -> None:
    """Make any answer from procfs an error: the figure would otherwise time /proc, silently.

    The module's replies name a few tasks whose data the backend reads from procfs by design
    (a kernel thread whose comm procfs spells otherwise); those are counted, not refused."""
    from pstd.backends import netlink

    real_dump = netlink.NetlinkBackend.dump
    real_refill = netlink.NetlinkBackend._refill

    def fail(*a, **k):
        sys.stderr.write("replay_pstd: the query fell back to procfs (recording of another query?)\n")
        os._exit(3)

    def dump(self, *a, **k):
        self.procfs.dump = fail
        self.procfs.fill = fail
        return real_dump(self, *a, **k)

    def refill(self, tasks, refill):
        if os.environ.get("PSTD_REPLAY_VERBOSE"):
            sys.stderr.write("replay_pstd: %d tasks refilled from procfs\n" % len(refill))
        self.procfs.fill = backend_cls.fill.__get__(self.procfs)
        try:
            return real_refill(self, tasks, refill)
        finally:
            self.procfs.fill = fail

    netlink.NetlinkBackend.dump = dump
    netlink.NetlinkBackend._refill = refill


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: replay_pstd.py RECORDING ARGS...")
    path, args = sys.argv[1], sys.argv[2:]
    paths = [os.path.join(path, n) for n in sorted(os.listdir(path))] if os.path.isdir(path) else [path]

    from pstd.backends import netlink, nlwire

    recordings, served = {}, 0
    for p in paths:
        rec = _load(p)
        flags = nlwire.Plan(rec.groups).show_flags
        recordings[flags] = rec
        served |= flags
    family = rec.family
    info = nlwire.Info(version=1, hidepid=0, show_flags=served, strategies=0xFF, self_only_flags=0, policy=0)
    netlink.probe = lambda: (family, info)
    nlwire.open_socket = lambda: _RecordedSocket(recordings)
    from pstd.backends.procfs import ProcfsBackend

    _refuse_procfs(ProcfsBackend)
    os.environ["PSTD_BACKEND"] = "netlink"
    sys.argv = ["pstd", *args]

    from pstd.__main__ import program

    program()


if __name__ == "__main__":
    main()
