r"""Measured errors of a trained score network against exact ground truth, each with a standard error.

* :func:`score_error`: Theorem 3.2's left-hand side
  ``(1/(T-T0)) int_T0^T ||s(., t) - grad log p_t||^2_{L2(P_t)} dt`` in ``R^D`` with the exact score, and its
  two parts: on the support (``||B^T (s - grad log p_t)||^2``) and orthogonal to it
  (``||(I - B B^T)(s - grad log p_t)||^2``, identically 0 for a network with ``W_B = B``). Stratified Monte
  Carlo in ``u = log t`` (the integrand grows like ``1/sigma(t)^2`` near ``T0``): ``[log T0, log T]`` is cut
  into ``J`` equal strata of width ``Du``; each stratum draws ``m`` times ``u ~ Unif`` and ``x_t ~ P_t``, and
  ``(Du / (T - T0)) t ||s - grad log p_t||^2`` is an unbiased draw of its share. The standard error is
  ``sqrt(sum_j Var_j / m)``.
* :func:`memorisation`: the same design on the training points: Theorem 3.2's DSM loss there, and its excess
  over the training sample's own optimum (:func:`empirical_score`), to set beside the held-out excess (the
  score error): a network that fits its sample better than the law has memorised it.
* :func:`untrained_error`: the same score error for the networks before training (their read-outs start at
  zero, so ``s = -x / sigma(t)`` for every network): the level an error must stay below to mean anything.
* :func:`subspace_error`: ``||W_B W_B^T - B B^T||_F^2`` (Corollary 3.2.1 (i)).
* :func:`sample`: the backward process ``dy = [y/2 + s(y, T - t)] dt + dW`` from ``N(0, I_D)`` at time ``T``
  to ``T0``, discretised by Euler-Maruyama on a geometric time grid.
* :func:`orthogonal_variance`: ``lambda_max`` of the covariance of ``(I - B B^T) y`` for the *true* ``B``: the
  generated law's spread off the data's subspace, ``sigma(T0)`` for the exact score (Corollary 3.2.1 (iii)
  bounds it by ``a T0`` relative to ``W_B``, where the ``-x/sigma`` skip of the latent networks fixes it).
* :func:`measure` runs them all and the distances of :mod:`~ditrates.experiments.distances` between the
  generated latent ``(W_B U)^T y`` (``U`` the Procrustes rotation, :func:`procrustes`) and ``P^h_T0``.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from ditrates.experiments.data import DTYPE, LatentMixture, beta, sigma
from ditrates.experiments.distances import Estimate, distances


def _evaluate(model: torch.nn.Module, x: torch.Tensor, t: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
    """``model(x, t)`` in float64, without gradients, in chunks (float32 inside)."""
    with torch.no_grad():
        return torch.cat([model(x[i:i + chunk].float(), t[i:i + chunk].float()).to(DTYPE)
                          for i in range(0, len(x), chunk)])


def _stratified_times(T0: float, T: float, strata: int, per_stratum: int, generator: torch.Generator):
    """Times stratified in ``log t`` and each draw's factor ``Du t / (T - T0)``."""
    du = (math.log(T) - math.log(T0)) / strata
    lo = math.log(T0) + du * torch.arange(strata, dtype=DTYPE).repeat_interleave(per_stratum)
    t = torch.exp(lo + du * torch.rand(len(lo), generator=generator, dtype=DTYPE))
    return t, du / (T - T0) * t


def _stratified(draws: torch.Tensor, strata: int) -> Estimate:
    """Sum over strata of the stratum means, with the standard error ``sqrt(sum_j Var_j / m)``."""
    per = draws.view(strata, -1)
    return Estimate(float(per.mean(1).sum()), float((per.var(1) / per.shape[1]).sum().sqrt()))


def _noised(x0: torch.Tensor, t: torch.Tensor, generator: torch.Generator):
    z = torch.randn(x0.shape, generator=generator, dtype=DTYPE).to(x0.device)
    return beta(t)[:, None] * x0 + sigma(t).sqrt()[:, None] * z, -z / sigma(t).sqrt()[:, None]


EARLY = 10.0
"""``score_error_early`` averages over ``[T0, EARLY T0]``, the last stretch of the backward process."""


def score_error(model: torch.nn.Module, data: LatentMixture, T0: float, T: float, generator: torch.Generator,
                strata: int = 32, per_stratum: int = 128) -> dict[str, Estimate]:
    """``{"score_error", "score_error_latent", "score_error_orthogonal", "dsm_heldout", "score_error_early"}``:
    the time-averaged squared score error in ``R^D``, its parts on and off the support, the DSM loss, on fresh
    points; and the score error averaged over ``t`` in ``[T0, 10 T0]`` only (``strata / 4`` strata), where the
    whole-range average gives little weight but the generated samples take their final shape."""
    out = _score_error(model, data, T0, T, generator, strata, per_stratum)
    early = _score_error(model, data, T0, min(T, EARLY * T0), generator, max(1, strata // 4), per_stratum)
    return {**out, "score_error_early": early["score_error"]}


def _score_error(model: torch.nn.Module, data: LatentMixture, T0: float, T: float, generator: torch.Generator,
                 strata: int, per_stratum: int) -> dict[str, Estimate]:
    t, factor = _stratified_times(T0, T, strata, per_stratum, generator)
    t = t.to(data.device)
    x0 = data.sample(len(t), generator)
    xt, target = _noised(x0, t, generator)
    s = _evaluate(model, xt, t)
    diff = s - data.score(xt, t)
    on = (diff @ data.B) ** 2
    factor = factor.to(data.device)
    return {"score_error": _stratified(factor * (diff**2).sum(-1), strata),
            "score_error_latent": _stratified(factor * on.sum(-1), strata),
            "score_error_orthogonal": _stratified(factor * ((diff**2).sum(-1) - on.sum(-1)).clamp(min=0), strata),
            "dsm_heldout": _stratified(factor * ((s - target) ** 2).sum(-1), strata)}


class _Untrained(torch.nn.Module):
    """``s(x, t) = -x / sigma(t)``: every network of class (2.5) at initialisation (``f = 0``)."""

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return -x / sigma(t)[:, None]


def untrained_error(data: LatentMixture, T0: float, T: float, generator: torch.Generator, strata: int = 32,
                    per_stratum: int = 128) -> Estimate:
    """The time-averaged squared score error of ``s = -x / sigma(t)`` (the networks before training)."""
    return _score_error(_Untrained(), data, T0, T, generator, strata, per_stratum)["score_error"]


def empirical_score(x_train: torch.Tensor, xt: torch.Tensor, t: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """The score of the training sample's noised law ``(1/n) sum_i N(beta x_i, sigma I)``: the minimiser of the
    DSM loss on the training points over all functions, ``sum_i w_i (beta x_i - x) / sigma`` with
    ``w_i`` proportional to ``exp(-||x - beta x_i||^2 / (2 sigma))``."""
    x_train = x_train.to(DTYPE)
    sq_train = (x_train**2).sum(-1)
    out = []
    for i in range(0, len(xt), chunk):
        x, b, s = xt[i:i + chunk], beta(t[i:i + chunk])[:, None], sigma(t[i:i + chunk])[:, None]
        sq = (x**2).sum(-1, keepdim=True) - 2 * b * (x @ x_train.T) + b**2 * sq_train
        w = torch.softmax(-sq / (2 * s), dim=1)
        out.append((b * (w @ x_train) - x) / s)
    return torch.cat(out)


def memorisation(model: torch.nn.Module, x_train: torch.Tensor, T0: float, T: float, generator: torch.Generator,
                 strata: int = 32, per_stratum: int = 128) -> dict[str, Estimate]:
    """``{"dsm_train", "train_excess"}`` on the training points' noised law (points drawn with replacement,
    the stratified design of :func:`score_error`): Theorem 3.2's DSM loss, and its excess over the training
    sample's own optimum, ``(1/(T-T0)) int E ||s - s_emp||^2 dt`` (:func:`empirical_score`).

    By the DSM identity the training loss is this excess plus a constant, as the held-out loss is the score
    error plus a constant: a network whose ``train_excess`` is below its ``score_error`` fits its training
    sample better than the law, the mark of memorisation.
    """
    t, factor = _stratified_times(T0, T, strata, per_stratum, generator)
    t, factor = t.to(x_train.device), factor.to(x_train.device)
    x0 = x_train.to(DTYPE)[torch.randint(0, len(x_train), (len(t),), generator=generator).to(x_train.device)]
    xt, target = _noised(x0, t, generator)
    s = _evaluate(model, xt, t)
    return {"dsm_train": _stratified(factor * ((s - target) ** 2).sum(-1), strata),
            "train_excess": _stratified(factor * ((s - empirical_score(x_train, xt, t)) ** 2).sum(-1), strata)}


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


def orthogonal_variance(y: torch.Tensor, B: torch.Tensor, generator: torch.Generator,
                        resamples: int = 200) -> Estimate:
    """``lambda_max`` of the covariance of ``(I - B B^T) y``, with a bootstrap standard error."""
    B = B.to(DTYPE)
    perp = y - (y @ B) @ B.T

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


def measure(model: torch.nn.Module, data: LatentMixture, spec: MeasureSpec, generator: torch.Generator,
            x_train: torch.Tensor | None = None) -> dict[str, Estimate | None]:
    """Every measurement of a trained network (None where it does not apply).

    The score errors and ``dsm_heldout`` (:func:`score_error`); ``dsm_train`` and ``train_excess`` when
    ``x_train`` is given (:func:`memorisation`); ``score_error_untrained`` (:func:`untrained_error`);
    ``subspace_error`` (learned ``W_B`` only); from ``samples``
    backward-process draws ``y``: ``orthogonal_variance`` (true ``B``), and the distances of
    :func:`~ditrates.experiments.distances.distances` between ``P^h_T0`` and the generated latent
    ``(W_B U)^T y`` (``B^T y`` for the ambient baseline), each with ``<name>_floor``, the same estimator
    between ``P^h_T0`` and a fresh exact sample of the same size (its level when nothing is wrong).
    """
    out: dict[str, Estimate | None] = dict(score_error(model, data, spec.T0, spec.T, generator, spec.strata,
                                                       spec.per_stratum))
    out.update(memorisation(model, x_train, spec.T0, spec.T, generator, spec.strata, spec.per_stratum)
               if x_train is not None else {"dsm_train": None, "train_excess": None})
    W = model.W_B
    learned = model.projection == "learned"
    out["subspace_error"] = Estimate(subspace_error(W, data.B), 0.0) if learned else None
    y = sample(model, data.D, spec.T0, spec.T, spec.samples, spec.sampler_steps, generator, data.device)
    out["orthogonal_variance"] = orthogonal_variance(y, data.B, generator)
    out["score_error_untrained"] = untrained_error(data, spec.T0, spec.T, generator, spec.strata, spec.per_stratum)
    frame = data.B if W is None else W.detach().to(DTYPE) @ procrustes(W.detach(), data.B)
    law = data.marginal(spec.T0)
    out.update(distances(law, (y @ frame).cpu(), generator))
    floor = distances(law, law.sample(spec.samples, generator), generator)
    out.update({f"{k}_floor": v for k, v in floor.items()})
    return out
