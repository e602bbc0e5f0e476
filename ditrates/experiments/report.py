r"""From saved runs to claims: points, curves, floors, memorisation, fits and verdicts (numpy; no torch).

* A **point** is the runs of one configuration (the same parameters, different seeds; never runs that differ in
  anything else): per quantity the seed mean and its standard error ``s / sqrt(k)`` from the spread ``s`` of
  the ``k`` seeds (with one seed, the run's own Monte Carlo error, marked).
* A **curve** is the points of one sweep and model that differ only in the swept value and ``n``; its
  infinite-data points are the **floors**. Records of different configurations of one sweep and model (two
  profiles, two loss weightings) make separate curves, and :func:`build` notes the mixture.
* A point is **memorising** when its networks fit their training sample better than the law: the mean excess
  of the training DSM loss over the sample's own optimum (``train_excess``) is below the mean score error
  (the held-out excess). Memorising points are labelled and left out of every fit.
* **Fits** (:mod:`~ditrates.experiments.fit`): over ``n``, ``y = A n^b + c`` with ``c`` observed by the floor;
  over ``D`` and ``d0``, ``y = A x^b`` for the error and for its excess over the floor of the same ``x``. Each
  exponent gets a seed-bootstrap 95% interval with ``k - 1`` degrees of freedom (the floor's on the log
  scale), or says why it has none (one seed; too few points; no decay; the point estimate or more than a
  quarter of the resamples on the range's boundary; an interval leaving the range of decaying exponents),
  and sits beside the bound's exponents (:mod:`~ditrates.experiments.bounds`) with a verdict in words.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from ditrates.experiments import bounds, distances
from ditrates.experiments.fit import B_RANGE, fit_power_floor, seed_bootstrap, t_interval
from ditrates.experiments.plan import BOUNDS, INFINITE, SWEEPS, curve_key, model_name, swept
from ditrates.experiments.verdicts import verdict
from ditrates.powerlaw import fit_power

RESAMPLES = 1000
"""Seed resamples of each fit's bootstrap."""
MAX_HALF_WIDTH = 1.0
"""An exponent known only to within more than +-1 (a factor of 2 per doubling) is reported as not identified."""
UNIDENTIFIED_SHARE = 0.25
"""A fit whose exponent is not identified in more than this share of the seed resamples has no interval."""


@dataclasses.dataclass(frozen=True)
class Quantity:
    """A measurement: its label, its bound for each network class, whether it is fitted, the models for which
    it is fixed by construction (shown, never fitted or judged), whether its bound is evaluated with the O~
    factors written out, whether it is a lower bound on what its bound bounds, and whether it starts at its
    exact value when ``W_B`` starts at the training points' principal subspace (a drift, never judged)."""

    key: str
    label: str
    bounds: dict = dataclasses.field(default_factory=dict)
    fit: bool = False
    fixed: tuple[str, ...] = ()
    explicit: bool = False
    lower: bool = False
    drift: bool = False


LATENT = ("dit-oracle", "dit-learned", "mlp-learned")
QUANTITIES = (
    Quantity("score_error", "score error (Thm 3.2's left side, in R^D)", BOUNDS, fit=True),
    Quantity("score_error_latent", "score error on the support", {}),
    Quantity("score_error_early", "score error for t in [T0, 10 T0]", {}),
    Quantity("score_error_orthogonal", "score error off the support", {}, fixed=("dit-oracle",)),
    Quantity("score_error_untrained", "score error before training (s = -x / sigma)", {}),
    Quantity("subspace_error", "||W_B W_B^T - B B^T||_F^2", {"dit": "subspace-recovery"}, fit=True, drift=True),
    *(Quantity(e.key, e.label, e.bounds, fit=e.fit, lower=e.lower) for e in distances.ESTIMATORS),
    Quantity("orthogonal_variance", "lambda_max off the support (exact: sigma(T0))", {"dit": "orthogonal-variance"},
             fixed=LATENT, explicit=True),
)
BY_KEY = {q.key: q for q in QUANTITIES}


def is_infinite(n) -> bool:
    return n == INFINITE


@dataclasses.dataclass
class Point:
    """The runs of one configuration."""

    key: str
    sweep: str
    profile: str
    model: str
    params: dict
    c0: float
    seeds: list[int]
    values: dict  # quantity -> list over seeds (None where not measured)
    mc_se: dict  # quantity -> list over seeds of the runs' Monte Carlo errors
    runs: list[dict]

    @property
    def n(self):
        return self.params["n"]

    @property
    def x(self):
        """The swept value (``n`` for the n-sweep)."""
        return self.params[swept(self.sweep)]

    def seed_values(self, q: str) -> dict[int, float]:
        return {s: v for s, v in zip(self.seeds, self.values.get(q, []), strict=False) if v is not None}

    def mean(self, q: str) -> float | None:
        vals = list(self.seed_values(q).values())
        return float(np.mean(vals)) if vals else None

    def se(self, q: str) -> float | None:
        vals = list(self.seed_values(q).values())
        if len(vals) >= 2:
            return float(np.std(vals, ddof=1) / math.sqrt(len(vals)))
        mc = [s for s in self.mc_se.get(q, []) if s is not None]
        return mc[0] if vals and mc else None

    @property
    def memorisation_ratio(self) -> float | None:
        """Mean training excess over mean held-out excess: below 1, the networks memorise."""
        train, held = self.mean("train_excess"), self.mean("score_error")
        return None if train is None or not held else train / held

    @property
    def seeds_memorising(self) -> int:
        """Seeds whose network fits its training sample better than the law (training below held-out excess)."""
        train, held = self.seed_values("train_excess"), self.seed_values("score_error")
        return sum(train[s] < held[s] for s in train if s in held)

    @property
    def memorising(self) -> bool:
        ratio = self.memorisation_ratio
        return ratio is not None and ratio < 1

    def bound(self, q: Quantity):
        name = q.bounds.get(self.params["network"])
        if name is None or is_infinite(self.n) or self.model in q.fixed:
            return None
        return bounds.evaluate_bound(name, self.params, self.c0, q.explicit)

    def estimator(self) -> str:
        p = self.params
        weight = "gamma = 1 (Thm 3.2)" if p["weighting"] == "none" else "gamma = sigma(t)"
        return f"{weight}, t {'log-uniform, importance-weighted' if p['times'] == 'log' else 'uniform'}"


def points(records: Sequence[dict]) -> list[Point]:
    """Group the finished runs by configuration (the hash of all their parameters)."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        if r.get("status", "ok") == "ok":
            groups.setdefault(r["point"], []).append(r)
    out = []
    for key, runs in groups.items():
        runs = sorted(runs, key=lambda r: r["seed"])
        names = set().union(*(r["measurements"] for r in runs))
        values = {q: [(r["measurements"].get(q) or {}).get("value") for r in runs] for q in names}
        mc = {q: [(r["measurements"].get(q) or {}).get("se") for r in runs] for q in names}
        first = runs[0]
        out.append(Point(key, first.get("sweep", ""), first.get("profile", ""), model_name(first["params"]),
                         first["params"], first["c0"], [r["seed"] for r in runs], values, mc, runs))
    return out


@dataclasses.dataclass
class Curve:
    """The points of one sweep, model and configuration: finite ``n`` sorted by the swept value, and the
    infinite-data floors by swept value."""

    sweep: str
    model: str
    key: str
    profile: str
    points: list[Point]
    floors: dict

    @property
    def version(self) -> int:
        """The version of the measuring code behind the curve's records (one: it is part of the curve's key)."""
        return distances.version_of((self.points or list(self.floors.values()))[0].params)

    @property
    def label(self) -> str:
        """Model, profile and configuration; the measuring code's version where it is not the current one."""
        old = "" if self.version == distances.VERSION else f", measuring code v{self.version}"
        return f"{self.model} ({self.profile or 'custom'}, {self.key[:6]}{old})"

    def floor(self, p: Point) -> Point | None:
        return self.floors.get(None if swept(self.sweep) == "n" else p.x)


def curves(pts: Sequence[Point]) -> list[Curve]:
    out: dict[tuple, Curve] = {}
    for p in pts:
        k = (p.sweep, p.model, curve_key(p.params, p.sweep))
        c = out.setdefault(k, Curve(p.sweep, p.model, k[2], p.profile, [], {}))
        if is_infinite(p.n):
            c.floors[None if swept(p.sweep) == "n" else p.x] = p
        else:
            c.points.append(p)
    for c in out.values():
        c.points.sort(key=lambda p: p.x)
    order = list(SWEEPS)
    return sorted(out.values(), key=lambda c: (order.index(c.sweep) if c.sweep in order else 99, c.model, c.key))


@dataclasses.dataclass
class Fit:
    """A fitted law of one quantity along one curve, beside the bound's exponents, with its verdict."""

    sweep: str
    curve: str
    model: str
    quantity: str
    kind: str
    exponent: float | None
    interval: tuple[float, float] | None
    floor: float | None
    floor_interval: tuple[float, float] | None
    seeds: int
    used: list
    left_out: list
    identified: bool
    reason: str | None
    bound: str | None
    bound_local: float | None
    bound_excess: float | None
    bound_floor: float | None
    bound_vacuous: bool | None = None
    untrained: float | None = None
    below_untrained: dict | None = None
    verdict: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _matrix(pts: Sequence[Point], q: str) -> tuple[list[int], np.ndarray]:
    """Seeds measured at every point, and their values (seeds x points)."""
    common = sorted(set.intersection(*(set(p.seed_values(q)) for p in pts))) if pts else []
    return common, np.array([[p.seed_values(q)[s] for p in pts] for s in common], dtype=float).reshape(len(common),
                                                                                                     len(pts))


def _identified_share(ok: np.ndarray) -> str | None:
    share = 1 - float(np.mean(ok)) if len(ok) else 1.0
    if share > UNIDENTIFIED_SHARE:
        return f"the exponent is not identified in {share:.0%} of the seed resamples"
    return None


def fit_n(curve: Curve, q: Quantity, without: tuple = ()) -> Fit | None:
    """``y = A n^b + c`` through the non-memorising points (but those at ``without``) and the floor."""
    floor = curve.floors.get(None)
    used = [p for p in curve.points if not p.memorising and p.mean(q.key) is not None and p.n not in without]
    left = [p.n for p in curve.points if p.memorising]
    if floor is None or floor.mean(q.key) is None or not used:
        return None
    seeds, M = _matrix([*used, floor], q.key)
    mid = used[len(used) // 2]
    name = q.bounds.get(mid.params["network"]) if mid.bound(q) is not None else None  # None: it does not apply
    kind = "A n^b + c (c: n = inf)" + (f", without n = {', '.join(map(str, without))}" if without else "")
    fit = Fit(curve.sweep, curve.label, curve.model, q.key, kind, None, None, None, None,
              len(seeds), [p.n for p in used], left, False, None, name,
              *(_bound_exponents(name, mid) if name else (None, None, None)), *_bound_level(name, mid, q))
    x = np.array([p.n for p in used], dtype=float)
    if len(used) < 3:
        fit.reason = f"{len(used)} value(s) of n outside memorisation: a floor fit needs 3"
    elif len(seeds) == 0 or (M <= 0).any():
        fit.reason = "a seed mean is not positive: no log-log fit"
    else:
        est = fit_power_floor(x, M[:, :-1].mean(0)[None], M[:, -1:].mean(0))[0]
        fit.exponent, fit.floor, fit.identified, fit.reason = est.b, est.c, est.identified, est.reason
        if est.identified and len(seeds) < 2:
            fit.identified, fit.reason = False, "1 seed: no interval"
        elif est.identified:
            fits = seed_bootstrap(M, lambda means: fit_power_floor(x, means[:, :-1], means[:, -1]), RESAMPLES)
            ok = np.array([f.identified for f in fits])
            fit.reason = _identified_share(ok)
            fit.identified = fit.reason is None
            if fit.identified:
                fit.interval = t_interval(est.b, np.array([f.b for f in fits])[ok], len(seeds))
                log_c = t_interval(math.log(est.c), np.log([f.c for f in fits])[ok], len(seeds))
                fit.floor_interval = (math.exp(log_c[0]), math.exp(log_c[1]))
                if not B_RANGE[0] < fit.interval[0] <= fit.interval[1] < B_RANGE[1]:
                    fit.identified, fit.reason = False, (
                        f"the 95% interval [{fit.interval[0]:.2f}, {fit.interval[1]:.2f}] leaves the range "
                        f"({B_RANGE[0]:g}, {B_RANGE[1]:g}) of decaying exponents: the seeds do not pin it down")
                    fit.interval = fit.floor_interval = None
                else:
                    _too_wide(fit)
    fit.verdict = verdict(fit, q, q.drift and mid.params.get("basis_init") == "pca")
    return fit


def fit_x(curve: Curve, q: Quantity, excess: bool) -> Fit | None:
    """``y = A x^b`` over ``D`` or ``d0``, for the error or its excess over the floor at the same ``x``."""
    pairs = [(p, curve.floor(p)) for p in curve.points if p.mean(q.key) is not None and not p.memorising]
    pairs = [(p, f) for p, f in pairs if not excess or (f is not None and f.mean(q.key) is not None)]
    if len(pairs) < 2:
        return None
    used = [p for p, _ in pairs]
    seeds, M = _matrix(used + ([f for _, f in pairs] if excess else []), q.key)
    if excess:
        M = M[:, : len(used)] - M[:, len(used):]
    mid = used[len(used) // 2]
    name = q.bounds.get(mid.params["network"]) if mid.bound(q) is not None else None  # None: it does not apply
    key = SWEEPS[curve.sweep].key
    local = bounds.local_exponent(name, key, mid.params, mid.c0) if name else None
    kind = f"A {key}^b ({'excess over n = inf' if excess else 'error'})"
    fit = Fit(curve.sweep, curve.label, curve.model, q.key, kind, None, None, None, None, len(seeds),
              [p.x for p in used], [p.x for p in curve.points if p.memorising], False, None, name, local, None, None,
              *_bound_level(name, mid, q))
    x = np.array([p.x for p in used], dtype=float)
    means = M.mean(0) if len(seeds) else None
    if means is None or (means <= 0).any():
        fit.reason = "a mean is not positive (the error does not exceed its floor): no log-log fit"
    else:
        fit.exponent = float(fit_power(x, means)[0])
        if len(seeds) < 2:
            fit.reason = "1 seed: no interval"
        else:
            draws = seed_bootstrap(M, lambda m: np.where((m > 0).all(1), fit_power(x, np.abs(m))[0], np.nan),
                                   RESAMPLES)
            fit.reason = _identified_share(np.isfinite(draws))
            fit.identified = fit.reason is None
            if fit.identified:
                fit.interval = t_interval(fit.exponent, draws, len(seeds))
                _too_wide(fit)
    fit.verdict = verdict(fit, q, q.drift and mid.params.get("basis_init") == "pca")
    return fit


def _too_wide(fit: Fit) -> None:
    """Withdraw an interval wider than +-:data:`MAX_HALF_WIDTH`: such an exponent is not identified."""
    lo, hi = fit.interval
    if (hi - lo) / 2 > MAX_HALF_WIDTH:
        fit.identified, fit.interval, fit.floor_interval = False, None, None
        fit.reason = f"the seeds leave the exponent within +-{(hi - lo) / 2:.2g} of {fit.exponent:.2f}"


def _bound_level(name: str | None, p: Point, q: Quantity) -> tuple:
    """Whether the bound is vacuous at ``p``; for the score error, the untrained networks' error and, per
    reading of xi, the smallest ``n`` at which the bound is below it."""
    ev = None if name is None else p.bound(q)
    vacuous = None if ev is None else ev.vacuous
    level = p.mean("score_error_untrained")
    if q.key != "score_error" or name is None or level is None:
        return vacuous, None, None
    return vacuous, level, bounds.below(name, p.params, p.c0, level)


def _bound_exponents(name: str, p: Point):
    return (bounds.local_exponent(name, "n", p.params, p.c0), bounds.excess_exponent(name, p.params, p.c0),
            bounds.bound_floor(name, p.params, p.c0))


@dataclasses.dataclass
class Report:
    points: list[Point]
    curves: list[Curve]
    fits: list[Fit]
    failed: list[dict]
    notes: list[str]


def build(records: Sequence[dict]) -> Report:
    """Points, curves and fits of a directory's records, the failed runs that no later run replaced, and notes
    (mixed configurations)."""
    pts = points(records)
    cs = curves(pts)
    notes = []
    by: dict[tuple, list[Curve]] = {}
    for c in cs:
        by.setdefault((c.sweep, c.model), []).append(c)
    versions = sorted({distances.version_of(p.params) for p in pts})
    if len(versions) > 1:
        notes.append(f"records of {len(versions)} versions of the measuring code are here "
                     f"({', '.join(map(str, versions))}): separate points, never averaged; 'ditrates experiment run' "
                     f"re-measures the saved networks with the current one ({distances.VERSION})")
    elif versions and versions[0] != distances.VERSION:
        notes.append(f"every record here was measured by version {versions[0]} of the measuring code, not the current "
                     f"one ({distances.VERSION}): the distances of generated samples are the older estimators' and "
                     "are not comparable with the current ones; 'ditrates experiment run' measures them again")
    for (sweep, model), group in by.items():
        if len(group) > 1:
            profiles = sorted({c.profile or "custom" for c in group})
            notes.append(f"the {sweep}-sweep of {model} has {len(group)} configurations here (profiles: "
                         f"{', '.join(profiles)}): reported as separate curves, never averaged")
    fits = []
    for c in cs:
        for q in QUANTITIES:
            if q.fit and c.model not in q.fixed:
                over_n = swept(c.sweep) == "n"
                fits += [f for f in ([fit_n(c, q)] if over_n else [fit_x(c, q, False), fit_x(c, q, True)])
                         if f is not None]
                smallest = c.points[0] if c.points else None  # the least trained: early stopping on a few points
                if over_n and q.key == "score_error" and len(c.points) > 3 and not smallest.memorising:
                    fits += [f for f in [fit_n(c, q, without=(smallest.n,))] if f is not None]
    ok = {r["key"] for r in records if r.get("status", "ok") == "ok"}
    failed = list({r["key"]: r for r in records if r.get("status") == "failed" and r["key"] not in ok}.values())
    return Report(pts, cs, fits, failed, notes)
