"""Cost of the polynomial method for attention: Taylor degree, feature rank, flops and the crossover L.

The fast algorithm behind Proposition 4.2 and Theorem 4.1 replaces exp(kappa <q, k>) by a polynomial of
degree g in <q, k>, which factorises through features of rank r = C(d + g, g) (all monomials of degree
<= g in d variables), so that D^(-1) A V costs O(L r d) instead of O(L^2 d).

Stated bound (Taylor, Lagrange remainder). Let beta = kappa d B^2 bound |kappa <q, k>|. For |x| <= beta,
``|exp(x) - sum_{j<=g} x^j/j!| <= e^beta beta^(g+1)/(g+1)!``, and exp(x) >= e^(-beta), so every entry of A
has relative error at most::

    delta(g) = e^(2 beta) beta^(g+1) / (g+1)!

A relative error delta on every entry of A moves each output entry of D^(-1) A V by at most
2 delta/(1 - delta) ||V||_max. With ||V||_max <= B, the output error is <= delta_F once
delta <= delta_F / (2 B + delta_F). The degree is the smallest g with that property.

Flop model (as in the issue): exact attention about 2 L^2 d, the polynomial method about 2 L r d; the
predicted speedup is L / r and the method wins from L > r. With delta_F = 1/L (the paper's 1/poly(L)),
r grows with L and the crossover is searched for. All logarithms (e^(2 beta) leaves float64 at
B^2 d > 354, 1/L at L > 2^1074) are taken in log space, and ranks are exact integers where the crossover
compares them with L.

>>> c = polynomial_cost(L=16384, d=8, B=0.5, kappa=1/8, delta_F=1e-3)
>>> c.degree, c.rank, round(c.speedup, 1)
(3, 165, 99.3)
"""

from __future__ import annotations

import dataclasses
import math

import mpmath

from ditrates.roots import first_true

MAX_LOG2_L = 4096
"""The crossover search stops at L = 2^MAX_LOG2_L."""


def log_relative_error(beta: float, degree: int) -> float:
    """ln of the stated bound e^(2 beta) beta^(g+1)/(g+1)! on the relative error of the Taylor kernel."""
    return 2 * beta + (degree + 1) * math.log(beta) - math.lgamma(degree + 2)


def relative_error(beta: float, degree: int) -> float:
    """``delta = e^(2 beta) beta^(g+1) / (g+1)!``, the stated entrywise relative error of the kernel
    (``inf`` beyond float64, 0 at ``beta = 0``).

    >>> round(relative_error(0.25, 3), 7)
    0.0002683
    """
    if beta <= 0:
        return 0.0
    log_delta = log_relative_error(beta, degree)
    return math.exp(log_delta) if log_delta < 700 else math.inf


def taylor_degree(beta: float, ln_rel_err: float) -> int:
    """The smallest g with ln(e^(2 beta) beta^(g+1)/(g+1)!) <= ln_rel_err (the bound decreases once g + 1 > beta).

    >>> taylor_degree(0.25, math.log(1e-3)), taylor_degree(8.0, math.log(1e-3))
    (3, 37)
    """
    if beta <= 0:
        return 0
    lo = max(0, math.floor(beta))
    if log_relative_error(beta, lo) <= ln_rel_err:  # for g < floor(beta) the bound exceeds e^2 > 1
        return lo
    return first_true(lambda g: log_relative_error(beta, g) <= ln_rel_err, lo)


def log10_rank(d: int, degree: int) -> float:
    """log10 C(d + g, g), the number of monomials of degree <= g in d variables."""
    return float((mpmath.loggamma(d + degree + 1) - mpmath.loggamma(d + 1) - mpmath.loggamma(degree + 1))
                 / mpmath.log(10))


EXACT_RANK_DIGITS = 10_000
"""Ranks with up to this many digits are computed exactly (math.comb) where they are compared with L."""


@dataclasses.dataclass(frozen=True)
class PolynomialCost:
    """Degree, rank and flop counts of the polynomial method at one (L, d, B, kappa, delta_F)."""

    L: int
    d: int
    B: float
    kappa: float
    delta_F: float | None  # None: 1/L
    beta: float
    ln_rel_err: float
    degree: int
    log10_rank: float

    @property
    def rel_err(self) -> float:
        """The entrywise relative error asked of A (0.0 below 1e-308)."""
        return math.exp(self.ln_rel_err) if self.ln_rel_err > -708 else 0.0

    @property
    def rank(self) -> int | None:
        """C(d + g, g) exactly, or None when it has more than 18 digits."""
        return math.comb(self.d + self.degree, self.degree) if self.log10_rank < 18 else None

    @property
    def log10_speedup(self) -> float:
        """log10 of the predicted speedup L / r (negative: the method loses)."""
        return _log10(self.L) - self.log10_rank

    @property
    def wins(self) -> bool:
        """Whether 2 L r d < 2 L^2 d, i.e. r < L, decided on exact integers where r has at most
        :data:`EXACT_RANK_DIGITS` digits."""
        if self.log10_rank > EXACT_RANK_DIGITS:
            return self.log10_speedup > 0
        return math.comb(self.d + self.degree, self.degree) < self.L

    @property
    def speedup(self) -> float | None:
        """The predicted speedup L / r as a float, or None outside [1e-300, 1e300] (see ``log10_speedup``)."""
        return 10**self.log10_speedup if abs(self.log10_speedup) < 300 else None

    @property
    def log10_fast_flops(self) -> float:
        return _log10(2 * self.L * self.d) + self.log10_rank

    @property
    def log10_exact_flops(self) -> float:
        return _log10(2 * self.d) + 2 * _log10(self.L)


def _log10(x: int) -> float:
    """log10 of a positive integer of any size."""
    return math.log10(x) if x < 2**1000 else float(mpmath.log10(x))


def ln_required_rel_err(B: float, L: int, delta_F: float | None = None) -> float:
    """ln of the entrywise relative error of A that keeps the output within delta_F when ||V||_max <= B:
    delta_F / (2 B + delta_F), with delta_F = 1/L when None (taken in log space: 1/L may underflow).

    >>> round(math.exp(ln_required_rel_err(0.5, 4096, 1e-3)), 9)
    0.000999001
    """
    ln_delta = -math.log(L) if delta_F is None and L < 2**1000 else (
        -float(mpmath.log(L)) if delta_F is None else math.log(delta_F))
    return ln_delta - float(mpmath.log(2 * B + mpmath.exp(ln_delta)))


def polynomial_cost(L: int, d: int, B: float, kappa: float = 1.0, delta_F: float | None = None) -> PolynomialCost:
    """Degree, rank and flops for sequence length L (delta_F defaults to 1/L)."""
    beta = kappa * d * B * B
    ln_rel = ln_required_rel_err(B, L, delta_F)
    g = taylor_degree(beta, ln_rel)
    return PolynomialCost(L, d, B, kappa, delta_F, beta, ln_rel, g, log10_rank(d, g))


def crossover_length(d: int, B: float, kappa: float = 1.0, delta_F: float | None = None) -> int | None:
    """The smallest L at which the polynomial method's 2 L r d falls below exact attention's 2 L^2 d (r < L,
    compared on exact integers).

    With a fixed ``delta_F`` the rank does not depend on L and the answer is r + 1. With ``delta_F=None``
    (1/L) the rank grows with L (slowly: g ~ log L / log log L): L is doubled until the method wins, then the
    first winning L is bisected. The search runs up to 2^MAX_LOG2_L and returns None beyond.

    >>> crossover_length(8, 0.5, kappa=1/8, delta_F=1e-3), crossover_length(8, 0.5, kappa=1/8)
    (166, 10)
    """
    def wins(L: int) -> bool:
        return polynomial_cost(L, d, B, kappa, delta_F).wins

    if delta_F is not None:
        cost = polynomial_cost(2, d, B, kappa, delta_F)
        if cost.log10_rank > EXACT_RANK_DIGITS or cost.log10_rank > MAX_LOG2_L * math.log10(2):
            return None
        return math.comb(d + cost.degree, d) + 1
    return first_true(wins, 1, limit=2**MAX_LOG2_L)
