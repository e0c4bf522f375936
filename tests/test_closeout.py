"""pstd.ps.closeout's buffer against glibc's own stdio: the same fwrite lengths into a FILE on
/dev/full (through ctypes), the same answer at fclose (pending bytes and ENOSPC, or nothing
pending after a failed flush)."""

from __future__ import annotations

import ctypes
import errno
import os
import random

import pytest

from pstd.ps.closeout import BUFSIZ, RefusingStdout, buffer_size

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.fopen.restype = ctypes.c_void_p
_libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_libc.fwrite.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p]
_libc.ferror.argtypes = [ctypes.c_void_p]
_libc.fclose.argtypes = [ctypes.c_void_p]
_libc.setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t]
_IOLBF = 1


def _glibc(pieces, line_buffered=False) -> int:
    """The errno procps's close_stdout would report after these fwrites (0: a bare "write error")."""
    fp = _libc.fopen(b"/dev/full", b"w")
    assert fp
    if line_buffered:
        assert _libc.setvbuf(fp, None, _IOLBF, 0) == 0  # the buffer is still glibc's own size
    for n in pieces:
        data = b"x" * (abs(n) - 1) + b"\n" if n < 0 else b"x" * n
        _libc.fwrite(data, 1, len(data), fp)
    failed = _libc.ferror(fp)
    ctypes.set_errno(0)
    closed = _libc.fclose(fp)
    if closed != 0:
        return ctypes.get_errno()
    return 0 if failed else -1  # -1: no error at all


def _model(pieces, size, line_buffered=False) -> int:
    m = RefusingStdout(size, line_buffered=line_buffered)
    m.feed(pieces)
    if not m.failed and not m.fill:
        return -1
    return m.errno_at_exit(errno.ENOSPC)


def _size():
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        return buffer_size(fd)
    finally:
        os.close(fd)


EDGES = [
    [], [1], [4095], [4096], [4097], [9000], [4096, 1], [4095, 1], [4095, 2], [2048, 2048], [2048, 2049],
    [2048, 2048, 1], [1, 4096], [1, 4095], [1, 4095, 1], [100] * 41, [100] * 42, [-100] * 41, [-4096],
    [4096, 4096], [4096, 0, 1], [0, 0], [3000, 3000, 3000], [3000, 5000], [3000, 5000, 10],
]


@pytest.mark.parametrize("pieces", EDGES, ids=lambda p: ",".join(map(str, p[:4])) + ("..." if len(p) > 4 else ""))
def test_edges_close_as_glibc_closes(pieces):
    assert _model(pieces, _size()) == _glibc(pieces)


def test_random_listings_close_as_glibc_closes():
    rng = random.Random(7)
    size = _size()
    seen = set()
    for _ in range(400):
        pieces = []
        for _ in range(rng.randrange(1, 120)):
            cells = rng.randrange(1, 12)
            pieces += [rng.choice((1, 2, 5, 8, 11, 40, 145, 300, 5000)) if rng.random() < 0.1
                       else rng.randrange(1, 150) for _ in range(cells - 1)]
            pieces.append(-rng.randrange(1, 400))
        want = _glibc(pieces)
        assert _model(pieces, size) == want, pieces
        seen.add(want)
    assert seen == {0, errno.ENOSPC}  # both answers came up


def test_a_line_buffered_stream_closes_as_glibc_closes():
    """A terminal's stdout: every newline flushes (and fails), so nothing is pending at exit."""
    rng = random.Random(11)
    for _ in range(100):
        pieces = [rng.randrange(1, 200) if rng.random() < 0.7 else -rng.randrange(1, 200)
                  for _ in range(rng.randrange(1, 80))]
        assert _model(pieces, _size(), True) == _glibc(pieces, True), pieces


def test_buffer_size_is_st_blksize_below_bufsiz():
    assert buffer_size(None) == BUFSIZ
    assert _size() == os.stat("/dev/full").st_blksize == 4096
    r, w = os.pipe()
    try:
        assert buffer_size(w) == 4096
    finally:
        os.close(r)
        os.close(w)
