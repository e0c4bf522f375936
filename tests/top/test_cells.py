"""top's cell formatters.  Expected texts come from real top output (quoted where so) or
from top's documented rules (top(1): scaling, '+' for a cut value, TIME+ in hundredths),
worked by hand; never from pstd's own output."""

from __future__ import annotations

import pytest

from pstd.top import cells


@pytest.mark.parametrize("kib, width, want", [
    (5604400, 7, "5604400 "),      # real top: VIRT of a qemu process
    (974560, 6, "974560 "),        # real top: its RES
    (1363148, 6, "  1.3g "),       # 7 digits do not fit 6; 1331.2m neither; 1.3g does
    (999999, 6, "999999 "),
    (1000000, 6, "976.6m "),       # 1000000 / 1024 = 976.5625
    (0, 6, "     0 "),
    (10260, 6, " 10260 "),         # real top: RES of pid 1
])
def test_scale_mem_kib(kib, width, want):
    assert cells.scale_mem(0, kib, width, True) == want


@pytest.mark.parametrize("target, kib, width, want", [
    (1, 10260, 6, " 10.0m "),       # -e m: 10260 / 1024 = 10.02
    (2, 10260, 6, "  0.0g "),
    (2, 24730112, 7, "  23.6g "),   # 24730112 / 1024 / 1024 = 23.58
    (3, 24730112, 7, "   0.0t "),
    (1, 2**40, 6, "  1.0p "),       # 1 PiB in KiB: m and g and t do not fit 6
    (4, 0, 6, "  0.0p "),
])
def test_scale_mem_targets(target, kib, width, want):
    assert cells.scale_mem(target, kib, width, True) == want


def test_scale_mem_nothing_fits():
    assert cells.scale_mem(0, 2**60, 3, True) == "  ? "


def test_scale_mem_uses_c_float():
    # 16777217 is not a C float: top prints 16777216 (2**24 + 1 rounds to even)
    assert cells.scale_mem(0, 16777217, 8, True) == "16777216 "


@pytest.mark.parametrize("value, want", [
    (0.0, "  0.0 "), (99.94, " 99.9 "), (100.0, "100.0 "), (125.0, "125.0 "),  # real top: 125.0
    (999.9, "999.9 "), (1000.4, " 1000 "), (123456.0, "    ? "),
])
def test_scale_pcnt(value, want):
    assert cells.scale_pcnt(value, 5, True) == want


@pytest.mark.parametrize("tics, width, want", [
    (0, 9, "  0:00.00 "),
    (4591, 9, "  0:45.91 "),          # real top: 0:45.91
    (51502, 9, "  8:35.02 "),         # real top: 8:35.02 (pid 1)
    (123456, 9, " 20:34.56 "),
    (36000 * 60, 9, "360:00.00 "),    # 6 hours: still minutes
    (36100 * 60, 9, "     6,01 "),     # past 6 hours: hours,minutes
    (100 * 3600 * 97, 9, "    4d+1h "),  # past 4 days: days+hours
    (100 * 86400 * 15, 9, "    2w+1d "),  # past 2 weeks: weeks+days
    (12345, 6, "  2:03 "),            # 2:03.45 does not fit TIME's 6
])
def test_scale_tics(tics, width, want):
    assert cells.scale_tics(tics, width, True, cells.SECS, 100) == want


def test_scale_tics_hertz():
    assert cells.scale_tics(250, 9, True, cells.SECS, 250) == "  0:01.00 "


@pytest.mark.parametrize("text, width, want", [
    ("root", 8, "root     "),
    ("systemd-timesync", 8, "systemd+ "),      # top's USER column
    ("process_agent", 10, "process_a+ "),      # real top at 80 columns
    ("kworker/R-rcu_gp", 10, "kworker/R+ "),   # real top: kworker/R+
    ("", 3, "    "),
])
def test_make_str(text, width, want):
    assert cells.make_str(text, width, False) == want


@pytest.mark.parametrize("num, width, want", [
    (1, 5, "    1 "), (27148, 5, "27148 "), (123456, 5, "1234+ "), (-10, 3, "-10 "), (-100, 3, "-1+ "),
])
def test_make_num(num, width, want):
    assert cells.make_num(num, width, True) == want


def test_make_str_cells_counts_wide_characters():
    wide = lambda c: 2 if ord(c) > 0x2e80 else 1  # noqa: E731
    assert cells.make_str_cells("\u4e2d\u6587a", 5, False, wide) == "\u4e2d\u6587a "
    # 6 cells in 5: cut to 4 cells, then '+'
    assert cells.make_str_cells("\u4e2d\u6587ab", 5, False, wide) == "\u4e2d\u6587+ "
    assert cells.make_str_cells("a\u4e2d\u6587b", 5, False, wide) == "a\u4e2d+  "


def test_scale_num():
    assert cells.scale_num(1234, 4, True) == "1234 "
    assert cells.scale_num(12345, 4, True) == " 12k "     # 12.1k is 5 wide: no decimal
    assert cells.scale_num(2048, 3, True) == " 2k "


def test_smaps_sort_fields_read_their_rollup_line():
    """PSS and PSfd cannot be compared with top on the fixture (the reader's own mappings change a
    shared page's proportional share): each smaps field's sort value is checked against the line of
    /proc/PID/smaps_rollup it stands for (procps's top reads the same lines), for a sleeping child."""
    import subprocess

    from pstd.backends.procfs import ProcfsBackend
    from pstd.model import Group, Strategy
    from pstd.top import fields

    lines = {"RSS": ("Rss",), "PSS": ("Pss",), "PSan": ("Pss_Anon",), "PSfd": ("Pss_File",),
             "PSsh": ("Pss_Shmem",), "USS": ("Private_Clean", "Private_Dirty")}
    child = subprocess.Popen(["sleep", "30"])
    try:
        import time

        time.sleep(0.2)

        def rollup():
            with open(f"/proc/{child.pid}/smaps_rollup") as f:
                return {k[:-1]: int(v) for k, v, *_ in (ln.split() for ln in f) if k.endswith(":")}
        # a shared page's proportional share moves when another process maps or unmaps it (a busy
        # machine starts and ends processes all the time): the dump is judged against a rollup
        # that read the same before and after it
        for _ in range(50):
            before = rollup()
            (t,) = ProcfsBackend().dump(Strategy.ONE, Group.SMAPS, child.pid)
            if rollup() == before:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("smaps_rollup never held still for one dump")
        got = {name: fields.field(name).key(t, None, None) for name in lines}
        want = {name: sum(before.get(k, 0) for k in keys) for name, keys in lines.items()}
        assert got == want
        assert want["PSS"] != want["PSfd"] and want["PSfd"] > 0  # the two can tell each other apart
    finally:
        child.kill()
        child.wait()
