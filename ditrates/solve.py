"""Inversion: where a bound reaches a target as one parameter moves, for monotone bounds and others.

:func:`solve` samples ``ln(bound / target)`` over a search range of the parameter (log-spaced; defaults in
:data:`RANGES`, or ``within=(lo, hi)``), finds the first stretch where the bound is at most the target, and
refines its ends by bisection:

* if the bound falls to the target inside the range, the answer is the smallest value that reaches it
  (``direction="smallest"``: e.g. the sample size n);
* if the bound is below the target from the start of the range and rises above it, the answer is the largest
  value that keeps it there (``direction="largest"``: e.g. d0 in Theorem 3.1);
* otherwise there is no answer, and the error says why with numbers: the bound's minimum over the range (and
  where) when the target is below it, or that the bound is below the target over the whole range.

Defaults that depend on the parameter follow it (``T = ln n``, ``eps = auto``). Integer parameters are solved
exactly: at the returned ``n`` the bound is ``<= target`` and one step outside it is not (checked below 10^15;
beyond, ``exact`` is False and the integer is accurate to about 30 digits). Where the stretch also ends inside
the range (a bound that falls and rises again), ``interval`` holds both ends.

>>> import ditrates
>>> sol = ditrates.solve("chen2023-score-estimation", "n", 0.5, d0=16)
>>> sol.value, sol.exact, sol.direction
(1449, True, 'smallest')
>>> len(str(ditrates.solve("score-estimation", "n", 100, d0=8).value))  # Def. 3.4 as printed: 645 digits
645
"""

from __future__ import annotations

import dataclasses
from typing import Any

import mpmath

from ditrates import formatting, numerics
from ditrates.defaults import resolve
from ditrates.errors import DitratesError, DomainError, Unreachable
from ditrates.registry import get
from ditrates.result import Result
from ditrates.symbols import param

RANGES = {"n": (1, "1e100000"), "eps": ("1e-9", "0.999999999"), "delta_F": ("1e-300", "0.999999999"),
          "d0": (1, "1e9"), "d": (1, "1e9"), "L": (1, "1e9"), "D": (1, "1e12")}
"""Default search ranges; any other parameter is searched over [1e-12, 1e12]."""
DEFAULT_RANGE = ("1e-12", "1e12")
SAMPLES = 240
"""Log-spaced samples of the range on which the bound is compared with the target before bisection."""
EXACT_BELOW = 10**15


@dataclasses.dataclass(frozen=True)
class Solution:
    """Where ``result`` reaches ``target`` as ``key`` moves.

    ``value`` is the answer (an int for integer parameters, else an mpf; see ``direction``), ``interval`` the
    whole first stretch of the range where the bound is at most the target (an end is None where the stretch
    reaches the range's end), ``bound_log10`` log10 of the bound at ``value`` and ``outside_log10`` at the
    neighbouring integer outside the stretch (integers below 10^15 only).
    """

    result: Result
    key: str
    target: Any
    value: Any
    direction: str  # "smallest" or "largest"
    exact: bool
    bound_log10: Any
    outside_log10: Any = None
    interval: tuple[Any, Any] = (None, None)
    search_range: tuple[Any, Any] = (None, None)
    excess: tuple[Any, Any] = (None, None)  # bound/target - 1 at value and one step outside (exact integers)

    def __post_init__(self):  # Python ints and floats out, whatever the arithmetic inside
        integer = param(self.key).integer

        def plain(x, whole=False):
            if x is None:
                return None
            return int(mpmath.nint(x)) if whole else formatting.plain(x)

        for name in ("target", "bound_log10", "outside_log10"):
            object.__setattr__(self, name, plain(getattr(self, name)))
        object.__setattr__(self, "excess", tuple(plain(x) for x in self.excess))
        object.__setattr__(self, "value", plain(self.value, integer))
        for name in ("interval", "search_range"):
            object.__setattr__(self, name, tuple(plain(x, integer) for x in getattr(self, name)))

    @property
    def decreasing(self) -> bool:
        return self.direction == "smallest"

    @property
    def log10(self) -> float:
        return float(mpmath.log10(self.value))

    def describe(self) -> str:
        label, fmt = param(self.key).label, formatting.format_number
        shown = str(self.value) if isinstance(self.value, int) and self.exact else fmt(self.value)
        line = f"{self.direction} {label} with {self.result.name} <= {fmt(self.target)}: {shown}"
        lo, hi = self.interval
        other = hi if self.direction == "smallest" else lo
        if other is not None:
            line += (f" (the bound rises above the target again beyond {label} = {fmt(other)})"
                     if self.direction == "smallest" else f" (and from {label} = {fmt(other)})")
        return line

    def __repr__(self) -> str:
        return (f"Solution({self.result.name}: {self.direction} {self.key} = {formatting.format_number(self.value)} "
                f"with bound <= {formatting.format_number(self.target)})")

    def _repr_html_(self) -> str:
        return f"<code>{self.describe()}</code>"

    def to_dict(self) -> dict:
        j = formatting.json_number
        return {"name": self.result.name, "source": self.result.source, "for": self.key, "target": j(self.target),
                "value": j(self.value), "log10": self.log10, "bound_log10": j(self.bound_log10),
                "outside_log10": None if self.outside_log10 is None else j(self.outside_log10),
                "excess": [None if x is None else j(x) for x in self.excess],
                "direction": self.direction, "exact": self.exact,
                "interval": [None if x is None else j(x) for x in self.interval],
                "search_range": [j(x) for x in self.search_range]}


@numerics.precise
def solve(result: Result | str, key: str, target, *, within: tuple | None = None, xi_reading: str = "printed",
          **values) -> Solution:
    """Solve ``bound(key) = target`` for ``key`` over the search range ``within = (lo, hi)`` (default
    :data:`RANGES`; see the module docstring)."""
    result = get(result) if isinstance(result, str) else result
    p = param(key)
    if key not in result.keys:
        raise DitratesError(f"{result.name} does not depend on {p.label}")
    if values.get(key) is not None:
        raise DitratesError(f"{p.label} is what is solved for: do not give a value for it")
    target = formatting.parse_number(target, name="target")
    if target <= 0:
        raise DomainError(f"target must be > 0, got {formatting.format_number(target)}")
    lo, hi = _search_range(p, within)
    given = {k: v for k, v in values.items() if v is not None}
    x0 = mpmath.sqrt(lo * hi) if p.integer is False else int(mpmath.sqrt(lo * hi))
    fixed = resolve(dict(given, **{key: x0}), result.keys, xi_reading=xi_reading).held_for(key)
    fixed.pop(key)
    f = _Excess(result, key, fixed, mpmath.log(target), xi_reading, p)
    samples = [(u, f(u)) for u in _grid(mpmath.log(lo), mpmath.log(hi))]
    live = [(u, v) for u, v in samples if v is not None]
    if not live:
        raise DitratesError(f"{result.name} cannot be evaluated anywhere in {p.label} in [{_fmt(lo)}, {_fmt(hi)}] "
                            "with these parameters (a condition fails throughout)")
    first = next((i for i, (_, v) in enumerate(live) if v <= 0), None)
    if first is None:
        _unreachable(result, p, target, f, live, lo, hi)
    start = None if first == 0 else f.edge(live[first - 1][0], live[first][0], entering=True)
    last = next((i for i in range(first, len(live)) if live[i][1] > 0), None)
    end = None if last is None else f.edge(live[last - 1][0], live[last][0], entering=False)
    if start is None and end is None:
        raise DitratesError(f"{result.name} is <= {_fmt(target)} for every {p.label} in [{_fmt(lo)}, {_fmt(hi)}]: "
                            "nothing to solve (widen the range to see where it rises above)")
    direction = "smallest" if start is not None else "largest"
    u = start if start is not None else end
    interval = tuple(None if e is None else mpmath.exp(e) for e in (start, end))
    if p.integer:
        return _integer(f, direction, u, target, interval, (lo, hi))
    x = mpmath.exp(u)
    return Solution(result, key, target, x, direction, True, f.log10(x), interval=interval, search_range=(lo, hi))


def _grid(ulo, uhi) -> list:
    """Samples of u = ln x: half evenly spaced, half geometric in u - ulo (so that a range such as n up to
    10^100000 is also sampled at n = 10, 100, ...)."""
    half = SAMPLES // 2
    even = [ulo + (uhi - ulo) * i / (half - 1) for i in range(half)]
    span = mpmath.log(uhi - ulo + 1)
    geometric = [ulo - 1 + mpmath.exp(span * i / (half - 1)) for i in range(half)]
    return sorted(set(even) | {min(max(u, ulo), uhi) for u in geometric})


def _search_range(p, given) -> tuple:
    raw = given if given is not None else RANGES.get(p.key, DEFAULT_RANGE)
    lo, hi = (mpmath.mpf(formatting.parse_number(x, name=f"the range of {p.label}")) for x in raw)
    floor = mpmath.mpf(p.low) if p.low is not None else mpmath.mpf("1e-300")
    lo = max(lo, floor if not p.open_low else floor * (1 + mpmath.mpf("1e-12")) + mpmath.mpf("1e-300"))
    if p.high is not None:
        hi = min(hi, mpmath.mpf(p.high) * (1 - mpmath.mpf("1e-12")))
    if not 0 < lo < hi:
        raise DomainError(f"the range of {p.label} must be lo:hi with 0 < lo < hi inside its domain "
                          f"({p.domain_text()}), got {_fmt(lo)}:{_fmt(hi)}")
    return lo, hi


def _fmt(x) -> str:
    return formatting.format_number(x)


class _Excess:
    """u = ln(key) -> ln(bound / target), None where the bound cannot be evaluated (a condition fails)."""

    def __init__(self, result, key, fixed, ln_target, xi_reading, p):
        self.result, self.key, self.fixed, self.ln_target, self.reading, self.p = (result, key, fixed, ln_target,
                                                                                  xi_reading, p)

    def ln_bound(self, x):
        r = resolve(dict(self.fixed, **{self.key: x}), self.result.keys, strict=False, xi_reading=self.reading)
        return self.result.evaluate_at(r).ln_exact

    def __call__(self, u):
        try:
            return self.ln_bound(mpmath.exp(u)) - self.ln_target
        except DitratesError:
            return None

    def log10(self, x):
        try:
            return self.ln_bound(x) / numerics.LN10
        except DitratesError:
            return None

    def excess(self, x):
        """bound(x)/target - 1, at the working precision (visible where log10 in floats is not)."""
        try:
            return mpmath.expm1(self.ln_bound(x) - self.ln_target)
        except DitratesError:
            return None

    def below(self, u) -> bool:
        v = self(u)
        return v is not None and v <= 0

    def edge(self, u_out, u_in, *, entering: bool):
        """The point between a sample above the target (u_out) and one at or below it (u_in), by bisection."""
        lo, hi = sorted((u_out, u_in))
        ok_lo = self.below(lo)
        for _ in range(400):
            mid = (lo + hi) / 2
            if hi - lo < mpmath.mpf(10) ** -32 * max(1, abs(mid)):
                break
            lo, hi = (mid, hi) if self.below(mid) == ok_lo else (lo, mid)
        return hi if entering == (u_in > u_out) else lo


def _integer(f: _Excess, direction, u, target, interval, search) -> Solution:
    """The exact integer answer: the bound is <= target at it and above one step outside the stretch."""
    x = mpmath.exp(u)
    m = int(mpmath.ceil(x)) if direction == "smallest" else int(mpmath.floor(x))
    if m >= EXACT_BELOW:
        return Solution(f.result, f.key, target, m, direction, False, f.log10(m), interval=interval,
                        search_range=search)
    out = -1 if direction == "smallest" else 1  # one step outside the stretch

    def ok(k):
        lg = f.log10(k) if k >= 1 else None
        return lg is not None and lg * numerics.LN10 <= mpmath.log(target)

    while not ok(m) and m - out >= 1:
        m -= out
    while m + out >= 1 and ok(m + out):
        m += out
    outside = m + out if m + out >= 1 else None
    return Solution(f.result, f.key, target, m, direction, True, f.log10(m), outside and f.log10(outside), interval,
                    search, (f.excess(m), outside and f.excess(outside)))


def _unreachable(result, p, target, f: _Excess, live, lo, hi):
    """Raise the error for a target below the bound everywhere in the range, with the bound's minimum."""
    i = min(range(len(live)), key=lambda k: live[k][1])
    a, b = live[max(0, i - 1)][0], live[min(len(live) - 1, i + 1)][0]
    u = _golden(f, a, b, live[i][0])
    best = min(f(u) if f(u) is not None else mpmath.inf, live[i][1])
    where = mpmath.exp(u if best != live[i][1] else live[i][0])
    value = (best + f.ln_target) / numerics.LN10
    at_edge = " (at the end of the search range: widen it)" if i in (0, len(live) - 1) else ""
    raise Unreachable(f"{result.name} stays above {_fmt(target)} for {p.label} in [{_fmt(lo)}, {_fmt(hi)}]: its "
                      f"smallest value there is {formatting.format_log10(value)} at {p.label} = {_fmt(where)}"
                      f"{at_edge}; the target is out of reach", float(value), formatting.plain(where)
                      if not p.integer else int(mpmath.nint(where)))


def _golden(f: _Excess, a, b, start, iterations: int = 60):
    """The minimiser of f on [a, b] by golden-section search (f unimodal near the sampled minimum)."""
    g = (mpmath.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)

    def val(u):
        v = f(u)
        return mpmath.inf if v is None else v

    fc, fd = val(c), val(d)
    for _ in range(iterations):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = val(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = val(d)
    return (a + b) / 2 if min(fc, fd) < mpmath.inf else start
