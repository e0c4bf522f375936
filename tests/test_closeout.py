"""pstd.ps.closeout's buffer against glibc's own stdio: the same fwrite lengths into a FILE
(through ctypes) on /dev/full, or on a file whose size RLIMIT_FSIZE caps (a disk that fills
part way: a child process sets the limit), and the same answer at fclose: the errno while
bytes are pending, 0 when nothing is pending after a failed write, none without a failure."""

from __future__ import annotations

import ctypes
import errno
import os
import random
import resource
import signal
import stat

import pytest

from pstd.ps.closeout import BUFSIZ, Stdio, buffer_size, line_buffered

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.fdopen.restype = ctypes.c_void_p
_libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
_libc.fwrite.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p]
_libc.ferror.argtypes = [ctypes.c_void_p]
_libc.fclose.argtypes = [ctypes.c_void_p]
_libc.setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t]
_IOLBF = 1
NONE = -1
"""No error at all at fclose."""


def _glibc(pieces, path="/dev/full", limit=None, line_buffer=False) -> int:
    """What procps's close_stdout would see after these fwrites, in a child process (the file
    size limit is the process's): the errno of a failed fclose, 0 after a failed write with
    nothing pending, NONE without a failure."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            if limit is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of the signal
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
            fd = os.open(path, os.O_WRONLY | os.O_TRUNC if path != "/dev/full" else os.O_WRONLY)
            fp = _libc.fdopen(fd, b"w")
            if line_buffer:
                _libc.setvbuf(fp, None, _IOLBF, 0)  # the buffer stays glibc's own size
            for n in pieces:
                data = b"x" * (abs(n) - 1) + b"\n" if n < 0 else b"x" * n
                _libc.fwrite(data, 1, len(data), fp)
            failed = _libc.ferror(fp)
            ctypes.set_errno(0)
            if _libc.fclose(fp) != 0:
                out = ctypes.get_errno()
            else:
                out = 0 if failed else NONE
            os.write(w, str(out).encode())
        except BaseException:  # noqa: BLE001 - report in the parent
            code = 1
        os._exit(code)
    os.close(w)
    answer = os.read(r, 64)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    assert status == 0 and answer
    return int(answer)


def _model(pieces, size, accepted=0, err=errno.ENOSPC, line_buffer=False, start_at=0) -> int:
    """The model's answer; ``start_at``: the pieces before that index were taken (pstd's earlier
    chunks), the model starts after them."""
    m = Stdio(size, accepted=accepted, start=sum(abs(n) for n in pieces[:start_at]), line_buffered=line_buffer)
    m.feed(pieces[start_at:])
    got = m.errno_at_exit(err)
    return NONE if got is None else got


def _size(path="/dev/full"):
    fd = os.open(path, os.O_WRONLY)
    try:
        return buffer_size(fd)
    finally:
        os.close(fd)


def _listing(rng, lines=None):
    pieces = []
    for _ in range(lines or rng.randrange(1, 120)):
        cells = rng.randrange(1, 12)
        pieces += [rng.choice((1, 2, 5, 8, 11, 40, 145, 300, 5000)) if rng.random() < 0.1
                   else rng.randrange(1, 150) for _ in range(cells - 1)]
        pieces.append(-rng.randrange(1, 400))
    return pieces


EDGES = [
    [], [1], [4095], [4096], [4097], [9000], [4096, 1], [4095, 1], [4095, 2], [2048, 2048], [2048, 2049],
    [2048, 2048, 1], [1, 4096], [1, 4095], [1, 4095, 1], [100] * 41, [100] * 42, [-100] * 41, [-4096],
    [4096, 4096], [4096, 0, 1], [0, 0], [3000, 3000, 3000], [3000, 5000], [3000, 5000, 10], [-10], [-10, -10],
]


@pytest.mark.parametrize("pieces", EDGES, ids=lambda p: ",".join(map(str, p[:4])) + ("..." if len(p) > 4 else ""))
def test_edges_close_as_glibc_closes(pieces):
    assert _model(pieces, _size()) == _glibc(pieces)


def test_random_listings_close_as_glibc_closes():
    rng = random.Random(7)
    size = _size()
    seen = set()
    for _ in range(300):
        pieces = _listing(rng)
        want = _glibc(pieces)
        assert _model(pieces, size) == want, pieces
        seen.add(want)
    assert seen == {0, errno.ENOSPC}  # both answers came up


def test_a_line_buffered_stream_closes_as_glibc_closes():
    """A terminal's stdout: a newline flushes (from the second write on)."""
    rng = random.Random(11)
    for pieces in [[-10], [-10, -10], [5, -10], [-5000], [-3000, -3000], [3000, -3000]] + [
            [rng.randrange(1, 200) if rng.random() < 0.7 else -rng.randrange(1, 200)
             for _ in range(rng.randrange(1, 80))] for _ in range(100)]:
        assert _model(pieces, _size(), line_buffer=True) == _glibc(pieces, line_buffer=True), pieces


def test_a_file_that_fills_part_way_closes_as_glibc_closes(tmp_path):
    """The descriptor takes ``limit`` bytes, then refuses with EFBIG; pstd's earlier chunks
    (whole lines, all taken) are left out of what the model is fed, as execute does."""
    path = str(tmp_path / "out")
    open(path, "wb").close()
    size = _size(path)
    rng = random.Random(5)
    seen = set()
    for k in range(250):
        pieces = _listing(rng, rng.randrange(20, 200))
        total = sum(abs(n) for n in pieces)
        limit = rng.choice((rng.randrange(0, total), (rng.randrange(0, total) // size) * size,
                            rng.randrange(0, total) // size * size + rng.choice((1, size - 1)), total - 1))
        want = _glibc(pieces, path, limit)
        assert _model(pieces, size, limit, errno.EFBIG) == want, (limit, pieces)
        # from a line the descriptor took whole, after one of pstd's earlier chunks
        ends = [i + 1 for i, n in enumerate(pieces) if n < 0]
        taken = [i for i in ends if sum(abs(n) for n in pieces[:i]) <= limit]
        if taken:
            at = rng.choice(taken)
            assert _model(pieces, size, limit, errno.EFBIG, start_at=at) == want, (limit, at, pieces)
        seen.add(want)
    assert {0, errno.EFBIG} <= seen


def test_buffer_size_is_st_blksize_below_bufsiz():
    assert buffer_size(None) == BUFSIZ
    assert _size() == os.stat("/dev/full").st_blksize == 4096
    r, w = os.pipe()
    try:
        assert buffer_size(w) == 4096 and not line_buffered(w)
    finally:
        os.close(r)
        os.close(w)


def test_a_pty_is_line_buffered_even_hung_up():
    master, slave = os.openpty()
    try:
        assert stat.S_ISCHR(os.fstat(slave).st_mode) and line_buffered(slave)
        os.close(master)
        master = None
        assert line_buffered(slave)  # no longer a terminal to isatty, still a pty slave to glibc
    finally:
        if master is not None:
            os.close(master)
        os.close(slave)
    assert not line_buffered(None)
