r"""A lower bound on ``TV(P, Q)`` from a sample of ``Q`` and the exact ``P``: plug-in families, cross-fitted.

For any set ``A``, ``TV(P, Q) >= P(A) - Q(A)``; the best set is ``{q < p}``. The sample ``y_1..y_m`` of ``Q``
is cut into :data:`FOLDS` folds. For each fold ``j`` a plug-in density ``q^_j`` is fitted to the other folds
only, ``A_j = {p > q^_j}``, ``P(A_j)`` is estimated on exact draws of ``P`` and ``Q(A_j)`` on fold ``j``; the
estimate is the mean over folds of ``P^(A_j) - Q^_j(A_j)``. Each term has expectation ``P(A_j) - Q(A_j) <= TV``
given the other folds, so the estimate's mean is at most ``TV`` whatever the plug-in (and exactly 0 when
``Q = P``): a plug-in that fits ``Q`` badly costs power, never validity.

**The plug-in families** (:data:`FAMILIES`) start from ``P``'s own components ``N(m_k, v I)`` and refit them
by EM from ``P``'s responsibilities (:data:`EM_STEPS` steps, :data:`LONG_STEPS` for the weights alone), with
priors centred at ``P`` (one pseudo-point per component weight, two per variance; each component's
displacement shrunk by James and Stein's rule):

* ``weights``: the mixture weights only (mass moved between components, components dropped);
* ``scales``: and one variance per component (clusters too wide or too narrow);
* ``shape``: and a covariance shape shared by all components (the law stretched along common axes);
* ``spikes``: and each component's covariance, its eigenvalues shrunk as in a spiked model (the bulk set to
  its level, eigenvalues outside the Marchenko-Pastur edges debiased, Stein's loss): a component stretched
  or squeezed along directions of its own;
* ``axes``: and each component stretched along a direction of its own (its sample covariance's top eigenvector
  ``u_k``) by one factor shared by all components: ``v (I + (eta_k - 1) u_k u_k^T)``, far fewer parameters
  than ``spikes`` for that kind of error; ``moved axes``: the same with the means of ``means``;
* ``means``: weights, variances and means (components displaced);
* ``tails``: weights and, shared by all components, a two-scale mixture ``rho N(m_k, a v I) + (1 - rho)
  N(m_k, b v I)`` (clusters with too heavy or too light tails at the same covariance).

For each fold, the family is chosen by cross-validated log-likelihood on the *other* folds (fitted on all
but two folds, scored on one of them), so the choice never sees the fold it is evaluated on. Validated on laws
with known ``TV`` in :mod:`~ditrates.experiments.validation`.

**Standard error.** The spread of the fitted sets is part of the estimate's variance (a binomial error given
the sets is 25-30% too small, and a delete-a-group jackknife, which a set's jumps make far too large, does not
work either): the standard error is a parametric bootstrap. :data:`BOOTSTRAP` samples of size ``m`` are drawn
from the plug-in fitted to the whole sample in the family chosen most often, the estimate is recomputed on each
(the same folds and families, ``P(A_j)`` on :data:`BOOTSTRAP_REFERENCE` common exact draws), and their variance
is added to the binomial variance of ``P^(A_j)``.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from ditrates.experiments.data import DTYPE, GaussianMixture, IsotropicMixture
from ditrates.experiments.distances import SETTINGS

FOLDS = SETTINGS["tv_folds"]
"""Cross-fitting folds (the plug-in of each fold is fitted to the others)."""
BOOTSTRAP = SETTINGS["tv_bootstrap"]
"""Samples of the parametric bootstrap of the standard error."""
EM_STEPS = SETTINGS["tv_em_steps"]
"""EM steps of a plug-in fit with covariances, from ``P``'s responsibilities (more fit the noise of 50 points)."""
LONG_STEPS = SETTINGS["tv_long_steps"]
"""EM steps of the weights-only fit (weights of dropped components need them) and of the two-scale fit (it
starts away from ``P``)."""
BOOTSTRAP_REFERENCE = SETTINGS["tv_bootstrap_reference"]
"""Exact draws of ``P`` on which the bootstrap replicates evaluate ``P(A_j)`` (the same for every replicate)."""


@dataclasses.dataclass(frozen=True)
class Family:
    """A plug-in family: what it refits of ``P``'s components (the mixture weights always)."""

    name: str
    scales: bool = False
    shape: bool = False
    spikes: bool = False
    axes: bool = False
    means: bool = False
    tails: bool = False


FAMILIES = (Family("weights"), Family("scales", scales=True), Family("shape", scales=True, shape=True),
            Family("spikes", spikes=True), Family("axes", axes=True), Family("moved axes", axes=True, means=True),
            Family("means", scales=True, means=True), Family("tails", tails=True))


def _population(rel: torch.Tensor, g) -> tuple[torch.Tensor, torch.Tensor]:
    """The population spikes ``l*`` behind sample eigenvalues ``rel`` (relative to the bulk level) of ``n`` points
    in ``d`` dimensions, ``g = d / n``: the roots above and below 1 of ``rel = l* (1 + g / (l* - 1))``."""
    b = rel + 1 - g
    root = (b * b - 4 * rel).clamp(min=0).sqrt()
    return (b + root) / 2, (b - root) / 2


def _stein(spike: torch.Tensor, g) -> torch.Tensor:
    """The spike ``l*`` shrunk for Stein's loss along its sample eigenvector: ``l* / (c^2 + l* (1 - c^2))`` with
    ``c^2 = (1 - g / (l* - 1)^2) / (1 + g / (l* - 1))`` the squared cosine between the sample and population
    eigenvectors (``c^2 = 0`` where ``l* = 1``, which leaves 1)."""
    gap = spike - 1
    inside = gap.abs() < 1e-12
    gap = torch.where(inside, torch.ones_like(gap), gap)
    c2 = torch.where(inside, torch.zeros_like(spike), ((1 - g / gap**2) / (1 + g / gap)).clamp(0, 1))
    return spike / (c2 + spike * (1 - c2))


def _spiked(C: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """Per component, a sample covariance ``C_k`` of ``n_k`` points with its eigenvalues shrunk: the bulk level
    ``s^2`` is the mean of the eigenvalues inside the Marchenko-Pastur edges ``s^2 (1 +- sqrt(g))^2``
    (``g = d / n_k``), those set to ``s^2``; an eigenvalue outside is taken to its population spike ``s^2 l*``
    (:func:`_population`) and shrunk for Stein's loss (:func:`_stein`)."""
    lam, V = torch.linalg.eigh(C)
    g = (C.shape[-1] / n.clamp(min=1.0))[:, None]
    hi, lo = (1 + g.sqrt()) ** 2, torch.where(g < 1, (1 - g.sqrt().clamp(max=1)) ** 2, torch.zeros_like(g))
    level = lam.mean(1, keepdim=True).clamp(min=1e-300)
    for _ in range(3):
        bulk = (lam <= hi * level) & (lam >= lo * level)
        inside = bulk.sum(1, keepdim=True)
        level = torch.where(inside > 0, (lam * bulk).sum(1, keepdim=True) / inside.clamp(min=1), level)
    rel = lam / level
    above, below = _population(rel, g)
    spike = torch.where(rel > hi, above, torch.where(rel < lo, below, torch.ones_like(rel)))
    return (V * (level * _stein(spike, g))[:, None, :]) @ V.transpose(1, 2)


def _axes(C: torch.Tensor, n: torch.Tensor, v: float) -> torch.Tensor:
    """Per component, ``v (I + (eta_k - 1) u_k u_k^T)``: ``u_k`` the top eigenvector of the sample covariance
    ``C_k`` of ``n_k`` points; one population spike ``l* >= 1`` for all components (the ``n_k``-weighted mean of
    :func:`_population` of each top eigenvalue over ``P``'s variance ``v``), shrunk per component for Stein's
    loss (:func:`_stein`, ``g = d / n_k``)."""
    lam, V = torch.linalg.eigh(C)
    g = C.shape[-1] / n.clamp(min=1.0)
    spike = _population(lam[:, -1] / v, g)[0].clamp(min=1.0)
    shared = (spike * n).sum() / n.sum().clamp(min=1e-9)
    u = V[:, :, -1]
    eye = torch.eye(C.shape[-1], dtype=C.dtype)
    return v * (eye + (_stein(shared.expand_as(g), g) - 1)[:, None, None] * u[:, :, None] * u[:, None, :])


def _moments(r: torch.Tensor, y: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
    """``sum_i r_ik (y_i - c_k)(y_i - c_k)^T`` for every component ``k`` (K x d x d)."""
    d = y.shape[1]
    second = (r.T @ (y[:, :, None] * y[:, None, :]).view(len(y), d * d)).view(-1, d, d)
    first = r.T @ y
    n = r.sum(0)[:, None, None]
    return (second - first[:, :, None] * centre[:, None, :] - centre[:, :, None] * first[:, None, :]
            + n * centre[:, :, None] * centre[:, None, :])


def _m_step(law: IsotropicMixture, y: torch.Tensor, r: torch.Tensor, family: Family) -> GaussianMixture:
    K, d = law.means.shape
    eye = torch.eye(d, dtype=DTYPE)
    n = r.sum(0)
    log_w = ((n + K * law.log_weights.exp()) / (len(y) + K)).log()
    means = law.means
    if family.means:  # James-Stein: each component's displacement shrunk towards P's mean
        shift = r.T @ y / n.clamp(min=1e-9)[:, None] - law.means
        keep = (1 - (d - 2) * law.var / (n * (shift**2).sum(1)).clamp(min=1e-12)).clamp(min=0)
        means = law.means + keep[:, None] * shift
    S = _moments(r, y, means)
    if family.spikes or family.axes:
        C = (S + 2 * law.var * eye) / (n + 2)[:, None, None]
        return GaussianMixture(log_w, means, _spiked(C, n + 2) if family.spikes else _axes(C, n + 2, law.var))
    var = law.var * torch.ones(K, dtype=DTYPE)
    if family.scales:
        var = (torch.diagonal(S, dim1=1, dim2=2).sum(1) + 2 * d * law.var) / (d * n + 2 * d)
    shape = eye
    if family.shape:
        pooled = (S / var[:, None, None]).sum(0) + 2 * K * eye
        shape = pooled / (torch.trace(pooled) / d)
    return GaussianMixture(log_w, means, var[:, None, None] * shape)


def _fit_weights(law: IsotropicMixture, y: torch.Tensor) -> GaussianMixture:
    """The weights alone: :data:`LONG_STEPS` EM steps with ``P``'s components (one pseudo-point per weight)."""
    K, d = law.means.shape
    prior = law.log_weights.exp()
    logn = law.component_log_densities(y) - law.log_weights
    w = prior
    for _ in range(LONG_STEPS):
        w = (torch.softmax(logn + w.log(), 1).sum(0) + K * prior) / (len(y) + K)
    return GaussianMixture(w.log(), law.means, law.var * torch.eye(d, dtype=DTYPE)[None])


def _fit_tails(law: IsotropicMixture, y: torch.Tensor) -> GaussianMixture:
    """Weights, and a two-scale mixture shared by the components: ``rho N(m_k, a v I) + (1 - rho) N(m_k, b v I)``
    (EM from ``a = 0.6, b = 1.4, rho = 1/2``; one pseudo-point for ``rho``, two per scale at ``v``)."""
    K, d = law.means.shape
    prior = law.log_weights.exp()
    w, rho, a, b = prior, 0.5, 0.6, 1.4
    sq = torch.cdist(y, law.means) ** 2 / law.var
    for _ in range(LONG_STEPS):
        r = torch.softmax(torch.cat([(w * rho).log() - sq / (2 * a) - d / 2 * math.log(a),
                                     (w * (1 - rho)).log() - sq / (2 * b) - d / 2 * math.log(b)], 1), 1)
        ra, rb = r[:, :K], r[:, K:]
        w = (ra.sum(0) + rb.sum(0) + K * prior) / (len(y) + K)
        rho = float((ra.sum() + 1) / (len(y) + 2))
        a = float(((ra * sq).sum() + 2 * d) / (d * ra.sum() + 2 * d))
        b = float(((rb * sq).sum() + 2 * d) / (d * rb.sum() + 2 * d))
    eye = torch.eye(d, dtype=DTYPE)
    return GaussianMixture(torch.cat([(w * rho).log(), (w * (1 - rho)).log()]), torch.cat([law.means, law.means]),
                           torch.cat([a * law.var * eye.expand(K, d, d), b * law.var * eye.expand(K, d, d)]))


def fit(law: IsotropicMixture, y: torch.Tensor, family: Family) -> GaussianMixture:
    """The plug-in of ``family`` fitted to ``y`` (see the module doc)."""
    y = y.to(DTYPE)
    if family.tails:
        return _fit_tails(law, y)
    if family == FAMILIES[0]:
        return _fit_weights(law, y)
    r = law.responsibilities(y)
    q = _m_step(law, y, r, family)
    for _ in range(EM_STEPS - 1):
        q = _m_step(law, y, torch.softmax(q.component_log_densities(y), 1), family)
    return q


def choose(law: IsotropicMixture, y: torch.Tensor, fold: torch.Tensor) -> list[Family]:
    """Per fold ``j``, the family with the largest log-likelihood on each other fold ``i`` when fitted to the
    folds other than ``i`` and ``j`` (each such fit serves ``(i, j)`` and ``(j, i)``)."""
    folds = range(int(fold.max()) + 1)
    scores = {}
    for family in FAMILIES:
        for i in folds:
            for j in folds:
                if i < j:
                    q = fit(law, y[(fold != i) & (fold != j)], family)
                    scores[family, i, j] = float(q.log_density(y[fold == i]).sum())
                    scores[family, j, i] = float(q.log_density(y[fold == j]).sum())
    return [max(FAMILIES, key=lambda f: sum(scores[f, i, j] for i in folds if i != j)) for j in folds]


def _sets(law, y, fold, families, x, log_p_x):
    """Per fold: the share of ``x`` in ``A_j`` and the indicator of ``A_j`` on fold ``j``."""
    shares, held_in = [], torch.empty(len(y), dtype=DTYPE)
    for j, family in enumerate(families):
        q = fit(law, y[fold != j], family)
        shares.append((log_p_x > q.log_density(x)).to(DTYPE))
        held = fold == j
        held_in[held] = (law.log_density(y[held]) > q.log_density(y[held])).to(DTYPE)
    return shares, held_in


def tv_lower_bound(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator, reference: int,
                   chosen: list | None = None) -> tuple[float, float]:
    """``(1/F) sum_j [P^(A_j) - Q^_j(A_j)]`` with ``P^`` on ``reference`` exact draws, and its standard error
    (see the module doc); the names of the families chosen for the folds are appended to ``chosen``."""
    m = len(y)
    y = y[torch.randperm(m, generator=generator)].to(DTYPE)
    fold = torch.arange(m) % FOLDS
    families = choose(law, y, fold)
    x = law.sample(reference, generator)
    shares, held_in = _sets(law, y, fold, families, x, law.log_density(x))
    in_p = torch.stack(shares).mean(0)
    value = float(in_p.mean() - held_in.mean())
    q = fit(law, y, max(families, key=families.count))
    xb = x[:BOOTSTRAP_REFERENCE]
    log_p_xb = law.log_density(xb)
    reps = []
    for _ in range(BOOTSTRAP):
        s, h = _sets(law, q.sample(m, generator), fold, families, xb, log_p_xb)
        reps.append(float(torch.stack(s).mean(0).mean() - h.mean()))
    se = math.sqrt(float(torch.tensor(reps, dtype=DTYPE).var()) + float(in_p.var()) / len(in_p))
    if chosen is not None:
        chosen += [f.name for f in families]
    return value, se


def exact_tv(p: IsotropicMixture, q: GaussianMixture, generator: torch.Generator, draws: int) -> float:
    """``TV(P, Q) = E_P[(1 - q/p)_+]`` by Monte Carlo over ``draws`` exact draws of ``P``, both densities exact."""
    x = p.sample(draws, generator)
    return float((1 - torch.exp(q.log_density(x) - p.log_density(x))).clamp(min=0).mean())
