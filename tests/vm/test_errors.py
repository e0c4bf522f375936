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
