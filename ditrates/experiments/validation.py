r"""The distance estimators on pairs of laws with known distances: the cases, their exact values, the table.

Each :class:`Case` is an exact law ``P`` (an :class:`~ditrates.experiments.data.IsotropicMixture`), a sampler of
``Q``, and the exact value of every estimand of :mod:`~ditrates.experiments.distances`:

* ``N(0, I_d)`` against ``N(0, s^2 I_d)``: ``TV = F_d(r^2) - F_d(r^2 / s^2)`` with ``F_d`` the chi-square CDF and
  ``r^2 = 2 d s^2 ln s / (s^2 - 1)`` the crossing radius; Frechet ``d (s - 1)^2``; log-density gap
  ``d (s^2 - 1) / 2``; cluster spread ``s``; covariance error ``|s^2 - 1|``;
* ``N(0, I_d)`` against ``N(delta e_1, I_d)``: ``TV = 2 Phi(delta / 2) - 1``; Frechet ``delta^2``; gap
  ``delta^2 / 2``;
* the latent law of the experiments (``d0 = 8``, ``K = 16``) against the same mixture with every component
  ``1.25`` times wider, or with every mean moved by ``0.5 sqrt(v)`` in its own random direction: TV and the
  log-density gap by Monte Carlo over ``10^6`` draws with both exact densities (standard error below 0.001),
  the Frechet distance from the exact moments;
* ``MMD^2`` in closed form (Gaussian integrals) for every case.

``python -m ditrates.experiments.validation`` prints the markdown table of ``docs/experiments.md``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import torch

from ditrates.experiments import distances as ds
from ditrates.experiments.data import DTYPE, DataSpec, IsotropicMixture, LatentMixture


def _gaussian(d: int, mean: float = 0.0, var: float = 1.0) -> IsotropicMixture:
    means = torch.zeros(1, d, dtype=DTYPE)
    means[0, 0] = mean
    return IsotropicMixture(torch.zeros(1, dtype=DTYPE), means, var)


def _chi2_cdf(x: float, d: int) -> float:
    return float(torch.special.gammainc(torch.tensor(d / 2, dtype=DTYPE), torch.tensor(x / 2, dtype=DTYPE)))


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


class _Components:
    """``Q``: a mixture with one variance per component (the plug-in family of :mod:`.distances`)."""

    def __init__(self, log_weights, means, var):
        self.law = ds._Mixture(log_weights, means, var)

    def sample(self, m: int, g: torch.Generator) -> torch.Tensor:
        k = torch.multinomial(self.law.log_weights.exp(), m, replacement=True, generator=g)
        return self.law.means[k] + self.law.var[k].sqrt()[:, None] * torch.randn(m, self.law.means.shape[1],
                                                                                  generator=g, dtype=DTYPE)

    def moments(self):
        w, mu = self.law.log_weights.exp(), self.law.means
        mean = w @ mu
        c = mu - mean
        return mean, (w[:, None] * c).T @ c + (w * self.law.var).sum() * torch.eye(mu.shape[1], dtype=DTYPE)


def mmd_exact(p: IsotropicMixture, q: _Components) -> float:
    """``MMD^2`` between two isotropic mixtures with the bandwidth rule of :func:`.distances.bandwidth`."""
    h2, d = ds.bandwidth(p), p.dim

    def cross(wa, ma, va, wb, mb, vb) -> float:
        s = h2 + va[:, None] + vb[None, :]
        sq = torch.cdist(ma, mb) ** 2
        return float((wa[:, None] * wb[None, :] * (h2 / s) ** (d / 2) * torch.exp(-sq / (2 * s))).sum())

    wp, vp = p.log_weights.exp(), torch.full((len(p.means),), p.var, dtype=DTYPE)
    wq, vq = q.law.log_weights.exp(), q.law.var
    return cross(wp, p.means, vp, wp, p.means, vp) + cross(wq, q.law.means, vq, wq, q.law.means, vq) \
        - 2 * cross(wp, p.means, vp, wq, q.law.means, vq)


def frechet_exact(p: IsotropicMixture, q: _Components) -> float:
    root = ds._sqrtm_psd(p.covariance())
    mq, Sq = q.moments()
    cross = torch.linalg.eigvalsh(root @ Sq @ root).clamp(min=0).sqrt().sum()
    return float(((p.mean() - mq) ** 2).sum() + torch.trace(p.covariance()) + torch.trace(Sq) - 2 * cross)


@dataclasses.dataclass
class Case:
    name: str
    p: IsotropicMixture
    q: _Components
    exact: dict
    tv_power: float  # the share of the exact TV the lower bound must reach (tests)


def _mc(p: IsotropicMixture, q: _Components, draws: int = 10**6) -> tuple[float, float]:
    """``TV = E_P[(1 - q/p)_+]`` and ``E_P log p - E_Q log p`` by Monte Carlo with both exact densities."""
    g = torch.Generator().manual_seed(1)
    x = p.sample(draws, g)
    tv = float((1 - torch.exp(q.law.log_density(x) - p.log_density(x))).clamp(min=0).mean())
    gap = float(p.log_density(x).mean() - p.log_density(q.sample(draws, g)).mean())
    return tv, gap


def cases() -> list[Case]:
    out = []
    s = 1.25
    for d in (4, 8, 16):
        p = _gaussian(d)
        q = _Components(torch.zeros(1, dtype=DTYPE), torch.zeros(1, d, dtype=DTYPE), torch.tensor([s * s], dtype=DTYPE))
        r2 = 2 * d * s * s * math.log(s) / (s * s - 1)
        out.append(Case(f"N(0, I_{d}) vs N(0, 1.25^2 I_{d})", p, q,
                        {"tv_lower": _chi2_cdf(r2, d) - _chi2_cdf(r2 / (s * s), d), "frechet": d * (s - 1) ** 2,
                         "log_density_gap": d * (s * s - 1) / 2, "cluster_scale": s, "covariance_error": s * s - 1,
                         "mmd": mmd_exact(p, q)}, 0.85))
    for d in (4, 16):
        p = _gaussian(d)
        means = torch.zeros(1, d, dtype=DTYPE)
        means[0, 0] = 1.0
        q = _Components(torch.zeros(1, dtype=DTYPE), means, torch.ones(1, dtype=DTYPE))
        out.append(Case(f"N(0, I_{d}) vs N(e_1, I_{d})", p, q,
                        {"tv_lower": 2 * _phi(0.5) - 1, "frechet": 1.0, "log_density_gap": 0.5, "cluster_scale": 1.0,
                         "covariance_error": 0.0, "mmd": mmd_exact(p, q)}, 0.85))
        same = _Components(torch.zeros(1, dtype=DTYPE), torch.zeros(1, d, dtype=DTYPE), torch.ones(1, dtype=DTYPE))
        out.append(Case(f"N(0, I_{d}) vs itself", p, same,
                        {"tv_lower": 0.0, "frechet": 0.0, "log_density_gap": 0.0, "cluster_scale": 1.0,
                         "covariance_error": 0.0, "mmd": 0.0}, 0.0))
    p = LatentMixture(DataSpec(D=8, d0=8)).marginal(0.01)
    g = torch.Generator().manual_seed(7)
    K = len(p.means)
    wider = _Components(p.log_weights, p.means, torch.full((K,), p.var * 1.25**2, dtype=DTYPE))
    direction = torch.randn(K, p.dim, generator=g, dtype=DTYPE)
    moved = p.means + 0.5 * math.sqrt(p.var) * direction / direction.norm(dim=1, keepdim=True)
    shifted = _Components(p.log_weights, moved, torch.full((K,), p.var, dtype=DTYPE))
    for name, q, scale, cov in (("latent mixture (d0 = 8, K = 16) vs its components 1.25x wider", wider, 1.25,
                                 1.25**2 - 1),
                                ("latent mixture vs its means moved by 0.5 sqrt(v)", shifted, 1.0, 0.0)):
        tv, gap = _mc(p, q)
        out.append(Case(name, p, q, {"tv_lower": tv, "frechet": frechet_exact(p, q), "log_density_gap": gap,
                                     "cluster_scale": scale, "covariance_error": cov, "mmd": mmd_exact(p, q)}, 0.7))
    return out


ESTIMATE: dict[str, Callable] = {
    "tv_lower": lambda p, y, g: ds.tv_lower_bound(p, y, g), "log_density_gap": ds.log_density_gap,
    "frechet": ds.frechet_distance, "mmd": lambda p, y, g: ds.mmd(p, y), "cluster_scale": ds.cluster_scale,
    "covariance_error": ds.covariance_error,
}


def estimate(case: Case, m: int, seed: int = 0) -> dict[str, ds.Estimate]:
    g = torch.Generator().manual_seed(seed)
    y = case.q.sample(m, g)
    return {k: f(case.p, y, g) for k, f in ESTIMATE.items()}


def table(m: int = 1024) -> str:
    """The markdown table: each estimator's value ± standard error on ``m`` generated points, and the exact value."""
    keys = list(ESTIMATE)
    lines = ["| pair | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for case in cases():
        est = estimate(case, m)
        lines.append(f"| {case.name} | " + " | ".join(
            f"{est[k].value:.3g} ± {est[k].se:.2g} ({case.exact[k]:.3g})" for k in keys) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(f"m = 1024 generated points; each cell: estimate ± standard error (exact)\n\n{table()}")
