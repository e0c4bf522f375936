"""``pstd top`` in a real terminal (tmux): keys in, the screen read back, the terminal restored."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


SOCKET = ["pstd-top-test"]


def _tmux(*args) -> str:
    return subprocess.run(["tmux", "-L", SOCKET[0], *args], capture_output=True, text=True,
                          timeout=30).stdout


def _screen() -> str:
    return _tmux("capture-pane", "-p", "-t", "t")


def _wait(pred, secs=60.0) -> str:
    end = time.monotonic() + secs
    while True:
        text = _screen()
        if pred(text) or time.monotonic() > end:
            return text
        time.sleep(0.3)


def _ended(text: str) -> bool:
    # the shell prints EXIT=status, then stty's word for the echo setting
    return "EXIT=" in text and "echo" in text.split("EXIT=", 1)[1]


@pytest.fixture
def tmux_top(tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux missing: scripts/bootstrap --test installs it")
    pidfile = tmp_path / "pid"
    # a server of its own per test: a previous one may still be going away
    SOCKET[0] = f"pstd-top-test-{os.getpid()}-{tmp_path.name}"

    def start(*args, env=""):
        cmd = (f"cd {tmp_path} && echo $$ > {pidfile} && exec env {env} PYTHONPATH={SRC} {sys.executable} "
               "-m pstd top " + " ".join(args))
        _tmux("new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
              f"sh -c '{cmd}'; echo EXIT=$?; stty -a | tr \" \" \"\\n\" | grep -x -- \"-\\?echo\"; sleep 60")
        return pidfile
    yield start
    _tmux("kill-server")


def test_keys_in_screen_out_q_restores(tmux_top):
    tmux_top("-d", "1", "-p", "1")
    text = _wait(lambda t: "COMMAND" in t and "Tasks:" in t)
    assert "PID USER" in text and "Load average:" in text
    _tmux("send-keys", "-t", "t", "?")
    assert "this help" in _wait(lambda t: "this help" in t)
    _tmux("send-keys", "-t", "t", "Escape")
    _wait(lambda t: "this help" not in t)
    _tmux("send-keys", "-t", "t", "q")
    text = _wait(_ended)
    assert "EXIT=0" in text
    assert "COMMAND" not in text and "Tasks:" not in text  # the alternate screen is gone
    assert "\necho\n" in text  # the tty echoes again (stty says "echo", not "-echo")
    assert _tmux("display", "-p", "-t", "t", "#{alternate_on}").strip() == "0"


@pytest.mark.parametrize("sig", [15, 3, 10])
def test_signals_restore(tmux_top, sig):
    pidfile = tmux_top("-d", "1", "-p", "1")
    assert "COMMAND" in _wait(lambda t: "COMMAND" in t)
    os.kill(int(pidfile.read_text()), sig)
    text = _wait(_ended)
    assert "EXIT=0" in text and "Tasks:" not in text and "\necho\n" in text


def test_ctrl_c_restores(tmux_top):
    tmux_top("-d", "1", "-p", "1")
    assert "COMMAND" in _wait(lambda t: "COMMAND" in t)
    _tmux("send-keys", "-t", "t", "C-c")
    text = _wait(_ended)
    assert "EXIT=0" in text and "Tasks:" not in text and "\necho\n" in text


def _colours(escaped: str) -> set[str]:
    """The SGR colour parameters (30-37, 38;..., 40-47, 48;..., 90-107) in a pane's escapes."""
    import re

    found = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", escaped):
        parts = params.split(";")
        for i, p in enumerate(parts):
            n = int(p) if p.isdigit() else -1  # 39 and 49 are "the default colour": no colour
            if p in ("38", "48") or 30 <= n <= 37 or 40 <= n <= 47 or 90 <= n <= 107:
                if i == 0 or parts[i - 1] not in ("38", "48"):
                    found.add(p)
    return found


@pytest.mark.parametrize("no_color", [False, True])
def test_no_color(tmux_top, no_color):
    tmux_top("-d", "1", "-p", "1", env="NO_COLOR=1" if no_color else "")
    assert "COMMAND" in _wait(lambda t: "COMMAND" in t)
    time.sleep(1)
    escaped = _tmux("capture-pane", "-p", "-e", "-t", "t")
    _tmux("send-keys", "-t", "t", "q")
    _wait(_ended)
    assert bool(_colours(escaped)) != no_color
