"""Training speed of the experiments' score network, and the wall time of the default n-sweep.

Prints the training steps per second of the default model (the learned-W_B latent DiT of the n-sweep,
width 64, 2 blocks, batch 128) with 1 and with all torch threads, the time of one run's measurements,
and the wall time of the default n-sweep:

* by default an ESTIMATE from that timed fraction: runs x (steps / steps-per-s + measurement time), divided
  by the runs done at once (one single-threaded worker per core, as ``ditrates experiment run`` does);
* with ``--full``, the MEASURED time of the whole default n-sweep (``ditrates experiment run --sweep n``
  into a temporary directory).

Run: python benchmarks/bench_training.py [--full]
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import tempfile
import time

import torch

from ditrates.experiments import compare
from ditrates.experiments.measure import MeasureSpec, measure
from ditrates.experiments.model import build, data_from_config
from ditrates.experiments.train import TrainSpec, train


def steps_per_second(spec: compare.RunSpec, threads: int, steps: int = 200) -> float:
    """Adam steps per second of the spec's model after 20 warm-up steps."""
    torch.set_num_threads(threads)
    p = spec.params
    data = data_from_config(p)
    torch.manual_seed(0)
    model = build(spec.config(), data)
    gen = torch.Generator().manual_seed(0)
    x = data.sample(p["n"], gen)
    train(model, x, TrainSpec(20, p["batch"], p["lr"], p["T0"], p["T"], p["weighting"]), gen)
    timed = train(model, x, TrainSpec(steps, p["batch"], p["lr"], p["T0"], p["T"], p["weighting"]), gen)
    return timed["steps_per_s"]


def measure_seconds(spec: compare.RunSpec) -> float:
    """Seconds for one run's measurements (score error, backward sampling, TV, SW, orthogonal variance)."""
    torch.set_num_threads(1)
    p = spec.params
    data = data_from_config(p)
    torch.manual_seed(0)
    model = build(spec.config(), data).eval()
    start = time.perf_counter()
    measure(model, data, MeasureSpec(p["T0"], p["T"], p["strata"], p["per_stratum"], p["samples"],
                                     p["sampler_steps"]), torch.Generator().manual_seed(0))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run the whole default n-sweep and time it")
    args = parser.parse_args()
    specs = compare.plan("n", seeds=3)
    cores = os.cpu_count() or 1
    one = steps_per_second(specs[0], 1)
    many = steps_per_second(specs[0], cores)
    meas = measure_seconds(specs[0])
    jobs, _ = compare.workers("cpu", None, len(specs))
    steps = specs[0].params["steps"]
    per_run = steps / one + meas
    estimate = math.ceil(len(specs) / jobs) * per_run
    print(f"training steps/s, 1 thread:           {one:8.1f}")
    print(f"training steps/s, {cores} threads:          {many:8.1f}   ({many / one:.2f} x one thread)")
    print(f"measurements of one run:              {meas:8.1f} s")
    print(f"one default run ({steps} steps):        {per_run:8.1f} s")
    print(f"default n-sweep, ESTIMATED:           {estimate / 60:8.1f} min  "
          f"({len(specs)} runs, {jobs} at once)")
    if args.full:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            compare.run_sweep(specs, pathlib.Path(out), "cpu", jobs, max(1, cores // jobs))
            print(f"default n-sweep, MEASURED:            {(time.perf_counter() - start) / 60:8.1f} min")


if __name__ == "__main__":
    main()
