"""Differential harness: run /bin/ps and pstd on one frozen process set and compare.

How it works (details and the reasons in tests/diff/README.md):

* ``Namespace`` starts ``unshare --pid --fork --mount-proc`` running ``fixture_init.py`` as
  pid 1 of a fresh pid namespace; it builds the fixture tree and reports its pids.
* Each tool run is forked from *outside* the namespace: a short-lived helper process joins the
  namespace's pid namespace (``setns``) and creates the tool with ``clone3`` and ``set_tid``,
  so the tool always gets the same pid (``SELF_PID``) inside the namespace; the tool then joins
  the namespace's mount namespace (its /proc) and execs.  Its parent is outside the namespace,
  so inside it the tool has ppid 0, pgid 0, sid 0 (or its own session in tty mode), and no
  process of the namespace ever does any work or reaps anything between the two runs.
* The tool's own row is the one unavoidable difference; it is removed from both outputs
  (``strip_self``) before comparing stdout, stderr and exit status byte for byte.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import specs

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.txt"
KNOWN_FILE = HERE / "known_divergences.txt"

SELF_PID = 31337               # pid of the tool under test inside the namespace
BIG_FAN = 5000                 # extra tasks of the @big fixture (pstd reads differently above 4,000)
ORACLE = os.environ.get("PSTD_DIFF_ORACLE", "/bin/ps")
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root"}
RUN_TIMEOUT = 60.0
TIME_ATTEMPTS = 3              # attempts per case marked @time, when only clock-derived cells differ
RETRY_BUDGET = 20              # retries per session, all cases together


SRC = HERE.parent.parent / "src"
_launcher_dir: tempfile.TemporaryDirectory | None = None


def default_tool() -> str:
    """PSTD_DIFF_TOOL, else a ``pstd`` launcher running this checkout's src/ (with
    PSTD_BACKEND set to PSTD_DIFF_BACKEND when that is given).

    The venv's console script imports whichever checkout the venv was installed from, and
    the tools run with a fixed environment (no PYTHONPATH), so it may test other code."""
    global _launcher_dir
    env = os.environ.get("PSTD_DIFF_TOOL")
    if env:
        return env
    if _launcher_dir is None:
        _launcher_dir = tempfile.TemporaryDirectory(prefix="pstd-diff-tool-")
        os.chmod(_launcher_dir.name, 0o755)
        path = Path(_launcher_dir.name) / "pstd"
        backend = os.environ.get("PSTD_DIFF_BACKEND")  # the tools' environment is fixed: set it here
        path.write_text(f"#!{sys.executable}\n"
                        "import os, sys\n"
                        + (f"os.environ['PSTD_BACKEND'] = {backend!r}\n" if backend else "") +
                        f"sys.path.insert(0, {str(SRC)!r})\n"
                        "from pstd.__main__ import program\n"
                        "program()\n")
        path.chmod(0o755)
    return str(Path(_launcher_dir.name) / "pstd")


# Counters reported by the terminal summary hook (tests/conftest.py).
STATS = {"retried": [], "retries": 0, "retried_then_passed": 0, "cases_run": 0, "bracketed": 0, "refused": 0}


def stats_line() -> str:
    """The session's counts of tolerated clock differences (pytest summary, report.py)."""
    s = STATS
    line = (f"time-derived retries: {s['retries']} (cap {TIME_ATTEMPTS - 1} per case, {RETRY_BUDGET} per run) "
            f"in {len(s['retried'])} cases, {s['retried_then_passed']} passed on a retry, "
            f"{s['refused']} refused; {s['bracketed']} passed with clock-derived cells between two ps runs")
    if s["retried"]:
        line += "; retried: " + " | ".join(s["retried"])
    return line

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
CLONE_NEWPID = 0x20000000
CLONE_NEWNS = 0x00020000
SYS_clone3 = 435
PR_SET_PDEATHSIG = 1


@dataclass
class Result:
    status: int
    stdout: bytes
    stderr: bytes


def _exit_code(status: int) -> int:
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return 255


def _chroot_in_mntns() -> str | None:
    """Where this process's root lies in its mount namespace, when it runs chrooted (the test VM
    chroots into an overlay at /mnt/root); setns(CLONE_NEWNS) resets the root to the namespace's."""
    overlay = os.environ.get("PSTD_VM_OVERLAY_ROOT", "/mnt/root")
    if not os.environ.get("PSTD_IN_VM"):
        return None
    try:
        a, b = os.stat("/"), os.stat("/proc/1/root" + overlay)
    except OSError:
        return None
    return overlay if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino) else None


class Namespace:
    """The fixture process tree in its own pid + mount namespace."""

    def __init__(self, fan: int = 0) -> None:
        """``fan``: that many more sleeping tasks (a large process table)."""
        if os.geteuid() != 0:
            raise RuntimeError("the differential harness needs root (unshare --pid)")
        self.tmp = tempfile.TemporaryDirectory(prefix="pstd-diff-")
        os.chmod(self.tmp.name, 0o755)              # tasks of other users exec from here
        sleep = os.path.join(self.tmp.name, "sleep")
        try:
            subprocess.run(["gcc", "-static", "-O2", "-o", sleep, str(HERE / "fxsleep.c")], check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            self.tmp.cleanup()
            raise RuntimeError(f"cannot build the fixture's static sleep (gcc, libc6-dev): {e}") from e
        self.proc = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount-proc",
             os.path.realpath(sys.executable), "-S", str(HERE / "fixture_init.py"), self.tmp.name, sleep, str(fan)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
            cwd=self.tmp.name, env=dict(BASE_ENV, LANG="C"))
        try:
            ready, _, _ = select.select([self.proc.stdout], [], [], 90 + fan / 50)
            line = self.proc.stdout.readline() if ready else b""
            if not line:
                raise RuntimeError("fixture namespace did not start")
            self.info = json.loads(line)
            if "error" in self.info:
                raise RuntimeError("fixture failed:\n" + self.info["error"])
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                self.init_pid = int(f.read().split()[0])      # pid 1 of the namespace, host view
            self.procroot = f"/proc/{self.init_pid}/root/proc"
            self.pidns_fd = os.open(f"/proc/{self.init_pid}/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
            self.mntns_fd = os.open(f"/proc/{self.init_pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
        except BaseException:
            self.close()
            raise
        self.pids: dict[str, int] = self.info["pids"]
        self.tasks: list[int] = self.info["tasks"]
        self.cwd = self.tmp.name
        self.chroot = _chroot_in_mntns()
        self.baseline = self._settle()

    # -- placeholders -------------------------------------------------------------------
    def placeholders(self) -> dict[str, str]:
        ph = {k: str(v) for k, v in self.pids.items()}
        ph["self"] = str(SELF_PID)
        ph["tty"] = self.info["tty"]
        ph["ttynum"] = self.info["tty"].split("/")[-1]
        ph["all"] = ",".join(str(p) for p in self.tasks)
        ph["allsp"] = " ".join(str(p) for p in self.tasks)
        ph["static"] = ",".join(str(p) for p in self.info["static"])
        for i, t in enumerate(self.info["threads"], 1):
            ph[f"thread{i}"] = str(t)
        ph["bindir"] = self.info["bindir"]
        return ph

    # -- freeze check -------------------------------------------------------------------
    def snapshot(self) -> dict[tuple[int, int], bytes]:
        """/proc/PID/task/TID/stat of every task in the namespace except the tool."""
        snap = {}
        for name in os.listdir(self.procroot):
            if not name.isdigit() or int(name) == SELF_PID:
                continue
            pid = int(name)
            try:
                for tid in os.listdir(f"{self.procroot}/{pid}/task"):
                    with open(f"{self.procroot}/{pid}/task/{tid}/stat", "rb") as f:
                        snap[(pid, int(tid))] = f.read()
            except (FileNotFoundError, ProcessLookupError):
                snap[(pid, -1)] = b"vanished"
        return snap

    def _settle(self, timeout: float = 30.0) -> dict[tuple[int, int], bytes]:
        """Wait until pid 1 (which just printed the fixture description) sleeps too."""
        end = time.monotonic() + timeout
        prev = None
        while True:
            cur = self.snapshot()
            init_state = cur.get((1, 1), b"").rsplit(b")", 1)[-1].split()[:1]
            if cur == prev and init_state == [b"S"]:
                return cur
            if time.monotonic() > end:
                raise RuntimeError("the fixture namespace never settled")
            prev = cur
            time.sleep(0.05)

    def check_frozen(self) -> None:
        now = self.snapshot()
        if now != self.baseline:
            changed = sorted(set(now) ^ set(self.baseline)) + sorted(
                k for k in set(now) & set(self.baseline) if now[k] != self.baseline[k])
            detail = "\n".join(f"  {k}: {self.baseline.get(k)!r} -> {now.get(k)!r}" for k in changed[:5])
            raise AssertionError(f"fixture is not frozen; changed tasks:\n{detail}")

    # -- running a tool -----------------------------------------------------------------
    def run(self, argv: list[str], exe: str, env: dict[str, str], tty: tuple[int, int] | None = None,
            cwd: str | None = None, ctty: tuple[int, int] | None = None, sigchld_ign: bool = False,
            stdout: str | None = None) -> Result:
        """Run ``exe`` with ``argv`` inside the namespace as pid SELF_PID.

        ``tty``: stdin and stdout are a pty of that size, also the controlling tty.
        ``ctty``: stdin/stdout/stderr are /dev/null and pipes, but the tool has a controlling
        pty of that size (``ps aux | less`` typed in a terminal).
        ``sigchld_ign``: the tool starts with SIGCHLD ignored (as some daemons leave it).
        ``stdout``: a path opened for writing as the tool's stdout instead of the pipe
        (``/dev/full``; a file elsewhere is created or emptied); the Result's stdout is then empty.
        """
        cwd = cwd or self.cwd
        ctty_master = ctty_slave = -1
        if ctty:
            ctty_master, ctty_slave = os.openpty()
            fcntl.ioctl(ctty_slave, termios.TIOCSWINSZ, struct.pack("HHHH", ctty[1], ctty[0], 0, 0))
        err_r, err_w = os.pipe()
        if tty:
            cols, rows = tty
            out_r, out_w = os.openpty()
            fcntl.ioctl(out_w, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            attrs = termios.tcgetattr(out_w)
            attrs[1] &= ~termios.OPOST                # keep "\n" as is (no "\r\n")
            termios.tcsetattr(out_w, termios.TCSANOW, attrs)
            in_fd = out_w
        else:
            out_r, out_w = os.pipe()
            in_fd = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
        if stdout is not None and not tty:
            os.close(out_w)   # the pipe's read side then sees EOF at once
            flags = os.O_WRONLY | os.O_CLOEXEC
            if not stdout.startswith("/dev/"):
                flags |= os.O_CREAT | os.O_TRUNC
            out_w = os.open(stdout, flags, 0o644)   # opened here: a path of this mount namespace
        helper = os.fork()
        if helper == 0:                               # outside the namespace
            code = 125
            try:
                code = self._helper(argv, exe, env, cwd, in_fd, out_w, err_w, bool(tty), ctty_slave, sigchld_ign)
            finally:
                os._exit(code)
        os.close(err_w)
        os.close(out_w)
        if in_fd != out_w:
            os.close(in_fd)
        if ctty:
            os.close(ctty_slave)
        bufs = {out_r: bytearray(), err_r: bytearray()}
        open_fds = [out_r, err_r]
        deadline = time.monotonic() + RUN_TIMEOUT
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(helper, signal.SIGKILL)       # the tool dies with it (PDEATHSIG)
                break
            ready, _, _ = select.select(open_fds, [], [], left)
            for fd in ready:
                try:
                    chunk = os.read(fd, 1 << 16)
                except OSError:                       # EIO: pty slave side closed
                    chunk = b""
                if chunk:
                    bufs[fd] += chunk
                else:
                    open_fds.remove(fd)
        _, status = os.waitpid(helper, 0)
        os.close(out_r)
        os.close(err_r)
        if ctty:
            os.close(ctty_master)
        return Result(_exit_code(status), bytes(bufs[out_r]), bytes(bufs[err_r]))

    def _helper(self, argv, exe, env, cwd, in_fd, out_fd, err_fd, tty, ctty_fd=-1, sigchld_ign=False) -> int:
        if _libc.setns(self.pidns_fd, CLONE_NEWPID) != 0:
            os.write(2, b"setns(pid) failed\n")
            return 125
        tid = (ctypes.c_int * 1)(SELF_PID)
        args = ctypes.create_string_buffer(struct.pack(
            "QQQQQQQQQQQ", 0, 0, 0, 0, signal.SIGCHLD, 0, 0, 0, ctypes.addressof(tid), 1, 0), 88)
        pid = _libc.syscall(SYS_clone3, args, ctypes.c_size_t(88))
        if pid == 0:                                  # the tool, pid SELF_PID in the namespace
            try:
                _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
                if _libc.setns(self.mntns_fd, CLONE_NEWNS) != 0:
                    raise OSError(ctypes.get_errno(), "setns(mnt)")
                if self.chroot:                      # setns put the root at the namespace's root
                    os.chroot(self.chroot)
                os.chdir(cwd)
                if tty:
                    os.setsid()
                    fcntl.ioctl(out_fd, termios.TIOCSCTTY, 0)
                elif ctty_fd >= 0:
                    os.setsid()
                    fcntl.ioctl(ctty_fd, termios.TIOCSCTTY, 0)   # close-on-exec: only the ctty stays
                os.dup2(in_fd, 0)
                os.dup2(out_fd, 1)
                os.dup2(err_fd, 2)
                if sigchld_ign:
                    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # survives execve
                os.execve(exe, argv, env)
            except BaseException as e:               # noqa: BLE001 - report and die
                os.write(err_fd, f"harness: cannot start {exe}: {e}\n".encode())
            os._exit(127)
        if pid < 0:
            os.write(2, f"clone3(set_tid={SELF_PID}) failed: errno {ctypes.get_errno()}\n".encode())
            return 125
        os.close(out_fd)
        os.close(err_fd)
        _, status = os.waitpid(pid, 0)
        return _exit_code(status)

    def close(self) -> None:
        for fd in ("pidns_fd", "mntns_fd"):
            if hasattr(self, fd):
                os.close(getattr(self, fd))
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except Exception:                         # noqa: BLE001
                self.proc.kill()
                self.proc.wait()
        self.tmp.cleanup()


# -- cases ----------------------------------------------------------------------------------

@dataclass
class Case:
    line: str                                         # the line of cases.txt, verbatim
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    tty: tuple[int, int] | None = None
    ctty: tuple[int, int] | None = None               # @ctty=COLSxROWS: pipes, but a controlling pty
    self_last: bool = False                           # @self=last: the tool's row has no pid token
    time_derived: bool = False                        # @time: a clock tick may change output
    big: bool = False                                 # @big: the fixture with a large process table
    sigchld_ign: bool = False                         # @sigchld=ign: the tool starts with SIGCHLD ignored

    @property
    def id(self) -> str:
        return self.line


_TTY_RE = re.compile(r"@(c?tty)=(\d+)x(\d+)$")


def parse_case(line: str) -> Case:
    if " :: " in f" {line} ":
        head, _, rest = f" {line} ".partition(" :: ")
    else:
        head, rest = "", line
    case = Case(line=line, args=shlex.split(rest))
    for word in shlex.split(head):
        m = _TTY_RE.match(word)
        if m:
            setattr(case, m.group(1), (int(m.group(2)), int(m.group(3))))
        elif word == "@self=last":
            case.self_last = True
        elif word == "@time":
            case.time_derived = True
        elif word == "@big":
            case.big = True
        elif word == "@sigchld=ign":
            case.sigchld_ign = True
        elif "=" in word and not word.startswith("@"):
            k, _, v = word.partition("=")
            case.env[k] = v
        else:
            raise ValueError(f"bad case prefix {word!r} in {line!r}")
    return case


def load_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    out = []
    for raw in path.read_text().splitlines():
        s = raw.strip()
        if s and not s.startswith("#"):
            out.append(s)
    return out


def load_cases() -> list[Case]:
    lines = load_lines(CASES_FILE)
    dups = {l for l in lines if lines.count(l) > 1}
    if dups:
        raise ValueError(f"duplicate cases: {sorted(dups)[:5]}")
    return [parse_case(l) for l in lines]


_PH_RE = re.compile(r"\{(\w+)\}")


def substitute(text: str, ph: dict[str, str]) -> str:
    def rep(m):
        if m.group(1) not in ph:
            raise KeyError(f"unknown placeholder {{{m.group(1)}}}")
        return ph[m.group(1)]
    return _PH_RE.sub(rep, text)


# -- comparing ------------------------------------------------------------------------------

def strip_self(out: bytes, self_last: bool) -> tuple[bytes, int]:
    """Remove the tool's own row; return (output, number of rows removed).

    A row is the tool's when one of its blank-separated fields is exactly SELF_PID (pid,
    tgid, lwp/spid/tid columns; the fixture's values are far smaller than SELF_PID).
    Thread rows printed right after it by ``m``/``-m`` (a "-" in the field where the tool's
    row had its pid) go with it.
    With @self=last (formats without any pid-like column), the last line is the tool's row.
    """
    tok = str(SELF_PID).encode()
    lines = out.split(b"\n")
    kept, removed, col = [], 0, None
    for ln in lines:
        fields = ln.split()
        if tok in fields:
            removed += 1
            col = fields.index(tok)
            continue
        if col is not None and len(fields) > col and fields[col] == b"-":
            continue                                  # m/-m thread row of the tool
        col = None
        kept.append(ln)
    if self_last and removed == 0 and len(kept) >= 2 and kept[-1] == b"":
        del kept[-2]
        removed = 1
    return b"\n".join(kept), removed


def _clip(line: bytes | None, start: int, width: int = 240) -> str:
    """``line`` (a ``repr``), cut to ``width`` bytes from ``start`` when it is longer."""
    if line is None or len(line) <= width:
        return repr(line)
    part = line[start:start + width]
    return f"{'[byte %d] ' % start if start else ''}{part!r}{' ...' if start + width < len(line) else ''}"


def first_diff(a: bytes, b: bytes) -> str:
    al, bl = a.split(b"\n"), b.split(b"\n")
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else None
        y = bl[i] if i < len(bl) else None
        if x != y:
            col = 0
            if x is not None and y is not None:
                col = next((j for j, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            start = max(0, col - 80)
            return f"line {i + 1}:\n    ps:   {_clip(x, start)}\n    pstd: {_clip(y, start)}"
    return "no line differs"


def compare(expected: Result, got: Result, case: Case) -> str | None:
    """None when equivalent, else a short description of the first difference."""
    e_out, e_n = strip_self(expected.stdout, case.self_last)
    g_out, g_n = strip_self(got.stdout, case.self_last)
    problems = []
    if expected.status != got.status:
        problems.append(f"exit status: ps {expected.status}, pstd {got.status}")
    if expected.stderr != got.stderr:
        problems.append("stderr " + first_diff(expected.stderr, got.stderr))
    if e_n != g_n:
        problems.append(f"own row: ps printed {e_n}, pstd printed {g_n}")
    if e_out != g_out:
        problems.append("stdout " + first_diff(e_out, g_out))
    return "\n".join(problems) or None


# Headers of the clock-derived columns (specs.py decides which those are from the specifier
# table) -> specifiers that share the header without being clock-derived (C is also lastcpu).
_CLOCK_HEADERS = {k.encode(): v for k, v in specs.clock_headers().items()}
CLOCK_HEADERS = set(_CLOCK_HEADERS)
CLOCK_SPECS = specs.clock_specs()


def clock_columns(out: bytes) -> set[bytes]:
    """Headers of clock-derived columns in the first line of ``out``."""
    return set(out.split(b"\n", 1)[0].split()) & CLOCK_HEADERS


def _lint_exempt(case: Case) -> bool:
    # "C" is also the header of lastcpu (a cpu number); "ps L" lists "%cpu %CPU".
    return case.args == ["L"] or any("lastcpu" in a for a in case.args)


def oracle_argv(case: Case, ph: dict[str, str]) -> list[str]:
    return [substitute(a, ph) for a in case.args]


def case_env(case: Case, ph: dict[str, str]) -> dict[str, str]:
    env = dict(BASE_ENV)
    env.update({k: substitute(v, ph) for k, v in case.env.items()})
    return env


# -- clock-derived cells ----------------------------------------------------------------------
#
# Only a cell under a clock-derived header may differ from the first ps run, and only to a value
# ps itself could have printed at a moment between its two runs.  Every other byte (status,
# stderr, row count, the tool's own row count, every other cell, spacing) must equal the first
# ps run on the first attempt: a difference there is never retried.

_FORMAT_OPTS = {"-o", "o", "--format", "-O", "O"}
_SORT_OPTS = {"--sort", "k"}


def header_probe_args(args: list[str]) -> list[str] | None:
    """The case's arguments with every format item's own header (``etime=``, ``pid=PROCESS``)
    removed, or None when it has none: ps then prints the default headers, which locate the
    clock-derived columns of a headerless output (those columns are never narrower than their
    default header, so they sit at the same place)."""
    out, changed, fmt = [], False, False
    for a in args:
        if fmt or a.startswith("--format="):
            pre, eq, body = a.partition("=") if a.startswith("--format=") else ("", "", a)
            items = [i.split("=", 1)[0] for i in body.split(",")]
            new = pre + eq + ",".join(items)
            changed |= new != a
            a = new
        fmt = a in _FORMAT_OPTS
        out.append(a)
    return out if changed else None


def sorts_by_clock(case: Case) -> bool:
    """The case orders rows by a clock-derived key: a tick may reorder them."""
    keys, nxt = [], False
    for a in case.args:
        if nxt:
            keys += a.split(",")
        elif a.startswith("--sort="):
            keys += a[len("--sort="):].split(",")
        nxt = a in _SORT_OPTS
    return any(k.lstrip("+-") in CLOCK_SPECS for k in keys)


_TOKEN = re.compile(rb"\S+")


def _tokens(line: bytes) -> list[tuple[int, int, bytes]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(line)]


class ClockCells:
    """Where the clock-derived columns of one output are: the spans of their headers.

    A cell is clock-derived when it overlaps such a header (every clock column is right
    aligned and never narrower than its header, so a value overlaps its own header)."""

    def __init__(self, header: bytes, case: Case) -> None:
        words = " ".join(case.args)
        names = {h for h, others in _CLOCK_HEADERS.items() if not any(o in words for o in others)}
        self.spans = [(s, e) for s, e, t in _tokens(header) if t in names]

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __call__(self, start: int, end: int) -> bool:
        return any(start < he and hs < end for hs, he in self.spans)

    def masked(self, line: bytes) -> tuple[bytes, ...]:
        """The row's layout and its cells other than the clock-derived ones."""
        return tuple((b"#", e) if self(s, e) else (t, s) for s, e, t in _tokens(line)) + ((b"", len(line)),)


def _clock_value(token: bytes) -> float | None:
    """A clock-derived cell as a number: 1.25, 12, 3:04, 01:02:03, 2-01:02:03; None otherwise."""
    try:
        days, _, rest = token.rpartition(b"-") if b":" in token else (b"", b"", token)
        value = 0.0
        for part in rest.split(b":"):
            value = value * 60 + float(part)
        return value + (int(days) * 86400 if days else 0)
    except ValueError:
        return None


def _between(before: bytes, got: bytes, after: bytes) -> bool:
    lo, mid, hi = _clock_value(before), _clock_value(got), _clock_value(after)
    return None not in (lo, mid, hi) and min(lo, hi) <= mid <= max(lo, hi)


def row_ok(before: bytes, got: bytes, after: bytes, clock: ClockCells) -> bool:
    """``got`` equals ``before`` except in clock-derived cells, each of which holds the value of
    either ps run or one between the two; it keeps ps's layout."""
    if got == before:
        return True
    x, y, z = _tokens(before), _tokens(got), _tokens(after)
    if not (x and len(x) == len(y) == len(z)) or got[y[-1][1]:] != before[x[-1][1]:]:
        return False
    for (xs, xe, xt), (ys, ye, yt), (zs, ze, zt) in zip(x, y, z):
        if clock(xs, xe):
            if ye not in (xe, ze) or not (yt in (xt, zt) or _between(xt, yt, zt)):
                return False
        elif not (yt == xt == zt and ys in (xs, zs)):
            return False
    return True


def clock_verdict(before: Result, got: Result, after: Result, case: Case,
                  clock: ClockCells) -> tuple[str, str]:
    """For @time cases that differ from the first ps run: ("pass", "") when only clock-derived
    cells differ, each within the two runs; ("clock", what) when only clock-derived cells differ
    or, for a case sorted by a clock-derived key, the rows' order (worth another attempt);
    ("other", what) otherwise."""
    if not (before.status == got.status == after.status and before.stderr == got.stderr == after.stderr):
        return "other", ""
    (b, nb), (g, ng), (a, na) = (strip_self(r.stdout, case.self_last) for r in (before, got, after))
    if not nb == ng == na:
        return "other", ""
    if g == a:
        return "pass", ""                              # what ps printed a moment later
    b, g, a = b.split(b"\n"), g.split(b"\n"), a.split(b"\n")
    if len(b) != len(g):
        return "other", ""
    if len(a) == len(b):
        bad = [i for i, (x, y, z) in enumerate(zip(b, g, a)) if not row_ok(x, y, z, clock)]
        if not bad:
            return "pass", ""
    mb, mg = [clock.masked(r) for r in b], [clock.masked(r) for r in g]
    other = next((i for i, (x, y) in enumerate(zip(mb, mg)) if x != y), None)
    if other is None or (sorts_by_clock(case) and sorted(mb) == sorted(mg)):
        return "clock", ""
    return "other", "outside clock-derived columns, " + first_diff(b[other], g[other]).replace(
        "line 1:", f"line {other + 1}:", 1)


def run_case(ns: Namespace, case: Case, tool: str, oracle: str = ORACLE) -> tuple[str | None, Result, Result]:
    """Run oracle then tool; return (difference or None, results).

    @time cases also run the oracle once more after the tool; a difference confined to
    clock-derived cells is accepted within the two runs (``clock_verdict``) or retried, at most
    TIME_ATTEMPTS attempts per case and RETRY_BUDGET retries per session.  Counted in STATS."""
    ph = ns.placeholders()
    args = oracle_argv(case, ph)
    env = case_env(case, ph)
    STATS["cases_run"] += 1
    clock = None
    for attempt in range(1, TIME_ATTEMPTS + 1):
        opts = dict(ctty=case.ctty, sigchld_ign=case.sigchld_ign)
        expected = ns.run(["ps", *args], oracle, env, case.tty, **opts)
        got = ns.run([os.path.basename(tool), *args], tool, env, case.tty, **opts)
        after = ns.run(["ps", *args], oracle, env, case.tty, **opts) if case.time_derived else None
        ns.check_frozen()
        if not case.time_derived and clock_columns(expected.stdout) and not _lint_exempt(case):
            raise AssertionError(f"{case.line}: output has clock-derived columns "
                                 f"{sorted(clock_columns(expected.stdout))}; mark the case @time")
        if case.time_derived and clock is None:
            probe = header_probe_args(args)
            header = expected.stdout if probe is None else ns.run(["ps", *probe], oracle, env, case.tty,
                                                                  **opts).stdout
            clock = ClockCells(header.split(b"\n", 1)[0], case)
            if not clock and not sorts_by_clock(case) and expected.status == 0:
                raise AssertionError(f"{case.line}: marked @time, but shows no clock-derived column "
                                     "and does not sort by one")
        diff = compare(expected, got, case)
        if diff is None:
            break
        if not case.time_derived:
            return diff, expected, got
        verdict, where = clock_verdict(expected, got, after, case, clock)
        if verdict == "pass":
            STATS["bracketed"] += 1
            diff = None
            break
        if verdict == "other":
            return diff + ("\n" + where if where else ""), expected, got
        if attempt == TIME_ATTEMPTS:
            return diff + f"\n(clock-derived cells still differ after {attempt} attempts)", expected, got
        if STATS["retries"] >= RETRY_BUDGET:
            STATS["refused"] += 1
            return diff + f"\n(clock-derived cells differ; the session's {RETRY_BUDGET} retries are used up)", \
                expected, got
        STATS["retries"] += 1
        if attempt == 1:
            STATS["retried"].append(case.line)
    if diff is None and attempt > 1:
        STATS["retried_then_passed"] += 1
    return diff, expected, got


REASON = "# reason: "


def known_divergences() -> dict[str, str]:
    """Case line -> why it diverges (the ``# reason: ...`` line above it, if any)."""
    out, reason = {}, "listed in known_divergences.txt"
    if KNOWN_FILE.exists():
        for raw in KNOWN_FILE.read_text().splitlines():
            s = raw.strip()
            if s.startswith(REASON):
                reason = s[len(REASON):]
            elif s and not s.startswith("#"):
                out[s] = reason
    return out


def format_known(failing: list[str], reasons: dict[str, str], default: str = "new, not yet explained") -> str:
    """known_divergences.txt's body: the failing lines grouped under their reasons."""
    groups: dict[str, list[str]] = {}
    for line in failing:
        groups.setdefault(reasons.get(line, default), []).append(line)
    return "".join(f"{REASON}{r}\n" + "".join(f"{l}\n" for l in ls) for r, ls in groups.items())
