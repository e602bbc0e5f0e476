"""Where two rates cross as n grows (the DiT rate of Theorem 3.2 against Chen et al.'s, for the same d0).

Both rates are order-of-magnitude forms with their hidden constants set to 1, so a crossing point says
where the displayed forms cross, not where one method starts to beat the other. Defaults follow n
(``T = ln n``, ``eps = auto``), as in ``ditrates bound``.

>>> import ditrates
>>> [round(float(c.log10_n)) for c in crossings("score-estimation", "chen2023-score-estimation", d0=16)]
[62]
"""

from __future__ import annotations

import dataclasses
from typing import Any

import mpmath

from ditrates import formatting, numerics
from ditrates.defaults import resolve
from ditrates.errors import DitratesError
from ditrates.registry import get

LN_N_RANGE = (mpmath.log(3), mpmath.log(10) * formatting.MAX_DECIMAL_EXPONENT)
GRID_POINTS = 240


@dataclasses.dataclass(frozen=True)
class Crossing:
    """``a`` and ``b`` are equal at n = 10^log10_n; ``smaller_after`` is the one below for larger n."""

    a: str
    b: str
    log10_n: Any
    log10_value: Any
    smaller_after: str

    def describe(self) -> str:
        return (f"{self.a} and {self.b} cross at n = {formatting.format_log10(self.log10_n)} "
                f"(both {formatting.format_log10(self.log10_value)}); beyond it {self.smaller_after} is smaller")

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "log10_n": formatting.json_number(self.log10_n),
                "log10_value": formatting.json_number(self.log10_value), "smaller_after": self.smaller_after}


def _ln_bound(result, values: dict, ln_n):
    r = resolve(dict(values, n=mpmath.exp(ln_n)), result.keys, strict=False)
    return result.evaluate_at(r).ln


@numerics.precise
def crossings(a: str, b: str, **values) -> list[Crossing]:
    """All n (as log10) where the rates ``a`` and ``b`` cross, for n from 3 up to 10^100000.

    The difference of their logarithms is sampled on a grid of ln n that is geometric in ln n, and every
    sign change is refined by bisection. Points where either result's conditions fail are skipped.
    """
    ra, rb = get(a), get(b)
    values = {k: v for k, v in values.items() if v is not None and k != "n"}
    lo, hi = (mpmath.log(x) for x in LN_N_RANGE)
    grid = [mpmath.exp(lo + (hi - lo) * i / (GRID_POINTS - 1)) for i in range(GRID_POINTS)]

    def diff(u):
        try:
            return _ln_bound(ra, values, u) - _ln_bound(rb, values, u)
        except DitratesError:
            return None

    out = []
    prev_u, prev_f = None, None
    for u in grid:
        f = diff(u)
        if f is None:
            continue
        if prev_f is not None and (f > 0) != (prev_f > 0):
            lo_u, hi_u, f_lo = prev_u, u, prev_f
            for _ in range(80):
                mid = (lo_u + hi_u) / 2
                fm = diff(mid)
                if fm is None:
                    break
                lo_u, hi_u, f_lo = (mid, hi_u, fm) if (fm > 0) == (f_lo > 0) else (lo_u, mid, f_lo)
            u_star = (lo_u + hi_u) / 2
            out.append(Crossing(a, b, u_star / numerics.LN10, _ln_bound(ra, values, u_star) / numerics.LN10,
                                a if f < 0 else b))
        prev_u, prev_f = u, f
    return out


def no_crossing_statement(a: str, b: str, **values) -> str:
    """A plain sentence for the case without a crossing: which rate is smaller throughout."""
    values = {k: v for k, v in values.items() if v is not None and k != "n"}
    u = mpmath.log(10) * 6
    smaller = a if _ln_bound(get(a), values, u) < _ln_bound(get(b), values, u) else b
    return (f"{a} and {b} do not cross for n from 3 to 10^{formatting.MAX_DECIMAL_EXPONENT}: "
            f"{smaller} is smaller throughout")
