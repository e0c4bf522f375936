"""Formatters: synthetic records for procps's arithmetic, and live comparison with /bin/ps."""

from __future__ import annotations

from pstd import plainclass as dataclasses
import os
import shutil
import subprocess
import sys
import time

import pytest

from pstd.backends.procfs import ProcfsBackend
from pstd.model import Group, Strategy, Task
from pstd.ps import columns as C
from pstd.ps import formats as F
from pstd.ps.context import make_context
from pstd.ps.escape import lib_escape, out_escape

PS = shutil.which("ps") or "/bin/ps"


def ctx(**kw):
    base = dict(now=1_000_000.0, boot_time=900_000.0, uptime=100_000.0, clock_ticks=100,
                page_size=4096, mem_total_kb=1_000_000, pid_max=32768)
    base.update(kw)
    return C.FormatContext(**base)


def task(**kw):
    t = Task(kw.pop("pid", 100), kw.pop("tid", None))
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def fmt(name, t, c=None, room=None):
    col = C.lookup(name)
    c = c or ctx()
    return col.cell(t, c, room) if room is not None else col.format(t, c)


def test_cpu_times():
    # 1 day, 2 h, 3 min, 4 s of cpu = 93784 s = 9378400 ticks
    t = task(utime=9_000_000, stime=378_400, cutime=500, cstime=0)
    assert fmt("time", t) == "1-02:03:04"
    assert fmt("times", t) == "93784"
    assert fmt("bsdtime", t) == "1563:04"
    assert fmt("time", task(utime=5999, stime=0)) == "00:00:59"
    # BSD S adds dead children's time to bsdtime but never to time
    c = ctx(cumulative=True)
    assert fmt("bsdtime", task(utime=5900, stime=0, cutime=200, cstime=0), c) == "  1:01"
    assert fmt("time", task(utime=5900, stime=0, cutime=200, cstime=0), c) == "00:00:59"


def test_elapsed_time_forms():
    # uptime 100000 s; started at tick 100000*100 - 65*100 -> 65 s ago
    c = ctx()
    assert fmt("etime", task(start_time=10_000_000 - 6500), c) == "01:05"
    assert fmt("etime", task(start_time=10_000_000 - 366100), c) == "01:01:01"
    assert fmt("etime", task(start_time=10_000_000 - (2 * 86400 + 3600) * 100), c) == "2-01:00:00"
    assert fmt("etimes", task(start_time=10_000_000 - 6500), c) == "65"


def test_pcpu_per_mille_and_caps():
    c = ctx()
    start = 10_000_000 - 100_000  # 1000 s of life
    assert fmt("%cpu", task(start_time=start, utime=333, stime=0), c) == "0.3"
    assert fmt("%cpu", task(start_time=start, utime=150_000, stime=0), c) == "150"
    assert fmt("c", task(start_time=start, utime=150_000, stime=0), c) == "99"
    assert fmt("c", task(start_time=start, utime=0, stime=0), c) == " 0"
    assert fmt("cp", task(start_time=start, utime=5_000, stime=0), c) == " 50"
    assert fmt("%cpu", task(start_time=10_000_000, utime=5, stime=5), c) == "0.0"


def test_pmem_and_sizes():
    c = ctx(mem_total_kb=2_000_000)
    t = task(rss_pages=25_000, vsize=123 * 1024 * 1024, start_code=0x1000, end_code=0x5000, rsslim=(1 << 64) - 1)
    assert fmt("rss", t, c) == "100000"
    assert fmt("%mem", t, c) == " 5.0"
    assert fmt("vsz", t, c) == str(123 * 1024)
    assert fmt("sz", t, c) == str(123 * 1024 // 4)
    assert fmt("trs", t, c) == "16"
    assert fmt("drs", t, c) == str((123 * 1024 * 1024 - 0x4000) >> 10)
    assert fmt("lim", t, c) == "xx"
    assert fmt("lim", task(rsslim=4096 * 1024), c) == " 4096"
    assert fmt("drs", task(vsize=0, start_code=1, end_code=1), c) == "0"


def test_stat_flags():
    t = task(pid=10, state="S", nice=-5, vm_lck_kb=4, sid=10, nlwp=3, pgid=10, tpgid=10)
    assert fmt("stat", t) == "S<Lsl+"
    t = task(pid=10, state="R", nice=19, vm_lck_kb=0, sid=1, nlwp=1, pgid=10, tpgid=-1)
    assert fmt("stat", t) == "RN"


def test_inlined_formatters_agree_with_the_helpers_they_inline():
    """aux's formatters inline tics_all, rss_kb, vsz_kb, start_epoch and the name caches, with
    shortcuts for idle tasks: over records where each helper takes each branch, the cells must
    be what the helpers' own arithmetic gives."""
    import itertools
    import random

    from pstd.ps import names

    rng = random.Random(7)
    ticks = [None, 0, 1, 99, 100, 5999, 6000, 359_999, 360_000, 9_378_400, (1 << 40) + 17]
    for cum in (False, True):
        c = ctx(cumulative=cum, mem_total_kb=rng.choice([1, 999, 2_000_000]))
        for _ in range(3000):
            t = task(utime=rng.choice(ticks), stime=rng.choice(ticks), cutime=rng.choice(ticks),
                     cstime=rng.choice(ticks), start_time=rng.choice([None, 0, 10_000_000, 9_999_000, 20_000_000]),
                     vm_rss_kb=rng.choice([None, 0, 1, 500, 10**7]), rss_pages=rng.choice([None, 0, 3, 10**6]),
                     vm_size_kb=rng.choice([None, 0, 4, 10**6]), vsize=rng.choice([None, 0, 4096, 1 << 40]))
            u = (F.tics_all(t, c) // c.clock_ticks) & 0xFFFFFFFF
            assert F.f_bsdtime(t, c) == "%3u:%02u" % (u // 60, u % 60)
            assert F.f_pcpu(t, c) == (lambda p: str(p // 10) if p > 999 else f"{p // 10}.{p % 10}")(
                F._pcpu_permille(t, c))
            p = min(F.rss_kb(t, c) * 1000 // c.mem_total_kb, 999)
            assert F.f_pmem(t, c) == "%2u.%u" % (p // 10, p % 10)
            assert F.f_rss(t, c) == str(F.rss_kb(t, c))
            assert F.f_vsz(t, c) == str(F.vsz_kb(t, c))
            assert F.f_start(t, c) == F._start_text(F.start_epoch(t, c), c)
    for nice, nlwp in itertools.product([None, -20, -1, 0, 1, 19], [None, 0, 1, 2]):
        t = task(pid=5, state="S", nice=nice, nlwp=nlwp, sid=1, pgid=1, tpgid=2)
        assert F.f_stat(t, ctx()) == "S" + ("<" if (nice or 0) < 0 else "N" if (nice or 0) > 0 else "") + (
            "l" if (nlwp or 0) > 1 else "")
    # the caches read first hold what the lookups return, so the cell is the lookup's answer
    for uid in (None, 0, os.getuid(), 65534, 4_000_000_000, (1 << 32) + 3):
        want = names.user_name(0 if uid is None else uid & 0xFFFFFFFF)
        assert F.f_euser(task(euid=uid), ctx()) == want
        assert F.f_euser(task(euid=uid), ctx()) == want  # now from the cache
    for dev in (None, 0, (4 << 8) | 1, (136 << 8) | 9999):
        want = names.tty_name(dev or 0, os.getpid())
        assert F.f_tty(task(pid=os.getpid(), tty=dev), ctx()) == want
        assert F.f_tty(task(pid=os.getpid(), tty=dev), ctx()) == want


def test_scheduling_columns():
    fifo = task(policy=1, rtprio=10, nice=0, priority=-11)
    assert fmt("cls", fifo) == "FF"
    assert fmt("ni", fifo) == "-"
    assert fmt("rtprio", fifo) == "10"
    assert fmt("pri", fifo) == "50"
    assert fmt("opri", fifo) == "49"
    normal = task(policy=0, rtprio=0, nice=5, priority=25)
    assert fmt("cls", normal) == "TS"
    assert fmt("ni", normal) == "5"
    assert fmt("rtprio", normal) == "-"
    assert fmt("cls", task(policy=5)) == "IDL"
    assert fmt("cls", task(policy=3)) == "B"
    assert fmt("cls", task(policy=6)) == "DLN"
    assert fmt("f", task(flags=0x00400140)) == "5"


def test_signal_masks_narrow_and_wide():
    t = task(sig_blocked=0x10000, sig_caught=0x180014a07)
    assert fmt("blocked", t) == "00010000"
    assert fmt("caught", t) == "<80014a07"
    wide = ctx(wide_signals=True)
    assert fmt("caught", t, wide) == "0000000180014a07"


def test_user_name_fits_room_or_is_cut():
    t = task(euid=0)
    assert fmt("user", t, room=8) == "root"
    assert fmt("user", t, room=3) == "ro+"
    assert fmt("user", t, ctx(bsd_n=True), room=8) == "0"
    assert fmt("user", task(euid=4_000_000), room=8) == "4000000"


def test_command_text():
    z = task(state="Z", comm="sh", cmdline=b"")
    assert fmt("args", z) == "[sh] <defunct>"
    assert fmt("comm", z) == "sh"
    k = task(state="I", comm="kworker/0:1", cmdline=b"")
    assert fmt("args", k) == "[kworker/0:1]"
    p = task(state="S", comm="python3", cmdline=b"python3\0-c\0x\ny\0")
    assert fmt("args", p) == "python3 -c x y"
    assert fmt("args", p, ctx(bsd_c=True)) == "python3"
    assert fmt("args", p, room=9) == "python3 -"
    e = task(state="S", comm="a", cmdline=b"a\0", environ=b"X=1\0Y=2\0")
    assert fmt("args", e, ctx(bsd_e=True)) == "a X=1 Y=2"
    assert fmt("fname", task(comm="averylongname")) == "averylon"


def test_escaping_by_locale():
    raw = "é\tz".encode()
    assert lib_escape(raw, False) == b"??.z"
    assert out_escape(lib_escape(raw, False), False, 100) == ("??.z", 4)
    assert lib_escape(raw, True) == "é?z".encode()
    assert out_escape(lib_escape(raw, True), True, 100) == ("é?z", 3)
    # an invalid sequence: one '?' per byte, as mbrtowc reports them
    assert out_escape(b"a\xe2\x82b", True, 100) == ("a??b", 4)
    # wide characters take two cells and are not split
    assert out_escape("漢字".encode(), True, 3) == ("漢", 2)


def test_start_time_forms():
    # boot at 1000000 - 100000; a task started 10 s before now prints a time of day
    c = ctx()
    t = task(start_time=10_000_000 - 1000)
    start = 1_000_000 - 10
    assert fmt("start", t, c) == time.strftime("%H:%M:%S", time.localtime(start))
    assert fmt("stime", t, c) in (time.strftime("%H:%M", time.localtime(start)),
                                  time.strftime("%b%d", time.localtime(start)))
    old = task(start_time=0)
    boot = 900_000
    assert fmt("lstart", old, c) == time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(boot))
    assert fmt("start", old, c) == "  " + time.strftime("%b %d", time.localtime(boot))


# ----------------------------------------------------------------------------- live comparison

VARYING = {"pss", "uss", "cuu", "cuc", "%cpu", "pcpu", "c", "cp", "util", "etime", "etimes",
           "rss", "rssize", "rsz", "sgi_rss", "%mem", "pmem", "wchan", "wname", "stat",
           "s", "state", "sgi_p", "psr", "cpuid", "lastcpu", "numa", "esp", "eip",
           "rchars", "wchars", "rops", "wops", "min_flt", "minflt", "time", "times",
           "cputime", "cputimes", "atime", "bsdtime", "oom"}


class _Q:
    bsd_c = bsd_e = bsd_n = cumulative = False
    threads = ""


@pytest.fixture(scope="module")
def live_tasks():
    procs = [
        subprocess.Popen(["sleep", "300"]),
        subprocess.Popen(["nice", "-n", "7", "sleep", "300"]),
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "héllo", "a\tb"]),
    ]
    if shutil.which("chrt"):
        procs.append(subprocess.Popen(["chrt", "-b", "0", "sleep", "300"]))
    zombie = os.fork()
    if zombie == 0:
        os._exit(0)
    # wait until every child sleeps in its final program (signal masks settle after exec)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            chans = [open(f"/proc/{p.pid}/wchan").read() for p in procs]
        except OSError:
            chans = []
        if chans and all(c == "hrtimer_nanosleep" for c in chans):
            break
        time.sleep(0.05)
    time.sleep(0.1)
    # not our own pid: while it runs ps, subprocess blocks every signal around vfork
    pids = [p.pid for p in procs] + [zombie]
    if os.path.exists("/proc/2/stat"):
        pids.append(2)
    yield pids
    for p in procs:
        p.kill()
        p.wait()
    os.waitpid(zombie, 0)


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_every_printable_specifier_matches_live_ps(live_tasks, locale):
    from pstd.env import Environment

    environ = dict(os.environ, LC_ALL=locale)
    env = dataclasses.replace(Environment.from_os(), environ=environ)
    backend = ProcfsBackend(env)
    pids = sorted(live_tasks)
    bad = []
    for name, col in sorted(C.REGISTRY.items()):
        if not col.printable or name.startswith("_") or name in VARYING:
            continue
        out = subprocess.run([PS, "-o", f"{name}:300=", "-q", ",".join(map(str, pids))],
                             capture_output=True, env=environ).stdout.decode("utf-8", "replace")
        c = dataclasses.replace(make_context(env, _Q()), wide_signals=True)
        mine = []
        for pid in pids:
            for t in backend.dump(Strategy.ONE, col.groups | Group.BASE, pid):
                mine.append(col.cell(t, c, 300).strip())
        theirs = [line.strip() for line in out.splitlines()]
        if name in ("args", "cmd", "command", "cgroup", "cgname", "supgrp", "supgid", "exe"):
            # the last column's room is the rest of the line; 300 cells are enough here
            theirs = [x[:300] for x in theirs]
        if mine != theirs:
            bad.append((name, theirs, mine))
    assert not bad


def test_tty_names_from_device_numbers():
    from pstd.ps import names

    assert names.tty_name(0, os.getpid()) == "?"
    # /dev/console and /dev/tty1 exist on Debian with these numbers (5:1 and 4:1)
    if os.path.exists("/dev/console") and os.stat("/dev/console").st_rdev == os.makedev(5, 1):
        assert names.tty_name((5 << 8) | 1, os.getpid()) == "console"
    if os.path.exists("/dev/tty1") and os.stat("/dev/tty1").st_rdev == os.makedev(4, 1):
        assert names.tty_name((4 << 8) | 1, os.getpid()) == "tty1"
        assert names.tty4_name((4 << 8) | 1, os.getpid()) == "1"
    # a pts device: major 136, minor 3 encodes as 136 << 8 | 3; minors above 255 use the high bits
    assert names.dev_major((136 << 8) | 3) == 136 and names.dev_minor((136 << 8) | 3) == 3
    assert names.dev_minor((136 << 8) | (300 & 0xFF) | ((300 & ~0xFF) << 12)) == 300


def test_tty_of_a_pty_child_matches_ps():
    import pty

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("sleep", ["sleep", "30"])
    try:
        time.sleep(0.3)
        expect = subprocess.run([PS, "-o", "tty=,tty4=,stat=", "-q", str(pid)], capture_output=True,
                                text=True).stdout.split()
        t = ProcfsBackend().dump(Strategy.ONE, Group.BASE | Group.TTY | Group.SCHED | Group.MEM | Group.STAT,
                                 pid)[0]
        c = ctx()
        assert [fmt("tty", t, c), fmt("tty4", t, c), fmt("stat", t, c)] == expect
        assert expect[0].startswith("pts/")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def _decimal_formatters():
    seen = {}
    for col in C.REGISTRY.values():
        f = col.format
        if getattr(f, "decimal", None):
            seen[f.__name__] = f
    return [seen[k] for k in sorted(seen)]


@pytest.mark.parametrize("f", _decimal_formatters(), ids=lambda f: f.__name__)
def test_a_decimal_mark_holds_for_every_non_negative_int(f):
    # the renderer's fast path prints "%Nd" % value for these; it must equal the formatter
    assert f.decimal
    for v in (0, 1, 9, 10, 99999, 100000, 4194304, 2**31 - 1, 2**32 - 1):
        assert f(task(**{f.decimal: v}), ctx()) == str(v), (f.__name__, v)


def test_the_fast_decimal_path_falls_back_for_what_it_cannot_print():
    from pstd.ps.parser import parse
    from pstd.ps.render import Renderer
    from pstd.env import Environment
    import io

    env = Environment.from_os()
    env.stdout = io.BytesIO()
    q = parse(["-o", "pid,ppid,tpgid"], env, prog="ps")
    r = Renderer(q, ctx(), C.lookup)
    assert r.fast[id(r.proc_cols)][-1] is not None, "the decimal plan is not used for pid,ppid,tpgid"
    rows = [task(pid=5, ppid=1, tpgid=-1), task(pid=123456, ppid=None, tpgid=7), task(pid=6, ppid=2, tpgid=3)]
    fast, _ = r.render_plain(rows, ctx())
    slow, _ = Renderer(q, ctx(), C.lookup).render(rows, ctx())
    assert fast == slow
    assert b"   -1" in fast and b"123456" in fast


@pytest.mark.parametrize("specs", ["pid,ppid,tpgid", "pid", "ppid"])
@pytest.mark.parametrize("odd", [{}, {"ppid": None}, {"tpgid": -1}, {"ppid": -5}, {"pid": 1234567}, {"pid": None}],
                         ids=repr)
def test_the_decimal_blocks_equal_line_by_line(specs, odd):
    """Whole blocks of rows come from one %-format; a block holding one odd row (None, negative,
    too wide) and the blocks after it must print as the line-by-line path does."""
    import random
    from pstd.ps.parser import parse
    from pstd.ps import render as R
    from pstd.env import Environment
    import io

    env = Environment.from_os()
    env.stdout = io.BytesIO()
    q = parse(["-o", specs], env, prog="ps")
    rnd = random.Random(11)
    rows = [task(pid=p, ppid=rnd.choice([0, 1, 99999]), tpgid=rnd.choice([1, 4242])) for p in range(1, 2000)]
    for k, v in odd.items():
        setattr(rows[600], k, v)  # in the third block
    fast, n = R.Renderer(q, ctx(), C.lookup).render_plain(rows, ctx())
    slow, _ = R.Renderer(q, ctx(), C.lookup).render(rows, ctx())
    assert n == len(rows) and fast == slow
    assert len(rows) > 4 * R._DEC_BLOCK
