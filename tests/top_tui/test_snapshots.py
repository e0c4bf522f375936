"""Screenshots of the interactive top against the stored ones (pytest-textual-snapshot).

The main screen, tree, threads, a filter, the kill dialog and the detail view, at 80x24 and 160x48,
over FakeSource (users root, daemon and www-data, which every Debian system has).  After a
deliberate change of the screen: ``pytest tests/top_tui/test_snapshots.py --snapshot-update``,
and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest

from pstd.top.tui.actions import RecordingActions
from pstd.top.tui.source import FakeSource

SIZES = [(80, 24), (160, 48)]


def _chars(text):
    return list(text) + ["enter"]


def _proc(tmp_path):
    d = tmp_path / "4"
    (d / "fd").mkdir(parents=True)
    (d / "cmdline").write_bytes(b"/usr/bin/bash\0-l\0")
    (d / "environ").mkdir()  # read as a file it fails: the section says so
    (d / "limits").write_text("Limit                     Soft Limit           Hard Limit           Units\n"
                              "Max open files            1024                 4096                 files\n")
    (d / "maps").write_text("55d0c000-55d0e000 r--p 00000000 08:02 1835019    /usr/bin/bash\n")
    (d / "cgroup").write_text("0::/user.slice/user-1000.slice/session-3.scope\n")
    (d / "status").write_text("Name:\tbash\nState:\tS (sleeping)\nPid:\t4\nPPid:\t2\n")
    (d / "fd" / "0").symlink_to("/dev/pts/3")
    return str(tmp_path)


SCENES = {
    "main": [],
    "tree": ["N", "V"],
    "threads": ["H", "N"],
    "filter": ["o", *_chars("%CPU>30")],
    "kill": ["N", "down", "down", "down", "k"],
    "detail": ["N", "down", "down", "down", "enter"],
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(snap_compare, tmp_path, scene, size):
    from pstd.top.tui.app import TopApp

    src = FakeSource(40)
    if scene == "detail":
        src.proc = _proc(tmp_path)
    app = TopApp(src, actions=RecordingActions(), delay=3600)
    assert snap_compare(app, press=SCENES[scene], terminal_size=size)
