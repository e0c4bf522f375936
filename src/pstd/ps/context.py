"""Build the FormatContext of one run: the clock, boot time, uptime, memory total, locale."""

from __future__ import annotations

import os
import time

from pstd.ps.columns import FormatContext
from pstd.ps.escape import locale_is_utf8


def _read(path: str) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return b""
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def read_boot_time(proc: str = "/proc") -> int:
    for line in _read(proc + "/stat").split(b"\n"):
        if line.startswith(b"btime "):
            try:
                return int(line.split()[1])
            except (IndexError, ValueError):
                return 0
    return 0


def read_uptime(proc: str = "/proc") -> float:
    try:
        return float(_read(proc + "/uptime").split()[0])
    except (IndexError, ValueError):
        return 0.0


def read_mem_total_kb(proc: str = "/proc") -> int:
    for line in _read(proc + "/meminfo").split(b"\n"):
        if line.startswith(b"MemTotal:"):
            try:
                return int(line.split()[1])
            except (IndexError, ValueError):
                return 0
    return 0


def make_context(env, query) -> FormatContext:
    """The FormatContext for ``query`` run in ``env`` (reads /proc/stat, uptime, meminfo once)."""
    proc = getattr(env, "proc", "/proc")
    environ = getattr(env, "environ", os.environ)
    clock = getattr(env, "clock", time.time)
    return FormatContext(
        now=float(int(clock())),
        boot_time=float(read_boot_time(proc)),
        uptime=read_uptime(proc),
        clock_ticks=getattr(env, "clock_ticks", 100),
        page_size=getattr(env, "page_size", 4096),
        mem_total_kb=read_mem_total_kb(proc),
        pid_max=getattr(env, "pid_max", 32768),
        bsd_c=getattr(query, "bsd_c", False),
        bsd_e=getattr(query, "bsd_e", False),
        bsd_n=getattr(query, "bsd_n", False),
        cumulative=getattr(query, "cumulative", False),
        threads=getattr(query, "threads", ""),
        utf8=locale_is_utf8(environ),
        proc=proc,
    )
