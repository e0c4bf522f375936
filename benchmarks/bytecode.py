"""Compile pstd's modules and these scripts to bytecode before anything is timed.

An installed pstd loads cached bytecode; a checkout whose sources changed since their
``__pycache__`` was written (or a shell with PYTHONDONTWRITEBYTECODE set, which stops the
interpreter from refreshing it) compiles every changed module again on every run, a few ms
each, and the figure would time the compiler.  Read-only trees (the test VM's shared root)
are left as they are.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def precompile(python: str = sys.executable) -> None:
    """Write the bytecode of the ``pstd`` package ``python`` imports, and of benchmarks/."""
    code = ("import compileall, os, sys, pstd\n"
            "for d in (os.path.dirname(pstd.__file__), sys.argv[1]):\n"
            "    compileall.compile_dir(d, quiet=2)\n")
    subprocess.run([python, "-c", code, str(HERE)], check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
