"""Inversion: where a bound meets a target as one parameter moves, whatever the bound's shape.

:func:`solve` finds every stretch of a search range of the parameter (defaults in :data:`RANGES`, or
``within=(lo, hi)``) where the bound is at most the target (:func:`ditrates.roots.level_set`: log-spaced samples
of ``ln(bound / target)``, then the edges where a condition starts or stops holding, the sampled local extrema
and every crossing, refined). The answer is an end of that set, as asked (``find``):

* ``"smallest"``: the smallest value that meets the target (e.g. the sample size n);
* ``"largest"``: the largest (e.g. d0 in Theorem 3.1);
* ``"auto"`` (default): the smallest, unless the bound meets the target from the start of the range on, then
  the largest.

Every stretch is kept (``Solution.stretches``, each end a crossing, the range's end, or the edge where a
condition of the result fails, named). When nothing meets the target, :class:`~ditrates.errors.Unreachable`
gives the bound's smallest value in the range and where.

Defaults that depend on the parameter follow it (``T = ln n``, ``mu = T0/100``, ``eps = auto``). Where eps is
not given, the bound is taken at the best eps: eps = auto minimises xi, but where xi has no minimiser in its
range it stops within 1% of the infimum (xi decreasing towards eps = 1), so :func:`solve` also evaluates the
bound at ``eps = 1 - (1 - auto) 1e-20`` and keeps the smaller: the answer minimises jointly over eps and the
parameter and does not depend on that slack. Integer parameters are solved exactly below 10^15: at the
returned ``n`` the bound is ``<= target`` and one step outside it is not (beyond, ``exact`` is False).
``shown`` is the answer as printed: 4 significant digits, rounded into the stretch, so that the printed
number, typed back, meets the target too.

>>> import ditrates
>>> sol = ditrates.solve("chen2023-score-estimation", "n", 0.5, d0=16)
>>> sol.value, sol.exact, sol.direction
(1449, True, 'smallest')
>>> len(str(ditrates.solve("score-estimation", "n", 100, d0=8).value))  # Def. 3.4 as printed: 645 digits
645
"""

from __future__ import annotations

import mpmath

from ditrates import formatting, numerics, roots
from ditrates.defaults import DEPENDS, resolve
from ditrates.errors import ConditionError, DitratesError, DomainError, Unreachable
from ditrates.registry import get
from ditrates.result import Result
from ditrates.solution import INFIMUM, SHOWN_DIGITS, Solution, Stretch, edge_text
from ditrates.symbols import param

RANGES = {"n": (1, "1e100000"), "eps": ("1e-9", "0.999999999"), "delta_F": ("1e-300", "0.999999999"),
          "d0": (1, "1e9"), "d": (1, "1e9"), "L": (1, "1e9"), "D": (1, "1e12")}
"""Default search ranges; any other parameter is searched over [1e-12, 1e12]."""
DEFAULT_RANGE = ("1e-12", "1e12")
SAMPLES = 240
"""Log-spaced samples of the range on which the bound is compared with the target before refinement."""
EXACT_BELOW = 10**15
EPS_LIMIT = mpmath.mpf("1e-20")
"""Where eps is free, the bound is also evaluated at ``eps = 1 - (1 - auto) EPS_LIMIT`` (see the module doc)."""
FINDS = ("auto", "smallest", "largest")


@numerics.precise
def solve(result: Result | str, key: str, target, *, within: tuple | None = None, find: str = "auto",
          xi_reading: str = "printed", **values) -> Solution:
    """Solve ``bound(key) <= target`` for ``key`` over the search range ``within = (lo, hi)`` (default
    :data:`RANGES`) and return the smallest or largest value that meets it (``find``; see the module doc)."""
    result = get(result) if isinstance(result, str) else result
    p = param(key)
    if key not in result.keys:
        raise DitratesError(f"{result.name} does not depend on {p.label}")
    if values.get(key) is not None:
        raise DitratesError(f"{p.label} is what is solved for: do not give a value for it")
    if find not in FINDS:
        raise DomainError(f"find must be one of {', '.join(FINDS)}, got {find!r}")
    target = formatting.parse_number(target, name="target")
    if target <= 0:
        raise DomainError(f"target must be > 0, got {_fmt(target)}")
    lo, hi = _search_range(p, within)
    given = {k: v for k, v in values.items() if v is not None}
    resolve(given, (), xi_reading=xi_reading)  # the given values, each in its domain and d0 = d L
    x0 = mpmath.sqrt(lo * hi) if p.integer is False else int(mpmath.sqrt(lo * hi))
    held = resolve(dict(given, **{key: x0}), result.keys, strict=False, xi_reading=xi_reading).held_for(key)
    held.pop(key)
    f = _Bound(result, key, held, target, xi_reading)
    level = roots.level_set(f, _grid(mpmath.log(lo), mpmath.log(hi)))
    if level.lowest is None:
        raise DitratesError(f"{result.name} cannot be evaluated anywhere in {p.label} in [{_fmt(lo)}, {_fmt(hi)}] "
                            "with these parameters (a condition fails throughout)")
    if not level.stretches:
        _unreachable(f, level, lo, hi)
    stretches = tuple(_in_x(f, s, dict(level.edges)) for s in level.stretches)
    direction, s = _pick(f, stretches, find, lo, hi)
    interval = (s.lo, s.hi)
    if p.integer:
        return _integer(f, direction, s, target, stretches, (lo, hi))
    x = s.lo if direction == "smallest" else s.hi
    return _solution(f, direction, x, True, target, stretches, interval, (lo, hi))


def _pick(f, stretches, find, lo, hi):
    """The direction and the stretch holding the answer; an error where the asked end is the range's end."""
    first, last = stretches[0], stretches[-1]
    label = f.p.label
    if find == "auto":
        if first.lo_end == "range" and last.hi_end == "range":
            where = " and ".join(f"[{_fmt(s.lo)}, {_fmt(s.hi)}]" for s in stretches)
            raise DitratesError(f"{f.result.name} is <= {f.target_text} for {label} in {where} of "
                                f"the search range [{_fmt(lo)}, {_fmt(hi)}], up to both its ends: nothing to solve "
                                "(widen the range to see where it rises above)")
        find = "smallest" if first.lo_end != "range" else "largest"
    s = first if find == "smallest" else last
    if (s.lo_end if find == "smallest" else s.hi_end) == "range":
        end = lo if find == "smallest" else hi
        edge = f.p.low if find == "smallest" else f.p.high
        beyond = ("no value lies beyond it" if edge is not None and abs(end - edge) <= 1e-9 * max(1, abs(edge)) else
                  f"the {find} {label} lies beyond it (widen the range)")
        raise DitratesError(f"{f.result.name} is <= {f.target_text} already at the "
                            f"{'start' if find == 'smallest' else 'end'} of the search range ({label} = {_fmt(end)}): "
                            + beyond)
    return find, s


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




class _Bound:
    """u = ln(key) -> ln(bound / target), None where the bound cannot be evaluated (a condition fails).

    Where eps is free (not given, not solved for, and the result is built on xi), the bound is the smaller of
    its values at eps = auto and at eps = 1 - (1 - auto) 1e-20 in the same reading (see the module doc)."""

    def __init__(self, result, key, held, target, xi_reading):
        self.result, self.key, self.held, self.reading = result, key, held, xi_reading
        self.ln_target, self.target_text = mpmath.log(target), formatting.format_exact(target)
        self.p = param(key)
        self.free_eps = bool(result.forms) and "eps" in result.keys and key != "eps" and "eps" not in held

    def evaluation(self, x):
        r = resolve(dict(self.held, **{self.key: x}), self.result.keys, strict=False, xi_reading=self.reading)
        return self.result.evaluate_at(r)

    def best(self, x):
        """(ln bound, the eps used or None) at x, eps at its best where it is free."""
        ev = self.evaluation(x)
        if not self.free_eps:
            return ev.ln_exact, None
        eps = ev.resolved.values["eps"]
        near = 1 - (1 - eps) * EPS_LIMIT
        try:
            r = resolve(dict(self.held, **{self.key: x, "eps": near}), self.result.keys, strict=False,
                        xi_reading=ev.reading.value if ev.reading is not None else self.reading)
            other = self.result.evaluate_at(r)
        except DitratesError:
            return ev.ln_exact, None
        return (other.ln_exact, near) if other.ln_exact < ev.ln_exact else (ev.ln_exact, None)

    def ln_bound(self, x):
        return self.best(x)[0]

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

    def meets(self, x) -> bool:
        lg = self.log10(x) if x > 0 else None
        return lg is not None and lg * numerics.LN10 <= self.ln_target

    def why_not(self, x) -> str:
        """Which condition fails at x, in words."""
        try:
            self.evaluation(x)
        except ConditionError as e:
            return f"condition {e.condition.text()} ({e.condition.source}) fails" if e.condition else str(e)
        except DitratesError as e:
            return str(e)
        return "the bound is not defined"

    def follows(self, x) -> dict:
        """The defaults that follow the parameter, at x: key -> (value, reason)."""
        try:
            ev = self.evaluation(x)
        except DitratesError:
            return {}
        moved = {k: (v, ev.resolved.reasons[k]) for k, v in ev.resolved.values.items()
                 if k in ev.resolved.reasons and k in self.result.keys and self.key in _upstream(k)}
        eps = self.best(x)[1]
        if eps is not None:
            moved["eps"] = (eps, f"{INFIMUM}, approached as eps -> 1 (eps = auto stops within 1% of it, at "
                                 f"{formatting.format_number(ev.resolved.values['eps'])}); the bound is taken there")
        return moved


def _upstream(key: str) -> set[str]:
    """Every parameter the default of ``key`` may be computed from, directly or through other defaults."""
    seen, todo = set(), list(DEPENDS.get(key, ()))
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo += DEPENDS.get(k, ())
    return seen


def _in_x(f: _Bound, s: roots.Stretch, edges: dict) -> Stretch:
    """A stretch of u = ln x as one of x, with the failing condition named at each domain end (``edges``: the
    domain's edges, inside -> outside)."""
    def why(u, end):
        return f.why_not(mpmath.exp(edges[u])) if end == "domain" and u in edges else ""

    return Stretch(mpmath.exp(s.lo), mpmath.exp(s.hi), s.lo_end, s.hi_end, why(s.lo, s.lo_end), why(s.hi, s.hi_end))


def _solution(f, direction, value, exact, target, stretches, interval, search, outside=None, excess=(None, None)):
    """The Solution, with the answer rounded to 4 significant digits into its stretch (more where the stretch
    is narrower) and the bound at that printed value."""
    shown = _shown(f, value, direction, interval)
    return Solution(f.result, f.key, target, value, direction, exact, f.log10(value), outside, interval, search,
                    excess, stretches, shown, f.log10(shown), f.follows(shown))


def _shown(f, value, direction, interval):
    """``value`` to 4 significant digits (more where needed), rounded towards the far end of its stretch, where
    the bound still meets the target."""
    up = direction == "smallest"
    far = interval[1] if up else interval[0]
    for digits in range(SHOWN_DIGITS, 40):
        x = formatting.round_inward(value, up=up, digits=digits)
        if (x <= far if up else x >= far) and f.meets(x):
            return x
    return value


def _integer(f: _Bound, direction, s: Stretch, target, stretches, search) -> Solution:
    """The exact integer answer: the bound is <= target at it and above one step outside the stretch."""
    x = s.lo if direction == "smallest" else s.hi
    m = int(mpmath.ceil(x)) if direction == "smallest" else int(mpmath.floor(x))
    interval = (s.lo, s.hi)
    if m >= EXACT_BELOW:
        return _solution(f, direction, m, False, target, stretches, interval, search)
    out = -1 if direction == "smallest" else 1  # one step outside the stretch
    far = s.hi if direction == "smallest" else s.lo
    if not f.meets(m):  # the stretch's end rounded to an integer outside it: the first integer inward that meets
        k = roots.first_true(lambda k: m - out * k < 1 or f.meets(m - out * k), 0, limit=int(abs(far - m)) + 1)
        if k is None:  # no integer of the stretch meets the target (integer parameters fix others, e.g. L = d0/d)
            return _solution(f, direction, m, False, target, stretches, interval, search)
        m = max(m - out * k, 1)
    room = m - 1 if out < 0 else int(search[1]) - m  # to the end of the search range
    if room > 0 and f.meets(m + out):  # and on to the last integer outward that still meets
        k = roots.first_true(lambda k: m + out * k < 1 or not f.meets(m + out * k), 1, limit=room + 1)
        m += out * ((room + 1 if k is None else k) - 1)
    outside = m + out if m + out >= 1 else None
    return _solution(f, direction, m, True, target, stretches, interval, search, outside and f.log10(outside),
                     (f.excess(m), outside and f.excess(outside)))


def _unreachable(f: _Bound, level: roots.LevelSet, lo, hi):
    """Raise the error for a target above the bound nowhere in the range, with the bound's minimum and where."""
    u, v = level.lowest
    value = (v + f.ln_target) / numerics.LN10
    label = f.p.label
    outside = next((out for inside, out in level.edges if inside == u), None)
    if u in level.ends:
        where, at = _fmt(mpmath.exp(u)), " (at the end of the search range: widen it)"
    elif outside is not None:
        where = edge_text(mpmath.exp(u), upper=outside > u)
        side = "beyond" if outside > u else "below"
        at = f" (where it stops being defined: {side}, {f.why_not(mpmath.exp(outside))})"
    else:
        where, at = _fmt(mpmath.exp(u)), ""
    eps = f.best(mpmath.exp(u))[1]
    raise Unreachable(f"{f.result.name} stays above {f.target_text} for {label} "
                      f"in [{_fmt(lo)}, {_fmt(hi)}]: its smallest value there is {formatting.format_log10(value)} at "
                      f"{label} = {where}{at}" + ("" if eps is None else ", with eps -> 1 (the infimum of xi)")
                      + "; the target is out of reach", float(value),
                      formatting.plain(mpmath.exp(u)) if not f.p.integer else int(mpmath.nint(mpmath.exp(u))),
                      {} if eps is None else {"eps": eps})
