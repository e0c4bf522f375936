"""The harness itself: row removal, case parsing, and that it tells equal from different tools."""

from __future__ import annotations

import os
import stat

import pytest

import diffharness as h

S = str(h.SELF_PID).encode()


def test_strip_self_by_pid_token():
    out = b"  PID CMD\n    1 init\n" + S + b" ps ax\n    2 sleep\n"
    assert h.strip_self(out, False) == (b"  PID CMD\n    1 init\n    2 sleep\n", 1)


def test_strip_self_keeps_rows_that_only_contain_the_digits():
    out = b"  PID VSZ\n    1 " + S + b"9\n"
    assert h.strip_self(out, False) == (out, 0)


def test_strip_self_takes_m_thread_rows_along():
    out = b"UID PID CMD\n0 1 init\n0 - -\n0 " + S + b" ps\n0 - -\n0 2 x\n0 - -\n"
    assert h.strip_self(out, False) == (b"UID PID CMD\n0 1 init\n0 - -\n0 2 x\n0 - -\n", 1)


def test_strip_self_last():
    assert h.strip_self(b"CMD\ninit\nps\n", True) == (b"CMD\ninit\n", 1)


def test_parse_case_prefix():
    c = h.parse_case("PS_FORMAT='pid comm' @tty=80x24 @time :: -o 'a b' -p {leader}")
    assert c.env == {"PS_FORMAT": "pid comm"}
    assert c.tty == (80, 24) and c.time_derived and not c.self_last
    assert c.args == ["-o", "a b", "-p", "{leader}"]
    assert h.parse_case("::").args == []
    with pytest.raises(ValueError):
        h.parse_case("@bogus :: ax")


def test_compare_reports_status_stderr_and_rows():
    case = h.parse_case("ax")
    a = h.Result(0, b"PID\n1\n" + S + b"\n", b"")
    assert h.compare(a, h.Result(0, b"PID\n1\n" + S + b" other\n", b""), case) is None
    assert "exit status" in h.compare(a, h.Result(1, a.stdout, b""), case)
    assert "stderr" in h.compare(a, h.Result(0, a.stdout, b"x\n"), case)
    assert "own row" in h.compare(a, h.Result(0, b"PID\n1\n", b""), case)
    assert "line 2" in h.compare(a, h.Result(0, b"PID\n2\n" + S + b"\n", b""), case)


def _script(tmp_path, name, body):
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(p.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.chmod(tmp_path, 0o755)
    return str(p)


def test_live_trivial_stand_in_is_equal(ns, tmp_path):
    tool = _script(tmp_path, "standin", 'exec /bin/ps "$@"\n')
    for line in ("-ef --forest", "axms", "-eLf", "-o pid,args -p {longargs}", "@tty=80x24 :: ax"):
        case = h.parse_case(line)
        case.time_derived = True
        diff, _, _ = h.run_case(ns, case, tool)
        assert diff is None, f"{line}: {diff}"


def test_live_different_tool_is_caught(ns, tmp_path):
    # Same rows but one fixture row dropped: the harness must notice.
    tool = _script(tmp_path, "broken", '/bin/ps "$@" | grep -v fx-nice19\n')
    diff, _, _ = h.run_case(ns, h.parse_case("ax"), tool)
    assert diff is not None and "fx-nice19" in diff


def test_bracketed_accepts_rows_from_either_side_only():
    case = h.parse_case("@time :: -eo pid,etime")
    before = h.Result(0, b"PID E\n1 10\n2 20\n", b"")
    after = h.Result(0, b"PID E\n1 11\n2 21\n", b"")
    assert h.bracketed(before, h.Result(0, b"PID E\n1 11\n2 20\n", b""), after, case)
    assert not h.bracketed(before, h.Result(0, b"PID E\n1 12\n2 20\n", b""), after, case)
    assert not h.bracketed(before, h.Result(0, b"PID E\n1 10\n", b""), after, case)
    assert not h.bracketed(before, h.Result(1, before.stdout, b""), after, case)


def test_bracketed_accepts_moving_values_only_between_the_two_oracle_runs():
    case = h.parse_case("@time :: -o pid,cuc")
    before = h.Result(0, b"  PID    CUC\n    1  1.227\n    2  0.500\n", b"")
    after = h.Result(0, b"  PID    CUC\n    1  1.205\n    2  0.500\n", b"")
    inside = h.Result(0, b"  PID    CUC\n    1  1.216\n    2  0.500\n", b"")
    outside = h.Result(0, b"  PID    CUC\n    1  1.230\n    2  0.500\n", b"")
    unmoved_differs = h.Result(0, b"  PID    CUC\n    1  1.216\n    2  0.499\n", b"")
    assert h.bracketed(before, inside, after, case)
    assert not h.bracketed(before, outside, after, case)
    assert not h.bracketed(before, unmoved_differs, after, case)


def test_bracketed_reads_elapsed_times_as_durations():
    case = h.parse_case("@time :: -o pid,etime")
    before = h.Result(0, b"  PID     ELAPSED\n    1       00:59\n", b"")
    after = h.Result(0, b"  PID     ELAPSED\n    1       01:01\n", b"")
    assert h.bracketed(before, h.Result(0, b"  PID     ELAPSED\n    1       01:00\n", b""), after, case)
    assert not h.bracketed(before, h.Result(0, b"  PID     ELAPSED\n    1       01:02\n", b""), after, case)
