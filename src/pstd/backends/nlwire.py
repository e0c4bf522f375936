"""The task_diag wire: a raw generic netlink socket, the family, GET_INFO, and the bulk reply parser.

Standard library only (the ps path must not import pyroute2).  One dump is one
request; replies are received with ``recv_into`` into one large buffer and parsed
in place with ``struct.unpack_from``: each task becomes one attribute dict of a
:class:`pstd.model.Task`, with no Python object per netlink attribute.

A :class:`Plan` says, for one dump, which attribute ids are asked for and which
Task fields each fills; :func:`parse` walks one buffer of replies with it.
"""

from __future__ import annotations

import errno as _errno
import struct
import sys

# the C socket type: the socket module's wrapper class, selectors and enums cost about 7 ms to import,
# and a dump needs none of them
import _socket

from pstd import taskdiag_abi as abi
from pstd.model import Group, Task, record_class

RECV_SIZE = 1 << 16
"""Bytes offered to each recv_into.  The kernel sizes dump buffers from what the reader
offers (up to 32 KiB) and never sends more than one buffer per call."""

NLM_F_DUMP_INTR = 0x10
"""<linux/netlink.h>: the dump saw the kernel's data change under it; its result may be
inconsistent (redo it)."""

_HDR = struct.Struct("=IHH")          # nlmsg_len, nlmsg_type, nlmsg_flags
_MSG = struct.Struct("=III")          # task_diag_msg after the 4-byte genl header
_NLA = abi.NLATTR
_I32 = struct.Struct("=i")
_MSG_OFF = abi.NLMSGHDR.size + abi.GENLMSGHDR.size    # 20: where task_diag_msg starts
_ATTR_OFF = _MSG_OFF + abi.TaskDiagMsg.size           # 32: where the attributes start
_BASE = struct.Struct("=8xI4xIIB16sB")  # task_diag_base: ppid, sid, pgid, state, comm, base_flags
_STATE = abi.STATE_CHARS
_LITTLE = sys.byteorder == "little"


class WireError(OSError):
    """The kernel answered with an errno (NLMSG_ERROR, or -errno in NLMSG_DONE)."""


class Malformed(ValueError):
    """A reply that breaks the netlink or task_diag framing (a length, an order, a CONT rule)."""


class Interrupted(Exception):
    """The dump carried NLM_F_DUMP_INTR: its data may be inconsistent."""


# ------------------------------------------------------------------ what each attribute fills
#
# attribute id -> (Task group, [(field name, format)]) in payload order; a field whose group
# was not asked for becomes padding, so one unpack_from fills exactly the fields asked for.

_FIXED = {
    # a task_diag_caps (2 u32, low word first) reads as one u64 on little-endian; elsewhere
    # procfs serves CAPS (see ATTR_OF_GROUP)
    abi.CRED: [(Group.CAPS, [("cap_inh", "Q"), ("cap_prm", "Q"), ("cap_eff", "Q"), ("cap_bnd", "Q")]),
               (Group.CRED, [("ruid", "I")]), (Group.OWNER, [("euid", "I")]),
               (Group.CRED, [("suid", "I"), ("fsuid", "I"), ("rgid", "I")]), (Group.OWNER, [("egid", "I")]),
               (Group.CRED, [("sgid", "I"), ("fsgid", "I")])],
    abi.STAT: [(Group.FAULTS, [("minflt", "Q"), ("cminflt", "Q"), ("majflt", "Q"), ("cmajflt", "Q")]),
               (Group.STAT, [("utime", "Q"), ("stime", "Q"), ("cutime", "Q"), ("cstime", "Q"),
                             ("nlwp", "I")])],
    abi.STATM: [(Group.STATM, [("size_pages", "Q"), ("resident_pages", "Q"), ("shared_pages", "Q"),
                               ("text_pages", "Q"), ("lib_pages", "Q"), ("data_pages", "Q"),
                               ("dirty_pages", "Q")])],
    abi.SCHED: [(Group.SCHED, [("priority", "i"), ("nice", "i")]),
                (Group.POLICY, [("policy", "I"), ("rtprio", "I"), ("processor", "I")]),
                (Group.SCHED, [("flags", "I"), ("start_time", "Q")]),
                (Group.CTXSW, [("nvcsw", "Q"), ("nivcsw", "Q")])],
    abi.TTY: [(Group.TTY, [("tty", "I"), ("tpgid", "i")])],
    abi.SIGNAL: [(Group.SIGNALS, [("sig_pending", "Q"), ("sig_shared", "Q"), ("sig_blocked", "Q"),
                                  ("sig_ignored", "Q"), ("sig_caught", "Q")])],
}

_MEM = struct.Struct("=18Q")
_MEM_KB = (("vm_lck_kb", 5), ("vm_rss_kb", 8), ("vm_size_kb", 4))
_PARTS_KB = (("vm_data_kb", 12), ("vm_stk_kb", 13), ("vm_exe_kb", 14), ("vm_lib_kb", 15), ("vm_swap_kb", 17),
             ("rss_anon_kb", 9), ("rss_file_kb", 10), ("rss_shmem_kb", 11))

ATTR_OF_GROUP = {
    Group.BASE: abi.BASE, Group.CRED: abi.CRED, Group.OWNER: abi.CRED, Group.STAT: abi.STAT,
    Group.FAULTS: abi.STAT, Group.STATM: abi.STATM, Group.CMDLINE: abi.CMDLINE, Group.SCHED: abi.SCHED,
    Group.POLICY: abi.SCHED, Group.CTXSW: abi.SCHED,
    Group.TTY: abi.TTY, Group.MEM: abi.MEM, Group.VMPARTS: abi.MEM, Group.SIGNALS: abi.SIGNAL,
    Group.COMM: abi.BASE,
}
"""The Task groups a task_diag attribute can fill, and which attribute fills each."""
if _LITTLE:
    ATTR_OF_GROUP[Group.CAPS] = abi.CRED


class Plan:
    """How to read one dump's replies: the attributes asked for and the fields each fills.

    ``groups``: the Task groups the module is to serve in this dump (each a key of
    ATTR_OF_GROUP).  ``show_flags`` is the request's mask."""

    def __init__(self, groups: Group) -> None:
        groups = Group(groups) | Group.BASE
        self.groups = Group(0)
        self.show_flags = 0
        for g, attr in ATTR_OF_GROUP.items():
            if groups & g == g:
                self.groups |= g
                self.show_flags |= 1 << attr
        # attribute id -> (Struct, field names) for the fixed-size groups that have fields asked for
        self.fixed: list = [None] * 64
        for attr, parts in _FIXED.items():
            fmt, keys = "=", ()
            for g, fields in parts:
                on = bool(self.groups & g)
                for name, f in fields:
                    if on and not f.endswith("x"):
                        fmt += f
                        keys += (name,)
                    else:
                        fmt += "%dx" % struct.calcsize("=" + f) if not f.endswith("x") else f
            if keys:
                self.fixed[attr] = (struct.Struct(fmt), keys)
        self.mem = bool(self.groups & Group.MEM)
        self.parts = bool(self.groups & Group.VMPARTS)
        self.cmdline = bool(self.groups & Group.CMDLINE)
        self.names = bool(self.groups & Group.COMM)
        """Whether kernel workers' partial comms go to Result.names (to be read back from /proc)."""
        self.attr_groups = {}
        """attribute bit -> the Task groups that need it (to name what a task's reply lacks)."""
        for g, attr in ATTR_OF_GROUP.items():
            if self.groups & g == g:
                self.attr_groups[1 << attr] = self.attr_groups.get(1 << attr, Group(0)) | g

    def missing(self, seen: int) -> Group:
        """The groups of this plan whose attribute is not in ``seen`` (a bit per attribute id)."""
        out = Group(0)
        for bit, g in self.attr_groups.items():
            if not seen & bit:
                out |= g
        return out


# ------------------------------------------------------------------ the common case, generated
#
# Nearly every message of a dump has the same shape: every attribute the plan asks for, each of
# its uapi size, in id order, no CONT (a kernel worker's partial comm is of that shape: the
# record goes to Result.names as well, since workers sit among the other tasks and each one sent
# to the general loop cost the rest of its buffer a second column check).  For that shape one
# generated function
# unpacks the whole message with one or two Structs (the command line, of variable length, splits
# it in two) and builds the record by one run of attribute stores; any other message (a task the
# reader may not inspect, a CONT sequence, a flag, a newer module's longer struct) returns None and
# goes through the general loop in parse(), which stays the reference.

_COMMS: dict = {}
"""BASE's 16 comm bytes -> their text: most tasks share a few names (a dump of 30,000 tasks
decodes a dozen), and a lookup costs a third of a find, a slice and a decode.  The mapping
never changes, so the memo needs no invalidation; it is emptied when it grows past
_COMMS_MAX (names that churn, such as workqueue workers', cannot grow it without bound)."""
_COMMS_MAX = 4096


def comm_text(raw: bytes) -> str:
    """The text of a task_diag_base comm (NUL-terminated in 16 bytes), remembered in _COMMS."""
    i = raw.find(b"\0")
    text = (raw if i < 0 else raw[:i]).decode("utf-8", "surrogateescape")
    if len(_COMMS) >= _COMMS_MAX:
        _COMMS.clear()
    _COMMS[raw] = text
    return text


_PAYLOAD = {abi.BASE: abi.TaskDiagBase.size, abi.CRED: abi.TaskDiagCreds.size, abi.STAT: abi.TaskDiagStat.size,
            abi.STATM: abi.TaskDiagStatm.size, abi.SCHED: abi.TaskDiagSched.size, abi.TTY: abi.TaskDiagTty.size,
            abi.MEM: abi.TaskDiagMem.size, abi.SIGNAL: abi.TaskDiagSignal.size}
"""uapi payload size of each fixed attribute (the shape the fast path expects)."""

_FAST_CACHE: dict = {}


def _fast_parser(plan: Plan, family: int, threads: bool):
    """``(buf, off, end, append, names) -> off``: appends the records of the common-shape messages
    from ``off`` on (to ``names`` too, those whose comm procfs spells otherwise) and returns where
    the first other message (or the end) is; None: no common shape."""
    key = (int(plan.groups), family, threads)
    try:
        return _FAST_CACHE[key]
    except KeyError:
        fn = _FAST_CACHE[key] = _generate_fast(plan, family, threads)  # None: no common shape
        return fn


def _bits_at(offset: int, fmt: str, mask: int) -> list:
    """[(byte offset, bits)] where a field of ``fmt`` at ``offset`` keeps the bits of ``mask``."""
    return [(offset + j, b) for j, b in enumerate(struct.pack(fmt, mask)) if b]


def _generate_fast(plan: Plan, family: int, threads: bool):
    attrs = [a for a in range(64) if plan.show_flags >> a & 1]
    if any(a not in _PAYLOAD and a != abi.CMDLINE for a in attrs):
        return None
    # The generated formats put each attribute header right after the previous payload: that is
    # the wire's layout only while every payload is a whole number of 4-byte units (netlink pads
    # to 4); a plan with another size keeps the general loop (checked here, not by an assert).
    if any(_PAYLOAD[a] % 4 for a in attrs if a in _PAYLOAD):
        return None
    segs = [[]]  # attribute ids before the command line, and after it
    for a in attrs:
        if a == abi.CMDLINE:
            segs.append([])
        else:
            segs[-1].append(a)
    fmts, checks, items, pre, post = [], [], [], [], []
    same, clear = [], []  # first segment: (byte offset, bytes every message has there), (offset, bits none has)
    for n, seg in enumerate(segs):
        v = "v" if n == 0 else "w"
        fmt, idx = "=", 0
        if n == 0:
            fmt += "IHHII4xIII"  # nlmsghdr, genlmsghdr, task_diag_msg
            same += [(4, struct.pack("=H", family)), (28, b"\0\0\0\0")]
            clear += _bits_at(6, "=H", NLM_F_DUMP_INTR)
            checks += ["v[1] != %d" % family, "v[2] & %d" % NLM_F_DUMP_INTR, "v[7]"]
            items += [("pid", "v[6]"), ("tid", "v[5]")]
            idx = 8
        for a in seg:
            size = _PAYLOAD[a]
            if n == 0:
                same.append((struct.calcsize(fmt), struct.pack("=HH", size + 4, a)))
            fmt += "HH"
            checks.append("(%s[%d], %s[%d]) != (%d, %d)" % (v, idx, v, idx + 1, size + 4, a))
            idx += 2
            if a == abi.BASE:
                fmt += _BASE.format.lstrip("=") + "%dx" % (size - _BASE.size)
                pre += ["c = CG(%s[%d])" % (v, idx + 4), "if c is None:", "    c = comm_text(%s[%d])" % (v, idx + 4)]
                # a kernel worker's comm (procfs spells it in full) is named in the record's loop,
                # not sent to the general one: those tasks sit among the others
                if plan.names:
                    post += ["if %s[%d] & %d:" % (v, idx + 5, abi.BASE_F_COMM_PARTIAL), "    names(t)"]
                items += [("ppid", "%s[%d]" % (v, idx)), ("sid", "%s[%d]" % (v, idx + 1)),
                          ("pgid", "%s[%d]" % (v, idx + 2)), ("state", "S[%s[%d]]" % (v, idx + 3)),
                          ("comm", "c"),
                          ("kthread", "K[%s[%d]]" % (v, idx + 5))]
                idx += 6
            elif a == abi.MEM:
                fmt += "18Q"
                pre.append("nomm = not %s[%d]" % (v, idx + 3))
                if plan.mem:
                    items += [("vsize", "%s[%d]" % (v, idx)), ("rss_pages", "%s[%d]" % (v, idx + 1))]
                    items += [(k, "None if nomm else %s[%d]" % (v, idx + i)) for k, i in _MEM_KB]
                if plan.parts:
                    items += [(k, "None if nomm else %s[%d]" % (v, idx + i)) for k, i in _PARTS_KB]
                idx += 18
            else:
                f = plan.fixed[a]
                if f is None:
                    fmt += "%dx" % size
                    continue
                st, keys = f
                fmt += st.format.lstrip("=") + ("%dx" % (size - st.size) if size > st.size else "")
                if size < st.size:
                    return None
                items += [(k, "%s[%d]" % (v, idx + i)) for i, k in enumerate(keys)]
                idx += len(keys)
        fmts.append(struct.Struct(fmt))
    if threads:
        items.append(("is_thread", "True"))
    # a state byte past the table reads '?', as in the general loop; bit 0 of base_flags is KTHREAD
    g = {"S": tuple(_STATE) + ("?",) * (256 - len(_STATE)), "K": tuple(bool(b & 1) for b in range(256)),
         "CG": _COMMS.get, "comm_text": comm_text,
         "A": fmts[0].unpack_from, "Z": fmts[0].size, "new": Task.__new__, "Task": Task}
    # One loop over the messages of the shape: one unpack (two around the command line) and one
    # record per task, no call per message; the first other message ends it.
    if len(fmts) == 2 and plan.cmdline:
        items.append(("cmdline", "bytes(buf[q + 4:q + cl])"))
    body = ["def run(buf, off, end, append, names):"]
    # each record in slots of a class made for these fields (model.record_class): a dict per
    # record of forty fields is a separate allocation and costs three times as much
    g["R"] = record_class(tuple(k for k, _ in items))
    record = ["t = new(R)"] + ["t.%s = %s" % (k, e) for k, e in items] + ["append(t)"] + post
    if len(fmts) == 1:
        # Every message of such a plan has one size Z (a multiple of 4: no padding between
        # messages): a buffer of nothing but common-shape messages is checked a byte column at a
        # time (the bytes at one offset of every message, one strided copy each) and unpacked in
        # one iter_unpack.  The columns are the per-message checks of the loop below: every length
        # is Z, so the messages sit every Z bytes exactly where the loop would find them, and a
        # DONE/ERROR/NOOP among them fails the type column.  Any other buffer (the last one, with
        # NLMSG_DONE, among them) takes the loop.
        same.insert(0, (0, struct.pack("=I", fmts[0].size)))
        g.update(MV=memoryview, ALLOWED={
            m: bytes(b for b in range(256) if not b & m) for _, m in clear})
        cols = ["mv[%d::Z].tobytes().count(%r) == k" % (o + j, bytes([c]))
                for o, want in same for j, c in enumerate(want)]
        cols += ["not mv[%d::Z].tobytes().translate(None, ALLOWED[%d])" % (o, m) for o, m in clear]
        # the columns checked the headers: this loop unpacks only the values the record uses,
        # into locals (a message's header alone is eight numbers, each one an object)
        slim, names, lines = _used_values(fmts[0], pre + record)
        g["IU"] = slim.iter_unpack
        body += ["    k = (end - off) // Z", "    if k > 1 and off + k * Z == end:",
                 "        mv = MV(buf)[off:end]",
                 "        if %s:" % " and ".join(cols), "            for %s, in IU(mv):" % ", ".join(names)]
        body += ["                " + ln for ln in lines]
        body += ["            return end"]
    if len(fmts) == 1:
        body += ["    while off + Z <= end:", "        v = A(buf, off)",
                 "        if v[0] != Z or %s:" % " or ".join(checks), "            return off"]
        step = "        off += Z"
    else:
        g.update(B=fmts[1].unpack_from, Y=fmts[1].size, N=_NLA.unpack_from)
        body += ["    while off + Z + 4 <= end:", "        v = A(buf, off)", "        ln = v[0]",
                 "        if ln < Z + 4 or off + ln > end:", "            return off",
                 "        q = off + Z", "        cl, ct = N(buf, q)",
                 "        if ct != %d or cl < 4:" % abi.CMDLINE, "            return off",
                 "        r = q + ((cl + 3) & ~3)",
                 "        if ln != r - off + Y:", "            return off", "        w = B(buf, r)",
                 "        if %s:" % " or ".join(checks), "            return off"]
        step = "        off = (off + ln + 3) & ~3"
    body += ["        " + ln for ln in pre + record]
    body += [step]
    body += ["    return off"]
    exec("\n".join(body), g)  # noqa: S102 - generated from the tables above, no outside input
    return g["run"]


def _used_values(st: struct.Struct, lines: list):
    """(a Struct of ``st``'s size unpacking only the values ``lines`` name as v[i], their local
    names in order, the lines with v[i] as those locals).  ``st``'s format is "=" then codes,
    each with an optional count; the ps path does without ``re`` (7 ms to import)."""
    text = "\n".join(lines)
    fmt, names, i, count = "=", [], 0, ""
    for ch in st.format.lstrip("="):
        if ch.isdigit():
            count += ch
            continue
        if ch == "x":
            fmt += count + ch
        else:
            n = 1 if ch in "sp" else int(count or 1)
            size = struct.calcsize("=" + count + ch) // n
            for _ in range(n):
                if "v[%d]" % i in text:
                    fmt += (count if ch in "sp" else "") + ch
                    names.append(i)
                else:
                    fmt += "%dx" % size
                i += 1
        count = ""
    slim = struct.Struct(fmt)
    if slim.size != st.size:  # pragma: no cover - a table bug
        raise AssertionError("slim format %r of %r" % (fmt, st.format))
    for j in names:
        text = text.replace("v[%d]" % j, "v%d" % j)
    if "v[" in text:  # pragma: no cover - a table bug
        raise AssertionError("a value the slim format left out: %r" % text)
    return slim, ["v%d" % j for j in names], text.split("\n")


# In a task's "seen" bits (one per attribute id, ids < 0x4000): its BASE said COMM_PARTIAL.
# Kept with them so that a CONT sequence remembers it over buffers.
_SEEN_PARTIAL_COMM = 1 << 0x4000


class Result:
    """What the replies of one dump said."""

    __slots__ = ("tasks", "refill", "names", "done", "error", "intr", "cont")

    def __init__(self) -> None:
        self.tasks: list = []
        """Task records in reply order."""
        self.refill: list = []
        """(task, groups): groups the reply lacked for that task (not visible to the module's
        reader, a sequence that ended without its data)."""
        self.names: list = []
        """Tasks whose comm procfs spells otherwise (a kernel worker's name with what it works
        on, beyond the 15 bytes of the task's own): /proc/PID/stat has the text.  Only of a
        plan with COMM."""
        self.done = False
        self.error = 0
        self.intr = False
        self.cont = None
        """(task, seen attribute bits) of a task whose last message had TASK_DIAG_FLAG_CONT."""


def parse(buf, start: int, end: int, family: int, plan: Plan, res: Result, threads: bool = False) -> int:
    """Parse the netlink messages in ``buf[start:end]`` (one or more whole datagrams) into ``res``.

    ``start`` is a multiple of 4 (a datagram's start: messages are aligned to 4 from there).

    Returns the offset after the last message read (``end``, or the offset just past
    NLMSG_DONE / NLMSG_ERROR).  Raises :class:`Malformed` for a broken reply."""
    hdr, msg, nla = _HDR.unpack_from, _MSG.unpack_from, _NLA.unpack_from
    fixed = plan.fixed
    want = plan.show_flags
    mem, parts, want_cmd = plan.mem, plan.parts, plan.cmdline
    base_un = _BASE.unpack_from
    mem_un = _MEM.unpack_from
    new = Task.__new__
    append = res.tasks.append
    state_chars = _STATE
    fast = _fast_parser(plan, family, threads)
    off = start
    cont = res.cont
    while off < end:
        if cont is None and fast is not None:
            off = fast(buf, off, end, append, res.names.append)
            if off >= end:
                break
        if off + 16 > end:
            raise Malformed("truncated netlink header at %d" % off)
        ln, typ, fl = hdr(buf, off)
        mend = off + ln
        if ln < 16 or mend > end:
            raise Malformed("netlink message of %d bytes at %d (buffer ends at %d)" % (ln, off, end))
        if typ == family:
            if fl & NLM_F_DUMP_INTR:
                res.intr = True
            if ln < _ATTR_OFF:
                raise Malformed("task message of %d bytes" % ln)
            tid, tgid, mflags = msg(buf, off + _MSG_OFF)
            if cont is not None:
                t, seen = cont
                if t.tid != tid or t.pid != tgid:
                    raise Malformed("CONT sequence of %d/%d continued by %d/%d" % (t.pid, t.tid, tgid, tid))
                d = t.__dict__  # a plain Task of this loop: the fast loop never leaves a CONT open
                ended_empty = ln == _ATTR_OFF and not mflags & 1
            else:
                t = new(Task)
                d = t.__dict__ = {"pid": tgid, "tid": tid}
                seen = 0
                ended_empty = False
            p = off + _ATTR_OFF
            while p < mend:
                if p + 4 > mend:
                    raise Malformed("truncated attribute header")
                alen, atyp = nla(buf, p)
                if alen < 4 or p + alen > mend:
                    raise Malformed("attribute of %d bytes at %d" % (alen, p))
                atyp &= 0x3FFF
                if atyp == 0:  # BASE
                    if alen < 48:
                        raise Malformed("BASE attribute of %d bytes" % alen)
                    d["ppid"], d["sid"], d["pgid"], st, comm, bf = base_un(buf, p + 4)
                    d["state"] = state_chars[st] if st < 9 else "?"
                    d["comm"] = _COMMS.get(comm) or comm_text(comm)
                    d["kthread"] = bool(bf & 1)
                    if bf & 4:  # BASE_F_COMM_PARTIAL: procfs's text is /proc/PID/stat's
                        seen |= _SEEN_PARTIAL_COMM
                elif atyp == 6:  # CMDLINE, concatenated over CONT
                    if want_cmd:
                        chunk = bytes(buf[p + 4:p + alen])
                        if seen & 64:
                            d["cmdline"] += chunk
                        else:
                            d["cmdline"] = chunk
                elif atyp == 9:  # MEM
                    if alen < 148:
                        raise Malformed("MEM attribute of %d bytes" % alen)
                    v = mem_un(buf, p + 4)
                    nomm = not v[3]  # VmPeak is 0 only without an mm: procfs then prints no Vm lines
                    if mem:
                        d["vsize"], d["rss_pages"] = v[0], v[1]
                        for name, i in _MEM_KB:
                            d[name] = None if nomm else v[i]
                    if parts:
                        for name, i in _PARTS_KB:
                            d[name] = None if nomm else v[i]
                else:
                    f = fixed[atyp] if atyp < 64 else None
                    if f is not None:
                        s, keys = f
                        if alen - 4 < s.size:
                            raise Malformed("attribute %d of %d bytes" % (atyp, alen))
                        d.update(zip(keys, s.unpack_from(buf, p + 4)))
                seen |= 1 << atyp
                p += (alen + 3) & ~3
            if mflags & 1:  # TASK_DIAG_FLAG_CONT
                cont = (t, seen)
            else:
                cont = None
                if threads:
                    t.is_thread = True
                if ended_empty:
                    # the task exited, exec'ed or became invisible between two buffers: what came
                    # before is not all of it, so procfs says what it is now (or that it is gone)
                    res.refill.append((t, plan.groups))
                else:
                    if seen & want != want:
                        res.refill.append((t, plan.missing(seen)))
                    if seen & _SEEN_PARTIAL_COMM and plan.names:
                        res.names.append(t)
                append(t)
        elif typ == abi.NLMSG_DONE:
            if ln >= 20:
                e = -_I32.unpack_from(buf, off + 16)[0]
                if e:
                    res.error = e
            res.done = True
            res.cont = cont
            return mend
        elif typ == abi.NLMSG_ERROR:
            if ln < 20:
                raise Malformed("short NLMSG_ERROR")
            res.error = -_I32.unpack_from(buf, off + 16)[0]
            res.done = True
            res.cont = cont
            return mend
        elif typ != abi.NLMSG_NOOP:
            raise Malformed("unexpected message type %d" % typ)
        off = (mend + 3) & ~3
    res.cont = cont
    return off


# ------------------------------------------------------------------ the socket


def open_socket() -> _socket.socket:
    s = _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW | _socket.SOCK_CLOEXEC, abi.NETLINK_GENERIC)
    try:
        s.bind((0, 0))
        # connected to the kernel: the kernel refuses another socket's datagrams to this one
        # (ECONNREFUSED to its sender), and _recv drops any that arrive all the same
        s.connect((0, 0))
    except OSError:
        s.close()
        raise
    return s


def _recv(s: _socket.socket, buf: bytearray) -> int:
    """The next datagram the kernel sent to ``s``; any other sender's is dropped unread.

    A process with CAP_NET_ADMIN may send to a generic netlink socket's port id: one that guessed
    ours could otherwise end a dump early (a DONE of its own: tasks hidden) or add tasks that do
    not exist.  open_socket's connect() already has the kernel refuse them; this is the check
    that does not depend on it."""
    while True:
        try:
            n, (sender, _) = s.recvfrom_into(buf)
        except InterruptedError:  # pragma: no cover  (PEP 475 retries already)
            continue
        if sender == 0:
            return n


def _attrs(buf, off: int, end: int) -> dict:
    """attribute id -> payload, for the small control replies (not the hot path)."""
    out = {}
    while off + 4 <= end:
        ln, typ = _NLA.unpack_from(buf, off)
        if ln < 4 or off + ln > end:
            raise Malformed("bad attribute length %d" % ln)
        out[typ & 0x3FFF] = bytes(buf[off + 4:off + ln])
        off += (ln + 3) & ~3
    return out


def _request(s: _socket.socket, family: int, flags: int, seq: int, body: bytes) -> None:
    s.send(abi.NLMSGHDR.pack(16 + len(body), family, flags, seq, 0) + body)


def _one_reply(s: _socket.socket, seq: int) -> tuple[int, bytes]:
    """(type, message bytes) of the first message answering ``seq``."""
    buf = bytearray(RECV_SIZE)
    while True:
        n = _recv(s, buf)
        off = 0
        while off + 16 <= n:
            ln, typ, _, mseq, _ = abi.NLMSGHDR.unpack_from(buf, off)
            if ln < 16 or off + ln > n:
                raise Malformed("bad netlink message length %d" % ln)
            if mseq == seq:
                msg = bytes(buf[off:off + ln])
                if typ == abi.NLMSG_ERROR:
                    if ln < 20:
                        raise Malformed("short NLMSG_ERROR")
                    e = -_I32.unpack_from(msg, 16)[0]
                    if e:
                        raise WireError(e, _errno.errorcode.get(e, str(e)))
                return typ, msg
            off += (ln + 3) & ~3


def resolve_family(s: _socket.socket, name: str = abi.GENL_NAME) -> int:
    """The generic netlink family id of ``name`` (CTRL_CMD_GETFAMILY); WireError(ENOENT) when absent."""
    raw = name.encode() + b"\0"
    attr = _NLA.pack(4 + len(raw), abi.CTRL_ATTR_FAMILY_NAME) + raw
    attr += b"\0" * (-len(attr) % 4)
    _request(s, abi.GENL_ID_CTRL, abi.NLM_F_REQUEST, 1, abi.GENLMSGHDR.pack(abi.CTRL_CMD_GETFAMILY, 1, 0) + attr)
    _, msg = _one_reply(s, 1)
    a = _attrs(msg, 20, len(msg))
    fid = a.get(abi.CTRL_ATTR_FAMILY_ID)
    if not fid or len(fid) < 2:
        raise Malformed("no family id in the controller's reply")
    return struct.unpack_from("=H", fid)[0]


class Info:
    """What GET_INFO says the module serves to this reader."""

    __slots__ = ("version", "hidepid", "show_flags", "strategies", "self_only_flags", "policy", "req_flags")

    def __init__(self, version=0, hidepid=0, show_flags=0, strategies=0, self_only_flags=0, policy=0,
                 req_flags=0):
        self.version, self.hidepid, self.show_flags = version, hidepid, show_flags
        self.strategies, self.self_only_flags, self.policy = strategies, self_only_flags, policy
        self.req_flags = req_flags

    def __repr__(self) -> str:
        return "Info(%s)" % ", ".join("%s=%#x" % (k, getattr(self, k)) for k in self.__slots__)


def get_info(s: _socket.socket, family: int) -> Info:
    body = abi.GENLMSGHDR.pack(abi.CMD_GET_INFO, abi.GENL_VERSION, 0) + b"\0" * abi.TaskDiagMsg.size
    _request(s, family, abi.NLM_F_REQUEST, 2, body)
    _, msg = _one_reply(s, 2)
    payload = _attrs(msg, _ATTR_OFF, len(msg)).get(abi.INFO_ATTR)
    if payload is None or len(payload) < 24:
        raise Malformed("GET_INFO reply without task_diag_info")
    lay = abi.TaskDiagInfo
    payload = payload[:lay.size] + b"\0" * max(0, lay.size - len(payload))
    return Info(*lay.unpack_from(payload))


def dump_request(family: int, show_flags: int, strategy: int, pid: int = 0, seq: int = 3,
                 flags: int = 0) -> bytes:
    """The whole TASK_DIAG_CMD_GET dump request datagram (``flags``: TASK_DIAG_REQ_*)."""
    payload = abi.request_payload(show_flags, strategy, pid, flags)
    attr = _NLA.pack(4 + len(payload), abi.CMD_ATTR_GET) + payload
    body = abi.GENLMSGHDR.pack(abi.CMD_GET, abi.GENL_VERSION, 0) + b"\0" * abi.TaskDiagMsg.size + attr
    return abi.NLMSGHDR.pack(16 + len(body), family, abi.NLM_F_REQUEST | abi.NLM_F_DUMP, seq, 0) + body


def dump(s: _socket.socket, family: int, plan: Plan, strategy: int, pid: int = 0,
         threads: bool = False, record=None, flags: int = 0) -> Result:
    """One dump on ``s``: send the request, receive and parse until NLMSG_DONE.

    ``flags``: the request's TASK_DIAG_REQ_* bits.  ``record`` (a list), when given,
    receives a copy of every datagram (replay tests, the host benchmark)."""
    s.send(dump_request(family, plan.show_flags, strategy, pid, flags=flags))
    res = Result()
    buf = bytearray(RECV_SIZE)
    view = memoryview(buf)
    while not res.done:
        n = _recv(s, view)
        if n <= 0:
            raise Malformed("empty datagram")
        if record is not None:
            record.append(bytes(view[:n]))
        parse(buf, 0, n, family, plan, res, threads)
    if res.cont is not None and not res.error:
        raise Malformed("dump ended inside a CONT sequence")
    return res


def replay(datagrams, family: int, plan: Plan, threads: bool = False) -> Result:
    """Parse recorded datagrams as :func:`dump` parses live ones."""
    res = Result()
    for dg in datagrams:
        if res.done:
            raise Malformed("datagram after NLMSG_DONE")
        parse(dg, 0, len(dg), family, plan, res, threads)
    if not res.done:
        raise Malformed("replies end without NLMSG_DONE")
    if res.cont is not None and not res.error:
        raise Malformed("dump ended inside a CONT sequence")
    return res
