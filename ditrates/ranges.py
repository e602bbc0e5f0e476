"""Ranges of eps that a derivation needs, and their edges: each bounds eps from above, found by root finding in
y = ln(1/eps) (floats and numpy arrays alike), and printed so that a number shown lies inside.

A range is a :class:`~ditrates.conditions.Condition` on eps (and L, d, hidden constants): App. F.2's
``(1/eps)^L >= 8 log2(L/eps)`` or Theorem 3.1's construction range ``C_delta eps^(2/d) <= 1/2`` (both defined with
the readings of xi, :mod:`ditrates.xi`). With ``h(y) = ln(larger side) - ln(smaller side)`` at ``eps = e^(-y)``
the range is ``h >= 0`` and h increases in y, so its edge is the root of h (:func:`edge_y`).

>>> from ditrates.conditions import Condition, rel
>>> from ditrates.symbols import S
>>> c = Condition(rel(S.eps ** 2, "<=", 1 / S.d), "example")
>>> float(edge_of([c], {S.d: 4}))
0.5
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import mpmath
import sympy

from ditrates.conditions import Condition
from ditrates.formatting import MP_DPS, format_edge, is_array
from ditrates.numerics import value_eval
from ditrates.roots import FLOAT_MAX, find_root
from ditrates.symbols import S

ITERATIONS = 200
"""Root-finding steps (float64: enough to reach adjacent floats)."""
EDGE_MARGIN = 1e-12
"""A range's edge in y is taken this fraction inside, so that the exact check of the condition accepts it."""
SNAP_DIGITS = 12
"""An edge is shown exactly where rounding it to this many significant digits stays inside every range."""
Y = sympy.Symbol("y", real=True)
"""y = ln(1/eps) >= 0."""
U = sympy.Symbol("u", real=True)
"""u = ln n."""
AT_Y = {S.eps: sympy.exp(-Y), S.n: sympy.exp(U)}
"""eps and n in terms of y and u."""


@functools.cache
def range_function(c: Condition) -> sympy.Expr:
    """h(y) = ln(larger side) - ln(smaller side) of a range at eps = e^(-y): the range is h >= 0, and h increases
    in y (every range bounds eps from above)."""
    r = c.relation
    big, small = (r.lhs, r.rhs) if isinstance(r, sympy.GreaterThan | sympy.StrictGreaterThan) else (r.rhs, r.lhs)
    return sympy.expand_log(sympy.log(big.subs(AT_Y)), force=True) - sympy.expand_log(
        sympy.log(small.subs(AT_Y)), force=True)


def edge_y(c: Condition, values: Mapping):
    """The smallest y in the range ``c`` at ``values`` (its edge, moved :data:`EDGE_MARGIN` inside), by bisection to
    adjacent floats; computed on the range's own parameters (a grid along n solves it once)."""
    vals = {k: (v.astype(float) if is_array(v) else scalar(v)) for k, v in values.items() if k in c.symbols - {S.eps}}
    if not any(is_array(v) for v in vals.values()):
        return _scalar_edge(c, tuple(sorted(vals.items(), key=lambda kv: str(kv[0]))))
    import numpy as np  # arrays: numpy is loaded

    h = functools.partial(_h, range_function(c), vals, "np")
    zero = np.zeros(np.broadcast_shapes(*(np.shape(v) for v in vals.values())))
    inside = h(zero) >= 0
    y = zero if inside.all() else np.where(inside, zero, find_root(h, zero, iterations=ITERATIONS, side="above"))
    return y * (1 + EDGE_MARGIN)


def _h(expr, vals, backend, y):
    return value_eval(expr, {**vals, Y: y}, backend)


def scalar(v):
    """A scalar as a float, or as an mpmath number where it is beyond float64 (L = 10^999)."""
    return float(v) if abs(v) < FLOAT_MAX else mpmath.mpf(v)


def backend(values) -> str:
    """The backend of :func:`ditrates.numerics.ln_eval` for these values: numpy, floats, or mpmath beyond float64."""
    if any(is_array(v) for v in values):
        return "np"
    return "mp" if any(isinstance(v, mpmath.mpf) for v in values) else "float"


@functools.lru_cache(maxsize=4096)
def _scalar_edge(c: Condition, items: tuple):
    """:func:`edge_y` for scalars, remembered (an edge depends only on L, d and the hidden constants)."""
    vals = dict(items)
    be = backend(vals.values())
    h = functools.partial(_h, range_function(c), vals, be)
    zero = 0.0 if be == "float" else mpmath.mpf(0)
    y = zero if h(zero) >= 0 else find_root(h, zero, iterations=ITERATIONS, side="above")
    return y * (1 + EDGE_MARGIN)


def eps_of(y):
    """eps = e^(-y), at the working precision for scalars (near 1, float64 would lose y's last digits)."""
    if is_array(y):
        import numpy as np  # arrays: numpy is loaded

        return np.exp(-y)
    with mpmath.workdps(MP_DPS):
        return mpmath.exp(-mpmath.mpf(y))


def edge_of(conditions, values: Mapping):
    """The largest eps inside every one of ``conditions`` (ranges that bound eps from above) at ``values``
    (scalars)."""
    return snap(eps_of(max(edge_y(c, values) for c in conditions)), conditions, values)


def snap(eps, conditions, values: Mapping):
    """eps rounded to :data:`SNAP_DIGITS` digits where that stays inside every condition (an edge of 2^(-2) is
    0.25, not 0.2499999999997); scalars only, else eps as it is."""
    if is_array(eps) or eps == 0:
        return eps
    with mpmath.workdps(MP_DPS):
        rounded = mpmath.mpf(mpmath.nstr(eps, SNAP_DIGITS))
        if rounded >= eps and all(c.holds({**values, S.eps: rounded}) for c in conditions):
            return rounded
    return eps


def shown_edge(conditions, values: Mapping, eps_hi=None) -> str:
    """The largest eps inside ``conditions`` (ranges) at ``values``, as printed: the nearest 4-digit number if it lies
    inside every one of them, else rounded down (a number shown here, typed back, is inside)."""
    if eps_hi is None:
        eps_hi = edge_of(conditions, values)
    return format_edge(eps_hi, inside=lambda e: all(c.holds({**values, S.eps: e}) for c in conditions))
