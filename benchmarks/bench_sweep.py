"""Wall time of a sweep on each executor: local with --jobs 1, local with --jobs 2, and a local Ray.

Each configuration runs `ditrates experiment run --sweep n --profile P` into its own temporary directory (so
nothing is skipped), one after the other, and the script prints the wall times and their ratios to --jobs 1,
all measured in this one run. The Ray time includes starting and stopping the local Ray.

Run: python benchmarks/bench_sweep.py [--profile quick|tiny] [--no-ray]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time


def wall(profile: str, extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ditrates", "experiment", "run", "--sweep", "n", "--profile", profile,
                        "--out", out, "--json", *extra], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=("quick", "tiny"))
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray executor")
    args = parser.parse_args()
    configs = [("local, --jobs 1", ["--executor", "local", "--jobs", "1"]),
               ("local, --jobs 2", ["--executor", "local", "--jobs", "2"])]
    if not args.no_ray and importlib.util.find_spec("ray"):
        configs.append(("ray (local)", ["--executor", "ray"]))
    times = {}
    for name, extra in configs:
        times[name] = wall(args.profile, extra)
        print(f"{args.profile} n-sweep, {name:16} {times[name]:8.1f} s", flush=True)
    base = times[configs[0][0]]
    print("ratios to --jobs 1 (speed-up): " + ", ".join(f"{k}: {base / v:.2f}x" for k, v in times.items()))


if __name__ == "__main__":
    main()
