"""The Python mirror of the task_diag uapi (src/pstd/taskdiag_abi.py) matches the C header.

A C program compiled against kernel/include/uapi prints every constant, every
struct's size and every field's offset and size; the mirror must agree.  The
lists of constants, structs and fields come from the header itself, so a
constant, struct or field added to the header without the mirror fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from pstd import taskdiag_abi as abi

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
UAPI = os.environ.get("PSTD_UAPI_DIR") or os.path.join(ROOT, "kernel", "include", "uapi")
HEADER = os.path.join(UAPI, "linux", "task_diag.h")
PREFIX = "TASK_DIAG_"

# Python name -> C expression, from <linux/netlink.h> / <linux/genetlink.h>
NETLINK_CONSTANTS = [
    "NETLINK_GENERIC", "NLM_F_REQUEST", "NLM_F_MULTI", "NLM_F_ACK", "NLM_F_DUMP", "NLMSG_NOOP",
    "NLMSG_ERROR", "NLMSG_DONE", "NLA_TYPE_MASK", "NLMSG_HDRLEN", "GENL_HDRLEN", "NLA_HDRLEN",
    "GENL_ID_CTRL", "CTRL_CMD_GETFAMILY", "CTRL_ATTR_FAMILY_ID", "CTRL_ATTR_FAMILY_NAME",
    "CTRL_ATTR_VERSION", "CTRL_ATTR_HDRSIZE", "CTRL_ATTR_MAXATTR",
]
NETLINK_STRUCTS = {"NLMSGHDR": "struct nlmsghdr", "GENLMSGHDR": "struct genlmsghdr",
                   "NLATTR": "struct nlattr"}


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def header_constants(text: str) -> dict[str, str]:
    """C name -> defining text, for every TASK_DIAG_* macro and enumerator."""
    code = _strip_comments(text)
    out: dict[str, str] = {}
    for m in re.finditer(r"^\s*#\s*define\s+(TASK_DIAG_\w+)(\(?)[ \t]*(.*)$", code, flags=re.M):
        if m.group(2):
            continue  # function-like macro
        out[m.group(1)] = m.group(3).strip()
    for body in re.findall(r"\benum\s*\w*\s*\{(.*?)\}", code, flags=re.S):
        body = re.sub(r"^\s*#.*$", "", body, flags=re.M)
        for item in body.split(","):
            name = item.split("=")[0].strip()
            if name.startswith(PREFIX):
                out[name] = item.strip()
    return out


def header_structs(text: str) -> dict[str, list[str]]:
    """C struct name -> field names in declaration order."""
    code = _strip_comments(text)
    out: dict[str, list[str]] = {}
    for m in re.finditer(r"\bstruct\s+(task_diag_\w+)\s*\{(.*?)\}\s*;", code, flags=re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = decl.strip()
            if not decl:
                continue
            fm = re.match(r"^(?:struct\s+\w+|[\w ]+?)\s+(\w+)\s*(\[[^\]]*\])?$", decl)
            assert fm, "cannot parse field %r of struct %s" % (decl, m.group(1))
            fields.append(fm.group(1))
        out[m.group(1)] = fields
    return out


@pytest.fixture(scope="module")
def header_text() -> str:
    with open(HEADER) as f:
        return f.read()


@pytest.fixture(scope="module")
def c_facts(header_text, tmp_path_factory) -> dict[str, object]:
    """Compile and run a program that prints the header's facts; parse its output."""
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc, "a C compiler is needed to check the uapi mirror"
    consts = header_constants(header_text)
    structs = header_structs(header_text)
    lines = [
        "#include <stddef.h>",
        "#include <stdio.h>",
        "#include <linux/netlink.h>",
        "#include <linux/genetlink.h>",
        "#include <linux/task_diag.h>",
        "#define M(T, f) (sizeof(((T *)0)->f))",
        "int main(void) {",
    ]
    for name, definition in consts.items():
        if name.startswith("_UAPI") or "_H" == name[-2:]:
            continue
        if definition.startswith('"'):
            lines.append('printf("S %s %%s\\n", %s);' % (name, name))
        else:
            lines.append('printf("C %s %%lld\\n", (long long)(%s));' % (name, name))
    for name in NETLINK_CONSTANTS:
        lines.append('printf("C %s %%lld\\n", (long long)(%s));' % (name, name))
    for sname, fields in structs.items():
        t = "struct " + sname
        lines.append('printf("Z %s %%zu\\n", sizeof(%s));' % (sname, t))
        for f in fields:
            lines.append('printf("F %s.%s %%zu %%zu\\n", offsetof(%s, %s), M(%s, %s));'
                         % (sname, f, t, f, t, f))
    for pyname, cname in NETLINK_STRUCTS.items():
        lines.append('printf("Z %s %%zu\\n", sizeof(%s));' % (pyname, cname))
    lines += ["return 0;", "}"]
    d = tmp_path_factory.mktemp("uapi")
    src, exe = d / "facts.c", d / "facts"
    src.write_text("\n".join(lines) + "\n")
    subprocess.run([cc, "-std=gnu11", "-Wall", "-Werror", "-I", UAPI, "-o", str(exe), str(src)],
                   check=True, capture_output=True, text=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    facts: dict[str, object] = {"const": {}, "size": {}, "field": {}}
    for line in out.splitlines():
        kind, name, rest = line.split(" ", 2)
        if kind == "S":
            facts["const"][name] = rest
        elif kind == "C":
            facts["const"][name] = int(rest)
        elif kind == "Z":
            facts["size"][name] = int(rest)
        else:
            off, size = rest.split()
            facts["field"][name] = (int(off), int(size))
    facts["structs"] = structs
    return facts


def _pyname(cname: str) -> str:
    return cname[len(PREFIX):]


def test_header_parser_sees_the_header(header_text):
    consts = header_constants(header_text)
    structs = header_structs(header_text)
    # sanity: the parser found the protocol's anchors (else the checks below prove nothing)
    assert {"TASK_DIAG_GENL_NAME", "TASK_DIAG_CMD_GET", "TASK_DIAG_DUMP_THREAD",
            "TASK_DIAG_FLAG_CONT", "TASK_DIAG_CMDLINE"} <= set(consts)
    assert {"task_diag_pid", "task_diag_msg", "task_diag_base", "task_diag_vma"} <= set(structs)
    assert structs["task_diag_base"][:3] == ["tgid", "pid", "ppid"]


def test_every_constant_matches(c_facts):
    mismatches = []
    for cname, value in sorted(c_facts["const"].items()):
        if not cname.startswith(PREFIX):
            continue
        pyname = _pyname(cname)
        if not hasattr(abi, pyname):
            mismatches.append("%s: missing from taskdiag_abi (%s)" % (cname, pyname))
        elif getattr(abi, pyname) != value:
            mismatches.append("%s: header %r, mirror %r" % (cname, value, getattr(abi, pyname)))
    assert not mismatches, "\n".join(mismatches)


def test_no_stale_constants_in_mirror(c_facts):
    """Mirror constants of the header's families that the header no longer defines."""
    families = ("CMD_", "DUMP_", "FLAG_", "SHOW_", "BASE_F_", "VMA_F_", "INFO_ATTR", "GENL_",
                "POLICY_")
    header_names = {_pyname(n) for n in c_facts["const"] if n.startswith(PREFIX)}
    stale = [n for n in dir(abi)
             if n.isupper() and n.startswith(families) and n not in header_names
             and n not in ("GENL_HDRLEN", "GENL_ID_CTRL")]
    assert not stale, "in taskdiag_abi but not in the header: %s" % stale


def test_netlink_constants_match(c_facts):
    for name in NETLINK_CONSTANTS:
        value = c_facts["const"][name]
        if name == "NLA_TYPE_MASK":  # ~(flag bits) as an int; the type field is 16 bits
            value &= 0xFFFF
        assert getattr(abi, name) == value, name
    for pyname in NETLINK_STRUCTS:
        assert getattr(abi, pyname).size == c_facts["size"][pyname], pyname


def test_every_struct_is_mirrored(c_facts):
    assert set(abi.STRUCTS) == set(c_facts["structs"])


@pytest.mark.parametrize("sname", sorted(abi.STRUCTS))
def test_struct_layout_matches(c_facts, sname):
    layout = abi.STRUCTS[sname]
    assert sname in c_facts["structs"], "struct %s is not in the header" % sname
    assert [n for n, _ in layout.fields] == c_facts["structs"][sname], "field list of " + sname
    assert layout.size == c_facts["size"][sname], "sizeof(struct %s)" % sname
    for fname, _fmt in layout.fields:
        off, size = c_facts["field"]["%s.%s" % (sname, fname)]
        assert (layout.offsets[fname], layout.sizes[fname]) == (off, size), \
            "struct %s field %s: C offset/size %d/%d" % (sname, fname, off, size)


def test_protocol_facts_of_the_issue():
    """Sizes fixed by the wire protocol (DESIGN.md §2), independent of the header."""
    assert abi.TaskDiagPid.size == 24
    assert abi.TaskDiagMsg.size == 12
    assert abi.TaskDiagBase.size == 44
    assert abi.TaskDiagCreds.size == 64
    assert abi.TaskDiagStat.size == 72
    assert abi.TaskDiagVma.size == 64
    assert (abi.DUMP_ALL, abi.DUMP_ONE, abi.DUMP_ALL_THREAD, abi.DUMP_CHILDREN,
            abi.DUMP_THREAD) == (0, 1, 2, 3, 4)
    assert (abi.BASE, abi.CRED, abi.VMA, abi.VMA_STAT, abi.STAT, abi.STATM,
            abi.CMDLINE) == (0, 1, 2, 3, 4, 5, 6)


def test_layouts_unpack_what_they_pack():
    base = abi.TaskDiagBase.pack(10, 11, 1, 0, 5, 6, abi.INTERRUPTIBLE, b"sleep", 0)
    assert len(base) == 44
    rec = dict(zip(abi.TaskDiagBase.names, abi.TaskDiagBase.unpack(base)))
    assert rec["pid"] == 11 and rec["comm"].rstrip(b"\0") == b"sleep"
    assert abi.STATE_CHARS[rec["state"]] == "S"
    req = abi.request_payload(abi.SHOW_BASE | abi.SHOW_CMDLINE, abi.DUMP_CHILDREN, 42)
    assert req == (0x41).to_bytes(8, "little") + (3).to_bytes(8, "little") + \
        (42).to_bytes(4, "little") + bytes(4)
    assert abi.vma_perms(abi.VMA_F_READ | abi.VMA_F_EXEC | abi.VMA_F_MAYSHARE) == "r-xs"
