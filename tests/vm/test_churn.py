"""Dumps while tasks fork and exit continuously: no duplicates, no stable task missing."""

from __future__ import annotations

import os
import subprocess
import sys
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
