"""Log-space evaluation of sympy expressions and exact evaluation for conditions (root finding: :mod:`ditrates.roots`).

The paper's bounds reach ``2^((1/eps)^(2L))``, far beyond float64. Every expression is therefore
evaluated as a pair ``(sign, ln|value|)`` by walking the sympy tree:

* products add logarithms, sums use a signed log-sum-exp, ``b^e`` becomes ``e * ln b``;
* ``exp(x)`` needs only the value of ``x``, ``log(x)`` only ``ln x``;
* the variance ``sigma(t) = 1 - exp(-t)`` uses ``log(-expm1(-t))``.

Three backends share the walk: ``"mp"`` (mpmath, 40 significant digits and an unbounded exponent, used for
single evaluations), ``"np"`` (numpy float64 arrays, used for grids) and ``"float"`` (Python floats: the scalar
twin of ``"np"``, for the root finders of the command line, which does not import numpy). A value whose logarithm
itself overflows float64 (beyond ``10^(1.8e308)``) comes back as ``inf`` from the float backends only.

>>> import sympy
>>> x = sympy.Symbol("x", positive=True)
>>> sign, ln = ln_eval(2 ** (1 / x) ** 8, {x: 0.5})
>>> sign, round(float(ln / LN10), 10)          # 2^(2^8) = 10^(256 log10 2)
(1, 77.06367889)
"""

from __future__ import annotations

import fractions
import functools
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy

from ditrates.errors import DomainError
from ditrates.formatting import MP_DPS
from ditrates.roots import FloatMath
from ditrates.symbols import sigma

LN10 = mpmath.log(10)
NEGLIGIBLE = 2.31 * MP_DPS + 20
"""A term e^(-NEGLIGIBLE) times smaller than the largest one cannot change a sum at MP_DPS digits."""


def precise(fn: Callable) -> Callable:
    """Run ``fn`` with mpmath at :data:`MP_DPS` digits (mpmath's default is 15)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with mpmath.workdps(MP_DPS):
            return fn(*args, **kwargs)

    return wrapper


# ----------------------------------------------------------------------------------------------------
# The log-space tree walk
# ----------------------------------------------------------------------------------------------------
class _MP:
    """mpmath backend: scalars, unbounded exponent."""

    zero_ln = mpmath.ninf

    @staticmethod
    def const(x):
        return mpmath.mpf(x) if not isinstance(x, mpmath.mpf) else x

    @staticmethod
    def number(num: sympy.Expr):
        if isinstance(num, sympy.Rational):
            return mpmath.mpf(int(num.p)) / int(num.q)
        return mpmath.mpf(num.evalf(MP_DPS + 5))

    log = staticmethod(mpmath.log)
    exp = staticmethod(mpmath.exp)
    expm1 = staticmethod(mpmath.expm1)
    sign = staticmethod(lambda x: int(mpmath.sign(x)))

    @staticmethod
    def logabs(x):
        return mpmath.log(abs(x)) if x != 0 else mpmath.ninf

    maximum = staticmethod(max)

    @staticmethod
    def extreme(xs, smallest: bool):
        return min(xs) if smallest else max(xs)

    @staticmethod
    def where(cond, a, b):
        return a if cond else b


class _NP:
    """numpy backend: float64 arrays, vectorised."""

    def __init__(self):
        import numpy as np

        self.np = np
        self.zero_ln = -np.inf

    def const(self, x):
        np = self.np
        if isinstance(x, np.ndarray):
            return x.astype(float)
        return np.asarray(float(x))

    def number(self, num: sympy.Expr):
        return self.np.asarray(float(num))

    def log(self, x):
        with self.np.errstate(divide="ignore", invalid="ignore"):
            return self.np.log(x)

    def exp(self, x):
        with self.np.errstate(over="ignore"):
            return self.np.exp(x)

    def expm1(self, x):
        return self.np.expm1(x)

    def sign(self, x):
        return self.np.sign(x)

    def logabs(self, x):
        with self.np.errstate(divide="ignore"):
            return self.np.log(self.np.abs(x))

    def maximum(self, xs):
        return self.np.maximum.reduce(self.np.broadcast_arrays(*xs))

    def extreme(self, xs, smallest: bool):
        f = self.np.minimum if smallest else self.np.maximum
        return f.reduce(self.np.broadcast_arrays(*xs))

    def where(self, cond, a, b):
        return self.np.where(cond, a, b)


class _Float:
    """Python-float backend: the scalar twin of :class:`_NP` (the same overflow to inf, no numpy import)."""

    zero_ln = -math.inf
    const = staticmethod(float)
    number = staticmethod(float)
    exp = staticmethod(FloatMath.exp)
    expm1 = staticmethod(math.expm1)

    @staticmethod
    def log(x):
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)

    @staticmethod
    def sign(x):
        return (x > 0) - (x < 0)

    @staticmethod
    def logabs(x):
        return math.log(abs(x)) if x != 0 else -math.inf

    maximum = staticmethod(max)
    extreme = staticmethod(_MP.extreme)  # the scalar reductions of _MP, shared
    where = staticmethod(_MP.where)


_NP_BACKEND: _NP | None = None


def _backend(name: str):
    global _NP_BACKEND
    if name == "mp":
        return _MP
    if name == "float":
        return _Float
    if name == "np":
        if _NP_BACKEND is None:
            _NP_BACKEND = _NP()
        return _NP_BACKEND
    raise ValueError(f"unknown backend {name!r}")


def ln_eval(expr: sympy.Expr, values: Mapping[sympy.Symbol, Any], backend: str = "mp"):
    """Evaluate ``expr`` as ``(sign, ln|expr|)`` with ``values`` substituted for its symbols.

    ``sign`` is -1, 0 or 1 (arrays of them with the numpy backend); ``ln`` is ``-inf`` where the value
    is 0. Raises :class:`KeyError` naming a symbol without a value.
    """
    be = _backend(backend)
    expr = sympy.sympify(expr)
    if backend == "mp":
        with mpmath.workdps(MP_DPS):  # each value converted once (an integer of 10^5 digits takes ms)
            values = {k: be.const(values[k]) for k in expr.free_symbols if k in values}
            return _walk(expr, values, be)
    if backend == "float":
        return _walk(expr, values, be)
    import numpy as np

    with np.errstate(invalid="ignore", over="ignore"):
        return _walk(expr, values, be)


def value_eval(expr: sympy.Expr, values: Mapping[sympy.Symbol, Any], backend: str = "mp"):
    """The plain value ``sign * exp(ln)`` (only for quantities known to fit in the backend's range)."""
    be = _backend(backend)
    s, ln = ln_eval(expr, values, backend)
    if backend == "mp":
        with mpmath.workdps(MP_DPS):
            return s * mpmath.exp(ln) if s != 0 else mpmath.mpf(0)
    return s * be.exp(ln)


def _plain(sl, be):
    s, ln = sl
    return s * be.exp(ln)


def _walk(e: sympy.Expr, values, be):
    if e.is_Symbol:
        if e not in values:
            raise KeyError(e)
        v = be.const(values[e])
        return be.sign(v), be.logabs(v)
    if e.is_Number or isinstance(e, sympy.NumberSymbol):
        v = be.number(e)
        return be.sign(v), be.logabs(v)
    if e.is_Mul:
        s, ln = 1, 0
        for a in e.args:
            sa, la = _walk(a, values, be)
            s, ln = s * sa, ln + la
        return s, ln
    if e.is_Add:
        terms = [_walk(a, values, be) for a in e.args]
        live = [be.where(s != 0, ln, be.zero_ln) for s, ln in terms]
        m = be.maximum(live)
        finite_m = be.where(abs(m) < float("inf"), m, 0)
        total = 0
        for (s, _), ln in zip(terms, live, strict=True):
            rel = ln - finite_m
            if be is _MP and rel < -NEGLIGIBLE:
                continue  # below the working precision; exp of a huge negative number is slow in mpmath
            total = total + s * be.exp(rel)
        s = be.sign(total)
        ln = be.where(abs(m) < float("inf"), finite_m + be.logabs(total), m)
        return s, ln
    if e.is_Pow:
        base, ex = e.args
        sb, lb = _walk(base, values, be)
        if ex.is_Integer:
            k = int(ex)
            return (sb**k if k % 2 else sb * sb), lb * k
        ev = _plain(_walk(ex, values, be), be)
        if be is _MP and sb < 0:
            raise DomainError(f"negative base in {e}")
        return sb * sb, be.where(lb == 0, 0 * lb, ev * lb)
    if isinstance(e, sympy.exp):
        return 1, _plain(_walk(e.args[0], values, be), be)
    if isinstance(e, sympy.log):
        s, ln = _walk(e.args[0], values, be)
        return be.sign(ln), be.logabs(ln)
    if isinstance(e, sigma):
        tv = _plain(_walk(e.args[0], values, be), be)
        v = -be.expm1(-tv)
        return be.sign(v), be.logabs(v)
    if isinstance(e, sympy.Min | sympy.Max):
        vals = [_plain(_walk(a, values, be), be) for a in e.args]
        v = be.extreme(vals, isinstance(e, sympy.Min))
        return be.sign(v), be.logabs(v)
    raise NotImplementedError(f"ln_eval cannot evaluate {type(e).__name__}: {e}")


# ----------------------------------------------------------------------------------------------------
# Plain (exact where possible) evaluation, for conditions
# ----------------------------------------------------------------------------------------------------
def plain_eval(e: sympy.Expr, values: Mapping[sympy.Symbol, Any]):
    """The value of ``e`` with Python arithmetic: integers and rationals stay exact (``int``,
    ``Fraction``); anything involving a float, mpf or a transcendental function becomes an mpf.

    >>> from sympy import Symbol, Rational
    >>> x = Symbol("x")
    >>> plain_eval(x / 2 + Rational(1, 3), {x: 1})
    Fraction(5, 6)
    """
    if e.is_Symbol:
        return values[e]
    if e.is_Integer:
        return int(e)
    if e is sympy.oo:
        return mpmath.inf
    if e.is_Rational:
        return fractions.Fraction(int(e.p), int(e.q))
    if e.is_Number or isinstance(e, sympy.NumberSymbol):
        return mpmath.mpf(e.evalf(MP_DPS + 5))
    args = [plain_eval(a, values) for a in e.args]
    if any(isinstance(a, mpmath.mpf) for a in args):
        args = [_mp(a) for a in args]
    if e.is_Add:
        return functools.reduce(operator.add, args)
    if e.is_Mul:
        return functools.reduce(operator.mul, args)
    if e.is_Pow:
        base, ex = args
        if isinstance(ex, int):
            return fractions.Fraction(base) ** ex if ex < 0 and not isinstance(base, mpmath.mpf) else base**ex
        return mpmath.power(_mp(base), _mp(ex))
    if isinstance(e, sympy.Min):
        return min(args)
    if isinstance(e, sympy.Max):
        return max(args)
    funcs = {sympy.log: mpmath.log, sympy.exp: mpmath.exp, sigma: lambda t: -mpmath.expm1(-t)}
    if type(e) in funcs:
        return funcs[type(e)](_mp(args[0]))
    raise NotImplementedError(f"plain_eval cannot evaluate {type(e).__name__}: {e}")


def _mp(x):
    if isinstance(x, fractions.Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    return x if isinstance(x, mpmath.mpf) else mpmath.mpf(x)
