"""Fixtures of the in-VM acceptance tests of the task_diag module.

These tests load, unload and query a kernel module and change uids: they run only
inside the test guest (``tests/vm/run``, which sets PSTD_IN_VM=1).  Anywhere else
collecting this directory is an error, not a skip; the host test run ignores it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
IN_VM = bool(os.environ.get("PSTD_IN_VM"))

if not IN_VM:

    def _targets_this_dir(config) -> bool:
        for arg in config.args:
            p = Path(str(arg).split("::")[0])
            p = (p if p.is_absolute() else Path(config.invocation_params.dir) / p).resolve()
            if p == HERE or HERE in p.parents:
                return True
        return False

    def pytest_ignore_collect(collection_path, config):
        """Outside the VM: a run aimed at tests/vm is an error; a run of all tests leaves it out."""
        if _targets_this_dir(config):
            pytest.exit(
                "tests/vm holds in-VM tests of the task_diag module: run them with tests/vm/run "
                "(PSTD_IN_VM is not set)",
                returncode=3,
            )
        return True

import subprocess  # noqa: E402
import sys  # noqa: E402

# the pstd package of this checkout, whatever the venv's install points at
sys.path.insert(0, str(HERE.parent.parent / "src"))

import vmhelpers as helpers  # noqa: E402
from vmhelpers import Fixture  # noqa: E402


@pytest.fixture(scope="session")
def tools():
    """Paths of the C tools, built if missing or stale."""
    return helpers.build_tools()


@pytest.fixture(scope="session", autouse=True)
def module_loaded(tools):
    helpers.ensure_module_loaded()
    yield
    helpers.ensure_module_loaded()


@pytest.fixture(scope="module")
def root_task(tools):
    """A sleeping process of root's (one thread), for the module of tests that asks for it."""
    fx = Fixture.start([tools["fork"], "1", "1"])
    (child,) = helpers.proc_children(fx.pid)
    yield child
    fx.stop()


@pytest.fixture()
def unprivileged_userns():
    """Debian's kernel may forbid unprivileged user namespaces (a sysctl): allow them here."""
    knob = "/proc/sys/kernel/unprivileged_userns_clone"
    old = helpers.read_bytes(knob)
    if old is not None and old.strip() == b"0":
        with open(knob, "w") as f:
            f.write("1")
    yield
    if old is not None:
        with open(knob, "wb") as f:
            f.write(old)


@pytest.fixture(scope="module")
def fork_1000x10(tools):
    """`fork 1000 10`: 1000 sleeping children of one parent, 10 threads each."""
    fx = Fixture.start([tools["fork"], "1000", "10"], timeout=600)
    yield fx
    fx.stop()


def pytest_report_header(config):
    try:
        ver = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
    except OSError:
        ver = "?"
    return "task_diag VM tests, kernel %s, module %s" % (ver, helpers.module_path())
