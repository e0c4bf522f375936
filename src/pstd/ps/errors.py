"""Every diagnostic the ps engine prints, and the exit status each one carries.

procps prints option errors as ``error: <text>`` followed by the short usage
(to stderr, exit 1); a few run-time conflicts print a bare line and exit 1; a
selection that matches nothing exits 1 after the header.  The texts below are
procps-ng 4.0.2's, because scripts and users compare them.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
"""procps uses 1 for every failure: bad option, bad list, unknown specifier, nothing matched."""
EXIT_USAGE = EXIT_FAILURE
"""pstd's own option errors (--backend, PSTD_BACKEND) exit like ps's usage errors."""
EXIT_BROKEN_PIPE = EXIT_OK
"""procps's SIGPIPE handler exits 0: ``ps aux | head`` is not a failure."""
EXIT_HANGUP = EXIT_FAILURE
"""procps's SIGHUP handler exits 1."""
EXIT_WRITE = EXIT_FAILURE
"""A failed write to stdout (closed, full disk): procps's close_stdout exits 1."""
EXIT_SUBCOMMAND_USAGE = 2
"""A subcommand's usage error (click's convention; no ps behaviour to match there)."""


def status_of(exc: BaseException) -> int:
    """The exit status for any failure pstd reports (one table instead of a status per call site)."""
    status = getattr(exc, "exit_status", None)
    return EXIT_FAILURE if status is None else status


class PsError(Exception):
    """An option error: printed as ``error: MESSAGE`` plus the usage text, exit 1."""

    exit_status = EXIT_FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PsFatal(Exception):
    """A run-time refusal printed as the bare message line (no usage), exit 1."""

    exit_status = EXIT_FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WriteError(Exception):
    """stdout refused a write (closed descriptor, full disk, ...): ``ARGV0: write error: STRERROR``, exit 1.

    procps names itself by argv[0] here (not by "ps"), so a symlink named
    differently reports under its own name."""

    exit_status = EXIT_WRITE

    def __init__(self, errno: int) -> None:
        super().__init__(errno)
        self.errno = errno

    def text(self, argv0: str) -> str:
        import os

        return WRITE_ERROR.format(argv0, os.strerror(self.errno)) if self.errno else WRITE_ERROR_BARE.format(argv0)


class OptionError(Exception):
    """One of pstd's own options (``--backend``, ``PSTD_BACKEND``) is wrong: one line, exit like a usage error."""

    exit_status = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- option and list errors (error: ... + usage) --------------------------------------
class M:
    """Message texts, by meaning."""

    # lists
    PID_SYNTAX = "process ID list syntax error"
    PID_RANGE = "process ID out of range"
    NO_USER = "user name does not exist"
    UID_RANGE = "user ID out of range"
    NO_GROUP = "group name does not exist"
    GID_RANGE = "group ID out of range"
    NO_TTY = "TTY could not be found"
    NOT_TTY = "list member was not a TTY"
    IMPROPER_LIST = "improper list"
    # UNIX options
    FOLLOW_C = "list of command names must follow -C"
    FOLLOW_G = "list of real groups must follow -G"
    FOLLOW_O = "format or sort specification must follow -O"
    FOLLOW_U = "list of real users must follow -U"
    FOLLOW_g = "list of session leaders OR effective group names must follow -g"
    BAD_g = "list of session leaders OR effective group IDs was invalid"
    FOLLOW_o = "format specification must follow -o"
    FOLLOW_p = "list of process IDs must follow -p"
    FOLLOW_q = "List of process IDs must follow -q."
    FOLLOW_s = "list of session IDs must follow -s"
    FOLLOW_t = "list of terminals (pty, tty...) must follow -t"
    FOLLOW_u = "list of users must follow -u"
    NEED_PERSONALITY_x = "must set personality to get -x option"
    EMBEDDED_SYSV = "embedded '-' among SysV options makes no sense"
    UNSUPPORTED_SYSV = "unsupported SysV option"
    # BSD options
    FOLLOW_BO = "format or sort specification must follow O"
    FOLLOW_BU = "list of users must follow U"
    OBSOLETE_W = "obsolete W option not supported (you have a /dev/drum?)"
    ONE_HEADING = "only one heading option may be specified"
    FOLLOW_k = "long sort specification must follow 'k'"
    FOLLOW_Bo = "format specification must follow o"
    FOLLOW_Bp = "list of process IDs must follow p"
    FOLLOW_Bq = "List of process IDs must follow q."
    EMBEDDED_BSD = "embedded '-' among BSD options makes no sense"
    UNSUPPORTED_BSD = "unsupported option (BSD syntax)"
    PROBLEM_1 = "cannot happen - problem #1"
    PROBLEM_2 = "cannot happen - problem #2"
    SECOND_CHANCE = "second chance parse failed, not BSD or SysV"
    WAY_BAD = "way bad"
    GARBAGE = "garbage option"
    # GNU options
    UNKNOWN_GNU = "unknown gnu long option"
    FOLLOW_Group = "list of real groups must follow --Group"
    FOLLOW_User = "list of real users must follow --User"
    COLS = "number of columns must follow --cols, --width, or --columns"
    ARG_cumulative = "option --cumulative does not take an argument"
    ARG_deselect = "option --deselect does not take an argument"
    ARG_noheading = "option --no-heading does not take an argument"
    ARG_heading = "option --heading does not take an argument"
    ARG_forest = "option --forest does not take an argument"
    FOLLOW_format = "format specification must follow --format"
    FOLLOW_group = "list of effective groups must follow --group"
    FOLLOW_pid = "list of process IDs must follow --pid"
    FOLLOW_quick = "List of process IDs must follow --quick-pid."
    FOLLOW_ppid = "list of process IDs must follow --ppid"
    ROWS = "number of rows must follow --rows or --lines"
    FOLLOW_sid = "some sid thing(s) must follow --sid"
    FOLLOW_sort = "long sort specification must follow --sort"
    FOLLOW_tty = "list of ttys must follow --tty"
    FOLLOW_user = "list of effective users must follow --user"
    # threads
    THREAD_FOREST = "thread display conflicts with forest display"
    THREAD_H_m = "thread flags conflict; can't use H with m or -m"
    THREAD_m_m = "thread flags conflict; can't use both m and -m"
    THREAD_L_T = "thread flags conflict; can't use both -L and -T"
    # formats and sorting
    UNKNOWN_SPEC = 'unknown user-defined format specifier "{}"'
    EMPTY_FORMAT = "empty format list"
    IMPROPER_FORMAT = "improper format list"
    BAD_WIDTH = "column widths must be unsigned decimal numbers"
    WIDTH_MACRO = "can not set width for a macro (multi-column) format specifier"
    AIX_MISSING = "missing AIX field descriptor"
    AIX_IMPROPER = "improper AIX field descriptor"
    AIX_UNKNOWN = "unknown AIX field descriptor"
    IMPROPER_SORT = "improper sort list"
    EMPTY_SORT = "empty sort list"
    UNKNOWN_SORT = "unknown sort specifier"
    BAD_SORT_CODE = "bad sorting code"
    PPID_FOREST = "PPID sort and forest output conflict"
    O_AFTER_FORMAT = "option -O can not follow other format options"
    MULTIPLE_SORT = "multiple sort options"
    O_NEITHER = "option O is neither first format nor sort order"
    TELL_SORT = "tell <procps@freelists.org> what you expected"
    TELL_PS_FORMAT = "tell <procps@freelists.org> what you want (-L/-T, -m/m/H, and $PS_FORMAT)"
    CONFLICTING_FORMATS = "conflicting format options"
    MODIFIERS_USER = "can not use output modifiers with user-defined output"
    NONSENSE_LT = "-L/-T with H/m/-m and -o/-O/o/O is nonsense"
    Y_WITHOUT_L = "modifier -y without format -l makes no sense"
    LOST_PGID = "lost my PGID"
    LOST_CLS = "lost my CLS"
    T_NO_PID = "-T with H/-m/m but no PID for SPID to follow"
    L_NO_PID = "-L with H/-m/m but no PID/PGID/SID/SESS for NLWP to follow"
    SELECT_CONFLICT = "process selection options conflict"

    @staticmethod
    def exclusive(option: str) -> str:
        return "the option is exclusive: " + option


# --- run-time conflicts of -q (bare line, exit 1) --------------------------------------
QUICK_ONCE = "q/-q/--quick-pid can only be used once."
QUICK_COMBINED = "q/-q/--quick-pid cannot be combined with other selection options."
QUICK_FOREST = "q/-q/--quick-pid cannot be used together with forest type listings."
QUICK_SORT = "q/-q,--quick-pid cannot be used together with sort options."
QUICK_NEGATE = "q/-q/--quick-pid cannot be used together with negation switches."
PROCPS_VERSION = "4.0.2"
"""The procps-ng release whose behaviour pstd's ps has (its texts name it)."""
QUICK_MAX = 255
"""The most ids one -q list may hold: procps's library refuses a longer one (duplicates count)."""
QUICK_TOO_MANY = "fatal library error, reap"

INTERNAL = "ps:src/ps/sortformat.c:{}: {}"
"""procps's catastrophic_failure line (program, source position, message): exit 1, no retry."""

# --- warnings (stderr, run continues) -----------------------------------------------------
PS_FORMAT_IGNORED = "warning: $PS_FORMAT ignored. ({})"
BIGNESS = "fix bigness error"
"""Printed once per output line when the line width exceeds procps's 128 KiB buffer."""
BOGUS_SCREEN = "your {}x{} screen size is bogus. expect trouble"

WRITE_ERROR = "{}: write error: {}"
WRITE_ERROR_BARE = "{}: write error"
"""procps's close_stdout texts: argv[0], then strerror when the failing call left an errno."""

# --- pstd's own failures ------------------------------------------------------------------
UNEXPECTED = "{}: error: {}"
"""An unexpected exception, as one line (PSTD_DEBUG=1 shows the traceback instead)."""
BAD_BACKEND = 'pstd: unknown backend "{}" in {} (choose from {})'
"""The same text for ``--backend=X`` and ``PSTD_BACKEND=X``, naming where the value came from."""
NO_BACKEND = "pstd: --backend needs a value (choose from {})"
UNAVAILABLE_BACKEND = "pstd: {}"
"""A known backend that cannot serve here (its own reason follows)."""
