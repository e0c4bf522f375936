"""The table at many rows, in-place refreshes, sizes, and the header's figures."""

from __future__ import annotations

from tests.top_tui.conftest import drive, shown_pids, table_lines


def test_10000_rows_only_visible_rows_are_formatted():
    async def s(pilot, app):
        h = app.table.size.height - 1
        assert len(app.table.rows) == 10000
        assert 0 < app.table.formatted <= 3 * h  # a paint or two of the visible rows, of 10,000
        await pilot.press("pagedown", "pagedown", "end")
        await pilot.pause()
        assert app.table.formatted <= 8 * h
        assert app.table.current() is app.table.rows[-1]
    drive(s, n=10000)


def test_refresh_keeps_cursor_and_scroll_position():
    async def s(pilot, app):
        await pilot.press("N")
        for _ in range(30):
            await pilot.press("down")
        await pilot.pause()
        cursor, scroll = app.table.cursor, app.table.scroll_offset.y
        assert cursor == 30 and scroll > 0
        app.refresh_data()
        await pilot.pause()
        assert (app.table.cursor, app.table.scroll_offset.y) == (cursor, scroll)
        assert app.table.current().task.tid == 31
    drive(s, n=200)


def test_80x24_and_resize_to_160x48():
    async def s(pilot, app):
        lines = table_lines(app)
        assert lines[0].split()[-1] == "COMMAND" and max(len(x) for x in lines) <= 80
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        lines = table_lines(app)
        assert len(lines) > 30
        cmd = app.table.widths[-1]
        assert cmd >= 160 - 80 and lines[0].rstrip().endswith("COMMAND")
    drive(s)


def test_header_figures():
    from pstd.top.tui.meters import header_lines
    from pstd.top.tui.source import FakeSource

    src = FakeSource(40, cpus=4)
    snap = src.sample()
    text = [t.plain for t in header_lines(snap, 80)]
    # cpu k used 10(k+1)+5 of 10(k+1)+5+85-10k = 100 ticks
    assert [x.split("]")[0].split()[-1] for x in text[:4]] == ["15.0%", "25.0%", "35.0%", "45.0%"]
    assert text[4].startswith("Mem[") and "3.81G/7.63G" in text[4] and "488K/1.91G" not in text[4]
    assert "Swp[" in text[4] and "488.3M/1.9G" in text[4].replace("1.91G", "1.9G")
    states = "SSSSRSSDSSSSSZST"
    zombies = sum(states[i % 16] == "Z" for i in range(40))
    running = sum(states[i % 16] == "R" for i in range(40))
    stopped = sum(states[i % 16] in "tT" for i in range(40))
    assert text[5] == (f"Tasks: 40 total, {running} running, {40 - running - zombies - stopped} sleeping, "
                       f"{stopped} stopped, {zombies} zombie")
    assert text[6].startswith("Load average: 0.50 1.25 2.00  Uptime: 3 days, 04:05:06")
    assert all(len(x) <= 80 for x in text)


def test_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def s(pilot, app):
        from textual.filter import Monochrome, NoColor

        assert app.no_color and shown_pids(app)
        assert any(isinstance(f, NoColor) for f in app._filters)
        assert not any(isinstance(f, Monochrome) for f in app._filters)
    drive(s)


def test_a_slow_source_is_read_in_a_worker_thread():
    import threading

    from pstd.top.tui.source import FakeSource

    class Slow(FakeSource):
        threaded = True

        def __init__(self):
            super().__init__(40)
            self.where = set()

        def sample(self, threads=False):
            self.where.add(threading.current_thread() is threading.main_thread())
            return super().sample(threads)

    async def s(pilot, app):
        for _ in range(300):
            if app.refreshes >= 3:
                break
            await pilot.pause(0.1)
        assert app.refreshes >= 3 and shown_pids(app)
        await pilot.press("H")
        for _ in range(300):
            if len(shown_pids(app)) == 48:
                break
            await pilot.pause(0.1)
        assert len(shown_pids(app)) == 48
    src = Slow()
    drive(s, source=src, delay=0.1)
    assert src.where == {False}


def test_values_a_backend_could_not_read_do_not_break_the_row():
    from pstd.model import Task
    from pstd.top.tui import columns as C
    from pstd.top.tui.source import FakeSource

    class Sparse(FakeSource):
        def sample(self, threads=False):
            snap = super().sample(threads)
            bare = Task(9999)
            bare.state, bare.comm, bare.ppid = "S", "gone", 1
            snap.tasks.append(bare)
            snap.deltas.append(0)
            return snap

    cols = C.default() + C.parse("rss,etime,wchan,args")

    async def s(pilot, app):
        await pilot.press("N", "R")
        assert app.table.current().task.tid == 9999
        line = table_lines(app)[1]
        assert line.split()[0] == "9999" and "gone" in line
    drive(s, source=Sparse(10), columns=cols, size=(200, 30))


def test_click_a_row_selects_it_and_threads_sit_under_their_process_in_the_tree():
    async def s(pilot, app):
        await pilot.press("N")
        await pilot.click("#table", offset=(3, 4))
        await pilot.pause()
        assert app.table.cursor == 3 and app.table.current().task.tid == 4
        await pilot.press("H", "V")
        rows = app.table.rows
        tids = [r.task.tid for r in rows]
        threads = [r for r in rows if r.task.tid != r.task.pid]
        assert len(threads) == 8
        for r in threads:
            i, p = tids.index(r.task.tid), tids.index(r.task.pid)
            # inside its process's subtree, one level below it
            assert p < i and all(len(x.prefix) > len(rows[p].prefix) for x in rows[p + 1:i + 1])
            assert len(r.prefix) == (len(rows[p].prefix) + 2 if rows[p].prefix else 3)
            assert r.prefix.rstrip()[-2] in "├└"
    drive(s)


def test_many_cpus_keep_the_header_small():
    from pstd.top.tui.meters import header_lines
    from pstd.top.tui.source import FakeSource

    for cpus, width, meter_lines in ((16, 80, 4), (64, 80, 1), (64, 200, 4)):
        snap = FakeSource(10, cpus=cpus).sample()
        text = [t.plain for t in header_lines(snap, width)]
        assert len(text) == meter_lines + 3, (cpus, width)
        assert all(len(x) <= width for x in text)
        shown = sum(x.count("%]") for x in text[:meter_lines])
        assert shown == (cpus if meter_lines > 1 else 1)


def test_a_failing_refresh_is_said_and_the_next_one_tried():
    from pstd.top.tui.source import FakeSource

    class Flaky(FakeSource):
        threaded = True

        def __init__(self):
            super().__init__(20)
            self.calls = 0

        def sample(self, threads=False):
            self.calls += 1
            if self.calls == 2:
                raise OSError(5, "Input/output error")
            return super().sample(threads)

    async def s(pilot, app):
        for _ in range(300):
            if app.source.calls >= 2 and app.message:
                break
            await pilot.pause(0.05)
        assert app.message == "refresh failed: [Errno 5] Input/output error" and app.is_running
        for _ in range(300):
            if app.refreshes >= 2:
                break
            await pilot.pause(0.05)
        assert app.refreshes >= 2 and app.is_running and app.message == ""
    drive(s, source=Flaky(), delay=0.2)
