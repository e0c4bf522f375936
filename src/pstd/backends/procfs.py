"""The procfs backend: task records from /proc, reading only what the groups need.

``ProcfsBackend(env).dump(strategy, groups, pid=None)`` returns a list of
:class:`pstd.model.Task`.  One read of ``/proc/PID/stat`` serves BASE, STAT,
SCHED, TTY and stat's MEM fields; ``status`` is read only for CRED, SIGNALS,
MEM and SUPGROUPS; every other group has its own file.  A task whose ``stat``
or ``status`` cannot be read any more (ENOENT, ESRCH) has exited and is left
out; a file that is merely gated (EACCES on environ, io, ...) leaves its
fields None, which the formatters print as procps does.
"""

from __future__ import annotations

import marshal
import os
from operator import itemgetter

from pstd.model import Group, Strategy, Task

_O_RDONLY = os.O_RDONLY
_PF_KTHREAD = 0x00200000
_STAT_GROUPS = Group.BASE | Group.STAT | Group.SCHED | Group.TTY | Group.MEM | Group.ADDR
_STATUS_GROUPS = Group.CRED | Group.SIGNALS | Group.MEM | Group.VMPARTS | Group.SUPGROUPS
_NS_KINDS = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
_MAX_ARGS = 131072
# (group, attribute names, indices in the fields after the comm's ")") of the int fields of stat
_STAT_INTS = (
    (Group.BASE, ("ppid", "pgid", "sid"), (1, 2, 3)),
    (Group.STAT, ("minflt", "cminflt", "majflt", "cmajflt", "utime", "stime", "cutime", "cstime", "nlwp"),
     (7, 8, 9, 10, 11, 12, 13, 14, 17)),
    (Group.SCHED, ("priority", "nice", "flags", "start_time", "processor", "rtprio", "policy"),
     (15, 16, 6, 19, 36, 37, 38)),
    (Group.TTY, ("tty", "tpgid"), (4, 5)),
    (Group.MEM, ("vsize", "rss_pages"), (20, 21)),
    (Group.ADDR, ("rsslim", "start_code", "end_code", "start_stack", "kstk_esp", "kstk_eip"),
     (22, 23, 24, 25, 26, 27)),
)
# plain ints: IntFlag arithmetic is slow on the per-task path
_G_CMDLINE, _G_ENVIRON, _G_WCHAN, _G_CGROUP, _G_LABEL, _G_NS = (
    int(Group.CMDLINE), int(Group.ENVIRON), int(Group.WCHAN), int(Group.CGROUP), int(Group.LABEL), int(Group.NS))
_G_STATM = int(Group.STATM)
_G_OOM, _G_IO, _G_SMAPS, _G_EXE, _G_LOGIN, _G_AUTOGROUP = (
    int(Group.OOM), int(Group.IO), int(Group.SMAPS), int(Group.EXE), int(Group.LOGIN), int(Group.AUTOGROUP))


def _cpus() -> int:
    """How many cpus this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _read_small(path: bytes, size: int = 4096, dir_fd=None):
    """The file's bytes (one read), or None when it cannot be opened or read."""
    try:
        fd = os.open(path, _O_RDONLY, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_all(path: bytes, limit: int = _MAX_ARGS, dir_fd=None):
    """The file's bytes up to ``limit``, or None when it cannot be opened.

    procfs fills a read as far as the data goes, so a short read is the end:
    most files here take a single read(2).
    """
    try:
        fd = os.open(path, _O_RDONLY, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        try:
            first = os.read(fd, 4096)
        except OSError:
            return None
        if len(first) < 4096:
            return first
        chunks = [first]
        total = len(first)
        while total < limit:
            try:
                b = os.read(fd, min(65536, limit - total))
            except OSError:
                break
            if not b:
                break
            chunks.append(b)
            total += len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


_STATUS_MEM = {
    b"VmLck": "vm_lck_kb", b"VmPin": "vm_pin_kb", b"VmHWM": "vm_hwm_kb", b"VmPeak": "vm_peak_kb",
    b"VmSwap": "vm_swap_kb", b"RssAnon": "rss_anon_kb", b"RssFile": "rss_file_kb",
    b"RssShmem": "rss_shmem_kb", b"VmData": "vm_data_kb", b"VmStk": "vm_stk_kb",
    b"VmExe": "vm_exe_kb", b"VmLib": "vm_lib_kb", b"VmPTE": "vm_pte_kb", b"VmRSS": "vm_rss_kb",
    b"VmSize": "vm_size_kb",
}
_STATUS_SIG = {
    b"SigPnd": "sig_pending", b"ShdPnd": "sig_shared", b"SigBlk": "sig_blocked",
    b"SigIgn": "sig_ignored", b"SigCgt": "sig_caught",
}
_STATUS_CAP = {b"CapInh": "cap_inh", b"CapPrm": "cap_prm", b"CapEff": "cap_eff", b"CapBnd": "cap_bnd"}


def _field(data: bytes, key: bytes):
    """The value of status line ``key`` (given as b"\\nKey:"), or None."""
    i = data.find(key)
    if i < 0:
        return None
    i += len(key)
    j = data.find(b"\n", i)
    return data[i:j] if j >= 0 else data[i:]


_MEM_KEYS = tuple((b"\n" + k + b":", v) for k, v in _STATUS_MEM.items())
_SIG_KEYS = tuple((b"\n" + k + b":", v) for k, v in _STATUS_SIG.items())
# The status memory lines ps formatters read (VmPeak, VmHWM, Rss* are left to other consumers).
_MEM_FIND = tuple((b"\n" + k + b":", len(k) + 2, _STATUS_MEM[k]) for k in (b"VmRSS", b"VmSize"))
_VMPARTS_FIND = tuple((b"\n" + k + b":", len(k) + 2, _STATUS_MEM[k]) for k in (
    b"VmData", b"VmStk", b"VmExe", b"VmLib", b"VmSwap"))
_CAP_KEYS = tuple((b"\n" + k + b":", v) for k, v in _STATUS_CAP.items())


def _parse_status(data: bytes, d: dict, cred: bool, sigs: bool, mem: bool, sup: bool,
                  parts: bool = False) -> None:
    # Capability sets are not parsed: no ps column shows them (cap_* stay None).
    if cred:
        i = data.find(b"\nUid:")
        if i >= 0:
            v = data[i + 5:data.find(b"\n", i + 5)].split()
            d["ruid"], d["euid"], d["suid"], d["fsuid"] = int(v[0]), int(v[1]), int(v[2]), int(v[3])
        i = data.find(b"\nGid:")
        if i >= 0:
            v = data[i + 5:data.find(b"\n", i + 5)].split()
            d["rgid"], d["egid"], d["sgid"], d["fsgid"] = int(v[0]), int(v[1]), int(v[2]), int(v[3])
    if sup:
        v = _field(data, b"\nGroups:")
        d["supgids"] = tuple(int(x) for x in v.split()) if v else ()
    if sigs:
        i = data.find(b"\nSigPnd:")
        if i >= 0:
            j = data.find(b"\nCap", i)
            for line in data[i + 1:j if j >= 0 else len(data)].split(b"\n"):
                k, _, v = line.partition(b":")
                attr = _STATUS_SIG.get(k)
                if attr is not None:
                    d[attr] = v.strip().decode("ascii")
    if mem:
        # procps starts VmLck (and the VMPARTS) at 0: kernel threads and zombies have no Vm lines
        i = data.find(b"\nVmLck:")
        d["vm_lck_kb"] = int(data[i + 7:data.find(b" kB", i)]) if i >= 0 else 0
        for key, n, attr in _MEM_FIND:
            i = data.find(key)
            if i >= 0:
                i += n
                d[attr] = int(data[i:data.find(b" kB", i)])
    if parts:
        for key, n, attr in _VMPARTS_FIND:
            i = data.find(key)
            d[attr] = int(data[i + n:data.find(b" kB", i)]) if i >= 0 else 0


def _fill_extra(d: dict, base: bytes, procdir: bytes, groups: int, rel: bytes, dir_fd) -> bool:
    """Fill the groups that have files of their own.  False when the task has gone.

    ``base``/``procdir``: absolute task and process directories; ``rel``: the task
    directory relative to ``dir_fd`` (the open /proc), for the hot files."""
    if groups & _G_CMDLINE:
        d["cmdline"] = _read_all(rel + b"/cmdline", dir_fd=dir_fd)
    if groups & _G_ENVIRON:
        d["environ"] = _read_all(rel + b"/environ", dir_fd=dir_fd)
    if groups & _G_STATM:
        v = _read_small(rel + b"/statm", 256, dir_fd=dir_fd)
        f = v.split() if v else ()
        if len(f) >= 7:
            (d["size_pages"], d["resident_pages"], d["shared_pages"], d["text_pages"], d["lib_pages"],
             d["data_pages"], d["dirty_pages"]) = (int(x) for x in f[:7])
        else:
            for k in ("size_pages", "resident_pages", "shared_pages", "text_pages", "lib_pages",
                      "data_pages", "dirty_pages"):
                d[k] = 0
    if groups & _G_WCHAN:
        w = _read_small(base + b"/wchan", 63)
        if not w:
            d["wchan"] = "?"
        elif w == b"0":
            d["wchan"] = "-"
        else:
            i = 0
            if w[:1] == b".":
                i = 1
            while w[i:i + 1] == b"_":
                i += 1
            d["wchan"] = w[i:].split(b"\0", 1)[0].decode("utf-8", "replace")
    if groups & _G_CGROUP:
        d["cgroup"] = _read_all(base + b"/cgroup")
    if groups & _G_LABEL:
        d["label"] = _read_small(procdir + b"/attr/current", 4096)
    if groups & _G_NS:
        ns = {}
        for kind in _NS_KINDS:
            try:
                ns[kind] = os.stat(base + b"/ns/" + kind.encode()).st_ino
            except OSError:
                ns[kind] = 0
        d["ns"] = ns
    if groups & _G_OOM:
        v = _read_small(base + b"/oom_score", 64)
        d["oom_score"] = _leading_int(v, 0)
        v = _read_small(base + b"/oom_score_adj", 64)
        d["oom_adj"] = _leading_int(v, 0)
    if groups & _G_IO:
        v = _read_small(base + b"/io", 4096)
        io = {}
        if v:
            for line in v.split(b"\n"):
                k, sep, val = line.partition(b":")
                if sep:
                    try:
                        io[k.decode()] = int(val)
                    except ValueError:
                        pass
        d["io"] = io
    if groups & _G_SMAPS:
        v = _read_small(base + b"/smaps_rollup", 8192)
        pss = pc = pdirty = 0
        if v:
            for line in v.split(b"\n"):
                k, sep, val = line.partition(b":")
                if not sep:
                    continue
                if k == b"Pss":
                    pss = _leading_int(val, 0)
                elif k == b"Private_Clean":
                    pc = _leading_int(val, 0)
                elif k == b"Private_Dirty":
                    pdirty = _leading_int(val, 0)
        d["pss_kb"], d["private_clean_kb"], d["private_dirty_kb"] = pss, pc, pdirty
    if groups & _G_EXE:
        try:
            d["exe"] = os.readlink(base + b"/exe")[:_MAX_ARGS - 1]
        except OSError:
            d["exe"] = None
    if groups & _G_LOGIN:
        v = _read_small(base + b"/loginuid", 64)
        d["loginuid"] = _leading_int(v, -1) if v else None
    if groups & _G_AUTOGROUP:
        v = _read_small(base + b"/autogroup", 64)
        ag_id, ag_nice = -1, 0
        if v and v.startswith(b"/autogroup-"):
            parts = v[11:].split()
            try:
                ag_id = int(parts[0])
                if len(parts) >= 3 and parts[1] == b"nice":
                    ag_nice = int(parts[2])
            except (ValueError, IndexError):
                pass
        d["autogroup_id"], d["autogroup_nice"] = ag_id, ag_nice
    return True


def _leading_int(v, default):
    if not v:
        return default
    s = v.split()
    if not s:
        return default
    try:
        n = int(s[0])
    except ValueError:
        return default
    # atoi into an int: 4294967295 reads as -1
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= (1 << 31) else n


class ProcfsBackend:
    """Reads tasks from procfs."""

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

    # ------------------------------------------------------------------ dump
    def dump(self, strategy: Strategy, groups: Group, pid: int | None = None) -> list[Task]:
        groups = Group(groups) | Group.BASE
        proc = self.proc
        strategy = Strategy(strategy)
        if strategy == Strategy.ALL:
            return self._read_many([(n, n, None) for n in self._pids()], groups, False)
        if strategy == Strategy.ALL_THREAD:
            items = []
            for n in self._pids():
                tids = self._tids(n)
                if not tids:
                    continue
                # procps reads a thread-group leader's row from /proc/PID (process-wide figures)
                items.extend((n, n if t == n else n + b"/task/" + t, t) for t in tids)
            return self._read_many(items, groups, True)
        if pid is None:
            raise ValueError(f"{strategy.name} needs a pid")
        p = str(int(pid)).encode()
        if strategy == Strategy.ONE:
            return self._read_many([(p, p, None)], groups, False)
        if strategy == Strategy.THREAD:
            return self._read_many(
                [(p, p if t == p else p + b"/task/" + t, t) for t in self._tids(p)], groups, True)
        if strategy == Strategy.CHILDREN:
            rows = self._read_many([(n, n, None) for n in self._pids()], groups, False)
            return [t for t in rows if t.ppid == pid]
        raise ValueError(f"unknown strategy {strategy!r}")

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
        fresh = {(r.pid, r.tid): r for r in self._read_many(items, Group(groups) | Group.BASE, False)}
        kept = []
        for t in tasks:
            r = fresh.get((t.pid, t.tid))
            if r is None:
                continue
            d = r.__dict__
            d.pop("is_thread", None)
            t.__dict__.update(d)
            kept.append(t)
        return kept

    parallel_min = 4000
    """From this many tasks on, a forked helper reads part of them on another cpu."""

    def _read_many(self, items, groups: Group, threads: bool) -> list[Task]:
        """items: (pid name, task directory relative to /proc, tid name or None)."""
        try:
            dir_fd = os.open(self.proc, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return []
        try:
            if len(items) >= self.parallel_min and _cpus() > 1:
                return self._read_split(items, groups, threads, dir_fd)
            return self._read_items(items, groups, threads, dir_fd)
        finally:
            os.close(dir_fd)

    def _read_split(self, items, groups: Group, threads: bool, dir_fd: int) -> list[Task]:
        """Read ``items`` with a forked helper taking the second part.

        Most of a dump is the kernel formatting /proc files and Python parsing them,
        one task at a time: a second process doing half the tasks on the other cpu
        nearly halves the wall time.  The helper sends its records back marshalled
        (dicts of ints, strs, bytes, bools, tuples); the order of ``items`` is kept.
        Anything going wrong with the helper makes this process read its part itself.
        """
        cut = len(items) * 9 // 20
        mine, theirs = items[:cut], items[cut:]
        # this process reads its own row, as a single reader would (state R, not waiting on the helper)
        me = str(os.getpid()).encode()
        helper_first = any(item[0] == me for item in theirs)
        if helper_first:
            cut = len(items) - cut
            theirs, mine = items[:cut], items[cut:]
        try:
            rfd, wfd = os.pipe()
        except OSError:
            return self._read_items(items, groups, threads, dir_fd)
        try:
            child = os.fork()
        except OSError:
            os.close(rfd)
            os.close(wfd)
            return self._read_items(items, groups, threads, dir_fd)
        if child == 0:  # pragma: no cover - runs in the helper
            status = 1
            try:
                os.close(rfd)
                recs = self._read_items(theirs, groups, threads, dir_fd)
                data = memoryview(marshal.dumps([t.__dict__ for t in recs]))
                del recs
                while data:
                    data = data[os.write(wfd, data):]
                status = 0
            finally:
                os._exit(status)
        os.close(wfd)
        try:
            out = self._read_items(mine, groups, threads, dir_fd)
            chunks = []
            while True:
                b = os.read(rfd, 1 << 20)
                if not b:
                    break
                chunks.append(b)
        finally:
            os.close(rfd)
            _, status = os.waitpid(child, 0)
        rest = None
        if status == 0 and chunks:
            data = b"".join(chunks)
            del chunks
            try:
                rest = marshal.loads(data)
            except (EOFError, ValueError, TypeError):
                rest = None
            del data
        if rest is None:
            rest_tasks = self._read_items(theirs, groups, threads, dir_fd)
        else:
            new = Task.__new__
            rest_tasks = []
            append = rest_tasks.append
            for d in rest:
                t = new(Task)
                t.__dict__ = d
                append(t)
            del rest
        if helper_first:
            rest_tasks.extend(out)
            return rest_tasks
        out.extend(rest_tasks)
        return out

    def _read_items(self, items, groups: Group, threads: bool, dir_fd: int) -> list[Task]:
        proc_slash = self.proc + b"/"
        out = []
        append = out.append
        new = Task.__new__
        open_, read, close = os.open, os.read, os.close
        want_stat_extra = bool(groups & (Group.STAT | Group.SCHED | Group.TTY | Group.MEM | Group.ADDR))
        g_stat = bool(groups & Group.STAT)
        g_sched = bool(groups & Group.SCHED)
        g_mem = bool(groups & Group.MEM)
        g_parts = bool(groups & Group.VMPARTS)
        # every int field of stat the groups ask for, converted in one map() and zipped into the record
        keys, idx = ("pid", "tid"), ()
        for g, k, i in _STAT_INTS:
            if groups & g:
                keys += k
                idx += i
        pick = itemgetter(*idx)
        g_cred = bool(groups & Group.CRED)
        g_sig = bool(groups & Group.SIGNALS)
        g_sup = bool(groups & Group.SUPGROUPS)
        need_status = bool(groups & _STATUS_GROUPS)
        other = int(groups) & ~int(_STAT_GROUPS | _STATUS_GROUPS)
        # split only as far as the groups need: BASE stops at the flags (field 9)
        nsplit = 40 if want_stat_extra else 7
        nmin = 39 if want_stat_extra else 7
        for name, rel, tid in items:
            try:
                fd = open_(rel + b"/stat", _O_RDONLY, dir_fd=dir_fd)
            except OSError:
                continue
            try:
                data = read(fd, 2048)
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
            d = dict(zip(keys, map(int, (name, tid or name, *pick(f)))))
            d["comm"] = data[data.find(b"(") + 1:r].decode("utf-8", "surrogateescape")
            d["state"] = chr(f[0][0])
            d["kthread"] = bool(int(f[6]) & _PF_KTHREAD)
            if g_stat and not d["nlwp"]:
                d["nlwp"] = 1
            if need_status:
                try:
                    fd = open_(rel + b"/status", _O_RDONLY, dir_fd=dir_fd)
                except OSError:
                    continue
                try:
                    sdata = read(fd, 8192)
                except OSError:
                    sdata = b""
                finally:
                    close(fd)
                if not sdata:
                    continue
                _parse_status(sdata, d, g_cred, g_sig, g_mem, g_sup, g_parts)
            if other:
                _fill_extra(d, proc_slash + rel, proc_slash + name, other, rel, dir_fd)
            t = new(Task)
            t.__dict__ = d
            if threads:
                t.is_thread = True
            append(t)
        return out
