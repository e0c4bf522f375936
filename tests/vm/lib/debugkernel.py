"""Build the pstd debug kernel: Debian's linux-source-6.12 with KASAN, lockdep and friends, for qemu only.

Used by tests/vm/prepare --debug-kernel and tests/vm/run --debug-kernel.  Python standard library only.

Layout (under ~/.cache/pstd/debug-kernel/, keyed by the source package version and this file's config):
  <srcver>-<cfghash>/src/            the unpacked kernel tree, configured and built in place (KDIR)
  <srcver>-<cfghash>/vmlinux         the ELF kernel qemu boots (PVH entry, no decompression)
  <srcver>-<cfghash>/build.log       make's output
  <srcver>-<cfghash>/ready           written last; holds the build time in seconds
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

import pstdvm
from pstdvm import CACHE, DEBS, Lock, apt_install, apt_update, die, log

SOURCE_PKG = "linux-source-6.12"
DCACHE = os.path.join(CACHE, "debug-kernel")
# What building the kernel needs on a bare Debian machine (gcc and make come with the stock-kernel setup).
BUILD_DEPS = ["bc", "bison", "flex", "libelf-dev", "libssl-dev", "gcc", "make", "xz-utils", "python3", "cpio",
              "perl", "kmod"]

# On top of `make defconfig kvm_guest.config`.  y = built in, n = off, other strings are values.
CONFIG = [
    # what the module's tests look for
    ("KASAN", "y"), ("KASAN_GENERIC", "y"), ("KASAN_INLINE", "y"), ("KASAN_OUTLINE", "n"),
    ("PROVE_LOCKING", "y"), ("DEBUG_ATOMIC_SLEEP", "y"), ("DEBUG_LIST", "y"),
    ("DEBUG_OBJECTS", "y"), ("DEBUG_OBJECTS_FREE", "y"), ("DEBUG_OBJECTS_TIMERS", "y"),
    ("DEBUG_OBJECTS_WORK", "y"), ("DEBUG_OBJECTS_RCU_HEAD", "y"),
    ("SLUB_DEBUG", "y"),
    ("DEBUG_KMEMLEAK", "y"), ("DEBUG_KMEMLEAK_MEM_POOL_SIZE", "40000"),
    ("DEBUG_KMEMLEAK_DEFAULT_OFF", "n"), ("DEBUG_KMEMLEAK_AUTO_SCAN", "n"),
    ("DEBUG_FS", "y"),
    # what the VM suite relies on, as in Debian's kernel
    ("ANON_VMA_NAME", "y"), ("PROC_CHILDREN", "y"), ("LEGACY_VSYSCALL_NONE", "y"),
    ("LEGACY_VSYSCALL_XONLY", "n"), ("LEGACY_VSYSCALL_EMULATE", "n"),
    ("USER_NS", "y"), ("PID_NS", "y"), ("CHECKPOINT_RESTORE", "y"),
    # the initramfs has no modules for this kernel: everything the boot needs is built in
    ("VIRTIO", "y"), ("VIRTIO_PCI", "y"), ("VIRTIO_MENU", "y"), ("NET_9P", "y"), ("NET_9P_VIRTIO", "y"),
    ("9P_FS", "y"), ("9P_FS_POSIX_ACL", "y"), ("NETFS_SUPPORT", "y"), ("OVERLAY_FS", "y"),
    ("TMPFS", "y"), ("TMPFS_POSIX_ACL", "y"), ("DEVTMPFS", "y"), ("PVH", "y"),
    ("SERIAL_8250", "y"), ("SERIAL_8250_CONSOLE", "y"),
    # the module is built out of tree against this tree
    ("MODULES", "y"), ("MODULE_UNLOAD", "y"), ("MODULE_FORCE_UNLOAD", "y"), ("MODULE_SIG", "n"),
    ("MODVERSIONS", "n"),
    ("DEBUG_INFO_NONE", "y"), ("DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT", "n"), ("DEBUG_INFO_BTF", "n"),
    ("LOCALVERSION", '"-pstd-debug"'), ("LOCALVERSION_AUTO", "n"),
] + [
    # qemu-only: the guest has a serial console, virtio-pci and 9p, nothing else.  Dropping defconfig's
    # hardware drivers and the subsystems the tests never touch halves the build (KASAN makes every
    # object slower to compile).
    (name, "n") for name in (
        "DRM", "FB", "AGP", "SOUND", "SND", "USB_SUPPORT", "WLAN", "WIRELESS", "CFG80211", "MAC80211", "RFKILL",
        "BT", "ETHERNET", "NET_VENDOR_INTEL", "PHYLIB", "NETFILTER", "NET_SCHED", "IP_ADVANCED_ROUTER",
        "IP_MULTICAST", "XFRM_USER", "INET_ESP", "NETLABEL", "DCB", "HID", "INPUT_KEYBOARD", "INPUT_MOUSE",
        "INPUT_JOYSTICK", "INPUT_TABLET", "INPUT_TOUCHSCREEN", "INPUT_MISC", "SCSI", "ATA", "MD",
        "BLK_DEV_DM", "NFS_FS", "NFSD", "ROOT_NFS", "EXT4_FS", "ISO9660_FS", "VFAT_FS", "MSDOS_FS", "QUOTA",
        "AUTOFS_FS", "SECURITY_SELINUX", "AUDIT", "HIBERNATION", "SUSPEND", "CPU_FREQ", "EFI", "PCCARD",
        "HWMON", "WATCHDOG", "POWER_SUPPLY", "MEDIA_SUPPORT", "I2C", "THERMAL", "DMADEVICES",
        "MACINTOSH_DRIVERS", "HAMRADIO", "PPS", "PTP_1588_CLOCK", "KVM", "XEN", "HYPERV", "EDAC", "LOGO",
        "FW_LOADER_USER_HELPER", "MICROCODE", "X86_MCE", "PERF_EVENTS_INTEL_UNCORE",
        # no IP networking either: the tests talk netlink and pass sockets over AF_UNIX
        "INET", "IPV6", "X86_PLATFORM_DEVICES", "IOMMU_SUPPORT", "VT", "ACPI_WMI", "ACPI_VIDEO",
        "BACKLIGHT_CLASS_DEVICE", "NETWORK_FILESYSTEMS_NFS", "KEYS_REQUEST_CACHE", "IO_URING",
    )
]
# Must hold in the final .config (olddefconfig silently drops what a dependency forbids).
MUST = ["KASAN", "KASAN_GENERIC", "KASAN_INLINE", "PROVE_LOCKING", "DEBUG_ATOMIC_SLEEP", "DEBUG_LIST",
        "DEBUG_OBJECTS", "SLUB_DEBUG", "DEBUG_KMEMLEAK", "ANON_VMA_NAME", "PROC_CHILDREN", "LEGACY_VSYSCALL_NONE",
        "DEBUG_INFO_NONE", "VIRTIO_PCI", "NET_9P_VIRTIO", "9P_FS", "NETFS_SUPPORT", "OVERLAY_FS", "PVH", "MODULES",
        "USER_NS", "PID_NS"]
# Bump when the layout of the cache changes.
LAYOUT = "1"


def source_version():
    """The candidate version of linux-source-6.12, e.g. 6.12.117-1~deb12u1."""
    if os.environ.get("PSTD_DEBUG_SRCVER"):
        return os.environ["PSTD_DEBUG_SRCVER"]
    for attempt in range(2):
        r = subprocess.run(["apt-cache", "policy", SOURCE_PKG], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
        m = re.search(r"Candidate:\s*(\S+)", r.stdout)
        if m and m.group(1) != "(none)":
            return m.group(1)
        if attempt == 0:
            apt_update()
    have = sorted(d for d in os.listdir(DCACHE) if os.path.exists(os.path.join(DCACHE, d, "ready"))) \
        if os.path.isdir(DCACHE) else []
    if have:
        log("cannot resolve %s; using cached %s" % (SOURCE_PKG, have[-1]))
        return have[-1].rsplit("-", 1)[0]
    die("cannot resolve the version of %s (apt-cache policy)" % SOURCE_PKG)


def config_hash():
    h = hashlib.sha256()
    h.update(LAYOUT.encode())
    h.update(repr(CONFIG).encode())
    return h.hexdigest()[:10]


def paths(srcver):
    d = os.path.join(DCACHE, "%s-%s" % (srcver.replace("~", "_"), config_hash()))
    return {
        "dir": d,
        "src": os.path.join(d, "src"),
        "vmlinux": os.path.join(d, "vmlinux"),
        "log": os.path.join(d, "build.log"),
        "ready": os.path.join(d, "ready"),
    }


def build_deps_needed():
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n"] + BUILD_DEPS,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ok = {line.split()[0] for line in r.stdout.splitlines() if line.endswith(" installed")}
    return [p for p in BUILD_DEPS if p not in ok]


def download_source(srcver, p):
    os.makedirs(DEBS, exist_ok=True)
    deb = [f for f in os.listdir(DEBS) if f.startswith(SOURCE_PKG + "_") and
           f.split("_")[1].replace("%3a", ":") == srcver]
    if not deb:
        log("downloading %s=%s" % (SOURCE_PKG, srcver))
        sandbox = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
        for attempt in range(2):
            r = subprocess.run(["apt-get", "download", "-q"] + sandbox + ["%s=%s" % (SOURCE_PKG, srcver)], cwd=DEBS,
                               stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            if r.returncode == 0:
                break
            if attempt == 0:
                apt_update()
        else:
            die("apt-get download %s failed" % SOURCE_PKG)
        deb = [f for f in os.listdir(DEBS) if f.startswith(SOURCE_PKG + "_")]
    deb = os.path.join(DEBS, sorted(deb)[-1])
    os.makedirs(p["dir"], exist_ok=True)
    pkg = os.path.join(p["dir"], "pkg")
    shutil.rmtree(pkg, ignore_errors=True)
    pstdvm.sh(["dpkg", "-x", deb, pkg])
    tars = [os.path.join(dp, f) for dp, _d, fs in os.walk(pkg) for f in fs if re.match(r"linux-source.*\.tar", f)]
    if not tars:
        die("no source tarball in %s" % deb)
    tmp = p["src"] + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    log("unpacking %s" % os.path.basename(tars[0]))
    pstdvm.sh(["tar", "-xf", tars[0], "-C", tmp, "--strip-components=1"])
    shutil.rmtree(pkg, ignore_errors=True)
    shutil.rmtree(p["src"], ignore_errors=True)
    os.rename(tmp, p["src"])


def make(p, args, logf):
    jobs = os.environ.get("PSTD_DEBUG_JOBS") or str(min(os.cpu_count() or 1, 2))
    cmd = ["nice", "-n", "10", "make", "-C", p["src"], "-j" + jobs] + args
    logf.write("$ %s\n" % " ".join(cmd))
    logf.flush()
    r = subprocess.run(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        logf.flush()
        with open(p["log"]) as f:
            tail = f.read()[-4000:]
        sys.stderr.write(tail)
        die("make %s failed (log: %s)" % (" ".join(args), p["log"]))


def configure(p, logf):
    make(p, ["defconfig", "kvm_guest.config"], logf)
    cmd = [os.path.join(p["src"], "scripts/config"), "--file", os.path.join(p["src"], ".config")]
    for name, val in CONFIG:
        if val == "y":
            cmd += ["--enable", name]
        elif val == "n":
            cmd += ["--disable", name]
        elif val.startswith('"'):
            cmd += ["--set-str", name, val.strip('"')]
        else:
            cmd += ["--set-val", name, val]
    pstdvm.sh(cmd, stdout=logf, stderr=subprocess.STDOUT)
    make(p, ["olddefconfig"], logf)
    with open(os.path.join(p["src"], ".config")) as f:
        have = set(re.findall(r"(?m)^CONFIG_(\w+)=y$", f.read()))
    missing = [c for c in MUST if c not in have]
    if missing:
        die("debug kernel config lacks %s after olddefconfig" % ", ".join("CONFIG_" + c for c in missing))


def build(p):
    os.makedirs(p["dir"], exist_ok=True)
    t0 = time.time()
    with open(p["log"], "a") as logf:
        logf.write("== build started %s\n" % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        configure(p, logf)
        # `all` links vmlinux, the bzImage and the in-tree modules, and writes Module.symvers, which an
        # out-of-tree M= build needs for modpost to resolve the kernel's exports.
        log("building the debug kernel once (tens of minutes on 2 cores; log: %s)" % p["log"])
        make(p, ["all"], logf)
        make(p, ["modules_prepare"], logf)
    if not os.path.exists(os.path.join(p["src"], "Module.symvers")):
        die("no Module.symvers after the build (log: %s)" % p["log"])
    shutil.copyfile(os.path.join(p["src"], "vmlinux"), p["vmlinux"] + ".tmp")
    os.rename(p["vmlinux"] + ".tmp", p["vmlinux"])
    # the objects stay: a later config or source change rebuilds only what it touches
    secs = time.time() - t0
    with open(p["ready"], "w") as f:
        f.write("%s %.0f\n" % (LAYOUT, secs))
    log("built the debug kernel in %d min %02d s" % (secs // 60, secs % 60))
    return secs


def ready(p):
    try:
        with open(p["ready"]) as f:
            return f.read().split()[0] == LAYOUT
    except (OSError, IndexError):
        return False


def build_time(p):
    try:
        with open(p["ready"]) as f:
            return float(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def initramfs_path(p):
    return os.path.join(p["dir"], "initramfs-%s.cpio" % pstdvm.stamp_value("debug"))


def prepare(fetch_only=False):
    """Idempotent: the built debug kernel, its tree and an initramfs without modules.

    ``fetch_only``: stop after what needs apt (build dependencies, the source package,
    unpacked), so that the build itself can run in the background beside other apt users."""
    pstdvm.ensure_host_tools()
    srcver = source_version()
    p = paths(srcver)
    initramfs = initramfs_path(p)
    if not (ready(p) and os.path.exists(initramfs)):
        os.makedirs(DCACHE, exist_ok=True)
        with Lock(os.path.join(DCACHE, ".lock")):
            if not ready(p):
                need = build_deps_needed()
                if need:
                    apt_install(need)
                if not os.path.exists(os.path.join(p["src"], "Makefile")):
                    download_source(srcver, p)
                if fetch_only:
                    return {"KVER": srcver, "KDIR": p["src"]}
                build(p)
            if not os.path.exists(initramfs):
                # the stock kernel's busybox-static package provides the userland of /init
                stock = pstdvm.paths(pstdvm.resolve_kver())
                if not os.path.exists(os.path.join(stock["root"], "bin/busybox")) and \
                        not os.path.exists(os.path.join(stock["root"], "usr/bin/busybox")):
                    pstdvm.prepare()
                pstdvm.build_initramfs(stock, initramfs, modules=False)
    return {
        "KVER": srcver,
        "KDIR": p["src"],
        "PSTD_VM_VMLINUX": p["vmlinux"],
        "PSTD_VM_INITRAMFS": initramfs,
        "PSTD_DEBUG_BUILD_SECONDS": "%.0f" % (build_time(p) or 0),
    }
