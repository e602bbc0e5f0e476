"""Vectorised evaluation of a result over numpy grids: the same path as a single evaluation, on arrays.

>>> import numpy as np, ditrates
>>> g = ditrates.evaluate("score-estimation", d0=16, d=4, n=np.array([1e3, 1e5, 1e7]), eps=0.2)
>>> np.round(g.log10, 4), g.reading.value
(array([117588.0027, 117587.1142, 117586.3014]), 'printed')

Defaults are those of :mod:`ditrates.defaults`, computed elementwise (``T = ln n``, ``eps = auto``); with an
array of ``d0``, give ``d`` or ``L``. Every condition in force (:meth:`Result.conditions_for`, checked by
:meth:`Result.checks` as for one point) is checked elementwise and a :class:`~ditrates.errors.ConditionError` names
the first failing point (or, with ``gaps=True``, the point is left as NaN). ``log10`` is finite wherever the
logarithm fits in float64 (values up to 10^(1.8e308)); ``value`` is ``10**log10`` and overflows to ``inf``
beyond 10^308, so use ``log10`` for large bounds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ditrates import xi
from ditrates.defaults import resolve
from ditrates.errors import ConditionError
from ditrates.registry import get


@dataclasses.dataclass(frozen=True)
class GridEvaluation:
    """log10 of a result on a grid, with the resolved (broadcast) parameters."""

    name: str
    log10: Any
    params: dict[str, Any]
    reading: Any = None
    valid: Any = True
    """Where every condition holds (a boolean array; NaN in ``log10`` elsewhere with ``gaps=True``)."""
    outside: Any = False
    """Where a range of a derivation fails and the value was computed anyway (``outside_range=True``)."""

    @property
    def value(self):
        import numpy as np

        with np.errstate(over="ignore"):
            return np.power(10.0, self.log10)


def evaluate(name: str, *, explicit: bool = False, xi_reading: str = xi.DEFAULT.value, gaps: bool = False,
             outside_range: bool = False, **values) -> GridEvaluation:
    """Evaluate the result ``name`` on numpy arrays (broadcast together) of its parameters.

    A failed condition raises :class:`~ditrates.errors.ConditionError` naming the first failing point, or with
    ``gaps=True`` leaves NaN there (``valid`` is False): for plots, where a failed condition is a gap. With
    ``outside_range=True`` a failed range of a derivation is evaluated anyway and marked in ``outside``.
    """
    import numpy as np

    result = get(name)
    arrays = {k: (np.asarray(v, dtype=float) if not isinstance(v, str) else v) for k, v in values.items()}
    arrays = {k: (v if not (isinstance(v, np.ndarray) and v.ndim == 0) else float(v)) for k, v in arrays.items()}
    resolved = resolve(arrays, result.keys, xi_reading=xi_reading)
    vals = {k: (v if isinstance(v, np.ndarray) else float(v)) for k, v in resolved.values.items()}
    resolved.values.update(vals)
    sym_vals = resolved.symbol_values()
    reading = resolved.reading if result.forms else None
    shape = np.broadcast_shapes(*(np.shape(v) for v in vals.values()))
    valid, outside = np.ones(shape, dtype=bool), np.zeros(shape, dtype=bool)
    for c, ok in result.checks(sym_vals, reading):
        ok = np.broadcast_to(ok, shape)
        if outside_range and c.waivable:
            outside |= ~ok
            continue
        if not ok.all() and not gaps:
            bad = np.unravel_index(np.argmin(ok), ok.shape) if ok.ndim else ()
            raise ConditionError(f"{name}: condition {c.text()} of {c.source} fails at index {tuple(map(int, bad))}"
                                 f" ({int((~ok).sum())} points)", condition=c)
        valid &= ok
    log = result.ln(sym_vals, reading, explicit)[1]
    return GridEvaluation(name, np.where(valid, log / np.log(10.0), np.nan), vals, reading, valid, outside & valid)
