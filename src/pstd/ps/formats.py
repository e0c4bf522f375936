"""Cell formatters for every printable ps specifier.

Each formatter is ``f(task, ctx) -> str``; formatters whose text depends on the
room the renderer gives the cell (user names, wchan, command and other
unlimited text) also have a ``f_room(task, ctx, room) -> str`` variant.  The
arithmetic follows procps 4.0.2 (ps/output.c and library/pids.c): integer
per-mille %CPU from the elapsed time as a double, times truncated to whole
seconds, ctime()/strftime() start times, hexadecimal signal masks, ...

Sort values (procps's library items) are in :mod:`pstd.ps.values`.
"""

from __future__ import annotations

import struct
import time as _time

from pstd.ps import names as _names
from pstd.ps.escape import _PRINTABLE_ASCII, lib_escape, out_escape

BIG_ROOM = 2 * 64 * 1024 - 1
"""procps's OUTBUF_SIZE - 1: the room of a cell nobody limits."""

PF_KTHREAD = 0x00200000
RLIM_INFINITY = (1 << 64) - 1
_U64 = (1 << 64) - 1


def _z(v):
    return 0 if v is None else v


def decimal(attr: str):
    """Mark a formatter that prints ``task.<attr>`` as ``str(v)`` for every int ``v >= 0``.

    The renderer may then print a whole line of such columns with one %-format
    (``"%5d %5d" % (t.pid, t.ppid)``) and falls back to the formatter for a row with
    anything else (None, a negative number).  tests/test_formats.py holds each mark to it."""
    def mark(fn):
        fn.decimal = attr
        return fn
    return mark


# --------------------------------------------------------------------------- times

def boot_tics(ctx) -> int:
    v = ctx.extra.get("_boot_tics")
    if v is None:
        v = int(ctx.uptime * ctx.clock_ticks)
        ctx.extra["_boot_tics"] = v
    return v


def elapsed_real(t, ctx) -> float:
    """library TIME_ELAPSED: (boot_tics - start_time) / Hertz as a double, 0 unless positive."""
    d = (boot_tics(ctx) - _z(t.start_time)) & _U64
    if d > 0:
        return d / ctx.clock_ticks
    return 0.0


def tics_all(t, ctx) -> int:
    v = _z(t.utime) + _z(t.stime)
    if ctx.cumulative:
        v += _z(t.cutime) + _z(t.cstime)
    return v


def _pcpu_permille(t, ctx, scale=1000):
    jiffies = int(elapsed_real(t, ctx) * ctx.clock_ticks)
    if jiffies:
        return (tics_all(t, ctx) * scale // jiffies) & 0xFFFFFFFF
    return 0


def f_pcpu(t, ctx):
    # _pcpu_permille inlined (one call per row instead of six), the same arithmetic
    v = (t.utime or 0) + (t.stime or 0)
    if ctx.cumulative:
        v += (t.cutime or 0) + (t.cstime or 0)
    if not v:  # most tasks of a large listing: no ticks, 0.0 whatever their age
        return "0.0"
    hz = ctx.clock_ticks
    boot = ctx.extra.get("_boot_tics")
    if boot is None:
        boot = boot_tics(ctx)
    d = (boot - (t.start_time or 0)) & _U64
    jiffies = int((d / hz if d > 0 else 0.0) * hz)
    p = (v * 1000 // jiffies) & 0xFFFFFFFF if jiffies else 0
    if p > 999:
        return str(p // 10)
    return f"{p // 10}.{p % 10}"


def f_c(t, ctx):
    p = _pcpu_permille(t, ctx, 100)
    if p > 99:
        p = 99
    return "%2u" % p


def f_cp(t, ctx):
    p = _pcpu_permille(t, ctx)
    if p > 999:
        p = 999
    return "%3u" % p


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def utilization(t, ctx, children=False) -> float:
    """library UTILIZATION(_C): ticks * 100.0f (single precision) / elapsed ticks."""
    d = (boot_tics(ctx) - _z(t.start_time)) & _U64
    if d <= 0:
        return 0.0
    ticks = _z(t.utime) + _z(t.stime)
    if children:
        ticks += _z(t.cutime) + _z(t.cstime)
    return _f32(_f32(float(ticks)) * 100.0) / float(d)


def f_cuu(t, ctx):
    cu = utilization(t, ctx)
    if cu > 99.0:
        cu = 99.999
    return "%#.3f" % cu


def f_cuc(t, ctx):
    cu = utilization(t, ctx, True)
    if cu > 99.0:
        cu = 99.999
    return "%#.3f" % cu


def _dhms(s: int) -> tuple[int, int, int, int]:
    """Whole seconds as (days, hours, minutes, seconds)."""
    s, ss = divmod(s, 60)
    s, mm = divmod(s, 60)
    dd, hh = divmod(s, 24)
    return dd, hh, mm, ss


def f_etime(t, ctx):
    dd, hh, mm, ss = _dhms(int(elapsed_real(t, ctx)))
    if dd:
        return "%u-%02u:%02u:%02u" % (dd, hh, mm, ss)
    if hh:
        return "%02u:%02u:%02u" % (hh, mm, ss)
    return "%02u:%02u" % (mm, ss)


def f_etimes(t, ctx):
    return str(int(elapsed_real(t, ctx)) & 0xFFFFFFFF)


def time_all(t, ctx) -> int:
    """library TIME_ALL truncated: whole cpu seconds (never counts dead children)."""
    return int((float(_z(t.utime)) + _z(t.stime)) / ctx.clock_ticks)


def f_time(t, ctx):
    dd, hh, mm, ss = _dhms(time_all(t, ctx))
    if dd:
        return "%u-%02u:%02u:%02u" % (dd, hh, mm, ss)
    return "%02u:%02u:%02u" % (hh, mm, ss)


def f_times(t, ctx):
    return str(time_all(t, ctx))


def f_bsdtime(t, ctx):
    # tics_all inlined: one call per row of aux instead of four
    v = (t.utime or 0) + (t.stime or 0)
    if ctx.cumulative:
        v += (t.cutime or 0) + (t.cstime or 0)
    u = (v // ctx.clock_ticks) & 0xFFFFFFFF
    if u < 3600:  # a pure function of u: the texts of the first hour are made once
        s = _BSDTIME.get(u)
        if s is None:
            s = _BSDTIME[u] = "%3u:%02u" % (u // 60, u % 60)
        return s
    return "%3u:%02u" % (u // 60, u % 60)


_BSDTIME: dict = {}


def start_epoch(t, ctx) -> int:
    return int(ctx.boot_time) + _z(t.start_time) // ctx.clock_ticks


def _ctime(sec: int) -> str:
    return _time.strftime("%a %b %e %H:%M:%S %Y", _time.localtime(sec))


def _per_second(ctx, slot, st, make):
    """Text that depends only on a start second (ctx.now is fixed for the run): tasks started together share it."""
    memo = ctx.extra.get(slot)
    if memo is None:
        memo = ctx.extra[slot] = {}
    s = memo.get(st)
    if s is None:
        s = memo[st] = make(st, ctx)
    return s


def f_start(t, ctx):
    return _per_second(ctx, "_start_memo", start_epoch(t, ctx), _start_text)


def _start_text(st, ctx):
    s = _ctime(st)
    if st + 86400 > int(ctx.now):
        return s[11:19]
    s = s[4:8] + s[8:10].replace(" ", "0")
    return "  " + s


def f_bsdstart(t, ctx):
    st = start_epoch(t, ctx)
    s = _ctime(st)
    if int(ctx.now) - st > 86400:
        return s[4:10]
    return s[10:16]


def f_lstart(t, ctx):
    return _ctime(start_epoch(t, ctx))


def f_stime(t, ctx):
    # memo by the start in ticks as read (tasks started together share it), then by the second
    tics = t.start_time
    memo = ctx.extra.get("_stime_tics")
    if memo is None:
        memo = ctx.extra["_stime_tics"] = {}
    s = memo.get(tics)
    if s is None:
        st = int(ctx.boot_time) + (tics or 0) // ctx.clock_ticks
        s = memo[tics] = _per_second(ctx, "_stime_memo", st, _stime_text)
    return s


def _stime_text(st, ctx):
    ours = ctx.extra.get("_now_tm")
    if ours is None:
        ours = _time.localtime(int(ctx.now))
        ctx.extra["_now_tm"] = ours
    tm = _time.localtime(st)
    if tm.tm_year != ours.tm_year:
        return _time.strftime("%Y", tm)
    if tm.tm_yday != ours.tm_yday:
        return _time.strftime("%b%d", tm)
    return _time.strftime("%H:%M", tm)


# --------------------------------------------------------------------------- memory

def rss_kb(t, ctx) -> int:
    """VmRSS in kB (stat's rss in pages serves the same number)."""
    if t.vm_rss_kb is not None:
        return t.vm_rss_kb
    return _z(t.rss_pages) * (ctx.page_size // 1024)


def vsz_kb(t, ctx) -> int:
    if t.vm_size_kb is not None:
        return t.vm_size_kb
    return _z(t.vsize) >> 10


def f_vsz(t, ctx):
    v = t.vm_size_kb
    return str(v) if v is not None else str(vsz_kb(t, ctx))


def f_rss(t, ctx):
    v = t.vm_rss_kb
    return str(v) if v is not None else str(rss_kb(t, ctx))


def f_sz(t, ctx):
    return str(vsz_kb(t, ctx) // (ctx.page_size // 1024))


@decimal('vsize')
def f_size_bytes(t, ctx):
    return str(_z(t.vsize))


def f_swapable(t, ctx):
    return str(_z(t.vm_data_kb) + _z(t.vm_stk_kb))


def _data_kb(t):
    v = _z(t.vsize)
    if not v:
        return 0
    return ((v - _z(t.end_code) + _z(t.start_code)) & _U64) >> 10


def _text_kb(t):
    if not _z(t.vsize):
        return 0
    return ((_z(t.end_code) - _z(t.start_code)) & _U64) >> 10


def _signed64(v):
    return v - (1 << 64) if v >= (1 << 63) else v


def f_dsiz(t, ctx):
    return str(_signed64(_data_kb(t)))


def f_tsiz(t, ctx):
    return str(_signed64(_text_kb(t)))


def f_pmem(t, ctx):
    total = ctx.mem_total_kb or 1
    r = t.vm_rss_kb
    p = (r if r is not None else rss_kb(t, ctx)) * 1000 // total
    if not p:
        return " 0.0"
    if p > 999:
        p = 999
    return "%2u.%u" % (p // 10, p % 10)


def f_lim(t, ctx):
    v = _z(t.rsslim)
    if v == RLIM_INFINITY:
        return "xx"
    return "%5u" % (v >> 10)


def f_minflt(t, ctx):
    v = _z(t.minflt)
    if ctx.cumulative:
        v += _z(t.cminflt)
    return str(v)


def f_majflt(t, ctx):
    v = _z(t.majflt)
    if ctx.cumulative:
        v += _z(t.cmajflt)
    return str(v)


def _hex16(v):
    return "%016x" % _z(v)


def f_stackp(t, ctx):
    return _hex16(t.start_stack)


def f_esp(t, ctx):
    return _hex16(t.kstk_esp)


def f_eip(t, ctx):
    return _hex16(t.kstk_eip)


# --------------------------------------------------------------------------- scheduling

def _int(name):
    def f(t, ctx):
        return str(_z(getattr(t, name)))
    f.__name__ = "f_" + name
    return f


@decimal('priority')
def f_priority(t, ctx):
    return str(_z(t.priority))


def f_opri(t, ctx):
    return str(60 + _z(t.priority))


def f_pri_foo(t, ctx):
    return str(_z(t.priority) - 20)


def f_pri_bar(t, ctx):
    return str(_z(t.priority) + 1)


def f_pri_baz(t, ctx):
    return str(_z(t.priority) + 100)


def f_pri(t, ctx):
    return str(39 - _z(t.priority))


def f_pri_api(t, ctx):
    return str(-1 - _z(t.priority))


def _policy(t):
    p = t.policy
    return -1 if p is None else p


def f_nice(t, ctx):
    p = _policy(t)
    if p != 0 and p != 3 and p != -1:
        return "-"
    return str(_z(t.nice))


_CLASSES = {-1: "-", 0: "TS", 1: "FF", 2: "RR", 3: "B", 4: "ISO", 5: "IDL", 6: "DLN", 7: "#7", 8: "#8", 9: "#9"}


def f_class(t, ctx):
    return _CLASSES.get(_policy(t), "?")


def f_rtprio(t, ctx):
    p = _policy(t)
    if p == 0 or p == -1:
        return "-"
    return str(_z(t.rtprio))


def f_sched(t, ctx):
    p = _policy(t)
    if p == -1:
        return "-"
    return str(p)


@decimal('processor')
def f_psr(t, ctx):
    return str(_z(t.processor))


def f_numa(t, ctx):
    node = ctx.extra.get("_cpu_nodes")
    if node is None:
        node = _cpu_nodes()
        ctx.extra["_cpu_nodes"] = node
    return str(node.get(_z(t.processor), -1) if node else -1)


def _cpu_nodes():
    """cpu -> NUMA node from sysfs, or {} when unknown (procps prints -1 without libnuma)."""
    import os

    out = {}
    base = "/sys/devices/system/node"
    try:
        entries = os.listdir(base)
    except OSError:
        return out
    for e in entries:
        if not e.startswith("node") or not e[4:].isdigit():
            continue
        try:
            for c in os.listdir(f"{base}/{e}"):
                if c.startswith("cpu") and c[3:].isdigit():
                    out[int(c[3:])] = int(e[4:])
        except OSError:
            pass
    return out


def f_sgi_p(t, ctx):
    if t.state == "R":
        return str(_z(t.processor) & 0xFFFFFFFF)
    return "*"


def f_flag(t, ctx):
    return "%o" % ((_z(t.flags) >> 6) & 7)


def f_stat(t, ctx):
    s = t.state or "?"
    nice = t.nice
    if nice:
        s += "<" if nice < 0 else "N"
    if t.vm_lck_kb:
        s += "L"
    pid = t.pid
    if t.sid == pid:
        s += "s"
    nlwp = t.nlwp
    if nlwp is not None and nlwp > 1:
        s += "l"
    if t.pgid == t.tpgid:
        s += "+"
    return s


def f_s(t, ctx):
    return t.state or "?"


# --------------------------------------------------------------------------- ids and names

@decimal('pid')
def f_pid(t, ctx):
    return str(t.pid)


@decimal('tid')
def f_tid(t, ctx):
    return str(t.tid)


@decimal('ppid')
def f_ppid(t, ctx):
    return str(_z(t.ppid) & 0xFFFFFFFF)


@decimal('pgid')
def f_pgid(t, ctx):
    return str(_z(t.pgid) & 0xFFFFFFFF)


@decimal('sid')
def f_sess(t, ctx):
    return str(_z(t.sid))


@decimal('tpgid')
def f_tpgid(t, ctx):
    return str(_z(t.tpgid))


def f_nlwp(t, ctx):
    return str(t.nlwp or 1)


def _signed32(v):
    v = _z(v) & 0xFFFFFFFF
    return v - (1 << 32) if v >= (1 << 31) else v


def _id(name):
    def f(t, ctx):
        return str(_signed32(getattr(t, name)))
    f.__name__ = "f_" + name
    return f


def f_luid(t, ctx):
    v = t.loginuid
    if v is None or _signed32(v) == -1:
        return "-"
    return str(_signed32(v))


def _name_fit(name: str, number: int, ctx, room: int) -> str:
    """procps do_pr_name: the name if it fits the room, else cut with '+', else the number."""
    if ctx.bsd_n:
        return str(number)
    cells = len(name) if name.isascii() else None
    if cells is None:
        text, cells = out_escape(name.encode("utf-8", "surrogateescape"), ctx.utf8, BIG_ROOM)
        name = text
    if cells <= room:
        return name
    if room >= 1:
        raw = name.encode("utf-8", "surrogateescape")
        if raw[room - 1] < 127:
            return raw[:room - 1].decode("utf-8", "replace") + "+"
    return str(number)


def _user(idname, lookup, cache):
    def f(t, ctx, room=BIG_ROOM):
        n = getattr(t, idname)
        n = 0 if n is None else n & 0xFFFFFFFF
        if ctx.bsd_n:
            return str(n)
        name = cache.get(n)  # the lookup's own cache, read here first: one call less a row
        if name is None:
            name = lookup(n)
        if len(name) <= room and name.isascii():
            return name
        return _name_fit(name, n, ctx, room)
    f.__name__ = "f_" + idname + "_name"
    return f


f_euser = _user("euid", _names.user_name, _names.user_names)
f_ruser = _user("ruid", _names.user_name, _names.user_names)
f_suser = _user("suid", _names.user_name, _names.user_names)
f_fuser = _user("fsuid", _names.user_name, _names.user_names)
f_egroup = _user("egid", _names.group_name, _names.group_names)
f_rgroup = _user("rgid", _names.group_name, _names.group_names)
f_sgroup = _user("sgid", _names.group_name, _names.group_names)
f_fgroup = _user("fsgid", _names.group_name, _names.group_names)


def supgid_text(t) -> str:
    g = t.supgids
    if not g:
        return "-"
    return ",".join(str(x) for x in g)


def supgrp_text(t) -> str:
    g = t.supgids
    if not g:
        return "-"
    return ",".join(_names.group_name(x) for x in g)


def f_supgid(t, ctx, room=BIG_ROOM):
    s = supgid_text(t)
    return s[:room]


def f_supgrp(t, ctx, room=BIG_ROOM):
    return out_escape(supgrp_text(t).encode("utf-8", "surrogateescape"), ctx.utf8, room)[0]


# --------------------------------------------------------------------------- terminal, wchan, signals

def f_tty(t, ctx):
    name = _names.tty_names.get(t.tty or 0)  # tty_name's cache, looked up here first: one call less a row
    return name if name is not None else _names.tty_name(_z(t.tty), t.tid, ctx.proc)


def f_tty4(t, ctx):
    return _names.tty4_name(_z(t.tty), t.tid, ctx.proc)


def wchan_text(t) -> str:
    """procps's wchan text from the raw kernel symbol: '?' unreadable, '-' not waiting."""
    w = t.wchan
    if w is None:
        return "?"
    if not w:
        return "-"
    # procps reads at most 63 bytes and drops a leading '.' and any leading '_'
    w = w[:63]
    if w[:1] == ".":
        w = w[1:]
    return w.lstrip("_")


def f_wchan(t, ctx, room=BIG_ROOM):
    w = wchan_text(t)
    if len(w) > room:
        w = w[:room]
    return w


def sig_text(mask) -> str:
    """A mask as /proc/PID/status prints it (16 hex digits); '' when not read."""
    if mask is None:
        return ""
    return "%016x" % mask


def _sig(mask, ctx) -> str:
    if mask is None:
        return "00000000"
    if ctx.wide_signals:
        return "%016x" % mask
    if mask > 0xFFFFFFFF:
        return "<%08x" % (mask & 0xFFFFFFFF)
    return "%08x" % mask


def pending_mask(t):
    # procps: process-wide pending (ShdPnd) for rows read from /proc/PID, SigPnd for other threads
    if t.tid == t.pid and t.sig_shared is not None:
        return t.sig_shared
    return t.sig_pending


def f_sig(t, ctx):
    return _sig(pending_mask(t), ctx)


def f_tsig(t, ctx):
    return _sig(t.sig_pending, ctx)


def f_sigmask(t, ctx):
    return _sig(t.sig_blocked, ctx)


def f_sigignore(t, ctx):
    return _sig(t.sig_ignored, ctx)


def f_sigcatch(t, ctx):
    return _sig(t.sig_caught, ctx)


# --------------------------------------------------------------------------- command text

def comm_bytes(t) -> bytes:
    c = t.comm
    if c is None:
        return b""
    if isinstance(c, bytes):
        return c
    return c.encode("utf-8", "surrogateescape")


def cmd_text(t, ctx) -> bytes:
    """library CMD: comm as escaped by libproc2."""
    return lib_escape(comm_bytes(t), ctx.utf8)


def cmdline_text(t, ctx) -> bytes:
    """library CMDLINE: the argument vector joined by spaces, or "[comm]" / "[comm] <defunct>"."""
    raw = t.cmdline
    if raw:
        conv = unvector(raw)
        if conv:
            return lib_escape(conv, ctx.utf8)
    text = b"[" + lib_escape(comm_bytes(t), ctx.utf8) + b"]"
    if t.state == "Z":
        text += b" <defunct>"
    return text


def unvector(raw: bytes) -> bytes:
    """procps read_unvectored: NULs and newlines become spaces, trailing NULs go, a final space goes."""
    if len(raw) > 131071:
        raw = raw[:131071]
    stripped = raw.rstrip(b"\0")
    if not stripped:
        return b""
    conv = stripped.replace(b"\0", b" ").replace(b"\n", b" ")
    if raw[-1:] in (b" ", b"\n"):
        conv = conv[:-1]
    return conv


def environ_text(t, ctx) -> bytes:
    raw = t.environ
    if raw:
        conv = unvector(raw)
        if conv:
            return lib_escape(conv, ctx.utf8)
    return b"-"


def _with_env(text: bytes, t, ctx, room: int) -> str:
    out, used = out_escape(text, ctx.utf8, room)
    if ctx.bsd_e and room - used > 1:
        env = environ_text(t, ctx)
        if env != b"-":
            more, _ = out_escape(env, ctx.utf8, room - used - 1)
            out = out + " " + more
    return out


_NUL_NL_SPACE = bytes.maketrans(b"\0\n", b"  ")


def f_args(t, ctx, room=BIG_ROOM):
    raw = t.cmdline
    if raw and room > 0 and not ctx.bsd_c and not ctx.bsd_e and len(raw) <= 131071:
        # common case: printable ASCII arguments pass unvector, lib_escape and out_escape unchanged
        conv = raw.rstrip(b"\0").translate(_NUL_NL_SPACE)
        if raw[-1:] in (b" ", b"\n"):
            conv = conv[:-1]
        if conv and not conv.translate(None, _PRINTABLE_ASCII):
            return (conv[:room] if len(conv) > room else conv).decode("ascii")
    if ctx.bsd_c:
        return _with_env(cmd_text(t, ctx), t, ctx, room)
    return _with_env(cmdline_text(t, ctx), t, ctx, room)


def f_comm(t, ctx, room=BIG_ROOM):
    return _with_env(cmd_text(t, ctx), t, ctx, room)


def f_fname(t, ctx, room=BIG_ROOM):
    if room > 8:
        room = 8
    return out_escape(cmd_text(t, ctx), ctx.utf8, room)[0]


def cgroup_text(t, ctx) -> bytes:
    raw = t.cgroup
    if not raw:
        return b"-"
    parts = []
    for line in raw.split(b"\n"):
        if not line or line.endswith(b"/"):
            continue
        parts.append(lib_escape(line, ctx.utf8))
    return b",".join(parts) if parts else b"-"


def cgname_text(t, ctx) -> bytes:
    cg = cgroup_text(t, ctx)
    i = cg.find(b":name=")
    if i >= 0 and len(cg) > i + 6:
        return cg[i + 6:]
    return cg


def f_cgroup(t, ctx, room=BIG_ROOM):
    return out_escape(cgroup_text(t, ctx), ctx.utf8, room)[0]


def f_cgname(t, ctx, room=BIG_ROOM):
    return out_escape(cgname_text(t, ctx), ctx.utf8, room)[0]


def exe_text(t, ctx) -> bytes:
    e = t.exe
    if not e:
        return b"-"
    return lib_escape(e, ctx.utf8)


def f_exe(t, ctx, room=BIG_ROOM):
    return out_escape(exe_text(t, ctx), ctx.utf8, room)[0]


def label_text(t) -> str:
    raw = t.label
    if not raw:
        return "-"
    n = 0
    for c in raw:
        if 0x20 <= c < 0x7F:
            n += 1
        else:
            break
    if not n:
        return "-"
    return raw[:n].decode("ascii")


def f_context(t, ctx):
    return label_text(t)


# --------------------------------------------------------------------------- namespaces, misc

def _ns(kind):
    def f(t, ctx):
        ns = t.ns
        v = ns.get(kind, 0) if ns else 0
        return str(v) if v else "-"
    f.__name__ = "f_ns_" + kind
    return f


def _misc_int(name, default=0):
    def f(t, ctx):
        v = getattr(t, name)
        return str(default if v is None else v)
    f.__name__ = "f_" + name
    return f


f_oom = _misc_int("oom_score")
f_oomadj = _misc_int("oom_adj")
f_agid = _misc_int("autogroup_id", -1)
f_agnice = _misc_int("autogroup_nice")
f_pss = _misc_int("pss_kb")


def f_uss(t, ctx):
    return str(_z(t.private_clean_kb) + _z(t.private_dirty_kb))


def _io(key):
    def f(t, ctx):
        io = t.io
        return str(io.get(key, 0) if io else 0)
    f.__name__ = "f_io_" + key
    return f


def f_lxc(t, ctx):
    raw = t.cgroup
    if not raw:
        return "-"
    for delim in (b"lxc.payload.", b"lxc.payload/", b"lxc/"):
        i = raw.find(delim)
        if i >= 0:
            break
    else:
        return "-"
    line = raw[i:].split(b"\n", 1)[0]
    p1 = 0
    while True:
        p2 = p1 + len(delim)
        nxt = line.find(delim, p2)
        if nxt < 0:
            break
        p1 = nxt
    name = line[p2:].split(b"/", 1)[0]
    return name.decode("utf-8", "surrogateescape")


# systemd (sd-login) answers derived from the cgroup path of the systemd hierarchy.

def _sd_path(t) -> str | None:
    raw = t.cgroup
    if not raw:
        return None
    unified = None
    for line in raw.decode("utf-8", "surrogateescape").split("\n"):
        if not line:
            continue
        hid, _, rest = line.partition(":")
        ctl, _, path = rest.partition(":")
        if ctl == "name=systemd":
            return path
        if hid == "0" and ctl == "":
            unified = path
    return unified


_UNIT_SUFFIXES = (".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap",
                  ".timer", ".path", ".slice", ".scope")


def _is_unit(name: str) -> bool:
    return any(name.endswith(s) and len(name) > len(s) for s in _UNIT_SUFFIXES)


def _sd_unit_from(parts: list[str]) -> tuple[str | None, int]:
    """First non-slice component when it is a unit name: (unit, index)."""
    for i, p in enumerate(parts):
        if p.endswith(".slice"):
            continue
        if _is_unit(p):
            return p, i
        return None, i
    return None, len(parts)


def sd_values(t) -> dict:
    cache = t.__dict__.get("_sd")
    if cache is not None:
        return cache
    out = {"unit": "-", "slice": "-", "uunit": "-", "session": "-", "ouid": "-", "machine": "-", "seat": "-"}
    path = _sd_path(t)
    if path is not None:
        parts = [p for p in path.split("/") if p]
        slice_ = "-.slice"
        for p in parts:
            if p.endswith(".slice"):
                slice_ = p
            else:
                break
        out["slice"] = slice_
        unit, idx = _sd_unit_from(parts)
        if unit is not None:
            out["unit"] = unit
            if unit.startswith("session-") and unit.endswith(".scope"):
                out["session"] = unit[8:-6]
            if unit.startswith("user@") and unit.endswith(".service"):
                uunit, _ = _sd_unit_from(parts[idx + 1:])
                if uunit is not None:
                    out["uunit"] = uunit
        for p in parts:
            if p.startswith("user-") and p.endswith(".slice") and p[5:-6].isdigit():
                out["ouid"] = p[5:-6]
                break
    t.__dict__["_sd"] = out
    return out


def _sd(key):
    def f(t, ctx):
        return sd_values(t)[key]
    f.__name__ = "f_sd_" + key
    return f


# --------------------------------------------------------------------------- test columns

_T_UNLIMITED = ("[123456789-12345] <defunct>", "ps", "123456789-123456")
_T_UNLIMITED2 = ("unlimited", "[123456789-12345] <defunct>", "ps", "123456789-123456")
_T_RIGHT = ("999-23:59:59", "99-23:59:59", "9-23:59:59", "59:59")
_T_RIGHT2 = ("999-23:59:59", "99-23:59:59", "9-23:59:59")
_T_LEFT = ("tty7", "pts/9999", "iseries/vtty42", "ttySMX0", "3270/tty4")
_T_LEFT2 = ("tty7", "pts/9999", "ttySMX0", "3270/tty4")


def _cycle(values, room_limited=False):
    def f(t, ctx, room=BIG_ROOM):
        # procps indexes by its remaining-lines-to-header counter, as an unsigned number.
        n = ctx.extra.get("lines_to_next_header", 0) & 0xFFFFFFFF
        v = values[n % len(values)]
        return v[:room] if room_limited else v
    return f
