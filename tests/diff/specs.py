"""Facts about procps 4.0.2's format specifiers, from the committed table (tests/procps_format_specifiers.tsv).

Which columns derive from the wall clock is decided here from each specifier's procps item
(the table's ``sortkey``), not per case: elapsed time, and cpu time divided by elapsed time.
Start times (``start``, ``stime``, ``lstart``, ``bsdstart``, ``start_time``) come from the
boot time in /proc/stat plus the start tick, so they only depend on the clock through the
"started today / this year" thresholds, which a fixture minutes old never crosses; ``time``
and the other cpu times of quiescent tasks do not move at all.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The committed copy first, the shared reference second.
TABLES = [HERE.parent / "procps_format_specifiers.tsv",
          HERE.parent.parent.parent / "shared" / "reference" / "procps-4.0.2-format-specifiers.tsv"]
CLOCK_ITEMS = {"PIDS_UTILIZATION", "PIDS_UTILIZATION_C", "PIDS_TIME_ELAPSED"}


def table() -> list[dict[str, str]]:
    tsv = next((t for t in TABLES if t.exists()), None)
    if tsv is None:
        return []
    with tsv.open() as f:
        return list(csv.DictReader(f, delimiter="\t"))


def clock_specs(rows: list[dict[str, str]] | None = None) -> set[str]:
    """Specifiers whose value moves with the wall clock."""
    return {r["spec"] for r in (table() if rows is None else rows) if r["sortkey"] in CLOCK_ITEMS}


def clock_headers(rows: list[dict[str, str]] | None = None) -> dict[str, set[str]]:
    """Default header of each clock-derived column -> the other specifiers sharing that header
    (``C`` is both ``c`` and ``lastcpu``, a cpu number)."""
    rows = table() if rows is None else rows
    clock = clock_specs(rows)
    out: dict[str, set[str]] = {}
    for r in rows:
        if r["spec"] in clock:
            out.setdefault(r["header"], set())
    for r in rows:
        if r["header"] in out and r["spec"] not in clock:
            out[r["header"]].add(r["spec"])
    return out
