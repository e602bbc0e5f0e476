r"""The paper's latent DiT score network (class (2.5) with Definition 3.3), written from the paper.

.. math::

    s_W(x, t) = \frac{W_B\, f(W_B^\top x, t) - x}{\sigma(t)},\qquad f = R^{-1}\circ f_{\mathcal T}\circ R,

* ``W_B`` in ``R^{D x d0}`` has orthonormal columns: the true ``B`` (``projection="oracle"``), or learned
  (``"learned"``, via :func:`torch.nn.utils.parametrizations.orthogonal`, so ``W_B^T W_B = I`` holds exactly
  at every step). ``"ambient"`` is the non-latent baseline: ``W_B = I_D`` and ``f`` works on all of
  ``R^D`` (the paper's App. A case ``d0 = D``), with ``D / d`` tokens.
* ``R`` reshapes ``R^{d0}`` into ``L`` tokens of width ``d`` (``d0 = d L``); ``R^{-1}`` flattens back.
* ``f_T`` is a small transformer: a shared linear token embedding ``R^d -> R^width`` plus a learned positional
  encoding ``E`` (as in (2.8)), ``depth`` pre-norm blocks with multi-head softmax attention and a GELU MLP,
  and a linear read-out to ``R^d``. Time enters by **adaLN-Zero** as in the reference DiT: a sinusoidal
  embedding of ``log t`` and an MLP give, per block, a shift, scale and gate for each branch
  (``x + gate * branch(LN(x) (1 + scale) + shift)``); the gates and the read-out start at zero, so the
  network starts at ``f = 0``, i.e. ``s = -x / sigma(t)``, the score of ``N(0, sigma I)``.

The paper's class uses 2 heads of size 1, FF width 4, no LayerNorm and no ``1/sqrt(m)`` scaling (T^{2,1,4}),
with a depth that grows like ``eps^(-2L)``; here the widths are the practical ones of DiT and the depth is
small, so that a model trains in a minute on a CPU.

:func:`load_run` rebuilds a trained network from a run directory written by ``ditrates experiment run``.
"""

from __future__ import annotations

import json
import math
import pathlib

import torch
from torch import nn

from ditrates.experiments.data import DataSpec, LatentMixture, sigma

PROJECTIONS = ("oracle", "learned", "ambient")


class Attention(nn.Module):
    """Multi-head softmax self-attention on ``(batch, L, width)``.

    ``o(concat_i softmax(q_i k_i^T * scale) v_i)``, with ``q``, ``k``, ``v``, ``o`` linear maps
    ``width -> width`` (with bias), ``heads`` heads of size ``head_dim = width / heads`` and the softmax
    scale ``scale = head_dim ** -0.5``.
    """

    def __init__(self, width: int, heads: int):
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not a multiple of heads {heads}")
        self.heads = heads
        self.head_dim = width // heads
        self.scale = self.head_dim**-0.5
        self.q, self.k, self.v, self.o = (nn.Linear(width, width) for _ in range(4))

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, L, width) -> (batch, heads, L, head_dim)."""
        b, n, _ = x.shape
        return x.view(b, n, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        weights = torch.softmax(q @ k.transpose(-1, -2) * self.scale, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(x.shape)
        return self.o(out)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """adaLN: ``x (1 + scale) + shift``, with per-sample ``shift``, ``scale`` broadcast over tokens."""
    return x * (1 + scale[:, None]) + shift[:, None]


def _zero(layer: nn.Linear) -> nn.Linear:
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class Block(nn.Module):
    """A transformer block with adaLN-Zero time conditioning (attention branch, then MLP branch)."""

    def __init__(self, width: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(approximate="tanh"),
                                 nn.Linear(mlp_ratio * width, width))
        self.ada = nn.Sequential(nn.SiLU(), _zero(nn.Linear(width, 6 * width)))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(c).chunk(6, dim=-1)
        x = x + gate1[:, None] * self.attn(modulate(self.norm1(x), shift1, scale1))
        return x + gate2[:, None] * self.mlp(modulate(self.norm2(x), shift2, scale2))


class TimeEmbedding(nn.Module):
    """``t -> MLP([sin(w_j log t), cos(w_j log t)]_j)`` with ``features / 2`` frequencies ``w_j`` spaced
    geometrically in [1/4, 16] (``log t`` spreads the early times, where the score changes fastest)."""

    def __init__(self, width: int, features: int = 32):
        super().__init__()
        self.register_buffer("freqs", torch.logspace(math.log10(0.25), math.log10(16.0), features // 2))
        self.mlp = nn.Sequential(nn.Linear(features, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        arg = torch.log(t)[:, None] * self.freqs
        return self.mlp(torch.cat([arg.sin(), arg.cos()], dim=-1))


class Transformer(nn.Module):
    """``f_T``: ``L`` tokens of width ``d`` -> ``L`` tokens of width ``d``, conditioned on ``t``."""

    def __init__(self, d: int, L: int, width: int, depth: int, heads: int, mlp_ratio: int = 4):
        super().__init__()
        self.embed = nn.Linear(d, width)
        self.pos = nn.Parameter(0.02 * torch.randn(L, width))
        self.time = TimeEmbedding(width)
        self.blocks = nn.ModuleList(Block(width, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.ada = nn.Sequential(nn.SiLU(), _zero(nn.Linear(width, 2 * width)))
        self.out = _zero(nn.Linear(width, d))

    def forward(self, tokens: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        c = self.time(t)
        x = self.embed(tokens) + self.pos
        for block in self.blocks:
            x = block(x, c)
        shift, scale = self.ada(c).chunk(2, dim=-1)
        return self.out(modulate(self.norm(x), shift, scale))


class ScoreNet(nn.Module):
    """``s_W(x, t) = [W_B f(W_B^T x, t) - x] / sigma(t)`` with ``f = R^{-1} o f_T o R`` (see the module doc).

    ``B`` (the true basis) is needed for ``projection="oracle"`` only.
    """

    def __init__(self, D: int, d0: int, d: int, projection: str, width: int, depth: int, heads: int,
                 B: torch.Tensor | None = None):
        super().__init__()
        if projection not in PROJECTIONS:
            raise ValueError(f"projection must be one of {PROJECTIONS}")
        self.projection = projection
        self.latent_dim = D if projection == "ambient" else d0
        if self.latent_dim % d:
            raise ValueError(f"token width d = {d} does not divide {self.latent_dim}")
        self.d, self.L = d, self.latent_dim // d
        if projection == "oracle":
            self.register_buffer("B", B.to(torch.float32).clone())
        elif projection == "learned":
            self.basis = nn.utils.parametrizations.orthogonal(nn.Linear(d0, D, bias=False))
        self.f_T = Transformer(d, self.L, width, depth, heads)

    @property
    def W_B(self) -> torch.Tensor | None:
        """The ``D x d0`` matrix ``W_B`` (orthonormal columns), or None for the ambient baseline."""
        if self.projection == "oracle":
            return self.B
        if self.projection == "learned":
            return self.basis.weight
        return None

    def f(self, h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``f = R^{-1} o f_T o R`` on ``(batch, latent_dim)``."""
        return self.f_T(h.view(-1, self.L, self.d), t).reshape(h.shape)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        W = self.W_B
        out = self.f(x, t) if W is None else self.f(x @ W, t) @ W.T
        return (out - x) / sigma(t)[:, None]


def parameter_count(model: nn.Module) -> int:
    """Number of trainable scalars (``W_B`` counts as its ``D x d0`` free entries)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def build(config: dict, data: LatentMixture) -> ScoreNet:
    """The score network a run's ``config`` describes, in float32 on the data's device."""
    return ScoreNet(config["D"], config["d0"], config["d"], config["projection"], config["width"],
                    config["depth"], config["heads"], B=data.B).to(data.device)


def data_from_config(config: dict, device: str | torch.device = "cpu") -> LatentMixture:
    """The data law of a run's configuration."""
    spec = DataSpec(D=config["D"], d0=config["d0"], components=config["components"],
                    mean_scale=config["mean_scale"], std=config["std"], seed=config["data_seed"])
    return LatentMixture(spec, device)


def save_run(run_dir: pathlib.Path, model: ScoreNet, config: dict) -> None:
    """Write ``model.pt`` (the state dict) and ``config.json`` into ``run_dir``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), run_dir / "model.pt")
    (run_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def load_run(run_dir: pathlib.Path,
             device: str | torch.device = "cpu") -> tuple[ScoreNet, dict, LatentMixture]:
    """Load a finished run saved by ``ditrates experiment run``: ``(model, config, data)``.

    ``model`` is the trained :class:`ScoreNet` in eval mode, ``config`` the run's configuration (with
    ``T0``, ``T``, ``D``, ``d0``, ``d``, ``L`` and everything else that built it) and ``data`` the run's
    :class:`~ditrates.experiments.data.LatentMixture` (``data.sample(n, generator)`` draws ``x = B h``).
    """
    run_dir = pathlib.Path(run_dir)
    config = json.loads((run_dir / "config.json").read_text())
    data = data_from_config(config, device)
    model = build(config, data)
    model.load_state_dict(torch.load(run_dir / "model.pt", map_location=device, weights_only=True))
    return model.eval(), config, data
