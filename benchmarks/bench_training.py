"""Training speed of the experiments' score networks, and the wall time of the default and quick n-sweeps.

Prints the Adam steps per second of the default models (the latent DiT and the ReLU network of the n-sweep)
with 1 and with all torch threads, the time of one run's measurements, and the wall time of the n-sweep:

* by default an UPPER ESTIMATE from those timed fractions, every run trained to its step cap (early stopping
  only shortens runs), divided among one single-threaded worker per core as ``ditrates experiment run`` does;
* with ``--full``, the MEASURED time of the whole default and quick n-sweeps (``ditrates experiment run`` into
  temporary directories).

Run: python benchmarks/bench_training.py [--full]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import torch

from ditrates.experiments import plan
from ditrates.experiments.measure import MeasureSpec, measure
from ditrates.experiments.model import build, data_from_config
from ditrates.experiments.runner import train_spec
from ditrates.experiments.train import TrainSpec, train


def steps_per_second(spec: plan.RunSpec, threads: int, steps: int = 200) -> float:
    """Adam steps per second of the spec's network after 20 warm-up steps (no early stopping)."""
    torch.set_num_threads(threads)
    p = spec.params
    data = data_from_config(p)
    torch.manual_seed(0)
    model = build(spec.config(), data)
    gen = torch.Generator().manual_seed(0)
    x = data.sample(p["n"] if p["n"] != plan.INFINITE else 4096, gen)
    t = train_spec(p)
    for n_steps in (20, steps):
        info = train(model, x[64:], x[:64], TrainSpec(n_steps, t.batch, t.lr, t.T0, t.T, patience=0,
                                                      eval_every=10**9), gen)
    return info["steps_per_s"]


def gen0() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def measure_seconds(spec: plan.RunSpec) -> float:
    """Seconds for one run's measurements (score errors, memorisation, sampling, distances)."""
    torch.set_num_threads(1)
    p = spec.params
    data = data_from_config(p)
    torch.manual_seed(0)
    model = build(spec.config(), data).eval()
    start = time.perf_counter()
    measure(model, data, MeasureSpec(p["T0"], p["T"], p["strata"], p["per_stratum"], p["samples"],
                                     p["sampler_steps"]), torch.Generator().manual_seed(0), data.sample(3000, gen0()))
    return time.perf_counter() - start


def measured(profile: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ditrates", "experiment", "run", "--sweep", "n", "--profile", profile,
                        "--out", out, "--json"], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run the default and quick n-sweeps and time them")
    args = parser.parse_args()
    specs = plan.plan("n")
    cores = os.cpu_count() or 1
    total = 0.0
    for model in ("dit-learned", "mlp-learned"):
        spec = next(s for s in specs if s.model == model and s.params["n"] == 1024)
        one, many, meas = steps_per_second(spec, 1), steps_per_second(spec, cores), measure_seconds(spec)
        per_run = spec.params["max_steps"] / one + meas
        runs = sum(s.model == model for s in specs)
        total += runs * per_run
        print(f"{model}: {one:6.1f} steps/s on 1 thread, {many:6.1f} on {cores} ({many / one:.2f}x); measurements "
              f"{meas:5.1f} s; a run at the cap {per_run:5.1f} s; {runs} runs")
    print(f"default n-sweep ({len(specs)} runs, {cores} at once), UPPER ESTIMATE: {total / cores / 60:6.1f} min")
    if args.full:
        for profile in ("default", "quick"):
            print(f"{profile} n-sweep, MEASURED: {measured(profile) / 60:6.1f} min", flush=True)


if __name__ == "__main__":
    main()
