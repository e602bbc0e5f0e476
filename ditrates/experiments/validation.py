r"""The distance estimators on pairs of laws with known distances: the cases, the table, the TV bound's power.

Each :class:`Case` is an exact law ``P`` (an :class:`~ditrates.experiments.data.IsotropicMixture`) and an exact
law ``Q`` (a :class:`~ditrates.experiments.data.GaussianMixture`) with the kind of error ``Q`` makes; the exact
value of every distance comes from its own ``exact`` function in :data:`~ditrates.experiments.distances.ESTIMATORS`
(closed forms for the Frechet distance and ``MMD^2``, Monte Carlo over ``draws`` exact draws with both densities
known for the rest), so a new distance is validated on every case without an edit here.

* single Gaussians ``N(0, I_d)`` against ``N(0, 1.25^2 I_d)`` (``d = 4, 8, 16``), against ``N(e_1, I_d)`` and
  against themselves (``d = 4, 16``);
* the latent law of the experiments (``d0 = 8``, ``K = 16`` components, at ``T0``) against itself and against
  the errors a generative model can make: every component 1.25x wider; means moved by ``0.5 sqrt(v)`` in random
  directions; half the components twice as likely as the others; two or four components dropped; one axis
  1.5x wider for all components (anisotropy); each component 2x wider along a random direction of its own
  (stretched); each component an equal mixture of ``N(m_k, 0.36 v I)`` and ``N(m_k, 1.64 v I)`` (tails: the
  same covariance, other tails);
* the ``d0 = 16`` law (``K = 32``) with components 1.25x wider.

``python -m ditrates.experiments.validation [m] [replicates]`` prints the markdown tables of
``docs/experiments.md``: every estimator at ``m`` generated points (default 1024, the sweeps' sample size), and
the TV lower bound's power over independent replicates.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import sys

import torch

from ditrates.experiments import distances, tv
from ditrates.experiments.data import DTYPE, DataSpec, GaussianMixture, IsotropicMixture, LatentMixture
from ditrates.experiments.distances import REFERENCE, Estimate

DRAWS = 10**6
"""Exact draws of each law behind a Monte Carlo exact value (standard error below 0.001 for TV)."""


@dataclasses.dataclass(frozen=True, eq=False)
class Case:
    """A pair of exact laws: ``P``, ``Q`` and the kind of error ``Q`` makes."""

    name: str
    kind: str
    p: IsotropicMixture
    q: GaussianMixture
    _exact: dict = dataclasses.field(default_factory=dict, repr=False)

    def exact(self, draws: int = DRAWS) -> dict[str, float]:
        """Every distance between ``P`` and ``Q`` (over ``draws`` exact draws where it is a Monte Carlo value)."""
        if draws not in self._exact:
            self._exact[draws] = {e.key: e.exact_value(self.p, self.q, torch.Generator().manual_seed(1), draws)
                                  for e in distances.ESTIMATORS}
        return self._exact[draws]


def _gaussian(d: int) -> IsotropicMixture:
    return IsotropicMixture(torch.zeros(1, dtype=DTYPE), torch.zeros(1, d, dtype=DTYPE), 1.0)


def _unit(rows: int, d: int, g: torch.Generator) -> torch.Tensor:
    u = torch.randn(rows, d, generator=g, dtype=DTYPE)
    return u / u.norm(dim=1, keepdim=True)


def _latent_errors(p: IsotropicMixture, g: torch.Generator) -> list[tuple[str, str, GaussianMixture]]:
    """The latent law's errors (see the module doc), each as ``(name, kind, Q)``."""
    K, d = p.means.shape
    v, eye = p.var, torch.eye(d, dtype=DTYPE)
    same = v * eye.expand(K, d, d)
    heavy = torch.ones(K, dtype=DTYPE)
    heavy[: K // 2] = 2.0
    u, own = _unit(1, d, g)[0], _unit(K, d, g)
    moved = p.means + 0.5 * math.sqrt(v) * _unit(K, d, g)
    halves = torch.cat([p.log_weights, p.log_weights]) - math.log(2)
    return [
        ("components 1.25x wider", "scale", GaussianMixture(p.log_weights, p.means, 1.25**2 * same)),
        ("means moved by 0.5 sqrt(v)", "means", GaussianMixture(p.log_weights, moved, same)),
        ("half the components twice as likely", "weights", GaussianMixture((heavy / heavy.sum()).log(), p.means, same)),
        ("2 of 16 components dropped", "dropped", GaussianMixture(torch.full((K - 2,), -math.log(K - 2), dtype=DTYPE),
                                                                  p.means[2:], same[2:])),
        ("4 of 16 components dropped", "dropped", GaussianMixture(torch.full((K - 4,), -math.log(K - 4), dtype=DTYPE),
                                                                  p.means[4:], same[4:])),
        ("one axis 1.5x wider", "anisotropic", GaussianMixture(p.log_weights, p.means,
                                                               same + (1.5**2 - 1) * v * torch.outer(u, u))),
        ("each component 2x wider along its own axis", "stretched",
         GaussianMixture(p.log_weights, p.means, same + (2**2 - 1) * v * own[:, :, None] * own[:, None, :])),
        ("each component a 0.6x / 1.28x scale mixture", "tails",
         GaussianMixture(halves, torch.cat([p.means, p.means]), torch.cat([0.36 * same, 1.64 * same]))),
    ]


def cases() -> list[Case]:
    out = []
    for d in (4, 8, 16):
        p = _gaussian(d)
        out.append(Case(f"N(0, I_{d}) vs N(0, 1.25^2 I_{d})", "scale", p,
                        GaussianMixture(p.log_weights, p.means, 1.25**2 * torch.eye(d, dtype=DTYPE)[None])))
    for d in (4, 16):
        p = _gaussian(d)
        e1 = torch.zeros(1, d, dtype=DTYPE)
        e1[0, 0] = 1.0
        out.append(Case(f"N(0, I_{d}) vs N(e_1, I_{d})", "means", p, GaussianMixture(p.log_weights, e1,
                                                                                    torch.eye(d, dtype=DTYPE)[None])))
        out.append(Case(f"N(0, I_{d}) vs itself", "none", p, GaussianMixture.of(p)))
    p = LatentMixture(DataSpec(D=8, d0=8)).marginal(0.01)
    out.append(Case("latent mixture (d0 = 8, K = 16) vs itself", "none", p, GaussianMixture.of(p)))
    out += [Case(f"latent mixture vs {name}", kind, p, q)
            for name, kind, q in _latent_errors(p, torch.Generator().manual_seed(7))]
    p16 = LatentMixture(DataSpec(D=16, d0=16)).marginal(0.01)
    out.append(Case("latent mixture (d0 = 16, K = 32) vs components 1.25x wider", "scale", p16,
                    GaussianMixture(p16.log_weights, p16.means, 1.25**2 * p16.var * torch.eye(16, dtype=DTYPE)[None])))
    return out


def estimate(case: Case, m: int, seed: int = 0) -> dict[str, Estimate]:
    """Every estimator on ``m`` draws of ``Q`` (the sweeps' measurement: :data:`REFERENCE` ``m`` draws of ``P``)."""
    g = torch.Generator().manual_seed(seed)
    y = case.q.sample(m, g)
    return {e.key: e(case.p, y, g, REFERENCE * m) for e in distances.ESTIMATORS}


def table(m: int = 1024) -> str:
    """Each estimator's value ± standard error on ``m`` generated points, and the exact value."""
    table_ = distances.ESTIMATORS
    lines = ["| pair | " + " | ".join(e.key for e in table_) + " |", "|---" * (len(table_) + 1) + "|"]
    for i, case in enumerate(cases()):
        est, exact = estimate(case, m, seed=i), case.exact()  # one seed per case: their errors independent
        lines.append(f"| {case.name} | " + " | ".join(
            f"{est[e.key].value:.3g} ± {est[e.key].se:.2g} ({exact[e.key]:.3g})" for e in table_) + " |")
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Power:
    """The TV lower bound over independent samples of one case: its mean and the mean's standard error, the
    share of the exact TV it reaches, its spread and the mean of its per-run standard errors, and the plug-in
    families chosen (counts over folds)."""

    exact: float
    mean: float
    mean_se: float
    sd: float
    run_se: float
    families: dict

    @property
    def power(self) -> float | None:
        return self.mean / self.exact if self.exact > 0.05 else None


def power(case: Case, m: int = 1024, replicates: int = 30, seed: int = 1000, draws: int = DRAWS) -> Power:
    values, ses, chosen = [], [], []
    for r in range(replicates):
        g = torch.Generator().manual_seed(seed + r)
        value, se = tv.tv_lower_bound(case.p, case.q.sample(m, g), g, REFERENCE * m, chosen)
        values.append(value)
        ses.append(se)
    v = torch.tensor(values, dtype=DTYPE)
    return Power(case.exact(draws)["tv_lower"], float(v.mean()), float(v.std()) / math.sqrt(replicates), float(v.std()),
                 float(torch.tensor(ses).mean()), dict(collections.Counter(chosen).most_common()))


def power_table(m: int = 1024, replicates: int = 30) -> str:
    """Per case: the exact TV, the TV lower bound's mean over ``replicates`` samples of ``m`` points (± the mean's
    standard error), its share of the exact TV (where TV > 0.05), its spread over the replicates beside the mean
    per-run standard error, and the plug-in families the folds chose."""
    lines = ["| pair | error | TV | lower bound (mean) | share of TV | spread | per-run s.e. | families chosen |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for case in cases():
        pw = power(case, m, replicates)
        share = "-" if pw.power is None else f"{pw.power:.0%}"
        fams = ", ".join(f"{k} {v}" for k, v in pw.families.items())
        lines.append(f"| {case.name} | {case.kind} | {pw.exact:.3f} | {pw.mean:.3f} ± {pw.mean_se:.3f} | {share} | "
                     f"{pw.sd:.4f} | {pw.run_se:.4f} | {fams} |")
    return "\n".join(lines)


if __name__ == "__main__":
    torch.set_num_threads(1)
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    print(f"m = {m} generated points; each cell: estimate ± standard error (exact)\n\n{table(m)}\n")
    print(f"TV lower bound over {reps} independent samples of m = {m} points each:\n\n{power_table(m, reps)}")
