#!/usr/bin/env python3
"""Benchmark (not a test): cpu and memory of ``pstd top`` against ``top`` and ``htop`` with many tasks.

    PYTHONPATH=src python benchmarks/top_cpu_bench.py --sleepers 10000 --seconds 30

Starts N sleeping processes (forked children of one helper that pause), then runs, one after the
other in a real terminal (tmux, 160x48): ``pstd top -d 1``, ``top -d 1`` and ``htop -d 10`` (htop's
delay is in tenths), each for --seconds.  For each: the cpu seconds it used (user + sys of the
tool and every thread and child, from /proc/PID/stat read just before it is stopped), the peak
resident memory (VmHWM), and the ratio to htop's, from this one run.  PSTD_BACKEND is passed through
(procfs on a host without the module).

``--replay FOLDER`` adds ``pstd top`` on the netlink backend fed from recordings of the module's
replies (``netlink_bench.py --record-only DIR`` writes them to ``DIR/top``; ``replay_pstd.py``
answers the screen's dumps from them): the screen's whole userspace cost at full interpreter
speed, without the kernel's share, where the test VM's emulated cpu would saturate every tool
alike.  The recorded tasks are the VM's, as many as the sleepers here.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")
SOCK = "pstd-top-bench"


def sleepers(n: int) -> subprocess.Popen:
    code = ("import os, signal, sys\n"
            "n = int(sys.argv[1])\n"
            "for _ in range(n):\n"
            "    if os.fork() == 0:\n"
            "        signal.pause(); os._exit(0)\n"
            "print('ready', flush=True)\n"
            "signal.pause()\n")
    p = subprocess.Popen([sys.executable, "-S", "-c", code, str(n)], stdout=subprocess.PIPE, text=True,
                         start_new_session=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def tmux(*args) -> str:
    return subprocess.run(["tmux", "-L", SOCK, *args], capture_output=True, text=True, timeout=60).stdout


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15])  # utime stime cutime cstime


def hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def measure(name: str, argv: list[str], seconds: float) -> tuple[float, int]:
    env = f"PYTHONPATH={SRC} PSTD_BACKEND={os.environ.get('PSTD_BACKEND', 'auto')} TERM=xterm-256color"
    tmux("kill-server")
    tmux("new-session", "-d", "-x", "160", "-y", "48", f"exec env {env} " + " ".join(argv))
    pid = int(tmux("display", "-p", "#{pane_pid}").strip())
    start = cpu_ticks(pid)
    time.sleep(seconds)
    ticks = cpu_ticks(pid) - start
    hwm = hwm_kib(pid)
    screen = tmux("capture-pane", "-p")
    tmux("kill-server")
    if "PID" not in screen:
        print(f"  warning: {name}'s screen shows no table:\n{screen}", file=sys.stderr)
    return ticks / os.sysconf("SC_CLK_TCK"), hwm


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sleepers", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--replay", help="also run pstd top on netlink fed from the recordings in this folder "
                    "(replay_pstd.py)")
    a = ap.parse_args()
    sys.path.insert(0, HERE)
    import bytecode

    bytecode.precompile()
    helper = sleepers(a.sleepers)
    try:
        tasks = sum(1 for d in os.listdir("/proc") if d.isdigit())
        tools = [("pstd top -d 1", [sys.executable, "-m", "pstd", "top", "-d", "1"]),
                 ("top -d 1", ["top", "-d", "1"]),
                 ("htop -d 10", ["htop", "-d", "10"])]
        if a.replay:
            tools.insert(1, ("pstd top replay", [sys.executable, os.path.join(HERE, "replay_pstd.py"),
                                                 os.path.abspath(a.replay), "top", "-d", "1"]))
        res = {name: measure(name, argv, a.seconds) for name, argv in tools}
    finally:
        os.killpg(helper.pid, signal.SIGKILL)
        helper.wait()
    htop_cpu, htop_mem = res["htop -d 10"]
    print(f"{tasks} processes ({a.sleepers} sleepers), {a.seconds:g} s each, 160x48, "
          f"backend {os.environ.get('PSTD_BACKEND', 'auto')}")
    if a.replay:
        import recording

        names = sorted(n for n in os.listdir(a.replay) if n.startswith("refresh"))
        recorded = recording.task_count(recording.load(os.path.join(a.replay, names[0])))
        print(f"  pstd top replay: {recorded} tasks in each of {len(names)} recorded refreshes (the VM's)")
    print(f"  {'tool':16} {'cpu s':>8} {'cpu/htop':>9} {'VmHWM MiB':>10} {'mem/htop':>9}")
    for name, (cpu, mem) in res.items():
        print(f"  {name:16} {cpu:8.2f} {cpu / htop_cpu if htop_cpu else float('nan'):9.2f} "
              f"{mem / 1024:10.1f} {mem / htop_mem if htop_mem else float('nan'):9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
