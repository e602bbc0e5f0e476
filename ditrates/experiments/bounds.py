"""The bounds set beside the measurements, read from the rate library's public API (no torch).

Every value here comes from ``ditrates.get(name).evaluate(...)`` or ``.exponent(...)`` at a run's parameters
with the library's defaults (hidden constants 1, ``eps`` chosen by the library, ``c0`` of the data), so a
report regenerated after a change of the library shows the new bounds beside the same measurements.

* :func:`bound_values`: a run's parameters in the library's names (the ambient baseline is the paper's
  ``d0 = D`` case of App. A, with ``c0 = lambda_min(E[x x^T]) = 0`` when ``d0 < D``).
* :func:`evaluate_bound`: the bound, or None where it does not apply (a condition fails).
* :func:`local_exponent`: ``d log bound / d log x`` for the swept ``x``, the library's defaults following ``x``.
* :func:`below`: in each reading of xi, the smallest ``n`` at which the bound falls to a given level (the
  untrained networks' error), the other parameters the run's.
* :func:`excess_exponent` and :func:`bound_floor`: at the ``eps`` the library picks at the given ``n``, held
  fixed, the bound's limit as ``n -> infinity`` and the local exponent of what lies above it, the bound's
  counterpart of the measured excess over the infinite-data floor (for Theorem 3.2: ``eps^2 / (T0 T)`` and
  ``-1/3``).
"""

from __future__ import annotations

import math

import ditrates
from ditrates.errors import DitratesError

FAR_N = "1e100000"
"""The ``n`` standing for infinity in :func:`bound_floor` (the library works in log space: Theorem 3.2's covering
term, up to 10^19730 at the sweeps' parameters, is still 10^94 at ``n = 1e300``)."""


THEORY = ("d0", "d", "n", "T0", "T", "D", "c0")
"""The runs' parameters that are parameters of the theorems (:func:`bound_values`); the others (the step cap, the
width, the optimiser) are not, and a bound is never compared along them."""


def bound_values(params: dict, c0: float, n=None) -> dict:
    """The library's parameters for a run (``n`` overrides the run's own)."""
    ambient = params["projection"] == "ambient"
    return {"d0": params["D"] if ambient else params["d0"], "d": params["d"],
            "n": params["n"] if n is None else n, "T0": params["T0"], "T": params["T"], "D": params["D"],
            "c0": 0.0 if ambient else c0}


def _call(name: str, method: str, params: dict, c0: float, *args, explicit: bool = False, **moved):
    result = ditrates.get(name)
    values = {k: v for k, v in {**bound_values(params, c0), **moved}.items() if k in result.keys}
    if params["projection"] == "ambient" and "D" not in moved:
        values.pop("D", None)  # D follows d0 = D (the displayed bound is free of D)
    try:
        if method == "evaluate":
            return result.evaluate(explicit=explicit, **values)
        return result.exponent(*args, **values)
    except DitratesError:
        return None


def evaluate_bound(name: str, params: dict, c0: float, explicit: bool = False, **moved):
    """The :class:`ditrates.Evaluation` of ``name`` at a run's parameters (plus ``moved``), or None."""
    return _call(name, "evaluate", params, c0, explicit=explicit, **moved)


def local_exponent(name: str, key: str, params: dict, c0: float) -> float | None:
    """The bound's ``d log bound / d log key`` at the run's parameters; 0 for a bound free of ``key`` (for the
    ambient baseline in a ``D`` sweep, ``d0 = D`` moves: the exponent in ``d0``); None where ``key`` is not a
    parameter of the theorems at all (the step cap, the width: nothing to compare)."""
    if key not in THEORY:
        return None  # a setting of training or of the network (the step cap, the width): no theorem's parameter
    if params["projection"] == "ambient" and key == "D":
        key = "d0"
    if key not in ditrates.get(name).keys:
        return 0.0
    return _call(name, "exponent", params, c0, key)


def _eps(name: str, params: dict, c0: float) -> dict:
    ev = evaluate_bound(name, params, c0)
    if ev is None or "eps" not in ditrates.get(name).keys:
        return {}
    return {"eps": ev.resolved.values["eps"]}


def bound_floor(name: str, params: dict, c0: float) -> float | None:
    """The bound as ``n -> infinity`` with ``eps`` held at its value for the run's ``n`` (None if it is 0
    or does not apply: a bound whose every term decays in ``n`` has no floor)."""
    fixed = _eps(name, params, c0)
    if not fixed:
        return None
    far, here = evaluate_bound(name, params, c0, n=FAR_N, **fixed), evaluate_bound(name, params, c0)
    if far is None or far.value is None or not 0 < far.value < here.value:
        return None  # no floor: the bound does not decrease to a positive limit (e.g. a log n factor)
    return float(far.value)


def excess_exponent(name: str, params: dict, c0: float, step: float = 1.1) -> float | None:
    """``d log (bound(n) - bound(infinity)) / d log n`` at the run's ``n`` with ``eps`` held fixed (a central
    difference over the integers nearest ``n / step`` and ``n step``); the local exponent for a bound without
    a floor."""
    floor = bound_floor(name, params, c0)
    if floor is None:
        return local_exponent(name, "n", params, c0)
    fixed = _eps(name, params, c0)
    n_lo, n_hi = max(1, round(params["n"] / step)), round(params["n"] * step)
    lo, hi = (evaluate_bound(name, params, c0, n=n_lo, **fixed), evaluate_bound(name, params, c0, n=n_hi, **fixed))
    if lo is None or hi is None or lo.value is None or hi.value is None:
        return None
    a, b = float(lo.value) - floor, float(hi.value) - floor
    if a <= 0 or b <= 0:
        return None
    return (math.log(b) - math.log(a)) / (math.log(n_hi) - math.log(n_lo))


def below(name: str, params: dict, c0: float, level: float) -> dict:
    """Per reading of xi of ``name`` (``None`` for a result without), the smallest ``n`` at which the bound is at
    most ``level`` with the run's other parameters (``eps = auto`` following ``n``), or None where it never is."""
    result = ditrates.get(name)
    values = {k: v for k, v in bound_values(params, c0).items() if k in result.keys and k != "n"}
    out = {}
    for reading in result.readings or (None,):
        try:
            sol = ditrates.solve(result, "n", level, **({} if reading is None else {"xi_reading": reading}), **values)
        except DitratesError:
            out[reading] = None
            continue
        out[reading] = sol.value
    return out
