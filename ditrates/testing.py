"""Hypothesis strategies and assertions for property-based tests of code that relies on the paper's rates.

Requires hypothesis (``pip install 'ditrates[test]'``); ``import ditrates`` does not import this module.

* :func:`params` draws parameter sets that satisfy every condition of a result (and only such sets);
* :func:`assert_within_bound` checks a measured error against a bound;
* :func:`assert_rate` checks that measured errors decay at least as fast in n as the bound does.

>>> from hypothesis import given
>>> import ditrates
>>> from ditrates.testing import params
>>> @given(params("score-estimation", d0=16))
... def test_positive(p):
...     assert ditrates.get("score-estimation").evaluate(**p).log10 > -300
>>> test_positive()
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import mpmath
from hypothesis import assume
from hypothesis import strategies as st

from ditrates import xi
from ditrates.errors import DitratesError
from ditrates.formatting import format_number
from ditrates.powerlaw import fit_power
from ditrates.ranges import edge_of
from ditrates.registry import get
from ditrates.symbols import S

N_MAX_LOG10 = 12
"""``params`` draws n log-uniformly up to 10^N_MAX_LOG10."""
LOG10_N_RANGES = {"xi-tuned": (3_000, 99_000)}
"""Results valid only at larger n: xi-tuned's eps enters the ranges of Definition 3.4 as printed (eps <= 2^(-d/2)
among them) only where ln n >= 6 ln 2 * 2^(d0), so its draws also keep d0 = d L <= 14."""
SMALL_D0 = {"xi-tuned": 14}
"""The largest d0 drawn for results that hold only at astronomically large n."""


def _log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: float(10**e))


@st.composite
def _draw(draw, name: str, keys: tuple[str, ...], fixed: Mapping, log10_n: tuple[float, float],
          reading: str) -> dict:
    v: dict = dict(fixed)

    def put(key, strategy):
        if key in keys and key not in v:
            v[key] = draw(strategy)

    dims = {"d0", "d", "L"} & set(keys)
    if dims and not ({"d", "L"} <= set(keys)):
        put("d0", st.integers(1, 256))
    elif dims:
        if "d0" in v and "d" not in v and "L" not in v:
            divisors = [d for d in range(2, v["d0"]) if v["d0"] % d == 0]
            assume(divisors)
            v["d"] = draw(st.sampled_from(divisors))
        if "d0" not in v and name in SMALL_D0:
            put("d", st.integers(2, 3))
            put("L", st.integers(2, SMALL_D0[name] // v.get("d", 2)))
        if "d0" not in v:
            put("d", st.integers(2, 8))
            put("L", st.integers(2, 16))
    if "D" in keys and "D" not in v:
        d0 = v.get("d0") or v.get("d", 1) * v.get("L", 1)
        v["D"] = d0 + draw(st.integers(0, 1000))
    put("n", st.floats(*log10_n).map(lambda e: max(1, round(10**e)) if e < 300 else 10 ** round(e)))
    if "eps" in keys and "eps" not in v:
        v["eps"] = _eps_edge(name, v, reading) * draw(_log_uniform(1e-3, 1))
    if "L_h" in keys:  # Lemma F.7's hypotheses as printed need L_h < 1 and c0 > 1
        put("L_h", _log_uniform(0.05, 0.95))
        put("c0", _log_uniform(1.05, 10))
    put("c0", _log_uniform(0.1, 10))
    put("Ls", _log_uniform(0.1, 10))
    if "C_h" in keys and "C_h" not in v:
        v["C_h"] = (v.get("d0") or v.get("d", 1) * v.get("L", 1)) * draw(_log_uniform(0.1, 10))
    if "T0" in keys and "T0" not in v:
        caps = [v.get("c0", 1), 1 / v.get("Ls", 1)]
        if "L_h" in keys:
            caps += [1, 2 * math.log(1 / float(v["L_h"])), 2 * math.log(float(v["c0"]))]
        v["T0"] = min(caps) * draw(_log_uniform(1e-3, 1))
    if "T" in keys and "T" not in v:
        floor = max(2 * v.get("T0", 1), 1, 2 * math.log(float(v["C_h"]) / (v.get("d0") or 1)) if "C_h" in v else 0)
        v["T"] = floor + draw(_log_uniform(1e-3, 50))
    if "t" in keys and "t" not in v:
        t0, t1 = v.get("T0", 1e-3), v.get("T", 10)
        v["t"] = t0 + draw(st.floats(0, 1)) * (min(t1, 1e3) - t0)
    put("s", st.floats(0.5, 5))
    put("B", _log_uniform(1e-2, 10))
    if "kappa" in keys and "kappa" not in v:
        v["kappa"] = draw(st.sampled_from([1.0, 1.0 / v.get("d", 1)]))
    put("delta_F", _log_uniform(1e-9, 0.5))
    if {"L", "d0"} & set(keys) and "d0" not in keys and "L" not in v:
        v["L"] = draw(st.integers(2, 10**6))
    if "d" in keys and "d" not in v:
        v["d"] = draw(st.integers(1, 128))
    return v


def _eps_edge(name: str, v: Mapping, reading: str):
    """The largest eps inside the ranges of ``name`` that bound eps (1 where none does), at the draws so far."""
    result = get(name)
    ranges = [c for c in result.conditions_for(reading if result.forms else None)
              if S.eps in c.symbols and c.waivable]
    if not ranges:
        return 1 - 1e-9
    values = {p.symbol: v.get(p.key, 1) for p in result.symbols if p.key in v or p.hidden_constant}
    d = v.get("d") or v["d0"] // v["L"]
    values.update({S.d: d, S.L: v.get("L") or v["d0"] // d})
    return min(float(edge_of(ranges, values)), 1 - 1e-9)


def valid(name: str, values: Mapping, xi_reading: str = xi.DEFAULT.value) -> bool:
    """Whether ``values`` lie in their domains and satisfy every condition of the result ``name`` (in the
    reading of xi ``xi_reading``, for results built on xi)."""
    try:
        get(name).evaluate(xi_reading=xi_reading, **values)
    except DitratesError:
        return False
    return True


def params(name: str, *, xi_reading: str = xi.DEFAULT.value, **fixed) -> st.SearchStrategy[dict]:
    """A strategy for parameter dicts that satisfy every condition of ``name`` (``fixed`` values kept), in the
    reading of xi ``xi_reading`` for results built on it.

    Dimensions are integers with d dividing d0; eps lies inside the ranges of the reading (log-uniform over three
    decades below their edge); T0 <= min(c0, 1/Ls) and T0 < T/2, and Lemma F.7's hypotheses where the result has
    them; n is log-uniform up to 10^12 (higher for :data:`LOG10_N_RANGES`). Hidden constants keep their default 1
    unless fixed.
    """
    keys = tuple(p.key for p in get(name).symbols if not p.hidden_constant)
    draws = _draw(name, keys, fixed, LOG10_N_RANGES.get(name, (0, N_MAX_LOG10)), xi_reading)
    return draws.filter(lambda v: valid(name, v, xi_reading))


def _describe(name: str, values: Mapping) -> str:
    r = get(name)
    shown = ", ".join(f"{k}={format_number(v) if not isinstance(v, str) else v}" for k, v in values.items())
    return f"{name} ({r.source}) at {shown}"


def assert_within_bound(measured: float, name: str, **values) -> None:
    """Raise AssertionError unless ``measured <= bound`` (the bound with its hidden constants as given)."""
    ev = get(name).evaluate(**values)
    if measured > 0 and mpmath.log(measured) > ev.ln_exact:
        raise AssertionError(f"{_describe(name, values)}: measured {measured:.6g} exceeds the bound {ev.text}")


def fitted_exponent(measured_by_n: Mapping[float, float]) -> float:
    """The least-squares slope of log(measured) against log(n) (:func:`ditrates.powerlaw.fit_power`).

    >>> round(fitted_exponent({10: 1.0, 100: 0.1, 1000: 0.01}), 6)
    -1.0
    """
    if len(measured_by_n) < 2:
        raise ValueError("need errors at two or more n")
    try:
        return float(fit_power(list(measured_by_n), list(measured_by_n.values()))[0])
    except ValueError:
        raise ValueError("need errors at two or more distinct n") from None


def assert_rate(measured_by_n: Mapping[float, float], name: str, tolerance: float = 0.05, **values) -> None:
    """Raise AssertionError unless the measured errors decay at least as fast as the bound.

    The measured exponent is the least-squares slope of log error against log n; the bound's is its local
    exponent d log(bound)/d log(n) averaged over the same n (defaults follow n: T = ln n, eps = auto unless
    given). Passes when ``measured <= bound + tolerance``.
    """
    if any(e <= 0 for e in measured_by_n.values()):
        raise ValueError("measured errors must be positive")
    slope = fitted_exponent(measured_by_n)
    r = get(name)
    bound_slopes = [r.exponent("n", **dict(values, n=int(n))) for n in measured_by_n]
    bound = sum(bound_slopes) / len(bound_slopes)
    if slope > bound + tolerance:
        raise AssertionError(f"{_describe(name, values)}: measured errors decay like n^{slope:.4f}, slower than "
                             f"the bound's n^{bound:.4f} (tolerance {tolerance})")
