"""pstd's own subcommands (Typer app)."""

import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "pstd", *args], capture_output=True, text=True)


def test_columns_lists_registry_rows():
    from pstd.ps.columns import REGISTRY

    result = run("columns")
    assert result.returncode == 0, result.stderr
    assert len(REGISTRY) == 274
    specs = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert len(specs) == len(REGISTRY)
    for name in ("pid", "ppid", "args", "%cpu"):
        assert name in specs


def test_backend_reports_choice():
    result = run("backend")
    assert result.returncode == 0, result.stderr
    assert "PSTD_BACKEND=auto -> procfs" in result.stdout


def test_backend_reports_unavailable_netlink():
    import os

    env = dict(os.environ, PSTD_BACKEND="netlink")
    result = subprocess.run([sys.executable, "-m", "pstd", "backend"], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "unavailable" in result.stdout


def test_unknown_subcommand_option_is_a_usage_error_not_a_traceback():
    result = run("columns", "--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_netlink_backend_by_name_without_the_module_is_one_line():
    # the host kernel cannot load modules: the family never resolves here
    result = run("--backend=netlink", "-p", "1", "-o", "pid=")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("pstd: the netlink backend needs the task_diag kernel module "
                             "(generic netlink family TASK_DIAG not found)\n")


def test_procfs_backend_by_name_and_by_environment():
    import os

    assert run("--backend=procfs", "-p", "1", "-o", "pid=").stdout.split() == ["1"]
    env = dict(os.environ, PSTD_BACKEND="procfs")
    result = subprocess.run([sys.executable, "-m", "pstd", "-p", "1", "-o", "pid="], capture_output=True, text=True, env=env)
    assert result.stdout.split() == ["1"]


def test_module_status_without_the_module():
    # the host kernel cannot load modules
    result = run("module", "status")
    assert result.returncode == 1 and result.stderr == ""
    assert result.stdout == ("task_diag: not available: the netlink backend needs the task_diag kernel module "
                             "(generic netlink family TASK_DIAG not found)\n")
