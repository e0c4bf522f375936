"""A raw TASK_DIAG client for the exploit tests: one datagram at a time, every byte visible.

Standard library plus pstd.taskdiag_abi only, so scripts run as other users (or forked
mid-dump) can import it with ``sys.path`` pointing at tests/vm and src.  Unlike the C
tool it never merges CONT sequences: tests look at the messages exactly as the kernel
sent them, datagram by datagram.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src"))

from pstd import taskdiag_abi as abi  # noqa: E402

RECV_SIZE = 1 << 16


@dataclass
class Msg:
    """One task message: the family header and its attributes (id -> list of payloads)."""

    pid: int
    tgid: int
    flags: int
    attrs: dict = field(default_factory=dict)

    @property
    def cont(self) -> bool:
        return bool(self.flags & abi.FLAG_CONT)

    def vmas(self) -> list[tuple[int, int, str]]:
        """(start, end, name) of every VMA record in this message."""
        out = []
        for payload in self.attrs.get(abi.VMA, []):
            off = 0
            while off + abi.TaskDiagVma.size <= len(payload):
                rec = dict(zip(abi.TaskDiagVma.names,
                               abi.TaskDiagVma.unpack_from(payload, off)))
                name = ""
                if rec["name_len"]:
                    raw = payload[off + rec["name_off"]:off + rec["name_off"] + rec["name_len"]]
                    name = raw.rstrip(b"\0").decode("utf-8", "surrogateescape")
                out.append((rec["start"], rec["end"], name))
                assert rec["vma_len"] >= abi.TaskDiagVma.size, rec
                off += rec["vma_len"]
        return out


@dataclass
class Datagram:
    msgs: list = field(default_factory=list)
    done: bool = False
    error: int = 0          # errno of NLMSG_ERROR or of NLMSG_DONE


def open_socket() -> socket.socket:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, abi.NETLINK_GENERIC)
    s.bind((0, 0))
    return s


def _attrs(buf: bytes, off: int, end: int) -> dict:
    out: dict = {}
    while off + abi.NLA_HDRLEN <= end:
        ln, typ = abi.NLATTR.unpack_from(buf, off)
        if ln < abi.NLA_HDRLEN or off + ln > end:
            raise ValueError("bad attribute length %d" % ln)
        out.setdefault(typ & abi.NLA_TYPE_MASK, []).append(buf[off + abi.NLA_HDRLEN:off + ln])
        off += abi.nl_align(ln)
    return out


def family_id(s: socket.socket) -> int:
    name = abi.GENL_NAME.encode() + b"\0"
    attr = abi.NLATTR.pack(abi.NLA_HDRLEN + len(name), abi.CTRL_ATTR_FAMILY_NAME) + name
    attr += b"\0" * (abi.nl_align(len(attr)) - len(attr))
    body = abi.GENLMSGHDR.pack(abi.CTRL_CMD_GETFAMILY, 1, 0) + attr
    s.send(abi.NLMSGHDR.pack(abi.NLMSGHDR.size + len(body), abi.GENL_ID_CTRL,
                             abi.NLM_F_REQUEST, 1, 0) + body)
    buf, _ = _recv_from_kernel(s, RECV_SIZE)
    ln, typ, _, _, _ = abi.NLMSGHDR.unpack_from(buf, 0)
    if typ == abi.NLMSG_ERROR:
        raise OSError(-struct.unpack_from("=i", buf, abi.NLMSGHDR.size)[0], "CTRL_CMD_GETFAMILY")
    off = abi.NLMSGHDR.size + abi.GENLMSGHDR.size
    a = _attrs(buf, off, ln)
    return struct.unpack_from("=H", a[abi.CTRL_ATTR_FAMILY_ID][0])[0]


def send_get(s: socket.socket, fam: int, strategy: int, flags: int, pid: int = 0, *,
             seq: int = 7, req_flags: int = 0, family_header: bytes = b"\0" * 12,
             payload: bytes | None = None) -> None:
    """Send a TASK_DIAG_CMD_GET dump request; every byte can be set by the caller."""
    if payload is None:
        payload = struct.pack("=QQII", flags, strategy, pid, req_flags)
    attr = abi.NLATTR.pack(abi.NLA_HDRLEN + len(payload), abi.CMD_ATTR_GET) + payload
    attr += b"\0" * (abi.nl_align(len(attr)) - len(attr))
    body = abi.GENLMSGHDR.pack(abi.CMD_GET, abi.GENL_VERSION, 0) + family_header + attr
    s.send(abi.NLMSGHDR.pack(abi.NLMSGHDR.size + len(body), fam,
                             abi.NLM_F_REQUEST | abi.NLM_F_DUMP, seq, 0) + body)


def get_info(s: socket.socket, fam: int, family_header: bytes = b"\0" * 12) -> dict:
    body = abi.GENLMSGHDR.pack(abi.CMD_GET_INFO, abi.GENL_VERSION, 0) + family_header
    s.send(abi.NLMSGHDR.pack(abi.NLMSGHDR.size + len(body), fam, abi.NLM_F_REQUEST, 9, 0) + body)
    buf, _ = _recv_from_kernel(s, RECV_SIZE)
    ln, typ, _, _, _ = abi.NLMSGHDR.unpack_from(buf, 0)
    if typ == abi.NLMSG_ERROR:
        raise OSError(-struct.unpack_from("=i", buf, abi.NLMSGHDR.size)[0], "GET_INFO")
    off = abi.NLMSGHDR.size + abi.GENLMSGHDR.size + abi.TaskDiagMsg.size
    payload = _attrs(buf, off, ln)[abi.INFO_ATTR][0]
    info = {}
    lay = getattr(abi, "TaskDiagInfo", None)
    if lay is not None:
        payload = payload[:lay.size] + b"\0" * max(0, lay.size - len(payload))
        info = dict(zip(lay.names, lay.unpack_from(payload)))
    return info


def _recv_from_kernel(s: socket.socket, size: int) -> tuple[bytes, int]:
    """The next datagram the kernel (port 0) sent, and its flags: any process may send to our
    port, and what it sends is not a reply."""
    while True:
        buf, _, flags, addr = s.recvmsg(size)
        if addr and addr[0] == 0:
            return buf, flags


def recv_datagram(s: socket.socket, size: int = RECV_SIZE) -> Datagram:
    """Receive one datagram (one dump buffer) and parse it."""
    buf, flags = _recv_from_kernel(s, size)
    if flags & socket.MSG_TRUNC:
        raise ValueError("datagram truncated")
    d = Datagram()
    off = 0
    while off + abi.NLMSGHDR.size <= len(buf):
        ln, typ, _, _, _ = abi.NLMSGHDR.unpack_from(buf, off)
        if ln < abi.NLMSGHDR.size or off + ln > len(buf):
            raise ValueError("bad message length %d" % ln)
        data = off + abi.NLMSGHDR.size
        if typ == abi.NLMSG_ERROR:
            d.error = -struct.unpack_from("=i", buf, data)[0]
            d.done = True
        elif typ == abi.NLMSG_DONE:
            if ln >= abi.NLMSGHDR.size + 4:
                d.error = -struct.unpack_from("=i", buf, data)[0]
            d.done = True
        else:
            hdr = data + abi.GENLMSGHDR.size
            pid, tgid, fl = abi.TaskDiagMsg.unpack_from(buf, hdr)
            d.msgs.append(Msg(pid, tgid, fl, _attrs(buf, hdr + abi.TaskDiagMsg.size, off + ln)))
        off += abi.nl_align(ln)
    return d


def recv_all(s: socket.socket, size: int = RECV_SIZE) -> list[Datagram]:
    out = []
    while True:
        d = recv_datagram(s, size)
        out.append(d)
        if d.done:
            return out


def check_cont_sequences(datagrams: list[Datagram]) -> None:
    """The CONT rule as a client relies on it: a sequence never changes pid or tgid, and
    a message is split only at the start of a datagram (it did not fit in an empty one)."""
    prev = None
    for dg in datagrams:
        for i, m in enumerate(dg.msgs):
            if prev is not None and prev.cont:
                assert (m.pid, m.tgid) == (prev.pid, prev.tgid), (prev, m)
                assert i == 0, "a continuation that is not first in its datagram"
            if m.cont:
                assert i == len(dg.msgs) - 1, "a CONT message that is not last in its datagram"
                assert i == 0, "a task split although it started in a non-empty buffer"
            prev = m
    assert prev is None or not prev.cont, "dump ended inside a CONT sequence"
