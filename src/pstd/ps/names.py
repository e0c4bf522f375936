"""Name lookups ps shows instead of numbers: users, groups, terminals.

Each lookup is cached per run (one dict per kind); a miss costs one getpwuid /
getgrgid / stat, as it does in procps.  Facts follow procps 4.0.2:

- users and groups: the passwd/group name, or the decimal id when there is no
  entry or the name is 33 bytes or longer (procps's pwcache);
- terminals: the device number of /proc/PID/stat field 7 is mapped to a path by
  /proc/tty/drivers (last line first), then /proc/PID/fd/2, then a table of
  well-known majors, then /proc/PID/fd/255; each candidate must be a device
  node with that very number.  "/dev/" is dropped; ``tty4`` also drops a
  leading "tty" and "pts/".  No name gives "?".
"""

from __future__ import annotations

import os
import pwd
import grp

_NAME_MAX = 33  # procps P_G_SZ: names this long or longer print as numbers

user_names: dict[int, str] = {}
"""uid -> the name procps prints: user_name's cache (a formatter may read it before calling)."""
group_names: dict[int, str] = {}
"""gid -> the name procps prints: group_name's cache."""


def _name(cache: dict, number: int, lookup) -> str:
    """The name procps prints for a uid/gid: the database name, or the number when unknown or too long."""
    name = cache.get(number)
    if name is None:
        try:
            name = lookup(number)
            if len(name.encode("utf-8", "surrogateescape")) >= _NAME_MAX:
                name = str(number)
        except (KeyError, OverflowError, ValueError):
            name = str(number)
        cache[number] = name
    return name


def user_name(uid: int) -> str:
    """The user name procps prints for ``uid``."""
    return _name(user_names, uid, lambda n: pwd.getpwuid(n).pw_name)


def group_name(gid: int) -> str:
    """The group name procps prints for ``gid``."""
    return _name(group_names, gid, lambda n: grp.getgrgid(n).gr_name)


def dev_major(dev: int) -> int:
    return (dev >> 8) & 0xFFF


def dev_minor(dev: int) -> int:
    return (dev & 0xFF) | ((dev >> 12) & 0xFFF00)


_drivers: list[tuple[str, int, int, int, bool]] | None = None


def _load_drivers(proc: str = "/proc") -> list:
    """(name, major, first minor, last minor, devfs-style) per /proc/tty/drivers line, last line first."""
    out = []
    try:
        with open(proc + "/tty/drivers", "rb") as f:
            data = f.read(9999).decode("latin-1")
    except OSError:
        return out
    pos = 0
    while True:
        pos = data.find(" /dev/", pos)
        if pos < 0:
            break
        pos += 6
        end = data.find(" ", pos)
        if end < 0:
            continue
        name = data[pos:end]
        devfs = False
        if len(name) >= 3 and name.endswith("%d"):
            name = name[:-2]
            devfs = True
        name = name[:15]
        rest = data[end:].lstrip(" ")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        try:
            major = int(rest[:digits]) if digits else 0
        except ValueError:
            major = 0
        rest = rest[digits:].lstrip(" ")
        pos = end
        # sscanf("%u-%u")
        first_s = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            i += 1
        first_s = rest[:i]
        if not first_s:
            continue
        first = int(first_s)
        last = first
        if i < len(rest) and rest[i] == "-":
            j = i + 1
            while j < len(rest) and rest[j].isdigit():
                j += 1
            if j > i + 1:
                last = int(rest[i + 1:j])
        out.append((name, major & 0xFFFF, first, last, devfs))
    out.reverse()
    return out


def _is_dev(path: str, major: int, minor: int) -> bool:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    rdev = st.st_rdev
    return os.major(rdev) == major and os.minor(rdev) == minor


def _driver_name(major: int, minor: int, proc: str) -> str | None:
    global _drivers
    if _drivers is None:
        _drivers = _load_drivers(proc)
    for name, maj, first, last, devfs in _drivers:
        if maj == major and first <= minor <= last:
            break
    else:
        return None
    path = f"/dev/{name}{minor}"
    if _is_dev(path, major, minor):
        return path
    path = f"/dev/{name}/{minor}"
    if _is_dev(path, major, minor):
        return path
    if devfs:
        return None
    path = f"/dev/{name}"
    if _is_dev(path, major, minor):
        return path
    # procps stat()s the last candidate and then compares numbers: a mismatch fails.
    return None


def _link_name(major: int, minor: int, pid: int, which: str, proc: str) -> str | None:
    try:
        target = os.readlink(f"{proc}/{pid}/{which}")
    except OSError:
        return None
    if not target or len(target.encode("utf-8", "surrogateescape")) >= 127:
        return None
    if _is_dev(target, major, minor):
        return target
    return None


_LOW_DENSITY = (
    "LU0 LU1 LU2 LU3 FB0 SA0 SA1 SA2 SC0 SC1 SC2 SC3 FW0 FW1 FW2 FW3 "
    "AM0 AM1 AM2 AM3 AM4 AM5 AM6 AM7 AM8 AM9 AM10 AM11 AM12 AM13 AM14 AM15 "
    "DB0 DB1 DB2 DB3 DB4 DB5 DB6 DB7 SG0 SMX0 SMX1 SMX2 MM0 MM1 CPM0 CPM1 CPM2 CPM3 "
    + " ".join(f"IOC{i}" for i in range(32)) + " VR0 VR1 "
    + " ".join(f"IOC{i}" for i in range(84, 116)) + " "
    + " ".join(f"SIOC{i}" for i in range(32)) + " "
    + " ".join(f"PSC{i}" for i in range(6)) + " "
    + " ".join(f"AT{i}" for i in range(16)) + " "
    + " ".join(f"NX{i}" for i in range(16)) + " J0 UL0 UL1 UL2 UL3 xvc0 PZ0 PZ1 PZ2 PZ3 "
    + " ".join(f"TX{i}" for i in range(8)) + " SC0 SC1 SC2 SC3 MAX0 MAX1 MAX2 MAX3"
).split()

_SIMPLE_MAJORS = {
    11: "ttyB", 17: "ttyH", 19: "ttyC", 22: "ttyD", 23: "ttyD", 24: "ttyE", 32: "ttyX", 43: "ttyI",
    46: "ttyR", 48: "ttyL", 57: "ttyP", 71: "ttyF", 75: "ttyW", 78: "ttyM", 105: "ttyV", 112: "ttyM",
    148: "ttyT", 154: "ttySR", 164: "ttyCH", 166: "ttyACM", 172: "ttyMX", 174: "ttySI", 188: "ttyUSB",
    208: "ttyU", 216: "ttyUB", 224: "ttyY", 227: "3270/tty", 229: "iseries/vtty", 256: "ttyEQ",
}


def _guess_name(major: int, minor: int) -> str | None:
    if major == 3:
        if minor > 255:
            return None
        path = "/dev/tty" + "pqrstuvwxyzabcde"[minor >> 4] + "0123456789abcdef"[minor & 15]
    elif major == 4:
        path = f"/dev/tty{minor}" if minor < 64 else f"/dev/ttyS{minor - 64}"
    elif 136 <= major <= 143:
        path = f"/dev/pts/{minor + (major - 136) * 256}"
    elif major == 156:
        path = f"/dev/ttySR{minor + 256}"
    elif major == 204:
        if minor >= len(_LOW_DENSITY):
            return None
        path = "/dev/tty" + _LOW_DENSITY[minor]
    elif major in _SIMPLE_MAJORS:
        path = f"/dev/{_SIMPLE_MAJORS[major]}{minor}"
    else:
        return None
    return path if _is_dev(path, major, minor) else None


tty_names: dict[int, str] = {}
"""device number -> TTY text: tty_name's cache, of the answers that hold for every task."""


def tty_path(dev: int, pid: int, proc: str = "/proc") -> str | None:
    """The device path procps finds for terminal ``dev`` of task ``pid``, or None."""
    if not dev:
        return None
    major, minor = dev_major(dev), dev_minor(dev)
    path = _driver_name(major, minor, proc)
    if path is None:
        path = _link_name(major, minor, pid, "fd/2", proc)
    if path is None:
        path = _guess_name(major, minor)
    if path is None:
        path = _link_name(major, minor, pid, "fd/255", proc)
    return path


def _clean(name: str) -> str:
    # procps replaces bytes <= ' ' and > '~' by '?', and keeps at most 63 of them.
    raw = name.encode("utf-8", "surrogateescape")[:63]
    return "".join(chr(c) if 32 < c < 127 else "?" for c in raw)


def tty_name(dev: int, pid: int, proc: str = "/proc") -> str:
    """TT/TTY column text: "pts/0", "tty1", "ttyS0", "?"."""
    name = tty_names.get(dev)
    if name is None:
        path = tty_path(dev, pid, proc)
        if path is None:
            name = "?"
            # A per-pid fallback (fd/2, fd/255) may find a name for another task of the same
            # terminal; only cache the positive and "no tty" answers.
            if dev:
                return name
        else:
            if path.startswith("/dev/") and len(path) > 5:
                path = path[5:]
            name = _clean(path)
        tty_names[dev] = name
    return name


def tty4_name(dev: int, pid: int, proc: str = "/proc") -> str:
    """tty4 column text: like tty_name but without a leading "tty" or "pts/"."""
    name = tty_name(dev, pid, proc)
    if name == "?":
        return name
    if name.startswith("tty") and len(name) > 3:
        name = name[3:]
    if name.startswith("pts/") and len(name) > 4:
        name = name[4:]
    return name
