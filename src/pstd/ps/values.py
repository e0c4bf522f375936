"""Typed values of the columns: what a column sorts by and what machine output carries.

One function per procps library item a ps specifier sorts by, ``value(task, ctx)``:
numbers stay numbers (ticks, kB, ids), names and command texts are the text
procps compares.  Column definitions in :mod:`pstd.ps.columns` name these
functions; several specifiers share one (``pcpu``, ``c`` and ``cp`` all sort by
utilization).  The function is also the item's identity: procps sorts by an item
only when some printer of the run fetched it (see ``Column.fetches``).
"""

from __future__ import annotations

from pstd.ps import formats as F
from pstd.ps import names as N

_z = F._z


def _num(name):
    def value(t, c):
        v = getattr(t, name)
        return 0 if v is None else v
    value.__name__ = name
    return value


# --- times and utilization
def utilization(t, c):
    return F.utilization(t, c)


def utilization_c(t, c):
    return F.utilization(t, c, True)


def tics_all(t, c):
    return _z(t.utime) + _z(t.stime)


def tics_user_c(t, c):
    return _z(t.utime) + _z(t.cutime)


def time_all(t, c):
    return (float(_z(t.utime)) + _z(t.stime)) / c.clock_ticks


def time_elapsed(t, c):
    return F.elapsed_real(t, c)


tics_began = _num("start_time")
tics_user = _num("utime")


# --- memory
def vm_rss(t, c):
    return F.rss_kb(t, c)


def vm_size(t, c):
    return F.vsz_kb(t, c)


def vsize_bytes(t, c):
    return _z(t.vsize)


def smap_prv_total(t, c):
    return _z(t.private_clean_kb) + _z(t.private_dirty_kb)


smap_pss = _num("pss_kb")
vm_data = _num("vm_data_kb")
vm_exe = _num("vm_exe_kb")
vm_lib = _num("vm_lib_kb")
vm_stack = _num("vm_stk_kb")
vm_rss_locked = _num("vm_lck_kb")
mem_res_pgs = _num("resident_pages")
mem_shr_pgs = _num("shared_pages")
rss_rlim = _num("rsslim")
flt_maj = _num("majflt")
flt_min = _num("minflt")
addr_curr_eip = _num("kstk_eip")
addr_curr_esp = _num("kstk_esp")
addr_stack_start = _num("start_stack")
addr_code_end = _num("end_code")
addr_code_start = _num("start_code")


# --- ids and names
def id_tgid(t, c):
    return t.pid


def id_pid(t, c):
    return t.tid


id_ppid = _num("ppid")
id_pgrp = _num("pgid")
id_session = _num("sid")
id_tpgid = _num("tpgid")
id_euid = _num("euid")
id_ruid = _num("ruid")
id_suid = _num("suid")
id_fuid = _num("fsuid")
id_egid = _num("egid")
id_rgid = _num("rgid")
id_sgid = _num("sgid")
id_fgid = _num("fsgid")


def id_euser(t, c):
    return N.user_name(_z(t.euid))


def id_ruser(t, c):
    return N.user_name(_z(t.ruid))


def id_suser(t, c):
    return N.user_name(_z(t.suid))


def id_fuser(t, c):
    return N.user_name(_z(t.fsuid))


def id_egroup(t, c):
    return N.group_name(_z(t.egid))


def id_rgroup(t, c):
    return N.group_name(_z(t.rgid))


def id_sgroup(t, c):
    return N.group_name(_z(t.sgid))


def id_fgroup(t, c):
    return N.group_name(_z(t.fsgid))


def id_login(t, c):
    return F._signed32(t.loginuid if t.loginuid is not None else -1)


def supgids(t, c):
    return F.supgid_text(t)


def supgroups(t, c):
    return F.supgrp_text(t)


# --- scheduling and state
flags = _num("flags")
nice = _num("nice")
priority = _num("priority")
priority_rt = _num("rtprio")
processor = _num("processor")
oom_score = _num("oom_score")
oom_adj = _num("oom_adj")
autogrp_nice = _num("autogroup_nice")


def sched_class(t, c):
    return F._policy(t)


def processor_node(t, c):
    return int(F.f_numa(t, c))


def state(t, c):
    return t.state or ""


def nlwp(t, c):
    return t.nlwp or 1


def autogrp_id(t, c):
    return -1 if t.autogroup_id is None else t.autogroup_id


# --- signals, terminal, wait channel
def signals(t, c):
    return _z(F.pending_mask(t))


def sigpending(t, c):
    return _z(t.sig_pending)


def sigblocked(t, c):
    return _z(t.sig_blocked)


def sigignore(t, c):
    return _z(t.sig_ignored)


def sigcatch(t, c):
    return _z(t.sig_caught)


def tty_name(t, c):
    return F.f_tty(t, c)


def wchan_name(t, c):
    return F.wchan_text(t)


# --- command, cgroup, executable
def cmd(t, c):
    return F.cmd_text(t, c)


def cmdline(t, c):
    return F.cmdline_text(t, c)


def cgroup(t, c):
    return F.cgroup_text(t, c)


def cgname(t, c):
    return F.cgname_text(t, c)


def exe(t, c):
    return F.exe_text(t, c)


def lxcname(t, c):
    return F.f_lxc(t, c)


# --- per-kind tables: io counters, namespaces, systemd
def _io(key):
    def value(t, c):
        return (t.io or {}).get(key, 0)
    return value


def _ns(kind):
    def value(t, c):
        return (t.ns or {}).get(kind, 0)
    return value


def _sd(key):
    def value(t, c):
        return F.sd_values(t)[key]
    return value


io_read_bytes, io_read_chars, io_read_ops = _io("read_bytes"), _io("rchar"), _io("syscr")
io_write_bytes, io_write_cbytes = _io("write_bytes"), _io("cancelled_write_bytes")
io_write_chars, io_write_ops = _io("wchar"), _io("syscw")
ns_cgroup, ns_ipc, ns_mnt, ns_net = _ns("cgroup"), _ns("ipc"), _ns("mnt"), _ns("net")
ns_pid, ns_time, ns_user, ns_uts = _ns("pid"), _ns("time"), _ns("user"), _ns("uts")
sd_unit, sd_sess, sd_ouid, sd_mach = _sd("unit"), _sd("session"), _sd("ouid"), _sd("machine")
sd_uunit, sd_seat, sd_slice = _sd("uunit"), _sd("seat"), _sd("slice")
