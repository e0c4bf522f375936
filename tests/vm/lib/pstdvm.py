"""Boot Debian's kernel under qemu (TCG) to test the pstd kernel module.

Used by tests/vm/prepare and tests/vm/run.  Python standard library only.

Layout (everything under ~/.cache/pstd, overridable with PSTD_CACHE):
  kernel/debs/                      downloaded .deb files
  kernel/<kver>/root/               the .debs, dpkg -x'ed (KDIR is in here)
  kernel/<kver>/vmlinux             uncompressed ELF kernel (boots via PVH)
  kernel/<kver>/initramfs-<hash>.cpio  busybox + virtio/9p/overlay modules + init
  build/<checkout-id>/              copy of kernel/ where the module is built
  jobs/<id>/                        per-run folder shared read-write with the guest
  vm-logs/<stamp>.log               full console log of each run
"""

import fcntl
import hashlib
import lzma
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CACHE = os.environ.get("PSTD_CACHE") or os.path.expanduser("~/.cache/pstd")
KCACHE = os.path.join(CACHE, "kernel")
DEBS = os.path.join(KCACHE, "debs")
INIT_SCRIPT = os.path.join(HERE, "init.sh")

# Modules the initramfs loads (their dependencies are added automatically).
GUEST_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"]
# Bump when the prepared layout changes in a way the stamp must notice.
LAYOUT_VERSION = "3"


def log(msg):
    print("pstd-vm: " + msg, file=sys.stderr, flush=True)


def die(msg, code=1):
    log("error: " + msg)
    sys.exit(code)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def out(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


class Lock:
    """flock()-based lock so concurrent runs prepare only once."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# --------------------------------------------------------------------- apt

def _apt_env():
    env = dict(os.environ)
    env["DEBIAN_FRONTEND"] = "noninteractive"
    return env


def _sudo():
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


_updated = False


def apt_update():
    global _updated
    if not _updated:
        log("apt-get update")
        sh(_sudo() + ["apt-get", "update", "-q"], env=_apt_env(), stdout=subprocess.DEVNULL,
           stdin=subprocess.DEVNULL)
        _updated = True


def apt_install(pkgs):
    cmd = _sudo() + ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o",
                     "Dpkg::Options::=--force-confold"] + pkgs
    log("installing " + " ".join(pkgs))
    for attempt in range(2):
        r = subprocess.run(cmd, env=_apt_env(), stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        if r.returncode == 0:
            return
        if attempt == 0:
            apt_update()
    die("apt-get install %s failed" % " ".join(pkgs))


def ensure_host_tools():
    missing = host_tools_needed()
    if missing:
        apt_install(missing)


def host_tools_needed():
    """Host packages needed: qemu, make, plus kmod and util-linux for the guest (it runs the host's /)."""
    missing = []
    if not shutil.which("qemu-system-x86_64"):
        missing.append("qemu-system-x86")
    if not shutil.which("make"):
        missing.append("make")
    # used inside the guest (it runs the host's userland): insmod/rmmod, setpriv
    if not any(os.path.exists(d + "/insmod") for d in ("/usr/sbin", "/sbin", "/usr/bin")):
        missing.append("kmod")
    if not shutil.which("setpriv") and not os.path.exists("/usr/bin/setpriv"):
        missing.append("util-linux")
    return missing


def apt_depends(pkg):
    r = subprocess.run(["apt-cache", "depends", pkg], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    if r.returncode != 0:
        return None
    deps = []
    for line in r.stdout.splitlines():
        m = re.match(r"\s*\|?(Pre)?Depends:\s*(\S+)", line)
        if m and not m.group(2).startswith("<"):
            deps.append(m.group(2))
    return deps


def resolve_kver():
    """The flavour version linux-image-amd64 points at, e.g. 6.1.0-56-amd64."""
    if os.environ.get("PSTD_KVER"):
        return os.environ["PSTD_KVER"]
    # apt-cache takes ~0.5 s: remember its answer until the package lists change.
    memo = os.path.join(KCACHE, "resolved")
    try:
        st = os.stat("/var/lib/apt/lists")
        key = "%d" % st.st_mtime_ns
    except OSError:
        key = None
    try:
        with open(memo) as f:
            mkey, mver = f.read().split()
        if key and mkey == key and os.path.exists(os.path.join(KCACHE, mver, "ready")):
            return mver
    except (OSError, ValueError):
        pass
    for attempt in range(2):
        deps = apt_depends("linux-image-amd64") or []
        for d in deps:
            m = re.match(r"linux-image-(\d.*-amd64)$", d)
            if m:
                if key:
                    try:
                        os.makedirs(KCACHE, exist_ok=True)
                        with open(memo + ".%d" % os.getpid(), "w") as f:
                            f.write("%s %s\n" % (key, m.group(1)))
                        os.rename(memo + ".%d" % os.getpid(), memo)
                    except OSError:
                        pass
                return m.group(1)
        if attempt == 0:
            apt_update()
            try:
                key = "%d" % os.stat("/var/lib/apt/lists").st_mtime_ns
            except OSError:
                key = None
    # Offline fallback: newest version already prepared.
    have = sorted(d for d in os.listdir(KCACHE) if os.path.exists(os.path.join(KCACHE, d, "ready"))) \
        if os.path.isdir(KCACHE) else []
    if have:
        log("cannot resolve linux-image-amd64; using cached " + have[-1])
        return have[-1]
    die("cannot resolve the version of linux-image-amd64 (apt-cache depends)")


# ------------------------------------------------------------------ kernel

def boots_as_elf(kver):
    """Whether qemu may boot the extracted ELF vmlinux (PVH entry) instead of the bzImage.

    Saves the bzImage's decompression (a few seconds under TCG) on Debian's 6.1 kernels.
    Debian's 6.12 vmlinux has the PVH note but oopses early under TCG (an int3 in
    sched_clock_cpu while code is still being patched); its bzImage boots, so every kernel
    but 6.1 boots from the bzImage."""
    return kver.startswith("6.1.")


def first_existing(*cands):
    for c in cands:
        if os.path.exists(c):
            return c
    return cands[0]


def paths(kver):
    kdir = os.path.join(KCACHE, kver)
    root = os.path.join(kdir, "root")
    return {
        "dir": kdir,
        "root": root,
        "headers": os.path.join(root, "usr/src/linux-headers-" + kver),
        "modules": first_existing(os.path.join(root, "lib/modules", kver),
                                  os.path.join(root, "usr/lib/modules", kver)),
        "bzimage": os.path.join(root, "boot/vmlinuz-" + kver),
        "vmlinux": os.path.join(kdir, "vmlinux"),
        "ready": os.path.join(kdir, "ready"),
    }


def packages_for(kver):
    pkgs = ["linux-image-" + kver, "linux-headers-" + kver]
    deps = apt_depends("linux-headers-" + kver)
    if deps is None:
        apt_update()
        deps = apt_depends("linux-headers-" + kver) or []
    compiler = None
    for d in deps:
        if re.match(r"linux-headers-.*-common", d) or d.startswith("linux-kbuild-"):
            pkgs.append(d)
        elif d.startswith("linux-compiler-"):
            compiler = d
    if len(pkgs) < 4:
        die("could not find the -common and kbuild packages of linux-headers-%s (got %s)" % (kver, deps))
    pkgs.append("busybox-static")
    return pkgs, compiler


def ensure_compiler(compiler):
    """Install the gcc the kernel was built with (linux-compiler-gcc-N-x86 -> gcc-N)."""
    if not compiler:
        return
    deps = apt_depends(compiler) or []
    need = [d for d in deps if d.startswith("gcc-")]
    if need and not all(shutil.which(g) for g in need):
        apt_install(need)


def download_and_extract(kver, p):
    pkgs, compiler = packages_for(kver)
    ensure_compiler(compiler)
    os.makedirs(DEBS, exist_ok=True)

    def have(pkg):
        return [f for f in os.listdir(DEBS) if f.startswith(pkg + "_") and f.endswith(".deb")]

    todo = [pkg for pkg in pkgs if not have(pkg)]
    if todo:
        log("downloading " + " ".join(todo))
        for attempt in range(2):
            sandbox = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
            r = subprocess.run(["apt-get", "download", "-q"] + sandbox + todo, cwd=DEBS, stdout=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, env=_apt_env())
            if r.returncode == 0:
                break
            if attempt == 0:
                apt_update()
        else:
            die("apt-get download failed")
    tmp = p["root"] + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for pkg in pkgs:
        debs = sorted(have(pkg))
        sh(["dpkg", "-x", os.path.join(DEBS, debs[-1]), tmp])
    shutil.rmtree(p["root"], ignore_errors=True)
    os.rename(tmp, p["root"])


def patch_headers_makefile(p):
    """Debian's arch headers Makefile includes /usr/src/...-common/Makefile: point it into the cache."""
    mk = os.path.join(p["headers"], "Makefile")
    with open(mk) as f:
        text = f.read()
    new = re.sub(r"(?m)^include (/usr/src/\S+)$", lambda m: "include " + p["root"] + m.group(1), text)
    if new != text:
        with open(mk, "w") as f:
            f.write(new)
    if not re.search(r"(?m)^include " + re.escape(p["root"]), new):
        die("unexpected headers Makefile %s" % mk)


def extract_vmlinux(bzimage, dest):
    """Unpack the ELF vmlinux from a bzImage (saves ~3 s of xz decompression per boot under TCG)."""
    with open(bzimage, "rb") as f:
        data = f.read()
    if data[0x202:0x206] != b"HdrS":
        die("%s is not a bzImage" % bzimage)
    setup_sects = data[0x1F1] or 4
    pm = (setup_sects + 1) * 512
    off = int.from_bytes(data[0x248:0x24C], "little")
    length = int.from_bytes(data[0x24C:0x250], "little")
    payload = data[pm + off:pm + off + length]
    if payload.startswith(b"\xfd7zXZ\x00"):
        elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    elif payload.startswith(b"\x1f\x8b"):
        import gzip
        elf = gzip.GzipFile(fileobj=__import__("io").BytesIO(payload)).read()
    elif payload.startswith(b"\x28\xb5\x2f\xfd"):
        need_zstd()
        # The kernel appends the uncompressed size (4 bytes) after the zstd frame; zstd rejects it as trailing junk.
        elf = subprocess.run(["zstd", "-dc"], input=payload[:-4], stdout=subprocess.PIPE, check=True).stdout
    else:
        die("unsupported bzImage payload compression in %s" % bzimage)
    if not elf.startswith(b"\x7fELF"):
        die("payload of %s is not ELF" % bzimage)
    if b"Xen\x00" not in elf:
        log("warning: vmlinux has no Xen/PVH note; qemu may not boot it")
    with open(dest + ".tmp", "wb") as f:
        f.write(elf)
    os.rename(dest + ".tmp", dest)


def read_module(ko):
    """A module's ELF bytes (Debian 13 ships xz-compressed modules; busybox insmod wants plain ones)."""
    with open(ko, "rb") as f:
        data = f.read()
    if ko.endswith(".xz"):
        data = lzma.decompress(data)
    elif ko.endswith(".gz"):
        import gzip
        data = gzip.decompress(data)
    elif ko.endswith(".zst"):
        need_zstd()
        data = subprocess.run(["zstd", "-dc"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def need_zstd():
    if not shutil.which("zstd"):
        apt_install(["zstd"])


def modinfo_depends(ko):
    data = read_module(ko)
    m = re.search(rb"\x00depends=([^\x00]*)\x00", data)
    return [d for d in m.group(1).decode().split(",") if d] if m else []


def module_load_order(moddir, wanted):
    """Modules to insmod (paths), dependencies first, from each .ko's modinfo depends= field."""
    index = {}
    for dirpath, _dirs, files in os.walk(os.path.join(moddir, "kernel")):
        for fn in files:
            m = re.match(r"(.*)\.ko(\.xz|\.zst|\.gz)?$", fn)
            if m:
                index[m.group(1).replace("-", "_")] = os.path.join(dirpath, fn)
    builtin = set()
    with open(os.path.join(moddir, "modules.builtin")) as f:
        for line in f:
            builtin.add(re.sub(r"\.ko.*$", "", os.path.basename(line.strip())).replace("-", "_"))
    order, seen = [], set()

    def visit(name):
        name = name.replace("-", "_")
        if name in seen or name in builtin:
            return
        seen.add(name)
        if name not in index:
            die("module %s not found in %s" % (name, moddir))
        for dep in modinfo_depends(index[name]):
            visit(dep)
        order.append(index[name])

    for w in wanted:
        visit(w)
    return order


def _cpio_entry(name, mode, data=b"", rdev=(0, 0), ino=[100]):
    """One entry of a newc cpio archive."""
    ino[0] += 1
    name_b = name.encode() + b"\x00"
    hdr = "070701" + "".join("%08X" % v for v in (
        ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
    buf = hdr.encode() + name_b
    buf += b"\x00" * (-len(buf) % 4)
    buf += data
    buf += b"\x00" * (-len(buf) % 4)
    return buf


def build_initramfs(p, dest, modules=True):
    """busybox and /init from the stock kernel's packages; its virtio/9p/overlay modules unless the kernel
    booted has them built in (modules=False)."""
    busybox = first_existing(os.path.join(p["root"], "bin/busybox"), os.path.join(p["root"], "usr/bin/busybox"))
    with open(busybox, "rb") as f:
        bb = f.read()
    with open(INIT_SCRIPT, "rb") as f:
        init = f.read()
    applets = out([busybox, "--list"]).split()
    mods = module_load_order(p["modules"], GUEST_MODULES) if modules else []
    parts = []
    for d in ["bin", "dev", "proc", "sys", "mnt", "job", "lib", "lib/modules"]:
        parts.append(_cpio_entry(d, 0o040755))
    parts.append(_cpio_entry("dev/console", 0o020600, rdev=(5, 1)))
    parts.append(_cpio_entry("bin/busybox", 0o100755, bb))
    for a in applets:
        if a != "busybox":
            parts.append(_cpio_entry("bin/" + a, 0o120777, b"busybox"))
    parts.append(_cpio_entry("init", 0o100755, init))
    names = []
    for i, path in enumerate(mods):
        name = "%02d-%s.ko" % (i, re.sub(r"\.ko.*$", "", os.path.basename(path)))
        names.append(name)
        parts.append(_cpio_entry("lib/modules/" + name, 0o100644, read_module(path)))
    parts.append(_cpio_entry("lib/modules/load-order", 0o100644, ("\n".join(names) + "\n").encode()))
    parts.append(_cpio_entry("TRAILER!!!", 0))
    with open(dest + ".tmp", "wb") as f:
        f.write(b"".join(parts))
    os.rename(dest + ".tmp", dest)


def stamp_value(kver):
    h = hashlib.sha256()
    h.update(LAYOUT_VERSION.encode() + kver.encode())
    with open(INIT_SCRIPT, "rb") as f:
        h.update(f.read())
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:16]


def prepare():
    """Idempotent; returns a dict of values (KVER, KDIR, ...)."""
    kver = resolve_kver()
    p = paths(kver)
    stamp = stamp_value(kver)
    initramfs = os.path.join(p["dir"], "initramfs-%s.cpio" % stamp)

    def tree_ready():
        try:
            with open(p["ready"]) as f:
                return f.read().strip() == LAYOUT_VERSION
        except OSError:
            return False

    def ready():
        return tree_ready() and os.path.exists(initramfs) and not host_tools_needed()

    if not ready():
        with Lock(os.path.join(KCACHE, ".lock")):
            ensure_host_tools()
            t0 = time.time()
            did = not ready()
            if not tree_ready():
                if not os.path.exists(os.path.join(p["headers"], "Makefile")) or \
                        not os.path.exists(p["bzimage"]):
                    download_and_extract(kver, p)
                else:
                    ensure_compiler(packages_for(kver)[1])
                patch_headers_makefile(p)
                if not os.path.exists(p["vmlinux"]):
                    log("extracting vmlinux")
                    extract_vmlinux(p["bzimage"], p["vmlinux"])
                with open(p["ready"], "w") as f:
                    f.write(LAYOUT_VERSION + "\n")
            if not os.path.exists(initramfs):
                build_initramfs(p, initramfs)
                # keep a few (other checkouts may use other versions of lib/)
                olds = sorted((os.path.getmtime(os.path.join(p["dir"], n)), n) for n in os.listdir(p["dir"])
                              if n.startswith("initramfs-") and n.endswith(".cpio"))
                for _mt, n in olds[:-8]:
                    os.unlink(os.path.join(p["dir"], n))
            if did:
                log("prepared kernel %s in %.1f s" % (kver, time.time() - t0))
    return {
        "KVER": kver,
        "KDIR": p["headers"],
        "PSTD_VM_VMLINUX": p["vmlinux"] if boots_as_elf(kver) else p["bzimage"],
        "PSTD_VM_INITRAMFS": initramfs,
        "PSTD_VM_KROOT": p["root"],
    }
