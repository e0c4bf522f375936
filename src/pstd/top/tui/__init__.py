"""The interactive ``pstd top``: a Textual screen over the same samples as batch mode.

Only ``app``, ``table``, ``meters`` and ``screens`` import Textual; ``columns``,
``source``, ``view``, ``detail``, ``actions`` and ``argv`` are plain Python, so
what the screen shows can be tested (and reused) without a terminal.
"""
