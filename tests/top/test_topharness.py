"""The top comparison itself can fail: damaged pstd output must be caught (tests/diff_top/topharness.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "diff_top"))

import diffharness as h  # noqa: E402
import topharness as th  # noqa: E402

FRAME = (b"top - 17:12:04 up  6:23,  0 user,  load average: 1.02, 1.05, 1.68\n"
         b"Tasks:  40 total,   1 running,  35 sleeping,   2 stopped,   1 zombie\n"
         b"%Cpu(s):  0.0 us,  1.4 sy, 66.7 ni, 31.9 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st \n"
         b"MiB Mem :  24151.5 total,  20832.4 free,   1429.8 used,   2238.1 buff/cache     \n"
         b"MiB Swap:      0.0 total,      0.0 free,      0.0 used.  22721.7 avail Mem \n"
         b"\n"
         b"  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n"
         b"31337 root      20   0   10000   5000   4000 R  50.0   0.0   0:00.10 top\n"
         b"    1 root      20   0    3000   1000    900 S   0.0   0.0   0:00.03 python3\n"
         b"    7 nobody    39  19    3000   1000    900 T   0.0   0.0   0:01.00 fx-stopped\n")


def ok(out: bytes) -> h.Result:
    return h.Result(0, out, b"")


def test_identical_passes():
    assert th.compare(ok(FRAME + b"\n"), ok(FRAME + b"\n")) is None


def test_own_row_and_moving_numbers_are_ignored():
    other = (FRAME.replace(b"50.0   0.0   0:00.10 top", b"99.0   0.1   0:00.40 pstd")
             .replace(b"17:12:04", b"17:12:05").replace(b"66.7 ni, 31.9", b"16.7 ni, 81.9")
             .replace(b"20832.4 free", b"20812.9 free"))
    assert th.compare(ok(FRAME + b"\n"), ok(other + b"\n")) is None


@pytest.mark.parametrize("old, new", [
    (b"    7 nobody", b"    8 nobody"),                 # a pid
    (b"nobody    39", b"nobod+    39"),                 # a cut user name
    (b"  3000   1000    900 T", b"  3001   1000    900 T"),  # VIRT off by one
    (b" T ", b" S "),                                    # state
    (b"fx-stopped", b"fx-stoppe+"),                      # command
    (b"0:01.00 fx", b"0:01.10 fx"),                      # TIME+ beyond tolerance
    (b"S   0.0   0.0", b"S   0.9   0.0"),                # %CPU beyond tolerance
    (b"  1 zombie", b"  0 zombie"),                      # the Tasks line is exact
    (b"buff/cache     ", b"buff/cache    "),             # a masked line keeps its width
    (b" st \n", b" st\n"),
    (b"load average:", b"load averages:"),
    (b"COMMAND\n", b"COMMAND \n"),                       # header
])
def test_damage_fails(old, new):
    assert old in FRAME
    assert th.compare(ok(FRAME + b"\n"), ok(FRAME.replace(old, new, 1) + b"\n")) is not None


def test_row_order_status_stderr_frames():
    lines = FRAME.split(b"\n")
    swapped = b"\n".join(lines[:8] + [lines[9], lines[8]] + lines[10:])
    assert th.compare(ok(FRAME), ok(swapped)) is not None
    assert th.compare(ok(FRAME), h.Result(1, FRAME, b"")) is not None
    assert th.compare(ok(FRAME), h.Result(0, FRAME, b"top: x\n")) is not None
    assert th.compare(ok(FRAME + b"\n\n" + FRAME), ok(FRAME)) is not None
    assert th.compare(ok(FRAME + b"\n"), ok(FRAME)) is not None


def test_time_within_tolerance_passes():
    near = FRAME.replace(b"0:01.00 fx", b"0:01.01 fx")
    assert th.compare(ok(FRAME), ok(near)) is None
