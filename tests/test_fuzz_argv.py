"""Random argv to /bin/ps and pstd on the differential fixture: never a Python traceback, the
same exit status and the same stderr message.  stdout is not compared here (random formats mix
in clock-derived columns and the tool's own row); tests/diff does that for chosen cases."""

from __future__ import annotations

import csv
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
junk = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=6)

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
