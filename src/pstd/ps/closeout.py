"""What procps says at exit when stdout refused its writes.

procps prints each cell of a line with one ``fwrite`` (the blanks before it included, the
newline with the last cell) into glibc's stdout buffer, ignores what fwrite returns, and
learns of a failure only at exit, from ``close_stdout``.  glibc empties its buffer when a
write fails, and drops the rest of the fwrite that caused it; so at exit either bytes are
still pending, fclose's own flush fails and the message carries that errno ("write error:
No space left on device"), or the last fwrite was the one whose write failed, nothing is
pending, fclose succeeds and the message is a bare "write error".  A closed descriptor fails
fclose's close() as well, so EBADF always keeps its errno.

:class:`Stdio` is that buffer, fed the lengths of procps's fwrite calls
(``pstd.ps.render.Renderer.pieces``) for a descriptor that accepts ``accepted`` bytes and
refuses every write after them (``/dev/full`` accepts none; a disk that fills up, some);
tests/test_closeout.py holds it to glibc's own stdio, driven through ctypes.
"""

from __future__ import annotations

import errno as _errno
import os
import stat as _stat

BUFSIZ = 8192
"""glibc's default buffer size; a descriptor with a smaller st_blksize gets a buffer that size."""


def buffer_size(fd: int | None) -> int:
    """The size of the buffer glibc gives a FILE on ``fd`` (its st_blksize when smaller than BUFSIZ)."""
    try:
        blk = os.fstat(fd).st_blksize if fd is not None else 0
    except (OSError, TypeError, ValueError):
        blk = 0
    return blk if 0 < blk < BUFSIZ else BUFSIZ


def line_buffered(fd: int | None) -> bool:
    """Whether glibc line-buffers a FILE on ``fd``: a character device that is a pty's slave
    side by its major number (136-143), hung up or not, or any terminal."""
    if fd is None:
        return False
    try:
        st = os.fstat(fd)
    except (OSError, TypeError, ValueError):
        return False
    if not _stat.S_ISCHR(st.st_mode):
        return False
    return 136 <= os.major(st.st_rdev) <= 143 or os.isatty(fd)


class Stdio:
    """glibc's buffer of a stdout whose descriptor accepts ``accepted`` bytes, then no more."""

    __slots__ = ("size", "accepted", "line_buffered", "written", "fill", "allocated", "failed")

    def __init__(self, size: int, accepted: int = 0, start: int = 0, line_buffered: bool = False) -> None:
        self.size = size
        """The buffer's size (:func:`buffer_size`)."""
        self.accepted = accepted
        """Bytes the descriptor takes in all before its writes fail."""
        self.line_buffered = line_buffered
        """A terminal: each newline flushes."""
        # ``start``: bytes procps had passed to fwrite before the first piece fed here, all of
        # them taken (pstd's own writes up to there went through): its buffer then holds their
        # tail past the last whole block (a line-buffered one, nothing)
        self.fill = 0 if line_buffered else start % size
        """Bytes in the buffer now."""
        self.written = start - self.fill
        """Bytes the descriptor has taken so far."""
        self.allocated = start > 0
        """Whether a write has happened yet (glibc allocates the buffer at the first)."""
        self.failed = False
        """Whether a write has failed (the stream's error flag, which fclose does not clear)."""

    def _write(self, n: int) -> bool:
        """One write(2) of ``n`` bytes (glibc retries a short one): whether all of it was taken."""
        if self.failed or self.written + n > self.accepted:
            self.failed = True
            self.fill = 0  # glibc resets the buffer whatever the write did
            return False
        self.written += n
        return True

    def fwrite(self, n: int, newline: bool = False) -> None:
        """One fwrite of ``n`` bytes (``newline``: its last byte is the line's newline)."""
        if n <= 0:
            return  # fwrite of nothing does not touch the stream
        size = self.size
        if not self.allocated:
            # the first write allocates the buffer (writing nothing) and goes on as after an overflow
            self.allocated = True
            rest = n
        elif n <= size - self.fill:
            self.fill += n
            rest = 0
        else:
            # the buffer fills and is written out; a failed write drops the rest of this fwrite
            rest = n - (size - self.fill)
            self.fill = size
            if not self._write(size):
                return
            self.fill = 0
        if rest:
            # what is left: whole blocks straight to the descriptor, the tail into the buffer
            whole = rest - rest % size
            if whole and not self._write(whole):
                return
            self.fill = rest % size
        if newline and self.line_buffered and self.fill:
            # a terminal's stream writes its buffer out at a newline, wherever the newline went in
            fill, self.fill = self.fill, 0
            self._write(fill)

    def feed(self, pieces) -> None:
        """fwrite each length in ``pieces``; a negative length is a last cell (its newline included)."""
        for n in pieces:
            if n < 0:
                self.fwrite(-n, True)
            else:
                self.fwrite(n)

    def errno_at_exit(self, err: int) -> int | None:
        """The errno close_stdout reports (0: a bare "write error"; None: no error at all), the
        descriptor's writes failing with ``err``: fclose flushes what is pending, and fails with
        ``err`` when that write fails or the descriptor is closed."""
        if err == _errno.EBADF:
            return err
        if self.fill and not self._write(self.fill):
            return err
        return 0 if self.failed else None
