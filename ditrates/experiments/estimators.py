r"""The distance estimators other than the TV lower bound (:mod:`~ditrates.experiments.tv`), each beside its exact
value on two known laws. The table that names them is :data:`ditrates.experiments.distances.ESTIMATORS`.

``P = sum_k pi_k N(m_k, v I_d)`` is known exactly (an :class:`~ditrates.experiments.data.IsotropicMixture`); the
generated law ``Q`` is seen through its sample ``y_1..y_m`` (the estimators), or known exactly as a
:class:`~ditrates.experiments.data.GaussianMixture` (the exact values, for the validation cases). Every estimator
takes ``(P, y, generator, reference)`` (``reference``: how many exact draws of ``P`` it may use) and returns
``(value, standard error)``; every exact value takes ``(P, Q, generator, draws)``.

* :func:`log_density_gap`: ``E_P[log p] - E_Q[log p]`` in nats (0 when ``Q = P``; generated samples that sit
  where ``p`` is low, clusters too wide or mass between clusters, give a positive gap). Unbiased.
* :func:`frechet`: ``||mu_P - mu_Q||^2 + tr(S_P + S_Q - 2 (S_P^(1/2) S_Q S_P^(1/2))^(1/2))``, the
  2-Wasserstein distance between the Gaussians with the two laws' means and covariances (``P``'s exact). The
  plug-in with ``Q``'s sample moments is biased upward at order ``1/m`` (by ``d/m + d(d+1)/(4m)`` when both
  laws are ``N(0, I_d)``: the mean's ``tr S / m`` and a quarter of the covariance's squared error); the
  delete-one jackknife removes that first-order bias (and gives the standard error), so the estimate is 0 on
  average when ``Q = P``, up to order ``1/m^2``.
* :func:`mmd`: ``MMD^2`` with the Gaussian kernel ``exp(-||x - y||^2 / (2 h^2))``, ``h^2 = d v`` (one component
  of ``P``'s ``E||X - X'||^2 / 2``): the ``P`` terms exact Gaussian integrals, the ``Q``-``Q`` term the
  U-statistic, so unbiased; jackknife standard error.
* :func:`cluster_scale`: each point goes to its most likely component of ``P``;
  ``sqrt(sum_k w_k tr S_k / sum_k w_k' tr S_k')``, the generated clusters' spread over that of exact draws
  assigned the same way (1 when ``Q = P``, 1.25 when every well-separated cluster is 25% too wide).
* :func:`covariance_error`: ``sum_k w_k ||S_k^Q - S_k^P||_F^2 / ||v I||_F^2``, the squared Frobenius distance
  between the covariances of the points assigned to each component of ``P`` under ``Q`` and under ``P`` (0
  when ``Q = P``: the assignment's truncation is the same on both sides). Unbiased: each covariance is
  estimated on two random halves and the product ``tr((S^Q_1 - S^P_1)(S^Q_2 - S^P_2))`` of independent
  differences is taken (averaged over :data:`SPLITS` splits).

Standard errors of the last two: a delete-a-group jackknife over :data:`GROUPS` random groups.
"""

from __future__ import annotations

import math

import torch

from ditrates.experiments.data import DTYPE, GaussianMixture, IsotropicMixture
from ditrates.experiments.distances import SETTINGS

GROUPS = SETTINGS["jackknife_groups"]
"""Groups of the delete-a-group jackknife of :func:`cluster_scale` and :func:`covariance_error`."""
SPLITS = SETTINGS["covariance_splits"]
"""Random half-splits averaged by :func:`covariance_error`."""


def _jackknife_se(statistic, y: torch.Tensor, generator: torch.Generator) -> float:
    group = torch.randperm(len(y), generator=generator) % GROUPS
    reps = torch.tensor([statistic(y[group != g], group != g) for g in range(GROUPS)], dtype=DTYPE)
    return math.sqrt((GROUPS - 1) / GROUPS * float(((reps - reps.mean()) ** 2).sum()))


# -- log-density gap -------------------------------------------------------------------------------------
def log_density_gap(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator, reference: int):
    """``E_P[log p]`` from ``reference`` fresh exact draws minus ``mean_i log p(y_i)``."""
    lp, lq = law.log_density(law.sample(reference, generator)), law.log_density(y.to(DTYPE))
    return float(lp.mean() - lq.mean()), math.sqrt(float(lp.var()) / len(lp) + float(lq.var()) / len(lq))


def log_density_gap_exact(p: IsotropicMixture, q: GaussianMixture, generator: torch.Generator, draws: int):
    return float(p.log_density(p.sample(draws, generator)).mean() - p.log_density(q.sample(draws, generator)).mean())


# -- Frechet distance ------------------------------------------------------------------------------------
def _sqrtm_psd(S: torch.Tensor) -> torch.Tensor:
    w, V = torch.linalg.eigh(S)
    return (V * w.clamp(min=0).sqrt()) @ V.T


def _fd(law: IsotropicMixture, mean: torch.Tensor, cov: torch.Tensor) -> torch.Tensor:
    """The Frechet distance between ``N(mu_P, S_P)`` and ``N(mean, cov)`` (batched over leading dimensions)."""
    S = law.covariance()
    root = _sqrtm_psd(S)
    cross = torch.linalg.eigvalsh(root @ cov @ root).clamp(min=0).sqrt().sum(-1)
    return ((law.mean() - mean) ** 2).sum(-1) + torch.trace(S) + torch.diagonal(cov, dim1=-2, dim2=-1).sum(-1) \
        - 2 * cross


def frechet(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator, reference: int):
    """``m F(y) - (m - 1) mean_i F(y_{-i})`` (delete-one jackknife), ``F`` the plug-in of the sample's mean and
    unbiased covariance; the leave-one-out moments by rank-one downdates."""
    y = y.to(DTYPE)
    m = len(y)
    mean, cov = y.mean(0), torch.cov(y.T).reshape(y.shape[1], y.shape[1])
    dev = y - mean
    loo = _fd(law, (m * mean - y) / (m - 1),
              ((m - 1) * cov - m / (m - 1) * dev[:, :, None] * dev[:, None, :]) / (m - 2))
    value = m * float(_fd(law, mean, cov)) - (m - 1) * float(loo.mean())
    return value, math.sqrt((m - 1) / m * float(((loo - loo.mean()) ** 2).sum()))


def frechet_exact(p: IsotropicMixture, q: GaussianMixture, generator: torch.Generator, draws: int):
    return float(_fd(p, q.mean(), q.covariance()))


# -- MMD -------------------------------------------------------------------------------------------------
def bandwidth(law: IsotropicMixture) -> float:
    """The kernel bandwidth rule ``h^2 = d v`` (one component's ``E||X - X'||^2 / 2``)."""
    return law.dim * law.var


def _kernel_mean(a: GaussianMixture, b: GaussianMixture, h2: float) -> float:
    """``E k(X, Y)`` for independent ``X ~ a``, ``Y ~ b``: ``sum_jk a_j b_k h^d det(h^2 I + A_j + B_k)^(-1/2)
    exp(-(a_j - b_k)^T (h^2 I + A_j + B_k)^(-1) (a_j - b_k) / 2)``."""
    d = a.dim
    M = h2 * torch.eye(d, dtype=DTYPE) + a.covs[:, None] + b.covs[None]
    diff = (a.means[:, None] - b.means[None])[..., None]
    quad = (diff.transpose(-1, -2) @ torch.linalg.solve(M, diff))[..., 0, 0]
    terms = (a.log_weights[:, None] + b.log_weights[None] + d / 2 * math.log(h2)
             - 0.5 * torch.logdet(M) - quad / 2)
    return float(torch.exp(terms).sum())


def _gauss_mean(means: torch.Tensor, log_w: torch.Tensor, var: float, z: torch.Tensor, h2: float):
    """``E_{X ~ sum w_k N(m_k, var I)} exp(-||X - z||^2 / (2 h2))`` for each row ``z``."""
    sq = torch.cdist(z, means) ** 2
    return (torch.exp(log_w - sq / (2 * (h2 + var))).sum(1)) * (h2 / (h2 + var)) ** (means.shape[1] / 2)


def mmd(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator, reference: int):
    """``MMD^2 = E_PP k - 2 E_PQ k + E_QQ k`` with exact ``P`` terms and the U-statistic for ``Q``-``Q``."""
    y, h2 = y.to(DTYPE), bandwidth(law)
    m = len(y)
    p = GaussianMixture.of(law)
    pp = _kernel_mean(p, p, h2)
    g = _gauss_mean(law.means, law.log_weights, law.var, y, h2)  # E_P k(X, y_i)
    K = torch.exp(-torch.cdist(y, y) ** 2 / (2 * h2))
    K.fill_diagonal_(0)
    rows, total = K.sum(1), K.sum()
    value = pp - 2 * float(g.mean()) + float(total) / (m * (m - 1))
    loo = pp - 2 * (g.sum() - g) / (m - 1) + (total - 2 * rows) / ((m - 1) * (m - 2))
    return value, math.sqrt((m - 1) / m * float(((loo - loo.mean()) ** 2).sum()))


def mmd_exact(p: IsotropicMixture, q: GaussianMixture, generator: torch.Generator, draws: int):
    pp, h2 = GaussianMixture.of(p), bandwidth(p)
    return _kernel_mean(pp, pp, h2) + _kernel_mean(q, q, h2) - 2 * _kernel_mean(pp, q, h2)


# -- per-component spread and covariance ----------------------------------------------------------------
def _assigned(law: IsotropicMixture, y: torch.Tensor) -> torch.Tensor:
    """Each point's most likely component of ``P``, one-hot (n x K)."""
    k = law.component_log_densities(y).argmax(1)
    return torch.nn.functional.one_hot(k, len(law.means)).to(DTYPE)


def _covariances(onehot: torch.Tensor, y: torch.Tensor):
    """Per component, its count and the unbiased covariance of its points (K, and K x d x d; 0 below 2 points)."""
    d = y.shape[1]
    n = onehot.sum(0)
    mean = onehot.T @ y / n.clamp(min=1)[:, None]
    second = (onehot.T @ (y[:, :, None] * y[:, None, :]).view(len(y), d * d)).view(-1, d, d)
    cov = (second - n[:, None, None] * mean[:, :, None] * mean[:, None, :]) / (n - 1).clamp(min=1)[:, None, None]
    return n, torch.where((n >= 2)[:, None, None], cov, torch.zeros_like(cov))


def _spread(law: IsotropicMixture, y: torch.Tensor) -> float:
    """``sum_k w_k tr S_k`` over the components with at least 2 assigned points."""
    n, cov = _covariances(_assigned(law, y), y)
    return float((n / len(y) * torch.diagonal(cov, dim1=1, dim2=2).sum(1)).sum())


def cluster_scale(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator, reference: int):
    """``sqrt`` of the generated clusters' spread over that of ``reference`` fresh exact draws."""
    y = y.to(DTYPE)
    base = _spread(law, law.sample(reference, generator))

    return math.sqrt(_spread(law, y) / base), _jackknife_se(lambda rows, keep: math.sqrt(_spread(law, rows) / base),
                                                           y, generator)


def cluster_scale_exact(p: IsotropicMixture, q: GaussianMixture, generator: torch.Generator, draws: int):
    return math.sqrt(_spread(p, q.sample(draws, generator)) / _spread(p, p.sample(draws, generator)))


def _half_covariances(law, y, halves):
    """Per split, each half's component counts and covariances (:func:`_covariances`)."""
    onehot = _assigned(law, y)
    return [tuple(_covariances(onehot * (h == side).to(DTYPE)[:, None], y) for side in (0, 1)) for h in halves]


def _covariance_statistic(law, y, split, exact) -> float:
    share = _assigned(law, y).sum(0) / len(y)
    total = 0.0
    for (q1, q2), (p1, p2) in zip(_half_covariances(law, y, split), exact, strict=True):
        ok = (q1[0] >= 2) & (q2[0] >= 2) & (p1[0] >= 2) & (p2[0] >= 2)
        total += float((share * ok * ((q1[1] - p1[1]) * (q2[1] - p2[1])).sum((1, 2))).sum())
    return total / (len(split) * law.dim * law.var**2)


def _splits(n: int, generator: torch.Generator) -> torch.Tensor:
    return torch.randint(0, 2, (SPLITS, n), generator=generator)


def covariance_error(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator, reference: int):
    """``sum_k (n_k / m) tr((S^Q_k1 - S^P_k1)(S^Q_k2 - S^P_k2)) / (d v^2)`` averaged over :data:`SPLITS` random
    half-splits of ``y`` and of ``reference`` exact draws (components with fewer than 2 points in a half left
    out)."""
    y = y.to(DTYPE)
    x = law.sample(reference, generator)
    split = _splits(len(y), generator)
    exact = _half_covariances(law, x, _splits(len(x), generator))
    return (_covariance_statistic(law, y, split, exact),
            _jackknife_se(lambda rows, keep: _covariance_statistic(law, rows, split[:, keep], exact), y, generator))


def covariance_error_exact(p: IsotropicMixture, q: GaussianMixture, generator: torch.Generator, draws: int):
    y, x = q.sample(draws, generator), p.sample(draws, generator)
    return _covariance_statistic(p, y, _splits(draws, generator), _half_covariances(p, x, _splits(draws, generator)))
