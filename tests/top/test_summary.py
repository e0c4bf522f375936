"""Summary figures and lines (pstd.top.summary): expected texts follow top's formats as top
prints them (lines quoted from real top output) and procps's documented derivations."""

from __future__ import annotations

from pstd.top import summary

MEMINFO = """MemTotal:       24730112 kB
MemFree:        21329100 kB
MemAvailable:   23286316 kB
Buffers:          101196 kB
Cached:          1995840 kB
SwapCached:            0 kB
SReclaimable:     185124 kB
SwapTotal:             0 kB
SwapFree:              0 kB
"""


def test_meminfo_derivations():
    m = summary.parse_meminfo(MEMINFO)
    assert m.used == 24730112 - 23286316
    assert m.buff_cache == 101196 + 1995840 + 185124
    assert m.avail == 23286316


def test_meminfo_available_missing_or_too_large():
    m = summary.parse_meminfo("MemTotal: 100 kB\nMemFree: 40 kB\n")
    assert (m.avail, m.used) == (40, 60)
    m = summary.parse_meminfo("MemTotal: 100 kB\nMemFree: 40 kB\nMemAvailable: 200 kB\n")
    assert (m.avail, m.used) == (40, 60)


def test_memory_lines_mib():
    one, two = summary.memory_lines(summary.parse_meminfo(MEMINFO), 1)
    assert summary.fit(one, 80) == "MiB Mem :  24150.5 total,  20829.2 free,   1410.0 used,   2228.7 buff/cache     "
    assert summary.fit(two, 80) == "MiB Swap:      0.0 total,      0.0 free,      0.0 used.  22740.5 avail Mem "


def test_memory_cell_cut_with_plus():
    # "%.0f " of 123456789 KiB is 10 characters in top's 9: cut to 8 and '+'; as a C float
    # 123456789 is 123456792
    m = summary.Memory(total=123456789)
    one, _ = summary.memory_lines(m, 0)
    assert summary.fit(one, 200).startswith("KiB Mem : 12345679+total,")


def test_tasks_line_and_counts():
    counts = summary.count_states("RSSDIZTtX")
    assert counts == (9, 1, 5, 2, 1)
    assert summary.fit(summary.tasks_line((69, 2, 67, 0, 0), False), 80) == \
        "Tasks:  69 total,   2 running,  67 sleeping,   0 stopped,   0 zombie"  # real top


def test_cpu_line():
    d = summary.CpuTicks(user=0, system=1, nice=48, idle=23)
    text = summary.fit(summary.cpu_line(summary.cpu_prefix(None), d), 80)
    assert text == "%Cpu(s):  0.0 us,  1.4 sy, 66.7 ni, 31.9 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st "  # real top
    assert summary.fit(summary.cpu_line(summary.cpu_prefix(0), d), 80).startswith("%Cpu0  :  0.0 us,")


def test_cpu_line_without_ticks_is_all_idle():
    assert "100.0 id" in summary.fit(summary.cpu_line("%Cpu(s):", summary.CpuTicks()), 80)


def test_cpu_delta_backwards_is_zero():
    old = summary.CpuTicks(user=100, idle=100)
    new = summary.CpuTicks(user=50, idle=300)
    assert summary.cpu_delta(new, old) == summary.CpuTicks()
    assert summary.cpu_delta(summary.CpuTicks(user=150, idle=300), old).user == 50


def test_fit_cuts_stretches():
    # real top at COLUMNS=10: "top - 17:1", "Tasks:   1", "%Cpu(s):  "
    assert summary.fit("top - 17:13:31 up", 10) == "top - 17:1"
    assert summary.fit(summary.tasks_line((1, 0, 1, 0, 0), False), 10) == "Tasks:   1"
    assert summary.fit("%Cpu(s):~3  0.0 ~2us,", 10) == "%Cpu(s):  "


def test_uptime_text():
    import time

    now = time.mktime((2026, 12, 1, 17, 12, 4, 0, 0, -1))
    assert summary.uptime_text(now, 6 * 3600 + 23 * 60 + 5, 0, (1.02, 1.05, 1.68)) == \
        " 17:12:04 up  6:23,  0 user,  load average: 1.02, 1.05, 1.68"  # real top
    assert " up 2 days, 59 min,  2 users," in summary.uptime_text(now, 2 * 86400 + 59 * 60, 2, (0, 0, 0))
    assert " up 1 day,  1:00,  1 user," in summary.uptime_text(now, 86400 + 3600, 1, (0, 0, 0))


def test_count_users(tmp_path):
    import struct

    rec = bytearray(384)
    struct.pack_into("<h", rec, 0, 7)
    rec[44:48] = b"root"
    boot = bytearray(384)
    struct.pack_into("<h", boot, 0, 2)
    empty = bytearray(384)
    struct.pack_into("<h", empty, 0, 7)
    (tmp_path / "utmp").write_bytes(bytes(rec + boot + empty + rec))
    assert summary.count_users(str(tmp_path / "utmp")) == 2
    assert summary.count_users(str(tmp_path / "missing")) == 0
