"""The per-task half of a top frame: one dump per refresh and the cpu ticks used since the last.

As procps's library does for top: a task's delta is its utime + stime now minus what
it had at the previous sample (matched by thread id); a task not seen before counts
all its ticks.  The elapsed time is the difference of two /proc/uptime readings
(top's 0.01 s resolution; at least 0.005 s).  Nothing here writes, forks or
sleeps: the caller decides when to sample.
"""

from __future__ import annotations

import os

from pstd.model import Group, Strategy


class Sample:
    """One refresh: the tasks in the backend's order, their tick deltas, the seconds since the last,
    and (when the sampler counts them) each thread id's (major, minor) fault deltas."""

    __slots__ = ("tasks", "deltas", "elapsed", "faults", "uptime")

    def __init__(self, tasks, deltas, elapsed, faults=None, uptime: float = 0.0) -> None:
        self.tasks = tasks
        self.deltas = deltas
        self.elapsed = elapsed
        self.faults = faults if faults is not None else {}
        self.uptime = uptime
        """/proc/uptime when the sample was taken (elapsed times and lifetime cpu shares)."""


class Sampler:
    def __init__(self, backend, groups: Group, threads: bool = False, pids=(), proc: str = "/proc",
                 faults: bool = False) -> None:
        """``pids``: only these (top's -p), in this order; threads of them with ``threads``.
        ``faults``: also count page faults since the last sample (0 for a task not seen before)."""
        self.backend = backend
        self.groups = Group(groups) | Group.STAT | (Group.FAULTS if faults else Group.NONE)
        self.threads = threads
        self.pids = list(pids)
        self.proc = proc
        self._prev: dict[int, int] = {}
        self.faults = faults
        self._prev_faults: dict[int, tuple[int, int]] = {}
        self._uptime = 0.0

    def _uptime_now(self) -> float:
        try:
            with open(os.path.join(self.proc, "uptime"), "rb") as f:
                return float(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return 0.0

    def _dump(self):
        if not self.pids:
            return self.backend.dump(Strategy.ALL_THREAD if self.threads else Strategy.ALL, self.groups)
        tasks, seen = [], set()
        for pid in self.pids:
            for t in self.backend.dump(Strategy.THREAD if self.threads else Strategy.ONE, self.groups, pid=pid):
                if t.tid not in seen:
                    seen.add(t.tid)
                    tasks.append(t)
        return tasks

    def sample(self) -> Sample:
        up = self._uptime_now()
        elapsed = up - self._uptime
        if elapsed < 0.01:
            elapsed = 0.005
        self._uptime = up
        tasks = self._dump()
        prev, cur, deltas = self._prev, {}, []
        for t in tasks:
            tics = (t.utime or 0) + (t.stime or 0)
            cur[t.tid] = tics
            deltas.append(tics - prev.get(t.tid, 0))
        self._prev = cur
        faults = None
        if self.faults:
            old, now, faults = self._prev_faults, {}, {}
            for t in tasks:
                now[t.tid] = (t.majflt or 0, t.minflt or 0)
                was = old.get(t.tid)
                faults[t.tid] = (now[t.tid][0] - was[0], now[t.tid][1] - was[1]) if was else (0, 0)
            self._prev_faults = now
        return Sample(tasks, deltas, elapsed, faults, up)
