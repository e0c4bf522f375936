"""Protocol errors: the exact errno, whether it arrives as NLMSG_ERROR or in NLMSG_DONE."""

from __future__ import annotations

import errno

import pytest

import vmhelpers as h
from pstd import taskdiag_abi as abi


@pytest.mark.parametrize("strategy", [str(abi.DUMP_MAX + 1), "99", str(1 << 40)])
def test_unknown_strategy_is_einval(strategy):
    assert h.dump_error("-s", strategy, "-f", "base") == errno.EINVAL


@pytest.mark.parametrize("bit", [abi.ATTR_MAX + 1, 31, 32, 63])
def test_unknown_flag_bits_are_einval(bit):
    assert h.dump_error("-s", "all", "-f", str(1 << bit)) == errno.EINVAL
    assert h.dump_error("-s", "all", "-f", str(abi.SHOW_BASE | (1 << bit))) == errno.EINVAL


def test_short_request_is_einval():
    assert h.dump_error("-s", "all", "-f", "base", "--short-request") == errno.EINVAL


@pytest.mark.parametrize("strategy", ["one", "thread", "children"])
def test_unknown_pid_is_esrch(strategy):
    pid = h.unused_pid()
    assert h.dump_error("-s", strategy, "-p", str(pid), "-f", "base") == errno.ESRCH


@pytest.mark.parametrize("group", ["vma_stat", "wchan"])
def test_unsupported_groups_are_eopnotsupp(group):
    assert h.dump_error("-s", "all", "-f", "base," + group) == errno.EOPNOTSUPP
    assert h.dump_error("-s", "one", "-p", "1", "-f", group) == errno.EOPNOTSUPP


def test_pid_is_ignored_by_all():
    d = h.dump("-s", "all", "-p", str(h.unused_pid()), "-f", "base")
    assert 1 in d.pids


def test_every_defined_group_is_accepted():
    served = abi.SHOW_ALL & ~abi.UNSUPPORTED_GROUPS
    d = h.dump("-s", "one", "-p", "1", "-f", str(served))
    (rec,) = d.tasks
    assert rec["pid"] == 1 and rec["comm"]


def test_info_describes_the_module():
    r = h.dump("--info")
    info = dict(kv.split("=", 1) for kv in r.stdout.split())
    assert int(info["version"]) == abi.GENL_VERSION
    assert int(info["genl_version"]) == abi.GENL_VERSION
    assert int(info["hdrsize"]) == abi.TaskDiagMsg.size
    assert int(info["strategies"], 16) == (1 << (abi.DUMP_MAX + 1)) - 1
    served = int(info["show_flags"], 16)
    assert served & abi.UNSUPPORTED_GROUPS == 0
    assert served & (abi.SHOW_BASE | abi.SHOW_CRED | abi.SHOW_VMA | abi.SHOW_STAT | abi.SHOW_STATM
                     | abi.SHOW_CMDLINE) == (abi.SHOW_BASE | abi.SHOW_CRED | abi.SHOW_VMA
                                             | abi.SHOW_STAT | abi.SHOW_STATM | abi.SHOW_CMDLINE)
    assert int(info["hidepid"]) == int(h.module_params().get("hidepid", "0"))


def _first_reply(strategy=abi.DUMP_ONE, flags=abi.SHOW_BASE, **kw):
    import nlclient as nl
    s = nl.open_socket()
    try:
        nl.send_get(s, nl.family_id(s), strategy, flags, 1, **kw)
        return nl.recv_all(s)
    finally:
        s.close()


@pytest.mark.parametrize("req_flags", [2, 0x80000000, 0xFFFFFFFF])
def test_unknown_request_flags_are_einval(req_flags):
    assert req_flags & ~abi.REQ_ALL
    assert _first_reply(req_flags=req_flags)[-1].error == errno.EINVAL
    for known in (0, abi.REQ_LEADER_WHOLE):
        assert _first_reply(req_flags=known)[-1].error == 0


def test_get_info_lists_the_request_flags():
    import nlclient as nl
    s = nl.open_socket()
    try:
        info = nl.get_info(s, nl.family_id(s))
    finally:
        s.close()
    assert info["req_flags"] == abi.REQ_ALL == abi.REQ_LEADER_WHOLE


@pytest.mark.parametrize("header", [b"\1" + b"\0" * 11, b"\0" * 4 + b"\1" + b"\0" * 7,
                                    b"\0" * 8 + b"\0\0\0\x80"])
def test_request_family_header_must_be_zero(header):
    import nlclient as nl
    assert _first_reply(family_header=header)[-1].error == errno.EINVAL
    s = nl.open_socket()
    try:
        with pytest.raises(OSError) as e:
            nl.get_info(s, nl.family_id(s), family_header=header)
        assert e.value.errno == errno.EINVAL
    finally:
        s.close()


def test_no_inode_generation_is_sent():
    """/proc/PID/maps does not show it, so the module does not either."""
    import nlclient as nl
    s = nl.open_socket()
    nl.send_get(s, nl.family_id(s), abi.DUMP_ALL, abi.SHOW_BASE | abi.SHOW_VMA)
    n = 0
    for dg in nl.recv_all(s):
        for m in dg.msgs:
            for payload in m.attrs.get(abi.VMA, []):
                off = 0
                while off < len(payload):
                    rec = dict(zip(abi.TaskDiagVma.names, abi.TaskDiagVma.unpack_from(payload, off)))
                    assert rec["generation"] == 0, rec
                    n += rec["inode"] != 0
                    off += rec["vma_len"]
    s.close()
    assert n > 0, "no file-backed mapping seen"
