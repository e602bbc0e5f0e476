"""Score estimation: Definition 3.4 (the rate xi) and Theorem 3.2 (sample complexity of latent DiTs).

Definition 3.4::

    xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + n^(-1/3) + eps^2

Theorem 3.2 (Assumptions 2.1-2.3, eps in (0, 1), L > 1; with probability 1 - 1/poly(n))::

    1/(T - T0) int_T0^T ||s_W(., t) - grad log p_t||^2_{L2(P_t)} dt = O~(xi(n, eps, L) / (T0 T))

where the score network is the empirical risk minimiser over the DiT class of Theorem 3.1 and O~ hides
factors in D, d0, d, L_s+ and log n.

>>> from ditrates.rates.estimation import optimal_eps
>>> eps, interior = optimal_eps(10**5, 4)
>>> round(float(eps), 4), interior
(0.8941, True)
"""

from __future__ import annotations

import math

import mpmath
import sympy

from ditrates.conditions import Condition, rel
from ditrates.numerics import bisect
from ditrates.result import Order, Result
from ditrates.symbols import XI, S

BOUNDARY_SLACK = 0.01
"""Where xi has no minimiser in (0, 1), ``eps=auto`` takes xi within this fraction of its infimum."""
ITERATIONS = {False: 200, True: 60}
"""Bisection steps for scalars (to float precision) and for numpy grids."""

THIRD = sympy.Rational(1, 3)
SCORE_ERROR = (r"\frac{1}{T-T_0}\int_{T_0}^{T}\left\|s_{\hat W}(\cdot,t)-\nabla\log p_t\right\|_{L^2(P_t)}^2"
               r"\,dt")
"""LaTeX of Theorem 3.2's left-hand side: the time-averaged squared L2(P_t) score error."""

XI_TERMS = (S.n ** -THIRD * 2 ** ((1 / S.eps) ** (2 * S.L)), S.n ** -THIRD, S.eps**2)
XI_LABELS = ("n^(-1/3) 2^((1/eps)^(2L))", "n^(-1/3)", "eps^2")
XI_EXPR = sympy.Add(*XI_TERMS)
"""xi(n, eps, L) of Definition 3.4."""

# Factors hidden by O~ that the proof of Theorem 3.2 makes explicit (App. F.2).
H_COV = sympy.Symbol("H_cov", positive=True)
H_EPS = sympy.Symbol("H_eps", positive=True)

DIMENSIONS = (
    Condition(rel(S.d0, "=", S.d * S.L), "Definition 3.1 (d0 = d L)"),
    Condition(rel(S.D, ">=", S.d0), "Assumption 2.1 (B in R^(D x d0))"),
)
THM32_CONDITIONS = (
    Condition(rel(S.L, ">", 1), "Theorem 3.2"),
    Condition(rel(S.d, ">", 1), "proof of Theorem 3.2 (App. F.2: D, d, d0 > 1)"),
    Condition(rel(S.T0, "<", S.T / 2), "proof of Theorem 3.2 (App. F.2)"),
    *DIMENSIONS,
)

NOTE_INCONSISTENT = (
    "Inconsistent in n (Remark 3.4): at fixed eps, xi tends to eps^2, not to 0; the double exponential "
    "2^((1/eps)^(2L)) comes from depth K = O(eps^(-2L)). Tuning eps to n gives only (ln n)^(-1/L): see "
    "'xi-tuned'. The follow-up (Hu et al. 2025, arXiv 2411.17522) removes it."
)

xi = Result(
    name="xi",
    quantity=r"\xi(n,\epsilon,L)",
    source="Definition 3.4",
    kind="definition",
    summary="the DiT statistical rate xi(n, eps, L) that drives Thm 3.2 and Cor. 3.2.1",
    statement="xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + n^(-1/3) + eps^2.",
    expr=XI_EXPR,
    order=Order(XI_EXPR, big_o=False),
    notes=(
        "The n^(-1/3) comes from balancing n^(-(1-2b)) against n^(-b) in the proof of Thm 3.2 (b = 1/3).",
        NOTE_INCONSISTENT,
    ),
)

score_estimation = Result(
    name="score-estimation",
    quantity=SCORE_ERROR,
    source="Theorem 3.2",
    kind="upper bound",
    summary="time-averaged squared L2 error of the trained DiT score network: O~(xi / (T0 T))",
    statement=(
        "Under Assumptions 2.1-2.3, with the DiT score class of Thm 3.1 (eps in (0,1), L > 1), the empirical "
        "risk minimiser satisfies, with probability 1 - 1/poly(n), "
        "1/(T-T0) int_T0^T ||s_W(.,t) - grad log p_t||^2_{L2(P_t)} dt = O~(xi(n, eps, L)/(T0 T))."
    ),
    expr=S.C_est * (H_COV * XI_TERMS[0] + XI_TERMS[1] + H_EPS * XI_TERMS[2]) / (S.T0 * S.T),
    order=Order(XI / (S.T0 * S.T), tilde=True, hides="factors in D, d0, d, L_s+ and log n"),
    conditions=THM32_CONDITIONS,
    hidden={
        H_COV: (1, S.D * S.d**2 * S.d0**6 * S.Ls**2 * sympy.log(S.n * S.L)),
        H_EPS: (1, S.d0),
    },
    notes=(
        "Squared norm: the main text prints (3.1) without the square, but the proof (F.15, F.18) bounds the "
        "squared L2(P_t) error, as Chen et al.'s Thm 2 does; ditrates encodes the square.",
        "Third term: eps^2/(T0 T), with eps^2 in the numerator (F.15 prints (n^-b + d0 eps^2)/(T0 (T - T0)); "
        "Def. 3.4 puts +eps^2 in xi).",
        "--explicit multiplies the first term by D d^2 d0^6 L_s+^2 log(n L) (the covering number, F.17) and "
        "eps^2 by d0 (F.15); the factors (C_T^2 + r_x^2)/eps^2 of F.15 stay hidden, as in the paper's final form.",
        "Holds with probability 1 - 1/poly(n); C_3.2 is the constant of O~ (default 1).",
        NOTE_INCONSISTENT,
    ),
)

xi_tuned = Result(
    name="xi-tuned",
    quantity=r"\xi\left(n,(c\ln n)^{-1/(2L)},L\right)",
    source="Remark 3.4 (derived, not stated in the paper)",
    kind="derived",
    summary="xi with eps tuned to n: only a polylogarithmic rate, (ln n)^(-1/L)",
    statement=(
        "With eps = (c ln n)^(-1/(2L)) and c = 1/(6 ln 2), 2^((1/eps)^(2L)) = n^(1/6), so "
        "xi = n^(-1/6) + n^(-1/3) + (ln n / (6 ln 2))^(-1/L) = O((ln n)^(-1/L))."
    ),
    expr=S.n ** -sympy.Rational(1, 6) + S.n ** -THIRD + (sympy.log(S.n) / (6 * sympy.log(2))) ** (-1 / S.L),
    order=Order(sympy.log(S.n) ** (-1 / S.L)),
    conditions=(Condition(rel(S.n, ">", 64), "eps = (ln n / (6 ln 2))^(-1/(2L)) < 1 needs n > 64"),),
    notes=(
        "Any c with c ln 2 < 1/3 makes the first term vanish polynomially; c = 1/(6 ln 2) gives n^(-1/6).",
        NOTE_INCONSISTENT,
    ),
)


def optimal_eps(n, L):
    """The eps in (0, 1) that minimises xi(n, eps, L), and whether it is an interior minimiser.

    With y = ln(1/eps), d xi/dy has the sign of the increasing function::

        g(y) = ln2 e^(2 L y) + (2L + 2) y + ln(L ln 2) - (ln n)/3

    so xi has a unique minimiser where g = 0 if g(0) < 0. Otherwise xi decreases all the way to eps = 1,
    where its infimum 1 + 3 n^(-1/3) is not attained; then the eps at which xi is within
    ``BOUNDARY_SLACK`` (1%) of that infimum is returned, with ``False``. Works on scalars (an mpmath result)
    and on numpy arrays (elementwise).

    >>> optimal_eps(10**5, 256)     # a DiT-XL/2-sized L: no interior minimiser
    (mpf('0.9994...'), False)
    """
    if type(n).__module__ != "numpy" and type(L).__module__ != "numpy":
        ln_n, L = float(mpmath.log(n)), float(L)
        interior = _rest(ln_n, L, math.log) > LN2
        y = (_y_minimiser if interior else _y_edge)(ln_n, L, math.exp, math.log, ITERATIONS[False])
        return mpmath.exp(-mpmath.mpf(y)), interior
    import numpy as np

    n, L = np.broadcast_arrays(np.asarray(n, float), np.asarray(L, float))
    ln_n = np.log(n)
    interior = _rest(ln_n, L, np.log) > LN2
    y = np.empty_like(ln_n)
    for mask, solve in ((interior, _y_minimiser), (~interior, _y_edge)):
        if mask.any():
            y[mask] = solve(ln_n[mask], L[mask], np.exp, np.log, ITERATIONS[True])
    return np.exp(-y), interior


LN2 = math.log(2)


def _rest(ln_n, L, log):
    """(ln n)/3 - ln(L ln 2): xi has an interior minimiser iff this exceeds ln 2 (g(0) < 0)."""
    return ln_n / 3 - log(L * LN2)


def _y_minimiser(ln_n, L, exp, log, iterations):
    """The root of g (module docstring of :func:`optimal_eps`); g(0) < 0 <= g(ln(rest/ln2)/(2L))."""
    rest = _rest(ln_n, L, log)
    return bisect(lambda y: LN2 * exp(2 * L * y) + (2 * L + 2) * y - rest, 0 * rest,
                  log(rest / LN2) / (2 * L), iterations=iterations)


def _y_edge(ln_n, L, exp, log, iterations):
    """The y at which xi = (1 + slack)(1 + 3 n^(-1/3)) when xi increases in y (no interior minimiser)."""
    ln_target = log((1 + BOUNDARY_SLACK) * (1 + 3 * exp(-ln_n / 3)))

    def excess(y):
        first = -ln_n / 3 + exp(2 * L * y) * LN2  # ln of xi's first term, the largest for large y
        return first + log(1 + exp(-ln_n / 3 - first) + exp(-2 * y - first)) - ln_target

    # at hi, e^(2 L hi) ln 2 - ln(n)/3 > ln target: the first term alone exceeds the target
    hi = log((ln_target + ln_n / 3) / LN2 + 1) / (2 * L)
    return bisect(excess, 0 * hi, hi, iterations=iterations)


def dominant_xi_term(n, eps, L) -> tuple[str, float]:
    """Which of xi's three terms is largest at (n, eps, L), and its share of xi.

    >>> dominant_xi_term(10**5, 0.5, 4)
    ('n^(-1/3) 2^((1/eps)^(2L))', 1.0)
    """
    from ditrates.numerics import ln_eval

    vals = {S.n: n, S.eps: eps, S.L: L}
    lns = [ln_eval(t, vals)[1] for t in XI_TERMS]
    total = ln_eval(XI_EXPR, vals)[1]
    i = max(range(3), key=lambda j: lns[j])
    return XI_LABELS[i], float(mpmath.exp(lns[i] - total))


RESULTS = (xi, score_estimation, xi_tuned)
