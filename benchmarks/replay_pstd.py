#!/usr/bin/env python3
"""The whole ``pstd ARGS`` program on the netlink backend, its replies read from a recording.

    python benchmarks/replay_pstd.py RECORDING ARGS...

RECORDING is a file written by ``netlink_bench.py --record`` (u16 family, u64 groups, then
u32 length + datagram for each reply of one dump).  The socket the netlink backend opens
answers every dump request with those datagrams and GET_INFO says the module serves exactly
the recorded groups; everything else -- interpreter start, imports, parsing, selection,
sorting, rendering, writing -- is the program as installed.  ps_bench.py --replay times it
against ``ps`` on the host: the userspace cost at full interpreter speed, without the kernel's
share (which the VM benchmark measures).

The recording must be of the same query (a dump of other groups would be parsed wrongly);
ps_bench.py pairs each recording with the command it was made for.
"""

from __future__ import annotations

import os
import struct
import sys


class _RecordedSocket:
    """Stands in for the AF_NETLINK socket: each request is answered with the recorded datagrams."""

    def __init__(self, datagrams, show_flags: int) -> None:
        self._dgs = datagrams
        self._next = len(datagrams)
        self._show_flags = show_flags

    def send(self, data) -> int:
        from pstd import taskdiag_abi as abi

        off = abi.NLMSGHDR.size + abi.GENLMSGHDR.size + abi.TaskDiagMsg.size + 4
        flags, strategy, pid = abi.TaskDiagPid.unpack_from(data, off)
        if flags != self._show_flags or pid:
            sys.stderr.write("replay_pstd: a request for show_flags %#x pid %d, the recording holds %#x "
                             "of every task\n" % (flags, pid, self._show_flags))
            os._exit(3)
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


def _load(path: str):
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
    return family, groups, dgs


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


def _one_backend_for_top() -> None:
    """``pstd top`` opens a second backend to read the drawn rows' lazy groups (one ONE dump
    each); a recording holds one dump of every task, so here the screen runs as it does when
    that second backend cannot be opened: every group of every task in each refresh's one dump
    (more parsing than the live screen does, not less)."""
    from pstd import backends

    real = backends.open_backend
    opened = []

    def open_backend(*a, **k):
        if opened:
            raise backends.BackendUnavailable("replay: one backend")
        opened.append(1)
        return real(*a, **k)

    backends.open_backend = open_backend


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: replay_pstd.py RECORDING ARGS...")
    recording, args = sys.argv[1], sys.argv[2:]
    family, groups, dgs = _load(recording)

    from pstd.backends import netlink, nlwire

    plan = nlwire.Plan(groups)
    info = nlwire.Info(version=1, hidepid=0, show_flags=plan.show_flags, strategies=0xFF,
                       self_only_flags=0, policy=0)
    netlink.probe = lambda: (family, info)
    nlwire.open_socket = lambda: _RecordedSocket(dgs, plan.show_flags)
    from pstd.backends.procfs import ProcfsBackend

    _refuse_procfs(ProcfsBackend)
    os.environ["PSTD_BACKEND"] = "netlink"
    sys.argv = ["pstd", *args]
    if args[:1] == ["top"]:
        _one_backend_for_top()

    from pstd.__main__ import program

    program()


if __name__ == "__main__":
    main()
