"""Speed of the symbolic path, as ratios measured in one run (issue 2).

1. Wall time of ``ditrates bound --d0 16 --n 1e5`` over that of ``python -c "import sympy"`` (goal <= 1.0, issue
   22): the CLI should cost no more than the sympy it is built on.
2. Throughput of grid evaluation: 10^6 points of score-estimation, with eps given (goal: under 1 s) and with
   eps = auto (the minimiser of xi inside its ranges, solved elementwise; goal <= 0.2 s, issue 22).

Run: python benchmarks/bench_cli.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""As an installed user runs it: bytecode cached (without it every run recompiles every module)."""


def walls(cmds: list[list[str]], repeat: int) -> list[float]:
    """Median wall time of each command, the commands run in turn (after one warm-up round), so that a drift of
    the machine's speed during the run reaches every command alike."""
    times: list[list[float]] = [[] for _ in cmds]
    for round_ in range(repeat + 1):
        for cmd, ts in zip(cmds, times, strict=True):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=ENV)
            if round_:
                ts.append(time.perf_counter() - t)
    return [statistics.median(ts) for ts in times]


def grid(auto_eps: bool, points: int = 10**6) -> float:
    import numpy as np

    import ditrates

    n = np.logspace(2, 12, points)
    kw = {} if auto_eps else {"eps": 0.2}  # inside the construction range eps <= 2^(-d/2) = 0.25
    ditrates.evaluate("score-estimation", d0=16, d=4, n=n[:10], **kw)  # warm-up
    t = time.perf_counter()
    g = ditrates.evaluate("score-estimation", d0=16, d=4, n=n, **kw)
    elapsed = time.perf_counter() - t
    assert np.isfinite(g.log10).all()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    exe = shutil.which("ditrates") or sys.exit("ditrates is not on PATH: pip install -e .")
    t_python, t_sympy, t_bound = walls([[sys.executable, "-c", "pass"], [sys.executable, "-c", "import sympy"],
                                        [exe, "bound", "--d0", "16", "--n", "1e5"]], args.repeat)
    print(f"python -c pass              {t_python * 1e3:7.1f} ms")
    print(f"python -c 'import sympy'    {t_sympy * 1e3:7.1f} ms")
    print(f"ditrates bound --d0 16 ...  {t_bound * 1e3:7.1f} ms")
    print(f"ratio bound / import sympy  {t_bound / t_sympy:7.2f}   (goal <= 1.0)")
    for auto in (False, True):
        t = grid(auto)
        label = "eps = auto" if auto else "eps = 0.2 "
        goal = "0.2 s" if auto else "1 s"
        print(f"10^6 points of score-estimation, {label}: {t:6.3f} s   ({1e6 / t:,.0f} points/s; goal <= {goal})")


if __name__ == "__main__":
    main()
