"""Inversion: the value of a parameter at which a bound reaches a target.

For a bound that decreases in the parameter (``n``, ``T0``, ``c0`` ...) :func:`solve` returns the smallest
value with ``bound <= target``; for one that increases (``d0``, ``L``, ``L_s+`` ...) the largest. Defaults
that depend on the parameter follow it (``T = ln n``, ``eps = auto``). Integer parameters are solved
exactly: at the returned ``n`` the bound is ``<= target`` and at ``n - 1`` it is not (checked below
10^15; beyond, ``exact`` is False and ``n`` is accurate to about 30 digits).

>>> import ditrates
>>> sol = ditrates.solve("score-estimation", "n", 0.05, d0=16)
>>> sol.value, sol.exact
(7593998, True)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import mpmath

from ditrates import formatting, numerics
from ditrates.defaults import resolve
from ditrates.errors import DitratesError, DomainError
from ditrates.result import Result
from ditrates.symbols import param

START = {"n": 10**4, "d0": 16, "d": 4, "L": 4, "D": 10**3}
"""Starting points of the search where the user gives no value (otherwise the parameter's default)."""
U_MAX = mpmath.log(10) * formatting.MAX_DECIMAL_EXPONENT
EXACT_BELOW = 10**15


@dataclasses.dataclass(frozen=True)
class Solution:
    """The solved value (an int, or an mpf for reals), and log10 of the bound there and one step before."""

    result: Result
    key: str
    target: Any
    value: Any
    decreasing: bool
    exact: bool
    bound_log10: Any
    before_log10: Any = None  # at value - 1 (decreasing) or value + 1 (increasing), integers only

    @property
    def log10(self):
        return mpmath.log10(self.value)

    def describe(self) -> str:
        word = "smallest" if self.decreasing else "largest"
        return (f"{word} {param(self.key).label} with {self.result.name} <= "
                f"{formatting.format_number(self.target)}: {formatting.format_number(self.value)}")

    def to_dict(self) -> dict:
        return {"name": self.result.name, "source": self.result.source, "for": self.key,
                "target": formatting.json_number(self.target), "value": formatting.json_number(self.value),
                "log10": formatting.json_number(self.log10), "bound_log10": formatting.json_number(self.bound_log10),
                "before_log10": None if self.before_log10 is None else formatting.json_number(self.before_log10),
                "direction": "smallest" if self.decreasing else "largest", "exact": self.exact}


@numerics.precise
def solve(result: Result | str, key: str, target, **values) -> Solution:
    """Solve ``bound(key) = target`` for ``key`` (see the module docstring)."""
    from ditrates.registry import get

    result = get(result) if isinstance(result, str) else result
    p = param(key)
    if key not in result.keys:
        raise DitratesError(f"{result.name} does not depend on {p.label}")
    if key == "eps":
        raise DitratesError("xi is not monotone in eps (it is smallest at eps = auto); solve for n or T0 instead")
    if values.get(key) is not None:
        raise DitratesError(f"do not give {p.cli} when solving for it")
    target = formatting.parse_number(target, name="target")
    if target <= 0:
        raise DomainError(f"target must be > 0, got {formatting.format_number(target)}")
    ln_target = mpmath.log(target)
    given = {k: v for k, v in values.items() if v is not None}
    x0 = START.get(key)
    if x0 is None:
        x0 = resolve(given, result.keys).values[key]
    fixed = resolve(dict(given, **{key: x0}), result.keys).held_for(key)
    fixed.pop(key)

    def excess(u):
        """ln(bound / target) at key = e^u, or None outside the domain or the conditions."""
        x = mpmath.exp(u)
        if (p.low is not None and x < p.low) or (p.high is not None and x >= p.high):
            return None
        try:
            r = resolve(dict(fixed, **{key: x}), result.keys, strict=False)
            return result.evaluate_at(r).ln - ln_target
        except DitratesError:
            return None

    def below(u) -> bool:
        f = excess(u)
        return f is not None and f <= 0

    u0 = mpmath.log(x0)
    f0, h = excess(u0), mpmath.mpf("1e-6")
    up, down = excess(u0 + h), excess(u0 - h)
    if f0 is None or up is None or down is None:
        raise DitratesError(f"cannot evaluate {result.name} near {p.label} = {formatting.format_number(x0)}; "
                            f"give {p.cli}'s neighbours' values explicitly")
    if up == down:
        raise DitratesError(f"{result.name} does not change with {p.label} (with these parameters)")
    decreasing = up < down
    ok0 = f0 <= 0
    toward = (1 if decreasing else -1) * (-1 if ok0 else 1)
    u_in, step = u0, mpmath.mpf(1)
    while True:
        u = u_in + toward * step
        if abs(u) > U_MAX:
            _no_crossing(result, p, target, ok0, u_in, excess(u_in))
        if below(u) != ok0:
            break
        u_in, step = u, 2 * step
    lo, hi = sorted([u_in, u])
    ok_lo = below(lo)
    for _ in range(400):
        mid = (lo + hi) / 2
        if hi - lo < mpmath.mpf(10) ** -32 * max(1, abs(mid)):
            break
        lo, hi = (mid, hi) if below(mid) == ok_lo else (lo, mid)
    x = mpmath.exp(hi if decreasing else lo)
    if not p.integer:
        return Solution(result, key, target, x, decreasing, True, _log10_bound(result, fixed, key, x))
    return _integer(result, fixed, key, x, decreasing, target)


def _integer(result, fixed, key, x, decreasing, target) -> Solution:
    m = int(mpmath.ceil(x)) if decreasing else int(mpmath.floor(x))
    if m >= EXACT_BELOW:
        return Solution(result, key, target, m, decreasing, False, _log10_bound(result, fixed, key, m))
    ln_target = mpmath.log(target)
    back = -1 if decreasing else 1  # one step back towards the side where the bound is above target

    def ok(k):
        lg = _log10_bound(result, fixed, key, k)
        return lg is not None and lg * numerics.LN10 <= ln_target

    while not ok(m):
        m -= back
    while ok(m + back):
        m += back
    return Solution(result, key, target, m, decreasing, True, _log10_bound(result, fixed, key, m),
                    _log10_bound(result, fixed, key, m + back))


def _log10_bound(result, fixed, key, x):
    try:
        return result.evaluate(**dict(fixed, **{key: x})).log10
    except DitratesError:
        return None


def _no_crossing(result, p, target, ok0, u, f):
    where = formatting.format_log10(u / numerics.LN10)
    if ok0:
        raise DitratesError(f"{result.name} is <= {formatting.format_number(target)} for every {p.label} from the "
                            f"start up to {p.label} = {where}: nothing to solve")
    reach = "" if f is None else f" (it is {formatting.format_log10((f + mpmath.log(target)) / numerics.LN10)} there)"
    raise DitratesError(f"{result.name} stays above {formatting.format_number(target)} up to {p.label} = "
                        f"{where}{reach}: the target is out of reach")
