"""The netlink wire takes only the kernel's datagrams (a real socket on the host's generic netlink)."""

from __future__ import annotations

import errno
import socket
import struct

import pytest

from pstd import taskdiag_abi as abi
from pstd.backends import nlwire as wire
from pstd.model import Group


def _unconnected():
    """Our kind of socket, but not connected: _recv's own check is what these tests judge."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 16)
    s.bind((0, 0))
    return s


def _spoofed_family_reply(seq: int, family_id: int) -> bytes:
    name = b"nlctrl\0"
    attrs = wire._NLA.pack(4 + len(name), abi.CTRL_ATTR_FAMILY_NAME) + name + b"\0" * (-len(name) % 4)
    attrs += wire._NLA.pack(6, abi.CTRL_ATTR_FAMILY_ID) + struct.pack("=H", family_id) + b"\0\0"
    body = abi.GENLMSGHDR.pack(1, 2, 0) + attrs  # CTRL_CMD_NEWFAMILY
    return abi.NLMSGHDR.pack(16 + len(body), abi.GENL_ID_CTRL, 0, seq, 0) + body


def _send_from(theirs, data: bytes, port: int) -> None:
    """Send as another socket would; refused (our socket is connected to the kernel) is fine too."""
    try:
        theirs.sendto(data, (port, 0))
    except ConnectionRefusedError:
        pass
    except PermissionError:  # generic netlink: sending to a port needs CAP_NET_ADMIN
        pytest.skip("sending to another netlink socket needs CAP_NET_ADMIN")


def _raw_socket():
    """A socket that is not connected to the kernel: it may send to any port id."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
    s.bind((0, 0))
    return s


def test_another_socket_cannot_send_to_ours():
    ours, theirs = wire.open_socket(), _raw_socket()
    try:
        with pytest.raises(OSError) as e:
            theirs.sendto(b"\0" * 20, (ours.getsockname()[0], 0))
        assert e.value.errno in (errno.ECONNREFUSED, errno.EPERM)
    finally:
        ours.close()
        theirs.close()


def test_a_datagram_from_another_socket_is_not_a_reply():
    """Another local process may send to our port id: its "reply", there before the kernel's, is dropped."""
    ours, theirs = _unconnected(), _raw_socket()
    try:
        port = ours.getsockname()[0]
        _send_from(theirs, _spoofed_family_reply(1, 0x7777), port)
        # nlctrl, generic netlink's own family, is there on every kernel: the kernel's answer is its id
        assert wire.resolve_family(ours, "nlctrl") == abi.GENL_ID_CTRL
    finally:
        ours.close()
        theirs.close()


def test_a_dump_ends_only_at_the_kernel_s_done():
    """A DONE from another sender would end a dump early (tasks hidden); it is not read at all."""
    ours, theirs = _unconnected(), _raw_socket()
    try:
        port = ours.getsockname()[0]
        done = abi.NLMSGHDR.pack(20, abi.NLMSG_DONE, abi.NLM_F_MULTI, 3, 0) + struct.pack("=i", 0)
        _send_from(theirs, done, port)
        # then a real answer from the kernel: an error for a dump of a family that does not exist
        ours.send(wire.dump_request(0x7FFF, abi.SHOW_BASE, 0))
        res = wire.Result()
        buf = bytearray(wire.RECV_SIZE)
        n = wire._recv(ours, buf)
        wire.parse(buf, 0, n, 0x7FFF, wire.Plan(Group.BASE), res)
        assert res.done and res.error != 0  # the kernel's NLMSG_ERROR, not the spoofed DONE
    finally:
        ours.close()
        theirs.close()


def test_the_test_client_takes_only_the_kernel_s_datagrams():
    """tests/vm/nlclient.py, the exploit tests' raw client, drops another sender's datagram too:
    a spoofed family reply must not become the family id (with the module loaded the kernel's
    id comes back, without it the kernel's ENOENT)."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "vm"))
    import nlclient

    ours, theirs = _unconnected(), _raw_socket()
    try:
        _send_from(theirs, _spoofed_family_reply(1, 0x7777), ours.getsockname()[0])
        try:
            got = nlclient.family_id(ours)
        except OSError as e:
            assert e.errno == errno.ENOENT
        else:
            assert got != 0x7777
    finally:
        ours.close()
        theirs.close()
