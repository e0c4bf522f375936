#!/usr/bin/env python3
"""Where one netlink query's time goes, in one process, inside the test VM (module loaded).

    tests/vm/run sh -c 'python benchmarks/netlink_split.py --n 3000 --repeat 7'

For each query, medians of cpu ms: receiving the dump's datagrams without parsing them (the
kernel's share, seen from userspace: only a datagram that may end the dump is looked into), ``nlwire.dump`` (receive and parse), the backend's
``dump`` (plus what it reads back from procfs: kernel threads whose name only procfs spells in
full), ``rows()`` on netlink and on procfs, and their ratio; once with Python's cyclic garbage
collector on (as in any library caller, and in netlink_bench.py) and once with it off (as the
``pstd`` program runs).  Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

from netlink_bench import COMMANDS, _query, _reap, _spawn

from pstd.backends import nlwire as wire
from pstd.backends.netlink import NetlinkBackend
from pstd.backends.procfs import ProcfsBackend
from pstd.model import Group, Strategy
from pstd.ps.context import make_context
from pstd.ps.rows import rows


def _median_ms(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        out.append(time.process_time() - c0)
    return statistics.median(out) * 1e3


def _ends_with_done(buf, n: int) -> bool:
    """Whether the datagram in buf[:n] holds NLMSG_DONE / NLMSG_ERROR (a header walk)."""
    off = 0
    while off + 16 <= n:
        ln, typ = wire._HDR.unpack_from(buf, off)[:2]
        if typ in (2, 3) or ln < 16:
            return True
        off += (ln + 3) & ~3
    return False


def _receive_only(nlb: NetlinkBackend, plan: wire.Plan, strategy: int) -> None:
    s = wire.open_socket()
    try:
        s.send(wire.dump_request(nlb.family, plan.show_flags, strategy))
        buf = bytearray(wire.RECV_SIZE)
        while True:
            n, (sender, _) = s.recvfrom_into(buf)
            if sender != 0:  # not the kernel's: any process may send to our port
                continue
            # NLMSG_DONE is the last message of the last datagram: only a datagram whose last 20
            # bytes look like one is walked, so this column is the kernel's share and not a
            # Python loop over every message header
            if n >= 20 and buf[n - 20:n - 14] == b"\x14\0\0\0\x03\0" and _ends_with_done(buf, n):
                return
            if n < 20 and _ends_with_done(buf, n):
                return
    finally:
        s.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=3000, help="sleeping processes to add")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    sp = _spawn(args.n)
    try:
        nlb, pfb = NetlinkBackend(), ProcfsBackend()
        print(f"# {args.n} sleepers added; medians of {args.repeat}, cpu ms")
        print(f"{'query':<16} {'gc':>3} {'receive':>8} {'nlwire.dump':>12} {'backend.dump':>13} "
              f"{'rows nl':>8} {'rows procfs':>12} {'procfs/nl':>10}")
        for cmd in COMMANDS:
            env, q = _query(cmd)
            ctx = make_context(env, q)
            groups = q.show_flags
            plan = wire.Plan((groups & nlb.served) | Group.BASE)
            strategy = int(q.strategy)
            threads = q.strategy == Strategy.ALL_THREAD
            for collector in (True, False):
                (gc.enable if collector else gc.disable)()
                rec = _median_ms(lambda: _receive_only(nlb, plan, strategy), args.repeat)

                def parsed():
                    s = wire.open_socket()
                    try:
                        wire.dump(s, nlb.family, plan, strategy, 0, threads)
                    finally:
                        s.close()
                par = _median_ms(parsed, args.repeat)
                bd = _median_ms(lambda: nlb.dump(q.strategy, groups), args.repeat)
                rn = _median_ms(lambda: rows(q, nlb, ctx), args.repeat)
                rp = _median_ms(lambda: rows(q, pfb, ctx), args.repeat)
                print(f"{' '.join(cmd):<16} {'on' if collector else 'off':>3} {rec:8.1f} {par:12.1f} {bd:13.1f} "
                      f"{rn:8.1f} {rp:12.1f} {rp / rn:9.2f}x", flush=True)
        gc.enable()
        if nlb.fallbacks:
            print(f"# warning: {nlb.fallbacks} netlink calls fell back to procfs")
    finally:
        _reap(sp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
