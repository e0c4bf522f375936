"""Dumps while tasks fork and exit continuously: no duplicates, no stable task missing, rmmod in between."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time

import pytest

import vmhelpers as h

SECONDS = float(os.environ.get("PSTD_CHURN_SECONDS") or 30)

# Forks short-lived processes (some with a short-lived thread) and threads that
# exit at once, keeping a few dozen in flight, until stdin closes.
CHURNER = r"""
import os, random, select, sys, threading, time
live = set()
def short():
    time.sleep(random.random() * 0.02)
print("ready", flush=True)
while not select.select([sys.stdin], [], [], 0)[0]:
    while len(live) < 30:
        pid = os.fork()
        if pid == 0:
            if random.random() < 0.3:
                threading.Thread(target=short).start()
            time.sleep(random.random() * 0.05)
            os._exit(0)
        live.add(pid)
    threading.Thread(target=short).start()
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if not pid:
            break
        live.discard(pid)
    time.sleep(0.002)
"""


@pytest.fixture(scope="module")
def stable(tools):
    fx = h.Fixture.start([tools["fork"], "200", "3"])
    children = h.proc_children(fx.pid)
    assert len(children) == 200
    tids = set()
    for c in children:
        tids |= h.proc_tids(c)
    yield fx.pid, children | {fx.pid}, tids | {fx.pid}
    fx.stop()


@pytest.fixture(scope="module")
def churn():
    fx = h.Fixture.start([sys.executable, "-S", "-c", CHURNER], stdin=subprocess.PIPE)
    yield fx
    fx.proc.stdin.close()
    fx.stop()


def check_dump(d: h.Dump, must: set[int], what: str) -> None:
    ids = d.pids
    dups = {p for p in ids if ids.count(p) > 1} if len(ids) != len(set(ids)) else set()
    assert not dups, "%s: duplicates %s" % (what, sorted(dups))
    assert ids == sorted(ids), "%s: not in ascending order" % what
    missing = must - set(ids)
    assert not missing, "%s: stable tasks missing: %s" % (what, sorted(missing)[:20])


def test_dumps_under_churn(stable, churn):
    parent, procs, threads = stable
    deadline = time.monotonic() + SECONDS
    n = 0
    seen_churn = 0
    while time.monotonic() < deadline or n < 4:
        strategy = ("all", "all_thread", "children")[n % 3]
        before = h.proc_pids()
        if strategy == "children":
            d = h.dump("-s", "children", "-p", str(parent), "-f", "base")
            check_dump(d, procs - {parent}, "CHILDREN")
            assert set(d.pids) == procs - {parent}
        else:
            d = h.dump("-s", strategy, "-f", "base")
            after = h.proc_pids()
            if strategy == "all":
                # every process alive across the whole dump: the fixture, and whatever
                # procfs listed both before and after it (pids do not wrap in 30 s)
                check_dump(d, procs | (before & after), "ALL")
                assert all(r["pid"] == r["tgid"] for r in d.tasks)
            else:
                check_dump(d, threads, "ALL_THREAD")
            seen_churn += sum(1 for r in d.tasks if r.get("ppid") == churn.pid)
        n += 1
    assert seen_churn > 0, "the churner's children never showed up: no churn happened"
    assert churn.proc.poll() is None, "the churner died"


CHURN_TASKS = int(os.environ.get("PSTD_CHURN_TASKS") or 20_000)
CHURN_TIMEOUT = 1500  # seconds: the churn under TCG takes minutes, not this long
RMMODS = 3
ENOENT_EXIT = 2  # task_diag_dump's status when the family is not registered (module unloaded)


def churn_binary() -> str:
    return os.path.join(h.TOOLS_DIR, "churn")


def parse_ready(line: str) -> tuple[int, set[int], set[int]]:
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    return int(f["pid"]), {int(x) for x in f["children"].split(",")}, {int(x) for x in f["threads"].split(",")}


def test_four_strategies_and_rmmod_while_20000_tasks_come_and_go(stable):
    """ALL, ALL_THREAD, CHILDREN and THREAD dumps run at once, in a loop, while kernel/tools/churn creates
    20,000 tasks (processes, some exec'ing, and threads) and the module is unloaded and reloaded.

    Every complete dump: no task twice, pids ascending, every stable task present, CHILDREN/THREAD only
    of the churner.  A dump that finds no family (module unloaded) exits with ENOENT; nothing else."""
    h.ensure_module_loaded()
    parent, procs, threads = stable
    ch = subprocess.Popen([churn_binary(), str(CHURN_TASKS), "50", "8"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True)
    cpid, cchildren, cthreads = parse_ready(ch.stdout.readline())
    stable_procs = procs | {cpid} | cchildren
    stable_threads = threads | {cpid} | cchildren | cthreads

    def check_all(d):
        check_dump(d, stable_procs, "ALL")
        assert all(r["pid"] == r["tgid"] for r in d.tasks), "ALL lists a thread"

    def check_all_thread(d):
        check_dump(d, stable_threads, "ALL_THREAD")

    def check_children(d):
        check_dump(d, cchildren, "CHILDREN")
        assert all(r["ppid"] == cpid for r in d.tasks), "CHILDREN lists a task of another parent"

    def check_thread(d):
        check_dump(d, cthreads | {cpid}, "THREAD")
        assert all(r["tgid"] == cpid for r in d.tasks), "THREAD lists a task of another process"

    dumpers = {
        "ALL": (["-s", "all", "-f", "base"], check_all),
        "ALL_THREAD": (["-s", "all_thread", "-f", "base"], check_all_thread),
        "CHILDREN": (["-s", "children", "-p", str(cpid), "-f", "base"], check_children),
        "THREAD": (["-s", "thread", "-p", str(cpid), "-f", "base"], check_thread),
    }
    stop = threading.Event()
    complete = {k: 0 for k in dumpers}
    unloaded = {k: 0 for k in dumpers}
    churned = {k: 0 for k in dumpers}
    errors: list[str] = []

    def loop(name, args, check):
        stable_set = stable_threads if name in ("ALL_THREAD", "THREAD") else stable_procs
        while not stop.is_set():
            d = h.dump(*args, check=False)
            # no family: unloaded before the client resolved it, or between that and its request
            # (generic netlink answers a request for an unknown family id with ENOENT; the module
            # itself never returns ENOENT)
            if d.rc == ENOENT_EXIT and ("not found" in d.stderr or "dump: No such file or directory" in d.stderr):
                unloaded[name] += 1
                continue
            try:
                assert d.rc == 0, "%s dump exited %d: %s" % (name, d.rc, d.stderr.strip())
                check(d)
            except AssertionError as e:
                errors.append(str(e))
                stop.set()
                return
            complete[name] += 1
            churned[name] += sum(1 for p in d.pids if p not in stable_set)

    workers = [threading.Thread(target=loop, args=(n, a, c), daemon=True) for n, (a, c) in dumpers.items()]
    for w in workers:
        w.start()
    rmmods = 0
    done_line = ""
    deadline = time.monotonic() + CHURN_TIMEOUT
    try:
        # unload and reload a few times while the churn goes on: rmmod is refused while a dump holds
        # the module, so it is retried (not too often: each try is a fork and exec) until it lands
        # between two dumps
        while not done_line and not stop.is_set() and time.monotonic() < deadline:
            if rmmods < RMMODS:
                tries_end = time.monotonic() + 30
                while time.monotonic() < tries_end:
                    if subprocess.run(["rmmod", h.MODULE], capture_output=True).returncode == 0:
                        rmmods += 1
                        time.sleep(0.5)
                        break
                    time.sleep(0.1)
                h.ensure_module_loaded()
            if select.select([ch.stdout], [], [], 2)[0]:
                done_line = ch.stdout.readline()
        # a last round of complete dumps with the module loaded and the churn over
        before = dict(complete)
        end = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < end and \
                any(complete[k] < before[k] + 2 for k in complete):
            time.sleep(0.2)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=300)
        h.ensure_module_loaded()
        ch.stdin.close()
        try:
            ch.wait(timeout=60)
        except subprocess.TimeoutExpired:
            ch.kill()
            ch.wait()
    assert not errors, errors[0]
    assert done_line.startswith("done "), "churn did not finish in %d s: %r" % (CHURN_TIMEOUT, done_line)
    stats = dict(kv.split("=") for kv in done_line.split()[1:])
    print("churn: %s; complete dumps %s; dumps that found no module %s; rmmod x%d; churn tasks seen %s"
          % (done_line.strip(), complete, unloaded, rmmods, churned))
    assert int(stats["tasks"]) >= CHURN_TASKS and int(stats["execs"]) > 0
    assert rmmods >= 1, "rmmod never succeeded while the dumpers ran"
    for k in dumpers:
        assert complete[k] >= 3, "only %d complete %s dumps" % (complete[k], k)
    for k in ("ALL", "ALL_THREAD", "CHILDREN"):
        assert churned[k] > 0, "%s dumps never saw a churned task" % k
    assert not h.kernel_log_problems()
