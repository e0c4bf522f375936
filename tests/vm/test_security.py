"""Visibility rules: procfs's per-field view, requester and socket opener, namespaces, hidepid."""

from __future__ import annotations

import errno
import os
import socket
import subprocess

import pytest

import vmhelpers as h
from pstd import taskdiag_abi as abi

SYS_PY = "/usr/bin/python3"


@pytest.fixture(scope="module")
def root_task(tools):
    fx = h.Fixture.start([tools["fork"], "1", "2"])
    (child,) = h.proc_children(fx.pid)
    yield child
    fx.stop()


@pytest.fixture(scope="module")
def nobody_task(tools):
    fx = h.Fixture.start(h.NOBODY + [tools["fork"], "1", "2"])
    (child,) = h.proc_children(fx.pid)
    assert os.stat("/proc/%d" % child).st_uid == h.NOBODY_UID
    yield child
    fx.stop()


def nobody_reads(path: str) -> bytes | None:
    """What user nobody reads from path (None when it may not)."""
    r = subprocess.run(h.NOBODY + ["cat", path], capture_output=True)
    return r.stdout if r.returncode == 0 else None


def view(d: h.Dump, maps_dir: str, pid: int) -> tuple:
    """What a dump shows of one task: its fields and its maps text (None when VMA is absent)."""
    rec = d.by_pid()[pid]
    maps = h.read_bytes(os.path.join(maps_dir, str(pid))) if "vmas" in rec else None
    return (rec["pid"], rec["ppid"], rec["comm"], rec.get("uid"), rec.get("minflt") is not None,
            rec.get("cmdline"), maps)


FLAGS = "base,cred,stat,statm,cmdline,vma"


def test_procfs_oracle_is_meaningful(root_task, nobody_task):
    # the premise of the tests below: procfs hides root's maps from nobody, not nobody's own
    assert nobody_reads("/proc/%d/maps" % root_task) is None
    assert nobody_reads("/proc/%d/maps" % nobody_task)
    assert nobody_reads("/proc/%d/cmdline" % root_task)


def test_unprivileged_sees_what_procfs_shows_it(root_task, nobody_task):
    out = h.world_dir("maps")
    before = h.proc_pids()
    d = h.dump("-s", "all", "-f", FLAGS, "--maps-dir", out, user=h.NOBODY)
    after = h.proc_pids()
    # default procfs lists every task to everyone
    assert (before & after) <= set(d.pids)
    by = d.by_pid()
    for pid in (root_task, nobody_task, 1):
        rec = by[pid]
        maps = nobody_reads("/proc/%d/maps" % pid)
        if maps is None:
            assert "vmas" not in rec, "pid %d: VMA shown to nobody, procfs refuses it" % pid
        elif h.lsm_gated():
            # the module cannot ask the LSM: another process's maps come from procfs
            assert "vmas" not in rec
        else:
            assert "vmas" in rec, "pid %d: VMA hidden from nobody, procfs shows it" % pid
            assert h.read_bytes(os.path.join(out, str(pid))) == maps
        # fields procfs shows to everyone
        cmdline = nobody_reads("/proc/%d/cmdline" % pid)
        assert rec["cmdline"] == len(cmdline)
        with open("/proc/%d/status" % pid) as f:
            uids = [ln.split()[1:] for ln in f if ln.startswith("Uid:")][0]
        assert rec["uid"] == ",".join(uids)
        assert "minflt" in rec and "statm" in rec
    assert "vmas" not in by[root_task]
    assert ("vmas" in by[nobody_task]) != h.lsm_gated()
    # its own process: always (procfs asks no LSM about that)
    assert "vmas" in by[d.runner_pid]


def test_root_sees_everything(root_task, nobody_task):
    out = h.world_dir("maps")
    d = h.dump("-s", "all", "-f", FLAGS, "--maps-dir", out)
    by = d.by_pid()
    assert {root_task, nobody_task, 1} <= set(by)
    assert "vmas" in by[d.runner_pid]
    for pid in (root_task, nobody_task, 1):
        if h.lsm_gated():
            # AppArmor may confine even root: other processes' maps come from procfs
            assert "vmas" not in by[pid]
            continue
        assert "vmas" in by[pid]
        assert h.read_bytes(os.path.join(out, str(pid))) == h.read_bytes("/proc/%d/maps" % pid)


def test_info_reports_the_lsm_gating():
    info = h.module_info()
    if info["policy"] & abi.POLICY_LSM:
        assert info["self_only_flags"] == abi.SHOW_VMA
    else:
        assert info["self_only_flags"] == 0


def nobody_view(root_task, nobody_task):
    out = h.world_dir("maps")
    d = h.dump("-s", "all", "-f", FLAGS, "--maps-dir", out, user=h.NOBODY)
    return {p: view(d, out, p) for p in (root_task, nobody_task)}


OPEN_AND_SEND = r"""
import socket, sys
chan = socket.socket(fileno=int(sys.argv[1]))
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
socket.send_fds(chan, [b"x"], [nl.fileno()])
chan.recv(1)
"""


def test_socket_opened_by_nobody_used_by_root(root_task, nobody_task):
    a, b = socket.socketpair()
    helper = subprocess.Popen(h.NOBODY + [SYS_PY, "-S", "-c", OPEN_AND_SEND, str(b.fileno())],
                              pass_fds=(b.fileno(),))
    try:
        _, fds, _, _ = socket.recv_fds(a, 1, 1)
        assert len(fds) == 1
        nl = fds[0]
        out = h.world_dir("maps")
        d = h.dump("-s", "all", "-f", FLAGS, "--maps-dir", out, "--fd", str(nl), pass_fds=(nl,))
        got = {p: view(d, out, p) for p in (root_task, nobody_task)}
        os.close(nl)
    finally:
        a.send(b"x")
        helper.wait()
    # the opener's (nobody's) view, although root asked
    assert got == nobody_view(root_task, nobody_task)
    assert got[root_task][-1] is None


def test_socket_opened_by_root_used_by_nobody(root_task, nobody_task):
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, abi.NETLINK_GENERIC)
    try:
        out = h.world_dir("maps")
        d = h.dump("-s", "all", "-f", FLAGS, "--maps-dir", out, "--fd", str(nl.fileno()),
                   user=h.NOBODY, pass_fds=(nl.fileno(),))
        got = {p: view(d, out, p) for p in (root_task, nobody_task)}
    finally:
        nl.close()
    # the requester's (nobody's) view, although root opened the socket
    assert got == nobody_view(root_task, nobody_task)
    assert got[root_task][-1] is None


def test_socket_opened_by_root_used_after_dropping_privileges(root_task, nobody_task):
    """The same process: opens as root, then setresuid(nobody), then dumps."""
    script = r"""
import os, socket, subprocess, sys
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
nl.set_inheritable(True)
os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
os.execv(sys.argv[1], [sys.argv[1], "-s", "one", "-p", sys.argv[2], "-f", "base,vma",
                       "--fd", str(nl.fileno())])
"""
    for pid, visible in ((root_task, False), (nobody_task, not h.lsm_gated())):
        r = subprocess.run([SYS_PY, "-S", "-c", script,
                            h.dump_binary(), str(pid)], capture_output=True, text=True)
        # the socket must survive exec
        assert r.returncode == 0, r.stderr
        (line,) = [ln for ln in r.stdout.splitlines() if ln.startswith("pid=")]
        assert ("vmas=" in line) == visible, line


UNSHARE = ["unshare", "--pid", "--user", "--map-root-user", "--fork", "--mount-proc"]

NS_SCRIPT = r"""
%(fork)s 3 2 > /tmp/fork.out &
while [ ! -s /tmp/fork.out ]; do sleep 0.05; done
%(dump)s -s all_thread -f base,cred
echo ---
for d in /proc/[0-9]*; do
    for t in $d/task/[0-9]*; do echo "T ${t##*/}"; done
done
echo ---
cat /proc/self/uid_map
kill $!
"""


def test_pid_and_user_namespace(tools, unprivileged_userns):
    script = NS_SCRIPT % {"fork": tools["fork"], "dump": tools["task_diag_dump"]}
    r = subprocess.run(h.unchrooted(h.NOBODY + UNSHARE + ["sh", "-c", script]), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    dump_part, proc_part, uid_map = r.stdout.split("---\n")
    assert uid_map.split()[:2] == ["0", str(h.NOBODY_UID)]
    recs = [h.parse_line(ln) for ln in dump_part.splitlines() if ln.startswith("pid=")]
    tids = {int(ln.split()[1]) for ln in proc_part.splitlines() if ln.startswith("T ")}
    got = {r_["pid"] for r_ in recs}
    # only the namespace's tasks, with its pids: sh is 1, then the fork parent, its 3
    # children x 2 threads, then the dump itself (the newest task when it ran; the
    # processes of the listing loop came after it)
    assert max(got) < 100, "pids outside the namespace's numbering: %s" % sorted(got)
    dump_pid = max(got)
    assert got == {t for t in tids if t < dump_pid} | {dump_pid}
    assert len(got) == 1 + 1 + 3 * 2 + 1
    by = {r_["pid"]: r_ for r_ in recs}
    assert by[1]["ppid"] == 0
    # nobody is root inside: every task's ids are mapped to 0
    assert {r_["uid"] for r_ in recs} == {"0,0,0,0"}
    assert {r_["gid"] for r_ in recs} == {"0,0,0,0"}


def test_hidepid_hides_other_users_tasks(root_task, nobody_task):
    try:
        h.reload_module("hidepid=2")
        assert h.module_params().get("hidepid") == "2"
        info = h.module_info(h.NOBODY)
        assert info["hidepid"] == 2 and info["policy"] & abi.POLICY_PARAM
        d = h.dump("-s", "all", "-f", "base,cred", user=h.NOBODY)
        got = set(d.pids)
        assert d.runner_pid in got
        # with LSM hooks the module cannot ask, only the requester's own process is listed
        assert (nobody_task in got) != h.lsm_gated()
        assert root_task not in got and 1 not in got
        assert {r["uid"] for r in d.tasks} == {"%d,%d,%d,%d" % ((h.NOBODY_UID,) * 4)}
        dt = h.dump("-s", "all_thread", "-f", "base", user=h.NOBODY)
        assert {r["tgid"] for r in dt.tasks} - {dt.runner_pid} <= got - {d.runner_pid}
        # ONE of a hidden task: as if it did not exist
        assert h.dump_error("-s", "one", "-p", str(root_task), "-f", "base",
                            user=h.NOBODY) == errno.ESRCH
        droot = h.dump("-s", "all", "-f", "base")
        if h.lsm_gated():
            assert set(droot.pids) == {droot.runner_pid}
        else:
            # root may inspect everything: nothing hidden
            assert {root_task, nobody_task, 1} <= set(droot.pids)
    finally:
        h.reload_module()
    d = h.dump("-s", "all", "-f", "base", user=h.NOBODY)
    assert root_task in d.pids
