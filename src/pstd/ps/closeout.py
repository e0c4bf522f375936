"""What procps says at exit when stdout refused its writes.

procps prints each cell of a line with one ``fwrite`` (the blanks before it included, the
newline with the last cell) into glibc's stdout buffer, ignores what fwrite returns, and
learns of a failure only at exit, from ``close_stdout``.  glibc empties its buffer when a
flush fails, and drops the rest of the fwrite that caused the flush; so at exit either bytes
are still pending, fclose's own flush fails and the message carries that errno ("write
error: No space left on device"), or the last fwrite was the one that overflowed, nothing is
pending, fclose succeeds and the message is a bare "write error".  A closed descriptor fails
fclose's close() as well, so EBADF always keeps its errno.

:class:`RefusingStdout` is that buffer, fed the lengths of procps's fwrite calls
(``pstd.ps.render.Renderer.pieces``) from the point where pstd's own write failed.  It
assumes the descriptor refuses every write from then on (``/dev/full``, a full disk, EIO);
tests/test_closeout.py holds it to glibc's own stdio, driven through ctypes.
"""

from __future__ import annotations

import errno as _errno
import os

BUFSIZ = 8192
"""glibc's default buffer size; a descriptor with a smaller st_blksize gets a buffer that size."""


def buffer_size(fd: int | None) -> int:
    """The size of the buffer glibc gives a FILE on ``fd`` (its st_blksize when smaller than BUFSIZ)."""
    try:
        blk = os.fstat(fd).st_blksize if fd is not None else 0
    except (OSError, TypeError, ValueError):
        blk = 0
    return blk if 0 < blk < BUFSIZ else BUFSIZ


class RefusingStdout:
    """glibc's buffer of a stdout whose every write fails."""

    __slots__ = ("size", "fill", "allocated", "failed", "line_buffered")

    def __init__(self, size: int, fill: int = 0, allocated: bool = False, line_buffered: bool = False) -> None:
        self.size = size
        """The buffer's size (:func:`buffer_size`)."""
        self.fill = fill
        """Bytes in the buffer now."""
        self.allocated = allocated
        """Whether a write has happened yet (glibc allocates the buffer at the first)."""
        self.failed = False
        """Whether a flush has failed (the stream's error flag, which fclose does not clear)."""
        self.line_buffered = line_buffered
        """A terminal: each newline flushes."""

    def fwrite(self, n: int, newline: bool = False) -> None:
        """One fwrite of ``n`` bytes (``newline``: its last byte is the line's newline)."""
        if n <= 0:
            return  # fwrite of nothing does not touch the stream
        if not self.allocated:
            self.allocated = True
            if n >= self.size:
                # a first write of a block or more goes straight to the descriptor: it fails, nothing stays
                self.failed = True
                return
            self.fill = n
        elif n > self.size - self.fill:
            # the buffer fills, its flush fails: glibc empties it and drops the rest of this write
            self.fill = 0
            self.failed = True
            return
        else:
            self.fill += n
        if newline and self.line_buffered:
            self.fill = 0
            self.failed = True

    def feed(self, pieces) -> None:
        """fwrite each length in ``pieces``; a negative length is a last cell (its newline included)."""
        for n in pieces:
            if n < 0:
                self.fwrite(-n, True)
            else:
                self.fwrite(n)

    def errno_at_exit(self, err: int) -> int:
        """The errno close_stdout reports after writes failed with ``err``: ``err`` while bytes are
        pending or the descriptor is closed, 0 (a bare "write error") when an earlier flush failed
        and nothing is left to flush."""
        if err == _errno.EBADF or self.fill or not self.failed:
            return err
        return 0
