"""kernel/dkms.conf works with Debian's dkms: `dkms add`, `build`, `install` and `remove` of this
checkout's kernel/ against the headers tests/vm/prepare fetched (each kernel test_kernel_build
builds for), all in scratch trees, so /var/lib/dkms, /usr/src and /lib/modules are never touched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_kernel_build import _kdirs

ROOT = Path(__file__).resolve().parent.parent


def _system_state(kvers: list[str]) -> dict[str, object]:
    # What dkms would write with its defaults: its tree (and MOK key) in /var/lib/dkms, the
    # source in /usr/src, the module in /lib/modules/<kver>.
    state: dict[str, object] = {"/var/lib/dkms": sorted(os.listdir("/var/lib/dkms"))
                                if os.path.isdir("/var/lib/dkms") else None}
    for path in ["/usr/src/task_diag-1"] + ["/lib/modules/" + k for k in kvers]:
        state[path] = os.path.lexists(path)
    return state


def _ensure(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", package]
        if subprocess.run(cmd, capture_output=True, env=env).returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, env=env)
            subprocess.run(cmd, capture_output=True, env=env)
        found = shutil.which(tool)
    if not found:
        pytest.fail("%s is needed (apt-get install %s; scripts/bootstrap --test installs it)"
                    % (tool, package))
    return found


def _conf_value(name: str) -> str:
    m = re.search(r'^%s="([^"]*)"' % name, (ROOT / "kernel" / "dkms.conf").read_text(), re.M)
    assert m, name
    return m.group(1)


def _modinfo(path: Path, field: str) -> str:
    r = subprocess.run(["modinfo", "-F", field, str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_package_version_is_the_protocol_version():
    header = (ROOT / "kernel" / "include" / "uapi" / "linux" / "task_diag.h").read_text()
    genl = re.search(r"^#define\s+TASK_DIAG_GENL_VERSION\s+(\d+)", header, re.M).group(1)
    assert _conf_value("PACKAGE_VERSION") == genl
    assert _conf_value("PACKAGE_NAME") == "task_diag"


def test_dkms_builds_and_installs_into_a_scratch_tree(tmp_path):
    dkms = _ensure("dkms", "dkms")
    _ensure("modinfo", "kmod")
    name, version = _conf_value("PACKAGE_NAME"), _conf_value("PACKAGE_VERSION")
    kdirs = [Path(k) for k in _kdirs()]
    kvers = [k.name.removeprefix("linux-headers-") for k in kdirs]
    before = _system_state(kvers)
    for kdir, kver in zip(kdirs, kvers):
        scratch = tmp_path / kver
        src, tree, inst = scratch / "src", scratch / "dkms", scratch / "modules"
        # dkms installs only into a kernel that is present: its /lib/modules/<kver> directory.
        for d in (src, tree, inst / kver):
            d.mkdir(parents=True)
        checkout = scratch / "kernel"
        shutil.copytree(ROOT / "kernel", checkout,
                        ignore=shutil.ignore_patterns("*.o", "*.ko", "*.mod*", ".*.cmd",
                                                      "Module.symvers", "modules.order"))
        # dkms reads its signing settings from shell variables the environment can set; pointing them
        # into the scratch tree keeps dkms from generating a MOK key in /var/lib/dkms.
        env = dict(os.environ, TMPDIR=str(scratch), sign_file=str(scratch / "no-sign-file"),
                   mok_signing_key=str(scratch / "mok.key"),
                   mok_certificate=str(scratch / "mok.pub"))
        trees = ["--dkmstree", str(tree), "--sourcetree", str(src), "--installtree", str(inst)]
        target = ["-m", name, "-v", version, "-k", kver, "--kernelsourcedir", str(kdir)]

        def run(*args: str) -> str:
            r = subprocess.run([dkms, *args, *trees], capture_output=True, text=True, env=env)
            log = tree / name / version / "build" / "make.log"
            assert r.returncode == 0, "dkms %s (%s):\n%s%s\n%s" % (
                args[0], kver, r.stdout[-3000:], r.stderr[-3000:],
                log.read_text()[-3000:] if log.exists() else "")
            return r.stdout

        # As kernel/README.md says: `dkms add` of the directory names the package from dkms.conf
        # and copies it into the source tree.
        run("add", str(checkout))
        assert (src / ("%s-%s" % (name, version)) / "dkms.conf").exists()
        run("build", *target)
        built = tree / name / version / kver / "x86_64" / "module" / "task_diag.ko"
        assert built.exists(), sorted(p.name for p in tree.rglob("*"))
        # depmod would rewrite the real /lib/modules/<kver>/modules.dep (install and remove run it).
        run("install", *target, "--no-depmod")
        installed = list((inst / kver).rglob("task_diag.ko*"))
        assert [p.relative_to(inst / kver).parent.as_posix() for p in installed] == \
            ["updates/dkms"], installed
        ko = installed[0]
        # A module Debian ships for the same kernel is the independent reference for vermagic.
        debian_ko = next((kdir.parents[2] / "lib" / "modules" / kver / "kernel").rglob("*.ko*"))
        assert _modinfo(ko, "vermagic") == _modinfo(debian_ko, "vermagic")
        assert _modinfo(ko, "vermagic").split()[0] == kver
        assert _modinfo(ko, "version") == version
        assert _modinfo(ko, "name") == "task_diag"
        assert _modinfo(ko, "alias") == "net-pf-16-proto-16-family-TASK_DIAG"
        status = run("status", "-m", name, "-v", version, "-k", kver)
        assert re.search(r"^%s/%s, %s, x86_64: installed" % (name, version, re.escape(kver)),
                         status, re.M), status
        run("remove", "%s/%s" % (name, version), "--all", "--no-depmod")
        assert not list((inst / kver).rglob("task_diag.ko*"))
        assert not (tree / name).exists()
        assert (src / ("%s-%s" % (name, version)) / "dkms.conf").exists()  # left for `rm -rf`
    assert _system_state(kvers) == before
