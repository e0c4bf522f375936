"""The procfs backend: task records from /proc, reading only what the groups need.

``ProcfsBackend(env).dump(strategy, groups, pid=None)`` returns a list of
:class:`pstd.model.Task`.  One read of ``/proc/PID/stat`` serves BASE, STAT,
SCHED, TTY, ADDR and stat's MEM fields; ``status`` is read only for CRED, SIGNALS,
MEM, VMPARTS, CTXSW, CAPS and SUPGROUPS, and serves OWNER when it is read anyway (else
one stat() of the task's directory does); every other group has its own file.
Every file is read whole, whatever its size.  A task whose ``stat``
or ``status`` cannot be read any more (ENOENT, ESRCH) has exited and is left
out; a file that is merely gated (EACCES on environ, io, ...) leaves its
fields None, which the formatters print as procps does.
"""

from __future__ import annotations

import os

from pstd.model import Group, Strategy, Task, record_class

_O_RDONLY = os.O_RDONLY
_PF_KTHREAD = 0x00200000


def _union(groups) -> Group:
    """The union of ``groups``, built from ints (one Group made at the end, not one per ``|``)."""
    bits = 0
    for g in groups:
        bits |= int(g)
    return Group(bits)


# COMM: stat's comm is /proc's spelling of the name, the one COMM asks for
_STAT_GROUPS = _union((Group.BASE, Group.COMM, Group.STAT, Group.FAULTS, Group.SCHED, Group.POLICY, Group.TTY,
                       Group.MEM, Group.ADDR))
_STATUS_GROUPS = _union((Group.CRED, Group.SIGNALS, Group.MEM, Group.VMPARTS, Group.SUPGROUPS, Group.CTXSW,
                         Group.CAPS))
_NS_KINDS = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
# (group, attribute names, indices in the fields after the comm's ")") of the int fields of stat
_STAT_INTS = (
    (Group.BASE, ("ppid", "pgid", "sid"), (1, 2, 3)),
    (Group.STAT, ("utime", "stime", "cutime", "cstime", "nlwp"), (11, 12, 13, 14, 17)),
    (Group.FAULTS, ("minflt", "cminflt", "majflt", "cmajflt"), (7, 8, 9, 10)),
    (Group.SCHED, ("priority", "nice", "flags", "start_time"), (15, 16, 6, 19)),
    (Group.POLICY, ("processor", "rtprio", "policy"), (36, 37, 38)),
    (Group.TTY, ("tty", "tpgid"), (4, 5)),
    (Group.MEM, ("vsize", "rss_pages"), (20, 21)),
    (Group.ADDR, ("rsslim", "start_code", "end_code", "start_stack", "kstk_esp", "kstk_eip"),
     (22, 23, 24, 25, 26, 27)),
)
# plain ints: Group arithmetic (a Python method per operator) is slow on the per-task path
_G_CMDLINE, _G_ENVIRON, _G_WCHAN, _G_CGROUP, _G_LABEL, _G_NS = (
    int(Group.CMDLINE), int(Group.ENVIRON), int(Group.WCHAN), int(Group.CGROUP), int(Group.LABEL), int(Group.NS))
_G_STATM = int(Group.STATM)
_G_OOM, _G_IO, _G_SMAPS, _G_EXE, _G_LOGIN, _G_AUTOGROUP = (
    int(Group.OOM), int(Group.IO), int(Group.SMAPS), int(Group.EXE), int(Group.LOGIN), int(Group.AUTOGROUP))


_RECORD_MAKERS: dict = {}
_CMDLINE_FIRST = 448
"""Bytes of a command line's first read (with the bytes object's header, under 512)."""


# stat's fields whose values tasks share (ids of parents, groups and sessions, flags, small counts):
# a dump converts each distinct text once (_Ints); the others (start times, sizes) are mostly distinct
_SHARED_INTS = frozenset({"ppid", "pgid", "sid", "utime", "stime", "cutime", "cstime", "nlwp", "priority",
                          "nice", "flags", "tty", "tpgid", "processor", "rtprio", "policy"})


class _Ints(dict):
    """Decimal text -> int, converting each text once: ``_Ints().__getitem__`` is a conversion
    that costs a dict lookup (half an ``int()``) for a text seen before.  One per read: a cache
    scoped to it."""

    __slots__ = ()

    def __missing__(self, text):
        v = self[text] = int(text)
        return v


def _stat_items(groups: int, threads: bool, shared: str = "int") -> list:
    """(attribute, expression) of the record fields stat fills for ``groups``, in the names of
    the generated code (``f``: stat split after the comm's ")", ``data``, ``r``: the index of
    that ")", ``pid``, ``tid``, ``t`` the record; ``shared``: the conversion of _SHARED_INTS),
    then the fields status and cmdline fill later, set to None (what they read as when the file
    lacks the line), so that they too live in the record's slots."""
    items = [("pid", "pid"), ("tid", "tid")]
    for g, keys, idx in _STAT_INTS:
        if groups & g:
            items += [(k, "%s(f[%d])" % (shared if k in _SHARED_INTS else "int", i)) for k, i in zip(keys, idx)]
    items += [("comm", "data[data.find(b'(') + 1:r].decode('utf-8', 'surrogateescape')"),
              ("state", "chr(f[0][0])"),
              # the flags (field 6) once: SCHED has stored them by now
              ("kthread", "(%s & %d) != 0" % ("t.flags" if groups & Group.SCHED else "int(f[6])", _PF_KTHREAD))]
    later = [name for g in (Group.OWNER, Group.CRED, Group.SIGNALS, Group.VMPARTS, Group.SUPGROUPS,
                            Group.CTXSW, Group.CAPS, Group.CMDLINE) if groups & g for name in Task.FIELDS[g]]
    if groups & Group.MEM:
        later += [name for name in Task.FIELDS[Group.MEM] if name not in ("vsize", "rss_pages")]
    items += [(name, "None") for name in later]
    if threads:
        items.append(("is_thread", "True"))
    return items


def _stat_record_maker(groups: int, threads: bool):
    """``(fields, data, r, pid, tid) -> Task``: a record holding the fields of stat for ``groups``.

    Generated once per set of groups: the record is of a class made for those fields
    (model.record_class: slots, no dict per record), set by one straight run of attribute
    stores (:func:`_stat_items`); the loop runs once per task, 30,000 times for a large
    ``ps aux``."""
    make = _RECORD_MAKERS.get((groups, threads))
    if make is None:
        items = _stat_items(groups, threads)
        g = {"int": int, "chr": chr, "R": record_class(tuple(k for k, _ in items)), "new": Task.__new__}
        src = "def make(f, data, r, pid, tid):\n    t = new(R)\n%s    return t\n" % "".join(
            "    t.%s = %s\n" % (k, e) for k, e in items)
        exec(src, g)  # noqa: S102 - generated from the tables above, no outside input
        make = _RECORD_MAKERS[(groups, threads)] = g["make"]
    return make


_PLAIN_READERS: dict = {}

# The loop of _plain_reader, in pieces: stat (always), then the owner from the directory or
# the status lines of OWNER and MEM, then the command line.  Each piece reads the task's file
# whole and drops the task when the file says it has gone, as ProcfsBackend._read_items does.
_PLAIN_STAT = """\
def read_plain(items, dir_fd, open_, read, close, stat_dir):
    out = []
    append = out.append
    ints = Ints().__getitem__
    for name, rel, tid in items:
        try:
            fd = open_(rel + b"/stat", 0, dir_fd=dir_fd)
        except OSError:
            continue
        try:
            data = read(fd, 1024)
            if len(data) == 1024:
                data += read_whole(fd, 4096)
        except OSError:
            data = b""
        finally:
            close(fd)
        r = data.rfind(b")")
        if r < 0:
            continue
        f = data[r + 2:].split(None, %(nsplit)d)
        if len(f) < %(nsplit)d:
            continue
        pid = int(name)
        tid = int(tid) if tid else pid
        t = new(R)
%(stores)s"""
_PLAIN_OWNER_DIR = """\
        try:
            st = stat_dir(rel, dir_fd=dir_fd)
        except OSError:
            continue
        t.euid, t.egid = st.st_uid, st.st_gid
"""
_PLAIN_STATUS = """\
        try:
            fd = open_(rel + b"/status", 0, dir_fd=dir_fd)
        except OSError:
            continue
        try:
            s = read(fd, 4096)
            if len(s) == 4096:
                s += read_whole(fd, 65536)
        except OSError:
            s = b""
        finally:
            close(fd)
        if not s:
            continue
        find = s.find
"""
# the same lines as _parse_status's OWNER (without CRED) and MEM parts, with no call per task
# (ints: the values tasks share, converted once per read)
_PLAIN_OWNER = """\
        i = find(b"\\nUid:")
        if i >= 0:
            t.euid = ints(s[i + 5:find(b"\\n", i + 5)].split(None, 2)[1])
        i = find(b"\\nGid:", i + 1)
        if i >= 0:
            t.egid = ints(s[i + 5:find(b"\\n", i + 5)].split(None, 2)[1])
"""
_PLAIN_MEM = """\
        i = find(b"\\nVmSize:")
        if i >= 0:
            j = find(b" kB", i)
            t.vm_size_kb = int(s[i + 8:j])
            i = find(b"\\nVmLck:", j)
            if i < 0:
                i = find(b"\\nVmLck:")
            if i >= 0:
                j = find(b" kB", i)
                t.vm_lck_kb = ints(s[i + 7:j])
            i = find(b"\\nVmRSS:", j)
            if i < 0:
                i = find(b"\\nVmRSS:")
            if i >= 0:
                t.vm_rss_kb = int(s[i + 7:find(b" kB", i)])
"""
_PLAIN_CMDLINE = """\
        if t.kthread:
            t.cmdline = b""
        else:
            try:
                fd = open_(rel + b"/cmdline", 0, dir_fd=dir_fd)
            except OSError:
                pass
            else:
                try:
                    v = read(fd, %(first)d)
                    if len(v) == %(first)d:
                        v += read_whole(fd, 4096)
                    t.cmdline = v
                except OSError:
                    pass
                finally:
                    close(fd)
"""


def _plain_reader(groups: int, threads: bool):
    """``(items, dir_fd, open_, read, close, stat_dir) -> [Task]`` (the last four: os.open, os.read,
    os.close and os.stat, as looked up by the caller): ``_read_items`` for the listings ps is run for most (aux,
    -ef, ax, -o pid,ppid: no selection, stat with the owner, the memory lines of status and the
    command line at most), generated once per set of groups as one loop with no call per task;
    None for other groups.  It gives the records _read_items gives (tests/test_procfs_backend.py
    compares the two on fixtures and on the live system); it exists because at 30,000 tasks the
    calls and branches it leaves out are about 3% of ``aux``'s dump (docs/performance.md).  The os
    calls come from the caller, so tests that wrap os.open see this loop's opens too; the helpers
    (_read_whole, _Ints) are bound when the loop is generated."""
    key = (groups, threads)
    if key in _PLAIN_READERS:
        return _PLAIN_READERS[key]
    status = groups & _G_STATUS_ALL
    other = groups & ~(_G_STAT_ALL | _G_STATUS_ALL | _G_OWNER)
    reader = None
    if not status & ~int(Group.MEM) and other in (0, _G_CMDLINE):
        items = _stat_items(groups, threads, "ints")
        src = _PLAIN_STAT % {"nsplit": _stat_fields_needed(groups), "stores": "".join(
            "        t.%s = %s\n" % (k, e) for k, e in items)}
        if groups & _G_OWNER and not status:
            src += _PLAIN_OWNER_DIR
        elif status:
            src += _PLAIN_STATUS + (_PLAIN_OWNER if groups & _G_OWNER else "") + _PLAIN_MEM
        if other:
            src += _PLAIN_CMDLINE % {"first": _CMDLINE_FIRST}
        src += "        append(t)\n    return out\n"
        g = {"int": int, "chr": chr, "R": record_class(tuple(k for k, _ in items)), "new": Task.__new__,
             "read_whole": _read_whole, "Ints": _Ints}
        exec(src, g)  # noqa: S102 - generated from the tables above, no outside input
        reader = g["read_plain"]
    _PLAIN_READERS[key] = reader
    return reader


def _stat_fields_needed(groups: int) -> int:
    """How many of stat's fields after the comm the groups read (the state, 0, up to the last one)."""
    need = 7  # BASE: the flags (index 6) tell kernel threads
    for g, _, idx in _STAT_INTS:
        if groups & g:
            need = max(need, max(idx) + 1)
    return need


def _read_whole(fd: int, size: int) -> bytes:
    """The rest of an open file: one read when it fits ``size``, more reads until EOF when not.

    procfs fills a read as far as the data goes, so a short read is the end; a full one
    may not be (a status with thousands of supplementary groups is over 8 KiB)."""
    data = os.read(fd, size)
    if len(data) < size:
        return data
    chunks = [data]
    while True:
        b = os.read(fd, 65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def _read_status(rel: bytes, dir_fd: int):
    """A task's whole status file, or b"" / None when the task has gone."""
    try:
        fd = os.open(rel + b"/status", _O_RDONLY, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        data = os.read(fd, 4096)
        if len(data) == 4096:
            data += _read_whole(fd, 65536)
        return data
    except OSError:
        return b""
    finally:
        os.close(fd)


def _read_small(path: bytes, size: int = 4096, dir_fd=None):
    """The file's bytes (whole), or None when it cannot be opened or read."""
    try:
        fd = os.open(path, _O_RDONLY, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        return _read_whole(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


_STATUS_SIG = ((b"\nSigPnd:", "sig_pending"), (b"\nShdPnd:", "sig_shared"), (b"\nSigBlk:", "sig_blocked"),
               (b"\nSigIgn:", "sig_ignored"), (b"\nSigCgt:", "sig_caught"))
# (key, length, attribute) of the "NNN kB" lines each group takes from status
_VMPARTS_FIND = tuple((b"\n" + k + b":", len(k) + 2, v) for k, v in (
    (b"VmData", "vm_data_kb"), (b"VmStk", "vm_stk_kb"), (b"VmExe", "vm_exe_kb"), (b"VmLib", "vm_lib_kb"),
    (b"VmSwap", "vm_swap_kb"), (b"RssAnon", "rss_anon_kb"), (b"RssFile", "rss_file_kb"),
    (b"RssShmem", "rss_shmem_kb")))
_SMAPS_KEYS = {b"Rss": "smap_rss_kb", b"Pss": "pss_kb", b"Pss_Anon": "pss_anon_kb", b"Pss_File": "pss_file_kb",
               b"Pss_Shmem": "pss_shmem_kb", b"Private_Clean": "private_clean_kb",
               b"Private_Dirty": "private_dirty_kb"}
_CTXSW_FIND = ((b"\nvoluntary_ctxt_switches:", 25, "nvcsw"), (b"\nnonvoluntary_ctxt_switches:", 28, "nivcsw"))


def _parse_status(data: bytes, t: Task, cred: bool, sigs: bool, mem: bool, sup: bool,
                  parts: bool = False, ctxsw: bool = False, caps: bool = False, owner: bool = False) -> None:
    # a line the kernel leaves out (no Vm lines for kernel threads and zombies) sets None.
    # _PLAIN_OWNER and _PLAIN_MEM repeat the OWNER and MEM parts for the generated loop: a change
    # here is a change there (the tests compare the two loops on fixtures with odd status files).
    find = data.find
    if cred:
        i = find(b"\nUid:")
        if i >= 0:
            v = data[i + 5:find(b"\n", i + 5)].split()
            t.ruid, t.suid, t.fsuid = int(v[0]), int(v[2]), int(v[3])
            if owner:
                t.euid = int(v[1])
        i = find(b"\nGid:")
        if i >= 0:
            v = data[i + 5:find(b"\n", i + 5)].split()
            t.rgid, t.sgid, t.fsgid = int(v[0]), int(v[2]), int(v[3])
            if owner:
                t.egid = int(v[1])
    elif owner:
        # the effective id is the second of each line
        i = find(b"\nUid:")
        if i >= 0:
            t.euid = int(data[i + 5:find(b"\n", i + 5)].split(None, 2)[1])
        i = find(b"\nGid:", i + 1)
        if i >= 0:
            t.egid = int(data[i + 5:find(b"\n", i + 5)].split(None, 2)[1])
    if caps:
        # four consecutive lines "CapXxx:\t" + 16 hex digits
        i = find(b"\nCapInh:")
        if i >= 0:
            t.cap_inh = int(data[i + 9:i + 25], 16)
            t.cap_prm = int(data[i + 34:i + 50], 16)
            t.cap_eff = int(data[i + 59:i + 75], 16)
            t.cap_bnd = int(data[i + 84:i + 100], 16)
        else:
            t.cap_inh = t.cap_prm = t.cap_eff = t.cap_bnd = None
    if sup:
        i = find(b"\nGroups:")
        t.supgids = tuple(map(int, data[i + 8:find(b"\n", i + 8)].split())) if i >= 0 else ()
    if sigs:
        for key, attr in _STATUS_SIG:
            i = find(key)
            setattr(t, attr, int(data[i + 8:find(b"\n", i + 8)], 16) if i >= 0 else None)
    if mem:
        # The Vm lines come together (or not at all: kernel threads, zombies), VmSize before VmLck
        # before VmRSS; each search starts where the last ended, from the top if a kernel ever
        # printed them otherwise.
        i = find(b"\nVmSize:")
        if i < 0:
            t.vm_size_kb = t.vm_lck_kb = t.vm_rss_kb = None
        else:
            j = find(b" kB", i)
            t.vm_size_kb = int(data[i + 8:j])
            i = find(b"\nVmLck:", j)
            if i < 0:
                i = find(b"\nVmLck:")
            if i >= 0:
                j = find(b" kB", i)
                t.vm_lck_kb = int(data[i + 7:j])
            else:
                t.vm_lck_kb = None
            i = find(b"\nVmRSS:", j)
            if i < 0:
                i = find(b"\nVmRSS:")
            t.vm_rss_kb = int(data[i + 7:find(b" kB", i)]) if i >= 0 else None
    if parts:
        for key, n, attr in _VMPARTS_FIND:
            i = find(key)
            setattr(t, attr, int(data[i + n:find(b" kB", i)]) if i >= 0 else None)
    if ctxsw:
        for key, n, attr in _CTXSW_FIND:
            i = find(key)
            if i >= 0:
                j = find(b"\n", i + n)
                setattr(t, attr, int(data[i + n:j] if j >= 0 else data[i + n:]))
            else:
                setattr(t, attr, None)


_STATM = ("size_pages", "resident_pages", "shared_pages", "text_pages", "lib_pages", "data_pages",
          "dirty_pages")


def _fill_extra(t: Task, base: bytes, procdir: bytes, groups: int, rel: bytes, dir_fd) -> None:
    """Fill the groups that have files of their own.

    ``base``/``procdir``: absolute task and process directories; ``rel``: the task
    directory relative to ``dir_fd`` (the open /proc), for the hot files."""
    if groups & _G_CMDLINE:
        t.cmdline = _read_small(rel + b"/cmdline", 4096, dir_fd)
    if groups & _G_ENVIRON:
        t.environ = _read_small(rel + b"/environ", 4096, dir_fd)
    if groups & _G_STATM:
        v = _read_small(rel + b"/statm", 256, dir_fd)
        f = v.split() if v else ()
        if len(f) >= 7:
            t.update(dict(zip(_STATM, map(int, f[:7]))))
        else:
            t.update(dict.fromkeys(_STATM))
    if groups & _G_WCHAN:
        # the kernel writes "0" for a task that is not waiting, nothing when the reader may not know
        w = _read_small(base + b"/wchan", 128)
        t.wchan = None if not w else "" if w == b"0" else w.decode("utf-8", "replace")
    if groups & _G_CGROUP:
        t.cgroup = _read_small(base + b"/cgroup")
    if groups & _G_LABEL:
        t.label = _read_small(procdir + b"/attr/current")
    if groups & _G_NS:
        ns = {}
        for kind in _NS_KINDS:
            try:
                ns[kind] = os.stat(base + b"/ns/" + kind.encode()).st_ino
            except OSError:
                pass
        t.ns = ns
    if groups & _G_OOM:
        t.oom_score = _leading_int(_read_small(base + b"/oom_score", 64))
        t.oom_adj = _leading_int(_read_small(base + b"/oom_score_adj", 64))
    if groups & _G_IO:
        v = _read_small(base + b"/io")
        io = None
        if v is not None:
            io = {}
            for line in v.split(b"\n"):
                k, sep, val = line.partition(b":")
                if sep:
                    try:
                        io[k.decode()] = int(val)
                    except ValueError:
                        pass
        t.io = io
    if groups & _G_SMAPS:
        v = _read_small(base + b"/smaps_rollup")
        found = dict.fromkeys(_SMAPS_KEYS.values())
        if v:
            for line in v.split(b"\n"):
                k, sep, val = line.partition(b":")
                attr = _SMAPS_KEYS.get(k) if sep else None
                if attr:
                    found[attr] = _leading_int(val)
        t.update(found)
    if groups & _G_EXE:
        try:
            t.exe = os.readlink(base + b"/exe")
        except OSError:
            t.exe = None
    if groups & _G_LOGIN:
        t.loginuid = _leading_int(_read_small(base + b"/loginuid", 64))
    if groups & _G_AUTOGROUP:
        v = _read_small(base + b"/autogroup", 64)
        ag_id = ag_nice = None
        if v and v.startswith(b"/autogroup-"):
            parts = v[11:].split()
            try:
                ag_id = int(parts[0])
                if len(parts) >= 3 and parts[1] == b"nice":
                    ag_nice = int(parts[2])
            except (ValueError, IndexError):
                pass
        t.autogroup_id, t.autogroup_nice = ag_id, ag_nice


def _leading_int(v):
    """The first decimal number of ``v``, or None."""
    if not v:
        return None
    s = v.split()
    if not s:
        return None
    try:
        return int(s[0])
    except ValueError:
        return None


class ProcfsBackend:
    """Reads tasks from procfs.

    Safe to use from a library or a threaded program: it keeps no state between
    dumps beyond the /proc path, never forks and changes nothing process-wide.
    """

    groups = Group(0)
    """Every group this backend fills (set below from Task.FIELDS)."""

    def __init__(self, env=None, proc: str | None = None) -> None:
        if proc is None:
            proc = getattr(env, "proc", "/proc") if env is not None else "/proc"
        self.proc = os.fsencode(proc)

    # ------------------------------------------------------------------ listing
    def _pids(self) -> list[bytes]:
        try:
            names = os.listdir(self.proc)
        except OSError:
            return []
        return [n for n in names if n.isdigit()]

    def _tids(self, pid: bytes) -> list[bytes]:
        try:
            names = os.listdir(self.proc + b"/" + pid + b"/task")
        except OSError:
            return []
        return [n for n in names if n.isdigit()]

    def _tgid(self, pid: bytes):
        """The Tgid line of /proc/PID/status, or None when it cannot be read (gone, or a tree
        without status files: then PID is taken for its own process)."""
        data = _read_small(self.proc + b"/" + pid + b"/status")
        if not data:
            return None
        i = data.find(b"\nTgid:")
        if i < 0:
            return None
        j = data.find(b"\n", i + 6)
        v = (data[i + 6:j] if j >= 0 else data[i + 6:]).strip()
        return v if v.isdigit() else None

    # ------------------------------------------------------------------ dump
    def dump(self, strategy: Strategy, groups: Group, pid: int | None = None,
             keep=None, keep_groups: Group = Group.BASE) -> list[Task]:
        """The tasks of ``strategy`` with the data of ``groups`` (BASE always).

        ``keep(task) -> bool``, when given, drops tasks before the files of the other
        groups are read: it sees a record holding pid, tid and the data of
        ``keep_groups`` only (``Group.NONE``: pid and tid, before any file is opened).
        A selection such as ``-p 1`` or ``-u root`` so reads only the status (or
        cmdline, ...) of the tasks it keeps.
        """
        groups = Group(groups) | Group.BASE
        if keep is not None:
            groups |= keep_groups
        strategy = Strategy(strategy)
        sel = None if keep is None else (keep, int(keep_groups))
        if strategy == Strategy.ALL or strategy == Strategy.ALL_THREAD:
            return self._read_many(self._listed(strategy), groups, strategy == Strategy.ALL_THREAD, sel)
        if pid is None:
            raise ValueError(f"{strategy.name} needs a pid")
        p = str(int(pid)).encode()
        if strategy == Strategy.ONE:
            # /proc/TID of a thread other than its process's leader reads as that thread's process
            # (whole-process stat), and is listed as the thread it is: pid its tgid, tid its own
            tgid = self._tgid(p)
            if tgid is None or tgid == p:
                return self._read_many([(p, p, None)], groups, False, sel)
            return self._read_many([(tgid, p, p)], groups, False, sel)
        if strategy == Strategy.THREAD:
            # a thread's id: the threads of its process (top -H -p TID lists them)
            g = self._tgid(p) or p
            return self._read_many(
                [(g, g if t == g else g + b"/task/" + t, t) for t in self._tids(g)], groups, True, sel)
        if strategy == Strategy.CHILDREN:
            want = int(pid)

            def child(t, _keep=keep):
                return t.ppid == want and (_keep is None or _keep(t))
            cg = int(Group.BASE) | (int(keep_groups) if keep is not None else 0)
            return self._read_many([(n, n, None) for n in self._pids()], groups, False, (child, cg))
        raise ValueError(f"unknown strategy {strategy!r}")

    def dump_chunks(self, strategy: Strategy, groups: Group, keep=None, keep_groups: Group = Group.BASE,
                    size: int = 1024):
        """``dump`` of ALL or ALL_THREAD, as lists of at most ``size`` tasks in dump order (a
        generator): each list is read when the previous one has been taken, so a caller that
        prints and drops each one holds a chunk of records at a time, not the whole listing.
        ``keep`` is applied as in ``dump`` and, unlike there, is a promise: the lists hold only
        the tasks it keeps.  The generator holds the open /proc until it is exhausted or closed
        (callers that stop early close it); it reads on one thread whatever ``split_min`` says."""
        groups = Group(groups) | Group.BASE
        if keep is not None:
            groups |= keep_groups
        strategy = Strategy(strategy)
        if strategy != Strategy.ALL and strategy != Strategy.ALL_THREAD:
            # said here, at the call, not at the first chunk taken
            raise ValueError(f"{strategy.name} is not a listing of every task")
        sel = None if keep is None else (keep, int(keep_groups))
        return self._chunks(strategy, groups, sel, size)

    def _chunks(self, strategy: Strategy, groups: Group, sel, size: int):
        """dump_chunks's generator, once its arguments are checked."""
        threads = strategy == Strategy.ALL_THREAD
        items = self._listed(strategy)
        try:
            dir_fd = os.open(self.proc, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            for i in range(0, len(items), size):
                yield self._read_items(items[i:i + size], groups, threads, sel, dir_fd)
        finally:
            os.close(dir_fd)

    def _listed(self, strategy: Strategy) -> list:
        """The items (pid name, task directory relative to /proc, tid name or None) of ALL or
        ALL_THREAD."""
        if strategy == Strategy.ALL:
            return [(n, n, None) for n in self._pids()]
        items = []
        for n in self._pids():
            tids = self._tids(n)
            # procps reads a thread-group leader's row from /proc/PID (process-wide figures)
            items.extend((n, n if t == n else n + b"/task/" + t, t) for t in tids)
        return items

    def fill(self, tasks: list[Task], groups: Group) -> list[Task]:
        """Add the data of ``groups`` to records another backend produced.

        Thread rows (``is_thread``) read /proc/PID/task/TID (the leader: /proc/PID), as
        ``dump`` does.  Returns the tasks still present; the others have exited."""
        items = []
        for t in tasks:
            p = str(t.pid).encode()
            if t.is_thread and t.tid != t.pid:
                items.append((p, p + b"/task/" + str(t.tid).encode(), str(t.tid).encode()))
            else:
                items.append((p, p, str(t.tid).encode()))
        fresh = {(r.pid, r.tid): r for r in self._read_many(items, Group(groups) | Group.BASE, False, None)}
        kept = []
        for t in tasks:
            r = fresh.get((t.pid, t.tid))
            if r is None:
                continue
            d = r.values()
            d.pop("is_thread", None)
            t.update(d)
            kept.append(t)
        return kept

    def comms(self, tasks: list[Task]) -> list[Task]:
        """Set each kernel thread's comm as its /proc/PID/stat spells it (a kernel worker's with
        what it works on); the other fields stay another backend's.  Returns the tasks still
        present: a pid whose stat is no kernel thread's now is another task (reused)."""
        kept = []
        try:
            dir_fd = os.open(self.proc, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return kept
        try:
            for t in tasks:
                rel = b"%d/task/%d/stat" % (t.pid, t.tid) if t.is_thread and t.tid != t.pid else b"%d/stat" % t.pid
                data = _read_small(rel, dir_fd=dir_fd)
                if not data:
                    continue
                r = data.rfind(b")")
                f = data[r + 2:].split(None, 7) if r >= 0 else ()
                if len(f) < 7 or not int(f[6]) & _PF_KTHREAD:
                    continue
                t.comm = data[data.find(b"(") + 1:r].decode("utf-8", "surrogateescape")
                kept.append(t)
        finally:
            os.close(dir_fd)
        return kept

    plain: bool = True
    """Read the common listings with the generated loop of _plain_reader (False: always with
    the general loop, which the tests compare it with)."""

    split_min: int | None = None
    """From this many tasks on, a second thread reads half of them (see _read_split); None: never.

    Off by default: on an idle 2-core machine the two threads' contention for the GIL costs more
    than the overlapped reads save (benchmarks/ps_bench.py, 10,000 tasks, aux: 1.63x ps's wall and
    2.07x its cpu with the thread, 1.20x and 1.21x without)."""

    def _read_many(self, items, groups: Group, threads: bool, sel) -> list[Task]:
        """items: (pid name, task directory relative to /proc, tid name or None)."""
        try:
            dir_fd = os.open(self.proc, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return []
        try:
            if self.split_min is not None and len(items) >= self.split_min:
                return self._read_split(items, groups, threads, sel, dir_fd)
            return self._read_items(items, groups, threads, sel, dir_fd)
        finally:
            os.close(dir_fd)

    def _read_split(self, items, groups: Group, threads: bool, sel, dir_fd: int) -> list[Task]:
        """Read the second half of ``items`` on another thread; order kept.

        The kernel formats /proc files with the GIL released, so one thread's reads
        overlap the other's parsing.  The caller's own process is read before the
        second thread exists: its row then shows it as a single reader would see
        itself (running, no extra thread), as procps's own row does."""
        import threading

        n = len(items)
        cut = n // 2
        own = self._own_span(items)
        # (start, end) spans: read first by this thread, then by each thread in parallel
        early: list = []
        mine, theirs = [(0, cut)], [(cut, n)]
        if own is not None:
            i, j = own
            early.append((i, j))
            mine = [(a, b) for s0, e0 in mine for a, b in ((s0, min(e0, i)), (max(s0, j), e0)) if a < b]
            theirs = [(a, b) for s0, e0 in theirs for a, b in ((s0, min(e0, i)), (max(s0, j), e0)) if a < b]
        done: dict = {}
        err: list = []

        def read(spans):
            for a, b in spans:
                done[a] = self._read_items(items[a:b], groups, threads, sel, dir_fd)

        def work():
            try:
                read(theirs)
            except BaseException as e:  # re-raised in the caller's thread
                err.append(e)
        read(early)
        th = threading.Thread(target=work, name="pstd-procfs")
        th.start()
        try:
            read(mine)
        finally:
            th.join()
        if err:
            raise err[0]
        out: list = []
        for a in sorted(done):
            out.extend(done[a])
        return out

    def _own_span(self, items):
        """The (start, end) indices of the caller's own process in ``items``, or None."""
        try:
            me = os.readlink(self.proc + b"/self")
        except OSError:
            return None
        start = end = None
        for k, it in enumerate(items):
            if it[0] == me:
                if start is None:
                    start = k
                end = k + 1
            elif start is not None:
                break
        return None if start is None else (start, end)

    def _read_items(self, items, groups: Group, threads: bool, sel, dir_fd: int) -> list[Task]:
        if sel is None and self.plain:
            plain = _plain_reader(int(groups), threads)
            if plain is not None:
                return plain(items, dir_fd, os.open, os.read, os.close, os.stat)
        proc_slash = self.proc + b"/"
        out = []
        append = out.append
        new = Task.__new__
        open_, read, close = os.open, os.read, os.close
        record = _stat_record_maker(int(groups), threads)
        g_cred = bool(groups & Group.CRED)
        g_sig = bool(groups & Group.SIGNALS)
        g_mem = bool(groups & Group.MEM)
        g_sup = bool(groups & Group.SUPGROUPS)
        g_parts = bool(groups & Group.VMPARTS)
        g_ctxsw = bool(groups & Group.CTXSW)
        g_caps = bool(groups & Group.CAPS)
        need_status = bool(groups & _STATUS_GROUPS)
        g_owner = bool(groups & Group.OWNER)
        # the owner from the directory's stat() when status is not read anyway
        owner_dir = g_owner and not need_status
        stat_dir = os.stat
        other = int(groups) & ~int(_STAT_GROUPS | _STATUS_GROUPS | _G_OWNER)
        # keep_early sees pid and tid only; keep_stat the stat record; keep_second that and what
        # status (or the directory's owner) adds: the selection runs as soon as what it needs is read
        keep_early = keep_stat = keep_second = None
        if sel is not None:
            keep, kg = sel
            if kg == 0:
                keep_early = keep
            elif kg & ~(_G_STAT_ALL | _G_STATUS_ALL | _G_OWNER):
                raise ValueError("keep_groups: only groups of stat and status may be read before keep")
            elif (need_status and kg & (_G_STATUS_ALL | _G_OWNER)) or (owner_dir and kg & _G_OWNER):
                keep_second = keep
            else:
                keep_stat = keep
        # split only as far as the groups need: BASE stops at the flags (field 9), aux and -ef at the
        # resident pages (field 24), POLICY goes on to field 41
        nsplit = nmin = _stat_fields_needed(int(groups))
        for name, rel, tid in items:
            if keep_early is not None:
                probe = new(Task)
                probe.__dict__ = {"pid": int(name), "tid": int(tid or name)}
                if not keep_early(probe):
                    continue
            try:
                fd = open_(rel + b"/stat", _O_RDONLY, dir_fd=dir_fd)
            except OSError:
                continue
            try:
                data = read(fd, 1024)
                if len(data) == 1024:
                    data += _read_whole(fd, 4096)
            except OSError:
                data = b""
            finally:
                close(fd)
            r = data.rfind(b")")
            if r < 0:
                continue
            f = data[r + 2:].split(None, nsplit)
            if len(f) < nmin:
                continue
            pid = int(name)
            t = record(f, data, r, pid, int(tid) if tid else pid)
            if keep_stat is not None and not keep_stat(t):
                continue
            if owner_dir:
                try:
                    st = stat_dir(rel, dir_fd=dir_fd)
                except OSError:
                    continue  # gone
                t.euid, t.egid = st.st_uid, st.st_gid
            elif need_status:
                sdata = _read_status(rel, dir_fd)
                if not sdata:
                    continue
                _parse_status(sdata, t, g_cred, g_sig, g_mem, g_sup, g_parts, g_ctxsw, g_caps, g_owner)
            if keep_second is not None and not keep_second(t):
                continue
            if other:
                if other == _G_CMDLINE:  # ps's common case (aux, -ef): no call into _fill_extra
                    if t.kthread:
                        # what the file says: a kernel thread has no mm, and no mm is an empty
                        # command line (a usermode helper that execs meanwhile is a later image)
                        t.cmdline = b""
                        append(t)
                        continue
                    try:
                        fd = open_(rel + b"/cmdline", _O_RDONLY, dir_fd=dir_fd)
                    except OSError:
                        t.cmdline = None
                    else:
                        try:
                            # A first read that fits the interpreter's small-object allocator:
                            # a 4 KiB buffer shrunk to a short command line that stays leaves a
                            # hole per task in the C heap (6-7 MB more peak RSS at 30,000 tasks).
                            v = read(fd, _CMDLINE_FIRST)
                            if len(v) == _CMDLINE_FIRST:
                                v += _read_whole(fd, 4096)  # a page more, then 64 KiB reads
                            t.cmdline = v
                        except OSError:
                            t.cmdline = None
                        finally:
                            close(fd)
                else:
                    _fill_extra(t, proc_slash + rel, proc_slash + name, other, rel, dir_fd)
            append(t)
        return out


_G_STAT_ALL = int(_STAT_GROUPS)
_G_STATUS_ALL = int(_STATUS_GROUPS)
_G_OWNER = int(Group.OWNER)
ProcfsBackend.groups = _union(Task.FIELDS)
