"""Vectorised evaluation of a result over numpy grids.

>>> import numpy as np, ditrates
>>> g = ditrates.evaluate("score-estimation", d0=16, d=4, n=np.array([1e3, 1e5, 1e7]), eps=0.9)
>>> np.round(g.log10, 4)
array([-0.69  , -1.0884, -1.2841])

Defaults are those of :mod:`ditrates.defaults`, computed elementwise (``T = ln n``, ``eps = auto``);
with an array of ``d0``, give ``d`` or ``L``. Every condition of the result is checked elementwise and
a :class:`~ditrates.errors.ConditionError` names the first failing point. ``log10`` is finite wherever
the logarithm fits in float64 (values up to 10^(1.8e308)); ``value`` is ``10**log10`` and overflows to
``inf`` beyond 10^308, so use ``log10`` for large bounds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ditrates import numerics
from ditrates.defaults import resolve
from ditrates.errors import ConditionError
from ditrates.registry import get


@dataclasses.dataclass(frozen=True)
class GridEvaluation:
    """log10 of a result on a grid, with the resolved (broadcast) parameters."""

    name: str
    log10: Any
    params: dict[str, Any]

    @property
    def value(self):
        import numpy as np

        with np.errstate(over="ignore"):
            return np.power(10.0, self.log10)


def evaluate(name: str, *, explicit: bool = False, **values) -> GridEvaluation:
    """Evaluate the result ``name`` on numpy arrays (broadcast together) of its parameters."""
    import numpy as np

    result = get(name)
    arrays = {k: (np.asarray(v, dtype=float) if not isinstance(v, str) else v) for k, v in values.items()}
    arrays = {k: (v if not (isinstance(v, np.ndarray) and v.ndim == 0) else float(v)) for k, v in arrays.items()}
    resolved = resolve(arrays, result.keys)
    vals = {k: (v if isinstance(v, np.ndarray) else float(v)) for k, v in resolved.values.items()}
    resolved.values.update(vals)
    sym_vals = resolved.symbol_values()
    for c in result.conditions:
        ok = np.asarray(c.holds_grid(sym_vals))
        if not ok.all():
            bad = np.unravel_index(np.argmin(ok), ok.shape) if ok.ndim else ()
            raise ConditionError(f"{name}: condition {c.text()} of {c.source} fails at index {tuple(map(int, bad))}"
                                 f" ({int((~ok).sum())} points)")
    _, ln = numerics.ln_eval(result.displayed_expr(explicit), sym_vals, "np")
    return GridEvaluation(name, ln / np.log(10.0), vals)
