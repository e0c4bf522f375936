"""The task_diag vocabulary shared by every backend and the ps engine.

A *dump* asks a backend for the tasks chosen by a :class:`Strategy` and, for each
task, the data groups named by a :class:`Group` mask (the task_diag
"show_flags").  Group bits 0..6 carry the ids of the kernel module's uapi
(kernel/include/uapi/linux/task_diag.h); higher bits name data only procfs
serves today.  A backend may serve some groups and leave the rest to procfs.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag


class Strategy(IntEnum):
    """Which tasks a dump returns (task_diag dump strategies)."""

    ALL = 0
    """One entry per process (thread-group leaders)."""
    ONE = 1
    """The single task whose pid (or tid) is given."""
    ALL_THREAD = 2
    """One entry per thread of every process."""
    CHILDREN = 3
    """The processes whose parent is the given pid."""
    THREAD = 4
    """The threads of the given process."""


class Group(IntFlag):
    """Data groups (task_diag show_flags).  A column names the groups it reads."""

    NONE = 0
    BASE = 1 << 0
    """pid, tgid, ppid, pgid, sid, state, comm."""
    CRED = 1 << 1
    """Real/effective/saved/fs uids and gids, capability sets."""
    VMA = 1 << 2
    """Memory mappings."""
    VMA_STAT = 1 << 3
    """Per-mapping page statistics."""
    STAT = 1 << 4
    """Fault counters, cpu times, thread count."""
    STATM = 1 << 5
    """Memory sizes in pages."""
    CMDLINE = 1 << 6
    """The argument vector."""
    # Groups beyond the seed's; kept in step with the module's uapi ids 7+ by the netlink backend.
    SCHED = 1 << 7
    """Priority, nice, policy, rt priority, processor, task flags, start time."""
    TTY = 1 << 8
    """Controlling terminal and foreground process group."""
    MEM = 1 << 9
    """Memory figures of /proc/PID/status (VmLck, VmSwap, RssAnon, ...)."""
    SIGNALS = 1 << 10
    """Pending, blocked, ignored and caught signal masks."""
    WCHAN = 1 << 11
    """Wait channel name."""
    # Served by procfs only.
    ENVIRON = 1 << 32
    """The environment vector (ps e)."""
    CGROUP = 1 << 33
    """/proc/PID/cgroup."""
    LABEL = 1 << 34
    """Security label (/proc/PID/attr/current)."""
    NS = 1 << 35
    """Namespace inode numbers (/proc/PID/ns/*)."""
    SUPGROUPS = 1 << 36
    """Supplementary groups."""
    MISC = 1 << 37
    """Everything else procfs offers on request: io, oom, autogroup, limits, login uid, ..."""
