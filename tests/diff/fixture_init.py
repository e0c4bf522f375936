"""Init (pid 1) of the differential test's private pid namespace.

Run as ``unshare --pid --fork --mount-proc PYTHON -S fixture_init.py TMPDIR SLEEP [FAN]``.  It builds a
fixed tree of quiescent tasks covering the states and attributes ps can show, waits until
every task is asleep, stopped or a zombie and stays so (FAN: that many more sleeping tasks), prints one JSON line describing the
tree (names -> pids in the namespace) and then blocks reading stdin.  EOF on stdin (the
harness going away) ends pid 1 and with it the whole namespace.

Only the standard library is used, and no task of the tree does anything once it is ready.
A kernel thread cannot exist inside a pid namespace (kthreadd is never a member), so the
``[kthread]`` rendering is not covered by this fixture.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time
import traceback

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME = 15
PY = os.path.realpath(sys.executable)
SLEEP = "/bin/sleep"     # replaced by the private static copy built by the harness (argv[2])

# Code run by the python-based tasks.  Each one, once fully set up, renames itself with
# prctl(PR_SET_NAME) to its marker name; the spawner waits for that name.
PY_PRELUDE = (
    "import ctypes,os,signal,sys,threading,time\n"
    "libc=ctypes.CDLL(None,use_errno=True)\n"
    "def name(n): libc.prctl(15,n.encode(),0,0,0)\n"
    "def pause():\n"
    "    while True: signal.pause()\n"
)
PY_PAUSE = PY_PRELUDE + "name(sys.argv[1]); pause()\n"
PY_THREADS = PY_PRELUDE + (
    "ready=threading.Semaphore(0)\n"
    "def run(n):\n"
    "    name(n); ready.release(); threading.Event().wait()\n"
    "for n in sys.argv[2:]:\n"
    "    threading.Thread(target=run,args=(n,),daemon=True).start()\n"
    "for n in sys.argv[2:]: ready.acquire()\n"
    "name(sys.argv[1]); pause()\n"
)
PY_BURNER = PY_PRELUDE + (
    # Burn cpu so TIME, %CPU, C and the cumulative (S) times are non-zero, touch memory so
    # RSS and %MEM are, then a child burns some more and is reaped (cutime/cstime).
    "t=time.process_time()\n"
    "while time.process_time()-t<1.3: pass\n"
    "buf=bytearray(int(sys.argv[2])<<20)\n"
    "for i in range(0,len(buf),4096): buf[i]=1\n"
    "pid=os.fork()\n"
    "if pid==0:\n"
    "    t=time.process_time()\n"
    "    while time.process_time()-t<1.1: pass\n"
    "    os._exit(0)\n"
    "os.waitpid(pid,0)\n"
    "name(sys.argv[1]); pause()\n"
)
PY_ZPARENT = PY_PRELUDE + (
    "pid=os.fork()\n"
    "if pid==0: os.execv('/bin/true',['true'])\n"
    "while open('/proc/%d/stat'%pid).read().rsplit(')',1)[1].split()[0]!='Z': time.sleep(0.01)\n"
    "name(sys.argv[1]); pause()\n"
)
PY_TRACER = PY_PRELUDE + (
    "libc.ptrace.argtypes=[ctypes.c_long,ctypes.c_int,ctypes.c_void_p,ctypes.c_void_p]\n"
    "pid=os.fork()\n"
    "if pid==0: os.execv(sys.argv[2],['sleep','infinity'])\n"
    "while open('/proc/%d/comm'%pid).read()!='sleep\\n': time.sleep(0.01)\n"
    "assert libc.ptrace(0x4206,pid,None,None)==0\n"      # PTRACE_SEIZE
    "assert libc.ptrace(0x4207,pid,None,None)==0\n"      # PTRACE_INTERRUPT
    "os.waitpid(pid,0x40000000)\n"                       # __WALL: consume the stop
    "name(sys.argv[1]); pause()\n"
)
PY_MLOCK = PY_PRELUDE + (
    "assert libc.mlockall(1)==0\n"                       # MCL_CURRENT: STAT shows L
    "name(sys.argv[1]); pause()\n"
)

registry_w = -1   # pipe to pid 1: "name pid" lines, written by whichever task forked


def record(name: str, pid: int) -> None:
    os.write(registry_w, f"{name} {pid}\n".encode())


def stat_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()[0].decode()


def wait_until(pred, what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise RuntimeError(f"fixture: timed out waiting for {what}")
        time.sleep(0.005)


def comm_is(pid: int, name: str):
    def check() -> bool:
        with open(f"/proc/{pid}/comm", "rb") as f:
            return f.read().rstrip(b"\n") == name.encode()[:15]
    return check


def spawn(name, argv, exe=None, env=None, setup=None, children=(), after=None, marker=None):
    """Fork a task that runs ``setup``, spawns ``children`` and execs ``argv``.

    Returns once the exec happened (close-on-exec pipe hits EOF) and, for python tasks,
    once the task renamed itself to ``marker``.  Children are spawned before the exec so the
    tree shape is fixed and pids are allocated in a deterministic order.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            if setup:
                setup()
            kids = {}
            for child in children:
                kids[child[0]] = spawn(*child)
            if after:
                after(kids)
            os.execve(exe or argv[0], argv, env if env is not None else BASE_ENV)
        except BaseException:
            os.write(w, traceback.format_exc().encode())
        os._exit(127)
    os.close(w)
    err = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        err += chunk
    os.close(r)
    if err:
        raise RuntimeError(f"fixture task {name!r} failed:\n{err.decode(errors='replace')}")
    record(name, pid)
    if marker:
        wait_until(comm_is(pid, marker), f"{name} to be ready")
    return pid


def children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(x) for x in f.read().split()]


def sleeper(name, *, exe=None, argv0=None, env=None, setup=None, children=(), after=None):
    exe = exe or SLEEP
    return (name, [argv0 or os.path.basename(exe), "infinity"], exe, env, setup, children, after)


def py(name, code, *args, setup=None, marker=None):
    marker = marker or f"fx-{name}"
    return (name, [PY, "-S", "-c", code, marker, *args], PY, None, setup, (), None, marker)


BASE_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/", "LANG": "C"}


def set_ids(ruid, euid, rgid, egid, groups):
    def setup():
        os.setgroups(groups)
        os.setresgid(rgid, egid, egid)
        os.setresuid(ruid, euid, euid)
    return setup


def sched(policy, prio=0):
    return lambda: os.sched_setscheduler(0, policy, os.sched_param(prio))


def main() -> None:
    global registry_w, SLEEP
    tmp = sys.argv[1]
    SLEEP = sys.argv[2] if len(sys.argv) > 2 else SLEEP
    fan = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    os.setsid() if os.getsid(0) != os.getpid() else None
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)

    def link(name: str) -> str:
        path = os.path.join(bindir, name)
        if not os.path.lexists(path):
            os.symlink(SLEEP, path)
        return path

    reg_r, registry_w = os.pipe()
    master, slave = os.openpty()
    tty_path = os.ttyname(slave)
    os.close(slave)

    def session_leader():
        os.setsid()
        fd = os.open(tty_path, os.O_RDWR)      # first tty opened by a session leader: ctty
        for n in (0, 1, 2):
            os.dup2(fd, n)
        os.close(fd)

    def foreground(kids):
        os.tcsetpgrp(0, kids["fgjob"])

    def own_group():
        os.setpgid(0, 0)

    long_arg = "L" * 5000
    weird_args = [long_arg, "second arg with spaces", "tab\there", "new\nline", "esc\x1b[31mred\x1b[0m",
                  "na\u00efve \u00fcn\u00efc\u00f6d\u00e9 \u2713 \u4e2d\u6587", "", "bell\x07del\x7f", "inv\udcffalid", "last"]
    huge_env = {f"PSTD_FX_VAR{i:03d}": f"value-{i}-" + "v" * 90 for i in range(250)}
    huge_env.update({"UNICODE": "\u00e4\u00f6\u00fc \u2713", "CTL": "a\x01b\tc", "EMPTY": "",
                     "PATH": "/usr/bin:/bin"})

    tree = [
        sleeper("sleeper", argv0="fx-sleeper"),
        sleeper("stopped", argv0="fx-stopped"),
        py("zparent", PY_ZPARENT),
        sleeper("nice19", argv0="fx-nice19", setup=lambda: os.nice(19)),
        sleeper("niceneg", argv0="fx-niceneg", setup=lambda: os.nice(-10)),
        sleeper("nobody", argv0="fx-nobody", setup=set_ids(65534, 65534, 65534, 65534, [])),
        sleeper("mixed", argv0="fx-mixed", setup=set_ids(4242, 65534, 4343, 65534, [5, 100, 4444])),
        sleeper("longuser", argv0="fx-longuser", setup=set_ids(997, 997, 997, 997, [])),
        py("threaded", PY_THREADS, "worker-1", "w) (x", "\u00fcn\u00ef", "this-name-is-way-too-long"),
        sleeper("fifo", argv0="fx-fifo", setup=sched(os.SCHED_FIFO, 10)),
        sleeper("rr", argv0="fx-rr", setup=sched(os.SCHED_RR, 5)),
        sleeper("batch", argv0="fx-batch", setup=sched(os.SCHED_BATCH)),
        sleeper("idle", argv0="fx-idle", setup=sched(os.SCHED_IDLE)),
        py("longargs", PY_PAUSE, *weird_args),
        sleeper("paren", exe=link("a) (b")),
        sleeper("longcomm", exe=link("very_long_command_name_for_ps")),
        sleeper("ctlcomm", exe=link("ctl\x1bname\tx")),
        sleeper("hugeenv", argv0="fx-hugeenv", env=huge_env),
        py("burner", PY_BURNER, "256"),
        py("mlocked", PY_MLOCK),
        py("tracer", PY_TRACER, SLEEP),
        sleeper("leader", exe=link("fx-session"), setup=session_leader, after=foreground, children=[
            sleeper("fgjob", exe=link("fx-fgjob"), setup=own_group),
            sleeper("bgjob", exe=link("fx-bgjob"), setup=own_group, children=[
                sleeper("bgjob2", exe=link("fx-bgjob2")),
            ]),
        ]),
        sleeper("daemon", exe=link("fx-daemon"), setup=os.setsid, children=[
            sleeper("daemonchild", exe=link("fx-daemonchild")),
        ]),
        sleeper("tree", exe=link("fx-tree"), setup=own_group, children=[
            sleeper("tree_a", exe=link("fx-tree-a"), children=[
                sleeper("tree_a1", exe=link("fx-tree-a1"), children=[
                    sleeper("tree_a1x", exe=link("fx-tree-a1x")),
                ]),
                sleeper("tree_a2", exe=link("fx-tree-a2")),
            ]),
            sleeper("tree_b", exe=link("fx-tree-b")),
            sleeper("tree_c", exe=link("fx-tree-c"), children=[
                sleeper("tree_c1", exe=link("fx-tree-c1")),
            ]),
        ]),
        # /proc/PID/status over 8 KiB (a Groups: line of 2000 gids, about 12 KB): every field
        # after it is beyond a single 4 KiB read.
        sleeper("manygroups", argv0="fx-manygroups", setup=set_ids(0, 0, 0, 0, list(range(20000, 22000)))),
        # State D: a vfork parent waits, uninterruptibly, for a child that never execs.
        ("vforker", ["fx-vforker", "vfork"], SLEEP, None, None, (), None),
    ]
    for node in tree:
        pid = spawn(*node)
        if node[0] == "stopped":
            os.kill(pid, signal.SIGSTOP)
            wait_until(lambda: stat_state(pid) == "T", "SIGSTOP")
        if node[0] == "vforker":
            wait_until(lambda: stat_state(pid) == "D", "the vfork parent to wait")
    if fan:
        # A large process table (size-dependent code paths): one task forking FAN sleepers.
        pid = spawn("fan", ["fx-fan", "fan", str(fan)], SLEEP)
        wait_until(lambda: len(children_of(pid)) == fan, f"{fan} fan-out tasks", timeout=120)

    # An orphan: its parent exits, so it is re-parented to pid 1.
    mid = os.fork()
    if mid == 0:
        try:
            spawn(*sleeper("orphan", argv0="fx-orphan"))
        finally:
            os._exit(0)
    os.waitpid(mid, 0)

    os.close(registry_w)
    names = {}
    for line in os.read(reg_r, 1 << 20).decode().splitlines():
        n, p = line.split()
        names[n] = int(p)

    names["zombie"] = children_of(names["zparent"])[0]
    names["tracee"] = children_of(names["tracer"])[0]
    names["vforkchild"] = children_of(names["vforker"])[0]
    names["init"] = 1

    # Quiescence: every task asleep/stopped/zombie (the vfork parent in D), and
    # /proc/PID/task/TID/stat unchanged over a quarter of a second.
    def snapshot():
        snap = {}
        for p in sorted(int(x) for x in os.listdir("/proc") if x.isdigit()):
            if p == 1:
                continue
            try:
                for t in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{t}/stat", "rb") as f:
                        snap[(p, int(t))] = f.read()
            except FileNotFoundError:
                pass
        return snap

    end = time.monotonic() + 30
    prev = None
    while True:
        cur = snapshot()
        states = {k: v.rsplit(b")", 1)[1].split()[0] for k, v in cur.items()}
        if prev == cur and all(s in (b"S", b"T", b"t", b"Z", b"D") for s in states.values()):
            break
        if time.monotonic() > end:
            raise RuntimeError(f"fixture never settled: {states}")
        prev = cur
        time.sleep(0.25)

    threads = sorted(t for (p, t) in cur if p == names["threaded"] and t != p)
    static = []
    for p in sorted(set(p for p, _ in cur)):
        try:
            if os.readlink(f"/proc/{p}/exe") == SLEEP:
                static.append(p)
        except OSError:
            pass
    info = {
        "pids": names,
        "threads": threads,
        "static": static,
        "tasks": sorted(set(p for p, _ in cur) | {1}),
        "tty": tty_path[len("/dev/"):],
        "tty_path": tty_path,
        "bindir": bindir,
    }
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    # Idle until the harness closes our stdin.  Keep the pty master open meanwhile.
    while sys.stdin.buffer.read(4096):
        pass
    del master


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        traceback.print_exc()
        sys.stdout.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        sys.stdout.flush()
        sys.exit(1)
