"""What the screen does to processes, behind one small object so tests never signal anything.

``SystemActions`` sends real signals and sets real priorities; a test passes an object
with the same two methods.  Errors come back as text, as top shows them on its
message line ("Failed signal pid '1' with '15': Operation not permitted").
"""

from __future__ import annotations

import os
import signal as _signal

SIGNALS = [(s.name, int(s)) for s in sorted(_signal.Signals, key=int)
           if s.name.startswith("SIG") and not s.name.startswith("SIG_") and s.name not in ("SIGCLD", "SIGPOLL",
                                                                                          "SIGIOT")]
"""(name, number) in number order, one name per number."""


class SystemActions:
    def kill(self, pid: int, sig: int) -> str | None:
        """None when sent, else the failure's text."""
        try:
            os.kill(pid, sig)
        except OSError as e:
            return f"Failed signal pid '{pid}' with '{sig}': {e.strerror}"
        return None

    def renice(self, pid: int, nice: int) -> str | None:
        try:
            os.setpriority(os.PRIO_PROCESS, pid, nice)
        except OSError as e:
            return f"Failed renice of PID {pid} to {nice}: {e.strerror}"
        return None


class RecordingActions:
    """Remembers what it was asked to do and does nothing (for tests and --readonly previews)."""

    def __init__(self, fail: str | None = None) -> None:
        self.calls: list = []
        self.fail = fail

    def kill(self, pid: int, sig: int):
        self.calls.append(("kill", pid, sig))
        return self.fail

    def renice(self, pid: int, nice: int):
        self.calls.append(("renice", pid, nice))
        return self.fail
