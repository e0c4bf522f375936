"""Drive the interactive top in Textual's headless pilot against FakeSource.

Plain test functions run the pilot with asyncio.run (no pytest plugin needed).
Expected values come from FakeSource's recipe (source.py), never from the screen.
"""

from __future__ import annotations

import asyncio

from pstd.top.tui.actions import RecordingActions
from pstd.top.tui.source import FakeSource

DELTA = lambda i: 10 * (i % 7)  # noqa: E731  ticks per sample of the i-th task (pid i+1), as FakeSource makes them


def drive(scenario, n=40, size=(80, 24), source=None, **kw):
    """Run ``scenario(pilot, app)`` (a coroutine function) on a fresh app; return the app."""
    from pstd.top.tui.app import TopApp

    kw.setdefault("actions", RecordingActions())
    kw.setdefault("delay", 60.0)
    app = TopApp(source or FakeSource(n), **kw)

    async def go():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot, app)

    asyncio.run(go())
    return app


def table_lines(app) -> list[str]:
    t = app.table
    return [t.render_line(y).text for y in range(t.size.height)]


def shown_pids(app) -> list[int]:
    return [r.task.tid for r in app.table.rows]


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)
    await pilot.press("enter")
    await pilot.pause()
