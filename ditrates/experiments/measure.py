r"""Measured errors of a trained score network, each with a standard error, against exact ground truth.

* :func:`score_error`: Theorem 3.2's left-hand side
  ``(1/(T-T0)) int_T0^T ||s(., t) - grad log p_t||^2_{L2(P_t)} dt`` with the exact score. Stratified
  Monte Carlo in ``u = log t`` (the integrand grows like ``1/sigma(t)^2`` near ``T0``): ``[log T0, log T]`` is
  cut into ``J`` equal strata of width ``Du``; each stratum draws ``m`` times ``u ~ Unif`` and
  ``x_t ~ P_t``, and ``(Du / (T - T0)) t ||s - grad log p_t||^2`` is an unbiased draw of its share. The
  standard error is ``sqrt(sum_j Var_j / m)``. The same points give the ``sigma(t)^2``-weighted error
  ``(1/(T-T0)) int sigma^2 ||s - grad log p_t||^2 dt``, the scale of Theorem 3.1's ``eps^2 d0``.
* :func:`subspace_error`: ``||W_B W_B^T - B B^T||_F^2`` (Corollary 3.2.1 (i)).
* :func:`sample`: the backward process ``dy = [y/2 + s(y, T - t)] dt + dW`` from ``N(0, I_D)`` at time ``T``
  to ``T0``, discretised by Euler-Maruyama on a geometric time grid (steps proportional to ``t``, so the
  last steps are far below ``T0``).
* :func:`tv_knn`: a total-variation estimate, :func:`sliced_wasserstein`: the sliced 2-Wasserstein
  distance (bootstrap standard error), between the generated latent ``(W_B U)^T y`` and samples of the
  true latent law ``P^h_T0`` (Corollary 3.2.1 (ii)); ``U`` is the Procrustes rotation (:func:`procrustes`).
* :func:`orthogonal_variance`: ``lambda_max`` of the covariance of ``(I - W_B W_B^T) y`` against the
  corollary's ``a T0`` (Corollary 3.2.1 (iii)).
"""

from __future__ import annotations

import dataclasses
import math

import torch

from ditrates.experiments.data import DTYPE, LatentMixture, beta, sigma


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A measured value and its standard error."""

    value: float
    se: float

    def to_dict(self) -> dict:
        return {"value": self.value, "se": self.se}


def _evaluate(model: torch.nn.Module, x: torch.Tensor, t: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
    """``model(x, t)`` in float64, without gradients, in chunks (float32 inside)."""
    with torch.no_grad():
        return torch.cat([model(x[i:i + chunk].float(), t[i:i + chunk].float()).to(DTYPE)
                          for i in range(0, len(x), chunk)])


def score_error(model: torch.nn.Module, data: LatentMixture, T0: float, T: float, generator: torch.Generator,
                strata: int = 32, per_stratum: int = 128) -> dict[str, Estimate]:
    """``{"score_error", "score_error_weighted"}``: the time-averaged squared score error, unweighted and
    ``sigma(t)^2``-weighted, by stratified Monte Carlo in ``log t`` on fresh (held-out) points."""
    du = (math.log(T) - math.log(T0)) / strata
    lo = math.log(T0) + du * torch.arange(strata, dtype=DTYPE).repeat_interleave(per_stratum)
    t = torch.exp(lo + du * torch.rand(len(lo), generator=generator, dtype=DTYPE)).to(data.device)
    x0 = data.sample(len(t), generator)
    noise = torch.randn(x0.shape, generator=generator, dtype=DTYPE).to(data.device)
    xt = beta(t)[:, None] * x0 + sigma(t).sqrt()[:, None] * noise
    sq = ((_evaluate(model, xt, t) - data.score(xt, t)) ** 2).sum(-1)
    draws = du / (T - T0) * t * sq
    return {"score_error": _stratified(draws, strata),
            "score_error_weighted": _stratified(draws * sigma(t) ** 2, strata)}


def _stratified(draws: torch.Tensor, strata: int) -> Estimate:
    """Sum over strata of the stratum means, with the standard error ``sqrt(sum_j Var_j / m)``."""
    per = draws.view(strata, -1)
    m = per.shape[1]
    return Estimate(float(per.mean(1).sum()), float((per.var(1) / m).sum().sqrt()))


def subspace_error(W_B: torch.Tensor, B: torch.Tensor) -> float:
    """``||W_B W_B^T - B B^T||_F^2`` (0 for the true subspace, at most ``2 d0``)."""
    W, B = W_B.detach().to(DTYPE), B.to(DTYPE)
    return float(((W @ W.T - B @ B.T) ** 2).sum())


def sample(model: torch.nn.Module, D: int, T0: float, T: float, m: int, steps: int,
           generator: torch.Generator, device: str | torch.device = "cpu") -> torch.Tensor:
    """``m`` draws of the discretised backward process at time ``T0`` (float64).

    Euler-Maruyama on the grid ``t_k = T (T0/T)^(k/steps)``: ``y <- y + h (y/2 + s(y, t_k)) + sqrt(h) z`` with
    ``h = t_k - t_{k+1}``, starting from ``y ~ N(0, I_D)`` at ``t_0 = T``.
    """
    grid = T * (T0 / T) ** (torch.arange(steps + 1, dtype=DTYPE) / steps)
    y = torch.randn(m, D, generator=generator).to(device)
    with torch.no_grad():
        for k in range(steps):
            h = float(grid[k] - grid[k + 1])
            t = torch.full((m,), float(grid[k]), device=device)
            z = torch.randn(m, D, generator=generator).to(device)
            y = y + h * (y / 2 + model(y, t)) + math.sqrt(h) * z
    return y.to(DTYPE)


def procrustes(W_B: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """The orthogonal ``U`` minimising ``||W_B U - B||_F``: ``U = P Q^T`` for ``W_B^T B = P S Q^T``."""
    P, _, Qh = torch.linalg.svd(W_B.to(DTYPE).T @ B.to(DTYPE))
    return P @ Qh


def tv_knn(p: torch.Tensor, q: torch.Tensor, generator: torch.Generator, k: int | None = None) -> Estimate:
    r"""A held-out k-nearest-neighbour estimate of ``TV(P, Q)`` from samples, which estimates a lower bound.

    Each sample is split in halves. A ``k``-NN classifier (``k`` odd, about ``sqrt`` of the training size)
    fitted on the first halves defines the set ``A`` of points it assigns to ``P``; then
    ``TV(P, Q) >= P(A) - Q(A)``, estimated without bias on the second halves, with the binomial standard
    error ``sqrt(a (1 - a) / m_P + b (1 - b) / m_Q)``. As the samples grow and ``A`` approaches the
    Bayes set ``{p > q}``, the estimate tends to ``TV``; for ``P = Q`` its mean is 0 exactly.
    """
    m = min(len(p), len(q)) // 2 * 2
    p = p[torch.randperm(len(p), generator=generator)[:m]].to(DTYPE)
    q = q[torch.randperm(len(q), generator=generator)[:m]].to(DTYPE)
    half = m // 2
    train = torch.cat([p[:half], q[:half]])
    labels = torch.cat([torch.zeros(half), torch.ones(half)]).to(train.device)
    k = k or 2 * int(math.sqrt(len(train)) / 2) + 1

    def in_A(x: torch.Tensor) -> torch.Tensor:
        nearest = torch.cdist(x, train).topk(k, largest=False).indices
        return (labels[nearest].mean(1) < 0.5).to(DTYPE)

    a, b = in_A(p[half:]).mean(), in_A(q[half:]).mean()
    se = torch.sqrt(a * (1 - a) / (m - half) + b * (1 - b) / (m - half))
    return Estimate(float(a - b), float(se))


def sliced_wasserstein(p: torch.Tensor, q: torch.Tensor, generator: torch.Generator, projections: int = 128,
                       resamples: int = 100) -> Estimate:
    r"""The sliced 2-Wasserstein distance ``SW_2 = (E_theta W_2^2(theta^T P, theta^T Q))^(1/2)`` between two
    empirical laws (equal sizes; ``projections`` directions ``theta`` uniform on the sphere; 1-D ``W_2`` by
    sorting), with a bootstrap standard error (both samples resampled, directions fixed).
    """
    m = min(len(p), len(q))
    theta = torch.randn(p.shape[1], projections, generator=generator, dtype=DTYPE).to(p.device)
    theta = theta / theta.norm(dim=0)
    proj_p, proj_q = p[:m].to(DTYPE) @ theta, q[:m].to(DTYPE) @ theta

    def sw(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return ((a.sort(0).values - b.sort(0).values) ** 2).mean().sqrt()

    def draw() -> torch.Tensor:
        return torch.randint(0, m, (m,), generator=generator).to(p.device)

    boots = torch.stack([sw(proj_p[draw()], proj_q[draw()]) for _ in range(resamples)])
    return Estimate(float(sw(proj_p, proj_q)), float(boots.std()))


def orthogonal_variance(y: torch.Tensor, W_B: torch.Tensor, generator: torch.Generator,
                        resamples: int = 200) -> Estimate:
    """``lambda_max`` of the covariance of ``(I - W_B W_B^T) y``, with a bootstrap standard error."""
    W = W_B.to(DTYPE)
    perp = y - (y @ W) @ W.T

    def top(rows: torch.Tensor) -> torch.Tensor:
        return torch.linalg.eigvalsh(torch.cov(rows.T))[-1]

    def draw() -> torch.Tensor:
        return torch.randint(0, len(perp), (len(perp),), generator=generator).to(y.device)

    boots = torch.stack([top(perp[draw()]) for _ in range(resamples)])
    return Estimate(float(top(perp)), float(boots.std()))


@dataclasses.dataclass(frozen=True)
class MeasureSpec:
    """How much to measure: the score-error strata and draws per stratum, and the backward sampler's
    sample size and number of steps."""

    T0: float
    T: float
    strata: int
    per_stratum: int
    samples: int
    sampler_steps: int


def measure(model: torch.nn.Module, data: LatentMixture, spec: MeasureSpec,
            generator: torch.Generator) -> dict[str, Estimate | None]:
    """Every measurement of a trained network (None where it does not apply).

    ``score_error``, ``score_error_weighted``; ``subspace_error`` (learned ``W_B`` only); from ``samples``
    backward-process draws projected to the latent by ``(W_B U)^T`` (``B^T`` for the ambient baseline):
    ``tv`` and ``sw`` against as many draws of ``P^h_T0``, and ``tv_floor`` and ``sw_floor`` between two
    independent samples of ``P^h_T0`` (the estimators' finite-sample level); ``orthogonal_variance``
    (``lambda_max`` of the covariance of ``(I - W_B W_B^T) y``; not for the ambient baseline).
    """
    out: dict[str, Estimate | None] = dict(score_error(model, data, spec.T0, spec.T, generator))
    W = model.W_B
    learned = model.projection == "learned"
    out["subspace_error"] = Estimate(subspace_error(W, data.B), 0.0) if learned else None
    y = sample(model, data.D, spec.T0, spec.T, spec.samples, spec.sampler_steps, generator, data.device)
    frame = data.B if W is None else W.detach().to(DTYPE) @ procrustes(W.detach(), data.B)
    generated = y @ frame
    truth = data.sample_latent_marginal(spec.samples, spec.T0, generator)
    again = data.sample_latent_marginal(spec.samples, spec.T0, generator)
    out["tv"], out["tv_floor"] = tv_knn(truth, generated, generator), tv_knn(truth, again, generator)
    out["sw"] = sliced_wasserstein(truth, generated, generator)
    out["sw_floor"] = sliced_wasserstein(truth, again, generator)
    out["orthogonal_variance"] = None if W is None else orthogonal_variance(y, W.detach(), generator)
    return out
