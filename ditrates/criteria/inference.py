"""DiT inference: Proposition 4.1 (SETH hardness) and Proposition 4.2 (almost-linear time) for Problem 2 (ADiTI).

Problem 2 (ADiTI(L, d, B, delta_F)): given A_1, A_2, A_3 in R^(d x L) and W_OV, W_K, W_Q in R^(d x d) with
||W_OV A_3||_max, ||W_K A_1||_max, ||W_Q A_2||_max <= B, output z~ within delta_F (entrywise) of the
one-layer DiT score network W_A R^(-1)(W_OV A_3 D^(-1) exp(A_1^T W_K^T W_Q A_2)).

* Proposition 4.1: under SETH, for every q > 0 there are C, C_a, C_b > 0 such that no O(L^(2-q)) algorithm
  solves ADiTI(L, d = C log L, B = C_b sqrt(log L), delta_F = L^(-C_a)).
* Proposition 4.2: ADiTI(L, d = O(log L), B = o(sqrt(log L)), delta_F = 1/poly(L)) takes L^(1+o(1)) time.

Both are encoded as the ratio of the effective bound to the threshold (see
:mod:`ditrates.criteria.threshold`).

>>> import ditrates
>>> ev = ditrates.get("inference-almost-linear").evaluate(L=4096, d=8, B=0.5, kappa="0.125")
>>> ev.verdict.split(":")[0], round(ev.value, 3)
('efficient side of Prop. 4.2', 0.173)
"""

from __future__ import annotations

import sympy

from ditrates.criteria import threshold as th
from ditrates.result import Order, Part
from ditrates.symbols import S

inference_hardness = th.criterion(
    name="inference-hardness",
    source="Proposition 4.1",
    kind="hardness",
    summary="under SETH, DiT inference at B = C_b sqrt(log L), d = C log L needs L^(2-o(1)) time",
    statement=(
        "Assume SETH. For every q > 0 there are C, C_a, C_b > 0 such that no O(L^(2-q))-time algorithm solves "
        "ADiTI(L, d = C log L, B = C_b sqrt(log L), delta_F = L^(-C_a))."
    ),
    verdict=th.hardness_verdict,
    notes=(
        "The paper prints O(n^(2-q)); it should read O(L^(2-q)) (typo).",
    ),
)

inference_almost_linear = th.criterion(
    name="inference-almost-linear",
    source="Proposition 4.2",
    kind="criterion",
    summary="DiT inference in L^(1+o(1)) time when d = O(log L) and B = o(sqrt(log L))",
    statement=(
        "ADiTI(L, d = O(log L), B = o(sqrt(log L)), delta_F = 1/poly(L)) can be solved in L^(1+o(1)) time."
    ),
    verdict=th.efficient_verdict("inference", "Prop. 4.2"),
    notes=(
        "Printed 'assuming SETH', which an upper bound does not need.",
        "Necessary, not sufficient, for fast inference in practice (Sec. 5).",
    ),
)

AS_RATIO = S.B / th.THRESHOLD
"""Alman and Song's own ratio: entries of Q, K in [-B, B] with exp(Q K^T / d), so no rescaling of B."""

alman_song_threshold = th.criterion(
    expr=AS_RATIO,
    order=Order(S.B / sympy.sqrt(sympy.log(S.L)), big_o=False),
    parts=(
        Part("threshold", "C_b sqrt(ln L)", th.THRESHOLD, "Alman-Song 2023, Thm 1.3-1.4",
             "the entry bound B = Theta(sqrt(log L)) of the sharp transition"),
        Part("d/log L", "d / (C_d ln L)", th.D_RATIO, "d = O(log L)", "at most 1 on the efficient side"),
    ),
    name="alman-song-threshold",
    source="Alman and Song 2023, Theorems 1.3-1.4",
    kind="baseline",
    summary="attention exp(QK^T/d): L^(1+o(1)) below B = o(sqrt(log L)), SETH-hard at Theta(sqrt(log L))",
    statement=(
        "AAttC(L, d = O(log L), B = o(sqrt(log L)), eps_a = 1/poly(L)) is solvable in L^(1+o(1)) time; with "
        "d = O(log L) and B = Theta(sqrt(log L)) it needs L^(2-o(1)) time under SETH. Entries of Q, K, V lie in "
        "[-B, B] and A = exp(Q K^T / d)."
    ),
    verdict=th.efficient_verdict("attention", "Alman-Song 2023 (Thm 1.3)", "B/(C_b sqrt ln L)"),
    reference="Alman and Song: Fast Attention Requires Bounded Entries, NeurIPS 2023, arXiv 2302.13214",
    cite="alman2023fast",
    notes=("Evaluated in Alman and Song's own convention, A = exp(Q K^T / d) with entries of Q, K in [-B, B] "
           "(kappa = 1/d built in): the ratio is B / (C_b sqrt(ln L)). The DiT paper's Props 4.1-4.2 read the same "
           "threshold without the 1/d (see inference-almost-linear).",
           "Thm 1.3 (hardness at B = Theta(sqrt(log n)), under SETH) and Thm 1.4 (n^(1+o(1)) time at "
           "B = o(sqrt(log n))): formal numbering inferred (../shared/paper/RESULTS.md section 9 (c)); the threshold "
           "itself is from the abstract."),
)

RESULTS = (inference_hardness, inference_almost_linear, alman_song_threshold)
