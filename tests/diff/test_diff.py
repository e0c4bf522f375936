"""The differential suite: every line of cases.txt, /bin/ps vs pstd on the frozen fixture."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import diffharness as h

CASES = h.load_cases()
KNOWN = h.known_divergences()


def _params():
    # Clock-derived cases run last: %CPU of a young task moves fast, an older fixture
    # makes a tick between the two runs (and a retry) less likely.
    # The large fixture starts with the first @big case, after all others.
    for case in sorted(CASES, key=lambda c: (c.big, c.time_derived)):
        marks = []
        if case.line in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case.line]))
        yield pytest.param(case, id=case.line, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_case(request, tool, case):
    ns = request.getfixturevalue("big_ns" if case.big else "ns")
    diff, expected, got = h.run_case(ns, case, tool)
    assert diff is None, f"{case.line}\n{diff}"


# -- the case list itself ----------------------------------------------------------------

def test_enough_cases():
    assert len(CASES) >= 250


def test_known_divergences_are_cases():
    stale = set(KNOWN) - {c.line for c in CASES}
    assert not stale, f"known_divergences.txt lists lines that are not cases: {sorted(stale)[:5]}"


def test_generated_section_up_to_date():
    r = subprocess.run([sys.executable, str(h.HERE / "gen_cases.py"), "--check"])
    assert r.returncode == 0, "run tests/diff/gen_cases.py"


def _words():
    return {w for c in CASES for w in c.args}


def test_every_printable_specifier_is_covered():
    out = subprocess.run([h.ORACLE, "L"], capture_output=True, text=True, check=True).stdout
    specs = {line.split()[0] for line in out.splitlines() if line.strip()}
    covered = set()
    for w in _words():
        for item in re.split(r"[,\s]", w):
            covered.add(item.split("=")[0].split(":")[0])
    assert specs - covered == set()


def test_every_help_option_is_covered():
    text = subprocess.run([h.ORACLE, "--help", "all"], capture_output=True, text=True).stdout
    opts = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", text))
    bsd = set()
    for line in text.splitlines():
        if line.startswith(" ") and not line.startswith(" " * 12):
            bsd |= set(re.findall(r"(?<![-\w<|])([A-Za-z])(?![\w>|])", line[:22]))
    assert {"a", "x", "p", "q", "t", "U", "m", "w", "V", "Z", "o"} <= bsd
    words = _words()
    used_long = {w.split("=")[0] for w in words if w.startswith("--")}
    used_short = set()
    used_bsd = set()
    for w in words:
        if w.startswith("-") and not w.startswith("--"):
            used_short.update("-" + ch for ch in w[1:] if ch.isalpha())
        elif re.fullmatch(r"[A-Za-z]+", w):
            used_bsd.update(w)
    missing = {o for o in opts if o.startswith("--") and o not in used_long}
    missing |= {o for o in opts if not o.startswith("--") and o not in used_short}
    missing |= {b for b in bsd if b not in used_bsd}
    assert not missing, f"options of ps --help all without a case: {sorted(missing)}"
