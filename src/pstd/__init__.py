"""pstd: procps-compatible ps and top, with a task_diag netlink backend."""

__version__ = "0.1.0"
