"""``top -b``: frames of text for pipelines, as procps top 4.0.2 writes them.

A frame is the five summary lines, a blank line, the field header and one line per
task, each cut to the screen width, trailing blanks of task lines removed.  Frames
after the first begin with two newlines; the run ends with one more.  The first
frame's %CPU covers 0.15 s (top samples twice before it shows anything); later
frames' cover the delay.

Screen width without ``-w``: the terminal's when stdout is one, else ``COLUMNS``,
else 80 (top asks terminfo for a "dumb" terminal).  ``-w N``: N.  ``-w`` alone:
``COLUMNS``, else 512, and ``LINES`` limits the rows.  Screen rows are otherwise
unlimited.
"""

from __future__ import annotations

import time

from pstd.top import cells, fields, summary, view
from pstd.top.options import SCREENMAX, W_MIN_COL, TopQuery
from pstd.top.sample import Sampler

PRIME_SECONDS = 0.15
"""top's LIB_USLEEP: the pause between its two samples before the first frame."""
INT_MAX = 2**31 - 1
ADJOIN = " ~6 ~1"
"""What top puts between two summary entries on one line (markup: a blank, then another)."""


def _env_number(environ, name: str) -> int:
    """getenv + strtol as top reads COLUMNS and LINES: a positive whole number, else 0."""
    from pstd.top.options import _strtol0

    text = environ.get(name) or ""
    v = _strtol0(text) if text else None
    return v if v is not None and 0 < v <= 0x7FFFFFFF else 0


def geometry(query: TopQuery, env) -> tuple[int, int]:
    """(columns, rows) of a batch screen."""
    cols = 80
    env_cols = _env_number(env.environ, "COLUMNS")
    if env_cols:
        cols = env_cols  # ncurses takes COLUMNS over terminfo's "dumb" 80
    if env.stdout_isatty:
        size = env.terminal_size()
        if size:
            cols = size[0]
    cols = max(W_MIN_COL, min(cols, SCREENMAX))
    rows = INT_MAX
    if query.width_mode > 0:
        cols = min(query.width_mode, SCREENMAX)
    elif query.width_mode < 0:
        w_cols = env_cols or SCREENMAX
        cols = max(W_MIN_COL, min(w_cols, SCREENMAX))
        lines = _env_number(env.environ, "LINES")
        if lines:
            rows = max(lines, 3)
    return cols, rows


class Layout:
    """Which fields fit a screen and how wide the variable one is (top's calibrate_fields)."""

    def __init__(self, names, cols: int, frame: fields.Frame) -> None:
        self.fields = []
        used = 0
        var_count = var_size = 0
        for name in names:
            f = fields.FIELDS[name]
            length = (len(f.name) if f.variable else fields.width_of(f, frame)) + 1
            if cols < used + length:
                break
            if f.variable:
                var_count += 1
                var_size += len(f.name)
            used += length
            self.fields.append(f)
        var_size += cols - used
        self.var_width = var_size // var_count if var_count else var_size
        self.widths = [self.var_width if f.variable else fields.width_of(f, frame) for f in self.fields]

    def header(self) -> str:
        return "".join(cells.justify(f.name, w, f.right) for f, w in zip(self.fields, self.widths)).rstrip(" ")

    def row(self, task, delta, frame) -> str:
        return "".join(f.cell(task, delta, frame, w) for f, w in zip(self.fields, self.widths)).rstrip(" ")


class Batch:
    """Runs frames; injectable sleep and clock so tests can drive it."""

    def __init__(self, query: TopQuery, backend, env, sleep=time.sleep, utmp: str = summary.UTMP,
                 utf8: bool = False, cells_of=None) -> None:
        self.query = query
        self.env = env
        self.sleep = sleep
        self.names = fields.DEFAULT
        self.system = summary.SystemReader(env.proc, env.clock, utmp)
        self.cols, self.rows = geometry(query, env)
        cpus = self.system.cpu_count
        pmax = 99.9
        if cpus > 1 and not query.threads:
            pmax = min(100.0 * cpus, 999.9 if cpus <= 10 else 99999.0 if cpus <= 100 else 999999.0)
        self.frame = fields.Frame(hertz=env.clock_ticks, page_kib=env.page_size // 1024,
                                  cpu_pmax=cells.f32(pmax), task_scale=query.task_scale,
                                  cmdline=query.cmdline, cumulative=query.cumulative,
                                  pid_width=max(5, len(str(env.pid_max))), cells=cells_of, utf8=utf8)
        self.layout = Layout(self.names, self.cols, self.frame)
        # only what the fields that fit the screen and the sort field read (top's build_headers)
        shown = tuple(f.name for f in self.layout.fields)
        groups = fields.groups_for(shown + (query.sort_field,), query)
        self.sampler = Sampler(backend, groups, query.threads, query.pids, env.proc,
                               faults=bool({"vMj", "vMn"} & set(shown + (query.sort_field,))))
        self.count = 0

    def frame_text(self) -> str:
        """Sample and make one frame (the leading newlines of later frames included)."""
        sample = self.sampler.sample()
        cpu, each = self.system.cpu_sample()
        mem = self.system.memory()
        first = self.count == 0
        if first:
            self.sleep(PRIME_SECONDS)
            sample = self.sampler.sample()
        self.count += 1
        fr = self.frame
        hz = float(cells.f32(float(fr.hertz)))
        fr.etscale = cells.f32(100.0 / cells.f32(hz * cells.f32(sample.elapsed)))
        fr.mem_total_kib = mem.total or 1
        fr.faults = sample.faults
        fr.boot_tics = int(sample.uptime * fr.hertz)
        lines = self._summary(sample, cpu, each, mem)
        out = [] if first else ["\n\n"]
        out.extend(summary.fit(line, self.cols) + "\n" for line in lines)
        body_rows = self.rows - len(lines) - 1
        out.append("\n" + self.layout.header())
        if sample.tasks and body_rows > 1:
            limit = min(body_rows, (self.query.maxtasks or body_rows) + 1) - 1
            for i in view.visible(sample, self.query, fr, limit):
                out.append("\n" + self.layout.row(sample.tasks[i], sample.deltas[i], fr))
        return "".join(out)

    def _summary(self, sample, cpu, each, mem) -> list[str]:
        """The summary lines in top's markup.  With -1 (a line per cpu) top puts two cpus on
        a line, and the Mem and Swap lines side by side (its "double up" default, which the
        one-line %Cpu(s) view turns off)."""
        rows = self.rows
        lines: list[str] = []
        double_up = 0 if self.query.cpu_summary else 1
        pending = {"row": "", "tog": 0}

        def see(text: str, nobuf: bool) -> None:
            row = pending["row"] + text
            if text and double_up and not nobuf:
                pending["tog"] += 1
                if pending["tog"] <= double_up:
                    pending["row"] = row + ADJOIN
                    return
            pending["row"], pending["tog"] = "", 0
            if row:
                lines.append(row)

        def room(n: int) -> bool:
            return len(lines) + n < rows - 1

        if room(1):
            lines.append(summary.load_line(self.env.clock(), self.system.uptime(), self.system.users(),
                                           self.system.loadavg()))
        if room(2):
            lines.append(summary.tasks_line(summary.count_states(t.state for t in sample.tasks),
                                            self.query.threads))
            if self.query.cpu_summary:
                see(summary.cpu_line(summary.cpu_prefix(None), cpu), True)
            else:
                for i, (n, d) in enumerate(each):
                    see(summary.cpu_line(summary.cpu_prefix(n), d), i + 1 >= len(each))
                    if len(lines) + 1 >= rows - 1:
                        break
            see("", True)
        if room(2):
            one, two = summary.memory_lines(mem, self.query.summary_scale)
            see(one, False)
            see(two, True)
        return lines

    def run(self, write, end: str = "\n") -> None:
        """Frames until -n is used up (forever without -n), ``write(text)`` each, then ``end``."""
        left = self.query.iterations
        while True:
            write(self.frame_text())
            if left > 0:
                left -= 1
            if left == 0:
                break
            self.sleep(self.query.delay)
        write(end)
