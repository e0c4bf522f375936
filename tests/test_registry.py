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
            assert col.groups == Group.NONE or col.value is not None


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


def _query(*args):
    import io

    from pstd.env import Environment
    from pstd.ps.parser import parse

    env = Environment(stdout=io.BytesIO(), stderr=io.BytesIO(), environ={}, stdout_isatty=False,
                      terminal_size=lambda: None)
    env.extra["own_tty"] = 0
    return parse(list(args), env)


def test_groups_pid_ppid_need_stat_only():
    assert _query("ax", "-o", "pid,ppid").show_flags == Group.BASE


def test_groups_follow_columns_and_selection():
    g = _query("ax", "e", "-o", "user,args,stat").show_flags
    for grp in (Group.OWNER, Group.CMDLINE, Group.ENVIRON, Group.MEM, Group.TTY, Group.SCHED):
        assert g & grp, grp
    # USER is the effective uid alone
    assert not g & Group.CRED


def test_groups_of_a_pid_list_are_the_columns_alone():
    # -p selects by pid: neither the owner (status) nor the terminal is needed to decide
    assert _query("-p", "1", "-o", "pid").show_flags == Group.BASE
    assert _query("-p", "1", "-o", "pid,tty").show_flags == Group.BASE | Group.TTY


def test_groups_of_each_selection_kind():
    assert _query("-u", "0", "-o", "pid").show_flags == Group.BASE | Group.OWNER
    assert _query("-U", "0", "-o", "pid").show_flags == Group.BASE | Group.CRED
    assert _query("-G", "0", "-o", "pid").show_flags == Group.BASE | Group.CRED
    assert _query("-s", "1", "-o", "pid").show_flags == Group.BASE
    assert _query("--ppid", "1", "-o", "pid").show_flags == Group.BASE
    assert _query("-t", "-", "-o", "pid").show_flags == Group.BASE | Group.TTY
    assert _query("-C", "sh", "-o", "pid").show_flags == Group.BASE | Group.COMM
    # plain ps: the simple selection table compares euid and tty with the caller's
    assert _query("-o", "pid").show_flags == Group.BASE | Group.OWNER | Group.TTY
    assert _query("x", "-o", "pid").show_flags == Group.BASE | Group.OWNER | Group.TTY


def test_groups_of_sort_keys_and_forest():
    assert _query("ax", "-o", "pid", "--sort=rss").show_flags == Group.BASE | Group.MEM
    # a forest sorts by start time (SCHED); m orders threads by it
    assert _query("ax", "-o", "pid", "--forest").show_flags == Group.BASE | Group.SCHED
    assert _query("axm", "-o", "pid").show_flags == Group.BASE | Group.SCHED
    # vsize sorts by a value only the size/trs/drs printers fetch: without one it sorts nothing
    assert _query("ax", "-o", "pid", "--sort=vsize").show_flags == Group.BASE


def test_no_column_name_is_special_outside_the_registry():
    import ast

    src = Path(C.__file__).parent
    names = set(C.REGISTRY)
    # (select.py names selection kinds and Task attributes, not columns)
    for module in ("render.py", "sort.py", "rows.py", "main.py", "query.py"):
        tree = ast.parse((src / module).read_text())
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        strings = {n.value for n in ast.walk(tree)
                   if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs}
        special = strings & names
        # sort.py names the columns procps's forest and thread orders sort by
        if module == "sort.py":
            special -= {"ppid", "start_time", "pid"}
        assert not special, (module, special)


def test_flags_live_in_the_definitions():
    forest = {n for n, c in C.REGISTRY.items() if c.forest}
    assert forest == {"args", "cmd", "command", "comm", "ucmd", "ucomm", "fname"}
    assert {n for n, c in C.REGISTRY.items() if c.countdown} == {
        "_left", "_left2", "_right", "_right2", "_unlimited", "_unlimited2"}
    assert {n for n, c in C.REGISTRY.items() if c.command} == {"args", "cmd", "command", "comm", "ucmd", "ucomm"}
    # synonyms share one definition: formatter and value objects are the same
    assert C.lookup("atime").aliases == ("cputime", "time")
    assert C.lookup("atime").value is C.lookup("time").value


def test_sort_items_against_procps_table():
    # columns procps sorts by the same library item share one value function, and vice versa
    by_item: dict = {}
    for row in _rows():
        col = C.lookup(row["spec"])
        item = row.get("sortkey", "")
        if item == "PIDS_noop":
            continue
        by_item.setdefault(item, set()).add(col.value)
    for item, values in by_item.items():
        assert len(values) == 1 and None not in values, item
    assert len({next(iter(v)) for v in by_item.values()}) == len(by_item)


class _NameReads(Exception):
    pass


def _tracing_task(values, **over):
    """A record holding ``values`` (a live task's every field) whose comm raises when read."""
    from pstd.model import Task

    class Tracing(Task):
        @property
        def comm(self):
            raise _NameReads

    t = Tracing(values["pid"], values["tid"])
    for k, v in {**values, **over}.items():
        if k not in ("pid", "tid", "comm"):
            setattr(t, k, v)
    return t


def test_a_column_declares_comm_exactly_when_it_shows_the_name():
    """COMM decides whether the netlink backend reads kernel workers' full names back from /proc:
    every column whose text or sort value reads ``comm`` (for some task: a kernel thread, an
    empty command line, BSD c) declares it, and no other column does."""
    from pstd.backends.procfs import ProcfsBackend
    from pstd.model import Strategy
    from pstd.plainclass import replace

    every = Group(0)
    for g in Group:
        every |= g
    (me,) = ProcfsBackend().dump(Strategy.ONE, every, os.getpid())
    values = me.values()
    variants = [dict(), dict(kthread=True, cmdline=b""), dict(cmdline=b""), dict(state="Z", cmdline=b"")]
    base = C.FormatContext(now=1e9, boot_time=9e8, uptime=1e5, clock_ticks=100, page_size=4096,
                           mem_total_kb=10**6, pid_max=32768)
    contexts = [base, replace(base, bsd_c=True)]
    reads, declares = set(), set()
    for name, col in C.REGISTRY.items():
        if col.groups & Group.COMM:
            declares.add(name)
        calls = [col.format, lambda t, c: col.cell(t, c, 300)] + ([col.value] if col.value else [])
        for over in variants:
            for c in contexts:
                for call in calls:
                    try:
                        call(_tracing_task(values, **over), c)
                    except _NameReads:
                        reads.add(name)
    assert {"comm", "args", "fname"} <= reads
    assert reads == declares
