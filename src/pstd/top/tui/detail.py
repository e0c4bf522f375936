"""One process in detail: what /proc/PID shows this user, section by section.

Each section is read with this process's own permissions, so it shows exactly what
procfs shows the user (environ, fds and maps of another user's process are refused
by the kernel and say so); nothing is read through the netlink module here.
"""

from __future__ import annotations

import os

SECTIONS = ("cmdline", "environ", "fds", "maps", "limits", "cgroup", "status")
MAX_BYTES = 1 << 20


def _read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks, size = [], 0
        while size < MAX_BYTES:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
            size += len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _text(b: bytes) -> str:
    return b.decode("utf-8", "backslashreplace")


def _vector(b: bytes) -> str:
    return "\n".join(_text(w) for w in b.split(b"\0") if w)


def _fds(base: str) -> str:
    names = sorted(os.listdir(os.path.join(base, "fd")), key=lambda n: int(n) if n.isdigit() else -1)
    out = []
    for n in names:
        try:
            target = os.readlink(os.path.join(base, "fd", n))
        except OSError as e:
            target = f"({e.strerror})"
        out.append(f"{n:>4} -> {target}")
    return "\n".join(out)


def section(proc: str, pid: int, name: str) -> tuple[bool, str]:
    """(readable, text) of one section for ``pid``."""
    base = os.path.join(proc, str(pid))
    try:
        if name == "cmdline":
            return True, _vector(_read(base + "/cmdline")) or "(empty: a kernel thread or a zombie)"
        if name == "environ":
            return True, _vector(_read(base + "/environ")) or "(empty)"
        if name == "fds":
            return True, _fds(base) or "(none)"
        if name in ("status", "limits", "maps", "cgroup"):
            return True, _text(_read(f"{base}/{name}")) or "(empty)"
    except OSError as e:
        return False, f"not shown: {e.strerror or e}"
    raise KeyError(name)


def sections(proc: str, pid: int) -> list[tuple[str, bool, str]]:
    return [(n, *section(proc, pid, n)) for n in SECTIONS]
