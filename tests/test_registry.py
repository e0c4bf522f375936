"""The column registry against procps 4.0.2's specifier table and the live /bin/ps."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pstd.model import Group
from pstd.ps import columns as C

TSV = Path(__file__).with_name("procps_format_specifiers.tsv")
PS = shutil.which("ps") or "/bin/ps"


def _rows():
    lines = TSV.read_text().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"))) for line in lines[1:]]


def test_every_tsv_name_is_registered_with_its_header_width_alignment():
    rows = _rows()
    assert len(rows) == 274
    for row in rows:
        col = C.lookup(row["spec"])
        assert col is not None, row["spec"]
        assert col.header == row["header"], row["spec"]
        assert col.width == int(row["width"].split("(")[0]), row["spec"]
        assert col.align == row["align"], row["spec"]
        assert col.pidmax == (row["pidmax"] == "Y"), row["spec"]
        assert col.printable == (row["printable"] == "Y"), row["spec"]
        assert col.scope == row["scope"], row["spec"]


def test_non_printable_names_print_dash_and_read_nothing():
    for col in C.REGISTRY.values():
        if not col.printable:
            assert col.format(object(), None) == "-"
            assert col.groups == Group.NONE or col.sort_key is not None


def _ps_L():
    out = subprocess.run([PS, "L"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def test_every_name_ps_L_lists_is_printable_here():
    names = _ps_L()
    assert len(names) >= 184
    for name in names:
        col = C.lookup(name)
        assert col is not None and col.printable, name
    printable = {n for n, c in C.REGISTRY.items() if c.printable}
    assert printable == set(names)


def test_headers_match_live_ps():
    names = _ps_L()
    pid = str(os.getpid())
    bad = []
    for name in names:
        out = subprocess.run([PS, "-o", name, "-p", pid], capture_output=True, text=True).stdout
        header = out.splitlines()[0].strip()
        if header != C.lookup(name).header:
            bad.append((name, header, C.lookup(name).header))
    assert not bad


def test_aliases_share_formatters():
    assert C.lookup("%cpu").format is C.lookup("pcpu").format
    assert C.lookup("cmd").format is C.lookup("args").format
    assert C.lookup("ucomm").format is C.lookup("comm").format
    assert "pcpu" in C.lookup("%cpu").aliases


def test_groups_pid_ppid_need_stat_only():
    class Q:
        columns = [type("R", (), {"spec": "pid"})(), type("R", (), {"spec": "ppid"})()]
        sort_keys = []
        selections = []
        all_tasks = True
        bsd_e = False
        threads = ""

    g = C.groups_for(Q())
    assert g == Group.BASE


def test_groups_follow_columns_and_selection():
    R = lambda s: type("R", (), {"spec": s})()  # noqa: E731

    class Q:
        columns = [R("user"), R("args"), R("stat")]
        sort_keys = []
        selections = []
        all_tasks = True
        bsd_e = True
        threads = ""

    g = C.groups_for(Q())
    for grp in (Group.CRED, Group.CMDLINE, Group.ENVIRON, Group.MEM, Group.TTY, Group.SCHED):
        assert g & grp, grp
    assert C.SELECTION_GROUPS["tty"] == Group.TTY
    assert C.SELECTION_GROUPS["euid"] == Group.CRED
