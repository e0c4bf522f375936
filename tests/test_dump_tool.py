"""kernel/tools/task_diag_dump checks every length and offset of a reply (--replay, no kernel).

Malformed replies must end in EPROTO (71) with a message, never in a crash or a read past the
datagram; a well-formed one is printed.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from pstd import taskdiag_abi as abi

ROOT = Path(__file__).resolve().parent.parent
FAM = 0x7FFF  # TASK_DIAG_REPLAY_FAMILY of the tool
EPROTO = 71


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    if not shutil.which("cc") and not shutil.which("gcc"):
        pytest.fail("a C compiler is needed to build kernel/tools")
    out = tmp_path_factory.mktemp("tools")
    subprocess.run(["make", "-s", "-C", str(ROOT / "kernel" / "tools"), "O=%s" % out,
                    "CFLAGS=-O1 -g -Wall -Wextra -fsanitize=address,undefined "
                    "-fno-sanitize-recover=all"],
                   check=True)
    return out / "task_diag_dump"


def nlmsg(typ: int, body: bytes, seq: int = 1, length: int | None = None) -> bytes:
    n = abi.NLMSGHDR.size + len(body) if length is None else length
    raw = abi.NLMSGHDR.pack(n, typ, abi.NLM_F_MULTI, seq, 0) + body
    return raw + b"\0" * (abi.nl_align(len(raw)) - len(raw))


def nla(typ: int, payload: bytes, length: int | None = None) -> bytes:
    n = abi.NLA_HDRLEN + len(payload) if length is None else length
    raw = abi.NLATTR.pack(n, typ) + payload
    return raw + b"\0" * (abi.nl_align(len(raw)) - len(raw))


def task(pid: int, attrs: bytes, flags: int = 0) -> bytes:
    return nlmsg(FAM, abi.GENLMSGHDR.pack(abi.CMD_GET, 1, 0) + abi.TaskDiagMsg.pack(pid, pid, flags)
                 + attrs)


def done(err: int = 0) -> bytes:
    return nlmsg(abi.NLMSG_DONE, struct.pack("=i", err))


def base(pid: int) -> bytes:
    return nla(abi.BASE, abi.TaskDiagBase.pack(pid, pid, 1, 0, pid, pid, 1, b"x", 0))


def vma(start=0x1000, end=0x2000, name=b"/bin/x\0", vma_len=None, name_off=None, name_len=None):
    ln = abi.nl_align(abi.TaskDiagVma.size + len(name))
    ln = (ln + 7) & ~7
    rec = abi.TaskDiagVma.pack(start, end, abi.VMA_F_READ, 0, 0, 0, 0, 0,
                               ln if vma_len is None else vma_len,
                               (abi.TaskDiagVma.size if name else 0) if name_off is None else name_off,
                               len(name) if name_len is None else name_len, 0, 0)
    return (rec + name).ljust(ln, b"\0")


def run(tool, tmp_path, *datagrams: bytes, args=("-s", "all", "-f", "base,vma")):
    f = tmp_path / "replay"
    f.write_bytes(b"".join(struct.pack("=I", len(d)) + d for d in datagrams))
    return subprocess.run([str(tool), "--replay", str(f), *args], capture_output=True, text=True,
                          timeout=60)


def test_a_well_formed_reply_is_printed(tool, tmp_path):
    r = run(tool, tmp_path, task(5, base(5) + nla(abi.VMA, vma() + vma(0x3000, 0x4000))) + done())
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("pid=5 tgid=5 ") and " vmas=2 " in r.stdout


def test_a_cont_sequence_is_merged(tool, tmp_path):
    r = run(tool, tmp_path, task(5, base(5) + nla(abi.VMA, vma()), abi.FLAG_CONT),
            task(5, nla(abi.VMA, vma(0x3000, 0x4000))) + done())
    assert r.returncode == 0, r.stderr
    assert " vmas=2 msgs=2 " in r.stdout


MALFORMED = {
    "attribute longer than the message": lambda: task(5, nla(abi.BASE, b"\0" * 8, length=400)),
    "attribute shorter than its header": lambda: task(5, nla(abi.BASE, b"", length=2)),
    "message without the family header": lambda: nlmsg(FAM, abi.GENLMSGHDR.pack(1, 1, 0) + b"\0" * 4),
    "message without the genl header": lambda: nlmsg(FAM, b""),
    "short NLMSG_ERROR": lambda: nlmsg(abi.NLMSG_ERROR, b""),
    "positive NLMSG_DONE status": lambda: done(5),
    "VMA record of length 0": lambda: task(5, nla(abi.VMA, vma(vma_len=0))),
    "VMA record longer than the attribute": lambda: task(5, nla(abi.VMA, vma(vma_len=4096))),
    "VMA record length not aligned": lambda: task(5, nla(abi.VMA, vma(vma_len=68) + b"\0" * 4)),
    "VMA name past the record": lambda: task(5, nla(abi.VMA, vma(name_off=64, name_len=40))),
    "VMA name offset inside the header": lambda: task(5, nla(abi.VMA, vma(name_off=8))),
    "VMA name without NUL": lambda: task(5, nla(abi.VMA, vma(name=b"/bin/xy"))),
    "VMA trailing bytes": lambda: task(5, nla(abi.VMA, vma() + b"\0" * 8)),
    "dump ends inside CONT": lambda: task(5, base(5), abi.FLAG_CONT) + done(),
    "CONT followed by another pid": lambda: task(5, base(5), abi.FLAG_CONT) + task(6, base(6)),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_reply_is_eproto(tool, tmp_path, case):
    r = run(tool, tmp_path, MALFORMED[case]() + done())
    assert r.returncode == EPROTO, (case, r.returncode, r.stderr)
    assert r.stderr.startswith("task_diag_dump: "), r.stderr


def test_a_short_info_reply_is_eproto(tool, tmp_path):
    short = nlmsg(FAM, abi.GENLMSGHDR.pack(abi.CMD_GET_INFO, 1, 0) + b"\0" * 4)
    r = run(tool, tmp_path, short, args=("--info",))
    assert r.returncode == EPROTO, r.stderr
    ok = nlmsg(FAM, abi.GENLMSGHDR.pack(abi.CMD_GET_INFO, 1, 0) + b"\0" * 12
               + nla(abi.INFO_ATTR, b"\0" * 4))
    r = run(tool, tmp_path, ok, args=("--info",))
    assert r.returncode == 0, r.stderr
