"""SystemActions' failures come back as text (no process is signalled: the pid is free)."""

from __future__ import annotations

import os

from pstd.top.tui.actions import SIGNALS, SystemActions


def _free_pid() -> int:
    with open("/proc/sys/kernel/pid_max") as f:
        top = int(f.read())
    for pid in range(top - 1, 1, -1):
        if not os.path.exists(f"/proc/{pid}"):
            return pid
    raise AssertionError("no free pid")


def test_failures_are_texts():
    pid = _free_pid()
    assert SystemActions().kill(pid, 0) == f"Failed signal pid '{pid}' with '0': No such process"
    assert SystemActions().renice(pid, 5) == f"Failed renice of PID {pid} to 5: No such process"


def test_signal_list():
    names = dict(SIGNALS)
    assert names["SIGTERM"] == 15 and names["SIGKILL"] == 9 and names["SIGHUP"] == 1
    nums = [n for _, n in SIGNALS]
    assert nums == sorted(set(nums))
