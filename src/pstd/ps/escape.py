"""How procps 4.0.2 makes process text printable.

Two passes, as in procps:

1. ``lib_escape`` — what libproc2 does when it reads comm, cmdline, environ,
   cgroup and exe: in a UTF-8 locale control characters become "?" (and, from
   the first byte that cannot start a UTF-8 sequence on, everything is escaped
   as in the C locale); in any other locale control characters become "." and
   bytes >= 0x80 become "?".
2. ``out_escape`` — what ps does when it prints such a column, with a budget of
   screen cells: in a UTF-8 locale invalid sequences and non-printable
   characters become "?" (one per byte for invalid input, as mbrtowc reports
   them), wide characters count two cells; elsewhere the same table as pass 1.

Both work on bytes; ``out_escape`` returns (text, cells used).
"""

from __future__ import annotations

import os

_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
"""Bytes that pass both escapes unchanged in every locale."""

# C-locale table: control characters -> '.', bytes >= 0x80 -> '?'.
_C_TABLE = bytes(
    (0x2E if (c < 0x20 or c == 0x7F) else 0x3F if c >= 0x80 else c) for c in range(256)
)
# UTF-8 lead-byte classes (procps's UTF_tab): sequence length, or -1 when a byte cannot start one.
_UTF_LEN = [1] * 0x80 + [-1] * 0x42 + [2] * 30 + [3] * 16 + [4] * 5 + [-1] * 11
assert len(_UTF_LEN) == 256


def lib_escape(raw: bytes, utf8: bool) -> bytes:
    """libproc2's escape_str: the text as ps receives it from the library."""
    if not raw.translate(None, _PRINTABLE_ASCII):
        return raw
    if not utf8:
        return raw.translate(_C_TABLE)
    out = bytearray(raw)
    n = len(out)
    i = 0
    while i < n:
        c = out[i]
        k = _UTF_LEN[c]
        if k < 0 or i + k > n:
            out[i:] = bytes(out[i:]).translate(_C_TABLE)
            break
        if c < 0x20 or c == 0x7F:
            out[i] = 0x3F
        i += k
    return bytes(out)


def _wide(ch: str) -> int:
    """wcwidth for a printable multibyte character (glibc C.UTF-8 approximated by unicodedata)."""
    import unicodedata

    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me") or ch == "\u200b":
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def _printable(ch: str) -> bool:
    import unicodedata

    cat = unicodedata.category(ch)
    return cat not in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp")


def out_escape(text: bytes, utf8: bool, cells: int) -> tuple[str, int]:
    """ps's own escape_str with a budget of ``cells`` screen cells: (printable text, cells used)."""
    if cells <= 0:
        return "", 0
    if not text.translate(None, _PRINTABLE_ASCII):
        if len(text) > cells:
            text = text[:cells]
        return text.decode("ascii"), len(text)
    if not utf8:
        text = text[:cells].translate(_C_TABLE)
        return text.decode("ascii"), len(text)
    out: list[str] = []
    used = 0
    i = 0
    n = len(text)
    while i < n and used < cells:
        c = text[i]
        if c < 0x80:
            out.append(chr(c) if 0x20 <= c < 0x7F else "?")
            used += 1
            i += 1
            continue
        k = _UTF_LEN[c]
        ch = None
        if k > 1 and i + k <= n:
            try:
                ch = text[i:i + k].decode("utf-8")
            except UnicodeDecodeError:
                ch = None
        if ch is None or len(ch) != 1:
            out.append("?")
            used += 1
            i += 1
            continue
        if not _printable(ch):
            out.append("?")
            used += 1
            i += k
            continue
        w = _wide(ch)
        if w > cells - used:
            break
        out.append(ch)
        used += w
        i += k
    return "".join(out), used


def text_cells(text: str) -> int:
    """Screen cells of text produced by out_escape (for padding)."""
    if text.isascii():
        return len(text)
    return sum(_wide(ch) if ord(ch) >= 0x80 else 1 for ch in text)


def _original_environ() -> dict[str, str] | None:
    """The environment pstd was started with (/proc/self/environ), before any interpreter coercion."""
    try:
        fd = os.open(b"/proc/self/environ", os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(fd)
    env = {}
    for item in b"".join(chunks).split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
    return env


_UTF8_NAMES = ("utf-8", "utf8")


def locale_is_utf8(environ) -> bool:
    """Whether setlocale(LC_ALL, "") with this environment selects a UTF-8 LC_CTYPE.

    The locale name comes from LC_ALL, then LC_CTYPE, then LANG.  A name that
    names no installed locale makes setlocale fail, leaving ps in the C locale.
    When ``environ`` is this process's own environment, the original
    environment (/proc/self/environ) is used, because Python's C-locale
    coercion may have added LC_CTYPE=C.UTF-8.
    """
    if environ is os.environ:
        original = _original_environ()
        if original is not None:
            environ = original
    name = ""
    for key in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(key)
        if value:
            name = value
            break
    if not name or name in ("C", "POSIX"):
        return False
    # setlocale(LC_ALL, "") fails as a whole when any category names a missing locale.
    for key in ("LC_ALL",) if environ.get("LC_ALL") else (
        "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES",
        "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
    ):
        value = environ.get(key) or environ.get("LANG") or ""
        if value and not _locale_exists(value):
            return False
    _, _, codeset = name.partition(".")
    codeset = codeset.split("@", 1)[0].lower()
    return codeset in _UTF8_NAMES


_exists_cache: dict[str, bool] = {}


def _locale_exists(name: str) -> bool:
    if name in ("C", "POSIX"):
        return True
    hit = _exists_cache.get(name)
    if hit is not None:
        return hit
    base, _, rest = name.partition(".")
    codeset, _, modifier = rest.partition("@")
    norm = codeset.lower().replace("-", "")
    candidates = {name}
    if codeset:
        tail = "." + norm + ("@" + modifier if modifier else "")
        candidates.add(base + tail)
    found = False
    if base == "C" and norm in ("utf8",):
        found = True  # glibc >= 2.35 builds C.UTF-8 in
    else:
        for cand in candidates:
            if os.path.isdir("/usr/lib/locale/" + cand):
                found = True
                break
        if not found:
            found = _in_archive(candidates)
    _exists_cache[name] = found
    return found


def _in_archive(candidates) -> bool:
    try:
        with open("/usr/lib/locale/locale-archive", "rb") as f:
            data = f.read()
    except OSError:
        return False
    for cand in candidates:
        if (b"\0" + cand.encode() + b"\0") in data:
            return True
    return False
