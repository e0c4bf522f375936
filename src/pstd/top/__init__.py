"""``pstd top``: procps top's batch mode, and the data an interactive screen builds on.

``options`` (top's command line), ``fields`` (the field registry), ``cells`` (top's
value formatting), ``summary`` (system-wide figures and lines), ``sample`` (per-task
samples and %CPU deltas), ``view`` (which rows, in which order), ``batch`` (frames as
text), ``main`` (the command).
"""
