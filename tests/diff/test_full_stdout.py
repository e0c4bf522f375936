"""A stdout that refuses every write (/dev/full), /bin/ps vs pstd on the frozen fixture.

What ps says at exit depends on where its last fwrite fell in glibc's buffer (pstd.ps.closeout):
"write error: No space left on device" while bytes are pending, a bare "write error" when the
last cell's write was the one that overflowed.  Widths sweep the cell sizes so that both
answers come up, for listings printed as read and for sorted ones (pstd's two write paths),
and the lines of "fix bigness error" on stderr must match too.
"""

from __future__ import annotations

import os

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


def _run(ns, exe, args):
    r = ns.run(["ps", *args], exe, {"PATH": "/usr/bin:/bin", "HOME": "/root", "LC_ALL": "C.UTF-8"},
               stdout="/dev/full")
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
