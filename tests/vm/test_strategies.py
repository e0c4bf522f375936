"""Dump strategies against `fork 1000 10` (the seed's acceptance), compared with /proc."""

from __future__ import annotations

import os

import pytest

import vmhelpers as h

NPROC, NTHREADS = 1000, 10


@pytest.fixture(scope="module")
def fixture(fork_1000x10):
    parent = fork_1000x10.pid
    children = h.proc_children(parent)
    assert len(children) == NPROC, "fork tool did not create %d children" % NPROC
    threads = {c: h.proc_tids(c) for c in children}
    assert all(len(t) == NTHREADS for t in threads.values())
    h.wait_settled(children | {parent})
    return parent, children, threads


def assert_matches_proc(rec: dict, pid: int, tid: int | None = None) -> None:
    """pid/tgid/ppid/pgid/sid/comm/state of a dump record equal procfs's (sleeping tasks)."""
    st = h.proc_stat(pid, tid)
    assert st is not None, "task %s/%s vanished" % (pid, tid)
    got = (rec["pid"], rec["tgid"], rec["ppid"], rec["pgid"], rec["sid"], rec["comm"], rec["state"])
    want = (tid if tid is not None else pid, pid, st.ppid, st.pgid, st.sid, st.comm, st.state)
    assert got == want, "task %s: dump %s, procfs %s" % (tid or pid, got, want)


def test_all_lists_every_process(fixture):
    parent, children, _ = fixture
    before = h.proc_pids()
    d = h.dump("-s", "all", "-f", "base")
    after = h.proc_pids()
    pids = d.pids
    assert len(pids) == len(set(pids)), "duplicate pids in ALL"
    assert pids == sorted(pids), "ALL is not in ascending pid order"
    got = set(pids)
    assert (before & after) <= got, "stable processes missing: %s" % sorted((before & after) - got)[:20]
    # tasks procfs listed neither before nor after: the dump tool itself and the odd
    # short-lived kernel worker, nothing else
    extras = got - before - after - {d.runner_pid}
    assert len(extras) <= 5, "tasks procfs never listed: %s" % sorted(extras)
    # one entry per process: only thread-group leaders
    assert all(r["pid"] == r["tgid"] for r in d.tasks)
    by = d.by_pid()
    assert children <= got and parent in got
    for c in children:
        assert_matches_proc(by[c], c)
    assert_matches_proc(by[parent], parent)


def test_all_thread_lists_every_thread(fixture):
    parent, children, threads = fixture
    d = h.dump("-s", "all_thread", "-f", "base")
    tids = d.pids
    assert len(tids) == len(set(tids)), "duplicate tids in ALL_THREAD"
    assert tids == sorted(tids)
    by = d.by_pid()
    fixture_threads = [r for r in d.tasks if r["tgid"] in children]
    assert len(fixture_threads) == NPROC * NTHREADS
    for c, ts in threads.items():
        for t in ts:
            assert t in by, "thread %d of %d missing" % (t, c)
            assert_matches_proc(by[t], c, t)


def test_children_of_the_parent(fixture):
    parent, children, _ = fixture
    d = h.dump("-s", "children", "-p", str(parent), "-f", "base")
    assert len(d.tasks) == NPROC
    assert set(d.pids) == children
    assert all(r["ppid"] == parent and r["pid"] == r["tgid"] for r in d.tasks)


def test_children_of_a_childless_process(fixture):
    _, children, _ = fixture
    c = min(children)
    d = h.dump("-s", "children", "-p", str(c), "-f", "base")
    assert d.tasks == []


def test_one_process(fixture):
    _, children, _ = fixture
    c = max(children)
    d = h.dump("-s", "one", "-p", str(c), "-f", "base,cred,stat,cmdline")
    assert len(d.tasks) == 1
    rec = d.tasks[0]
    assert_matches_proc(rec, c)
    assert rec["threads"] == NTHREADS
    with open("/proc/%d/cmdline" % c, "rb") as f:
        assert rec["cmdline"] == len(f.read())
    assert rec["uid"] == "0,0,0,0" and rec["gid"] == "0,0,0,0"


def test_one_thread_by_tid(fixture):
    _, children, threads = fixture
    c = min(children)
    t = max(threads[c] - {c})
    d = h.dump("-s", "one", "-p", str(t), "-f", "base")
    assert len(d.tasks) == 1
    assert_matches_proc(d.tasks[0], c, t)


def test_thread_of_a_process(fixture):
    _, children, threads = fixture
    c = sorted(children)[NPROC // 2]
    d = h.dump("-s", "thread", "-p", str(c), "-f", "base")
    assert set(d.pids) == threads[c]
    assert len(d.pids) == NTHREADS
    assert all(r["tgid"] == c for r in d.tasks)


def test_thread_of_a_process_with_1234_threads(tools):
    fx = h.Fixture.start([tools["fork"], "1", "1234"])
    try:
        (child,) = h.proc_children(fx.pid)
        tids = h.proc_tids(child)
        assert len(tids) == 1234
        d = h.dump("-s", "thread", "-p", str(child), "-f", "base")
        assert len(d.tasks) == 1234
        assert set(d.pids) == tids
        assert d.pids == sorted(d.pids)
    finally:
        fx.stop()


def test_stat_threads_and_state_letters(fixture):
    parent, children, _ = fixture
    d = h.dump("-s", "children", "-p", str(parent), "-f", "base,stat")
    assert {r["threads"] for r in d.tasks} == {NTHREADS}
    assert {r["state"] for r in d.tasks} == {"S"}
    assert {r["comm"] for r in d.tasks} == {"fork"}


def test_cred_matches_proc_status():
    me = os.getpid()
    d = h.dump("-s", "one", "-p", str(me), "-f", "base,cred")
    (rec,) = d.tasks
    with open("/proc/%d/status" % me) as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    assert rec["uid"] == ",".join(status["Uid"].split())
    assert rec["gid"] == ",".join(status["Gid"].split())
    assert rec["capeff"] == int(status["CapEff"], 16)
    assert rec["capprm"] == int(status["CapPrm"], 16)
    assert rec["capinh"] == int(status["CapInh"], 16)
    assert rec["capbnd"] == int(status["CapBnd"], 16)
