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


def _lookup_user(name: str):
    import pwd

    try:
        return pwd.getpwnam(name).pw_uid
    except (KeyError, UnicodeEncodeError, ValueError):
        return None


def run(args: list[str], env=None) -> int:
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
        if not query.batch:
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
    except fields.SortUnsupported as e:
        env.stderr.write(f"pstd top: sorting by field '{e}' is not supported yet\n".encode())
        env.stderr.flush()
        return 1


def _batch(query, env) -> int:
    from pstd.backends import BackendUnavailable, open_backend
    from pstd.ps.errors import WriteError
    from pstd.ps.escape import _wide, locale_is_utf8
    from pstd.top.batch import Batch

    try:
        backend = open_backend(env.environ.get("PSTD_BACKEND") or "auto", env)
    except BackendUnavailable as e:
        env.stderr.write(f"pstd: {e}\n".encode())
        return 1
    utf8 = locale_is_utf8(env.environ)
    run = Batch(query, backend, env, utf8=utf8, cells_of=_wide if utf8 else None)
    out = env.stdout

    def write(text: str) -> None:
        out.write(text.encode("utf-8", "surrogateescape"))
        out.flush()  # a pipeline reader sees each frame as it is made

    try:
        run.run(write)
    except BrokenPipeError:
        return 0
    except WriteError as e:
        from pstd.env import program_name

        env.stderr.write((e.text(program_name()) + "\n").encode())
        return 1
    return 0
