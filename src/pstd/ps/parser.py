"""The ps command line → :class:`~pstd.ps.query.Query`, the way procps-ng 4.0.2 reads it.

procps parses in two passes.  The first reads UNIX options (``-x``) as UNIX and
BSD options (``x``) as BSD; if anything fails — an option, a list, the format,
the thread flags or the selection — everything is reset and a second pass reads
every dashed word as BSD letters (that is why ``ps -aux`` works).  When the
second pass fails too, the *first* error is reported (the second one only under
a BSD-forcing personality).  Format and sort arguments are kept aside while the
words are read and digested afterwards, so their errors also trigger the retry.

The state machine below mirrors those rules; the tables (built-in formats, AIX
descriptors, old one-letter sort keys) are facts about procps 4.0.2.
"""

from __future__ import annotations

import os
import stat as _stat

from pstd.ps import errors
from pstd.ps.errors import M, PsError, PsFatal
from pstd.ps.query import ColumnRequest, Query, Selection, SortKey

OUTBUF_SIZE = 2 * 64 * 1024

# --- tables ---------------------------------------------------------------------------------
# Built-in format lists ("macros"); they may also be named in -o.
MACROS = {
    "DFMT": "pid,tname,state,cputime,cmd",
    "DefBSD": "pid,tname,stat,bsdtime,args",
    "DefSysV": "pid,tname,time,cmd",
    "END_BSD": "state,tname,cputime,comm",
    "END_SYS5": "state,tname,time,command",
    "F5FMT": "uname,pid,ppid,c,start,tname,time,cmd",
    "FB_": "pid,tt,stat,time,command",
    "FB_j": "user,pid,ppid,pgid,sess,jobc,stat,tt,time,command",
    "FB_l": "uid,pid,ppid,cpu,pri,nice,vsz,rss,wchan,stat,tt,time,command",
    "FB_u": "user,pid,pcpu,pmem,vsz,rss,tt,stat,start,time,command",
    "FB_v": "pid,stat,time,sl,re,pagein,vsz,rss,lim,tsiz,pcpu,pmem,command",
    "FD_": "pid,tty,time,comm",
    "FD_f": "user,pid,ppid,start_time,tty,time,comm",
    "FD_fj": "user,pid,ppid,start_time,tty,time,pgid,sid,comm",
    "FD_j": "pid,tty,time,pgid,sid,comm",
    "FD_l": "flags,state,uid,pid,ppid,priority,nice,vsz,wchan,tty,time,comm",
    "FD_lj": "flags,state,uid,pid,ppid,priority,nice,vsz,wchan,tty,time,pgid,sid,comm",
    "FL5FMT": "f,state,uid,pid,ppid,pcpu,pri,nice,rss,wchan,start,time,command",
    "FLASK_context": "pid,context,command",
    "HP_": "pid,tty,time,comm",
    "HP_f": "user,pid,ppid,cpu,stime,tty,time,args",
    "HP_fl": "flags,state,user,pid,ppid,cpu,intpri,nice,addr,sz,wchan,stime,tty,time,args",
    "HP_l": "flags,state,uid,pid,ppid,cpu,intpri,nice,addr,sz,wchan,tty,time,comm",
    "J390": "pid,sid,pgrp,tname,atime,args",
    "JFMT": "user,pid,ppid,pgid,sess,jobc,state,tname,cputime,command",
    "L5FMT": "f,state,uid,pid,ppid,c,pri,nice,addr,sz,wchan,tt,time,ucmd",
    "LFMT": "uid,pid,ppid,cp,pri,nice,vsz,rss,wchan,state,tname,cputime,command",
    "OL_X": "pid,start_stack,esp,eip,timeout,alarm,stat,tname,bsdtime,args",
    "OL_j": "ppid,pid,pgid,sid,tname,tpgid,stat,uid,bsdtime,args",
    "OL_l": "flags,uid,pid,ppid,priority,nice,vsz,rss,wchan,stat,tname,bsdtime,args",
    "OL_m": "pid,tname,majflt,minflt,m_trs,m_drs,m_size,m_swap,rss,m_share,vm_lib,m_dt,args",
    "OL_s": "uid,pid,pending,sig_block,sig_ignore,caught,stat,tname,bsdtime,args",
    "OL_u": "user,pid,pcpu,pmem,vsz,rss,tname,stat,start_time,bsdtime,args",
    "OL_v": "pid,tname,stat,bsdtime,maj_flt,m_trs,m_drs,rss,pmem,args",
    "RD_": "pid,tname,state,bsdtime,comm",
    "RD_f": "uid,pid,ppid,start_time,tname,bsdtime,args",
    "RD_fj": "uid,pid,ppid,start_time,tname,bsdtime,pgid,sid,args",
    "RD_j": "pid,tname,state,bsdtime,pgid,sid,comm",
    "RD_l": "flags,state,uid,pid,ppid,priority,nice,wchan,tname,bsdtime,comm",
    "RD_lj": "flags,state,uid,pid,ppid,priority,nice,wchan,tname,bsdtime,pgid,sid,comm",
    "RUSAGE": "minflt,majflt,nswap,inblock,oublock,msgsnd,msgrcv,nsigs,nvcsw,nivcsw",
    "SCHED": "user,pcpu,pri,usrpri,nice,psxpri,psr,policy,pset",
    "SFMT": "uid,pid,cursig,sig,sigmask,sigignore,sigcatch,stat,tname,command",
    "Std_f": "uid_hack,pid,ppid,c,stime,tname,time,cmd",
    "Std_fl": "f,s,uid_hack,pid,ppid,c,opri,ni,addr,sz,wchan,stime,tname,time,cmd",
    "Std_l": "f,s,uid,pid,ppid,c,opri,ni,addr,sz,wchan,tname,time,ucmd",
    "THREAD": "user,pcpu,pri,scnt,wchan,usertime,systime",
    "UFMT": "uname,pid,pcpu,pmem,vsz,rss,tt,state,start,time,command",
    "VFMT": "pid,tt,state,time,sl,pagein,vsz,rss,pcpu,pmem,command",
}

# AIX field descriptors: letter -> (specifier, header)
AIX = {
    "C": ("pcpu", "%CPU"), "G": ("group", "GROUP"), "P": ("ppid", "PPID"), "U": ("user", "USER"),
    "a": ("args", "COMMAND"), "c": ("comm", "COMMAND"), "g": ("rgroup", "RGROUP"), "n": ("nice", "NI"),
    "p": ("pid", "PID"), "r": ("pgid", "PGID"), "t": ("etime", "ELAPSED"), "u": ("ruser", "RUSER"),
    "x": ("time", "TIME"), "y": ("tty", "TTY"), "z": ("vsz", "VSZ"),
}

# Old one-letter sort keys (O / --sort short form): letter -> specifier
SHORT_SORT = {
    "C": "pcpu", "G": "tpgid", "J": "cstime", "M": "maj_flt", "N": "cmaj_flt", "P": "ppid",
    "R": "resident", "S": "share", "T": "start_time", "U": "uid", "c": "cmd", "f": "flags",
    "g": "pgrp", "j": "cutime", "k": "utime", "m": "min_flt", "n": "cmin_flt", "o": "session",
    "p": "pid", "r": "rss", "s": "size", "t": "tty", "u": "user", "v": "vsize", "y": "priority",
}
_SHORT_SORT_CHARS = "CGJKMNPRSTUcfgjkmnoprstuvy+-"

# personality bits
PER_BSD_h, PER_BSD_m, PER_IRIX_l, PER_FORCE_BSD = 0x2, 0x4, 0x8, 0x10
PER_GOOD_o, PER_OLD_m, PER_NO_DEFAULT_g, PER_ZAP_ADDR = 0x20, 0x40, 0x80, 0x100
PER_SANE_USER, PER_HPUX_x, PER_SVR4_x = 0x200, 0x400, 0x800

# simple selection bits
SS_B_x, SS_B_g, SS_U_d, SS_U_a, SS_B_a = 0x01, 0x02, 0x04, 0x08, 0x10
# format flags
FF_Uf, FF_Uj, FF_Ul, FF_Bj, FF_Bl, FF_Bs, FF_Bu, FF_Bv, FF_LX, FF_Lm, FF_Fc = (
    0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400)
# format modifiers
FM_c, FM_j, FM_y, FM_P, FM_M, FM_F = 0x1, 0x2, 0x4, 0x10, 0x20, 0x80
# thread flags
TF_B_H, TF_B_m, TF_U_m, TF_U_T, TF_U_L = 0x1, 0x2, 0x4, 0x8, 0x10
TF_show_proc, TF_show_task, TF_show_both, TF_loose_tasks, TF_must_use = 0x100, 0x200, 0x400, 0x800, 0x4000
# deferred sort/format sources
SF_U_O, SF_U_o, SF_B_O, SF_B_o, SF_B_m, SF_G_sort, SF_G_format = 1, 2, 3, 4, 5, 6, 7
HEAD_SINGLE, HEAD_NONE, HEAD_MULTI = 0, 1, 2


def _personality(name: str):
    """(bits, prefer_bsd, bsd formats j,l,s,u,v, sysv formats f,fl,j,l) for a personality name."""
    bsd = ["OL_j", "OL_l", "OL_s", "OL_u", "OL_v"]
    sysv = [None, None, None, None]
    fb = ["FB_j", "FB_l", "OL_s", "FB_u", "FB_v"]
    n = name.lower()
    if n == "bsd":
        return PER_FORCE_BSD | PER_BSD_h | PER_BSD_m, True, fb, sysv
    if n == "old":
        return PER_FORCE_BSD | PER_OLD_m, True, bsd, sysv
    if n in ("debian", "gnu"):
        return PER_GOOD_o | PER_OLD_m, True, bsd, ["RD_f", None, "RD_j", "RD_l"]
    if n == "linux":
        return PER_GOOD_o | PER_ZAP_ADDR | PER_SANE_USER, False, bsd, sysv
    if n == "aix":
        return 0, False, fb, sysv
    if n in ("tru64", "compaq", "digital"):
        return (PER_GOOD_o | PER_BSD_h, True, ["JFMT", "LFMT", "SFMT", "UFMT", "VFMT"],
                ["F5FMT", "FL5FMT", "JFMT", "L5FMT"])
    if n == "sunos4":
        return PER_NO_DEFAULT_g, True, fb, sysv
    if n in ("irix", "sgi"):
        return PER_IRIX_l, False, bsd, sysv  # (_XPG handled by the caller)
    if n in ("os390", "s390", "390"):
        return 0, False, bsd, [None, None, "J390", None]
    if n in ("hp", "hpux"):
        return PER_HPUX_x, False, bsd, sysv
    if n in ("svr4", "sysv", "sco"):
        return PER_SVR4_x, False, bsd, sysv
    # default, unknown, posix, solaris2, unix, unix95, unix98, and anything unrecognised
    return 0, False, bsd, sysv


# --- C number parsing ------------------------------------------------------------------------
_SPACE = " \t\n\v\f\r"
_ULONG = (1 << 64) - 1


def _strtoul(s: str, signed: bool = False):
    """(value, rest) as strtoul/strtol(s, &end, 0) gives them; rest is the unparsed tail."""
    i, n = 0, len(s)
    while i < n and s[i] in _SPACE:
        i += 1
    neg = False
    if i < n and s[i] in "+-":
        neg = s[i] == "-"
        i += 1
    if s[i:i + 2] in ("0x", "0X") and i + 2 < n and s[i + 2] in "0123456789abcdefABCDEF":
        base, digits, i = 16, "0123456789abcdefABCDEF", i + 2
    elif s[i:i + 1] == "0":
        base, digits = 8, "01234567"
    else:
        base, digits = 10, "0123456789"
    start = i
    while i < n and s[i] in digits:
        i += 1
    if i == start:
        return 0, s
    value = int(s[start:i], base)
    if signed:
        limit = (1 << 63) - 1 + (1 if neg else 0)
        value = min(value, limit)
        return (-value if neg else value), s[i:]
    if value > _ULONG:
        value = _ULONG
    elif neg:
        value = (-value) & _ULONG
    return value, s[i:]


class _Node:
    """One output column while the format is being built (procps's format_node)."""

    __slots__ = ("name", "width", "spec", "align")

    def __init__(self, name, width, spec, align):
        self.name = name  # header text
        self.width = width
        self.spec = spec  # registry name, or None for AIX literal text
        self.align = align


class _SF:
    """A deferred sort/format argument."""

    __slots__ = ("sf", "code", "f_cooked", "s_cooked")

    def __init__(self, sf, code):
        self.sf, self.code, self.f_cooked, self.s_cooked = sf, code, [], []


class Parser:
    """Parses one ps argument list.  ``lookup`` maps a specifier to a registry column."""

    def __init__(self, env, lookup=None, prog: str = "ps"):
        if lookup is None:
            from pstd.ps.columns import lookup
        self.env = env
        self.lookup = lookup
        self.prog = prog
        self.environ = env.environ
        self.warnings: list[str] = []
        self.errbuf = ""  # procps keeps the first unknown-specifier text across passes
        self.own_tty = env.extra.get("own_tty", 0)
        self.pid_length = len(str(env.pid_max))

    # ---------------------------------------------------------------- global state
    def _reset(self):
        self._screen_size()
        self._set_personality()
        self.all_processes = False
        self.bsd_c = self.bsd_e = False
        self.forest_type = ""
        self.format_flags = 0
        self.format_list: list[_Node] | None = None
        self.format_modifiers = 0
        self.header_type = HEAD_SINGLE
        self.include_dead_children = False
        self.negate = False
        self.running_only = False
        self.selections: list[Selection] = []
        self.simple_select = 0
        self.thread_flags = 0
        self.unix_f = False
        self.user_is_number = False
        self.wchan_is_number = False
        self.select_bits = 0
        # parser
        self.w_count = 0
        # sortformat
        self.sf_list: list[_SF] = []  # newest first
        self.have_gnu_sort = False
        self.already_parsed_sort = False
        self.already_parsed_format = False
        self.sort_list: list[SortKey] = []  # application order (least significant first)

    def _screen_size(self):
        size = None
        try:
            size = self.env.terminal_size()
        except Exception:
            size = None
        if size and size[0] > 0 and size[1] > 0:
            cols, rows = size
        else:
            cols, rows = 80, 24
        if not self.env.stdout_isatty:
            cols = OUTBUF_SIZE
        columns = self.environ.get("COLUMNS")
        if columns:
            t, rest = _strtoul(columns, signed=True)
            if not rest and 0 < t < OUTBUF_SIZE:
                cols = t
        lines = self.environ.get("LINES")
        if lines:
            t, rest = _strtoul(lines, signed=True)
            if not rest and 0 < t < OUTBUF_SIZE:
                rows = t
        if cols < 9 or rows < 2:
            self.warnings.append(errors.BOGUS_SCREEN.format(cols, rows))
        self.screen_cols, self.screen_rows = cols, rows

    def _set_personality(self):
        s = self.environ.get("PS_PERSONALITY") or self.environ.get("CMD_ENV") or "unknown"
        if self.environ.get("I_WANT_A_BROKEN_PS") is not None:
            s = "old"
        self.personality_name = s
        if len(s.encode("utf-8", "surrogateescape")) > 15:
            s = "unknown"
        bits, prefer, bsd, sysv = _personality(s)
        if s.lower() in ("irix", "sgi"):
            xpg = self.environ.get("_XPG")
            if xpg and "0" < xpg[0] <= "9":
                bits = 0
        self.personality = bits
        self.prefer_bsd = prefer
        self.bsd_j, self.bsd_l, self.bsd_s, self.bsd_u, self.bsd_v = bsd
        self.sysv_f, self.sysv_fl, self.sysv_j, self.sysv_l = sysv

    # ---------------------------------------------------------------- entry point
    def parse(self, args: list[str]) -> Query:
        try:
            return self._parse(args)
        except _Done as done:
            return done.query

    def _parse(self, args: list[str]) -> Query:
        self.args = list(args)
        self._reset()
        self.force_bsd = False
        err = None
        if not (self.personality & PER_FORCE_BSD):
            err = self._one_pass()
            if err is None:
                return self._build()
        # second chance: everything as BSD
        self._reset()
        self.force_bsd = True
        self.prefer_bsd = True
        if not (self.personality & (PER_OLD_m | PER_BSD_m)):
            self.personality |= PER_OLD_m
        err2 = self._one_pass()
        if err2 is None:
            return self._build()
        raise PsError(err2 if self.personality & PER_FORCE_BSD else err)

    def _one_pass(self):
        self.i = -1
        return (self._parse_all() or self._thread_option_check() or self._process_sf_options()
                or self._select_bits_setup())

    # ---------------------------------------------------------------- words
    def _parse_all(self):
        args = self.args
        while True:
            self.i += 1
            if self.i >= len(args):
                return None
            word = args[self.i]
            kind = _arg_type(word)
            if kind == "gnu":
                err = self._parse_gnu()
            elif kind == "sysv" and not self.force_bsd:
                err = self._parse_sysv()
            elif kind in ("sysv", "bsd"):
                if kind == "bsd" and self.force_bsd and not (self.personality & PER_FORCE_BSD):
                    return M.WAY_BAD
                self.prefer_bsd = True
                err = self._parse_bsd()
            elif kind == "pid":
                self.prefer_bsd = True
                err = self._parse_trailing_pids()
            else:
                return M.GARBAGE
            if err:
                return err

    def _opt_arg(self):
        """The argument of the option letter at self.pos: the rest of this word, or the next word."""
        word = self.args[self.i]
        if self.pos + 1 < len(word):
            return word[self.pos + 1:]
        if self.i + 1 >= len(self.args):
            return None
        if self.args[self.i + 1] == "":
            return None
        self.i += 1
        return self.args[self.i]

    def _list(self, kind, arg, fn):
        """procps parse_list: a comma/blank separated list; appends a Selection or returns an error."""
        err = M.IMPROPER_LIST
        need_item = True
        items = 0
        # procps walks the string starting at its first character and stops at the NUL
        for ch in arg:
            if ch in " ,\t":
                if need_item:
                    return err
                need_item = True
            else:
                if need_item:
                    items += 1
                need_item = False
        if need_item:
            return err
        values = []
        parts = _split_list(arg)
        for part in parts[:items]:
            value = fn(part)
            if isinstance(value, str) and fn != self._cmd:
                return value
            values.append(value)
        self.selections.append(Selection(kind, values))
        return None

    def _pid(self, s):
        num, rest = _strtoul(s)
        if rest:
            return M.PID_SYNTAX
        if num < 1 or num > 0x7FFFFFFF:
            return M.PID_RANGE
        return num

    def _uid(self, s):
        num, rest = _strtoul(s)
        if rest:
            import pwd
            try:
                num = pwd.getpwnam(s).pw_uid
            except (KeyError, ValueError, UnicodeError):
                if not self.negate:
                    return M.NO_USER
                num = _ULONG
        if not self.negate and num > 0xFFFFFFFE:
            return M.UID_RANGE
        return num & 0xFFFFFFFF

    def _gid(self, s):
        num, rest = _strtoul(s)
        if rest:
            import grp
            try:
                num = grp.getgrnam(s).gr_gid
            except (KeyError, ValueError, UnicodeError):
                if not self.negate:
                    return M.NO_GROUP
                num = _ULONG
        if not self.negate and num > 0xFFFFFFFE:
            return M.GID_RANGE
        return num & 0xFFFFFFFF

    def _cmd(self, s):
        return s[:63]

    def _tty(self, s):
        def check(path):
            try:
                return os.stat(path)
            except (OSError, ValueError):
                return None

        st = None
        if s.startswith("/"):
            st = check(s)
            if st is None:
                return M.NO_TTY
        else:
            for pattern in ("/dev/pts/{}", "/dev/{}", "/dev/tty{}", "/dev/pty{}", "/dev/{}nsole"):
                st = check(pattern.format(s))
                if st is not None:
                    break
            if st is None:
                if s in ("-", "?"):
                    return 0
                if len(s) == 1 and check(s) is not None:
                    return 0  # bash ate a '?' that matched a one-letter file
                return M.NO_TTY
        if not _stat.S_ISCHR(st.st_mode):
            return M.NOT_TTY
        return st.st_rdev

    def _tty_list(self, kind, arg):
        return self._list(kind, arg, self._tty)

    # ---------------------------------------------------------------- UNIX options
    def _parse_sysv(self):
        word = self.args[self.i]
        self.pos = 0
        while True:
            self.pos += 1
            if self.pos >= len(word):
                return None
            c = word[self.pos]
            if c in "Ae":
                self.all_processes = True
            elif c == "C":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_C
                return self._list("comm", arg, self._cmd)
            elif c == "F":
                self.format_modifiers |= FM_F
                self.format_flags |= FF_Uf
                self.unix_f = True
            elif c == "G":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_G
                return self._list("rgid", arg, self._gid)
            elif c == "H":
                self.forest_type = "u"
            elif c == "L":
                self.thread_flags |= TF_U_L
            elif c in "MZ":
                self.format_modifiers |= FM_M
            elif c == "N":
                self.negate = True
            elif c == "O":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_O
                self._defer(arg, SF_U_O)
                return None
            elif c == "P":
                self.format_modifiers |= FM_P
            elif c == "T":
                self.thread_flags |= TF_U_T
            elif c == "U":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_U
                return self._list("ruid", arg, self._uid)
            elif c == "V":
                if self.args != ["-V"]:
                    return M.exclusive("-V")
                self._version()
            elif c == "a":
                self.simple_select |= SS_U_a
            elif c == "c":
                self.format_modifiers |= FM_c
            elif c == "d":
                self.simple_select |= SS_U_d
            elif c == "f":
                self.format_flags |= FF_Uf
                self.unix_f = True
            elif c == "g":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_g
                if self._list("sess", arg, self._pid) is None:
                    return None
                if self._list("egid", arg, self._gid) is None:
                    return None
                return M.BAD_g
            elif c == "j":
                if self.sysv_j:
                    self.format_flags |= FF_Uj
                else:
                    self.format_modifiers |= FM_j
            elif c == "l":
                self.format_flags |= FF_Ul
            elif c == "m":
                self.thread_flags |= TF_U_m
            elif c == "o":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_o
                self._defer(arg, SF_U_o)
                return None
            elif c == "p":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_p
                return self._list("pid", arg, self._pid)
            elif c == "q":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_q
                return self._list("quick_pid", arg, self._pid)
            elif c == "s":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_s
                return self._list("sess", arg, self._pid)
            elif c == "t":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_t
                return self._tty_list("tty", arg)
            elif c == "u":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_u
                return self._list("euid", arg, self._uid)
            elif c == "w":
                self.w_count += 1
            elif c == "x":
                if self.personality & PER_SVR4_x:
                    self.format_modifiers |= FM_y
                elif self.personality & PER_HPUX_x:
                    self.w_count += 2
                    self.unix_f = True
                else:
                    return M.NEED_PERSONALITY_x
            elif c == "y":
                self.format_modifiers |= FM_y
            elif c == "-":
                return M.EMBEDDED_SYSV
            else:
                return M.UNSUPPORTED_SYSV

    # ---------------------------------------------------------------- BSD options
    def _parse_bsd(self):
        word = self.args[self.i]
        if word.startswith("-"):
            if not self.force_bsd:
                return M.PROBLEM_1
            self.pos = 0
        else:
            self.pos = -1
            if self.personality & PER_FORCE_BSD:
                if not self.force_bsd:
                    return M.PROBLEM_2
            elif self.force_bsd:
                return M.SECOND_CHANCE
        while True:
            self.pos += 1
            if self.pos >= len(word):
                return None
            c = word[self.pos]
            if "0" <= c <= "9":
                return self._list("pid", word[self.pos:], self._pid)
            if c == "H":
                self.thread_flags |= TF_B_H
            elif c == "L":
                if self.args != ["L"]:
                    return M.exclusive("L")
                raise _Done(Query(action="list_specifiers"))
            elif c == "M":
                self.thread_flags |= TF_B_m
            elif c == "O":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_BO
                self._defer(arg, SF_B_O)
                return None
            elif c == "S":
                self.include_dead_children = True
            elif c == "T":
                self.selections.append(Selection("tty", [self.own_tty]))
            elif c == "U":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_BU
                return self._list("euid", arg, self._uid)
            elif c == "V":
                if self.args != ["V"]:
                    return M.exclusive("V")
                self._version()
            elif c == "W":
                return M.OBSOLETE_W
            elif c == "X":
                self.format_flags |= FF_LX
            elif c == "Z":
                self.format_modifiers |= FM_M
            elif c == "a":
                self.simple_select |= SS_B_a
            elif c == "c":
                self.bsd_c = True
            elif c == "e":
                self.bsd_e = True
            elif c == "f":
                self.forest_type = "b"
            elif c == "g":
                self.simple_select |= SS_B_g
            elif c == "h":
                if self.header_type:
                    return M.ONE_HEADING
                self.header_type = HEAD_MULTI if self.personality & PER_BSD_h else HEAD_NONE
            elif c == "j":
                self.format_flags |= FF_Bj
            elif c == "k":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_k
                self._defer(arg, SF_G_sort)
                return None
            elif c == "l":
                self.format_flags |= FF_Bl
            elif c == "m":
                if self.personality & PER_OLD_m:
                    self.format_flags |= FF_Lm
                elif self.personality & PER_BSD_m:
                    self._defer("pmem", SF_B_m)
                else:
                    self.thread_flags |= TF_B_m
            elif c == "n":
                self.wchan_is_number = True
                self.user_is_number = True
            elif c == "o":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_Bo
                self._defer(arg, SF_B_o)
                return None
            elif c == "p":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_Bp
                return self._list("pid", arg, self._pid)
            elif c == "q":
                arg = self._opt_arg()
                if arg is None:
                    return M.FOLLOW_Bq
                return self._list("quick_pid", arg, self._pid)
            elif c == "r":
                self.running_only = True
            elif c == "s":
                self.format_flags |= FF_Bs
            elif c == "t":
                arg = self._opt_arg()
                if arg is None:
                    self.selections.append(Selection("tty", [self.own_tty]))
                    return None
                return self._tty_list("tty", arg)
            elif c == "u":
                self.format_flags |= FF_Bu
            elif c == "v":
                self.format_flags |= FF_Bv
            elif c == "w":
                self.w_count += 1
            elif c == "x":
                self.simple_select |= SS_B_x
            elif c == "-":
                return M.EMBEDDED_BSD
            else:
                return M.UNSUPPORTED_BSD

    # ---------------------------------------------------------------- GNU options
    def _gnu_arg(self, rest):
        if rest[:1] in ("=", ":"):
            return rest[1:] or None
        if rest:
            return None
        if self.i + 1 >= len(self.args) or self.args[self.i + 1] == "":
            return None
        self.i += 1
        return self.args[self.i]

    def _parse_gnu(self):
        s = self.args[self.i][2:]
        sl = len(s)
        for k, ch in enumerate(s):
            if ch in ":=":
                sl = k
                break
        if sl > 15:
            return M.UNKNOWN_GNU
        name, rest = s[:sl], s[sl:]
        if name in ("Group", "group", "User", "user", "pid", "ppid", "quick-pid", "sid", "tty"):
            kind, fn, msg = {
                "Group": ("rgid", self._gid, M.FOLLOW_Group),
                "group": ("egid", self._gid, M.FOLLOW_group),
                "User": ("ruid", self._uid, M.FOLLOW_User),
                "user": ("euid", self._uid, M.FOLLOW_user),
                "pid": ("pid", self._pid, M.FOLLOW_pid),
                "ppid": ("ppid", self._pid, M.FOLLOW_ppid),
                "quick-pid": ("quick_pid", self._pid, M.FOLLOW_quick),
                "sid": ("sess", self._pid, M.FOLLOW_sid),
                "tty": ("tty", self._tty, M.FOLLOW_tty),
            }[name]
            arg = self._gnu_arg(rest)
            if arg is None:
                return msg
            return self._list(kind, arg, fn)
        if name in ("cols", "columns", "width", "rows", "lines"):
            arg = self._gnu_arg(rest)
            if arg:
                t, tail = _strtoul(arg, signed=True)
                if not tail and 0 < t < 2000000000:
                    if name in ("rows", "lines"):
                        self.screen_rows = t
                    else:
                        self.screen_cols = t
                    return None
            return M.ROWS if name in ("rows", "lines") else M.COLS
        if name == "cumulative":
            if rest:
                return M.ARG_cumulative
            self.include_dead_children = True
            return None
        if name == "deselect":
            if rest:
                return M.ARG_deselect
            self.negate = True
            return None
        if name in ("no-header", "no-headers", "no-heading", "no-headings",
                    "noheader", "noheaders", "noheading", "noheadings"):
            if rest:
                return M.ARG_noheading
            if self.header_type:
                return M.ONE_HEADING
            self.header_type = HEAD_NONE
            return None
        if name in ("header", "headers", "heading", "headings"):
            if rest:
                return M.ARG_heading
            if self.header_type:
                return M.ONE_HEADING
            self.header_type = HEAD_MULTI
            return None
        if name == "forest":
            if rest:
                return M.ARG_forest
            self.forest_type = "g"
            return None
        if name == "format":
            arg = self._gnu_arg(rest)
            if arg is None:
                return M.FOLLOW_format
            self._defer(arg, SF_G_format)
            return None
        if name == "sort":
            arg = self._gnu_arg(rest)
            if arg is None:
                return M.FOLLOW_sort
            self._defer(arg, SF_G_sort)
            return None
        if name == "info":
            if self.args != ["--info"]:
                return M.exclusive("--info")
            from pstd.ps.help import info_text

            raise _Done(Query(action="info", action_text=info_text(self)))
        if name == "version":
            if self.args != ["--version"]:
                return M.exclusive("--version")
            self._version()
        if name == "context":
            self.format_flags |= FF_Fc
            return None
        if name == "help":
            raise _Done(Query(action="help", help_section=self._gnu_arg(rest)))
        return M.UNKNOWN_GNU

    def _version(self):
        raise _Done(Query(action="version"))

    # ---------------------------------------------------------------- trailing pids
    def _parse_trailing_pids(self):
        pids, pgrps, sids = [], [], []
        rest = self.args[self.i:]
        self.i = len(self.args) - 1
        for data in rest:
            if data.startswith("-"):
                target, data = pgrps, data[1:]
            elif data.startswith("+"):
                target, data = sids, data[1:]
            else:
                target = pids
            value = self._pid(data)
            if isinstance(value, str):
                return value
            target.append(value)
        if pids:
            self.selections.append(Selection("pid", pids))
        if pgrps:
            self.selections.append(Selection("pgrp", pgrps))
        if sids:
            self.selections.append(Selection("sess", sids))
        return None

    # ---------------------------------------------------------------- checks after the words
    def _thread_option_check(self):
        tf = self.thread_flags
        if not tf:
            self.thread_flags = TF_show_proc
            return None
        if self.forest_type:
            return M.THREAD_FOREST
        if (tf & TF_B_H) and (tf & (TF_B_m | TF_U_m)):
            return M.THREAD_H_m
        if (tf & TF_B_m) and (tf & TF_U_m):
            return M.THREAD_m_m
        if (tf & TF_U_L) and (tf & TF_U_T):
            return M.THREAD_L_T
        if tf & TF_B_H:
            tf |= TF_show_proc | TF_loose_tasks
        if tf & (TF_B_m | TF_U_m):
            tf |= TF_show_proc | TF_show_task | TF_show_both
        if tf & (TF_U_T | TF_U_L):
            if tf & (TF_B_m | TF_U_m | TF_B_H):
                tf |= TF_must_use
            else:
                tf |= TF_show_task
        self.thread_flags = tf
        return None

    def _select_bits_setup(self):
        ss = self.simple_select
        if not ss and not self.prefer_bsd:
            self.select_bits = 0xAA00
            return None
        if not (self.personality & PER_NO_DEFAULT_g) and not (ss & (SS_U_a | SS_U_d)):
            ss |= SS_B_g
        table = {
            SS_U_a | SS_U_d: 0x3F3F, SS_U_a: 0x0303, SS_U_d: 0x3333,
            0: 0x0202, SS_B_a: 0x0303, SS_B_x: 0x2222, SS_B_x | SS_B_a: 0x3333,
            SS_B_g: 0x0A0A, SS_B_g | SS_B_a: 0x0F0F, SS_B_g | SS_B_x: 0xAAAA,
        }
        if ss == SS_B_g | SS_B_x | SS_B_a:
            self.all_processes = True
            self.simple_select = 0
            return None
        if ss not in table:
            return M.SELECT_CONFLICT
        self.select_bits = table[ss]
        return None

    # ---------------------------------------------------------------- formats and sorting
    def _defer(self, arg, code):
        self.sf_list.insert(0, _SF(arg, code))
        if code == SF_G_sort:
            self.have_gnu_sort = True

    def _spec(self, spec, override=None):
        """procps do_one_spec: a list of nodes for a specifier or macro, or None."""
        column = self.lookup(spec)
        if column is not None:
            if column.pidmax:
                w1 = max(self.pid_length, len(column.header))
            else:
                w1 = column.width
            if override is not None:
                return [_Node(override, max(w1, len(override)), column.name, column.align)]
            return [_Node(column.header, w1, column.name, column.align)]
        macro = MACROS.get(spec)
        if macro is not None:
            nodes = []
            for part in macro.split(","):
                nodes.extend(self._spec(part, override) or [])
            return nodes
        return None

    def _format_parse(self, sfn):
        """procps format_parse: fills sfn.f_cooked (in order) or returns an error text."""
        text = sfn.sf
        err = None
        need_item = True
        items = 0
        for ch in text or "\0":
            if ch in " ,\t\n\0":
                if need_item:
                    err = M.IMPROPER_FORMAT
                    break
                need_item = True
            else:
                if need_item:
                    items += 1
                need_item = False
        if err is None and not items:
            err = M.EMPTY_FORMAT
        if err is None:
            buf = text[:-1] if need_item else text
            walk = buf
            while items and err is None:
                items -= 1
                sep = _first_of(walk, " ,\t\n")
                if items and sep >= 0:
                    item, walk = walk[:sep], walk[sep + 1:]
                else:
                    item, walk = walk, None
                header = None
                eq = item.find("=")
                if eq >= 0:
                    item, header = item[:eq], item[eq + 1:]
                width = None
                colon = item.find(":")
                if colon >= 0:
                    item, wtext = item[:colon], item[colon + 1:]
                    if not wtext or not wtext.isdigit() or not wtext.isascii() or wtext[0] == "0" or int(wtext) > 0x7FFFFFFF:
                        err = M.BAD_WIDTH
                        break
                    width = int(wtext)
                nodes = self._spec(item, header)
                if nodes is None:
                    if not self.errbuf:
                        self.errbuf = _cut_bytes(M.UNKNOWN_SPEC.format(item), 79)
                    err = self.errbuf
                    break
                if width is not None:
                    if len(nodes) > 1:
                        err = M.WIDTH_MACRO
                        break
                    nodes[0].width = width
                sfn.f_cooked.extend(nodes)
            if err is None:
                self.already_parsed_format = True
                return None
        if "%" in text:
            err = self._aix_parse(sfn)
        return err

    def _aix_parse(self, sfn):
        text = sfn.sf
        items = 0
        k = 0
        n = len(text)

        def at(j):
            return text[j] if j < n else ""

        c = at(k)
        k += 1
        state = "initial"
        while True:
            if state == "initial":
                if c == "%":
                    state = "desc"
                    continue
                if not c:
                    break
                items += 1
                state = "more"
                continue
            if state == "more":
                c = at(k)
                k += 1
                if c == "%":
                    state = "desc"
                    continue
                if c == " ":
                    continue
                if c:
                    return M.AIX_IMPROPER
                break
            # desc
            items += 1
            c = at(k)
            k += 1
            if c and c != " ":
                state = "initial"
                continue
            return M.AIX_MISSING
        walk = 0
        while items:
            items -= 1
            if at(walk) == "%":
                walk += 1
                if at(walk) == "%":
                    return M.AIX_MISSING
                entry = AIX.get(at(walk)) if at(walk) else None
                walk += 1
                if entry is None:
                    return M.AIX_UNKNOWN
                nodes = self._spec(entry[0], entry[1])
                if not nodes:
                    return "AIX field descriptor processing bug"
                sfn.f_cooked.extend(nodes)
            else:
                end = text.find("%", walk)
                if end < 0:
                    end = n
                literal = text[walk:end]
                walk = end
                sfn.f_cooked.append(_Node(literal, len(literal), None, ""))
        self.already_parsed_format = True
        return None

    def _one_sort(self, spec):
        reverse = False
        if spec.startswith("-"):
            reverse, spec = True, spec[1:]
        elif spec.startswith("+"):
            spec = spec[1:]
        column = self.lookup(spec)
        if column is None:
            return None
        return SortKey(column.name, reverse)

    def _long_sort_parse(self, sfn):
        text = sfn.sf
        need_item = True
        items = 0
        for ch in text or "\0":
            if ch in " ,\t\n\0":
                if need_item:
                    return M.IMPROPER_SORT
                need_item = True
            else:
                if need_item:
                    items += 1
                need_item = False
        if not items:
            return M.EMPTY_SORT
        buf = text[:-1] if need_item else text
        for part in _split_format(buf)[:items]:
            key = self._one_sort(part)
            if key is None:
                return M.UNKNOWN_SORT
            sfn.s_cooked.append(key)
        self.already_parsed_sort = True
        return None

    def _verify_short_sort(self, arg):
        if any(ch not in _SHORT_SORT_CHARS for ch in arg):
            return M.BAD_SORT_CODE
        seen = set()
        for k, ch in enumerate(arg):
            if ch in "+-":
                nxt = arg[k + 1:k + 2]
                if not nxt or nxt in "+-":
                    return M.BAD_SORT_CODE
                continue
            if ch == "P" and self.forest_type:
                return M.PPID_FOREST
            if ch in seen:
                return M.BAD_SORT_CODE
            seen.add(ch)
        return None

    def _short_sort_parse(self, sfn):
        direction = 1
        for ch in sfn.sf:
            if ch == "+":
                direction = 1
            elif ch == "-":
                direction = -1
            else:
                spec = SHORT_SORT.get(ch)
                key = self._one_sort(spec) if spec else None
                if key is None:
                    return M.UNKNOWN_SORT
                if direction == 0:
                    key.spec = None  # procps passes an invalid direction: this key sorts nothing
                key.reverse = direction == -1
                sfn.s_cooked.append(key)
                direction = 0
        self.already_parsed_sort = True
        return None

    def _parse_O(self):
        # oldest first, as procps's recursion does
        for sfn in reversed(self.sf_list):
            code = sfn.code
            if code in (SF_B_o, SF_G_format, SF_U_o):
                err = self._format_parse(sfn)
                if not err:
                    self.already_parsed_format = True
            elif code == SF_U_O:
                if self.already_parsed_format:
                    return M.O_AFTER_FORMAT
                err = self._format_parse(sfn)
                if err:
                    return err
                self.already_parsed_format = True
                self._o_wrap(sfn, "u")
            elif code == SF_B_O:
                if self.have_gnu_sort or self.already_parsed_sort:
                    err = M.MULTIPLE_SORT
                else:
                    err = self._verify_short_sort(sfn.sf)
                if not err:
                    self._short_sort_parse(sfn)
                    self.already_parsed_sort = True
                    continue
                if self.already_parsed_format:
                    err = M.O_NEITHER
                elif not self._format_parse(sfn):
                    self.already_parsed_format = True
                    self._o_wrap(sfn, "b")
                    continue
            else:  # SF_G_sort, SF_B_m
                if self.already_parsed_sort:
                    err = M.MULTIPLE_SORT
                else:
                    err = self._long_sort_parse(sfn)
                self.already_parsed_sort = True
            if err:
                return err
        return None

    def _o_wrap(self, sfn, kind):
        """-O / O: pid first, then the user's columns, then the default trailer."""
        trailer = "END_BSD" if kind == "b" else "END_SYS5"
        sfn.f_cooked = self._spec("pid") + sfn.f_cooked + self._spec(trailer)

    def _process_sf_options(self):
        if self.sf_list:
            err = self._parse_O()
            if err:
                return err
        fl: list[_Node] = []
        for sfn in reversed(self.sf_list):
            fl.extend(sfn.f_cooked)
        sort_keys: list[SortKey] = []
        for sfn in reversed(self.sf_list):
            sort_keys.extend(sfn.s_cooked)
        self.sort_keys = sort_keys
        self.format_list = fl or None

        if not self.format_flags and not self.format_modifiers and not self.format_list:
            tmp = self.environ.get("PS_FORMAT")
            if tmp:
                if self.thread_flags & TF_must_use:
                    return M.TELL_PS_FORMAT
                sfn = _SF(tmp, SF_G_format)
                err = self._format_parse(sfn)
                if not err:
                    self.format_list = sfn.f_cooked
                    return None
                self.warnings.append(errors.PS_FORMAT_IGNORED.format(err))

        if self.format_list:
            if self.format_flags:
                return M.CONFLICTING_FORMATS
            if self.format_modifiers:
                return M.MODIFIERS_USER
            if self.thread_flags & TF_must_use:
                return M.NONSENSE_LT
            return None

        ff = self.format_flags
        table = {
            0: None, FF_Uf | FF_Ul: self.sysv_fl, FF_Uf: self.sysv_f, FF_Ul: self.sysv_l,
            FF_Uj: self.sysv_j, FF_Uj | FF_Ul: "RD_lj", FF_Uj | FF_Uf: "RD_fj",
            FF_Bj: self.bsd_j, FF_Bl: self.bsd_l, FF_Bs: self.bsd_s, FF_Bu: self.bsd_u, FF_Bv: self.bsd_v,
            FF_LX: "OL_X", FF_Lm: "OL_m", FF_Fc: "FLASK_context",
        }
        if ff not in table:
            return M.CONFLICTING_FORMATS
        spec = table[ff]
        if not spec:
            return self._generate_sysv_list()
        self.format_list = list(self._spec(spec))
        return self._modify_format()

    def _find(self, name):
        for k, node in enumerate(self.format_list):
            if node.name == name:
                return k
        return -1

    def _add_after(self, findme, nodes):
        k = self._find(findme)
        if k < 0:
            return False
        self.format_list[k + 1:k + 1] = nodes
        return True

    def _delete(self, name):
        k = self._find(name)
        if k < 0:
            return False
        del self.format_list[k]
        return True

    def _modify_format(self):
        fm, tf = self.format_modifiers, self.thread_flags
        if fm & FM_j:
            if not self._add_after("PPID", self._spec("pgid")) and not self._add_after("PID", self._spec("pgid")):
                raise PsFatal(errors.INTERNAL.format(885, "internal error: no PID or PPID for -j option"))
            if not self._add_after("PGID", self._spec("sid")):
                return M.LOST_PGID
        if fm & FM_y:
            self._delete("F")
            if self._add_after("ADDR", self._spec("rss")):
                self._delete("ADDR")
        if fm & FM_c:
            for name in ("%CPU", "CPU", "CP", "C"):
                self._delete(name)
            self._delete("NI")
            if not self._add_after("PRI", self._spec("class")):
                raise PsFatal(errors.INTERNAL.format(900, "internal error: no PRI for -c option"))
            self._delete("PRI")
            if not self._add_after("CLS", self._spec("pri")):
                return M.LOST_CLS
        if tf & TF_U_T:
            if not self._add_after("PID", self._spec("spid")) and (tf & TF_must_use):
                return M.T_NO_PID
        if tf & TF_U_L:
            lwp = self._spec("lwp")
            if not any(self._add_after(h, lwp) for h in ("SID", "SESS", "PGID", "PGRP", "PPID", "PID")):
                if tf & TF_must_use:
                    return M.L_NO_PID
            self._add_after("%CPU", self._spec("nlwp"))
        if fm & FM_M:
            self.format_list[0:0] = self._spec("label")
        if (self.personality & PER_ZAP_ADDR) and (self.format_flags & FF_Ul):
            if self._add_after("ADDR", self._spec("sgi_p")):
                self._delete("ADDR")
        if (self.personality & PER_SANE_USER) and (self.format_flags & FF_Uf):
            if self._add_after("UID", self._spec("user")):
                self._delete("UID")
        return None

    def _generate_sysv_list(self):
        ff, fm, tf, per = self.format_flags, self.format_modifiers, self.thread_flags, self.personality
        if (fm & FM_y) and not (ff & FF_Ul):
            return M.Y_WITHOUT_L
        push: list = []  # procps pushes onto the front: the list ends up reversed
        if self.prefer_bsd:
            push.append("cmd" if ff else "args")
            push.append("bsdtime")
            if not (ff & FF_Ul):
                push.append("stat")
        else:
            push.append("cmd" if ff & FF_Uf else "ucmd")
            push.append("time")
        push.append("tname")
        if ff & FF_Uf:
            push.append("stime")
        if fm & FM_F:
            if not (fm & FM_P):
                push.append("psr")
            if not ((ff & FF_Ul) and (fm & FM_y)):
                push.append("rss")
        if ff & FF_Ul:
            push.append("wchan")
        if (ff & FF_Ul) and not (fm & FM_y):
            if per & PER_IRIX_l:
                push.append("sgi_rss")
                push.append(_Node(":", 1, None, ""))
        if (fm & FM_F) or (ff & FF_Ul):
            push.append("sz")
        if ff & FF_Ul:
            if fm & FM_y:
                push.append("rss")
            elif per & (PER_ZAP_ADDR | PER_IRIX_l):
                push.append("sgi_p")
            else:
                push.append("addr_1")
        if fm & FM_c:
            push.append("pri")
            push.append("class")
        elif ff & FF_Ul:
            push.append("ni")
            push.append("priority" if per & PER_IRIX_l else "opri")
        if (tf & TF_U_L) and (ff & FF_Uf):
            push.append("nlwp")
        if (ff & (FF_Uf | FF_Ul)) and not (fm & FM_c):
            push.append("c")
        if fm & FM_P:
            push.append("psr")
        if tf & TF_U_L:
            push.append("lwp")
        if fm & FM_j:
            push.append("sid")
            push.append("pgid")
        if ff & (FF_Uf | FF_Ul):
            push.append("ppid")
        if tf & TF_U_T:
            push.append("spid")
        push.append("pid")
        if ff & FF_Uf:
            push.append("user" if per & PER_SANE_USER else "uid_hack")
        elif ff & FF_Ul:
            push.append("uid")
        if ff & FF_Ul:
            push.append("s")
            if not (fm & FM_y):
                push.append("f")
        if fm & FM_M:
            push.append("label")
        fl: list[_Node] = []
        for item in reversed(push):
            if isinstance(item, _Node):
                fl.append(item)
            else:
                nodes = self._spec(item)
                if nodes is None:
                    raise RuntimeError("missing built-in column " + item)
                fl.extend(nodes)
        self.format_list = fl
        return None

    # ---------------------------------------------------------------- result
    def _build(self) -> Query:
        cols = self.screen_cols
        if self.w_count and cols < 132:
            cols = 132
        if self.w_count > 1:
            cols = OUTBUF_SIZE
        q = Query()
        q.personality = self.personality_name
        q.personality_bits = self.personality
        q.selections = self.selections
        q.all_tasks = self.all_processes
        q.simple_select = self.simple_select
        q.select_bits = self.select_bits
        q.negate = self.negate
        q.bsd_r = self.running_only
        q.thread_flags = self.thread_flags
        tf = self.thread_flags
        if tf & TF_U_L:
            q.threads = "L"
        elif tf & TF_U_T:
            q.threads = "T"
        elif tf & TF_B_H:
            q.threads = "H"
        elif tf & (TF_B_m | TF_U_m):
            q.threads = "m"
        q.forest_type = self.forest_type
        q.forest = self.forest_type in ("b", "g")
        q.hierarchy = self.forest_type == "u"
        q.columns = [ColumnRequest(n.spec, n.name, n.width) for n in self.format_list]
        q.sort_keys = list(self.sort_keys)
        q.headers = {HEAD_SINGLE: "once", HEAD_NONE: "none", HEAD_MULTI: "repeat"}[self.header_type]
        q.screen_cols = cols
        q.screen_rows = self.screen_rows
        q.lines = self.screen_rows
        q.width = cols
        q.wide = self.w_count
        q.bsd_c = self.bsd_c
        q.bsd_e = self.bsd_e
        q.bsd_n = self.user_is_number
        q.user_is_number = self.user_is_number
        q.wchan_is_number = self.wchan_is_number
        q.unix_f = self.unix_f
        q.cumulative = self.include_dead_children
        q.context = bool(self.format_modifiers & FM_M) or bool(self.format_flags & FF_Fc)
        q.own_tty = self.own_tty
        q.own_euid = self.env.euid
        q.quick_pids = [v for s in self.selections if s.kind == "quick_pid" for v in s.values]
        q.warnings = self.warnings
        return q


def _first_of(s: str, chars: str) -> int:
    best = -1
    for ch in chars:
        k = s.find(ch)
        if k >= 0 and (best < 0 or k < best):
            best = k
    return best


def _split_list(arg: str) -> list[str]:
    out, cur = [], []
    for ch in arg:
        if ch in " ,\t":
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def _split_format(arg: str) -> list[str]:
    out, cur = [], []
    for ch in arg:
        if ch in " ,\t\n":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _arg_type(s: str) -> str:
    c0 = s[:1]
    if c0.isascii() and c0.isalpha():
        return "bsd"
    if c0.isascii() and c0.isdigit():
        return "pid"
    if c0 == "+":
        return "pid"
    if c0 != "-":
        return "fail"
    c1 = s[1:2]
    if c1.isascii() and c1.isalpha():
        return "sysv"
    if c1.isascii() and c1.isdigit():
        return "pid"
    if c1 != "-":
        return "fail"
    c2 = s[2:3]
    if c2.isascii() and c2.isalpha():
        return "gnu"
    return "fail"  # "--" alone (end) and anything else are garbage


class _Done(Exception):
    """Unwinds the parser when an option replaces the listing (help, version, L, --info)."""

    def __init__(self, query: Query) -> None:
        super().__init__(query.action)
        self.query = query


def _cut_bytes(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` bytes as procps's fixed message buffer cuts it (a split character stays split).

    argv arrives decoded with surrogateescape, so bytes that are not UTF-8 round-trip unchanged."""
    return text.encode("utf-8", "surrogateescape")[:limit].decode("utf-8", "surrogateescape")


def parse(args: list[str], env, lookup=None, prog: str = "ps") -> Query:
    """Parse ``args`` (without the program name) into a Query; raises PsError / PsFatal, writes nothing.

    Help, version, ``L`` and ``--info`` come back as ``Query.action`` for the caller to carry out."""
    return Parser(env, lookup, prog).parse(args)
