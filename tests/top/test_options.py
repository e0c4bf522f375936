"""top's command line (pstd.top.options): texts are procps top 4.0.2's (also checked against the
real top by tests/diff_top); here the parts that need no fixture."""

from __future__ import annotations

import pytest

from pstd.top import fields, options


def parse(*args):
    return options.parse(list(args), fields.NAMES, lambda name: {"root": 0, "nobody": 65534}.get(name))


def test_defaults():
    q = parse("-b")
    assert (q.batch, q.delay, q.iterations, q.sort_field, q.sort_descending, q.idle) == \
        (True, 3.0, -1, "%CPU", True, True)


@pytest.mark.parametrize("args, attr, value", [
    (("-bn1",), "iterations", 1),
    (("-n", "0x10"), "iterations", 16),
    (("-d", "0,5"), "delay", 0.5),          # top swaps the decimal separator
    (("-d=2",), "delay", 2.0),
    (("-w",), "width_mode", -1),
    (("-w", "100"), "width_mode", 100),
    (("-w120",), "width_mode", 120),
    (("-o", "-RES"), "sort_descending", False),
    (("-E", "G"), "summary_scale", 2),
    (("-e", "p"), "task_scale", 4),
    (("-p", "3,1,3"), "pids", [3, 1]),
    (("-u", "!nobody"), "user_match", False),
    (("-U", "1234"), "user_uid", 1234),
    (("-c", "-c"), "cmdline", False),
    (("--iter=5",), "iterations", 5),
])
def test_values(args, attr, value):
    assert getattr(parse(*args), attr) == value


@pytest.mark.parametrize("args, err, status", [
    (("-d", "x"), "top: bad delay interval 'x'\n", 1),
    (("-n", "1.5"), "top: bad iterations argument '1.5'\n", 1),
    (("-p", "1", "-u", "root"), "top: conflicting process selections (U/p/u)\n", 1),
    (("-u", "nosuch"), "top: Invalid user\n", 1),
    (("-E", "z"), "top: bad memory scaling arg 'z'\n", 1),
    (("-b", "junk"), "top: unknown option 'junk'\n", 1),
    (("-s", "-d", "1"), 'top: -d disallowed in "secure" mode\n', 1),
    (("-q",), "top: invalid option -- 'q'\n", 0),
    (("--width=x",), "top: bad width arg 'x'\n", 1),
    (("--wid", "x"), "top: bad width arg 'x'\n", 1),
    (("--help=1",), "top: option '--help' doesn't allow an argument\n", 0),
    (("--pid",), "top: option '--pid' requires an argument\n", 0),
])
def test_errors(args, err, status):
    with pytest.raises(options.TopExit) as e:
        parse(*args)
    assert (e.value.err, e.value.status) == (err, status)


def test_early_ends_write_newline_in_batch_only():
    with pytest.raises(options.TopExit) as e:
        parse("-b", "-x")
    assert e.value.out == "\n"
    with pytest.raises(options.TopExit) as e:
        parse("-x", "-b")
    assert e.value.out == ""
    with pytest.raises(options.TopExit) as e:
        parse("-V")
    assert e.value.out == "top from procps-ng 4.0.2\n"


def test_field_list_is_tops():
    assert len(fields.NAMES) == len(set(fields.NAMES)) == 78   # top -O prints 78
    assert fields.DEFAULT == ("PID", "USER", "PR", "NI", "VIRT", "RES", "SHR", "S", "%CPU", "%MEM",
                              "TIME+", "COMMAND")


def test_groups_follow_the_fields_shown():
    from pstd.model import Group

    g = fields.groups_for(fields.DEFAULT + ("%CPU",))
    assert g == Group.BASE | Group.COMM | Group.OWNER | Group.SCHED | Group.STAT | Group.STATM
    q = parse("-c")
    assert fields.groups_for(("PID", "COMMAND"), q) & Group.CMDLINE
    assert not fields.groups_for(("PID", "%CPU"), q) & Group.CMDLINE   # COMMAND cut off: no cmdline
    # -u matches the effective uid (OWNER); -U any of the four (CRED too)
    assert fields.groups_for(("PID",), parse("-u", "root")) & (Group.OWNER | Group.CRED) == Group.OWNER
    assert fields.groups_for(("PID",), parse("-U", "root")) & Group.CRED


def test_every_field_top_lists_has_a_definition_to_sort_by():
    from pstd.top import fields

    assert [n for n in fields.NAMES if n not in fields.FIELDS] == []
    assert set(fields.FIELDS) == set(fields.NAMES)
