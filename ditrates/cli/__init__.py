"""The ``ditrates`` command line: a thin typer layer over the library.

Each sub-module holds the commands of one topic and registers them on :data:`app`; none of them imports
torch or matplotlib at module level, so the symbolic commands start fast.
"""

import os
import sys
import threading

from ditrates.cli import attention, bound, criteria, experiment, latex, page, plot, show, solve  # noqa: F401 (registers)
from ditrates.cli.app import app

HEAVY = ("torch", "matplotlib")
"""Libraries that register exit handlers: where one is loaded, the interpreter exits normally."""


def main() -> None:
    """Console-script entry point.

    After a symbolic command, the interpreter's teardown of sympy's and rich's objects costs about 60 ms,
    a fifth of the command (benchmarks/bench_cli.py). ditrates registers no exit handlers and its
    commands close their files, so when only the main thread runs and no library with exit handlers is
    loaded, ``main`` flushes the standard streams and leaves with ``os._exit``.
    """
    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    if threading.active_count() > 1 or any(m in sys.modules for m in HEAVY):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a closed pipe (ditrates ... | head)
            pass
    os._exit(code)


__all__ = ["app", "main"]
