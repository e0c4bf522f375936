"""The interactive screen's own words on top's command line, taken out before top reads it.

``-o LIST`` where LIST is not one of top's field names (``-o pid,user,%cpu,rss,args``)
chooses the columns by ps specifiers; ``-o %MEM`` stays top's sort override.  top's
names are upper case and ps's lower case, so no word means both.  ``--readonly``
turns off kill and renice.  Batch mode knows neither: with ``-b`` the caller parses
the original words again and so answers exactly as top does.
"""

from __future__ import annotations

LONG_O = "--sort-override"


def split(args: list[str], field_names) -> tuple[list[str], str | None, bool]:
    """(top's words, the column list or None, readonly)."""
    names = set(field_names)
    rest: list[str] = []
    columns = None
    readonly = False
    i = 0

    def is_columns(word: str) -> bool:
        w = word[1:] if word[:1] in "+-" else word
        return bool(w) and w not in names

    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        if a == "--readonly":
            readonly = True
        elif a in ("-o", LONG_O) and i + 1 < len(args) and is_columns(args[i + 1]) \
                and not args[i + 1].startswith("-"):
            columns = args[i + 1]
            i += 1
        elif a.startswith("-o") and not a.startswith("--") and is_columns(a[2:].lstrip("=")) \
                and not a[2:].startswith(("+", "-")):
            columns = a[2:].lstrip("=")
        elif a.startswith(LONG_O + "=") and is_columns(a[len(LONG_O) + 1:]):
            columns = a[len(LONG_O) + 1:]
        else:
            rest.append(a)
        i += 1
    return rest, columns, readonly
