"""The netlink backend's reply parser and its fallbacks, on replies built here byte by byte.

The wire format is written from the uapi header's layouts (pstd.taskdiag_abi, itself
checked against the C header by test_uapi_abi.py), independently of the parser: each
message is packed field by field below.  The live module is exercised in the VM
(tests/vm/test_netlink_backend.py).
"""

from __future__ import annotations

import errno
import os
import random
import struct

import pytest

from pstd import taskdiag_abi as abi
from pstd.backends import netlink as nl
from pstd.backends import nlwire as wire
from pstd.model import Group, Strategy, Task

FAM = 0x1F


# ------------------------------------------------------------------ building replies

def nlattr(typ: int, payload: bytes) -> bytes:
    a = struct.pack("=HH", 4 + len(payload), typ) + payload
    return a + b"\0" * (-len(a) % 4)


def nlmsg(typ: int, body: bytes, flags: int = abi.NLM_F_MULTI) -> bytes:
    m = struct.pack("=IHHII", 16 + len(body), typ, flags, 3, 0) + body
    return m + b"\0" * (-len(m) % 4)


def task_msg(tid, tgid, attrs, flags=0, nlflags=abi.NLM_F_MULTI) -> bytes:
    body = struct.pack("=BBH", abi.CMD_GET, abi.GENL_VERSION, 0) + struct.pack("=III", tid, tgid, flags)
    return nlmsg(FAM, body + b"".join(attrs), nlflags)


def done(err: int = 0) -> bytes:
    return nlmsg(abi.NLMSG_DONE, struct.pack("=i", -err))


def error(err: int) -> bytes:
    return nlmsg(abi.NLMSG_ERROR, struct.pack("=i", -err) + b"\0" * 16, 0)


def base(tgid, pid, ppid, comm=b"sleep", state=abi.INTERRUPTIBLE, sid=7, pgid=8, bflags=0):
    return nlattr(abi.BASE, struct.pack("=IIIIIIB16sB2x", tgid, pid, ppid, 0, sid, pgid, state, comm, bflags))


def creds(uid=1000, euid=1001):
    caps = struct.pack("=8I", 0, 0, 0x1FF, 0x3, 0xFFFFFFFF, 0x1FF, 0xFFFFFFFF, 0x1FF)
    return nlattr(abi.CRED, caps + struct.pack("=8I", uid, euid, 1002, 1003, 2000, 2001, 2002, 2003))


def stat(utime=150, threads=1):
    return nlattr(abi.STAT, struct.pack("=8QI4x", 11, 12, 13, 14, utime, 160, 17, 18, threads))


def mem(vsize=9216000, rss=275, peak=10000, lck=4):
    vals = [vsize, rss, 1 << 64 - 1, peak, 9000, lck, 0, 1200, 1100, 500, 600, 0, 700, 132, 8, 2000, 48, 16]
    return nlattr(abi.MEM, struct.pack("=18Q", *vals))


def sched(nice=-3):
    return nlattr(abi.SCHED, struct.pack("=iiIIIIQQQ", 17, nice, 0, 0, 1, 0x400100, 4242, 77, 5))


def tty():
    return nlattr(abi.TTY, struct.pack("=Ii", 34817, 100))


def cmdline(raw: bytes):
    return nlattr(abi.CMDLINE, raw)


def vma_attr(n: int):
    recs = b""
    for i in range(n):
        name = b"/usr/lib/x.so\0"
        ln = (64 + len(name) + 7) & ~7
        recs += struct.pack("=QQQQIIQIHHHHHH", 0x1000 * i, 0x1000 * (i + 1), 1, 0, 8, 1, 42, 0, ln, 64,
                            len(name), 0, 0, 0) + name + b"\0" * (ln - 64 - len(name))
    return nlattr(abi.VMA, recs)


GROUPS = Group.BASE | Group.OWNER | Group.CRED | Group.CAPS | Group.STAT | Group.FAULTS | Group.MEM | Group.VMPARTS | \
    Group.SCHED | Group.POLICY | Group.CTXSW | Group.TTY | Group.CMDLINE | Group.COMM


def full(tid, tgid, flags=0, cmd=b"/usr/bin/x\0-v\0", extra=()):
    return task_msg(tid, tgid, [base(tgid, tid, 1), creds(), stat(), cmdline(cmd), sched(), tty(), mem(), *extra],
                    flags)


def parse_all(datagrams, groups=GROUPS, threads=False):
    return wire.replay(datagrams, FAM, wire.Plan(groups), threads)


def check_fields(task, groups):
    want = set()
    for g, names in Task.FIELDS.items():
        if (groups | Group.BASE) & g:
            want.update(names)
    have = set(task.values()) - {"pid", "tid", "is_thread"}
    assert have == want, (sorted(have - want), sorted(want - have))
    for name in want:
        assert type(getattr(task, name)) in Task.FIELD_TYPES[name], name


# ------------------------------------------------------------------ plain replies

def test_one_task_every_field_typed_and_valued():
    res = parse_all([full(100, 100) + done()])
    assert res.done and not res.error and not res.refill and not res.intr
    (t,) = res.tasks
    check_fields(t, GROUPS)
    assert (t.pid, t.tid, t.ppid, t.sid, t.pgid, t.state, t.comm, t.kthread) == (100, 100, 1, 7, 8, "S", "sleep", False)
    assert (t.ruid, t.euid, t.suid, t.fsuid, t.rgid, t.egid, t.sgid, t.fsgid) == (
        1000, 1001, 1002, 1003, 2000, 2001, 2002, 2003)
    assert (t.cap_inh, t.cap_prm, t.cap_eff, t.cap_bnd) == (0, 0x3000001FF, 0x1FFFFFFFFFF, 0x1FFFFFFFFFF)
    assert (t.minflt, t.cminflt, t.majflt, t.cmajflt, t.utime, t.stime, t.cutime, t.cstime, t.nlwp) == (
        11, 12, 13, 14, 150, 160, 17, 18, 1)
    assert t.cmdline == b"/usr/bin/x\0-v\0"
    assert (t.priority, t.nice, t.policy, t.rtprio, t.processor, t.flags, t.start_time, t.nvcsw, t.nivcsw) == (
        17, -3, 0, 0, 1, 0x400100, 4242, 77, 5)
    assert (t.tty, t.tpgid) == (34817, 100)
    assert (t.vsize, t.rss_pages, t.vm_lck_kb, t.vm_rss_kb, t.vm_size_kb) == (9216000, 275, 4, 1100, 9000)
    assert (t.vm_data_kb, t.vm_stk_kb, t.vm_exe_kb, t.vm_lib_kb, t.vm_swap_kb) == (700, 132, 8, 2000, 16)
    assert (t.rss_anon_kb, t.rss_file_kb, t.rss_shmem_kb) == (500, 600, 0)


def test_only_the_fields_asked_for():
    res = parse_all([full(100, 100) + done()], Group.BASE | Group.STAT)
    check_fields(res.tasks[0], Group.STAT)
    res = parse_all([full(100, 100) + done()], Group.BASE | Group.MEM | Group.CRED)
    check_fields(res.tasks[0], Group.MEM | Group.CRED)


def test_plan_asks_for_the_attributes_of_its_groups():
    assert wire.Plan(Group.BASE).show_flags == abi.SHOW_BASE
    assert wire.Plan(Group.CTXSW).show_flags == abi.SHOW_BASE | abi.SHOW_SCHED
    assert wire.Plan(Group.VMPARTS | Group.SIGNALS).show_flags == abi.SHOW_BASE | abi.SHOW_MEM | abi.SHOW_SIGNAL
    assert wire.Plan(Group.WCHAN | Group.ENVIRON).show_flags == abi.SHOW_BASE


def test_a_task_without_mm_has_no_status_memory_lines():
    kt = task_msg(2, 2, [base(2, 2, 0, b"kthreadd", bflags=abi.BASE_F_KTHREAD), mem(0, 0, 0, 0)])
    (t,) = parse_all([kt + done()], Group.BASE | Group.MEM | Group.VMPARTS).tasks
    assert t.kthread and (t.vsize, t.rss_pages) == (0, 0)
    assert (t.vm_lck_kb, t.vm_rss_kb, t.vm_size_kb, t.vm_swap_kb) == (None,) * 4


def test_many_tasks_over_several_datagrams_in_order():
    dgs = [b"".join(full(p, p) for p in range(10 * i + 1, 10 * i + 11)) for i in range(3)]
    dgs[-1] += done()
    res = parse_all(dgs)
    assert [t.pid for t in res.tasks] == list(range(1, 31))


def test_thread_rows_are_marked():
    res = parse_all([full(100, 100) + full(101, 100) + done()], threads=True)
    assert [(t.pid, t.tid, t.is_thread) for t in res.tasks] == [(100, 100, True), (100, 101, True)]


def test_unknown_and_longer_attributes_are_accepted():
    longer = nlattr(abi.TTY, struct.pack("=Ii", 5, -1) + b"\x99" * 8)  # a later version appends fields
    msg = task_msg(5, 5, [base(5, 5, 1), longer, nlattr(40, b"future"), nlattr(abi.VMA_STAT, b"")])
    (t,) = parse_all([msg + done()], Group.BASE | Group.TTY).tasks
    assert (t.tty, t.tpgid) == (5, -1)


def test_comm_up_to_the_nul_and_not_utf8():
    msg = task_msg(5, 5, [base(5, 5, 1, comm=b"a) (b\xff\0junk")])
    (t,) = parse_all([msg + done()], Group.BASE).tasks
    assert t.comm == "a) (b\udcff"


# ------------------------------------------------------------------ CONT

def test_cont_split_task_is_one_record():
    arg = bytes(range(1, 256)) * 4096  # about 1 MiB of command line
    parts = [arg[i:i + 30000] for i in range(0, len(arg), 30000)]
    dgs = [task_msg(7, 7, [base(7, 7, 1), creds(), stat(), cmdline(parts[0])], abi.FLAG_CONT)]
    for chunk in parts[1:-1]:
        dgs.append(task_msg(7, 7, [cmdline(chunk)], abi.FLAG_CONT))
    dgs.append(task_msg(7, 7, [cmdline(parts[-1]), sched(), tty(), mem()]) + full(8, 8) + done())
    res = parse_all(dgs)
    assert [t.pid for t in res.tasks] == [7, 8] and not res.refill
    t = res.tasks[0]
    assert t.cmdline == arg
    check_fields(t, GROUPS)


def test_cont_split_vmas_are_skipped_for_ps():
    dgs = [task_msg(7, 7, [base(7, 7, 1), vma_attr(300)], abi.FLAG_CONT),
           task_msg(7, 7, [vma_attr(200)], abi.FLAG_CONT),
           task_msg(7, 7, [vma_attr(10), stat()]) + done()]
    res = parse_all(dgs, Group.BASE | Group.STAT)
    (t,) = res.tasks
    assert t.utime == 150 and not res.refill


def test_cont_sequence_ending_without_data_is_read_from_procfs():
    dgs = [task_msg(7, 7, [base(7, 7, 1), cmdline(b"x" * 100)], abi.FLAG_CONT),
           task_msg(7, 7, []) + full(8, 8) + done()]
    res = parse_all(dgs)
    assert [t.pid for t in res.tasks] == [7, 8]
    assert [(t.pid, g) for t, g in res.refill] == [(7, wire.Plan(GROUPS).groups)]


def test_cont_continued_by_another_task_is_malformed():
    dgs = [task_msg(7, 7, [base(7, 7, 1)], abi.FLAG_CONT), task_msg(8, 8, [stat()]) + done()]
    with pytest.raises(wire.Malformed):
        parse_all(dgs)


def test_dump_ending_inside_cont_is_malformed():
    with pytest.raises(wire.Malformed):
        parse_all([task_msg(7, 7, [base(7, 7, 1)], abi.FLAG_CONT) + done()])


# ------------------------------------------------------------------ what the module left out

def test_omitted_group_is_named_for_that_task_only():
    hidden = task_msg(9, 9, [base(9, 9, 1), stat(), sched(), tty(), mem()])  # no CRED, no CMDLINE
    res = parse_all([full(8, 8) + hidden + done()])
    assert [t.pid for t in res.tasks] == [8, 9]
    ((t, g),) = res.refill
    assert t.pid == 9 and g == Group.OWNER | Group.CRED | Group.CAPS | Group.CMDLINE


@pytest.mark.parametrize("comm", [Group.COMM, Group.NONE])
def test_partial_comm_is_read_from_procfs_when_comm_is_asked_for(comm):
    kw = task_msg(30, 30, [base(30, 30, 2, b"kworker/0:1", bflags=abi.BASE_F_KTHREAD | abi.BASE_F_WQ_WORKER
                                | abi.BASE_F_COMM_PARTIAL)])
    res = parse_all([kw + done()], Group.BASE | comm)
    assert [t.pid for t in res.names] == ([30] if comm else []) and not res.refill
    assert [t.comm for t in res.tasks] == ["kworker/0:1"]


@pytest.mark.parametrize("comm", [Group.COMM, Group.NONE])
@pytest.mark.parametrize("groups", [Group.BASE, GROUPS])
def test_kernel_workers_among_other_tasks_stay_on_the_generated_path(groups, comm):
    """A worker's partial comm is of the common shape: named for procfs (when the query shows
    names), with no second check of the rest of its buffer (Group.BASE: one message size, the
    column-checked path; GROUPS: the loop)."""
    groups = groups & ~Group.COMM | comm
    msgs = [shaped(p, groups, bflags=abi.BASE_F_KTHREAD | abi.BASE_F_WQ_WORKER | abi.BASE_F_COMM_PARTIAL
                   if p in (3, 6) else 0) for p in range(1, 9)]
    res, calls = _counting_parse([b"".join(msgs), done()], groups)
    assert calls == [True] * 8
    assert [t.pid for t in res.names] == ([3, 6] if comm else []) and [t.pid for t in res.tasks] == list(range(1, 9))
    fast, general = _parse_both([b"".join(msgs), done()], groups)
    assert fast == general


@pytest.mark.parametrize("comm", [Group.COMM, Group.NONE])
def test_partial_comm_is_remembered_over_cont(comm):
    """COMM_PARTIAL comes in the first message of a CONT sequence; the task is named when it ends."""
    first = task_msg(31, 31, [base(31, 31, 2, b"kworker/1:2", bflags=abi.BASE_F_KTHREAD | abi.BASE_F_COMM_PARTIAL)],
                     flags=abi.FLAG_CONT)
    last = task_msg(31, 31, [cmdline(b"")])
    for datagrams in ([first + last + done()], [first, last + done()]):
        res = parse_all(datagrams, Group.BASE | Group.CMDLINE | comm)
        assert [t.pid for t in res.names] == ([31] if comm else []) and not res.refill


# ------------------------------------------------------------------ errors and interruptions

def test_nlmsg_error_and_done_errno():
    res = parse_all([error(errno.ESRCH)])
    assert res.done and res.error == errno.ESRCH and not res.tasks
    res = parse_all([full(1, 1) + done(errno.EINTR)])
    assert res.done and res.error == errno.EINTR
    res = parse_all([full(1, 1) + done(0)])
    assert res.done and res.error == 0


def test_done_without_payload_is_success():
    res = parse_all([full(1, 1) + nlmsg(abi.NLMSG_DONE, b"")])
    assert res.done and not res.error


def test_dump_intr_is_reported():
    res = parse_all([task_msg(1, 1, [base(1, 1, 0)], nlflags=abi.NLM_F_MULTI | wire.NLM_F_DUMP_INTR) + done()],
                    Group.BASE)
    assert res.intr


@pytest.mark.parametrize("reply", [
    pytest.param(struct.pack("=IHHII", 8, FAM, 0, 0, 0), id="nlmsg_len below the header"),
    pytest.param(struct.pack("=IHHII", 400, FAM, 0, 0, 0) + b"\0" * 20, id="nlmsg_len past the datagram"),
    pytest.param(task_msg(1, 1, [struct.pack("=HH", 200, abi.BASE)]), id="attribute past its message"),
    pytest.param(task_msg(1, 1, [struct.pack("=HH", 2, abi.BASE)]), id="attribute below its header"),
    pytest.param(task_msg(1, 1, [nlattr(abi.BASE, b"\0" * 20)]), id="short BASE"),
    pytest.param(task_msg(1, 1, [base(1, 1, 0), nlattr(abi.STAT, b"\0" * 8)]), id="short STAT"),
    pytest.param(task_msg(1, 1, [base(1, 1, 0), nlattr(abi.MEM, b"\0" * 100)]), id="short MEM"),
    pytest.param(nlmsg(FAM, b"\0" * 8), id="task message without its family header"),
    pytest.param(nlmsg(abi.NLMSG_ERROR, b"\0\0"), id="short NLMSG_ERROR"),
    pytest.param(nlmsg(0x99, b""), id="unknown message type"),
    pytest.param(b"\x10\0\0", id="truncated header"),
])
def test_malformed_replies(reply):
    with pytest.raises(wire.Malformed):
        parse_all([reply + done()], Group.BASE | Group.STAT | Group.MEM)


def test_replies_without_done_or_after_done():
    with pytest.raises(wire.Malformed):
        parse_all([full(1, 1)])
    with pytest.raises(wire.Malformed):
        parse_all([full(1, 1) + done(), full(2, 2) + done()])


def test_random_damage_never_escapes_as_another_error():
    good = [full(p, p, cmd=b"a\0" * p) for p in range(1, 6)]
    reply = b"".join(good) + done()
    rng = random.Random(8)
    for _ in range(3000):
        b = bytearray(reply)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        cut = rng.choice([len(b), rng.randrange(len(b))])
        try:
            parse_all([bytes(b[:cut])])
        except wire.Malformed:
            pass


# ------------------------------------------------------------------ the generated common-shape path

def _parse_both(datagrams, groups, threads=False, monkeypatch=None):
    """(result, error) of the parse with the generated path and with the general loop only."""
    out = []
    for fast in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            if not fast:
                mp.setattr(wire, "_fast_parser", lambda *a: None)
            try:
                res = parse_all(datagrams, groups, threads)
                out.append(([t.values() for t in res.tasks], [(t.pid, t.tid, int(g)) for t, g in res.refill],
                            [(t.pid, t.tid) for t in res.names], res.done, res.error, res.intr))
            except wire.Malformed:
                out.append("malformed")
    return out


SHAPES = {
    "common": [full(p, p) for p in (1, 2, 3)],
    "empty command line": [full(4, 4, cmd=b"")],
    "command line of 1..5 bytes": [full(p, p, cmd=b"x" * p) for p in range(1, 6)],
    "thread of a process": [full(100, 100), full(101, 100)],
    "no mm": [task_msg(2, 2, [base(2, 2, 0, b"kthreadd", bflags=abi.BASE_F_KTHREAD), creds(), stat(),
                              cmdline(b""), sched(), tty(), mem(vsize=0, rss=0, peak=0, lck=0)])],
    "groups left out": [full(8, 8), task_msg(9, 9, [base(9, 9, 1), stat(), sched(), tty(), mem()])],
    "partial comm": [task_msg(30, 30, [base(30, 30, 2, b"kworker/0:1", bflags=abi.BASE_F_COMM_PARTIAL), creds(),
                                       stat(), cmdline(b""), sched(), tty(), mem()])],
    "longer attribute": [task_msg(5, 5, [base(5, 5, 1), creds(), stat(), cmdline(b"a\0"), sched(),
                                         nlattr(abi.TTY, struct.pack("=Ii", 5, -1) + b"\x99" * 8), mem()])],
    "interrupted": [task_msg(1, 1, [base(1, 1, 0), creds(), stat(), cmdline(b"a\0"), sched(), tty(), mem()],
                             nlflags=abi.NLM_F_MULTI | wire.NLM_F_DUMP_INTR)],
    "cont": [task_msg(7, 7, [base(7, 7, 1), creds(), stat(), cmdline(b"a" * 50)], abi.FLAG_CONT),
             task_msg(7, 7, [cmdline(b"b" * 50), sched(), tty(), mem()]), full(8, 8)],
    "comm not utf-8": [task_msg(5, 5, [base(5, 5, 1, comm=b"a) (b\xff\0junk"), creds(), stat(), cmdline(b""),
                                       sched(), tty(), mem()])],
}


def statm():
    return nlattr(abi.STATM, struct.pack("=7Q", 2250, 275, 200, 10, 0, 300, 0))


def signal_attr():
    return nlattr(abi.SIGNAL, struct.pack("=5Q", 1, 2, 0x10000, 0x1000, 0x4002))


_BUILD = {abi.BASE: lambda p, c, bf: base(p, p, 1, bflags=bf), abi.CRED: lambda p, c, bf: creds(),
          abi.STAT: lambda p, c, bf: stat(), abi.STATM: lambda p, c, bf: statm(),
          abi.CMDLINE: lambda p, c, bf: cmdline(c), abi.SCHED: lambda p, c, bf: sched(),
          abi.TTY: lambda p, c, bf: tty(), abi.MEM: lambda p, c, bf: mem(), abi.SIGNAL: lambda p, c, bf: signal_attr()}


def shaped(pid, groups, cmd=b"x\0-v\0", flags=0, extra=(), bflags=0):
    """A message with exactly the attributes the plan of ``groups`` asks for (the common shape)."""
    show = wire.Plan(groups).show_flags
    return task_msg(pid, pid, [_BUILD[a](pid, cmd, bflags) for a in range(64) if show >> a & 1] + list(extra),
                    flags)


PLANS = [GROUPS, Group.BASE, Group.BASE | Group.CMDLINE, Group.BASE | Group.CMDLINE | Group.MEM,
         Group.BASE | Group.STAT | Group.TTY, Group.BASE | Group.VMPARTS | Group.CRED,
         Group.BASE | Group.CRED | Group.SIGNALS | Group.STATM, Group.BASE | Group.CAPS | Group.CTXSW,
         GROUPS | Group.SIGNALS | Group.STATM]


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("groups", PLANS)
@pytest.mark.parametrize("threads", [False, True])
def test_generated_path_agrees_with_the_general_loop(shape, groups, threads):
    fast, general = _parse_both([b"".join(SHAPES[shape]) + done()], groups, threads)
    assert fast == general


def _counting_parse(datagrams, groups):
    calls = []
    real = wire._generate_fast

    def counting(plan, family, threads):
        run = real(plan, family, threads)

        def counted(buf, off, end, append, names):
            # one True per message the generated loop took, a False for the task message it stopped at
            took = []
            nxt = run(buf, off, end, took.append, names)
            calls.extend([True] * len(took))
            for t in took:
                append(t)
            if nxt + 8 <= end and struct.unpack_from("=H", buf, nxt + 4)[0] == family:
                calls.append(False)
            return nxt
        return counted

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wire, "_FAST_CACHE", {})
        mp.setattr(wire, "_generate_fast", counting)
        res = parse_all(datagrams, groups)
    return res, calls


@pytest.mark.parametrize("groups", PLANS)
def test_generated_path_on_each_plans_own_shape(groups):
    """Messages built from each plan's own attributes take the generated path and agree with the loop;
    the same message with CONT, a trailing attribute or one attribute longer does not take it."""
    good = [shaped(p, groups, cmd=b"a\0" * p) for p in (1, 2, 3)] + [shaped(4, groups, cmd=b"")]
    res, calls = _counting_parse([b"".join(good) + done()], groups)
    assert calls == [True] * 4 and len(res.tasks) == 4 and not res.refill
    fast, general = _parse_both([b"".join(good) + done()], groups)
    assert fast == general
    check_fields(res.tasks[0], wire.Plan(groups).groups)
    odd = [shaped(5, groups, flags=abi.FLAG_CONT), shaped(5, groups, extra=[nlattr(40, b"later")]),
           shaped(6, groups, extra=[tty()])]
    for msg in odd:
        reply = [msg + (task_msg(5, 5, []) if msg is odd[0] else b"") + done()]
        _, calls = _counting_parse(reply, groups)
        assert calls[0] is False, msg
        fast, general = _parse_both(reply, groups)
        assert fast == general


def test_generated_path_takes_the_common_messages():
    _, calls = _counting_parse([b"".join(SHAPES["common"] + SHAPES["groups left out"]) + done()], GROUPS)
    assert calls == [True, True, True, True, False]


def test_random_damage_ends_the_same_on_both_paths():
    reply = b"".join(full(p, p, cmd=b"a\0" * p) for p in range(1, 6)) + done()
    rng = random.Random(11)
    for _ in range(2000):
        b = bytearray(reply)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        fast, general = _parse_both([bytes(b)], GROUPS)
        assert fast == general


# ------------------------------------------------------------------ the backend around the parser

class FakeSocket:
    def close(self):
        pass


@pytest.fixture
def fake_proc(tmp_path):
    """A /proc with process 100 (and its thread 101), for the procfs fallbacks."""
    stat_line = "{} (x) S 1 100 100 0 -1 4194560 11 12 13 14 150 160 17 18 20 0 2 0 4242 9216000 275 " \
                "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    for rel, tid in (("100", 100), ("100/task/100", 100), ("100/task/101", 101)):
        d = tmp_path / rel
        d.mkdir(parents=True)
        (d / "stat").write_text(stat_line.format(tid))
        (d / "status").write_text("Name:\tx\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n"
                                  "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
                                  "CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n")
        (d / "cmdline").write_bytes(b"/from/procfs\0")
        (d / "wchan").write_text("do_sys_poll")
    return str(tmp_path)


def backend(fake_proc, monkeypatch, replies, info=None):
    """A NetlinkBackend over fake_proc whose dumps answer from ``replies`` (a list per dump)."""
    calls = []

    def fake_dump(s, family, plan, strategy, pid=0, threads=False, record=None, flags=0):
        calls.append((strategy, pid, plan.show_flags, flags))
        item = replies.pop(0)
        if isinstance(item, Exception):
            raise item
        return wire.replay(item, family, plan, threads)

    monkeypatch.setattr(wire, "open_socket", FakeSocket)
    monkeypatch.setattr(wire, "dump", fake_dump)
    info = info or wire.Info(1, 0, 0x7F7, 0x1F, abi.SHOW_VMA, abi.POLICY_LSM)
    return nl.NetlinkBackend(proc=fake_proc, family=FAM, info=info, policy_ok=True), calls


def test_backend_serves_from_the_reply_and_procfs_fills_the_rest(fake_proc, monkeypatch):
    b, calls = backend(fake_proc, monkeypatch, [[full(100, 100) + done()]])
    (t,) = b.dump(Strategy.ALL, Group.CMDLINE | Group.WCHAN)
    assert t.cmdline == b"/usr/bin/x\0-v\0" and t.wchan == "do_sys_poll"
    assert calls == [(Strategy.ALL, 0, abi.SHOW_BASE | abi.SHOW_CMDLINE, 0)]
    check_fields(t, Group.CMDLINE | Group.WCHAN)
    assert b.fallbacks == 0


def test_backend_fills_omitted_groups_from_procfs(fake_proc, monkeypatch):
    hidden = task_msg(100, 100, [base(100, 100, 1), stat()])
    b, _ = backend(fake_proc, monkeypatch, [[hidden + done()]])
    (t,) = b.dump(Strategy.ALL, Group.CMDLINE | Group.STAT)
    assert t.cmdline == b"/from/procfs\0" and t.utime == 150


def test_backend_drops_a_task_procfs_no_longer_has(fake_proc, monkeypatch):
    hidden = task_msg(555, 555, [base(555, 555, 1)])
    b, _ = backend(fake_proc, monkeypatch, [[full(100, 100) + hidden + done()]])
    assert [t.pid for t in b.dump(Strategy.ALL, Group.CMDLINE)] == [100]


def test_backend_reads_a_kernel_workers_name_from_procfs_and_nothing_else(fake_proc, monkeypatch):
    worker = os.path.join(fake_proc, "30")
    os.mkdir(worker)
    with open(os.path.join(worker, "stat"), "w") as f:
        f.write("30 (kworker/0:1-events (x)) I 2 0 0 0 -1 69238880 0 0 0 0 7 8 0 0 20 0 1 0 55 0 0 "
                "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0\n")
    reused = os.path.join(fake_proc, "32")
    os.mkdir(reused)
    with open(os.path.join(reused, "stat"), "w") as f:
        f.write("32 (bash) S 1 32 32 0 -1 4194560 0 0 0 0 7 8 0 0 20 0 1 0 55 0 0 "
                "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0\n")
    flags = abi.BASE_F_KTHREAD | abi.BASE_F_WQ_WORKER | abi.BASE_F_COMM_PARTIAL
    gone = task_msg(31, 31, [base(31, 31, 2, b"kworker/1:0", bflags=flags), stat()])
    kw = task_msg(30, 30, [base(30, 30, 2, b"kworker/0:1", bflags=flags), stat()])
    other = task_msg(32, 32, [base(32, 32, 2, b"kworker/1:1", bflags=flags), stat()])
    b, calls = backend(fake_proc, monkeypatch, [[full(100, 100) + kw + gone + other + done()]])
    monkeypatch.setattr(b.procfs, "fill", None)  # no other file is read
    tasks = b.dump(Strategy.ALL, Group.STAT | Group.COMM)
    # 31 has exited (procfs has no stat for it); 32's pid is another process's now
    assert [t.pid for t in tasks] == [100, 30]
    (t,) = [t for t in tasks if t.pid == 30]
    # the name from stat, everything else from the reply (stat() says 150 ticks, the file 7)
    assert t.comm == "kworker/0:1-events (x)" and t.utime == 150 and t.kthread
    assert len(calls) == 1


def test_backend_reads_no_name_back_when_no_column_shows_one(fake_proc, monkeypatch):
    flags = abi.BASE_F_KTHREAD | abi.BASE_F_WQ_WORKER | abi.BASE_F_COMM_PARTIAL
    kw = task_msg(30, 30, [base(30, 30, 2, b"kworker/0:1", bflags=flags), stat()])
    b, calls = backend(fake_proc, monkeypatch, [[full(100, 100) + kw + done()]])
    monkeypatch.setattr(b.procfs, "fill", None)
    monkeypatch.setattr(b.procfs, "comms", None)  # no file at all: 30 has no /proc entry here
    tasks = b.dump(Strategy.ALL, Group.STAT)
    assert [(t.pid, t.comm, t.utime) for t in tasks] == [(100, "sleep", 150), (30, "kworker/0:1", 150)]


def test_backend_redoes_an_interrupted_dump(fake_proc, monkeypatch):
    intr = task_msg(100, 100, [base(100, 100, 1)], nlflags=abi.NLM_F_MULTI | wire.NLM_F_DUMP_INTR) + done()
    b, calls = backend(fake_proc, monkeypatch, [[intr], [full(100, 100) + done()]])
    (t,) = b.dump(Strategy.ALL, Group.CMDLINE)
    assert len(calls) == 2 and t.cmdline == b"/usr/bin/x\0-v\0" and b.fallbacks == 0


def test_backend_gives_up_on_endless_interruptions_for_procfs(fake_proc, monkeypatch):
    intr = task_msg(100, 100, [base(100, 100, 1)], nlflags=abi.NLM_F_MULTI | wire.NLM_F_DUMP_INTR) + done()
    b, calls = backend(fake_proc, monkeypatch, [[intr]] * nl.DUMP_ATTEMPTS)
    (t,) = b.dump(Strategy.ALL, Group.CMDLINE)
    assert len(calls) == nl.DUMP_ATTEMPTS and t.cmdline == b"/from/procfs\0" and b.fallbacks == 1


@pytest.mark.parametrize("failure", [
    pytest.param([error(errno.ENOENT)], id="family gone"),
    pytest.param([full(100, 100) + done(errno.ENOMEM)], id="errno in NLMSG_DONE"),
    pytest.param([full(100, 100)[:-8] + done()], id="malformed"),
    pytest.param(OSError(errno.ECONNREFUSED, "refused"), id="socket error"),
])
def test_backend_falls_back_to_procfs_on_module_failure(fake_proc, monkeypatch, failure):
    b, _ = backend(fake_proc, monkeypatch, [failure])
    (t,) = b.dump(Strategy.ALL, Group.CMDLINE)
    assert t.pid == 100 and t.cmdline == b"/from/procfs\0" and b.fallbacks == 1


def test_backend_one_of_a_missing_pid_is_empty(fake_proc, monkeypatch):
    b, _ = backend(fake_proc, monkeypatch, [[error(errno.ESRCH)]])
    assert b.dump(Strategy.ONE, Group.BASE, 4242) == [] and b.fallbacks == 0


def test_backend_threads_of_a_thread_id_are_its_process_s_as_procfs_lists_them(fake_proc, monkeypatch):
    # the module lists no threads for 101 (no process has that id); procfs, where /proc/101 is the
    # thread's (hidden from the listing, there for the asking), lists its process's threads
    import pathlib
    d = pathlib.Path(fake_proc) / "101"
    d.mkdir()
    (d / "status").write_text("Name:\tx\nTgid:\t100\nPid:\t101\n")
    b, calls = backend(fake_proc, monkeypatch, [[done()]])
    rows = b.dump(Strategy.THREAD, Group.BASE, 101)
    assert sorted((t.pid, t.tid) for t in rows) == [(100, 100), (100, 101)] and len(calls) == 1


def test_backend_gives_leaders_the_process_stat_by_a_second_dump_without_request_flags(fake_proc, monkeypatch):
    threads = task_msg(101, 100, [base(100, 101, 1), stat(utime=5)]) + \
        task_msg(100, 100, [base(100, 100, 1), stat(utime=7)]) + done()
    whole = task_msg(100, 100, [stat(utime=12, threads=2)]) + done()
    b, calls = backend(fake_proc, monkeypatch, [[threads], [whole]])
    rows = b.dump(Strategy.ALL_THREAD, Group.STAT)
    # procfs's order (the leader first) and its leader row (the whole process's times)
    assert [(t.tid, t.utime, t.nlwp, t.is_thread) for t in rows] == [(100, 12, 2, True), (101, 5, 1, True)]
    assert [c[:2] for c in calls] == [(Strategy.ALL_THREAD, 0), (Strategy.ALL, 0)]


@pytest.mark.parametrize("strategy", [Strategy.ALL_THREAD, Strategy.THREAD])
def test_backend_asks_a_module_with_request_flags_for_leaders_stat_in_the_same_dump(
        fake_proc, monkeypatch, strategy):
    # the module sent the leader the whole process's STAT (TASK_DIAG_REQ_LEADER_WHOLE): no second dump
    threads = task_msg(101, 100, [base(100, 101, 1), stat(utime=5)]) + \
        task_msg(100, 100, [base(100, 100, 1), stat(utime=12, threads=2)]) + done()
    info = wire.Info(1, 0, 0x7F7, 0x1F, abi.SHOW_VMA, abi.POLICY_LSM, abi.REQ_LEADER_WHOLE)
    b, calls = backend(fake_proc, monkeypatch, [[threads]], info)
    rows = b.dump(strategy, Group.STAT, None if strategy == Strategy.ALL_THREAD else 100)
    assert [(t.tid, t.utime, t.nlwp) for t in rows] == [(100, 12, 2), (101, 5, 1)]
    assert [(c[0], c[3]) for c in calls] == [(strategy, abi.REQ_LEADER_WHOLE)]
    # without STAT, or without threads, there is nothing to ask for
    assert b.request_flags(strategy, Group.BASE | Group.SCHED) == 0
    assert b.request_flags(Strategy.ALL, Group.STAT) == 0


def test_backend_dump_many_keeps_what_a_whole_dump_would_list(fake_proc, monkeypatch):
    # -p 100,101: 101 is a thread, which ALL never lists; asked twice, listed once
    b, calls = backend(fake_proc, monkeypatch, [[full(100, 100) + done()], [full(101, 100) + done()]])
    rows = b.dump_many(Strategy.ONE, Group.BASE, [101, 100, 100])
    assert [(t.pid, t.tid) for t in rows] == [(100, 100)]
    assert [c[:2] for c in calls] == [(Strategy.ONE, 100), (Strategy.ONE, 101)]


def test_backend_groups_gated_to_self_come_from_procfs(fake_proc, monkeypatch):
    info = wire.Info(1, 0, 0x7F7, 0x1F, abi.SHOW_CMDLINE, abi.POLICY_LSM)
    b, calls = backend(fake_proc, monkeypatch, [[full(100, 100) + done()]], info)
    (t,) = b.dump(Strategy.ALL, Group.CMDLINE)
    assert calls[0][2] == abi.SHOW_BASE and t.cmdline == b"/from/procfs\0"


def test_policy_match_rule(tmp_path, monkeypatch):
    info = wire.Info(1, 0, 0x7F7, 0x1F, 0, 0)
    for hide, want in ((None, False), ((0, False), True), ((2, False), False)):
        monkeypatch.setattr(nl, "proc_hidepid", lambda proc, h=hide: h)
        assert nl.policy_matches(info) is want
    strict = wire.Info(1, 2, 0x7F7, 0x1F, 0, abi.POLICY_PROC_MOUNT)
    for hide, want in (((2, False), True), ((2, True), False), ((1, False), False), ((0, False), False)):
        monkeypatch.setattr(nl, "proc_hidepid", lambda proc, h=hide: h)
        assert nl.policy_matches(strict) is want
    monkeypatch.setattr(nl, "proc_hidepid", lambda proc: (2, False))
    assert not nl.policy_matches(wire.Info(1, 2, 0x7F7, 0x1F, 4, abi.POLICY_PROC_MOUNT | abi.POLICY_LSM))


def test_proc_hidepid_reads_this_systems_mount():
    # /proc on the host is mounted without hidepid
    assert nl.proc_hidepid("/proc") == (0, False)


# ------------------------------------------------------------------ pyroute2 as the reference

def test_pyroute2_reference_decoder_agrees_on_hand_built_replies():
    import pyroute2_ref

    arg = bytes(range(1, 256)) * 4096
    parts = [arg[i:i + 30000] for i in range(0, len(arg), 30000)]
    dgs = [b"".join(full(p, p, cmd=b"a\0" * p) for p in range(1, 40)),
           task_msg(70, 70, [base(70, 70, 1), creds(), stat(), cmdline(parts[0])], abi.FLAG_CONT)]
    dgs += [task_msg(70, 70, [cmdline(c)], abi.FLAG_CONT) for c in parts[1:-1]]
    dgs.append(task_msg(70, 70, [cmdline(parts[-1]), sched(), tty(), mem()]) + full(71, 70) + done())
    ref = pyroute2_ref.agree(dgs, FAM, wire.Plan(GROUPS))
    assert len(ref) == 41 and ref[39]["msgs"] == len(parts)


FIXED_SIZE_PLANS = [g for g in PLANS if not wire.Plan(g).cmdline]


@pytest.mark.parametrize("groups", FIXED_SIZE_PLANS)
def test_whole_buffer_path_agrees_for_every_damaged_byte(groups):
    """A buffer of nothing but one-size messages is checked a byte column at a time: each byte of a
    message changed (a flag bit, the low bit, all bits) must give what the general loop gives."""
    msgs = [shaped(p, groups) for p in (1, 2, 3, 4)]
    size = len(msgs[0])
    assert {len(m) for m in msgs} == {size}
    good = b"".join(msgs)
    fast, general = _parse_both([good, done()], groups)
    assert fast == general and len(fast[0]) == 4 and not fast[1]
    for i in range(size):
        for flip in (0x01, 0x04, 0x10, 0xFF):
            b = bytearray(good)
            b[2 * size + i] ^= flip
            fast, general = _parse_both([bytes(b), done()], groups)
            assert fast == general, (i, flip)


def test_comm_texts_are_remembered_without_bound_or_mistake(monkeypatch):
    monkeypatch.setattr(wire, "_COMMS", {})
    monkeypatch.setattr(wire, "_COMMS_MAX", 8)
    raw = [b"sleep" + b"\0" * 11, b"x" * 16, b"\xff\xfeab" + b"\0" * 12, b"a\0junk after nul"]
    want = ["sleep", "x" * 16, "\udcff\udcfeab", "a"]
    for _ in range(2):
        assert [wire.comm_text(r) for r in raw] == want
    for n in range(100):  # names that churn (workqueue workers) empty it, never grow it past the cap
        wire.comm_text(b"kworker/0:%d" % n + b"\0" * 4)
        assert len(wire._COMMS) <= 8
