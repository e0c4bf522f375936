"""How ``pstd top`` reaches the screen: the words the screen takes out of top's command line,
batch mode's answer to them (procps top's, compared with /usr/bin/top), and no Textual on the
batch path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from pstd.top import fields
from pstd.top.tui import argv
from pstd.top.tui import columns as C

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")


@pytest.mark.parametrize("words,rest,cols,ro", [
    (["-o", "pid,user,%cpu,rss,args"], [], "pid,user,%cpu,rss,args", False),
    (["-opid,comm", "-d", "1"], ["-d", "1"], "pid,comm", False),
    (["--sort-override=pid"], [], "pid", False),
    (["-o", "%MEM"], ["-o", "%MEM"], None, False),      # top's own sort override
    (["-o", "-RES"], ["-o", "-RES"], None, False),
    (["--readonly", "-H"], ["-H"], None, True),
    (["--", "-o", "pid"], ["--", "-o", "pid"], None, False),
])
def test_split(words, rest, cols, ro):
    assert argv.split(words, fields.NAMES) == (rest, cols, ro)


def test_column_names():
    cols = C.parse("pid,user,%cpu,rss,args")
    assert [c.header for c in cols] == ["PID", "USER", "%CPU", "RSS", "COMMAND"]
    assert C.make("PID").header == "PID" and C.make("etime=AGE").header == "AGE"
    with pytest.raises(C.UnknownColumn):
        C.make("nonesuch")


def _run(cmd, env=None):
    return subprocess.run(cmd, capture_output=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args", [["-b", "-n", "1", "-o", "pid,user"], ["-b", "--readonly", "-n", "1"],
                                  ["-o", "pid,user", "-b", "-n", "1", "-d", "x"],
                                  ["-o", "pid,user", "-n", "1"], ["--readonly"]])  # stdin no tty
def test_batch_answers_as_top(args):
    top = shutil.which("top")
    if top is None:
        pytest.fail("procps top missing: scripts/bootstrap installs it")
    env = dict(os.environ, PYTHONPATH=SRC)
    want = _run(["top", *args])  # getopt names argv[0] in its complaints
    got = _run([sys.executable, "-m", "pstd", "top", *args], env)
    assert want.returncode != 0 or want.stderr  # the case is one top refuses
    assert (got.returncode, got.stderr) == (want.returncode, want.stderr)


def test_batch_path_imports_no_textual():
    code = ("import sys, io\n"
            "from pstd.top.main import run\n"
            "run(['-b', '-n', '1', '-p', '1'])\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'typer', 'click')]\n"
            "sys.stderr.write(repr(bad))\n")
    r = _run([sys.executable, "-c", code], dict(os.environ, PYTHONPATH=SRC))
    assert r.stderr.decode().endswith("[]"), r.stderr[-500:]
