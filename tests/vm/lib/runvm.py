"""tests/vm/run: build the module, boot the test VM, run one command in it.  See tests/vm/README.md."""

import datetime
import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pstdvm
from pstdvm import CACHE, CHECKOUT, Lock, log

EXIT_VM = 125  # the guest crashed, panicked, hung, or the kernel logged BUG/WARNING/Oops
VENV = os.path.join(CACHE, "venv")
LOGDIR = os.path.join(CACHE, "vm-logs")
JOBDIR = os.path.join(CACHE, "jobs")
KEEP_LOGS = 200
KEEP_JOBS = 30

# Console lines that mean the kernel is unhappy (checked case-sensitively).  Lockdep, KASAN, DEBUG_LIST,
# DEBUG_OBJECTS and DEBUG_ATOMIC_SLEEP reports of the debug kernel start with one of these too
# ("WARNING: possible circular locking", "BUG: KASAN: ...", "BUG: sleeping function called from invalid
# context", "ODEBUG: ..." with a WARNING, "list_add corruption" with a kernel BUG); lockdep's INFO lines and
# a refcount_t saturation have their own words.
BAD_CONSOLE = re.compile(r"\bBUG\b|\bWARNING\b|\bOops\b|Call Trace|Kernel panic|general protection fault"
                         r"|\bUBSAN\b|\bKASAN\b|kernel BUG|\bODEBUG\b|list_(add|del) corruption"
                         r"|INFO: (possible|trying to register|lockdep|suspicious RCU)|refcount_t: "
                         r"|inconsistent lock state|circular locking|held when returning")

QEMU_BASE = ["qemu-system-x86_64", "-M", "pc", "-accel", "tcg", "-cpu", "max", "-m", "2G", "-smp", "2",
             "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"]
KERNEL_CMDLINE = "console=ttyS0 oops=panic panic_on_warn=1 panic=-1 mitigations=off"


# The debug kernel: KASAN doubles kernel stacks and shadows memory, lockdep needs its own; TCG runs it
# 3-5 times slower than the stock kernel, so the stall detectors get more slack (a real lockup still trips
# them within two minutes).
DEBUG_MEMORY = "4G"
# pci=noacpi: the debug kernel's ACPI interpreter cannot finish the PCI routing method (_PRT) of
# qemu's pc machine within ACPICA's 30-s loop timeout, twice; the BIOS's routing table ($PIR) gives
# the same interrupts and /init starts after 18 s instead of 81 s.
DEBUG_CMDLINE = ("pci=noacpi rcupdate.rcu_cpu_stall_timeout=120 watchdog_thresh=60 "
                 "sysctl.kernel.hung_task_timeout_secs=600 sysctl.kernel.threads-max=200000")


def default_command():
    return [os.path.join(VENV, "bin/python"), "-m", "pytest", "-q", "tests/vm"]


def pytest_dir():
    import glob
    found = glob.glob(os.path.join(VENV, "lib/python3*/site-packages/pytest"))
    return found[0] if found else os.path.join(VENV, "lib/python3/site-packages/pytest")


def ensure_venv(need_pytest):
    py = os.path.join(VENV, "bin/python")
    if os.path.exists(py) and not (need_pytest and not os.path.isdir(pytest_dir())):
        return
    boot = os.path.join(CHECKOUT, "scripts/bootstrap")
    if os.path.exists(boot):
        log("%s missing or without pytest; running scripts/bootstrap --test" % VENV)
        r = subprocess.run([boot, "--test"], cwd=CHECKOUT, stdin=subprocess.DEVNULL, stdout=sys.stderr)
        if r.returncode != 0:
            log("warning: scripts/bootstrap failed (status %d)" % r.returncode)


# ------------------------------------------------------------------ module

def module_settings():
    src = os.environ.get("PSTD_VM_MODULE_SRC") or os.path.join(CHECKOUT, "kernel")
    ko = os.environ.get("PSTD_VM_MODULE", "task_diag.ko")
    if ko in ("", "none"):
        ko = None
    elif not ko.endswith(".ko"):
        ko += ".ko"
    return os.path.abspath(src), ko


def has_module_source(src):
    try:
        names = os.listdir(src)
    except OSError:
        return False
    return "Makefile" in names or "Kbuild" in names


BUILD_OUTPUT = re.compile(r"\.(o|ko|mod|mod\.c|cmd|a|d|tmp)$|^(modules\.order|Module\.symvers|\.tmp_versions)$")


def sync_tree(src, dst):
    """Make dst a copy of src's sources (mtimes kept), leaving dst's build outputs so that
    make rebuilds only what changed."""
    for dirpath, dirs, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        ddir = os.path.normpath(os.path.join(dst, rel))
        os.makedirs(ddir, exist_ok=True)
        dirs[:] = [d for d in dirs if not BUILD_OUTPUT.search(d) and d not in ("__pycache__", ".git")]
        wanted = set()
        for fn in files:
            if BUILD_OUTPUT.search(fn):
                continue
            wanted.add(fn)
            sp, dp = os.path.join(dirpath, fn), os.path.join(ddir, fn)
            st = os.lstat(sp)
            try:
                dt = os.lstat(dp)
                if dt.st_size == st.st_size and int(dt.st_mtime) == int(st.st_mtime):
                    continue
            except OSError:
                pass
            if os.path.lexists(dp):
                os.unlink(dp)
            shutil.copy2(sp, dp, follow_symlinks=False)
        for fn in os.listdir(ddir):
            p = os.path.join(ddir, fn)
            if fn not in wanted and not BUILD_OUTPUT.search(fn) and not os.path.isdir(p):
                os.unlink(p)
        for d in os.listdir(ddir):
            p = os.path.join(ddir, d)
            if os.path.isdir(p) and not os.path.islink(p) and d not in dirs and not BUILD_OUTPUT.search(d):
                shutil.rmtree(p, ignore_errors=True)


def build_module(kdir, src, ko):
    """Copy src to ~/.cache/pstd/build/<id>/ and build it there; return the path of the .ko.
    The id covers the kernel tree too: objects built for one kernel are never linked into another's module."""
    ident = os.path.basename(src.rstrip("/")) + "-" + hashlib.sha256((src + "\0" + kdir).encode()).hexdigest()[:10]
    build = os.path.join(CACHE, "build", ident)
    with Lock(build + ".lock"):
        sync_tree(src, build)
        if os.path.exists(os.path.join(build, "Makefile")):
            cmd = ["make", "-C", build, "KDIR=" + kdir]
        else:
            cmd = ["make", "-C", kdir, "M=" + build, "modules"]
        t0 = time.time()
        r = subprocess.run(cmd + ["-j%d" % (os.cpu_count() or 1)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                           env=dict(os.environ, KDIR=kdir))
        if r.returncode != 0:
            sys.stderr.write(r.stdout)
            log("module build failed: %s" % " ".join(map(shlex.quote, cmd)))
            return None
        for line in r.stdout.splitlines():
            if "warning" in line or "error" in line:
                sys.stderr.write(line + "\n")
        found = None
        for dirpath, _dirs, files in os.walk(build):
            if ko in files:
                found = os.path.join(dirpath, ko)
                break
        if not found:
            sys.stderr.write(r.stdout)
            log("module build produced no %s in %s" % (ko, build))
            return None
        log("built %s in %.1f s" % (ko, time.time() - t0))
        return found


# --------------------------------------------------------------------- job

def forwarded_env():
    env = {}
    for k, v in os.environ.items():
        if (k.startswith("PSTD_") and k != "PSTD_IN_VM") or k in ("PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE"):
            env[k] = v
    return env


def write_job(job, argv, ko_file, debug=False):
    env = forwarded_env()
    env.update({
        "PATH": os.path.join(VENV, "bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "USER": "root",
        "LOGNAME": "root",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "PSTD_IN_VM": "1",
        "PSTD_VM_JOB": job,
        "PSTD_CHECKOUT": CHECKOUT,
        "PSTD_VM_KERNEL_KIND": "debug" if debug else "stock",
    })
    if ko_file:
        env["PSTD_VM_MODULE_LOADED"] = ko_file[:-3]
        env.setdefault("PSTD_TASK_DIAG_KO", os.path.join(job, ko_file))
    lines = ["# generated by tests/vm/run"]
    lines += ["export %s=%s" % (k, shlex.quote(v)) for k, v in sorted(env.items())]
    lines.append("cd %s || exit 126" % shlex.quote(CHECKOUT))
    lines.append("exec " + " ".join(shlex.quote(a) for a in argv))
    with open(os.path.join(job, "cmd.sh"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(job, "env"), "w") as f:
        under_tmp = any(p == "/tmp" or p.startswith("/tmp/") for p in (CHECKOUT, CACHE, job))
        f.write("JOB=%s\nKO=%s\nTMP_TMPFS=%d\n" % (shlex.quote(job), shlex.quote(ko_file or ""),
                                                   0 if under_tmp else 1))
    # Unprivileged users in the guest (setpriv --reuid=65534) must reach the venv, the checkout
    # and the job folder even when an ancestor (typically /root) is 0700 on the host: the guest
    # opens them with o+x in its overlay (the host is not touched).
    opened = set()
    for path in (VENV, CHECKOUT, job, CACHE):
        d = os.path.dirname(path) if path == job else path
        while d not in ("/", ""):
            try:
                if not os.stat(d).st_mode & 0o001:
                    opened.add(d)
            except OSError:
                pass
            d = os.path.dirname(d)
    with open(os.path.join(job, "open-dirs"), "w") as f:
        f.write("".join(d + "\n" for d in sorted(opened)))
    for name in ("stdout", "stderr"):
        open(os.path.join(job, name), "wb").close()


def prune_logs():
    """Keep the newest KEEP_LOGS console logs and KEEP_JOBS job folders (kept after failures)."""
    try:
        logs = sorted(os.listdir(LOGDIR))
        jobs = sorted(os.listdir(JOBDIR))
    except OSError:
        return
    for name in logs[:-KEEP_LOGS]:
        try:
            os.unlink(os.path.join(LOGDIR, name))
        except OSError:
            pass
    for name in jobs[:-KEEP_JOBS]:
        path = os.path.join(JOBDIR, name)
        try:
            if time.time() - os.stat(path).st_mtime < 6 * 3600:
                continue  # may belong to a run still going on
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


class Relay:
    """Copies what the guest appends to a job file onto a host stream."""

    def __init__(self, path, stream):
        self.path, self.stream, self.pos = path, stream, 0

    def pump(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return
        if data:
            self.pos += len(data)
            try:
                self.stream.write(data)
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                pass


def console_report(console, reason):
    try:
        with open(console, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    bad = [i for i, l in enumerate(lines) if BAD_CONSOLE.search(l) and "Kernel command line" not in l
           and "Command line:" not in l]
    if bad:
        start = max(0, bad[0] - 5)
        shown = lines[start:start + 80]
    else:
        shown = lines[-30:]
    sys.stderr.write("pstd-vm: ---- console (%s) ----\n" % reason)
    for l in shown:
        sys.stderr.write(l.replace("\r", "") + "\n")
    sys.stderr.write("pstd-vm: ---- full console log: %s\n" % console)
    sys.stderr.flush()


def console_has_problem(console):
    try:
        with open(console, errors="replace") as f:
            for l in f:
                if BAD_CONSOLE.search(l) and "Kernel command line" not in l and "Command line:" not in l:
                    return l.strip()
    except OSError:
        pass
    return None


def qopt(value):
    """Escape a value inside a qemu -opt list."""
    return value.replace(",", ",,")


def build_tools():
    """Build kernel/tools on the host before the boot: the guest shares the host's files, so
    its own make finds them up to date.  Compiling them in the guest takes minutes under TCG
    (ten on the debug kernel).  Each checkout has its own folder (PSTD_TOOLS_DIR, forwarded)."""
    src = os.path.join(CHECKOUT, "kernel", "tools")
    if not os.path.exists(os.path.join(src, "Makefile")):
        return
    out = os.environ.get("PSTD_TOOLS_DIR") or os.path.join(
        CACHE, "build", "tools-" + hashlib.sha256(CHECKOUT.encode()).hexdigest()[:10])
    os.environ["PSTD_TOOLS_DIR"] = out
    os.makedirs(out, exist_ok=True)
    with Lock(out + ".lock"):
        r = subprocess.run(["make", "-s", "-C", src, "O=" + out], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    if r.returncode != 0:
        # the guest runs make again and the tests report it
        sys.stderr.write(r.stdout)
        log("building kernel/tools on the host failed")


def crashed_before_userspace(console):
    """Whether the console shows the guest kernel dying before pstd's /init printed anything."""
    try:
        with open(console, errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    return "pstd-init:" not in text and bool(BAD_CONSOLE.search(text))


def _boot(qemu, values, cmdline, console, job, timeout, t_start):
    """Boot the guest once and wait for it: (its status or None, qemu's exit status, qemu's
    stderr, timed out, interrupted, seconds since t_start, when qemu started, when it ended)."""
    qemu = list(qemu)
    qemu += [
        "-kernel", os.environ.get("PSTD_VM_KERNEL") or values["PSTD_VM_VMLINUX"],
        "-initrd", values["PSTD_VM_INITRAMFS"],
        "-append", cmdline.strip(),
        "-chardev", "file,id=con,path=" + qopt(console), "-serial", "chardev:con",
        "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", "local,id=job,path=%s,security_model=none,multidevs=remap" % qopt(job),
        "-device", "virtio-9p-pci,fsdev=job,mount_tag=job",
    ]
    qerr_path = os.path.join(job, "qemu.stderr")
    t_qemu = time.time()
    with open(qerr_path, "wb") as qerr:
        proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=qerr, stderr=qerr, cwd="/",
                                start_new_session=True)
    relays = [Relay(os.path.join(job, "stdout"), sys.stdout.buffer),
              Relay(os.path.join(job, "stderr"), sys.stderr.buffer)]
    if os.environ.get("PSTD_VM_CONSOLE"):
        relays.append(Relay(console, sys.stderr.buffer))

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    deadline = time.time() + timeout
    timed_out = False
    interrupted = False
    try:
        while True:
            try:
                proc.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                pass
            for r in relays:
                r.pump()
            if time.time() > deadline:
                timed_out = True
                break
    except KeyboardInterrupt:
        interrupted = True
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for r in relays:
        r.pump()
    t_end = time.time()
    elapsed = t_end - t_start

    status = None
    try:
        with open(os.path.join(job, "status")) as f:
            status = int(f.read().strip())
    except (OSError, ValueError):
        pass
    with open(qerr_path, "rb") as f:
        qemu_err = f.read().decode(errors="replace")
    return status, proc.returncode, qemu_err, timed_out, interrupted, elapsed, t_qemu, t_end


def main(argv):
    if argv and argv[0] in ("-h", "--help"):
        print(open(os.path.join(os.path.dirname(pstdvm.HERE), "README.md")).read())
        return 0
    debug = bool(os.environ.get("PSTD_VM_DEBUG_KERNEL"))
    while argv and argv[0] in ("--debug-kernel", "--stock-kernel"):
        debug = argv[0] == "--debug-kernel"
        argv = argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if os.environ.get("PSTD_IN_VM"):
        log("already inside the test VM (PSTD_IN_VM is set)")
        return 2
    t_start = time.time()
    if debug:
        import debugkernel
        values = debugkernel.prepare()
    else:
        values = pstdvm.prepare()
    ensure_venv(need_pytest=not argv)
    argv = argv or default_command()

    src, ko = module_settings()
    ko_path = None
    if ko:
        if has_module_source(src):
            ko_path = build_module(values["KDIR"], src, ko)
            if not ko_path:
                return 1
        else:
            log("no Makefile or Kbuild in %s; booting without a module" % src)
            ko = None

    build_tools()

    os.makedirs(JOBDIR, exist_ok=True)
    os.makedirs(LOGDIR, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + "-%d" % os.getpid()
    job = os.path.join(JOBDIR, stamp)
    os.makedirs(job)
    os.chmod(job, 0o777)
    if ko_path:
        shutil.copy2(ko_path, os.path.join(job, ko))
    write_job(job, argv, ko if ko_path else None, debug)
    console = os.path.join(LOGDIR, stamp + ".log")
    prune_logs()

    timeout = float(os.environ.get("PSTD_VM_TIMEOUT") or 1800)
    cmdline = KERNEL_CMDLINE + " " + (DEBUG_CMDLINE + " " if debug else "") + os.environ.get("PSTD_VM_APPEND", "")
    qemu = list(QEMU_BASE)
    if debug:
        qemu[qemu.index("-m") + 1] = os.environ.get("PSTD_VM_MEMORY") or DEBUG_MEMORY
    elif os.environ.get("PSTD_VM_MEMORY"):
        qemu[qemu.index("-m") + 1] = os.environ["PSTD_VM_MEMORY"]
    for boot in (1, 2):
        status, qemu_rc, qemu_err, timed_out, interrupted, elapsed, t_qemu, t_end = _boot(
            qemu, values, cmdline, console, job, timeout, t_start)
        if status is not None or timed_out or interrupted or boot == 2 or not crashed_before_userspace(console):
            break
        # the kernel died before /init ran: no module was loaded, no test ran (seen: an int3 oops
        # while the kernel patched its own code at boot, under TCG); one more boot, both logs kept
        console_report(console, "guest kernel crashed while booting")
        log("the guest kernel crashed before userspace started (console log %s); booting once more" % console)
        console = console[:-len(".log")] + "-boot2.log"
        os.replace(os.path.join(job, "qemu.stderr"), os.path.join(job, "qemu.stderr.boot1"))
    keep = bool(os.environ.get("PSTD_VM_KEEP"))

    if interrupted:
        log("interrupted")
        rc = 130
    elif timed_out:
        console_report(console, "timed out")
        log("guest did not finish within %g s (PSTD_VM_TIMEOUT)" % timeout)
        rc = EXIT_VM
    elif status is None:
        if qemu_err.strip():
            sys.stderr.write(qemu_err)
        console_report(console, "guest crashed")
        log("guest crashed, panicked or powered off without an exit status (qemu status %s)"
            % qemu_rc)
        rc = EXIT_VM
    else:
        problem = console_has_problem(console)
        if problem:
            console_report(console, "kernel problem")
            log("kernel logged a problem: %s" % problem)
            rc = EXIT_VM
        else:
            rc = status
    if os.environ.get("PSTD_VM_VERBOSE") or rc != 0:
        log("status %d after %.1f s (VM %.1f s, %s kernel); console log %s"
            % (rc, elapsed, t_end - t_qemu, "debug" if debug else "stock", console))
    if keep or rc == EXIT_VM:
        log("job folder kept: %s" % job)
    else:
        shutil.rmtree(job, ignore_errors=True)
    return rc
