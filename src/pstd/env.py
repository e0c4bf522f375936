"""Everything pstd learns from the world outside the process table, in one injectable place.

Tests build an :class:`Environment` with their own streams, terminal answers,
environment variables, clock and pid_max; production code asks
:func:`Environment.from_os` once and passes the object down.  Terminal
detection lives here and nowhere else.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Mapping


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


@dataclass
class Environment:
    """The outside world as pstd sees it."""

    stdout: BinaryIO
    """Where tables go (bytes)."""
    stderr: BinaryIO
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
    extra: dict = field(default_factory=dict)
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

        try:
            isatty = os.isatty(1)
        except OSError:
            isatty = False
        return cls(
            stdout=sys.stdout.buffer,
            stderr=sys.stderr.buffer,
            environ=os.environ,
            stdout_isatty=isatty,
            terminal_size=terminal_size,
            pid_max=_read_int("/proc/sys/kernel/pid_max", 32768),
            uid=os.getuid(),
            euid=os.geteuid(),
            page_size=os.sysconf("SC_PAGE_SIZE"),
            clock_ticks=os.sysconf("SC_CLK_TCK"),
        )
