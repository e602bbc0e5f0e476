r"""Latent-subspace data with exact scores under the forward Ornstein-Uhlenbeck process.

The data satisfy the paper's Assumptions 2.1-2.3 with exact ground truth:

* ``x = B h`` with ``B`` in ``R^{D x d0}`` with orthonormal columns (a QR factor of a seeded Gaussian
  matrix), and a latent ``h`` from the Gaussian mixture ``P_h = sum_k pi_k N(mu_k, s^2 I_{d0})`` with
  equal weights ``pi_k = 1/K``, seeded means ``mu_k ~ m N(0, I_{d0})`` and a common standard deviation
  ``s``. The mixture has a positive C^2 density, Gaussian tails (Assumption 2.2) and a Lipschitz score
  (Assumption 2.3); ``c0 = lambda_min(E[h h^T])`` is exact.
* The forward process is ``x_t | x_0 ~ N(beta(t) x_0, sigma(t) I_D)`` with ``beta(t) = exp(-t/2)`` and the
  *variance* ``sigma(t) = 1 - exp(-t)``.

Then ``B^T x_t`` and ``(I - B B^T) x_t`` are independent, with

.. math::

    B^\top x_t \sim P^h_t = \sum_k \pi_k N(\beta \mu_k, v(t) I_{d_0}),\quad v(t) = \beta^2 s^2 + \sigma,
    \qquad (I - BB^\top) x_t \sim N(0, \sigma (I - BB^\top)),

so that ``log p_t(x) = log p^h_t(B^T x) + log N((I - B B^T) x; 0, sigma)`` on the ``D - d0`` orthogonal
coordinates, and the score is Lemma 2.1's decomposition

.. math::

    \nabla \log p_t(x) = B \nabla \log p^h_t(B^\top x) - (I - BB^\top) x / \sigma(t),\qquad
    \nabla \log p^h_t(z) = -\sum_k w_k(z) (z - \beta \mu_k) / v(t),

with responsibilities ``w_k(z)`` proportional to ``pi_k N(z; beta mu_k, v I)`` (computed by a softmax in log
space). Exact quantities are computed in float64.
"""

from __future__ import annotations

import dataclasses
import math

import torch

DTYPE = torch.float64


def beta(t: torch.Tensor) -> torch.Tensor:
    """``beta(t) = exp(-t/2)``: the forward process's mean factor."""
    return torch.exp(-t / 2)


def sigma(t: torch.Tensor) -> torch.Tensor:
    """``sigma(t) = 1 - exp(-t)``: the forward process's variance (computed as ``-expm1(-t)``)."""
    return -torch.expm1(-t)


@dataclasses.dataclass(frozen=True)
class DataSpec:
    """Everything that determines the data law: dimensions, mixture shape and the seed."""

    D: int
    d0: int
    components: int = 4
    mean_scale: float = 2.0
    std: float = 0.5
    seed: int = 0

    def __post_init__(self):
        if not 1 <= self.d0 <= self.D:
            raise ValueError(f"need 1 <= d0 <= D, got d0 = {self.d0}, D = {self.D}")


class LatentMixture:
    """The data law ``x = B h``, ``h ~ P_h`` (a Gaussian mixture), with its exact OU marginals and scores.

    The latent law depends only on ``(d0, components, mean_scale, std, seed)``; ``B`` is drawn after it
    from the same generator, so changing ``D`` changes the embedding and nothing else.
    """

    def __init__(self, spec: DataSpec, device: str | torch.device = "cpu"):
        self.spec = spec
        g = torch.Generator().manual_seed(spec.seed)
        means = spec.mean_scale * torch.randn(spec.components, spec.d0, generator=g, dtype=DTYPE)
        q, r = torch.linalg.qr(torch.randn(spec.D, spec.d0, generator=g, dtype=DTYPE))
        self.B = (q * torch.sign(torch.diagonal(r))).to(device)  # unique QR: positive diagonal of R
        self.means = means.to(device)
        self.log_weights = torch.full((spec.components,), -math.log(spec.components), dtype=DTYPE,
                                      device=device)

    @property
    def D(self) -> int:
        return self.spec.D

    @property
    def d0(self) -> int:
        return self.spec.d0

    @property
    def device(self) -> torch.device:
        return self.B.device

    @property
    def c0(self) -> float:
        """``lambda_min(E[h h^T]) = lambda_min(sum_k pi_k mu_k mu_k^T + s^2 I)`` (Corollary 3.2.1's c0)."""
        w = self.log_weights.exp()[:, None, None]
        second = (w * self.means[:, :, None] * self.means[:, None, :]).sum(0)
        return float(torch.linalg.eigvalsh(second)[0]) + self.spec.std**2

    # -- sampling ---------------------------------------------------------------------------------------
    def sample_latent(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` draws of ``h ~ P_h`` (float64, on the data's device; drawn on the CPU for determinism)."""
        k = torch.multinomial(self.log_weights.exp().cpu(), n, replacement=True, generator=generator)
        noise = torch.randn(n, self.d0, generator=generator, dtype=DTYPE)
        return (self.means.cpu()[k] + self.spec.std * noise).to(self.device)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` draws of ``x = B h`` in ``R^D``."""
        return self.sample_latent(n, generator) @ self.B.T

    def sample_latent_marginal(self, n: int, t: float, generator: torch.Generator) -> torch.Tensor:
        """``n`` draws from ``P^h_t``, the law of ``B^T x_t`` (the latent law after forward time ``t``)."""
        tt = torch.tensor(t, dtype=DTYPE)
        noise = torch.randn(n, self.d0, generator=generator, dtype=DTYPE).to(self.device)
        return beta(tt) * self.sample_latent(n, generator) + sigma(tt).sqrt() * noise

    # -- exact marginals ----------------------------------------------------------------------------------
    def _components(self, z: torch.Tensor, t: torch.Tensor):
        """Per-sample ``log pi_k N(z; beta mu_k, v I)`` (n x K), the centred ``z - beta mu_k``, and ``v``."""
        b, v = beta(t)[:, None], (beta(t) ** 2 * self.spec.std**2 + sigma(t))[:, None]
        centred = z[:, None, :] - b[:, :, None] * self.means[None]  # n x K x d0
        logn = -(centred**2).sum(-1) / (2 * v) - self.d0 / 2 * torch.log(2 * math.pi * v)
        return self.log_weights + logn, centred, v

    def latent_log_density(self, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``log p^h_t(z)`` for ``z`` of shape (n, d0) and times ``t`` of shape (n,)."""
        logc, _, _ = self._components(z, t)
        return torch.logsumexp(logc, dim=1)

    def latent_score(self, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``grad log p^h_t(z) = -sum_k w_k (z - beta mu_k) / v``."""
        logc, centred, v = self._components(z, t)
        w = torch.softmax(logc, dim=1)
        return -(w[:, :, None] * centred).sum(1) / v

    def log_density(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``log p_t(x)`` in ``R^D``: the latent mixture times the Gaussian on the orthogonal complement."""
        z = x @ self.B
        perp = x - z @ self.B.T
        s = sigma(t)
        orth = -(perp**2).sum(-1) / (2 * s) - (self.D - self.d0) / 2 * torch.log(2 * math.pi * s)
        return self.latent_log_density(z, t) + orth

    def score(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``grad log p_t(x) = B grad log p^h_t(B^T x) - (I - B B^T) x / sigma(t)`` (Lemma 2.1)."""
        z = x @ self.B
        return self.latent_score(z, t) @ self.B.T - (x - z @ self.B.T) / sigma(t)[:, None]
