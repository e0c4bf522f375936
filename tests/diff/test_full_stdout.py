"""A stdout that refuses every write (/dev/full), /bin/ps vs pstd on the frozen fixture.

What ps says at exit depends on where its last fwrite fell in glibc's buffer (pstd.ps.closeout):
"write error: No space left on device" while bytes are pending, a bare "write error" when the
last cell's write was the one that overflowed.  Widths sweep the cell sizes so that both
answers come up, for listings printed as read and for sorted ones (pstd's two write paths),
and the lines of "fix bigness error" on stderr must match too.
"""

from __future__ import annotations

import os
import subprocess

import pytest

import diffharness as h

WIDTHS = range(20, 145, 3)
"""Right-aligned pid widths: each cell's fwrite is that long (ps caps blanks at 144)."""
SHAPES = [
    ["-e", "-o", "pid:{w}"],                       # one fwrite a line, printed as read
    ["-e", "-o", "pid:{w}", "--sort=-pid"],         # the same sorted: pstd renders the whole listing
    ["-eL", "-o", "pid:{w},tid:{w}"],               # two a line, another row count
    ["-p", "{all}", "-o", "pid:{w},comm,args"],     # left-aligned cells, an unlimited last one
]
FIXED = [["u", "-p", "{all}"], ["-f", "-p", "{all}"], ["-Lf", "-p", "{all}"], ["j", "-p", "{all}"],
         ["-p", "{all}", "-o", "pid,args", "--cols", "140000"]]
"""The fixture's tasks, not the tool's own row (its name and command line are ps's or pstd's).
The last: procps complains of "bigness" once a line, on stderr, before each line."""


def _run(ns, exe, args, stdout="/dev/full"):
    r = ns.run(["ps", *args], exe, {"PATH": "/usr/bin:/bin", "HOME": "/root", "LC_ALL": "C.UTF-8"},
               stdout=stdout)
    # the message names the program by its argv[0]: ps's is "ps", pstd's (a script) its path
    return r.status, r.stderr.replace(exe.encode() + b": write error", b"ps: write error")


def _cases(ph):
    for shape in SHAPES:
        for w in WIDTHS:
            yield [h.substitute(a.replace("{w}", str(w)), ph) for a in shape]
    for args in FIXED:
        yield [h.substitute(a, ph) for a in args]


def test_a_full_stdout_gets_ps_s_exit_message_and_status(ns, tool):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    bare = errno_text = 0
    wrong = []
    for args in _cases(ns.placeholders()):
        want = _run(ns, h.ORACLE, args)
        got = _run(ns, tool, args)
        ns.check_frozen()
        if got != want:
            wrong.append(f"{' '.join(args)}: ps {want[0]} {want[1][-120:]!r}, pstd {got[0]} {got[1][-120:]!r}")
        last = want[1].rsplit(b"\n", 2)[-2] if want[1].endswith(b"\n") else want[1]
        bare += last == b"ps: write error"
        errno_text += last == b"ps: write error: No space left on device"
    assert not wrong, "\n".join(wrong[:10])
    # the sweep must have shown both of ps's answers, or it tested one of them only
    assert bare >= 2 and errno_text >= 2, (bare, errno_text)


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of 16 pages, mounted for the test: a disk that fills up."""
    where = tmp_path / "disk"
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_disk_that_fills_part_way_gets_ps_s_message_and_the_same_bytes(ns, tool, small_disk):
    """The descriptor takes some pages, then ENOSPC: ps's earlier flushes went through and its buffer
    stands where they left it (pstd.ps.closeout, from pstd's own count of the bytes taken)."""
    ph = ns.placeholders()
    out = str(small_disk / "out")
    shapes = [["-e", "-o", "pid:{w}"], ["-eL", "-o", "pid:{w},tid:{w}"], ["-eL", "-o", "pid:{w},tid:{w}", "--sort=-pid"],
              ["-p", "{all}", "-o", "pid:{w},comm,args"]]
    # a sweep, and widths at which ps's last write falls on a failed flush on this fixture
    widths = sorted(set(range(60, 145, 12)) | {74, 85, 128, 129})
    answers, wrong = set(), []
    for free in (1, 2, 3):
        with open(small_disk / "fill", "wb") as f:
            f.write(b"\0" * (16 - free) * 4096)
        for shape in shapes:
            for w in widths:
                args = [h.substitute(a.replace("{w}", str(w)), ph) for a in shape]
                want = _run(ns, h.ORACLE, args, out) + (open(out, "rb").read(),)
                got = _run(ns, tool, args, out) + (open(out, "rb").read(),)
                if got != want:
                    wrong.append(f"{free} pages free, {' '.join(args)}: ps {want[:2]} {len(want[2])} bytes, "
                                 f"pstd {got[:2]} {len(got[2])} bytes")
                answers.add(want[1])
    ns.check_frozen()
    assert not wrong, "\n".join(wrong[:10])
    # both of ps's answers came up (and, where the listing fitted, none)
    assert {b"ps: write error\n", b"ps: write error: No space left on device\n"} <= answers, answers
