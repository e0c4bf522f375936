"""Module unload during dumps (memory over many dumps: test_leaks.py)."""

from __future__ import annotations

import subprocess
import time

import vmhelpers as h


def test_rmmod_while_a_dump_is_in_progress(tools):
    """A dump the client reads slowly holds the module: rmmod is refused, the dump completes."""
    fx = h.Fixture.start([tools["fork"], "100", "4"])
    try:
        h.ensure_module_loaded()
        slow = subprocess.Popen([h.dump_binary(), "-s", "all_thread", "-f", "all", "-q",
                                 "--pause-ms", "200"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        assert slow.poll() is None, "the dump ended before rmmod"
        r = subprocess.run(["rmmod", h.MODULE], capture_output=True, text=True)
        out, err = slow.communicate(timeout=300)
        if r.returncode == 0:
            # unloaded under the dump: the client must see an error, not garbage or a crash
            assert slow.returncode > 0, (slow.returncode, err)
        else:
            assert h.module_loaded()
            assert slow.returncode == 0, err
            assert int(out) >= 400
            h.rmmod()  # nothing in progress now
        assert not h.module_loaded()
        assert not h.kernel_log_problems()
        h.insmod()
        assert fx.pid in h.dump("-s", "all", "-f", "base").pids
    finally:
        h.ensure_module_loaded()
        fx.stop()


def test_rmmod_racing_back_to_back_dumps(tools):
    """rmmod retried while a client dumps in a loop: it wins in a gap between dumps."""
    for _round in range(3):
        h.ensure_module_loaded()
        client = subprocess.Popen([h.dump_binary(), "-s", "all", "-f", "base,cmdline,vma", "-q",
                                   "--loop", "1000000"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        assert client.poll() is None
        unloaded = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = subprocess.run(["rmmod", h.MODULE], capture_output=True, text=True)
            if r.returncode == 0:
                unloaded = True
                break
        if not unloaded:
            client.terminate()
        _, err = client.communicate(timeout=120)
        if unloaded:
            # the client's next request finds no family: an errno exit, not a signal
            assert client.returncode > 0, (client.returncode, err)
        assert not h.kernel_log_problems()
    h.ensure_module_loaded()
    assert 1 in h.dump("-s", "all", "-f", "base").pids
