"""The ps option parser: option families → Query, and procps's error texts and exit status.

Expected values come from procps-ng 4.0.2 semantics (ps/parser.c, ps/sortformat.c) and,
where the oracle is installed, from running /bin/ps itself with the same arguments.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest

from pstd.env import Environment
from pstd.ps.errors import PsError
from pstd.ps.main import run
from pstd.ps.parser import Parser, _strtoul, parse

ORACLE = "/bin/ps"
HAVE_PS = os.path.exists(ORACLE) and b"procps-ng 4.0.2" in subprocess.run(
    [ORACLE, "-V"], capture_output=True).stdout if os.path.exists(ORACLE) else False


def make_env(environ=None, isatty=False, size=None, own_tty=0):
    env = Environment(stdout=io.BytesIO(), stderr=io.BytesIO(), environ=dict(environ or {}),
                      stdout_isatty=isatty, terminal_size=lambda: size, pid_max=32768)
    env.extra["own_tty"] = own_tty
    return env


def q(*args, **kw):
    return parse(list(args), make_env(**kw))


def headers(query):
    return [c.header for c in query.columns]


# --- formats --------------------------------------------------------------------------------

def test_default_format_unix():
    assert headers(q()) == ["PID", "TTY", "TIME", "CMD"]


def test_ef_format():
    query = q("-ef")
    assert headers(query) == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert query.all_tasks and query.unix_f


def test_aux_format_and_selection():
    query = q("aux")
    assert headers(query) == ["USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME",
                              "COMMAND"]
    assert query.all_tasks  # a + x + the implied g become -e


def test_dash_aux_is_retried_as_bsd():
    # "-aux": -a, then -u with the list "x" (no such user) fails; the BSD pass reads a, u, x
    assert headers(q("-aux")) == headers(q("aux"))


def test_bsd_j_l_s_v_formats():
    assert headers(q("j"))[:4] == ["PPID", "PID", "PGID", "SID"]
    assert headers(q("l"))[:3] == ["F", "UID", "PID"]
    assert headers(q("s"))[:3] == ["UID", "PID", "PENDING"]
    assert headers(q("v"))[:4] == ["PID", "TTY", "STAT", "TIME"]


def test_l_and_ly():
    assert headers(q("-l")) == ["F", "S", "UID", "PID", "PPID", "C", "PRI", "NI", "ADDR", "SZ", "WCHAN", "TTY",
                                "TIME", "CMD"]
    assert headers(q("-ly")) == ["S", "UID", "PID", "PPID", "C", "PRI", "NI", "RSS", "SZ", "WCHAN", "TTY",
                                 "TIME", "CMD"]


def test_F_and_j_and_L_T_modifiers():
    assert headers(q("-F")) == ["UID", "PID", "PPID", "C", "SZ", "RSS", "PSR", "STIME", "TTY", "TIME", "CMD"]
    assert headers(q("-j")) == ["PID", "PGID", "SID", "TTY", "TIME", "CMD"]
    assert headers(q("-eLf")) == ["UID", "PID", "PPID", "LWP", "C", "NLWP", "STIME", "TTY", "TIME", "CMD"]
    assert headers(q("-T")) == ["PID", "SPID", "TTY", "TIME", "CMD"]


def test_c_modifier_with_l():
    assert headers(q("-lc")) == ["F", "S", "UID", "PID", "PPID", "CLS", "PRI", "ADDR", "SZ", "WCHAN", "TTY",
                                 "TIME", "CMD"]


def test_user_format_header_and_width():
    query = q("-o", "pid:9=Process,comm=")
    assert [(c.header, c.width) for c in query.columns] == [("Process", 9), ("", 15)]


def test_header_override_widens_column():
    query = q("-o", "pid=ABCDEFGH")
    assert query.columns[0].width == 8


def test_blank_in_header_splits_items():
    # blanks separate items even after '=': "B" is read as a specifier
    with pytest.raises(PsError, match='unknown user-defined format specifier "B"'):
        q("-o", "pid,comm=A B")


def test_multiple_o_concatenate():
    assert headers(q("-o", "pid", "-o", "comm")) == ["PID", "COMMAND"]


def test_O_wraps_default_columns():
    assert headers(q("-O", "ppid")) == ["PID", "PPID", "S", "TTY", "TIME", "COMMAND"]
    assert headers(q("O", "ppid")) == ["PID", "PPID", "S", "TTY", "TIME", "COMMAND"]


def test_aix_descriptors_and_their_quirks():
    # the letter after a descriptor starts a text item: a final empty literal column results
    query = q("-o", "%p %c")
    assert [(c.spec, c.header) for c in query.columns] == [
        ("pid", "PID"), (None, " "), ("comm", "COMMAND"), (None, "")]
    # a valid first specifier stays before the AIX columns
    query = q("-o", "c %p")
    assert [c.header for c in query.columns] == ["C", "c ", "PID", ""]


def test_ps_format_environment():
    assert headers(q(environ={"PS_FORMAT": "pid,user"})) == ["PID", "USER"]
    env = make_env({"PS_FORMAT": "pid,bogus"})
    query = parse([], env)
    assert headers(query) == ["PID", "TTY", "TIME", "CMD"]
    assert query.warnings == ['warning: $PS_FORMAT ignored. (unknown user-defined format specifier "bogus")']


def test_personalities():
    # linux: -f shows USER instead of UID, -l shows the processor instead of ADDR
    assert headers(q("-f", environ={"PS_PERSONALITY": "linux"}))[0] == "USER"
    assert "ADDR" not in headers(q("-l", environ={"PS_PERSONALITY": "linux"}))
    # bsd forces BSD parsing; its u format is FB_u
    assert headers(q("u", environ={"PS_PERSONALITY": "bsd"}))[-3:] == ["STARTED", "TIME", "COMMAND"]
    assert headers(q("-u", environ={"CMD_ENV": "bsd"}))[0] == "USER"  # read as BSD u
    # without an -x personality, "-x" fails as UNIX and is read as BSD x
    assert q("-x").select_bits == 0xAAAA


# --- sorting ---------------------------------------------------------------------------------

def test_long_sort_keys_and_directions():
    query = q("-e", "--sort=-pcpu,+pid,user")
    assert [(k.spec, k.reverse) for k in query.sort_keys] == [("pcpu", True), ("pid", False), ("user", False)]


def test_old_short_sort_keys():
    query = q("ax", "O", "-Pp")
    # only the first key without an explicit sign gets a direction; procps skips the rest
    assert [(k.spec, k.reverse) for k in query.sort_keys] == [("ppid", True), (None, False)]
    query = q("ax", "O", "-P+p")
    assert [(k.spec, k.reverse) for k in query.sort_keys] == [("ppid", True), ("pid", False)]


def test_k_is_long_sort():
    assert [k.spec for k in q("ax", "k", "-rss").sort_keys] == ["rss"]


# --- selection, threads, forest, headers, width --------------------------------------------------

def test_selection_lists():
    query = q("-p", "1,2", "-u", "0", "--ppid", "3 4", "-t", "-")
    kinds = [(s.kind, s.values) for s in query.selections]
    assert ("pid", [1, 2]) in kinds and ("euid", [0]) in kinds and ("ppid", [3, 4]) in kinds
    assert ("tty", [0]) in kinds


def test_trailing_pids_pgrps_and_sessions():
    query = q("5", "-6", "+7")
    assert sorted((s.kind, s.values) for s in query.selections) == [("pgrp", [6]), ("pid", [5]), ("sess", [7])]


def test_plain_ps_table():
    assert q().select_bits == 0xAA00
    assert q("x").select_bits == 0xAAAA
    assert q("a").select_bits == 0x0F0F


def test_thread_modes():
    assert q("-L").threads == "L" and q("-L").wants_threads
    assert q("H").threads == "H"
    assert q("m").threads == "m"  # BSD m means threads unless a personality says otherwise
    assert headers(q("m", environ={"PS_PERSONALITY": "old"}))[:3] == ["PID", "TTY", "MAJFLT"]  # OL_m
    assert q("-m").threads == "m"
    # sorted listings read processes only (threads only with H)
    assert not q("-L", "--sort=pid").wants_threads
    assert q("H", "--sort=pid").wants_threads


def test_forest_kinds():
    assert q("f").forest_type == "b" and q("--forest").forest_type == "g" and q("-H").forest_type == "u"


def test_headers_options():
    assert q("h").headers == "none"
    assert q("--headers").headers == "repeat"
    assert q("h", environ={"PS_PERSONALITY": "bsd"}).headers == "repeat"


def test_widths():
    assert q().screen_cols == 131072  # not a terminal: unlimited
    assert q(isatty=True, size=(100, 30)).screen_cols == 100
    assert q("w", isatty=True, size=(100, 30)).screen_cols == 132
    assert q("ww", isatty=True, size=(100, 30)).screen_cols == 131072
    assert q("--cols", "50").screen_cols == 50
    assert q(environ={"COLUMNS": "70"}).screen_cols == 70
    assert q("--rows=10").screen_rows == 10


def test_strtoul_like_c():
    assert _strtoul("0x10") == (16, "")
    assert _strtoul("010") == (8, "")
    assert _strtoul("08") == (0, "8")
    assert _strtoul(" 12") == (12, "")
    assert _strtoul("-1") == ((1 << 64) - 1, "")
    assert _strtoul("abc") == (0, "abc")


# --- errors: text and exit status ------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["-p"], "list of process IDs must follow -p"),
    (["-p", "0"], "process ID out of range"),
    (["-p", "1,,2"], "improper list"),
    (["-p", "x1"], "process ID list syntax error"),
    (["-u", "nosuchuser_pstd"], "user name does not exist"),
    (["-o", "bogus"], 'unknown user-defined format specifier "bogus"'),
    (["-o", "pid:0"], "column widths must be unsigned decimal numbers"),
    (["--sort=bogus"], "unknown sort specifier"),
    (["--bogus"], "unknown gnu long option"),
    (["-Q"], "unsupported SysV option"),
    (["-L", "-T"], "thread flags conflict; can't use both -L and -T"),
    (["-L", "f"], "thread display conflicts with forest display"),
    (["-V", "x"], "the option is exclusive: -V"),
    (["--forest=yes"], "option --forest does not take an argument"),
    (["h", "--headers"], "only one heading option may be specified"),
    (["-o", "%p:%c"], "improper AIX field descriptor"),
    (["-y"], "modifier -y without format -l makes no sense"),
])
def test_error_messages(args, message):
    with pytest.raises(PsError) as info:
        q(*args)
    assert info.value.message == message


def test_error_output_and_status():
    env = make_env()
    assert run(["-p", "0"], env=env) == 1
    text = env.stderr.getvalue().decode()
    assert text.startswith("error: process ID out of range\n\nUsage:\n ps [options]\n")
    assert text.endswith("For more details see ps(1).\n")
    assert env.stdout.getvalue() == b""


def test_quick_pid_conflicts():
    env = make_env()
    assert run(["-q", "1", "-p", "2"], env=env) == 1
    assert env.stderr.getvalue() == b"q/-q/--quick-pid cannot be combined with other selection options.\n"


def test_help_version_and_L_are_actions_the_parser_does_not_print():
    env = make_env()
    query = parse(["--help", "threads"], env)
    assert (query.action, query.help_section) == ("help", "threads")
    assert parse(["-V"], env).action == "version"
    assert parse(["L"], env).action == "list_specifiers"
    info = parse(["--info"], env)
    assert info.action == "info" and "personality=" in info.action_text
    assert env.stdout.getvalue() == b"" and env.stderr.getvalue() == b""
    assert parse(["ax"], env).action == "list"


def test_help_and_version_exit_zero():
    env = make_env()
    assert run(["--help", "threads"], env=env) == 0
    assert b"Show threads:\n" in env.stdout.getvalue()
    env = make_env()
    assert run(["-V"], env=env) == 0
    assert env.stdout.getvalue() == b"ps from procps-ng 4.0.2\n"


ORACLE_CASES = [
    ["-p"], ["-p", "0"], ["-p", "1,,2"], ["-q", "abc"], ["-u", "nosuchuser_pstd"], ["-o", "bogus"],
    ["-o", "pid,,comm"], ["-o", ""], ["--sort", "bogus"], ["--sort=+"], ["-Q"], ["-aux", "x"], ["-V", "x"],
    ["--version", "x"], ["--cols", "0"], ["--rows=x"], ["-L", "-m"], ["H", "-m"], ["m", "-m"],
    ["-o", "%p:%c"], ["-o", "%%"], ["-o", "%Q"], ["-o", "pid:x"], ["-o", "FB_u:5"], ["O", "pid,"],
    ["-O", "pid", "-o", "comm"], ["-t", "nosuchtty"], ["-g", "nosuchgroup_pstd"], ["--help", "bogus"],
    ["--help", "all"], ["--help=o"], ["-y"], ["-f", "-o", "pid"], ["--", "-e"], ["-e", "--"], ["-"], ["ax", "W"],
    ["-q", "1", "-q", "2"], ["-q", "1", "f"], ["-q", "1", "--sort=pid"], ["-q", "1", "-N"], ["--info", "x"],
    ["-e", "-o", "pid", "-O", "comm"], ["-x"], ["--no-headers=1"], ["k"], ["-N", "-u", "nosuchuser_pstd", "-p"],
    # bytes that are not UTF-8 (argv arrives surrogate-escaped) and a character cut by procps's 80-byte buffer
    ["-o", os.fsdecode(b"\xff")], ["-o", os.fsdecode(b"pid,\xffab")], ["-o", "a" * 39 + "\u00e9"],
    ["--sort", os.fsdecode(b"\xfe")], ["-u", os.fsdecode(b"\xc3")], ["-C", os.fsdecode(b"\xff\xfe"), "-o", "bad\udcff"],
    [os.fsdecode(b"\xff")], ["--" + os.fsdecode(b"\xff")], ["--format=" + os.fsdecode(b"\x80")],
]


@pytest.mark.skipif(not HAVE_PS, reason="needs procps-ng 4.0.2 at /bin/ps")
@pytest.mark.parametrize("args", ORACLE_CASES, ids=lambda a: ascii(" ".join(a)) if a else "(empty)")
def test_errors_match_oracle(args):
    """Option errors and their usage text equal /bin/ps's, byte for byte, with the same exit status."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": "/root"}
    real = subprocess.run([ORACLE] + args, capture_output=True, env=clean)
    env = make_env(clean)
    status = run(args, env=env)
    if real.returncode != 0 or real.stderr:
        assert env.stderr.getvalue() == real.stderr
        assert status == real.returncode
    if real.stdout.startswith(b"\nUsage") or not real.stdout:
        assert env.stdout.getvalue() == real.stdout
