"""Malformed and random requests from several processes and users at once (kernel/tools/task_diag_fuzz.c).

The fuzzer checks every reply itself (clean errno or a well-formed dump, see its header comment); these
tests run it, require a clean exit and a clean kernel log, and check that the run really exercised what
it claims (dumps, each errno class, truncated receives, dumps abandoned half-way, CONT sequences).

PSTD_FUZZ_SEED reproduces a run (the seed is printed and kept in the job folder); PSTD_FUZZ_REQUESTS
changes the number of requests (default 100,000), PSTD_FUZZ_TIMEOUT the seconds one fuzzer run may take
(default 3,600; the debug kernel under TCG needs about two hours for 100,000).
"""

from __future__ import annotations

import collections
import os
import signal
import random
import re
import subprocess

import pytest

import vmhelpers as h

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_corpus.txt")
REQUESTS = int(os.environ.get("PSTD_FUZZ_REQUESTS") or 100_000)
TIMEOUT = float(os.environ.get("PSTD_FUZZ_TIMEOUT") or 3600)
# root twice, nobody twice, two ordinary users: each sees a different part of the task list
UIDS = "0,65534,1000,0,1001,65534"
WORKERS = 6


def fuzz_binary() -> str:
    return os.path.join(h.TOOLS_DIR, "task_diag_fuzz")


def summary(out: str) -> dict[str, int]:
    """The fuzzer's last line: key=value counters, then errors: NAME=count."""
    line = [ln for ln in out.splitlines() if ln.startswith("requests=")][-1]
    head, _, errs = line.partition(" errors:")
    vals = {k: float(v) if "." in v else int(v) for k, v in (kv.split("=") for kv in head.split())}
    for kv in errs.split():
        k, v = kv.split("=")
        vals[k] = int(v)
    return vals


def run_fuzzer(*args: str, timeout: float = TIMEOUT, live: str | None = None
               ) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the fuzzer; ``live``: a file name in the job folder that receives its stdout as it
    comes (progress lines included), so that a run stopped from outside still says how far it got."""
    before = len(subprocess.run(["dmesg"], capture_output=True, text=True).stdout)
    job = os.environ.get("PSTD_VM_JOB")
    path = os.path.join(job, live) if live and job and os.path.isdir(job) else None
    sink = open(path, "w+") if path else subprocess.PIPE
    # its own session: on a timeout the workers it forked are killed with it
    p = subprocess.Popen([fuzz_binary(), *args], stdout=sink, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        if path:
            sink.seek(0)
            out = sink.read()
        last = {}  # each worker's latest progress line
        for ln in (out or "").splitlines():
            if ln.startswith("progress "):
                last[ln.split()[1]] = ln
        raise AssertionError("task_diag_fuzz %s did not finish in %d s; progress:\n%s\nstderr:\n%s" % (
            " ".join(args), timeout, "\n".join(last[k] for k in sorted(last)), (err or "")[-4000:]))
    finally:
        if path:
            sink.seek(0)
            out = sink.read()
            sink.close()
    r = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    assert r.returncode == 0, "task_diag_fuzz %s exited %d:\n%s\n%s" % (
        " ".join(args), r.returncode, r.stdout, r.stderr[-20000:])
    assert not r.stderr.strip(), r.stderr[-20000:]
    problems = h.kernel_log_problems(before)
    assert not problems, "kernel log after fuzzing:\n" + "\n".join(problems)
    return r, summary(r.stdout)


def record(name: str, text: str) -> None:
    """Keep the fuzzer's output in the job folder (PSTD_VM_KEEP=1 keeps it after the run)."""
    job = os.environ.get("PSTD_VM_JOB")
    if job and os.path.isdir(job):
        with open(os.path.join(job, name), "w") as f:
            f.write(text)


def test_corpus_requests_end_as_the_protocol_says(tools):
    """Every corpus request (tests/vm/fuzz_corpus.txt) gets its documented errno, or a dump, or nothing."""
    r, s = run_fuzzer("--requests", "0", "--workers", "1", "--corpus", CORPUS)
    n = sum(1 for ln in open(CORPUS) if ln.strip() and not ln.startswith("#"))
    assert s["corpus"] == n, r.stdout
    assert s["failures"] == 0
    # most corpus lines name one errno: those were compared exactly
    assert s["exact_errno_checks"] >= 30, r.stdout
    record("fuzz-corpus.txt", r.stdout)


def test_reserved_fields_must_be_zero(tools):
    """Unknown task_diag_pid.flags bits or a nonzero request family header are EINVAL, as the header
    promises."""
    r = subprocess.run([fuzz_binary(), "--requests", "0", "--workers", "1", "--corpus", CORPUS,
                        "--reserved", "strict"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture
def some_tasks(tools):
    """50 processes of 4 threads: targets for ONE/THREAD/CHILDREN among the random pids."""
    fx = h.Fixture.start([tools["fork"], "50", "4"])
    yield fx
    fx.stop()


def test_100k_random_requests_from_several_users(tools, some_tasks):
    """>= 100,000 requests from 6 processes at once (root, nobody, two users)."""
    seed = int(os.environ.get("PSTD_FUZZ_SEED") or random.SystemRandom().randrange(1, 2**63))
    print("task_diag_fuzz seed %d (PSTD_FUZZ_SEED=%d reproduces this run)" % (seed, seed))
    r, s = run_fuzzer("--seed", str(seed), "--requests", str(REQUESTS), "--workers", str(WORKERS),
                      "--uids", UIDS, "--corpus", CORPUS, "--progress", "1000", live="fuzz-random.txt")
    print("\n".join(ln for ln in r.stdout.splitlines() if not ln.startswith("progress ")))
    reports = collections.Counter(re.findall(r"^progress worker=(\d+) requests=\d+ failures=\d+$",
                                             r.stdout, re.M))
    shares = [REQUESTS // WORKERS + (w < REQUESTS % WORKERS) for w in range(WORKERS)]
    assert all(reports[str(w)] == shares[w] // 1000 for w in range(WORKERS)), ("progress reports", reports)
    assert re.search(r"^seed=%d " % seed, r.stdout, re.M)
    assert s["failures"] == 0
    assert s["requests"] >= REQUESTS
    # the run exercised what the docstring claims, not just one kind of error
    share = REQUESTS / 100_000
    assert s["dumps_ok"] >= 5_000 * share, s
    for e in ("EINVAL", "ESRCH", "EOPNOTSUPP", "EBUSY"):
        assert s.get(e, 0) > 0, (e, s)
    assert s["truncated"] > 0 and s["closed_mid_dump"] > 0 and s["child_exits"] > 0, s
    assert s["busy_probes"] > 0 and s["no_reply"] > 0 and s["acks"] > 0, s
    assert s["cont_msgs"] > 0, "no dump was split with TASK_DIAG_FLAG_CONT: %s" % s
    assert s["exact_errno_checks"] >= 10_000 * share, s
