r"""The score networks: the paper's latent DiT (class (2.5) with Definition 3.3) and Chen et al.'s ReLU network.

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

``network="mlp"`` is the baseline class of Chen et al. 2023 (the same ``[W_B f(W_B^T x, t) - x] / sigma(t)``
with ``f`` a ReLU network of ``(z, t)``): :class:`ReLUNet`, ``depth`` hidden layers of ``width`` units on the
input ``[z, sin(w_j log t), cos(w_j log t)]`` (the DiT's time features), its read-out zero at initialisation.

:func:`load_run` rebuilds a trained network from a run directory written by ``ditrates experiment run``.
"""

from __future__ import annotations

import io
import json
import math
import pathlib
import pickle

import torch
from torch import nn

from ditrates.errors import DitratesError
from ditrates.experiments.data import DataSpec, LatentMixture, sigma

PROJECTIONS = ("oracle", "learned", "ambient")
NETWORKS = ("dit", "mlp")


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

    def features(self, t: torch.Tensor) -> torch.Tensor:
        """``[sin(w_j log t), cos(w_j log t)]_j``."""
        arg = torch.log(t)[:, None] * self.freqs
        return torch.cat([arg.sin(), arg.cos()], dim=-1)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.features(t))


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


class ReLUNet(nn.Module):
    """Chen et al.'s ``f``: a ReLU network of ``(z, t)``, ``R^{d0} x [T0, T] -> R^{d0}``."""

    def __init__(self, dim: int, width: int, depth: int, features: int = 32):
        super().__init__()
        self.time = TimeEmbedding(width, features)
        del self.time.mlp  # only the fixed features: the time enters the ReLU network as input
        layers, fan_in = [], dim + features
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width), nn.ReLU()]
            fan_in = width
        self.hidden = nn.Sequential(*layers)
        self.out = _zero(nn.Linear(fan_in, dim))

    def forward(self, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden(torch.cat([z, self.time.features(t)], dim=-1)))


class ScoreNet(nn.Module):
    """``s_W(x, t) = [W_B f(W_B^T x, t) - x] / sigma(t)`` with ``f = R^{-1} o f_T o R`` (see the module doc).

    ``B`` (the true basis) is needed for ``projection="oracle"`` only. ``network="mlp"`` replaces
    ``R^{-1} o f_T o R`` by a :class:`ReLUNet` (``heads`` is then unused).
    """

    def __init__(self, D: int, d0: int, d: int, projection: str, width: int, depth: int, heads: int,
                 B: torch.Tensor | None = None, network: str = "dit"):
        super().__init__()
        if projection not in PROJECTIONS or network not in NETWORKS:
            raise ValueError(f"projection must be one of {PROJECTIONS} and network one of {NETWORKS}")
        self.projection, self.network = projection, network
        self.latent_dim = D if projection == "ambient" else d0
        if self.latent_dim % d:
            raise ValueError(f"token width d = {d} does not divide {self.latent_dim}")
        self.d, self.L = d, self.latent_dim // d
        if projection == "oracle":
            self.register_buffer("B", B.to(torch.float32).clone())
        elif projection == "learned":
            self.basis = nn.utils.parametrizations.orthogonal(nn.Linear(d0, D, bias=False))
        if network == "dit":
            self.f_T = Transformer(d, self.L, width, depth, heads)
        else:
            self.relu_net = ReLUNet(self.latent_dim, width, depth)

    @property
    def W_B(self) -> torch.Tensor | None:
        """The ``D x d0`` matrix ``W_B`` (orthonormal columns), or None for the ambient baseline."""
        if self.projection == "oracle":
            return self.B
        if self.projection == "learned":
            return self.basis.weight
        return None

    def init_basis(self, x: torch.Tensor, generator: torch.Generator) -> None:
        """Start a learned ``W_B`` at the top-``d0`` principal subspace of the rows of ``x`` (centred).

        Exactly low-rank data identify their subspace from ``d0 + 1`` points; with fewer rows, the principal
        directions are completed by random orthonormal ones. (From a random start, a ReLU network can sit for
        thousands of steps at the saddle where one latent direction is missing from ``W_B``.)
        """
        if self.projection != "learned":
            return
        D, d0 = self.basis.weight.shape
        centred = (x - x.mean(0)).to(torch.float64).cpu()
        _, s, vh = torch.linalg.svd(centred, full_matrices=False)
        rank = int((s > 1e-8 * max(1.0, float(s[0]) if len(s) else 0.0)).sum())
        found = vh[:min(rank, d0)].T
        fill = torch.randn(D, d0, generator=generator, dtype=torch.float64)
        q, r = torch.linalg.qr(torch.cat([found, fill], dim=1))
        W = (q * torch.sign(torch.diagonal(r)))[:, :d0]
        with torch.no_grad():
            self.basis.weight = W.to(self.basis.weight)

    def f(self, h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``f = R^{-1} o f_T o R`` (or the ReLU network) on ``(batch, latent_dim)``."""
        if self.network == "mlp":
            return self.relu_net(h, t)
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
                    config["depth"], config.get("heads"), B=data.B,
                    network=config.get("network", "dit")).to(data.device)


def data_from_config(config: dict, device: str | torch.device = "cpu") -> LatentMixture:
    """The data law of a run's configuration (configurations saved with ``mean_scale`` keep their rule)."""
    spec = DataSpec(D=config["D"], d0=config["d0"], components=config.get("components"),
                    separation=config.get("separation", 4.0), std=config["std"], seed=config["data_seed"],
                    mean_scale=config.get("mean_scale"))
    return LatentMixture(spec, device)


def run_files(model: ScoreNet, config: dict) -> dict[str, bytes]:
    """The files of a run directory as bytes: ``model.pt`` (the state dict) and ``config.json``."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return {"model.pt": buffer.getvalue(),
            "config.json": (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()}


def save_run(run_dir: pathlib.Path, model: ScoreNet, config: dict) -> None:
    """Write ``model.pt`` and ``config.json`` into ``run_dir`` (sweeps write them atomically through
    :func:`ditrates.experiments.store.Store.save_run_dir`)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name, data in run_files(model, config).items():
        (run_dir / name).write_bytes(data)


def load_run(run_dir: pathlib.Path,
             device: str | torch.device = "cpu") -> tuple[ScoreNet, dict, LatentMixture]:
    """Load a finished run saved by ``ditrates experiment run``: ``(model, config, data)``.

    ``model`` is the trained :class:`ScoreNet` in eval mode, ``config`` the run's configuration (with
    ``T0``, ``T``, ``D``, ``d0``, ``d``, ``L`` and everything else that built it) and ``data`` the run's
    :class:`~ditrates.experiments.data.LatentMixture` (``data.sample(n, generator)`` draws ``x = B h``).
    """
    run_dir = pathlib.Path(run_dir)
    config_file, model_file = run_dir / "config.json", run_dir / "model.pt"
    try:
        config = json.loads(config_file.read_text())
        data = data_from_config(config, device)
        model = build(config, data)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DitratesError(f"{config_file} is not the configuration of a run of 'ditrates experiment run' "
                            f"({_why(e)})") from None
    if model_file.is_file() and model_file.stat().st_size == 0:
        raise DitratesError(f"{model_file} is empty (a run stopped while saving?): rerun the sweep to train it again")
    try:
        model.load_state_dict(torch.load(model_file, map_location=device, weights_only=True))
    except (OSError, EOFError, RuntimeError, ValueError, pickle.UnpicklingError) as e:
        raise DitratesError(f"{model_file} cannot be read as the model of this run ({_why(e)}): rerun the sweep "
                            "to train it again") from None
    return model.eval(), config, data


def _why(e: Exception) -> str:
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {first[:160]}" if first else type(e).__name__
