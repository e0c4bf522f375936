"""Formatters make ps text from typed records: raw wchan symbols, int masks, None, kernel counts."""

from __future__ import annotations

from types import SimpleNamespace

from pstd.model import Task
from pstd.ps import formats as F
from pstd.ps import values as V


def _task(**kw):
    t = Task(kw.pop("pid", 10))
    t.update(kw)
    return t


def _ctx(wide=False):
    return SimpleNamespace(wide_signals=wide)


def test_wchan_text_from_the_raw_symbol():
    assert F.wchan_text(_task(wchan=None)) == "?"   # unreadable
    assert F.wchan_text(_task(wchan="")) == "-"     # not waiting
    assert F.wchan_text(_task(wchan="do_sys_poll")) == "do_sys_poll"
    assert F.wchan_text(_task(wchan="__x64_sys_pause")) == "x64_sys_pause"
    assert F.wchan_text(_task(wchan=".__sched_text")) == "sched_text"
    assert F.wchan_text(_task(wchan="a" * 100)) == "a" * 63


def test_signal_masks_from_ints():
    t = _task(sig_pending=0, sig_shared=0x4000, sig_blocked=0xfffffffe7ffbfeff, sig_ignored=None,
              sig_caught=0x80000000)
    c, w = _ctx(), _ctx(True)
    assert F.f_sigmask(t, c) == "<7ffbfeff" and F.f_sigmask(t, w) == "fffffffe7ffbfeff"
    assert F.f_sigcatch(t, c) == "80000000" and F.f_sigcatch(t, w) == "0000000080000000"
    assert F.f_sigignore(t, c) == "00000000"
    # a process row shows the process-wide pending set, even when it is empty and SigPnd is not
    assert F.f_sig(t, c) == "00004000"
    assert F.f_sig(_task(sig_pending=1, sig_shared=0), c) == "00000000"
    assert F.f_sig(_task(pid=10, sig_pending=1, sig_shared=0, tid=11), c) == "00000001"
    assert V.sigblocked(t, c) == 0xfffffffe7ffbfeff
    assert V.sigignore(t, c) == 0


def test_ps_defaults_live_in_formatters():
    assert F.f_nlwp(_task(nlwp=0), None) == "1" and F.f_nlwp(_task(nlwp=7), None) == "7"
    t = _task(state="S", nice=0, vm_lck_kb=None, sid=1, nlwp=0, pgid=1, tpgid=2)
    assert F.f_stat(t, None) == "S"
    t.vm_lck_kb = 4
    assert F.f_stat(t, None) == "SL"
