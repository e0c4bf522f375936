"""Everything pstd learns from the world outside the process table, in one injectable place.

Tests build an :class:`Environment` with their own streams, terminal answers,
environment variables, clock and pid_max; production code asks
:func:`Environment.from_os` once and passes the object down.  Terminal
detection lives here and nowhere else.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from pstd.plainclass import Factory, plain
TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: collections costs about 1 ms to import
    from collections.abc import Callable, Mapping


class Output:
    """A byte stream whose failures say what procps's close_stdout would say.

    A write or flush that fails with anything but EPIPE raises
    :class:`pstd.ps.errors.WriteError` (``write error: ...``, exit 1); EPIPE stays
    BrokenPipeError (procps exits 0 when the reader went away).  ``raw`` None
    stands for a descriptor that was closed before pstd started: writing to it
    fails with EBADF, and writing nothing is no error (procps's rule too).
    """

    def __init__(self, raw) -> None:
        self.raw = raw
        self.failed = False
        self.accepted = 0
        """Bytes the stream took: with a descriptor's FileIO (what from_os passes), what the kernel took."""

    def write(self, data: bytes) -> int:
        """Write all of ``data``: a short write (a disk filling up, a FileIO) is followed by
        another for the rest, as glibc does, until the kernel refuses with an error."""
        if not data:
            return 0
        view = memoryview(data)
        done = 0
        try:
            if self.raw is None:
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            while done < len(view):
                n = self.raw.write(view[done:] if done else data)
                if n is None:  # a non-blocking descriptor that is full: glibc's EAGAIN
                    raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))
                done += n
                self.accepted += n
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self._failure(e) from None
        return done

    def flush(self) -> None:
        if self.raw is None:
            return
        try:
            self.raw.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self._failure(e) from None

    def fileno(self) -> int | None:
        """The descriptor under the stream, or None (closed at start-up, or an in-memory stream)."""
        try:
            return self.raw.fileno()
        except (AttributeError, OSError, ValueError):
            return None

    def _failure(self, e: OSError):
        from pstd.ps.errors import WriteError

        self.failed = True
        return WriteError(e.errno or 0)


class Diagnostics:
    """stderr: a failed write is remembered (the run then exits 1, as procps does), never raised."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.failed = False

    def write(self, data: bytes) -> int:
        if not data:
            return 0
        try:
            if self.raw is None:
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            return self.raw.write(data)
        except OSError:
            self.failed = True
            return 0

    def flush(self) -> None:
        try:
            if self.raw is not None:
                self.raw.flush()
        except OSError:
            self.failed = True


def program_name(argv0: str | None = None) -> str:
    """How pstd names itself where procps uses argv[0] (write errors).

    A Python program never sees the argv[0] it was started with (the kernel hands
    the interpreter the script's path), so this is the script's path or symlink
    as executed; ``python -m pstd`` is called pstd.
    """
    if argv0 is None:
        argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "pstd"
    if argv0.endswith("__main__.py") or argv0 in ("-c", "-m"):
        return "pstd"
    return argv0


def stream_is_terminal(stream) -> bool:
    """Whether ``stream`` (a file object or descriptor) is a terminal: the one isatty test pstd makes."""
    try:
        fd = stream if isinstance(stream, int) else stream.fileno()
        return os.isatty(fd)
    except (OSError, ValueError, AttributeError):
        return False


def _read_int(path: str, default: int) -> int:
    try:
        with open(path, "rb") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def _terminal_size(fd: int) -> tuple[int, int] | None:
    """(columns, lines) of the terminal on ``fd``, or None when it is not a terminal or reports no size."""
    try:
        size = os.get_terminal_size(fd)
    except (OSError, ValueError):
        return None
    if size.columns <= 0 or size.lines <= 0:
        return None
    return size.columns, size.lines


def _controlling_terminal_size() -> tuple[int, int] | None:
    """Size of the controlling terminal, asked through /dev/tty (ps's last resort when no std stream is one)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        return _terminal_size(fd)
    finally:
        os.close(fd)


@plain
class Environment:
    """The outside world as pstd sees it."""

    stdout: Output
    """Where tables go (bytes)."""
    stderr: Diagnostics
    """Where diagnostics go (bytes)."""
    environ: Mapping[str, str]
    """Environment variables (COLUMNS, LINES, PS_FORMAT, PS_PERSONALITY, CMD_ENV, ...)."""
    stdout_isatty: bool
    """Whether stdout is a terminal (ps pads to the terminal width only then)."""
    terminal_size: Callable[[], tuple[int, int] | None]
    """(columns, lines) of the controlling terminal as ps measures it, or None without one."""
    pid_max: int = 32768
    """/proc/sys/kernel/pid_max: decides the width of pid columns."""
    proc: str = "/proc"
    """Where procfs is mounted."""
    clock: Callable[[], float] = time.time
    """Wall clock, seconds since the epoch."""
    uid: int = 0
    """Real uid of the caller."""
    euid: int = 0
    """Effective uid of the caller."""
    page_size: int = 4096
    """Bytes per page."""
    clock_ticks: int = 100
    """USER_HZ: the unit of cpu times and start times in /proc."""
    extra: dict = Factory(dict)
    """Per-run caches (boot time, memory total, own tty) filled lazily by readers."""

    @classmethod
    def from_os(cls) -> "Environment":
        def terminal_size() -> tuple[int, int] | None:
            # ps measures the terminal through stdout, then stderr, then stdin, then /dev/tty.
            for fd in (1, 2, 0):
                size = _terminal_size(fd)
                if size is not None:
                    return size
            return _controlling_terminal_size()

        # Python sets sys.stdout/sys.stderr to None when the descriptor was closed at start-up.
        # stdout: the descriptor's FileIO, under Python's buffer (pstd writes whole listings, and
        # each write's count is then the kernel's: what procps's buffer would have got through)
        out = sys.stdout.buffer if sys.stdout is not None else None
        if out is not None:
            try:
                sys.stdout.flush()  # what a library caller left in Python's buffers goes first
            except (OSError, ValueError):
                pass
            out = getattr(out, "raw", out)
        err = sys.stderr.buffer if sys.stderr is not None else None
        return cls(
            stdout=Output(out),
            stderr=Diagnostics(err),
            environ=os.environ,
            stdout_isatty=out is not None and stream_is_terminal(1),
            terminal_size=terminal_size,
            pid_max=_read_int("/proc/sys/kernel/pid_max", 32768),
            uid=os.getuid(),
            euid=os.geteuid(),
            page_size=os.sysconf("SC_PAGE_SIZE"),
            clock_ticks=os.sysconf("SC_CLK_TCK"),
        )
