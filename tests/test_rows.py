"""rows(): the typed rows of a listing (no text), and what a narrow query makes the backend read."""

from __future__ import annotations

import io
import os
import sys

import pytest

import pstd.backends.procfs as P
from pstd.env import Environment
from pstd.model import Group, Strategy, Task
from pstd.ps.main import run
from pstd.ps.parser import parse
from pstd.ps.render import render_text
from pstd.ps.rows import PROCESS, THREAD, Row, Rows, rows
from test_conformance import fake_proc  # noqa: F401 - a fixture: a /proc of two processes and a thread


def _env():
    env = Environment(stdout=io.BytesIO(), stderr=io.BytesIO(), environ={}, stdout_isatty=False,
                      terminal_size=lambda: None, euid=1000, uid=1000)
    env.extra["own_tty"] = 0
    return env


def task(pid, ppid=0, start=0, tid=None, comm="x"):
    t = Task(pid, tid)
    t.ppid, t.start_time, t.comm = ppid, start, comm
    t.pgid = t.sid = pid
    t.state, t.euid, t.tty = "S", 1000, 0
    if tid is not None and tid != pid:
        t.is_thread = True
    return t


class FakeBackend:
    """Serves fixed records; remembers what it was asked for."""

    def __init__(self, tasks):
        self.tasks = tasks
        self.calls = []
        self.keeps = []

    def dump(self, strategy, groups, pid=None, keep=None, keep_groups=None):
        # a selection handed along (keep) is a backend's to use or not: this one ignores it,
        # so the tests below see rows() make the selection itself
        self.calls.append((strategy, groups, pid))
        self.keeps.append((keep, keep_groups))
        if pid is not None:
            return [t for t in self.tasks if t.pid == pid]
        return list(self.tasks)


def listing(args, tasks):
    query = parse(args, _env())
    backend = FakeBackend(tasks)
    return rows(query, backend), backend, query


def test_plain_listing_is_the_selected_tasks_in_dump_order():
    tasks = [task(3), task(1), task(2)]
    out, backend, query = listing(["-p", "1,3", "-o", "pid"], tasks)
    assert isinstance(out, Rows) and len(out) == 2
    assert [r.task for r in out] == [tasks[0], tasks[1]]
    assert all(type(r) is Row and r.kind == PROCESS and r.prefix == "" for r in out)
    assert out.prefixes is None and out.threads is None
    assert backend.calls == [(Strategy.ALL, Group.BASE, None)]


def test_forest_rows_carry_their_prefix():
    tasks = [task(1, start=1), task(5, ppid=1, start=2), task(7, ppid=5, start=3), task(6, ppid=1, start=4),
             task(2, start=5), task(3, ppid=2, start=6)]
    out, _, _ = listing(["-e", "-o", "pid,comm", "--forest"], tasks)
    assert [(r.task.pid, r.prefix, r.kind) for r in out] == [
        (2, "", PROCESS), (3, "L", PROCESS), (1, "", PROCESS), (5, "", PROCESS), (7, "L", PROCESS),
        (6, "", PROCESS)]


def test_sorted_rows():
    tasks = [task(1, start=9), task(2, start=3), task(3, start=5)]
    out, _, _ = listing(["-e", "-o", "pid", "--sort=-start_time"], tasks)
    assert [r.task.pid for r in out] == [1, 3, 2]


def test_without_a_context_one_is_made_for_clock_dependent_values():
    tasks = [task(1, start=9), task(2, start=3)]
    for t in tasks:
        t.utime, t.stime = t.pid * 100, 0
    out, _, _ = listing(["-e", "-o", "pid", "--sort=-pcpu"], tasks)
    assert [r.task.pid for r in out] == [2, 1]  # twice the cpu time in about the same elapsed time


def test_m_mode_rows_are_a_process_then_its_threads():
    tasks = [task(4, start=1), task(4, tid=9, start=2), task(4, tid=5, start=1), task(8, start=3)]
    out, backend, _ = listing(["-e", "-m", "-o", "pid,tid"], tasks)
    assert [(r.task.pid, r.task.tid, r.kind) for r in out] == [
        (4, 4, PROCESS), (4, 4, THREAD), (4, 5, THREAD), (4, 9, THREAD), (8, 8, PROCESS), (8, 8, THREAD)]
    assert backend.calls[0][0] == Strategy.ALL_THREAD


def test_quick_pids_are_dumped_one_by_one_in_the_order_given():
    out, backend, _ = listing(["-q", "3,1", "-o", "pid"], [task(1), task(2), task(3)])
    assert [r.task.pid for r in out] == [3, 1]
    assert [c[2] for c in backend.calls] == [3, 1] and all(c[0] == Strategy.ONE for c in backend.calls)


def test_a_deep_forest_needs_no_recursion_limit_change():
    depth = sys.getrecursionlimit() * 3
    tasks = [task(2, start=0)] + [task(i, ppid=i - 1, start=i) for i in range(3, depth + 3)]
    limit = sys.getrecursionlimit()
    out, _, _ = listing(["-e", "-o", "pid", "--forest"], tasks)
    assert sys.getrecursionlimit() == limit
    assert [r.task.pid for r in out] == list(range(2, depth + 3))
    prefixes = [r.prefix for r in out]
    assert prefixes[3] == "  L" and len(prefixes[-1]) == depth


def test_render_text_turns_rows_into_ps_text():
    tasks = [task(1, start=1), task(5, ppid=1, start=2), task(7, ppid=5, start=3)]
    query = parse(["-e", "-o", "pid,comm", "-H"], _env())
    from pstd.ps.columns import FormatContext

    ctx = FormatContext(now=0, boot_time=0, uptime=0, clock_ticks=100, page_size=4096, mem_total_kb=1,
                        pid_max=32768)
    text = render_text(rows(query, FakeBackend(tasks), ctx), query, ctx)
    assert text.decode().splitlines() == ["  PID COMMAND", "    1 x", "    5   x", "    7     x"]


def _opened_during(monkeypatch, fn):
    opened = []
    real_open = os.open

    def spy(path, *a, **kw):
        opened.append(os.fsencode(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(P.os, "open", spy)
    fn()
    monkeypatch.undo()
    return opened


def _per_task(opened):
    return [p for p in opened if p.split(b"/")[-2:-1] and p.split(b"/")[-2].isdigit()]


def test_pid_list_opens_the_stat_of_the_listed_pid_only(monkeypatch):
    env = _env()
    backend = P.ProcfsBackend()
    backend.split_min = None  # one reader: every open is seen here
    status = []
    opened = _opened_during(monkeypatch, lambda: status.append(
        run(["-p", "1", "-o", "pid"], env=env, backend=backend)))
    assert status == [0] and env.stdout.getvalue() == b"  PID\n    1\n"
    # the selection is judged from the directory's name: no other task's file is opened
    assert _per_task(opened) == [b"1/stat"]


def test_a_selection_reads_the_expensive_files_of_the_tasks_it_keeps_only(monkeypatch):
    me = os.getpid()
    env = _env()
    backend = P.ProcfsBackend()
    backend.split_min = None
    status = []
    # -p and -s ORed: judged from stat (the session id), then status for the kept ones (RUSER)
    opened = _opened_during(monkeypatch, lambda: status.append(
        run(["-p", str(me), "-s", "1", "-o", "pid,ruser"], env=env, backend=backend)))
    assert status == [0]
    per_task = _per_task(opened)
    assert len([p for p in per_task if p.endswith(b"/stat")]) > 1  # every task judged
    shown = [int(line.split()[0]) for line in env.stdout.getvalue().splitlines()[1:]]
    assert me in shown
    read = [int(p.split(b"/")[0]) for p in per_task if p.endswith(b"/status")]
    assert set(shown) <= set(read)
    # a status opened without a row is of a task (of session 1) that exited before it was read
    assert len(read) == len(set(read))
    for pid in set(read) - set(shown):
        assert not os.path.exists("/proc/%d" % pid), pid


def test_the_selection_goes_to_the_backend_with_what_judging_it_reads():
    tasks = [task(1), task(2), task(3)]
    _, backend, _ = listing(["-p", "1,3", "-o", "pid"], tasks)
    (keep, kg), = backend.keeps
    assert kg == Group.NONE and [t.pid for t in tasks if keep(t)] == [1, 3]
    _, backend, _ = listing(["-s", "2", "-o", "pid"], tasks)
    assert backend.keeps[0][1] == Group.BASE
    _, backend, _ = listing(["-u", "0", "-o", "pid,ruser"], tasks)
    assert backend.keeps[0][1] == Group.BASE | Group.OWNER
    _, backend, _ = listing(["r", "-p", "1", "-o", "pid"], tasks)  # BSD r judges the state too
    assert backend.keeps[0][1] == Group.BASE
    _, backend, _ = listing(["-e", "-o", "pid"], tasks)  # no selection: nothing handed along
    assert backend.keeps == [(None, None)]


def test_m_mode_keeps_its_selection_to_itself():
    # a shown process's thread rows follow it whatever the threads' own values: judged by rows()
    tasks = [task(4), task(4, tid=5), task(8)]
    tasks[1].sid = 99
    out, backend, _ = listing(["-s", "4", "-m", "-o", "pid,tid"], tasks)
    assert backend.keeps == [(None, None)]
    assert [(r.task.pid, r.task.tid) for r in out] == [(4, 4), (4, 4), (4, 5)]


# ------------------------------------------------------------------ listings printed as read

class ChunkedBackend(FakeBackend):
    """FakeBackend that also lists in chunks of ``size``, applying the selection it is handed."""

    def __init__(self, tasks, size=2):
        super().__init__(tasks)
        self.size = size
        self.chunk_calls = 0

    def dump_chunks(self, strategy, groups, keep=None, keep_groups=None):
        self.chunk_calls += 1
        # what dump would be asked for the same listing (the strategy of thread modes, the groups)
        self.calls.append((strategy, groups, None))
        self.keeps.append((keep, keep_groups))
        kept = [t for t in self.tasks if keep is None or keep(t)]
        for i in range(0, len(kept), self.size):
            yield kept[i:i + self.size]


def _ctx():
    from pstd.ps.columns import FormatContext

    return FormatContext(now=0, boot_time=0, uptime=0, clock_ticks=100, page_size=4096, mem_total_kb=1,
                         pid_max=32768)


@pytest.mark.parametrize("args", [["-e", "-o", "pid,comm"], ["-e", "--headers", "-o", "pid,ppid"],
                                  ["-s", "3,5", "-o", "pid,sess"], ["-u", "4242", "-o", "pid"],
                                  ["-e", "-o", "pid,_left,_right"], ["-e", "--no-headers"], ["-eL"], ["axH"],
                                  ["-eT"], ["r"], ["-u", "1000", "-o", "pid,ruser"]])
@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_a_listing_printed_in_chunks_is_the_listing_printed_whole(args, size):
    from pstd.ps.render import render_chunks
    from pstd.ps.rows import row_chunks

    tasks = [task(p, ppid=1) for p in range(1, 12)]
    env = _env()
    env.terminal_size = lambda: (80, 4)  # --headers: a header every 3 lines, across chunk edges
    query = parse(args, env)
    whole = render_text(rows(query, FakeBackend(tasks), _ctx()), query, _ctx())
    b = ChunkedBackend(tasks, size)
    parts = list(render_chunks(row_chunks(query, b), query, _ctx()))
    assert b"".join(d for d, _, _ in parts) == whole
    assert sum(n for _, n, _ in parts) == len(rows(query, FakeBackend(tasks), _ctx()))
    # the fwrite lengths procps would use (pstd.ps.closeout): chunk by chunk those of the whole
    # listing, tiling its bytes, one negative (a newline's) per line
    from pstd.ps.render import render_pieces
    pieces = [n for _, _, p in parts for n in p()]
    assert pieces == render_pieces(rows(query, FakeBackend(tasks), _ctx()), query, _ctx())
    assert sum(abs(n) for n in pieces) == len(whole) and sum(n < 0 for n in pieces) == whole.count(b"\n")
    # and through the program: same bytes, same status
    outs, backends = [], (FakeBackend(tasks), ChunkedBackend(tasks, size))
    for backend in backends:
        e = _env()
        e.terminal_size = env.terminal_size
        outs.append((run(args, env=e, backend=backend), e.stdout.getvalue(), e.stderr.getvalue()))
    assert outs[0] == outs[1] and outs[0][1] == whole
    # asked for the same tasks with the same data, and the same selection with what judging it reads
    assert backends[1].chunk_calls == 1 and backends[0].calls == backends[1].calls
    assert [kg for _, kg in backends[0].keeps] == [kg for _, kg in backends[1].keeps]


def test_a_failed_write_closes_the_listing_it_was_printing(fake_proc):
    class Full(io.BytesIO):
        def write(self, data):
            raise OSError(28, "No space left on device")

    fds = len(os.listdir("/proc/self/fd"))
    env = _env()
    env.stdout = Full()
    backend = P.ProcfsBackend(proc=fake_proc)
    from pstd.ps.main import execute

    with pytest.raises(OSError) as kept:  # held, as a library caller may hold it
        execute(parse(["-e"], env), env, backend=backend)
    assert kept.value.errno == 28 and len(os.listdir("/proc/self/fd")) == fds


@pytest.mark.parametrize("args", [["-e", "--sort=pid"], ["-ef", "--forest"], ["-e", "-m"], ["-q", "1"],
                                  ["axjf"], ["-e", "k", "-pid"]])
def test_a_listing_that_orders_its_rows_reads_them_all_first(args):
    from pstd.ps.rows import row_chunks

    query = parse(args, _env())
    b = ChunkedBackend([task(1)])
    assert row_chunks(query, b) is None
    e = _env()
    assert run(args, env=e, backend=b) == 0 and b.chunk_calls == 0 and b.calls


def test_procfs_lists_in_chunks_what_it_dumps(fake_proc):
    proc = fake_proc
    b = P.ProcfsBackend(proc=proc)
    groups = Group.BASE | Group.STAT | Group.OWNER | Group.CMDLINE | Group.MEM
    fds = len(os.listdir("/proc/self/fd"))
    for strategy in (Strategy.ALL, Strategy.ALL_THREAD):
        whole = [t.values() for t in b.dump(strategy, groups)]
        for size in (1, 2, 5):
            chunks = list(b.dump_chunks(strategy, groups, size=size))
            assert all(0 < len(c) <= size for c in chunks)
            assert [t.values() for c in chunks for t in c] == whole
        kept = [t.values() for c in b.dump_chunks(strategy, groups, keep=lambda t: t.pid == 100) for t in c]
        assert kept == [v for v in whole if v["pid"] == 100]
    for strategy in (Strategy.ONE, Strategy.CHILDREN, 99):
        with pytest.raises(ValueError):
            b.dump_chunks(strategy, groups)  # at the call, before any chunk is asked for
    gen = b.dump_chunks(Strategy.ALL, groups, size=1)
    next(gen)
    gen.close()  # a caller that stops early: the /proc descriptor is closed all the same
    assert len(os.listdir("/proc/self/fd")) == fds


class _Refusing:
    """A stdout whose every write fails as /dev/full's do."""

    def write(self, data):
        raise OSError(28, "No space left on device")

    def flush(self):
        pass


def test_a_refused_listing_ends_alike_printed_in_chunks_or_whole():
    """What ps says at exit depends on all of its writes (pstd.ps.closeout): a listing printed
    as read, whose first chunk's write fails, must end as the same listing printed whole."""
    from pstd.env import Output

    tasks = [task(p, ppid=1) for p in range(1, 200)]
    answers = set()
    for w in range(10, 145):
        for size in (1, 3, 64):
            outs = []
            for backend in (FakeBackend(tasks), ChunkedBackend(tasks, size)):
                e = _env()
                e.stdout = Output(_Refusing())
                outs.append((run(["-e", "-o", "pid:%d" % w], env=e, backend=backend, argv0="ps"),
                             e.stderr.getvalue()))
            assert outs[0] == outs[1], (w, size)
            answers.add(outs[0])
    assert answers == {(1, b"ps: write error\n"), (1, b"ps: write error: No space left on device\n")}
