"""Batch frames from an injected /proc and backend: top's sampling method and layout rules
(two samples 0.15 s apart before the first frame, %CPU = tick delta / (elapsed x Hz), ties in
read order, rows cut to the width), without the real system."""

from __future__ import annotations

import io

from pstd.env import Diagnostics, Environment, Output
from pstd.model import Task
from pstd.top import options
from pstd.top.batch import Batch, PRIME_SECONDS


class FakeProc:
    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.up = 1000.0
        (tmp_path / "loadavg").write_text("0.50 0.25 0.10 1/100 4242\n")
        (tmp_path / "stat").write_text("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\n"
                                       "cpu1 50 0 50 400 0 0 0 0 0 0\n")
        (tmp_path / "meminfo").write_text("MemTotal: 1000000 kB\nMemFree: 500000 kB\nMemAvailable: 600000 kB\n")
        self.tick()

    def tick(self, seconds: float = 0.0):
        self.up += seconds
        (self.dir / "uptime").write_text(f"{self.up:.2f} 1.00\n")


class FakeBackend:
    """Tasks whose cpu ticks grow as the test says between samples."""

    def __init__(self, proc: FakeProc, burn: dict[int, int]):
        self.proc = proc
        self.burn = burn
        self.ticks = {pid: 500 for pid in burn}
        self.dumps = []

    def dump(self, strategy, groups, pid=None, keep=None, keep_groups=None):
        self.dumps.append((strategy, groups))
        out = []
        for p in sorted(self.ticks):
            t = Task(p)
            t.update(dict(ppid=0, pgid=p, sid=p, state="S", comm=f"task{p}", kthread=False,
                              ruid=0, euid=0, suid=0, fsuid=0, rgid=0, egid=0, sgid=0, fsgid=0,
                              utime=self.ticks[p], stime=0, cutime=0, cstime=0, nlwp=1, minflt=0,
                              cminflt=0, majflt=0, cmajflt=0, priority=20, nice=0, policy=0, rtprio=0,
                              processor=0, flags=0, start_time=0, size_pages=1000, resident_pages=250,
                              shared_pages=100, text_pages=1, lib_pages=0, data_pages=1, dirty_pages=0))
            out.append(t)
        return out

    def advance(self):
        for p, n in self.burn.items():
            self.ticks[p] += n


def _env(proc: FakeProc):
    return Environment(stdout=Output(io.BytesIO()), stderr=Diagnostics(io.BytesIO()), environ={},
                       stdout_isatty=False, terminal_size=lambda: None, proc=str(proc.dir),
                       clock=lambda: 1_700_000_000.0, page_size=4096, clock_ticks=100)


def _run(tmp_path, burn, args=("-b", "-n", "1")):
    proc = FakeProc(tmp_path)
    backend = FakeBackend(proc, burn)
    slept = []

    def sleep(s):
        slept.append(s)
        proc.tick(s)
        backend.advance()

    q = options.parse(list(args), ("PID", "%CPU", "%MEM", "COMMAND", "USER", "TIME+", "RES"))
    run = Batch(q, backend, _env(proc), sleep=sleep, utmp=str(tmp_path / "no-utmp"))
    out = []
    run.run(out.append)
    return "".join(out), slept, backend


def test_first_frame_covers_the_priming_pause(tmp_path):
    # 15 ticks in 0.15 s at 100 Hz is one cpu: 100.0; 3 ticks 20.0; none 0.0
    text, slept, backend = _run(tmp_path, {1: 0, 2: 15, 3: 3})
    assert slept == [PRIME_SECONDS]
    assert len(backend.dumps) == 2
    rows = text.split("\n\n", 1)[1].splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["2", "3", "1"]     # by %CPU, ties in read order
    assert [r.split()[8] for r in rows] == ["100.0", "20.0", "0.0"]
    assert rows[0].split()[9] == "0.1"                           # 1000 KiB of 1000000 KiB


def test_later_frames_cover_the_delay(tmp_path):
    # -d 2: 100 ticks in 2 s is 50.0; frames after the first begin with a blank line
    text, slept, _ = _run(tmp_path, {1: 100}, ("-b", "-n", "2", "-d", "2"))
    assert slept == [PRIME_SECONDS, 2.0]
    frames = text.split("\n\ntop - ")
    assert len(frames) == 2
    assert frames[1].splitlines()[-1].split()[8] == "50.0"
    assert text.endswith("\n")


def test_summary_and_header(tmp_path):
    text, _, _ = _run(tmp_path, {1: 0})
    lines = text.splitlines()
    assert lines[0].endswith(",  0 user,  load average: 0.50, 0.25, 0.10")
    assert lines[1] == "Tasks:   1 total,   0 running,   1 sleeping,   0 stopped,   0 zombie"
    assert lines[3].startswith("MiB Mem :    976.6 total,    488.3 free,    390.6 used,")
    assert lines[5] == ""
    assert lines[6] == "  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND"
    assert lines[7] == "    1 root      20   0    4000   1000    400 S   0.0   0.1   0:05.00 task1"


def test_idle_off_hides_tasks_without_cpu(tmp_path):
    text, _, _ = _run(tmp_path, {1: 0, 2: 4}, ("-b", "-n", "1", "-i"))
    rows = text.split("\n\n", 1)[1].splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["2"]


def test_fault_deltas_for_vmj_vmn(tmp_path):
    from pstd.model import Group
    from pstd.top.sample import Sampler

    proc = FakeProc(tmp_path)
    backend = FakeBackend(proc, {1: 0, 2: 0})
    s = Sampler(backend, Group.STAT, faults=True, proc=str(proc.dir))
    assert s.sample().faults == {1: (0, 0), 2: (0, 0)}      # not seen before: 0, as top's library
    orig = backend.dump

    def more_faults(*a, **k):
        tasks = orig(*a, **k)
        tasks[1].majflt, tasks[1].minflt = 3, 40
        return tasks
    backend.dump = more_faults
    assert s.sample().faults == {1: (0, 0), 2: (3, 40)}
    assert Sampler(backend, Group.STAT, proc=str(proc.dir)).sample().faults == {}
