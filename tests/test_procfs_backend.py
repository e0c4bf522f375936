"""The procfs backend: which files it opens, vanished tasks, threads, odd comms."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

import pstd.backends.procfs as P
from pstd.model import Group, Strategy
from test_conformance import fake_proc  # noqa: F401 - a fixture: a /proc of two processes and a thread


def _stat_line(pid, comm, state="S", ppid=1, flags=0):
    fields = [state, str(ppid), str(pid), str(pid), "0", "-1", str(flags)] + ["0"] * 45
    return f"{pid} ({comm}) " + " ".join(fields) + "\n"


def test_pid_ppid_reads_stat_only(monkeypatch):
    opened = []
    real_open = os.open

    def spy(path, *a, **kw):
        opened.append(path)
        return real_open(path, *a, **kw)

    monkeypatch.setattr(P.os, "open", spy)
    rows = P.ProcfsBackend().dump(Strategy.ALL, Group.BASE)
    assert rows and any(t.pid == os.getpid() for t in rows)
    files = [p for p in opened if p != b"/proc"]  # the /proc directory itself is opened once
    assert len(opened) - len(files) == 1
    assert files and all(p.endswith(b"/stat") for p in files)
    me = next(t for t in rows if t.pid == os.getpid())
    assert me.ppid == os.getppid()


def test_groups_choose_files(monkeypatch):
    opened = []
    real_open = os.open
    monkeypatch.setattr(P.os, "open", lambda p, *a, **k: (opened.append(p), real_open(p, *a, **k))[1])
    P.ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.CRED | Group.CMDLINE, os.getpid())
    names = sorted({p.rsplit(b"/", 1)[1] for p in opened if p != b"/proc"})
    assert names == [b"cmdline", b"stat", b"status"]


def test_owner_alone_reads_stat_and_the_directory_not_status(monkeypatch):
    opened = []
    real_open = os.open
    monkeypatch.setattr(P.os, "open", lambda p, *a, **k: (opened.append(p), real_open(p, *a, **k))[1])
    me = os.getpid()
    # a listing's reads (ONE also reads status's Tgid line, to tell a process from a thread)
    (t,) = P.ProcfsBackend().dump(Strategy.ALL, Group.BASE | Group.OWNER | Group.CMDLINE,
                                  keep=lambda t: t.pid == me, keep_groups=Group.NONE)
    names = sorted({p.rsplit(b"/", 1)[1] for p in opened if p != b"/proc"})
    assert names == [b"cmdline", b"stat"]
    assert (t.euid, t.egid) == (os.geteuid(), os.getegid())
    assert "ruid" not in t.values()


_NOT_DUMPABLE = """
import os, sys
os.setresgid(0, 65533, 0)
os.setresuid(0, 65534, 0)  # a changed euid makes the process non-dumpable
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="changing the euid needs root")
def test_owner_of_a_non_dumpable_task_is_its_effective_ids():
    # The files of a non-dumpable task belong to root; its directory keeps the effective ids,
    # which is what status says and what ps prints.
    p = subprocess.Popen([sys.executable, "-c", _NOT_DUMPABLE], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"ready\n"
        assert os.stat(f"/proc/{p.pid}/status").st_uid == 0  # not dumpable
        t = P.ProcfsBackend().dump(Strategy.ONE, Group.OWNER, p.pid)[0]
        assert (t.euid, t.egid) == (65534, 65533)
        s = P.ProcfsBackend().dump(Strategy.ONE, Group.OWNER | Group.SIGNALS, p.pid)[0]  # from status
        assert (s.euid, s.egid) == (65534, 65533)
        if os.path.exists("/bin/ps"):
            args = ["-o", "pid,euid,egid,user,group,uid", "-p", str(p.pid)]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
            ps = subprocess.run(["/bin/ps", *args], capture_output=True, env=env)
            ours = subprocess.run([sys.executable, "-m", "pstd", *args], capture_output=True, env=env)
            assert (ours.returncode, ours.stdout, ours.stderr) == (ps.returncode, ps.stdout, ps.stderr)
    finally:
        p.stdin.close()
        p.wait()


def test_owner_is_status_s_effective_ids_for_every_task():
    by_dir = {(t.pid, t.tid): (t.euid, t.egid) for t in P.ProcfsBackend().dump(Strategy.ALL_THREAD, Group.OWNER)}
    by_status = {(t.pid, t.tid): (t.euid, t.egid)
                 for t in P.ProcfsBackend().dump(Strategy.ALL_THREAD, Group.OWNER | Group.CRED)}
    common = set(by_dir) & set(by_status)
    assert len(common) > 1 and all(by_dir[k] == by_status[k] for k in common)


def test_vanished_and_odd_tasks(tmp_path):
    proc = tmp_path
    (proc / "10").mkdir()
    (proc / "10" / "stat").write_text(_stat_line(10, "a) (b", state="R", ppid=3))
    (proc / "11").mkdir()  # vanished: no stat
    (proc / "12").mkdir()
    (proc / "12" / "stat").write_text(_stat_line(12, "kworker/0:1", state="I", ppid=2, flags=0x00200040))
    (proc / "self").mkdir()
    rows = P.ProcfsBackend(proc=str(proc)).dump(Strategy.ALL, Group.BASE)
    assert [t.pid for t in sorted(rows, key=lambda t: t.pid)] == [10, 12]
    a = next(t for t in rows if t.pid == 10)
    assert a.comm == "a) (b" and a.state == "R" and a.ppid == 3 and not a.kthread
    k = next(t for t in rows if t.pid == 12)
    assert k.kthread and k.state == "I"
    # status gone between stat and status: dropped, no traceback
    rows = P.ProcfsBackend(proc=str(proc)).dump(Strategy.ALL, Group.BASE | Group.CRED)
    assert rows == []


def test_threads_listed():
    code = "import threading,time\nfor i in range(3): threading.Thread(target=time.sleep,args=(60,),daemon=True).start()\nprint(1,flush=True)\ntime.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        p.stdout.readline()
        rows = P.ProcfsBackend().dump(Strategy.THREAD, Group.BASE | Group.STAT, p.pid)
        assert len(rows) == 4
        assert all(t.is_thread and t.pid == p.pid and t.nlwp == 4 for t in rows)
        assert sorted(t.tid for t in rows) == sorted(int(x) for x in os.listdir(f"/proc/{p.pid}/task"))
        all_rows = P.ProcfsBackend().dump(Strategy.ALL_THREAD, Group.BASE, None)
        assert sum(1 for t in all_rows if t.pid == p.pid) == 4
        kids = P.ProcfsBackend().dump(Strategy.CHILDREN, Group.BASE, os.getpid())
        assert p.pid in [t.pid for t in kids]
    finally:
        p.kill()
        p.wait()


def test_a_thread_id_names_its_thread_not_a_process():
    code = "import threading,time\nthreading.Thread(target=time.sleep,args=(60,),daemon=True).start()\nprint(1,flush=True)\ntime.sleep(60)"
    # two sleeping processes of two threads each (pid 1's threads would wake and change their state)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE) for _ in range(2)]
    try:
        for p in procs:
            p.stdout.readline()
        a, b = (p.pid for p in procs)
        ta, tb = (max(int(x) for x in os.listdir(f"/proc/{n}/task")) for n in (a, b))
        assert ta != a and tb != b
        (t,) = P.ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.STAT, ta)
        # /proc/TID reads as the whole process, listed as the thread: pid is the tgid
        assert (t.pid, t.tid, t.nlwp, t.is_thread) == (a, ta, 2, False)
        # a thread's id: its process's threads (top -H -p TID), each with its process's pid
        for n in (a, ta):
            assert [(r.pid, r.tid) for r in P.ProcfsBackend().dump(Strategy.THREAD, Group.BASE, n)] == \
                [(a, a), (a, ta)]
        if os.path.exists("/bin/ps"):
            # procps's quick mode lists a thread id only beside its process's own id (or where -e,
            # x take every process), and in thread modes a process's threads not twice in a row
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
            lists = [f"{ta}", f"{ta},{a}", f"{a},{ta},{ta}", f"{ta},{b}", f"{a},{a}", f"{a},{ta},{a}",
                     f"{b},{a},{b}", f"{tb},{ta},{b}"]
            cases = [[*mode, "-q", q] for q in lists for mode in ([], ["-L"], ["-m"], ["H"])]
            cases += [["-e", "-q", f"{ta}"], ["x", "q", f"{ta},{tb}"], ["-e", "-L", "-q", f"{tb}"]]
            for args in cases:
                args += ["-o", "pid,tid,nlwp,stat,comm"]
                ps = subprocess.run(["/bin/ps", *args], capture_output=True, env=env)
                ours = subprocess.run([sys.executable, "-m", "pstd", *args], capture_output=True, env=env)
                assert (ours.returncode, ours.stdout, ours.stderr) == (ps.returncode, ps.stdout, ps.stderr), args
    finally:
        for p in procs:
            p.kill()
            p.wait()


def test_kernel_threads_command_lines_are_empty_without_reading_them(monkeypatch):
    """A kernel thread has no mm, so its cmdline file is empty: pstd does not open it."""
    opened = []
    real_open = os.open
    monkeypatch.setattr(P.os, "open", lambda p, *a, **k: (opened.append(p), real_open(p, *a, **k))[1])
    rows = P.ProcfsBackend().dump(Strategy.ALL, Group.BASE | Group.CMDLINE)
    kthreads = [t for t in rows if t.kthread]
    if not kthreads:
        pytest.skip("no kernel thread in this pid namespace")
    for t in kthreads:
        assert t.cmdline == b"" and b"%d/cmdline" % t.pid not in opened
        try:
            with open("/proc/%d/cmdline" % t.pid, "rb") as f:
                assert f.read() == b""  # what the file says, read now
        except FileNotFoundError:
            pass
    assert any(p.endswith(b"/cmdline") for p in opened)  # other tasks' are read


def test_statm_and_status_memory_agree_with_procfs():
    pid = os.getpid()
    t = P.ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.STATM | Group.MEM, pid)[0]
    statm = open(f"/proc/{pid}/statm").read().split()
    assert t.size_pages == int(statm[0])
    # VmSize in kB is statm's size in pages; stat's vsize is the same in bytes
    assert t.vm_size_kb == t.size_pages * os.sysconf("SC_PAGE_SIZE") // 1024
    assert t.vsize == t.size_pages * os.sysconf("SC_PAGE_SIZE")


def test_kernel_thread_and_zombie():
    if os.path.exists("/proc/2/stat"):
        k = P.ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.MEM | Group.CMDLINE, 2)[0]
        # no memory: stat says 0 bytes, status has no Vm lines (None: not reported), no ps default
        assert k.kthread and k.cmdline == b"" and k.vm_lck_kb is None and k.vsize == 0
    z = os.fork()
    if z == 0:
        os._exit(0)
    try:
        for _ in range(100):
            rows = P.ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.OWNER | Group.CMDLINE, z)
            if rows and rows[0].state == "Z":
                break
            time.sleep(0.01)
        assert rows[0].state == "Z" and rows[0].cmdline == b"" and rows[0].euid == os.geteuid()
    finally:
        os.waitpid(z, 0)
    assert P.ProcfsBackend().dump(Strategy.ONE, Group.BASE, z) == []


def test_fill_adds_groups_to_existing_records():
    from pstd.model import Task

    me = Task(os.getpid())
    gone = Task(2 ** 22 + 12345)  # above any pid_max: never present
    kept = P.ProcfsBackend().fill([me, gone], Group.OWNER | Group.CMDLINE)
    assert kept == [me]
    assert me.euid == os.geteuid() and me.ppid == os.getppid()
    assert me.cmdline == open(f"/proc/{os.getpid()}/cmdline", "rb").read()


def test_addr_and_vmparts_are_read_only_on_request():
    pid = os.getpid()
    t = P.ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.MEM, pid)[0]
    assert "rsslim" not in t.values() and "vm_data_kb" not in t.values()
    assert t.vm_lck_kb is not None and t.vsize
    t = P.ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.ADDR | Group.VMPARTS, pid)[0]
    stat = open(f"/proc/{pid}/stat", "rb").read()
    f = stat[stat.rindex(b")") + 2:].split()
    assert t.rsslim == int(f[22]) and t.start_code == int(f[23]) and t.end_code == int(f[24])
    assert t.start_stack == int(f[25])
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status").read().splitlines())
    assert t.vm_data_kb == int(status["VmData"].split()[0])
    assert t.vm_exe_kb == int(status["VmExe"].split()[0])
    assert "vsize" not in t.values() and "ruid" not in t.values()


def test_split_read_gives_the_records_of_a_single_reader():
    groups = Group.BASE | Group.STAT | Group.OWNER | Group.CRED | Group.MEM | Group.CMDLINE | Group.TTY | Group.SCHED
    one = P.ProcfsBackend()
    two = P.ProcfsBackend()
    two.split_min = 1
    # Tasks of our own that neither exec nor exit meanwhile: on a busy machine another task may
    # exec (same pid and comm, another command line) or its pid be reused between the two dumps.
    sleepers = [subprocess.Popen(["sleep", "60"]) for _ in range(4)]
    ours = {p.pid for p in sleepers}
    try:
        # each one past its exec (a dump between fork and exec sees the forked interpreter)
        deadline = time.monotonic() + 30
        while any(open(f"/proc/{p}/cmdline", "rb").read() != b"sleep\x0060\x00" for p in ours):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        threads_before = threading.active_count()
        for strategy in (Strategy.ALL, Strategy.ALL_THREAD):
            a = one.dump(strategy, groups)
            b = two.dump(strategy, groups)
            stable = {"pid", "tid", "ppid", "pgid", "sid", "comm", "euid", "ruid", "tty", "cmdline", "is_thread",
                      "start_time"}
            # tasks may come and go between the two dumps; the ones in both come in the same order
            ka = {(t.pid, t.tid): t for t in a}
            common = [(t.pid, t.tid) for t in b if (t.pid, t.tid) in ka]
            assert len(common) * 2 > min(len(a), len(b)) and len(common) > 1
            assert [(t.pid, t.tid) for t in b if (t.pid, t.tid) in ka] == [k for k in ka if k in set(common)]
            mine = [t for t in b if t.pid in ours]
            assert sorted(t.pid for t in mine) == sorted(ours)
            for t in mine:
                u = ka[(t.pid, t.tid)]
                assert {k: v for k, v in t.values().items() if k in stable} == \
                       {k: v for k, v in u.values().items() if k in stable}
            for t in b:
                u = ka.get((t.pid, t.tid))
                if u is not None:
                    assert isinstance(t, P.Task) and set(t.values()) == set(u.values())
        assert threading.active_count() == threads_before  # the reader thread is joined
    finally:
        for p in sleepers:
            p.kill()
            p.wait()


def test_split_read_shows_the_callers_own_row_as_a_single_reader_would():
    # procps's own row is running with its own thread count; a second reader thread must not show
    # up in it (state S while joining, nlwp 2, the "l" of STAT)
    code = ("import os, pstd.backends.procfs as P; from pstd.model import Group, Strategy;"
            "b = P.ProcfsBackend(); b.split_min = 1;"
            "me = [t for t in b.dump(Strategy.ALL, Group.BASE | Group.STAT) if t.pid == os.getpid()];"
            "print([(t.state, t.nlwp) for t in me])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert (r.returncode, r.stdout, r.stderr) == (0, "[('R', 1)]\n", "")


def test_dump_never_forks_nor_touches_process_state(monkeypatch):
    def no(*a, **k):
        raise AssertionError("dump must not fork or change process-wide state")

    for name in ("fork", "forkpty", "posix_spawn", "waitpid", "wait", "wait4"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, no)
    import signal
    monkeypatch.setattr(signal, "signal", no)
    monkeypatch.setattr(sys, "setrecursionlimit", no)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGINT)}
    b = P.ProcfsBackend()
    b.split_min = 1
    rows = b.dump(Strategy.ALL, Group.BASE | Group.CRED | Group.CMDLINE)
    assert any(t.pid == os.getpid() for t in rows)
    assert {s: signal.getsignal(s) for s in handlers} == handlers


def test_dump_works_with_sigchld_ignored():
    # a daemon that ignores SIGCHLD: children are reaped by the kernel, waitpid fails with ECHILD
    code = ("import signal,sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN);"
            "import pstd.backends.procfs as P; from pstd.model import Group, Strategy;"
            "b = P.ProcfsBackend(); b.split_min = 1;"
            "print(len(b.dump(Strategy.ALL, Group.BASE | Group.CRED)) > 1)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert (r.returncode, r.stdout, r.stderr) == (0, "True\n", "")


def _fake_task(proc, pid, status_extra=""):
    d = proc / str(pid)
    d.mkdir()
    (d / "stat").write_text(_stat_line(pid, "t%d" % pid))
    (d / "status").write_text(f"Name:\tt{pid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n{status_extra}")
    (d / "cmdline").write_bytes(b"x\0")
    return d


def test_keep_filters_before_expensive_files(tmp_path, monkeypatch):
    for pid in (1, 2, 3):
        _fake_task(tmp_path, pid)
    opened = []
    real_open = os.open
    monkeypatch.setattr(P.os, "open", lambda p, *a, **k: (opened.append(p), real_open(p, *a, **k))[1])
    b = P.ProcfsBackend(proc=str(tmp_path))
    # by pid alone: nothing of the other tasks is opened
    rows = b.dump(Strategy.ALL, Group.OWNER | Group.CRED | Group.CMDLINE, keep=lambda t: t.pid == 2,
                  keep_groups=Group.NONE)
    assert [(t.pid, t.euid, t.cmdline) for t in rows] == [(2, 0, b"x\0")]
    assert sorted(p for p in opened if p != str(tmp_path).encode()) == [b"2/cmdline", b"2/stat", b"2/status"]
    # by a stat field: every stat, one status and one cmdline
    opened.clear()
    rows = b.dump(Strategy.ALL, Group.OWNER | Group.CRED | Group.CMDLINE, keep=lambda t: t.pid == 3)
    assert [t.pid for t in rows] == [3]
    names = sorted(p for p in opened if p != str(tmp_path).encode())
    assert names == [b"1/stat", b"2/stat", b"3/cmdline", b"3/stat", b"3/status"]
    # by a status field: status read first, cmdline only for the kept
    opened.clear()
    rows = b.dump(Strategy.ALL, Group.CMDLINE, keep=lambda t: t.pid == 1 and t.euid == 0,
                  keep_groups=Group.OWNER | Group.CRED)
    assert [(t.pid, t.euid) for t in rows] == [(1, 0)]
    assert [p for p in opened if p.endswith(b"cmdline")] == [b"1/cmdline"]


def test_status_longer_than_one_read_is_read_whole(tmp_path):
    gids = list(range(100000, 103000))
    tail = "Groups:\t" + " ".join(map(str, gids)) + "\nVmLck:\t       8 kB\nVmRSS:\t    1234 kB\n" \
           "VmSize:\t    5678 kB\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n" \
           "SigBlk:\tfffffffe7ffbfeff\nSigIgn:\t0000000000001000\nSigCgt:\t0000000180000000\n"
    d = _fake_task(tmp_path, 7, tail)
    assert (d / "status").stat().st_size > 16384
    t = P.ProcfsBackend(proc=str(tmp_path)).dump(Strategy.ONE, Group.MEM | Group.SIGNALS | Group.SUPGROUPS, 7)[0]
    assert t.supgids == tuple(gids)
    assert (t.vm_lck_kb, t.vm_rss_kb, t.vm_size_kb) == (8, 1234, 5678)
    assert (t.sig_blocked, t.sig_ignored, t.sig_caught) == (0xfffffffe7ffbfeff, 0x1000, 0x180000000)


_MANY_GROUPS = """
import os, signal, sys
os.setgroups(list(range(200000, 202000)))
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGRTMIN + 3, signal.SIGRTMAX])
signal.signal(signal.SIGUSR2, signal.SIG_IGN)
signal.signal(signal.SIGRTMIN + 5, lambda *a: None)
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="setgroups needs root")
@pytest.mark.skipif(not os.path.exists("/bin/ps"), reason="compares with procps ps")
def test_task_with_thousands_of_groups_matches_procps():
    p = subprocess.Popen([sys.executable, "-c", _MANY_GROUPS], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"ready\n"
        assert os.path.getsize(f"/proc/{p.pid}/status") == 0  # procfs reports no size ...
        assert len(open(f"/proc/{p.pid}/status", "rb").read()) > 8192  # ... but this one is long
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "200000"}
        for args in (["u", "-p", str(p.pid)], ["s", "-p", str(p.pid)],
                     ["-o", "pid,rss,vsz,stat,pending,blocked,ignored,caught,supgid", "-p", str(p.pid)]):
            ps = subprocess.run(["/bin/ps", *args], capture_output=True, env=env)
            ours = subprocess.run([sys.executable, "-m", "pstd", *args], capture_output=True, env=env)
            assert ours.returncode == ps.returncode == 0
            assert ours.stderr == ps.stderr == b""
            # %CPU, START and TIME may move between the runs: compare the columns this test is about
            assert ours.stdout.splitlines()[0] == ps.stdout.splitlines()[0]
            if args[0] in ("s", "-o"):
                assert ours.stdout == ps.stdout
            else:
                a, b = ours.stdout.splitlines()[1].split(), ps.stdout.splitlines()[1].split()
                assert a[:2] == b[:2] and a[3:8] == b[3:8] and a[10:] == b[10:]  # USER PID, %MEM..STAT, COMMAND
    finally:
        p.stdin.close()
        p.wait()


@pytest.mark.parametrize("size", [1, P._CMDLINE_FIRST - 1, P._CMDLINE_FIRST, P._CMDLINE_FIRST + 1, 4096, 70_000, 1 << 20])
def test_command_lines_of_every_length_are_read_whole(size):
    """The first read of a command line is short (P._CMDLINE_FIRST): a line of that length, one
    byte either side, one page, and longer than the later reads must all come back whole."""
    head = [sys.executable, "-c", "import time; time.sleep(60)"]
    pad = size - len(b"\0".join(map(os.fsencode, head))) - 2
    # one argument holds at most 128 KiB (MAX_ARG_STRLEN): long lines are several
    chunks = [100_000] * (max(pad, 1) // 100_001)
    rest = max(pad, 1) - sum(n + 1 for n in chunks)
    argv = head + ["y" * n for n in chunks] + ["y" * max(rest, 1)]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    try:
        want = b"\0".join(map(os.fsencode, argv)) + b"\0"
        for _ in range(200):  # until the exec has happened
            if open(f"/proc/{p.pid}/cmdline", "rb").read() == want:
                break
            time.sleep(0.01)
        # the generated loop's read, the general loop's and _fill_extra's (another group beside it)
        for groups, plain in ((Group.BASE | Group.CMDLINE, True), (Group.BASE | Group.CMDLINE, False),
                              (Group.BASE | Group.CMDLINE | Group.ENVIRON, True)):
            b = P.ProcfsBackend()
            b.plain = plain
            (t,) = b.dump(Strategy.ONE, groups, p.pid)
            assert t.cmdline == want, (len(t.cmdline), len(want))
    finally:
        p.kill()
        p.wait()


# --------------------------------------------------------------------------- the generated loop

def _common_groups():
    """The groups of the listings _plain_reader serves, as the parser asks for them."""
    import io

    from pstd.env import Environment
    from pstd.ps.parser import parse

    # a fixed environment: PS_FORMAT or a personality in the caller's would change the groups
    env = Environment(stdout=io.BytesIO(), stderr=io.BytesIO(), environ={}, stdout_isatty=False,
                      terminal_size=lambda: None)
    out = {" ".join(a): parse(a, env, prog="ps").show_flags | Group.BASE
           for a in (["aux"], ["-ef"], ["ax", "-o", "pid,ppid"], ["-eo", "pid,rss,vsz,args"], ["-eo", "pid,user"])}
    out["BASE"] = Group.BASE
    out["BASE|MEM"] = Group.BASE | Group.MEM
    out["BASE|OWNER|MEM|CMDLINE|SCHED|TTY|STAT"] = (Group.BASE | Group.OWNER | Group.MEM | Group.CMDLINE
                                                   | Group.SCHED | Group.TTY | Group.STAT)
    return out


_COMMON = _common_groups()


def _records(backend, strategy, groups, plain):
    backend.plain = plain
    return sorted((r.values() for r in backend.dump(strategy, groups)), key=lambda d: (d["pid"], d["tid"]))


def _odd_proc(tmp_path):
    """Tasks whose files end early or say odd things: what the general loop has a rule for."""
    proc = tmp_path / "odd"
    proc.mkdir(parents=True)
    kb = "VmSize:\t    5678 kB\nVmLck:\t       8 kB\nVmRSS:\t    1234 kB\n"
    for pid, extra in ((1, kb),                                               # the usual
                       (2, ""),                                               # no Vm lines (zombie)
                       (3, "VmRSS:\t    1234 kB\nVmLck:\t       8 kB\nVmSize:\t    5678 kB\n"),  # reordered
                       (4, "VmSize:\t    5678 kB\nVmRSS:\t      99 kB\n"),   # no VmLck
                       (5, "Groups:\t" + " ".join(map(str, range(100000, 101500))) + "\n" + kb)):  # > 4 KiB
        _fake_task(proc, pid, extra)
    d = proc / "6"  # no Uid / Gid lines
    d.mkdir()
    (d / "stat").write_text(_stat_line(6, "a) (b", state="R"))
    (d / "status").write_text("Name:\tb\n" + kb)
    (d / "cmdline").write_bytes(b"y" * 5000 + b"\0")  # longer than the first read
    d = proc / "7"  # a kernel thread: its command line is not read
    d.mkdir()
    (d / "stat").write_text(_stat_line(7, "kworker/0:1", state="I", ppid=2, flags=0x00200040))
    (d / "status").write_text("Name:\tkworker/0:1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")
    d = proc / "8"  # gone between stat and status
    d.mkdir()
    (d / "stat").write_text(_stat_line(8, "gone"))
    d = proc / "9"  # no cmdline file
    d.mkdir()
    (d / "stat").write_text(_stat_line(9, "t9"))
    (d / "status").write_text("Name:\tt9\nUid:\t5\t6\t7\t8\nGid:\t9\t10\t11\t12\n")
    d = proc / "10"  # stat cut short
    d.mkdir()
    (d / "stat").write_text("10 (short) S 1 10\n")
    (d / "status").write_text("Name:\tshort\n")
    for pid in range(1, 11):  # ALL_THREAD reads a leader's row from /proc/PID
        (proc / str(pid) / "task" / str(pid)).mkdir(parents=True)
    d = proc / "12"  # a stat longer than its first read (a comm cannot be; a hostile tree can)
    d.mkdir()
    (d / "stat").write_text(_stat_line(12, "x" * 1100))
    (d / "status").write_text("Name:\tx\nUid:\t1\t2\t3\t4\nGid:\t1\t2\t3\t4\n" + kb)
    (d / "cmdline").write_bytes(b"z" * P._CMDLINE_FIRST)  # exactly the first read
    d = proc / "13"  # files that cannot be read (EISDIR), an empty status
    d.mkdir()
    (d / "stat").write_text(_stat_line(13, "t13"))
    (d / "status").mkdir()
    d = proc / "14"
    d.mkdir()
    (d / "stat").write_text(_stat_line(14, "t14"))
    (d / "status").write_text("")
    d = proc / "15"
    d.mkdir()
    (d / "stat").write_text(_stat_line(15, "t15"))
    (d / "status").write_text("Name:\tt15\n")
    (d / "cmdline").mkdir()
    d = proc / "16"
    d.mkdir()
    (d / "stat").mkdir()
    for pid, ids in ((17, "Uid:\t1\t2\t3\nGid:\t4\t5\t6\t7\n"),        # a short Uid line
                     (18, "Uid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\t9\n"),  # a long Gid line
                     (19, "Uid:\t4294967294\t4294967293\t4294967292\t4294967291\n"
                          "Gid:\t4294967290\t4294967289\t4294967288\t4294967287\n")):
        d = proc / str(pid)
        d.mkdir()
        (d / "stat").write_text(_stat_line(pid, "t%d" % pid))
        (d / "status").write_text("Name:\tt\n" + ids + "FDSize:\t64\n" + kb)
    for pid in range(12, 20):
        (proc / str(pid) / "task" / str(pid)).mkdir(parents=True)
    (proc / "11").mkdir()  # vanished
    (proc / "self").mkdir()
    return str(proc)


@pytest.mark.parametrize("groups", sorted(_COMMON), ids=str)
@pytest.mark.parametrize("strategy", [Strategy.ALL, Strategy.ALL_THREAD], ids=lambda s: s.name)
def test_the_generated_loop_gives_the_general_loops_records_on_fixtures(groups, strategy, tmp_path, fake_proc):
    assert P._plain_reader(int(_COMMON[groups]), strategy == Strategy.ALL_THREAD) is not None
    for proc in (fake_proc, _odd_proc(tmp_path)):
        b = P.ProcfsBackend(proc=proc)
        plain = _records(b, strategy, _COMMON[groups], True)
        assert plain == _records(b, strategy, _COMMON[groups], False)
        assert plain, proc
    # the odd tree's rules, as the general loop has them: short stat, gone status and the
    # vanished directory drop their tasks; missing lines read as None; long files read whole
    rows = {d["pid"]: d for d in _records(P.ProcfsBackend(proc=_odd_proc(tmp_path / "again")), strategy,
                                          Group.BASE | Group.OWNER | Group.MEM | Group.CMDLINE, True)}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7, 9, 12, 15, 17, 18, 19]
    assert [(rows[p]["euid"], rows[p]["egid"]) for p in (17, 18, 19)] == [(2, 5), (2, 6), (4294967293, 4294967289)]
    assert [(rows[p]["vm_size_kb"], rows[p]["vm_lck_kb"], rows[p]["vm_rss_kb"]) for p in (1, 2, 3, 4, 5)] == [
        (5678, 8, 1234), (None, None, None), (5678, 8, 1234), (5678, None, 99), (5678, 8, 1234)]
    assert (rows[6]["euid"], rows[6]["cmdline"]) == (None, b"y" * 5000 + b"\0")
    assert (rows[7]["cmdline"], rows[9]["cmdline"], rows[9]["euid"], rows[9]["egid"]) == (b"", None, 6, 10)
    assert (rows[12]["comm"], rows[12]["euid"], rows[12]["cmdline"]) == ("x" * 1100, 2, b"z" * P._CMDLINE_FIRST)
    assert (rows[15]["euid"], rows[15]["cmdline"]) == (None, None)


# status files whose Uid and Gid lines are not the kernel's layout: (lines, (euid, egid) or the
# exception both loops raise)
_ODD_IDS = [
    ("Uid:\t1\t2\t3\nGid:\t4\t5\t6\t7\n", (2, 5)),                        # a short Uid line
    ("Uid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\t9\n", (2, 6)),                   # a long Gid line
    ("Uid:\t4294967294\t4294967293\t4294967292\t4294967291\n"
     "Gid:\t4294967290\t4294967289\t4294967288\t4294967287\n", (4294967293, 4294967289)),
    ("Uid:\t1 2 3 4 Gid: 5 6 7\nGid:\t9\t10\t11\t12\n", (2, 10)),            # "Gid:" inside the Uid line
    ("Uid:\t1\t2\t3\t4\n Gid:\t5\t6\t7\t8\n", (2, None)),                  # not at a line's start
    ("Uid:\t1\t2\t3\t4\rGid:\t5\t6\t7\t8\n", (2, None)),
    ("Uid:\t" + " " * 200 + "1\t2\t3\t4\nGid:\t5\t6\t7\t8\n", (2, 6)),      # a line longer than the window
    ("Uid:\t+1\t1_000\t3\t4\nGid:\t5\t-0\t7\t8\n", (1000, 0)),             # what int() takes
    ("Uid:\t1\n2\t3\t4\nGid:\t5\t6\t7\t8\n", IndexError),
    ("Uid:\t1\t2\t3\t4\nGid:\t5\n6 7\n", IndexError),                       # one gid, then numbers
    ("Uid:\t1\t2\t3\nGid:7\nGid:\t5\t6\t7\n", IndexError),
]


@pytest.mark.parametrize("lines, want", _ODD_IDS, ids=range(len(_ODD_IDS)))
def test_the_generated_loop_reads_odd_id_lines_as_the_general_loop(tmp_path, lines, want):
    d = tmp_path / "1"
    d.mkdir()
    (d / "stat").write_text(_stat_line(1, "t"))
    (d / "status").write_text("Name:\tt\n" + lines + "FDSize:\t64\nVmSize:\t    5678 kB\n")
    (tmp_path / "self").mkdir()
    b = P.ProcfsBackend(proc=str(tmp_path))
    groups = _COMMON["aux"]
    if isinstance(want, type):
        for plain in (True, False):
            b.plain = plain
            with pytest.raises(want) as e:
                b.dump(Strategy.ALL, groups)
            if plain:
                first = str(e.value)
            else:
                assert str(e.value) == first
        return
    (plain,) = _records(b, Strategy.ALL, groups, True)
    assert [plain] == _records(b, Strategy.ALL, groups, False)
    assert (plain["euid"], plain["egid"]) == want


def test_the_generated_loop_gives_the_general_loops_records_on_this_system():
    # stopped children hold still between the two dumps: their records are compared
    kids = [subprocess.Popen(["sleep", "60"]) for _ in range(3)]
    try:
        for k in kids:
            os.kill(k.pid, 19)  # SIGSTOP
        for k in kids:  # until each has stopped (after its exec): then nothing of it changes
            for _ in range(500):
                with open(f"/proc/{k.pid}/stat", "rb") as f:
                    if f.read().rsplit(b")", 1)[1].split()[0] == b"T":
                        break
                time.sleep(0.01)
            else:
                pytest.fail(f"child {k.pid} did not stop")
        b = P.ProcfsBackend()
        for strategy in (Strategy.ALL, Strategy.ALL_THREAD):
            for name, groups in _COMMON.items():
                mine = {k.pid for k in kids}
                plain, general = ([d for d in _records(b, strategy, groups, flag) if d["pid"] in mine]
                                  for flag in (True, False))
                assert len(plain) == 3 and plain == general, name
    finally:
        for k in kids:
            k.kill()
            k.wait()


def test_other_groups_and_selections_take_the_general_loop(monkeypatch):
    assert P._plain_reader(int(Group.BASE | Group.CRED), False) is None
    assert P._plain_reader(int(Group.BASE | Group.MEM | Group.WCHAN), False) is None
    assert P._plain_reader(int(Group.BASE | Group.SIGNALS), True) is None
    used = []
    real = P._plain_reader
    monkeypatch.setattr(P, "_plain_reader", lambda g, t: used.append(g) or real(g, t))
    me = os.getpid()
    (t,) = P.ProcfsBackend().dump(Strategy.ALL, Group.BASE | Group.MEM, keep=lambda t: t.pid == me)
    assert t.vm_rss_kb and used == []  # a selection: the general loop, which applies it
