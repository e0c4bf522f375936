"""pstd.bits behaves as enum's IntFlag and IntEnum where the project uses them (checked against enum)."""

from __future__ import annotations

import enum
import pickle
import subprocess
import sys

import pytest

from pstd.bits import Enum, Flags
from pstd.model import Group, Strategy

RefGroup = enum.IntFlag("RefGroup", {k: int(v) for k, v in Group.__members__.items()})
RefStrategy = enum.IntEnum("RefStrategy", {k: int(v) for k, v in Strategy.__members__.items()})
VALUES = [0, 1, 3, 17, 1 << 32, (1 << 32) | 1, int(Group.CAPS | Group.OWNER), 1 << 60, (1 << 60) | 2]


def _same(ours, ref):
    assert type(ours) is Group and int(ours) == int(ref)
    assert ours.name == ref.name and repr(ours) == repr(ref).replace("RefGroup", "Group")
    assert str(ours) == str(ref) and f"{ours}" == f"{ref}" and "%s %d" % (ours, ours) == "%s %d" % (ref, ref)


@pytest.mark.parametrize("v", VALUES)
def test_flag_values_read_as_intflag_reads_them(v):
    _same(Group(v), RefGroup(v))
    assert Group(Group(v)) == v and bool(Group(v)) == bool(v) and hash(Group(v)) == hash(v)
    assert [m.name for m in Group(v)] == [m.name for m in RefGroup(v)]


@pytest.mark.parametrize("a", VALUES)
@pytest.mark.parametrize("b", [0, 1, 16, 1 << 32, 5])
def test_flag_operators_are_intflag_s(a, b):
    ga, ra = Group(a), RefGroup(a)
    for op in (lambda x, y: x | y, lambda x, y: x & y, lambda x, y: x ^ y):
        _same(op(ga, Group(b)), op(ra, RefGroup(b)))
        _same(op(ga, b), op(ra, b))
        _same(op(b, ga), op(b, ra))
    _same(~ga, ~ra)
    assert (Group(b) in ga) == (RefGroup(b) in ra)


def test_flag_class_lists_and_names_its_members_as_intflag():
    assert [m.name for m in Group] == [m.name for m in RefGroup] and len(Group) == len(RefGroup)
    assert list(Group.__members__) == list(RefGroup.__members__)
    assert Group["SIGNAL"] is Group.SIGNALS is Group(int(Group.SIGNALS)) and Group["BASE"] is Group.BASE
    assert Group.BASE.value == 1 and type(Group.BASE.value) is int
    with pytest.raises(AttributeError):
        Group.BASE = 2


def test_enum_class_is_intenum_s():
    assert [(m.name, int(m)) for m in Strategy] == [(m.name, int(m)) for m in RefStrategy]
    for m in Strategy:
        ref = RefStrategy(int(m))
        assert Strategy(int(m)) is m and repr(m) == repr(ref).replace("RefStrategy", "Strategy")
        assert str(m) == str(ref) and f"{m}" == f"{ref}" and m.value == ref.value
    with pytest.raises(ValueError, match="99 is not a valid Strategy"):
        Strategy(99)
    with pytest.raises(ValueError):
        Strategy("ONE")


def test_members_survive_pickling():
    for v in (Group.BASE, Group.BASE | Group.STAT, Strategy.THREAD):
        assert pickle.loads(pickle.dumps(v)) == v and type(pickle.loads(pickle.dumps(v))) is type(v)
    assert pickle.loads(pickle.dumps(Strategy.ONE)) is Strategy.ONE


def test_a_class_of_its_own():
    class Color(Flags):
        RED = 1
        BLUE = 4
        _hidden = 8

    class Size(Enum):
        S = 0
        M = 1
        MEDIUM = 1

    assert [c.name for c in Color] == ["RED", "BLUE"] and (Color.RED | Color.BLUE).name == "RED|BLUE"
    assert Color._hidden == 8 and type(Color._hidden) is int
    assert [s.name for s in Size] == ["S", "M"] and Size.MEDIUM is Size.M and Size(1).name == "M"


def test_the_ps_path_imports_no_enum():
    """The reason for pstd.bits: enum, functools and collections cost about 3 ms at every start."""
    code = ("import sys; sys.argv = ['pstd', '-p', '1', '-o', 'pid']; import pstd.__main__ as m; m.main(sys.argv[1:]);"
            "bad = [n for n in ('enum', 'functools', 'collections') if n in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
