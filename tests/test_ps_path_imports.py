"""The ps path and ``pstd top -b`` must not import the heavy libraries of the other subcommands.

typer, rich, textual, pyroute2 and click each cost more start-up time than a whole
``pstd ax`` may take.  Checked two ways: ``-X importtime`` on the real console script, and
``sys.modules`` after running ``pstd.__main__.main`` in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BANNED = ("typer", "rich", "textual", "pyroute2", "click")
# Standard modules the ps path does without: dataclasses alone pulls in inspect, ast, dis and
# tokenize, about 15 ms, so the ps path's data classes use pstd.plainclass instead.
UNUSED_STDLIB = ("dataclasses", "inspect", "ast", "typing")
COMMANDS = [["-p", "1", "-o", "pid="], ["ax"], ["aux"],
            ["top", "-b", "-n", "1"], ["top", "-b", "-n", "1", "-c", "-H", "-o", "USER"],
            ["top", "-b", "-n", "2", "-d", "0.1", "-p", "1", "-E", "g"]]


def _console_script() -> str:
    script = Path(sys.executable).parent / "pstd"
    if not script.exists():
        pytest.fail(f"console script {script} missing: run scripts/bootstrap --test")
    return str(script)


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_console_script_imports(args):
    r = subprocess.run([sys.executable, "-X", "importtime", _console_script(), *args],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    names = []
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.append(line.rsplit("|", 1)[1].strip())
    assert "pstd" in {_top(n) for n in names}, "importtime output not understood"
    bad = sorted({n for n in names if _top(n) in BANNED})
    assert not bad, f"pstd {' '.join(args)} imported {bad}"


WRAPPER = """
import json, os, sys
from pstd.__main__ import main
try:
    rc = main(sys.argv[1:])
except SystemExit as e:
    rc = e.code
with open(os.environ["PSTD_MODULES_OUT"], "w") as f:
    json.dump({"rc": rc, "modules": sorted(sys.modules)}, f)
"""


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_sys_modules_after_run(args, tmp_path):
    out = tmp_path / "modules.json"
    r = subprocess.run([sys.executable, "-c", WRAPPER, *args], capture_output=True, text=True,
                       env=dict(os.environ, PSTD_MODULES_OUT=str(out)), timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["rc"] in (0, None)
    mods = {_top(m) for m in data["modules"]}
    assert "pstd" in mods
    assert not mods & set(BANNED), f"pstd {' '.join(args)} left {sorted(mods & set(BANNED))} in sys.modules"
    assert not mods & set(UNUSED_STDLIB), f"pstd {' '.join(args)} imported {sorted(mods & set(UNUSED_STDLIB))}"
