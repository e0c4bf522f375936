"""Terminal detection (pstd.env): the one place pstd asks how wide the terminal is."""

import os
import pty
import struct
import subprocess
import sys
import termios
import fcntl


def test_no_terminal_anywhere_gives_none():
    out = subprocess.run(
        [sys.executable, "-c", "import os; os.setsid()\nfrom pstd.env import Environment; print(Environment.from_os().terminal_size())"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True,
    ).stdout
    assert out.strip() == "None"


def test_controlling_terminal_found_through_dev_tty_when_streams_are_redirected():
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    script = (
        "import os, fcntl, termios, sys\n"
        "os.setsid()\n"
        f"fd = os.open(os.ttyname({slave}), os.O_RDWR)\n"  # first terminal opened by a session leader becomes its ctty
        "fcntl.ioctl(fd, termios.TIOCSCTTY, 0)\n"
        "from pstd.env import Environment\n"
        "print(Environment.from_os().terminal_size())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, check=True, pass_fds=(slave,)).stdout
    os.close(master)
    os.close(slave)
    assert out.strip() == "(111, 33)"
