"""The task_diag vocabulary shared by every backend and the ps engine.

A *dump* asks a backend for the tasks chosen by a :class:`Strategy` and, for each
task, the data groups named by a :class:`Group` mask (the task_diag
"show_flags").  Group bits 0..6 carry the ids of the kernel module's uapi
(kernel/include/uapi/linux/task_diag.h); higher bits name data only procfs
serves today.  A backend may serve some groups and leave the rest to procfs.
"""

from __future__ import annotations

from pstd.bits import Enum, Flags


class Strategy(Enum):
    """Which tasks a dump returns (task_diag dump strategies)."""

    ALL = 0
    """One entry per process (thread-group leaders)."""
    ONE = 1
    """The single task whose pid (or tid) is given; a thread's record has its process's pid
    (its tgid) and its own tid."""
    ALL_THREAD = 2
    """One entry per thread of every process."""
    CHILDREN = 3
    """The processes whose parent is the given pid."""
    THREAD = 4
    """The threads of the given process (given a thread's id, of that thread's process)."""


class Group(Flags):
    """Data groups (task_diag show_flags).  A column names the groups it reads."""

    NONE = 0
    BASE = 1 << 0
    """pid, tgid, ppid, pgid, sid, state, comm."""
    CRED = 1 << 1
    """Real, saved and fs uids and gids.  The module's CRED attribute also carries OWNER's
    and CAPS's fields."""
    VMA = 1 << 2
    """Memory mappings."""
    VMA_STAT = 1 << 3
    """Per-mapping page statistics."""
    STAT = 1 << 4
    """Cpu times (own and of waited-for children), thread count.  The module's STAT attribute
    also carries FAULTS's fields."""
    STATM = 1 << 5
    """Memory sizes in pages."""
    CMDLINE = 1 << 6
    """The argument vector."""
    # Groups beyond the seed's; kept in step with the module's uapi ids 7+ by the netlink backend.
    SCHED = 1 << 7
    """Priority, nice, task flags, start time.  The module's SCHED attribute also carries
    POLICY's and CTXSW's fields."""
    TTY = 1 << 8
    """Controlling terminal and foreground process group."""
    MEM = 1 << 9
    """Memory figures of /proc/PID/status (VmLck, VmSwap, RssAnon, ...)."""
    SIGNALS = 1 << 10
    """Pending, blocked, ignored and caught signal masks."""
    SIGNAL = SIGNALS
    """The uapi's spelling (TASK_DIAG_SIGNAL) of the same bit."""
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
    OOM = 1 << 38
    """oom_score and oom_score_adj."""
    IO = 1 << 39
    """/proc/PID/io counters."""
    SMAPS = 1 << 40
    """/proc/PID/smaps_rollup (Rss, Pss, Pss_Anon, Pss_File, Pss_Shmem, Private_*)."""
    EXE = 1 << 41
    """The executable's path (/proc/PID/exe)."""
    LOGIN = 1 << 42
    """Login uid (/proc/PID/loginuid)."""
    AUTOGROUP = 1 << 43
    """Autogroup id and nice (/proc/PID/autogroup)."""
    ADDR = 1 << 44
    """Rss limit and code, stack and register addresses (/proc/PID/stat); few columns show them."""
    VMPARTS = 1 << 45
    """VmData, VmStk, VmExe, VmLib, VmSwap, RssAnon, RssFile and RssShmem of /proc/PID/status;
    few columns show them."""
    CAPS = 1 << 47
    """Capability sets.  The module sends them with CRED; apart here so that the records of
    queries showing user names (CRED) stay small (42 attributes fit a dict's smallest large table)."""
    OWNER = 1 << 48
    """Effective uid and gid: ps's USER and UID.  The module sends them with CRED.  procfs has
    them in status, and as the owner of the task's /proc directory: the kernel keeps that
    directory's owner at the task's effective ids whatever its dumpable state, so a query that
    needs nothing else of status (-ef, -o user) makes one stat() instead of reading status."""
    CTXSW = 1 << 46
    """Voluntary and involuntary context switches.  The module sends them with SCHED; procfs
    has them only in /proc/PID/status, so they have a group of their own there."""
    FAULTS = 1 << 49
    """Minor and major page faults, own and of waited-for children.  The module sends them
    with STAT; apart so that the records of queries that show none (aux, -ef, -l) leave four
    numbers of /proc/PID/stat unparsed."""
    POLICY = 1 << 50
    """Scheduling policy, real-time priority and the processor last run on.  The module sends
    them with SCHED; apart because /proc/PID/stat has them last: a query without them (aux,
    -ef) splits that line after its 22nd field instead of its 39th."""
    COMM = 1 << 51
    """The command name as /proc spells it.  BASE always has a comm; the module's is the task's
    16 bytes, which /proc spells longer for a kernel worker ("kworker/0:1-events"), and only with
    COMM does the netlink backend read those names back from /proc.  No fields of its own."""


_NUM = (int,)
_OPT_NUM = (int, type(None))
_OPT_BYTES = (bytes, type(None))


class Task:
    """One row's worth of data about a process or thread: typed, backend-neutral values.

    Backends set the attributes of the groups they were asked for; every other
    attribute reads as None from the class defaults below, so a record costs only
    what was filled (no per-instance initialisation of ~90 fields on the hot path).
    Values are what the kernel reports, never ps text and never ps defaults (no
    "1 thread" for a 0, no "-" for an empty wait channel): the formatters make the
    text.  None means the kernel did not report the value to this reader (file not
    readable, line absent as for kernel threads' memory).  Times are in clock ticks
    (USER_HZ); memory sizes in the unit the name says (``_kb`` kilobytes, ``_pages``
    pages); ``vsize`` in bytes; masks and addresses are ints.
    """

    FIELDS: dict = {
        Group.BASE: ("ppid", "pgid", "sid", "state", "comm", "kthread"),
        Group.OWNER: ("euid", "egid"),
        Group.CRED: ("ruid", "suid", "fsuid", "rgid", "sgid", "fsgid"),
        Group.CAPS: ("cap_inh", "cap_prm", "cap_eff", "cap_bnd"),
        Group.STAT: ("utime", "stime", "cutime", "cstime", "nlwp"),
        Group.FAULTS: ("minflt", "cminflt", "majflt", "cmajflt"),
        Group.STATM: ("size_pages", "resident_pages", "shared_pages", "text_pages", "lib_pages",
                      "data_pages", "dirty_pages"),
        Group.CMDLINE: ("cmdline",),
        Group.SCHED: ("priority", "nice", "flags", "start_time"),
        Group.POLICY: ("policy", "rtprio", "processor"),
        Group.TTY: ("tty", "tpgid"),
        Group.MEM: ("vsize", "rss_pages", "vm_lck_kb", "vm_rss_kb", "vm_size_kb"),
        # Split off MEM so that a common query (aux: VSZ, RSS, the L of STAT) keeps small records.
        Group.ADDR: ("rsslim", "start_code", "end_code", "start_stack", "kstk_esp", "kstk_eip"),
        Group.VMPARTS: ("vm_data_kb", "vm_stk_kb", "vm_exe_kb", "vm_lib_kb", "vm_swap_kb", "rss_anon_kb",
                        "rss_file_kb", "rss_shmem_kb"),
        Group.CTXSW: ("nvcsw", "nivcsw"),
        Group.SIGNALS: ("sig_pending", "sig_shared", "sig_blocked", "sig_ignored", "sig_caught"),
        Group.WCHAN: ("wchan",),
        Group.ENVIRON: ("environ",),
        Group.CGROUP: ("cgroup",),
        Group.LABEL: ("label",),
        Group.NS: ("ns",),
        Group.SUPGROUPS: ("supgids",),
        Group.OOM: ("oom_score", "oom_adj"),
        Group.IO: ("io",),
        Group.SMAPS: ("pss_kb", "private_clean_kb", "private_dirty_kb", "smap_rss_kb", "pss_anon_kb",
                      "pss_file_kb", "pss_shmem_kb"),
        Group.EXE: ("exe",),
        Group.LOGIN: ("loginuid",),
        Group.AUTOGROUP: ("autogroup_id", "autogroup_nice"),
    }
    """Which attributes each data group fills.  A backend asked for a group sets every one
    of them (tests/test_conformance.py checks each backend against FIELD_TYPES)."""

    FIELD_TYPES: dict = {
        **dict.fromkeys(("ppid", "pgid", "sid", "tpgid", "ruid", "euid", "suid", "fsuid", "rgid", "egid",
                         "sgid", "fsgid", "minflt", "cminflt", "majflt", "cmajflt", "utime", "stime",
                         "cutime", "cstime", "nlwp", "priority", "nice", "policy", "rtprio", "processor",
                         "flags", "start_time", "vsize", "rss_pages", "rsslim", "start_code", "end_code",
                         "start_stack", "kstk_esp", "kstk_eip"), _NUM),
        **dict.fromkeys(("size_pages", "resident_pages", "shared_pages", "text_pages", "lib_pages",
                         "data_pages", "dirty_pages", "vm_lck_kb", "vm_rss_kb", "vm_size_kb", "vm_data_kb",
                         "vm_stk_kb", "vm_exe_kb", "vm_lib_kb", "vm_swap_kb", "nvcsw", "nivcsw",
                         "oom_score", "oom_adj", "pss_kb", "private_clean_kb", "private_dirty_kb",
                         "smap_rss_kb", "pss_anon_kb", "pss_file_kb", "pss_shmem_kb", "rss_anon_kb",
                         "rss_file_kb", "rss_shmem_kb",
                         "loginuid", "autogroup_id", "autogroup_nice", "cap_inh", "cap_prm", "cap_eff",
                         "cap_bnd", "sig_pending", "sig_shared", "sig_blocked", "sig_ignored", "sig_caught"),
                        _OPT_NUM),
        "state": (str,),
        "comm": (str,),
        "kthread": (bool,),
        "tty": _NUM,
        "cmdline": _OPT_BYTES,
        "environ": _OPT_BYTES,
        "cgroup": _OPT_BYTES,
        "label": _OPT_BYTES,
        "exe": _OPT_BYTES,
        "wchan": (str, type(None)),
        "ns": (dict,),
        "supgids": (tuple,),
        "io": (dict, type(None)),
    }
    """The Python types each attribute may hold once its group is filled (``type(None)``:
    the kernel may not report it to this reader).  ``FORMS`` says what the values mean."""

    FORMS: dict = {
        "comm": "the task name as /proc/PID/stat shows it (utf-8, surrogateescape)",
        "state": "one letter (R S D T t X Z P I)",
        "kthread": "PF_KTHREAD set",
        "tty": "device number as /proc/PID/stat field 7 (0: none)",
        "nlwp": "threads in the group as the kernel counts them (0 is kept as 0)",
        "cap_*": "capability sets as 64-bit masks",
        "sig_*": "signal masks as ints (bit n-1: signal n)",
        "cmdline": "raw /proc/PID/cmdline, whole (NUL separated); b'' when empty, None when unreadable",
        "environ": "raw /proc/PID/environ, whole; None when unreadable",
        "cgroup": "raw /proc/PID/cgroup; None when unreadable",
        "label": "raw /proc/PID/attr/current; None when unreadable",
        "exe": "target of /proc/PID/exe; None when unreadable",
        "wchan": "the kernel symbol the task waits in, as the kernel names it; '' when it is not "
                 "waiting; None when unreadable",
        "ns": "namespace kind ('cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts') -> inode; "
              "a kind that cannot be read is absent",
        "supgids": "supplementary group ids, in the kernel's order",
        "io": "/proc/PID/io keys -> int; None when unreadable",
        "vm_*_kb": "None for a task without memory (kernel thread, zombie)",
        "loginuid": "as the kernel stores it (4294967295: unset); None when unreadable",
        "autogroup_id": "None when unreadable or autogroups are off",
    }
    """What the values mean where the name does not say."""

    is_thread = False
    """True for a thread row (-L, -T, H, m) rather than a process row."""

    def __init__(self, pid: int, tid: int | None = None) -> None:
        self.pid = pid
        """Thread-group id (the process id)."""
        self.tid = pid if tid is None else tid
        """Thread id; equal to pid for process rows."""

    def __repr__(self) -> str:
        return f"Task(pid={self.pid}, tid={self.tid}, comm={self.comm!r})"

    _slots: tuple = ()
    """The fields a record class made by :func:`record_class` keeps in slots (none for Task)."""

    def values(self) -> dict:
        """Every attribute this record holds (pid, tid, the fields set, is_thread when set).

        Fields live in slots or in the instance dict (see :func:`record_class`), so
        ``vars(task)`` is not the record: read it with this and write it with
        :meth:`update` or plain attribute assignment, never through ``__dict__``."""
        d = {}
        for name in self._slots:
            try:
                d[name] = getattr(self, name)
            except AttributeError:  # a slot never set
                pass
        d.update(self.__dict__)
        return d

    def update(self, values: dict) -> None:
        """Set the fields of ``values`` (as :meth:`values` returns them)."""
        for name, v in values.items():
            setattr(self, name, v)

    def __reduce__(self):
        # a record class made by record_class is not importable by name: pickle the fields, and
        # rebuild a plain Task (the class is only how the fields are stored)
        return (_task_from_values, (self.values(),))


def _task_from_values(values: dict) -> Task:
    t = Task.__new__(Task)
    t.update(values)
    return t


_RECORD_CLASSES: dict = {}


def record_class(fields: tuple) -> type:
    """A subclass of :class:`Task` that keeps ``fields`` in slots: for a backend's hot loop.

    Thirty thousand records of forty fields, each in a dict of its own, cost about three times
    the time and twice the memory of the same records in slots (a dict that size is a separate
    allocation per record).  The backend must set every one of ``fields`` when it makes a
    record; any other attribute goes to the instance dict as on a Task, and reads of the
    fields it never set fall back to Task's class defaults (None) as before.  One class per
    set of fields, made once."""
    fields = tuple(fields)
    cls = _RECORD_CLASSES.get(fields)
    if cls is None:
        cls = type("Task", (Task,), {"__slots__": fields, "_slots": fields, "__module__": __name__,
                                     "__qualname__": "Task"})
        _RECORD_CLASSES[fields] = cls
    return cls


for _names in Task.FIELDS.values():
    for _name in _names:
        setattr(Task, _name, None)
del _names, _name
