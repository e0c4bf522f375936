"""The screens over the table: prompts, the signal picker, confirmation, help, one process."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from pstd.top.tui import detail
from pstd.top.tui.actions import SIGNALS

_BOX = """
    {name} { align: center middle; }
    {name} > Vertical { width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1; }
"""


class Prompt(ModalScreen):
    """One line of input; dismissed with the text (Enter) or None (Escape)."""

    DEFAULT_CSS = _BOX.replace("{name}", "Prompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", hint: str = "") -> None:
        super().__init__()
        self.question, self.value, self.hint = question, value, hint

    def compose(self):
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.value, id="answer")
            if self.hint:
                yield Label(Text(self.hint, style="dim"))

    def on_input_submitted(self, event) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ColumnChooser(ModalScreen):
    """top's field management and htop's F2 in one: tick fields in a list (space), or type a list
    of top field names and ps specifiers; Enter applies, Esc cancels.  Dismissed with the list text."""

    DEFAULT_CSS = _BOX.replace("{name}", "ColumnChooser") + "ColumnChooser SelectionList { height: 14; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "apply", "Apply", priority=True)]

    def __init__(self, shown: list[str], names: list[str]) -> None:
        super().__init__()
        self.shown = list(shown)
        self.names = list(dict.fromkeys(self.shown + list(names)))

    def compose(self):
        with Vertical():
            yield Label("Columns: space shows / hides, Enter applies, Esc cancels")
            yield SelectionList(*[(n, n, n in self.shown) for n in self.names], id="fields")
            yield Label(Text("or type them (top names or ps specifiers, e.g. pid,user,%cpu,rss,args):",
                             style="dim"))
            yield Input(value=",".join(self.shown), id="list")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_selection_list_selected_changed(self, event) -> None:
        chosen = set(event.selection_list.selected)
        keep = [n for n in self.shown if n in chosen]
        keep += [n for n in self.names if n in chosen and n not in keep]
        self.shown = keep
        self.query_one("#list", Input).value = ",".join(keep)

    def action_apply(self) -> None:
        self.dismiss(self.query_one("#list", Input).value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Choice(ModalScreen):
    """Pick one of ``options`` [(id, text), ...], ``current`` highlighted; dismissed with the id or None."""

    DEFAULT_CSS = _BOX.replace("{name}", "Choice") + "Choice OptionList { height: auto; max-height: 16; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, options, current=None) -> None:
        super().__init__()
        self.question, self.options, self.current = question, list(options), current

    def compose(self):
        with Vertical():
            yield Label(self.question)
            yield OptionList(*[Option(text, id=str(k)) for k, (_, text) in enumerate(self.options)])

    def on_mount(self) -> None:
        opts = self.query_one(OptionList)
        ids = [i for i, _ in self.options]
        if self.current in ids:
            opts.highlighted = ids.index(self.current)
        opts.focus()

    def on_option_list_option_selected(self, event) -> None:
        self.dismiss(self.options[int(event.option.id)][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class SignalPicker(ModalScreen):
    """The signals by number and name, SIGTERM chosen; dismissed with the number or None."""

    DEFAULT_CSS = _BOX.replace("{name}", "SignalPicker") + "SignalPicker OptionList { height: 16; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self):
        with Vertical():
            yield Label(f"Send which signal to {self.what}?")
            yield OptionList(*[Option(f"{num:2d} {name}", id=str(num)) for name, num in SIGNALS], id="signals")

    def on_mount(self) -> None:
        opts = self.query_one(OptionList)
        opts.highlighted = [n for _, n in SIGNALS].index(15)
        opts.focus()

    def on_key(self, event) -> None:
        # top asks for a number: typing one picks it
        if event.character and event.character.isdigit():
            opts = self.query_one(OptionList)
            nums = [n for _, n in SIGNALS]
            typed = getattr(self, "_typed", "") + event.character
            if int(typed) not in nums:
                typed = event.character
            self._typed = typed
            if int(typed) in nums:
                opts.highlighted = nums.index(int(typed))
            event.stop()

    def on_option_list_option_selected(self, event) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen):
    """y / Enter: True; n / Escape: False."""

    DEFAULT_CSS = _BOX.replace("{name}", "Confirm")
    BINDINGS = [Binding("y,enter", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self):
        with Vertical():
            yield Label(self.question)
            yield Label(Text("y / Enter: yes    n / Esc: no", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Help(ModalScreen):
    DEFAULT_CSS = """
    Help { align: center middle; }
    Help > VerticalScroll { width: 80; max-width: 100%; height: 100%; border: round $accent;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark,h,f1", "close", "Close")]

    def __init__(self, keys) -> None:
        super().__init__()
        self.keys = keys

    def compose(self):
        t = Text()
        t.append("pstd top: keys (top's and htop's)\n\n", style="bold")
        for keys, what in self.keys:
            t.append(f"{keys:<22}", style="bold")
            t.append(what + "\n")
        t.append("\nEsc, q or ? closes this screen.", style="dim")
        with VerticalScroll():
            yield Static(t, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)


class Detail(ModalScreen):
    """/proc/PID of the process under the cursor, a tab per section, each as procfs shows it to
    this user.  Left and Right (h, l) switch sections."""

    DEFAULT_CSS = """
    Detail { background: $surface; }
    Detail > Vertical { width: 100%; height: 100%; }
    Detail #detail-title { text-style: bold; background: $primary; width: 100%; }
    Detail TabbedContent { height: 1fr; }
    Detail TabPane { padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close"), Binding("right,l", "tab(1)", "Next", show=False),
                Binding("left,h", "tab(-1)", "Previous", show=False)]

    def __init__(self, proc: str, pid: int, title: str, reader=detail.sections) -> None:
        super().__init__()
        self.proc, self.pid, self.title, self.reader = proc, pid, title, reader

    def compose(self):
        from textual.widgets import TabbedContent, TabPane

        with Vertical():
            yield Static(Text(f" PID {self.pid}: {self.title}    Left/Right: section    Esc: close"),
                         id="detail-title")
            with TabbedContent(id="sections"):
                for name, ok, text in self.reader(self.proc, self.pid):
                    with TabPane(name, id=f"sec-{name}"):
                        with VerticalScroll():
                            yield Static(Text(text, style="" if ok else "italic"), id=f"body-{name}")

    def action_tab(self, step: int) -> None:
        from textual.widgets import TabbedContent

        tabs = self.query_one(TabbedContent)
        ids = [f"sec-{name}" for name in detail.SECTIONS]
        i = ids.index(tabs.active) if tabs.active in ids else 0
        tabs.active = ids[(i + step) % len(ids)]

    def action_close(self) -> None:
        self.dismiss(None)
