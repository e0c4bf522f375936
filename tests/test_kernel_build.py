"""The module builds without a warning, and sparse (make C=2) finds nothing, for every kernel
whose headers tests/vm/prepare has fetched (the default one at least; PSTD_KVER for another)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ensure_sparse() -> str:
    found = shutil.which("sparse")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "sparse"],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "sparse"],
                           capture_output=True, env=env)
    found = shutil.which("sparse")
    if not found:
        pytest.fail("sparse is needed (apt-get install sparse)")
    return found


def _kdirs() -> list[str]:
    r = subprocess.run([str(ROOT / "tests" / "vm" / "prepare"), "--env"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        pytest.fail("tests/vm/prepare failed: %s" % r.stderr[-2000:])
    env = dict(ln.split(";")[0].split("=", 1) for ln in r.stdout.splitlines() if "=" in ln)
    kdirs = [env["KDIR"].strip("'")]
    cache = Path(env["PSTD_VM_KROOT"].strip("'")).parent.parent
    for other in sorted(cache.glob("*/root/usr/src/linux-headers-*-amd64")):
        if str(other) not in kdirs and (other / "Module.symvers").exists():
            kdirs.append(str(other))
    return kdirs


def test_module_builds_warning_free_and_sparse_clean(tmp_path):
    _ensure_sparse()
    for kdir in _kdirs():
        src = tmp_path / Path(kdir).name / "kernel"
        shutil.copytree(ROOT / "kernel", src, ignore=shutil.ignore_patterns(
            "*.o", "*.ko", "*.mod*", ".*.cmd", "Module.symvers", "modules.order", "tools"))
        r = subprocess.run(["make", "-C", str(src), "KDIR=" + kdir, "W=1", "C=2"],
                           capture_output=True, text=True)
        out = r.stdout + r.stderr
        assert r.returncode == 0, out[-4000:]
        problems = [ln for ln in out.splitlines()
                    if "warning:" in ln or "error:" in ln or "context imbalance" in ln]
        assert not problems, "%s:\n%s" % (kdir, "\n".join(problems))
