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

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.txt"
KNOWN_FILE = HERE / "known_divergences.txt"

SELF_PID = 31337               # pid of the tool under test inside the namespace
ORACLE = os.environ.get("PSTD_DIFF_ORACLE", "/bin/ps")
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root"}
RUN_TIMEOUT = 60.0
TIME_ATTEMPTS = 5              # attempts allowed for cases marked @time


def default_tool() -> str:
    env = os.environ.get("PSTD_DIFF_TOOL")
    if env:
        return env
    cand = Path(sys.executable).parent / "pstd"
    if cand.exists():
        return str(cand)
    return str(Path.home() / ".cache/pstd/venv/bin/pstd")


# Counters reported by the terminal summary hook (tests/conftest.py).
STATS = {"retried_cases": 0, "retries": 0, "retried_then_passed": 0, "cases_run": 0, "bracketed": 0}

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


class Namespace:
    """The fixture process tree in its own pid + mount namespace."""

    def __init__(self) -> None:
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
             os.path.realpath(sys.executable), "-S", str(HERE / "fixture_init.py"), self.tmp.name, sleep],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
            cwd=self.tmp.name, env=dict(BASE_ENV, LANG="C"))
        try:
            ready, _, _ = select.select([self.proc.stdout], [], [], 90)
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
            cwd: str | None = None, ctty: tuple[int, int] | None = None) -> Result:
        """Run ``exe`` with ``argv`` inside the namespace as pid SELF_PID.

        ``tty``: stdin and stdout are a pty of that size, also the controlling tty.
        ``ctty``: stdin/stdout/stderr are /dev/null and pipes, but the tool has a controlling
        pty of that size (``ps aux | less`` typed in a terminal).
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
        helper = os.fork()
        if helper == 0:                               # outside the namespace
            code = 125
            try:
                code = self._helper(argv, exe, env, cwd, in_fd, out_w, err_w, bool(tty), ctty_slave)
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

    def _helper(self, argv, exe, env, cwd, in_fd, out_fd, err_fd, tty, ctty_fd=-1) -> int:
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


def first_diff(a: bytes, b: bytes) -> str:
    al, bl = a.split(b"\n"), b.split(b"\n")
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else None
        y = bl[i] if i < len(bl) else None
        if x != y:
            return f"line {i + 1}:\n    ps:   {x!r}\n    pstd: {y!r}"
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


CLOCK_HEADERS = {b"%CPU", b"C", b"CP", b"ELAPSED", b"%CUC", b"%CUU"}


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


def bracketed(before: Result, got: Result, after: Result, case: Case) -> bool:
    """For @time cases: ps ran before and after the tool; every row the tool printed equals
    that row of one of the two ps runs (clock-derived values move one way, and each row ticks
    at its own moment, so a tool run between the two sees each row as one of them did)."""
    if not (before.status == got.status == after.status and before.stderr == got.stderr == after.stderr):
        return False
    (b, nb), (g, ng), (a, na) = (strip_self(r.stdout, case.self_last) for r in (before, got, after))
    b, g, a = b.split(b"\n"), g.split(b"\n"), a.split(b"\n")
    if not (nb == ng == na and len(b) == len(g) == len(a)):
        return False
    return all(y == x or y == z or _between(x, y, z) for x, y, z in zip(b, g, a))


_FIELD = re.compile(rb"(\s+)")


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
    """The tool's row has the oracle's layout, and each cell that moved between the two oracle
    runs holds a value within the interval they bracket (a value read at a moment in between)."""
    x, y, z = _FIELD.split(before), _FIELD.split(got), _FIELD.split(after)
    if not len(x) == len(y) == len(z):
        return False
    for xt, yt, zt in zip(x, y, z):
        if yt == xt == zt:
            continue
        if xt == zt or not xt.strip():
            return False  # a cell that did not move (or the spacing) differs
        lo, mid, hi = _clock_value(xt), _clock_value(yt), _clock_value(zt)
        if lo is None or mid is None or hi is None or not min(lo, hi) <= mid <= max(lo, hi):
            return False
    return True


def run_case(ns: Namespace, case: Case, tool: str, oracle: str = ORACLE) -> tuple[str | None, Result, Result]:
    """Run oracle then tool; return (difference or None, results).

    @time cases also run the oracle once more after the tool (see ``bracketed``) and get up to
    TIME_ATTEMPTS attempts; retries and bracketed passes are counted in STATS."""
    ph = ns.placeholders()
    args = oracle_argv(case, ph)
    env = case_env(case, ph)
    attempts = TIME_ATTEMPTS if case.time_derived else 1
    STATS["cases_run"] += 1
    for attempt in range(1, attempts + 1):
        expected = ns.run(["ps", *args], oracle, env, case.tty, ctty=case.ctty)
        got = ns.run([os.path.basename(tool), *args], tool, env, case.tty, ctty=case.ctty)
        after = ns.run(["ps", *args], oracle, env, case.tty, ctty=case.ctty) if case.time_derived else None
        ns.check_frozen()
        if not case.time_derived and clock_columns(expected.stdout) and not _lint_exempt(case):
            raise AssertionError(f"{case.line}: output has clock-derived columns "
                                 f"{sorted(clock_columns(expected.stdout))}; mark the case @time")
        diff = compare(expected, got, case)
        if diff is not None and after is not None and bracketed(expected, got, after, case):
            STATS["bracketed"] += 1
            diff = None
        if diff is None:
            if attempt > 1:
                STATS["retried_then_passed"] += 1
            return None, expected, got
        if attempt < attempts:
            if attempt == 1:
                STATS["retried_cases"] += 1
            STATS["retries"] += 1
    return diff, expected, got


def known_divergences() -> set[str]:
    return set(load_lines(KNOWN_FILE))
