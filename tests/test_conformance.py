"""Task.FIELDS is a contract every backend keeps: asked for a group, a backend sets each
field of that group (and of BASE) with a type Task.FIELD_TYPES allows, and nothing of
the groups it was not asked for.

Checked on the live system and on a fixture /proc tree for each backend in BACKENDS;
the netlink backend joins by adding its factory there (its live run is in the VM).
"""

from __future__ import annotations

import os

import pytest

from pstd.backends.procfs import ProcfsBackend
from pstd.model import Group, Strategy, Task

BACKENDS = {
    # name -> factory(proc directory or None for the live system)
    "procfs": lambda proc: ProcfsBackend(proc=proc) if proc else ProcfsBackend(),
}

ALWAYS = {"pid", "tid", "is_thread"}


def _groups_of(backend):
    return [g for g in Task.FIELDS if backend.groups & g == g]


def _check(task, groups: Group):
    want = set()
    for g, names in Task.FIELDS.items():
        if (groups | Group.BASE) & g:
            want.update(names)
    have = set(task.values()) - ALWAYS
    assert want <= have, f"{task}: {groups!r} leaves {sorted(want - have)} unset"
    assert have <= want, f"{task}: {groups!r} also set {sorted(have - want)}"
    assert type(task.pid) is int and type(task.tid) is int
    # a field written to the instance dict under a slot's name would hide from attribute reads
    assert all(getattr(task, k) == v for k, v in task.values().items()), task
    for name in want:
        v = getattr(task, name)
        assert type(v) in Task.FIELD_TYPES[name], f"{task}: {name}={v!r} is not {Task.FIELD_TYPES[name]}"


def test_field_types_cover_exactly_the_fields():
    fields = [n for names in Task.FIELDS.values() for n in names]
    assert len(fields) == len(set(fields)), "a field belongs to one group"
    assert set(fields) == set(Task.FIELD_TYPES)
    for name, types in Task.FIELD_TYPES.items():
        assert types and all(isinstance(t, type) for t in types), name


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_live_system_every_group(name):
    b = BACKENDS[name](None)
    groups = _groups_of(b)
    assert groups, "a backend serves some groups"
    for g in groups:
        rows = b.dump(Strategy.ALL, g)
        assert any(t.pid == os.getpid() for t in rows), g
        for t in rows:
            _check(t, g)
    every = Group(0)
    for g in groups:
        every |= g
    rows = b.dump(Strategy.ALL_THREAD, every)
    assert rows and all(t.is_thread for t in rows)
    for t in rows:
        _check(t, every)
    me = next(t for t in b.dump(Strategy.ONE, every, os.getpid()))
    # a live, readable process of ours: the kernel reports these
    for field in ("cmdline", "environ", "exe", "io", "cgroup", "vm_rss_kb", "vm_lck_kb", "nvcsw",
                  "oom_score", "pss_kb", "resident_pages", "wchan", "loginuid"):
        if field == "loginuid" and not os.path.exists("/proc/self/loginuid"):
            continue  # a kernel without CONFIG_AUDIT has no loginuid file (the debug kernel's config)
        assert getattr(me, field) is not None, field
    assert me.ns and all(type(v) is int for v in me.ns.values())


# ------------------------------------------------------------------ the fixture

def _stat(pid, comm, state, ppid, flags, nlwp=1, vsize=0, rss=0):
    # fields after the comm, numbered from 0 (state) as procfs.py numbers them
    f = ["0"] * 50
    f[0], f[1], f[2], f[3], f[4], f[5], f[6] = state, str(ppid), str(pid), str(pid), "34817", str(pid), str(flags)
    f[7:15] = ["11", "12", "13", "14", "150", "160", "17", "18"]
    f[15], f[16], f[17], f[19], f[20], f[21] = "20", "-3", str(nlwp), "4242", str(vsize), str(rss)
    f[22:28] = ["18446744073709551615", "4194304", "4200000", "140737488347136", "0", "0"]
    f[36], f[37], f[38] = "1", "0", "0"
    return f"{pid} ({comm}) " + " ".join(f) + "\n"


_STATUS_USER = """Name:\tx
State:\tS (sleeping)
Tgid:\t{pid}
Uid:\t1000\t1001\t1002\t1003
Gid:\t2000\t2001\t2002\t2003
FDSize:\t64
Groups:\t{groups}
VmPeak:\t   10000 kB
VmSize:\t    9000 kB
VmLck:\t       4 kB
VmPin:\t       0 kB
VmHWM:\t    1200 kB
VmRSS:\t    1100 kB
RssAnon:\t     500 kB
RssFile:\t     600 kB
RssShmem:\t       0 kB
VmData:\t     700 kB
VmStk:\t     132 kB
VmExe:\t       8 kB
VmLib:\t    2000 kB
VmPTE:\t      48 kB
VmSwap:\t      16 kB
Threads:\t2
SigQ:\t0/63408
SigPnd:\t0000000000000100
ShdPnd:\t0000000000004000
SigBlk:\tfffffffe7ffbfeff
SigIgn:\t0000000000001000
SigCgt:\t0000000180000000
CapInh:\t0000000000000000
CapPrm:\t000001ffffffffff
CapEff:\t000001ffffffffff
CapBnd:\t000001ffffffffff
CapAmb:\t0000000000000000
voluntary_ctxt_switches:\t77
nonvoluntary_ctxt_switches:\t5
"""

_STATUS_KTHREAD = """Name:\tkthreadd
State:\tS (sleeping)
Uid:\t0\t0\t0\t0
Gid:\t0\t0\t0\t0
Groups:\t
Threads:\t1
SigPnd:\t0000000000000000
ShdPnd:\t0000000000000000
SigBlk:\t0000000000000000
SigIgn:\tffffffffffffffff
SigCgt:\t0000000000000000
CapInh:\t0000000000000000
CapPrm:\t000001ffffffffff
CapEff:\t000001ffffffffff
CapBnd:\t000001ffffffffff
voluntary_ctxt_switches:\t1
nonvoluntary_ctxt_switches:\t0
"""


def _task_dir(d, pid, stat, status, full):
    d.mkdir(parents=True)
    (d / "stat").write_text(stat)
    (d / "status").write_text(status)
    (d / "cmdline").write_bytes(b"/usr/bin/x\0-v\0" if full else b"")
    (d / "statm").write_text("2250 275 150 2 0 208 0\n")
    (d / "oom_score").write_text("666\n")
    (d / "oom_score_adj").write_text("-100\n")
    (d / "cgroup").write_text("0::/user.slice/x.scope\n")
    ns = d / "ns"
    ns.mkdir()
    for kind in ("ipc", "mnt", "net", "pid", "user", "uts"):  # no cgroup, time: absent kinds
        (ns / kind).write_text("")
    if full:
        (d / "environ").write_bytes(b"A=1\0B=2\0")
        (d / "wchan").write_text("do_sys_poll")
        (d / "attr").mkdir()
        (d / "attr" / "current").write_text("unconfined\n")
        (d / "io").write_text("rchar: 10\nwchar: 20\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\n"
                              "write_bytes: 0\ncancelled_write_bytes: 0\n")
        (d / "smaps_rollup").write_text("00400000-7fff0000 ---p 00000000 00:00 0 [rollup]\n"
                                        "Rss:  1100 kB\nPss:  900 kB\nPss_Dirty:  300 kB\nPss_Anon:  700 kB\n"
                                        "Pss_File:  150 kB\nPss_Shmem:  50 kB\nPrivate_Clean:  100 kB\n"
                                        "Private_Dirty:  300 kB\n")
        os.symlink("/usr/bin/x", d / "exe")
        (d / "loginuid").write_text("1000")
        (d / "autogroup").write_text("/autogroup-42 nice 5\n")
    else:
        (d / "wchan").write_text("")  # the kernel's answer to a reader it does not trust


@pytest.fixture
def fake_proc(tmp_path):
    groups = " ".join(str(g) for g in range(50000, 53000))  # a status over 8 KiB
    user = _stat(100, "x", "S", 1, 0x400100, nlwp=2, vsize=9216000, rss=275)
    _task_dir(tmp_path / "100", 100, user, _STATUS_USER.format(pid=100, groups=groups), True)
    _task_dir(tmp_path / "100" / "task" / "100", 100, user, _STATUS_USER.format(pid=100, groups=groups), True)
    _task_dir(tmp_path / "100" / "task" / "101", 101, _stat(101, "x:w", "R", 1, 0x400040, nlwp=2),
              _STATUS_USER.format(pid=100, groups="4 24"), True)
    kt = _stat(2, "kthreadd", "S", 0, 0x00208040)
    _task_dir(tmp_path / "2", 2, kt, _STATUS_KTHREAD, False)
    _task_dir(tmp_path / "2" / "task" / "2", 2, kt, _STATUS_KTHREAD, False)
    (tmp_path / "self").mkdir()
    return str(tmp_path)


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_fixture_every_group(name, fake_proc):
    b = BACKENDS[name](fake_proc)
    every = Group(0)
    for g in _groups_of(b):
        rows = b.dump(Strategy.ALL, g)
        assert sorted(t.pid for t in rows) == [2, 100], g
        for t in rows:
            _check(t, g)
        every |= g
    rows = b.dump(Strategy.ALL_THREAD, every)
    assert sorted(t.tid for t in rows) == [2, 100, 101]
    for t in rows:
        _check(t, every)


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_fixture_values_are_typed_not_ps_text(name, fake_proc):
    b = BACKENDS[name](fake_proc)
    every = Group(0)
    for g in _groups_of(b):
        every |= g
    rows = {t.tid: t for t in b.dump(Strategy.ALL_THREAD, every)}
    u, w, k = rows[100], rows[101], rows[2]
    assert (u.sig_pending, u.sig_shared, u.sig_blocked, u.sig_ignored, u.sig_caught) == (
        0x100, 0x4000, 0xfffffffe7ffbfeff, 0x1000, 0x180000000)
    assert (u.cap_inh, u.cap_prm, u.cap_eff, u.cap_bnd) == (0, 0x1ffffffffff, 0x1ffffffffff, 0x1ffffffffff)
    assert (u.ruid, u.euid, u.suid, u.fsuid, u.rgid, u.egid, u.sgid, u.fsgid) == (
        1000, 1001, 1002, 1003, 2000, 2001, 2002, 2003)
    assert u.supgids == tuple(range(50000, 53000)) and w.supgids == (4, 24)
    assert (u.vm_lck_kb, u.vm_rss_kb, u.vm_size_kb, u.vm_swap_kb, u.nvcsw, u.nivcsw) == (4, 1100, 9000, 16, 77, 5)
    assert u.wchan == "do_sys_poll" and k.wchan is None
    assert (u.tty, u.tpgid, u.nice, u.nlwp, u.start_time, u.rsslim) == (34817, 100, -3, 2, 4242, (1 << 64) - 1)
    assert u.ns == {k_: u.ns[k_] for k_ in ("ipc", "mnt", "net", "pid", "user", "uts")} and "time" not in u.ns
    assert (u.exe, u.loginuid, u.autogroup_id, u.autogroup_nice) == (b"/usr/bin/x", 1000, 42, 5)
    assert u.io["read_bytes"] == 4096 and (u.pss_kb, u.private_clean_kb, u.private_dirty_kb) == (900, 100, 300)
    assert (u.smap_rss_kb, u.pss_anon_kb, u.pss_file_kb, u.pss_shmem_kb) == (1100, 700, 150, 50)
    assert (u.rss_anon_kb, u.rss_file_kb, u.rss_shmem_kb) == (500, 600, 0)
    assert (u.oom_score, u.oom_adj, u.label, u.environ) == (666, -100, b"unconfined\n", b"A=1\0B=2\0")
    # a kernel thread: no memory lines and nothing a ps default would fill in
    assert k.kthread and not u.kthread
    assert (k.vm_lck_kb, k.vm_rss_kb, k.vm_data_kb, k.cmdline) == (None, None, None, b"")
    assert (k.environ, k.exe, k.io, k.label, k.loginuid, k.autogroup_id, k.pss_kb) == (None,) * 7


def test_records_pickle_and_copy_whatever_class_holds_their_fields():
    import copy
    import pickle

    from pstd.backends.procfs import ProcfsBackend

    groups = Group.BASE | Group.STAT | Group.CRED | Group.CMDLINE
    for t in ProcfsBackend().dump(Strategy.ALL_THREAD, groups)[:20]:
        for other in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t), copy.copy(t)):
            assert isinstance(other, Task) and other.values() == t.values()
            assert other.wchan is None and other.is_thread == t.is_thread
