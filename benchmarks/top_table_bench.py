#!/usr/bin/env python3
"""Benchmark (not a test): Textual's DataTable against pstd top's Line-API table at N rows.

    PYTHONPATH=src python benchmarks/top_table_bench.py --rows 10000 --repeat 3

Both run headless (App.run_test) at 160x48 with top's default twelve columns over
FakeSource's rows.  Timed, in this one process, wall and cpu (user + sys):
(1) the first fill and first paint (the Line-API figure includes the app's start and
first sample); (2) one refresh that keeps the cursor and scroll
position: DataTable's ``update_cell`` for every cell, and, for reference, its
``clear()`` + ``add_rows`` (which loses them); the Line-API table's ``set_rows`` (FakeSource's sample and the sort timed apart).
Medians of --repeat runs; ratios from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))


def _clock():
    t = os.times()
    return time.perf_counter(), t.user + t.system


def _since(start):
    w, c = _clock()
    return w - start[0], c - start[1]


def _cells(rows, cols, ctx, table_widths):
    return [[c.text(r.task, r.delta, ctx, w) for c, w in zip(cols, table_widths)] for r in rows]


async def _datatable(n: int) -> dict:
    from textual.app import App
    from textual.widgets import DataTable

    from pstd.top.tui import columns as C
    from pstd.top.tui import view
    from pstd.top.tui.app import TopApp
    from pstd.top.tui.source import FakeSource

    # the same text the Line-API table shows, made once, outside the timing
    helper = TopApp(FakeSource(n))
    helper.snap = helper.source.sample()
    ctx = helper.context()
    cols = C.default()
    widths = [C.width_of(c, 7) if not c.variable else 40 for c in cols]
    rows = view.build(helper.snap, cols, ctx, view.ViewState())
    first = _cells(rows, cols, ctx, widths)
    helper.snap = helper.source.sample()
    second = _cells(view.build(helper.snap, cols, helper.context(), view.ViewState()), cols, ctx, widths)

    class A(App):
        def compose(self):
            yield DataTable()

    out = {}
    app = A()
    async with app.run_test(size=(160, 48)) as pilot:
        t = app.query_one(DataTable)
        start = _clock()
        keys = t.add_columns(*[c.header for c in cols])
        rkeys = t.add_rows(first)
        await pilot.pause()
        out["fill"] = _since(start)
        t.move_cursor(row=500)
        start = _clock()
        for rk, vals in zip(rkeys, second):
            for ck, v in zip(keys, vals):
                t.update_cell(rk, ck, v)
        await pilot.pause()
        out["refresh in place"] = _since(start)
        start = _clock()
        t.clear()
        t.add_rows(second)
        await pilot.pause()
        out["clear + refill"] = _since(start)
    return out


async def _linetable(n: int) -> dict:
    from pstd.top.tui.app import TopApp
    from pstd.top.tui.source import FakeSource

    out = {}
    start = _clock()
    app = TopApp(FakeSource(n), delay=3600)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        out["fill"] = _since(start)
        from pstd.top.tui import view

        app.table.move(500)
        start = _clock()
        app.snap = app.source.sample()
        ctx = app.context()
        rows = view.build(app.snap, app.shown, ctx, app.state)
        out["sample + sort"] = _since(start)
        start = _clock()
        app.table.set_rows(rows, ctx, "%CPU")
        await pilot.pause()
        out["refresh in place"] = _since(start)
        out["rows formatted"] = app.table.formatted
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    runs = {"DataTable": [], "Line-API": []}
    for _ in range(a.repeat):
        runs["DataTable"].append(asyncio.run(_datatable(a.rows)))
        runs["Line-API"].append(asyncio.run(_linetable(a.rows)))
    med = {k: {m: tuple(statistics.median(r[m][i] for r in v) for i in (0, 1)) for m in v[0]
               if m != "rows formatted"} for k, v in runs.items()}
    print(f"{a.rows} rows, 12 columns, 160x48, medians of {a.repeat} (wall s / cpu s)")
    for k, ms in med.items():
        for m, (w, c) in ms.items():
            print(f"  {k:10} {m:18} {w:8.3f} {c:8.3f}")
    print(f"  Line-API rows formatted per run (fill + one refresh): {runs['Line-API'][0]['rows formatted']}")
    dt, la = med["DataTable"], med["Line-API"]
    print("  cpu ratio DataTable/Line-API: fill (Line-API incl. sampling and app start) %.1f, "
          "refresh in place %.1f" % (dt["fill"][1] / la["fill"][1],
                                     dt["refresh in place"][1] / la["refresh in place"][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
