"""Selection (procps want_this_proc), sorting and the forest walk on synthetic tasks."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pstd.env import Environment
from pstd.model import Task
from pstd.ps import sort as S
from pstd.ps.parser import parse
from pstd.ps.select import select

ME = 1000
MY_TTY = (136 << 8) | 3  # pts/3


def env(own_tty=MY_TTY, euid=ME):
    e = Environment(stdout=io.BytesIO(), stderr=io.BytesIO(), environ={}, stdout_isatty=False,
                    terminal_size=lambda: None, euid=euid, uid=euid)
    e.extra["own_tty"] = own_tty
    return e


def task(pid, euid=ME, tty=0, sid=None, state="S", ppid=1, comm="x", start=0, **kw):
    t = Task(pid)
    t.euid = t.ruid = euid
    t.egid = t.rgid = kw.pop("gid", 0)
    t.tty = tty
    t.sid = pid if sid is None else sid
    t.pgid = kw.pop("pgid", t.sid)
    t.state = state
    t.ppid = ppid
    t.comm = comm
    t.start_time = start
    return t


TASKS = [
    task(10, tty=MY_TTY, sid=10),            # my shell: session leader on my tty
    task(11, tty=MY_TTY, sid=10, state="R"),  # my job on my tty
    task(12, tty=0, sid=12),                  # my daemon, no tty
    task(13, euid=0, tty=MY_TTY, sid=10),     # root process on my tty
    task(14, euid=0, tty=0, sid=14, comm="rootd"),
    task(15, euid=0, tty=(136 << 8) | 4, sid=15),  # root on another tty, leader
    task(16, euid=0, tty=(136 << 8) | 4, sid=15, state="D", comm="averyveryverylo"),
]


def pids(*args, **kw):
    return [t.pid for t in select(TASKS, parse(list(args), env(**kw)))]


def test_plain_ps_same_euid_same_tty():
    assert pids() == [10, 11]


def test_plain_ps_without_tty_shows_own_ttyless():
    assert pids(own_tty=0) == [12]


def test_bsd_letters():
    assert pids("x") == [10, 11, 12]          # mine, with or without tty
    assert pids("a") == [10, 11, 13, 15, 16]  # anyone's, with a tty
    assert pids("ax") == [10, 11, 12, 13, 14, 15, 16]
    assert pids("r") == [11]                  # mine, running
    assert pids("T") == [10, 11, 13]          # my terminal (also mine with tty: ORed)


def test_unix_a_and_d():
    assert pids("-a") == [11, 13, 16]          # tty, not session leader
    assert pids("-d") == [11, 13, 16]          # not session leader
    assert pids("-e") == [10, 11, 12, 13, 14, 15, 16]


def test_lists_are_ored_and_negated():
    assert pids("-p", "12", "-u", "0") == [12, 13, 14, 15, 16]
    assert pids("-N", "-p", "12") == [10, 11, 13, 14, 15, 16]
    assert pids("-s", "15") == [15, 16]
    assert pids("--ppid", "1") == [10, 11, 12, 13, 14, 15, 16]
    assert pids("-t", "-") == [12, 14]


def test_comm_match_including_long_names():
    assert pids("-C", "rootd") == [14]
    # a 15-character comm matches a longer name with that prefix
    assert pids("-C", "averyveryverylong_name") == [16]
    assert pids("-C", "rootdx") == []


@dataclass(frozen=True)
class Col:
    value: object

    @property
    def fetches(self):
        return (self.value,) if self.value else ()


def lookup(name):
    return {"pid": Col(lambda t, c: t.pid), "ppid": Col(lambda t, c: t.ppid),
            "start_time": Col(lambda t, c: t.start_time), "comm": Col(lambda t, c: t.comm),
            "noop": Col(None)}.get(name)


class Key:
    def __init__(self, spec, reverse=False):
        self.spec, self.reverse = spec, reverse


def test_multi_key_sort_is_stable_and_directional():
    rows = [task(1, comm="b"), task(2, comm="a"), task(3, comm="b"), task(4, comm="a")]
    S.apply_sort(rows, [Key("comm", True), Key("pid")], None, lookup)
    assert [t.pid for t in rows] == [1, 3, 2, 4]
    S.apply_sort(rows, [Key("comm")], None, lookup)
    assert [t.pid for t in rows] == [2, 4, 1, 3]  # stable: pid order kept within equal keys
    S.apply_sort(rows, [Key("noop"), Key(None)], None, lookup)
    assert [t.pid for t in rows] == [2, 4, 1, 3]


def tree():
    # 1 ─ 5 ─ 7        2 ─ 3      orphan 9 (parent 8 absent)
    #   └ 6             └ 4
    return [task(1, ppid=0, start=1), task(2, ppid=0, start=2), task(3, ppid=2, start=3),
            task(4, ppid=2, start=4), task(5, ppid=1, start=5), task(6, ppid=1, start=6),
            task(7, ppid=5, start=7), task(9, ppid=8, start=9)]


def walk(forest_type="b"):
    rows = tree()
    S.apply_sort(rows, S.forest_keys([]), None, lookup)
    return [(t.pid, p) for t, p in S.forest(rows, forest_type)]


def test_forest_order_and_prefixes():
    # roots are walked from the end of the sorted list: the orphan first, then 2, then 1;
    # children of pid 1 stay at its level
    assert walk() == [(9, ""), (2, ""), (3, "+"), (4, "L"), (1, ""), (5, ""), (7, "L"), (6, "")]


def test_hierarchy_indents_children_of_init():
    assert walk("u") == [(9, ""), (2, ""), (3, "+"), (4, "L"), (1, ""), (5, "+"), (7, "|L"), (6, "L")]


def test_thread_groups_order():
    a, b, c = task(5, start=3), task(5, start=1), task(4, start=9)
    rows = S.thread_groups([a, b, c])
    assert rows == [c, b, a]


def test_sort_keys_procps_cannot_apply_are_dropped():
    keys = [Key("vsize"), Key("pid")]
    # vsize sorts by an item only the size/trs/drs printers read: dropped unless one is shown
    assert [k.spec for k in S.effective_keys(keys, ["pid", "vsz"])] == ["pid"]
    assert [k.spec for k in S.effective_keys(keys, ["pid", "size"])] == ["vsize", "pid"]
    assert [k.spec for k in S.effective_keys([Key("utime")], ["pid"])] == []
    assert [k.spec for k in S.effective_keys([Key("tty4")], ["tty"])] == ["tty4"]
