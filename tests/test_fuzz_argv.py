"""Random argv to /bin/ps and pstd on the differential fixture: never a Python traceback, the
same exit status and the same stderr message.  stdout is not compared here (random formats mix
in clock-derived columns and the tool's own row); tests/diff does that for chosen cases."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import diffharness as h

REF = Path(__file__).resolve().parent / "procps_format_specifiers.tsv"
if REF.exists():
    with REF.open() as f:
        SPECS = [r["spec"] for r in csv.DictReader(f, delimiter="\t")]
else:
    SPECS = ["pid", "ppid", "comm", "args", "user", "stat", "%cpu", "etime", "tty", "lwp", "nlwp"]
SPECS += ["bogus", "PID", "%p", "%a", "%z", ""]

UNIX_FLAGS = list("eAadNfFljycHwLTmMZVP") + ["ef", "aux", "eLf", "ejH", "el", "Af"]
UNIX_ARGS = list("oOpqugGUtCs")
BSD = "axujlsvfeHmScwnrTXLZVkhOoptU"
LONG = ["--sort", "--forest", "--no-headers", "--headers", "--ppid", "--pid", "--quick-pid",
        "--cols", "--columns", "--width", "--lines", "--rows", "--format", "--context",
        "--cumulative", "--deselect", "--group", "--user", "--tty", "--sid", "--help",
        "--version", "--Group", "--User", "--info", "--no-heading", "--bogus", "--"]
NUMBERS = ["0", "1", "2", "-1", "5", "80", "99999", "4294967296", "1,2", "1 2", "+3", "0x10"]

spec_item = st.tuples(
    st.sampled_from(SPECS),
    st.sampled_from(["", "", "=", "=HDR", ":9", ":0", ":x", "=a b"]),
).map("".join)
spec_list = st.lists(spec_item, min_size=1, max_size=4).map(",".join)
sort_list = st.lists(st.tuples(st.sampled_from(["", "+", "-"]), st.sampled_from(SPECS + list("CGJMNPRSTUcfgjkmnoprstuvy"))).map("".join),
                     min_size=1, max_size=3).map(",".join)
junk = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=6),
    st.binary(min_size=1, max_size=6).filter(lambda b: b"\0" not in b).map(os.fsdecode),  # argv need not be UTF-8
)

token = st.one_of(
    st.sampled_from(UNIX_FLAGS).map(lambda s: "-" + s),
    st.sampled_from(UNIX_ARGS).map(lambda s: "-" + s),
    st.text(st.sampled_from(BSD), min_size=1, max_size=4),
    st.sampled_from(LONG),
    st.tuples(st.sampled_from(LONG), st.one_of(spec_list, st.sampled_from(NUMBERS), junk)).map("=".join),
    spec_list,
    sort_list,
    st.sampled_from(NUMBERS),
    junk,
)
argvs = st.lists(token, max_size=5)


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(argv=argvs)
def test_random_argv(ns, tool, argv):
    env = dict(h.BASE_ENV)
    expected = ns.run(["ps", *argv], h.ORACLE, env)
    got = ns.run(["pstd", *argv], tool, env)
    event(f"ps exit status {expected.status}")
    assert b"Traceback" not in got.stderr, got.stderr.decode(errors="replace")[-3000:]
    assert got.status == expected.status, (argv, expected.stderr, got.stderr)
    assert got.stderr == expected.stderr, argv


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(argv=argvs)
def test_parse_only_raises_ps_errors_and_has_no_side_effects(argv):
    """In process and fast: parse() never writes, and fails only with procps's errors, whose text
    (with any argv bytes in it) reaches stderr as bytes."""
    from pstd.env import Environment
    from pstd.ps.errors import PsError, PsFatal
    from pstd.ps.main import _bytes
    from pstd.ps.parser import parse

    env = Environment(stdout=io.BytesIO(), stderr=io.BytesIO(), environ=dict(h.BASE_ENV),
                      stdout_isatty=False, terminal_size=lambda: None)
    env.extra["own_tty"] = 0
    try:
        query = parse(list(argv), env)
    except (PsError, PsFatal) as e:
        assert isinstance(_bytes(e.message), bytes)
    else:
        assert query.action in ("list", "help", "version", "list_specifiers", "info")
    assert env.stdout.getvalue() == b"" and env.stderr.getvalue() == b""
