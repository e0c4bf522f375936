"""``pstd <ps arguments>``: parse → rows (dump, select, sort) → text → stdout.

Only this module talks to the process: it builds the Environment (unless a
test injects one), turns every failure into procps's message and exit status,
and keeps the start-up path light (nothing heavy is imported here).
"""

from __future__ import annotations

import errno
import os
import sys

from pstd.ps import errors
from pstd.ps.errors import OptionError, PsError, PsFatal, WriteError

OUTBUF_SIZE = 2 * 64 * 1024

RETAIN: list | None = None
"""When a list, :func:`execute` keeps each listing in it instead of freeing it.

The pstd program sets it and ends with ``os._exit``: tens of thousands of records
are then never freed one by one, which would cost a few percent of a large run.
Library callers leave it None."""


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
    """Strip pstd's own ``--backend NAME`` / ``--backend=NAME`` (ps has no such option).

    A value that names no backend fails here with the same text as a bad
    ``PSTD_BACKEND``, instead of reaching the ps parser as an unknown option."""
    from pstd.backends import NAMES as BACKENDS

    choice, source = env.environ.get("PSTD_BACKEND") or "auto", "PSTD_BACKEND"
    out = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--backend="):
            choice, source = a[10:], "--backend"
        elif a == "--backend":
            if i + 1 >= len(args):
                raise OptionError(errors.NO_BACKEND.format(", ".join(BACKENDS)))
            choice, source = args[i + 1], "--backend"
            i += 1
        else:
            out.append(a)
        i += 1
    if choice not in BACKENDS:
        raise OptionError(errors.BAD_BACKEND.format(choice, source, ", ".join(BACKENDS)))
    return out, choice


def _backend(env, choice: str):
    """The backend ``choice`` (auto, procfs, netlink) resolves to (pstd.backends.open_backend decides).

    A known backend that cannot serve here is refused before anything is read."""
    from pstd.backends import BackendUnavailable, open_backend

    try:
        return open_backend(choice, env)
    except BackendUnavailable as e:
        raise OptionError(errors.UNAVAILABLE_BACKEND.format(e)) from None


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
    if len(query.quick_pids) > errors.QUICK_MAX:
        raise PsFatal(errors.QUICK_TOO_MANY)


def execute(query, env, backend=None, lookup=None) -> int:
    """List the tasks a parsed query asks for (rows → text → stdout); returns the exit status."""
    from pstd.ps.render import line_budget, render_chunks, render_text
    from pstd.ps.rows import row_chunks, rows

    if lookup is None:
        from pstd.ps.columns import lookup
    if backend is None:
        backend = _backend(env, env.extra.get("backend_choice", "auto"))
    ctx = _context(env, query)
    # procps complains once per printed line when the width exceeds its buffer
    bigness = line_budget(query, lookup) > OUTBUF_SIZE
    chunks = row_chunks(query, backend)
    if chunks is not None:
        # printed as read: each chunk's records are freed (and their memory reused) after it
        shown = 0
        stdio = failure = None
        stream = render_chunks(chunks, query, ctx, lookup)
        try:
            for data, n, pieces in stream:
                shown += n
                if bigness:
                    env.stderr.write(b"fix bigness error\n" * data.count(b"\n"))
                if failure is None:
                    failure, stdio = _deliver(env, data)
                if failure is not None:
                    # ps goes on to its last line whatever its writes did (and so does pstd,
                    # without writing): what it says at exit depends on all of them
                    stdio.feed(pieces())
        finally:
            # a write that failed: the backend's open /proc goes now, not with the traceback
            stream.close()
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if failure is not None:
            raise _at_exit(stdio, failure)
        return errors.EXIT_OK if shown else errors.EXIT_FAILURE
    listing = rows(query, backend, ctx, lookup)
    if RETAIN is not None:
        RETAIN.append(listing)
    data = render_text(listing, query, ctx, lookup)
    if bigness:
        env.stderr.write(b"fix bigness error\n" * data.count(b"\n"))
    failure, stdio = _deliver(env, data)
    if failure is not None:
        from pstd.ps.render import render_pieces

        stdio.feed(render_pieces(listing, query, ctx, lookup))
        raise _at_exit(stdio, failure)
    return errors.EXIT_OK if len(listing) else errors.EXIT_FAILURE


def _deliver(env, data: bytes):
    """Write ``data`` to stdout: (None, None), or when a write fails, (its WriteError, procps's
    stdout buffer at the first byte of ``data``) for the caller to feed what ps would write."""
    out = env.stdout
    before = _accepted(out)
    try:
        if data:
            out.write(data)
        out.flush()
    except WriteError as e:
        return e, _stdio(env, before)
    return None, None


def _accepted(out) -> int:
    return getattr(out, "accepted", 0)


def _stdout_fd(env):
    try:
        return env.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _stdio(env, start: int):
    """procps's stdout buffer (pstd.ps.closeout) at the byte ``start`` of the output, all before it
    taken, the descriptor taking what it took of pstd's writes and nothing more."""
    from pstd.ps.closeout import Stdio, buffer_size, line_buffered

    fd = _stdout_fd(env)
    return Stdio(buffer_size(fd), accepted=_accepted(env.stdout), start=start, line_buffered=line_buffered(fd))


def _at_exit(stdio, failure):
    """The WriteError procps's close_stdout raises after these writes (its errno, or none)."""
    err = stdio.errno_at_exit(failure.errno)
    return WriteError(failure.errno if err is None else err)


PROG = "ps"
"""The program name in usage, help and version texts.

pstd answers as the command it replaces: scripts and people compare these texts
(``ps -V | grep procps-ng``, the usage lines after an error), and pstd's
behaviour is procps-ng 4.0.2's, which is what ``-V`` reports."""


def run(args: list[str], env=None, prog: str | None = None, backend=None, argv0: str | None = None) -> int:
    """Run ps with ``args`` (no program name).  Never raises; returns the exit status.

    ``prog`` names pstd in usage and help texts (procps's "ps"); ``argv0`` in
    write errors, where procps uses its argv[0]."""
    from pstd.env import Environment, program_name

    if env is None:
        env = Environment.from_os()
    if prog is None:
        prog = PROG
    if argv0 is None:
        argv0 = program_name()
    debug = env.environ.get("PSTD_DEBUG") == "1"
    try:
        status = _run(args, env, prog, backend)
        env.stdout.flush()
    except PsError as e:
        from pstd.ps.help import help_text

        _say(env, "error: {}\n".format(e.message) + help_text(prog, None))
        status = errors.status_of(e)
    except (PsFatal, OptionError) as e:
        _say(env, e.message + "\n")
        status = errors.status_of(e)
    except WriteError as e:
        _quiet_stdout()
        _say(env, e.text(argv0) + "\n")
        status = errors.status_of(e)
    except BrokenPipeError:
        _quiet_stdout()
        return errors.EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        # only reached when SIGINT had a Python handler (run() called from Python code)
        die_by_signal(2)
        raise
    except Exception as e:  # never a traceback unless asked for
        if debug:
            raise
        _say(env, errors.UNEXPECTED.format(prog, e or type(e).__name__) + "\n")
        status = errors.status_of(e)
    env.stderr.flush()
    if getattr(env.stderr, "failed", False):
        status = errors.EXIT_FAILURE  # procps's close_stdout fails when stderr did
    return status


def _run(args, env, prog, backend) -> int:
    args, choice = _take_backend_option(list(args), env)
    env.extra["backend_choice"] = choice
    _own_tty(env)
    from pstd.ps.parser import parse

    query = parse(args, env, prog=prog)
    if query.action != "list":
        return _act(query, env, prog)
    for w in query.warnings:
        env.stderr.write(_bytes(w + "\n"))
    _check_quick(query)
    if backend is None:
        backend = _backend(env, choice)
    return execute(query, env, backend=backend)


def _act(query, env, prog) -> int:
    """Carry out what the parser asked for instead of a listing."""
    from pstd.ps import help as h

    if query.action == "info":
        env.stderr.write(_bytes(query.action_text))
        return errors.EXIT_OK
    if query.action == "help":
        text = h.help_text(prog, query.help_section)
    elif query.action == "version":
        text = h.version_text(prog)
    elif query.action == "list_specifiers":
        text = h.specifier_list()
    else:
        raise ValueError("unknown action " + query.action)
    try:
        env.stdout.write(_bytes(text))
        env.stdout.flush()
    except WriteError as e:
        from pstd.ps.closeout import line_buffered

        # procps prints these texts in several writes, a newline flushing a terminal's buffer: the
        # last one's failure leaves nothing pending (a bare "write error"); a block-buffered
        # stream still holds their tail at exit (these texts are at most about one block)
        if e.errno != errno.EBADF and line_buffered(_stdout_fd(env)):
            raise WriteError(0) from None
        raise
    return errors.EXIT_OK


def _bytes(text: str) -> bytes:
    """argv-derived text back to the bytes it came from (not UTF-8 bytes survive, as they do in procps)."""
    return text.encode("utf-8", "surrogateescape")


def _say(env, text: str) -> None:
    try:
        env.stderr.write(_bytes(text))
        env.stderr.flush()
    except Exception:
        pass


def die_by_signal(signo: int) -> None:
    """End the process by ``signo`` with its default action, as procps does for SIGINT/SIGTERM."""
    import signal

    signal.signal(signo, signal.SIG_DFL)
    os.kill(os.getpid(), signo)


def _quiet_stdout() -> None:
    """After a failed write, point fd 1 at /dev/null so the interpreter's final flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
