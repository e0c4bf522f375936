#!/usr/bin/env python3
"""Rewrite the generated section of cases.txt: one set of cases per ps specifier and sort key.

The specifier list comes from tests/procps_format_specifiers.tsv (facts about procps 4.0.2,
also in ../shared/reference), else from ``ps L``; the short sort keys are listed below; test_diff.py checks that every
name ``ps L`` prints is covered.

    python3 tests/diff/gen_cases.py          # rewrite in place
    python3 tests/diff/gen_cases.py --check  # exit 1 if cases.txt is not up to date
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import specs

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases.txt"
BEGIN = "# generated: BEGIN (gen_cases.py)"
END = "# generated: END"

# Specifiers whose value depends on the wall clock (elapsed time, cpu share of elapsed time),
# decided from the specifier table (specs.py).
TIME_DERIVED = specs.clock_specs()
SHORT_KEYS = "C G J M N P R S T U c f g j k m n o p r s t u v y".split()
AIX = "%C %G %P %U %a %c %g %n %p %r %t %u %x %y %z".split()
AIX_TIME = {"%C", "%t"}
# PSS divides shared pages by the number of their users system-wide, and USS counts the pages
# nobody else maps (a library page turns private when the last other user on the machine
# exits): only tasks of the fixture's private static binary have values nothing outside the
# fixture can move.
SYSTEM_WIDE = {"pss", "uss"}


def specifiers() -> tuple[list[str], list[str]]:
    """(printable names, accepted-but-unprintable names)."""
    rows = specs.table()
    if rows:
        return ([r["spec"] for r in rows if r["printable"] == "Y"],
                [r["spec"] for r in rows if r["printable"] != "Y"])
    out = subprocess.run(["ps", "L"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()], []


def mark(spec: str) -> str:
    return "@time :: " if spec in TIME_DERIVED else ""


def generate() -> list[str]:
    printable, unprintable = specifiers()
    lines = ["# every specifier after pid; printable ones also without header, with a width, as sort key"]
    def sel(s, default):
        return "-p {static}" if s in SYSTEM_WIDE else default

    for s in printable + unprintable:
        lines.append(f"{mark(s)}{sel(s, '-e')} -o pid,{s}")
    for s in printable:
        lines.append(f"{mark(s)}-o {s}= {sel(s, '-p {all}')}")
    for s in printable:
        lines.append(f"{mark(s)}{sel(s, '-e')} -o pid,{s}:9")
    for s in printable:
        lines.append(f"{mark(s)}{sel(s, '-e')} -o pid,ppid,comm --sort={s}")
        lines.append(f"{mark(s)}{sel(s, 'ax')} -o pid,ppid,comm k -{s}")
    lines.append("# old one-letter sort keys (O), both directions")
    for k in SHORT_KEYS:
        lines.append(f"ax O {k}")
        lines.append(f"ax O -{k}")
    lines.append("# AIX descriptors one by one")
    for d in AIX:
        lines.append(("@time :: " if d in AIX_TIME else "") + f"-e -o '%p {d}'")
    return lines


def main() -> int:
    text = CASES.read_text().splitlines()
    try:
        b, e = text.index(BEGIN), text.index(END)
    except ValueError:
        print(f"{CASES}: markers missing", file=sys.stderr)
        return 1
    new = text[: b + 1] + generate() + text[e:]
    if "--check" in sys.argv:
        return 0 if new == text else 1
    CASES.write_text("\n".join(new) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
