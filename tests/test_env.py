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


def test_output_turns_write_failures_into_procps_write_errors():
    import errno
    import io

    import pytest

    from pstd.env import Output
    from pstd.ps.errors import WriteError

    closed = Output(None)
    assert closed.write(b"") == 0  # nothing to write, nothing failed (procps's rule)
    closed.flush()
    with pytest.raises(WriteError) as info:
        closed.write(b"x")
    assert info.value.errno == errno.EBADF
    assert info.value.text("/usr/bin/ps") == "/usr/bin/ps: write error: Bad file descriptor"
    full = Output(open("/dev/full", "wb"))
    full.write(b"x")  # buffered
    with pytest.raises(WriteError) as info:
        full.flush()
    assert info.value.errno == errno.ENOSPC

    class Gone(io.RawIOBase):
        def writable(self):
            return True

        def write(self, b):
            raise BrokenPipeError(errno.EPIPE, "pipe")

    with pytest.raises(BrokenPipeError):  # the reader went away: procps exits 0, so no write error
        Output(Gone()).write(b"x")


def test_diagnostics_remember_a_failure_instead_of_raising():
    from pstd.env import Diagnostics

    d = Diagnostics(None)
    d.write(b"")
    assert not d.failed
    d.write(b"warning\n")
    assert d.failed


def test_program_name_is_argv0_as_executed():
    from pstd.env import program_name

    assert program_name("/usr/local/bin/ps") == "/usr/local/bin/ps"
    assert program_name("pstd") == "pstd"
    assert program_name("/x/src/pstd/__main__.py") == "pstd"  # python -m pstd


def test_terminal_detection_answers_for_ttys_pipes_and_closed_descriptors():
    from pstd.env import stream_is_terminal

    master, slave = pty.openpty()
    r, w = os.pipe()
    try:
        assert stream_is_terminal(slave)
        assert not stream_is_terminal(w)
        assert not stream_is_terminal(None)
    finally:
        for fd in (master, slave, r, w):
            os.close(fd)
    assert not stream_is_terminal(r)  # closed


def test_what_a_library_caller_printed_comes_out_before_the_listing():
    """run() writes to stdout's descriptor: text still in sys.stdout's buffers goes out first."""
    src = os.path.join(os.path.dirname(__file__), "..", "src")
    code = ("import sys; sys.path.insert(0, %r); sys.stdout.write('before\\n'); "
            "from pstd.ps.main import run; run(['-p', '1', '-o', 'pid=']); print('after')" % src)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert r.stdout == b"before\n    1\nafter\n", r.stdout
