"""Rows → ps text, laid out exactly as procps lays it out.

procps places every column at a "correct" position (the sum of the widths before
it plus one blank between ordinary columns) and tracks the "actual" position
after what it printed.  A value wider than its column pushes everything after
it to the right; the next column then takes back as much of the overshoot as
its own padding allows (a right-aligned column's spare room absorbs it), with
at least one blank between columns.  Left-aligned values are never padded on
the right, so lines carry no trailing blanks.  Command-like columns and other
unlimited ones are cut to the room left (a non-last one to its width), user
names too wide for their column end in '+', wchan is cut, and the last column
may use the rest of the screen (131072 columns when stdout is not a terminal).

:func:`layout_row` is that algorithm, cell by cell.  :class:`Renderer` first
measures (screen width, signal width), then renders: when every value fits
its column the line is one %-format of the cells (checked in one length
comparison per line); lines that overflow, contain non-ASCII text or use AIX
literals or signal columns go through :func:`layout_row`.
"""

from __future__ import annotations

from itertools import chain
from operator import attrgetter

OUTBUF_SIZE = 2 * 64 * 1024
_DEC_BLOCK = 256
"""Rows formatted by one %-format when every cell is a plain decimal (a block that has an odd
row is done again line by line)."""
SPACE_AMOUNT = 144

# alignment classes (procps CF_*)
A_AIX, A_USER, A_LEFT, A_RIGHT, A_UNLIMITED, A_WCHAN, A_SIGNAL = 0, 1, 2, 3, 4, 5, 6
_ALIGN = {"USER": A_USER, "LEFT": A_LEFT, "RIGHT": A_RIGHT, "UNLIMITED": A_UNLIMITED,
          "WCHAN": A_WCHAN, "SIGNAL": A_SIGNAL, "": A_AIX}

def _joined(lines: list, n: int) -> tuple[bytes, int]:
    """The lines as ps writes them (each ended by a newline), and the row count; nothing for none."""
    if not lines:
        return b"", 0
    lines.append("")
    return "\n".join(lines).encode("utf-8", "surrogateescape"), n


def cell_width(s: str) -> int:
    """Terminal cells ``s`` takes (wcwidth-like: wide East Asian = 2, combining = 0)."""
    if s.isascii():
        return len(s)
    import unicodedata

    n = 0
    for ch in s:
        if ch.isascii():
            n += 1
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            n += 2
        else:
            n += 1
    return n


def cut(s: str, cells: int) -> tuple[str, int]:
    """The longest prefix of ``s`` that fits ``cells`` cells, and its width."""
    if cells <= 0:
        return "", 0
    if s.isascii():
        s = s[:cells]
        return s, len(s)
    used = 0
    for k, ch in enumerate(s):
        w = cell_width(ch)
        if used + w > cells:
            return s[:k], used
        used += w
    return s, used


def forest_art(prefix: str, forest_type: str, room: int) -> str:
    """The tree drawing for a forest prefix, cut to whole units that fit ``room`` cells."""
    if not prefix:
        return ""
    if forest_type == "u":
        unit = 2
        units = {" ": "  ", "L": "  ", "+": "  ", "|": "  "}
    else:
        unit = 4
        units = {" ": "    ", "L": " \\_ ", "+": " \\_ ", "|": " |  "}
    out = []
    for ch in prefix:
        if room < unit:
            break
        out.append(units[ch])
        room -= unit
    return "".join(out)


class Col:
    """One column of the output plan (a column request resolved against the registry)."""

    __slots__ = ("name", "header", "width", "align", "fmt", "room", "is_last", "forest", "scope", "spec",
                 "countdown")

    def __init__(self, spec, header, width, align, fmt, scope="ET", room=None, forest=False, countdown=False):
        self.spec = spec
        self.name = header
        self.header = header
        self.width = width
        self.align = align
        self.fmt = fmt  # (task, ctx) -> str, or None for AIX literal text
        self.room = room  # (task, ctx, cells) -> str cut to the room, or None
        self.is_last = False
        self.forest = forest  # the forest prefix goes before the text
        self.scope = scope
        self.countdown = countdown  # the text cycles with the lines left before the next header


def layout_row(cols, texts, active_cols, opts, prefix="", forest_type="", header=False,
               task=None, ctx=None, pieces=None) -> str:
    """One line (without newline) as procps's show_one_proc prints it.

    ``texts`` are the unpadded, untruncated cell values (headers for the header
    line); a column with a room-aware formatter is asked again with the room
    procps gives it (``task``/``ctx``).  ``opts`` is (user_is_number,
    wchan_is_number, wide_signals).  ``pieces``, a list, gets the length in bytes
    of each fwrite procps makes for the line (a cell with the blanks before it; the
    last, with its newline, negated: see pstd.ps.closeout).
    """
    user_is_number, wchan_is_number, wide_signals = opts
    correct = actual = 0
    dospace = 0
    out = []
    ncols = len(cols)
    for k in range(ncols):
        col = cols[k]
        legit = 0
        last = k == ncols - 1
        if not last:
            maxr = col.width
            tmpspace = 0
        else:
            tmpspace = correct - actual
            if tmpspace < 1:
                tmpspace = dospace
                maxr = active_cols - actual - tmpspace
            else:
                maxr = active_cols - (correct if correct > actual else actual)
        if maxr <= 0:
            maxr = 0
        elif maxr >= OUTBUF_SIZE:
            maxr = OUTBUF_SIZE - 1
        text = texts[k]
        align = col.align
        if header or col.fmt is None:
            amount = cell_width(text)
        elif col.room is not None and task is not None:
            art = forest_art(prefix, forest_type, maxr) if (prefix and col.forest) else ""
            body = col.room(task, ctx, maxr - len(art))
            text = art + body
            amount = len(art) + cell_width(body)
        elif align == A_UNLIMITED or col.forest:
            art = forest_art(prefix, forest_type, maxr) if (prefix and col.forest) else ""
            body, used = cut(text, maxr - len(art))
            text = art + body
            amount = len(art) + used
        elif align == A_USER and not user_is_number:
            amount = cell_width(text)
            if amount > maxr:
                if maxr >= 1 and text[maxr - 1:maxr].isascii():
                    text = text[:maxr - 1] + "+"
                    amount = maxr
                # (a multi-byte character at the cut: procps prints the number; the formatter's text stays)
        elif align == A_WCHAN and not wchan_is_number:
            text, amount = cut(text, maxr)
        else:
            amount = cell_width(text)
        if align == A_AIX or align == A_LEFT:
            leftpad = 0
        elif align == A_RIGHT:
            leftpad = col.width - amount
        elif align == A_SIGNAL:
            if wide_signals:
                leftpad = 16 - amount
                legit = 7
            else:
                leftpad = 9 - amount
        elif align == A_USER:
            leftpad = col.width - amount if user_is_number else 0
        elif align == A_WCHAN:
            if wchan_is_number:
                leftpad = col.width - amount
            else:
                if active_cols - actual - tmpspace < 1:
                    text = text[:1]
                leftpad = 0
        else:  # unlimited
            if active_cols - actual - tmpspace < 1:
                text = text[:1]
            leftpad = 0
        if leftpad < 0:
            leftpad = 0
        space = correct - actual + leftpad
        if space < 1:
            space = dospace
        if space > SPACE_AMOUNT:
            space = SPACE_AMOUNT
        out.append(" " * space)
        out.append(text)
        if pieces is not None:
            n = space + (len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape")))
            pieces.append(-(n + 1) if last else n)
        if last:
            break
        actual += space + amount
        correct += col.width + legit
        if col.fmt is not None and cols[k + 1].fmt is not None:
            correct += 1
            dospace = 1
        else:
            dospace = 0
    return "".join(out)


def header_width_total(cols) -> tuple[int, int]:
    """(total width procps budgets for a line, number of signal columns)."""
    total = 0
    was_normal = 0
    sigs = 0
    for k, col in enumerate(cols):
        if col.align == A_AIX:
            total += col.width
            was_normal = 0
            continue
        if col.align == A_SIGNAL:
            sigs += 1
        if col.align == A_UNLIMITED and k == len(cols) - 1:
            total += 3
        else:
            total += col.width
        total += was_normal
        was_normal = 1
    return total, sigs


def active_columns(screen_cols: int, cols) -> tuple[int, bool]:
    """procps check_header_width: (usable line width, whether signals print 16 wide)."""
    total, sigs = header_width_total(cols)
    i = 0
    while True:
        i += 1
        active = screen_cols * i
        if active >= total:
            break
        if screen_cols * i >= OUTBUF_SIZE // 2:
            break
    return active, total + sigs * 7 <= active


def _dash(task, ctx):
    return "-"


def build_plan(query, lookup, env=None):
    """Resolve the query's columns into two plans (process lines, thread lines)."""
    proc, task = [], []
    for req in query.columns:
        if req.spec is None:
            c1 = Col(None, req.header, req.width, A_AIX, None)
            c2 = Col(None, req.header, req.width, A_AIX, None)
        else:
            column = lookup(req.spec)
            align = _ALIGN.get(column.align, A_RIGHT)
            args = (column.name, req.header, req.width, align, column.format, column.scope,
                    column.format_room, column.forest, column.countdown)
            c1 = Col(*args)
            c2 = Col(*args)
        proc.append(c1)
        task.append(c2)
    if proc:
        proc[-1].is_last = True
        task[-1].is_last = True
    return proc, task


class Renderer:
    """Measures once, then turns rows into bytes."""

    def __init__(self, query, ctx, lookup):
        self.query = query
        self.ctx = ctx
        self.proc_cols, self.task_cols = build_plan(query, lookup)
        self.cols = self.proc_cols
        self.active_cols, self.wide_signals = active_columns(query.screen_cols, self.proc_cols)
        self.opts = (query.user_is_number, query.wchan_is_number, self.wide_signals)
        self.forest_type = query.forest_type
        both = bool(query.thread_flags & 0x400)
        if both:
            for c in self.proc_cols:
                if c.scope == "TO":
                    c.fmt, c.room = _dash, None
            for c in self.task_cols:
                if c.scope == "PO":
                    c.fmt, c.room = _dash, None
        # headers: none, once, or every (rows-1) lines
        names = [c.name for c in self.proc_cols if c.fmt is not None and c.name]
        if query.headers == "none" or not names:
            self.next_header = -1
            self.gap = -1
        else:
            self.next_header = 1
            self.gap = query.screen_rows - 1 if query.headers == "repeat" else -1
        self.header_line = self._header()
        # procps's test columns (_left, _right, ...) print from the header countdown
        self.counting = any(c.countdown for c in self.proc_cols)
        self.fast = {id(self.proc_cols): self._fast_plan(self.proc_cols),
                     id(self.task_cols): self._fast_plan(self.task_cols)}
        self._line_loops: dict = {}

    # ------------------------------------------------------------------ measuring
    def _header(self) -> str:
        cols = self.proc_cols
        return layout_row(cols, [c.header for c in cols], self.active_cols, self.opts, header=True)

    def _fast_plan(self, cols):
        """A %-format for lines whose values all fit, or None when this plan needs the slow path."""
        if not cols:
            return None
        user_num, wchan_num, _ = self.opts
        parts = []
        trunc = []  # non-last columns whose values are cut to their width
        start = 0
        gap = 0  # most blanks a left-aligned previous column can leave before this one
        for k, c in enumerate(cols):
            if c.fmt is None or c.align == A_SIGNAL:
                return None
            if c.forest and self.forest_type:
                return None
            last = c.is_last
            right = c.align == A_RIGHT or (c.align == A_USER and user_num) or (c.align == A_WCHAN and wchan_num)
            if gap + (c.width if right else 0) > SPACE_AMOUNT:
                return None  # procps caps one run of blanks at SPACE_AMOUNT; only layout_row does that
            gap = 1 if right else c.width + 1
            if last:
                parts.append("%{}s".format(c.width) if right else "%s")
            else:
                parts.append("%{}s".format(c.width) if right else "%-{}s".format(c.width))
                start += c.width + 1
                if c.align in (A_UNLIMITED, A_USER, A_WCHAN) and not right or c.forest:
                    trunc.append(k)
        fmt = " ".join(parts)
        # the room procps leaves the last column when every earlier value fit
        last = cols[-1]
        last_room = self.active_cols - start if len(cols) > 1 else self.active_cols
        last_cut = None
        if not (last.align == A_RIGHT or (last.align == A_USER and user_num) or (last.align == A_WCHAN and wchan_num)):
            if last.align in (A_UNLIMITED, A_USER, A_WCHAN) or last.forest:
                last_cut = last_room if last_room < OUTBUF_SIZE - 1 else OUTBUF_SIZE - 1
                if last_cut < 1:
                    return None
        fns = [c.fmt for c in cols]
        if last_cut is not None and last.room is not None:
            room_fn, cells_room = last.room, last_cut

            def last_fn(t, ctx, room_fn=room_fn, cells_room=cells_room):
                return room_fn(t, ctx, cells_room)

            fns[-1] = last_fn
        fixed = start  # width of the line before the last column's text (separator included)
        right_last = last.align == A_RIGHT or (last.align == A_USER and user_num) or (last.align == A_WCHAN and wchan_num)
        last_width = last.width if right_last else 0
        dec = None
        attrs = [getattr(c.fmt, "decimal", None) for c in cols]
        if not trunc and last_cut is None and None not in attrs and all(c.align == A_RIGHT for c in cols):
            # every cell a plain decimal: one %-format per line (see formats.decimal)
            dec = (" ".join("%{}d".format(c.width) for c in cols), attrgetter(*attrs), fixed + last_width)
        return fmt, trunc, last_cut, fixed, fns, [c.width for c in cols], last_width, dec

    # ------------------------------------------------------------------ rendering
    def render(self, items, ctx=None, kinds=None, prefixes=None) -> tuple[bytes, int]:
        """Lines for ``items`` (tasks); ``kinds`` optionally marks thread lines (m mode),
        ``prefixes`` the forest prefixes.  Returns (bytes, number of rows)."""
        ctx = self.ctx if ctx is None else ctx
        out = []
        append = out.append
        header = self.header_line
        next_header = self.next_header
        gap = self.gap
        counting = self.counting
        n = 0
        for idx, task in enumerate(items):
            cols = self.proc_cols
            if kinds is not None and kinds[idx]:
                cols = self.task_cols
            prefix = prefixes[idx] if prefixes is not None else ""
            next_header -= 1
            if next_header == 0:
                next_header = gap
                append(header)
            if counting:
                ctx.extra["lines_to_next_header"] = next_header
            append(self.line(cols, task, ctx, prefix))
            n += 1
        self.next_header = next_header
        return _joined(out, n)

    def render_plain(self, tasks, ctx=None) -> tuple[bytes, int]:
        """The common case (one plan, no forest): a tight loop over a %-format."""
        ctx = self.ctx if ctx is None else ctx
        cols = self.proc_cols
        plan = self.fast[id(cols)]
        if plan is None or self.gap > 0 or self.counting:
            return self.render(tasks, ctx)
        fmt, trunc, last_cut, fixed, fns, widths, last_width, dec = plan
        out = []
        append = out.append
        if tasks:
            self.next_header -= 1
            if self.next_header == 0:
                append(self.header_line)
                self.next_header = self.gap
            self.next_header -= len(tasks) - 1
        slow = self.line
        if dec is not None:
            fmtd, values, total = dec
            flat = len(cols) > 1  # attrgetter of one name returns the value, of several a tuple
            blocks = True
            for start in range(0, len(tasks), _DEC_BLOCK):
                part = tasks[start:start + _DEC_BLOCK]
                # A block of lines from one %-format.  Each "%Nd" is at least N wide, so the block
                # has its expected length only when every line does; a line that did not fit or
                # holds a value the formatter prints otherwise (None, negative) sends the block,
                # and the rest of the listing (odd rows come in runs: tpgid -1, rt priorities),
                # line by line.
                if blocks:
                    try:
                        vals = tuple(chain.from_iterable(map(values, part))) if flat else tuple(map(values, part))
                        text = "\n".join([fmtd] * len(part)) % vals
                    except (TypeError, AttributeError):
                        text = None
                    if text is not None and len(text) == len(part) * (total + 1) - 1 and "-" not in text:
                        append(text)
                        continue
                    blocks = False
                for task in part:
                    try:
                        line = fmtd % values(task)
                    except (TypeError, AttributeError):
                        line = None
                    if line is None or len(line) != total or "-" in line:
                        line = slow(cols, task, ctx, "")
                    append(line)
            return _joined(out, len(tasks))
        lines = self._line_loops.get(id(cols))
        if lines is None:
            lines = self._line_loops[id(cols)] = _line_loop(plan)
        lines(tasks, ctx, append, lambda task, cells: slow(cols, task, ctx, "", cells))
        return _joined(out, len(tasks))

    def line(self, cols, task, ctx, prefix="", cells=None, pieces=None) -> str:
        if cells is None:
            texts = [c.header if c.fmt is None else (None if c.room is not None else c.fmt(task, ctx))
                     for c in cols]
        else:
            texts = [c.header if c.fmt is None else cells[k] for k, c in enumerate(cols)]
        return layout_row(cols, texts, self.active_cols, self.opts, prefix, self.forest_type,
                          task=task, ctx=ctx, pieces=pieces)

    def pieces(self, items, ctx=None, kinds=None, prefixes=None, countdown=None) -> tuple[list, int]:
        """The lengths of procps's fwrite calls for the lines ``render`` prints for ``items``
        (headers where they fall), line by line through layout_row, and the header countdown
        after them; ``countdown``: the countdown to start from (default: where rendering stands),
        which is left as it is.  What pstd.ps.closeout replays when stdout refused a write;
        with no items, the header alone when one is due (``empty``)."""
        ctx = self.ctx if ctx is None else ctx
        next_header = self.next_header if countdown is None else countdown
        out: list = []
        header = None
        cols = self.proc_cols
        if not items:
            if next_header - 1 == 0:
                layout_row(cols, [c.header for c in cols], self.active_cols, self.opts, header=True, pieces=out)
            return out, next_header - 1
        for idx, task in enumerate(items):
            cols = self.task_cols if kinds is not None and kinds[idx] else self.proc_cols
            next_header -= 1
            if next_header == 0:
                next_header = self.gap
                if header is None:
                    header = []
                    layout_row(self.proc_cols, [c.header for c in self.proc_cols], self.active_cols, self.opts,
                               header=True, pieces=header)
                out += header
            if self.counting:
                ctx.extra["lines_to_next_header"] = next_header
            self.line(cols, task, ctx, prefixes[idx] if prefixes is not None else "", pieces=out)
        return out, next_header

    def empty(self) -> bytes:
        """What procps prints when no row matched: the header alone (if any)."""
        self.next_header -= 1
        if self.next_header == 0:
            if True:
                return (self.header_line + "\n").encode("utf-8", "surrogateescape")
        return b""


def _line_loop(plan):
    """``(tasks, ctx, append, slow)``: render_plain's loop for one plan, generated with a local per
    cell, so that a row costs its formatters' calls and one %-format, and no list or loop of its
    own (about a fifth of ``aux``'s rendering).  Each line is checked as the plan's %-format
    promises: a cell of a truncating column wider than its width, a line of another length than
    the plan's widths give (a value wider than its column) or a non-ASCII line goes to ``slow(task,
    cells)``, procps's layout rule by rule."""
    fmt, trunc, last_cut, fixed, fns, widths, last_width, _ = plan
    n = len(fns)
    cells = ", ".join("c%d" % k for k in range(n))
    last = "c%d" % (n - 1)
    src = ["def lines(tasks, ctx, append, slow):",
           "    for t in tasks:"]
    src += ["        c%d = f%d(t, ctx)" % (k, k) for k in range(n)]
    if trunc:
        src += ["        if %s:" % " or ".join("len(c%d) > %d" % (k, widths[k]) for k in trunc),
                "            append(slow(t, [%s]))" % cells,
                "            continue"]
    if last_cut is not None:
        src += ["        last = %s if len(%s) <= %d else %s[:%d]" % (last, last, last_cut, last, last_cut)]
    else:
        src += ["        last = %s" % last]
    src += ["        line = fmt %% (%s,)" % ", ".join(["c%d" % k for k in range(n - 1)] + ["last"]),
            "        ln = len(last)",
            "        if len(line) != %d + (ln if ln > %d else %d) or not line.isascii():" % (
                fixed, last_width, last_width),
            "            line = slow(t, [%s])" % cells,
            "        append(line)"]
    g = {"fmt": fmt}
    g.update(("f%d" % k, f) for k, f in enumerate(fns))
    exec("\n".join(src) + "\n", g)  # noqa: S102 - generated from the plan, no outside input
    return g["lines"]


def line_budget(query, lookup) -> int:
    """The line width procps budgets for ``query``'s columns (its buffer holds OUTBUF_SIZE)."""
    return active_columns(query.screen_cols, build_plan(query, lookup)[0])[0]


def _renderer(query, ctx, lookup):
    if lookup is None:
        from pstd.ps.columns import lookup
    renderer = Renderer(query, ctx, lookup)
    if ctx.wide_signals != renderer.wide_signals:
        renderer.ctx = ctx.with_wide_signals(renderer.wide_signals)
    return renderer


def render_text(rows, query, ctx, lookup=None) -> bytes:
    """The ps text of ``rows`` (a pstd.ps.rows.Rows): header and lines, as procps prints them.

    With no rows, the header alone (if any).  ``ctx`` is the run's FormatContext; the
    signal width measured here is applied to a copy, the caller's is left alone.
    """
    renderer = _renderer(query, ctx, lookup)
    ctx = renderer.ctx
    if rows.prefixes is None and rows.threads is None:
        data, n = renderer.render_plain(rows.tasks, ctx)
    else:
        data, n = renderer.render(rows.tasks, ctx, kinds=rows.threads, prefixes=rows.prefixes)
    return data if n else renderer.empty()


def render_pieces(rows, query, ctx, lookup=None) -> list:
    """Renderer.pieces for render_text's listing: the lengths of every fwrite procps makes for it."""
    renderer = _renderer(query, ctx, lookup)
    return renderer.pieces(rows.tasks, renderer.ctx, kinds=rows.threads, prefixes=rows.prefixes)[0]


def render_chunks(chunks, query, ctx, lookup=None):
    """render_text for plain rows (no forest, no thread lines) that come as lists of tasks
    (pstd.ps.rows.row_chunks): yields (bytes, rows, pieces) per list, and the header alone,
    with 0 rows, when no list held a row.  Joined, the bytes are render_text's of all the
    rows; ``pieces()`` gives Renderer.pieces of that list's lines (for pstd.ps.closeout, when
    the bytes could not be written)."""
    renderer = _renderer(query, ctx, lookup)
    ctx = renderer.ctx
    total = 0
    for tasks in chunks:
        mark = renderer.next_header
        data, n = renderer.render_plain(tasks, ctx)
        if n:
            total += n
            yield data, n, lambda tasks=tasks, mark=mark: renderer.pieces(tasks, ctx, countdown=mark)[0]
    if not total:
        mark = renderer.next_header
        yield renderer.empty(), 0, lambda: renderer.pieces([], ctx, countdown=mark)[0]
