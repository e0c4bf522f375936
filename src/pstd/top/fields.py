"""The top field registry: one definition per procps top 4.0.2 field name.

A field has top's name (its header and its ``-o`` name), width, alignment, the data
groups it reads (so a frame asks the backend for nothing more), a sort key (the
value top's library sorts by: %CPU by cpu ticks, %MEM by resident memory, names
by byte order) and a formatter.  ``NAMES`` is top's list in top's order (``top -O``);
``DEFAULT`` the fields top shows without a configuration file.  Every name in ``NAMES``
has a definition (tests/top checks it), so ``-o`` can sort by any of them.
"""

from __future__ import annotations

from pstd.model import Group
from pstd.plainclass import Factory, plain
from pstd.top import cells

NAMES = (
    "PID PPID UID USER RUID RUSER SUID SUSER GID GROUP PGRP TTY TPGID SID PR NI nTH P %CPU TIME "
    "TIME+ %MEM VIRT SWAP RES CODE DATA SHR nMaj nMin nDRT S COMMAND WCHAN Flags CGROUPS SUPGIDS "
    "SUPGRPS TGID OOMa OOMs ENVIRON vMj vMn USED nsIPC nsMNT nsNET nsPID nsUSER nsUTS LXC RSan RSfd "
    "RSlk RSsh CGNAME NU LOGID EXE RSS PSS PSan PSfd PSsh USS ioR ioRop ioW ioWop AGID AGNI STARTED "
    "ELAPSED %CUU %CUC nsCGROUP nsTIME").split()
"""Every field name top knows, in its order (what ``top -O`` prints)."""

DEFAULT = ("PID", "USER", "PR", "NI", "VIRT", "RES", "SHR", "S", "%CPU", "%MEM", "TIME+", "COMMAND")
"""The fields top shows when no configuration file says otherwise."""


@plain
class Frame:
    """What formatting a frame's rows needs besides the tasks themselves."""

    hertz: int = 100
    page_kib: int = 4
    mem_total_kib: int = 1
    etscale: float = 0.0
    """100 / (ticks per second x seconds since the last sample), as a C float."""
    cpu_pmax: float = 99.9
    task_scale: int = 0
    cmdline: bool = False
    cumulative: bool = False
    pid_width: int = 5
    cells: object = None
    """Screen cells of a character in a UTF-8 locale; None in the C locale."""
    utf8: bool = False
    boot_tics: int = 0
    """Ticks since boot at the sample (the library's boot_tics: uptime x Hz, truncated)."""
    faults: dict = Factory(dict)
    """Thread id -> (major, minor) page faults since the last sample (vMj, vMn)."""
    cpu_nodes: object = None
    """cpu -> NUMA node (NU), read from sysfs by the first row that needs it."""


class Field:
    """One top field."""

    def __init__(self, name, width, right, groups, key, cell, variable=False):
        self.name = name
        self.width = width
        self.right = right
        self.groups = Group(groups)
        self.key = key
        """key(task, delta, frame): the value top's library sorts by."""
        self.cell = cell
        """cell(task, delta, frame, width): the column's text, its blank included."""
        self.variable = variable
        """The last column takes the rest of the line (COMMAND and the other lists)."""

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def _user_name(uid):
    from pstd.ps.names import user_name

    return user_name(uid)


def _group_name(gid):
    from pstd.ps.names import group_name

    return group_name(gid)


def _tics(t, frame):
    total = (t.utime or 0) + (t.stime or 0)
    if frame.cumulative:
        total += (t.cutime or 0) + (t.cstime or 0)
    return total


def _pcpu(t, delta, frame):
    u = cells.f32(cells.f32(float(delta)) * frame.etscale)
    n = t.nlwp or 0
    if u > 100.0 * n:
        u = 100.0 * n
    if u > frame.cpu_pmax:
        u = frame.cpu_pmax
    return u


def _command_text(t, frame) -> str:
    from pstd.ps.escape import lib_escape

    raw = None
    if frame.cmdline and t.cmdline:
        raw = _unvectored(t.cmdline)
    if raw:
        text = lib_escape(raw, frame.utf8)
    else:
        comm = lib_escape(t.comm.encode("utf-8", "surrogateescape"), frame.utf8)
        if frame.cmdline:
            text = b"[" + comm + b"]" + (b" <defunct>" if t.state == "Z" else b"")
        else:
            text = comm
    return text.decode("utf-8", "surrogateescape") if text else "?"


def _unvectored(raw: bytes) -> bytes:
    """The library's read_unvectored: NULs and newlines become blanks, trailing NULs go,
    and a last byte that was a blank is dropped."""
    n = len(raw)
    i = n
    while i and raw[i - 1] == 0:
        i -= 1
    body = raw[:i].replace(b"\0", b" ").replace(b"\n", b" ")
    if i == n and body.endswith(b" "):
        body = body[:-1]
    return body


def _mem_cell(kib_of):
    def cell(t, delta, frame, width):
        return cells.scale_mem(frame.task_scale, kib_of(t, frame), width, True)
    return cell


def _num_cell(get):
    def cell(t, delta, frame, width):
        v = get(t)
        return cells.make_num(v if v is not None else 0, width, True)
    return cell


def _pages(attr):
    def kib(t, frame):
        v = getattr(t, attr)
        return (v or 0) * frame.page_kib
    return kib


_virt, _res, _shr = _pages("size_pages"), _pages("resident_pages"), _pages("shared_pages")
_code, _data = _pages("text_pages"), _pages("data_pages")


def _swap(t, frame):
    return t.vm_swap_kb or 0


def _pr_cell(t, delta, frame, width):
    p = t.priority
    if p < -99 or p > 999:
        return cells.make_str("rt", width, True)
    return cells.make_num(p, width, True)


def _defs():
    B, C, S, SC, M, CMD = Group.BASE, Group.CRED, Group.STAT, Group.SCHED, Group.STATM, Group.CMDLINE
    OW = Group.OWNER
    str_key = lambda f: (lambda t, d, fr: f(t).encode("utf-8", "surrogateescape"))  # noqa: E731
    defs = [
        Field("PID", 5, True, B, lambda t, d, fr: t.tid, lambda t, d, fr, w: cells.make_num(t.tid, w, True)),
        Field("PPID", 5, True, B, lambda t, d, fr: t.ppid, _num_cell(lambda t: t.ppid)),
        Field("UID", 5, True, OW, lambda t, d, fr: t.euid, _num_cell(lambda t: t.euid)),
        Field("USER", 8, False, OW, str_key(lambda t: _user_name(t.euid)),
              lambda t, d, fr, w: cells.make_str_cells(_user_name(t.euid), w, False, fr.cells)),
        Field("RUID", 5, True, C, lambda t, d, fr: t.ruid, _num_cell(lambda t: t.ruid)),
        Field("RUSER", 8, False, C, str_key(lambda t: _user_name(t.ruid)),
              lambda t, d, fr, w: cells.make_str_cells(_user_name(t.ruid), w, False, fr.cells)),
        Field("SUID", 5, True, C, lambda t, d, fr: t.suid, _num_cell(lambda t: t.suid)),
        Field("SUSER", 8, False, C, str_key(lambda t: _user_name(t.suid)),
              lambda t, d, fr, w: cells.make_str_cells(_user_name(t.suid), w, False, fr.cells)),
        Field("GID", 5, True, OW, lambda t, d, fr: t.egid, _num_cell(lambda t: t.egid)),
        Field("GROUP", 8, False, OW, str_key(lambda t: _group_name(t.egid)),
              lambda t, d, fr, w: cells.make_str_cells(_group_name(t.egid), w, False, fr.cells)),
        Field("PGRP", 5, True, B, lambda t, d, fr: t.pgid, _num_cell(lambda t: t.pgid)),
        Field("SID", 5, True, B, lambda t, d, fr: t.sid, _num_cell(lambda t: t.sid)),
        Field("TPGID", 5, True, Group.TTY, lambda t, d, fr: t.tpgid, _num_cell(lambda t: t.tpgid)),
        Field("PR", 3, True, SC, lambda t, d, fr: t.priority, _pr_cell),
        Field("NI", 3, True, SC, lambda t, d, fr: t.nice, _num_cell(lambda t: t.nice)),
        Field("nTH", 3, True, S, lambda t, d, fr: t.nlwp, _num_cell(lambda t: t.nlwp)),
        Field("P", 1, True, Group.POLICY, lambda t, d, fr: t.processor, _num_cell(lambda t: t.processor)),
        Field("%CPU", 5, True, S, lambda t, d, fr: d,
              lambda t, d, fr, w: cells.scale_pcnt(_pcpu(t, d, fr), w, True)),
        Field("TIME", 6, True, S, lambda t, d, fr: _tics(t, fr),
              lambda t, d, fr, w: cells.scale_tics(_tics(t, fr), w, True, cells.SECS, fr.hertz)),
        Field("TIME+", 9, True, S, lambda t, d, fr: _tics(t, fr),
              lambda t, d, fr, w: cells.scale_tics(_tics(t, fr), w, True, cells.SECS, fr.hertz)),
        Field("%MEM", 5, True, M, lambda t, d, fr: t.resident_pages,
              lambda t, d, fr, w: cells.scale_pcnt(
                  cells.f32(cells.f32(cells.f32(float(_res(t, fr))) * 100) / fr.mem_total_kib), w, True)),
        Field("VIRT", 7, True, M, lambda t, d, fr: t.size_pages, _mem_cell(_virt)),
        Field("SWAP", 6, True, Group.VMPARTS, lambda t, d, fr: _swap(t, fr), _mem_cell(_swap)),
        Field("RES", 6, True, M, lambda t, d, fr: t.resident_pages, _mem_cell(_res)),
        Field("CODE", 6, True, M, lambda t, d, fr: t.text_pages, _mem_cell(_code)),
        Field("DATA", 7, True, M, lambda t, d, fr: t.data_pages, _mem_cell(_data)),
        Field("SHR", 6, True, M, lambda t, d, fr: t.shared_pages, _mem_cell(_shr)),
        Field("nMaj", 4, True, Group.FAULTS, lambda t, d, fr: t.majflt,
              lambda t, d, fr, w: cells.scale_num(t.majflt or 0, w, True)),
        Field("nMin", 4, True, Group.FAULTS, lambda t, d, fr: t.minflt,
              lambda t, d, fr, w: cells.scale_num(t.minflt or 0, w, True)),
        Field("nDRT", 4, True, B, lambda t, d, fr: 0, lambda t, d, fr, w: cells.scale_num(0, w, True)),
        Field("S", 1, True, B, lambda t, d, fr: t.state, lambda t, d, fr, w: cells.make_chr(t.state, w, True)),
        Field("COMMAND", -1, False, B, lambda t, d, fr: _command_text(t, fr).encode("utf-8", "surrogateescape"),
              lambda t, d, fr, w: cells.make_str_cells(_command_text(t, fr), w, False, fr.cells), variable=True),
        Field("TGID", 5, True, B, lambda t, d, fr: t.pid, _num_cell(lambda t: t.pid)),
        Field("USED", 6, True, M | Group.VMPARTS, lambda t, d, fr: _res(t, fr) + _swap(t, fr),
              _mem_cell(lambda t, fr: _res(t, fr) + _swap(t, fr))),
    ]
    defs += _sort_only()
    return {f.name: f for f in defs}


def _s_int(v):
    """A value as the library's signed int holds it (loginuid 4294967295 is -1)."""
    v = v or 0
    return ((v + 2**31) % 2**32) - 2**31


def _vers_key(text: str):
    """strverscmp order, as the library sorts TTY: digit runs compare as numbers."""
    import re

    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|\D+", text))


def _wchan_text(t) -> str:
    """The library's lookup_wchan: '-' when not waiting, '?' when unreadable, the kernel's
    symbol without a leading '.' and underscores."""
    if t.wchan is None:
        return "?"
    if t.wchan == "":
        return "-"
    name = t.wchan[1:] if t.wchan.startswith(".") else t.wchan
    return name.lstrip("_")


def _utilization(t, frame, children: bool) -> float:
    """Cpu share over the task's life, in percent (0 before its first tick of life)."""
    life = frame.boot_tics - (t.start_time or 0)
    if life <= 0:
        return 0.0
    tics = (t.utime or 0) + (t.stime or 0)
    if children:
        tics += (t.cutime or 0) + (t.cstime or 0)
    return cells.f32(float(tics) * 100.0) / life


def _supgids(t) -> str:
    """The library's supgid: the Groups: line's ids joined by ',', '-' when there are none."""
    return ",".join(str(g) for g in t.supgids) if t.supgids else "-"


def _supgrps(t) -> str:
    return ",".join(_group_name(g) for g in t.supgids) if t.supgids else "-"


def _cgroups(t, frame) -> str:
    """The library's cgroup text: the lines of /proc/PID/cgroup that name more than a root,
    escaped and joined by ',', '-' when none."""
    from pstd.ps.escape import lib_escape

    parts = []
    for line in (t.cgroup or b"").replace(b"\0", b"\n").split(b"\n"):
        if line and not line.endswith(b"/"):
            parts.append(lib_escape(line, frame.utf8))
    text = b",".join(parts).decode("utf-8", "surrogateescape")
    return text or "-"


def _cgname(t, frame) -> str:
    text = _cgroups(t, frame)
    i = text.find(":name=")
    return text[i + 6:] if i >= 0 and text[i + 6:] else text


def _environ(t, frame) -> str:
    """The library's environ text: the variables joined by blanks and escaped, '-' when empty."""
    from pstd.ps.escape import lib_escape

    text = lib_escape(_unvectored(t.environ), frame.utf8) if t.environ else b""
    return text.decode("utf-8", "surrogateescape") if text else "-"


def _numa_node(t, frame) -> int:
    """The NUMA node of the cpu the task last ran on, -1 when unknown (as ps's NUMA)."""
    if frame.cpu_nodes is None:
        from pstd.ps import formats

        frame.cpu_nodes = formats._cpu_nodes()
    return frame.cpu_nodes.get(t.processor or 0, -1) if frame.cpu_nodes else -1


def _lxc_name(t) -> str:
    """The LXC container a task runs in, from its cgroup paths; '-' outside one (as ps's LXC)."""
    from pstd.ps import formats

    return formats.f_lxc(t, None)


def _tty_text(t):
    from pstd.ps.names import tty_name

    return tty_name(t.tty or 0, t.pid)


def _sort_only():
    """Fields top shows only when a configuration file asks; pstd can sort by them (-o)."""
    num = lambda get: (lambda t, d, fr: get(t))  # noqa: E731
    text_cell = lambda get: (lambda t, d, fr, w: cells.make_str(str(get(t)), w, False))  # noqa: E731
    ns = lambda kind: (lambda t: (t.ns or {}).get(kind, 0))  # noqa: E731
    out = [
        Field("TTY", 8, False, Group.TTY, lambda t, d, fr: _vers_key(_tty_text(t)), text_cell(_tty_text)),
        Field("WCHAN", 10, False, Group.WCHAN, lambda t, d, fr: _wchan_text(t).encode(),
              text_cell(_wchan_text)),
        Field("Flags", 8, False, Group.SCHED, num(lambda t: t.flags), text_cell(lambda t: "%x" % (t.flags or 0))),
        Field("OOMa", 5, True, Group.OOM, num(lambda t: _s_int(t.oom_adj)), _num_cell(lambda t: t.oom_adj)),
        Field("OOMs", 4, True, Group.OOM, num(lambda t: _s_int(t.oom_score)), _num_cell(lambda t: t.oom_score)),
        Field("LOGID", 5, True, Group.LOGIN, num(lambda t: _s_int(t.loginuid)),
              _num_cell(lambda t: _s_int(t.loginuid))),
        Field("AGID", 5, True, Group.AUTOGROUP,
              num(lambda t: -1 if t.autogroup_id is None else t.autogroup_id), _num_cell(lambda t: t.autogroup_id)),
        Field("AGNI", 4, True, Group.AUTOGROUP,
              num(lambda t: 0 if t.autogroup_nice is None else t.autogroup_nice),
              _num_cell(lambda t: t.autogroup_nice)),
        Field("STARTED", 7, True, Group.SCHED, num(lambda t: t.start_time or 0),
              _num_cell(lambda t: t.start_time)),
        Field("ELAPSED", 7, True, Group.SCHED, lambda t, d, fr: max(0, fr.boot_tics - (t.start_time or 0)),
              _num_cell(lambda t: t.start_time)),
        Field("%CUU", 6, True, Group.STAT | Group.SCHED, lambda t, d, fr: _utilization(t, fr, False),
              lambda t, d, fr, w: cells.scale_pcnt(_utilization(t, fr, False), w, True)),
        Field("%CUC", 7, True, Group.STAT | Group.SCHED, lambda t, d, fr: _utilization(t, fr, True),
              lambda t, d, fr, w: cells.scale_pcnt(_utilization(t, fr, True), w, True)),
        Field("RSlk", 6, True, Group.MEM, num(lambda t: t.vm_lck_kb or 0),
              _mem_cell(lambda t, fr: t.vm_lck_kb or 0)),
        Field("NU", 4, True, Group.POLICY, lambda t, d, fr: _numa_node(t, fr),
              lambda t, d, fr, w: cells.make_num(_numa_node(t, fr), w, True)),
        Field("LXC", 8, False, Group.CGROUP, lambda t, d, fr: _lxc_name(t).encode("utf-8", "surrogateescape"),
              text_cell(_lxc_name)),
        Field("EXE", -1, False, Group.EXE, lambda t, d, fr: t.exe or b"",
              text_cell(lambda t: (t.exe or b"").decode("utf-8", "surrogateescape")), variable=True),
    ]
    # memory in KiB from status (RS..) and smaps_rollup (the rest); 0 where the file has no line
    for name, width, group, kib in (
            ("RSan", 6, Group.VMPARTS, lambda t: t.rss_anon_kb or 0),
            ("RSfd", 6, Group.VMPARTS, lambda t: t.rss_file_kb or 0),
            ("RSsh", 6, Group.VMPARTS, lambda t: t.rss_shmem_kb or 0),
            ("RSS", 6, Group.SMAPS, lambda t: t.smap_rss_kb or 0),
            ("PSS", 6, Group.SMAPS, lambda t: t.pss_kb or 0),
            ("PSan", 6, Group.SMAPS, lambda t: t.pss_anon_kb or 0),
            ("PSfd", 6, Group.SMAPS, lambda t: t.pss_file_kb or 0),
            ("PSsh", 6, Group.SMAPS, lambda t: t.pss_shmem_kb or 0),
            ("USS", 6, Group.SMAPS, lambda t: (t.private_clean_kb or 0) + (t.private_dirty_kb or 0))):
        out.append(Field(name, width, True, group, num(kib), _mem_cell((lambda k: lambda t, fr: k(t))(kib))))
    for name, i in (("vMj", 0), ("vMn", 1)):
        get = (lambda i: lambda t, d, fr: fr.faults.get(t.tid, (0, 0))[i])(i)
        out.append(Field(name, 3, True, Group.STAT, get,
                         (lambda g: lambda t, d, fr, w: cells.scale_num(g(t, d, fr), w, True))(get)))
    out.append(Field("SUPGIDS", -1, False, Group.SUPGROUPS, lambda t, d, fr: _supgids(t).encode(),
                     text_cell(_supgids), variable=True))
    out.append(Field("SUPGRPS", -1, False, Group.SUPGROUPS,
                     lambda t, d, fr: _supgrps(t).encode("utf-8", "surrogateescape"),
                     text_cell(_supgrps), variable=True))
    out.append(Field("CGROUPS", -1, False, Group.CGROUP,
                     lambda t, d, fr: _cgroups(t, fr).encode("utf-8", "surrogateescape"),
                     lambda t, d, fr, w: cells.make_str(_cgroups(t, fr), w, False), variable=True))
    out.append(Field("CGNAME", -1, False, Group.CGROUP,
                     lambda t, d, fr: _cgname(t, fr).encode("utf-8", "surrogateescape"),
                     lambda t, d, fr, w: cells.make_str(_cgname(t, fr), w, False), variable=True))
    out.append(Field("ENVIRON", -1, False, Group.ENVIRON,
                     lambda t, d, fr: _environ(t, fr).encode("utf-8", "surrogateescape"),
                     lambda t, d, fr, w: cells.make_str(_environ(t, fr), w, False), variable=True))
    for name, key in (("ioR", "read_bytes"), ("ioRop", "syscr"), ("ioW", "write_bytes"), ("ioWop", "syscw")):
        get = (lambda k: lambda t: (t.io or {}).get(k, 0))(key)
        out.append(Field(name, 6 if name in ("ioR", "ioW") else 5, True, Group.IO, num(get),
                         (lambda g: lambda t, d, fr, w: cells.scale_num(g(t), w, True))(get)))
    for name, kind in (("nsIPC", "ipc"), ("nsMNT", "mnt"), ("nsNET", "net"), ("nsPID", "pid"),
                       ("nsUSER", "user"), ("nsUTS", "uts"), ("nsCGROUP", "cgroup"), ("nsTIME", "time")):
        out.append(Field(name, 10, True, Group.NS, num(ns(kind)), _num_cell(ns(kind))))
    return out


FIELDS = _defs()
"""Field name -> Field, for the fields pstd can show and sort by."""

WIDE_PID = ("PID", "PPID", "PGRP", "SID", "TGID", "TPGID")
"""Fields whose width follows pid_max (top: at least 5, the digits of the largest pid)."""


def field(name: str) -> Field:
    """The definition of a name from ``NAMES`` (the options parser accepts no other)."""
    return FIELDS[name]


def width_of(f: Field, frame: Frame) -> int:
    return frame.pid_width if f.name in WIDE_PID else f.width


def groups_for(names, query=None) -> Group:
    """The data groups the fields ``names`` read, plus what the query itself needs."""
    # state and cpu ticks: every frame counts and samples them; the name: the -c toggle and the
    # command-line fallback show it whatever the fields
    g = Group.BASE | Group.COMM | Group.STAT
    for n in names:
        f = FIELDS.get(n)
        if f is not None:
            g |= f.groups
    if query is not None:
        if query.cmdline and "COMMAND" in names:
            g |= Group.CMDLINE
        if query.user_filter:
            # -u matches the effective uid, -U any of the four
            g |= Group.OWNER | Group.CRED if query.user_filter == "U" else Group.OWNER
    return g
