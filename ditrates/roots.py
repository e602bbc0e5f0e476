"""Root finding on increasing functions, for Python floats and numpy arrays alike: bisection with a
bracketing front end (:func:`find_root`, :func:`bisect`), Newton steps kept inside the bracket for arrays, and
:class:`FloatMath`, the float twin of the few numpy functions the vectorised callers use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath

from ditrates.formatting import is_array


class FloatMath:
    """The few numpy functions that vectorised code uses, for Python floats: the command line's scalar path
    uses these and so does not import numpy (150 ms). ``exp`` overflows to ``inf`` as numpy's does.

    >>> FloatMath.exp(1000.0), FloatMath.logaddexp(0.0, 0.0) == math.log(2)
    (inf, True)
    """

    log = staticmethod(math.log)
    log1p = staticmethod(math.log1p)

    @staticmethod
    def exp(x: float) -> float:
        return math.exp(x) if x < 709.78 else math.inf

    @staticmethod
    def logaddexp(a: float, b: float) -> float:
        m = max(a, b)
        return m if m == math.inf else m + math.log1p(math.exp(min(a, b) - m))


class MpMath:
    """The same few functions for mpmath numbers: the scalar path for inputs beyond float64 (L = 10^999).

    >>> float(MpMath.logaddexp(MpMath.log(2), MpMath.log(3)) - MpMath.log(5)) < 1e-14
    True
    """

    log = staticmethod(mpmath.log)
    log1p = staticmethod(mpmath.log1p)
    exp = staticmethod(mpmath.exp)

    @staticmethod
    def logaddexp(a, b):
        m, gap = max(a, b), min(a, b) - max(a, b)
        return m if mpmath.isinf(m) or gap < -1e4 else m + mpmath.log1p(mpmath.exp(gap))


FLOAT_MAX = 1e300
"""Scalars above this run in mpmath (:class:`MpMath`) rather than floats."""


def bisect(f: Callable[[Any], Any], lo, hi, *, iterations: int = 200, tol: float = 0.0):
    """Find ``x`` in ``[lo, hi]`` with ``f(x) = 0`` for ``f`` increasing, ``f(lo) <= 0 <= f(hi)``.

    Returns the bracket ``(lo, hi)`` after ``iterations`` halvings (or once ``hi - lo <= tol``, or once the
    bracket, every bracket for arrays, holds adjacent numbers):
    ``f(lo) <= 0 < f(hi)`` still holds. Works elementwise on numpy arrays (each element is bisected
    independently).

    >>> lo, hi = bisect(lambda x: x * x - 2, 0.0, 2.0)
    >>> round(lo, 12), hi - lo < 1e-15
    (1.414213562373, True)
    """
    for _ in range(iterations):
        mid = (lo + hi) / 2
        neg = f(mid) <= 0
        if is_array(neg):
            import numpy as np  # vectorised callers have numpy loaded already

            if np.all((mid == lo) | (mid == hi) | (hi - lo <= tol)):  # every bracket holds adjacent numbers
                break
            lo, hi = np.where(neg, mid, lo), np.where(neg, hi, mid)
        else:
            if mid == lo or mid == hi:  # adjacent numbers: no further progress is possible
                break
            lo, hi = (mid, hi) if neg else (lo, mid)
            if hi - lo <= tol:
                break
    return lo, hi


def find_root(f: Callable[[Any], Any], lo, *, step: float = 1.0, iterations: int = 200,
              side: str = "mid", max_doublings: int = 2000, fprime: Callable[[Any], Any] | None = None):
    """The root of an increasing ``f`` on ``[lo, inf)`` with ``f(lo) <= 0``: a bracketing front end (``hi =
    lo + step``, the step doubled until ``f(hi) > 0``), then :func:`bisect`. Elementwise on numpy arrays.

    ``side`` picks what is returned: ``"mid"`` the midpoint of the final bracket, ``"below"`` its end with
    ``f <= 0``, ``"above"`` its end with ``f > 0``. Raises :class:`ArithmeticError` if no sign change is found.
    With ``fprime``, Newton steps kept inside the bracket replace the halvings (:func:`_newton_in_bracket`): the
    same root in a few steps instead of about sixty.

    >>> round(find_root(lambda x: x**3 - 1000, 0.0), 9)
    10.0
    """
    hi = lo + step
    for _ in range(max_doublings):
        short = f(hi) <= 0
        if is_array(short):
            if not short.any():
                break
            import numpy as np  # vectorised callers have numpy loaded already

            hi = np.where(short, lo + 2 * (hi - lo), hi)
        elif short:
            hi = lo + 2 * (hi - lo)
        else:
            break
    else:
        raise ArithmeticError("find_root: no sign change found")
    if fprime is not None:
        return _newton_in_bracket(f, fprime, lo, hi, iterations)
    lo, hi = bisect(f, lo, hi, iterations=iterations)
    return {"mid": (lo + hi) / 2, "below": lo, "above": hi}[side]


def _newton_in_bracket(f, fprime, lo, hi, iterations: int):
    """Safeguarded Newton, for floats and arrays alike: each step ``x - f/f'`` is taken where it falls strictly
    inside the bracket ``f(lo) <= 0 < f(hi)`` (which every evaluation narrows), else the bracket is halved; an
    element whose step moves it by less than 1e-11 relative, with a finite derivative, stays (f is at its
    rounding noise there); stops when no element moves.

    >>> import numpy as np
    >>> x = find_root(lambda x: x**3 - np.array([8.0, 1000.0]), np.zeros(2), fprime=lambda x: 3 * x**2)
    >>> x.tolist()
    [2.0, 10.0]
    >>> round(find_root(lambda x: x**3 - 27.0, 0.0, fprime=lambda x: 3 * x**2), 12)
    3.0
    """
    if not is_array(hi):
        x = lo
        for _ in range(iterations):
            fx = f(x)
            lo, hi = (x, hi) if fx <= 0 else (lo, x)
            fp = fprime(x)
            if fx == 0:
                break
            step = x - fx / fp if fp != 0 and math.isfinite(fp) else math.nan
            if abs(step - x) <= 1e-11 * abs(x):  # converged: f is at its rounding noise here
                return step if lo <= step <= hi else x
            new = step if lo < step < hi else (lo + hi) / 2
            if new == x:
                break
            x = new
        return x
    import numpy as np  # vectorised callers have numpy loaded already

    x = lo
    for _ in range(iterations):
        fx = f(x)
        neg = fx <= 0
        lo, hi = np.where(neg, x, lo), np.where(neg, hi, x)
        with np.errstate(all="ignore"):
            fp = fprime(x)
            step = x - fx / fp
        done = (fx == 0) | ((np.abs(step - x) <= 1e-11 * np.abs(x)) & np.isfinite(fp))
        new = np.where(done, x, np.where((step > lo) & (step < hi), step, (lo + hi) / 2))
        if np.all(new == x):
            break
        x = new
    return x


def first_true(pred: Callable[[int], bool], lo: int, *, limit: int | None = None) -> int | None:
    """The smallest integer x > ``lo`` with ``pred(x)``, for a predicate false at ``lo`` and monotone above it: a
    doubling front end (``lo + 1``, then ``2 lo``, ``4 lo``, ...) and integer bisection. None if it is still false
    at ``limit``.

    >>> first_true(lambda x: x * x >= 1000, 0), first_true(lambda x: x > 10**6, 1, limit=1000)
    (32, None)
    """
    hi = lo + 1
    while not pred(hi):
        lo, hi = hi, max(hi + 1, 2 * hi)
        if limit is not None and lo >= limit:
            return None
        if limit is not None:
            hi = min(hi, limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if pred(mid) else (mid, hi)
    return hi


GOLDEN = (math.sqrt(5) - 1) / 2


def golden_min(f: Callable[[Any], Any], lo, hi, *, iterations: int = 100):
    """The minimiser of a unimodal ``f`` on ``[lo, hi]`` by golden-section search (each step keeps the part of the
    bracket that holds the smaller of two interior values), returned once ``iterations`` steps are done or the
    bracket stops shrinking.

    >>> round(golden_min(lambda x: (x - 2) ** 2, 0.0, 5.0), 8)
    2.0
    """
    a, b = lo, hi
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = f(d)
        if not a < c < d < b:
            break
    return (a + b) / 2
