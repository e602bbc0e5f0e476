"""Almost-linear-time DiT training: Theorem 4.1 (Problem 1, ADiTGC).

Definition 4.1: L_0(W) = 1/2 ||W_A R^(-1)(W_OV A_3 D^(-1) exp(A_1^T W A_2) - Y)||_F^2 with
W = W_K^T W_Q and D = diag(exp(A_1^T W A_2) 1_L).

Theorem 4.1: if max(||W_OV A_3||_max, ||W_K A_1||_max, ||W_Q A_2||_max) <= Gamma, then
ADiTGC(L, d = O(log L), Gamma = o(sqrt(log L))) (the gradient dL_0/dW to 1/poly(L) entrywise) takes
L^(1+o(1)) time, through the low-rank chain of Lemmas G.3-G.7. Gamma is ``B`` here.
"""

from __future__ import annotations

from ditrates.criteria import threshold as th

training_almost_linear = th.criterion(
    name="training-almost-linear",
    source="Theorem 4.1",
    kind="criterion",
    summary="the DiT training gradient in L^(1+o(1)) time when d = O(log L) and Gamma = o(sqrt(log L))",
    statement=(
        "If max(||W_OV A_3||_max, ||W_K A_1||_max, ||W_Q A_2||_max) <= Gamma, ADiTGC(L, d = O(log L), "
        "Gamma = o(sqrt(log L))) can be solved in L^(1+o(1)) time: an approximation of dL_0/dW within "
        "1/poly(L) in max norm."
    ),
    verdict=th.efficient_verdict("the training gradient", "Thm 4.1"),
    notes=(
        "Gamma is written B here. The statement prints 'ADITGC(L_p, L, d = ...)': the stray L_p is a typo.",
        "Remark 4.2: a smaller d0 = d L makes the condition easier to meet.",
        "Norm hypothesis: Thm 4.1 bounds ||W_OV A_3||_max, ||W_K A_1||_max and ||W_Q A_2||_max by Gamma, but Lemma "
        "G.3, which carries the proof (via Alman-Song), assumes ||A_1^T W||_max <= Gamma and ||A_2||_max <= Gamma with "
        "W = W_K^T W_Q: bounds on the two factors of the exponent A_1^T W A_2, a different split of the same "
        "product. ditrates reads B = Gamma as the entry bound of both factors of the exponent.",
    ),
)

RESULTS = (training_almost_linear,)
