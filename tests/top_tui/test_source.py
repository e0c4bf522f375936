"""LiveSource over a scripted backend: %CPU deltas between refreshes, a primed sampler per mode."""

from __future__ import annotations

from pstd.model import Task
from pstd.top.tui.source import PRIME_SECONDS, LiveSource


class Env:
    proc = "/proc"
    clock_ticks = 100
    page_size = 4096
    pid_max = 32768
    euid = 0

    @staticmethod
    def clock():
        return 1.0e9


class Backend:
    """Two processes; pid 10 uses 7 ticks per dump, its thread 11 (with threads) 3."""

    def __init__(self):
        self.dumps = 0
        self.groups = []

    def dump(self, strategy, groups, pid=None):
        from pstd.model import Strategy

        self.dumps += 1
        self.groups.append(groups)
        out = []
        for p in (1, 10):
            t = Task(p)
            t.utime, t.stime, t.state, t.comm, t.nlwp = 7 * self.dumps if p == 10 else 5, 0, "S", "x", 1
            out.append(t)
            if strategy == Strategy.ALL_THREAD and p == 10:
                th = Task(10, 11)
                th.utime, th.stime, th.state, th.comm, th.nlwp = 3 * self.dumps, 0, "S", "x", 1
                out.append(th)
        return out


def test_deltas_and_priming_per_mode():
    b = Backend()
    src = LiveSource(b, Env(), groups=0)
    slept = []
    src.sleep = slept.append
    src.prime(False)
    assert b.dumps == 1 and slept == []
    snap = src.sample(False)
    assert [t.tid for t in snap.tasks] == [1, 10] and snap.deltas == [0, 7]
    snap = src.sample(True)  # a new sampler: primed, a pause, then the sample shown
    assert slept == [PRIME_SECONDS] and b.dumps == 4
    assert [t.tid for t in snap.tasks] == [1, 10, 11] and snap.deltas == [0, 7, 3]
    snap = src.sample(False)  # the old one carries on from its own last dump
    assert snap.deltas == [0, 21] and slept == [PRIME_SECONDS]


def test_set_groups_reaches_every_sampler():
    from pstd.model import Group

    b = Backend()
    src = LiveSource(b, Env(), groups=Group.BASE)
    src.sleep = lambda s: None
    src.sample(False)
    src.sample(True)
    src.set_groups(Group.BASE | Group.CMDLINE)
    src.sample(False)
    src.sample(True)
    assert b.groups[-1] & Group.CMDLINE and b.groups[-2] & Group.CMDLINE
    assert all(g & Group.STAT for g in b.groups) and not b.groups[0] & Group.CMDLINE


def test_lazy_groups_are_read_only_for_the_rows_filled():
    from pstd.model import Group, Strategy

    class Filler:
        def __init__(self):
            self.asked = []

        def dump(self, strategy, groups, pid=None):
            self.asked.append((strategy, groups, pid))
            if pid == 1:
                return []  # gone since the sample
            t = Task(pid)
            t.euid, t.ruid, t.size_pages = 33, 34, 77
            return [t]

    b, f = Backend(), Filler()
    src = LiveSource(b, Env(), groups=Group.BASE, filler=f)
    src.sleep = lambda s: None
    src.set_groups(Group.BASE | Group.STAT, Group.OWNER | Group.CRED | Group.STAT)
    assert src.lazy == Group.OWNER | Group.CRED  # what every task has already is not lazy
    snap = src.sample(False)
    assert not b.groups[-1] & (Group.OWNER | Group.CRED)
    one, ten = snap.tasks
    src.fill(ten)
    src.fill(ten)  # once per snapshot
    src.fill(one)
    lazy = Group.OWNER | Group.CRED
    assert f.asked == [(Strategy.ONE, lazy, 10), (Strategy.ONE, lazy, 1)]
    assert (ten.euid, ten.ruid, ten.size_pages) == (33, 34, None)  # OWNER and CRED copied, nothing else
    assert one.euid is None
    snap = src.sample(False)
    src.fill(snap.tasks[1])
    assert len(f.asked) == 3


def test_without_a_filler_everything_is_read_of_every_task():
    from pstd.model import Group

    b = Backend()
    src = LiveSource(b, Env(), groups=Group.BASE)
    src.sleep = lambda s: None
    src.set_groups(Group.BASE, Group.CRED)
    src.sample(False)
    assert b.groups[-1] & Group.CRED and src.lazy == Group.NONE


def test_a_thread_row_is_filled_with_the_thread_s_own_figures():
    """/proc/TID has the whole process's faults and times; a thread row's lazy groups come from
    /proc/PID/task/TID, as the sample read the thread's other figures (top -H)."""
    import os
    import threading

    from pstd.backends.procfs import ProcfsBackend
    from pstd.model import Group

    ready, done = threading.Event(), threading.Event()
    tid = []

    def work():
        tid.append(threading.get_native_id())
        block = bytearray(16 << 20)  # its own page faults
        block[::4096] = b"\1" * len(block[::4096])
        ready.set()
        done.wait()

    th = threading.Thread(target=work)
    th.start()
    try:
        ready.wait()
        src = LiveSource(Backend(), Env(), groups=Group.BASE, filler=ProcfsBackend())
        src.set_groups(Group.BASE | Group.STAT, Group.FAULTS)
        row = Task(os.getpid(), tid[0])
        row.is_thread = True
        src.fill(row)
        with open(f"/proc/{os.getpid()}/task/{tid[0]}/stat", "rb") as f:
            own = f.read()
        with open(f"/proc/{os.getpid()}/stat", "rb") as f:
            whole = f.read()
        minflt = lambda data: int(data[data.rfind(b")") + 2:].split()[7])  # noqa: E731
        assert row.minflt == minflt(own) and minflt(own) < minflt(whole)
    finally:
        done.set()
        th.join()
