"""Backends produce task records for (strategy, show_flags).

``procfs`` reads /proc; ``netlink`` asks the task_diag kernel module and fills
what it does not serve from procfs.  ``auto`` is netlink when the module answers
and its visibility policy matches the caller's /proc, else procfs.  Asking for
netlink by name where the module is absent fails with a message instead of
silently reading /proc.
"""

from __future__ import annotations

import os

NAMES = ("auto", "procfs", "netlink")


class BackendUnavailable(Exception):
    """The backend asked for cannot serve on this system."""


def open_backend(wanted: str, env=None):
    """The backend object that serves a ``PSTD_BACKEND`` / ``--backend`` value."""
    if wanted not in NAMES:
        raise BackendUnavailable(f"unknown backend {wanted!r} (choose from {', '.join(NAMES)})")
    if wanted == "auto" and _module_surely_absent():
        wanted = "procfs"
    if wanted != "procfs":
        from pstd.backends import netlink

        if wanted == "netlink":
            return netlink.NetlinkBackend(env)
        backend = netlink.available(env)
        if backend is not None:
            return backend
    from pstd.backends.procfs import ProcfsBackend

    return ProcfsBackend(env)


def choose(wanted: str, env=None) -> str:
    """The backend name that serves a ``PSTD_BACKEND`` / ``--backend`` value."""
    return "netlink" if type(open_backend(wanted, env)).__name__ == "NetlinkBackend" else "procfs"


def _module_surely_absent() -> bool:
    """Whether sysfs lists no task_diag module (then ``auto`` is procfs at the cost of two stats).

    Saves loading the netlink code and its socket probe (several milliseconds, more than a
    small listing takes) on every run where the module is not loaded.  Without sysfs the
    probe decides."""
    return os.path.isdir("/sys/module") and not os.path.exists("/sys/module/task_diag")
