"""Python mirror of the task_diag uapi (kernel/include/uapi/linux/task_diag.h).

The header is the single source of truth; tests/test_uapi_abi.py compiles a C
program against it and checks that every constant here has the header's value
and every struct layout here has the header's size and field offsets.  Pure
standard library: constants and :class:`struct.Struct` layouts, no parsing.

Naming: a C constant ``TASK_DIAG_X`` is ``X`` here (``TASK_DIAG_SHOW_VMA`` ->
``SHOW_VMA``); a C struct ``task_diag_foo_bar`` is the layout ``TaskDiagFooBar``.
All integers are in host byte order ("=" formats: the structs have explicit
padding and no implicit holes, so native alignment adds nothing).
"""

from __future__ import annotations

import struct

# ------------------------------------------------------------------ family

GENL_NAME = "TASK_DIAG"
GENL_VERSION = 1

# generic netlink commands
CMD_UNSPEC = 0
CMD_GET = 1
CMD_GET_INFO = 2
CMD_MAX = 2

# request attributes
CMD_ATTR_UNSPEC = 0
CMD_ATTR_GET = 1
CMD_ATTR_MAX = 1

# dump strategies
DUMP_ALL = 0
DUMP_ONE = 1
DUMP_ALL_THREAD = 2
DUMP_CHILDREN = 3
DUMP_THREAD = 4
DUMP_MAX = 4

# task_diag_msg.flags
FLAG_CONT = 1 << 0

# task_diag_pid.flags (task_diag_info.req_flags: those a module accepts)
REQ_LEADER_WHOLE = 1 << 0
"""Thread dumps: a thread-group leader's STAT is the whole process's, as ps -L prints its row."""
REQ_ALL = REQ_LEADER_WHOLE

# data groups: attribute id == show_flags bit number
BASE = 0
CRED = 1
VMA = 2
VMA_STAT = 3
STAT = 4
STATM = 5
CMDLINE = 6
SCHED = 7
TTY = 8
MEM = 9
SIGNAL = 10
WCHAN = 11
ATTR_MAX = 11

SHOW_BASE = 1 << BASE
SHOW_CRED = 1 << CRED
SHOW_VMA = 1 << VMA
SHOW_VMA_STAT = 1 << VMA_STAT
SHOW_STAT = 1 << STAT
SHOW_STATM = 1 << STATM
SHOW_CMDLINE = 1 << CMDLINE
SHOW_SCHED = 1 << SCHED
SHOW_TTY = 1 << TTY
SHOW_MEM = 1 << MEM
SHOW_SIGNAL = 1 << SIGNAL
SHOW_WCHAN = 1 << WCHAN
SHOW_ALL = (1 << (ATTR_MAX + 1)) - 1
"""Every bit the protocol defines; any other bit is -EINVAL."""

UNSUPPORTED_GROUPS = SHOW_VMA_STAT | SHOW_WCHAN
"""Groups the protocol reserves but the module rejects with -EOPNOTSUPP."""

# task states (task_diag_base.state indexes STATE_CHARS)
RUNNING = 0
INTERRUPTIBLE = 1
UNINTERRUPTIBLE = 2
STOPPED = 3
TRACE_STOP = 4
DEAD = 5
ZOMBIE = 6
PARKED = 7
IDLE = 8
STATE_CHARS = "RSDTtXZPI"

COMM_LEN = 16

# task_diag_base.base_flags
BASE_F_KTHREAD = 1 << 0
BASE_F_WQ_WORKER = 1 << 1
BASE_F_COMM_PARTIAL = 1 << 2
"""comm may differ from procfs's (workqueue workers, kernel threads with 15-character names)."""

# task_diag_vma.vm_flags
VMA_F_READ = 1 << 0
VMA_F_WRITE = 1 << 1
VMA_F_EXEC = 1 << 2
VMA_F_SHARED = 1 << 3
VMA_F_MAYREAD = 1 << 4
VMA_F_MAYWRITE = 1 << 5
VMA_F_MAYEXEC = 1 << 6
VMA_F_MAYSHARE = 1 << 7
VMA_F_GROWSDOWN = 1 << 8
VMA_F_PFNMAP = 1 << 9
VMA_F_LOCKED = 1 << 12
VMA_F_IO = 1 << 13
VMA_F_SEQ_READ = 1 << 14
VMA_F_RAND_READ = 1 << 15
VMA_F_DONTCOPY = 1 << 16
VMA_F_DONTEXPAND = 1 << 17
VMA_F_ACCOUNT = 1 << 18
VMA_F_NORESERVE = 1 << 19
VMA_F_HUGETLB = 1 << 20
VMA_F_DONTDUMP = 1 << 22
VMA_F_MIXEDMAP = 1 << 24
VMA_F_HUGEPAGE = 1 << 25
VMA_F_NOHUGEPAGE = 1 << 26
VMA_F_MERGEABLE = 1 << 27
VMA_ALIGN = 8

# task_diag_info.policy: why hidepid / self_only_flags are what they are
POLICY_PARAM = 1 << 0
POLICY_PROC_MOUNT = 1 << 1
POLICY_NO_PROC = 1 << 2
POLICY_LSM = 1 << 3
POLICY_OPENER = 1 << 4

# GET_INFO reply attributes
INFO_ATTR_UNSPEC = 0
INFO_ATTR = 1
INFO_ATTR_MAX = 1

# ------------------------------------------------------ netlink framework
# (from <linux/netlink.h> and <linux/genetlink.h>; checked by the same test)

NETLINK_GENERIC = 16
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_NOOP = 0x1
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3
NLA_TYPE_MASK = 0x3FFF
NLMSG_HDRLEN = 16
GENL_HDRLEN = 4
NLA_HDRLEN = 4
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_VERSION = 3
CTRL_ATTR_HDRSIZE = 4
CTRL_ATTR_MAXATTR = 5

NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
GENLMSGHDR = struct.Struct("=BBH")  # cmd, version, reserved
NLATTR = struct.Struct("=HH")  # len, type


def nl_align(n: int) -> int:
    """NLMSG_ALIGN / NLA_ALIGN: round up to 4 bytes."""
    return (n + 3) & ~3


# ----------------------------------------------------------------- structs


class Layout(struct.Struct):
    """A struct.Struct that also knows the C struct's field names and offsets.

    ``fields`` lists (name, format) in declaration order; padding fields are named
    ``__pad`` and use an ``x`` format, so they take space but are not unpacked.
    ``names`` are the unpacked fields in unpack order; ``offsets[name]`` and
    ``sizes[name]`` give each field's place in the C struct.
    """

    def __init__(self, c_name: str, fields: list[tuple[str, str]]):
        super().__init__("=" + "".join(f for _, f in fields))
        self.c_name = c_name
        self.fields = list(fields)
        self.offsets: dict[str, int] = {}
        self.sizes: dict[str, int] = {}
        self.names: list[str] = []
        off = 0
        for name, fmt in fields:
            size = struct.calcsize("=" + fmt)
            self.offsets[name] = off
            self.sizes[name] = size
            off += size
            if not fmt.endswith("x"):
                self.names.append(name)

    def __repr__(self) -> str:
        return "<Layout struct %s, %d bytes>" % (self.c_name, self.size)


TaskDiagPid = Layout("task_diag_pid", [
    ("show_flags", "Q"),
    ("dump_strategy", "Q"),
    ("pid", "I"),
    ("flags", "I"),
])

TaskDiagMsg = Layout("task_diag_msg", [
    ("pid", "I"),
    ("tgid", "I"),
    ("flags", "I"),
])

TaskDiagBase = Layout("task_diag_base", [
    ("tgid", "I"),
    ("pid", "I"),
    ("ppid", "I"),
    ("tpid", "I"),
    ("sid", "I"),
    ("pgid", "I"),
    ("state", "B"),
    ("comm", "%ds" % COMM_LEN),
    ("base_flags", "B"),
    ("__pad", "2x"),
])

TaskDiagCaps = Layout("task_diag_caps", [
    ("cap", "2I"),
])

TaskDiagCreds = Layout("task_diag_creds", [
    ("cap_inheritable", "2I"),
    ("cap_permitted", "2I"),
    ("cap_effective", "2I"),
    ("cap_bset", "2I"),
    ("uid", "I"),
    ("euid", "I"),
    ("suid", "I"),
    ("fsuid", "I"),
    ("gid", "I"),
    ("egid", "I"),
    ("sgid", "I"),
    ("fsgid", "I"),
])

TaskDiagVma = Layout("task_diag_vma", [
    ("start", "Q"),
    ("end", "Q"),
    ("vm_flags", "Q"),
    ("pgoff", "Q"),
    ("major", "I"),
    ("minor", "I"),
    ("inode", "Q"),
    ("generation", "I"),
    ("vma_len", "H"),
    ("name_off", "H"),
    ("name_len", "H"),
    ("stat_off", "H"),
    ("stat_len", "H"),
    ("__pad", "2x"),
])

TaskDiagStat = Layout("task_diag_stat", [
    ("minflt", "Q"),
    ("cminflt", "Q"),
    ("majflt", "Q"),
    ("cmajflt", "Q"),
    ("utime", "Q"),
    ("stime", "Q"),
    ("cutime", "Q"),
    ("cstime", "Q"),
    ("threads", "I"),
    ("__pad", "4x"),
])

TaskDiagStatm = Layout("task_diag_statm", [
    ("size", "Q"),
    ("resident", "Q"),
    ("shared", "Q"),
    ("text", "Q"),
    ("lib", "Q"),
    ("data", "Q"),
    ("dirty", "Q"),
])

TaskDiagSched = Layout("task_diag_sched", [
    ("prio", "i"),
    ("nice", "i"),
    ("policy", "I"),
    ("rt_priority", "I"),
    ("processor", "I"),
    ("flags", "I"),
    ("start_time", "Q"),
    ("nvcsw", "Q"),
    ("nivcsw", "Q"),
])

TaskDiagTty = Layout("task_diag_tty", [
    ("tty_nr", "I"),
    ("tpgid", "i"),
])

TaskDiagMem = Layout("task_diag_mem", [
    (name, "Q") for name in (
        "vsize", "rss", "rsslim", "vm_peak", "vm_size", "vm_lck", "vm_pin", "vm_hwm", "vm_rss",
        "rss_anon", "rss_file", "rss_shmem", "vm_data", "vm_stk", "vm_exe", "vm_lib", "vm_pte",
        "vm_swap",
    )
])

TaskDiagSignal = Layout("task_diag_signal", [
    ("pending", "Q"),
    ("shared_pending", "Q"),
    ("blocked", "Q"),
    ("ignored", "Q"),
    ("caught", "Q"),
])

TaskDiagInfo = Layout("task_diag_info", [
    ("version", "I"),
    ("hidepid", "I"),
    ("show_flags", "Q"),
    ("strategies", "Q"),
    ("self_only_flags", "Q"),
    ("policy", "I"),
    ("req_flags", "I"),
])
"""40 bytes; a module of the first release sent the first 24 (zero-extend).  A module
that predates request flags sends ``req_flags`` 0 (it rejects any)."""

STRUCTS: dict[str, Layout] = {
    lay.c_name: lay
    for lay in (
        TaskDiagPid, TaskDiagMsg, TaskDiagBase, TaskDiagCaps, TaskDiagCreds, TaskDiagVma,
        TaskDiagStat, TaskDiagStatm, TaskDiagSched, TaskDiagTty, TaskDiagMem, TaskDiagSignal,
        TaskDiagInfo,
    )
}
"""Every struct of the header, by C name."""

GROUP_LAYOUTS: dict[int, Layout] = {
    BASE: TaskDiagBase,
    CRED: TaskDiagCreds,
    STAT: TaskDiagStat,
    STATM: TaskDiagStatm,
    SCHED: TaskDiagSched,
    TTY: TaskDiagTty,
    MEM: TaskDiagMem,
    SIGNAL: TaskDiagSignal,
}
"""Fixed-size groups: attribute id -> payload layout.  VMA (packed TaskDiagVma records with
names) and CMDLINE (raw bytes) are variable-length.  A payload may be longer than the
layout (a newer module appends fields): unpack_from the first ``size`` bytes."""

STRATEGY_NAMES = {
    DUMP_ALL: "all",
    DUMP_ONE: "one",
    DUMP_ALL_THREAD: "all_thread",
    DUMP_CHILDREN: "children",
    DUMP_THREAD: "thread",
}

REQ_NAMES = {
    0: "leader_whole",
}
"""Bit number -> name of each TASK_DIAG_REQ_* flag."""

GROUP_NAMES = {
    BASE: "base",
    CRED: "cred",
    VMA: "vma",
    VMA_STAT: "vma_stat",
    STAT: "stat",
    STATM: "statm",
    CMDLINE: "cmdline",
    SCHED: "sched",
    TTY: "tty",
    MEM: "mem",
    SIGNAL: "signal",
    WCHAN: "wchan",
}


def request_payload(show_flags: int, strategy: int, pid: int = 0, flags: int = 0) -> bytes:
    """The TASK_DIAG_CMD_ATTR_GET payload (struct task_diag_pid)."""
    return TaskDiagPid.pack(show_flags, strategy, pid, flags)


def vma_perms(vm_flags: int) -> str:
    """The permission column of /proc/PID/maps for a record's vm_flags."""
    return "".join((
        "r" if vm_flags & VMA_F_READ else "-",
        "w" if vm_flags & VMA_F_WRITE else "-",
        "x" if vm_flags & VMA_F_EXEC else "-",
        "s" if vm_flags & VMA_F_MAYSHARE else "p",
    ))
