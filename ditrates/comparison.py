"""Where a DiT rate and a baseline of the same quantity cross as n grows: on equal terms, and how far it moves.

Equal terms means one convention for both sides:

* ``displayed`` (the default): both rates as their O~ forms, every polylog(n) and poly(D, d0, d, Ls) factor
  dropped on both sides (the DiT rate's covering factor D d^2 d0^6 Ls^2 log(nL), Chen et al.'s
  (ln n)^(2 d0/(d0+5)) and log^3 n alike); ``explicit``: every factor both proofs make explicit, on both sides.
* T held at one value for both (by default ln n at the n given): Chen et al.'s rate does not depend on T, so
  letting T = ln n follow n would hand the DiT rate a 1/ln n of decay that the other side is not given.
* eps follows n (``eps = auto``, the best eps inside the ranges of the reading in force), as each baseline's own
  tuning does.

Only rates of the same quantity (:attr:`~ditrates.result.Result.bounds`) are compared (:func:`pairs`, read from
the Result objects); :func:`compare` does the whole comparison at the user's numbers and the command line only
prints it. Hidden constants are 1; the crossing's sensitivity is the interval it moves over when every hidden
constant of either rate ranges over [1e-3, 1e3] (:data:`CONSTANT_RANGE`).

>>> baselines_of("score-estimation")
('chen2023-score-estimation',)
>>> crossings("score-estimation", "chen2023-score-estimation", d0=16, n=10**5)   # on equal terms: none
[]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import mpmath
import sympy

from ditrates import formatting, numerics, report, roots, xi
from ditrates.defaults import resolve
from ditrates.errors import DitratesError
from ditrates.printing import text
from ditrates.registry import get, names, results
from ditrates.symbols import BY_SYMBOL, PARAMS

LN_N_RANGE = (mpmath.log(3), mpmath.log(10) * formatting.MAX_DECIMAL_EXPONENT)
GRID_POINTS = 80
"""Samples of ln n (geometric in ln n) on which sign changes are looked for; each is refined by bisection."""
CONSTANT_RANGE = (mpmath.mpf("1e-3"), mpmath.mpf("1e3"))
"""The range of every hidden constant in the sensitivity interval of a crossing."""


@dataclasses.dataclass(frozen=True)
class Crossing:
    """``a`` and ``b`` are equal at n = 10^log10_n; ``smaller_after`` is the one below for larger n.

    ``interval`` is (lo, hi) in log10 n: where the crossing moves with the hidden constants in
    :data:`CONSTANT_RANGE` (an end is None where, for some constants, it leaves the searched range).
    """

    a: str
    b: str
    log10_n: Any
    log10_value: Any
    smaller_after: str
    convention: str
    interval: tuple[Any, Any]

    def describe(self) -> str:
        lo, hi = (("the edge of the searched range" if x is None else formatting.format_log10(x))
                  for x in self.interval)
        return (f"{self.a} and {self.b} cross at n = {formatting.format_log10(self.log10_n)} (both "
                f"{formatting.format_log10(self.log10_value)}); beyond it {self.smaller_after} is smaller "
                f"[{self.convention}]. With every hidden constant in [1e-3, 1e3] the crossing moves over "
                f"n in [{lo}, {hi}]")

    def to_dict(self) -> dict:
        """JSON-ready; an interval end is None where the crossing leaves the searched range."""
        j = formatting.json_number
        return {"a": self.a, "b": self.b, "log10_n": j(self.log10_n), "log10_value": j(self.log10_value),
                "smaller_after": self.smaller_after, "convention": self.convention,
                "interval_log10_n": [None if x is None else j(x) for x in self.interval]}


def convention(a: str, b: str, explicit: bool, T, held=None) -> str:
    """The convention of a comparison, in words (printed beside every crossing)."""
    if explicit:
        factors = "; ".join(f"{r.name}: " + (", ".join(text(f) for _, f in r.hidden.values() if f != 1) or "none")
                            for r in (get(a), get(b)))
        terms = f"every factor the proofs make explicit ({factors})"
    else:
        terms = "O~ forms with polylog(n) and poly(D, d0, d, Ls) factors dropped on both sides"
    given = {k: v for k, v in (held or {}).items() if k in PARAMS and PARAMS[k].hidden_constant}
    consts = ("hidden constants " + ", ".join(f"{k} = {v}" for k, v in sorted(given.items())) + ", the others 1"
              if given else "hidden constants 1")
    return (f"{terms}; T = {formatting.format_number(T)} held for both; eps = auto follows n inside the ranges of xi; "
            f"{consts}")


@numerics.precise
def crossings(a: str, b: str, *, explicit: bool = False, xi_reading: str = xi.DEFAULT.value,
              **values) -> list[Crossing]:
    """Every n (as log10) from 3 to 10^100000 where the rates ``a`` and ``b`` of the same quantity cross.

    ``values`` are the parameters; T is held at its value at the given n (ln n by default), for both rates. The
    difference of the logarithms is sampled on a grid geometric in ln n and every sign change is refined by
    bisection; points where a condition of either rate fails are skipped. Each crossing carries the interval
    it moves over as the hidden constants range over :data:`CONSTANT_RANGE`: multiplicative ones shift the
    difference by up to (k_a + k_b) ln 1e3 either way (the crossing follows its monotone branch, and ends where
    the branch turns), the others (such as C_K inside xi) are evaluated at both ends of the range.
    """
    pair = _Pair(a, b, explicit, xi_reading, values)
    out = []
    for u, after in pair.base.roots():
        ends = pair.interval(u)
        out.append(Crossing(a, b, u / numerics.LN10, pair.base.ln_a(u) / numerics.LN10, after, pair.convention,
                            tuple(None if e is None else e / numerics.LN10 for e in ends)))
    return out


@numerics.precise
def no_crossing_statement(a: str, b: str, *, explicit: bool = False, xi_reading: str = xi.DEFAULT.value,
                          **values) -> str:
    """A plain sentence for the case without a crossing: which rate is smaller throughout, by how much at least
    (the smallest ratio over n, found by golden-section search around the closest sample), and whether hidden
    constants in :data:`CONSTANT_RANGE` could make them cross."""
    pair = _Pair(a, b, explicit, xi_reading, values)
    samples = [(u, f) for u, f in pair.base.samples() if f is not None]
    if not samples:
        why = "; ".join(c.failure for c in (pair.base.ca, pair.base.cb) if c.failure)
        return f"{a} and {b} are never both evaluated for n from 3 to 10^{formatting.MAX_DECIMAL_EXPONENT} ({why})"
    u_min, f_min = pair.base.closest(samples)
    smaller = a if f_min < 0 else b
    gap = formatting.format_log10(abs(f_min) / numerics.LN10)  # never exp(): f is 10^150000 at d0 = 1e6
    could = ("they can cross within that range" if abs(f_min) < pair.shift else "they still do not cross")
    return (f"{a} and {b} do not cross for n from 3 to 10^{formatting.MAX_DECIMAL_EXPONENT}: {smaller} is smaller "
            f"throughout, by a factor of at least about {gap} "
            f"(near n = {formatting.format_log10(u_min / numerics.LN10)}) "
            f"[{pair.convention}]. Hidden constants in [1e-3, 1e3] move the ratio by up to "
            f"{formatting.format_log10(pair.shift / numerics.LN10)}: {could}")


class _Curve:
    """u = ln n -> ln of one rate, with T held and some hidden constants set (None where a condition fails)."""

    def __init__(self, result, held, explicit, xi_reading, constants=None):
        self.result, self.explicit, self.reading = result, explicit, xi_reading
        keep = set(result.keys) | {"d", "L", "d0"}
        self.held = {k: v for k, v in {**held, **(constants or {})}.items() if k in keep}
        self._cache: dict = {}
        self.failure = ""
        """The last reason a point could not be evaluated (a failed condition)."""

    def __call__(self, u):
        if u not in self._cache:
            try:
                res = resolve(dict(self.held, n=mpmath.exp(u)), self.result.keys, strict=False,
                              xi_reading=self.reading)
                self._cache[u] = self.result.evaluate_at(res, explicit=self.explicit).ln_exact
            except DitratesError as e:
                self._cache[u] = None
                self.failure = str(e)
        return self._cache[u]


class _Diff:
    """u -> ln a(n) - ln b(n) on the grid geometric in ln n, its roots and its monotone branches."""

    def __init__(self, ca: _Curve, cb: _Curve):
        self.ca, self.cb = ca, cb

    def ln_a(self, u):
        return self.ca(u)

    def __call__(self, u):
        fa, fb = self.ca(u), self.cb(u)
        return None if fa is None or fb is None else fa - fb

    def samples(self) -> list[tuple[Any, Any]]:
        lo, hi = (mpmath.log(x) for x in LN_N_RANGE)
        grid = (mpmath.exp(lo + (hi - lo) * i / (GRID_POINTS - 1)) for i in range(GRID_POINTS))
        return [(u, self(u)) for u in grid]

    def closest(self, samples):
        """The (u, difference) where |difference| is smallest: the closest sample, refined by golden-section search
        between its neighbours (without a crossing the difference keeps one sign)."""
        i = min(range(len(samples)), key=lambda k: abs(samples[k][1]))
        u_i, f_i = samples[i]
        sign = 1 if f_i > 0 else -1

        def gap(u):
            f = self(u)
            return None if f is None else sign * f

        best = roots.golden_min(gap, samples[max(i - 1, 0)][0], samples[min(i + 1, len(samples) - 1)][0])
        return (best[0], sign * best[1]) if best is not None and best[1] < abs(f_i) else (u_i, f_i)

    def solve(self, level, u0, u1):
        """The u in [u0, u1] where the difference equals ``level`` (a sign change of f - level there)."""
        up = (self(u1) or 0) > level

        def f(v):
            fv = self(v)
            return mpmath.inf if fv is None else (fv - level if up else level - fv)

        lo, hi = roots.bisect(f, u0, u1, iterations=60)
        return (lo + hi) / 2

    def roots(self) -> list[tuple[Any, str]]:
        """(u, the rate smaller beyond it) at every sign change, refined by bisection in u."""
        out, prev = [], None
        for u, f in self.samples():
            if f is None:
                continue
            if prev is not None and (f > 0) != (prev[1] > 0):
                out.append((self.solve(0, prev[0], u), self.ca.result.name if f < 0 else self.cb.result.name))
            prev = (u, f)
        return out

    def branch(self, u_root, shift):
        """How far a root at ``u_root`` moves when the difference is shifted by any amount in [-shift, shift]:
        along the monotone branch through it, to where the difference is +-shift, or where the branch turns
        (there the crossing disappears). An end is None where the branch leaves the searched range."""
        samples = [(u, f) for u, f in self.samples() if f is not None]
        i = next(k for k, (u, _) in enumerate(samples) if u > u_root)
        rising = samples[i][1] > 0
        ends = []
        for step, start in ((-1, i - 1), (1, i)):
            k, end = start, None
            while 0 <= k < len(samples):
                u, f = samples[k]
                outward = f if (step > 0) == rising else -f  # grows away from the root along the branch
                if outward >= shift:
                    end = self.solve(shift if outward == f else -shift, *sorted((samples[k - step][0], u)))
                    break
                nxt = k + step
                if 0 <= nxt < len(samples):
                    f_next = samples[nxt][1] if (step > 0) == rising else -samples[nxt][1]
                    if f_next < outward:  # the branch turns: the crossing disappears here
                        end = u
                        break
                k = nxt
            ends.append(end)
        return tuple(ends)


class _Pair:
    """A DiT rate and a baseline of the same quantity, compared on equal terms (see the module docstring)."""

    def __init__(self, a, b, explicit, xi_reading, values):
        self.ra, self.rb = get(a), get(b)
        if self.ra.bounds != self.rb.bounds:
            raise DitratesError(f"{a} bounds the {self.ra.bounds} and {b} the {self.rb.bounds}: they are not "
                                "compared")
        values = {k: v for k, v in values.items() if v is not None}
        if "T" not in values:
            if "n" not in values:
                raise DitratesError("give n (or T): T = ln n is held at the given n for both rates")
            values["T"] = resolve({"n": values["n"]}, ["T"]).values["T"]
        values.pop("n", None)
        self.held, self.explicit, self.reading = values, explicit, xi_reading
        self.base = self._diff({})
        self.convention = convention(a, b, explicit, values["T"], values)
        self.shift = mpmath.log(CONSTANT_RANGE[1]) * (len(_multiplicative(self.ra)) + len(_multiplicative(self.rb)))
        multiplicative = {BY_SYMBOL[s].key for r in (self.ra, self.rb) for s in _multiplicative(r)}
        inner = sorted({p.key for r in (self.ra, self.rb) for p in r.symbols if p.hidden_constant} - multiplicative)
        self.settings = [{}] + ([dict.fromkeys(inner, c) for c in CONSTANT_RANGE] if inner else [])

    def _diff(self, constants) -> _Diff:
        return _Diff(_Curve(self.ra, self.held, self.explicit, self.reading, constants),
                     _Curve(self.rb, self.held, self.explicit, self.reading, constants))

    def interval(self, u0) -> tuple[Any, Any]:
        """Where the crossing at ``u0`` moves with every hidden constant in :data:`CONSTANT_RANGE`."""
        los, his = [], []
        for constants in self.settings:
            d = self.base if not constants else self._diff(constants)
            roots = [u for u, _ in d.roots()]
            if not roots:
                continue
            lo, hi = d.branch(min(roots, key=lambda r: abs(r - u0)), self.shift)
            los.append(lo)
            his.append(hi)
        lo = None if None in los else min(los)
        hi = None if None in his else max(his)
        return lo, hi


def _multiplicative(result) -> list[sympy.Symbol]:
    """The hidden constants that multiply the whole expression of ``result`` (in every reading)."""
    forms = [result.displayed_expr(reading=r) for r in (result.readings or (None,))]
    return [p.symbol for p in result.symbols if p.hidden_constant
            and all(f.is_Mul and p.symbol in f.args for f in forms)]


def pairs(result_names) -> list[tuple[str, str]]:
    """The (DiT rate, baseline) pairs among ``result_names`` that bound the same quantity: the only ones compared."""
    rs = [get(n) for n in result_names]
    return [(a.name, b.name) for a in rs if a.kind != "baseline" for b in rs
            if b.kind == "baseline" and a.bounds == b.bounds]


def baselines_of(name: str) -> tuple[str, ...]:
    """The baselines that bound the same quantity as the result ``name`` (read from the Result objects)."""
    r = get(name)
    return tuple(b.name for b in results("baselines") if b.bounds == r.bounds and r.kind != "baseline"
                 and b.kind == "baseline")


def compared() -> tuple[str, ...]:
    """Every statistical rate that has a baseline, each followed by its baselines (what ``compare`` evaluates).

    >>> compared()
    ('score-estimation', 'chen2023-score-estimation', 'tv-recovery', 'chen2023-tv', 'oko2023-tv', 'hu2025-latent-tv')
    """
    return tuple(n for a in names("statistical") if baselines_of(a) for n in (a, *baselines_of(a)))


@dataclasses.dataclass(frozen=True)
class Pairing:
    """A DiT rate and a baseline of the same quantity: their crossings in n, or a sentence where there is none."""

    a: str
    b: str
    crossings: tuple[Crossing, ...]
    no_crossing: str | None

    def sentences(self) -> list[str]:
        return [c.describe() for c in self.crossings] or [self.no_crossing]

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "crossings": [c.to_dict() for c in self.crossings],
                "no_crossing": self.no_crossing}


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The DiT rates beside their baselines at one set of numbers (see the module docstring): the rows, each row's
    local exponent in n (T held, eps = auto following n; None for a failed row) and every pairing."""

    report: report.Report
    exponents: tuple[float | None, ...]
    pairings: tuple[Pairing, ...]
    T: Any

    def to_dict(self) -> dict:
        doc = self.report.to_dict()
        doc["results"] = [dict(d, exponent_n=s, bounds=row.result.bounds)
                          for d, s, row in zip(doc["results"], self.exponents, self.report.rows, strict=True)]
        return {**doc, "comparisons": [p.to_dict() for p in self.pairings]}


@numerics.precise
def compare(params: Mapping[str, Any], *, explicit: bool = False, xi_reading: str = xi.DEFAULT.value,
            outside_range: bool = False) -> Comparison:
    """Every rate of :func:`compared` at ``params`` (numbers or numeric strings), with local exponents and crossings
    on equal terms (T held at its value at the given n for both sides)."""
    rep = report.evaluate(compared(), params, explicit=explicit, xi_reading=xi_reading, outside_range=outside_range)
    T = rep.resolved.values.get("T")
    held = dict(params, T=params.get("T") or str(T))
    slopes = tuple(row.result.exponent("n", explicit=explicit, xi_reading=xi_reading, outside_range=outside_range,
                                       **held) if row.ok else None for row in rep.rows)
    found = []
    for a, b in pairs(compared()):
        cs = tuple(crossings(a, b, explicit=explicit, xi_reading=xi_reading, **params))
        found.append(Pairing(a, b, cs, None if cs else no_crossing_statement(a, b, explicit=explicit,
                                                                             xi_reading=xi_reading, **params)))
    return Comparison(rep, slopes, tuple(found), T)
