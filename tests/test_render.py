"""The renderer: procps's layout rules on synthetic rows, with stand-in columns.

Expected lines are worked out from procps's show_one_proc rules (positions, overflow
push-right and realignment, truncation of unlimited/user/wchan cells), and where the
oracle exists they are checked against /bin/ps on the live system (header lines).
"""

from __future__ import annotations

import io
import os
import random
import subprocess
from dataclasses import dataclass

import pytest

from pstd.env import Environment
from pstd.model import Group, Task
from pstd.ps import render as R
from pstd.ps.parser import parse
from pstd.ps.query import ColumnRequest, Query


@dataclass(frozen=True)
class StubColumn:
    name: str
    header: str
    width: int
    align: str
    format: object
    value: object = None
    pidmax: bool = False
    printable: bool = True
    command: bool = False
    scope: str = "ET"
    groups: Group = Group.BASE
    format_room: object = None
    aliases: tuple = ()
    forest: bool = False
    countdown: bool = False

    @property
    def fetches(self):
        return (self.value,) if self.value else ()


def attr(name):
    return lambda t, ctx: str(getattr(t, name))


def _room_text(name):
    def f(t, ctx, room=1 << 17):
        return getattr(t, name)[:max(room, 0)]
    return f


def _user_room(t, ctx, room=1 << 17):
    name = t.user
    if len(name) <= room:
        return name
    return name[:room - 1] + "+"


STUBS = {
    "pid": StubColumn("pid", "PID", 5, "RIGHT", attr("pid"), pidmax=True, scope="PO"),
    "ppid": StubColumn("ppid", "PPID", 5, "RIGHT", attr("ppid"), pidmax=True, value=lambda t, c: t.ppid),
    "start_time": StubColumn("start_time", "START", 5, "RIGHT", attr("start_time"),
                             value=lambda t, c: t.start_time),
    "tty": StubColumn("tty", "TT", 8, "LEFT", attr("ttyname")),
    "stat": StubColumn("stat", "STAT", 4, "LEFT", attr("state")),
    "user": StubColumn("user", "USER", 8, "USER", attr("user"), format_room=_user_room),
    "vsz": StubColumn("vsz", "VSZ", 6, "RIGHT", attr("vsz")),
    "comm": StubColumn("comm", "COMMAND", 15, "UNLIMITED", attr("comm"), command=True, scope="PO",
                       format_room=_room_text("comm"), forest=True),
    "args": StubColumn("args", "COMMAND", 27, "UNLIMITED", attr("args"), command=True, scope="PO",
                       format_room=_room_text("args"), forest=True),
    "tid": StubColumn("tid", "TID", 5, "RIGHT", attr("tid"), scope="TO"),
}


def lookup(name):
    return STUBS.get(name)


class Ctx:
    def __init__(self, wide_signals=False):
        self.extra = {}
        self.wide_signals = wide_signals

    def with_wide_signals(self, wide):
        return Ctx(wide)


def task(pid, **kw):
    t = Task(pid)
    t.ppid = kw.pop("ppid", 0)
    t.ttyname = kw.pop("ttyname", "?")
    t.state = kw.pop("state", "S")
    t.user = kw.pop("user", "root")
    t.vsz = kw.pop("vsz", 0)
    t.comm = kw.pop("comm", "x")
    t.args = kw.pop("args", t.comm)
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def make_query(specs, cols=131072, rows=24, headers="once", forest="", tf=0x100):
    q = Query()
    q.columns = []
    for spec in specs:
        c = STUBS[spec]
        q.columns.append(ColumnRequest(spec, c.header, c.width))
    q.screen_cols, q.screen_rows, q.headers, q.forest_type, q.thread_flags = cols, rows, headers, forest, tf
    return q


def render(specs, tasks, **kw):
    r = R.Renderer(make_query(specs, **kw), Ctx(), lookup)
    data, n = r.render_plain(tasks)
    return data.decode(), n


def render_slow(specs, tasks, **kw):
    r = R.Renderer(make_query(specs, **kw), Ctx(), lookup)
    data, n = r.render(tasks)
    return data.decode(), n


def test_basic_layout_no_trailing_blanks():
    text, n = render(["pid", "tty", "stat", "comm"], [task(1, comm="init"), task(23, ttyname="pts/0")])
    assert n == 2
    assert text == ("  PID TT       STAT COMMAND\n"
                    "    1 ?        S    init\n"
                    "   23 pts/0    S    x\n")


def test_left_last_column_has_no_padding():
    text, _ = render(["pid", "tty"], [task(7)])
    assert text == "  PID TT\n    7 ?\n"


def test_overflow_pushes_right_and_right_column_absorbs():
    # a 7-digit pid is 2 wider than its column; the LEFT tty after it starts 2 later,
    # the next RIGHT column (vsz, 6 wide) takes back the overshoot from its padding
    rows = [task(1234567, vsz=12), task(1, vsz=1234567)]
    text, _ = render(["pid", "tty", "vsz", "comm"], rows)
    assert text.splitlines() == [
        "  PID TT          VSZ COMMAND",
        "1234567 ?          12 x",
        "    1 ?        1234567 x",
    ]


def test_overflow_of_left_column_keeps_one_blank():
    # 7 columns too wide: stat and comm each follow after a single blank until the
    # overshoot is used up (stat's 3 spare cells absorb 3 of it)
    text, _ = render(["tty", "stat", "comm"], [task(1, ttyname="verylongttyname")])
    assert text.splitlines()[1] == "verylongttyname S x"


def test_user_name_cut_with_plus_in_middle_column():
    text, _ = render(["user", "pid"], [task(1, user="systemd-network")])
    assert text.splitlines()[1] == "systemd+     1"


def test_unlimited_middle_column_cut_to_width():
    text, _ = render(["args", "pid"], [task(5, args="a" * 40)])
    assert text.splitlines()[1] == "a" * 27 + "     5"


def test_terminal_width_cuts_last_column():
    text, _ = render(["pid", "args"], [task(5, args="b" * 200)], cols=40)
    assert text.splitlines()[1] == "    5 " + "b" * 34


def test_active_columns_are_a_multiple_of_the_screen():
    q = make_query(["pid", "tty", "stat", "vsz", "comm"], cols=10)
    cols, _ = R.build_plan(q, lookup)
    # 5+8+4+6 plus 3 for the last unlimited column plus 4 blanks = 30
    assert R.active_columns(10, cols) == (30, True)


def test_no_rows_prints_header_only_and_counts_zero():
    r = R.Renderer(make_query(["pid"]), Ctx(), lookup)
    data, n = r.render_plain([])
    assert (data, n) == (b"", 0)
    assert r.empty() == b"  PID\n"


def test_no_header_when_every_header_is_empty():
    q = make_query(["pid"])
    q.columns[0].header = ""
    r = R.Renderer(q, Ctx(), lookup)
    assert r.render_plain([task(3)])[0] == b"    3\n"


def test_repeated_headers_every_page():
    rows = [task(i) for i in range(1, 6)]
    text, _ = render(["pid"], rows, rows=3, headers="repeat")
    assert text.splitlines() == ["  PID", "    1", "    2", "  PID", "    3", "    4", "  PID", "    5"]


def test_forest_art_and_cut():
    assert R.forest_art("+|L", "b", 100) == " \\_  |   \\_ "
    assert R.forest_art("L L", "g", 9) == " \\_     "  # whole units only
    assert R.forest_art("LL", "u", 100) == "    "


def test_aix_literal_columns():
    q = Query()
    q.columns = [ColumnRequest("pid", "PID", 5), ColumnRequest(None, " ", 1),
                 ColumnRequest("comm", "COMMAND", 15), ColumnRequest(None, "", 0)]
    q.screen_cols = 131072
    r = R.Renderer(q, Ctx(), lookup)
    data, _ = r.render_plain([task(1, comm="init")])
    # the empty literal at the end pads the line to the comm column's end (as procps does)
    assert data.decode().splitlines() == ["  PID COMMAND        ", "    1 init           "]


def test_m_mode_dashes_for_scoped_columns():
    q = make_query(["pid", "tid", "comm"], tf=0x100 | 0x200 | 0x400)
    r = R.Renderer(q, Ctx(), lookup)
    t = task(9, comm="sh")
    th = task(9, comm="sh")
    th.tid = 10
    data, n = r.render([t, th], kinds=[False, True])
    assert data.decode().splitlines() == ["  PID   TID COMMAND", "    9     - sh", "    -    10 -"]


def test_fast_path_equals_cell_by_cell_layout():
    rnd = random.Random(4)
    words = ["", "a", "pts/12", "systemd-network", "x" * 30, "é", "漢字", "abc def"]
    rows = []
    for i in range(300):
        rows.append(task(rnd.choice([1, 99, 12345, 1234567]), ppid=rnd.choice([0, 5, 123456789]),
                         ttyname=rnd.choice(words), state=rnd.choice(["S", "Ssl+", "R<NLsl+x"]),
                         user=rnd.choice(words[1:]), vsz=rnd.choice([0, 12, 1234567]),
                         comm=rnd.choice(words), args=rnd.choice(words)))
    for specs in (["pid", "tty", "stat", "comm"], ["user", "pid", "vsz", "tty", "args"],
                  ["args", "pid"], ["pid", "ppid"], ["comm", "user"], ["tty", "vsz"]):
        for cols in (131072, 80, 30):
            fast, _ = render(specs, rows, cols=cols)
            slow, _ = render_slow(specs, rows, cols=cols)
            assert fast == slow, (specs, cols)


# --- against the oracle -----------------------------------------------------------------------

HAVE_PS = os.path.exists("/bin/ps")


def _env(isatty=False, size=None, environ=None, pid_max=None):
    if pid_max is None:  # the live value, as the oracle /bin/ps sees it
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
    env = Environment(stdout=io.BytesIO(), stderr=io.BytesIO(), environ=environ or {},
                      stdout_isatty=isatty, terminal_size=lambda: size, pid_max=pid_max)
    env.extra["own_tty"] = 0
    return env


@pytest.mark.skipif(not HAVE_PS, reason="needs /bin/ps")
@pytest.mark.parametrize("args", [
    ["-ef"], ["aux"], ["axjf"], ["-eLf"], ["-el"], ["-ely"], ["l"], ["s"], ["v"], ["-F"], ["-j"], ["-lc"],
    ["-o", "pid,user:12,comm=Name,tty"], ["-O", "rss"], ["O", "rss"], ["-o", "%p %U %a"], ["X"], ["--context"],
    ["-o", "pid,pending,blocked"], ["-M"], ["-eo", "pid,sig,comm", "--cols", "60"],
])
def test_header_line_matches_oracle(args):
    from pstd.ps.columns import lookup as real_lookup
    real = subprocess.run(["/bin/ps"] + args + ["-p", "1"], capture_output=True,
                          env={"PATH": "/bin:/usr/bin"}).stdout.decode()
    q = parse(args + ["-p", "1"], _env())
    r = R.Renderer(q, Ctx(), real_lookup)
    assert r.header_line + "\n" == real.splitlines(True)[0]


# --- the whole pipeline with a fake backend ----------------------------------------------------

class FakeBackend:
    def __init__(self, tasks):
        self.tasks = tasks
        self.calls = []

    def dump(self, strategy, groups, pid=None, keep=None, keep_groups=None):
        self.calls.append((strategy, pid))
        if pid is not None:
            return [t for t in self.tasks if t.pid == pid]
        return list(self.tasks)


def _stub_ctx(monkeypatch):
    from pstd.ps import main as M

    monkeypatch.setattr(M, "_context", lambda env, query: Ctx())


def pipeline(monkeypatch, args, tasks):
    from pstd.ps.main import execute
    _stub_ctx(monkeypatch)
    env = _env(pid_max=32768)  # the expected lines below have 5-digit pid columns
    query = parse(args, env, lookup=lookup)
    for t in tasks:
        t.start_time = getattr(t, "start_time", None) or t.pid
    status = execute(query, env, backend=FakeBackend(tasks), lookup=lookup)
    return status, env.stdout.getvalue().decode()


def test_forest_through_the_pipeline(monkeypatch):
    tasks = [task(1, comm="init"), task(2, comm="kthreadd"), task(7, ppid=2, comm="kworker"),
             task(10, ppid=1, comm="sshd"), task(11, ppid=10, comm="bash"), task(12, ppid=11, comm="vim"),
             task(13, ppid=10, comm="bash")]
    status, out = pipeline(monkeypatch, ["-e", "-o", "pid,comm", "--forest"], tasks)
    assert status == 0
    assert out.splitlines() == [
        "  PID COMMAND",
        "    2 kthreadd",
        "    7  \\_ kworker",
        "    1 init",
        "   10 sshd",
        "   11  \\_ bash",
        "   12  |   \\_ vim",
        "   13  \\_ bash",
    ]


def test_nothing_selected_prints_header_and_fails(monkeypatch):
    status, out = pipeline(monkeypatch, ["-p", "99", "-o", "pid,comm"], [task(1)])
    assert (status, out) == (1, "  PID COMMAND\n")


def test_sorted_listing(monkeypatch):
    tasks = [task(1, vsz=5), task(2, vsz=9), task(3, vsz=1)]
    STUBS["vsz"] = StubColumn("vsz", "VSZ", 6, "RIGHT", attr("vsz"), value=lambda t, c: t.vsz)
    status, out = pipeline(monkeypatch, ["-e", "-o", "pid,vsz", "--sort=-vsz"], tasks)
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["2", "1", "3"]


def test_quick_pids_keep_the_order_given(monkeypatch):
    status, out = pipeline(monkeypatch, ["-q", "3,1", "-o", "pid"], [task(1), task(2), task(3)])
    assert out.splitlines() == ["  PID", "    3", "    1"]
