"""``pstd top ARGS``: procps top's command line; batch mode here, the interactive screen later.

Only this module talks to the process (streams, exit status).  The batch path
imports the standard library and pstd's own light modules only.  top reads no
configuration file here: ``~/.config/procps/toprc``, ``~/.toprc`` and
``/etc/topdefaultrc`` are ignored, so pstd prints what top prints without one.
"""

from __future__ import annotations

import os

from pstd.top import options
from pstd.top.options import TopExit


class InteractiveUnavailable(Exception):
    """The interactive screen is not part of pstd yet."""


def run_interactive(query, env, columns=None, readonly=False) -> int:
    """The interactive screen (query: a TopQuery; env: the Environment); Textual is imported here only."""
    from pstd.top.tui.app import run

    return run(query, env, columns=columns, readonly=readonly)


def terminal_type_known(environ) -> bool:
    """Whether terminfo has an entry for $TERM (where ncurses looks: $TERMINFO, ~/.terminfo,
    $TERMINFO_DIRS, /etc/terminfo, /lib/terminfo, /usr/share/terminfo)."""
    term = environ.get("TERM") or ""
    if not term or "/" in term:
        return False
    dirs = [environ.get("TERMINFO") or ""]
    if environ.get("HOME"):
        dirs.append(os.path.join(environ["HOME"], ".terminfo"))
    dirs += (environ.get("TERMINFO_DIRS") or "").split(":")
    dirs += ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo"]
    for d in filter(None, dirs):
        for sub in (term[0], "%02x" % ord(term[0])):
            if os.path.isfile(os.path.join(d, sub, term)):
                return True
    return False


def _lookup_user(name: str):
    import pwd

    try:
        return pwd.getpwnam(name).pw_uid
    except (KeyError, UnicodeEncodeError, ValueError):
        return None


def signals_as_top(batch: bool) -> None:
    """top's endings, for the program only (a library caller's dispositions are its own):
    SIGINT, SIGTERM, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2 end a batch run with status 0 after a
    newline on stdout, also where the caller left SIGINT ignored (a shell's background job, as top
    sets its handler whatever it inherited); SIGHUP is ignored in batch mode (top runs under nohup)."""
    import signal

    def end(signo, frame):
        if batch:
            try:
                os.write(1, b"\n")
            except OSError:
                pass
        os._exit(0)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGALRM, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, end)
    if batch:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


def run(args: list[str], env=None, program: bool = False) -> int:
    """``program``: pstd runs as the command (it may set signal dispositions)."""
    from pstd.env import Environment, stream_is_terminal
    from pstd.ps.errors import WriteError

    if env is None:
        env = Environment.from_os()
    from pstd.top import fields

    try:
        from pstd.top.tui.argv import split

        words, columns, readonly = split(args, fields.NAMES)
        try:
            query = options.parse(words, fields.NAMES, _lookup_user)
        except TopExit:
            if words != args and any(w in ("-b", "--batch-mode") for w in words):
                options.parse(args, fields.NAMES, _lookup_user)  # top's own answer to the whole line
            raise
        if query.batch and words != args:
            options.parse(args, fields.NAMES, _lookup_user)  # batch mode has no -o LIST nor --readonly
        query.pids = [os.getpid() if p == -1 else p for p in query.pids]
        if program:
            signals_as_top(query.batch)
        if not query.batch:
            if words != args and not (terminal_type_known(env.environ) and stream_is_terminal(0)):
                options.parse(args, fields.NAMES, _lookup_user)  # no screen: top's own answer
            if not terminal_type_known(env.environ):
                # top's setupterm fails and exits 1; its complaint goes to the /dev/null top
                # keeps as stderr during start-up
                return 1
            if not stream_is_terminal(0):
                raise options.fail(options.FAILED_TTY)
            return run_interactive(query, env, columns=columns, readonly=readonly)
        return _batch(query, env)
    except TopExit as e:
        try:
            if e.out:
                env.stdout.write(e.out.encode())
                env.stdout.flush()
        except (BrokenPipeError, WriteError):
            pass
        env.stderr.write(e.err.encode("utf-8", "surrogateescape"))
        env.stderr.flush()
        return e.status
    except InteractiveUnavailable as e:
        env.stderr.write(f"pstd top: {e}\n".encode())
        env.stderr.flush()
        return 1


def _batch(query, env) -> int:
    from pstd.backends import BackendUnavailable, open_backend
    from pstd.ps.errors import WriteError
    from pstd.ps.escape import _wide, locale_is_utf8
    from pstd.top.batch import Batch

    from pstd.backends import NAMES
    from pstd.ps import errors

    choice = env.environ.get("PSTD_BACKEND") or "auto"
    try:
        if choice not in NAMES:  # the ps path's text for the same mistake
            raise BackendUnavailable(errors.BAD_BACKEND.format(choice, "PSTD_BACKEND", ", ".join(NAMES)))
        backend = open_backend(choice, env)
    except BackendUnavailable as e:
        text = str(e) if str(e).startswith("pstd: ") else errors.UNAVAILABLE_BACKEND.format(e)
        env.stderr.write((text + "\n").encode())
        env.stderr.flush()
        return 1
    utf8 = locale_is_utf8(env.environ)
    run = Batch(query, backend, env, utf8=utf8, cells_of=_wide if utf8 else None)
    out = env.stdout
    closed = out.raw is None
    if closed:
        # top's start-up dup()s stderr, which takes the free descriptor 1: frames then go to
        # stderr, the final newline goes nowhere, and the run succeeds
        out = env.stderr

    def write(text: str) -> None:
        out.write(text.encode("utf-8", "surrogateescape"))
        out.flush()  # a pipeline reader sees each frame as it is made

    try:
        run.run(write, end="" if closed else "\n")
    except BrokenPipeError:
        return 0
    except WriteError:
        from pstd.env import program_name

        # top's close_stdout reports the failure without its errno
        env.stderr.write(f"{program_name()}: write error\n".encode())
        env.stderr.flush()
        return 1
    return 0
