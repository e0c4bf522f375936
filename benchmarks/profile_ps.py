#!/usr/bin/env python3
"""Profiling aid (not a test): where one ``pstd`` invocation spends its time, phase by phase.

    PYTHONPATH=src python benchmarks/profile_ps.py aux            # phases, best of 3
    PYTHONPATH=src python benchmarks/profile_ps.py --repeat 5 ax -o pid,ppid

Runs the phases of ``pstd <args>`` in this process (parse, backend and context
set-up, the backend's dump, selection and sort, text rendering) and prints the best
wall time of each over --repeat runs, the dump's user and system cpu time beside
it, and the number of rows.  Run it where the tasks are (for instance inside the
pid namespace of benchmarks/ps_bench.py with nsenter).
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backend", default="procfs")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    t0 = time.perf_counter()
    import io

    from pstd.env import Environment
    from pstd.ps import main as psmain
    from pstd.ps import rows as R
    from pstd.ps.columns import lookup
    from pstd.ps.parser import parse
    from pstd.ps.render import render_text
    t_import = time.perf_counter() - t0
    best: dict[str, float] = {}
    n = 0
    for _ in range(max(1, opts.repeat)):
        env = Environment.from_os()
        env.stdout = io.BytesIO()
        times = {}
        t = time.perf_counter()
        query = parse(list(opts.args), env, prog="ps")
        times["parse"] = time.perf_counter() - t
        t = time.perf_counter()
        backend = psmain._backend(env, opts.backend)
        ctx = psmain._context(env, query)
        times["setup"] = time.perf_counter() - t
        t = time.perf_counter()
        c0 = os.times()
        tasks = R.dump(query, backend)
        c1 = os.times()
        times["dump"] = time.perf_counter() - t
        times["dump user"] = c1.user - c0.user
        times["dump sys"] = c1.system - c0.system

        class Dumped:
            def dump(self, *a, **k):
                return tasks

        t = time.perf_counter()
        listing = R.rows(query, Dumped(), ctx, lookup)
        times["select+sort"] = time.perf_counter() - t
        t = time.perf_counter()
        data = render_text(listing, query, ctx, lookup)
        times["render"] = time.perf_counter() - t
        n = len(listing)
        for k, v in times.items():
            best[k] = min(best.get(k, v), v)
        del tasks, listing, data
    print(f"rows {n}  import {t_import:.3f} s")
    for k, v in best.items():
        print(f"{k:<12} {v:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
