"""Memory over many dumps: slab, the module's own memory and references, kmemleak (debug kernel).

PSTD_LEAK_DUMPS changes the number of dumps (default 10,000), PSTD_LEAK_RELOADS the module reloads
(default 100); the figures of the last run are written
to the job folder (leaks.txt) and printed.
"""

from __future__ import annotations

import os
import subprocess
import time

import vmhelpers as h

DUMPS = int(os.environ.get("PSTD_LEAK_DUMPS") or 10_000)
RELOADS = int(os.environ.get("PSTD_LEAK_RELOADS") or 100)
KMEMLEAK = "/sys/kernel/debug/kmemleak"
# every group the module serves on its own, then all of them at once
GROUPS = ["base", "cred", "vma", "stat", "statm", "cmdline", "sched", "tty", "mem", "signal", "all"]


def slab_objects() -> dict[str, tuple[int, int]]:
    """name -> (active objects, object size) from /proc/slabinfo."""
    out = {}
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith(("slabinfo", "#")):
                continue
            p = line.split()
            out[p[0]] = (int(p[1]), int(p[3]))
    return out


def meminfo_kib(key: str) -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def module_memory() -> tuple[int, int]:
    """(size in /proc/modules, reference count) of the module."""
    with open("/proc/modules") as f:
        for line in f:
            p = line.split()
            if p[0] == h.MODULE:
                return int(p[1]), int(p[2])
    raise AssertionError("%s not in /proc/modules" % h.MODULE)


def kasan_kernel() -> bool:
    """KASAN keeps freed objects in a quarantine (up to 1/32 of memory), so slab counts grow there
    without a leak; kmemleak is the measure on that kernel."""
    return "KernelAddressSanitizer initialized" in subprocess.run(["dmesg"], capture_output=True,
                                                                  text=True).stdout


def kmemleak(cmd: str) -> None:
    with open(KMEMLEAK, "w") as f:
        f.write(cmd)


def kmemleak_reports() -> list[str]:
    with open(KMEMLEAK) as f:
        text = f.read()
    return [b for b in text.split("unreferenced object") if b.strip()]


def dump_plan(fx_pid: int, child: int) -> list[list[str]]:
    """One task_diag_dump argument list per (group, strategy)."""
    strategies = [["-s", "all"], ["-s", "all_thread"], ["-s", "one", "-p", str(child)],
                  ["-s", "children", "-p", str(fx_pid)], ["-s", "thread", "-p", str(child)]]
    return [s + ["-f", g, "-q"] for g in GROUPS for s in strategies]


def run_plan(plan: list[list[str]], per: int) -> int:
    n = 0
    for args in plan:
        h.dump(*args, "--loop", str(per))
        n += per
    return n


def test_10000_dumps_of_every_group_leave_memory_flat(tools):
    fx = h.Fixture.start([tools["fork"], "20", "3"])
    lines = []
    try:
        child = min(h.proc_children(fx.pid))
        plan = dump_plan(fx.pid, child)
        per = max(1, -(-DUMPS // len(plan)))
        run_plan(plan, 3)  # warm up per-cpu slabs and caches
        have_kmemleak = os.path.exists(KMEMLEAK)
        if have_kmemleak:
            kmemleak("clear")  # what is reported from now on was allocated from now on
        subprocess.run(["sync"])
        time.sleep(1)
        slab0, sunr0, (size0, _ref0) = slab_objects(), meminfo_kib("SUnreclaim"), module_memory()
        t0 = time.monotonic()
        total = run_plan(plan, per)
        secs = time.monotonic() - t0
        time.sleep(1)
        slab1, sunr1, (size1, ref1) = slab_objects(), meminfo_kib("SUnreclaim"), module_memory()
        grown = sorted(((slab1[k][0] - slab0.get(k, (0, 0))[0], k) for k in slab1), reverse=True)[:5]
        lines.append("%d dumps (%d groups x 5 strategies x %d) in %.0f s" % (total, len(GROUPS), per, secs))
        lines.append("SUnreclaim %d -> %d KiB (%+d KiB)" % (sunr0, sunr1, sunr1 - sunr0))
        lines.append("largest slab growth (objects): " + ", ".join("%s %+d" % (k, d) for d, k in grown))
        lines.append("module: size %d -> %d bytes, references after the dumps %d" % (size0, size1, ref1))
        leaks = []
        if have_kmemleak:
            time.sleep(6)  # kmemleak ignores objects younger than 5 s
            kmemleak("scan")
            kmemleak("scan")
            reports = kmemleak_reports()
            leaks = [r for r in reports if "task_diag" in r]
            lines.append("kmemleak: %d unreferenced objects since the dumps started, %d with task_diag in "
                         "their allocation trace" % (len(reports), len(leaks)))
        print("\n".join(lines))
        job = os.environ.get("PSTD_VM_JOB")
        if job:
            with open(os.path.join(job, "leaks.txt"), "w") as f:
                f.write("\n".join(lines) + "\n")

        assert total >= DUMPS
        assert size1 == size0
        assert ref1 == 0, "the module is still referenced after every dump ended"
        assert not leaks, "kmemleak:\n" + "\n".join(leaks[:3])
        if not kasan_kernel():
            # a leak of one object per dump grows a cache by >= DUMPS objects; one skb per dump by
            # >= 4 KiB * DUMPS; the idle guest drifts by tens of objects and KiB
            assert grown[0][0] < total // 4, "slab cache %s grew by %d objects" % (grown[0][1], grown[0][0])
            assert sunr1 - sunr0 < 2048, "SUnreclaim grew by %d KiB" % (sunr1 - sunr0)
    finally:
        fx.stop()
    assert not h.kernel_log_problems()


def test_100_module_reloads_leave_memory_flat(tools):
    """insmod/rmmod cycles: the family's registration is undone completely every time."""
    h.ensure_module_loaded()
    h.dump("-s", "all", "-f", "all", "-q")
    h.rmmod()
    h.insmod()
    h.rmmod()
    subprocess.run(["sync"])
    time.sleep(1)
    sunr0 = meminfo_kib("SUnreclaim")
    for _ in range(RELOADS):
        h.insmod()
        h.dump("-s", "one", "-p", "1", "-f", "all", "-q")
        h.rmmod()
    time.sleep(1)
    sunr1 = meminfo_kib("SUnreclaim")
    h.ensure_module_loaded()
    print("%d reloads: SUnreclaim %d -> %d KiB" % (RELOADS, sunr0, sunr1))
    if not kasan_kernel():
        assert sunr1 - sunr0 < 2048, "SUnreclaim grew by %d KiB over %d reloads" % (sunr1 - sunr0, RELOADS)
    assert not h.kernel_log_problems()
