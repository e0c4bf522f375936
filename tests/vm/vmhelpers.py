"""Helpers of the in-VM task_diag tests: build and run the C tools, read procfs, reload the module."""

from __future__ import annotations

import errno
import glob
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

CHECKOUT = os.environ.get("PSTD_CHECKOUT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")
)
TOOLS_SRC = os.path.join(CHECKOUT, "kernel", "tools")
TOOLS_DIR = os.environ.get("PSTD_TOOLS_DIR") or os.path.join(
    os.path.expanduser("~"), ".cache", "pstd", "build", "tools"
)
MODULE = os.environ.get("PSTD_VM_MODULE_LOADED") or "task_diag"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
NOBODY_UID = 65534


# ------------------------------------------------------------------ tools


def build_tools() -> dict[str, str]:
    """Build kernel/tools into TOOLS_DIR (make does nothing when up to date)."""
    os.makedirs(TOOLS_DIR, exist_ok=True)
    r = subprocess.run(
        ["make", "-s", "-C", TOOLS_SRC, "O=" + TOOLS_DIR],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    if r.returncode != 0:
        raise RuntimeError("building kernel/tools failed:\n" + r.stdout)
    tools = {n: os.path.join(TOOLS_DIR, n) for n in ("task_diag_dump", "fork", "proc_stat_loop")}
    # nobody must be able to run them (the cache lives under /root)
    d = TOOLS_DIR
    while d not in ("/", ""):
        try:
            st = os.stat(d)
            if not st.st_mode & 0o001:
                os.chmod(d, st.st_mode | 0o011)
        except OSError:
            pass
        d = os.path.dirname(d)
    return tools


def dump_binary() -> str:
    return os.path.join(TOOLS_DIR, "task_diag_dump")


def world_dir(prefix: str = "td") -> str:
    """A fresh directory under /tmp every user may write to."""
    d = tempfile.mkdtemp(prefix=prefix + "-", dir="/tmp")
    os.chmod(d, 0o777)
    return d


# ------------------------------------------------------------------ dumps


_OCTAL = re.compile(r"\\([0-7]{3})")


def unescape_comm(s: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), s)


def parse_line(line: str) -> dict:
    head, sep, comm = line.partition(" comm=")
    rec: dict = {}
    for item in head.split():
        k, _, v = item.partition("=")
        if "," in v:
            rec[k] = v
        else:
            try:
                rec[k] = int(v, 16) if k.startswith("cap") else int(v)
            except ValueError:
                rec[k] = v
    if sep:
        rec["comm"] = unescape_comm(comm)
    return rec


@dataclass
class Dump:
    rc: int
    tasks: list = field(default_factory=list)
    stderr: str = ""
    stdout: str = ""
    runner_pid: int = 0

    @property
    def pids(self) -> list[int]:
        return [t["pid"] for t in self.tasks]

    def by_pid(self) -> dict[int, dict]:
        return {t["pid"]: t for t in self.tasks}


def dump(*args: str, user: list[str] | None = None, pass_fds=(), check: bool = True,
         timeout: float = 600, prefix: list[str] | None = None) -> Dump:
    """Run task_diag_dump ARGS (optionally under a setpriv/unshare prefix) and parse its output."""
    cmd = list(prefix or []) + list(user or []) + [dump_binary(), *args]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         errors="surrogateescape", pass_fds=pass_fds)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise
    d = Dump(rc=p.returncode, stderr=err, stdout=out, runner_pid=p.pid)
    if check and p.returncode != 0:
        raise AssertionError("%s exited with %d: %s" % (cmd, p.returncode, err.strip()))
    if "-q" not in args and "--quiet" not in args:
        d.tasks = [parse_line(ln) for ln in out.splitlines() if ln.startswith("pid=")]
    return d


def dump_error(*args: str, **kw) -> int:
    """Run a dump expected to fail; return its exit status (the errno)."""
    d = dump(*args, check=False, **kw)
    assert d.rc != 0, "dump %s unexpectedly succeeded" % (args,)
    return d.rc


# ----------------------------------------------------------------- procfs


@dataclass
class ProcStat:
    pid: int
    comm: str
    state: str
    ppid: int
    pgid: int
    sid: int


def proc_stat(pid: int, tid: int | None = None) -> ProcStat | None:
    path = "/proc/%d/task/%d/stat" % (pid, tid) if tid is not None else "/proc/%d/stat" % pid
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    lp, rp = data.index(b"("), data.rindex(b")")
    rest = data[rp + 2:].split()
    return ProcStat(
        pid=int(data[:lp]),
        comm=data[lp + 1:rp].decode("utf-8", "surrogateescape"),
        state=rest[0].decode(),
        ppid=int(rest[1]),
        pgid=int(rest[2]),
        sid=int(rest[3]),
    )


def proc_pids() -> set[int]:
    return {int(n) for n in os.listdir("/proc") if n.isdigit()}


def proc_tids(pid: int) -> set[int]:
    try:
        return {int(n) for n in os.listdir("/proc/%d/task" % pid)}
    except FileNotFoundError:
        return set()


def proc_children(pid: int) -> set[int]:
    """Processes whose parent is pid (the leaders only), from /proc."""
    out = set()
    for p in proc_pids():
        st = proc_stat(p)
        if st is not None and st.ppid == pid:
            out.add(p)
    return out


def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


# ------------------------------------------------------------------ tasks


class Fixture:
    """A fixture process (e.g. the fork tool) that prints one line once it is ready."""

    def __init__(self, proc: subprocess.Popen, first_line: str):
        self.proc = proc
        self.first_line = first_line

    @property
    def pid(self) -> int:
        return self.proc.pid

    @classmethod
    def start(cls, argv: list[str], timeout: float = 120, **kw) -> "Fixture":
        kw.setdefault("stdin", subprocess.DEVNULL)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, **kw)
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            proc.kill()
            proc.wait()
            raise RuntimeError("%s did not become ready in %g s" % (argv, timeout))
        line = proc.stdout.readline()
        if not line:
            rc = proc.wait()
            raise RuntimeError("%s exited with %s before becoming ready" % (argv, rc))
        return cls(proc, line.strip())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def wait_settled(pids, timeout: float = 30.0) -> None:
    """Wait until every thread of every pid is sleeping (S), so procfs and the dump agree."""
    deadline = time.monotonic() + timeout
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for p in list(pending):
            states = [proc_stat(p, t) for t in proc_tids(p)]
            if all(s is not None and s.state == "S" for s in states):
                pending.discard(p)
        if pending:
            time.sleep(0.05)


def unused_pid() -> int:
    """A pid that no task has right now: that of a child that has just been reaped."""
    p = subprocess.Popen(["true"])
    p.wait()
    assert not os.path.exists("/proc/%d" % p.pid)
    return p.pid


# ------------------------------------------------------------- namespaces

# The test guest runs its command chroot()ed into the overlay root, and the kernel
# refuses to create user namespaces from inside a chroot (EPERM).  This helper, run
# as root under `unshare --mount`, leaves the chroot for the initramfs root, moves
# the overlay onto "/" (as switch_root does) and chroots into it, which makes the
# overlay the root of that mount namespace; then it execs the command.
UNCHROOT = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
overlay = os.environ.get("PSTD_VM_OVERLAY_ROOT", "/mnt/root")
fd = os.open("/", os.O_RDONLY)
os.makedirs("/tmp/.unchroot", exist_ok=True)
os.chroot("/tmp/.unchroot")
os.fchdir(fd)
for _ in range(64):
    os.chdir("..")
os.chroot(".")
os.chdir(overlay)
if libc.mount(b".", b"/", None, 8192, None):  # MS_MOVE
    raise OSError(ctypes.get_errno(), "mount --move %s /" % overlay)
os.chroot(".")
os.chdir("/")
os.execvp(sys.argv[1], sys.argv[1:])
"""


def unchrooted(argv: list[str]) -> list[str]:
    """argv run (as root) in a mount namespace whose root is the guest's root."""
    overlay = os.environ.get("PSTD_VM_OVERLAY_ROOT", "/mnt/root")
    try:
        st_root, st_overlay = os.stat("/"), os.stat("/proc/1/root" + overlay)
        chrooted = (st_root.st_dev, st_root.st_ino) == (st_overlay.st_dev, st_overlay.st_ino)
    except OSError:
        chrooted = False
    if not chrooted:
        return argv
    return ["unshare", "--mount", "--propagation", "private", sys.executable, "-S", "-c", UNCHROOT,
            *argv]


# ----------------------------------------------------------------- module


def module_path() -> str:
    explicit = os.environ.get("PSTD_TASK_DIAG_KO")
    if explicit:
        return explicit
    job = os.environ.get("PSTD_VM_JOB")
    if job and os.path.exists(os.path.join(job, MODULE + ".ko")):
        return os.path.join(job, MODULE + ".ko")
    found = glob.glob(os.path.join(os.path.expanduser("~"), ".cache", "pstd", "build", "*", "**",
                                   MODULE + ".ko"), recursive=True)
    if not found:
        raise RuntimeError("cannot find %s.ko (set PSTD_TASK_DIAG_KO)" % MODULE)
    return max(found, key=os.path.getmtime)


def module_loaded() -> bool:
    return os.path.isdir("/sys/module/" + MODULE)


def rmmod(retries: int = 200) -> None:
    for _ in range(retries):
        r = subprocess.run(["rmmod", MODULE], capture_output=True, text=True)
        if r.returncode == 0 or not module_loaded():
            return
        time.sleep(0.05)
    raise RuntimeError("rmmod %s keeps failing: %s" % (MODULE, r.stderr.strip()))


def insmod(*params: str) -> None:
    r = subprocess.run(["insmod", module_path(), *params], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("insmod %s %s failed: %s" % (module_path(), " ".join(params), r.stderr))


def reload_module(*params: str) -> None:
    if module_loaded():
        rmmod()
    insmod(*params)


def module_params() -> dict[str, str]:
    out = {}
    for p in glob.glob("/sys/module/%s/parameters/*" % MODULE):
        try:
            with open(p) as f:
                out[os.path.basename(p)] = f.read().strip()
        except OSError:
            pass
    return out


def ensure_module_loaded() -> None:
    """Load the module with default parameters (reloading it if a test left other ones)."""
    if not module_loaded():
        insmod()


def kernel_log_problems(since: int = 0) -> list[str]:
    """BUG/WARNING/Oops lines in the kernel log after byte offset `since` of `dmesg` output."""
    out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout[since:]
    return [ln for ln in out.splitlines() if re.search(r"\b(BUG|WARNING|Oops)\b", ln)]


def errno_name(code: int) -> str:
    return errno.errorcode.get(code, str(code))


def module_info(user: list[str] | None = None) -> dict:
    """TASK_DIAG_CMD_GET_INFO as seen by user (default: this process), as a dict."""
    if not user:
        import nlclient
        s = nlclient.open_socket()
        try:
            return nlclient.get_info(s, nlclient.family_id(s))
        finally:
            s.close()
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import nlclient as nl; "
              "s = nl.open_socket(); print(repr(nl.get_info(s, nl.family_id(s))))")
    r = subprocess.run(list(user) + ["/usr/bin/python3", "-S", "-c", script,
                                     os.path.dirname(os.path.abspath(__file__))],
                       capture_output=True, text=True, check=True)
    import ast
    return ast.literal_eval(r.stdout.strip())


def lsm_gated() -> bool:
    """Ptrace-gated groups are served for the requester's own process only (LSM hooks)."""
    from pstd import taskdiag_abi as abi
    return bool(module_info().get("policy", 0) & abi.POLICY_LSM)
