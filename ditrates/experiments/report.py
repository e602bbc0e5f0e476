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

from ditrates.experiments import bounds
from ditrates.experiments.distances import ESTIMATORS
from ditrates.experiments.fit import B_RANGE, fit_power_floor, seed_bootstrap, t_interval
from ditrates.experiments.plan import BOUNDS, INFINITE, SWEEPS, curve_key, model_name
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
    it is fixed by construction (shown, never fitted or judged), and whether its bound is evaluated with the
    O~ factors written out."""

    key: str
    label: str
    bounds: dict = dataclasses.field(default_factory=dict)
    fit: bool = False
    fixed: tuple[str, ...] = ()
    explicit: bool = False


LATENT = ("dit-oracle", "dit-learned", "mlp-learned")
QUANTITIES = (
    Quantity("score_error", "score error (Thm 3.2's left side, in R^D)", BOUNDS, fit=True),
    Quantity("score_error_latent", "score error on the support", {}),
    Quantity("score_error_early", "score error for t in [T0, 10 T0]", {}),
    Quantity("score_error_orthogonal", "score error off the support", {}, fixed=("dit-oracle",)),
    Quantity("score_error_untrained", "score error before training (s = -x / sigma)", {}),
    Quantity("subspace_error", "||W_B W_B^T - B B^T||_F^2", {"dit": "subspace-recovery"}, fit=True),
    *(Quantity(e.key, e.label, e.bounds, fit=e.fit) for e in ESTIMATORS),
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
        return self.params[SWEEPS[self.sweep].key] if self.sweep in SWEEPS else self.n

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
    def label(self) -> str:
        return f"{self.model} ({self.profile or 'custom'}, {self.key[:6]})"

    def floor(self, p: Point) -> Point | None:
        return self.floors.get(None if self.sweep == "n" else p.x)


def curves(pts: Sequence[Point]) -> list[Curve]:
    out: dict[tuple, Curve] = {}
    for p in pts:
        k = (p.sweep, p.model, curve_key(p.params, p.sweep))
        c = out.setdefault(k, Curve(p.sweep, p.model, k[2], p.profile, [], {}))
        if is_infinite(p.n):
            c.floors[None if p.sweep == "n" else p.x] = p
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


def fit_n(curve: Curve, q: Quantity) -> Fit | None:
    """``y = A n^b + c`` through the non-memorising points and the floor (the n-sweep)."""
    floor = curve.floors.get(None)
    used = [p for p in curve.points if not p.memorising and p.mean(q.key) is not None]
    left = [p.n for p in curve.points if p.memorising]
    if floor is None or floor.mean(q.key) is None or not used:
        return None
    seeds, M = _matrix([*used, floor], q.key)
    name = q.bounds.get(curve.points[0].params["network"])
    mid = used[len(used) // 2]
    fit = Fit(curve.sweep, curve.label, curve.model, q.key, "A n^b + c (c: n = inf)", None, None, None, None,
              len(seeds), [p.n for p in used], left, False, None, name,
              *(_bound_exponents(name, mid) if name else (None, None, None)))
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
    fit.verdict = verdict(fit, q)
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
    name = q.bounds.get(used[0].params["network"])
    key = SWEEPS[curve.sweep].key
    local = bounds.local_exponent(name, key, used[len(used) // 2].params, used[0].c0) if name else None
    kind = f"A {key}^b ({'excess over n = inf' if excess else 'error'})"
    fit = Fit(curve.sweep, curve.label, curve.model, q.key, kind, None, None, None, None, len(seeds),
              [p.x for p in used], [p.x for p in curve.points if p.memorising], False, None, name, local, None, None)
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
    fit.verdict = verdict(fit, q)
    return fit


def _too_wide(fit: Fit) -> None:
    """Withdraw an interval wider than +-:data:`MAX_HALF_WIDTH`: such an exponent is not identified."""
    lo, hi = fit.interval
    if (hi - lo) / 2 > MAX_HALF_WIDTH:
        fit.identified, fit.interval, fit.floor_interval = False, None, None
        fit.reason = f"the seeds leave the exponent within +-{(hi - lo) / 2:.2g} of {fit.exponent:.2f}"


def _bound_exponents(name: str, p: Point):
    return (bounds.local_exponent(name, "n", p.params, p.c0), bounds.excess_exponent(name, p.params, p.c0),
            bounds.bound_floor(name, p.params, p.c0))


def verdict(f: Fit, q: Quantity) -> str:
    """The fit in words a reader can act on."""
    what = f"{f.model}, {q.label}"
    if not f.identified:
        shown = "" if f.exponent is None else f" (point estimate {f.exponent:.2f})"
        return f"{what}: no exponent to report{shown}: {f.reason}."
    lo, hi = f.interval
    var = "n" if f.sweep == "n" else SWEEPS[f.sweep].key
    subject = "the excess over the n = inf floor" if f.sweep == "n" or "excess" in f.kind else "the error"
    text = f"{what}: {subject} scales like {var}^{f.exponent:.2f} [{lo:.2f}, {hi:.2f}] ({f.seeds} seeds)"
    if f.left_out:
        text += f"; left out as memorising: {var} = {', '.join(map(str, f.left_out))}"
    if f.sweep == "n":
        text += f". Doubling n multiplies it by {2**f.exponent:.2f} [{2**lo:.2f}, {2**hi:.2f}]"
        if f.floor is not None:
            text += f"; more data cannot remove the floor {f.floor:.3g}, which the network and its budget set"
    ref = f.bound_excess if f.sweep == "n" else f.bound_local
    if f.bound and ref is not None:
        local = None if f.bound_local is None else (0.0 if abs(f.bound_local) < 5e-3 else f.bound_local)
        text += f". The bound ({f.bound})" + ("" if local is None else f" has local exponent {local:.2f}")
        if f.sweep == "n" and f.bound_excess is not None and f.bound_excess != f.bound_local:
            text += f", and at fixed eps its part above its own floor decays like n^{f.bound_excess:.2f}"
        if f.sweep == "n":
            side = ("decays faster than the bound: the bound's rate is not tight for this network" if hi < ref else
                    "decays more slowly than the bound" if lo > ref else "is consistent with the bound's rate")
        else:
            side = (f"grows faster in {var} than the bound" if lo > ref else
                    f"grows more slowly in {var} than the bound (or falls)" if hi < ref else
                    f"is consistent with the bound's exponent in {var}")
        text += f": the measured error {side}"
    return text + "."


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
    for (sweep, model), group in by.items():
        if len(group) > 1:
            profiles = sorted({c.profile or "custom" for c in group})
            notes.append(f"the {sweep}-sweep of {model} has {len(group)} configurations here (profiles: "
                         f"{', '.join(profiles)}): reported as separate curves, never averaged")
    fits = []
    for c in cs:
        for q in QUANTITIES:
            if q.fit and c.model not in q.fixed:
                fits += [f for f in ([fit_n(c, q)] if c.sweep == "n" else [fit_x(c, q, False), fit_x(c, q, True)])
                         if f is not None]
    ok = {r["key"] for r in records if r.get("status", "ok") == "ok"}
    failed = list({r["key"]: r for r in records if r.get("status") == "failed" and r["key"] not in ok}.values())
    return Report(pts, cs, fits, failed, notes)
