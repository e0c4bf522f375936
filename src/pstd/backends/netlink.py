"""The netlink backend: task records from the task_diag kernel module, procfs for the rest.

``NetlinkBackend(env).dump(strategy, groups, pid=None)`` returns the same
:class:`pstd.model.Task` records as :class:`pstd.backends.procfs.ProcfsBackend`
for the same arguments.  One dump request per call.  Thread modes that show STAT
need a thread-group leader's row from /proc/PID/stat, whose times and faults are
the whole process's: the request asks for that (TASK_DIAG_REQ_LEADER_WHOLE), or,
from a module without request flags, a second, process dump supplies them.
Mixed service, for those tasks only, through procfs's readers:

- groups the module does not serve (WCHAN, ADDR, environment, cgroup, ..., and the
  groups GET_INFO lists in ``self_only_flags``) come from procfs for every task;
- a group the module left out of a task's reply (not visible to this reader), a
  comm the module flags as not procfs's text (workqueue workers, long kernel
  thread names), and a CONT sequence that ended without its data are read from
  procfs for that task;
- when GET_INFO's policy differs from the caller's /proc (hidepid), the tasks
  /proc lists and the module did not are read from procfs, and tasks /proc does
  not list are dropped.

Any failure of the module (unloaded mid-run, an errno, a malformed reply, a dump
interrupted three times) answers the whole call from procfs: no traceback, no lost
or duplicated row.  Library code: no fork, nothing process-wide; a socket per
dump, so threads may share a backend.
"""

from __future__ import annotations

import errno
import os
from operator import attrgetter

from pstd import taskdiag_abi as abi
from pstd.backends import BackendUnavailable
from pstd.backends import nlwire as wire
from pstd.backends.procfs import ProcfsBackend
from pstd.model import Group, Strategy, Task

DUMP_ATTEMPTS = 3
"""Dumps tried when the kernel flags one NLM_F_DUMP_INTR (or the socket overran) before procfs answers."""

_THREAD_STRATEGIES = (Strategy.ALL_THREAD, Strategy.THREAD)
_WHOLE = Group.STAT | Group.FAULTS
"""The groups of the module's STAT attribute: a thread-group leader's row has the whole process's."""
_COPIERS: dict = {}


def _whole_copier(groups: Group):
    """``copy(leader, whole)``: the fields of ``groups`` (of STAT, FAULTS) from the process's record
    to its leader's row, in one call with one tuple store (a thread listing's every leader row)."""
    key = int(groups & _WHOLE)
    copy = _COPIERS.get(key)
    if copy is None:
        names = tuple(n for g in (Group.STAT, Group.FAULTS) if key & g for n in Task.FIELDS[g])
        get = attrgetter(*names)
        g: dict = {"get": get}
        targets = ", ".join("t." + n for n in names) + ("," if len(names) == 1 else "")
        exec("def copy(t, w):\n    %s = get(w)\n" % targets, g)  # noqa: S102 - from Task.FIELDS
        copy = _COPIERS[key] = g["copy"]
    return copy


_HIDEPID_WORDS = {b"0": 0, b"off": 0, b"1": 1, b"noaccess": 1, b"2": 2, b"invisible": 2, b"4": 4,
                  b"ptraceable": 4}


def probe():
    """(family id, Info) of the task_diag module; BackendUnavailable when it does not answer."""
    try:
        s = wire.open_socket()
    except OSError as e:
        raise BackendUnavailable(f"netlink socket: {os.strerror(e.errno or 0)}") from None
    try:
        family = wire.resolve_family(s)
        info = wire.get_info(s, family)
    except wire.WireError as e:
        if e.errno == errno.ENOENT:
            raise BackendUnavailable("the netlink backend needs the task_diag kernel module "
                                     "(generic netlink family TASK_DIAG not found)") from None
        raise BackendUnavailable(f"task_diag module: {os.strerror(e.errno)}") from None
    except (OSError, wire.Malformed) as e:
        raise BackendUnavailable(f"task_diag module: {e}") from None
    finally:
        s.close()
    return family, info


def proc_hidepid(proc: str = "/proc"):
    """The hidepid level (0, 1, 2, 4) and gid= presence of the procfs mounted at ``proc``, or None.

    Read from /proc/self/mountinfo: the last mount at that path is the one a reader sees."""
    try:
        with open(os.path.join(proc, "self/mountinfo"), "rb") as f:
            data = f.read()
    except OSError:
        return None
    target = os.fsencode(os.path.realpath(proc))
    found = None
    for line in data.split(b"\n"):
        fields = line.split(b" ")
        if len(fields) < 10 or fields[4] != target:
            continue
        try:
            sep = fields.index(b"-")
        except ValueError:
            continue
        if fields[sep + 1] != b"proc":
            continue
        hide, gid = 0, False
        for opt in b",".join(fields[5:sep] + fields[sep + 3:]).split(b","):
            if opt.startswith(b"hidepid="):
                hide = _HIDEPID_WORDS.get(opt[8:], 2)
            elif opt.startswith(b"gid="):
                gid = True
        found = (hide, gid)
    return found


def policy_matches(info, proc: str = "/proc") -> bool:
    """Whether the module shows this reader the tasks the procfs at ``proc`` shows it."""
    mine = proc_hidepid(proc)
    if mine is None:
        return False
    hide, gid = mine
    if info.hidepid == 0:
        return hide == 0
    # both hide what the reader may not inspect; the module cannot consult LSM hooks or gid=
    return hide == 2 and not gid and not info.policy & abi.POLICY_LSM


class NetlinkBackend:
    """Reads tasks from the task_diag module (``family``/``info`` from :func:`probe`)."""

    groups = ProcfsBackend.groups
    """Every group: what the module does not serve, procfs does."""

    def __init__(self, env=None, proc: str | None = None, family: int | None = None, info=None,
                 policy_ok: bool | None = None) -> None:
        if proc is None:
            proc = getattr(env, "proc", "/proc") if env is not None else "/proc"
        self.proc = proc
        self.procfs = ProcfsBackend(env, proc=proc)
        if family is None or info is None:
            family, info = probe()
        self.family = family
        self.info = info
        self.policy_ok = policy_matches(info, proc) if policy_ok is None else policy_ok
        served = Group(0)
        for g, attr in wire.ATTR_OF_GROUP.items():
            if (info.show_flags >> attr) & 1 and not (info.self_only_flags >> attr) & 1:
                served |= g
        self.served = served
        """The Task groups the module serves to this reader for every task it lists."""
        self.fallbacks = 0
        """Calls answered wholly by procfs (the module failed); for tests and `pstd module status`."""
        self._plans: dict = {}
        """int(groups) -> wire.Plan: a screen refreshing every second asks for the same few sets
        (and one ONE dump per drawn row), and building a Plan costs more than a small dump."""

    # ------------------------------------------------------------------ the contract
    def dump(self, strategy: Strategy, groups: Group, pid: int | None = None,
             keep=None, keep_groups: Group = Group.BASE) -> list[Task]:
        """The tasks of ``strategy`` with the data of ``groups`` (BASE always); see ProcfsBackend.dump."""
        strategy = Strategy(strategy)
        groups = Group(groups) | Group.BASE
        if keep is not None:
            groups |= keep_groups
        if strategy not in (Strategy.ALL, Strategy.ALL_THREAD) and pid is None:
            raise ValueError(f"{strategy.name} needs a pid")
        tasks = self._dump(strategy, groups, 0 if pid is None else int(pid))
        if tasks is None:
            self.fallbacks += 1
            return self.procfs.dump(strategy, groups, pid, keep, keep_groups)
        if strategy in (Strategy.ONE, Strategy.THREAD) and any(t.pid != pid for t in tasks) or \
                strategy == Strategy.THREAD and not tasks:
            # A thread id given: for ONE procfs reads /proc/TID, whose stat is the whole process's
            # (the module sends the thread's own), both listing it as pid = its tgid, tid = TID;
            # for THREAD the module lists none (no process has that id) where procfs lists the
            # threads of the thread's process.  Which of the two an empty answer is, procfs knows.
            return self.procfs.dump(strategy, groups, pid, keep, keep_groups)
        if keep is not None:
            tasks = [t for t in tasks if keep(t)]
        return tasks

    def dump_many(self, strategy: Strategy, groups: Group, pids) -> list[Task]:
        """What ``ALL``/``ALL_THREAD`` would list of the processes ``pids`` (ONE, THREAD) or of their
        children (CHILDREN), one request per pid, in pid order, each task once."""
        strategy = Strategy(strategy)
        groups = Group(groups) | Group.BASE
        out = {}
        for pid in sorted(set(int(p) for p in pids)):
            if pid <= 0:
                # no such process; CHILDREN of 0 are the tasks whose parent is outside: ALL knows
                if strategy == Strategy.CHILDREN:
                    return [t for t in self.dump(Strategy.ALL, groups) if t.ppid in set(pids)]
                continue
            tasks = self._dump(strategy, groups, pid)
            if tasks is None:
                self.fallbacks += 1
                tasks = self._procfs_many(strategy, groups, pid)
            for t in tasks:
                if strategy == Strategy.CHILDREN or t.pid == pid and (strategy == Strategy.THREAD or t.tid == pid):
                    out[(t.pid, t.tid)] = t
        return [out[k] for k in sorted(out)]

    def _procfs_many(self, strategy, groups, pid):
        if strategy == Strategy.CHILDREN:
            return self.procfs.dump(strategy, groups, pid)
        # leaders only, as ALL / ALL_THREAD list them: /proc/TID/stat of a thread would pass for one
        every = self.procfs.dump(Strategy.ALL_THREAD if strategy == Strategy.THREAD else Strategy.ALL, groups)
        return [t for t in every if t.pid == pid]

    # ------------------------------------------------------------------ one call
    def _dump(self, strategy: Strategy, groups: Group, pid: int):
        """The records of one call, or None when procfs must answer all of it."""
        if not (self.info.strategies >> int(strategy)) & 1:
            return None
        if not self.policy_ok and strategy not in (Strategy.ALL, Strategy.ALL_THREAD):
            return None
        nl_groups = groups & self.served
        rest = groups & ~nl_groups
        plan = self._plans.get(int(nl_groups))
        if plan is None:
            plan = self._plans[int(nl_groups)] = wire.Plan(nl_groups)
        threads = strategy in _THREAD_STRATEGIES
        flags = self.request_flags(strategy, plan.groups)
        res = self._run(plan, int(strategy), pid, threads, flags)
        if res is None:
            return None
        if res.error:
            if res.error == errno.ESRCH and strategy != Strategy.ALL and strategy != Strategy.ALL_THREAD:
                return []
            return None
        tasks = res.tasks
        refill = res.refill
        if threads:
            _procfs_order(tasks)
        if threads and plan.groups & _WHOLE and not flags:
            if not self._leader_stat(tasks, strategy, pid, refill, plan.groups & _WHOLE):
                return None
        if not self.policy_ok:
            tasks = self._reconcile(tasks, strategy, groups)
        if refill or res.names:
            tasks = self._refill(tasks, refill, res.names)
        if rest & ~Group.BASE:
            # procfs's groups for every task (it re-reads /proc/PID/stat too: BASE comes with them)
            tasks = self.procfs.fill(tasks, rest)
        return tasks

    def request_flags(self, strategy: Strategy, groups: Group) -> int:
        """TASK_DIAG_REQ_* of a dump of ``groups``: in thread listings, leaders' STAT is the whole
        process's where the module takes that flag (0: a second dump supplies it)."""
        if strategy in _THREAD_STRATEGIES and groups & _WHOLE:
            return self.info.req_flags & abi.REQ_LEADER_WHOLE
        return 0

    def _run(self, plan, strategy: int, pid: int, threads: bool, flags: int = 0):
        """One dump, redone when interrupted; None when the module cannot answer it."""
        for _ in range(DUMP_ATTEMPTS):
            try:
                s = wire.open_socket()
            except OSError:
                return None
            try:
                res = wire.dump(s, self.family, plan, strategy, pid, threads, flags=flags)
            except OSError as e:
                if e.errno == errno.ENOBUFS:  # the socket overran: a fresh one, a fresh dump
                    continue
                return None
            except wire.Malformed:
                return None
            finally:
                s.close()
            if not res.intr:
                return res
        return None

    def _leader_stat(self, tasks, strategy, pid, refill, groups: Group = _WHOLE) -> bool:
        """Give thread-group leaders' rows the whole process's STAT and FAULTS (those of ``groups``,
        as /proc/PID/stat has them), from a second dump: for a module that does not accept
        TASK_DIAG_REQ_LEADER_WHOLE."""
        copy = _whole_copier(groups)
        plan = wire.Plan(_WHOLE)
        res = self._run(plan, int(Strategy.ALL if strategy == Strategy.ALL_THREAD else Strategy.ONE), pid, False)
        if res is None:
            return False
        if res.error and res.error != errno.ESRCH:
            return False
        whole = {t.pid: t for t in res.tasks if t.pid == t.tid}
        missing = []
        for t in tasks:
            if t.tid == t.pid:
                w = whole.get(t.pid)
                if w is None or w.nlwp is None:  # the reply lacked STAT for it
                    missing.append((t, groups))
                else:
                    copy(t, w)
        refill.extend(missing)
        return True

    def _refill(self, tasks, refill, names=()):
        """Read from procfs what the replies lacked, task by task (``names``: only the comm, which
        procfs spells in full for kernel workers); drop the tasks procfs no longer has."""
        by_groups = {}
        for t, g in refill:
            by_groups.setdefault(int(g), []).append(t)
        gone = set()
        for g, ts in by_groups.items():
            kept = {id(t) for t in self.procfs.fill(ts, Group(g))}
            gone.update(id(t) for t in ts if id(t) not in kept)
        if names:
            kept = {id(t) for t in self.procfs.comms(names)}
            gone.update(id(t) for t in names if id(t) not in kept)
        if not gone:
            return tasks
        return [t for t in tasks if id(t) not in gone]

    def _reconcile(self, tasks, strategy, groups):
        """The module's policy differs from /proc's: list what /proc lists, reading the rest from procfs."""
        try:
            names = os.listdir(self.proc)
        except OSError:
            return tasks
        listed = {int(n) for n in names if n.isdigit()}
        have = {t.pid for t in tasks}
        tasks = [t for t in tasks if t.pid in listed]
        extra = sorted(listed - have)
        if not extra:
            return tasks
        per = Strategy.THREAD if strategy == Strategy.ALL_THREAD else Strategy.ONE
        for p in extra:
            tasks.extend(self.procfs.dump(per, groups, p))
        tasks.sort(key=lambda t: (t.pid, t.tid) if strategy == Strategy.ALL_THREAD else t.pid)
        return tasks


def _procfs_order(tasks) -> None:
    """Thread dumps come in thread id order; procfs lists each process's threads after it, leader first."""
    last = (-1, False, -1)
    for t in tasks:
        k = (t.pid, t.tid != t.pid, t.tid)
        if k < last:
            break
        last = k
    else:
        return
    tasks.sort(key=lambda t: (t.pid, t.tid != t.pid, t.tid))


def available(env=None):
    """A NetlinkBackend when the module answers and its policy matches the caller's /proc, else None."""
    proc = getattr(env, "proc", "/proc") if env is not None else "/proc"
    try:
        family, info = probe()
    except BackendUnavailable:
        return None
    if not policy_matches(info, proc):
        return None
    return NetlinkBackend(env, proc=proc, family=family, info=info, policy_ok=True)
