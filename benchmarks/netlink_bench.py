#!/usr/bin/env python3
"""Benchmark (not a test): pstd's netlink backend against its procfs backend, the C client and ps.

In the test VM, with the task_diag module loaded (the machine's own tasks plus N sleepers):

    tests/vm/run python benchmarks/netlink_bench.py --n 3000 --repeat 7
    PSTD_VM_MEMORY=8G tests/vm/run sh -c \
        'python benchmarks/netlink_bench.py --n 30000 --record-only $PSTD_VM_JOB/replies'

On any machine, from such a recording (the userspace cost at full interpreter speed):

    python benchmarks/netlink_bench.py --replay ~/.cache/pstd/bench/replies --repeat 7
    sudo python benchmarks/ps_bench.py --n 30000 --replay ~/.cache/pstd/bench/replies   # against ps

Live runs print, for ``ax -o pid,ppid``, ``aux`` and ``-eLf``: (1) the query's dump + selection
+ sort (``rows()``) through each backend in this one Python process, alternating, with the
C client ``task_diag_dump -q`` for the same groups as the floor; (2) the whole commands
``pstd ARGS`` on netlink and on procfs and ``ps ARGS`` (each forked, stdout to /dev/null).
Medians of --repeat runs; wall time beside cpu time (user + sys of this process, or of the
forked tool and its children, from ``wait4``); ratios taken within the same run.

``--record DIR`` also writes each query's raw replies (u32 length + datagram, as
``task_diag_dump --replay`` reads them).  ``--replay DIR`` times, per recording, the parse
alone and the whole ps path (parse, select, sort, render to bytes) fed from the recording.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from pstd.backends import nlwire as wire  # noqa: E402
from pstd.backends.procfs import ProcfsBackend  # noqa: E402
import recording  # noqa: E402

COMMANDS = [["ax", "-o", "pid,ppid"], ["aux"], ["-eLf"]]
RECORDED = [["ax", "-o", "pid,ppid"], ["aux"], ["-ef"], ["-eLf"]]
"""What --record and --record-only write (ps_bench.py --replay times the first three against ps)."""


def _median(xs):
    return statistics.median(xs) if xs else float("nan")


def _query(args):
    from pstd.env import Environment
    from pstd.ps.parser import parse

    env = Environment.from_os()
    return env, parse(list(args), env)


def _time_in_process(fn, repeat):
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return _median(walls), _median(cpus)


def _run_child(argv, env=None):
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE, env=env)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status:
        raise SystemExit(f"{argv} failed: {p.stderr.read().decode(errors='replace')[-500:]}")
    return wall, ru.ru_utime + ru.ru_stime


def _spawn(n):
    if n <= 0:
        return None
    from ps_bench import build_spawner, raise_limit

    saved = {}  # left raised: the benchmark's machine is the test VM, gone after the run
    for name in ("pid_max", "threads-max"):
        raise_limit(name, int((n + 3000) * 1.25), saved)
    exe = build_spawner()
    if exe is None:
        raise SystemExit("needs gcc to build the spawner")
    # its own process group: the sleepers it forks go with it (_reap)
    sp = subprocess.Popen([exe, str(n)], stdout=subprocess.PIPE, start_new_session=True)
    if sp.stdout.readline().strip() != str(n).encode():
        _reap(sp)
        raise SystemExit("spawner failed")
    return sp


def _reap(sp) -> None:
    if sp is None:
        return
    import signal

    try:
        os.killpg(sp.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    sp.wait()


def record_only(args) -> int:
    """Spawn, then only record the replies of RECORDED (no timing: TCG is slow at 30,000 tasks)."""
    from pstd.backends.netlink import NetlinkBackend

    sp = _spawn(args.n)
    try:
        nlb = NetlinkBackend()
        ntasks = len([p for p in os.listdir("/proc") if p.isdigit()])
        print(f"# {ntasks} processes; module served groups {int(nlb.served):#x}")
        for cmd in RECORDED:
            _, q = _query(cmd)
            _record(Path(args.record_only), cmd, q, nlb)
        for name, q in _top_queries().items():
            _record(Path(args.record_only) / "top", [name], q, nlb)
        # a screen's refreshes see ticks move: successive dumps a second apart, replayed in turn
        for k in range(1, TOP_REFRESHES):
            time.sleep(1.0)
            _record(Path(args.record_only) / "top", ["refresh.%d" % k], _top_queries()["refresh.0"], nlb)
    finally:
        _reap(sp)
    return 0


def live(args) -> int:
    from pstd.backends.netlink import NetlinkBackend
    from pstd.ps.rows import rows

    sp = _spawn(args.n)
    try:
        nlb, pfb = NetlinkBackend(), ProcfsBackend()
        ntasks = len([p for p in os.listdir("/proc") if p.isdigit()])
        print(f"# {ntasks} processes; module served groups {int(nlb.served):#x}; repeat {args.repeat}")
        dump_tool = args.dump_tool
        print(f"{'query':<18} {'netlink wall/cpu ms':>20} {'procfs wall/cpu ms':>20} {'C client wall/cpu':>18}"
              f" {'procfs/netlink':>15} {'netlink/C':>10}")
        for cmd in COMMANDS:
            env, q = _query(cmd)
            from pstd.ps.context import make_context

            ctx = make_context(env, q)
            # alternate: one round of each per repeat
            res = {"netlink": ([], []), "procfs": ([], []), "c": ([], [])}
            plan = wire.Plan(q.show_flags & nlb.served)
            flags, req = plan.show_flags, nlb.request_flags(q.strategy, plan.groups)
            for _ in range(args.repeat):
                for name, b in (("netlink", nlb), ("procfs", pfb)):
                    w, c = _time_in_process(lambda: rows(q, b, ctx), 1)
                    res[name][0].append(w)
                    res[name][1].append(c)
                if dump_tool:
                    w, c = _run_child([dump_tool, "-q", "-s", str(int(q.strategy)), "-f", str(flags),
                                       "-r", str(req)])
                    res["c"][0].append(w)
                    res["c"][1].append(c)
            nw, nc = map(_median, res["netlink"])
            pw, pc = map(_median, res["procfs"])
            cw, cc = map(_median, res["c"])
            print(f"{' '.join(cmd):<18} {nw * 1e3:9.1f}/{nc * 1e3:<9.1f} {pw * 1e3:9.1f}/{pc * 1e3:<9.1f}"
                  f" {cw * 1e3:8.1f}/{cc * 1e3:<8.1f} {pw / nw:6.2f}x/{pc / nc:5.2f}x {nw / cw:5.2f}x")
            if fb := nlb.fallbacks:
                print(f"#   warning: {fb} netlink calls fell back to procfs")
        if args.record:
            for cmd in RECORDED:
                _record(Path(args.record), cmd, _query(cmd)[1], nlb)
        print()
        print(f"{'command':<18} {'pstd netlink':>16} {'pstd procfs':>16} {'ps':>16} {'netlink/ps wall, cpu':>22}"
              f" {'procfs/ps':>10}")
        pstd = [sys.executable, "-m", "pstd"]
        base_env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
        for cmd in COMMANDS:
            res = {"netlink": ([], []), "procfs": ([], []), "ps": ([], [])}
            for _ in range(args.repeat):
                for name in ("netlink", "procfs", "ps"):
                    argv = ["ps", *cmd] if name == "ps" else [*pstd, *cmd]
                    w, c = _run_child(argv, dict(base_env, PSTD_BACKEND=name) if name != "ps" else None)
                    res[name][0].append(w)
                    res[name][1].append(c)
            (nw, nc), (pw, pc), (sw, sc) = (tuple(map(_median, res[k])) for k in ("netlink", "procfs", "ps"))
            print(f"{' '.join(cmd):<18} {nw * 1e3:7.0f}/{nc * 1e3:<7.0f} {pw * 1e3:7.0f}/{pc * 1e3:<7.0f}"
                  f" {sw * 1e3:7.0f}/{sc * 1e3:<7.0f} {nw / sw:9.2f}x, {nc / sc:5.2f}x {pw / sw:9.2f}x")
        print("# times in ms (wall/cpu), medians; cpu = user+sys")
    finally:
        _reap(sp)
    return 0


TOP_REFRESHES = 6
"""Recordings of the screen's refresh dump (top_cpu_bench.py --replay cycles through them)."""


def _top_queries():
    """The dumps ``pstd top``'s default screen (sorted by %CPU) asks for: the first sample of
    every shown group of every task, then each refresh what the sort and the counts read of
    every task, and per drawn row the rest (its lazy groups, as ONE dumps; replay_pstd.py
    answers those with that task's message from the ``rows`` recording)."""
    from types import SimpleNamespace

    from pstd.model import Group, Strategy
    from pstd.top.tui import columns

    shown = columns.groups_for(columns.default(), False)
    every = columns.groups_for([], False)
    q = lambda g: SimpleNamespace(show_flags=int(g | Group.STAT), strategy=Strategy.ALL)  # noqa: E731
    return {"prime": q(shown), "refresh.0": q(every),
            "rows": SimpleNamespace(show_flags=int(shown & ~every), strategy=Strategy.ALL)}


def _record(folder: Path, cmd, q, nlb) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    plan = wire.Plan(q.show_flags & nlb.served)
    s = wire.open_socket()
    try:
        dgs = []
        wire.dump(s, nlb.family, plan, int(q.strategy), 0, q.strategy == 2, record=dgs,
                  flags=nlb.request_flags(q.strategy, plan.groups))
    finally:
        s.close()
    name = "_".join(cmd).replace(",", "_")
    recording.write(folder / name, nlb.family, plan.groups, int(q.strategy), dgs)
    print(f"#   recorded {len(dgs)} datagrams, {sum(map(len, dgs))} bytes to {folder / name}")


def _load(path: Path):
    rec = recording.load(path)
    return rec.family, rec.groups, [bytearray(d) for d in rec.datagrams]


class _Replayed:
    """A backend answering every dump from one recording (the ps path at full speed, no kernel)."""

    def __init__(self, family, groups, dgs):
        self.family, self.plan, self.dgs = family, wire.Plan(groups), dgs

    def dump(self, strategy, groups, pid=None, keep=None, keep_groups=None):
        return wire.replay(self.dgs, self.family, self.plan, strategy == 2).tasks


def replay(args) -> int:
    from pstd.ps.columns import lookup
    from pstd.ps.context import make_context
    from pstd.ps.render import render_text
    from pstd.ps.rows import rows

    folder = Path(args.replay)
    print(f"{'recording':<18} {'tasks':>7} {'parse wall/cpu ms':>20} {'rows() wall/cpu ms':>20} "
          f"{'render wall/cpu ms':>20} {'whole ps path wall/cpu ms':>26}")
    for path in sorted(p for p in folder.iterdir() if p.is_file()):  # top/ holds the screen's recordings
        family, groups, dgs = _load(path)
        plan = wire.Plan(groups)
        n = len(wire.replay(dgs, family, plan).tasks)
        pw, pc = _time_in_process(lambda: wire.replay(dgs, family, plan), args.repeat)
        cmd = path.name.replace("_", " ").replace("ax -o pid ppid", "ax -o pid,ppid").split()
        env, q = _query(cmd)
        ctx = make_context(env, q)
        b = _Replayed(family, groups, dgs)
        rw, rc = _time_in_process(lambda: rows(q, b, ctx), args.repeat)
        listed = rows(q, b, ctx)
        tw, tc = _time_in_process(lambda: render_text(listed, q, ctx, lookup), args.repeat)
        ww, wc = _time_in_process(lambda: render_text(rows(q, b, ctx), q, ctx, lookup), args.repeat)
        print(f"{path.name:<18} {n:>7} {pw * 1e3:9.1f}/{pc * 1e3:<9.1f} {rw * 1e3:9.1f}/{rc * 1e3:<9.1f} "
              f"{tw * 1e3:9.1f}/{tc * 1e3:<9.1f} {ww * 1e3:12.1f}/{wc * 1e3:<12.1f}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=3000, help="sleeping processes to add (live runs)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--record", help="write each query's raw replies to this folder")
    ap.add_argument("--record-only", help="spawn --n sleepers, write the replies to this folder, time nothing")
    ap.add_argument("--replay", help="time the recordings in this folder instead of the live system")
    ap.add_argument("--dump-tool", default=str(Path.home() / ".cache/pstd/build/tools/task_diag_dump"),
                    help="the C client (built from kernel/tools when missing)")
    args = ap.parse_args()
    if args.replay:
        return replay(args)
    if args.record_only:
        return record_only(args)
    if not os.path.exists(args.dump_tool):
        try:
            sys.path.insert(0, str(HERE.parent / "tests" / "vm"))
            import vmhelpers

            args.dump_tool = vmhelpers.build_tools()["task_diag_dump"]
        except Exception as e:  # noqa: BLE001 - the floor is optional
            args.dump_tool = None
            print(f"# the C client could not be built ({e}): no floor")
    return live(args)


if __name__ == "__main__":
    sys.exit(main())
