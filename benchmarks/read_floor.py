#!/usr/bin/env python3
"""Benchmark helper: open, read and close FILES of every /proc/PID, nothing else.

    python benchmarks/read_floor.py stat,status,cmdline
    python benchmarks/read_floor.py stat,.,cmdline     # "." : stat() the task's directory

``ps_bench.py`` times this beside ps and pstd with the files pstd reads for each command: no
parsing, no records, no output, so its time is the floor any Python program reading those
files through procfs pays on this machine (interpreter start-up included), and ``pstd``'s time
above it is what pstd's own code costs.
"""

import os
import sys


def main() -> int:
    names = [None if f == "." else b"/" + f.encode() for f in sys.argv[1].split(",")]
    fd0 = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    open_, read, close, stat = os.open, os.read, os.close, os.stat
    for n in os.listdir(b"/proc"):
        if n.isdigit():
            for name in names:
                if name is None:  # the directory's owner (pstd's OWNER group)
                    try:
                        stat(n, dir_fd=fd0)
                    except OSError:
                        pass
                    continue
                try:
                    fd = open_(n + name, os.O_RDONLY, dir_fd=fd0)
                except OSError:
                    continue
                try:
                    read(fd, 4096)
                except OSError:
                    pass
                finally:
                    close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
