r"""What a sweep runs: models, profiles, sweeps, and the run specifications with their keys (no torch).

**Keys.** A run's parameters hold *every* field that changes its result: data law, model, loss, budget, ``n``,
the measurement sizes and every setting of the distance estimators, and the versions of the training and the
measuring code (:data:`TRAIN_VERSION`, :data:`~ditrates.experiments.distances.VERSION`). With its seed they are
hashed into the run's key, and without the seed into the key of its *point* (the runs that are averaged
together), so records measured by other code are never resumed as if they were current, nor pooled. The
training parameters alone (:data:`MEASUREMENT` left out) key the trained network (:attr:`RunSpec.train_key`, the
run directory's name): a change of the measuring code re-measures the saved networks without retraining them.
Sweep and profile names are labels, not inputs: the same configuration reached from two sweeps is the same
run, and two profiles are never the same point. A *curve* is a point's key with ``n`` and the swept parameter
left out: the points a fit runs through.

**Floor control.** Every configuration is also trained on infinite data (``n = "inf"``: a fresh minibatch from
the law at every step, :func:`~ditrates.experiments.train.train`), so that each finite-``n`` error can be set
beside the error the same network and budget reach without a statistical error.

>>> specs = plan("n", quick=True)
>>> sorted({s.params["n"] for s in specs}, key=str)
[128, 2048, 32, 512, 'inf']
>>> specs[0].key == plan("n", quick=True)[0].key
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence

from ditrates.errors import DitratesError, UnknownName
from ditrates.experiments import distances

TRAIN_VERSION = 1
"""The version of the training code (data, networks, loss, optimiser, early stopping): part of every run's key.
Bump it whenever a trained network changes for the same parameters and seed; ``tests/test_experiments_sweep.py``
pins a tiny run's trained weights to it."""
MEASUREMENT = ("strata", "per_stratum", "samples", "sampler_steps", "measure_version", "estimators")
"""The parameters that say how a trained network is measured (the rest say how it is trained)."""
INFINITE = "inf"
"""The value of ``n`` for the infinite-data control."""


def default_components(d0: int) -> int:
    """``K = 2 d0`` mixture components: more than the ``d0 + 1`` whose means span ``R^{d0}`` affinely.

    >>> default_components(8)
    16
    """
    return 2 * d0


MODELS = {
    "dit-learned": {"network": "dit", "projection": "learned"},
    "dit-oracle": {"network": "dit", "projection": "oracle"},
    "dit-ambient": {"network": "dit", "projection": "ambient"},
    "mlp-learned": {"network": "mlp", "projection": "learned"},
}
"""The score networks: the latent DiT with a learned ``W_B``, with the true ``B`` (oracle), the non-latent
transformer on ``R^D`` (ambient), and Chen et al. 2023's ReLU network with a learned ``W_B``."""

BOUNDS = {"dit": "score-estimation", "mlp": "chen2023-score-estimation"}
"""The score-estimation bound of each network class."""

BASE = {"D": 32, "d0": 8, "d": 2, "n": 512, "separation": 4.0, "std": 0.5, "data_seed": 0, "T0": 0.01,
        "T": 5.0, "lr": 1e-3, "weighting": "none", "times": "log", "val_fraction": 0.2, "eval_every": 100,
        "patience": 6, "basis_init": "pca"}
"""Parameters shared by every sweep (each sweep moves one of them); ``components`` follows ``d0``."""

PROFILES = {
    "default": {"sizes": {"dit": {"width": 64, "depth": 2, "heads": 4}, "mlp": {"width": 256, "depth": 3}},
                "max_steps": 1200, "batch": 128, "strata": 32, "per_stratum": 128, "samples": 1024,
                "sampler_steps": 100, "seeds": 5},
    "quick": {"sizes": {"dit": {"width": 32, "depth": 2, "heads": 2}, "mlp": {"width": 128, "depth": 3}},
              "max_steps": 800, "batch": 64, "strata": 16, "per_stratum": 64, "samples": 512,
              "sampler_steps": 50, "seeds": 3},
    "tiny": {"sizes": {"dit": {"width": 8, "depth": 1, "heads": 2}, "mlp": {"width": 16, "depth": 2}},
             "max_steps": 30, "batch": 16, "strata": 4, "per_stratum": 16, "samples": 64, "sampler_steps": 5,
             "seeds": 2, "eval_every": 10, "patience": 2},
}
"""Model, training and measurement sizes: ``default`` (the documented sweeps), ``quick`` (minutes, a smoke
test of the whole method) and ``tiny`` (seconds; checks that everything runs, its numbers mean nothing)."""


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A sweep: the parameter it moves, its values (default and quick), its models, the claim it tests, and the
    parameters it sets apart from :data:`BASE`."""

    key: str
    values: tuple
    quick_values: tuple
    models: tuple[str, ...]
    claim: str
    base: dict = dataclasses.field(default_factory=dict)


SWEEPS = {
    "n": Sweep("n", (16, 64, 256, 1024, 4096), (32, 128, 512, 2048), ("dit-learned", "mlp-learned"),
               "the excess error over the infinite-data floor decays in n (Thm 3.2: xi = n^(-1/3)(2^((1/eps)^(2L)) "
               "+ 1) + eps^2; Chen et al.: n^(-2/(d0+5)))"),
    "n-law2": Sweep("n", (16, 64, 256, 1024, 4096), (32, 128, 512, 2048), ("dit-learned", "mlp-learned"),
                    "the n-sweep's findings hold on a second data law (another seed, means closer together)",
                    base={"data_seed": 1, "separation": 3.0}),
    "D": Sweep("D", (16, 32, 64), (16, 32, 64), ("dit-oracle", "dit-learned", "dit-ambient", "mlp-learned"),
               "d0, not D, governs the rate: the latent networks' errors should not grow with D"),
    "d0": Sweep("d0", (4, 8, 16), (4, 8, 16), ("dit-learned",), "the error grows with the latent dimension d0"),
    "steps": Sweep("max_steps", (300, 600, 1200, 2400), (200, 400, 800, 1600), ("dit-learned", "mlp-learned"),
                   "optimisation: does a longer budget lower the infinite-data floor?"),
    "width": Sweep("width", (16, 32, 64, 128), (8, 16, 32, 64), ("dit-learned",),
                   "approximation: does a wider transformer (same budget) lower the infinite-data floor?"),
}
"""The sweeps (``n-law2``, ``steps`` and ``width`` are optional: the documented ones beside ``n``, ``D``, ``d0``)."""


def swept(sweep: str) -> str:
    """The parameter a sweep moves (``n`` for a sweep that is not one of :data:`SWEEPS`).

    >>> swept("n-law2"), swept("steps"), swept("custom")
    ('n', 'max_steps', 'n')
    """
    return SWEEPS[sweep].key if sweep in SWEEPS else "n"


def digest(obj) -> str:
    """The first 10 hex digits of the SHA-256 of ``obj``'s canonical JSON.

    >>> digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1})
    True
    """
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:10]


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One run: every parameter that changes its result, its seed, and the labels it was planned under."""

    params: dict
    seed: int
    sweep: str = ""
    profile: str = ""

    @property
    def model(self) -> str:
        return model_name(self.params)

    @property
    def point(self) -> str:
        """The key of the runs averaged together: all parameters, no seed."""
        return digest(self.params)

    def _name(self) -> str:
        key = swept(self.sweep)
        moved = f"-{key}{self.params[key]}" if key != "n" else ""
        return f"{self.model}-n{self.params['n']}{moved}-s{self.seed}"

    @property
    def key(self) -> str:
        """``<model>-n<n>[-<swept><value>]-s<seed>-<hash of (parameters, seed)>``."""
        return f"{self._name()}-{digest([self.params, self.seed])}"

    @property
    def train_key(self) -> str:
        """``<model>-n<n>[-<swept><value>]-s<seed>-t<hash of (training parameters, seed)>``: the trained network,
        whatever measured it (the run directory's name)."""
        train = {k: v for k, v in self.params.items() if k not in MEASUREMENT}
        return f"{self._name()}-t{digest([train, self.seed])}"

    def config(self) -> dict:
        """What ``config.json`` holds: the training parameters, the seed, the labels, the training key and the
        token count (the trained network, whatever measured it)."""
        p = {k: v for k, v in self.params.items() if k not in MEASUREMENT}
        width = p["D"] if p["projection"] == "ambient" else p["d0"]
        return {**p, "seed": self.seed, "sweep": self.sweep, "profile": self.profile, "key": self.train_key,
                "L": width // p["d"]}


def model_name(params: dict) -> str:
    """``<network>-<projection>``, e.g. ``dit-learned``."""
    return f"{params['network']}-{params['projection']}"


FOLLOWS = {"d0": ("components",)}
"""Parameters that a plan derives from a swept one (``components = 2 d0``): they move with it along a curve."""


def curve_key(params: dict, sweep: str) -> str:
    """The key of a curve: the parameters without ``n``, the swept one and those that follow it."""
    key = swept(sweep)
    drop = {"n", key, *FOLLOWS.get(key, ())}
    return digest({k: v for k, v in params.items() if k not in drop})


def parse_n(text: str):
    """``n`` from the command line: a positive integer (``1e3`` allowed) or ``inf``.

    >>> parse_n("1e3"), parse_n("inf")
    (1000, 'inf')
    """
    if text.strip().lower() in ("inf", "infinity"):
        return INFINITE
    value = float(text)
    if value != int(value):
        raise ValueError(text)
    return int(value)


def plan(sweep: str, quick: bool = False, seeds: int | None = None, values: Sequence | None = None,
         weighting: str = "none", times: str = "log", profile: str | None = None) -> list[RunSpec]:
    """The runs of a sweep, seed by seed (so an interrupted sweep has whole curves for its first seeds), each
    configuration with its infinite-data control. ``weighting`` and ``times`` choose the DSM estimator
    (:mod:`~ditrates.experiments.train`); ``profile`` (default: ``quick`` or ``default``) names a
    :data:`PROFILES` entry; ``seeds`` defaults to the profile's."""
    if sweep not in SWEEPS:
        raise UnknownName.for_choice("sweep", sweep, SWEEPS)
    for what, value, choices in (("weighting", weighting, ("none", "sigma")), ("times", times, ("log", "uniform"))):
        if value not in choices:
            raise UnknownName.for_choice(what, value, choices)
    name = profile or ("quick" if quick else "default")
    if name not in PROFILES:
        raise UnknownName.for_choice("profile", name, PROFILES)
    profile = PROFILES[name]
    seeds = profile["seeds"] if seeds is None else seeds
    if seeds < 1:
        raise DitratesError(f"--seeds must be at least 1, got {seeds}")
    s = SWEEPS[sweep]
    values = tuple(values) if values else (s.values if name == "default" else s.quick_values)
    if s.key != "n" and not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise DitratesError(f"--values of the {sweep}-sweep must be integers, got {', '.join(map(str, values))}")
    ns = list(dict.fromkeys([*values, INFINITE])) if s.key == "n" else [BASE["n"], INFINITE]
    moved = [None] if s.key == "n" else list(values)
    specs = []
    for seed in range(seeds):
        for value in moved:
            for model in s.models:
                for n in ns:
                    p = {**BASE, **s.base, "n": n, **MODELS[model], "weighting": weighting, "times": times,
                         **{k: v for k, v in profile.items() if k not in ("sizes", "seeds")},
                         **profile["sizes"][MODELS[model]["network"]], **({} if value is None else {s.key: value}),
                         "train_version": TRAIN_VERSION, "measure_version": distances.VERSION,
                         "estimators": dict(distances.SETTINGS)}
                    p["heads"] = p.get("heads")
                    p["components"] = default_components(p["d0"])
                    check(p)
                    specs.append(RunSpec(p, seed, sweep, name))
    return specs


def check(p: dict) -> None:
    """Raise a :class:`DitratesError` for parameters no run can use."""
    if not 1 <= p["d0"] <= p["D"]:
        raise DitratesError(f"need 1 <= d0 <= D, got d0 = {p['d0']}, D = {p['D']}")
    width = p["D"] if p["projection"] == "ambient" else p["d0"]
    if width % p["d"] or width // p["d"] < 2:
        raise DitratesError(f"the token width d = {p['d']} must divide {width} into at least 2 tokens "
                            "(Definition 3.1: d0 = d L, L > 1)")
    n = p["n"]
    if n != INFINITE and (not isinstance(n, int) or n < 5):
        raise DitratesError(f"n must be an integer of at least 5 (one fifth is held out) or inf, got {n}")
