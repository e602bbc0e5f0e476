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
B^2 d > 354) are taken in log space.

>>> c = polynomial_cost(L=16384, d=8, B=0.5, kappa=1/8, delta_F=1e-3)
>>> c.degree, c.rank, round(c.speedup, 1)
(3, 165, 99.3)
"""

from __future__ import annotations

import dataclasses
import math

import mpmath

MAX_LOG2_L = 4096
"""The crossover search stops at L = 2^MAX_LOG2_L."""


def log_relative_error(beta: float, degree: int) -> float:
    """ln of the stated bound e^(2 beta) beta^(g+1)/(g+1)! on the relative error of the Taylor kernel."""
    return 2 * beta + (degree + 1) * math.log(beta) - math.lgamma(degree + 2)


def taylor_degree(beta: float, rel_err: float) -> int:
    """The smallest g with e^(2 beta) beta^(g+1)/(g+1)! <= rel_err (the bound decreases once g + 1 > beta).

    >>> taylor_degree(0.25, 1e-3), taylor_degree(8.0, 1e-3)
    (3, 37)
    """
    if beta <= 0:
        return 0
    target = math.log(rel_err)
    lo = max(0, math.floor(beta))
    if log_relative_error(beta, lo) <= target:  # for g < floor(beta) the bound exceeds e^2 > 1
        return lo
    hi = max(1, 2 * lo)
    while log_relative_error(beta, hi) > target:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if log_relative_error(beta, mid) <= target else (mid, hi)
    return hi


def log10_rank(d: int, degree: int) -> float:
    """log10 C(d + g, g), the number of monomials of degree <= g in d variables."""
    return float((mpmath.loggamma(d + degree + 1) - mpmath.loggamma(d + 1) - mpmath.loggamma(degree + 1))
                 / mpmath.log(10))


@dataclasses.dataclass(frozen=True)
class PolynomialCost:
    """Degree, rank and flop counts of the polynomial method at one (L, d, B, kappa, delta_F)."""

    L: int
    d: int
    B: float
    kappa: float
    delta_F: float
    beta: float
    rel_err: float
    degree: int
    log10_rank: float

    @property
    def rank(self) -> int | None:
        """C(d + g, g) exactly, or None when it has more than 18 digits."""
        return math.comb(self.d + self.degree, self.degree) if self.log10_rank < 18 else None

    @property
    def log10_speedup(self) -> float:
        """log10 of the predicted speedup L / r (negative: the method loses)."""
        return math.log10(self.L) - self.log10_rank

    @property
    def speedup(self) -> float:
        """The predicted speedup L / r (at most L, since r >= 1; 0.0 below 1e-300)."""
        return 10**self.log10_speedup if self.log10_speedup > -300 else 0.0

    @property
    def log10_fast_flops(self) -> float:
        return math.log10(2 * self.L * self.d) + self.log10_rank

    @property
    def log10_exact_flops(self) -> float:
        return math.log10(2 * self.d) + 2 * math.log10(self.L)


def required_rel_err(B: float, delta_F: float) -> float:
    """The entrywise relative error of A that keeps the output within delta_F when ||V||_max <= B."""
    return delta_F / (2 * B + delta_F)


def polynomial_cost(L: int, d: int, B: float, kappa: float = 1.0, delta_F: float | None = None) -> PolynomialCost:
    """Degree, rank and flops for sequence length L (delta_F defaults to 1/L)."""
    delta_F = 1 / L if delta_F is None else delta_F
    beta = kappa * d * B * B
    rel = required_rel_err(B, delta_F)
    g = taylor_degree(beta, rel)
    return PolynomialCost(L, d, B, kappa, delta_F, beta, rel, g, log10_rank(d, g))


def crossover_length(d: int, B: float, kappa: float = 1.0, delta_F: float | None = None) -> int | None:
    """The smallest L at which the polynomial method's 2 L r d falls below exact attention's 2 L^2 d.

    With a fixed ``delta_F`` the rank does not depend on L and the answer is r + 1. With ``delta_F=None``
    (1/L) the rank grows with L; the search runs over L up to 2^MAX_LOG2_L and returns None beyond.

    >>> crossover_length(8, 0.5, kappa=1/8, delta_F=1e-3)
    166
    """
    def wins(L: int) -> bool:
        return polynomial_cost(L, d, B, kappa, delta_F).log10_speedup > 0

    if delta_F is not None:
        lr = polynomial_cost(2, d, B, kappa, delta_F).log10_rank
        if lr > 300:
            return None
        return math.comb(d + taylor_degree(kappa * d * B * B, required_rel_err(B, delta_F)), d) + 1
    lo = 1
    for k in range(1, MAX_LOG2_L + 1):
        if wins(2**k):
            hi = 2**k
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (lo, mid) if wins(mid) else (mid, hi)
            return hi
        lo = 2**k
    return None
