#!/usr/bin/env python3
"""The whole ``pstd ARGS`` program on the netlink backend, its replies read from a recording.

    python benchmarks/replay_pstd.py RECORDING ARGS...

RECORDING is a file written by ``netlink_bench.py --record`` (recording.py: the family, groups
and strategy of one dump, then its reply datagrams), or a folder of such files (``pstd top``
asks for several sets of groups, and each refresh for the next recording of its dump).  The
socket the netlink backend opens answers from them (``_RecordedSocket``); GET_INFO says the
module serves exactly the recorded groups.  Everything else -- interpreter start, imports, parsing, selection, sorting, rendering,
writing -- is the program as installed.  ps_bench.py --replay and top_cpu_bench.py --replay
time it on the host: the userspace cost at full interpreter speed, without the kernel's share
(which the VM benchmark measures).

A request no recording answers ends the program with status 3 (a recording of another query
would otherwise be parsed wrongly, or the figure would time /proc); ps_bench.py pairs each
recording with the command it was made for.  Not replayed: the kernel's work, and the socket
each dump opens, binds and closes (a screen's per-row ONE dumps open one each).
"""

from __future__ import annotations

import os
import struct
import sys

import recording

_NLMSGHDR = struct.Struct("=IHHII")
_ALL, _ONE = 0, 1
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_ESRCH = 3


class _Recorded:
    """One recorded dump, and each task's messages by thread id (the answer to a ONE request)."""

    def __init__(self, rec: recording.Recording) -> None:
        self.rec = rec
        self._by_tid = None
        self.done = b""

    def messages_of(self, tid: int) -> list:
        if self._by_tid is None:
            from pstd import taskdiag_abi as abi

            self._by_tid = {}
            body = _NLMSGHDR.size + abi.GENLMSGHDR.size
            for dg in self.rec.datagrams:
                off = 0
                while off + _NLMSGHDR.size <= len(dg):
                    n, kind = _NLMSGHDR.unpack_from(dg, off)[:2]
                    if n < _NLMSGHDR.size:
                        break
                    if kind == _NLMSG_DONE:
                        self.done = bytes(dg[off:off + n])
                    elif kind == self.rec.family:
                        (msg_tid,) = struct.unpack_from("=I", dg, off + body)
                        # a task split over several messages (CONT) keeps all of them, in order
                        self._by_tid.setdefault(msg_tid, []).append(bytes(dg[off:off + n]))
                    off += (n + 3) & ~3
        return self._by_tid.get(tid, [])


class _RecordedSocket:
    """Stands in for the AF_NETLINK socket: each request is answered from the recordings.

    A dump of every task gets the datagrams recorded for its groups and strategy (several
    recordings of one dump, as of a screen's refreshes, are answered in turn); a ONE dump gets
    the task's messages from a recording of every task with those groups, one datagram each,
    the last followed by the recording's NLMSG_DONE (an NLMSG_ERROR of ESRCH for a task not
    recorded, as the module answers).  Anything else ends the program: status 3."""

    def __init__(self, dumps: dict, turn: dict) -> None:
        self._dumps = dumps
        self._turn = turn  # shared by every socket of the run: refreshes go on to the next recording
        self._dgs = []
        self._next = 0

    def _refuse(self, why: str) -> None:
        sys.stderr.write("replay_pstd: %s; recorded: %s\n" % (why, ", ".join(
            "show_flags %#x strategy %d" % k for k in self._dumps)))
        os._exit(3)

    def send(self, data) -> int:
        from pstd import taskdiag_abi as abi

        off = abi.NLMSGHDR.size + abi.GENLMSGHDR.size + abi.TaskDiagMsg.size + 4
        flags, strategy, pid, _req_flags = abi.TaskDiagPid.unpack_from(data, off)
        if pid == 0:
            recs = self._dumps.get((flags, strategy))
            if not recs:
                self._refuse("a dump of show_flags %#x strategy %d" % (flags, strategy))
            k = self._turn.get((flags, strategy), 0)
            self._turn[(flags, strategy)] = k + 1
            self._dgs = recs[k % len(recs)].rec.datagrams
        elif strategy == _ONE and self._dumps.get((flags, _ALL)):
            rec = self._dumps[(flags, _ALL)][-1]
            msgs = rec.messages_of(pid)
            if msgs:
                self._dgs = msgs[:-1] + [msgs[-1] + rec.done]
            else:
                seq = _NLMSGHDR.unpack_from(data)[3]
                self._dgs = [_NLMSGHDR.pack(36, _NLMSG_ERROR, 0, seq, 0) + struct.pack("=i", -_ESRCH)
                             + bytes(data[:16])]
        else:
            self._refuse("a dump of show_flags %#x strategy %d for pid %d" % (flags, strategy, pid))
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

    def recvfrom_into(self, buf):
        return self.recv_into(buf), (0, 0)  # the recording's datagrams are the kernel's

    def close(self) -> None:
        pass


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
        self.procfs.comms = fail
        return real_dump(self, *a, **k)

    def refill(self, tasks, refill, names=()):
        if os.environ.get("PSTD_REPLAY_VERBOSE"):
            sys.stderr.write("replay_pstd: %d tasks refilled from procfs, %d names read\n"
                             % (len(refill), len(names)))
        self.procfs.fill = backend_cls.fill.__get__(self.procfs)
        self.procfs.comms = backend_cls.comms.__get__(self.procfs)
        try:
            return real_refill(self, tasks, refill, names)
        finally:
            self.procfs.fill = fail
            self.procfs.comms = fail

    netlink.NetlinkBackend.dump = dump
    netlink.NetlinkBackend._refill = refill


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: replay_pstd.py RECORDING ARGS...")
    path, args = sys.argv[1], sys.argv[2:]
    paths = [os.path.join(path, n) for n in sorted(os.listdir(path))] if os.path.isdir(path) else [path]

    from pstd import taskdiag_abi as abi
    from pstd.backends import netlink, nlwire

    dumps, served, family = {}, 0, 0
    for p in paths:
        rec = recording.load(p)
        flags = nlwire.Plan(rec.groups).show_flags
        dumps.setdefault((flags, rec.strategy), []).append(_Recorded(rec))
        served |= flags
        family = rec.family
    # the recordings come from a module that takes request flags (one dump per thread listing)
    info = nlwire.Info(version=1, hidepid=0, show_flags=served, strategies=0xFF, self_only_flags=0, policy=0,
                       req_flags=abi.REQ_ALL)
    netlink.probe = lambda: (family, info)
    turn: dict = {}
    nlwire.open_socket = lambda: _RecordedSocket(dumps, turn)
    from pstd.backends.procfs import ProcfsBackend

    _refuse_procfs(ProcfsBackend)
    os.environ["PSTD_BACKEND"] = "netlink"
    sys.argv = ["pstd", *args]

    from pstd.__main__ import program

    program()


if __name__ == "__main__":
    main()
