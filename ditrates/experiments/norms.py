r"""Section 4's ``B`` in a trained model: the max-entry norms of ``W_K A_1``, ``W_Q A_2`` and ``W_OV A_3``.

:func:`attention_max_norms` hooks every attention layer (a submodule whose class is named ``Attention``, with
``nn.Linear`` maps ``q``, ``k``, ``v``, ``o``, ints ``heads`` and ``head_dim`` and the float softmax
``scale``, as in :class:`ditrates.experiments.model.Attention`), runs the model once, and records what each
layer's softmax and value path see, over the whole batch:

* ``||W_K A_1||_max = max |k(X)|`` and ``||W_Q A_2||_max = max |q(X)|`` (the linear maps with their biases,
  i.e. the vectors whose inner products enter ``exp``);
* ``||W_OV A_3||_max = max_i ||W_O^i W_V^i X||_max`` **per head** ``i``: ``W_O^i`` is the block of ``o``'s
  weight that reads head ``i``, applied to ``v(X)`` restricted to head ``i`` (with ``v``'s bias, without
  ``o``'s), the paper's ``W_OV^i = W_O^i W_V^i`` of (2.6);

with the head dimension ``d``, the number of tokens ``L`` and ``kappa = scale``. The verdict is that of
``ditrates.get("inference-almost-linear")`` (Proposition 4.2) at ``B = max`` of the three.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn

import ditrates
from ditrates.result import Evaluation


def is_attention(module: nn.Module) -> bool:
    """Whether ``module`` is an attention layer that :func:`attention_max_norms` can read."""
    return (type(module).__name__ == "Attention"
            and all(isinstance(getattr(module, name, None), nn.Linear) for name in "qkvo")
            and all(isinstance(getattr(module, name, None), int) for name in ("heads", "head_dim"))
            and isinstance(getattr(module, "scale", None), float))


@dataclasses.dataclass(frozen=True)
class LayerNorms:
    """The norms of one attention layer over a batch, and Proposition 4.2's evaluation at their max."""

    name: str
    L: int
    d: int
    heads: int
    kappa: float
    k_max: float
    q_max: float
    ov_max: float
    evaluation: Evaluation

    @property
    def B(self) -> float:
        return max(self.k_max, self.q_max, self.ov_max)

    @property
    def sqrt_log_L(self) -> float:
        return math.sqrt(math.log(self.L))

    @property
    def ratio(self) -> float:
        """``rho = sqrt(kappa d) B / (C_b sqrt(ln L))``: below 1 on the efficient side."""
        return float(self.evaluation.value)

    @property
    def verdict(self) -> str:
        return self.evaluation.verdict

    def to_dict(self) -> dict:
        return {"layer": self.name, "L": self.L, "d": self.d, "heads": self.heads, "kappa": self.kappa,
                "W_K A1": self.k_max, "W_Q A2": self.q_max, "W_OV A3": self.ov_max, "B": self.B,
                "sqrt_log_L": self.sqrt_log_L, "rho": self.ratio, "verdict": self.verdict}


def head_norms(module: nn.Module, X: torch.Tensor) -> tuple[float, float, float]:
    """``(max |k(X)|, max |q(X)|, max_i max |W_O^i v_i(X)|)`` for one attention layer on ``X``
    (``..., L, width``)."""
    v = module.v(X).unflatten(-1, (module.heads, module.head_dim))                   # ..., L, heads, hd
    w_o = module.o.weight.unflatten(1, (module.heads, module.head_dim))              # width, heads, hd
    ov = torch.einsum("...lie,wie->...liw", v, w_o)
    return float(module.k(X).abs().max()), float(module.q(X).abs().max()), float(ov.abs().max())


def attention_max_norms(model: nn.Module, x: torch.Tensor, t: torch.Tensor) -> list[LayerNorms]:
    """Run ``model(x, t)`` once and return, per attention layer (in the order of ``named_modules``), the
    max-entry norms and the verdict of Proposition 4.2 (see the module doc)."""

    layers = [(name, m) for name, m in model.named_modules() if is_attention(m)]
    seen: dict[str, tuple[int, tuple[float, float, float]]] = {}

    def hook(name):
        def record(module, args):
            X = args[0]
            norms = head_norms(module, X)
            old = seen.get(name, (0, (0.0, 0.0, 0.0)))[1]
            seen[name] = (X.shape[-2], tuple(max(a, b) for a, b in zip(norms, old, strict=True)))
        return record

    handles = [m.register_forward_pre_hook(hook(name)) for name, m in layers]
    try:
        with torch.no_grad():
            model(x, t)
    finally:
        for handle in handles:
            handle.remove()
    criterion = ditrates.get("inference-almost-linear")
    out = []
    for name, m in layers:
        if name not in seen:
            continue
        L, (k_max, q_max, ov_max) = seen[name]
        ev = criterion.evaluate(L=L, d=m.head_dim, B=max(k_max, q_max, ov_max), kappa=m.scale)
        out.append(LayerNorms(name, L, m.head_dim, m.heads, m.scale, k_max, q_max, ov_max, ev))
    return out
