r"""Definition 4.1's training loss and its gradient in ``W = W_K^T W_Q``: autograd, Lemma G.2, and fast.

Objects (Lemma G.1; float64 torch tensors). ``A_1, A_2, A_3, Y`` are ``d x L`` (one column per token),
``W, W_OV`` are ``d x d`` and ``kappa`` is the inverse temperature (1 in the paper)::

    f = D^-1 exp(kappa A_1^T W A_2)   (L x L; the softmax of each row)
    h = (W_OV A_3)^T                  (L x d)
    c = f h - Y^T                     (L x d)
    L_0(W) = 1/2 ||W_A R^-1(c^T)||_F^2

Reading of Definition 4.1. Its printed ``W_OV A_3 D^-1 exp(A_1^T W A_2)`` normalises the rows of the
exponential but multiplies its columns by ``W_OV A_3``; Lemma G.1 (and Alman-Song 2024's
``D^-1 exp(A_1 X A_2^T) A_3 Y``) use ``f h``, i.e. ``W_OV A_3 (D^-1 exp(A_1^T W A_2))^T``. We follow the
lemma.

Choice of ``W_A R^-1``. ``R^-1`` flattens ``d x L`` to ``R^(d0)`` (it only reorders entries) and ``W_A``
has orthonormal columns (it plays ``W_B``'s role), so ``||W_A R^-1(M)||_F = ||M||_F``: the loss is
``1/2 ||c||_F^2`` for *every* admissible ``W_A``. We take ``W_A = I`` (``W_A R^-1`` the identity up to the
reshape); :func:`loss` accepts any ``W_A`` and the tests check that a random orthonormal one gives the same
gradient.

The gradient (Lemmas G.1-G.2, with ``kappa``)::

    q = c h^T,   r_j = <f_j, q_j>,   p = f o q - diag(r) f,   dL_0/dW = kappa A_1 p A_2^T

(``o`` is the entrywise product). The paper prints ``p_2 = f diag(r)``, which scales the *columns* of ``f``;
the derivative of a softmax row, ``(diag(f_j) - f_j f_j^T) q_j``, scales row ``j`` by ``r_j``, so
``p_2 = diag(r) f`` (autograd agrees; the tests show that the printed form does not).

* :func:`gradient_autograd`: torch autograd of :func:`loss` (forms ``L x L`` matrices).
* :func:`gradient_closed_form`: Lemma G.2, exactly, by blocks of rows (``O(L^2 d)`` time, ``O(L * block)``
  memory).
* :func:`gradient_fast`: the low-rank chain of Lemmas G.3-G.7, in ``O(L r d^2)`` time and ``O(L r)`` memory,
  with the Taylor features of :mod:`ditrates.experiments.attention` (rows ``x_j = W^T A_1[:, j]`` and
  ``A_2[:, i]``, so ``S_ji = kappa <x_j, A_2[:, i]>``; this is the factorisation ``W_K = W^T, W_Q = I``)::

      G.3  f ~ U_1 V_1^T,  U_1 = D~^-1 m(X)^T,  V_1 = m(A_2)^T diag(1/alpha!)   (rank r)
      G.4  c~ = U_1 (V_1^T h) - Y^T
      G.5  q~ = c~ h^T                                  (U_2 = c~, V_2 = h; rank d)
      G.6  p_1 = f~ o q~ = (U_1 (/) U_2)(V_1 (/) V_2)^T  (column-wise Kronecker products; rank r d)
      G.7  p_2 = diag(r~) f~ = (diag(r~) U_1) V_1^T,   r~_j = <c~_j, c~_j + Y^T_j>   (f~ h = c~ + Y^T)

  and ``A_1 p_1 A_2^T = sum_t (A_1 (U_1 o c~_t)) (A_2 (V_1 o h_t))^T`` is summed without forming the
  ``L x r d`` factors.

Stated error of the fast gradient (:func:`fast_gradient_bound`). Each entry of ``exp`` has relative error
at most ``delta`` (the Taylor bound), so ``f~ = f o (1 + e)`` with ``|e| <= eta = 2 delta / (1 - delta)`` and
rows of ``f~`` summing to 1. With ``H = ||h||_max``, ``M = d H (H + ||Y||_max) >= ||q||_max`` and
``e_q = d eta H^2 >= ||q~ - q||_max``, each row of ``p`` moves by at most ``3 eta M + 2 (1 + eta) e_q`` in
l1 norm, hence::

    ||G~ - G||_max <= kappa ||A_1||_max ||A_2||_max L (3 eta M + 2 (1 + eta) e_q).

The degree comes from :func:`ditrates.criteria.cost.polynomial_cost` at Theorem 4.1's ``Gamma``
(:func:`gamma`), as for inference.
"""

from __future__ import annotations

import dataclasses

import torch

from ditrates.criteria.cost import relative_error
from ditrates.experiments.attention import monomial_plan, monomials

DTYPE = torch.float64
ROW_ELEMENTS = 1 << 22
"""Entries of one ``block x L`` slab in :func:`gradient_closed_form` (32 MiB in float64)."""


@dataclasses.dataclass(frozen=True)
class Instance:
    """The data of Problem 1 (ADiTGC) at one point: ``A_1, A_2, A_3, Y`` (``d x L``), ``W_OV`` (``d x d``)."""

    A1: torch.Tensor
    A2: torch.Tensor
    A3: torch.Tensor
    W_OV: torch.Tensor
    Y: torch.Tensor
    kappa: float = 1.0

    @property
    def h(self) -> torch.Tensor:
        """``h = (W_OV A_3)^T``, ``L x d``."""
        return (self.W_OV @ self.A3).T

    @property
    def L(self) -> int:
        return self.A1.shape[1]

    @property
    def d(self) -> int:
        return self.A1.shape[0]


def random_instance(L: int, d: int, Gamma: float, kappa: float, generator: torch.Generator
                    ) -> tuple[torch.Tensor, Instance]:
    """A point ``(W, instance)`` with ``A_1^T W``, ``A_2``, ``W_OV A_3`` and ``Y`` uniform in
    ``[-Gamma, Gamma]`` (``W`` and ``W_OV`` random orthogonal), so that :func:`gamma` is at most ``Gamma``."""
    def uniform(*shape):
        return (2 * torch.rand(*shape, generator=generator, dtype=DTYPE) - 1) * Gamma

    def orthogonal():
        return torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=DTYPE))[0]

    W, W_OV = orthogonal(), orthogonal()
    A1 = W @ uniform(L, d).T           # A_1^T W = X, uniform
    A3 = W_OV.T @ uniform(L, d).T      # W_OV A_3 = H^T, uniform
    return W, Instance(A1, uniform(d, L), A3, W_OV, uniform(d, L), kappa)


def gamma(W: torch.Tensor, inst: Instance) -> float:
    """Theorem 4.1's ``Gamma = max(||W_K A_1||, ||W_Q A_2||, ||W_OV A_3||)_max`` with ``W_K = W^T``,
    ``W_Q = I`` (the factorisation the fast gradient uses)."""
    return max(float((W.T @ inst.A1).abs().max()), float(inst.A2.abs().max()), float(inst.h.abs().max()))


def softmax_rows(W: torch.Tensor, inst: Instance) -> torch.Tensor:
    """``f = D^-1 exp(kappa A_1^T W A_2)`` (``L x L``)."""
    return torch.softmax(inst.kappa * (inst.A1.T @ W @ inst.A2), dim=1)


def loss(W: torch.Tensor, inst: Instance, W_A: torch.Tensor | None = None) -> torch.Tensor:
    """``L_0(W) = 1/2 ||W_A R^-1(c^T)||_F^2`` (``W_A = I`` by default; ``R^-1`` flattens row by row)."""
    c = softmax_rows(W, inst) @ inst.h - inst.Y.T
    z = c.T.reshape(-1)
    return 0.5 * (z @ z if W_A is None else (W_A @ z) @ (W_A @ z))


def gradient_autograd(W: torch.Tensor, inst: Instance, W_A: torch.Tensor | None = None) -> torch.Tensor:
    """``dL_0/dW`` by torch autograd."""
    W = W.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss(W, inst, W_A), W)
    return grad


def gradient_closed_form(W: torch.Tensor, inst: Instance, block: int | None = None) -> torch.Tensor:
    """Lemma G.2: ``kappa A_1 p A_2^T`` with ``p = f o q - diag(r) f``, by blocks of ``block`` rows of ``p``.

    >>> g = torch.Generator().manual_seed(0)
    >>> W, inst = random_instance(16, 3, 0.5, 1.0, g)
    >>> bool(torch.allclose(gradient_closed_form(W, inst, block=5), gradient_autograd(W, inst)))
    True
    """
    h, block = inst.h, block or max(1, ROW_ELEMENTS // inst.L)
    X = inst.kappa * (W.T @ inst.A1)
    G = torch.zeros_like(W)
    for a in range(0, inst.L, block):
        f = torch.softmax(X[:, a:a + block].T @ inst.A2, dim=1)
        c = f @ h - inst.Y[:, a:a + block].T
        q = c @ h.T
        p = f * q - (f * q).sum(1, keepdim=True) * f
        G += inst.A1[:, a:a + block] @ p @ inst.A2.T
    return inst.kappa * G


def gradient_fast(W: torch.Tensor, inst: Instance, degree: int) -> torch.Tensor:
    """The low-rank chain of Lemmas G.3-G.7 with Taylor degree ``degree`` (see the module doc)."""
    plan, d, L = monomial_plan(inst.d, degree), inst.d, inst.L
    root, h, Yt = inst.kappa**0.5, inst.h, inst.Y.T
    mx = torch.from_numpy(monomials((root * (W.T @ inst.A1)).numpy(), plan))        # r x L
    V1 = torch.from_numpy(monomials((root * inst.A2).numpy(), plan) * plan.inverse_factorials()[:, None]).T
    U1 = (mx / (mx.T @ V1.sum(0))).T                                               # G.3: f~ = U1 V1^T
    c = U1 @ (V1.T @ h) - Yt                                                       # G.4
    # G.5-G.6: [a, t, s] = sum_j A1[a, j] c[j, t] U1[j, s], and the same with A2, h, V1
    left = (inst.A1[:, None, :] * c.T[None]).reshape(d * d, L) @ U1
    right = (inst.A2[:, None, :] * h.T[None]).reshape(d * d, L) @ V1
    g1 = left.reshape(d, -1) @ right.reshape(d, -1).T
    r = (c * (c + Yt)).sum(1)                                                      # G.7
    g2 = (inst.A1 @ (r[:, None] * U1)) @ (inst.A2 @ V1).T
    return inst.kappa * (g1 - g2)


def fast_gradient_bound(inst: Instance, beta: float, degree: int) -> float:
    """The stated max-entry error of :func:`gradient_fast` (module doc), with ``beta >= max |S_ji|``."""
    delta = relative_error(beta, degree)
    if delta >= 1:
        return float("inf")
    eta, H = 2 * delta / (1 - delta), float(inst.h.abs().max())
    M = inst.d * H * (H + float(inst.Y.abs().max()))
    e_q = inst.d * eta * H * H
    per_row = 3 * eta * M + 2 * (1 + eta) * e_q
    return inst.kappa * float(inst.A1.abs().max()) * float(inst.A2.abs().max()) * inst.L * per_row
