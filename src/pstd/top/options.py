"""procps top 4.0.2's command line: its options, its argument quirks, its texts.

top reads its options with getopt_long and then, for every option getopt gave no
argument, takes the next word as the argument when it does not start with '-'
(so ``-d 1``, ``-w 100`` and ``-b foo`` read the word after; an option that takes no
argument then fails on it as ``unknown option 'foo'``).  Errors are one line,
``top: TEXT``, exit 1.  getopt's own complaints (an unknown letter, a missing
required argument) are printed by getopt and end top with status 0, after a blank
line on stdout when ``-b`` came first.  pstd answers as ``top`` in every text,
because scripts compare them.
"""

from __future__ import annotations

from pstd.plainclass import Factory, plain

NAME = "top"
SCREENMAX = 512
W_MIN_COL = 3
MONPIDMAX = 20
DEF_DELAY = 3.0
"""Debian builds top with its original defaults (ORIG_TOPDEFS): 3 seconds, no forest, comm."""

SCALES = "kmgtpe"

SHORT = "bcd:E:e:Hhin:Oo:p:SsU:u:Vw::1"
LONG = (  # (name, has_arg: 0 none / 1 required / 2 optional, letter), in top's order
    ("batch-mode", 0, "b"), ("cmdline-toggle", 0, "c"), ("delay", 1, "d"),
    ("scale-summary-mem", 1, "E"), ("scale-task-mem", 1, "e"), ("threads-show", 0, "H"),
    ("help", 0, "h"), ("idle-toggle", 0, "i"), ("iterations", 1, "n"), ("list-fields", 0, "O"),
    ("sort-override", 1, "o"), ("pid", 1, "p"), ("accum-time-toggle", 0, "S"),
    ("secure-mode", 0, "s"), ("filter-any-user", 1, "U"), ("filter-only-euser", 1, "u"),
    ("version", 0, "V"), ("width", 2, "w"), ("single-cpu-toggle", 0, "1"),
)

HELP = """
Usage:
 top [options]

Options:
 -b, --batch-mode                run in non-interactive batch mode
 -c, --cmdline-toggle            reverse last remembered 'c' state
 -d, --delay =SECS [.TENTHS]     iterative delay as SECS [.TENTHS]
 -E, --scale-summary-mem =SCALE  set mem as: k,m,g,t,p,e for SCALE
 -e, --scale-task-mem =SCALE     set mem with: k,m,g,t,p for SCALE
 -H, --threads-show              show tasks plus all their threads
 -i, --idle-toggle               reverse last remembered 'i' state
 -n, --iterations =NUMBER        exit on maximum iterations NUMBER
 -O, --list-fields               output all field names, then exit
 -o, --sort-override =FIELD      force sorting on this named FIELD
 -p, --pid =PIDLIST              monitor only the tasks in PIDLIST
 -S, --accum-time-toggle         reverse last remembered 'S' state
 -s, --secure-mode               run with secure mode restrictions
 -U, --filter-any-user =USER     show only processes owned by USER
 -u, --filter-only-euser =USER   show only processes owned by USER
 -w, --width [=COLUMNS]          change print width [,use COLUMNS]
 -1, --single-cpu-toggle         reverse last remembered '1' state

 -h, --help                      display this help text, then exit
 -V, --version                   output version information & exit

For more details see top(1).
"""
VERSION = "top from procps-ng 4.0.2\n"

# top's texts (its message table), formatted with % as top does
BAD_DELAY = "bad delay interval '%s'"
BAD_ITERATIONS = "bad iterations argument '%s'"
PID_LIMIT = "pid limit (%d) exceeded"
BAD_PID = "bad pid '%s'"
MISSING_ARG = "-%s argument missing"
BAD_WIDTH = "bad width arg '%s'"
UNKNOWN_OPTION = "unknown option '%s'"
DELAY_SECURE = '-d disallowed in "secure" mode'
DELAY_NEGATIVE = "-d requires positive argument"
BAD_USER = "Invalid user"
SELECT_CLASH = "conflicting process selections (U/p/u)"
BAD_FIELD = "unrecognized field name '%s'"
BAD_SCALE = "bad memory scaling arg '%s'"
FAILED_TTY = "failed tty get"


class TopExit(Exception):
    """The end of a top run before any frame: what goes to stdout and stderr, and the status."""

    def __init__(self, status: int, out: str = "", err: str = "") -> None:
        super().__init__(err or out)
        self.status = status
        self.out = out
        self.err = err


def fail(text: str) -> TopExit:
    """top's error_exit: ``top: TEXT`` on stderr, status 1, nothing on stdout."""
    return TopExit(1, err=f"{NAME}: {text}\n")


@plain
class TopQuery:
    """What a top command line asks for; plain data, read by the batch loop and (later) the TUI."""

    batch: bool = False
    cmdline: bool = False
    """-c: COMMAND shows the command line instead of the name."""
    delay: float = DEF_DELAY
    iterations: int = -1
    """-n: frames to show; -1 runs until killed."""
    summary_scale: int = 1
    """-E: index into SCALES for the memory lines (MiB by default)."""
    task_scale: int = 0
    """-e: index into SCALES for the memory columns (KiB by default)."""
    threads: bool = False
    idle: bool = True
    """Idle tasks shown; -i turns them off (only tasks that used cpu since the last frame)."""
    maxtasks: int = 0
    sort_field: str = "%CPU"
    sort_descending: bool = True
    pids: list = Factory(list)
    user_filter: str = ""
    """'' (none), 'u' (effective uid) or 'U' (real, effective, saved or filesystem uid)."""
    user_uid: int = -1
    user_match: bool = True
    """False for ``-u !USER``: every task but that user's."""
    cumulative: bool = False
    """-S: TIME and TIME+ include the times of waited-for children."""
    secure: bool = False
    width_mode: int = 0
    """-w: 0 not given, -1 without a number (COLUMNS or 512), else the width asked for."""
    cpu_summary: bool = True
    """One %Cpu(s) line; -1 shows a line per cpu."""
    forest: bool = False


def _mkfloat(text: str, whole: bool):
    """top's mkfloat: a number, or None.  Whole numbers take C's strtol base 0 (0x1f, 017)."""
    import math

    if whole:
        v = _strtol0(text)
        return float(v) if v is not None and v < 2**31 - 1 else None
    v = _strtof(text)
    if v is None:
        swapped = text.replace(".", ",", 1) if "." in text else text.replace(",", ".", 1)
        v = _strtof(swapped)
    if v is None or math.isnan(v) or not v < 2**31 - 1:
        return None
    return v


def _strtol0(text: str):
    import re

    m = re.fullmatch(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", text)
    if not m:
        return None
    body = m.group(2)
    if body[:2] in ("0x", "0X"):
        v = int(body, 16)
    elif body.startswith("0"):
        v = int(body, 8)
    else:
        v = int(body)
    return -v if m.group(1) == "-" else v


def _strtof(text: str):
    """strtof of the whole word in the C locale (leading blanks allowed, nothing after)."""
    import re

    m = re.fullmatch(r"[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
                     r"|0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*(?:[pP][+-]?\d+)?|inf(?:inity)?|nan))", text,
                     re.IGNORECASE)
    if not m:
        return None
    word = m.group(1)
    try:
        if "x" in word.lower():
            return float.fromhex(word)
        return float(word)
    except ValueError:
        return None


def _sscanf_int(text: str):
    """sscanf("%d"): leading blanks, a sign, digits; None when no digits."""
    import re

    m = re.match(r"[ \t\n\v\f\r]*([+-]?\d+)", text)
    if not m:
        return None
    v = int(m.group(1))
    return ((v + 2**31) % 2**32) - 2**31  # C's int wraps


class _Getopt:
    """glibc getopt_long over top's table, as far as top's argument handling can tell.

    Non-option words are set aside (glibc permutes them to the end); ``--`` ends the
    options.  Yields (letter, optarg) or ('?', None) after a complaint on stderr."""

    def __init__(self, args: list[str]) -> None:
        self.args = list(args)
        self.optind = 0
        self.rest: list[str] = []
        self.nextchar = ""
        self.err = ""

    def _short_kind(self, ch: str) -> int:
        i = SHORT.find(ch)
        if ch == ":" or i < 0:
            return -1
        if SHORT[i + 1:i + 3] == "::":
            return 2
        return 1 if SHORT[i + 1:i + 2] == ":" else 0

    def next(self):
        if not self.nextchar:
            while True:
                if self.optind >= len(self.args):
                    return None
                a = self.args[self.optind]
                if a == "--":
                    self.rest.extend(self.args[self.optind + 1:])
                    self.optind = len(self.args)
                    return None
                if a.startswith("-") and a != "-":
                    break
                self.rest.append(a)
                self.args.pop(self.optind)
            self.optind += 1
            if a.startswith("--"):
                return self._long(a[2:])
            self.nextchar = a[1:]
        ch, self.nextchar = self.nextchar[0], self.nextchar[1:]
        kind = self._short_kind(ch)
        if kind < 0:
            self.err += f"{NAME}: invalid option -- '{ch}'\n"
            return "?", None
        if kind == 0:
            return ch, None
        if self.nextchar:
            arg, self.nextchar = self.nextchar, ""
            return ch, arg
        if kind == 2:
            return ch, None
        if self.optind >= len(self.args):
            self.err += f"{NAME}: option requires an argument -- '{ch}'\n"
            return "?", None
        arg = self.args[self.optind]
        self.optind += 1
        return ch, arg

    def _long(self, word: str):
        name, eq, value = word.partition("=")
        exact = [o for o in LONG if o[0] == name]
        found = exact or [o for o in LONG if o[0].startswith(name)]
        if not found:
            self.err += f"{NAME}: unrecognized option '--{name}'\n"
            return "?", None
        if len(found) > 1:
            names = " ".join(f"'--{o[0]}'" for o in found)
            self.err += f"{NAME}: option '--{name}' is ambiguous; possibilities: {names}\n"
            return "?", None
        full, kind, letter = found[0]
        if eq:
            if kind == 0:
                self.err += f"{NAME}: option '--{full}' doesn't allow an argument\n"
                return "?", None
            return letter, value
        if kind == 1:
            if self.optind >= len(self.args):
                self.err += f"{NAME}: option '--{full}' requires an argument\n"
                return "?", None
            self.optind += 1
            return letter, self.args[self.optind - 1]
        return letter, None

    def take_next(self):
        """The word after the current option, consumed (top's fix-up of getopt), or None at the end."""
        if self.optind < len(self.args):
            self.optind += 1
            return self.args[self.optind - 1]
        return None

    def peek(self):
        return self.args[self.optind] if self.optind < len(self.args) else None


def parse(args: list[str], field_names, lookup_user=None) -> TopQuery:
    """A TopQuery from top's arguments (argv without the program name), or a TopExit.

    ``field_names``: the names -o accepts, in top's order (fields.NAMES).
    ``lookup_user(text) -> uid or None`` resolves -u/-U names (pwd by default)."""
    q = TopQuery()
    g = _Getopt(args)
    pending_delay = None

    def early_end(out: str = "") -> TopExit:
        # bye_bye: a batch run always ends its stdout with a newline
        return TopExit(0, out=out + ("\n" if q.batch else ""), err=g.err)

    while True:
        got = g.next()
        if got is None:
            break
        ch, cp = got
        if ch == "?":
            raise early_end()
        if cp is None:
            nxt = g.peek()
            if nxt is not None and not nxt.startswith("-"):
                cp = g.take_next()
        if cp is not None:
            if cp.startswith("="):
                cp = cp[1:]
            if cp == "":
                cp = g.take_next()
                if cp is None:
                    raise fail(MISSING_ARG % ch)
        consumed = True
        if ch == "1":
            q.cpu_summary = not q.cpu_summary
            consumed = False
        elif ch == "b":
            q.batch = True
            consumed = False
        elif ch == "c":
            q.cmdline = not q.cmdline
            consumed = False
        elif ch == "d":
            v = _mkfloat(cp, False)
            if v is None:
                raise fail(BAD_DELAY % cp)
            if v < 0:
                raise fail(DELAY_NEGATIVE)
            pending_delay = v
        elif ch in "Ee":
            allowed = SCALES if ch == "E" else SCALES[:-1]
            if len(cp) > 1 or not cp or cp.lower() not in allowed:
                raise fail(BAD_SCALE % cp)
            if ch == "E":
                q.summary_scale = allowed.index(cp.lower())
            else:
                q.task_scale = allowed.index(cp.lower())
        elif ch == "H":
            q.threads = True
            consumed = False
        elif ch == "h":
            raise early_end(HELP)
        elif ch == "i":
            q.idle = not q.idle
            q.maxtasks = 0
            consumed = False
        elif ch == "n":
            v = _mkfloat(cp, True)
            if v is None or v < 1.0:
                raise fail(BAD_ITERATIONS % cp)
            q.iterations = int(v)
        elif ch == "O":
            raise early_end("".join(n + "\n" for n in field_names))
        elif ch == "o":
            word = cp
            if word.startswith("+"):
                q.sort_descending, word = True, word[1:]
            elif word.startswith("-"):
                q.sort_descending, word = False, word[1:]
            if word not in field_names:
                raise fail(BAD_FIELD % word)
            q.forest = False
            q.sort_field = word
        elif ch == "p":
            if q.user_filter:
                raise fail(SELECT_CLASH)
            rest = cp
            while True:
                if len(q.pids) >= MONPIDMAX:
                    raise fail(PID_LIMIT % MONPIDMAX)
                pid = _sscanf_int(rest)
                if pid is None or any(c in rest for c in "+-."):
                    raise fail(BAD_PID % rest)
                if pid == 0:
                    pid = -1  # top's own pid: resolved by the caller
                if pid not in q.pids:
                    q.pids.append(pid)
                comma = rest.find(",")
                if comma < 0:
                    break
                rest = rest[comma + 1:]
                if not rest:
                    break
        elif ch == "S":
            q.cumulative = not q.cumulative
            consumed = False
        elif ch == "s":
            q.secure = True
            consumed = False
        elif ch in "Uu":
            if q.pids or q.user_filter:
                raise fail(SELECT_CLASH)
            _user(q, cp, ch, lookup_user)
        elif ch == "V":
            raise early_end(VERSION)
        elif ch == "w":
            width = -1
            if cp is not None:
                v = _mkfloat(cp, True)
                if v is None or v < W_MIN_COL or v > SCREENMAX:
                    raise fail(BAD_WIDTH % cp)
                width = int(v)
            q.width_mode = width
        if not consumed and cp is not None:
            raise fail(UNKNOWN_OPTION % cp)
    leftover = g.rest + g.args[g.optind:]
    if leftover:
        raise fail(UNKNOWN_OPTION % leftover[0])
    if pending_delay is not None:
        if q.secure:
            raise fail(DELAY_SECURE)
        q.delay = pending_delay
    return q


def _user(q: TopQuery, text: str, typ: str, lookup_user) -> None:
    """top's user_certify: a uid or a name, '!' for "everyone but"; an unknown uid is allowed."""
    q.user_filter, q.user_match = "", True
    if not text:
        return
    if text.startswith("!"):
        text, q.user_match = text[1:], False
    num = _strtoul0(text)
    if num is not None:
        q.user_uid, q.user_filter = num, typ
        return
    uid = (lookup_user or _lookup_user)(text)
    if uid is None:
        raise fail(BAD_USER)
    q.user_uid, q.user_filter = uid, typ


def _strtoul0(text: str):
    """strtoul(text, &end, 0) with nothing left over: the uid_t it makes, or None ('' is 0)."""
    if text.strip(" \t\n\v\f\r") == "" and text != "":
        return None
    if text == "":
        return 0
    v = _strtol0(text)
    if v is None:
        return None
    return v % 2**32


def _lookup_user(name: str):
    import pwd

    try:
        return pwd.getpwnam(name).pw_uid
    except (KeyError, UnicodeEncodeError, ValueError):
        return None
