"""Score approximation by a latent DiT: Theorem 3.1 and the network sizes of its construction.

Theorem 3.1 (Assumptions 2.1-2.3, eps > 0). Some score network in the DiT class S_{T^{2,1,4}_p}
(2 heads, head size 1, feed-forward width 4) with W_B = B satisfies, for every t in [T0, T],::

    ||s_W(., t) - grad log p_t||_{L2(P_t)} <= eps sqrt(d0) / sigma(t),    sigma(t) = 1 - exp(-t)

with K = O(eps^(-2L)) transformer blocks and the norm bounds listed in ``network-size``.
"""

from __future__ import annotations

import sympy

from ditrates.conditions import Condition, rel
from ditrates.rates.estimation import DIMENSIONS
from ditrates.result import Order, Part, Result
from ditrates.symbols import S, sigma
from ditrates.xi import CONSTRUCTION_RANGE

score_approximation = Result(
    name="score-approximation",
    quantity=r"\left\|s_{\hat W}(\cdot,t)-\nabla\log p_t\right\|_{L^2(P_t)}",
    source="Theorem 3.1",
    bounds="L2(P_t) score error at one time t",
    kind="upper bound",
    summary="L2(P_t) error of the best DiT score network: eps sqrt(d0) / sigma(t)",
    statement=(
        "Under Assumptions 2.1-2.3, for any eps > 0 there is s_W in the DiT score class S_{T^{2,1,4}_p} with "
        "||s_W(., t) - grad log p_t||_{L2(P_t)} <= eps sqrt(d0) / sigma(t) for all t in [T0, T], where "
        "sigma(t) = 1 - e^(-t) is the variance of the forward process."
    ),
    expr=S.eps * sympy.sqrt(S.d0) / sigma(S.t),
    order=Order(S.eps * sympy.sqrt(S.d0) / sigma(S.t), big_o=False),
    conditions=(
        Condition(rel(S.t, ">=", S.T0), "Theorem 3.1 (t in [T0, T])"),
        Condition(rel(S.t, "<=", S.T), "Theorem 3.1 (t in [T0, T])"),
    ),
    notes=(
        "An exact bound, no hidden constant: the proof gives (1 + sqrt(d0)) eps / sigma(t) and then rescales "
        "eps -> eps/2 (App. F.1).",
        "The norm is not squared here (unlike Thm 3.2). sigma(t) = 1 - e^(-t) is a variance, so the bound "
        "grows like eps sqrt(d0) / t as t -> 0.",
        "The theorem needs only eps > 0; ditrates takes eps in (0, 1), the range of Thm 3.2.",
        "Above the construction range (delta = C_delta eps^(2/d) > 1/2, where Lemma E.4 does not apply) the bound "
        "still holds: the network built at delta = 1/2 is more accurate than eps asks (inferred). Its size is then "
        "that of delta = 1/2, not O(eps^(-2L)): see network-size.",
    ),
)

_W = "weight norms C_OV^{2,inf}, C_OV, C_KQ^{2,inf}, C_KQ, C_F^{2,inf}, C_F"
_EPS = S.eps
_PARTS = (
    Part("K", "K", S.C_K * _EPS ** (-2 * S.L), "Thm 3.1", "number of transformer blocks (F.4: O(delta^(-dL)), "
         "delta = eps^(2/d))"),
    Part("C_T", "C_T", S.C_CT * S.d0 * S.Ls * sympy.sqrt(S.d0 * sympy.log(S.d0 / S.T0) + sympy.log(1 / _EPS)),
         "Thm 3.1", "output-norm bound; F.6 proves it on a ball, not as the sup over all X of Def. 3.2"),
    Part("L_T", "L_T", S.C_LT * S.d0 * S.Ls, "Thm 3.1", "Lipschitz constant of f_T (F.5: 2 eps + 10 d0 Ls)"),
    Part("C_E", "C_E", S.C_CE * S.L ** sympy.Rational(3, 2), "Thm 3.1", "positional-encoding norm"),
    Part("C_E (F.11)", "C_E", sympy.sqrt(S.L) * (S.L - 1), "proof F.11", "exact: E has rows (0, 1, ..., L-1)"),
    Part("W", "W", (1 / _EPS) ** S.C_W, "Thm 3.1", f"{_W}: (1/eps)^O(1); the exponent C_w (default 1) is "
         "not given by the paper"),
    Part("C_OV^{2,inf} (F.7)", "C_OV", S.L * S.d * _EPS ** (-2 * (S.L + 2)), "proof F.7",
         "L d delta^(-(L+2)d) with delta = eps^(2/d): (1/eps)^O(L), not (1/eps)^O(1)"),
    Part("C_OV (F.8)", "C_OV", _EPS ** (-2 * S.L), "proof F.8", "O(delta^(-Ld)) = O(eps^(-2L))"),
    Part("C_KQ (F.9-F.10)", "C_KQ", _EPS**-4, "proof F.9-F.10", "O(delta^(-2d)) = O(eps^(-4))"),
    Part("C_F (F.12-F.13)", "C_F", _EPS**-2, "proof F.12-F.13", "O(delta^(-d)) = O(eps^(-2))"),
    Part("C_OV^{2,inf} (F.17)", "C_OV", S.d * _EPS ** (-4 * S.L), "proof F.17", "as listed in Thm 3.2's proof"),
    Part("C_OV (F.17)", "C_OV", _EPS ** (-4 * S.L), "proof F.17", "as listed in Thm 3.2's proof"),
    Part("C_KQ (F.17)", "C_KQ", _EPS**-4, "proof F.17", "C_KQ^{2,inf} and C_KQ"),
    Part("C_F^{2,inf} (F.17)", "C_F", _EPS**-4, "proof F.17", "differs from F.12's eps^(-2)"),
    Part("C_F (F.17)", "C_F", _EPS**-2, "proof F.17", ""),
)

network_size = Result(
    name="network-size",
    quantity="K",
    bounds="size of the approximating network",
    source="Theorem 3.1",
    kind="upper bound",
    summary="size of Thm 3.1's DiT: K = O(eps^(-2L)) blocks, and its norm bounds",
    statement=(
        "The network of Thm 3.1 lies in T^{2,1,4}_p with K = O(eps^(-2L)) blocks, "
        "C_T = O(d0 Ls sqrt(d0 log(d0/T0) + log(1/eps))), L_T = O(d0 Ls), C_E = O(L^(3/2)) and weight "
        "norms (1/eps)^O(1) (as stated; the construction gives larger ones, see the parts)."
    ),
    expr=S.C_K * _EPS ** (-2 * S.L),
    order=Order(_EPS ** (-2 * S.L), unit="blocks"),
    conditions=(*DIMENSIONS, CONSTRUCTION_RANGE),
    parts=_PARTS,
    notes=(
        "K = O(eps^(-2L)) is the construction's count (Lemma E.6: O(delta^(-dL)) blocks, delta = C_delta eps^(2/d)) "
        "only inside the construction range delta <= 1/2 (Lemma E.4 assumes delta^-1 >= 2): there K >= "
        "C_K (2 C_delta)^(d0), i.e. at least 2^(d0) blocks with the constants 1. Above it the construction still "
        "needs that many, so ditrates never prints fewer: the row fails outside the range (--outside-range "
        "evaluates it anyway, marked).",
        "Weight norms: the theorem states (1/eps)^O(1), but the construction gives C_OV = O(eps^(-2L)) "
        "(F.7-F.8), i.e. (1/eps)^O(L), and Thm 3.2's proof lists C_OV = O(eps^(-4L)) (F.17). All three are "
        "listed as parts.",
        "FF norms: F.17 lists C_F^{2,inf} = O(eps^(-4)) against F.12's O(delta^(-d)) = O(eps^(-2)).",
        "C_T is a sup over all inputs in Def. 3.2 but only a bound on a ball is proved (F.6).",
    ),
)

RESULTS = (score_approximation, network_size)
