"""Backends produce task records for (strategy, show_flags).

``procfs`` reads /proc; ``netlink`` (the task_diag module) is chosen by ``auto``
when the module answers.  Until the netlink backend lands, every choice
resolves to procfs, and asking for netlink explicitly says why it cannot serve.
"""

from __future__ import annotations

NAMES = ("auto", "procfs", "netlink")


def choose(wanted: str) -> str:
    """The backend name that serves a ``PSTD_BACKEND`` / ``--backend`` value."""
    if wanted not in NAMES:
        raise ValueError(f"unknown backend {wanted!r} (choose from {', '.join(NAMES)})")
    return "procfs"
