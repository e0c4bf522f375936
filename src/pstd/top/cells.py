"""How procps top 4.0.2 turns one value into the text of one column.

Every cell is the value fitted to the column's width and followed by one blank
(top's column separator).  Numbers that do not fit are cut to ``width - 1``
characters plus '+', strings the same; memory, counts and percentages step down
in precision or up in unit until they fit, and print '?' when nothing fits.
top computes in C ``float`` (32 bits): the values are rounded to it at each step
here too, so the last digit of a large VIRT or a %MEM comes out as top's.
"""

from __future__ import annotations

import struct

PAD = " "
PLUS = "+"
SUFFIXES = "kmgtpe"
"""top's unit suffixes (KiB, MiB, ... EiB), lower case as Debian builds it."""

_F32 = struct.Struct("f")


def f32(x: float) -> float:
    """``x`` as a C float holds it."""
    try:
        return _F32.unpack(_F32.pack(x))[0]
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def justify(text: str, width: int, right: bool) -> str:
    """printf ``%*.*s`` (or ``%-*.*s``) then the blank: padded and cut to ``width``."""
    text = text[:width] if width >= 0 else text
    return (text.rjust(width) if right else text.ljust(width)) + PAD


def make_chr(ch: str, width: int, right: bool) -> str:
    return justify(ch, width, right)


def make_num(num: int, width: int, right: bool) -> str:
    """An integer that is not scaled: cut to ``width - 1`` digits plus '+' when too wide."""
    text = "%d" % num
    if len(text) > width:
        if width <= 0:
            width = 1
        text = text[:width - 1] + PLUS
    return justify(text, width, right)


def make_str(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        if width <= 0:
            width = 1
        text = text[:width - 1] + PLUS
    return justify(text, width, right)


def make_str_cells(text: str, width: int, right: bool, cells=None) -> str:
    """make_str_utf8: as make_str, but counting screen cells (``cells(ch)``) instead of bytes.

    ``cells`` None means every character is one cell (the C locale, where the
    library has already replaced every byte above 0x7f)."""
    if cells is None or text.isascii():  # ASCII is one cell a character in every locale
        return make_str(text, width, right)
    used = sum(cells(c) for c in text)
    if used > width:
        out, room = [], width - 1
        for c in text:
            w = cells(c)
            if w > room:
                break
            out.append(c)
            room -= w
        text = "".join(out) + PLUS
        used = sum(cells(c) for c in text)
    pad = max(0, width - used)
    return (" " * pad + text if right else text + " " * pad) + PAD


def scale_mem(target: int, kib: float, width: int, right: bool) -> str:
    """A KiB amount in the unit ``target`` (0 KiB .. 5 EiB) or the first larger one that fits."""
    num = f32(kib)
    for i in range(5):
        if i >= target:
            text = "%.0f" % num if i == 0 else "%.1f%s" % (num, SUFFIXES[i])
            if len(text) <= width:
                return justify(text, width, right)
        num = f32(num / 1024.0)
    return justify("?", width, right)


def scale_num(num: float, width: int, right: bool) -> str:
    """A count (faults, i/o): plain, else in k, m, g, ... with one decimal or none."""
    num = f32(num)
    text = "%.0f" % num
    if len(text) <= width:
        return justify(text, width, right)
    for sfx in SUFFIXES:
        num = f32(num / 1024.0)
        for text in ("%.1f%s" % (num, sfx), "%.0f%s" % (num, sfx)):
            if len(text) <= width:
                return justify(text, width, right)
    return justify("?", width, right)


def scale_pcnt(num: float, width: int, right: bool) -> str:
    """A percentage with one decimal, else none, else '?'."""
    num = f32(num)
    text = "%#.1f" % num
    if len(text) <= width:
        return justify(text, width, right)
    text = "%*.0f" % (width, num)
    if len(text) <= width:
        return justify(text, width, right)
    return justify("?", width, right)


SECS, MINS, HOUR, DAY1, DAY2, WEEK, LAST = range(7)
"""scale_tics targets: the finest form top tries first."""


def scale_tics(tics: int, width: int, right: bool, target: int, hertz: int) -> str:
    """Cpu time: ``M:SS.hh`` (up to 6 hours), ``M:SS``, ``H,MM`` (up to 4 days), ``Dd+Hh``,
    ``Dd`` (up to 2 weeks), ``Ww+Dd``, ``Ww``, else '?': the first that fits."""
    nt = (tics * 100) // hertz
    cent = nt % 100
    secs = nt // 100
    mins = secs // 60
    hour = mins // 60
    days = hour // 24
    week = days // 7
    tries = []
    if target <= SECS and mins < 361:
        tries.append("%d:%02d.%02d" % (mins, secs % 60, cent))
    if target <= MINS and mins < 361:
        tries.append("%d:%02d" % (mins, secs % 60))
    if target <= HOUR and hour < 97:
        tries.append("%d,%02d" % (hour, mins % 60))
    if target <= DAY1 and days < 15:
        tries.append("%dd+%dh" % (days, hour % 24))
        tries.append("%dd" % days)
    elif target == DAY2:  # top enters that step past its 2-week test
        tries.append("%dd" % days)
    if target <= WEEK:
        tries.append("%dw+%dd" % (week, days % 7))
    tries.append("%dw" % week)
    for text in tries:
        if len(text) <= width:
            return justify(text, width, right)
    return justify("?", width, right)
