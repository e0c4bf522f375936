"""The harness itself: row removal, case parsing, and that it tells equal from different tools."""

from __future__ import annotations

import copy
import os
import stat

import pytest

import diffharness as h
import mutant

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


def test_known_divergences_keep_their_reasons(tmp_path, monkeypatch):
    known = tmp_path / "known.txt"
    monkeypatch.setattr(h, "KNOWN_FILE", known)
    known.write_text("# header\n# reason: why A\nax\n-ef\n# reason: why B\naux\n")
    assert h.known_divergences() == {"ax": "why A", "-ef": "why A", "aux": "why B"}
    known.write_text(h.format_known(["aux", "-e", "ax"], h.known_divergences()))
    assert h.known_divergences() == {"aux": "why B", "-e": "new, not yet explained", "ax": "why A"}


def _script(tmp_path, name, body):
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(p.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.chmod(tmp_path, 0o755)
    return str(p)


def test_live_trivial_stand_in_is_equal(ns, tmp_path):
    tool = _script(tmp_path, "standin", 'exec /bin/ps "$@"\n')
    for line in ("@time :: -ef --forest", "axms", "@time :: -eLf", "-o pid,args -p {longargs}", "@tty=80x24 :: ax"):
        diff, _, _ = h.run_case(ns, h.parse_case(line), tool)
        assert diff is None, f"{line}: {diff}"


def test_live_different_tool_is_caught(ns, tmp_path):
    # Same rows but one fixture row dropped: the harness must notice.
    tool = _script(tmp_path, "broken", '/bin/ps "$@" | grep -v fx-nice19\n')
    diff, _, _ = h.run_case(ns, h.parse_case("ax"), tool)
    assert diff is not None and "fx-nice19" in diff


def _verdict(line, before, got, after):
    case = h.parse_case(line)
    b = h.Result(0, before, b"")
    return h.clock_verdict(b, h.Result(0, got, b""), h.Result(0, after, b""), case,
                           h.ClockCells(before.split(b"\n", 1)[0], case))[0]


def test_clock_verdict_accepts_clock_cells_from_either_run():
    before = b"  PID ELAPSED\n    1      10\n    2      20\n"
    after = b"  PID ELAPSED\n    1      11\n    2      21\n"
    assert _verdict("@time :: -eo pid,etimes", before, b"  PID ELAPSED\n    1      11\n    2      20\n", after) == "pass"
    assert _verdict("@time :: -eo pid,etimes", before, b"  PID ELAPSED\n    1      12\n    2      20\n", after) == "clock"
    # a row missing, a pid off by one, a blank added: never a clock difference
    assert _verdict("@time :: -eo pid,etimes", before, b"  PID ELAPSED\n    1      10\n", after) == "other"
    assert _verdict("@time :: -eo pid,etimes", before, b"  PID ELAPSED\n    1      11\n    3      20\n", after) == "other"
    assert _verdict("@time :: -eo pid,etimes", before, b"  PID ELAPSED\n    1      11 \n    2      20\n", after) == "other"
    b = h.Result(0, before, b"")
    case = h.parse_case("@time :: -eo pid,etimes")
    clock = h.ClockCells(before.split(b"\n", 1)[0], case)
    assert h.clock_verdict(b, h.Result(1, before, b""), h.Result(0, after, b""), case, clock)[0] == "other"
    assert h.clock_verdict(b, h.Result(0, before, b"x\n"), h.Result(0, after, b""), case, clock)[0] == "other"


def test_clock_verdict_tolerates_nothing_outside_clock_columns():
    # VSZ moved between the two ps runs (it cannot in the frozen fixture): no tolerance for it
    before = b"  PID %CPU    VSZ\n    1  0.5   1000\n"
    after = b"  PID %CPU    VSZ\n    1  0.4   1001\n"
    assert _verdict("@time :: -o pid,%cpu,vsz", before, b"  PID %CPU    VSZ\n    1  0.5   1001\n", after) == "other"
    assert _verdict("@time :: -o pid,%cpu,vsz", before, b"  PID %CPU    VSZ\n    1  0.4   1000\n", after) == "clock"
    assert _verdict("@time :: -o pid,%cpu,vsz", before, b"  PID %CPU    VSZ\n    1  0.4   1000\n",
                    b"  PID %CPU    VSZ\n    1  0.4   1000\n") == "pass"


def test_clock_verdict_accepts_moving_values_only_between_the_two_oracle_runs():
    line = "@time :: -o pid,cuc"
    before = b"  PID    %CUC\n    1  1.227\n    2  0.500\n"
    after = b"  PID    %CUC\n    1  1.205\n    2  0.500\n"
    assert _verdict(line, before, b"  PID    %CUC\n    1  1.216\n    2  0.500\n", after) == "pass"
    assert _verdict(line, before, b"  PID    %CUC\n    1  1.230\n    2  0.500\n", after) == "clock"
    assert _verdict(line, before, b"  PID    %CUC\n    1  1.216\n    2  0.499\n", after) == "clock"
    assert _verdict(line, before, b"  PID    %CUC\n    1  1.216\n    2 0.500\n", after) == "other"


def test_clock_verdict_reads_elapsed_times_as_durations():
    line = "@time :: -o pid,etime"
    before = b"  PID     ELAPSED\n    1       00:59\n"
    after = b"  PID     ELAPSED\n    1       01:01\n"
    assert _verdict(line, before, b"  PID     ELAPSED\n    1       01:00\n", after) == "pass"
    assert _verdict(line, before, b"  PID     ELAPSED\n    1       01:02\n", after) == "clock"


def test_clock_verdict_reorder_only_when_sorted_by_a_clock_key():
    before = b"  PID\n    1\n    2\n"
    swapped = b"  PID\n    2\n    1\n"
    assert _verdict("@time :: -eo pid --sort=-etime", before, swapped, before) == "clock"
    assert _verdict("@time :: -eo pid --sort=pid", before, swapped, before) == "other"
    assert _verdict("@time :: -eo pid k -etime", before, swapped, swapped) == "pass"


def test_lastcpu_header_c_is_not_a_clock_column():
    header = b"  PID   C"
    assert h.ClockCells(header, h.parse_case("@time :: -o pid,c"))
    assert not h.ClockCells(header, h.parse_case("@time :: -o pid,lastcpu"))


def test_header_probe_restores_default_headers():
    assert h.header_probe_args(["-o", "etime=", "-p", "1"]) == ["-o", "etime", "-p", "1"]
    assert h.header_probe_args(["-o", "pid=X,%cpu=", "--format=c="]) == ["-o", "pid,%cpu", "--format=c"]
    assert h.header_probe_args(["aux"]) is None


def test_clock_specs_come_from_the_specifier_table():
    assert h.CLOCK_SPECS == {"%cpu", "pcpu", "c", "cp", "cuc", "cuu", "util", "etime", "etimes"}
    assert {b"%CPU", b"C", b"ELAPSED"} <= h.CLOCK_HEADERS and b"TIME" not in h.CLOCK_HEADERS


# -- mutants: pstd with one defect each must fail ---------------------------------------------

# Cases pstd passes (none of known_divergences.txt): a mutant must fail them for its defect only.
MUTANT_CASES = ["ax", "@time :: u -p 1,{sleeper},{burner},{threaded},{nice19}", "@time :: -ef",
                "-o pid,ppid,sig,sigcatch,blocked,comm -p 1,{sleeper},{tracer},{threaded}", "axjf",
                "-eLo pid,lwp,nlwp,stat,comm"]


@pytest.fixture
def own_stats():
    """Mutant runs do not count in (or use up) the suite's retry budget."""
    saved = copy.deepcopy(h.STATS)
    yield
    h.STATS.clear()
    h.STATS.update(saved)


def _mutant(tmp_path, mode):
    os.chmod(tmp_path, 0o755)
    return mutant.launcher(tmp_path, mode, h.SRC)


def test_mutant_without_defect_passes(ns, tmp_path, own_stats):
    assert not set(MUTANT_CASES) & set(h.known_divergences())
    tool = _mutant(tmp_path, "none")
    for line in MUTANT_CASES:
        diff, _, _ = h.run_case(ns, h.parse_case(line), tool)
        assert diff is None, f"{line}: {diff}"


@pytest.mark.parametrize("mode", [m for m in mutant.MODES if m not in ("none", "clock")])
def test_mutant_is_caught_without_retry(ns, tmp_path, own_stats, mode):
    tool = _mutant(tmp_path, mode)
    for line in MUTANT_CASES:
        retries = h.STATS["retries"]
        diff, _, _ = h.run_case(ns, h.parse_case(line), tool)
        assert diff is not None, f"mutant {mode!r} passed {line!r}"
        assert h.STATS["retries"] == retries, f"mutant {mode!r} was retried on {line!r}"


def test_mutant_in_a_clock_column_is_caught_after_capped_retries(ns, tmp_path, own_stats):
    tool = _mutant(tmp_path, "clock")
    for line in (MUTANT_CASES[1], "@time :: -ef", "@time :: -eo pid,etime"):
        retries = h.STATS["retries"]
        diff, _, _ = h.run_case(ns, h.parse_case(line), tool)
        assert diff is not None, f"clock mutant passed {line!r}"
        assert h.STATS["retries"] - retries == h.TIME_ATTEMPTS - 1


# -- what the fixture shows --------------------------------------------------------------------

def _oracle(ns, *args):
    r = ns.run(["ps", *args], h.ORACLE, dict(h.BASE_ENV))
    assert r.status == 0, r.stderr
    return r.stdout.decode().split("\n")[1:-1]


def test_fixture_shows_every_reachable_state(ns):
    # R: the tool itself, reading its own row; D: the vfork parent
    states = {row.strip() for row in _oracle(ns, "-e", "-o", "s")}
    assert states == {"R", "S", "D", "T", "t", "Z"}, states


def test_fixture_has_a_status_file_over_8_kib(ns):
    with open(f"{ns.procroot}/{ns.pids['manygroups']}/status", "rb") as f:
        assert len(f.read()) > 8192


def test_big_fixture_is_past_the_size_dependent_paths(big_ns):
    assert len(_oracle(big_ns, "-e", "-o", "pid")) > 4000 + 100
