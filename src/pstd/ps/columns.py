"""The column registry: one row per ps specifier.

Every column is defined here and nowhere else: its header, default width,
alignment class, the data groups it reads, how it is formatted and how it sorts.
Backends read ``groups``; the renderer reads ``header``/``width``/``align``
and calls ``format`` (or ``cell`` when it knows the room a cell may take);
the sorter calls ``sort_key``.

The table below holds procps 4.0.2's 274 specifier names (aliases are rows of
their own sharing a formatter): name, header, width, alignment class, pid_max
flag, scope (PO process-only, TO thread-only, ET every time, AN as needed:
decides what ``m``/``-m`` print on process and thread rows), the library item
procps sorts by, and whether procps prints a value (N: always "-").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pstd.model import Group
from pstd.ps import formats as F


@dataclass(frozen=True)
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
    extra: dict = field(default_factory=dict)
    """Lazily filled lookup caches (user names, tty names, ...).  The renderer sets
    ``extra["lines_to_next_header"]`` for procps's _left/_right/_unlimited test columns."""
    utf8: bool = False
    """Whether ps's locale (LC_ALL, LC_CTYPE, LANG) is a UTF-8 one: decides how text is escaped."""
    wide_signals: bool = False
    """procps's wide_signals: SIGNAL columns print all 16 hex digits (the renderer decides
    from the total width: ``dataclasses.replace(ctx, wide_signals=...)``)."""
    proc: str = "/proc"
    """Where procfs is mounted (terminal name lookups read /proc/PID/fd)."""


def _plain(fmt):
    return lambda t, c, room: fmt(t, c)


@dataclass(frozen=True)
class Column:
    """One ps specifier."""

    name: str
    """The specifier as ps spells it in -o (canonical name)."""
    header: str
    """Default header text."""
    width: int
    """Default width (pid-like columns may be widened from pid_max; see ``pidmax``)."""
    align: str
    """procps alignment class: RIGHT, LEFT, UNLIMITED, SIGNAL, USER, WCHAN."""
    groups: Group
    """Data groups the formatter and sort key read."""
    format: Callable[[Any, FormatContext], str]
    """(task, ctx) -> the cell text, unpadded; command columns return the full text."""
    sort_key: Callable[[Any, FormatContext], Any] | None
    """(task, ctx) -> comparable value; None when procps cannot sort by it."""
    aliases: tuple[str, ...] = ()
    """Other names ps accepts for this column."""
    pidmax: bool = False
    """Width follows the digits of pid_max (pid, ppid, pgid, ...)."""
    printable: bool = True
    """False for names procps accepts but always prints as '-'."""
    command: bool = False
    """Command-like column (args, comm, cmd, ucmd): forest art and ``c``/``e`` apply."""
    scope: str = "ET"
    """procps print scope: PO (process rows only), TO (thread rows only), ET/AN (every row).
    With BSD m / -m, a PO column prints "-" on thread rows and a TO column "-" on process rows."""
    sort_item: str = "noop"
    """The procps library item this column sorts by (without the PIDS_ prefix)."""
    format_room: Callable[[Any, FormatContext, int], str] | None = None
    """(task, ctx, room) -> cell text when the text depends on the cells available (user
    names cut with '+', wchan, command and other unlimited text); None when it does not."""

    def cell(self, task: Any, ctx: FormatContext, room: int) -> str:
        """The cell text given ``room`` cells (procps's max_rightward, after any forest prefix)."""
        fr = self.format_room
        if fr is None:
            return self.format(task, ctx)
        return fr(task, ctx, room)


# name header width align pidmax scope sortitem printable
_TABLE = """\
%cpu %CPU 4 RIGHT - ET UTILIZATION Y
%mem %MEM 4 RIGHT - PO VM_RSS Y
_left LLLLLLLL 8 LEFT - ET noop Y
_left2 L2L2L2L2 8 LEFT - ET noop Y
_right RRRRRRRRRRR 11 RIGHT - ET noop Y
_right2 R2R2R2R2R2R 11 RIGHT - ET noop Y
_unlimited U 16 UNLIMITED - ET noop Y
_unlimited2 U2 16 UNLIMITED - ET noop Y
acflag ACFLG 5 RIGHT - AN noop N
acflg ACFLG 5 RIGHT - AN noop N
addr ADDR 4 RIGHT - AN noop N
addr_1 ADDR 1 LEFT - AN noop N
ag_id AGID 5 RIGHT - AN AUTOGRP_ID Y
ag_nice AGNI 4 RIGHT - AN AUTOGRP_NICE Y
alarm ALARM 5 RIGHT - AN noop N
argc ARGC 4 RIGHT - PO noop N
args COMMAND 27 UNLIMITED - PO CMDLINE Y
atime TIME 8 RIGHT - ET TIME_ALL Y
blocked BLOCKED 9 SIGNAL - TO SIGBLOCKED Y
bnd BND 1 RIGHT - TO noop N
bsdstart START 6 RIGHT - ET TICS_BEGAN Y
bsdtime TIME 6 RIGHT - ET TICS_ALL Y
c C 2 RIGHT - ET UTILIZATION Y
caught CAUGHT 9 SIGNAL - TO SIGCATCH Y
cgname CGNAME 27 UNLIMITED - PO CGNAME Y
cgroup CGROUP 27 UNLIMITED - PO CGROUP Y
cgroupns CGROUPNS 10 RIGHT - ET NS_CGROUP Y
class CLS 3 LEFT - TO SCHED_CLASS Y
cls CLS 3 RIGHT - TO SCHED_CLASS Y
cmaj_flt - 1 RIGHT - AN noop N
cmd CMD 27 UNLIMITED - PO CMDLINE Y
cmin_flt - 1 RIGHT - AN noop N
cnswap - 1 RIGHT - AN noop N
comm COMMAND 15 UNLIMITED - PO CMD Y
command COMMAND 27 UNLIMITED - PO CMDLINE Y
context CONTEXT 31 LEFT - ET ID_TGID Y
cp CP 3 RIGHT - ET UTILIZATION Y
cpu CPU 3 RIGHT - AN noop N
cpuid CPUID 5 RIGHT - TO PROCESSOR Y
cputime TIME 8 RIGHT - ET TIME_ALL Y
cputimes TIME 8 RIGHT - ET TIME_ALL Y
ctid CTID 5 RIGHT - ET noop N
cuc %CUC 7 RIGHT - AN UTILIZATION_C Y
cursig CURSIG 6 RIGHT - AN noop N
cutime - 1 RIGHT - AN TICS_USER_C N
cuu %CUU 6 RIGHT - AN UTILIZATION Y
cwd CWD 3 LEFT - AN noop N
drs DRS 5 RIGHT - PO VSIZE_BYTES Y
dsiz DSIZ 4 RIGHT - PO VSIZE_BYTES Y
egid EGID 5 RIGHT - ET ID_EGID Y
egroup EGROUP 8 USER - ET ID_EGROUP Y
eip EIP 16 RIGHT - TO ADDR_CURR_EIP Y
emul EMUL 13 LEFT - PO noop N
end_code E_CODE 16 RIGHT - PO ADDR_CODE_END N
environ ENVIRONMENT 11 UNLIMITED - PO noop N
esp ESP 16 RIGHT - TO ADDR_CURR_ESP Y
etime ELAPSED 11 RIGHT - ET TIME_ELAPSED Y
etimes ELAPSED 7 RIGHT - ET TIME_ELAPSED Y
euid EUID 5 RIGHT - ET ID_EUID Y
euser EUSER 8 USER - ET ID_EUSER Y
exe EXE 27 UNLIMITED - PO EXE Y
f F 1 RIGHT - ET FLAGS Y
fgid FGID 5 RIGHT - ET FLAGS Y
fgroup FGROUP 8 USER - ET ID_FGROUP Y
flag F 1 RIGHT - ET FLAGS Y
flags F 1 RIGHT - ET FLAGS Y
fname COMMAND 8 LEFT - PO CMD Y
fsgid FSGID 5 RIGHT - ET ID_FGID Y
fsgroup FSGROUP 8 USER - ET ID_FGROUP Y
fsuid FSUID 5 RIGHT - ET ID_FUID Y
fsuser FSUSER 8 USER - ET ID_FUSER Y
fuid FUID 5 RIGHT - ET ID_FUID Y
fuser FUSER 8 USER - ET ID_FUSER Y
gid GID 5 RIGHT - ET ID_EGID Y
group GROUP 8 USER - ET ID_EGROUP Y
ignored IGNORED 9 SIGNAL - TO SIGIGNORE Y
inblk INBLK 5 RIGHT - AN noop N
inblock INBLK 5 RIGHT - AN noop N
intpri PRI 3 RIGHT - TO PRIORITY Y
ipcns IPCNS 10 RIGHT - ET NS_IPC Y
jid JID 1 RIGHT - PO noop N
jobc JOBC 4 RIGHT - AN noop N
ktrace KTRACE 8 RIGHT - AN noop N
ktracep KTRACEP 8 RIGHT - AN noop N
label LABEL 31 LEFT - ET ID_TGID Y
lastcpu C 3 RIGHT - TO PROCESSOR Y
lim LIM 5 RIGHT - AN RSS_RLIM Y
login LOGNAME 8 LEFT - AN noop N
logname LOGNAME 8 LEFT - AN noop N
longtname TTY 8 LEFT - PO TTY_NAME Y
lsession SESSION 11 LEFT - ET SD_SESS Y
lstart STARTED 24 RIGHT - ET TICS_BEGAN Y
luid LUID 5 RIGHT - ET ID_LOGIN Y
luser LUSER 8 USER - ET noop N
lwp LWP 5 RIGHT Y TO ID_PID Y
lxc LXC 8 LEFT - ET LXCNAME Y
m_drs DRS 5 RIGHT - PO VSIZE_BYTES Y
m_dt DT 4 RIGHT - PO noop N
m_lrs LRS 5 RIGHT - PO noop N
m_resident RES 5 RIGHT - PO MEM_RES_PGS N
m_share SHRD 5 RIGHT - PO MEM_SHR_PGS N
m_size SIZE 5 RIGHT - PO VSIZE_BYTES Y
m_swap SWAP 5 RIGHT - PO noop N
m_trs TRS 5 RIGHT - PO VSIZE_BYTES Y
machine MACHINE 31 LEFT - ET SD_MACH Y
maj_flt MAJFL 6 RIGHT - AN FLT_MAJ Y
majflt MAJFLT 6 RIGHT - AN FLT_MAJ Y
min_flt MINFL 6 RIGHT - AN FLT_MIN Y
minflt MINFLT 6 RIGHT - AN FLT_MIN Y
mntns MNTNS 10 RIGHT - ET NS_MNT Y
msgrcv MSGRCV 6 RIGHT - AN noop N
msgsnd MSGSND 6 RIGHT - AN noop N
mwchan MWCHAN 6 WCHAN - TO noop N
netns NETNS 10 RIGHT - ET NS_NET Y
ni NI 3 RIGHT - TO NICE Y
nice NI 3 RIGHT - TO NICE Y
nivcsw IVCSW 5 RIGHT - AN noop N
nlwp NLWP 4 RIGHT - PO NLWP Y
nsignals NSIGS 5 RIGHT - AN noop N
nsigs NSIGS 5 RIGHT - AN noop N
nswap NSWAP 5 RIGHT - AN noop N
numa NUMA 4 RIGHT - AN PROCESSOR_NODE Y
nvcsw VCSW 5 RIGHT - AN noop N
nwchan WCHAN 6 RIGHT - TO noop N
oom OOM 4 RIGHT - TO OOM_SCORE Y
oomadj OOMADJ 5 RIGHT - TO OOM_ADJ Y
opri PRI 3 RIGHT - TO PRIORITY Y
osz SZ 2 RIGHT - PO noop N
oublk OUBLK 5 RIGHT - AN noop N
oublock OUBLK 5 RIGHT - AN noop N
ouid OWNER 5 LEFT - ET SD_OUID Y
p_ru P_RU 6 RIGHT - AN noop N
paddr PADDR 6 RIGHT - AN noop N
pagein PAGEIN 6 RIGHT - AN FLT_MAJ Y
pcpu %CPU 4 RIGHT - ET UTILIZATION Y
pending PENDING 9 SIGNAL - ET SIGNALS Y
pgid PGID 5 RIGHT Y PO ID_PGRP Y
pgrp PGRP 5 RIGHT Y PO ID_PGRP Y
pid PID 5 RIGHT Y PO ID_TGID Y
pidns PIDNS 10 RIGHT - ET NS_PID Y
pmem %MEM 4 RIGHT - PO VM_RSS Y
poip - 1 RIGHT - AN noop N
policy POL 3 LEFT - TO SCHED_CLASS Y
ppid PPID 5 RIGHT Y PO ID_PPID Y
pri PRI 3 RIGHT - TO PRIORITY Y
pri_api API 3 RIGHT - TO PRIORITY Y
pri_bar BAR 3 RIGHT - TO PRIORITY Y
pri_baz BAZ 3 RIGHT - TO PRIORITY Y
pri_foo FOO 3 RIGHT - TO PRIORITY Y
priority PRI 3 RIGHT - TO PRIORITY Y
prmgrp PRMGRP 12 RIGHT - PO noop N
prmid PRMID 12 RIGHT - PO noop N
project PROJECT 12 LEFT - PO noop N
projid PROJID 5 RIGHT - PO noop N
pset PSET 4 RIGHT - TO noop N
psr PSR 3 RIGHT - TO PROCESSOR Y
pss PSS 5 RIGHT - PO SMAP_PSS Y
psxpri PPR 3 RIGHT - TO noop N
rbytes RBYTES 5 RIGHT - TO IO_READ_BYTES Y
rchars RCHARS 5 RIGHT - TO IO_READ_CHARS Y
re RE 3 RIGHT - AN noop N
resident RES 5 RIGHT - PO MEM_RES_PGS N
rgid RGID 5 RIGHT - ET ID_RGID Y
rgroup RGROUP 8 USER - ET ID_RGROUP Y
rlink RLINK 8 RIGHT - AN noop N
rops ROPS 5 RIGHT - TO IO_READ_OPS Y
rss RSS 5 RIGHT - PO VM_RSS Y
rssize RSS 5 RIGHT - PO VM_RSS Y
rsz RSZ 5 RIGHT - PO VM_RSS Y
rtprio RTPRIO 6 RIGHT - TO PRIORITY_RT Y
ruid RUID 5 RIGHT - ET ID_RUID Y
ruser RUSER 8 USER - ET ID_RUSER Y
s S 1 LEFT - TO STATE Y
sched SCH 3 RIGHT - TO SCHED_CLASS Y
scnt SCNT 4 RIGHT - AN noop N
scount SC 4 RIGHT - AN noop N
seat SEAT 11 LEFT - ET SD_SEAT Y
sess SESS 5 RIGHT Y PO ID_SESSION Y
session SESS 5 RIGHT Y PO ID_SESSION Y
sgi_p P 1 RIGHT - TO STATE Y
sgi_rss RSS 4 LEFT - PO VM_RSS Y
sgid SGID 5 RIGHT - ET ID_SGID Y
sgroup SGROUP 8 USER - ET ID_SGROUP Y
share - 1 RIGHT - PO noop N
sid SID 5 RIGHT Y PO ID_SESSION Y
sig PENDING 9 SIGNAL - ET SIGNALS Y
sig_block BLOCKED 9 SIGNAL - TO SIGBLOCKED Y
sig_catch CATCHED 9 SIGNAL - TO SIGCATCH Y
sig_ignore IGNORED 9 SIGNAL - TO SIGIGNORE Y
sig_pend SIGNAL 9 SIGNAL - ET SIGNALS Y
sigcatch CAUGHT 9 SIGNAL - TO SIGCATCH Y
sigignore IGNORED 9 SIGNAL - TO SIGIGNORE Y
sigmask BLOCKED 9 SIGNAL - TO SIGBLOCKED Y
size SIZE 5 RIGHT - PO VSIZE_BYTES Y
sl SL 3 RIGHT - AN noop N
slice SLICE 31 LEFT - ET SD_SLICE Y
spid SPID 5 RIGHT Y TO ID_PID Y
stackp STACKP 16 RIGHT - PO ADDR_STACK_START Y
start STARTED 8 RIGHT - ET TICS_BEGAN Y
start_code S_CODE 16 RIGHT - PO ADDR_CODE_START N
start_stack STACKP 16 RIGHT - PO ADDR_STACK_START Y
start_time START 5 RIGHT - ET TICS_BEGAN Y
stat STAT 4 LEFT - TO STATE Y
state S 1 LEFT - TO STATE Y
status STATUS 6 RIGHT - AN noop N
stime STIME 5 RIGHT - ET TICS_BEGAN Y
suid SUID 5 RIGHT - ET ID_SUID Y
supgid SUPGID 20 UNLIMITED - PO SUPGIDS Y
supgrp SUPGRP 40 UNLIMITED - PO SUPGROUPS Y
suser SUSER 8 USER - ET ID_SUSER Y
svgid SVGID 5 RIGHT - ET ID_SGID Y
svgroup SVGROUP 8 USER - ET ID_SGROUP Y
svuid SVUID 5 RIGHT - ET ID_SUID Y
svuser SVUSER 8 USER - ET ID_SUSER Y
systime SYSTEM 6 RIGHT - ET noop N
sz SZ 5 RIGHT - PO VM_SIZE Y
taskid TASKID 5 RIGHT Y TO noop N
tdev TDEV 4 RIGHT - AN noop N
tgid TGID 5 RIGHT Y PO ID_TGID Y
thcount THCNT 5 RIGHT - PO NLWP Y
tid TID 5 RIGHT Y TO ID_PID Y
time TIME 8 RIGHT - ET TIME_ALL Y
timens TIMENS 10 RIGHT - ET NS_TIME Y
timeout TMOUT 5 RIGHT - AN noop N
times TIME 8 RIGHT - ET TIME_ALL Y
tmout TMOUT 5 RIGHT - AN noop N
tname TTY 8 LEFT - PO TTY_NAME Y
tpgid TPGID 5 RIGHT Y PO ID_TPGID Y
trs TRS 4 RIGHT - PO VSIZE_BYTES Y
trss TRSS 4 RIGHT - PO VSIZE_BYTES Y
tsess TSESS 5 RIGHT Y PO noop N
tsession TSESS 5 RIGHT Y PO noop N
tsid TSID 5 RIGHT Y PO noop N
tsig PENDING 9 SIGNAL - ET SIGPENDING Y
tsiz TSIZ 4 RIGHT - PO VSIZE_BYTES Y
tt TT 8 LEFT - PO TTY_NAME Y
tty TT 8 LEFT - PO TTY_NAME Y
tty4 TTY 4 LEFT - PO TTY_NAME Y
tty8 TTY 8 LEFT - PO TTY_NAME Y
u_procp UPROCP 6 RIGHT - AN noop N
ucmd CMD 15 UNLIMITED - PO CMD Y
ucomm COMMAND 15 UNLIMITED - PO CMD Y
uid UID 5 RIGHT - ET ID_EUID Y
uid_hack UID 8 USER - ET ID_EUSER Y
umask UMASK 5 RIGHT - AN noop N
uname USER 8 USER - ET ID_EUSER Y
unit UNIT 31 LEFT - ET SD_UNIT Y
upr UPR 3 RIGHT - TO noop N
uprocp UPROCP 8 RIGHT - AN noop N
user USER 8 USER - ET ID_EUSER Y
userns USERNS 10 RIGHT - ET NS_USER Y
usertime USER 4 RIGHT - ET noop N
usrpri UPR 3 RIGHT - TO noop N
uss USS 5 RIGHT - PO SMAP_PRV_TOTAL Y
util C 2 RIGHT - ET UTILIZATION Y
utime UTIME 6 RIGHT - ET TICS_USER N
utsns UTSNS 10 RIGHT - ET NS_UTS Y
uunit UUNIT 31 LEFT - ET SD_UUNIT Y
vm_data DATA 5 RIGHT - PO VM_DATA N
vm_exe EXE 5 RIGHT - PO VM_EXE N
vm_lib LIB 5 RIGHT - PO VM_LIB N
vm_lock LCK 3 RIGHT - PO VM_RSS_LOCKED N
vm_stack STACK 5 RIGHT - PO VM_STACK N
vsize VSZ 6 RIGHT - PO VSIZE_BYTES Y
vsz VSZ 6 RIGHT - PO VM_SIZE Y
wbytes WBYTES 5 RIGHT - TO IO_WRITE_BYTES Y
wcbytes WCBYTES 5 RIGHT - TO IO_WRITE_CBYTES Y
wchan WCHAN 6 WCHAN - TO WCHAN_NAME Y
wchars WCHARS 5 RIGHT - TO IO_WRITE_CHARS Y
wname WCHAN 6 WCHAN - TO WCHAN_NAME Y
wops WOPS 5 RIGHT - TO IO_WRITE_OPS Y
xstat XSTAT 5 RIGHT - AN noop N
zone ZONE 31 LEFT - ET ID_TGID Y
zoneid ZONEID 31 RIGHT - ET noop N
"""

B, CR, ST, SC, TT, MEM = Group.BASE, Group.CRED, Group.STAT, Group.SCHED, Group.TTY, Group.MEM
AD, VP = Group.ADDR, Group.VMPARTS

# formatter name -> (format, format_room or None, groups, command column)
_FORMATTERS: dict[str, tuple] = {
    "pcpu": (F.f_pcpu, None, ST | SC, False),
    "c": (F.f_c, None, ST | SC, False),
    "cp": (F.f_cp, None, ST | SC, False),
    "cuu": (F.f_cuu, None, ST | SC, False),
    "cuc": (F.f_cuc, None, ST | SC, False),
    "pmem": (F.f_pmem, None, MEM, False),
    "etime": (F.f_etime, None, SC, False),
    "etimes": (F.f_etimes, None, SC, False),
    "time": (F.f_time, None, ST, False),
    "times": (F.f_times, None, ST, False),
    "bsdtime": (F.f_bsdtime, None, ST, False),
    "start": (F.f_start, None, SC, False),
    "bsdstart": (F.f_bsdstart, None, SC, False),
    "lstart": (F.f_lstart, None, SC, False),
    "stime": (F.f_stime, None, SC, False),
    "vsz": (F.f_vsz, None, MEM, False),
    "rss": (F.f_rss, None, MEM, False),
    "sz": (F.f_sz, None, MEM, False),
    "size_bytes": (F.f_size_bytes, None, MEM, False),
    "swapable": (F.f_swapable, None, VP, False),
    "dsiz": (F.f_dsiz, None, MEM | AD, False),
    "tsiz": (F.f_tsiz, None, MEM | AD, False),
    "lim": (F.f_lim, None, AD, False),
    "minflt": (F.f_minflt, None, ST, False),
    "majflt": (F.f_majflt, None, ST, False),
    "stackp": (F.f_stackp, None, AD, False),
    "esp": (F.f_esp, None, AD, False),
    "eip": (F.f_eip, None, AD, False),
    "priority": (F.f_priority, None, SC, False),
    "opri": (F.f_opri, None, SC, False),
    "pri_foo": (F.f_pri_foo, None, SC, False),
    "pri_bar": (F.f_pri_bar, None, SC, False),
    "pri_baz": (F.f_pri_baz, None, SC, False),
    "pri": (F.f_pri, None, SC, False),
    "pri_api": (F.f_pri_api, None, SC, False),
    "nice": (F.f_nice, None, SC, False),
    "class": (F.f_class, None, SC, False),
    "rtprio": (F.f_rtprio, None, SC, False),
    "sched": (F.f_sched, None, SC, False),
    "psr": (F.f_psr, None, SC, False),
    "numa": (F.f_numa, None, SC, False),
    "sgi_p": (F.f_sgi_p, None, B | SC, False),
    "flag": (F.f_flag, None, SC, False),
    "stat": (F.f_stat, None, B | SC | MEM | ST | TT, False),
    "s": (F.f_s, None, B, False),
    "pid": (F.f_pid, None, B, False),
    "tid": (F.f_tid, None, B, False),
    "ppid": (F.f_ppid, None, B, False),
    "pgid": (F.f_pgid, None, B, False),
    "sess": (F.f_sess, None, B, False),
    "tpgid": (F.f_tpgid, None, TT, False),
    "nlwp": (F.f_nlwp, None, ST, False),
    "egid": (F._id("egid"), None, CR, False),
    "rgid": (F._id("rgid"), None, CR, False),
    "sgid": (F._id("sgid"), None, CR, False),
    "fgid": (F._id("fsgid"), None, CR, False),
    "euid": (F._id("euid"), None, CR, False),
    "ruid": (F._id("ruid"), None, CR, False),
    "suid": (F._id("suid"), None, CR, False),
    "fuid": (F._id("fsuid"), None, CR, False),
    "luid": (F.f_luid, None, Group.LOGIN, False),
    "euser": (F.f_euser, F.f_euser, CR, False),
    "ruser": (F.f_ruser, F.f_ruser, CR, False),
    "suser": (F.f_suser, F.f_suser, CR, False),
    "fuser": (F.f_fuser, F.f_fuser, CR, False),
    "egroup": (F.f_egroup, F.f_egroup, CR, False),
    "rgroup": (F.f_rgroup, F.f_rgroup, CR, False),
    "sgroup": (F.f_sgroup, F.f_sgroup, CR, False),
    "fgroup": (F.f_fgroup, F.f_fgroup, CR, False),
    "supgid": (F.f_supgid, F.f_supgid, Group.SUPGROUPS, False),
    "supgrp": (F.f_supgrp, F.f_supgrp, Group.SUPGROUPS, False),
    "tty8": (F.f_tty, None, TT, False),
    "tty4": (F.f_tty4, None, TT, False),
    "wchan": (F.f_wchan, F.f_wchan, Group.WCHAN, False),
    "sig": (F.f_sig, None, Group.SIGNALS, False),
    "tsig": (F.f_tsig, None, Group.SIGNALS, False),
    "sigmask": (F.f_sigmask, None, Group.SIGNALS, False),
    "sigignore": (F.f_sigignore, None, Group.SIGNALS, False),
    "sigcatch": (F.f_sigcatch, None, Group.SIGNALS, False),
    "args": (F.f_args, F.f_args, B | Group.CMDLINE, True),
    "comm": (F.f_comm, F.f_comm, B, True),
    "fname": (F.f_fname, F.f_fname, B, False),
    "cgroup": (F.f_cgroup, F.f_cgroup, Group.CGROUP, False),
    "cgname": (F.f_cgname, F.f_cgname, Group.CGROUP, False),
    "lxc": (F.f_lxc, None, Group.CGROUP, False),
    "exe": (F.f_exe, F.f_exe, Group.EXE, False),
    "context": (F.f_context, None, Group.LABEL, False),
    "oom": (F.f_oom, None, Group.OOM, False),
    "oomadj": (F.f_oomadj, None, Group.OOM, False),
    "agid": (F.f_agid, None, Group.AUTOGROUP, False),
    "agnice": (F.f_agnice, None, Group.AUTOGROUP, False),
    "pss": (F.f_pss, None, Group.SMAPS, False),
    "uss": (F.f_uss, None, Group.SMAPS, False),
    "t_left": (F._cycle(F._T_LEFT), None, Group.NONE, False),
    "t_left2": (F._cycle(F._T_LEFT2), None, Group.NONE, False),
    "t_right": (F._cycle(F._T_RIGHT), None, Group.NONE, False),
    "t_right2": (F._cycle(F._T_RIGHT2), None, Group.NONE, False),
    "t_unlimited": (F._cycle(F._T_UNLIMITED), F._cycle(F._T_UNLIMITED, True), Group.NONE, False),
    "t_unlimited2": (F._cycle(F._T_UNLIMITED2), F._cycle(F._T_UNLIMITED2, True), Group.NONE, False),
}
for _kind in ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"):
    _FORMATTERS["ns_" + _kind] = (F._ns(_kind), None, Group.NS, False)
for _key, _attr in (("rbytes", "read_bytes"), ("rchars", "rchar"), ("rops", "syscr"),
                    ("wbytes", "write_bytes"), ("wcbytes", "cancelled_write_bytes"),
                    ("wchars", "wchar"), ("wops", "syscw")):
    _FORMATTERS["io_" + _key] = (F._io(_attr), None, Group.IO, False)
for _key in ("unit", "session", "ouid", "machine", "uunit", "seat", "slice"):
    _FORMATTERS["sd_" + _key] = (F._sd(_key), None, Group.CGROUP, False)

# specifier -> formatter name (procps's pr_* function each name uses)
_USES = {
    "%cpu": "pcpu", "pcpu": "pcpu", "%mem": "pmem", "pmem": "pmem",
    "_left": "t_left", "_left2": "t_left2", "_right": "t_right", "_right2": "t_right2",
    "_unlimited": "t_unlimited", "_unlimited2": "t_unlimited2",
    "ag_id": "agid", "ag_nice": "agnice",
    "args": "args", "cmd": "args", "command": "args",
    "comm": "comm", "ucmd": "comm", "ucomm": "comm", "fname": "fname",
    "atime": "time", "cputime": "time", "time": "time", "cputimes": "times", "times": "times",
    "blocked": "sigmask", "sig_block": "sigmask", "sigmask": "sigmask",
    "caught": "sigcatch", "sig_catch": "sigcatch", "sigcatch": "sigcatch",
    "ignored": "sigignore", "sig_ignore": "sigignore", "sigignore": "sigignore",
    "pending": "sig", "sig": "sig", "sig_pend": "sig", "tsig": "tsig",
    "bsdstart": "bsdstart", "bsdtime": "bsdtime", "c": "c", "util": "c", "cp": "cp",
    "cuc": "cuc", "cuu": "cuu",
    "cgname": "cgname", "cgroup": "cgroup",
    "cgroupns": "ns_cgroup", "ipcns": "ns_ipc", "mntns": "ns_mnt", "netns": "ns_net",
    "pidns": "ns_pid", "timens": "ns_time", "userns": "ns_user", "utsns": "ns_uts",
    "class": "class", "cls": "class", "policy": "class", "sched": "sched",
    "context": "context", "label": "context", "zone": "context",
    "cpuid": "psr", "lastcpu": "psr", "psr": "psr", "numa": "numa", "sgi_p": "sgi_p",
    "drs": "dsiz", "m_drs": "dsiz", "dsiz": "dsiz",
    "trs": "tsiz", "trss": "tsiz", "m_trs": "tsiz", "tsiz": "tsiz",
    "m_size": "size_bytes", "size": "swapable", "sz": "sz", "vsz": "vsz", "vsize": "vsz",
    "rss": "rss", "rssize": "rss", "rsz": "rss", "sgi_rss": "rss", "lim": "lim",
    "egid": "egid", "gid": "egid", "rgid": "rgid", "sgid": "sgid", "svgid": "sgid",
    "fgid": "fgid", "fsgid": "fgid",
    "euid": "euid", "uid": "euid", "ruid": "ruid", "suid": "suid", "svuid": "suid",
    "fsuid": "fuid", "fuid": "fuid", "luid": "luid",
    "euser": "euser", "uid_hack": "euser", "uname": "euser", "user": "euser",
    "ruser": "ruser", "suser": "suser", "svuser": "suser", "fsuser": "fuser", "fuser": "fuser",
    "egroup": "egroup", "group": "egroup", "rgroup": "rgroup", "sgroup": "sgroup", "svgroup": "sgroup",
    "fgroup": "fgroup", "fsgroup": "fgroup",
    "eip": "eip", "esp": "esp", "stackp": "stackp", "start_stack": "stackp",
    "etime": "etime", "etimes": "etimes", "exe": "exe",
    "f": "flag", "flag": "flag", "flags": "flag",
    "intpri": "opri", "opri": "opri", "pri": "pri", "pri_api": "pri_api", "pri_bar": "pri_bar",
    "pri_baz": "pri_baz", "pri_foo": "pri_foo", "priority": "priority",
    "lsession": "sd_session", "machine": "sd_machine", "ouid": "sd_ouid", "seat": "sd_seat",
    "slice": "sd_slice", "unit": "sd_unit", "uunit": "sd_uunit",
    "lstart": "lstart", "start": "start", "start_time": "stime", "stime": "stime",
    "lwp": "tid", "spid": "tid", "tid": "tid", "pid": "pid", "tgid": "pid",
    "lxc": "lxc",
    "maj_flt": "majflt", "majflt": "majflt", "pagein": "majflt", "min_flt": "minflt", "minflt": "minflt",
    "ni": "nice", "nice": "nice", "rtprio": "rtprio",
    "nlwp": "nlwp", "thcount": "nlwp",
    "oom": "oom", "oomadj": "oomadj",
    "pgid": "pgid", "pgrp": "pgid", "ppid": "ppid", "tpgid": "tpgid",
    "sess": "sess", "session": "sess", "sid": "sess",
    "pss": "pss", "uss": "uss",
    "rbytes": "io_rbytes", "rchars": "io_rchars", "rops": "io_rops", "wbytes": "io_wbytes",
    "wcbytes": "io_wcbytes", "wchars": "io_wchars", "wops": "io_wops",
    "s": "s", "state": "s", "stat": "stat",
    "supgid": "supgid", "supgrp": "supgrp",
    "longtname": "tty8", "tname": "tty8", "tt": "tty8", "tty": "tty8", "tty8": "tty8", "tty4": "tty4",
    "wchan": "wchan", "wname": "wchan",
}

REGISTRY: dict[str, Column] = {}
"""Name (every name procps accepts, aliases included) -> Column."""


def _nop(task, ctx):
    return "-"


def _make_sort(item: str):
    fn = F.ITEM_VALUES.get(item)
    return fn


def _build() -> None:
    by_formatter: dict[str, list[str]] = {}
    for name, fname in _USES.items():
        by_formatter.setdefault(fname, []).append(name)
    for line in _TABLE.splitlines():
        name, header, width, align, pidmax, scope, item, printable = line.split(" ")
        item_full = "PIDS_" + item
        sort = _make_sort(item_full) if item != "noop" else None
        if printable == "Y":
            fname = _USES[name]
            fmt, room, groups, command = _FORMATTERS[fname]
            aliases = tuple(n for n in by_formatter[fname] if n != name)
        else:
            fmt, room, groups, command, aliases = _nop, None, Group.NONE, False, ()
        if sort is not None:
            groups |= _ITEM_GROUPS.get(item, Group.NONE)
        REGISTRY[name] = Column(
            name=name, header=header, width=int(width), align=align, groups=groups,
            format=fmt, sort_key=sort, aliases=aliases, pidmax=pidmax == "Y",
            printable=printable == "Y", command=command, scope=scope, sort_item=item,
            format_room=room,
        )


# Groups the sort value of a library item reads (for names whose formatter reads others,
# and for the non-printable names procps can still sort by).
_ITEM_GROUPS = {
    "UTILIZATION": ST | SC, "UTILIZATION_C": ST | SC, "VM_RSS": MEM, "VM_SIZE": MEM,
    "VSIZE_BYTES": MEM, "TICS_BEGAN": SC, "TICS_ALL": ST, "TICS_USER_C": ST, "TIME_ALL": ST,
    "TIME_ELAPSED": SC, "TICS_USER": ST, "ID_TGID": B, "ID_PID": B, "ID_PPID": B, "ID_PGRP": B,
    "ID_SESSION": B, "ID_TPGID": TT, "ID_LOGIN": Group.LOGIN, "FLAGS": SC, "NICE": SC,
    "PRIORITY": SC, "PRIORITY_RT": SC, "SCHED_CLASS": SC, "PROCESSOR": SC, "PROCESSOR_NODE": SC,
    "STATE": B, "NLWP": ST, "FLT_MAJ": ST, "FLT_MIN": ST, "RSS_RLIM": AD,
    "ADDR_CURR_EIP": AD, "ADDR_CURR_ESP": AD, "ADDR_STACK_START": AD, "ADDR_CODE_END": AD,
    "ADDR_CODE_START": AD, "SIGNALS": Group.SIGNALS, "SIGPENDING": Group.SIGNALS,
    "SIGBLOCKED": Group.SIGNALS, "SIGIGNORE": Group.SIGNALS, "SIGCATCH": Group.SIGNALS,
    "TTY_NAME": TT, "WCHAN_NAME": Group.WCHAN, "CMD": B, "CMDLINE": B | Group.CMDLINE,
    "CGROUP": Group.CGROUP, "CGNAME": Group.CGROUP, "EXE": Group.EXE, "SUPGIDS": Group.SUPGROUPS,
    "SUPGROUPS": Group.SUPGROUPS, "OOM_SCORE": Group.OOM, "OOM_ADJ": Group.OOM,
    "AUTOGRP_ID": Group.AUTOGROUP, "AUTOGRP_NICE": Group.AUTOGROUP, "SMAP_PSS": Group.SMAPS,
    "SMAP_PRV_TOTAL": Group.SMAPS, "LXCNAME": Group.CGROUP, "VM_DATA": VP, "VM_EXE": VP,
    "VM_LIB": VP, "VM_STACK": VP, "VM_RSS_LOCKED": MEM, "MEM_RES_PGS": Group.STATM,
    "MEM_SHR_PGS": Group.STATM,
}
for _k in ("ID_EUID", "ID_RUID", "ID_SUID", "ID_FUID", "ID_EGID", "ID_RGID", "ID_SGID", "ID_FGID",
           "ID_EUSER", "ID_RUSER", "ID_SUSER", "ID_FUSER", "ID_EGROUP", "ID_RGROUP", "ID_SGROUP",
           "ID_FGROUP"):
    _ITEM_GROUPS[_k] = CR
for _k in ("READ_BYTES", "READ_CHARS", "READ_OPS", "WRITE_BYTES", "WRITE_CBYTES", "WRITE_CHARS",
           "WRITE_OPS"):
    _ITEM_GROUPS["IO_" + _k] = Group.IO
for _k in ("CGROUP", "IPC", "MNT", "NET", "PID", "TIME", "USER", "UTS"):
    _ITEM_GROUPS["NS_" + _k] = Group.NS
for _k in ("UNIT", "SESS", "OUID", "MACH", "UUNIT", "SEAT", "SLICE"):
    _ITEM_GROUPS["SD_" + _k] = Group.CGROUP

_build()


def lookup(name: str) -> Column | None:
    """The column for a specifier or alias, or None when ps would reject it."""
    return REGISTRY.get(name)


SELECTION_GROUPS: dict[str, Group] = {
    "pid": Group.BASE,
    "ppid": Group.BASE,
    "sid": Group.BASE,
    "pgid": Group.BASE,
    "tty": Group.TTY,
    "euid": Group.CRED,
    "ruid": Group.CRED,
    "suid": Group.CRED,
    "fsuid": Group.CRED,
    "egid": Group.CRED,
    "rgid": Group.CRED,
    "sgid": Group.CRED,
    "fsgid": Group.CRED,
    "comm": Group.BASE,
    "sess_or_egid": Group.BASE | Group.CRED,
    "quick": Group.BASE,
}
"""Data groups each Selection.kind reads (ruid/euid need status; tty needs stat's tty_nr)."""


def selection_groups(query: Any) -> Group:
    """Groups the query's selection reads, including procps's implicit filters
    (without BSD a / -e: own euid and a tty; BSD r: the state)."""
    groups = Group.BASE
    for sel in getattr(query, "selections", ()):
        groups |= SELECTION_GROUPS.get(sel.kind, Group.BASE | Group.CRED | Group.TTY)
    if not getattr(query, "all_tasks", False):
        # the default selection compares euid and tty with ps's own; -a/-d look at sessions and ttys
        groups |= Group.CRED | Group.TTY
    return groups


def groups_for(query: Any) -> Group:
    """Union of the groups a query's columns, sort keys and selection read."""
    groups = selection_groups(query)
    command = False
    for request in query.columns:
        column = lookup(request.spec)
        if column is not None:
            groups |= column.groups
            command = command or column.command
    for key in query.sort_keys:
        column = lookup(key.spec)
        if column is not None:
            groups |= column.groups
    if command and getattr(query, "bsd_e", False):
        groups |= Group.ENVIRON
    if getattr(query, "threads", "") and any(
        (lookup(r.spec) is not None and lookup(r.spec).name == "stat") for r in query.columns
    ):
        groups |= Group.STAT
    return groups
