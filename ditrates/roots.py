"""Root finding on increasing functions, for Python floats and numpy arrays alike: bisection with a
bracketing front end (:func:`find_root`, :func:`bisect`), Newton steps kept inside the bracket for arrays, and
:class:`FloatMath`, the float twin of the few numpy functions the vectorised callers use; and the level set of
a sampled function (:func:`level_set`: every stretch where it is at most 0, for ``ditrates solve``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
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


GOLDEN = (5**0.5 - 1) / 2
GOLDEN_STEPS = 90
"""Golden-section steps (0.618^90 = 1.6e-19 of the bracket)."""


def golden_min(f: Callable[[Any], Any], lo, hi, *, key: Callable[[Any], Any] = lambda v: v,
               stop: Callable[[Any], bool] | None = None, iterations: int = GOLDEN_STEPS):
    """Golden-section search for the minimum of ``key(f(u))`` on ``[lo, hi]`` (``f`` unimodal there; None where it
    is undefined, which scores infinitely high), stopping early once ``stop(f(u))``: the best ``(u, f(u))`` seen,
    or None if ``f`` was undefined throughout.

    >>> u, v = golden_min(lambda x: (x - 2) ** 2, 0.0, 5.0)
    >>> round(u, 8), v < 1e-15
    (2.0, True)
    """
    best = None

    def val(u):
        nonlocal best
        v = f(u)
        if v is not None and (best is None or key(v) < key(best[1])):
            best = (u, v)
        return math.inf if v is None else key(v)

    a, b = lo, hi
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = val(c), val(d)
    for _ in range(iterations):
        if best is not None and stop is not None and stop(best[1]):
            break
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = val(c)
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = val(d)
        if not a < c < d < b:
            break
    return best


# ----------------------------------------------------------------------------------------------------
# Where a sampled function is at most zero: every stretch, with what ends it
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Stretch:
    """A stretch ``[lo, hi]`` where ``f <= 0``; each end is ``"range"`` (the end of the sampled range),
    ``"crossing"`` (f crosses 0 there) or ``"domain"`` (f is undefined just beyond)."""

    lo: Any
    hi: Any
    lo_end: str
    hi_end: str


@dataclasses.dataclass(frozen=True)
class LevelSet:
    """Every stretch of a range where ``f <= 0`` (in order), and the lowest value of ``f`` seen and where."""

    stretches: tuple[Stretch, ...]
    lowest: tuple[Any, Any] | None
    """``(u, f(u))`` at the smallest value found (sampled, or refined near a sampled local minimum)."""
    ends: tuple[Any, Any]
    """The sampled range ``(grid[0], grid[-1])``."""
    edges: tuple[tuple[Any, Any], ...] = ()
    """The edges of f's domain found between samples: ``(inside, outside)``, f defined at the first only."""


def level_set(f: Callable[[Any], Any], grid: Sequence, *, rel_tol: float = 1e-24) -> LevelSet:
    """Every stretch of ``[grid[0], grid[-1]]`` where ``f(u) <= 0``; ``f`` returns None where it is undefined.

    ``f`` is sampled on ``grid``, then what the samples cannot show is refined: the edges of the domain
    (between a defined and an undefined sample, by :func:`bisect`, and ``f`` is evaluated just inside), the
    sampled local minima above 0 and maxima at or below 0 (golden-section search for a dip under 0, or a
    bump above it, between the neighbouring samples), and every crossing of 0 (bisection, to ``rel_tol``
    relative to ``max(1, |u|)``). A stretch narrower than the grid's spacing with no sampled extremum beside it
    is not seen.

    >>> ls = level_set(lambda u: None if u > 3 else (u - 1) * (u - 2), [0, 0.5, 1.5, 2.5, 4])
    >>> [(round(s.lo, 12), round(s.hi, 12), s.lo_end, s.hi_end) for s in ls.stretches]
    [(1.0, 2.0, 'crossing', 'crossing')]
    >>> near_edge = level_set(lambda u: 2.9 - u if u < 3 else None, [0, 1, 2, 4])  # no sample sees f <= 0
    >>> [(round(s.lo, 9), round(s.hi, 9), s.lo_end, s.hi_end) for s in near_edge.stretches]
    [(2.9, 3.0, 'crossing', 'domain')]
    """
    tol = lambda u: rel_tol * max(1, abs(u))  # noqa: E731
    points, edges = _with_domain_edges(f, [(u, f(u)) for u in grid], tol)
    points = _with_extrema(f, points)

    def inside(u) -> bool:
        v = f(u)
        return v is not None and v <= 0

    def crossing(a, b):
        """The end on the ``f <= 0`` side of the bracket where f crosses 0 between samples a and b."""
        lo, hi = _switch(inside, a, b, tol)
        return lo if inside(lo) else hi

    stretches, i = [], 0
    while i < len(points):
        if not _in(points[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(points) and _in(points[j + 1]):
            j += 1
        lo, lo_end = _end(points, i, -1, crossing)
        hi, hi_end = _end(points, j, 1, crossing)
        stretches.append(Stretch(lo, hi, lo_end, hi_end))
        i = j + 1
    defined = [p for p in points if p[1] is not None]
    lowest = min(defined, key=lambda p: p[1]) if defined else None
    return LevelSet(tuple(stretches), lowest, (grid[0], grid[-1]), edges)


def _in(point) -> bool:
    return point[1] is not None and point[1] <= 0


def _end(points, i, step, crossing):
    """The end of a stretch at sample ``i`` on the side ``step`` (-1 below, +1 above): the range's end, the
    domain's edge (the neighbour is undefined) or a crossing of 0 (bisected)."""
    k = i + step
    if k < 0 or k >= len(points):
        return points[i][0], "range"
    if points[k][1] is None:
        return points[i][0], "domain"
    return crossing(points[k][0], points[i][0]), "crossing"


def _switch(pred, a, b, tol):
    """The bracket ``(lo, hi)`` around the point where ``pred`` switches between ``a`` and ``b`` (by
    :func:`bisect`): ``pred(lo) == pred(min(a, b))`` and ``pred(hi) != pred(lo)``."""
    lo, hi = (a, b) if a < b else (b, a)
    at_lo = pred(lo)
    return bisect(lambda u: -1 if pred(u) == at_lo else 1, lo, hi, tol=tol((lo + hi) / 2))


def _with_domain_edges(f, points, tol):
    """``points`` with the edges of f's domain inserted (between a defined and an undefined sample, the last
    defined point, found by bisection), and the edges as ``(inside, outside)`` pairs."""
    out, edges = [points[0]], []
    for a, b in zip(points, points[1:], strict=False):
        if (a[1] is None) != (b[1] is None):
            lo, hi = _switch(lambda u: f(u) is not None, a[0], b[0], tol)
            inner, outer = (lo, hi) if a[1] is not None else (hi, lo)
            v = f(inner)
            if v is not None:
                edges.append((inner, outer))
                if inner not in (a[0], b[0]):
                    out.append((inner, v))
        out.append(b)
    return out, tuple(edges)


def _with_extrema(f, points):
    """``points`` with a refined point beside each sampled local minimum above 0 (the lowest value found
    between its neighbours, stopping once at or below 0) and each local maximum at or below 0 (the highest,
    stopping once above 0)."""
    out = list(points)
    for (a, va), (m, vm), (b, vb) in zip(points, points[1:], points[2:], strict=False):
        if va is None or vm is None or vb is None:
            continue
        if vm > 0 and vm < va and vm <= vb:
            found = golden_min(f, a, b, stop=lambda v: v <= 0)
        elif vm <= 0 and vm > va and vm >= vb:
            found = golden_min(f, a, b, key=lambda v: -v, stop=lambda v: v > 0)
        else:
            continue
        if found is not None and found[0] not in (a, m, b):
            out.append(found)
    return sorted(out, key=lambda p: p[0])
