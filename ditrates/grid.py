"""Vectorised evaluation of a result over numpy grids.

>>> import numpy as np, ditrates
>>> g = ditrates.evaluate("score-estimation", d0=16, d=4, n=np.array([1e3, 1e5, 1e7]), eps=0.4)
>>> np.round(g.log10, 4), g.reading.value      # eps = 0.4 lies in the printed range at L = 4
(array([457.496 , 456.6075, 455.7947]), 'printed')

Defaults are those of :mod:`ditrates.defaults`, computed elementwise (``T = ln n``, ``eps = auto``);
with an array of ``d0``, give ``d`` or ``L``. The reading of xi (``xi_reading``) is chosen elementwise too:
``reading`` is a :class:`~ditrates.xi.Reading` or a boolean array, True where the printed one is in force.
Every condition of the result is checked elementwise and a :class:`~ditrates.errors.ConditionError` names the
first failing point (or, with ``gaps=True``, the point is left as NaN). ``log10`` is finite wherever the
logarithm fits in float64 (values up to 10^(1.8e308)); ``value`` is ``10**log10`` and overflows to ``inf``
beyond 10^308, so use ``log10`` for large bounds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ditrates import numerics
from ditrates.defaults import resolve
from ditrates.errors import ConditionError
from ditrates.registry import get
from ditrates.xi import Reading


@dataclasses.dataclass(frozen=True)
class GridEvaluation:
    """log10 of a result on a grid, with the resolved (broadcast) parameters."""

    name: str
    log10: Any
    params: dict[str, Any]
    reading: Any = None
    valid: Any = True
    """Where every condition holds (a boolean array; NaN in ``log10`` elsewhere with ``gaps=True``)."""

    @property
    def value(self):
        import numpy as np

        with np.errstate(over="ignore"):
            return np.power(10.0, self.log10)


def evaluate(name: str, *, explicit: bool = False, xi_reading: str = "auto", gaps: bool = False,
             **values) -> GridEvaluation:
    """Evaluate the result ``name`` on numpy arrays (broadcast together) of its parameters.

    A failed condition raises :class:`~ditrates.errors.ConditionError` naming the first failing point, or with
    ``gaps=True`` leaves NaN there (``valid`` is False): for plots, where a failed condition is a gap.
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
    printed = _printed_mask(reading)
    valid = np.ones(np.broadcast_shapes(*(np.shape(v) for v in vals.values())), dtype=bool)
    for c in result.conditions:
        if c.reading is not None and (printed is False or printed is None):  # a reading's condition, no xi here
            continue
        ok = np.asarray(c.holds_grid(sym_vals))
        if c.reading is not None and printed is not True:
            ok = ok | ~printed  # binds only where the printed reading is in force
        if not ok.all() and not gaps:
            bad = np.unravel_index(np.argmin(ok), ok.shape) if ok.ndim else ()
            raise ConditionError(f"{name}: condition {c.text()} of {c.source} fails at index {tuple(map(int, bad))}"
                                 f" ({int((~ok).sum())} points)", condition=c)
        valid = valid & ok

    def ln(reading=None):
        return numerics.ln_eval(result.displayed_expr(explicit, reading), sym_vals, "np")[1]

    if isinstance(printed, np.ndarray):
        log = np.where(printed, ln(Reading.PRINTED), ln(Reading.PROOF))
    else:
        log = ln(None if printed is None else (Reading.PRINTED if printed else Reading.PROOF))
    return GridEvaluation(name, np.where(valid, log / np.log(10.0), np.nan), vals, reading, valid)


def _printed_mask(reading):
    """True/False where one reading is in force everywhere, a boolean array where it varies, None without xi."""
    if reading is None:
        return None
    if isinstance(reading, Reading):
        return reading is Reading.PRINTED
    return reading
