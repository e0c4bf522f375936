#!/usr/bin/env python3
"""Profiling aid (not a test): where one ``pstd`` invocation spends its time, phase by phase.

    PYTHONPATH=src python benchmarks/profile_ps.py aux            # phases, best of 3
    PYTHONPATH=src python benchmarks/profile_ps.py --repeat 5 ax -o pid,ppid

Runs parse, dump, select and render of the given ps arguments in this process and prints
the wall time of each phase (and the dump's user and system cpu time) (best of --repeat) and the number of tasks.  Run it where the
tasks are (for instance inside the pid namespace of benchmarks/ps_bench.py with nsenter).
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("args", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    t0 = time.perf_counter()
    from pstd.env import Environment
    from pstd.ps import main as psmain
    from pstd.ps import select as sel
    from pstd.ps.columns import lookup
    from pstd.ps.parser import parse
    from pstd.ps.render import Renderer
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
        backend = psmain._backend(env, "procfs")
        ctx = psmain._context(env, query)
        renderer = Renderer(query, ctx, lookup)
        times["setup"] = time.perf_counter() - t
        t = time.perf_counter()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        tasks = psmain._dump(backend, query)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        times["dump"] = time.perf_counter() - t
        times["dump user"] = r1.ru_utime - r0.ru_utime
        times["dump sys"] = r1.ru_stime - r0.ru_stime
        t = time.perf_counter()
        want = sel.make_filter(query)
        rows = tasks if want is None else [x for x in tasks if want(x)]
        times["select"] = time.perf_counter() - t
        t = time.perf_counter()
        if query.fancy:
            data = b""
        else:
            data, _ = renderer.render_plain(rows, ctx)
        times["render"] = time.perf_counter() - t
        n = len(rows)
        for k, v in times.items():
            best[k] = min(best.get(k, v), v)
        del tasks, rows, data
    print(f"tasks {n}  import {t_import:.3f} s")
    for k, v in best.items():
        print(f"{k:<8} {v:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
