#!/usr/bin/env python3
"""Benchmark (not a test): pstd vs procps ps on N sleeping processes.

    sudo ~/.cache/pstd/venv/bin/python benchmarks/ps_bench.py               # N = 10,000
    sudo ~/.cache/pstd/venv/bin/python benchmarks/ps_bench.py --n 30000 --repeat 7
    sudo ~/.cache/pstd/venv/bin/python benchmarks/ps_bench.py --n 30000 --replay DIR
    sudo ~/.cache/pstd/venv/bin/python benchmarks/ps_bench.py --n 10000 --top    # pstd top -b vs top -b

``--also PSTD`` adds another pstd to the same alternation (another venv's interpreter, an older
checkout's entry point), printed as a table of its ratios to ps and to the first pstd.

``--replay DIR`` adds a third tool for each command DIR holds a recording of (written in the test
VM by ``netlink_bench.py --record``): ``replay_pstd.py``, the whole pstd program on its netlink
backend with the module's replies read from the recording.  Its targets at 30,000 processes:
``ax -o pid,ppid`` <= 0.1x ps's wall, ``aux`` <= 0.25x.

The N processes live in a private pid namespace (``unshare --pid --fork --mount-proc``), so
both tools see exactly those N (+ a spawner and pid 1), whatever else runs on the machine.
They are forked without exec by a tiny static C program (or, without gcc, by Python).
Commands ``ax -o pid,ppid``, ``aux``, ``-ef`` and ``-p 1 -o pid,rss,args`` run alternately with
ps and pstd, stdout to /dev/null.  Printed per command: the median wall time of --repeat runs,
the median cpu time (user + sys from ``wait4``: the tool, its threads and every child it waited
for), the ratios pstd/ps of both, and the peak RSS of each (``ru_maxrss``).  Targets at 30,000
processes: ``ax -o pid,ppid`` <= 0.5x ps wall; ``aux`` <= 0.7x ps wall and <= 0.9x ps cpu; peak
RSS <= ps.  A third tool in the same alternation, ``read_floor.py``, opens, reads and closes the
files pstd reads for the command and does nothing else: the floor under pstd's procfs figures
(a second table).

kernel.pid_max and kernel.threads-max are raised when N needs it and restored on exit; closing
the namespace (pid 1 exits) kills every spawned process, also on Ctrl-C, SIGTERM or an error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import bytecode

HERE = Path(__file__).resolve().parent

COMMANDS = [["ax", "-o", "pid,ppid"], ["aux"], ["-ef"], ["-p", "1", "-o", "pid,rss,args"]]
"""The last is a script's question about one process (no target: it shows what a selection
handed to the backend saves, where ps reads every task's files)."""
FLOOR_FILES = {"ax -o pid,ppid": "stat", "aux": "stat,status,cmdline", "-ef": "stat,.,cmdline"}
"""The /proc/PID files pstd's procfs backend opens for each command (``strace -e openat,newfstatat``
shows them; "." is the task's directory, of which -ef's UID needs only the owner, one stat()):
``read_floor.py`` reads just these, for the floor line under each command."""
TOP_COMMANDS = [["-b", "-n", "1"], ["-b", "-n", "1", "-c"], ["-b", "-n", "3", "-d", "0.5"]]
"""With --top: ``top ARGS`` against ``pstd top ARGS`` (whole runs: the 0.15 s first-frame pause and
the delays are in both tools' wall time)."""
CACHE = Path(os.environ.get("PSTD_CACHE", str(Path.home() / ".cache" / "pstd"))) / "bench"
SPAWNER_C = r"""
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 0;

	for (i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			close(1);
			for (;;)
				pause();
		}
		if (p < 0) {
			perror("fork");
			return 1;
		}
	}
	printf("%ld\n", n);
	fflush(stdout);
	close(1);
	for (;;)
		pause();
}
"""


# -- inside the namespace (pid 1) ------------------------------------------------------------

def inner(n: int, spawner: str | None) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if spawner:
        sp = subprocess.Popen([spawner, str(n)], stdout=subprocess.PIPE)
        line = sp.stdout.readline()
        if line.strip() != str(n).encode():
            raise SystemExit(f"spawner failed after {line!r}")
    else:
        for _ in range(n):
            if os.fork() == 0:
                try:
                    while True:
                        signal.pause()
                finally:
                    os._exit(0)
    # The ns has n sleepers, the spawner and us.  Serve "run" requests until stdin closes.
    print(json.dumps({"ready": len([p for p in os.listdir("/proc") if p.isdigit()])}), flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    for line in sys.stdin:
        argv = json.loads(line)
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                os.dup2(devnull, 1)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss,
                          "status": os.waitstatus_to_exitcode(status)}), flush=True)


# -- the driver ------------------------------------------------------------------------------

def sysctl_path(name: str) -> Path:
    return Path("/proc/sys/kernel") / name


def raise_limit(name: str, needed: int, saved: dict[str, str]) -> None:
    path = sysctl_path(name)
    cur = int(path.read_text())
    if cur >= needed:
        return
    new = 1 << (needed - 1).bit_length()
    saved[name] = str(cur)
    path.write_text(str(new))
    print(f"# kernel.{name}: {cur} -> {new} (restored on exit)")


def restore(saved: dict[str, str]) -> None:
    for name, value in saved.items():
        try:
            sysctl_path(name).write_text(value)
            print(f"# kernel.{name} restored to {value}")
        except OSError as e:                               # noqa: PERF203
            print(f"# could not restore kernel.{name}={value}: {e}", file=sys.stderr)


def build_spawner() -> str | None:
    exe = CACHE / "spawner"
    src = CACHE / "spawner.c"
    CACHE.mkdir(parents=True, exist_ok=True)
    if exe.exists() and src.exists() and src.read_text() == SPAWNER_C:
        return str(exe)
    if not shutil.which("gcc"):
        return None
    src.write_text(SPAWNER_C)
    r = subprocess.run(["gcc", "-O2", "-static", "-o", str(exe), str(src)], capture_output=True)
    return str(exe) if r.returncode == 0 else None


def recording_for(folder: str | None, args: list[str]) -> str | None:
    """The recording netlink_bench.py --record wrote for ``args`` in ``folder``, if any."""
    if not folder:
        return None
    path = Path(folder) / "_".join(args).replace(",", "_")
    return str(path) if path.exists() else None


def recorded_tasks(path: str) -> int:
    """Task messages in a recording (the first message of each task; CONT continuations not counted)."""
    import recording

    return recording.task_count(recording.load(path))


def replay_python(pstd: str) -> str:
    """The interpreter of the venv ``pstd`` lives in (replay_pstd.py runs the same installed code)."""
    cand = Path(pstd).parent / "python"
    return str(cand if cand.exists() else sys.executable)


def interpreter(python: str) -> str:
    """Which Python runs pstd (its version and the binary the venv was made from): the build
    matters, one without profile-guided optimisation takes 1.1x the time for ``aux``
    (docs/performance.md)."""
    try:
        out = subprocess.run([python, "-S", "-c", "import os, sys; print(sys.version.split()[0], "
                              "os.path.realpath(sys._base_executable))"],
                             capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        out = []
    return f"Python {out[0]} ({out[1]})" if len(out) == 2 else python


def default_pstd() -> str:
    cand = Path(sys.executable).parent / "pstd"
    return str(cand if cand.exists() else Path.home() / ".cache/pstd/venv/bin/pstd")


def _threads_of(pid: str) -> int:
    """How many threads process ``pid`` has now (0: it has gone, as while an earlier run's exit)."""
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="sleeping processes (default 10000)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per tool and command (>= 5)")
    ap.add_argument("--pstd", default=default_pstd())
    ap.add_argument("--ps", default="/bin/ps")
    ap.add_argument("--also", action="append", default=[], metavar="PSTD",
                    help="another pstd (another venv's interpreter, an older checkout's entry point) in the "
                         "same alternation; its ratios to ps print in a table of their own (repeatable)")
    ap.add_argument("--replay", help="also time replay_pstd.py (pstd on netlink, fed from the recordings "
                                     "netlink_bench.py --record wrote to this folder)")
    ap.add_argument("--top", nargs="?", const="/usr/bin/top", default=None,
                    help="compare pstd top -b with procps top -b (path, default /usr/bin/top) instead of ps")
    ap.add_argument("--inner", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--spawner", help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.inner is not None:
        inner(opts.inner, opts.spawner)
        return 0
    if os.geteuid() != 0:
        print("ps_bench: needs root (pid namespace, kernel.pid_max)", file=sys.stderr)
        return 2
    repeat = max(5, opts.repeat)
    for exe in (opts.pstd, *opts.also):
        bytecode.precompile(replay_python(exe))

    saved: dict[str, str] = {}
    proc = None

    def on_term(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_term)
    try:
        tasks_now = sum(_threads_of(p) for p in os.listdir("/proc") if p.isdigit())
        # Every task needs a pid in the initial namespace too; leave room for the rest.
        raise_limit("pid_max", int((tasks_now + opts.n + 2000) * 1.25), saved)
        raise_limit("threads-max", int((tasks_now + opts.n + 2000) * 1.25), saved)
        spawner = build_spawner()
        cmd = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-S",
               os.path.abspath(__file__), "--inner", str(opts.n)]
        if spawner:
            cmd += ["--spawner", spawner]
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                start_new_session=True)
        ready = json.loads(proc.stdout.readline() or '{"ready": null}')["ready"]
        if ready is None:
            raise SystemExit("the namespace did not start")
        print(f"# {opts.n} sleeping processes ({'C fork' if spawner else 'python fork'}) in a pid "
              f"namespace, {ready} tasks visible, spawned in {time.monotonic() - t0:.1f} s; "
              f"median of {repeat} runs each, alternating")
        print(f"# pstd: {opts.pstd} on {interpreter(replay_python(opts.pstd))}")

        def run(argv):
            proc.stdin.write(json.dumps(argv) + "\n")
            proc.stdin.flush()
            return json.loads(proc.stdout.readline())

        o = "top" if opts.top else "ps"  # the oracle's columns
        W = max(16, *(len(" ".join(a)) for a in (TOP_COMMANDS if opts.top else COMMANDS)))
        print(f"{'command':<{W}} {o + ' wall':>8} {'pstd wall':>9} {'ratio':>6} {o + ' cpu':>7} "
              f"{'pstd cpu':>8} {'ratio':>6} {o + ' RSS MiB':>10} {'pstd RSS MiB':>12} {'ratio':>6}")
        replayed = []
        alsos = []
        floors = []
        for args in (TOP_COMMANDS if opts.top else COMMANDS):
            tools = [("ps", [opts.top or opts.ps]), ("pstd", [opts.pstd] + (["top"] if opts.top else []))]
            tools += [(f"also{i}", [exe] + (["top"] if opts.top else [])) for i, exe in enumerate(opts.also)]
            floor = None if opts.top else FLOOR_FILES.get(" ".join(args))
            rec = None if opts.top else recording_for(opts.replay, args)
            if rec:
                tools.append(("replay", [replay_python(opts.pstd), str(HERE / "replay_pstd.py"), rec]))
            res = {name: [] for name, _ in tools}
            if floor:
                res["floor"] = []
            for _ in range(repeat):
                for name, exe in tools:
                    r = run([*exe, *args])
                    if r["status"] != 0:
                        raise SystemExit(f"{name} {' '.join(args)} exited {r['status']}")
                    res[name].append(r)
                if floor:
                    res["floor"].append(run([replay_python(opts.pstd), str(HERE / "read_floor.py"), floor]))
            med = {name: (statistics.median(r["wall"] for r in rs), statistics.median(r["cpu"] for r in rs),
                          max(r["maxrss_kb"] for r in rs) / 1024) for name, rs in res.items()}
            (ps_t, ps_c, ps_m), (pstd_t, pstd_c, pstd_m) = med["ps"], med["pstd"]
            print(f"{' '.join(args):<{W}} {ps_t:8.3f} {pstd_t:9.3f} {pstd_t / ps_t:6.2f} {ps_c:7.3f} "
                  f"{pstd_c:8.3f} {pstd_c / ps_c:6.2f} {ps_m:10.1f} {pstd_m:12.1f} {pstd_m / ps_m:6.2f}",
                  flush=True)
            alsos.append((args, med))
            if "replay" in med:
                replayed.append((args, med["ps"], med["replay"], rec))
            if floor:
                floors.append((args, med["ps"], med["pstd"], med["floor"], floor))
        if floors:
            print("\n# the floor: read_floor.py opens, reads and closes only the files pstd reads "
                  "(same runs as above); ratios to ps")
            print(f"{'command':<{W}} {'files':<20} {'floor wall':>10} {'ratio':>6} {'floor cpu':>9} {'ratio':>6} "
                  f"{'pstd - floor wall':>17} {'ratio':>6}")
            for args, (ps_t, ps_c, _), (pstd_t, _pc, _pm), (fl_t, fl_c, _), files in floors:
                print(f"{' '.join(args):<{W}} {files:<20} {fl_t:10.3f} {fl_t / ps_t:6.2f} {fl_c:9.3f} "
                      f"{fl_c / ps_c:6.2f} {pstd_t - fl_t:17.3f} {(pstd_t - fl_t) / ps_t:6.2f}")
        if opts.also:
            print("\n# the other pstds (--also), same runs as above; ratios to ps")
            for i, exe in enumerate(opts.also):
                print(f"# also{i}: {exe} on {interpreter(replay_python(exe))}")
            print(f"{'command':<{W}} {'tool':<6} {'wall':>8} {'ratio':>6} {'cpu':>7} {'ratio':>6} {'RSS MiB':>8} "
                  f"{'/ pstd wall':>11}")
            for args, med in alsos:
                (ps_t, ps_c, _), (pstd_t, _pc, _pm) = med["ps"], med["pstd"]
                for i in range(len(opts.also)):
                    t, c, m = med[f"also{i}"]
                    print(f"{' '.join(args):<{W}} {'also' + str(i):<6} {t:8.3f} {t / ps_t:6.2f} {c:7.3f} "
                          f"{c / ps_c:6.2f} {m:8.1f} {t / pstd_t:11.2f}")
        if replayed:
            print("\n# pstd on the netlink backend fed from a recording of the module's replies "
                  "(replay_pstd.py; no kernel share), same runs as above")
            print(f"{'command':<{W}} {'ps wall':>8} {'replay wall':>11} {'ratio':>6} {'ps cpu':>7} "
                  f"{'replay cpu':>10} {'ratio':>6} {'replay RSS MiB':>14}  recording")
            for args, (ps_t, ps_c, _), (rp_t, rp_c, rp_m), rec in replayed:
                print(f"{' '.join(args):<{W}} {ps_t:8.3f} {rp_t:11.3f} {rp_t / ps_t:6.2f} {ps_c:7.3f} "
                      f"{rp_c:10.3f} {rp_c / ps_c:6.2f} {rp_m:14.1f}  {rec} ({recorded_tasks(rec)} tasks)")
        return 0
    except KeyboardInterrupt:
        print("ps_bench: interrupted", file=sys.stderr)
        return 130
    finally:
        if proc is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        restore(saved)


if __name__ == "__main__":
    sys.exit(main())
