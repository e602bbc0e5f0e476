r"""Definition 3.4's rate xi in the two readings the proof of Theorem 3.2 supports, and ``eps = auto``.

Definition 3.4 prints::

    xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + n^(-1/3) + eps^2

Its first term comes from the covering number of the DiT class in the proof of Theorem 3.2 (App. F.2)::

    log N = O(eps^(-8K) L K d^2 log(nL) / delta_3^2) = O(1) 2^(8K log(L/eps)) d^2 log(nL) / delta_3^2

after two steps of the same display: "By (F.17)" it writes ``K = (1/eps)^L``, and "By (1/eps)^L >= 8
log(L/eps)" it bounds ``8 (1/eps)^L log(L/eps)`` by ``(1/eps)^(2L)``. The inequality holds only for eps up to
an L-dependent edge, and Theorem 3.1's construction has ``K = O(eps^(-2L))`` (F.4, F.17), not
``(1/eps)^L``. So ditrates offers two readings (:class:`Reading`):

* ``printed``: Definition 3.4 as stated, backed by the proof only where ``(1/eps)^L >= 8 log2(L/eps)``,
  i.e. for ``eps <= eps_max(L)`` (:func:`eps_max`: 0.4458 at L = 4, 0.6569 at L = 8). The inequality is a
  condition (:data:`PRINTED_RANGE`) of xi and of every result built on it.
* ``proof``: the covering exponent before the simplification, ``2^(8K log2(L/eps)) = (L/eps)^(8K)``, with
  Theorem 3.1's depth ``K = C_K eps^(-2L)`` (its statement, F.4 and F.17 agree; ``C_K`` is the same hidden
  constant as in ``network-size``)::

      xi_proof(n, eps, L) = n^(-1/3) (L/eps)^(8 C_K eps^(-2L)) + n^(-1/3) + eps^2,

  valid for every eps in (0, 1). Where both hold, ``xi_printed <= xi_proof`` (since 8 log2(L/eps) > 1).

The logarithm is base 2: the first equality above needs ``2^(8K log(L/eps)) >= eps^(-8K) L K``, which holds
with log2 (the left side is ``(L/eps)^(8K)``) and fails with ln for small eps (``(L/eps)^(5.5K)``). Base 2
is also the stricter reading of the inequality (with ln the edge would be 0.49 at L = 4).

``eps = auto`` minimises xi within the range of the reading in force (:func:`minimise`); with the reading
``auto`` (:func:`choose`), ditrates takes the smaller of the two bounds the proof supports: ``printed`` where
eps lies in its range, ``proof`` elsewhere, and with ``eps = auto`` the reading whose minimum is smaller.

>>> round(float(eps_max(4)), 4), round(float(eps_max(8)), 4)
(0.4458, 0.6569)
>>> c = choose(10**5, 4)
>>> c.reading.value, round(float(c.eps), 4), c.where
('proof', 0.9999, 'limit')
"""

from __future__ import annotations

import dataclasses
import enum
import math

import mpmath
import sympy

from ditrates.conditions import Condition, rel
from ditrates.formatting import MP_DPS, format_against, format_edge, format_log10, format_number
from ditrates.roots import FloatMath, find_root
from ditrates.symbols import S

THIRD = sympy.Rational(1, 3)
LN2 = math.log(2)
LN10 = math.log(10)
BOUNDARY_SLACK = 0.01
"""Where xi has no minimiser in its range and its infimum is a limit (eps -> 1, not attained), ``eps=auto``
takes xi within this fraction of the infimum."""
ITERATIONS = 200
"""Bisection steps (float64: enough to reach adjacent floats)."""


class Reading(str, enum.Enum):
    """Which form of xi: Definition 3.4 as printed, or App. F.2's covering exponent with Theorem 3.1's K."""

    PRINTED = "printed"
    PROOF = "proof"

    @property
    def title(self) -> str:
        """What the reading is, in a few words.

        >>> Reading.PROOF.title
        "the proof's form of xi (App. F.2)"
        """
        return "Def. 3.4 as printed" if self is Reading.PRINTED else "the proof's form of xi (App. F.2)"


AUTO = "auto"
CHOICES = (AUTO, Reading.PRINTED.value, Reading.PROOF.value)
"""The values of ``xi_reading`` (``--xi-reading``)."""

K_PROOF = S.C_K * S.eps ** (-2 * S.L)
"""Theorem 3.1's depth K = O(eps^(-2L)) with its hidden constant C_K."""

FIRST_TERM = {
    Reading.PRINTED: S.n**-THIRD * 2 ** ((1 / S.eps) ** (2 * S.L)),
    Reading.PROOF: S.n**-THIRD * (S.L / S.eps) ** (8 * K_PROOF),
}
"""xi's first term in each reading."""
FIRST_LABEL = {Reading.PRINTED: "n^(-1/3) 2^((1/eps)^(2L))", Reading.PROOF: "n^(-1/3) (L/eps)^(8K)"}
LABELS = ("n^(-1/3)", "eps^2")
"""Labels of the second and third terms (the same in both readings)."""


EPS_TUNED = (sympy.log(S.n) / (6 * sympy.log(2))) ** (-1 / (2 * S.L))
"""Remark 3.4's tuning eps = (c ln n)^(-1/(2L)) with c = 1/(6 ln 2), so that 2^((1/eps)^(2L)) = n^(1/6)."""


def terms(reading: Reading) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr]:
    """xi's three terms in ``reading``: the covering term, ``n^(-1/3)`` and ``eps^2``."""
    return FIRST_TERM[Reading(reading)], S.n**-THIRD, S.eps**2


def expr(reading: Reading) -> sympy.Expr:
    """xi in ``reading``.

    >>> from ditrates.printing import text
    >>> text(expr("proof"))
    'eps^2 + (L/eps)^(8*C_K/eps^(2*L))/n^(1/3) + n^(-1/3)'
    """
    return sympy.Add(*terms(reading))


RANGE_SOURCE = "App. F.2 (proof of Thm 3.2), the step 'by (1/eps)^L >= 8 log(L/eps)'"


def _range_hint(values) -> str:
    L = values[S.L]
    return (f"Definition 3.4 as printed holds for eps <= {format_edge(eps_max(L))} at L = {format_number(L)}; "
            "the proof reading holds for every eps in (0, 1)")


PRINTED_RANGE = Condition(rel((1 / S.eps) ** S.L, ">=", 8 * sympy.log(S.L / S.eps) / sympy.log(2)), RANGE_SOURCE,
                          reading=Reading.PRINTED.value, label="(1/eps)^L >= 8 log2(L/eps)", hint=_range_hint)
"""Where Definition 3.4 as printed is backed by the proof (a condition of the printed reading only)."""


# ----------------------------------------------------------------------------------------------------
# The minimiser. With y = ln(1/eps) in [0, inf), xi = e^phi(y) + n^(-1/3) + e^(-2y), where phi is the log of
# the covering term. phi is increasing and convex, so d xi/dy has the sign of the increasing function
#     g(y) = phi(y) + ln phi'(y) + 2y - ln 2,
# and xi is minimal on [y_lo, inf) at the root of g, or at y_lo if g(y_lo) >= 0. Scalars are computed with
# Python floats (FloatMath: the command line does not import numpy), arrays with numpy, by the same code.
# ----------------------------------------------------------------------------------------------------
def _phi(reading: Reading, y, ln_n, L, C_K, xp):
    """ln of the covering term at eps = e^(-y), and its derivative in y (``xp``: FloatMath or numpy).

    printed: phi = ln2 e^(2Ly) - ln(n)/3,             phi' = 2L ln2 e^(2Ly)
    proof:   phi = 8 C_K e^(2Ly) (ln L + y) - ln(n)/3, phi' = 8 C_K e^(2Ly) (2L (ln L + y) + 1)
    """
    grow = xp.exp(2 * L * y)
    if reading is Reading.PRINTED:
        return LN2 * grow - ln_n / 3, 2 * L * LN2 * grow
    log_ratio = xp.log(L) + y
    return 8 * C_K * grow * log_ratio - ln_n / 3, 8 * C_K * grow * (2 * L * log_ratio + 1)


def _ln_xi(reading, y, ln_n, L, C_K, xp):
    """ln xi at eps = e^(-y)."""
    phi, _ = _phi(reading, y, ln_n, L, C_K, xp)
    return xp.logaddexp(xp.logaddexp(phi, -ln_n / 3), -2 * y)


def _g(reading, y, ln_n, L, C_K, xp):
    phi, dphi = _phi(reading, y, ln_n, L, C_K, xp)
    return phi + xp.log(dphi) + 2 * y - LN2


def _dg(reading, y, ln_n, L, C_K, xp):
    """g'(y) = phi' + phi''/phi' + 2 (for Newton steps on arrays)."""
    _, dphi = _phi(reading, y, ln_n, L, C_K, xp)
    second = 2 * L * dphi + (0 if reading is Reading.PRINTED else 16 * C_K * L * xp.exp(2 * L * y))
    return dphi + second / dphi + 2


def _dln_xi(reading, y, ln_n, L, C_K, xp):
    """d ln xi / dy = (e^phi phi' - 2 e^(-2y)) / xi (for Newton steps on arrays)."""
    phi, dphi = _phi(reading, y, ln_n, L, C_K, xp)
    ln_xi = xp.logaddexp(xp.logaddexp(phi, -ln_n / 3), -2 * y)
    return xp.exp(phi - ln_xi) * dphi - 2 * xp.exp(-2 * y - ln_xi)


def _namespace(*values):
    """FloatMath for scalars, numpy for arrays (imported only then)."""
    if any(type(v).__module__ == "numpy" and getattr(v, "ndim", 0) > 0 for v in values):
        import numpy as np  # arrays come from callers that have numpy loaded

        return np
    return FloatMath


BIG_L = 10**15
"""Beyond this L, the edge of the printed range is computed in mpmath (1 - eps_max is below float resolution)."""
EDGE_MARGIN = 1e-12
"""eps_max is taken this fraction inside the range, so that the exact check of the inequality accepts it."""


def eps_max(L):
    """The largest eps with ``(1/eps)^L >= 8 log2(L/eps)``: the edge of the printed reading's range (L >= 2).

    With y = ln(1/eps) the inequality reads ``L y >= ln(8 (ln L + y) / ln 2)``, whose left side minus right side
    increases in y (for L >= 2) and is negative at y = 0: one root, found by bisection and moved
    :data:`EDGE_MARGIN` inside. Scalars give an mpmath number, numpy arrays an array.

    >>> round(float(eps_max(256)), 4)
    0.9839
    """
    return _eps_of(_y_edge(L, _namespace(L)))


def _y_edge(L, xp):
    if xp is FloatMath and L > BIG_L:  # y ~ ln(8 ln L / ln 2) / L: below float resolution, iterate in mpmath
        L = mpmath.mpf(L)
        y = mpmath.log(8 * mpmath.log(L) / LN2) / L
        return mpmath.log(8 * (mpmath.log(L) + y) / LN2) / L * (1 + EDGE_MARGIN)
    if xp is not FloatMath:  # a grid has few distinct L: solve each once
        distinct, index = xp.unique(L, return_inverse=True)
        if distinct.size < L.size:
            return _y_edge(distinct, xp)[index].reshape(L.shape)
    L = L if xp is not FloatMath else float(L)
    y = find_root(lambda y: L * y - xp.log(8 * (xp.log(L) + y) / LN2), 0 * L, side="above", iterations=ITERATIONS)
    return y * (1 + EDGE_MARGIN)


def _eps_of(y):
    """eps = e^(-y), at the working precision for scalars (near 1, float64 would lose y's last digits)."""
    if isinstance(y, float | mpmath.mpf):
        with mpmath.workdps(MP_DPS):
            return mpmath.exp(-mpmath.mpf(y))
    return _namespace(y).exp(-y)


EDGE_WORDS = "the edge of the printed range"
"""How ``eps = auto`` at the edge of the printed range is described (:meth:`EpsChoice.describe`)."""


def shown_eps(eps, where="interior") -> str:
    """eps as printed: rounded inward where it is the edge of the printed range (typed back, it lies inside)."""
    return format_edge(eps) if where == "edge" else format_number(eps)


@dataclasses.dataclass(frozen=True)
class EpsChoice:
    """The eps that minimises xi in a reading, where it lies, and ln xi there.

    ``where`` is ``"interior"`` (the stationary point), ``"edge"`` (the printed range's edge eps_max(L),
    attained) or ``"limit"`` (no minimiser: xi decreases towards eps = 1, and eps puts xi within
    :data:`BOUNDARY_SLACK` of that infimum). For arrays, ``where`` is an array of these strings and
    ``reading`` may be a boolean array (True where the printed reading is in force).
    """

    eps: object
    reading: object
    where: object
    ln_xi: object
    other: EpsChoice | None = None  # with the reading auto: the other reading's minimum

    def describe(self, L) -> str:
        """Why this eps: the reason shown beside ``eps = auto`` (scalars)."""
        form = Reading(self.reading).title
        e = format_number(self.eps)
        if self.where == "interior":
            return f"auto = {e} (minimises xi, {form})"
        if self.where == "edge":
            e = shown_eps(self.eps, self.where)
            return (f"auto = {e}: {EDGE_WORDS} eps <= {e} at L = {format_number(L)}; xi as printed "
                    "would be smaller at larger eps, where the proof does not back it")
        return (f"auto = {e}: {form} decreases all the way to eps = 1 (no minimiser in (0, 1)); eps puts xi within "
                f"{BOUNDARY_SLACK:.0%} of its infimum")

    def describe_reading(self) -> str:
        """Why this reading, when it was chosen automatically with eps = auto (scalars)."""
        if self.other is None:
            return "given"
        mine, theirs = (f"{format_log10(c.ln_xi / LN10)} at eps = {shown_eps(c.eps, c.where)}"
                        for c in (self, self.other))
        return f"auto: the smaller minimum of xi ({mine}; {self.other.reading.value}: {theirs})"


def minimise(n, L, reading: Reading, C_K=1) -> EpsChoice:
    """The eps in the range of ``reading`` that minimises xi(n, eps, L) (scalars or numpy arrays).

    >>> c = minimise(10**5, 4, "printed")
    >>> round(float(c.eps), 4), c.where         # the unconstrained minimiser 0.894 lies outside the range
    (0.4458, 'edge')
    """
    reading = Reading(reading)
    xp = _namespace(n, L)
    C_K = float(C_K)
    if xp is FloatMath:
        return _minimise_scalar(reading, float(mpmath.log(n)), float(L), C_K)
    ln_n, L = xp.broadcast_arrays(xp.log(xp.asarray(n, dtype=float)), xp.asarray(L, dtype=float))
    lo = _y_edge(L, xp) if reading is Reading.PRINTED else xp.zeros_like(ln_n)
    at_lo = _g(reading, lo, ln_n, L, C_K, xp) >= 0
    y = xp.array(lo, dtype=float)
    inner = ~at_lo
    if inner.any():
        y[inner] = find_root(lambda v: _g(reading, v, ln_n[inner], L[inner], C_K, xp), lo[inner],
                             iterations=ITERATIONS,
                             fprime=lambda v: _dg(reading, v, ln_n[inner], L[inner], C_K, xp))
    limit = at_lo & (reading is Reading.PROOF)
    if limit.any():
        y[limit] = _y_near_limit(reading, ln_n[limit], L[limit], C_K, xp)
    where = xp.where(limit, "limit", xp.where(at_lo, "edge", "interior"))
    return EpsChoice(xp.exp(-y), reading, where, _ln_xi(reading, y, ln_n, L, C_K, xp))


def _minimise_scalar(reading, ln_n, L, C_K) -> EpsChoice:
    xp = FloatMath
    lo = _y_edge(L, xp) if reading is Reading.PRINTED else 0.0
    if _g(reading, lo, ln_n, L, C_K, xp) < 0:
        y, where = find_root(lambda v: _g(reading, v, ln_n, L, C_K, xp), lo, iterations=ITERATIONS), "interior"
    elif reading is Reading.PRINTED:
        y, where = lo, "edge"
    else:
        y, where = _y_near_limit(reading, ln_n, L, C_K, xp), "limit"
    return EpsChoice(_eps_of(y), reading, where, _ln_xi(reading, y, ln_n, L, C_K, xp))


def _y_near_limit(reading, ln_n, L, C_K, xp):
    """The y at which xi = (1 + slack) xi(eps -> 1), where xi increases in y."""
    ln_target = xp.log1p(BOUNDARY_SLACK) + _ln_xi(reading, 0 * ln_n, ln_n, L, C_K, xp)
    return find_root(lambda y: _ln_xi(reading, y, ln_n, L, C_K, xp) - ln_target, 0 * ln_n, iterations=ITERATIONS,
                     fprime=None if xp is FloatMath else lambda y: _dln_xi(reading, y, ln_n, L, C_K, xp))


def in_printed_range(eps, L):
    """Whether ``(1/eps)^L >= 8 log2(L/eps)`` (exactly for scalars, elementwise for arrays)."""
    if _namespace(eps, L) is FloatMath:
        return PRINTED_RANGE.holds({S.eps: eps, S.L: L})
    return PRINTED_RANGE.holds_grid({S.eps: eps, S.L: L})


def describe_reading_at(eps, L, reading) -> str:
    """Why the reading ``auto`` chose ``reading`` at a given eps (scalars)."""
    e, edge = format_against(eps, eps_max(L))
    if reading is Reading.PRINTED:
        return f"auto: eps = {e} <= {edge} (L = {format_number(L)}), where App. F.2 backs Def. 3.4 as printed"
    return (f"auto: eps = {e} > {edge} (L = {format_number(L)}), beyond the range where App. F.2 backs Def. 3.4 as "
            "printed")


def reading_at(eps, L, requested: str = AUTO):
    """The reading in force at a given eps: the requested one, or for ``auto`` printed where eps lies in its
    range (there it is the smaller bound) and proof elsewhere. Arrays give a boolean mask (True = printed).

    >>> reading_at(0.3, 4).value, reading_at(0.6, 4).value
    ('printed', 'proof')
    """
    if requested != AUTO:
        return Reading(requested)
    inside = in_printed_range(eps, L)
    if isinstance(inside, bool):
        return Reading.PRINTED if inside else Reading.PROOF
    return inside


def choose(n, L, requested: str = AUTO, C_K=1) -> EpsChoice:
    """``eps = auto`` under the requested reading; for ``auto``, the reading whose minimum of xi is smaller."""
    if requested != AUTO:
        return minimise(n, L, Reading(requested), C_K)
    printed, proof = minimise(n, L, Reading.PRINTED, C_K), minimise(n, L, Reading.PROOF, C_K)
    if isinstance(printed.ln_xi, float):
        best, other = (printed, proof) if printed.ln_xi <= proof.ln_xi else (proof, printed)
        return dataclasses.replace(best, other=other)
    import numpy as np  # arrays: numpy is loaded

    pick = printed.ln_xi <= proof.ln_xi
    return EpsChoice(np.where(pick, printed.eps, proof.eps), pick, np.where(pick, printed.where, proof.where),
                     np.where(pick, printed.ln_xi, proof.ln_xi))


def log10_n_to_reach(target: float, L, reading: Reading, C_K=1) -> float:
    """log10 of the smallest n at which xi(n, eps, L), minimised over eps in the range of ``reading``, is at
    most ``target`` (scalars). ``inf`` where no n reaches it.

    With y = ln(1/eps) and phi_0 = phi + ln(n)/3 (the covering term's log at n = 1),
    ``xi <= target  <=>  ln n >= 3 [softplus(phi_0(y)) - ln(target - e^(-2y))]``, so ln n_min is 3 times the
    minimum over y of that bracket. Its derivative ``sigmoid(phi_0) phi_0' - 2 e^(-2y) / (target - e^(-2y))``
    increases in y (phi_0 is increasing and convex), so the minimiser is a root found by bisection, or the
    lower end of the range.

    >>> round(log10_n_to_reach(1, 4, "printed"), 1), round(log10_n_to_reach(1, 4, "proof"), 1)
    (579.5, 20.9)
    """
    reading, xp, L, target, C_K = Reading(reading), FloatMath, float(L), float(target), float(C_K)
    y_lo = _y_edge(L, xp) if reading is Reading.PRINTED else 0.0
    if target <= 1:
        y_lo = max(y_lo, -math.log(target) / 2)

    def bracket(y):
        phi0, _ = _phi(reading, y, 0.0, L, C_K, xp)
        gap = target - xp.exp(-2 * y)
        return xp.logaddexp(phi0, 0.0) - (xp.log(gap) if gap > 0 else -math.inf)

    def slope(y):
        phi0, dphi0 = _phi(reading, y, 0.0, L, C_K, xp)
        gap = target - xp.exp(-2 * y)
        if gap <= 0:
            return -math.inf
        return xp.exp(phi0 - xp.logaddexp(phi0, 0.0)) * dphi0 - 2 * xp.exp(-2 * y) / gap

    y = y_lo if slope(y_lo) >= 0 else find_root(slope, y_lo, iterations=ITERATIONS)
    return 3 * bracket(y) / LN10
