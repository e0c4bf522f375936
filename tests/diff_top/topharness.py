"""Comparing ``pstd top -b`` with procps's ``top -b`` on the frozen fixture (tests/diff).

Both run through ``diffharness.Namespace.run`` (pid 31337 in the fixture's pid
namespace, same environment, stdin /dev/null, stdout a pipe), top as ``top ARGS``,
pstd as ``pstd top ARGS``, with HOME an empty directory (top reads no toprc).

What must be equal:

* exit status and stderr, byte for byte;
* the number of frames and of lines in each;
* in each frame's summary: the ``Tasks:`` line exactly; the uptime, ``%Cpu``, ``Mem``
  and ``Swap`` lines with every number masked (``mask``) (time, load, cpu and free memory move by
  themselves), so words, punctuation, widths and cuts must match;
* the blank line and the header, exactly;
* every task row except the tool's own (a field equal to 31337), exactly outside the
  %CPU and TIME+ columns; %CPU within ``PCPU_TOLERANCE`` points and TIME+ within
  ``TIME_TOLERANCE`` seconds (the fixture's tasks sleep, so both are in practice
  equal; the tolerance covers a tick that lands between the two runs).
"""

from __future__ import annotations

import os
import re
import shlex

import diffharness as h

ORACLE = os.environ.get("PSTD_DIFF_TOP_ORACLE", "/usr/bin/top")
PCPU_TOLERANCE = 0.5
TIME_TOLERANCE = 0.02
SELF = str(h.SELF_PID).encode()
_NUMBER = re.compile(rb" *[0-9][0-9.]*")
_NUMBER_CHARS = re.compile(rb"[0-9. ]")


def mask(line: bytes) -> bytes:
    """Digits, points and blanks as '#': the words, separators and the line's width stay.

    Numbers in top's summary sit right-aligned in fixed slots ("%#5.1f", "%9.9s"), so a
    100.0 and a 50.0 mask alike, also when the screen width cuts the line inside one."""
    return _NUMBER_CHARS.sub(b"#", line)


def home(ns) -> str:
    path = os.path.join(ns.tmp.name, "top-home")
    os.makedirs(path, mode=0o755, exist_ok=True)
    return path


def parse_line(line: str):
    """``[@tty=COLSxROWS] [VAR=VALUE ...] :: ARGS`` or ``ARGS`` -> (env, args, tty).

    ``@tty``: stdin and stdout are a terminal of that size (diffharness's tty mode)."""
    env, tty = {}, None
    if " :: " in f" {line} ":
        head, _, rest = f" {line} ".partition(" :: ")
        for word in shlex.split(head):
            if word.startswith("@tty="):
                cols, _, rows = word[5:].partition("x")
                tty = (int(cols), int(rows))
                continue
            k, _, v = word.partition("=")
            env[k] = v
    else:
        rest = line
    return env, shlex.split(rest), tty


def run_both(ns, tool: str, line: str):
    env_extra, args, tty = parse_line(line)
    ph = ns.placeholders()
    args = [h.substitute(a, ph) for a in args]
    env = dict(h.BASE_ENV, HOME=home(ns))
    env.update({k: h.substitute(v, ph) for k, v in env_extra.items()})
    want = ns.run(["top", *args], ORACLE, env, tty=tty)
    # a tool named top is an oracle checked against itself (PSTD_DIFF_TOOL=/usr/bin/top)
    argv = ["top", *args] if os.path.basename(tool) == "top" else ["pstd", "top", *args]
    got = ns.run(argv, tool, env, tty=tty)
    return want, got


def _frames(out: bytes) -> list[list[bytes]]:
    """Frames as lists of lines; top separates frames by a blank line before "top - "."""
    lines = out.split(b"\n")
    frames, cur = [], []
    for ln in lines:
        if ln.startswith(b"top - ") and cur:
            while cur and cur[-1] == b"":
                cur.pop()
            frames.append(cur)
            cur = []
        cur.append(ln)
    frames.append(cur)
    return frames


def _columns(header: bytes):
    """(start, end) byte spans of the %CPU and TIME+ columns (right-aligned under their header)."""
    spans = {}
    for name, width in ((b"%CPU", 5), (b"TIME+", 9)):
        i = header.find(name)
        if i >= 0:
            end = i + len(name)
            spans[name] = (max(0, end - width), end)
    return spans


def _secs(text: bytes):
    m = re.fullmatch(rb"\s*(\d+):(\d+)\.(\d+)\s*", text)
    if m:
        return int(m.group(1)) * 60 + int(m.group(2)) + int(m.group(3)) / 100
    return None


def _num(text: bytes):
    try:
        return float(text)
    except ValueError:
        return None


def compare_rows(want: bytes, got: bytes, spans) -> str | None:
    if len(want) != len(got):
        return f"row lengths differ:\n    top:  {want!r}\n    pstd: {got!r}"
    masked_w, masked_g = bytearray(want), bytearray(got)
    for name, (a, b) in spans.items():
        masked_w[a:b] = masked_g[a:b] = b"#" * (b - a)
        w, g = want[a:b], got[a:b]
        if w == g:
            continue
        if name == b"%CPU":
            x, y = _num(w), _num(g)
            if x is None or y is None or abs(x - y) > PCPU_TOLERANCE:
                return f"%CPU beyond {PCPU_TOLERANCE}:\n    top:  {want!r}\n    pstd: {got!r}"
        else:
            x, y = _secs(w), _secs(g)
            if x is None or y is None or abs(x - y) > TIME_TOLERANCE + 1e-9:
                return f"TIME+ beyond {TIME_TOLERANCE} s:\n    top:  {want!r}\n    pstd: {got!r}"
    if masked_w != masked_g:
        return f"row differs:\n    top:  {want!r}\n    pstd: {got!r}"
    return None


def compare(want: h.Result, got: h.Result) -> str | None:
    problems = []
    if want.status != got.status:
        problems.append(f"exit status: top {want.status}, pstd {got.status}")
    if want.stderr != got.stderr:
        problems.append("stderr " + h.first_diff(want.stderr, got.stderr).replace("ps:  ", "top: "))
    wf, gf = _frames(want.stdout), _frames(got.stdout)
    if len(wf) != len(gf):
        problems.append(f"frames: top {len(wf)}, pstd {len(gf)}")
    for n, (a, b) in enumerate(zip(wf, gf), 1):
        diff = compare_frame(a, b)
        if diff:
            problems.append(f"frame {n}: {diff}")
            break
    if want.stdout.endswith(b"\n") != got.stdout.endswith(b"\n"):
        problems.append("final newline differs")
    return "\n".join(problems) or None


def compare_frame(a: list[bytes], b: list[bytes]) -> str | None:
    a = [ln for ln in a if SELF not in ln.split()]
    b = [ln for ln in b if SELF not in ln.split()]
    if len(a) != len(b):
        return f"{len(a)} lines from top, {len(b)} from pstd\n" + h.first_diff(b"\n".join(a), b"\n".join(b))
    header_at = next((i for i, ln in enumerate(a) if ln == b"" and i + 1 < len(a)), None)
    summary_end = header_at if header_at is not None else len(a)
    for i in range(summary_end):
        x, y = a[i], b[i]
        if i == 0:
            # "load average: %.2f" has no width: 9.98 after 10.15 is a narrower line
            x, y = _NUMBER.sub(b"#", x), _NUMBER.sub(b"#", y)
        elif not x.startswith(b"Tasks:") and not x.startswith(b"Threads:"):
            x, y = mask(x), mask(y)
        if x != y:
            return f"summary line {i + 1}:\n    top:  {a[i]!r}\n    pstd: {b[i]!r}"
    if header_at is None:
        return None
    for i in (header_at, header_at + 1):
        if i < len(a) and a[i] != b[i]:
            return f"line {i + 1}:\n    top:  {a[i]!r}\n    pstd: {b[i]!r}"
    spans = _columns(a[header_at + 1]) if header_at + 1 < len(a) else {}
    for i in range(header_at + 2, len(a)):
        diff = compare_rows(a[i], b[i], spans)
        if diff:
            return f"line {i + 1}: {diff}"
    return None
