"""The interactive ``pstd top``: header, process table, status line, and the keys of top and htop.

``TopApp`` takes a source (source.py), the columns, a ViewState and an ``actions``
object; it never reads /proc itself except through them and the detail view, and
never signals anything except through ``actions``.  ``run`` is the command's entry:
it builds the live source from the parsed top options and owns the terminal.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Static

from pstd.model import Group
from pstd.top import cells, fields
from pstd.top.tui import columns as C
from pstd.top.tui import screens, view
from pstd.top.tui.actions import SIGNALS, SystemActions
from pstd.top.tui.meters import Meters
from pstd.top.tui.table import ProcessTable

# (Textual keys, action, keys as the help screen and docs/top.md name them, what it does)
KEYS = [
    ("q,f10", "quit", "q, F10, Ctrl-C", "quit"),
    ("question_mark,h,f1", "help", "?, h, F1", "this help"),
    ("P", "sort('%CPU')", "P", "sort by %CPU"),
    ("M", "sort('%MEM')", "M", "sort by %MEM"),
    ("T", "sort('TIME+')", "T", "sort by TIME+"),
    ("N", "sort('PID')", "N", "sort by PID"),
    ("less_than_sign", "sort_step(-1)", "<", "sort by the column to the left"),
    ("greater_than_sign", "sort_step(1)", ">", "sort by the column to the right"),
    ("R,I", "reverse", "R, I", "reverse the sort order"),
    ("f6", "sort_menu", "F6", "choose the sort column from a list"),
    ("d,s", "delay", "d, s", "set the refresh interval (seconds)"),
    ("space,z,Z", "pause", "space, z, Z", "pause / resume refreshing"),
    ("V,t", "tree", "V, t", "tree view on / off"),
    ("v,plus,minus", "fold", "v, +, -", "tree view: fold / unfold the subtree under the cursor"),
    ("H", "threads", "H", "threads on / off"),
    ("u", "user(False)", "u", "show one user's tasks by effective uid (!USER: all but; empty: everyone)"),
    ("U", "user(True)", "U", "the same by real, effective, saved or filesystem uid"),
    ("slash,L", "search", "/, L", "search the rows for text"),
    ("n,f3,ampersand", "search_next", "n, F3, &", "next match"),
    ("o,backslash,f4", "filter(True)", "o, \\, F4",
     "add a filter, case ignored: FIELD=TEXT, FIELD>N, FIELD<N, !FIELD=TEXT, or text (the command)"),
    ("O", "filter(False)", "O", "add a filter, case kept"),
    ("equals_sign", "clear_filters", "=", "remove every filter"),
    ("i", "idle", "i", "hide / show tasks that used no cpu"),
    ("c", "cmdline", "c", "COMMAND: command line / name"),
    ("1", "cpus", "1", "a meter per cpu / one for all"),
    ("f,f2", "choose_columns", "f, F2", "choose the columns (top field names or ps specifiers)"),
    ("k,f9", "kill", "k, F9", "send a signal to the task under the cursor"),
    ("r,f7,f8", "renice", "r, F7, F8", "renice the task under the cursor"),
    ("F", "follow", "F", "follow the task under the cursor when rows move"),
    ("enter,e,l", "detail", "Enter, e, l", "details of the task under the cursor"),
]
MOVE_KEYS = [("Up, Down, PgUp, PgDn, Home, End", "move the cursor"),
             ("mouse", "click a header to sort by it (again: reverse), click a row to select it")]


class TopApp(App):
    TITLE = "pstd top"
    ENABLE_COMMAND_PALETTE = False  # Ctrl-P is not a top or htop key
    CSS = """
    Screen { layout: vertical; }
    #status { height: 1; background: $panel; }
    """
    BINDINGS = [Binding(k, a, d, show=False) for k, a, _, d in KEYS] + [
        Binding("ctrl+c", "quit", "quit", show=False, priority=True)]

    def __init__(self, source, columns=None, state=None, delay: float = 3.0, readonly: bool = False,
                 actions=None, cmdline: bool = False, utf8: bool = True, lookup_uid=None,
                 handle_signals: bool = False, iterations: int = 0) -> None:
        super().__init__()
        if self.no_color:
            # NO_COLOR means no colour codes at all; Textual would paint in greys
            from textual.filter import Monochrome, NoColor

            self._filters = [f for f in self._filters if not isinstance(f, Monochrome)] + [NoColor()]
        self.source = source
        self.shown = list(columns or C.default())
        self.state = state or view.ViewState()
        self.delay = delay
        self.readonly = readonly
        self.actions = actions or SystemActions()
        self.cmdline = cmdline
        self.utf8 = utf8
        self.lookup_uid = lookup_uid or _lookup_uid
        self.handle_signals = handle_signals
        self.iterations = max(iterations, 0)
        self.paused = False
        self.follow_tid = None
        self.search_text = ""
        self.message = ""
        self.snap = None
        self.rows: list = []
        self.refreshes = 0
        self._timer = None
        self._sampling = False
        self._regroup()

    # ------------------------------------------------------------ layout
    def compose(self):
        yield Meters(id="meters")
        yield ProcessTable(id="table")
        yield Static(id="status")

    @property
    def table(self) -> ProcessTable:
        return self.query_one(ProcessTable)

    def on_mount(self) -> None:
        self.table.fill = self.source.fill
        self.table.set_columns(self.shown, self._pid_width())
        self.table.focus()
        self.request_sample()
        self._timer = self.set_interval(self.delay, self._tick)
        if self.handle_signals:
            import asyncio
            import signal

            # top's endings, but through Textual's exit so that the terminal is restored first
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGALRM,
                        signal.SIGUSR1, signal.SIGUSR2):
                loop.add_signal_handler(sig, self.exit)

    def _pid_width(self) -> int:
        return max(5, len(str(self.source.pid_max)))

    def _sort_extra(self):
        try:
            return [C.make(self.state.sort)]
        except C.UnknownColumn:
            return []

    # -------------------------------------------------------------- data
    def _tick(self) -> None:
        if self.iterations and self.refreshes >= self.iterations:
            self.exit()  # top's -n: the last frame stayed up for one delay
        elif not self.paused:
            self.request_sample()

    def request_sample(self) -> None:
        """A new snapshot: now, or (a source that reads slowly) from a worker thread, keys live meanwhile."""
        if not getattr(self.source, "threaded", False):
            self.refresh_data()
        elif not self._sampling:
            self._sampling = True
            threads = self.state.threads
            self.run_worker(lambda: self._sample_in_thread(threads), thread=True, group="sample",
                            exit_on_error=False)

    def _sample_in_thread(self, threads: bool) -> None:
        try:
            snap = self.source.sample(threads)
        except Exception as e:  # the screen stays up and says so; the next refresh tries again
            self.call_from_thread(self._failed, e)
            return
        self.call_from_thread(self._sampled, snap)

    def _failed(self, e: Exception) -> None:
        self._sampling = False
        self.say(f"refresh failed: {e}")

    def _sampled(self, snap) -> None:
        self._sampling = False
        if snap is None:
            return
        if snap.threads != self.state.threads:
            self.request_sample()  # H was pressed while it was read
            return
        self.snap = snap
        self.refreshes += 1
        if self.message.startswith("refresh failed"):
            self.message = ""
        self.redraw()

    def refresh_data(self) -> None:
        self.snap = self.source.sample(self.state.threads)
        self.refreshes += 1
        self.redraw()

    def context(self):
        from pstd.ps.columns import FormatContext
        from pstd.ps.escape import _wide

        snap, src = self.snap, self.source
        cpus = max(src.cpu_count, 1)
        pmax = 99.9
        if cpus > 1 and not self.state.threads:
            pmax = min(100.0 * cpus, 999.9 if cpus <= 10 else 99999.0 if cpus <= 100 else 999999.0)
        hz = cells.f32(float(src.hertz))
        frame = fields.Frame(hertz=src.hertz, page_kib=src.page_size // 1024,
                             mem_total_kib=snap.memory.total or 1,
                             etscale=cells.f32(100.0 / cells.f32(hz * cells.f32(snap.elapsed or 1.0))),
                             cpu_pmax=cells.f32(pmax), cmdline=self.cmdline, pid_width=self._pid_width(),
                             cells=_wide if self.utf8 else None, utf8=self.utf8)
        ps = FormatContext(now=float(int(snap.now)), boot_time=snap.boot_time, uptime=snap.uptime,
                           clock_ticks=src.hertz, page_size=src.page_size, mem_total_kb=snap.memory.total,
                           pid_max=src.pid_max, utf8=self.utf8, proc=src.proc)
        return C.Context(frame, ps)

    def redraw(self) -> None:
        if self.snap is None:
            return
        try:
            table, meters, status = self.table, self.query_one(Meters), self.query_one("#status", Static)
        except NoMatches:
            # a refresh that lands while the app exits: its screen's widgets are being removed
            return
        ctx = self.context()
        self.rows = view.build(self.snap, self.shown, ctx, self.state)
        col = view.sort_column(self.state, self.shown)
        table.set_rows(self.rows, ctx, col.name if col else "", self.follow_tid)
        meters.show(self.snap, self.paused, self.message)
        self._status(status)

    def _status(self, status: Static) -> None:
        t = Text()
        bits = [("F1", "Help"), ("/", "Search"), ("\\", "Filter"), ("t", "Tree"), ("H", "Threads"),
                ("u", "User"), ("k", "Kill"), ("r", "Nice"), ("space", "Pause"), ("q", "Quit")]
        for k, what in bits:
            t.append(k, style="bold reverse")
            t.append(what + " ")
        on = []
        if self.state.tree:
            on.append("tree")
        if self.state.threads:
            on.append("threads")
        if self.state.uid >= 0:
            on.append(("uid!=" if self.state.uid_invert else "uid=") + str(self.state.uid)
                      + (" (any)" if self.state.any_uid else ""))
        on.extend(f.text for f in self.state.filters)
        if self.follow_tid is not None:
            on.append(f"follow {self.follow_tid}")
        if self.readonly:
            on.append("read-only")
        if on:
            t.append(" [" + ", ".join(on) + "]", style="bold")
        status.update(t)

    def say(self, text: str) -> None:
        self.message = text
        if self.snap is not None:
            for meters in self.query(Meters):  # none while the app exits (see redraw)
                meters.show(self.snap, self.paused, self.message)

    def current(self):
        return self.table.current()

    # ----------------------------------------------------------- sorting
    def action_sort(self, name: str) -> None:
        # a ps column list may show %mem as ps's pmem: sort by what is shown when it is there
        shown = {c.name: c for c in self.shown}
        alias = {"%MEM": ("%MEM", "%mem", "pmem", "RES", "rss"), "PID": ("PID", "pid", "tid", "spid"),
                 "TIME+": ("TIME+", "TIME", "time", "cputime"), "%CPU": ("%CPU",)}
        for n in alias.get(name, (name,)):
            if n in shown:
                name = n
                break
        if self.state.sort == name:
            self.state.descending = not self.state.descending
        else:
            self.state.sort = name
            self.state.descending = name not in ("PID", "pid", "tid", "spid")
        if self._regroup():
            self.request_sample()  # the sort column reads what the shown ones do not
        else:
            self.redraw()

    def action_sort_step(self, step: int) -> None:
        names = [c.name for c in self.shown]
        i = names.index(self.state.sort) if self.state.sort in names else 0
        self.state.sort = names[max(0, min(len(names) - 1, i + step))]
        self.redraw()

    def action_sort_menu(self) -> None:
        def done(name):
            if name is not None:
                self.state.sort = name
                self.redraw()

        self.push_screen(screens.Choice("Sort by:", [(c.name, c.header) for c in self.shown], self.state.sort),
                         done)

    def action_reverse(self) -> None:
        self.state.descending = not self.state.descending
        self.redraw()

    def on_process_table_header_clicked(self, event) -> None:
        name = self.shown[event.index].name
        if name == self.state.sort:
            self.state.descending = not self.state.descending
        else:
            self.state.sort = name
        self.redraw()

    def _regroup(self) -> bool:
        """Ask the source for what the sort column, the filters and the counts read of every task,
        and for what the shown columns read of the rows drawn; nothing more."""
        every = C.groups_for(self._sort_extra() + [f.column for f in self.state.filters], self.cmdline)
        if self.state.uid >= 0:
            every |= Group.OWNER | Group.CRED if self.state.any_uid else Group.OWNER
        shown = C.groups_for(self.shown, self.cmdline)
        before = (self.source.groups, self.source.lazy)
        self.source.set_groups(every, shown & ~every)
        return (self.source.groups, self.source.lazy) != before

    # ------------------------------------------------------ refresh/pause
    def action_pause(self) -> None:
        self.paused = not self.paused
        self.say("")

    def action_delay(self) -> None:
        def done(text):
            if text is None:
                return
            try:
                v = float(text)
            except ValueError:
                v = -1.0
            if not v > 0 or v != v or v > 86400:
                self.say(f"bad delay interval '{text}'")
                return
            self.delay = v
            if self._timer is not None:
                self._timer.stop()
            self._timer = self.set_interval(v, self._tick)
            self.say(f"refresh every {v:g} s")

        self.push_screen(screens.Prompt("Change delay from %g to (seconds):" % self.delay), done)

    # ------------------------------------------------------- tree/threads
    def action_tree(self) -> None:
        self.state.tree = not self.state.tree
        self.redraw()

    def action_fold(self) -> None:
        r = self.current()
        if r is None or not self.state.tree:
            return
        tid = r.task.tid
        if tid in self.state.collapsed:
            self.state.collapsed.discard(tid)
        elif r.children:
            self.state.collapsed.add(tid)
        self.redraw()

    def action_threads(self) -> None:
        self.state.threads = not self.state.threads
        self.request_sample()

    def action_idle(self) -> None:
        self.state.idle = not self.state.idle
        self.redraw()

    def action_cpus(self) -> None:
        meters = self.query_one(Meters)
        meters.per_cpu = not meters.per_cpu
        self.redraw()

    def action_cmdline(self) -> None:
        self.cmdline = not self.cmdline
        self._regroup()
        self.request_sample()

    # ---------------------------------------------------- filters/search
    def action_user(self, any_uid: bool = False) -> None:
        def done(text):
            if text is None:
                return
            text = text.strip()
            invert = text.startswith("!")
            if invert:
                text = text[1:]
            if not text:
                self.state.uid = -1
            else:
                uid = self.lookup_uid(text)
                if uid is None:
                    self.say("Invalid user")
                    return
                self.state.uid, self.state.any_uid, self.state.uid_invert = uid, any_uid, invert
            if self._regroup():
                self.request_sample()  # the uids of every task, not only of the rows drawn
            else:
                self.redraw()

        self.push_screen(screens.Prompt("Which user (blank for all):"), done)

    def action_filter(self, ignore_case: bool = True) -> None:
        def done(text):
            if not text:
                return
            try:
                self.state.filters.append(view.parse_filter(text, ignore_case))
            except view.BadFilter as e:
                self.say(str(e))
                return
            if self._regroup():
                self.request_sample()  # the filter reads what the shown columns do not
            else:
                self.redraw()

        self.push_screen(screens.Prompt("Add filter #%d:" % (len(self.state.filters) + 1),
                                        hint="FIELD=TEXT  FIELD>N  FIELD<N  !FIELD=TEXT  or TEXT (command)"), done)

    def action_clear_filters(self) -> None:
        self.state.filters.clear()
        self.state.uid = -1
        self._regroup()
        self.redraw()

    def action_search(self) -> None:
        def done(text):
            if text is None:
                return
            self.search_text = text
            self._find(self.table.cursor)

        self.push_screen(screens.Prompt("Locate string:", self.search_text), done)

    def action_search_next(self) -> None:
        if self.search_text:
            self._find(self.table.cursor + 1)

    def _find(self, start: int) -> None:
        if not self.rows or not self.search_text:
            return
        i = view.find(self.rows, self.search_text, start, self.shown, self.table.ctx, self.source.fill)
        if i < 0:
            self.say(f"'{self.search_text}' not found")
        else:
            self.say("")
            self.table.move(i)

    def action_choose_columns(self) -> None:
        def done(text):
            if not text:
                return
            try:
                cols = C.parse(text)
            except C.UnknownColumn as e:
                self.say(f"unknown column '{e}'")
                return
            self.shown = cols
            self._regroup()
            self.table.set_columns(self.shown, self._pid_width())
            self.request_sample()

        names = [n for n in fields.NAMES if n in fields.FIELDS]
        self.push_screen(screens.ColumnChooser([c.name for c in self.shown], names), done)

    # ------------------------------------------------------------ acting
    def action_follow(self) -> None:
        r = self.current()
        if self.follow_tid is not None or r is None:
            self.follow_tid = None
        else:
            self.follow_tid = r.task.tid
        self._status(self.query_one("#status", Static))

    def _target(self, what: str):
        if self.readonly:
            self.say(f"{what}: not in read-only mode")
            return None
        r = self.current()
        if r is None:
            self.say("no task")
        return r

    def action_kill(self) -> None:
        r = self._target("kill")
        if r is None:
            return
        pid, comm = r.task.tid, r.task.comm

        def confirmed(yes, sig):
            if not yes:
                self.say("")
                return
            err = self.actions.kill(pid, sig)
            self.say(err or f"sent {_signame(sig)} to {pid}")

        def picked(sig):
            if sig is None:
                return
            self.push_screen(screens.Confirm(f"Send {_signame(sig)} ({sig}) to PID {pid} ({comm})?"),
                             lambda yes: confirmed(yes, sig))

        self.push_screen(screens.SignalPicker(f"PID {pid} ({comm})"), picked)

    def action_renice(self) -> None:
        r = self._target("renice")
        if r is None:
            return
        pid = r.task.tid

        def done(text):
            if text is None or not text.strip():
                return
            try:
                nice = int(text)
            except ValueError:
                self.say(f"Unacceptable nice value '{text}'")
                return
            err = self.actions.renice(pid, nice)
            self.say(err or f"PID {pid}: nice {nice}")
            self.request_sample()

        self.push_screen(screens.Prompt(f"Renice PID {pid} to value:"), done)

    def action_detail(self) -> None:
        r = self.current()
        if r is None:
            return
        self.push_screen(screens.Detail(self.source.proc, r.task.tid, r.task.comm))

    def action_help(self) -> None:
        keys = [(shown, what) for _, _, shown, what in KEYS] + MOVE_KEYS
        self.push_screen(screens.Help(keys))


def _signame(sig: int) -> str:
    for name, num in SIGNALS:
        if num == sig:
            return name
    return str(sig)


def _lookup_uid(text: str):
    import pwd

    if text.isdigit():
        return int(text)
    try:
        return pwd.getpwnam(text).pw_uid
    except (KeyError, ValueError, UnicodeEncodeError):
        return None


def run(query, env, columns=None, readonly: bool = False) -> int:
    """``pstd top`` without -b: the screen until q, Ctrl-C or SIGTERM; 0, or 1 with a message."""
    from pstd.backends import BackendUnavailable, open_backend
    from pstd.ps.escape import locale_is_utf8
    from pstd.top.tui.source import LiveSource

    try:
        backend = open_backend(env.environ.get("PSTD_BACKEND") or "auto", env)
    except BackendUnavailable as e:
        env.stderr.write(f"pstd: {e}\n".encode())
        return 1
    try:
        shown = C.parse(columns) if columns else C.default()
    except C.UnknownColumn as e:
        env.stderr.write(f"top: unrecognized field name '{e}'\n".encode())
        return 1
    state = view.ViewState(sort=query.sort_field, descending=query.sort_descending, threads=query.threads,
                           idle=query.idle, tree=query.forest)
    if query.user_filter:
        state.uid, state.any_uid, state.uid_invert = query.user_uid, query.user_filter == "U", not query.user_match
    try:
        filler = open_backend(env.environ.get("PSTD_BACKEND") or "auto", env)
    except BackendUnavailable:
        filler = None  # everything is read of every task
    source = LiveSource(backend, env, C.groups_for(shown, query.cmdline), pids=query.pids, filler=filler)
    source.prime(query.threads)
    app = TopApp(source, shown, state, delay=query.delay or 0.5, readonly=readonly or query.secure,
                 cmdline=query.cmdline, utf8=locale_is_utf8(env.environ), handle_signals=True,
                 iterations=query.iterations)
    app.run()
    return 0 if app.return_code in (None, 0) else app.return_code
