"""The detail view shows what procfs shows the reader: read by an unprivileged user, pid 1's
environment, fds and maps are refused by the kernel and say so; the reader's own are shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))

CODE = """
import json, os, sys
from pstd.top.tui import detail
me = os.getpid()
print(json.dumps({"one": detail.sections("/proc", 1), "own": detail.sections("/proc", me), "me": me}))
"""


def test_sections_as_an_unprivileged_user():
    # root becomes nobody for the reader; anyone else already is one for pid 1
    who = dict(user=65534, group=65534, extra_groups=[]) if os.geteuid() == 0 else {}
    # the system's python: the venv may live where nobody cannot enter (/root); detail.py needs only os
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    r = subprocess.run([python, "-c", CODE], capture_output=True, text=True, timeout=60,
                       env={"PYTHONPATH": SRC, "PSTD_MARK": "visible"}, cwd="/", **who)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    one = {name: (ok, text) for name, ok, text in out["one"]}
    own = {name: (ok, text) for name, ok, text in out["own"]}
    for name in ("environ", "fds", "maps"):
        assert list(one[name]) == [False, "not shown: Permission denied"], name
    assert one["cmdline"][0] and one["status"][0] and one["cgroup"][0] and one["limits"][0]
    assert own["environ"][0] and "PSTD_MARK=visible" in own["environ"][1].split("\n")
    assert own["fds"][0] and own["maps"][0] and "python" in own["maps"][1]
