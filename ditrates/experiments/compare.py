r"""Sweeps of trained latent DiTs, resumable runs, and measured errors set beside the bounds.

**Runs.** A run trains one score network (:mod:`~ditrates.experiments.train`) on ``n`` draws of the data,
measures it (:mod:`~ditrates.experiments.measure`) and saves it
(:func:`~ditrates.experiments.model.save_run`).
It is identified by its key, a readable prefix and a hash of ``(sweep, parameters, seed)``. Every finished
run is appended at once to ``DIR/results.jsonl`` (one JSON object a line, flushed and fsynced), and
:func:`run_sweep` skips the keys already there, so an interrupted sweep loses at most the runs in progress.

**Sweeps.** :data:`SWEEPS` answers the paper's claims: over ``n`` (the rate in the sample size), over ``D``
with ``d0`` fixed (the latent DiT with the true ``B`` and with a learned ``W_B``, beside the ambient
transformer on ``R^D``: the paper's claim is that ``d0``, not ``D``, governs the rate) and over ``d0``.
:data:`PROFILES` holds the two model sizes: ``default`` and ``quick``.

**Report.** :func:`points` averages the runs of each point (standard errors: :func:`_aggregate`), puts the
bound of the same parameters beside each measurement (hidden constants 1, ``eps`` the minimiser of xi,
``c0`` of the data), and fits log-log exponents: a power law ``y = A x^b`` and, over ``n``, a power law
with a floor ``y = A n^b + c``, with 95% intervals from a parametric bootstrap (log-normal draws with each
point's relative standard error).
:func:`plot` draws the measured points with error bars beside the bound curves.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime
import hashlib
import json
import math
import multiprocessing
import os
import pathlib
import platform
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

import ditrates
from ditrates.errors import DitratesError, UnknownName
from ditrates.experiments.measure import MeasureSpec, measure
from ditrates.experiments.model import build, data_from_config, parameter_count, save_run
from ditrates.experiments.train import WEIGHTINGS, TrainSpec, train

RESULTS_FILE = "results.jsonl"
RUNS_DIR = "runs"
EVAL_SEED = 2407_01079
"""Seed of the held-out evaluation draws: the same points for every run of a data law."""

BASE = {"D": 32, "d0": 8, "d": 2, "n": 512, "components": 4, "mean_scale": 2.0, "std": 0.5, "data_seed": 0,
        "T0": 0.01, "T": 5.0, "projection": "learned", "lr": 1e-3, "weighting": "sigma"}
"""Parameters shared by every sweep (each sweep moves one of them)."""

PROFILES = {
    "default": {"width": 64, "depth": 2, "heads": 4, "steps": 3000, "batch": 128, "strata": 32,
                "per_stratum": 128, "samples": 2048, "sampler_steps": 100},
    "quick": {"width": 32, "depth": 2, "heads": 2, "steps": 3000, "batch": 64, "strata": 16,
              "per_stratum": 64, "samples": 1024, "sampler_steps": 50},
}
"""Model, training and measurement sizes: ``default`` (minutes) and ``quick`` (seconds a run)."""


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A sweep: the parameter it moves, its values (default and quick), the models it trains, the
    parameters it fixes beyond :data:`BASE`, and the claim it tests."""

    key: str
    values: tuple[int, ...]
    quick_values: tuple[int, ...]
    projections: tuple[str, ...]
    claim: str


SWEEPS = {
    "n": Sweep("n", (8, 32, 128, 512, 4096), (8, 64, 512, 4096), ("learned",),
               "the error decays in n (Thm 3.2: xi = n^(-1/3)(2^((1/eps)^(2L)) + 1) + eps^2), then floors"),
    "D": Sweep("D", (16, 32, 64), (16, 32, 64), ("oracle", "learned", "ambient"),
               "d0, not D, governs the rate: the latent DiT's error should not grow with D"),
    "d0": Sweep("d0", (4, 8, 16), (4, 8, 16), ("learned",), "the error grows with the latent dimension d0"),
}


# ----------------------------------------------------------------------------------------------------
# Runs
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One run: the sweep it belongs to, all its parameters, and its seed."""

    sweep: str
    params: dict
    seed: int

    @property
    def value(self):
        """The value of the swept parameter."""
        return self.params[SWEEPS[self.sweep].key]

    @property
    def key(self) -> str:
        """``<sweep>-<projection>-<key><value>-s<seed>-<hash of (sweep, parameters, seed)>``."""
        canonical = json.dumps({"sweep": self.sweep, "params": self.params, "seed": self.seed},
                               sort_keys=True)
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
        moved = SWEEPS[self.sweep].key
        return f"{self.sweep}-{self.params['projection']}-{moved}{self.value}-s{self.seed}-{digest}"

    def config(self) -> dict:
        """What ``config.json`` holds: the parameters, the seed, the key and the token count ``L``."""
        p = self.params
        width = p["D"] if p["projection"] == "ambient" else p["d0"]
        return {**p, "seed": self.seed, "sweep": self.sweep, "key": self.key, "L": width // p["d"]}


def plan(sweep: str, quick: bool = False, seeds: int = 1, values: Sequence[int] | None = None,
         weighting: str = "sigma") -> list[RunSpec]:
    """The runs of a sweep, seed by seed (so an interrupted sweep has whole curves for its first seeds).

    ``weighting`` is the DSM loss weight: ``sigma`` (``gamma(t) = sigma(t)``) or ``none`` (the proof's loss).
    """
    if sweep not in SWEEPS:
        raise UnknownName.for_choice("sweep", sweep, SWEEPS)
    if weighting not in WEIGHTINGS:
        raise UnknownName.for_choice("weighting", weighting, WEIGHTINGS)
    if seeds < 1:
        raise DitratesError(f"--seeds must be at least 1, got {seeds}")
    s = SWEEPS[sweep]
    values = tuple(values) if values else (s.quick_values if quick else s.values)
    profile = PROFILES["quick" if quick else "default"]
    specs = [RunSpec(sweep, {**BASE, **profile, s.key: v, "projection": proj, "weighting": weighting}, seed)
             for seed in range(seeds) for v in values for proj in s.projections]
    for spec in specs:
        check(spec.params)
    return specs


def check(p: dict) -> None:
    """Raise a :class:`DitratesError` for parameters no run can use."""
    if not 1 <= p["d0"] <= p["D"]:
        raise DitratesError(f"need 1 <= d0 <= D, got d0 = {p['d0']}, D = {p['D']}")
    width = p["D"] if p["projection"] == "ambient" else p["d0"]
    if width % p["d"] or width // p["d"] < 2:
        raise DitratesError(f"the token width d = {p['d']} must divide {width} into at least 2 tokens "
                            "(Definition 3.1: d0 = d L, L > 1)")
    if p["n"] < 1:
        raise DitratesError(f"n must be at least 1, got {p['n']}")


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is present, else ``cpu``; ``cpu`` and ``cuda[:i]`` are checked."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return device
    if device.split(":")[0] == "cuda":
        if not torch.cuda.is_available():
            raise DitratesError(f"--device {device}: no CUDA device is available (use cpu or auto)")
        return device
    raise DitratesError(f"--device must be auto, cpu or cuda[:i], got {device!r}")


def workers(device: str, jobs: int | None, pending: int) -> tuple[int, int]:
    """``(jobs, threads)``: by default one single-threaded worker per CPU core (on 2 cores a second thread
    made the default model 1.44x faster, a second worker 2x), at most one per pending run; one on a GPU."""
    cores = os.cpu_count() or 1
    if jobs is None:
        jobs = 1 if device != "cpu" else cores
    if jobs < 1:
        raise DitratesError(f"--jobs must be at least 1, got {jobs}")
    jobs = max(1, min(jobs, pending))
    return jobs, max(1, cores // jobs)


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


def run_one(spec: RunSpec, out_dir: str, device: str, threads: int) -> dict:
    """Train, measure and save one run; returns its record (the line for ``results.jsonl``).

    Seeds: ``torch.manual_seed(seed)`` for the initialisation, one CPU generator seeded by ``seed`` for the
    training sample, minibatches and noise, and one seeded by :data:`EVAL_SEED` for the measurements.
    """
    with deterministic(threads, device):
        return _run(spec, pathlib.Path(out_dir), device, threads)


def _run(spec: RunSpec, out_dir: pathlib.Path, device: str, threads: int) -> dict:
    start = time.perf_counter()
    p, config = spec.params, spec.config()
    data = data_from_config(p, device)
    torch.manual_seed(spec.seed)
    model = build(config, data)
    gen = torch.Generator().manual_seed(spec.seed)
    x_train = data.sample(p["n"], gen)
    info = train(model, x_train, TrainSpec(p["steps"], p["batch"], p["lr"], p["T0"], p["T"], p["weighting"]),
                 gen)
    trained = time.perf_counter()
    measured = measure(model, data, MeasureSpec(p["T0"], p["T"], p["strata"], p["per_stratum"], p["samples"],
                                                p["sampler_steps"]), torch.Generator().manual_seed(EVAL_SEED))
    save_run(out_dir / RUNS_DIR / spec.key, model, config)
    end = time.perf_counter()
    return {
        "key": spec.key, "sweep": spec.sweep, "value": spec.value, "seed": spec.seed, "params": p,
        "versions": versions(), "device": str(device), "threads": threads,
        "timings": {"train_s": trained - start, "measure_s": end - trained, "total_s": end - start,
                    "steps_per_s": info["steps_per_s"]},
        "train": {"final_loss": info["final_loss"]},
        "model": {"parameters": parameter_count(model), "L": config["L"]},
        "c0": data.c0,
        "measurements": {k: None if v is None else v.to_dict() for k, v in measured.items()},
        "run_dir": str(pathlib.PurePosixPath(RUNS_DIR, spec.key)),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def finite(obj):
    """``obj`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def append_record(path: pathlib.Path, record: dict) -> None:
    """Append one JSON line and make it durable (flush + fsync) before returning.

    A line cut short by a crash is ended first, so that it costs only itself.
    """
    line = json.dumps(finite(record), allow_nan=False)
    with open(path, "a+b") as f:  # appends go to the end whatever the read position
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - 1))
        cut = size > 0 and f.read(1) != b"\n"
        f.write((("\n" if cut else "") + line + "\n").encode())
        f.flush()
        os.fsync(f.fileno())


def load_records(path: pathlib.Path) -> list[dict]:
    """The records of ``results.jsonl`` (lines that do not parse, e.g. cut by a crash, are skipped)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def run_sweep(specs: Iterable[RunSpec], out_dir: pathlib.Path, device: str = "cpu", jobs: int = 1,
              threads: int = 1, on_done: Callable[[dict], None] | None = None) -> tuple[list[dict], int]:
    """Run the specs whose keys are not yet in ``out_dir/results.jsonl``; append each record as it finishes.

    ``jobs > 1`` runs that many runs at once in worker processes (each with ``threads`` torch threads).
    Returns the new records and the number of runs skipped as already finished.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULTS_FILE
    done = {r.get("key") for r in load_records(path)}
    specs = list(specs)
    todo = [s for s in specs if s.key not in done]
    new: list[dict] = []

    def finish(record: dict) -> None:
        append_record(path, record)
        new.append(record)
        if on_done:
            on_done(record)

    if jobs <= 1 or len(todo) <= 1:
        for spec in todo:
            finish(run_one(spec, str(out_dir), device, threads))
        return new, len(specs) - len(todo)
    spawn = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=spawn)
    try:
        futures = [pool.submit(run_one, spec, str(out_dir), device, threads) for spec in todo]
        for future in concurrent.futures.as_completed(futures):
            finish(future.result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return new, len(specs) - len(todo)


# ----------------------------------------------------------------------------------------------------
# Bounds beside measurements
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Quantity:
    """A measurement, its label, the result that bounds it (if any), and whether the bound is evaluated
    with ``--explicit`` (the constant that the proof makes explicit)."""

    key: str
    label: str
    bound: str | None
    explicit: bool = False
    floor_fit: bool = False


QUANTITIES = (
    Quantity("score_error", "score error (Thm 3.2 LHS)", "score-estimation", floor_fit=True),
    Quantity("score_error_weighted", "sigma^2-weighted score error", None, floor_fit=True),
    Quantity("subspace_error", "||W_B W_B^T - B B^T||_F^2", "subspace-recovery"),
    Quantity("tv", "latent TV (k-NN estimate)", "tv-recovery"),
    Quantity("sw", "latent sliced W2", None),
    Quantity("orthogonal_variance", "lambda_max of the orthogonal covariance", "orthogonal-variance",
             explicit=True),
)
FLOORS = {"tv": "tv_floor", "sw": "sw_floor"}
"""Measurements whose finite-sample level (two samples of the true law) is measured too."""


def bound_values(params: dict, c0: float) -> dict:
    """The rate library's parameters for a run: the ambient baseline is the paper's ``d0 = D`` case
    (App. A), whose ``c0 = lambda_min(E[x x^T])`` is 0 when ``d0 < D``."""
    ambient = params["projection"] == "ambient"
    return {"d0": params["D"] if ambient else params["d0"], "d": params["d"], "n": params["n"],
            "T0": params["T0"], "T": params["T"], "D": params["D"], "c0": 0.0 if ambient else c0}


def evaluate_bound(name: str, params: dict, c0: float, explicit: bool = False, **moved):
    """The bound ``name`` at a run's parameters (plus ``moved`` ones), or None where it does not apply
    (e.g. Corollary 3.2.1 needs ``c0 > 0``)."""
    result = ditrates.get(name)
    values = {k: v for k, v in {**bound_values(params, c0), **moved}.items() if k in result.keys}
    try:
        return result.evaluate(explicit=explicit, **values)
    except DitratesError:
        return None


def bound_exponent(name: str, sweep_key: str, params: dict, c0: float) -> float | None:
    """The bound's local exponent ``d log bound / d log x`` for the swept ``x`` (for the ambient baseline
    in a ``D`` sweep, ``d0 = D`` moves: the exponent in ``d0``); 0 for a bound free of ``x``."""
    ambient = params["projection"] == "ambient"
    key = "d0" if sweep_key == "D" and ambient else sweep_key
    result = ditrates.get(name)
    if key not in result.keys:
        return 0.0
    values = {k: v for k, v in bound_values(params, c0).items() if k in result.keys}
    if ambient:  # let D follow d0 (the library's default D = 48 d0; the displayed bound is free of D)
        values.pop("D", None)
    try:
        return result.exponent(key, **values)
    except DitratesError:
        return None


@dataclasses.dataclass
class Point:
    """The runs of one (sweep, model, value): mean and standard error of each measurement, and bounds."""

    sweep: str
    projection: str
    value: float
    params: dict
    c0: float
    seeds: list[int]
    mean: dict[str, float | None]
    se: dict[str, float | None]
    bounds: dict[str, object]  # quantity -> Evaluation or None

    def ratio(self, key: str) -> float | None:
        ev, m = self.bounds.get(key), self.mean.get(key)
        if ev is None or m is None or m <= 0:
            return None
        return 10 ** (math.log10(m) - float(ev.log10))

    def to_dict(self) -> dict:
        return {
            "sweep": self.sweep, "projection": self.projection, "value": self.value, "seeds": self.seeds,
            "c0": self.c0, "params": self.params,
            "measurements": {k: {"mean": self.mean[k], "se": self.se[k]} for k in self.mean},
            "bounds": {k: None if ev is None else {"result": ev.result.name, "value": ev.value,
                                                   "log10": float(ev.log10), "vacuous": ev.vacuous,
                                                   "ratio": self.ratio(k)}
                       for k, ev in self.bounds.items()},
        }


def _aggregate(values: list[float | None], ses: list[float | None]) -> tuple[float | None, float | None]:
    """Mean over the k seeds, and its standard error ``sqrt(s^2 / k + mean(se_i^2))``: the spread ``s``
    between seeds plus the runs' own Monte Carlo errors ``se_i``, which do not average out because every
    run of a data law is measured on the same evaluation draws (:data:`EVAL_SEED`)."""
    pairs = [(v, s or 0.0) for v, s in zip(values, ses, strict=True) if v is not None]
    if not pairs:
        return None, None
    vals, errs = np.array(pairs).T
    spread = vals.var(ddof=1) / len(vals) if len(vals) > 1 else 0.0
    return float(vals.mean()), float(math.sqrt(spread + (errs**2).mean()))


def points(records: Sequence[dict]) -> list[Point]:
    """Group the records by (sweep, projection, value) and put the bounds beside each point."""
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault((r["sweep"], r["params"]["projection"], r["value"]), []).append(r)
    out = []
    for (sweep, proj, value), runs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        names = [q.key for q in QUANTITIES] + list(FLOORS.values())
        mean, se = {}, {}
        for k in names:
            got = [r["measurements"].get(k) or {} for r in runs]
            mean[k], se[k] = _aggregate([g.get("value") for g in got], [g.get("se") for g in got])
        params, c0 = runs[0]["params"], runs[0]["c0"]
        bounds = {q.key: evaluate_bound(q.bound, params, c0, q.explicit) for q in QUANTITIES if q.bound}
        out.append(Point(sweep, proj, value, params, c0, sorted(r["seed"] for r in runs), mean, se, bounds))
    return out


# ----------------------------------------------------------------------------------------------------
# Fits
# ----------------------------------------------------------------------------------------------------
BOOTSTRAP = 1000
FLOOR_GRID = 200


def fit_power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares of ``log y = log A + b log x`` for each row of ``y`` (R x N); returns ``b`` (R,)."""
    lx = np.log(x) - np.log(x).mean()
    ly = np.log(y)
    return (ly - ly.mean(-1, keepdims=True)) @ lx / (lx @ lx)


def fit_floor(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``y = A x^b + c`` (``c`` in ``[0, min y)``) for each row of ``y``, least squares in ``log y``.

    Profile over a grid of floors ``c = min(y) (1 - 10^-3k/(G-1))``, ``k = 0..G-1``, plus ``c = 0``: for each
    ``c``, ``(A, b)`` fit ``log(y - c)`` linearly in ``log x``; the ``c`` with the smallest residual of
    ``log(A x^b + c)`` against ``log y`` wins. Returns ``(b, c)``, each of shape (R,).
    """
    lx = np.log(x)
    cx = lx - lx.mean()
    frac = np.concatenate([[0.0], 1 - np.geomspace(1, 1e-3, FLOOR_GRID - 1)])
    c = y.min(-1, keepdims=True)[:, :, None] * frac  # R x 1 x G
    c = c[:, 0, :]  # R x G
    ly = np.log(y[:, None, :] - c[:, :, None])  # R x G x N
    b = (ly - ly.mean(-1, keepdims=True)) @ cx / (cx @ cx)  # R x G
    a = ly.mean(-1) - b * lx.mean()
    pred = np.log(np.exp(a[:, :, None] + b[:, :, None] * lx) + c[:, :, None])
    best = ((pred - np.log(y)[:, None, :]) ** 2).sum(-1).argmin(-1)
    rows = np.arange(len(y))
    return b[rows, best], c[rows, best]


@dataclasses.dataclass
class Fit:
    """A fitted log-log law for one quantity of one model in one sweep, beside the bound's exponent."""

    sweep: str
    projection: str
    quantity: str
    kind: str  # "power" or "power+floor"
    exponent: float
    exponent_ci: tuple[float, float]
    floor: float | None
    floor_ci: tuple[float, float] | None
    bound_exponent: float | None
    bound_floor: float | None

    @property
    def faster_than_bound(self) -> bool | None:
        """Whether the whole 95% interval of the exponent lies below the bound's local exponent."""
        if self.bound_exponent is None:
            return None
        return self.exponent_ci[1] < self.bound_exponent

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "faster_than_bound": self.faster_than_bound}


def _bootstrap(mean: np.ndarray, se: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Log-normal draws around the means with their relative standard errors: shape (BOOTSTRAP, N)."""
    rel = np.nan_to_num(se / mean, nan=0.0)
    return mean * np.exp(rel * rng.standard_normal((BOOTSTRAP, len(mean))))


def _interval(draws: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return float(lo), float(hi)


def fits(pts: Sequence[Point]) -> list[Fit]:
    """Power-law fits (and, over ``n``, power law plus floor) of every positive quantity with 3 or more
    points, with bootstrap intervals, beside the bound's local exponent at the middle point."""
    out = []
    by_curve: dict[tuple[str, str], list[Point]] = {}
    for p in pts:
        by_curve.setdefault((p.sweep, p.projection), []).append(p)
    for (sweep, proj), curve in sorted(by_curve.items()):
        curve = sorted(curve, key=lambda p: p.value)
        x = np.array([p.value for p in curve], dtype=float)
        mid = curve[len(curve) // 2]
        for q in QUANTITIES:
            y = np.array([np.nan if p.mean[q.key] is None else p.mean[q.key] for p in curve], dtype=float)
            if len(x) < 3 or not np.all(y > 0):
                continue
            se = np.array([p.se[q.key] or 0.0 for p in curve], dtype=float)
            rng = np.random.default_rng(0)
            draws = _bootstrap(y, se, rng)
            b_exp = bound_exponent(q.bound, SWEEPS[sweep].key, mid.params, mid.c0) if q.bound else None
            b = float(fit_power(x, y[None])[0])
            out.append(Fit(sweep, proj, q.key, "power", b, _interval(fit_power(x, draws)), None, None, b_exp,
                           None))
            if sweep == "n" and q.floor_fit and len(x) >= 4:
                (bf,), (cf,) = fit_floor(x, y[None])
                bs, cs = fit_floor(x, draws)
                floor_bound = _bound_floor(q, curve[-1]) if q.bound else None
                out.append(Fit(sweep, proj, q.key, "power+floor", float(bf), _interval(bs), float(cf),
                               _interval(cs), b_exp, floor_bound))
    return out


def _bound_floor(q: Quantity, last: Point) -> float | None:
    """The bound's limit as ``n -> infinity`` at the ``eps`` of the largest ``n``: ``eps^2 / (T0 T)``."""
    ev = last.bounds.get(q.key)
    if ev is None:
        return None
    far = evaluate_bound(q.bound, last.params, last.c0, q.explicit, n="1e300", eps=ev.resolved.values["eps"])
    return None if far is None else far.value


# ----------------------------------------------------------------------------------------------------
# Plot
# ----------------------------------------------------------------------------------------------------
PLOTTED = ("score_error", "subspace_error", "tv", "orthogonal_variance")
COLORS = {"learned": "tab:blue", "oracle": "tab:green", "ambient": "tab:red"}
MARKERS = {"learned": "o", "oracle": "s", "ambient": "^"}
REFERENCES = {
    "tv": lambda params: (1.0, "TV <= 1: a bound above is vacuous"),
    "orthogonal_variance": lambda params: (-math.expm1(-params["T0"]), "sigma(T0): the exact score's value"),
}
"""Grey reference levels of the plots, from a point's parameters."""


def plot(pts: Sequence[Point], fitted: Sequence[Fit], path: pathlib.Path) -> None:
    """Log-log panels, one row per sweep: measured means with +-1 standard error bars (solid), the bound of
    the same parameters (dashed), the fitted power law with floor (dotted, over ``n``), the trivial TV of 1,
    and the orthogonal variance ``sigma(T0)`` that the exact score gives (grey)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    sweeps = sorted({p.sweep for p in pts}, key=list(SWEEPS).index)
    fig, axes = plt.subplots(len(sweeps), len(PLOTTED), figsize=(4.2 * len(PLOTTED), 3.6 * len(sweeps)),
                             squeeze=False)
    labels = {q.key: q.label for q in QUANTITIES}
    for row, sweep in zip(axes, sweeps, strict=True):
        curves: dict[str, list[Point]] = {}
        for p in pts:
            if p.sweep == sweep:
                curves.setdefault(p.projection, []).append(p)
        values = sorted({p.value for curve in curves.values() for p in curve})
        for ax, key in zip(row, PLOTTED, strict=True):
            for proj, curve in curves.items():
                _plot_curve(ax, sorted(curve, key=lambda p: p.value), key, proj)
            for f in fitted:
                if (f.sweep, f.quantity, f.kind) == (sweep, key, "power+floor") and f.projection in curves:
                    _plot_fit(ax, f, curves[f.projection])
            if key in REFERENCES:
                level, text = REFERENCES[key](next(iter(curves.values()))[0].params)
                ax.axhline(level, color="grey", lw=0.8)
                ax.text(0.02, level, text, transform=ax.get_yaxis_transform(), fontsize=7, color="grey",
                        va="bottom")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xticks(values, [str(v) for v in values])
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xlabel(SWEEPS[sweep].key)
            ax.set_title(f"{sweep}-sweep: {labels[key]}", fontsize=9)
            ax.grid(True, which="both", lw=0.3, alpha=0.5)
            if ax.has_data():
                ax.legend(fontsize=6, loc="best")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_curve(ax, curve: list[Point], key: str, proj: str) -> None:
    pts = [p for p in curve if p.mean[key] is not None and p.mean[key] > 0]
    if not pts:
        return
    color, marker = COLORS[proj], MARKERS[proj]
    ax.errorbar([p.value for p in pts], [p.mean[key] for p in pts], yerr=[p.se[key] or 0 for p in pts],
                color=color, marker=marker, ms=4, capsize=2, lw=1, label=f"{proj}: measured")
    bounded = [(p.value, p.bounds[key].value) for p in curve
               if p.bounds.get(key) is not None and p.bounds[key].value is not None]
    if bounded:
        ax.plot(*zip(*bounded, strict=True), color=color, ls="--", lw=1, label=f"{proj}: bound")


def _plot_fit(ax, f: Fit, curve: list[Point]) -> None:
    xs = np.array(sorted(p.value for p in curve), dtype=float)
    ys = np.array([p.mean[f.quantity] for p in sorted(curve, key=lambda p: p.value)], dtype=float)
    amp = np.exp(np.mean(np.log(ys - f.floor) - f.exponent * np.log(xs)))
    grid = np.geomspace(xs[0], xs[-1], 50)
    ax.plot(grid, amp * grid**f.exponent + f.floor, color="black", ls=":", lw=1,
            label=f"fit: n^{f.exponent:.2f} + {f.floor:.2g}")
