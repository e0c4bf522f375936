"""``pstd <ps arguments>``: parse → rows (dump, select, sort) → text → stdout.

Only this module talks to the process: it builds the Environment (unless a
test injects one), turns every failure into procps's message and exit status,
and keeps the start-up path light (nothing heavy is imported here).
"""

from __future__ import annotations

import os
import sys

from pstd.ps import errors
from pstd.ps.errors import PsError, PsExit, PsFatal

OUTBUF_SIZE = 2 * 64 * 1024


def _own_tty(env) -> int:
    """The caller's controlling terminal (device number from /proc/self/stat; 0 when none)."""
    if "own_tty" in env.extra:
        return env.extra["own_tty"]
    tty = 0
    try:
        with open(os.path.join(env.proc, "self/stat"), "rb") as f:
            data = f.read()
        tty = int(data[data.rindex(b")") + 2:].split()[4])
    except (OSError, ValueError, IndexError):
        tty = 0
    env.extra["own_tty"] = tty
    return tty


def _take_backend_option(args: list[str], env) -> tuple[list[str], str]:
    """Strip pstd's own ``--backend NAME`` / ``--backend=NAME`` (ps has no such option)."""
    from pstd.backends import NAMES as BACKENDS

    choice = env.environ.get("PSTD_BACKEND") or "auto"
    out = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--backend=") and a[10:] in BACKENDS:
            choice = a[10:]
        elif a == "--backend" and i + 1 < len(args) and args[i + 1] in BACKENDS:
            choice = args[i + 1]
            i += 1
        else:
            out.append(a)
        i += 1
    return out, choice


def _backend(env, choice: str):
    """The backend ``choice`` (auto, procfs, netlink) resolves to (pstd.backends.choose decides)."""
    from pstd.backends import choose

    name = choose(choice)
    if name == "netlink":
        from pstd.backends.netlink import NetlinkBackend

        return NetlinkBackend(env)
    from pstd.backends.procfs import ProcfsBackend

    return ProcfsBackend(env)


def _context(env, query):
    from pstd.ps.context import make_context

    return make_context(env, query)


def _check_quick(query) -> None:
    quick = sum(1 for s in query.selections if s.kind == "quick_pid")
    if quick > 1:
        raise PsFatal(errors.QUICK_ONCE)
    if quick and len(query.selections) > quick:
        raise PsFatal(errors.QUICK_COMBINED)
    if quick and query.forest_type:
        raise PsFatal(errors.QUICK_FOREST)
    if quick and query.sort_keys:
        raise PsFatal(errors.QUICK_SORT)
    if quick and query.negate:
        raise PsFatal(errors.QUICK_NEGATE)


def execute(query, env, backend=None, lookup=None) -> int:
    """List the tasks a parsed query asks for (rows → text → stdout); returns the exit status."""
    from pstd.ps.render import line_budget, render_text
    from pstd.ps.rows import rows

    if lookup is None:
        from pstd.ps.columns import lookup
    if backend is None:
        backend = _backend(env, env.extra.get("backend_choice", "auto"))
    ctx = _context(env, query)
    listing = rows(query, backend, ctx, lookup)
    data = render_text(listing, query, ctx, lookup)
    if line_budget(query, lookup) > OUTBUF_SIZE:
        # procps complains once per printed line when the width exceeds its buffer
        env.stderr.write(b"fix bigness error\n" * data.count(b"\n"))
    if data:
        env.stdout.write(data)
    env.stdout.flush()
    return errors.EXIT_OK if len(listing) else errors.EXIT_FAILURE


PROG = "ps"
"""The program name in usage, help and version texts.

pstd answers as the command it replaces: scripts and people compare these texts
(``ps -V | grep procps-ng``, the usage lines after an error), and pstd's
behaviour is procps-ng 4.0.2's, which is what ``-V`` reports."""


def run(args: list[str], env=None, prog: str | None = None, backend=None) -> int:
    """Run ps with ``args`` (no program name).  Never raises; returns the exit status."""
    from pstd.env import Environment

    if env is None:
        env = Environment.from_os()
    if prog is None:
        prog = PROG
    debug = env.environ.get("PSTD_DEBUG") == "1"
    try:
        args, choice = _take_backend_option(list(args), env)
        env.extra["backend_choice"] = choice
        _own_tty(env)
        from pstd.ps.parser import parse

        query = parse(args, env, prog=prog)
        for w in query.warnings:
            env.stderr.write((w + "\n").encode())
        _check_quick(query)
        return execute(query, env, backend=backend)
    except PsExit as e:
        try:
            env.stdout.flush()
        except BrokenPipeError:
            _quiet_stdout()
        return e.status
    except PsError as e:
        from pstd.ps.help import help_text

        text = "error: {}\n".format(e.message) + help_text(prog, None)
        env.stderr.write(text.encode())
        env.stderr.flush()
        return e.exit_status
    except PsFatal as e:
        env.stderr.write((e.message + "\n").encode())
        env.stderr.flush()
        return e.exit_status
    except BrokenPipeError:
        _quiet_stdout()
        return errors.EXIT_OK  # procps exits 0 on SIGPIPE ("ps | head")
    except KeyboardInterrupt:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return 130
    except Exception as e:  # never a traceback unless asked for
        if debug:
            raise
        try:
            env.stderr.write((errors.UNEXPECTED.format(prog, e or type(e).__name__) + "\n").encode())
            env.stderr.flush()
        except Exception:
            pass
        return errors.EXIT_FAILURE


def _quiet_stdout() -> None:
    """After EPIPE, point fd 1 at /dev/null so the interpreter's final flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
