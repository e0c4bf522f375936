"""Every key binding of the interactive top, against FakeSource's recipe."""

from __future__ import annotations

from tests.top_tui.conftest import DELTA, drive, shown_pids, table_lines, type_text

N = 40
PIDS = list(range(1, N + 1))


def by_cpu_desc():
    # ties keep the order the tasks were read in (pid order)
    return sorted(PIDS, key=lambda p: -DELTA(p - 1))


def test_main_screen_default_columns_and_cpu_order():
    async def s(pilot, app):
        lines = table_lines(app)
        assert lines[0].split() == ["PID", "USER", "PR", "NI", "VIRT", "RES", "SHR", "S", "%CPU", "%MEM",
                                    "TIME+", "COMMAND"]
        assert shown_pids(app)[:5] == by_cpu_desc()[:5]
        first = lines[1].split()
        assert first[0] == "7" and first[8] == "60.0"  # 60 ticks in 1 s at 100 Hz
        assert len(lines) == app.table.size.height and all(len(x) <= 80 for x in lines)
    drive(s)


def test_sort_keys_P_M_T_N():
    res = {p: 100 + ((p - 1) * 613) % 20000 for p in PIDS}
    tics = {p: ((p - 1) * 37) % 500 + ((p - 1) * 11) % 300 for p in PIDS}

    async def s(pilot, app):
        await pilot.press("N")
        assert app.state.sort == "PID" and shown_pids(app)[:3] == [1, 2, 3]
        await pilot.press("N")
        assert shown_pids(app)[:3] == [40, 39, 38]
        await pilot.press("M")
        assert shown_pids(app)[0] == max(PIDS, key=lambda p: res[p])
        await pilot.press("P")
        assert app.state.sort == "%CPU" and shown_pids(app)[:5] == by_cpu_desc()[:5]
        # TIME+ grows with the samples taken (FakeSource adds 10 x samples x (i % 7)); take it now
        await pilot.press("T")
        k = app.source.samples
        total = {p: tics[p] + 10 * k * ((p - 1) % 7) for p in PIDS}
        assert shown_pids(app)[0] == max(PIDS, key=lambda p: total[p])
    drive(s)


def test_sort_column_left_right_and_reverse():
    async def s(pilot, app):
        assert app.state.sort == "%CPU"
        await pilot.press("less_than_sign")
        assert app.state.sort == "S"
        await pilot.press("greater_than_sign")
        await pilot.press("greater_than_sign")
        assert app.state.sort == "%MEM"
        await pilot.press("N")
        await pilot.press("R")
        assert shown_pids(app)[0] == 40
        await pilot.press("I")
        assert shown_pids(app)[0] == 1
    drive(s)


def test_sort_menu_f6():
    async def s(pilot, app):
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("home", "enter")  # the first column: PID
        await pilot.pause()
        assert app.state.sort == "PID" and shown_pids(app)[0] == 40  # still high to low
        await pilot.press("f6", "down", "escape")
        assert app.state.sort == "PID"
    drive(s)


def test_click_header_sorts_by_that_column():
    async def s(pilot, app):
        line = table_lines(app)[0]
        x = line.index("PID")
        await pilot.click("#table", offset=(x, 0))
        await pilot.pause()
        assert app.state.sort == "PID"
        first = shown_pids(app)[0]
        await pilot.click("#table", offset=(x, 0))
        await pilot.pause()
        assert shown_pids(app)[0] != first and app.state.sort == "PID"
    drive(s)


def test_ps_specifier_columns():
    from pstd.top.tui import columns as C

    async def s(pilot, app):
        lines = table_lines(app)
        assert lines[0].split() == ["PID", "USER", "%CPU", "RSS", "COMMAND"]
        row = lines[1].split()
        assert row[0] == "7" and row[2] == "60.0"
        assert row[3] == str((100 + 6 * 613) * 4)  # resident pages x 4 KiB
        assert row[4:] == ["/usr/bin/postgres", "--id=7"]
    drive(s, columns=C.parse("pid,user,%cpu,rss,args"))


def test_pause_space_and_z():
    async def s(pilot, app):
        await pilot.press("space")
        assert app.paused
        before = app.refreshes
        await pilot.pause(0.5)
        assert app.refreshes == before
        await pilot.press("z")
        await pilot.pause(0.5)
        assert not app.paused and app.refreshes > before
    drive(s, delay=0.1)


def test_a_refresh_while_the_screen_is_torn_down_is_dropped():
    """At exit the screen's widgets go one by one; a refresh landing then draws nothing (a
    delay of 0.1 s made one land in CI: NoMatches from the meters' lookup)."""
    from pstd.top.tui.meters import Meters

    async def s(pilot, app):
        before = app.refreshes
        await app.query_one(Meters).remove()
        app.refresh_data()
        assert app.refreshes == before + 1
    drive(s)


def test_delay_d_and_s():
    async def s(pilot, app):
        await pilot.press("d")
        await type_text(pilot, "2.5")
        assert app.delay == 2.5
        await pilot.press("s")
        await type_text(pilot, "abc")
        assert app.delay == 2.5 and "bad delay" in app.message
    drive(s)


def test_q_and_ctrl_c_quit():
    async def s(pilot, app):
        await pilot.press("q")
    app = drive(s)
    assert app.return_code == 0 and not app.is_running

    async def c(pilot, app):
        await pilot.press("ctrl+c")
    app = drive(c)
    assert app.return_code == 0 and not app.is_running


def _parent(pid):
    return 0 if pid == 1 else (pid - 2) // 3 + 1


def test_tree_V_t_and_fold():
    async def s(pilot, app):
        await pilot.press("N")  # siblings by pid
        await pilot.press("V")
        pids = shown_pids(app)
        assert pids[:5] == [1, 2, 5, 14, 15]  # depth first: 2's children are 5,6,7; 5's are 14,15,16
        assert all(_parent(b) in pids[:i] for i, b in enumerate(pids) if b != 1)
        assert sorted(pids) == PIDS
        assert app.table.rows[1].prefix.startswith("├")
        await pilot.press("v")  # the cursor is on pid 1: fold everything under it
        assert shown_pids(app) == [1] and app.table.rows[0].prefix == "+ "
        await pilot.press("plus")
        assert len(shown_pids(app)) == N
        await pilot.press("t")
        assert not app.state.tree and shown_pids(app)[:3] == [1, 2, 3]
    drive(s)


def test_threads_H():
    async def s(pilot, app):
        await pilot.press("H")
        tids = shown_pids(app)
        assert len(tids) == N + N // 5
        assert {t - 100000 for t in tids if t > 100000} == {p for p in PIDS if p % 5 == 0}
        await pilot.press("H")
        assert len(shown_pids(app)) == N
    drive(s)


def test_user_filter_u_and_U():
    from pstd.top.tui.source import FakeSource

    class Setuid(FakeSource):
        """pid 2's saved uid is 33 while its others are daemon's"""

        def _task(self, pid, tid, i):
            t = super()._task(pid, tid, i)
            if pid == 2:
                t.suid = 33
            return t

    www = [p for p in PIDS if (p - 1) % 3 == 2]

    async def s(pilot, app):
        await pilot.press("u")
        await type_text(pilot, "33")
        assert sorted(shown_pids(app)) == www
        await pilot.press("U")
        await type_text(pilot, "www-data")
        assert sorted(shown_pids(app)) == sorted(www + [2])
        await pilot.press("u")
        await type_text(pilot, "!www-data")
        assert sorted(shown_pids(app)) == [p for p in PIDS if p not in www]
        await pilot.press("u")
        await type_text(pilot, "")
        assert len(shown_pids(app)) == N
        await pilot.press("u")
        await type_text(pilot, "no-such-user-here")
        assert app.message == "Invalid user" and len(shown_pids(app)) == N
    drive(s, source=Setuid(N))


def test_iterations_n_end_the_screen():
    async def s(pilot, app):
        for _ in range(100):
            if not app.is_running:
                break
            await pilot.pause(0.1)
    app = drive(s, delay=0.1, iterations=3)
    assert not app.is_running and app.refreshes == 3 and app.return_code == 0


def test_search_slash_and_n():
    names = ("systemd", "kthreadd", "sshd", "bash", "python3", "nginx", "postgres", "cron", "dbus-daemon",
             "journald", "vim", "make", "cc1", "ld", "rsyslogd", "agetty")
    nginx = [p for p in PIDS if names[(p - 1) % 16] == "nginx"]

    async def s(pilot, app):
        await pilot.press("N")
        await pilot.press("slash")
        await type_text(pilot, "nginx")
        assert app.table.current().task.tid == nginx[0]
        await pilot.press("n")
        assert app.table.current().task.tid == nginx[1]
        await pilot.press("slash")
        await type_text(pilot, "no-such-text")
        assert "not found" in app.message
    drive(s)


def test_filters_o_backslash_and_clear():
    async def s(pilot, app):
        await pilot.press("o")
        await type_text(pilot, "COMMAND=bash")
        assert shown_pids(app) and all(r.task.comm == "bash" for r in app.table.rows)
        await pilot.press("equals_sign")
        await pilot.press("backslash")
        await type_text(pilot, "%CPU>30")
        assert sorted(shown_pids(app)) == [p for p in PIDS if DELTA(p - 1) > 30]
        await pilot.press("O")
        await type_text(pilot, "!PID<20")
        assert sorted(shown_pids(app)) == [p for p in PIDS if DELTA(p - 1) > 30 and p >= 20]
        await pilot.press("equals_sign")
        await pilot.press("o")
        await type_text(pilot, "NOPE=1")
        assert "unknown field" in app.message and len(shown_pids(app)) == N
    drive(s)


def test_idle_i_and_cmdline_c():
    async def s(pilot, app):
        await pilot.press("i")
        assert sorted(shown_pids(app)) == [p for p in PIDS if DELTA(p - 1) > 0]
        await pilot.press("i")
        await pilot.press("N")
        await pilot.press("c")
        assert table_lines(app)[1].split()[-2:] == ["/usr/bin/systemd", "--id=1"]
        await pilot.press("c")
        assert table_lines(app)[1].split()[-1] == "systemd"
    drive(s, size=(120, 30))  # at 80 columns top's default fields leave COMMAND 9 cells


def test_column_chooser_f_and_F2():
    from pstd.top.tui.screens import ColumnChooser

    async def s(pilot, app):
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ColumnChooser)
        await pilot.press("space")  # the first item is PID, shown: hide it
        await pilot.press("enter")
        await pilot.pause()
        assert table_lines(app)[0].split()[:2] == ["USER", "PR"]
        await pilot.press("f2")
        await pilot.press("tab")  # to the typed list
        for _ in range(120):
            await pilot.press("backspace")
        await type_text(pilot, "pid,comm,nice")
        assert table_lines(app)[0].split() == ["PID", "COMMAND", "NI"]
        await pilot.press("f", "escape")
        await pilot.pause()
        assert table_lines(app)[0].split() == ["PID", "COMMAND", "NI"]
    drive(s)


def _cursor_to(app, pid):
    i = shown_pids(app).index(pid)
    app.table.move(i)


def test_kill_k_picker_confirm_and_cancel():
    async def s(pilot, app):
        await pilot.press("N")
        _cursor_to(app, 4)
        await pilot.press("k")
        await pilot.press("enter")  # SIGTERM is preselected
        await pilot.press("y")
        await pilot.pause()
        assert app.actions.calls == [("kill", 4, 15)]
        await pilot.press("k")
        await pilot.press("9")
        await pilot.press("enter")
        await pilot.press("n")
        await pilot.pause()
        assert app.actions.calls == [("kill", 4, 15)]
        await pilot.press("f9")
        await pilot.press("9")
        await pilot.press("enter")
        await pilot.press("enter")
        await pilot.pause()
        assert app.actions.calls[-1] == ("kill", 4, 9)
    drive(s)


def test_kill_failure_is_shown():
    from pstd.top.tui.actions import RecordingActions

    async def s(pilot, app):
        await pilot.press("k", "enter", "y")
        await pilot.pause()
        assert app.message == "Failed: no"
    drive(s, actions=RecordingActions(fail="Failed: no"))


def test_renice_r():
    async def s(pilot, app):
        await pilot.press("N")
        _cursor_to(app, 3)
        await pilot.press("r")
        await type_text(pilot, "5")
        assert app.actions.calls == [("renice", 3, 5)]
        await pilot.press("r")
        await type_text(pilot, "x")
        assert app.actions.calls == [("renice", 3, 5)] and "nice value" in app.message
    drive(s)


def test_readonly_refuses_kill_and_renice():
    async def s(pilot, app):
        await pilot.press("k")
        await pilot.press("r")
        await pilot.press("enter", "y")
        await pilot.pause()
        assert app.actions.calls == [] and "read-only" in app.message
    drive(s, readonly=True)


def test_follow_F_keeps_the_task_under_the_cursor():
    async def s(pilot, app):
        await pilot.press("N")
        _cursor_to(app, 9)
        await pilot.press("F")
        await pilot.press("M")
        assert app.table.current().task.tid == 9
        await pilot.press("F")
        await pilot.press("N")
        assert app.table.current().task.tid != 9
    drive(s)


def test_help_question_h_f1():
    from pstd.top.tui.screens import Help

    for key in ("question_mark", "h", "f1"):
        async def s(pilot, app):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, Help)
            text = str(app.screen.query_one("#help-text").render())
            assert "sort by %CPU" in text and "tree view" in text
            await pilot.press("escape")
            assert not isinstance(app.screen, Help)
        drive(s)


def test_detail_enter_and_e(tmp_path):
    import os

    from pstd.top.tui.screens import Detail

    proc = tmp_path
    d = proc / "4"
    (d / "fd").mkdir(parents=True)
    (d / "cmdline").write_bytes(b"/usr/bin/bash\0-l\0")
    (d / "environ").mkdir()  # unreadable as a file: the section says so
    (d / "limits").write_text("Max open files 1024 4096 files\n")
    (d / "maps").write_text("00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/bash\n")
    (d / "cgroup").write_text("0::/user.slice\n")
    (d / "status").write_text("Name:\tbash\n")
    os.symlink("/dev/pts/3", d / "fd" / "0")

    async def s(pilot, app):
        app.source.proc = str(proc)
        await pilot.press("N")
        _cursor_to(app, 4)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Detail)
        body = lambda n: str(app.screen.query_one(f"#body-{n}").render())  # noqa: E731
        assert body("cmdline") == "/usr/bin/bash\n-l"
        assert body("environ").startswith("not shown:")
        assert "/dev/pts/3" in body("fds") and "user.slice" in body("cgroup")
        assert "r-xp" in body("maps") and "1024" in body("limits")
        await pilot.press("escape")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, Detail)
    drive(s)


def test_filter_case_o_ignores_O_keeps():
    async def s(pilot, app):
        await pilot.press("o")
        await type_text(pilot, "COMMAND=BASH")
        assert shown_pids(app) and all(r.task.comm == "bash" for r in app.table.rows)
        await pilot.press("equals_sign")
        await pilot.press("O")
        await type_text(pilot, "COMMAND=BASH")
        assert shown_pids(app) == []
        await pilot.press("equals_sign")
        await pilot.press("O")
        await type_text(pilot, "COMMAND=bash")
        assert shown_pids(app) and all(r.task.comm == "bash" for r in app.table.rows)
    drive(s)


def test_htop_and_top_aliases():
    from pstd.top.tui.screens import Detail, Prompt

    async def s(pilot, app):
        await pilot.press("Z")
        assert app.paused
        await pilot.press("Z")
        for key in ("L", "f4", "f8", "d"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, Prompt), key
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("N", "L")
        await type_text(pilot, "cron")
        first = app.table.current().task.tid
        await pilot.press("ampersand")
        assert app.table.current().task.tid == first + 16 and app.table.current().task.comm == "cron"
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, Detail)
        await pilot.press("escape")
        await pilot.press("f10")
    app = drive(s)
    assert app.return_code == 0 and not app.is_running


def test_the_source_is_asked_only_for_what_is_shown():
    """``groups``: read of every task; ``lazy``: only of the rows drawn."""
    from pstd.model import Group
    from pstd.top.tui import columns as C

    async def s(pilot, app):
        src = app.source
        assert src.groups == Group.BASE | Group.COMM | Group.STAT and src.lazy == Group.NONE
        await pilot.press("c")  # the command line of the rows drawn only
        assert src.lazy == Group.CMDLINE and not src.groups & Group.CMDLINE
        await pilot.press("c")
        assert not (src.groups | src.lazy) & Group.CMDLINE
        await pilot.press("M")  # %MEM is not shown: its pages are read of every task, then sorted by
        assert src.groups & Group.STATM and app.state.sort == "%MEM"
        assert shown_pids(app)[0] == max(PIDS, key=lambda p: 100 + ((p - 1) * 613) % 20000)
        await pilot.press("u")
        await type_text(pilot, "0")  # the user filter reads every task's effective uid
        assert src.groups & Group.OWNER
        await pilot.press("equals_sign")
        assert not src.groups & Group.OWNER
        await pilot.press("o")
        await type_text(pilot, "bash")  # plain text filters every command line
        assert src.groups & Group.CMDLINE
    drive(s, columns=C.parse("PID,COMMAND"))


def test_default_columns_read_stat_of_every_task_and_the_rest_of_the_rows_drawn():
    from pstd.model import Group

    async def s(pilot, app):
        src = app.source
        assert src.groups == Group.BASE | Group.COMM | Group.STAT
        assert src.lazy == Group.OWNER | Group.STATM | Group.SCHED
        assert 0 < src.fills <= 3 * (app.table.size.height - 1) and len(app.table.rows) == 5000
    drive(s, n=5000)


def test_detail_sections_left_right():
    from textual.widgets import TabbedContent

    from pstd.top.tui.detail import SECTIONS

    async def s(pilot, app):
        await pilot.press("enter")
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.active == f"sec-{SECTIONS[0]}"
        await pilot.press("right", "right")
        assert tabs.active == f"sec-{SECTIONS[2]}"
        await pilot.press("left", "left", "left")
        assert tabs.active == f"sec-{SECTIONS[-1]}"
    drive(s)


def test_one_meter_or_a_meter_per_cpu_1():
    from pstd.top.tui.meters import Meters

    async def s(pilot, app):
        m = app.query_one(Meters)
        assert m.size.height == 4 + 3  # four cpus
        await pilot.press("1")
        await pilot.pause()
        assert m.size.height == 1 + 3 and str(m.render()).startswith("Cpu[")
        await pilot.press("1")
        await pilot.pause()
        assert m.size.height == 7
    drive(s)
