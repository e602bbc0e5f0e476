r"""Least-squares power laws with seed-bootstrap intervals (numpy only; the one fit of the experiments).

* :func:`~ditrates.powerlaw.fit_power`: ``log y = log A + b log x`` by ordinary least squares (closed form),
  for many rows at once (the package's one log-log slope).
* :func:`fit_power_floor`: ``y = A x^b + c`` by nonlinear least squares in ``log y``, with the floor ``c``
  observed as well: the residuals are ``log y_i - log(A x_i^b + c)`` at each finite ``x_i`` and
  ``log y_inf - log c`` for the infinite-data control. Levenberg-Marquardt on ``(log A, b, log c)``, batched
  over bootstrap resamples, from several starting slopes; ``b`` is kept in ``[-4, 0]``. A fit is *not
  identified* when ``b`` ends on that boundary (no decay, or none that the points resolve) or the Jacobian is
  rank-deficient (the excess ``A x^b`` is too small at every ``x`` for its slope to matter).
* :func:`seed_bootstrap` resamples seeds (whole curves: the runs of one seed share evaluation draws) and
  :func:`t_interval` turns the resampled estimates into a 95% interval with the small-sample correction:
  ``estimate +- t_{k-1, 0.975} sqrt(k / (k - 1)) sd*``, where ``sd*`` is the bootstrap standard deviation over
  ``k`` seeds (the plain bootstrap variance is biased low by ``(k - 1)/k`` and its normal quantile too small
  for ``k - 1`` degrees of freedom).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

B_RANGE = (-4.0, 0.0)
"""Exponents a decaying excess may take."""
T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
"""The 0.975 quantiles of Student's t with 1..30 degrees of freedom."""


def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (beyond 30: Cornish-Fisher).

    >>> t_quantile(4), round(t_quantile(1000), 3)
    (2.776, 1.962)
    """
    if df < 1:
        raise ValueError("need at least one degree of freedom")
    if df <= len(T975):
        return T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclasses.dataclass(frozen=True)
class FloorFit:
    """``y = A x^b + c`` fitted; ``identified`` False with a ``reason`` when the data do not pin ``b`` down."""

    A: float
    b: float
    c: float
    identified: bool
    reason: str | None = None


def _residuals(theta, lx, ly, ly_inf):
    alpha, b, gamma = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        excess = np.exp(np.clip(alpha + b * lx, -700, 700))
        floor = np.exp(np.clip(gamma, -700, 700))
        model = np.log(excess + floor)
        share = excess / (excess + floor)  # d model / d alpha
    r = np.concatenate([model - ly, gamma - ly_inf[:, None]], axis=1)
    J = np.zeros(r.shape + (3,))
    J[:, :-1, 0], J[:, :-1, 1], J[:, :-1, 2] = share, share * lx, 1 - share
    J[:, -1, 2] = 1.0
    return r, J


def _lm(theta, lx, ly, ly_inf, iterations=100):
    """Batched Levenberg-Marquardt with ``b`` projected onto :data:`B_RANGE`."""
    lam = np.full(len(theta), 1e-2)
    r, J = _residuals(theta, lx, ly, ly_inf)
    cost = (r**2).sum(1)
    for _ in range(iterations):
        JtJ = np.einsum("rni,rnj->rij", J, J)
        g = np.einsum("rni,rn->ri", J, r)
        A = JtJ + lam[:, None, None] * (np.eye(3) * (np.diagonal(JtJ, axis1=1, axis2=2)[:, :, None] + 1e-12))
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(A).all((1, 2)) & np.isfinite(g).all(1)
            A[~ok], g[~ok] = np.eye(3), 0.0
            step = np.linalg.solve(A, -g[:, :, None])[:, :, 0]
        trial = theta + step
        trial[:, 1] = np.clip(trial[:, 1], *B_RANGE)
        r2, J2 = _residuals(trial, lx, ly, ly_inf)
        cost2 = (r2**2).sum(1)
        better = cost2 < cost
        theta = np.where(better[:, None], trial, theta)
        r, J = np.where(better[:, None], r2, r), np.where(better[:, None, None], J2, J)
        cost = np.where(better, cost2, cost)
        lam = np.where(better, lam / 3, lam * 4)
        if (np.abs(step).max(1) < 1e-9).all() or (lam > 1e12).all():  # every row has converged
            break
    return theta, cost, J


def fit_power_floor(x: np.ndarray, y: np.ndarray, y_inf: np.ndarray) -> list[FloorFit]:
    """``y = A x^b + c`` with the floor observed at ``x = infinity``, for each row of ``y`` (R x N) and
    ``y_inf`` (R,); returns one :class:`FloorFit` per row.

    >>> x = np.array([16.0, 64, 256, 1024, 4096]); y = 5 * x**-0.7 + 0.2
    >>> f = fit_power_floor(x, y[None], np.array([0.2]))[0]
    >>> round(f.b, 4), round(f.A, 4), round(f.c, 4), f.identified
    (-0.7, 5.0, 0.2, True)
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    y_inf = np.asarray(y_inf, dtype=float).reshape(-1)
    lx, ly, ly_inf = np.log(np.asarray(x, dtype=float)), np.log(y), np.log(y_inf)
    best_theta, best_cost, best_J = None, None, None
    for b0 in (-0.25, -0.75, -1.5):
        excess0 = np.maximum(y[:, 0] - y_inf, 1e-3 * y[:, 0])
        theta = np.stack([np.log(excess0) - b0 * lx[0], np.full(len(y), b0), ly_inf], axis=1)
        theta, cost, J = _lm(theta, lx, ly, ly_inf)
        if best_cost is None:
            best_theta, best_cost, best_J = theta, cost, J
        else:
            better = cost < best_cost
            best_theta = np.where(better[:, None], theta, best_theta)
            best_J = np.where(better[:, None, None], J, best_J)
            best_cost = np.where(better, cost, best_cost)
    out = []
    for theta, J in zip(best_theta, best_J, strict=True):
        b = float(theta[1])
        sv = np.linalg.svd(J, compute_uv=False)
        reason = None
        if b >= B_RANGE[1] - 1e-6:
            reason = "no decay: the best exponent is 0"
        elif b <= B_RANGE[0] + 1e-6:
            reason = f"the exponent runs to the bound {B_RANGE[0]:g}"
        elif sv[-1] < 1e-6 * sv[0]:
            reason = "the excess over the floor is too small at every n to fix its exponent"
        out.append(FloorFit(float(np.exp(theta[0])), b, float(np.exp(theta[2])), reason is None, reason))
    return out


def seed_bootstrap(per_seed: np.ndarray, statistic, resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """``statistic`` of the seed means for ``resamples`` resamples of the ``k`` seeds (rows of ``per_seed``,
    shape ``k x ...``); ``statistic`` maps an array of means (``R x ...``) to estimates (``R x ...``)."""
    k = len(per_seed)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, k, size=(resamples, k))
    return statistic(per_seed[idx].mean(1))


def t_interval(estimate: float, draws: np.ndarray, k: int) -> tuple[float, float] | None:
    """``estimate +- t_{k-1} sqrt(k/(k-1)) sd(draws)`` (None for fewer than 2 seeds or no finite draws).

    >>> lo, hi = t_interval(0.0, np.array([-1.0, 1.0]), 5)
    >>> round(hi, 3)
    4.389
    """
    draws = np.asarray(draws, dtype=float)
    draws = draws[np.isfinite(draws)]
    if k < 2 or len(draws) < 2:
        return None
    half = t_quantile(k - 1) * math.sqrt(k / (k - 1)) * float(draws.std(ddof=1))
    return estimate - half, estimate + half
