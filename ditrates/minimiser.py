r"""``eps = auto``: the eps that minimises xi inside the ranges of a reading, and the n at which xi reaches a target.

With ``y = ln(1/eps)`` and phi the log of a reading's covering term (:data:`ditrates.xi.READINGS`), xi =
e^phi + n^(-1/3) + eps^2, and d xi/dy has the sign of ``g(y) = phi + ln phi' - ln(-d eps^2/dy)``, which increases
in y (phi is increasing and convex). So xi is minimal on the reading's range ``y >= y_lo`` (the largest edge of its
ranges, :mod:`ditrates.ranges`) at the root of g, or at y_lo where g(y_lo) >= 0. sympy takes every derivative
(:func:`calculus`); scalars are computed with Python floats (the command line does not import numpy), arrays with
numpy, by the same code.

>>> from ditrates.symbols import S
>>> c = minimise("printed", {S.n: 10**5, S.L: 4, S.d: 4, S.C_delta: 1})
>>> c.eps, c.where, c.binding.label                 # min(App. F.2's 0.4458, the construction's 2^(-2))
(mpf('0.25'), 'edge', 'delta = C_delta eps^(2/d) <= 1/2')
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from typing import Any

import mpmath
import sympy

from ditrates.conditions import Condition
from ditrates.formatting import format_number, is_array
from ditrates.numerics import ln_eval, value_eval
from ditrates.ranges import AT_Y, ITERATIONS, U, Y, backend, edge_y, eps_of, scalar, shown_edge, snap
from ditrates.roots import FloatMath, MpMath, find_root
from ditrates.symbols import S
from ditrates.xi import READINGS, Reading, ranges, reading, terms

LN10 = math.log(10)
BOUNDARY_SLACK = 0.01
"""Where xi has no minimiser in its range and its infimum is a limit (eps -> 1, not attained: only when a hidden
constant lifts every range's edge to 1), ``eps = auto`` takes xi within this fraction of the infimum."""


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
    phi = sympy.expand_log(sympy.log(spec.first_term.subs(AT_Y)), force=True)
    dphi = sympy.factor(sympy.diff(phi, Y))
    lndt = sympy.expand_log(sympy.log(-sympy.diff(terms(value)[2].subs(AT_Y), Y)), force=True)
    return Calculus(phi, dphi, sympy.diff(dphi, Y), lndt, sympy.diff(lndt, Y))


class _At:
    """A reading's calculus at fixed parameters, as functions of y: floats, or numpy arrays broadcast to one shape.

    ``values`` maps symbols to numbers or arrays; ``ln_n`` is u = ln n (None where n is not needed); ``exact``
    computes scalars in mpmath, whose exponent never overflows.
    """

    def __init__(self, value, values: Mapping, ln_n=None, exact: bool = False):
        self.calc = calculus(value)
        keys = {S.L, S.d, S.C_delta}.union(*(e.free_symbols for e in dataclasses.astuple(self.calc)))
        vals = {k: v for k, v in values.items() if k in keys}
        if ln_n is not None:
            vals[U] = ln_n
        self.np = any(is_array(v) for v in vals.values())
        self.vals = {k: (v.astype(float) if is_array(v) else mpmath.mpf(v) if exact else scalar(v))
                     for k, v in vals.items()}
        self.be = backend(self.vals.values())
        if self.np:
            import numpy as np  # arrays: numpy is loaded

            self.xp = np
        else:
            self.xp = FloatMath if self.be == "float" else MpMath

    def subset(self, mask) -> _At:
        """The same calculus at the elements where ``mask`` is True (arrays broadcast to its shape first)."""
        out = object.__new__(_At)
        out.calc, out.np, out.xp, out.be = self.calc, True, self.xp, "np"
        out.vals = {k: (self.xp.broadcast_to(v, mask.shape)[mask] if is_array(v) else v) for k, v in self.vals.items()}
        return out

    def _at(self, y):
        return {**self.vals, Y: y}

    def _value(self, e, y):
        if self.np:
            return _call(_compiled(e), self._at(y))
        return value_eval(e, self._at(y), self.be)

    def _ln(self, e, y):
        if self.np:
            return _call(_compiled(sympy.expand_log(sympy.log(e), force=True)), self._at(y))
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

    def dln_xi(self, y):
        """d ln xi / dy = (e^phi phi' - 2 e^(-2y)) / xi (for Newton steps on arrays)."""
        ln_xi = self.ln_xi(y)
        return self.xp.exp(self.phi(y) + self._ln(self.calc.dphi, y) - ln_xi) - 2 * self.xp.exp(-2 * y - ln_xi)

    def ln_xi(self, y):
        """ln xi = ln(e^phi + n^(-1/3) + eps^2) at eps = e^(-y)."""
        return self.xp.logaddexp(self.xp.logaddexp(self.phi(y), -self.vals[U] / 3), -2 * y)

@functools.cache
def _compiled(e: sympy.Expr):
    """``e`` as a numpy function of its symbols (sorted by name): the grids' fast path, compiled once per expression;
    scalars take :func:`ditrates.numerics.ln_eval`'s walk instead (no compilation on the command line's path)."""
    args = sorted(e.free_symbols, key=str)
    return args, sympy.lambdify(args, e, modules="numpy")


def _call(compiled, values: Mapping):
    import numpy as np  # arrays: numpy is loaded

    args, f = compiled
    with np.errstate(over="ignore", invalid="ignore"):
        return f(*(values[a] for a in args))


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
    return snap(eps_of(y), ranges(value), values), binding


def _y_lo(at: _At, value):
    """The smallest y in every range of the reading, and the range that sets it (scalars)."""
    edges = [(edge_y(c, at.vals), c) for c in ranges(value)]
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
        """Why this eps: the reason shown beside ``eps = auto`` (scalars); an edge printed inward (typed back, it lies
        inside the range)."""
        e, title = format_number(self.eps), self.reading.title
        if self.where == "edge":
            e = shown_edge(ranges(self.reading), values, self.eps)
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
        return EpsChoice(snap(eps_of(y), ranges(value), values), value, where, at.ln_xi(y), binding)
    else:
        y, where = _y_near_limit(at, lo), "limit"
    return EpsChoice(eps_of(y), value, where, at.ln_xi(y), binding)


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
    return find_root(lambda y: at.ln_xi(y) - ln_target, lo, iterations=ITERATIONS,
                     fprime=at.dln_xi if at.np else None)


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
    out = _log10_n_to_reach(target, value, _At(value, values, 0.0))
    if out == math.inf:  # the covering term overflows float64 (DiT-XL/2): again in mpmath, which never overflows
        out = _log10_n_to_reach(target, value, _At(value, values, 0, exact=True))
    return out


def _log10_n_to_reach(target, value, at: _At):
    xp = at.xp
    y_lo, _ = _y_lo(at, value)
    if target <= 1:
        y_lo = max(y_lo, -math.log(target) / 2)
    ln_dphi = functools.partial(at._ln, at.calc.dphi)

    def bracket(y):
        gap = target - xp.exp(-2 * y)
        return xp.logaddexp(at.phi(y), 0 * y) - (xp.log(gap) if gap > 0 else -math.inf)

    def slope(y):
        gap = target - xp.exp(-2 * y)
        if gap <= 0:
            return -math.inf
        phi0 = at.phi(y)
        return xp.exp(phi0 - xp.logaddexp(phi0, 0 * y) + ln_dphi(y)) - 2 * xp.exp(-2 * y) / gap

    y = y_lo if slope(y_lo) >= 0 else find_root(slope, y_lo, iterations=ITERATIONS)
    return 3 * bracket(y) / LN10
