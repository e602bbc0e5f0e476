r"""Definition 3.4's rate xi: its readings (one table), the ranges their derivations need, and ``eps = auto``.

Definition 3.4 prints::

    xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + n^(-1/3) + eps^2

App. F.2 reaches the first term from the covering number of the DiT class::

    log N = O(eps^(-8K) L K d^2 log(nL) / delta_3^2) = O(1) 2^(8K log(L/eps)) d^2 log(nL) / delta_3^2

then writes ``K = (1/eps)^L`` "by (F.17)" and bounds ``8 (1/eps)^L log(L/eps)`` by ``(1/eps)^(2L)`` "by (1/eps)^L >=
8 log(L/eps)". Theorem 3.1, (F.4), (F.17) and Remark 3.4 give ``K = O(eps^(-2L))`` instead, so the chain to
Definition 3.4 is inconsistent; Definition 3.4 as printed is nevertheless what the paper states and proves
Theorem 3.2 with. Each reading is a row of :data:`READINGS`: its covering term, its premises (each labelled
stated, inferred or a repair, :class:`~ditrates.conditions.Support`) and the ranges of eps its derivation needs
(conditions; outside them the proof does not back the number):

* ``printed`` (the default): Definition 3.4 as stated, inside App. F.2's ``(1/eps)^L >= 8 log2(L/eps)``
  (:data:`F2_RANGE`) and Theorem 3.1's construction range ``delta = C_delta eps^(2/d) <= 1/2``
  (:data:`CONSTRUCTION_RANGE`, inferred from App. E.4-E.6: Lemma E.4 assumes ``delta^-1 >= 2`` and App. E.4
  takes ``delta = O(eps^(2/d))``).
* ``covering-line`` (a repair, only when asked for): App. F.2's covering line ``(L/eps)^(8K)`` with Theorem 3.1's
  ``K = C_K eps^(-2L)``, in the construction range, where that K is the construction's count.

No reading is chosen by comparing values: the two rest on contradictory K. The second and third terms,
``n^(-1/3) + eps^2``, are the same in every reading, so xi = n^(-1/3) (F + 1) + eps^2 with F the covering term's
n-free part; every range bounds eps from above (each range's defining function increases in y = ln(1/eps)).

``eps = auto`` minimises xi inside the reading's ranges (:func:`minimise`): with ``y = ln(1/eps)`` and phi the log
of the covering term, d xi/dy has the sign of ``g(y) = phi + ln phi' + 2y - ln 2``, increasing in y; sympy takes
every derivative (:func:`calculus`).

>>> round(float(edge(Reading.PRINTED, {S.L: 4, S.d: 4, S.C_delta: 1})[0]), 4)   # min(0.4458, 2^(-2))
0.25
>>> c = minimise(Reading.PRINTED, {S.n: 10**5, S.L: 4, S.d: 4, S.C_delta: 1})
>>> float(c.eps), c.where, c.binding is CONSTRUCTION_RANGE
(0.25, 'edge', True)
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
from collections.abc import Mapping
from typing import Any

import mpmath
import sympy

from ditrates.conditions import Condition, Premise, Support, rel
from ditrates.errors import DomainError
from ditrates.formatting import MP_DPS, format_edge, format_number, is_array
from ditrates.numerics import ln_eval, value_eval
from ditrates.roots import FloatMath, find_root
from ditrates.symbols import S

THIRD = sympy.Rational(1, 3)
LN2 = math.log(2)
LN10 = math.log(10)
BOUNDARY_SLACK = 0.01
"""Where xi has no minimiser in its range and its infimum is a limit (eps -> 1, not attained: only when a hidden
constant lifts every range's edge to 1), ``eps = auto`` takes xi within this fraction of the infimum."""
ITERATIONS = 200
"""Root-finding steps (float64: enough to reach adjacent floats)."""
EDGE_MARGIN = 1e-12
"""A range's edge in y is taken this fraction inside, so that the exact check of the condition accepts it."""


class Reading(str, enum.Enum):
    """A reading of xi: a row of :data:`READINGS`."""

    PRINTED = "printed"
    COVERING_LINE = "covering-line"

    @property
    def spec(self) -> Spec:
        return READINGS[self]

    @property
    def title(self) -> str:
        """What the reading is, in a few words.

        >>> Reading.COVERING_LINE.title
        "App. F.2's covering line with Thm 3.1's K (a repair)"
        """
        return self.spec.title


DEFAULT = Reading.PRINTED
"""The reading the paper states."""
CHOICES = tuple(r.value for r in Reading)
"""The values of ``xi_reading`` (``--xi-reading``)."""
_RETIRED = {
    "auto": "'auto' (the smaller of two readings) is no longer offered: the readings rest on contradictory values "
            "of K, and a minimum across them is backed by neither",
    "proof": "the reading 'proof' is now called 'covering-line': App. F.2's covering line with Theorem 3.1's K, a "
             "repair that is not in the paper",
}


def reading(value) -> Reading:
    """The reading named ``value`` (a :class:`Reading` or its name); a retired or unknown name is refused.

    >>> reading("printed") is Reading.PRINTED
    True
    >>> reading("auto")
    Traceback (most recent call last):
    ...
    ditrates.errors.DomainError: xi_reading: 'auto' (the smaller of two readings) is no longer offered: ...
    """
    if isinstance(value, Reading):
        return value
    if value in _RETIRED:
        raise DomainError(f"xi_reading: {_RETIRED[value]}; choose one of {', '.join(CHOICES)}")
    try:
        return Reading(value)
    except ValueError:
        raise DomainError(f"xi_reading must be one of {', '.join(CHOICES)}, got {value!r}") from None


# ----------------------------------------------------------------------------------------------------
# The ranges the derivations need
# ----------------------------------------------------------------------------------------------------
F2_SOURCE = "App. F.2 (proof of Thm 3.2), the step 'by (1/eps)^L >= 8 log(L/eps)'"
CONSTRUCTION_SOURCE = ("Theorem 3.1's construction: Lemma E.4 assumes delta^-1 >= 2, App. E.4 takes delta = "
                       "O(eps^(2/d)) (inferred from App. E.4-E.6)")


def shown_edge(conditions, values: Mapping, eps_hi=None) -> str:
    """The largest eps inside ``conditions`` (ranges) at ``values``, as printed: the nearest 4-digit number if it lies
    inside every one of them, else rounded down (a number shown here, typed back, is inside)."""
    if eps_hi is None:
        eps_hi = edge_of(conditions, values)
    return format_edge(eps_hi, inside=lambda e: all(c.holds({**values, S.eps: e}) for c in conditions))


def _f2_hint(values) -> str:
    return f"App. F.2's step holds for eps <= {shown_edge((F2_RANGE,), values)} at L = {format_number(values[S.L])}"


def _construction_hint(values) -> str:
    return (f"Theorem 3.1's construction needs delta = C_delta eps^(2/d) <= 1/2: eps <= "
            f"{shown_edge((CONSTRUCTION_RANGE,), values)} at d = {format_number(values[S.d])}, C_delta = "
            f"{format_number(values[S.C_delta])}")


F2_RANGE = Condition(rel((1 / S.eps) ** S.L, ">=", 8 * sympy.log(S.L / S.eps) / sympy.log(2)), F2_SOURCE,
                     label="(1/eps)^L >= 8 log2(L/eps)", hint=_f2_hint,
                     waivable=True)
"""Where App. F.2's last step holds (the printed reading only). The base of the log is 2: the display before it
writes eps^(-8K) L K as 2^(8K log(L/eps)), true only with log2 (with ln the edge would be 0.49 at L = 4)."""
CONSTRUCTION_RANGE = Condition(rel(S.C_delta * S.eps ** (2 / S.d), "<=", sympy.Rational(1, 2)), CONSTRUCTION_SOURCE,
                               label="delta = C_delta eps^(2/d) <= 1/2", hint=_construction_hint,
                               support=Support.INFERRED, waivable=True)
"""Where Theorem 3.1's construction, and so K = O(eps^(-2L)) blocks (Lemma E.6: O(delta^(-dL))), holds: Lemma E.4
assumes delta^-1 >= 2, and App. E.4 takes delta = O(eps^(2/d)) with the hidden constant C_delta (default 1). Every
reading, and Theorem 3.1's network size, needs it; with C_delta = 1 it reads eps <= 2^(-d/2)."""


# ----------------------------------------------------------------------------------------------------
# The table of readings
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Spec:
    """One reading of xi: its covering term (the first term of xi), a label for it, its premises and its ranges."""

    title: str
    first_term: sympy.Expr
    first_label: str
    premises: tuple[Premise, ...]
    ranges: tuple[Condition, ...]
    summary: str

    @property
    def is_repair(self) -> bool:
        """Whether a premise of the reading is not in the paper."""
        return any(p.support is Support.REPAIR for p in self.premises)


K_THEOREM = S.C_K * S.eps ** (-2 * S.L)
"""Theorem 3.1's depth K = O(eps^(-2L)) with its hidden constant C_K."""
DEFINITION = Premise("xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + n^(-1/3) + eps^2", "Definition 3.4")
K_CONTRADICTION = Premise(
    "App. F.2 puts K = (1/eps)^L into the covering exponent 'by (F.17)'; Theorem 3.1, (F.4), (F.17) and Remark 3.4 "
    "give K = O(eps^(-2L)): the chain to Definition 3.4 is inconsistent, and Definition 3.4 is what Theorem 3.2 is "
    "stated with", "App. F.2, (F.17)")
COVERING_LINE = Premise("log N = O(eps^(-8K) L K d^2 log(nL)/delta_3^2) = O(1) 2^(8K log(L/eps)) d^2 log(nL)/delta_3^2",
                        "App. F.2 (proof of Thm 3.2)")
K_STATED = Premise("K = O(eps^(-2L)) transformer blocks", "Theorem 3.1, (F.4), (F.17)")
COMBINED = Premise(
    "the covering line taken with Theorem 3.1's K = C_K eps^(-2L) instead of App. F.2's K = (1/eps)^L, and App. F.2's "
    "next step left out: n^(-1/3) (L/eps)^(8 C_K eps^(-2L)); App. F.2's line itself simplifies Lemma F.6, whose "
    "product over blocks gives a larger covering number", "not in the paper", Support.REPAIR)

READINGS: Mapping[Reading, Spec] = {
    Reading.PRINTED: Spec(
        "Def. 3.4 as printed", S.n**-THIRD * 2 ** ((1 / S.eps) ** (2 * S.L)), "n^(-1/3) 2^((1/eps)^(2L))",
        (DEFINITION, K_CONTRADICTION), (F2_RANGE, CONSTRUCTION_RANGE),
        "Definition 3.4 as the paper states it, inside App. F.2's range and Theorem 3.1's construction range"),
    Reading.COVERING_LINE: Spec(
        "App. F.2's covering line with Thm 3.1's K (a repair)", S.n**-THIRD * (S.L / S.eps) ** (8 * K_THEOREM),
        "n^(-1/3) (L/eps)^(8K)", (COVERING_LINE, K_STATED, COMBINED), (CONSTRUCTION_RANGE,),
        "a repair, not in the paper: App. F.2's covering line with Theorem 3.1's K, inside the construction range"),
}
"""Every reading of xi, once: what reads it (the Results' forms, eps = auto, the notes, the page) loops over this."""
LABELS = ("n^(-1/3)", "eps^2")
"""Labels of the second and third terms (the same in every reading)."""
EPS_TUNED = (sympy.log(S.n) / (6 * sympy.log(2))) ** (-1 / (2 * S.L))
"""Remark 3.4's tuning eps = (c ln n)^(-1/(2L)) with c = 1/(6 ln 2), so that 2^((1/eps)^(2L)) = n^(1/6)."""


def terms(value) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr]:
    """xi's three terms in a reading: the covering term, ``n^(-1/3)`` and ``eps^2``."""
    return READINGS[reading(value)].first_term, S.n**-THIRD, S.eps**2


def expr(value) -> sympy.Expr:
    """xi in a reading.

    >>> from ditrates.printing import text
    >>> text(expr("covering-line"))
    'eps^2 + (L/eps)^(8*C_K/eps^(2*L))/n^(1/3) + n^(-1/3)'
    """
    return sympy.Add(*terms(value))


def ranges(value) -> tuple[Condition, ...]:
    """The ranges a reading's derivation needs (conditions of every result built on it)."""
    return READINGS[reading(value)].ranges


RANGES = tuple(dict.fromkeys(c for spec in READINGS.values() for c in spec.ranges))
"""Every range of every reading, once."""


def only(c: Condition) -> str:
    """Which readings of xi need the range ``c``, in words, where not all ("" for every reading and non-ranges).

    >>> only(F2_RANGE), only(CONSTRUCTION_RANGE)
    (' (printed reading only)', '')
    """
    readings = readings_with(c) if c in RANGES else tuple(Reading)
    if len(readings) == len(Reading):
        return ""
    return " (" + ", ".join(r.value for r in readings) + f" reading{'s' if len(readings) > 1 else ''} only)"


def readings_with(c: Condition) -> tuple[Reading, ...]:
    """The readings whose derivation needs the range ``c``.

    >>> [r.value for r in readings_with(F2_RANGE)], len(readings_with(CONSTRUCTION_RANGE)) == len(Reading)
    (['printed'], True)
    """
    return tuple(r for r, spec in READINGS.items() if c in spec.ranges)


# ----------------------------------------------------------------------------------------------------
# Calculus in y = ln(1/eps), by sympy
# ----------------------------------------------------------------------------------------------------
Y = sympy.Symbol("y", real=True)
"""y = ln(1/eps) >= 0."""
U = sympy.Symbol("u", real=True)
"""u = ln n."""
_AT_Y = {S.eps: sympy.exp(-Y), S.n: sympy.exp(U)}


@dataclasses.dataclass(frozen=True)
class Calculus:
    """A reading's covering term in y = ln(1/eps) and u = ln n: ``phi`` = its log, ``dphi`` = phi', ``d2phi`` =
    phi'', and ``lndt`` = ln(-d eps^2/dy), so that d xi/dy has the sign of ``g = phi + ln phi' - lndt``."""

    phi: sympy.Expr
    dphi: sympy.Expr
    d2phi: sympy.Expr
    lndt: sympy.Expr
    dlndt: sympy.Expr


@functools.cache
def calculus(value) -> Calculus:
    """The derivatives :func:`minimise` needs, taken by sympy once per reading.

    >>> calculus("printed").dphi
    2*L*exp(2*L*y)*log(2)
    """
    spec = READINGS[reading(value)]
    phi = sympy.expand_log(sympy.log(spec.first_term.subs(_AT_Y)), force=True)
    dphi = sympy.factor(sympy.diff(phi, Y))
    lndt = sympy.expand_log(sympy.log(-sympy.diff(terms(value)[2].subs(_AT_Y), Y)), force=True)
    return Calculus(phi, dphi, sympy.diff(dphi, Y), lndt, sympy.diff(lndt, Y))


class _At:
    """A reading's calculus at fixed parameters, as functions of y: floats, or numpy arrays broadcast to one shape.

    ``values`` maps symbols to numbers or arrays; ``ln_n`` is u = ln n (None where n is not needed).
    """

    def __init__(self, value, values: Mapping, ln_n=None, keys=None):
        self.calc = calculus(value) if value is not None else None
        if keys is None:
            keys = {S.L, S.d, S.C_delta}.union(*(e.free_symbols for e in dataclasses.astuple(self.calc)))
        vals = {k: v for k, v in values.items() if k in keys}
        if ln_n is not None:
            vals[U] = ln_n
        self.np = any(is_array(v) for v in vals.values())
        self.vals = {k: (v.astype(float) if is_array(v) else float(v)) for k, v in vals.items()}
        if self.np:
            import numpy as np  # arrays: numpy is loaded

            self.xp = np
        else:
            self.xp = FloatMath
        self.be = "np" if self.np else "float"

    def subset(self, mask) -> _At:
        """The same calculus at the elements where ``mask`` is True (arrays broadcast to its shape first)."""
        out = object.__new__(_At)
        out.calc, out.np, out.xp, out.be = self.calc, True, self.xp, "np"
        out.vals = {k: (self.xp.broadcast_to(v, mask.shape)[mask] if is_array(v) else v) for k, v in self.vals.items()}
        return out

    def _at(self, y):
        return {**self.vals, Y: y}

    def _value(self, e, y):
        return value_eval(e, self._at(y), self.be)

    def _ln(self, e, y):
        return ln_eval(e, self._at(y), self.be)[1]

    def phi(self, y):
        return self._value(self.calc.phi, y)

    def g(self, y):
        """d xi/dy has the sign of g, which increases in y."""
        return self.phi(y) + self._ln(self.calc.dphi, y) - self._value(self.calc.lndt, y)

    def dg(self, y):
        """g' = phi' + phi''/phi' - lndt' (for Newton steps)."""
        ln_d1, ln_d2 = self._ln(self.calc.dphi, y), self._ln(self.calc.d2phi, y)
        return self.xp.exp(ln_d1) + self.xp.exp(ln_d2 - ln_d1) - self._value(self.calc.dlndt, y)

    def ln_xi(self, y):
        """ln xi = ln(e^phi + n^(-1/3) + eps^2) at eps = e^(-y)."""
        return self.xp.logaddexp(self.xp.logaddexp(self.phi(y), -self.vals[U] / 3), -2 * y)

    def edge(self, c: Condition):
        """The smallest y in the range ``c`` (its edge, moved :data:`EDGE_MARGIN` inside), by bisection to adjacent
        floats; computed on the range's own parameters (a grid along n solves it once)."""
        at = self if self.calc is None else _At(None, self.vals, keys=c.symbols - {S.eps})
        if not at.np:
            return _scalar_edge(c, tuple(sorted(at.vals.items(), key=lambda kv: str(kv[0]))))
        h = functools.partial(at._value, _range_function(c))
        zero = at.xp.zeros(at.xp.broadcast_shapes(*(v.shape for v in at.vals.values() if is_array(v))))
        inside = h(zero) >= 0
        y = zero if inside.all() else at.xp.where(inside, zero, find_root(h, zero, iterations=ITERATIONS,
                                                                          side="above"))
        return y * (1 + EDGE_MARGIN)


@functools.lru_cache(maxsize=4096)
def _scalar_edge(c: Condition, items: tuple) -> float:
    """:meth:`_At.edge` for scalars, remembered (the edge depends only on L, d and C_delta)."""
    h = functools.partial(value_eval, _range_function(c))
    vals = dict(items)

    def f(y):
        return h({**vals, Y: y}, "float")

    y = 0.0 if f(0.0) >= 0 else find_root(f, 0.0, iterations=ITERATIONS, side="above")
    return y * (1 + EDGE_MARGIN)


@functools.cache
def _range_function(c: Condition) -> sympy.Expr:
    """h(y) = ln(larger side) - ln(smaller side) of a range at eps = e^(-y): the range is h >= 0, and h increases
    in y (every range bounds eps from above)."""
    r = c.relation
    big, small = (r.lhs, r.rhs) if isinstance(r, sympy.GreaterThan | sympy.StrictGreaterThan) else (r.rhs, r.lhs)
    return sympy.expand_log(sympy.log(big.subs(_AT_Y)), force=True) - sympy.expand_log(
        sympy.log(small.subs(_AT_Y)), force=True)


def _eps_of(y):
    """eps = e^(-y), at the working precision for scalars (near 1, float64 would lose y's last digits)."""
    if is_array(y):
        import numpy as np  # arrays: numpy is loaded

        return np.exp(-y)
    with mpmath.workdps(MP_DPS):
        return mpmath.exp(-mpmath.mpf(y))


def edge(value, values: Mapping) -> tuple[Any, Condition | None]:
    """The largest eps inside every range of a reading at ``values`` (symbol -> number or array), and the range
    that sets it (scalars; None for arrays or where no range binds below 1).

    >>> e, c = edge("printed", {S.L: 4, S.d: 2, S.C_delta: 1})
    >>> round(float(e), 4), c.label                 # 2^(-1) = 0.5 > 0.4458: App. F.2's range binds
    (0.4458, '(1/eps)^L >= 8 log2(L/eps)')
    >>> edge("printed", {S.L: 4, S.d: 4, S.C_delta: 1})[0]        # exact where the edge is a short number
    mpf('0.25')
    """
    y, binding = _y_lo(_At(value, values), value)
    return _snap(_eps_of(y), ranges(value), values), binding


def edge_of(conditions, values: Mapping):
    """The largest eps inside every one of ``conditions`` (ranges that bound eps from above) at ``values``
    (scalars).

    >>> float(edge_of([CONSTRUCTION_RANGE], {S.d: 4, S.C_delta: 1, S.L: 4}))
    0.25
    """
    at = _At(None, values, keys=set().union(*(c.symbols for c in conditions)) - {S.eps})
    return _snap(_eps_of(max(at.edge(c) for c in conditions)), conditions, values)


SNAP_DIGITS = 12
"""An edge is shown exactly where rounding it to this many significant digits stays inside every range."""


def _snap(eps, conditions, values: Mapping):
    """eps rounded to :data:`SNAP_DIGITS` digits where that stays inside every condition (an edge of 2^(-2) is
    0.25, not 0.2499999999997); scalars only, else eps as it is."""
    if is_array(eps) or eps == 0:
        return eps
    with mpmath.workdps(MP_DPS):
        rounded = mpmath.mpf(mpmath.nstr(eps, SNAP_DIGITS))
        if rounded >= eps and all(c.holds({**values, S.eps: rounded}) for c in conditions):
            return rounded
    return eps


def _y_lo(at: _At, value):
    """The smallest y in every range of the reading, and the range that sets it (scalars)."""
    edges = [(at.edge(c), c) for c in ranges(value)]
    if any(is_array(y) for y, _ in edges):
        return functools.reduce(at.xp.maximum, [y for y, _ in edges]), None
    y, c = max(edges, key=lambda e: e[0])
    return y, (c if y > 0 else None)


# ----------------------------------------------------------------------------------------------------
# eps = auto
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class EpsChoice:
    """The eps that minimises xi inside a reading's ranges, where it lies, and ln xi there.

    ``where`` is ``"interior"`` (the stationary point), ``"edge"`` (the edge of the range ``binding``, attained) or
    ``"limit"`` (no range below 1 and xi decreasing towards eps = 1: eps puts xi within :data:`BOUNDARY_SLACK` of
    that infimum). For arrays, ``where`` is an array of these strings and ``binding`` is None.
    """

    eps: Any
    reading: Reading
    where: Any
    ln_xi: Any
    binding: Condition | None = None

    def describe(self, values: Mapping) -> str:
        """Why this eps: the reason shown beside ``eps = auto`` (scalars)."""
        e, title = format_number(self.eps), self.reading.title
        if self.where == "interior":
            return f"auto = {e} (minimises xi, {title}, inside its ranges)"
        if self.where == "edge":
            return (f"auto = {e}: the edge of the range {self.binding.label} ({self.binding.hint_at(values)}); xi "
                    "would be smaller at larger eps, where the proof does not back it")
        return (f"auto = {e}: {title} decreases all the way to eps = 1 (no minimiser in (0, 1)); eps puts xi within "
                f"{BOUNDARY_SLACK:.0%} of its infimum")


def minimise(value, values: Mapping) -> EpsChoice:
    """The eps inside the ranges of a reading that minimises xi(n, eps, L) at ``values`` (symbol -> number, or
    numpy arrays): n, L, d, C_delta and the reading's hidden constants.

    >>> c = minimise("printed", {S.n: 10**5, S.L: 4, S.d: 2, S.C_delta: 1})
    >>> round(float(c.eps), 4), c.where      # the unconstrained minimiser 0.894 lies outside App. F.2's range
    (0.4458, 'edge')
    """
    value, n = reading(value), values[S.n]
    if is_array(n):
        import numpy as np  # arrays: numpy is loaded

        ln_n = np.log(np.asarray(n, dtype=float))
    else:
        ln_n = float(mpmath.log(n))
    at = _At(value, values, ln_n)
    lo, binding = _y_lo(at, value)
    if at.np:
        import numpy as np  # arrays: numpy is loaded

        shape = np.broadcast_shapes(*(np.shape(v) for v in (*at.vals.values(), lo)))
        return _minimise_arrays(value, at, np.broadcast_to(lo, shape))
    if at.g(lo) < 0:
        y, where, binding = find_root(at.g, lo, iterations=ITERATIONS, fprime=at.dg), "interior", None
    elif binding is not None:
        y, where = lo, "edge"
        return EpsChoice(_snap(_eps_of(y), ranges(value), values), value, where, at.ln_xi(y), binding)
    else:
        y, where = _y_near_limit(at, lo), "limit"
    return EpsChoice(_eps_of(y), value, where, at.ln_xi(y), binding)


def _minimise_arrays(value, at: _At, lo) -> EpsChoice:
    np = at.xp
    at_lo = at.g(lo) >= 0
    y = np.array(lo, dtype=float)
    inner = ~at_lo
    if inner.any():
        sub = at.subset(inner)
        y[inner] = find_root(sub.g, lo[inner], iterations=ITERATIONS, fprime=sub.dg)
    limit = at_lo & (lo == 0)
    if limit.any():
        y[limit] = _y_near_limit(at.subset(limit), lo[limit])
    where = np.where(limit, "limit", np.where(at_lo, "edge", "interior"))
    return EpsChoice(np.exp(-y), value, where, at.ln_xi(y))


def _y_near_limit(at: _At, lo):
    """The y at which xi = (1 + slack) xi(eps -> 1), where xi increases in y."""
    ln_target = math.log1p(BOUNDARY_SLACK) + at.ln_xi(lo)
    return find_root(lambda y: at.ln_xi(y) - ln_target, lo, iterations=ITERATIONS)


def log10_n_to_reach(target: float, value, values: Mapping) -> float:
    """log10 of the smallest n at which xi(n, eps, L), minimised over eps inside the ranges of a reading, is at
    most ``target`` (scalars: L, d, C_delta and the reading's hidden constants in ``values``); ``inf`` where no n
    reaches it.

    With y = ln(1/eps) and phi_0 = phi + ln(n)/3 (the covering term's log at n = 1),
    ``xi <= target  <=>  ln n >= 3 [softplus(phi_0(y)) - ln(target - e^(-2y))]``, so ln n_min is 3 times the
    minimum over y of that bracket. Its derivative ``sigmoid(phi_0) phi_0' - 2 e^(-2y) / (target - e^(-2y))``
    increases in y (phi_0 is increasing and convex), so the minimiser is a root, or the lower end of the range.

    >>> round(log10_n_to_reach(1, "printed", {S.L: 4, S.d: 4, S.C_delta: 1}), 1)  # 3 log10(2^(4^8)/(1 - 1/16))
    59185.0
    """
    value, target = reading(value), float(target)
    at = _At(value, values, 0.0)
    y_lo, _ = _y_lo(at, value)
    if target <= 1:
        y_lo = max(y_lo, -math.log(target) / 2)
    ln_dphi = functools.partial(at._ln, at.calc.dphi)

    def bracket(y):
        gap = target - math.exp(-2 * y)
        return FloatMath.logaddexp(at.phi(y), 0.0) - (math.log(gap) if gap > 0 else -math.inf)

    def slope(y):
        gap = target - math.exp(-2 * y)
        if gap <= 0:
            return -math.inf
        phi0 = at.phi(y)
        return FloatMath.exp(phi0 - FloatMath.logaddexp(phi0, 0.0) + ln_dphi(y)) - 2 * math.exp(-2 * y) / gap

    y = y_lo if slope(y_lo) >= 0 else find_root(slope, y_lo, iterations=ITERATIONS)
    return 3 * bracket(y) / LN10
