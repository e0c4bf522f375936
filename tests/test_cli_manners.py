"""How pstd fails: closed and full streams, signals, bad bytes, its own options — each against /bin/ps.

pstd is started through a script of its own name (and /bin/ps through a symlink of another name),
because procps names itself by argv[0] in write errors: the expected text is ps's with ps's argv[0]
swapped for pstd's.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ORACLE = "/bin/ps"
SRC = Path(__file__).resolve().parents[1] / "src"
CLEAN = {"PATH": "/usr/bin:/bin", "HOME": "/root", "LC_ALL": "C.UTF-8"}
F_SETPIPE_SZ = 1031

needs_ps = pytest.mark.skipif(not os.path.exists(ORACLE) and os.environ.get("CI") != "true",
                              reason="needs procps-ng 4.0.2 at /bin/ps")


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    """(ps started as ``<dir>/ps-argv0``, pstd started as ``<dir>/pstd-argv0``)."""
    d = tmp_path_factory.mktemp("argv0")
    ps = d / "ps-argv0"
    ps.symlink_to(ORACLE)
    pstd = d / "pstd-argv0"
    pstd.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(SRC)!r})\n"
                    "from pstd.__main__ import program\nprogram()\n")
    pstd.chmod(0o755)
    return str(ps), str(pstd)


def _run(argv, redirect="", env=CLEAN):
    """Run ``argv`` with stdout (and stderr) redirected by a shell word such as ``>&-``."""
    cmd = ["/bin/sh", "-c", f'exec "$@" {redirect}', "sh", *argv]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
    return r.returncode, r.stderr


STREAM_CASES = [
    (["aux"], ">&-"), (["aux"], ">/dev/full"), (["-p", "1"], ">&-"), (["-p", "1", "-o", "pid="], ">/dev/full"),
    (["--help"], ">&-"), (["--help", "all"], ">/dev/full"), (["-V"], ">&-"), (["L"], ">/dev/full"),
    (["-C", "no_such_command_pstd", "-o", "pid="], ">&-"),   # nothing to write: no write error
    (["-C", "no_such_command_pstd"], ">&-"),                  # the header alone still fails
    (["-p", "0"], ">&-"),                                     # an option error reaches stderr as usual
    (["aux"], ">&- 2>&-"), (["-p", "1"], "2>&-"), (["-p", "0"], "2>&-"), (["-p", "1", "-o", "pid="], ">/dev/full 2>&-"),
]


@needs_ps
@pytest.mark.parametrize("args,redirect", STREAM_CASES, ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_closed_and_full_streams_fail_as_ps_does(tools, args, redirect):
    ps, pstd = tools
    want_status, want_err = _run([ps, *args], redirect)
    status, err = _run([pstd, *args], redirect)
    assert b"Traceback" not in err, err.decode(errors="replace")
    # usage texts say "ps" whatever the name (pstd's choice, see pstd.ps.main.PROG); write errors say argv[0]
    assert err == want_err.replace(ps.encode(), pstd.encode()).replace(b"ps-argv0", b"ps")
    assert status == want_status


def _on_hung_up_pty(argv):
    """Run ``argv`` with stdout on a pty whose master side is closed: every write fails with EIO."""
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    os.close(master)
    try:
        r = subprocess.run(argv, stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=CLEAN,
                           timeout=120)
    finally:
        os.close(slave)
    return r.returncode, r.stderr


@needs_ps
@pytest.mark.parametrize("args", [["aux"], ["-ef"], ["-e", "-o", "pid:30", "--sort=pid"], ["-p", "999999"],
                                  ["--help"], ["-V"], ["L"]], ids=" ".join)
def test_a_hung_up_terminal_fails_as_ps_does(tools, args):
    """glibc line-buffers a pty's slave side even once it no longer counts as a terminal: each
    newline's flush fails, nothing is pending at exit, the message is a bare "write error"."""
    ps, pstd = tools
    want = _on_hung_up_pty([ps, *args])
    got = _on_hung_up_pty([pstd, *args])
    assert want == (1, ps.encode() + b": write error\n")
    assert got == (1, pstd.encode() + b": write error\n")


@needs_ps
@pytest.mark.parametrize("n", [255, 256, 300])
def test_a_quick_pid_list_longer_than_procps_takes_fails_as_ps_does(tools, n):
    """procps's library refuses a -q list of more than 255 ids (repeats count): "fatal library error, reap"."""
    ps, pstd = tools
    args = ["-q", ",".join(["1"] * n), "-o", "pid,comm"]
    want = subprocess.run([ps, *args], capture_output=True, env=CLEAN, timeout=60)
    got = subprocess.run([pstd, *args], capture_output=True, env=CLEAN, timeout=60)
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)
    assert (want.returncode == 1) == (n > 255)


@needs_ps
def test_write_error_names_the_program_by_argv0(tools):
    ps, pstd = tools
    assert _run([ps, "-p", "1"], ">/dev/full")[1] == f"{ps}: write error: No space left on device\n".encode()
    assert _run([pstd, "-p", "1"], ">/dev/full")[1] == f"{pstd}: write error: No space left on device\n".encode()


def _blocked_in_write(argv, env, ignored=None):
    """Start ``argv`` with stdout on a one-page pipe nobody reads; return once it waits in write()."""
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
    pre = None if ignored is None else (lambda: signal.signal(ignored, signal.SIG_IGN))
    p = subprocess.Popen(argv, stdout=w, stderr=subprocess.PIPE, env=env, preexec_fn=pre)
    os.close(w)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{p.pid}/wchan") as f:
                if "pipe_write" in f.read():
                    return p, r
        except OSError:
            pass
        time.sleep(0.01)
    p.kill()
    raise AssertionError(f"{argv} never blocked in write")


def _signalled(argv, signo, ignored=False):
    import threading

    p, r = _blocked_in_write(argv, CLEAN, signo if ignored else None)
    p.send_signal(signo)
    # drain stdout: procps's SIGHUP handler calls exit(), whose final flush waits for the reader
    drain = threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(r, 65536), b"")], daemon=True)
    drain.start()
    err = p.stderr.read()
    status = p.wait(timeout=60)
    drain.join(60)
    os.close(r)
    return status, err


@pytest.fixture(scope="module")
def long_listing():
    """Tasks with long command lines, so ``-e -o pid,args`` fills a pipe page on any machine
    (a quiet one lists about 3 KB of its own)."""
    kids = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", *(["x" * 200] * 10)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(4)]
    yield
    for k in kids:
        k.kill()
        k.wait()


@needs_ps
@pytest.mark.parametrize("ignored", [False, True], ids=["default", "inherited-ignore"])
@pytest.mark.parametrize("signo", [signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGHUP, signal.SIGQUIT],
                         ids=lambda s: signal.Signals(s).name)
def test_signal_during_output_ends_pstd_as_it_ends_ps(tools, long_listing, signo, ignored):
    """ps dies by SIGINT/SIGTERM/SIGQUIT, exits 0 on SIGPIPE and 1 on SIGHUP; an ignored SIGINT or
    SIGQUIT (a background job, nohup) stays ignored, an ignored SIGTERM or SIGHUP does not."""
    ps, pstd = tools
    argv = ["-e", "-o", "pid,args", "--cols", "4000"]  # far more than one pipe page
    want = _signalled([ps, *argv], signo, ignored)
    got = _signalled([pstd, *argv], signo, ignored)
    assert b"Traceback" not in got[1]
    assert got == want


@needs_ps
@pytest.mark.parametrize("ignored", [False, True], ids=["default", "inherited-ignore"])
@pytest.mark.parametrize("signo", [signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGXFSZ, signal.SIGXCPU,
                                   signal.SIGABRT, signal.SIGIO], ids=lambda s: signal.Signals(s).name)
def test_signals_ps_reports_catching_end_pstd_alike(tools, long_listing, signo, ignored):
    """ps catches these whatever its caller left them at, says "Signal N (NAME) caught by ...",
    and dies by the signal after "please report this bug" (SIGUSR1/2: exits 1 after the first line)."""
    ps, pstd = tools
    argv = ["-e", "-o", "pid,args", "--cols", "4000"]
    want = _signalled([ps, *argv], signo, ignored)
    got = _signalled([pstd, *argv], signo, ignored)
    assert b"Traceback" not in got[1]
    assert want[1].startswith(b"Signal %d (" % signo)  # the oracle did catch it
    assert got == (want[0], want[1].replace(ps.encode(), pstd.encode()).replace(b"ps-argv0", b"pstd-argv0"))


@needs_ps
def test_a_child_inherited_from_an_exec_ing_shell_ends_pstd_as_it_ends_ps(tools, long_listing):
    """A shell that execs ps hands it its background child: ps catches that child's SIGCHLD,
    says so and exits 1, wherever its output had got to."""
    ps, pstd = tools
    res = []
    for tool in (ps, pstd):
        wide = ",".join(["pid:140"] * 50)  # some 7 KB a line: far more than a pipe holds
        p = subprocess.Popen(["/bin/sh", "-c", 'sleep 0.3 & exec "$@"', "sh", tool, "-e", "-o", wide],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CLEAN)
        time.sleep(1)  # the listing waits in write() when the child ends
        p.stdout.read()
        err = p.stderr.read()
        res.append((p.wait(timeout=60), err.replace(tool.encode(), b"TOOL").replace(b"ps-argv0", b"pstd-argv0")))
    assert res[0][1].startswith(b"Signal 17 (CHLD) caught by")
    assert res[1] == res[0]


def test_top_and_the_subcommands_do_not_report_signals_as_ps(tools):
    """ps's "Signal N caught" lines are ps's: pstd top and the subcommands keep Python's ways."""
    _, pstd = tools
    for args in (["top", "-b", "-n", "3", "-d", "5"], ["columns"]):
        p, r = _blocked_in_write([pstd, *args], CLEAN) if args[0] == "columns" else (None, None)
        if p is None:
            p = subprocess.Popen([pstd, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CLEAN)
            time.sleep(1.5)
        p.send_signal(signal.SIGALRM)
        err = p.stderr.read()
        p.wait(timeout=60)
        assert b"caught by" not in err, (args, err)
        if r is not None:
            os.close(r)


@needs_ps
def test_a_write_past_the_file_size_limit_ends_pstd_as_it_ends_ps(tools, long_listing, tmp_path):
    """``ulimit -f``: the write past the limit raises SIGXFSZ (which Python ignores, and ps catches):
    both say so and die by it, having written the same bytes up to the limit."""
    ps, pstd = tools
    res = []
    for tool, name in ((ps, "ps"), (pstd, "pstd")):
        out = tmp_path / name
        r = subprocess.run(["/bin/sh", "-c", f'ulimit -f 4; exec "$@" >{out}', "sh", tool, "-e", "-o", "pid,args",
                            "--cols", "4000"], stderr=subprocess.PIPE, env=CLEAN, timeout=60)
        res.append((r.returncode, r.stderr.replace(tool.encode(), b"TOOL").replace(b"ps-argv0", b"pstd-argv0"),
                    out.stat().st_size))
    assert res[0][0] == -signal.SIGXFSZ and res[0][2] > 0  # (dash counts ulimit -f in 512-byte blocks)
    assert res[1] == res[0]


HOOK = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)  # as in a foreground job, even when the suite runs in the background
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {target!r}:
            os.kill(os.getpid(), signal.SIGINT)   # Ctrl-C exactly while this module is being imported
        return None
sys.meta_path.insert(0, CtrlC())
sys.path.insert(0, {src!r})
sys.argv = ["pstd", "ax"]
from pstd.__main__ import main
sys.exit(main())
"""


@pytest.mark.parametrize("module", ["pstd.ps.main", "pstd.env", "pstd.ps.errors", "pstd.ps.parser",
                                    "pstd.backends.procfs", "pstd.ps.render"])
def test_ctrl_c_during_imports_dies_by_sigint_without_traceback(module):
    r = subprocess.run([sys.executable, "-c", HOOK.format(target=module, src=str(SRC))],
                       capture_output=True, env=CLEAN, timeout=120)
    assert r.stderr == b""
    assert r.returncode == -signal.SIGINT


def test_reader_going_away_is_no_failure(tools):
    _, pstd = tools
    p = subprocess.Popen([pstd, "-e", "-o", "pid,args", "--cols", "4000"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=CLEAN)
    assert p.stdout.read(1)
    p.stdout.close()
    err = p.stderr.read()
    assert (p.wait(timeout=60), err) == (0, b"")


@needs_ps
@pytest.mark.parametrize("args", [["-o", "pid:400", "-p", "1"], ["-o", "comm:100,pid:100", "-p", "1"],
                                  ["-o", "pid:144", "-p", "1"], ["-o", "pid:145,comm", "-p", "1"],
                                  ["-o", "user:200,pid", "-p", "1"], ["-o", "comm:143,ppid", "-p", "1"]],
                         ids=" ".join)
def test_wide_columns_stay_under_their_header(tools, args):
    ps, pstd = tools
    want = subprocess.run([ps, *args], capture_output=True, env=CLEAN)
    got = subprocess.run([pstd, *args], capture_output=True, env=CLEAN)
    assert got.stdout == want.stdout
    assert got.returncode == want.returncode


# --- pstd's own options -----------------------------------------------------------------------

def _pstd(tools, *args, env=CLEAN):
    return subprocess.run([tools[1], *args], capture_output=True, env=env, timeout=120)


def test_bad_backend_fails_the_same_way_by_option_and_by_environment(tools):
    by_option = _pstd(tools, "--backend=bogus", "-p", "1")
    by_space = _pstd(tools, "--backend", "bogus", "-p", "1")
    by_env = _pstd(tools, "-p", "1", env=dict(CLEAN, PSTD_BACKEND="bogus"))
    text = b'pstd: unknown backend "bogus" in {} (choose from auto, procfs, netlink)\n'
    assert (by_option.returncode, by_option.stderr) == (1, text.replace(b"{}", b"--backend"))
    assert (by_space.returncode, by_space.stderr) == (1, text.replace(b"{}", b"--backend"))
    assert (by_env.returncode, by_env.stderr) == (1, text.replace(b"{}", b"PSTD_BACKEND"))
    assert by_option.stdout == by_env.stdout == b""


def test_backend_without_value(tools):
    r = _pstd(tools, "-p", "1", "--backend")
    assert (r.returncode, r.stderr) == (1, b"pstd: --backend needs a value (choose from auto, procfs, netlink)\n")


@needs_ps
def test_ps_usage_errors_exit_like_pstd_option_errors():
    assert subprocess.run([ORACLE, "--bogus"], capture_output=True).returncode == 1


@needs_ps
@pytest.mark.parametrize("section", [None, "all", "s", "list", "output", "threads", "misc", "bogus"])
def test_help_stays_procps_text(tools, section):
    args = ["--help"] + ([section] if section else [])
    want = subprocess.run([ORACLE, *args], capture_output=True, env=CLEAN)
    got = _pstd(tools, *args)
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)


def test_help_pstd_and_pstd_help_name_the_additions(tools):
    for args in (["--help", "pstd"], ["help"], ["--backend=procfs", "--help", "pstd"]):
        r = _pstd(tools, *args)
        assert r.returncode == 0, r.stderr
        for word in (b"--backend", b"PSTD_BACKEND", b"pstd columns", b"pstd backend", b"pstd version"):
            assert word in r.stdout, (args, word)


def test_subcommand_help_mentions_the_ps_side(tools):
    for sub in ("columns", "backend", "version"):
        r = _pstd(tools, sub, "--help")
        assert r.returncode == 0, r.stderr
        assert b"pstd help lists what pstd adds to ps" in b" ".join(r.stdout.split()), sub  # click rewraps
    assert b"--group" in _pstd(tools, "columns", "--help").stdout
    assert b"PSTD_BACKEND" in _pstd(tools, "backend", "--help").stdout
    top = subprocess.run([tools[1]], capture_output=True, env=CLEAN)  # bare `pstd` is `ps`: procps's listing
    assert b"PID" in top.stdout


@needs_ps
def test_version_subcommand_is_pstds_and_collides_with_nothing_in_ps(tools):
    import pstd

    assert subprocess.run([ORACLE, "version"], capture_output=True).returncode == 1
    r = _pstd(tools, "version")
    assert r.returncode == 0
    assert r.stdout.startswith(f"pstd {pstd.__version__} ".encode())
    assert _pstd(tools, "-V").stdout == subprocess.run([ORACLE, "-V"], capture_output=True).stdout


def test_columns_group_filter_and_group_names(tools):
    from pstd.model import Group
    from pstd.ps.columns import REGISTRY

    r = _pstd(tools, "columns", "--group", "OWNER")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0].split() == ["spec", "header", "width", "align", "groups", "printable"]
    rows = {line.split()[0]: line.split()[4] for line in lines[1:]}
    assert rows == {name: rows.get(name) for name, c in REGISTRY.items() if c.groups & Group.OWNER}
    assert "euid" in rows and "OWNER" in rows["euid"].split("|") and "ruid" not in rows
    assert all(not g.isdigit() for g in rows.values())
    bad = _pstd(tools, "columns", "--group", "NOPE")
    assert bad.returncode == 2 and b"unknown group" in bad.stderr and b"Traceback" not in bad.stderr


@pytest.mark.parametrize("args", [["columns"], ["backend"], ["version"], ["help"], ["--help"], ["columns", "--help"]])
def test_subcommands_print_plain_text_when_piped(tools, args):
    r = _pstd(tools, *args)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode()
    assert "\x1b" not in text
    assert not set(text) & set("━┃┏┓┗┛│─┌┐└┘╭╮╰╯┡┩╇"), text[:400]


def test_subcommands_on_a_closed_or_full_stdout(tools):
    for redirect, why in ((">&-", "Bad file descriptor"), (">/dev/full", "No space left on device")):
        status, err = _run([tools[1], "columns"], redirect)
        assert (status, err) == (1, f"{tools[1]}: write error: {why}\n".encode())


LIGHT = """
import json, sys
sys.path.insert(0, {src!r})
sys.argv = ["pstd", *{args!r}]
from pstd.__main__ import main
status = main()
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"typer", "rich", "textual", "pyroute2", "click"}})
with open({out!r}, "w") as f:
    json.dump([status, heavy], f)
"""


@pytest.mark.parametrize("args,redirect", [
    (["--backend=bogus", "ax"], ""), (["--backend"], ""), (["-p", "0"], ""), (["--help", "pstd"], ""),
    (["-o", "\udcff"], ""), (["-p", "1"], ">/dev/full"), (["-p", "1"], ">&-"), (["L"], ">&-"),
], ids=lambda v: v if isinstance(v, str) else ascii(" ".join(v)))
def test_error_paths_stay_off_the_heavy_libraries(tmp_path, args, redirect):
    out = tmp_path / "result.json"
    code = LIGHT.format(src=str(SRC), args=args, out=str(out))
    _run([sys.executable, "-c", code], redirect)
    import json

    status, heavy = json.loads(out.read_text())
    assert heavy == [] and status in (0, 1)
