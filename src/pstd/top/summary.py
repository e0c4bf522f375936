"""The system-wide half of a top frame: uptime, users, load, task counts, cpu and memory.

Readers and line makers are separate: :class:`SystemReader` reads /proc (and utmp)
and keeps the previous /proc/stat counters for the cpu deltas; the ``*_line``
functions make top's text from plain numbers, so a TUI can draw the same figures
as meters.  What top reads, as top reads it:

* uptime and idle seconds: /proc/uptime; load: /proc/loadavg; the wall clock for
  the time of day (local time);
* users: utmp records of type USER_PROCESS with a non-empty name (as
  procps's uptime counts them, not logind sessions);
* cpu: the ``cpu`` lines of /proc/stat, as deltas since the previous frame (the first
  frame's since start-up); the total includes guest time;
* memory: /proc/meminfo, re-read only when three seconds of wall clock have passed
  since the last read; "used" is MemTotal - MemAvailable, "buff/cache" Buffers +
  Cached + SReclaimable.
"""

from __future__ import annotations

import os
import struct
import time

from pstd.plainclass import plain
from pstd.top import cells

UTMP = "/var/run/utmp"
_UTMP_RECORD = 384          # struct utmp on Linux (x86-64, aarch64, ...)
_USER_PROCESS = 7
_UT_USER = 44               # offset of ut_user (32 bytes)

MEM_LABELS = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
CPU_FIELDS = ("us", "sy", "ni", "id", "wa", "hi", "si", "st")


@plain
class CpuTicks:
    """One cpu line of /proc/stat (ticks)."""

    user: int = 0
    nice: int = 0
    system: int = 0
    idle: int = 0
    iowait: int = 0
    irq: int = 0
    softirq: int = 0
    steal: int = 0
    guest: int = 0
    guest_nice: int = 0

    def sums(self):
        usr = self.user + self.nice
        sys_ = self.system + self.irq + self.softirq
        idl = self.idle + self.iowait
        tot = usr + sys_ + idl + self.steal + self.guest + self.guest_nice
        return usr, sys_, idl, tot - idl, tot


_TICK_NAMES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")


def cpu_delta(new: CpuTicks, old: CpuTicks | None) -> CpuTicks:
    """The library's delta: new - old per counter (never negative); all zero when any sum went
    backwards (a cpu taken offline or brought back)."""
    if old is None:
        old = CpuTicks()
    if any(n < o for n, o in zip(new.sums(), old.sums())):
        old = new
    return CpuTicks(**{k: max(0, getattr(new, k) - getattr(old, k)) for k in _TICK_NAMES})


@plain
class Memory:
    """/proc/meminfo as top derives it, in KiB."""

    total: int = 0
    free: int = 0
    used: int = 0
    buff_cache: int = 0
    avail: int = 0
    swap_total: int = 0
    swap_free: int = 0
    swap_used: int = 0


def parse_meminfo(text: str) -> Memory:
    v = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        try:
            v[key] = int(rest.split()[0])
        except (IndexError, ValueError):
            continue
    total, free = v.get("MemTotal", 0), v.get("MemFree", 0)
    avail = v.get("MemAvailable", 0) or free
    if avail > total:
        avail = free
    used = total - avail
    if used < 0:
        used = total - free
    swap_total, swap_free = v.get("SwapTotal", 0), v.get("SwapFree", 0)
    return Memory(total=total, free=free, used=used,
                  buff_cache=v.get("Buffers", 0) + v.get("Cached", 0) + v.get("SReclaimable", 0),
                  avail=avail, swap_total=swap_total, swap_free=swap_free,
                  swap_used=max(0, swap_total - swap_free))


def parse_stat(text: str) -> tuple[CpuTicks, list[tuple[int, CpuTicks]]]:
    """(the ``cpu`` line, [(n, the ``cpuN`` line), ...])."""
    summary, each = CpuTicks(), []
    for line in text.splitlines():
        if not line.startswith("cpu"):
            continue
        words = line.split()
        nums = [int(w) for w in words[1:11]] + [0] * (10 - len(words[1:11]))
        ticks = CpuTicks(**dict(zip(_TICK_NAMES, nums)))
        if words[0] == "cpu":
            summary = ticks
        else:
            try:
                each.append((int(words[0][3:]), ticks))
            except ValueError:
                continue
    return summary, each


def count_users(path: str = UTMP) -> int:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return 0
    n = 0
    for off in range(0, len(data) - _UTMP_RECORD + 1, _UTMP_RECORD):
        (kind,) = struct.unpack_from("<h", data, off)
        if kind == _USER_PROCESS and data[off + _UT_USER] != 0:
            n += 1
    return n


class SystemReader:
    """Reads the summary figures; keeps the previous cpu counters and the last memory read."""

    def __init__(self, proc: str = "/proc", clock=time.time, utmp: str = UTMP) -> None:
        self.proc = proc
        self.clock = clock
        self.utmp = utmp
        self._mem: Memory | None = None
        self._mem_secs = 0
        self._cpu_old = self._cpu_old_each = None
        self.cpu_count = 1
        self.cpu_sample()  # top's first frame shows the cpu time since start-up

    def _read(self, name: str) -> str:
        with open(os.path.join(self.proc, name), "rb") as f:
            return f.read().decode("ascii", "replace")

    def uptime(self) -> float:
        try:
            return float(self._read("uptime").split()[0])
        except (OSError, ValueError, IndexError):
            return 0.0

    def loadavg(self) -> tuple[float, float, float]:
        try:
            a, b, c = self._read("loadavg").split()[:3]
            return float(a), float(b), float(c)
        except (OSError, ValueError):
            return 0.0, 0.0, 0.0

    def users(self) -> int:
        return count_users(self.utmp)

    def cpu_sample(self) -> tuple[CpuTicks, list[tuple[int, CpuTicks]]]:
        """Deltas since the previous call: (all cpus, [(cpu number, its delta), ...])."""
        try:
            summary, each = parse_stat(self._read("stat"))
        except OSError:
            summary, each = CpuTicks(), []
        if each:
            self.cpu_count = len(each)
        old_each = dict(self._cpu_old_each or [])
        delta = cpu_delta(summary, self._cpu_old)
        deltas = [(n, cpu_delta(t, old_each.get(n))) for n, t in each]
        self._cpu_old, self._cpu_old_each = summary, each
        return delta, deltas

    def memory(self) -> Memory:
        now = int(self.clock())
        if self._mem is None or now - self._mem_secs >= 3:
            try:
                self._mem = parse_meminfo(self._read("meminfo"))
            except OSError:
                self._mem = Memory()
            self._mem_secs = now
        return self._mem


# ---------------------------------------------------------------- line makers
# Lines are written in top's markup: "~N" (N 1..8) ends a stretch of text.  When a
# line is fitted to the screen, each stretch is cut to the room left and the room
# shrinks by the whole stretch; nothing after the stretch that used the last column.

def fit(marked: str, cols: int) -> str:
    """top's show_special for one line: the markup removed, fitted to ``cols``."""
    out = []
    room = cols
    i = 0
    start = 0
    n = len(marked)
    while start < n:
        j = start
        while j < n and not (marked[j] == "~" and j + 1 < n and "1" <= marked[j + 1] <= "8"):
            j += 1
        seg = marked[start:j]
        out.append(seg[:max(room, 0)])
        room -= len(seg)
        start = j + 2
        if room <= 0:
            break
    return "".join(out)


def uptime_text(now: float, up: float, users: int, load) -> str:
    """procps's uptime line after "top -": `` HH:MM:SS up ..., N users,  load average: ...``."""
    t = time.localtime(now)
    secs = int(up)
    days, hours, mins = secs // 86400, (secs // 3600) % 24, (secs // 60) % 60
    s = " %02d:%02d:%02d up " % (t.tm_hour, t.tm_min, t.tm_sec)
    if days:
        s += "%d %s, " % (days, "days" if days > 1 else "day")
    s += "%2d:%02d, " % (hours, mins) if hours else "%d min, " % mins
    s += "%2d %s,  load average: %.2f, %.2f, %.2f" % (users, "users" if users > 1 else "user", *load)
    return s


def load_line(now, up, users, load) -> str:
    return "top -" + uptime_text(now, up, users, load)


def tasks_line(counts, threads: bool) -> str:
    """counts: (total, running, sleeping, stopped, zombie)."""
    return (("%s:~3 %3u ~2total,~3 %3u ~2running,~3 %3u ~2sleeping,~3 %3u ~2stopped,~3 %3u ~2zombie~3")
            % ("Threads" if threads else "Tasks", *counts))


def count_states(states) -> tuple[int, int, int, int, int]:
    """(total, running, sleeping, stopped, zombie) as top counts them: D with S, idle and others
    with sleeping too."""
    total = running = stopped = zombie = 0
    for s in states:
        total += 1
        if s == "R":
            running += 1
        elif s in "tT":
            stopped += 1
        elif s == "Z":
            zombie += 1
    return total, running, total - running - stopped - zombie, stopped, zombie


def cpu_line(prefix: str, d: CpuTicks) -> str:
    tot = d.sums()[4]
    idle = d.idle
    if tot < 1:
        idle = tot = 1
    scale = cells.f32(100.0 / cells.f32(float(tot)))
    vals = [d.user, d.system, d.nice, idle, d.iowait, d.irq, d.softirq, d.steal]
    pct = [cells.f32(cells.f32(float(v)) * scale) for v in vals]
    body = ",~3".join("%#5.1f ~2%s" % (p, name) for p, name in zip(pct, CPU_FIELDS))
    return prefix + "~3" + body + "~3 ~1"


def cpu_prefix(n: int | None) -> str:
    return "%Cpu(s):" if n is None else "%%Cpu%-3d:" % n


def _mem_cell(kib: int, scale: int) -> str:
    div = cells.f32(1024.0 ** scale)
    v = cells.f32(cells.f32(float(kib)) / div)
    s = ("%.0f " % v) if scale == 0 else ("%#.1f " % v)
    if len(s) > 9:
        s = s[:8] + "+"
    return "%9.9s" % s


def memory_lines(m: Memory, scale: int) -> tuple[str, str]:
    label = MEM_LABELS[scale]
    c = lambda v: _mem_cell(v, scale)  # noqa: E731
    one = "%s %s:~3 %9.9s~2total,~3 %9.9s~2free,~3 %9.9s~2used,~3 %9.9s~2buff/cache~3 ~1    " % (
        label, "Mem ", c(m.total), c(m.free), c(m.used), c(m.buff_cache))
    two = "%s %s:~3 %9.9s~2total,~3 %9.9s~2free,~3 %9.9s~2used.~3 %9.9s~2avail %s~3" % (
        label, "Swap", c(m.swap_total), c(m.swap_free), c(m.swap_used), c(m.avail), "Mem ")
    return one, two
