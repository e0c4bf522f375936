"""pstd's own subcommands (Typer app)."""

import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "pstd", *args], capture_output=True, text=True)


def test_columns_lists_registry_rows():
    from pstd.ps.columns import REGISTRY

    result = run("columns")
    assert result.returncode == 0, result.stderr
    if REGISTRY:
        assert "pid" in result.stdout.split()


def test_backend_reports_choice():
    result = run("backend")
    assert result.returncode == 0, result.stderr
    assert "PSTD_BACKEND=auto -> procfs" in result.stdout


def test_unknown_subcommand_option_is_a_usage_error_not_a_traceback():
    result = run("columns", "--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
