"""Large tasks split across messages (TASK_DIAG_FLAG_CONT) come back complete and byte-identical."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import vmhelpers as h

NVMAS = 10_000

# A process with NVMAS mappings: one anonymous region whose pages alternate
# between two protections, so no two neighbours merge.
MANY_VMAS = r"""
import ctypes, mmap, sys
n = int(sys.argv[1])
page = mmap.PAGESIZE
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
base = libc.mmap(None, n * page, mmap.PROT_READ, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
assert base not in (None, ctypes.c_void_p(-1).value)
for i in range(1, n, 2):
    if libc.mprotect(base + i * page, page, mmap.PROT_READ | mmap.PROT_WRITE):
        raise OSError(ctypes.get_errno(), "mprotect")
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="module")
def many_vmas():
    fx = h.Fixture.start([sys.executable, "-S", "-c", MANY_VMAS, str(NVMAS)],
                         stdin=subprocess.PIPE)
    yield fx.pid
    fx.proc.stdin.close()
    fx.stop()


@pytest.fixture(scope="module")
def long_cmdline():
    """dash blocked in `read`, with about 1.1 MiB of arguments (each below MAX_ARG_STRLEN)."""
    args = [chr(ord("a") + i) * 120_000 for i in range(9)]
    args[4] = "x" * 50_000 + " spaces and\ttabs " + "y" * 69_980
    proc = subprocess.Popen(["sh", "-c", "read x", "sh", *args], stdin=subprocess.PIPE)
    h.wait_settled([proc.pid])
    yield proc.pid
    proc.stdin.close()
    proc.wait()


def test_10000_own_vmas_across_messages():
    """The requester's own maps (served even with the LSM gating): 10,000 mappings."""
    import ctypes
    import mmap

    import nlclient as nl
    from pstd import taskdiag_abi as abi
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    page = mmap.PAGESIZE
    base = libc.mmap(None, NVMAS * page, mmap.PROT_READ, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                     -1, 0)
    try:
        for i in range(1, NVMAS, 2):
            assert libc.mprotect(base + i * page, page, mmap.PROT_READ | mmap.PROT_WRITE) == 0
        s = nl.open_socket()
        nl.send_get(s, nl.family_id(s), abi.DUMP_ONE, abi.SHOW_BASE | abi.SHOW_VMA, os.getpid())
        dgs = nl.recv_all(s)
        s.close()
        with open("/proc/self/maps") as f:
            want = [ln.split()[:2] for ln in f]
    finally:
        libc.munmap(base, NVMAS * page)
    msgs = [m for dg in dgs for m in dg.msgs]
    assert len(msgs) > 1, "10,000 VMAs fit in one message: CONT was not exercised"
    nl.check_cont_sequences(dgs)
    inside = lambda a: base <= a < base + NVMAS * page  # noqa: E731
    got = [["%08x-%08x" % (a, b)] for m in msgs for a, b, _ in m.vmas() if inside(a)]
    want = [[w[0]] for w in want if inside(int(w[0].split("-")[0], 16))]
    assert len(got) == NVMAS and got == want


def test_10000_vmas_identical_to_proc_maps(many_vmas):
    pid = many_vmas
    want = h.read_bytes("/proc/%d/maps" % pid)
    assert want.count(b"\n") >= NVMAS
    out = h.world_dir("maps")
    d = h.dump("-s", "one", "-p", str(pid), "-f", "base,vma", "--maps-dir", out)
    (rec,) = d.tasks
    if h.lsm_gated():
        # another process's maps: the module cannot ask the LSM, procfs answers
        assert "vmas" not in rec
        return
    assert rec["msgs"] > 1, "10,000 VMAs fit in one message: CONT was not exercised"
    assert rec["vmas"] == want.count(b"\n")
    got = h.read_bytes(os.path.join(out, str(pid)))
    assert got == want


def test_vmas_of_every_task_in_an_all_dump(many_vmas):
    """The same process inside a full ALL dump, neighbours before and after it intact."""
    out = h.world_dir("maps")
    d = h.dump("-s", "all", "-f", "base,vma", "--maps-dir", out)
    pids = d.pids
    assert len(pids) == len(set(pids))
    assert many_vmas in pids
    if h.lsm_gated():
        assert "vmas" not in d.by_pid()[many_vmas]
        assert "vmas" in d.by_pid()[d.runner_pid]
        return
    assert h.read_bytes(os.path.join(out, str(many_vmas))) == h.read_bytes("/proc/%d/maps" % many_vmas)
    # and a small, idle process
    assert h.read_bytes(os.path.join(out, "1")) == h.read_bytes("/proc/1/maps")


def test_1mib_cmdline_identical_to_proc(long_cmdline):
    pid = long_cmdline
    want = h.read_bytes("/proc/%d/cmdline" % pid)
    assert len(want) >= 1 << 20
    out = h.world_dir("cmdline")
    d = h.dump("-s", "one", "-p", str(pid), "-f", "base,cmdline", "--cmdline-dir", out)
    (rec,) = d.tasks
    assert rec["msgs"] > 1, "1 MiB fits in one message: CONT was not exercised"
    assert h.read_bytes(os.path.join(out, str(pid))) == want


def test_1mib_cmdline_inside_an_all_dump(long_cmdline):
    pid = long_cmdline
    out = h.world_dir("cmdline")
    d = h.dump("-s", "all", "-f", "base,stat,cmdline", "--cmdline-dir", out)
    assert len(d.pids) == len(set(d.pids))
    assert h.read_bytes(os.path.join(out, str(pid))) == h.read_bytes("/proc/%d/cmdline" % pid)
    assert h.read_bytes(os.path.join(out, "1")) == h.read_bytes("/proc/1/cmdline")
    me = os.getpid()
    assert h.read_bytes(os.path.join(out, str(me))) == h.read_bytes("/proc/%d/cmdline" % me)


def test_cmdline_and_vmas_together(many_vmas, long_cmdline):
    """Both variable-size groups in one dump: each task reassembles both completely."""
    maps, cmd = h.world_dir("maps"), h.world_dir("cmdline")
    h.dump("-s", "all", "-f", "base,vma,cmdline", "--maps-dir", maps, "--cmdline-dir", cmd)
    for pid in (many_vmas, long_cmdline):
        if h.lsm_gated():
            assert h.read_bytes(os.path.join(maps, str(pid))) is None
        else:
            assert h.read_bytes(os.path.join(maps, str(pid))) == h.read_bytes("/proc/%d/maps" % pid)
        assert h.read_bytes(os.path.join(cmd, str(pid))) == h.read_bytes("/proc/%d/cmdline" % pid)
