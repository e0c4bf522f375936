"""The header: per-cpu meters, memory and swap bars, tasks by state, load and uptime.

The figures are batch mode's (``summary``: the cpu deltas, MemTotal - MemAvailable as
used, top's state counts); only their drawing is new.  A bar is ``[|||   12.3%]``:
the bars' colours tell user, system and other time apart, and the characters alone
still read right without colour (NO_COLOR).
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

from pstd.top import summary

MAX_CPU_ROWS = 4


def cpu_parts(d) -> tuple[float, float, float, float]:
    """(user+nice, system+irq+softirq, steal+guest+iowait, total busy) in percent."""
    usr, sys_, idl, busy, tot = d.sums()
    if tot <= 0:
        return 0.0, 0.0, 0.0, 0.0
    other = tot - usr - sys_ - d.idle
    return 100.0 * usr / tot, 100.0 * sys_ / tot, 100.0 * max(other, 0) / tot, 100.0 * (tot - d.idle) / tot


def bar(label: str, width: int, parts, text: str) -> Text:
    """``label[||||     text]`` in ``width`` cells; parts: [(fraction 0..1, style), ...]."""
    inner = max(width - len(label) - 2, 1)
    out = Text(label, style="bold")
    out.append("[")
    used = 0
    for frac, style in parts:
        n = max(0, min(inner - used, int(round(frac * inner))))
        out.append("|" * n, style=style)
        used += n
    fill = inner - used
    tail = text[-inner:] if len(text) > inner else text
    pad = fill - len(tail)
    if pad >= 0:
        out.append(" " * pad)
        out.append(tail, style="bold")
    else:
        # the text overlays the end of the bar, as htop does
        out.right_crop(-pad)
        out.append(tail, style="bold")
    out.append("]")
    return out


def human(kib: float) -> str:
    v = float(kib)
    for unit in "KMGTPE":
        if v < 1024 or unit == "E":
            if unit == "K":
                return "%.0fK" % v
            return ("%.2f%s" if v < 10 else "%.1f%s") % (v, unit)
        v /= 1024.0
    return "?"


def uptime_text(secs: float) -> str:
    secs = int(secs)
    days, rest = divmod(secs, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    head = f"{days} day{'s' if days != 1 else ''}, " if days else ""
    return f"{head}{h:02d}:{m:02d}:{s:02d}"


def header_lines(snap, width: int, paused: bool = False, message: str = "", per_cpu: bool = True) -> list[Text]:
    """The header as lines of styled text for a screen ``width`` wide (``per_cpu``: a meter each)."""
    lines: list[Text] = []
    cpus = (snap.cpus if per_cpu else None) or [(None, snap.cpu)]
    n = len(cpus)
    rows = min(n, MAX_CPU_ROWS) if n > 1 else 1
    cols = math.ceil(n / rows)
    if cols * 12 > width:  # too many to draw one meter each: the all-cpu meter only
        cpus, n, rows, cols = [(None, snap.cpu)], 1, 1, 1
    cell = width // cols
    label_w = len(str(cpus[-1][0])) if cpus[-1][0] is not None else 3
    for r in range(rows):
        line = Text()
        for c in range(cols):
            k = c * rows + r
            if k >= n:
                break
            num, d = cpus[k]
            u, s, o, busy = cpu_parts(d)
            label = ("%*d" % (label_w, num)) if num is not None else "Cpu"
            w = cell - (1 if c < cols - 1 else 0)
            line.append(bar(label, w, [(u / 100, "green"), (s / 100, "red"), (o / 100, "cyan")],
                            "%.1f%%" % busy))
            if c < cols - 1:
                line.append(" ")
        lines.append(line)
    m = snap.memory
    half = width // 2
    mem = bar("Mem", half - 1, [(m.used / m.total if m.total else 0, "green"),
                                (min(m.buff_cache, m.total - m.used) / m.total if m.total else 0, "yellow")],
              f"{human(m.used)}/{human(m.total)}")
    swp = bar("Swp", width - half, [(m.swap_used / m.swap_total if m.swap_total else 0, "red")],
              f"{human(m.swap_used)}/{human(m.swap_total)}")
    lines.append(mem + Text(" ") + swp)
    total, running, sleeping, stopped, zombie = summary.count_states(t.state for t in snap.tasks)
    what = "Threads" if snap.threads else "Tasks"
    tasks = Text(f"{what}: ", style="bold")
    tasks.append(f"{total} total, {running} running, {sleeping} sleeping, {stopped} stopped, {zombie} zombie")
    lines.append(tasks)
    load = Text("Load average: ", style="bold")
    load.append("%.2f %.2f %.2f" % tuple(snap.load))
    load.append("  Uptime: ", style="bold")
    load.append(uptime_text(snap.uptime))
    if paused:
        load.append("  [paused]", style="bold reverse")
    if message:
        load.append("  " + message, style="bold")
    lines.append(load)
    for t in lines:
        t.truncate(width)
    return lines


class Meters(Widget):
    DEFAULT_CSS = "Meters { height: auto; }"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.snap = None
        self.paused = False
        self.message = ""
        self.per_cpu = True

    def show(self, snap, paused: bool = False, message: str = "") -> None:
        self.snap, self.paused, self.message = snap, paused, message
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        if self.snap is None:
            return 1
        return len(header_lines(self.snap, width, per_cpu=self.per_cpu))

    def render(self):
        if self.snap is None:
            return Text("")
        return Text("\n").join(header_lines(self.snap, self.size.width, self.paused, self.message, self.per_cpu))
