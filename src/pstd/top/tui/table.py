"""The process table: a Line-API widget that formats only the rows on screen.

Textual's DataTable keeps every cell as a renderable and rebuilds its row structures
when cells change, which at 10,000 tasks costs more than the whole sample (see
docs/top.md for the figures).  Here a refresh swaps one list of rows; ``render_line``
formats the few lines Textual asks for, and the cursor and scroll offset stay where
they were (on the same task when following one).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pstd.top.tui import columns as C


class ProcessTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"table--header", "table--cursor", "table--sorted"}
    DEFAULT_CSS = """
    ProcessTable { height: 1fr; scrollbar-size: 1 1; }
    ProcessTable > .table--header { background: $primary; color: $text; text-style: bold; }
    ProcessTable > .table--sorted { background: $accent; text-style: bold underline; }
    ProcessTable > .table--cursor { background: $secondary; color: $text; text-style: reverse; }
    """

    class HeaderClicked(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.columns: list = []
        self.rows: list = []
        self.ctx = None
        self.sort_name = ""
        self.cursor = 0
        self.widths: list[int] = []
        self.pid_width = 5
        self._cache: dict[int, str] = {}
        self.fill = None
        """fill(task): the source reads what only drawn rows need (see source.LiveSource.fill)."""
        self.formatted = 0
        """Rows formatted since start (what the benchmark and tests count)."""

    # ---------------------------------------------------------------- data
    def set_columns(self, columns, pid_width: int) -> None:
        self.columns = list(columns)
        self.pid_width = pid_width
        self._layout()

    def set_rows(self, rows, ctx, sort_name: str, follow_tid=None) -> None:
        """New rows in place: the cursor keeps its line, or follows ``follow_tid``."""
        self.rows = rows
        self.ctx = ctx
        self.sort_name = sort_name
        self._cache.clear()
        if follow_tid is not None:
            for i, r in enumerate(rows):
                if r.task.tid == follow_tid:
                    self.cursor = i
                    break
        self.cursor = max(0, min(self.cursor, len(rows) - 1))
        self._resize_virtual()
        if follow_tid is not None:
            self._cursor_into_view()
        self.refresh()

    def current(self):
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    # -------------------------------------------------------------- layout
    def _layout(self) -> None:
        fixed = [C.width_of(c, self.pid_width) for c in self.columns]
        # the room left of the vertical scrollbar: a line that fits it needs no horizontal one
        room = max(self.scrollable_content_region.width or self.size.width, 40)
        used = sum(fixed) + max(len(fixed) - 1, 0)
        var = [i for i, c in enumerate(self.columns) if c.variable]
        if var:
            extra = max(room - used, 0)
            i = var[-1]
            fixed[i] = max(fixed[i], fixed[i] + extra, len(self.columns[i].header))
        self.widths = fixed
        self._cache.clear()
        self._resize_virtual()

    def _line_width(self) -> int:
        return sum(self.widths) + max(len(self.widths) - 1, 0)

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self._line_width(), len(self.rows) + 1)

    def on_resize(self, event) -> None:
        self._layout()
        self.refresh()

    # ----------------------------------------------------------- rendering
    def header_text(self) -> str:
        out = []
        for c, w in zip(self.columns, self.widths):
            h = c.header[:w]
            out.append(h.rjust(w) if c.right else h.ljust(w))
        return " ".join(out)

    def row_text(self, i: int) -> str:
        text = self._cache.get(i)
        if text is None:
            r = self.rows[i]
            if self.fill is not None:
                self.fill(r.task)
            cells = []
            prefixed = False
            for k, (c, w) in enumerate(zip(self.columns, self.widths)):
                if r.prefix and not prefixed and (c.variable or k == len(self.columns) - 1):
                    prefixed = True
                    body = c.text(r.task, r.delta, self.ctx, max(w - len(r.prefix), 1))
                    cells.append((r.prefix + body.strip()).ljust(w)[:w])
                else:
                    cells.append(c.text(r.task, r.delta, self.ctx, w))
            text = " ".join(cells)
            self._cache[i] = text
            self.formatted += 1
        return text

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width or self.size.width
        if y == 0:
            strip = self._header_strip()
        else:
            i = scroll_y + y - 1
            if i >= len(self.rows):
                return Strip.blank(width, self.rich_style)
            style = self.get_component_rich_style("table--cursor") if i == self.cursor else self.rich_style
            strip = Strip([Segment(self.row_text(i), style)])
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _header_strip(self) -> Strip:
        base = self.get_component_rich_style("table--header")
        hot = self.get_component_rich_style("table--sorted")
        segs = []
        for k, (c, w) in enumerate(zip(self.columns, self.widths)):
            if k:
                segs.append(Segment(" ", base))
            h = c.header[:w]
            segs.append(Segment(h.rjust(w) if c.right else h.ljust(w), hot if c.name == self.sort_name else base))
        end = self._line_width()
        room = (self.scrollable_content_region.width or self.size.width) + self.scroll_offset.x
        if end < room:
            segs.append(Segment(" " * (room - end), base))
        return Strip(segs)

    # -------------------------------------------------------------- cursor
    def _body_height(self) -> int:
        return max((self.scrollable_content_region.height or self.size.height) - 1, 1)

    def _cursor_into_view(self) -> None:
        top = self.scroll_offset.y
        h = self._body_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + h:
            self.scroll_to(y=self.cursor - h + 1, animate=False, immediate=True)

    def move(self, to: int) -> None:
        old = self.cursor
        self.cursor = max(0, min(to, len(self.rows) - 1))
        self._cursor_into_view()
        top = self.scroll_offset.y
        for i in (old, self.cursor):
            self.refresh_line(i - top + 1)

    def refresh_line(self, y: int) -> None:
        self.refresh_lines(y, 1)

    def key_up(self) -> None:
        self.move(self.cursor - 1)

    def key_down(self) -> None:
        self.move(self.cursor + 1)

    def key_pageup(self) -> None:
        self.move(self.cursor - self._body_height())

    def key_pagedown(self) -> None:
        self.move(self.cursor + self._body_height())

    def key_home(self) -> None:
        self.move(0)

    def key_end(self) -> None:
        self.move(len(self.rows) - 1)

    def on_click(self, event) -> None:
        if event.y == 0:
            x = event.x + self.scroll_offset.x
            pos = 0
            for k, w in enumerate(self.widths):
                if x < pos + w + 1:
                    self.post_message(self.HeaderClicked(k))
                    return
                pos += w + 1
            return
        self.move(self.scroll_offset.y + event.y - 1)
