"""Where the screen's numbers come from: one ``Snapshot`` per refresh.

``LiveSource`` reads through a backend with batch mode's ``Sampler`` (per-task tick
deltas) and ``SystemReader`` (cpu, memory, load, uptime); ``FakeSource`` makes the same
shape from a fixed recipe so that screen tests see the same rows on every run.
A source asks the backend only for the groups its columns need (``set_groups``): ``groups`` of
every task (what the sort, the filters and the counts read), ``lazy`` ones only of the rows drawn
(``fill``), as htop reads what it shows.  With the default columns and sort a refresh so reads one
file per task (stat), and statm and status only for the rows on screen.
"""

from __future__ import annotations

import threading
import time

from pstd.model import Group, Task
from pstd.plainclass import Factory, plain
from pstd.top.summary import CpuTicks, Memory


@plain
class Snapshot:
    tasks: list = Factory(list)
    deltas: list = Factory(list)
    """Cpu ticks each task used since the previous snapshot (same order as tasks)."""
    elapsed: float = 1.0
    """Seconds since the previous snapshot."""
    cpu: CpuTicks = Factory(CpuTicks)
    cpus: list = Factory(list)
    """[(cpu number, CpuTicks delta), ...]"""
    memory: Memory = Factory(Memory)
    load: tuple = (0.0, 0.0, 0.0)
    uptime: float = 0.0
    now: float = 0.0
    users: int = 0
    threads: bool = False
    boot_time: float = 0.0


PRIME_SECONDS = 0.15
"""top's pause between its first two samples (batch.PRIME_SECONDS)."""


class LiveSource:
    """The running system, through a pstd backend.  ``sample`` may run in a worker thread:
    one lock keeps the samplers' previous ticks consistent."""

    threaded = True

    def __init__(self, backend, env, groups: Group, pids=(), utmp=None, filler=None) -> None:
        """``filler``: a second backend for ``fill`` (called from the screen's thread while a
        sample may be under way in another: the two never share a backend)."""
        from pstd.ps.context import read_boot_time
        from pstd.top import summary

        self.backend = backend
        self.env = env
        self.proc = env.proc
        self.hertz = env.clock_ticks
        self.page_size = env.page_size
        self.pid_max = env.pid_max
        self.uid = env.euid
        self.pids = list(pids)
        self.groups = groups
        self.lazy = Group.NONE
        self.filler = filler
        self._filled: set[int] = set()
        self.system = summary.SystemReader(env.proc, env.clock, utmp or summary.UTMP)
        self.boot_time = float(read_boot_time(env.proc))
        self._samplers: dict = {}
        self._lock = threading.Lock()
        self.sleep = time.sleep

    @property
    def cpu_count(self) -> int:
        return self.system.cpu_count

    def set_groups(self, groups: Group, lazy: Group = Group.NONE) -> None:
        with self._lock:
            if self.filler is None:
                groups, lazy = Group(groups) | Group(lazy), Group.NONE
            self.lazy = Group(lazy) & ~Group(groups)
            if Group(groups) != Group(self.groups):
                self.groups = groups
                for s in self._samplers.values():
                    s.groups = Group(groups) | Group.STAT

    def fill(self, task) -> None:
        """Read the lazy groups of one task (once per snapshot); a task gone since leaves them None."""
        lazy = self.lazy
        if not lazy or id(task) in self._filled:
            return
        self._filled.add(id(task))
        from pstd.model import Strategy, Task

        try:
            if task.is_thread and task.tid != task.pid:
                # a thread's own figures are in /proc/PID/task/TID (/proc/TID has its process's
                # faults, times and io): procfs's fill reads that directory for a thread row
                procfs = getattr(self.filler, "procfs", self.filler)
                probe = Task.__new__(Task)
                probe.pid, probe.tid, probe.is_thread = task.pid, task.tid, True
                got = procfs.fill([probe], lazy)
            else:
                got = self.filler.dump(Strategy.ONE, lazy, pid=task.tid)
        except Exception:  # a row drawn with what the sample has beats a screen that ends
            return
        src = next((t for t in got if t.tid == task.tid), None)
        if src is None:
            return
        for bit, names in Task.FIELDS.items():
            if bit & lazy:
                for name in names:
                    setattr(task, name, getattr(src, name))

    def _sampler(self, threads: bool, settle: bool = False):
        from pstd.top.sample import Sampler

        s = self._samplers.get(threads)
        if s is None:
            s = self._samplers[threads] = Sampler(self.backend, self.groups, threads, self.pids, self.proc)
            s.sample()  # the first deltas would count every tick since each task began
            if settle:
                # as top primes: a short interval before the first deltas that are shown
                self.sleep(PRIME_SECONDS)
        return s

    def prime(self, threads: bool = False) -> None:
        with self._lock:
            self._sampler(threads)

    def sample(self, threads: bool = False) -> Snapshot:
        with self._lock:
            return self._sample(threads)

    def _sample(self, threads: bool) -> Snapshot:
        s = self._sampler(threads, settle=True).sample()
        self._filled = set()
        cpu, each = self.system.cpu_sample()
        return Snapshot(tasks=s.tasks, deltas=s.deltas, elapsed=s.elapsed, cpu=cpu, cpus=each,
                        memory=self.system.memory(), load=self.system.loadavg(),
                        uptime=self.system.uptime(), now=self.env.clock(), users=self.system.users(),
                        threads=threads, boot_time=self.boot_time)


# ------------------------------------------------------------------ the fake

_NAMES = ("systemd", "kthreadd", "sshd", "bash", "python3", "nginx", "postgres", "cron", "dbus-daemon",
          "journald", "vim", "make", "cc1", "ld", "rsyslogd", "agetty")
_STATES = "SSSSRSSDSSSSSZST"


class FakeSource:
    """``n`` processes in a fixed tree; each sample every task uses a fixed number of ticks.

    pid 1 is the root; pid ``k`` (k > 1) is a child of ``(k - 2) // 3 + 1`` when that is
    smaller, so trees nest three wide.  Every fifth process has two threads."""

    proc = "/nonexistent-proc"

    def __init__(self, n: int = 40, cpus: int = 4, uid: int = 1, users=(0, 1, 33)) -> None:
        self.n = n
        self.hertz = 100
        self.page_size = 4096
        self.pid_max = 4194304
        self.uid = uid
        self.users = users
        self.groups = Group.NONE
        self.lazy = Group.NONE
        self.fills = 0
        self.cpu_count = cpus
        self.samples = 0
        self.removed: set[int] = set()
        self.nice: dict[int, int] = {}

    def set_groups(self, groups: Group, lazy: Group = Group.NONE) -> None:
        self.groups = groups
        self.lazy = lazy

    def fill(self, task) -> None:
        """Every fake task has every value; what was asked for is counted."""
        self.fills += 1

    def prime(self, threads: bool = False) -> None:
        pass

    def _task(self, pid: int, tid: int, i: int) -> Task:
        t = Task(pid, tid)
        t.ppid = 0 if pid == 1 else (pid - 2) // 3 + 1
        t.pgid = t.sid = pid
        t.state = _STATES[i % len(_STATES)]
        t.comm = _NAMES[i % len(_NAMES)]
        t.cmdline = (f"/usr/bin/{t.comm}\0--id={pid}\0").encode()
        t.kthread = False
        uid = self.users[i % len(self.users)]
        t.ruid = t.euid = t.suid = t.fsuid = uid
        t.rgid = t.egid = t.sgid = t.fsgid = uid
        t.utime = (i * 37) % 500 + 10 * self.samples * (i % 7)
        t.stime = (i * 11) % 300
        t.cutime = t.cstime = 0
        t.minflt, t.majflt, t.cminflt, t.cmajflt = i * 100, i % 5, 0, 0
        t.nlwp = 2 if pid % 5 == 0 else 1
        t.priority = 20
        t.nice = self.nice.get(pid, 0)
        t.policy = t.rtprio = 0
        t.processor = i % self.cpu_count
        t.flags = 0
        t.start_time = 1000 + i
        t.size_pages = 1000 + (i * 977) % 50000
        t.resident_pages = 100 + (i * 613) % 20000
        t.shared_pages = 50 + (i * 31) % 1000
        t.text_pages, t.lib_pages, t.data_pages, t.dirty_pages = 10, 0, 200 + i, 0
        t.tty = 0
        t.tpgid = -1
        t.vsize = t.size_pages * 4096
        t.rss_pages = t.resident_pages
        t.vm_swap_kb = 0
        return t

    def sample(self, threads: bool = False) -> Snapshot:
        self.samples += 1
        tasks, deltas = [], []
        for i, pid in enumerate(range(1, self.n + 1)):
            if pid in self.removed:
                continue
            tids = [pid] + ([pid + 100000] if threads and pid % 5 == 0 else [])
            for tid in tids:
                tasks.append(self._task(pid, tid, i))
                deltas.append(10 * (i % 7))
        cpu = CpuTicks(user=300, system=100, idle=600)
        cpus = [(k, CpuTicks(user=10 * (k + 1), system=5, idle=85 - 10 * k if k < 8 else 5))
                for k in range(self.cpu_count)]
        mem = Memory(total=8_000_000, free=2_000_000, used=4_000_000, buff_cache=2_000_000,
                     avail=3_500_000, swap_total=2_000_000, swap_free=1_500_000, swap_used=500_000)
        return Snapshot(tasks=tasks, deltas=deltas, elapsed=1.0, cpu=cpu, cpus=cpus, memory=mem,
                        load=(0.5, 1.25, 2.0), uptime=3 * 86400 + 4 * 3600 + 5 * 60 + 6,
                        now=time.mktime((2026, 1, 2, 10, 20, 30, 0, 0, -1)), users=2, threads=threads,
                        boot_time=1.0e9)
