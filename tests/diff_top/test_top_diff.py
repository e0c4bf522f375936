"""pstd top -b against procps's top -b on the frozen fixture (topharness.py says what is compared)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import diffharness as h
import topharness as th

CASES = h.load_lines(Path(__file__).with_name("cases.txt"))
KNOWN = {}
_known = Path(__file__).with_name("known_divergences.txt")
if _known.exists():
    reason = "not yet explained"
    for raw in _known.read_text().splitlines():
        if raw.startswith("# reason:"):
            reason = raw[len("# reason:"):].strip()
        elif raw.strip() and not raw.startswith("#"):
            KNOWN[raw.strip()] = reason


def _params():
    for line in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[line])] if line in KNOWN else []
        yield pytest.param(line, id=line, marks=marks)


@pytest.fixture(scope="session")
def top_oracle():
    if not Path(th.ORACLE).exists():
        why = f"{th.ORACLE} (procps top, scripts/bootstrap installs procps) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return th.ORACLE


@pytest.mark.parametrize("line", list(_params()))
def test_top_case(ns, tool, top_oracle, line):
    ns.check_frozen()
    want, got = th.run_both(ns, tool, line)
    diff = th.compare(want, got)
    assert diff is None, f"{line}\n{diff}"
    ns.check_frozen()


def test_enough_cases():
    assert len(CASES) >= 60


def test_known_divergences_are_cases():
    assert set(KNOWN) <= set(CASES)
