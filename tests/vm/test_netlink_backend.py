"""pstd's netlink backend against the real task_diag module.

- conformance: the Task.FIELDS contract (tests/test_conformance.py's checks) on the live system,
  served by the module (no procfs fallback);
- the differential suite's fixture (tests/diff) three ways: procps ps, pstd on procfs, pstd on
  netlink, byte for byte, as root and as user nobody, on a lean selection of its cases (the
  whole suite on netlink: ``tests/vm/run env PSTD_DIFF_BACKEND=netlink pytest tests/diff``);
- strace: the ps commands the design names open no /proc/PID file with the module loaded;
- choice: auto takes netlink only with a matching /proc policy; the module absent, unloaded
  mid-run, or with a stricter policy, the output is procfs's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import vmhelpers as h

CHECKOUT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(CHECKOUT / "tests"))
sys.path.insert(0, str(CHECKOUT / "tests" / "diff"))

import diffharness as dh  # noqa: E402
import test_conformance as conf  # noqa: E402

from pstd import taskdiag_abi as abi  # noqa: E402
from pstd.backends import netlink as nl  # noqa: E402
from pstd.backends import nlwire as wire  # noqa: E402
from pstd.backends.procfs import ProcfsBackend  # noqa: E402
from pstd.model import Group, Strategy  # noqa: E402

NOBODY = 65534

# Cases of tests/diff/cases.txt (exact lines), chosen to reach every strategy, every module group,
# the thread-leader row, the forest, thread modes and the procfs-only groups mixed in.
CASES = [
    "@time :: aux",
    "@time :: -eLf",
    "axjf",
    "-eo pid,sig,sigcatch,sigignore,sigmask,pending,blocked,caught,ignored,comm",
    "-o pid,ruid,euid,suid,fuid,rgid,egid,sgid,fgid,drs,trs,sz,maj_flt,min_flt -p {manygroups}",
    "-p {sleeper},{stopped},{zombie}",
    "--ppid {tree},{leader} --forest",
    "-L -p {threaded} -o pid,lwp,nlwp,comm",
    "m -p {threaded}",
]
NOBODY_CASES = ["-eLo pid,lwp,nlwp,stat,comm", "e -p {hugeenv}"]
STRACE_ARGS = [["aux"], ["-ef"], ["-eLf"], ["axjf"], ["-eo", "pid,ppid,cmd,%mem,%cpu"]]

_LAUNCHER = """#!{python}
import os, sys
{drop}os.environ["PSTD_BACKEND"] = {backend!r}
sys.path.insert(0, {src!r})
from pstd.__main__ import main
sys.exit(main())
"""
_DROP = "os.setgroups([]); os.setgid({uid}); os.setuid({uid})\n"
_PS_AS = """#!{python}
import os, sys
os.setgroups([]); os.setgid({uid}); os.setuid({uid})
os.execv({ps!r}, ["ps"] + sys.argv[1:])
"""


def _script(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


@pytest.fixture(scope="session")
def no_thp():
    """khugepaged collapsing the fixture's pages changes their RSS under the harness's freeze check."""
    path = "/sys/kernel/mm/transparent_hugepage/enabled"
    try:
        with open(path, "w") as f:
            f.write("never")
    except OSError:
        pass


@pytest.fixture(scope="session")
def tools_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("nltools")
    d.chmod(0o755)
    out = {}
    for backend in ("procfs", "netlink"):
        for who, drop in (("root", ""), ("nobody", _DROP.format(uid=NOBODY))):
            sub = d / f"{backend}-{who}"
            sub.mkdir()
            sub.chmod(0o755)
            # named pstd, as the harness's own launcher: argv[0] shows in some messages
            out[backend, who] = _script(sub / "pstd", _LAUNCHER.format(
                python=sys.executable, drop=drop, backend=backend, src=str(CHECKOUT / "src")))
    sub = d / "ps-nobody"
    sub.mkdir()
    sub.chmod(0o755)
    out["ps", "nobody"] = _script(sub / "ps", _PS_AS.format(python=sys.executable, uid=NOBODY, ps=dh.ORACLE))
    return out


def _case(line: str):
    cases = {c.line: c for c in dh.load_cases()}
    assert line in cases, f"not a case of tests/diff/cases.txt: {line}"
    return cases[line]


# ------------------------------------------------------------------ conformance

def test_module_serves_what_ps_needs():
    b = nl.NetlinkBackend()
    assert b.policy_ok, b.info
    ps_groups = Group.BASE | Group.OWNER | Group.CRED | Group.CAPS | Group.STAT | Group.FAULTS | Group.STATM | \
        Group.CMDLINE | Group.SCHED | Group.POLICY | Group.CTXSW | Group.TTY | Group.MEM | Group.VMPARTS | Group.SIGNALS | \
        Group.COMM
    assert b.served == ps_groups, (b.served, b.info)


def test_conformance_live_system():
    b = nl.NetlinkBackend()
    groups = conf._groups_of(b)
    every = Group(0)
    for g in groups:
        rows = b.dump(Strategy.ALL, g)
        assert any(t.pid == os.getpid() for t in rows), g
        for t in rows:
            conf._check(t, g)
        every |= g
    rows = b.dump(Strategy.ALL_THREAD, every)
    assert rows and all(t.is_thread for t in rows)
    for t in rows:
        conf._check(t, every)
    (me,) = b.dump(Strategy.ONE, every, os.getpid())
    for field in ("cmdline", "environ", "exe", "io", "cgroup", "vm_rss_kb", "vm_lck_kb", "nvcsw",
                  "oom_score", "pss_kb", "resident_pages", "wchan", "loginuid"):
        if field == "loginuid" and not os.path.exists("/proc/self/loginuid"):
            continue  # a kernel without CONFIG_AUDIT has no loginuid file (the debug kernel's config)
        assert getattr(me, field) is not None, field
    assert b.fallbacks == 0, "the module failed a dump"


def test_kernel_workers_are_named_as_procfs_names_them():
    """Workqueue workers' names ("kworker/0:1-events") are longer than the task's 15 bytes; the
    backend reads them from stat.  A worker's suffix follows its work, so a round where a name
    moved between the two reads is taken again."""
    b = nl.NetlinkBackend()
    for _ in range(5):
        ours = {t.pid: t.comm for t in b.dump(Strategy.ALL, Group.BASE | Group.COMM) if t.kthread}
        theirs = {t.pid: t.comm for t in ProcfsBackend().dump(Strategy.ALL, Group.BASE) if t.kthread}
        both = ours.keys() & theirs.keys()
        if all(ours[p] == theirs[p] for p in both):
            break
    else:
        pytest.fail("names differ: %s" % sorted((ours[p], theirs[p]) for p in both if ours[p] != theirs[p]))
    assert any(len(ours[p].encode()) > 15 for p in both), "no kernel thread with a name past 15 bytes"
    assert b.fallbacks == 0


@pytest.fixture(scope="module")
def fork_200x3(tools):
    fx = h.Fixture.start([tools["fork"], "200", "3"], timeout=300)
    yield fx
    fx.stop()


def test_values_equal_procfs_for_quiet_tasks(fork_200x3):
    """Fields that do not move for sleeping tasks are procfs's, task by task (threads included)."""
    parent = fork_200x3.pid
    h.wait_settled(h.proc_children(parent) | {parent})
    groups = Group.BASE | Group.OWNER | Group.CRED | Group.CAPS | Group.STATM | Group.CMDLINE | Group.TTY | Group.SIGNALS | \
        Group.MEM | Group.VMPARTS
    b = nl.NetlinkBackend()
    for strategy in (Strategy.CHILDREN, Strategy.ALL_THREAD):
        kw = {"pid": parent} if strategy == Strategy.CHILDREN else {}
        ours = {(t.pid, t.tid): t for t in b.dump(strategy, groups, **kw)}
        theirs = {(t.pid, t.tid): t for t in ProcfsBackend().dump(strategy, groups, **kw)}
        fx = {k for k in theirs if k[0] == parent or theirs[k].ppid == parent}
        assert len(fx) >= 200 and fx <= set(ours)
        for k in fx:
            assert ours[k].values() == theirs[k].values(), k
    assert b.fallbacks == 0


# ------------------------------------------------------------------ leaders' STAT in thread listings

_WORKERS = """import sys, threading
def work(n):
    pages = bytearray(n << 20)
    for i in range(0, len(pages), 4096):
        pages[i] = 1
    sum(range(n * 300000))
    gate.wait()
gate = threading.Event()
ts = [threading.Thread(target=work, args=(n,)) for n in (2, 5, 9)]
for t in ts:
    t.start()
sys.stdout.write("ready\\n")
sys.stdout.flush()
gate.wait()
"""


@pytest.fixture
def busy_threads(tmp_path):
    """A process whose three threads faulted and ran different amounts, now all asleep."""
    script = tmp_path / "workers.py"
    script.write_text(_WORKERS)
    fx = h.Fixture.start([sys.executable, str(script)])
    tids = {int(t) for t in os.listdir("/proc/%d/task" % fx.pid)}
    assert len(tids) == 4
    h.wait_settled({fx.pid})
    yield fx.pid, tids
    fx.stop()


def _stat_of(path):
    data = open(path, "rb").read()
    f = data[data.rindex(b")") + 2:].split()
    return int(f[7]), int(f[9]), int(f[11]), int(f[12])  # minflt, majflt, utime, stime


def _counting(b):
    calls = []
    real = b._run

    def run(plan, strategy, pid, threads, flags=0):
        calls.append((strategy, flags))
        return real(plan, strategy, pid, threads, flags)

    b._run = run
    return calls


def _raw(family, strategy, target, flags):
    s = wire.open_socket()
    try:
        res = wire.dump(s, family, wire.Plan(Group.STAT | Group.FAULTS), int(strategy), target,
                        strategy in (Strategy.ALL_THREAD, Strategy.THREAD), flags=flags)
    finally:
        s.close()
    assert not res.error and not res.intr
    return res.tasks


def test_the_module_gives_leaders_the_whole_process_stat_on_request(busy_threads):
    """TASK_DIAG_REQ_LEADER_WHOLE: in a thread dump the leader's STAT is the process's (as the
    module's process dump has it), the other threads' their own; without it, every thread's
    own, as /proc/PID/task/TID/stat."""
    pid, tids = busy_threads
    family, _ = nl.probe()
    own = {t: _stat_of("/proc/%d/task/%d/stat" % (pid, t)) for t in tids}
    (process,) = [t.values() for t in _raw(family, Strategy.ALL, 0, 0) if t.pid == pid]
    assert process["minflt"] > own[pid][0], "the fixture's threads did no work of their own"
    for strategy, target in ((Strategy.ALL_THREAD, 0), (Strategy.THREAD, pid)):
        for flags in (0, abi.REQ_LEADER_WHOLE):
            got = {t.tid: t for t in _raw(family, strategy, target, flags) if t.pid == pid}
            assert set(got) == tids
            for tid, t in got.items():
                if tid == pid and flags:
                    assert {k: v for k, v in t.values().items() if k != "is_thread"} == process
                else:
                    assert (t.minflt, t.majflt, t.utime, t.stime) == own[tid], (strategy, flags, tid)


def test_thread_listings_make_one_dump(busy_threads):
    """-L's leader rows come with the thread dump; a module without request flags gets the same
    rows with a second, process dump.  Both are procfs's, but for the split of a whole process's
    time between user and system, which the module sums over threads (docs/uapi.md, STAT)."""
    pid, tids = busy_threads
    family, info = nl.probe()
    assert info.req_flags & abi.REQ_LEADER_WHOLE
    old = wire.Info(**{k: getattr(info, k) for k in wire.Info.__slots__})
    old.req_flags = 0
    groups = Group.STAT | Group.SCHED
    theirs = {t.tid: t.values() for t in ProcfsBackend().dump(Strategy.ALL_THREAD, groups) if t.pid == pid}
    assert set(theirs) == tids
    for strategy, kw in ((Strategy.ALL_THREAD, {}), (Strategy.THREAD, {"pid": pid})):
        seen = []
        for i, dumps in ((info, 1), (old, 2)):
            b = nl.NetlinkBackend(family=family, info=i, policy_ok=True)
            calls = _counting(b)
            ours = {t.tid: t.values() for t in b.dump(strategy, groups, **kw) if t.pid == pid}
            assert len(calls) == dumps, calls
            assert b.fallbacks == 0
            seen.append(ours)
            for tid in tids:
                a, b_ = dict(ours[tid]), dict(theirs[tid])
                if tid == pid:
                    ta, tb = a.pop("utime") + a.pop("stime"), b_.pop("utime") + b_.pop("stime")
                    assert abs(ta - tb) <= 1, (ta, tb)
                assert a == b_, (tid, i.req_flags)
        assert seen[0] == seen[1]


# ------------------------------------------------------------------ differential, three ways

def _three_ways(ns, line, tools, who):
    case = _case(line)
    oracle = tools["ps", "nobody"] if who == "nobody" else dh.ORACLE
    for backend in ("procfs", "netlink"):
        diff, _, _ = dh.run_case(ns, case, tools[backend, who], oracle=oracle)
        assert diff is None, f"{backend} as {who}: {line}\n{diff}"


@pytest.mark.parametrize("line", CASES)
def test_differential_as_root(no_thp, ns, tools_dir, line):
    _three_ways(ns, line, tools_dir, "root")


@pytest.mark.parametrize("line", NOBODY_CASES)
def test_differential_as_nobody(no_thp, ns, tools_dir, line):
    _three_ways(ns, line, tools_dir, "nobody")


# ------------------------------------------------------------------ strace

_STRACED = """#!{python}
import os, sys
sys.path.insert(0, {src!r})
os.environ["PSTD_BACKEND"] = "netlink"
from pstd.ps.main import run
out = os.open({out!r}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.dup2(out, 1)
for args in {commands!r}:
    os.write(2, b"=== " + " ".join(args).encode() + b"\\n")
    rc = run(args)
    sys.stdout.flush()
    if rc:
        sys.exit(rc)
"""


def test_no_proc_pid_file_opened(no_thp, ns, tmp_path):
    """pstd's ps path for each command line, in one interpreter under strace (one start-up under
    TCG instead of five): the files it opens are none of /proc/PID/."""
    strace = subprocess.run(["sh", "-c", "command -v strace"], capture_output=True, text=True).stdout.strip()
    assert strace, "strace is not installed (scripts/bootstrap --test installs it)"
    os.chmod(tmp_path, 0o777)
    log, out = tmp_path / "trace", tmp_path / "out"
    prog = _script(tmp_path / "pstd-commands", _STRACED.format(
        python=sys.executable, src=str(CHECKOUT / "src"), out=str(out), commands=STRACE_ARGS))
    r = ns.run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2,stat,newfstatat,statx,readlink,readlinkat",
                "-o", str(log), prog], strace, dict(dh.BASE_ENV))
    assert r.status == 0, r.stderr[-1000:]
    # every command ran and listed the fixture (its header and more than 20 rows each)
    text = out.read_bytes()
    assert text.count(b"\n") > 20 * len(STRACE_ARGS)
    trace = log.read_text()
    assert re.search(r'openat\(.*"/proc/self/stat"', trace), "strace recorded no open of /proc files"
    hits = sorted(_pid_paths(trace))
    assert not hits, f"pstd on netlink opened {hits[:10]}"


_PID_PATH = re.compile(r'(?:\((?:AT_FDCWD|\d+), |\()"((?:/proc/)?\d+(?:/[^"]*)?)"')


def _pid_paths(trace: str) -> set:
    """The /proc/PID paths a strace log's calls name: absolute, or relative to a descriptor
    (procfs reads "PID/stat" from an open /proc, and stats "PID" for the owner)."""
    out = set()
    for path in _PID_PATH.findall(trace):
        if path.startswith("/proc/") or not path.startswith("/"):
            out.add(path)
    return out


def _long_worker_names() -> set:
    """Pids of the kernel workers whose /proc comm is longer than the task's own 15 bytes."""
    out = set()
    for n in os.listdir("/proc"):
        try:
            with open(f"/proc/{n}/stat", "rb") as f:
                line = f.read()
        except OSError:
            continue
        name = line[line.find(b"(") + 1:line.rfind(b")")]
        if name.startswith(b"kworker/") and len(name) > 15:
            out.add(int(n))
    return out


def test_kernel_workers_names_are_read_back_only_for_queries_showing_names(tmp_path):
    """Outside the fixture's namespace, among the kernel's workers: a query that shows no name
    (``ax -o pid,ppid``) opens no /proc/PID file; one that does reads those workers' stat."""
    strace = subprocess.run(["sh", "-c", "command -v strace"], capture_output=True, text=True).stdout.strip()
    assert strace, "strace is not installed (scripts/bootstrap --test installs it)"
    workers = _long_worker_names()
    assert workers, "no kernel worker with a long name: the test shows nothing"
    opened = {}
    for args in (["ax", "-o", "pid,ppid"], ["-e", "-o", "pid,comm"]):
        log, out = tmp_path / "trace", tmp_path / "out"
        prog = _script(tmp_path / "pstd-commands", _STRACED.format(
            python=sys.executable, src=str(CHECKOUT / "src"), out=str(out), commands=[args]))
        r = subprocess.run([strace, "-f", "-qq", "-e", "trace=open,openat,openat2,stat,newfstatat,statx",
                            "-o", str(log), prog],
                           capture_output=True, timeout=600)
        assert r.returncode == 0, r.stderr[-1000:]
        assert out.read_bytes().count(b"\n") > 50
        opened[args[-1]] = {int(p.removeprefix("/proc/").split("/")[0]) for p in _pid_paths(log.read_text())}
    assert not opened["pid,ppid"], sorted(opened["pid,ppid"])[:10]
    # workers come and go: some of those listed before the run were read back by it
    assert opened["pid,comm"] & workers


# ------------------------------------------------------------------ choice and fallbacks

def _pstd(*args, env=None):
    e = dict(os.environ, PYTHONPATH=str(CHECKOUT / "src"))
    e.pop("PSTD_BACKEND", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "pstd", *args], capture_output=True, env=e, timeout=300)


def test_auto_is_netlink_with_the_module():
    from pstd.backends import choose

    assert choose("auto") == "netlink"


def test_module_absent_and_unloaded_mid_run():
    b = nl.NetlinkBackend()
    h.rmmod()
    try:
        from pstd.backends import choose

        assert choose("auto") == "procfs"
        r = _pstd("--backend=netlink", "-p", "1")
        assert (r.returncode, r.stdout) == (1, b"")
        assert r.stderr == (b"pstd: the netlink backend needs the task_diag kernel module "
                            b"(generic netlink family TASK_DIAG not found)\n")
        # the backend made while the module was there: its next dump is procfs's, whole
        rows = b.dump(Strategy.ALL, Group.BASE | Group.CMDLINE)
        assert b.fallbacks == 1
        want = ProcfsBackend().dump(Strategy.ALL, Group.BASE | Group.CMDLINE)
        stable = {t.pid for t in want if not t.kthread and t.pid != os.getpid()}
        got = {t.pid: t.cmdline for t in rows}
        assert stable <= set(got) and len(got) == len(rows)
        auto = _pstd("-e", "-o", "pid,ppid,comm")
        assert auto.returncode == 0 and auto.stderr == b""
    finally:
        h.ensure_module_loaded()


def test_stricter_module_policy_means_procfs(no_thp, ns, tools_dir):
    h.reload_module("hidepid=2")
    try:
        from pstd.backends import choose

        assert choose("auto") == "procfs"
        # asked for by name, netlink still lists what /proc lists: the tasks the module hides
        # from nobody come from procfs, row for row
        for line in ("@time :: aux",):
            diff, _, _ = dh.run_case(ns, _case(line), tools_dir["netlink", "nobody"], oracle=tools_dir["ps", "nobody"])
            assert diff is None, f"netlink, module hidepid=2, as nobody: {line}\n{diff}"
    finally:
        h.reload_module()


def test_module_status_reports_what_get_info_says():
    from typer.testing import CliRunner

    from pstd.cli import app

    r = CliRunner().invoke(app, ["module", "status"])
    assert r.exit_code == 0, r.output
    family, info = nl.probe()
    lines = {line.split("  ")[0]: line.split()[-1] for line in r.output.splitlines() if line.strip()}
    assert lines["family id"] == str(family)
    assert lines["served groups"] == "base,cred,vma,stat,statm,cmdline,sched,tty,mem,signal"
    assert lines["strategies"] == "all,one,all_thread,children,thread"
    assert lines["request flags"] == "leader_whole"
    assert lines["auto backend"] == "netlink"


# ------------------------------------------------------------------ pyroute2 as the reference decoder

def _record(plan, strategy, pid=0, extra_flags=0):
    family, _ = nl.probe()
    plan.show_flags |= extra_flags
    s = wire.open_socket()
    try:
        dgs = []
        res = wire.dump(s, family, plan, int(strategy), pid, strategy == Strategy.ALL_THREAD, record=dgs)
    finally:
        s.close()
    assert not res.error and not res.intr
    return family, dgs


def test_pyroute2_decoder_agrees_on_live_replies(tmp_path):
    import mmap

    import pyroute2_ref

    every = Group(0)
    for g in wire.ATTR_OF_GROUP:
        every |= g
    for strategy in (Strategy.ALL, Strategy.ALL_THREAD):
        family, dgs = _record(wire.Plan(every), strategy)
        ref = pyroute2_ref.agree(dgs, family, wire.Plan(every), strategy == Strategy.ALL_THREAD)
        assert len(ref) > 30
    # CONT-split tasks: a 1 MiB command line, and this process with 10,000 mappings (VMA is
    # served for the requester's own process; ps never asks for it, the parser skips it)
    big = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"] + ["x" * 100000] * 10)
    pages = []
    try:
        h.wait_settled({big.pid})
        family, dgs = _record(wire.Plan(every), Strategy.ONE, big.pid)
        (ref,) = pyroute2_ref.agree(dgs, family, wire.Plan(every))
        assert ref["msgs"] > 1 and len(ref[abi.CMDLINE]) > 1000000
        size = mmap.PAGESIZE
        area = mmap.mmap(-1, size * 20000)
        pages.append(area)
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        base = ctypes.addressof(ctypes.c_char.from_buffer(area))
        for i in range(0, 20000, 2):  # every other page read-only: 10,000 mappings that cannot merge
            assert libc.mprotect(ctypes.c_void_p(base + i * size), size, 1) == 0
        family, dgs = _record(wire.Plan(every), Strategy.ONE, os.getpid(), abi.SHOW_VMA)
        (ref,) = pyroute2_ref.agree(dgs, family, wire.Plan(every))
        vmas, off, raw = 0, 0, ref[abi.VMA]
        while off + 64 <= len(raw):
            vmas += 1
            off += abi.TaskDiagVma.unpack_from(raw, off)[abi.TaskDiagVma.names.index("vma_len")]
        assert ref["msgs"] > 1 and vmas >= 10000
    finally:
        big.kill()
        big.wait()
