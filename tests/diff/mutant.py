"""Stand-in tools for checking that the harness catches wrong output: pstd with one defect.

``launcher(dir, mode)`` writes an executable ``dir/pstd`` for PSTD_DIFF_TOOL-style use.  It
runs pstd *in its own process* (so the tool is still the one task with the harness's pid, and
no helper process shows up in the listing), captures stdout and stderr, applies the defect and
writes the result:

  none      no defect (the stand-in itself must pass)
  offby1    the last integer cell of the first fixture row, outside clock-derived columns and
            the last column, plus one (kept right-aligned)
  clock     the first clock-derived cell of the first fixture row plus 5 (units of its own)
  swap      the first two fixture rows exchanged
  blank     a trailing blank on the first fixture row
  newline   an empty line added at the end
  cut       the last field of the first fixture row removed
  status    exit status plus one
  stderr    a warning on stderr
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("none", "offby1", "clock", "swap", "blank", "newline", "cut", "status", "stderr")


def launcher(directory: str | os.PathLike, mode: str, src: str | os.PathLike) -> str:
    assert mode in MODES
    path = Path(directory) / "pstd"
    path.write_text(f"#!{sys.executable}\n"
                    "import sys\n"
                    f"sys.path[:0] = [{str(src)!r}, {str(HERE)!r}]\n"
                    "import mutant\n"
                    f"sys.exit(mutant.main({mode!r}))\n")
    path.chmod(0o755)
    return str(path)


def _run_pstd() -> tuple[int, bytes, bytes]:
    saved = os.dup(1), os.dup(2)
    out, err = os.memfd_create("out"), os.memfd_create("err")
    os.dup2(out, 1)
    os.dup2(err, 2)
    try:
        from pstd.__main__ import main
        try:
            status = main() or 0
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except (OSError, ValueError):
                pass
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    return status, os.pread(out, 1 << 26, 0), os.pread(err, 1 << 26, 0)


def _fixture_rows(lines: list[bytes]) -> list[int]:
    """Indexes of data rows that are not the tool's own (the harness would drop those)."""
    import diffharness
    me = str(diffharness.SELF_PID).encode()
    return [i for i, ln in enumerate(lines[1:], 1) if ln.strip() and me not in ln.split()]


def mutate(mode: str, status: int, out: bytes, err: bytes) -> tuple[int, bytes, bytes]:
    import diffharness
    lines = out.split(b"\n")
    rows = _fixture_rows(lines)
    clock = diffharness.ClockCells(lines[0], diffharness.Case(line="", args=sys.argv[1:]))
    if mode == "none":
        return status, out, err
    if mode == "status":
        return status + 1, out, err
    if mode == "stderr":
        return status, out, err + b"ps: warning: something\n"
    if mode == "newline":
        return status, out + b"\n", err
    first = rows[0]
    line = lines[first]
    toks = diffharness._tokens(line)
    if mode == "swap":
        second = rows[1]
        lines[first], lines[second] = lines[second], lines[first]
    elif mode == "blank":
        lines[first] = line + b" "
    elif mode == "cut":
        lines[first] = line[:toks[-2][1]] if len(toks) > 1 else b""
    elif mode in ("offby1", "clock"):
        if mode == "offby1":
            cells = [t for t in toks[:-1] if t[2].isdigit() and not clock(t[0], t[1])]
        else:
            cells = [t for t in toks if clock(t[0], t[1])]
        if not cells:
            return status, out, err
        s, e, t = cells[-1] if mode == "offby1" else cells[0]
        if mode == "offby1":
            new = str(int(t) + 1).encode()
        else:
            new = re.sub(rb"\d+$", lambda m: str(int(m.group()) + 5).encode().rjust(len(m.group()), b"0"), t)
        start = e - len(new)                           # values only grow: keep the right edge
        if start < 0 or line[start:s].strip():
            start = s
        lines[first] = line[:start] + new + line[e:]
    return status, b"\n".join(lines), err


def main(mode: str) -> int:
    status, out, err = _run_pstd()
    status, out, err = mutate(mode, status, out, err)
    os.write(2, err) if err else None
    view = memoryview(out)
    while view:
        view = view[os.write(1, view):]
    return status
