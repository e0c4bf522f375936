"""Backends produce task records for (strategy, show_flags).

``procfs`` reads /proc.  ``netlink`` (the task_diag module) is not wired into
the ps engine yet: ``auto`` resolves to procfs, and asking for netlink by name
fails with a message instead of silently reading /proc.
"""

from __future__ import annotations

NAMES = ("auto", "procfs", "netlink")


class BackendUnavailable(Exception):
    """The backend asked for cannot serve on this system."""


def choose(wanted: str) -> str:
    """The backend name that serves a ``PSTD_BACKEND`` / ``--backend`` value."""
    if wanted not in NAMES:
        raise BackendUnavailable(f"unknown backend {wanted!r} (choose from {', '.join(NAMES)})")
    if wanted == "netlink":
        raise BackendUnavailable("the netlink backend is not available yet; use --backend=procfs or auto")
    return "procfs"
