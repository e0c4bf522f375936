"""Host-side pytest configuration.

* ``tests/vm/`` runs only inside the qemu guest (PSTD_IN_VM=1), never on the host.
* The ``ns`` fixture: the differential harness's frozen process tree in a private pid
  namespace (tests/diff/diffharness.py), started once per session and shared by the
  differential suite and the argv fuzz test; ``big_ns``: the same with thousands of tasks
  more, started by the first case that needs it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

collect_ignore = [] if os.environ.get("PSTD_IN_VM") == "1" else ["vm"]

sys.path.insert(0, str(Path(__file__).resolve().parent / "diff"))

import diffharness  # noqa: E402


def _ns_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root: unshare --pid and clone3(set_tid) require CAP_SYS_ADMIN"
    if not shutil.which("unshare"):
        return "util-linux unshare is not installed"
    if not os.path.exists(diffharness.ORACLE):
        return f"the oracle {diffharness.ORACLE} (procps ps) is not installed"
    return None


@pytest.fixture(scope="session")
def ns():
    why = _ns_unavailable()
    if why:
        pytest.skip(why)
    space = diffharness.Namespace()
    try:
        yield space
    finally:
        space.close()


@pytest.fixture(scope="session")
def big_ns():
    """The same tree plus diffharness.BIG_FAN sleeping tasks, for the @big cases."""
    why = _ns_unavailable()
    if why:
        pytest.skip(why)
    space = diffharness.Namespace(fan=diffharness.BIG_FAN)
    try:
        yield space
    finally:
        space.close()


@pytest.fixture(scope="session")
def tool() -> str:
    """The program under test (PSTD_DIFF_TOOL; default: the venv's pstd console script)."""
    return diffharness.default_tool()


def pytest_terminal_summary(terminalreporter):
    if diffharness.STATS["cases_run"]:
        terminalreporter.write_line(
            f"pstd differential: {diffharness.STATS['cases_run']} cases run against "
            f"{diffharness.default_tool()}; {diffharness.stats_line()}")
