r"""Distances between generated samples and an exact Gaussian-mixture law, each with a standard error.

The latent law at ``T0`` is known exactly (:meth:`~ditrates.experiments.data.LatentMixture.marginal`: an
:class:`~ditrates.experiments.data.IsotropicMixture` ``P = sum_k pi_k N(m_k, v I_d)``), so every estimator
here uses ``P``'s exact density, moments or kernel means, and only the generated law ``Q`` is seen through its
sample ``y_1..y_m``. Each returns an :class:`Estimate` (value, standard error):

* :func:`log_density_gap`: ``E_P[log p] - E_Q[log p]`` in nats, 0 when ``Q = P``. Generated samples that
  are too spread out (clusters too wide, mass between clusters) have lower exact log-density: a positive gap.
* :func:`tv_lower_bound`: a lower bound on ``TV(P, Q)``. Half of the generated sample fits a plug-in
  ``q^`` (a mixture with ``P``'s components: each component's mean, isotropic variance and weight fitted to the
  points that ``P`` assigns to it); ``A = {p > q^}`` is then the Neyman-Pearson set of the plug-in density
  ratio, and ``TV(P, Q) >= P(A) - Q(A)`` holds for *any* ``A`` chosen without the other half. ``P(A)`` is
  estimated from fresh exact draws of ``P``, ``Q(A)`` on the other half; the halves swap roles and the two
  bounds are averaged (cross-fitting). Its mean is exactly 0 when ``Q = P`` and at most ``TV`` always.
* :func:`frechet_distance`: ``||mu_P - mu_Q||^2 + tr(S_P + S_Q - 2 (S_P^(1/2) S_Q S_P^(1/2))^(1/2))``, the
  2-Wasserstein distance between the Gaussians with ``P``'s exact and ``Q``'s sample mean and covariance
  (bootstrap standard error). It sees global moments only and is biased upward by about ``tr(S) / m``.
* :func:`mmd`: the squared maximum mean discrepancy with the Gaussian kernel
  ``k(x, y) = exp(-||x - y||^2 / (2 h^2))`` and the bandwidth rule ``h^2 = d v`` (half the mean squared
  distance between two draws of one component of ``P``; it depends on ``P`` only). ``E_P k`` terms are exact
  (Gaussian integrals); the ``Q``-``Q`` term is the U-statistic, so the estimate is unbiased (mean 0 when
  ``Q = P``); jackknife standard error.
* :func:`cluster_scale` and :func:`covariance_error`: each generated point goes to its most likely component
  of ``P``; per component the sample covariance ``S_k`` is compared with ``v I``.
  ``cluster_scale = sqrt(sum_k w_k tr S_k / sum_k w_k' tr S_k')``, the generated clusters' spread over that of
  a fresh exact sample assigned the same way (1 when ``Q = P``; 1.25 when every cluster is 25% too wide), and
  ``covariance_error = sum_k w_k ||S_k - v I||_F / ||v I||_F`` (bootstrap standard errors).
"""

from __future__ import annotations

import dataclasses
import math

import torch

from ditrates.experiments.data import DTYPE, IsotropicMixture

BOOTSTRAP = 100
"""Resamples for the bootstrap standard errors."""


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A measured value and its standard error."""

    value: float
    se: float

    def to_dict(self) -> dict:
        return {"value": self.value, "se": self.se}


def _bootstrap_se(statistic, y: torch.Tensor, generator: torch.Generator) -> float:
    draws = [statistic(y[torch.randint(0, len(y), (len(y),), generator=generator)]) for _ in range(BOOTSTRAP)]
    return float(torch.tensor(draws, dtype=DTYPE).std())


def log_density_gap(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator,
                    reference: int = 16384) -> Estimate:
    """``E_P[log p] - mean_i log p(y_i)``; ``E_P[log p]`` from ``reference`` fresh exact draws."""
    lp, lq = law.log_density(law.sample(reference, generator)), law.log_density(y.to(DTYPE))
    se = math.sqrt(float(lp.var()) / len(lp) + float(lq.var()) / len(lq))
    return Estimate(float(lp.mean() - lq.mean()), se)


def fit_plugin(law: IsotropicMixture, y: torch.Tensor) -> IsotropicMixture | _Mixture:
    """The plug-in ``q^``: ``P``'s components refitted to the points ``P`` assigns to them (weights, means,
    isotropic variances; a component with fewer than 2 points keeps ``P``'s mean and variance)."""
    y = y.to(DTYPE)
    k = law.component_log_densities(y).argmax(1)
    counts = torch.bincount(k, minlength=len(law.means)).to(DTYPE)
    means, var = law.means.clone(), torch.full((len(law.means),), law.var, dtype=DTYPE)
    for j in torch.nonzero(counts >= 2).flatten().tolist():
        pts = y[k == j]
        means[j] = pts.mean(0)
        var[j] = ((pts - means[j]) ** 2).sum() / ((len(pts) - 1) * law.dim)
    weights = (counts + 0.5) / (counts + 0.5).sum()  # a half count keeps empty components possible
    return _Mixture(weights.log(), means, var)


class _Mixture:
    """``sum_k w_k N(m_k, v_k I)`` with one variance per component (the plug-in family)."""

    def __init__(self, log_weights: torch.Tensor, means: torch.Tensor, var: torch.Tensor):
        self.log_weights, self.means, self.var = log_weights, means, var

    def log_density(self, z: torch.Tensor) -> torch.Tensor:
        d = self.means.shape[1]
        sq = torch.cdist(z.to(DTYPE), self.means) ** 2
        logc = self.log_weights - sq / (2 * self.var) - d / 2 * torch.log(2 * math.pi * self.var)
        return torch.logsumexp(logc, dim=1)


def tv_lower_bound(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator,
                   reference: int = 16384) -> Estimate:
    """The cross-fitted lower bound ``P(A) - Q(A)``, ``A = {p > q^}`` with ``q^`` fitted on the other half."""
    y = y[torch.randperm(len(y), generator=generator)].to(DTYPE)
    halves = (y[: len(y) // 2], y[len(y) // 2:])
    x = law.sample(reference, generator)
    lp_x = law.log_density(x)
    in_p, in_q = torch.zeros(len(x), dtype=DTYPE), []
    for fit, held in ((halves[0], halves[1]), (halves[1], halves[0])):
        q = fit_plugin(law, fit)
        in_p += (lp_x > q.log_density(x)).to(DTYPE) / 2
        in_q.append((law.log_density(held) > q.log_density(held)).to(DTYPE))
    in_q = torch.cat(in_q)
    se = math.sqrt(float(in_p.var()) / len(in_p) + float(in_q.var()) / len(in_q))
    return Estimate(float(in_p.mean() - in_q.mean()), se)


def _sqrtm_psd(S: torch.Tensor) -> torch.Tensor:
    w, V = torch.linalg.eigh(S)
    return (V * w.clamp(min=0).sqrt()) @ V.T


def frechet_distance(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator) -> Estimate:
    """The Frechet distance between ``N(mu_P, S_P)`` (exact) and ``N(mean y, cov y)``."""
    mu, S = law.mean(), law.covariance()
    root = _sqrtm_psd(S)

    def fd(rows: torch.Tensor) -> float:
        m, C = rows.mean(0), torch.cov(rows.T).reshape(len(mu), len(mu))
        cross = torch.linalg.eigvalsh(root @ C @ root).clamp(min=0).sqrt().sum()
        return float(((mu - m) ** 2).sum() + torch.trace(S) + torch.trace(C) - 2 * cross)

    y = y.to(DTYPE)
    return Estimate(fd(y), _bootstrap_se(fd, y, generator))


def bandwidth(law: IsotropicMixture) -> float:
    """The kernel bandwidth rule ``h^2 = d v`` (one component's ``E||X - X'||^2 / 2``)."""
    return law.dim * law.var


def _gauss_mean(means: torch.Tensor, log_w: torch.Tensor, var: float, z: torch.Tensor, h2: float):
    """``E_{X ~ sum w_k N(m_k, var I)} exp(-||X - z||^2 / (2 h2))`` for each row ``z``."""
    d = means.shape[1]
    sq = torch.cdist(z, means) ** 2
    return (torch.exp(log_w - sq / (2 * (h2 + var))).sum(1)) * (h2 / (h2 + var)) ** (d / 2)


def mmd(law: IsotropicMixture, y: torch.Tensor) -> Estimate:
    """``MMD^2 = E_PP k - 2 E_PQ k + E_QQ k`` with exact ``P`` terms and the U-statistic for ``Q``-``Q``."""
    y, h2 = y.to(DTYPE), bandwidth(law)
    m = len(y)
    pp = float((law.log_weights.exp() * _gauss_mean(law.means, law.log_weights, 2 * law.var, law.means,
                                                    h2)).sum())
    g = _gauss_mean(law.means, law.log_weights, law.var, y, h2)  # E_P k(X, y_i)
    K = torch.exp(-torch.cdist(y, y) ** 2 / (2 * h2))
    K.fill_diagonal_(0)
    rows, total = K.sum(1), K.sum()
    value = pp - 2 * float(g.mean()) + float(total) / (m * (m - 1))
    # jackknife: leave y_i out of both the U-statistic and the cross term
    loo = pp - 2 * (g.sum() - g) / (m - 1) + (total - 2 * rows) / ((m - 1) * (m - 2))
    se = math.sqrt((m - 1) / m * float(((loo - loo.mean()) ** 2).sum()))
    return Estimate(value, se)


def _within(law: IsotropicMixture, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per component with at least 2 assigned points: the share of the points and their sample covariance
    (``(K',)`` and ``(K', d, d)``), each point assigned to its most likely component of ``P``."""
    onehot = torch.nn.functional.one_hot(law.component_log_densities(y).argmax(1), len(law.means)).to(DTYPE)
    counts = onehot.sum(0)
    keep = counts >= 2
    sums = onehot.T @ y
    second = torch.einsum("ik,id,ie->kde", onehot, y, y)
    mean = sums / counts.clamp(min=1)[:, None]
    cov = (second - counts[:, None, None] * mean[:, :, None] * mean[:, None, :]) / (counts - 1).clamp(min=1)[:, None,
                                                                                                            None]
    return counts[keep] / len(y), cov[keep]


def cluster_scale(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator,
                  reference: int = 16384) -> Estimate:
    """``sqrt`` of the generated clusters' mean within-component variance over a fresh exact sample's."""
    def spread(rows: torch.Tensor) -> float:
        w, C = _within(law, rows)
        return float((w * torch.diagonal(C, dim1=1, dim2=2).sum(1)).sum())

    base = spread(law.sample(reference, generator))

    def scale(rows: torch.Tensor) -> float:
        return math.sqrt(spread(rows) / base)

    y = y.to(DTYPE)
    return Estimate(scale(y), _bootstrap_se(scale, y, generator))


def covariance_error(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator) -> Estimate:
    """``sum_k w_k ||S_k - v I||_F / ||v I||_F`` over the components ``P`` assigns the points to."""
    target = law.var * torch.eye(law.dim, dtype=DTYPE)
    norm = float(torch.linalg.matrix_norm(target))

    def err(rows: torch.Tensor) -> float:
        w, C = _within(law, rows)
        return float((w * torch.linalg.matrix_norm(C - target)).sum()) / norm

    y = y.to(DTYPE)
    return Estimate(err(y), _bootstrap_se(err, y, generator))


ESTIMATORS = ("log_density_gap", "tv_lower", "frechet", "mmd", "cluster_scale", "covariance_error")


def distances(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator) -> dict[str, Estimate]:
    """Every estimator of this module between ``law`` and the sample ``y`` (keys: :data:`ESTIMATORS`), with
    ``16 len(y)`` exact draws wherever ``P`` is sampled."""
    ref = 16 * len(y)
    return {"log_density_gap": log_density_gap(law, y, generator, ref),
            "tv_lower": tv_lower_bound(law, y, generator, ref), "frechet": frechet_distance(law, y, generator),
            "mmd": mmd(law, y),
            "cluster_scale": cluster_scale(law, y, generator, ref),
            "covariance_error": covariance_error(law, y, generator)}
