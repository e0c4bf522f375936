"""Help, version and the ``L`` specifier list, generated from tables.

The option descriptions are laid out the way procps lays them out (option text
in a 22-column gutter, or on a line of its own when it is longer), so the bytes
match ``ps --help`` for every section.
"""

from __future__ import annotations

from pstd.ps.errors import PROCPS_VERSION

VERSION = "procps-ng " + PROCPS_VERSION
"""The procps release whose behaviour pstd reproduces (reported by --version/-V/V)."""

GUTTER = 22

# (word, abbreviation) for each help section, in the order procps lists them.
SECTIONS = (("simple", "s"), ("list", "l"), ("output", "o"), ("threads", "t"), ("misc", "m"), ("all", "a"))

_BLANK_LIST_NOTE = (
    "  The selection options take as their argument either:",
    "    a comma-separated list e.g. '-u root,nobody' or",
    "    a blank-separated list e.g. '-p 123 4567'",
)

# section word -> (title, [(option text, description)], trailing paragraph lines)
HELP = {
    "simple": ("Basic options:", [
        (" -A, -e", "all processes"),
        (" -a", "all with tty, except session leaders"),
        ("  a", "all with tty, including other users"),
        (" -d", "all except session leaders"),
        (" -N, --deselect", "negate selection"),
        ("  r", "only running processes"),
        ("  T", "all processes on this terminal"),
        ("  x", "processes without controlling ttys"),
    ], ()),
    "list": ("Selection by list:", [
        (" -C <command>", "command name"),
        (" -G, --Group <GID>", "real group id or name"),
        (" -g, --group <group>", "session or effective group name"),
        (" -p, p, --pid <PID>", "process id"),
        ("        --ppid <PID>", "parent process id"),
        (" -q, q, --quick-pid <PID>", "process id (quick mode)"),
        (" -s, --sid <session>", "session id"),
        (" -t, t, --tty <tty>", "terminal"),
        (" -u, U, --user <UID>", "effective user id or name"),
        (" -U, --User <UID>", "real user id or name"),
    ], _BLANK_LIST_NOTE),
    "output": ("Output formats:", [
        (" -F", "extra full"),
        (" -f", "full-format, including command lines"),
        ("  f, --forest", "ascii art process tree"),
        (" -H", "show process hierarchy"),
        (" -j", "jobs format"),
        ("  j", "BSD job control format"),
        (" -l", "long format"),
        ("  l", "BSD long format"),
        (" -M, Z", "add security data (for SELinux)"),
        (" -O <format>", "preloaded with default columns"),
        ("  O <format>", "as -O, with BSD personality"),
        (" -o, o, --format <format>", "user-defined format"),
        ("  -P", "add psr column"),
        ("  s", "signal format"),
        ("  u", "user-oriented format"),
        ("  v", "virtual memory format"),
        ("  X", "register format"),
        (" -y", "do not show flags, show rss vs. addr (used with -l)"),
        ("     --context", "display security context (for SELinux)"),
        ("     --headers", "repeat header lines, one per page"),
        ("     --no-headers", "do not print header at all"),
        ("     --cols, --columns, --width <num>", "set screen width"),
        ("     --rows, --lines <num>", "set screen height"),
    ], ()),
    "threads": ("Show threads:", [
        ("  H", "as if they were processes"),
        (" -L", "possibly with LWP and NLWP columns"),
        (" -m, m", "after processes"),
        (" -T", "possibly with SPID column"),
    ], ()),
    "misc": ("Miscellaneous options:", [
        (" -c", "show scheduling class with -l option"),
        ("  c", "show true command name"),
        ("  e", "show the environment after command"),
        ("  k,    --sort", "specify sort order as: [+|-]key[,[+|-]key[,...]]"),
        ("  L", "show format specifiers"),
        ("  n", "display numeric uid and wchan"),
        ("  S,    --cumulative", "include some dead child process data"),
        (" -y", "do not show flags, show rss (only with -l)"),
        (" -V, V, --version", "display version information and exit"),
        (" -w, w", "unlimited output width"),
        ("        --help <{}>".format("|".join(w for w, _ in SECTIONS)), "display help and exit"),
    ], ()),
}


PSTD_SECTION = "pstd"
"""``--help pstd``: pstd's additions.  Every other --help text stays procps's byte for byte, because
scripts and the differential suite compare them (procps answers ``--help pstd`` with its short usage)."""

PSTD_ADDITIONS = """\
Anything but a subcommand word is a ps command line (pstd ax, pstd -ef --forest),
answered as procps-ng's ps answers it.  pstd adds:
  --backend=auto|procfs|netlink   where task data comes from (also PSTD_BACKEND)
  PSTD_DEBUG=1                    a traceback instead of a one-line error
  pstd columns [--group G]        the column registry
  pstd backend                    which backend would serve here
  pstd module status              the task_diag kernel module: loaded, what it serves
  pstd version                    pstd's own version (-V answers as ps does)
  pstd help, pstd --help pstd     this summary
"""


def _entry(option: str, text: str) -> str:
    if len(option) <= GUTTER - 2:
        return option.ljust(GUTTER) + text + "\n"
    return option + "\n" + " " * GUTTER + text + "\n"


def section_of(word: str | None) -> str | None:
    """The section a --help argument names (word or abbreviation), or None for the short usage."""
    if word is None:
        return None
    for full, abbrev in SECTIONS:
        if word == full or word == abbrev:
            return full
    return None


def help_text(prog: str, word: str | None) -> str:
    """The text of ``ps --help [word]`` (also the usage printed after an option error, word=None)."""
    if word == PSTD_SECTION:
        return PSTD_ADDITIONS
    section = section_of(word)
    out = ["\nUsage:\n " + prog + " [options]\n"]
    for full, _ in SECTIONS:
        if full == "all" or (section != full and section != "all"):
            continue
        title, entries, note = HELP[full]
        out.append("\n" + title + "\n")
        for option, text in entries:
            if option.startswith("        --help"):
                out.append("\n")
            out.append(_entry(option, text))
        if note:
            out.append("\n" + "\n".join(note) + "\n")
    if section is None:
        words = "|".join(w for w, _ in SECTIONS)
        abbrevs = "|".join(a for _, a in SECTIONS)
        out.append("\n Try '{0} --help <{1}>'\n  or '{0} --help <{2}>'\n for additional help text.\n"
                   .format(prog, words, abbrevs))
    out.append("\nFor more details see " + "ps(1).\n")
    return "".join(out)


def version_text(prog: str) -> str:
    return "{} from {}\n".format(prog, VERSION)


def specifier_list() -> str:
    """``ps L``: every printable specifier (names and aliases) with its header, sorted by name."""
    from pstd.ps.columns import REGISTRY

    rows = {name: column.header for name, column in REGISTRY.items() if column.printable}
    # procps keeps its table in strcmp order
    names = sorted(rows, key=lambda n: n.encode())
    return "".join("{:<12.12} {:<8.8}\n".format(n, rows[n]) for n in names)


def info_text(parser) -> str:
    """``ps --info``: the parser's settings, in procps's debugging layout (stderr)."""
    import platform

    tty = parser.own_tty
    major, minor = (tty >> 8) & 0xFFF, (tty & 0xFF) | ((tty >> 12) & 0xFFF00)
    lines = [
        "BSD j    " + parser.bsd_j, "BSD l    " + parser.bsd_l, "BSD s    " + parser.bsd_s,
        "BSD u    " + parser.bsd_u, "BSD v    " + parser.bsd_v,
        "SysV -f  " + (parser.sysv_f or "(none)"), "SysV -fl " + (parser.sysv_fl or "(none)"),
        "SysV -j  " + (parser.sysv_j or "(none)"), "SysV -l  " + (parser.sysv_l or "(none)"),
        "",
        VERSION.replace("procps-ng ", "procps-ng version "),
        "Compiled with: glibc {}, gcc 12.2".format(platform.libc_ver()[1] or "2.36"),
        "",
        "header_gap=-1 lines_to_next_header=1",
        "screen_cols={} screen_rows={}".format(parser.screen_cols, parser.screen_rows),
        "",
        'personality=0x{:08x} (from "{}")'.format(parser.personality, parser.personality_name),
        "EUID={} TTY={},{} page_size={}".format(parser.env.euid, major, minor, parser.env.page_size),
        "sizeof(proc_t)=8 sizeof(long)=8 sizeof(long)=8",
        "archdefs: " + platform.machine(),
    ]
    return "\n".join(lines) + "\n"
