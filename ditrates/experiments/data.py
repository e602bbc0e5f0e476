r"""Latent-subspace data with exact scores under the forward Ornstein-Uhlenbeck process.

The data satisfy the paper's Assumptions 2.1-2.3 with exact ground truth:

* ``x = B h`` with ``B`` in ``R^{D x d0}`` with orthonormal columns (a QR factor of a seeded Gaussian
  matrix), and a latent ``h`` from the Gaussian mixture ``P_h = sum_k pi_k N(mu_k, s^2 I_{d0})`` with
  ``K`` equal weights ``pi_k = 1/K`` and a common standard deviation ``s``. The means are seeded draws
  ``mu_k ~ N(0, r^2 I_{d0})`` with ``r = separation * s / sqrt(2 d0)``, so that the root-mean-square
  distance between two means is ``separation`` component standard deviations in every dimension ``d0``.
  The default ``K = 2 d0`` makes the means' affine span all of ``R^{d0}`` (almost surely; ``K >= d0 + 1``
  is needed): the law has structure in every latent direction, not only in ``K - 1`` of them.
  The mixture has a positive C^2 density, Gaussian tails (Assumption 2.2) and a Lipschitz score
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
space). :meth:`LatentMixture.marginal` returns ``P^h_t`` as an :class:`IsotropicMixture`, the exact law that
the distribution estimators of :mod:`~ditrates.experiments.distances` compare generated samples with.
Exact quantities are computed in float64.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from ditrates.experiments.plan import default_components

DTYPE = torch.float64


def beta(t: torch.Tensor) -> torch.Tensor:
    """``beta(t) = exp(-t/2)``: the forward process's mean factor."""
    return torch.exp(-t / 2)


def sigma(t: torch.Tensor) -> torch.Tensor:
    """``sigma(t) = 1 - exp(-t)``: the forward process's variance (computed as ``-expm1(-t)``)."""
    return -torch.expm1(-t)


@dataclasses.dataclass(frozen=True)
class DataSpec:
    """Everything that determines the data law: dimensions, mixture shape and the seed.

    ``components = None`` means :func:`~ditrates.experiments.plan.default_components` (``2 d0``).
    ``mean_scale`` (means ``mu_k ~ mean_scale N(0, I)``) is the rule of runs saved before ``separation``
    existed; it overrides ``separation`` when given.
    """

    D: int
    d0: int
    components: int | None = None
    separation: float = 4.0
    std: float = 0.5
    seed: int = 0
    mean_scale: float | None = None

    def __post_init__(self):
        if not 1 <= self.d0 <= self.D:
            raise ValueError(f"need 1 <= d0 <= D, got d0 = {self.d0}, D = {self.D}")
        if self.K < 1 or self.std <= 0 or self.separation < 0:
            raise ValueError(f"need components >= 1, std > 0 and separation >= 0, got {self}")

    @property
    def K(self) -> int:
        """The number of components."""
        return default_components(self.d0) if self.components is None else self.components

    @property
    def mean_std(self) -> float:
        """The standard deviation ``r`` of each coordinate of the means."""
        if self.mean_scale is not None:
            return self.mean_scale
        return self.separation * self.std / math.sqrt(2 * self.d0)


class IsotropicMixture:
    """``sum_k exp(log_weights_k) N(means_k, var I_d)``: exact density, score, moments and draws (float64).

    >>> m = IsotropicMixture(torch.zeros(1, dtype=DTYPE), torch.zeros(1, 2, dtype=DTYPE), 1.0)
    >>> round(float(m.log_density(torch.zeros(1, 2, dtype=DTYPE))[0]), 6) == round(-math.log(2 * math.pi), 6)
    True
    """

    def __init__(self, log_weights: torch.Tensor, means: torch.Tensor, var: float):
        self.log_weights, self.means, self.var = log_weights.to(DTYPE), means.to(DTYPE), float(var)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def component_log_densities(self, z: torch.Tensor) -> torch.Tensor:
        """``log pi_k N(z_i; m_k, v I)`` for every row ``z_i`` and component ``k`` (n x K)."""
        sq = torch.cdist(z.to(DTYPE), self.means) ** 2
        return self.log_weights - sq / (2 * self.var) - self.dim / 2 * math.log(2 * math.pi * self.var)

    def log_density(self, z: torch.Tensor) -> torch.Tensor:
        """``log p(z)`` for each row of ``z``."""
        return torch.logsumexp(self.component_log_densities(z), dim=1)

    def responsibilities(self, z: torch.Tensor) -> torch.Tensor:
        """``P(component k | z)`` (n x K)."""
        return torch.softmax(self.component_log_densities(z), dim=1)

    def mean(self) -> torch.Tensor:
        return self.log_weights.exp() @ self.means

    def covariance(self) -> torch.Tensor:
        """``sum_k pi_k m_k m_k^T + v I - m m^T``."""
        w, mu = self.log_weights.exp(), self.mean()
        centred = self.means - mu
        return (w[:, None] * centred).T @ centred + self.var * torch.eye(self.dim, dtype=DTYPE)

    def sample(self, m: int, generator: torch.Generator) -> torch.Tensor:
        """``m`` draws (drawn on the CPU for determinism)."""
        k = torch.multinomial(self.log_weights.exp(), m, replacement=True, generator=generator)
        noise = torch.randn(m, self.dim, generator=generator, dtype=DTYPE)
        return self.means[k] + math.sqrt(self.var) * noise


class GaussianMixture:
    """``sum_k exp(log_weights_k) N(means_k, covs_k)`` with full covariances: exact density, moments and draws
    (float64). The plug-in family of :mod:`~ditrates.experiments.tv` and the generated laws of
    :mod:`~ditrates.experiments.validation`.

    >>> eye = torch.eye(2, dtype=DTYPE)[None]
    >>> g = GaussianMixture(torch.zeros(1, dtype=DTYPE), torch.zeros(1, 2, dtype=DTYPE), 4 * eye)
    >>> round(float(g.log_density(torch.zeros(1, 2, dtype=DTYPE))[0]), 6) == round(-math.log(8 * math.pi), 6)
    True
    """

    def __init__(self, log_weights: torch.Tensor, means: torch.Tensor, covs: torch.Tensor):
        self.log_weights, self.means = log_weights.to(DTYPE), means.to(DTYPE)
        K, d = self.means.shape
        self.covs = covs.to(DTYPE).expand(K, d, d)
        eye = torch.eye(d, dtype=DTYPE)
        scale = torch.diagonal(self.covs, dim1=1, dim2=2).mean(1)
        if bool((self.covs == scale[:, None, None] * eye).all()):  # isotropic: distances to the means suffice
            self._iso, self.chol = scale, scale.sqrt()[:, None, None] * eye
            self._const = self.log_weights - d / 2 * torch.log(2 * math.pi * scale)
            return
        self._iso = None
        chol, info = torch.linalg.cholesky_ex(self.covs)
        if bool(info.any()):  # numerically singular: eigenvalues floored at 1e-12 of the largest
            w, V = torch.linalg.eigh((self.covs + self.covs.transpose(1, 2)) / 2)
            w = w.clamp(min=1e-12 * float(w.abs().max().clamp(min=1e-300)))
            self.covs = (V * w[:, None, :]) @ V.transpose(1, 2)
            chol = torch.linalg.cholesky(self.covs)
        self.chol = chol
        white = torch.linalg.solve_triangular(chol, eye.expand(K, d, d), upper=False)
        self._whiten = white.transpose(1, 2).permute(1, 0, 2).reshape(d, K * d)  # z @ this: every L_k^-1 z
        self._shift = torch.einsum("kd,ked->ke", self.means, white).reshape(K * d)
        self._const = (self.log_weights - torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(1)
                       - d / 2 * math.log(2 * math.pi))

    @classmethod
    def of(cls, law: IsotropicMixture) -> GaussianMixture:
        """An :class:`IsotropicMixture` with its covariances written out."""
        return cls(law.log_weights, law.means, law.var * torch.eye(law.dim, dtype=DTYPE)[None])

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def component_log_densities(self, z: torch.Tensor) -> torch.Tensor:
        """``log pi_k N(z_i; m_k, S_k)`` (n x K)."""
        z = z.to(DTYPE)
        if self._iso is not None:  # isotropic components: distances to the means suffice
            return self._const - torch.cdist(z, self.means) ** 2 / (2 * self._iso)
        K, d = self.means.shape
        w = (z @ self._whiten - self._shift).view(len(z), K, d)
        return self._const - 0.5 * (w * w).sum(-1)

    def log_density(self, z: torch.Tensor) -> torch.Tensor:
        return torch.logsumexp(self.component_log_densities(z), dim=1)

    def mean(self) -> torch.Tensor:
        return self.log_weights.exp() @ self.means

    def covariance(self) -> torch.Tensor:
        """``sum_k pi_k (S_k + m_k m_k^T) - m m^T``."""
        w, centred = self.log_weights.exp(), self.means - self.mean()
        return (w[:, None] * centred).T @ centred + (w[:, None, None] * self.covs).sum(0)

    def sample(self, m: int, generator: torch.Generator) -> torch.Tensor:
        k = torch.multinomial(self.log_weights.exp(), m, replacement=True, generator=generator)
        noise = torch.randn(m, self.dim, generator=generator, dtype=DTYPE)
        return self.means[k] + torch.einsum("nde,ne->nd", self.chol[k], noise)


class LatentMixture:
    """The data law ``x = B h``, ``h ~ P_h`` (a Gaussian mixture), with its exact OU marginals and scores.

    The latent law depends only on ``(d0, components, separation, std, seed)``; ``B`` is drawn after it
    from the same generator, so changing ``D`` changes the embedding and nothing else.
    """

    def __init__(self, spec: DataSpec, device: str | torch.device = "cpu"):
        self.spec = spec
        g = torch.Generator().manual_seed(spec.seed)
        means = spec.mean_std * torch.randn(spec.K, spec.d0, generator=g, dtype=DTYPE)
        q, r = torch.linalg.qr(torch.randn(spec.D, spec.d0, generator=g, dtype=DTYPE))
        self.B = (q * torch.sign(torch.diagonal(r))).to(device)  # unique QR: positive diagonal of R
        self.means = means.to(device)
        self.log_weights = torch.full((spec.K,), -math.log(spec.K), dtype=DTYPE, device=device)

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

    def marginal(self, t: float) -> IsotropicMixture:
        """``P^h_t``, the exact law of ``B^T x_t``: means ``beta mu_k``, variance ``beta^2 s^2 + sigma``."""
        tt = torch.tensor(float(t), dtype=DTYPE)
        b, s = float(beta(tt)), float(sigma(tt))
        return IsotropicMixture(self.log_weights.cpu(), b * self.means.cpu(), b**2 * self.spec.std**2 + s)

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
