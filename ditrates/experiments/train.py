r"""Denoising score matching: Theorem 3.2's loss, importance-sampled in time, with early stopping.

For a training sample ``x_0`` the loss of the proof of Theorem 3.2 is

.. math::

    \ell(x_0; s) = \frac{1}{T - T_0}\int_{T_0}^{T} \gamma(t)\,
        \mathbb E_{x_t | x_0} \big\|\nabla_{x_t}\log\psi_t(x_t | x_0) - s(x_t, t)\big\|_2^2\,dt,
    \qquad \nabla_{x_t}\log\psi_t(x_t | x_0) = \frac{\beta(t) x_0 - x_t}{\sigma(t)}
        = -\frac{z}{\sqrt{\sigma(t)}},

with ``gamma(t) = 1`` (``weighting="none"``, the default: the estimator Theorem 3.2 bounds). Its integrand
grows like ``d / sigma(t)`` near ``T0``, so drawing ``t ~ Unif[T0, T]`` gives gradients of enormous variance.
The default (``times="log"``) draws ``t`` log-uniformly on ``[T0, T]`` (density
``q(t) = 1 / (t ln(T/T0))``) and weights each draw by ``w(t) = 1 / ((T - T0) q(t)) = t ln(T/T0) / (T - T0)``:
``E_q[w(t) g(t)] = (1/(T-T0)) int g dt`` for every ``g``, so the minibatch loss is unbiased for the **same
population objective**, with a variance that no longer blows up at ``T0``. ``times="uniform"`` (``w = 1``) is
the plain estimate; ``weighting="sigma"`` (``gamma(t) = sigma(t)``, the usual noise-prediction loss
``||sqrt(sigma) s + z||^2``) is another estimator: it has the same population minimiser over all functions,
but not over a network class, and it is not the one Theorem 3.2 bounds.

**Budget.** Of the ``n`` samples, ``val_fraction`` (at least 1) are held out. Adam (linear warm-up, cosine
decay over ``max_steps``) runs on minibatches of the others, drawn with replacement; every ``eval_every`` steps
the loss on the held-out points is evaluated on fixed draws of ``(t, z)`` (common random numbers, so that two
checkpoints are compared on the same draws). Training stops when that loss has not improved for ``patience``
evaluations, or at ``max_steps``; the best checkpoint is restored. The budget is therefore a function of
``n`` chosen by the data: small samples stop when the network starts to fit their noise, large ones (and the
infinite-data control, which draws a fresh minibatch from the law at every step) run to the cap.

A learned ``W_B`` takes :data:`BASIS_LR_FACTOR` times the learning rate of ``f`` (through its orthogonal
parametrisation its gradients are small). All random numbers come from seeded CPU generators, so a run is
reproducible on the CPU and draws the same numbers on a GPU.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import math
import time
from collections.abc import Callable

import torch

from ditrates.experiments.data import beta, sigma

BASIS_LR_FACTOR = 10.0
WEIGHTINGS = ("none", "sigma")
TIMES = ("log", "uniform")


@dataclasses.dataclass(frozen=True)
class TrainSpec:
    """Optimisation settings: at most ``max_steps`` Adam steps of ``batch`` points at peak learning rate
    ``lr``; the loss's ``weighting`` and time sampling ``times``; early stopping every ``eval_every`` steps
    with ``patience`` evaluations (``patience = 0``: no early stopping)."""

    max_steps: int
    batch: int
    lr: float
    T0: float
    T: float
    weighting: str = "none"
    times: str = "log"
    warmup: int = 100
    eval_every: int = 100
    patience: int = 5

    def __post_init__(self):
        if self.weighting not in WEIGHTINGS or self.times not in TIMES:
            raise ValueError(f"weighting must be one of {WEIGHTINGS} and times one of {TIMES}")


def sample_times(m: int, T0: float, T: float, times: str, generator: torch.Generator):
    """``(t, w)``: ``m`` times and their importance weights, with ``E[w g(t)] = (1/(T-T0)) int g dt``.

    >>> t, w = sample_times(4, 0.01, 5.0, "uniform", torch.Generator().manual_seed(0))
    >>> bool((w == 1).all())
    True
    """
    u = torch.rand(m, generator=generator)
    if times == "uniform":
        return T0 + (T - T0) * u, torch.ones(m)
    span = math.log(T / T0)
    t = T0 * torch.exp(span * u)
    return t, t * span / (T - T0)


def dsm_batch(x0: torch.Tensor, T0: float, T: float, generator: torch.Generator, times: str = "uniform"):
    """One denoising-score-matching draw ``(x_t, t, target)``, with ``t`` from ``times`` on ``[T0, T]`` and
    the target ``grad log psi_t(x_t | x_0) = -z / sqrt(sigma(t))`` (float32, on ``x0``'s device)."""
    xt, t, target, _ = _draw(x0, T0, T, generator, times)
    return xt, t, target


def _draw(x0: torch.Tensor, T0: float, T: float, generator: torch.Generator, times: str):
    n, D = x0.shape
    t, w = sample_times(n, T0, T, times, generator)
    z = torch.randn(n, D, generator=generator)
    t, w, z = t.to(x0.device), w.to(x0.device), z.to(x0.device)
    root = sigma(t).sqrt()[:, None]
    return beta(t)[:, None] * x0 + root * z, t, -z / root, w


def per_sample_loss(model: torch.nn.Module, xt, t, target, w, weighting: str) -> torch.Tensor:
    """``w(t) gamma(t) ||s(x_t, t) - target||^2`` for each draw."""
    per = ((model(xt, t) - target) ** 2).sum(-1) * w
    return per * sigma(t) if weighting == "sigma" else per


def dsm_loss(model: torch.nn.Module, x0: torch.Tensor, T0: float, T: float, generator: torch.Generator,
             weighting: str = "none", times: str = "log") -> torch.Tensor:
    """The minibatch estimate of the (weighted) DSM loss averaged over the rows of ``x0``."""
    xt, t, target, w = _draw(x0, T0, T, generator, times)
    return per_sample_loss(model, xt, t, target, w, weighting).mean()


def schedule(spec: TrainSpec):
    """Learning-rate factor at step ``k``: linear warm-up over ``warmup`` steps, then cosine decay to 0."""
    warm = min(spec.warmup, spec.max_steps)

    def factor(k: int) -> float:
        if k < warm:
            return (k + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (k - warm) / max(1, spec.max_steps - warm)))

    return factor


def parameter_groups(model: torch.nn.Module, lr: float) -> list[dict]:
    """Adam's parameter groups: ``f`` at ``lr``, a learned ``W_B`` (parameters under ``basis.``) at
    ``BASIS_LR_FACTOR * lr``."""
    named = list(model.named_parameters())
    basis = [p for name, p in named if name.startswith("basis.")]
    rest = [p for name, p in named if not name.startswith("basis.")]
    return [{"params": rest, "lr": lr}] + ([{"params": basis, "lr": BASIS_LR_FACTOR * lr}] if basis else [])


class Validation:
    """The held-out loss on fixed draws: ``draws`` evaluations spread evenly over the held-out points."""

    def __init__(self, x_val: torch.Tensor, spec: TrainSpec, generator: torch.Generator, draws: int = 2048):
        reps = max(1, math.ceil(draws / len(x_val)))
        x0 = x_val.to(torch.float32).repeat(reps, 1)
        self.xt, self.t, self.target, self.w = _draw(x0, spec.T0, spec.T, generator, spec.times)
        self.weighting = spec.weighting

    def loss(self, model: torch.nn.Module, chunk: int = 4096) -> float:
        with torch.no_grad():
            total = sum(float(per_sample_loss(model, self.xt[i:i + chunk], self.t[i:i + chunk],
                                              self.target[i:i + chunk], self.w[i:i + chunk],
                                              self.weighting).sum())
                        for i in range(0, len(self.t), chunk))
        return total / len(self.t)


Source = torch.Tensor | Callable[[int, torch.Generator], torch.Tensor]
"""Training data: the ``n`` training points, or a sampler ``(m, generator) -> m fresh points`` (infinite
data: a fresh minibatch from the law at every step)."""


def train(model: torch.nn.Module, source: Source, x_val: torch.Tensor, spec: TrainSpec,
          generator: torch.Generator) -> dict:
    """Minimise the DSM loss with early stopping on ``x_val``; the best checkpoint is restored.

    Returns ``steps`` (taken), ``best_step``, ``stopped_early``, ``epochs`` (passes over the training points;
    None for infinite data), ``final_loss`` (mean minibatch loss over the last 10% of the steps),
    ``val_loss`` (the best held-out loss), ``history`` (``(step, held-out loss)`` at every evaluation),
    ``seconds`` and ``steps_per_s``. Raises FloatingPointError when the
    loss stops being finite.
    """
    finite = isinstance(source, torch.Tensor)
    x_train = source.to(torch.float32) if finite else None
    device = next(model.parameters()).device
    validation = Validation(x_val.to(device), spec, generator)
    opt = torch.optim.Adam(parameter_groups(model, spec.lr))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule(spec))
    recent = collections.deque(maxlen=max(1, spec.max_steps // 10))
    best = (validation.loss(model.eval()), 0, copy.deepcopy(model.state_dict()))
    model.train()
    history = [(0, best[0])]
    stale, step, start = 0, 0, time.perf_counter()
    while step < spec.max_steps:
        if finite:
            idx = torch.randint(0, len(x_train), (spec.batch,), generator=generator).to(x_train.device)
            x0 = x_train[idx]
        else:
            x0 = source(spec.batch, generator).to(device=device, dtype=torch.float32)
        loss = dsm_loss(model, x0, spec.T0, spec.T, generator, spec.weighting, spec.times)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the DSM loss is not finite at step {step} (lr {spec.lr:g})")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        recent.append(loss.item())
        step += 1
        if step % spec.eval_every == 0 or step == spec.max_steps:
            val = validation.loss(model.eval())
            history.append((step, val))
            model.train()
            if val < best[0]:
                best, stale = (val, step, copy.deepcopy(model.state_dict())), 0
            else:
                stale += 1
                if spec.patience and stale >= spec.patience:
                    break
    seconds = time.perf_counter() - start
    model.load_state_dict(best[2])
    model.eval()
    return {"steps": step, "best_step": best[1], "stopped_early": step < spec.max_steps,
            "epochs": step * spec.batch / len(x_train) if finite else None,
            "final_loss": sum(recent) / max(1, len(recent)), "val_loss": best[0], "history": history,
            "seconds": seconds,
            "steps_per_s": step / seconds if seconds > 0 else None}
