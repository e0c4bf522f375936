"""The column registry: one definition per ps specifier, and nothing about a column elsewhere.

``_DEFS`` below holds procps 4.0.2's 274 specifier names.  Each ``_d(...)`` row is
everything about one specifier (or about names that are exact synonyms, listed
together as the first argument):

    names, header, width, alignment class, scope, data groups, formatter, value, flags

- alignment: procps's class (RIGHT, LEFT, UNLIMITED, SIGNAL, USER, WCHAN);
- scope: PO process-only, TO thread-only, ET every time, AN as needed: what
  ``m``/``-m`` print on process and thread rows;
- groups: the data groups (task_diag show flags) the formatter and the value read;
  backends read exactly these;
- formatter: ``(task, ctx) -> str`` in :mod:`pstd.ps.formats`; None for names procps
  accepts but always prints as "-";
- value: the typed value in :mod:`pstd.ps.values` that procps sorts by and machine
  output carries; None when procps cannot sort by the column;
- flags: ``room`` (the text depends on the cells left: the formatter takes a third
  argument, or ``room`` names the function that does), ``pidmax`` (width follows
  pid_max's digits), ``forest`` (the tree art goes before the text), ``command``
  (BSD ``c``/``e`` apply), ``countdown`` (procps's test columns print from the
  header countdown), ``fetches`` (the values the printer fetches, when not its own).

The renderer reads header/width/align/scope/flags and calls ``format`` (or ``cell``
when it knows the room), the sorter calls ``value``, backends read ``groups``.
"""

from __future__ import annotations

from pstd.plainclass import Factory, plain, replace

from pstd.model import Group, Task
from pstd.ps import formats as F
from pstd.ps import values as V


@plain
class FormatContext:
    """What formatters need to know beyond the task itself; built once per run."""

    now: float
    """Wall clock at the start of the run (seconds since the epoch)."""
    boot_time: float
    """Boot time (seconds since the epoch), from /proc/stat btime."""
    uptime: float
    """Seconds since boot at the start of the run (/proc/uptime)."""
    clock_ticks: int
    """USER_HZ."""
    page_size: int
    """Bytes per page."""
    mem_total_kb: int
    """MemTotal from /proc/meminfo."""
    pid_max: int
    """/proc/sys/kernel/pid_max."""
    bsd_c: bool = False
    """BSD c: command columns show the true command name."""
    bsd_e: bool = False
    """BSD e: command columns append the environment."""
    bsd_n: bool = False
    """BSD n: numeric user and wchan."""
    cumulative: bool = False
    """BSD S: add dead children's cpu times."""
    threads: str = ""
    """Thread display mode of the query (see Query.threads)."""
    extra: dict = Factory(dict)
    """Lazily filled lookup caches (user names, tty names, ...).  The renderer sets
    ``extra["lines_to_next_header"]`` for procps's _left/_right/_unlimited test columns."""
    utf8: bool = False
    """Whether ps's locale (LC_ALL, LC_CTYPE, LANG) is a UTF-8 one: decides how text is escaped."""
    wide_signals: bool = False
    """procps's wide_signals: SIGNAL columns print all 16 hex digits (the renderer decides
    from the total width: ``ctx.with_wide_signals(...)``)."""
    proc: str = "/proc"
    """Where procfs is mounted (terminal name lookups read /proc/PID/fd)."""

    def with_wide_signals(self, wide: bool) -> "FormatContext":
        """A copy with ``wide_signals`` set (lookup caches shared)."""
        return replace(self, wide_signals=wide)



class Column:
    """One ps specifier (built from its ``_d`` row)."""

    __slots__ = ("name", "header", "width", "align", "scope", "groups", "format", "value", "aliases",
                 "format_room", "pidmax", "printable", "command", "forest", "countdown", "fetches")

    def __init__(self, name, header, width, align, scope, groups, format, value, aliases=(),
                 format_room=None, pidmax=False, printable=True, command=False, forest=False,
                 countdown=False, fetches=None):
        self.name = name
        """The specifier as ps spells it in -o."""
        self.header = header
        """Default header text."""
        self.width = width
        """Default width (pid-like columns may be widened from pid_max; see ``pidmax``)."""
        self.align = align
        """procps alignment class: RIGHT, LEFT, UNLIMITED, SIGNAL, USER, WCHAN."""
        self.scope = scope
        """procps print scope: PO (process rows only), TO (thread rows only), ET/AN (every row).
        With BSD m / -m, a PO column prints "-" on thread rows and a TO column "-" on process rows."""
        self.groups = groups
        """Data groups the formatter and the value read."""
        self.format = format
        """(task, ctx) -> the cell text, unpadded; command columns return the full text."""
        self.value = value
        """(task, ctx) -> the typed value procps sorts by; None when procps cannot sort by it."""
        self.aliases = aliases
        """Other names ps accepts for exactly this column."""
        self.format_room = format_room
        """(task, ctx, room) -> cell text when the text depends on the cells available (user
        names cut with '+', wchan, command and other unlimited text); None when it does not."""
        self.pidmax = pidmax
        """Width follows the digits of pid_max (pid, ppid, pgid, ...)."""
        self.printable = printable
        """False for names procps accepts but always prints as '-'."""
        self.command = command
        """Command column (args, comm, ...): BSD ``c``/``e`` apply."""
        self.forest = forest
        """The forest prefix (tree art) is drawn before this column's text."""
        self.countdown = countdown
        """procps's test columns (_left, _right, ...): the text cycles with the lines left
        before the next header, which the renderer publishes in ``ctx.extra``."""
        self.fetches = (value,) if fetches is None and value is not None else (fetches or ())
        """The values procps's printer for this column fetches.  procps sorts by a value only
        when the printer of a shown or sort column fetched it; otherwise the key sorts nothing."""

    def cell(self, task: Task, ctx: FormatContext, room: int) -> str:
        """The cell text given ``room`` cells (procps's max_rightward, after any forest prefix)."""
        fr = self.format_room
        if fr is None:
            return self.format(task, ctx)
        return fr(task, ctx, room)

    def __repr__(self) -> str:
        return f"Column({self.name!r})"


def _nop(task, ctx):
    return "-"


RIGHT, LEFT, UNLIMITED, SIGNAL, USER, WCHAN = "RIGHT", "LEFT", "UNLIMITED", "SIGNAL", "USER", "WCHAN"
PO, TO, ET, AN = "PO", "TO", "ET", "AN"
G, NONE = Group, Group.NONE
B, CR, ST, SC, TT, MEM = Group.BASE, Group.CRED, Group.STAT, Group.SCHED, Group.TTY, Group.MEM
AD, VP, OW = Group.ADDR, Group.VMPARTS, Group.OWNER
FL, PL, CM = Group.FAULTS, Group.POLICY, Group.COMM


def _d(names, header, width, align, scope, groups, fmt, value, room=None, **flags):
    return names.split(), dict(header=header, width=width, align=align, scope=scope, groups=groups,
                               format=fmt or _nop, value=value, printable=fmt is not None,
                               format_room=fmt if room is True else room, **flags)


_DEFS = (
    _d("%cpu pcpu", "%CPU", 4, RIGHT, ET, ST | SC, F.f_pcpu, V.utilization),
    _d("%mem pmem", "%MEM", 4, RIGHT, PO, MEM, F.f_pmem, V.vm_rss),
    _d("_left", "LLLLLLLL", 8, LEFT, ET, NONE, F._cycle(F._T_LEFT), None, countdown=True),
    _d("_left2", "L2L2L2L2", 8, LEFT, ET, NONE, F._cycle(F._T_LEFT2), None, countdown=True),
    _d("_right", "RRRRRRRRRRR", 11, RIGHT, ET, NONE, F._cycle(F._T_RIGHT), None, countdown=True),
    _d("_right2", "R2R2R2R2R2R", 11, RIGHT, ET, NONE, F._cycle(F._T_RIGHT2), None, countdown=True),
    _d("_unlimited", "U", 16, UNLIMITED, ET, NONE, F._cycle(F._T_UNLIMITED), None,
       room=F._cycle(F._T_UNLIMITED, True), countdown=True),
    _d("_unlimited2", "U2", 16, UNLIMITED, ET, NONE, F._cycle(F._T_UNLIMITED2), None,
       room=F._cycle(F._T_UNLIMITED2, True), countdown=True),
    _d("acflag", "ACFLG", 5, RIGHT, AN, NONE, None, None),
    _d("acflg", "ACFLG", 5, RIGHT, AN, NONE, None, None),
    _d("addr", "ADDR", 4, RIGHT, AN, NONE, None, None),
    _d("addr_1", "ADDR", 1, LEFT, AN, NONE, None, None),
    _d("ag_id", "AGID", 5, RIGHT, AN, G.AUTOGROUP, F.f_agid, V.autogrp_id),
    _d("ag_nice", "AGNI", 4, RIGHT, AN, G.AUTOGROUP, F.f_agnice, V.autogrp_nice),
    _d("alarm", "ALARM", 5, RIGHT, AN, NONE, None, None),
    _d("argc", "ARGC", 4, RIGHT, PO, NONE, None, None),
    _d("args command", "COMMAND", 27, UNLIMITED, PO, B | CM | G.CMDLINE, F.f_args, V.cmdline,
       room=True, forest=True, command=True),
    _d("atime cputime time", "TIME", 8, RIGHT, ET, ST, F.f_time, V.time_all),
    _d("blocked sig_block sigmask", "BLOCKED", 9, SIGNAL, TO, G.SIGNALS, F.f_sigmask, V.sigblocked),
    _d("bnd", "BND", 1, RIGHT, TO, NONE, None, None),
    _d("bsdstart", "START", 6, RIGHT, ET, SC, F.f_bsdstart, V.tics_began),
    _d("bsdtime", "TIME", 6, RIGHT, ET, ST, F.f_bsdtime, V.tics_all),
    _d("c util", "C", 2, RIGHT, ET, ST | SC, F.f_c, V.utilization),
    _d("caught sigcatch", "CAUGHT", 9, SIGNAL, TO, G.SIGNALS, F.f_sigcatch, V.sigcatch),
    _d("cgname", "CGNAME", 27, UNLIMITED, PO, G.CGROUP, F.f_cgname, V.cgname, room=True),
    _d("cgroup", "CGROUP", 27, UNLIMITED, PO, G.CGROUP, F.f_cgroup, V.cgroup, room=True),
    _d("cgroupns", "CGROUPNS", 10, RIGHT, ET, G.NS, F._ns("cgroup"), V.ns_cgroup),
    _d("class", "CLS", 3, LEFT, TO, PL, F.f_class, V.sched_class),
    _d("cls", "CLS", 3, RIGHT, TO, PL, F.f_class, V.sched_class),
    _d("cmaj_flt", "-", 1, RIGHT, AN, NONE, None, None),
    _d("cmd", "CMD", 27, UNLIMITED, PO, B | CM | G.CMDLINE, F.f_args, V.cmdline, room=True, forest=True, command=True),
    _d("cmin_flt", "-", 1, RIGHT, AN, NONE, None, None),
    _d("cnswap", "-", 1, RIGHT, AN, NONE, None, None),
    _d("comm ucomm", "COMMAND", 15, UNLIMITED, PO, B | CM, F.f_comm, V.cmd, room=True, forest=True, command=True),
    _d("context", "CONTEXT", 31, LEFT, ET, B | G.LABEL, F.f_context, V.id_tgid),
    _d("cp", "CP", 3, RIGHT, ET, ST | SC, F.f_cp, V.utilization),
    _d("cpu", "CPU", 3, RIGHT, AN, NONE, None, None),
    _d("cpuid", "CPUID", 5, RIGHT, TO, PL, F.f_psr, V.processor),
    _d("cputimes times", "TIME", 8, RIGHT, ET, ST, F.f_times, V.time_all),
    _d("ctid", "CTID", 5, RIGHT, ET, NONE, None, None),
    _d("cuc", "%CUC", 7, RIGHT, AN, ST | SC, F.f_cuc, V.utilization_c),
    _d("cursig", "CURSIG", 6, RIGHT, AN, NONE, None, None),
    _d("cutime", "-", 1, RIGHT, AN, ST, None, V.tics_user_c, fetches=()),
    _d("cuu", "%CUU", 6, RIGHT, AN, ST | SC, F.f_cuu, V.utilization),
    _d("cwd", "CWD", 3, LEFT, AN, NONE, None, None),
    _d("drs", "DRS", 5, RIGHT, PO, MEM | AD, F.f_dsiz, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.addr_code_end, V.addr_code_start)),
    _d("dsiz", "DSIZ", 4, RIGHT, PO, MEM | AD, F.f_dsiz, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.addr_code_end, V.addr_code_start)),
    _d("egid", "EGID", 5, RIGHT, ET, OW, F._id("egid"), V.id_egid),
    _d("egroup", "EGROUP", 8, USER, ET, OW, F.f_egroup, V.id_egroup, room=True),
    _d("eip", "EIP", 16, RIGHT, TO, AD, F.f_eip, V.addr_curr_eip),
    _d("emul", "EMUL", 13, LEFT, PO, NONE, None, None),
    _d("end_code", "E_CODE", 16, RIGHT, PO, AD, None, V.addr_code_end, fetches=()),
    _d("environ", "ENVIRONMENT", 11, UNLIMITED, PO, NONE, None, None),
    _d("esp", "ESP", 16, RIGHT, TO, AD, F.f_esp, V.addr_curr_esp),
    _d("etime", "ELAPSED", 11, RIGHT, ET, SC, F.f_etime, V.time_elapsed),
    _d("etimes", "ELAPSED", 7, RIGHT, ET, SC, F.f_etimes, V.time_elapsed),
    _d("euid", "EUID", 5, RIGHT, ET, OW, F._id("euid"), V.id_euid),
    _d("euser", "EUSER", 8, USER, ET, OW, F.f_euser, V.id_euser, room=True),
    _d("exe", "EXE", 27, UNLIMITED, PO, G.EXE, F.f_exe, V.exe, room=True),
    _d("f flag flags", "F", 1, RIGHT, ET, SC, F.f_flag, V.flags),
    _d("fgid", "FGID", 5, RIGHT, ET, CR | SC, F._id("fsgid"), V.flags, fetches=(V.id_fgid,)),
    _d("fgroup", "FGROUP", 8, USER, ET, CR, F.f_fgroup, V.id_fgroup, room=True),
    _d("fname", "COMMAND", 8, LEFT, PO, B | CM, F.f_fname, V.cmd, room=True, forest=True),
    _d("fsgid", "FSGID", 5, RIGHT, ET, CR, F._id("fsgid"), V.id_fgid),
    _d("fsgroup", "FSGROUP", 8, USER, ET, CR, F.f_fgroup, V.id_fgroup, room=True),
    _d("fsuid", "FSUID", 5, RIGHT, ET, CR, F._id("fsuid"), V.id_fuid),
    _d("fsuser", "FSUSER", 8, USER, ET, CR, F.f_fuser, V.id_fuser, room=True),
    _d("fuid", "FUID", 5, RIGHT, ET, CR, F._id("fsuid"), V.id_fuid),
    _d("fuser", "FUSER", 8, USER, ET, CR, F.f_fuser, V.id_fuser, room=True),
    _d("gid", "GID", 5, RIGHT, ET, OW, F._id("egid"), V.id_egid),
    _d("group", "GROUP", 8, USER, ET, OW, F.f_egroup, V.id_egroup, room=True),
    _d("ignored sig_ignore sigignore", "IGNORED", 9, SIGNAL, TO, G.SIGNALS, F.f_sigignore, V.sigignore),
    _d("inblk", "INBLK", 5, RIGHT, AN, NONE, None, None),
    _d("inblock", "INBLK", 5, RIGHT, AN, NONE, None, None),
    _d("intpri opri", "PRI", 3, RIGHT, TO, SC, F.f_opri, V.priority),
    _d("ipcns", "IPCNS", 10, RIGHT, ET, G.NS, F._ns("ipc"), V.ns_ipc),
    _d("jid", "JID", 1, RIGHT, PO, NONE, None, None),
    _d("jobc", "JOBC", 4, RIGHT, AN, NONE, None, None),
    _d("ktrace", "KTRACE", 8, RIGHT, AN, NONE, None, None),
    _d("ktracep", "KTRACEP", 8, RIGHT, AN, NONE, None, None),
    _d("label", "LABEL", 31, LEFT, ET, B | G.LABEL, F.f_context, V.id_tgid),
    _d("lastcpu", "C", 3, RIGHT, TO, PL, F.f_psr, V.processor),
    _d("lim", "LIM", 5, RIGHT, AN, AD, F.f_lim, V.rss_rlim),
    _d("login", "LOGNAME", 8, LEFT, AN, NONE, None, None),
    _d("logname", "LOGNAME", 8, LEFT, AN, NONE, None, None),
    _d("longtname tname tty8", "TTY", 8, LEFT, PO, TT, F.f_tty, V.tty_name),
    _d("lsession", "SESSION", 11, LEFT, ET, G.CGROUP, F._sd("session"), V.sd_sess),
    _d("lstart", "STARTED", 24, RIGHT, ET, SC, F.f_lstart, V.tics_began),
    _d("luid", "LUID", 5, RIGHT, ET, G.LOGIN, F.f_luid, V.id_login),
    _d("luser", "LUSER", 8, USER, ET, NONE, None, None),
    _d("lwp", "LWP", 5, RIGHT, TO, B, F.f_tid, V.id_pid, pidmax=True),
    _d("lxc", "LXC", 8, LEFT, ET, G.CGROUP, F.f_lxc, V.lxcname),
    _d("m_drs", "DRS", 5, RIGHT, PO, MEM | AD, F.f_dsiz, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.addr_code_end, V.addr_code_start)),
    _d("m_dt", "DT", 4, RIGHT, PO, NONE, None, None),
    _d("m_lrs", "LRS", 5, RIGHT, PO, NONE, None, None),
    _d("m_resident", "RES", 5, RIGHT, PO, G.STATM, None, V.mem_res_pgs, fetches=()),
    _d("m_share", "SHRD", 5, RIGHT, PO, G.STATM, None, V.mem_shr_pgs, fetches=()),
    _d("m_size", "SIZE", 5, RIGHT, PO, MEM, F.f_size_bytes, V.vsize_bytes),
    _d("m_swap", "SWAP", 5, RIGHT, PO, NONE, None, None),
    _d("m_trs", "TRS", 5, RIGHT, PO, MEM | AD, F.f_tsiz, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.addr_code_end, V.addr_code_start)),
    _d("machine", "MACHINE", 31, LEFT, ET, G.CGROUP, F._sd("machine"), V.sd_mach),
    _d("maj_flt", "MAJFL", 6, RIGHT, AN, FL, F.f_majflt, V.flt_maj),
    _d("majflt", "MAJFLT", 6, RIGHT, AN, FL, F.f_majflt, V.flt_maj),
    _d("min_flt", "MINFL", 6, RIGHT, AN, FL, F.f_minflt, V.flt_min),
    _d("minflt", "MINFLT", 6, RIGHT, AN, FL, F.f_minflt, V.flt_min),
    _d("mntns", "MNTNS", 10, RIGHT, ET, G.NS, F._ns("mnt"), V.ns_mnt),
    _d("msgrcv", "MSGRCV", 6, RIGHT, AN, NONE, None, None),
    _d("msgsnd", "MSGSND", 6, RIGHT, AN, NONE, None, None),
    _d("mwchan", "MWCHAN", 6, WCHAN, TO, NONE, None, None),
    _d("netns", "NETNS", 10, RIGHT, ET, G.NS, F._ns("net"), V.ns_net),
    _d("ni nice", "NI", 3, RIGHT, TO, SC | PL, F.f_nice, V.nice),
    _d("nivcsw", "IVCSW", 5, RIGHT, AN, NONE, None, None),
    _d("nlwp", "NLWP", 4, RIGHT, PO, ST, F.f_nlwp, V.nlwp),
    _d("nsignals", "NSIGS", 5, RIGHT, AN, NONE, None, None),
    _d("nsigs", "NSIGS", 5, RIGHT, AN, NONE, None, None),
    _d("nswap", "NSWAP", 5, RIGHT, AN, NONE, None, None),
    _d("numa", "NUMA", 4, RIGHT, AN, PL, F.f_numa, V.processor_node),
    _d("nvcsw", "VCSW", 5, RIGHT, AN, NONE, None, None),
    _d("nwchan", "WCHAN", 6, RIGHT, TO, NONE, None, None),
    _d("oom", "OOM", 4, RIGHT, TO, G.OOM, F.f_oom, V.oom_score),
    _d("oomadj", "OOMADJ", 5, RIGHT, TO, G.OOM, F.f_oomadj, V.oom_adj),
    _d("osz", "SZ", 2, RIGHT, PO, NONE, None, None),
    _d("oublk", "OUBLK", 5, RIGHT, AN, NONE, None, None),
    _d("oublock", "OUBLK", 5, RIGHT, AN, NONE, None, None),
    _d("ouid", "OWNER", 5, LEFT, ET, G.CGROUP, F._sd("ouid"), V.sd_ouid),
    _d("p_ru", "P_RU", 6, RIGHT, AN, NONE, None, None),
    _d("paddr", "PADDR", 6, RIGHT, AN, NONE, None, None),
    _d("pagein", "PAGEIN", 6, RIGHT, AN, FL, F.f_majflt, V.flt_maj),
    _d("pending sig", "PENDING", 9, SIGNAL, ET, G.SIGNALS, F.f_sig, V.signals),
    _d("pgid", "PGID", 5, RIGHT, PO, B, F.f_pgid, V.id_pgrp, pidmax=True),
    _d("pgrp", "PGRP", 5, RIGHT, PO, B, F.f_pgid, V.id_pgrp, pidmax=True),
    _d("pid", "PID", 5, RIGHT, PO, B, F.f_pid, V.id_tgid, pidmax=True),
    _d("pidns", "PIDNS", 10, RIGHT, ET, G.NS, F._ns("pid"), V.ns_pid),
    _d("poip", "-", 1, RIGHT, AN, NONE, None, None),
    _d("policy", "POL", 3, LEFT, TO, PL, F.f_class, V.sched_class),
    _d("ppid", "PPID", 5, RIGHT, PO, B, F.f_ppid, V.id_ppid, pidmax=True),
    _d("pri", "PRI", 3, RIGHT, TO, SC, F.f_pri, V.priority),
    _d("pri_api", "API", 3, RIGHT, TO, SC, F.f_pri_api, V.priority),
    _d("pri_bar", "BAR", 3, RIGHT, TO, SC, F.f_pri_bar, V.priority),
    _d("pri_baz", "BAZ", 3, RIGHT, TO, SC, F.f_pri_baz, V.priority),
    _d("pri_foo", "FOO", 3, RIGHT, TO, SC, F.f_pri_foo, V.priority),
    _d("priority", "PRI", 3, RIGHT, TO, SC, F.f_priority, V.priority),
    _d("prmgrp", "PRMGRP", 12, RIGHT, PO, NONE, None, None),
    _d("prmid", "PRMID", 12, RIGHT, PO, NONE, None, None),
    _d("project", "PROJECT", 12, LEFT, PO, NONE, None, None),
    _d("projid", "PROJID", 5, RIGHT, PO, NONE, None, None),
    _d("pset", "PSET", 4, RIGHT, TO, NONE, None, None),
    _d("psr", "PSR", 3, RIGHT, TO, PL, F.f_psr, V.processor),
    _d("pss", "PSS", 5, RIGHT, PO, G.SMAPS, F.f_pss, V.smap_pss),
    _d("psxpri", "PPR", 3, RIGHT, TO, NONE, None, None),
    _d("rbytes", "RBYTES", 5, RIGHT, TO, G.IO, F._io("read_bytes"), V.io_read_bytes),
    _d("rchars", "RCHARS", 5, RIGHT, TO, G.IO, F._io("rchar"), V.io_read_chars),
    _d("re", "RE", 3, RIGHT, AN, NONE, None, None),
    _d("resident", "RES", 5, RIGHT, PO, G.STATM, None, V.mem_res_pgs, fetches=()),
    _d("rgid", "RGID", 5, RIGHT, ET, CR, F._id("rgid"), V.id_rgid),
    _d("rgroup", "RGROUP", 8, USER, ET, CR, F.f_rgroup, V.id_rgroup, room=True),
    _d("rlink", "RLINK", 8, RIGHT, AN, NONE, None, None),
    _d("rops", "ROPS", 5, RIGHT, TO, G.IO, F._io("syscr"), V.io_read_ops),
    _d("rss rssize", "RSS", 5, RIGHT, PO, MEM, F.f_rss, V.vm_rss),
    _d("rsz", "RSZ", 5, RIGHT, PO, MEM, F.f_rss, V.vm_rss),
    _d("rtprio", "RTPRIO", 6, RIGHT, TO, PL, F.f_rtprio, V.priority_rt),
    _d("ruid", "RUID", 5, RIGHT, ET, CR, F._id("ruid"), V.id_ruid),
    _d("ruser", "RUSER", 8, USER, ET, CR, F.f_ruser, V.id_ruser, room=True),
    _d("s state", "S", 1, LEFT, TO, B, F.f_s, V.state),
    _d("sched", "SCH", 3, RIGHT, TO, PL, F.f_sched, V.sched_class),
    _d("scnt", "SCNT", 4, RIGHT, AN, NONE, None, None),
    _d("scount", "SC", 4, RIGHT, AN, NONE, None, None),
    _d("seat", "SEAT", 11, LEFT, ET, G.CGROUP, F._sd("seat"), V.sd_seat),
    _d("sess session", "SESS", 5, RIGHT, PO, B, F.f_sess, V.id_session, pidmax=True),
    _d("sgi_p", "P", 1, RIGHT, TO, B | PL, F.f_sgi_p, V.state),
    _d("sgi_rss", "RSS", 4, LEFT, PO, MEM, F.f_rss, V.vm_rss),
    _d("sgid", "SGID", 5, RIGHT, ET, CR, F._id("sgid"), V.id_sgid),
    _d("sgroup", "SGROUP", 8, USER, ET, CR, F.f_sgroup, V.id_sgroup, room=True),
    _d("share", "-", 1, RIGHT, PO, NONE, None, None),
    _d("sid", "SID", 5, RIGHT, PO, B, F.f_sess, V.id_session, pidmax=True),
    _d("sig_catch", "CATCHED", 9, SIGNAL, TO, G.SIGNALS, F.f_sigcatch, V.sigcatch),
    _d("sig_pend", "SIGNAL", 9, SIGNAL, ET, G.SIGNALS, F.f_sig, V.signals),
    _d("size", "SIZE", 5, RIGHT, PO, MEM | VP, F.f_swapable, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.vm_data, V.vm_stack)),
    _d("sl", "SL", 3, RIGHT, AN, NONE, None, None),
    _d("slice", "SLICE", 31, LEFT, ET, G.CGROUP, F._sd("slice"), V.sd_slice),
    _d("spid", "SPID", 5, RIGHT, TO, B, F.f_tid, V.id_pid, pidmax=True),
    _d("stackp start_stack", "STACKP", 16, RIGHT, PO, AD, F.f_stackp, V.addr_stack_start),
    _d("start", "STARTED", 8, RIGHT, ET, SC, F.f_start, V.tics_began),
    _d("start_code", "S_CODE", 16, RIGHT, PO, AD, None, V.addr_code_start, fetches=()),
    _d("start_time", "START", 5, RIGHT, ET, SC, F.f_stime, V.tics_began),
    _d("stat", "STAT", 4, LEFT, TO, B | ST | SC | TT | MEM, F.f_stat, V.state),
    _d("status", "STATUS", 6, RIGHT, AN, NONE, None, None),
    _d("stime", "STIME", 5, RIGHT, ET, SC, F.f_stime, V.tics_began),
    _d("suid", "SUID", 5, RIGHT, ET, CR, F._id("suid"), V.id_suid),
    _d("supgid", "SUPGID", 20, UNLIMITED, PO, G.SUPGROUPS, F.f_supgid, V.supgids, room=True),
    _d("supgrp", "SUPGRP", 40, UNLIMITED, PO, G.SUPGROUPS, F.f_supgrp, V.supgroups, room=True),
    _d("suser", "SUSER", 8, USER, ET, CR, F.f_suser, V.id_suser, room=True),
    _d("svgid", "SVGID", 5, RIGHT, ET, CR, F._id("sgid"), V.id_sgid),
    _d("svgroup", "SVGROUP", 8, USER, ET, CR, F.f_sgroup, V.id_sgroup, room=True),
    _d("svuid", "SVUID", 5, RIGHT, ET, CR, F._id("suid"), V.id_suid),
    _d("svuser", "SVUSER", 8, USER, ET, CR, F.f_suser, V.id_suser, room=True),
    _d("systime", "SYSTEM", 6, RIGHT, ET, NONE, None, None),
    _d("sz", "SZ", 5, RIGHT, PO, MEM, F.f_sz, V.vm_size),
    _d("taskid", "TASKID", 5, RIGHT, TO, NONE, None, None, pidmax=True),
    _d("tdev", "TDEV", 4, RIGHT, AN, NONE, None, None),
    _d("tgid", "TGID", 5, RIGHT, PO, B, F.f_pid, V.id_tgid, pidmax=True),
    _d("thcount", "THCNT", 5, RIGHT, PO, ST, F.f_nlwp, V.nlwp),
    _d("tid", "TID", 5, RIGHT, TO, B, F.f_tid, V.id_pid, pidmax=True),
    _d("timens", "TIMENS", 10, RIGHT, ET, G.NS, F._ns("time"), V.ns_time),
    _d("timeout", "TMOUT", 5, RIGHT, AN, NONE, None, None),
    _d("tmout", "TMOUT", 5, RIGHT, AN, NONE, None, None),
    _d("tpgid", "TPGID", 5, RIGHT, PO, TT, F.f_tpgid, V.id_tpgid, pidmax=True),
    _d("trs", "TRS", 4, RIGHT, PO, MEM | AD, F.f_tsiz, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.addr_code_end, V.addr_code_start)),
    _d("trss", "TRSS", 4, RIGHT, PO, MEM | AD, F.f_tsiz, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.addr_code_end, V.addr_code_start)),
    _d("tsess", "TSESS", 5, RIGHT, PO, NONE, None, None, pidmax=True),
    _d("tsession", "TSESS", 5, RIGHT, PO, NONE, None, None, pidmax=True),
    _d("tsid", "TSID", 5, RIGHT, PO, NONE, None, None, pidmax=True),
    _d("tsig", "PENDING", 9, SIGNAL, ET, G.SIGNALS, F.f_tsig, V.sigpending),
    _d("tsiz", "TSIZ", 4, RIGHT, PO, MEM | AD, F.f_tsiz, V.vsize_bytes,
       fetches=(V.vsize_bytes, V.addr_code_end, V.addr_code_start)),
    _d("tt tty", "TT", 8, LEFT, PO, TT, F.f_tty, V.tty_name),
    _d("tty4", "TTY", 4, LEFT, PO, TT, F.f_tty4, V.tty_name, fetches=()),
    _d("u_procp", "UPROCP", 6, RIGHT, AN, NONE, None, None),
    _d("ucmd", "CMD", 15, UNLIMITED, PO, B | CM, F.f_comm, V.cmd, room=True, forest=True, command=True),
    _d("uid", "UID", 5, RIGHT, ET, OW, F._id("euid"), V.id_euid),
    _d("uid_hack", "UID", 8, USER, ET, OW, F.f_euser, V.id_euser, room=True),
    _d("umask", "UMASK", 5, RIGHT, AN, NONE, None, None),
    _d("uname user", "USER", 8, USER, ET, OW, F.f_euser, V.id_euser, room=True),
    _d("unit", "UNIT", 31, LEFT, ET, G.CGROUP, F._sd("unit"), V.sd_unit),
    _d("upr", "UPR", 3, RIGHT, TO, NONE, None, None),
    _d("uprocp", "UPROCP", 8, RIGHT, AN, NONE, None, None),
    _d("userns", "USERNS", 10, RIGHT, ET, G.NS, F._ns("user"), V.ns_user),
    _d("usertime", "USER", 4, RIGHT, ET, NONE, None, None),
    _d("usrpri", "UPR", 3, RIGHT, TO, NONE, None, None),
    _d("uss", "USS", 5, RIGHT, PO, G.SMAPS, F.f_uss, V.smap_prv_total),
    _d("utime", "UTIME", 6, RIGHT, ET, ST, None, V.tics_user, fetches=()),
    _d("utsns", "UTSNS", 10, RIGHT, ET, G.NS, F._ns("uts"), V.ns_uts),
    _d("uunit", "UUNIT", 31, LEFT, ET, G.CGROUP, F._sd("uunit"), V.sd_uunit),
    _d("vm_data", "DATA", 5, RIGHT, PO, VP, None, V.vm_data, fetches=()),
    _d("vm_exe", "EXE", 5, RIGHT, PO, VP, None, V.vm_exe, fetches=()),
    _d("vm_lib", "LIB", 5, RIGHT, PO, VP, None, V.vm_lib, fetches=()),
    _d("vm_lock", "LCK", 3, RIGHT, PO, MEM, None, V.vm_rss_locked),
    _d("vm_stack", "STACK", 5, RIGHT, PO, VP, None, V.vm_stack, fetches=()),
    _d("vsize", "VSZ", 6, RIGHT, PO, MEM, F.f_vsz, V.vsize_bytes, fetches=(V.vm_size,)),
    _d("vsz", "VSZ", 6, RIGHT, PO, MEM, F.f_vsz, V.vm_size),
    _d("wbytes", "WBYTES", 5, RIGHT, TO, G.IO, F._io("write_bytes"), V.io_write_bytes),
    _d("wcbytes", "WCBYTES", 5, RIGHT, TO, G.IO, F._io("cancelled_write_bytes"), V.io_write_cbytes),
    _d("wchan wname", "WCHAN", 6, WCHAN, TO, G.WCHAN, F.f_wchan, V.wchan_name, room=True),
    _d("wchars", "WCHARS", 5, RIGHT, TO, G.IO, F._io("wchar"), V.io_write_chars),
    _d("wops", "WOPS", 5, RIGHT, TO, G.IO, F._io("syscw"), V.io_write_ops),
    _d("xstat", "XSTAT", 5, RIGHT, AN, NONE, None, None),
    _d("zone", "ZONE", 31, LEFT, ET, B | G.LABEL, F.f_context, V.id_tgid),
    _d("zoneid", "ZONEID", 31, RIGHT, ET, NONE, None, None),
)

REGISTRY: dict[str, Column] = {}
"""Name (every name procps accepts, aliases included) -> Column."""

for _names, _attrs in _DEFS:
    for _name in _names:
        REGISTRY[_name] = Column(_name, aliases=tuple(n for n in _names if n != _name), **_attrs)
del _names, _name, _attrs


def lookup(name: str) -> Column | None:
    """The column for a specifier or alias, or None when ps would reject it."""
    return REGISTRY.get(name)


def groups_for(query) -> Group:
    """Union of the groups a query's selection, columns and sort keys read."""
    from pstd.ps.select import selection_groups
    from pstd.ps.sort import applied_keys

    groups = selection_groups(query)
    command = False
    for request in query.columns:
        column = lookup(request.spec) if request.spec else None
        if column is not None:
            groups |= column.groups
            command = command or column.command
    for key in applied_keys(query):
        column = lookup(key.spec) if key.spec else None
        if column is not None:
            groups |= column.groups
    if command and query.bsd_e:
        groups |= Group.ENVIRON
    return groups
