"""pyroute2 as an independent reference decoder of task_diag replies (tests only).

pyroute2's Marshal does the netlink framing (message lengths, the genl header, the family
header as message fields, attribute TLVs and their alignment); CONT sequences are merged
here, and attribute payloads are unpacked with the uapi layouts.  ``agree`` checks that
pstd's bulk parser (pstd.backends.nlwire) read the same tasks with the same values.
"""

from __future__ import annotations

import struct

from pyroute2.netlink import genlmsg
from pyroute2.netlink.nlsocket import Marshal

from pstd import taskdiag_abi as abi
from pstd.backends import nlwire as wire
from pstd.model import Group


class _TaskDiagMsg(genlmsg):
    fields = genlmsg.fields + (("pid", "I"), ("tgid", "I"), ("flags", "I"))
    nla_map = tuple((i, "TD_%d" % i, "cdata") for i in range(abi.ATTR_MAX + 1))


def decode(datagrams, family: int) -> list[dict]:
    """Each task of the replies: {"pid", "tgid", "msgs", attribute id -> payload bytes}
    (CMDLINE and VMA payloads of a CONT sequence concatenated)."""
    m = Marshal()
    m.msg_map = {family: _TaskDiagMsg}
    tasks, cur = [], None
    for dg in datagrams:
        for msg in m.parse(bytes(dg)):
            if msg["header"]["type"] != family:
                continue
            pid, tgid, flags = msg["pid"], msg["tgid"], msg["flags"]
            if cur is None:
                cur = {"pid": pid, "tgid": tgid, "msgs": 0}
            assert (cur["pid"], cur["tgid"]) == (pid, tgid), "CONT sequence changed task"
            cur["msgs"] += 1
            for name, value in msg["attrs"]:
                i = int(name[3:])
                if i in (abi.CMDLINE, abi.VMA):
                    cur[i] = cur.get(i, b"") + value
                else:
                    assert i not in cur, "attribute %d twice in one task" % i
                    cur[i] = value
            if not flags & abi.FLAG_CONT:
                tasks.append(cur)
                cur = None
    assert cur is None, "replies end inside a CONT sequence"
    return tasks


def _fields(lay, payload):
    return dict(zip(lay.names, lay.unpack_from(payload[:lay.size])))


def expected(task: dict, groups: Group) -> dict:
    """The Task attributes the reference decoding gives for ``groups``."""
    out = {"pid": task["tgid"], "tid": task["pid"]}
    if abi.BASE in task:
        b = _fields(abi.TaskDiagBase, task[abi.BASE])
        out.update(ppid=b["ppid"], sid=b["sid"], pgid=b["pgid"], state=abi.STATE_CHARS[b["state"]],
                   comm=b["comm"].split(b"\0")[0].decode("utf-8", "surrogateescape"),
                   kthread=bool(b["base_flags"] & abi.BASE_F_KTHREAD))
    if abi.CRED in task:
        v = struct.unpack_from("=16I", task[abi.CRED])  # 4 task_diag_caps (2 u32 each), 8 ids
        ids = dict(zip(("ruid", "euid", "suid", "fsuid", "rgid", "egid", "sgid", "fsgid"), v[8:]))
        if groups & Group.CRED:
            out.update({k: ids[k] for k in ("ruid", "suid", "fsuid", "rgid", "sgid", "fsgid")})
        if groups & Group.OWNER:
            out.update(euid=ids["euid"], egid=ids["egid"])
        if groups & Group.CAPS:
            for i, k in enumerate(("cap_inh", "cap_prm", "cap_eff", "cap_bnd")):
                out[k] = v[2 * i] | v[2 * i + 1] << 32  # cap[0] is the low word
    if abi.STAT in task:
        s = _fields(abi.TaskDiagStat, task[abi.STAT])
        if groups & Group.STAT:
            out.update({k: s[k] for k in ("utime", "stime", "cutime", "cstime")}, nlwp=s["threads"])
        if groups & Group.FAULTS:
            out.update({k: s[k] for k in ("minflt", "cminflt", "majflt", "cmajflt")})
    if abi.STATM in task and groups & Group.STATM:
        s = _fields(abi.TaskDiagStatm, task[abi.STATM])
        out.update({k + "_pages": s[k] for k in ("size", "resident", "shared", "text", "lib", "data", "dirty")})
    if abi.CMDLINE in task and groups & Group.CMDLINE:
        out["cmdline"] = task[abi.CMDLINE]
    if abi.SCHED in task:
        s = _fields(abi.TaskDiagSched, task[abi.SCHED])
        if groups & Group.SCHED:
            out.update(priority=s["prio"], nice=s["nice"], flags=s["flags"], start_time=s["start_time"])
        if groups & Group.POLICY:
            out.update(policy=s["policy"], rtprio=s["rt_priority"], processor=s["processor"])
        if groups & Group.CTXSW:
            out.update(nvcsw=s["nvcsw"], nivcsw=s["nivcsw"])
    if abi.TTY in task and groups & Group.TTY:
        t = _fields(abi.TaskDiagTty, task[abi.TTY])
        out.update(tty=t["tty_nr"], tpgid=t["tpgid"])
    if abi.MEM in task:
        m = _fields(abi.TaskDiagMem, task[abi.MEM])
        nomm = not m["vm_peak"]
        if groups & Group.MEM:
            out.update(vsize=m["vsize"], rss_pages=m["rss"])
            for k in ("vm_lck", "vm_rss", "vm_size"):
                out[k + "_kb"] = None if nomm else m[k]
        if groups & Group.VMPARTS:
            for k in ("vm_data", "vm_stk", "vm_exe", "vm_lib", "vm_swap", "rss_anon", "rss_file", "rss_shmem"):
                out[k + "_kb"] = None if nomm else m[k]
    if abi.SIGNAL in task and groups & Group.SIGNALS:
        s = _fields(abi.TaskDiagSignal, task[abi.SIGNAL])
        out.update(sig_pending=s["pending"], sig_shared=s["shared_pending"], sig_blocked=s["blocked"],
                   sig_ignored=s["ignored"], sig_caught=s["caught"])
    return out


def agree(datagrams, family: int, plan, threads: bool = False) -> list[dict]:
    """Assert that nlwire's parse of ``datagrams`` equals the reference decoding; returns the latter."""
    ref = decode(datagrams, family)
    res = wire.replay(datagrams, family, plan, threads)
    assert len(res.tasks) == len(ref), (len(res.tasks), len(ref))
    for t, r in zip(res.tasks, ref):
        got = t.values()
        got.pop("is_thread", None)
        assert got == expected(r, plan.groups), (t, r["msgs"])
    return ref
