"""model.Group and model.Strategy carry the module's uapi numbers (src/pstd/taskdiag_abi.py).

taskdiag_abi is itself checked against the C header (tests/test_uapi_abi.py), so
these bind Group to the header: every data group of the uapi is a Group member of
the same name and bit, Group bits below 32 are only uapi groups, and the groups
only procfs serves sit at bit 32 and up, clear of any id the module may add.
"""

from __future__ import annotations

from pstd import taskdiag_abi as abi
from pstd.model import Group, Strategy, Task

UAPI_GROUPS = sorted((getattr(abi, n[5:]), n[5:]) for n in dir(abi)
                     if n.startswith("SHOW_") and n != "SHOW_ALL")


def test_the_uapi_lists_its_groups():
    assert [i for i, _ in UAPI_GROUPS] == list(range(abi.ATTR_MAX + 1))
    for i, name in UAPI_GROUPS:
        assert getattr(abi, "SHOW_" + name) == 1 << i


def test_every_uapi_group_is_a_group_of_the_same_name_and_bit():
    for i, name in UAPI_GROUPS:
        assert Group[name].value == 1 << i == getattr(abi, "SHOW_" + name), name


def test_low_bits_are_only_uapi_groups():
    for member in Group:
        v = member.value
        if v and v < 1 << 32:
            assert v & abi.SHOW_ALL == v and v & (v - 1) == 0, member
            assert Group(v).name in {n for _, n in UAPI_GROUPS} | {"SIGNALS"}, member
        elif v:
            assert v.bit_length() - 1 >= 32, member


def test_group_names_match_the_uapi_spelling_or_an_alias():
    # SIGNALS is pstd's older spelling of TASK_DIAG_SIGNAL: the same member
    assert Group.SIGNALS is Group.SIGNAL
    assert Group(abi.SHOW_SIGNAL) is Group.SIGNALS


def test_strategies_are_the_uapi_dump_strategies():
    names = sorted((getattr(abi, n), n[5:]) for n in dir(abi) if n.startswith("DUMP_") and n != "DUMP_MAX")
    assert [(s.value, s.name) for s in Strategy] == names
    assert max(s.value for s in Strategy) == abi.DUMP_MAX


def test_fields_are_declared_for_groups_only():
    for g in Task.FIELDS:
        assert isinstance(g, Group) and g.value and g.value & (g.value - 1) == 0
