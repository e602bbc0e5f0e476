"""One run, as a pure function for any executor: train, measure, and return the record and the files.

:func:`run_one` builds the data law and the network of a :class:`~ditrates.experiments.plan.RunSpec`, trains it
(:mod:`~ditrates.experiments.train`), measures it (:mod:`~ditrates.experiments.measure`) and returns its record
(the line for ``results.jsonl``) and its run directory's files as bytes; it writes nothing. The sweep's driver
persists both (:mod:`~ditrates.experiments.store`), so that a worker on another machine needs no shared disk.

A run directory holds the trained network (``model.pt``, ``config.json``, ``train.json``) under the run's
training key: a run whose measuring code changed is measured again from it (:func:`run_one` with ``trained``).

Seeds: ``torch.manual_seed(seed)`` for the initialisation; one CPU generator seeded by ``seed`` for the training
sample, the held-out split, the minibatches and the noise; one seeded by ``EVAL_SEED + seed`` for the
measurements (the same evaluation draws for every run of one seed, independent draws across seeds).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import platform
import time

import numpy as np
import torch

import ditrates
from ditrates.experiments.measure import MeasureSpec, measure
from ditrates.experiments.model import build, data_from_config, parameter_count, run_files
from ditrates.experiments.plan import INFINITE, RunSpec
from ditrates.experiments.train import TrainSpec, train

EVAL_SEED = 2407_01079
TRAIN_FILE = "train.json"
"""The training outcome saved beside ``model.pt`` (steps, best step, losses, history, split sizes, time)."""
INFINITE_VALIDATION = 1024
"""Held-out points of the infinite-data control (fresh draws; its early stopping never needs to trigger)."""


def versions() -> dict:
    return {"ditrates": ditrates.__version__, "torch": torch.__version__, "python": platform.python_version(),
            "numpy": np.__version__}


@contextlib.contextmanager
def deterministic(threads: int, device: str):
    """Deterministic algorithms and ``threads`` torch threads inside, the previous settings restored after
    (cuBLAS needs a fixed workspace for determinism on a GPU)."""
    if device.startswith("cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    before = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(before[0])
        torch.use_deterministic_algorithms(before[1])


def train_spec(p: dict) -> TrainSpec:
    return TrainSpec(p["max_steps"], p["batch"], p["lr"], p["T0"], p["T"], p["weighting"], p["times"],
                     eval_every=p["eval_every"], patience=p["patience"])


def run_one(spec: RunSpec, device: str = "cpu", threads: int = 1,
            trained: dict[str, bytes] | None = None) -> tuple[dict, dict[str, bytes]]:
    """Train, measure and describe one run: ``(record, files)``. Deterministic on the CPU for a given thread
    count. With ``trained`` (the files of a run directory of the same :attr:`~RunSpec.train_key`), the saved
    network is measured without training it again (and no files are returned): the same record but for its
    timings, because the measurements draw from their own generator."""
    with deterministic(threads, device):
        return _run(spec, device, threads, trained)


def _split(data, p: dict, gen: torch.Generator):
    """``(x_val, x_train, source, basis_sample)`` of a run (``x_train`` None on infinite data)."""
    if p["n"] == INFINITE:
        x_val = data.sample(INFINITE_VALIDATION, gen)
        return x_val, None, (lambda m, g: data.sample(m, g)), data.sample(INFINITE_VALIDATION, gen)
    x = data.sample(p["n"], gen)
    held = max(1, round(p["val_fraction"] * p["n"]))
    return x[:held], x[held:], x[held:], x[held:]


def _train(model, data, p: dict, gen: torch.Generator, start: float) -> tuple[dict, torch.Tensor | None]:
    x_val, x_train, source, basis_sample = _split(data, p, gen)
    if p["basis_init"] == "pca":
        model.init_basis(basis_sample, gen)
    info = train(model, source, x_val, train_spec(p), gen)
    info["train_s"] = time.perf_counter() - start
    info.update(train_size=None if x_train is None else len(x_train), val_size=len(x_val))
    return info, x_train


def _run(spec: RunSpec, device: str, threads: int, trained: dict[str, bytes] | None) -> tuple[dict, dict[str, bytes]]:
    start = time.perf_counter()
    p, config = spec.params, spec.config()
    data = data_from_config(p, device)
    torch.manual_seed(spec.seed)
    model = build(config, data)
    gen = torch.Generator().manual_seed(spec.seed)
    if trained is None:
        info, x_train = _train(model, data, p, gen, start)
    else:
        model.load_state_dict(torch.load(io.BytesIO(trained["model.pt"]), map_location=device, weights_only=True))
        model.eval()
        info, x_train = json.loads(trained[TRAIN_FILE]), _split(data, p, gen)[1]
    measured_at = time.perf_counter()
    spec_m = MeasureSpec(p["T0"], p["T"], p["strata"], p["per_stratum"], p["samples"], p["sampler_steps"])
    measured = measure(model, data, spec_m, torch.Generator().manual_seed(EVAL_SEED + spec.seed), x_train)
    end = time.perf_counter()
    train_info = {k: v for k, v in info.items() if k not in ("seconds", "steps_per_s", "train_s")}
    record = {
        "key": spec.key, "status": "ok", "point": spec.point, "sweep": spec.sweep, "profile": spec.profile,
        "model": spec.model, "seed": spec.seed, "params": p, "versions": versions(), "device": str(device),
        "threads": threads, "c0": data.c0, "train_key": spec.train_key, "retrained": trained is None,
        "timings": {"train_s": info["train_s"], "measure_s": end - measured_at,
                    "total_s": info["train_s"] + end - measured_at, "steps_per_s": info["steps_per_s"]},
        "train": train_info,
        "network": {"parameters": parameter_count(model), "L": config["L"]},
        "measurements": {k: None if v is None else v.to_dict() for k, v in measured.items()},
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if trained is not None:
        return record, {}
    return record, {**run_files(model, config), TRAIN_FILE: (json.dumps(info, sort_keys=True) + "\n").encode()}
