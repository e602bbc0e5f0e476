"""Curves of the rates against one parameter, in log space, for plots (numpy only; no matplotlib).

A :class:`Curve` is one result evaluated on a geometric grid of one parameter ``vs`` (n, eps, L, d0, D or B),
all others fixed or following their defaults elementwise (``T = ln n``, ``eps = auto``, ``L = d0/d``; see
:mod:`ditrates.defaults`), through the vectorised :func:`ditrates.grid.evaluate`. Values are kept as
``log10``, so that ``2^((1/eps)^(2L))`` plots without overflow (up to 10^(1.8e308)); where a condition of
the result fails the value is NaN (a gap), never 0 (with ``outside_range``, a range of a derivation does not
make a gap: the points past it are marked ``outside``). Each curve carries its trivial value (above it the bound is
vacuous). :func:`figure` adds the baselines of the same quantity (:func:`ditrates.comparison.baselines_of`).

>>> f = figure(["tv-recovery"], "n", 1e2, 1e30, {"d0": 16}, points=5)
>>> [c.name for c in f.curves]
['tv-recovery', 'chen2023-tv', 'oko2023-tv', 'hu2025-latent-tv']
>>> f.curves[0].trivial_log10.tolist()            # a TV distance is at most 1 = 10^0
[0.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ditrates import grid, numerics, xi
from ditrates.comparison import baselines_of
from ditrates.errors import DitratesError
from ditrates.formatting import format_number, parse_number, split_range
from ditrates.registry import get
from ditrates.symbols import PARAMS

VS = ("n", "eps", "L", "d0", "D", "B")
"""The parameters a curve can run along."""
RANGES = {"n": (1e1, 1e30), "eps": (1e-3, 0.999), "L": (2.0, 1024.0), "d0": (8.0, 4096.0), "D": (8.0, 1e6),
          "B": (1e-2, 1e1)}
"""Default ranges (``--range``)."""
X_MAX = 1e300
"""Grids are float64: the range must lie below this."""
D_ALONG_L = 4
"""With ``--vs L`` or ``--vs d0`` and no d given, d = 4 (the CLI's default d, patch p = 2)."""

THRESHOLDS = {"criterion": (0.0, "threshold rho = 1 (efficient side below; Alman-Song 2023)"),
              "hardness": (0.0, "threshold rho = 1 (SETH-hard at and above)")}
"""A reference level (log10) for the Section 4 ratios, by kind."""
@dataclasses.dataclass(frozen=True)
class Curve:
    """One result along ``x``: ``log10`` (NaN where a condition fails), where it is valid, where it is evaluated
    past a range of a derivation (``outside_range``), and its trivial value (None if it has none)."""

    name: str
    source: str
    x: Any
    log10: Any
    valid: Any
    outside: Any = None
    trivial_log10: Any = None
    trivial_reason: str = ""
    baseline: bool = False

    @property
    def vacuous(self):
        """Where the bound exceeds its trivial value (False where it has none or is not evaluated)."""
        import numpy as np

        if self.trivial_log10 is None:
            return np.zeros_like(self.valid)
        return self.valid & (np.nan_to_num(self.log10, nan=-np.inf) > self.trivial_log10)

    def to_dict(self) -> dict:
        """JSON-ready (NaN as null)."""
        def num(a):
            return None if a is None else [float(v) if math.isfinite(v) else None for v in a.tolist()]

        return {"name": self.name, "source": self.source, "baseline": self.baseline, "log10": num(self.log10),
                "valid": self.valid.tolist(), "outside": None if self.outside is None else self.outside.tolist(),
                "trivial_log10": num(self.trivial_log10), "trivial_reason": self.trivial_reason}


@dataclasses.dataclass(frozen=True)
class Measured:
    """Measured means (with standard errors) of one quantity of an experiment directory, along ``vs``."""

    name: str
    label: str
    x: list[float]
    mean: list[float]
    se: list[float]


@dataclasses.dataclass(frozen=True)
class Figure:
    """The curves of one plot, the fixed parameters (as given), and sentences a reader needs."""

    vs: str
    x: Any
    curves: tuple[Curve, ...]
    params: dict[str, Any]
    xi_reading: str
    outside_range: bool = False
    notes: tuple[str, ...] = ()
    measured: tuple[Measured, ...] = ()
    reference: tuple[float, str] | None = None

    def to_dict(self) -> dict:
        return {"vs": self.vs, "x": self.x.tolist(), "params": {k: str(v) for k, v in self.params.items()},
                "xi_reading": self.xi_reading, "outside_range": self.outside_range,
                "curves": [c.to_dict() for c in self.curves],
                "reference": None if self.reference is None else {"log10": self.reference[0],
                                                                  "label": self.reference[1]},
                "measured": [dataclasses.asdict(m) for m in self.measured], "notes": list(self.notes)}


def parse_range(text: str | None, vs: str) -> tuple[float, float]:
    """``"1e2:1e30"`` as two floats, checked against the parameter's domain and float64.

    >>> parse_range("1e2:1e30", "n")
    (100.0, 1e+30)
    >>> parse_range("0.5:2", "eps")
    Traceback (most recent call last):
    ...
    ditrates.errors.DomainError: eps must be in (0, 1), got 2
    """
    if text is None:
        return RANGES[vs]
    lo_text, hi_text = split_range(text)
    p = dataclasses.replace(PARAMS[vs], integer=False)
    lo, hi = (parse_number(t, name=p.label) for t in (lo_text, hi_text))
    for v in (lo, hi):
        p.check(v)
    if not lo < hi:
        raise DitratesError(f"--range needs LO < HI, got {text}")
    if hi > X_MAX:
        raise DitratesError(f"--range: plots run on float64 grids, up to {X_MAX:g}; got {hi_text}")
    return float(lo), float(hi)


def _fixed(vs: str, params: Mapping[str, Any], names: Sequence[str]) -> tuple[dict, list[str]]:
    """The fixed inputs of the grid, with d filled in where the x-axis moves L or d0."""
    fixed, notes = dict(params), []
    if vs in fixed:
        raise DitratesError(f"{vs} runs along the x-axis (--vs {vs}); do not also give --{vs}")
    statistical = any(k in get(n).keys for n in names for k in ("n", "eps"))
    if vs in ("L", "d0"):
        if vs == "L" and "d0" in fixed:
            raise DitratesError("with --vs L, d0 = d L follows L: give d, not d0")
        if vs == "d0" and "L" in fixed:
            raise DitratesError("with --vs d0, L = d0 / d follows d0: give d, not L")
        if "d" not in fixed and statistical:
            fixed["d"] = D_ALONG_L
            notes.append(f"d = {D_ALONG_L} (patch p = 2) held fixed, {'d0 = d L' if vs == 'L' else 'L = d0 / d'}.")
    return fixed, notes


def curve(name: str, vs: str, x, fixed: Mapping[str, Any], *, xi_reading: str = xi.DEFAULT.value,
          outside_range: bool = False, baseline: bool = False) -> Curve:
    """``name`` along ``x`` (values of ``vs``) with ``fixed`` inputs: log10 with gaps where a condition fails."""
    import numpy as np

    result = get(name)
    if vs not in result.keys:
        raise DitratesError(f"{name} ({result.source}) does not depend on {PARAMS[vs].label}; "
                            f"it depends on {', '.join(result.keys)}")
    values = {k: v for k, v in fixed.items() if k in result.keys or k in ("d0", "d", "L")}
    with np.errstate(over="ignore"):  # the minimiser of xi probes e^(2 L y) beyond float64 at large L
        g = grid.evaluate(name, xi_reading=xi_reading, gaps=True, outside_range=outside_range, **values, **{vs: x})
    shape = np.shape(x)
    outside = np.broadcast_to(g.outside, shape) if outside_range else None
    trivial = None
    if result.trivial is not None:
        syms = {PARAMS[k].symbol: v for k, v in g.params.items()}
        trivial = np.broadcast_to(numerics.ln_eval(result.trivial.value, syms, "np")[1] / np.log(10.0), shape)
    return Curve(name, result.source, np.asarray(x, dtype=float), np.broadcast_to(g.log10, shape),
                 np.broadcast_to(g.valid, shape), outside, trivial, result.trivial.reason if result.trivial else "",
                 baseline)


def shown(names: Sequence[str], vs: str, baselines: bool = True) -> list[str]:
    """The results a figure draws: ``names`` and, with ``baselines``, theirs (of the same quantity) along ``vs``.

    >>> shown(["tv-recovery"], "n")
    ['tv-recovery', 'chen2023-tv', 'oko2023-tv', 'hu2025-latent-tv']
    """
    names = list(dict.fromkeys(names))
    return names + [b for n in names for b in baselines_of(n)
                    if baselines and b not in names and vs in get(b).keys]


def figure(names: Sequence[str], vs: str, lo: float, hi: float, params: Mapping[str, Any] | None = None, *,
           points: int = 300, xi_reading: str = xi.DEFAULT.value, outside_range: bool = False, baselines: bool = True,
           measured: Sequence[Measured] = (), run_params: Mapping[str, Any] | None = None,
           run_notes: Sequence[str] = ()) -> Figure:
    """Every result of :func:`shown` along ``vs`` from ``lo`` to ``hi`` (``points`` geometric steps); ``params``
    fixes the other inputs (numbers or numeric strings).

    ``measured`` are points of an experiment to draw beside the bounds, and ``run_params`` the parameters of
    its runs, taken for the inputs not in ``params`` (see :mod:`ditrates.experiments.overlay`).
    """
    import numpy as np

    if vs not in VS:
        raise DitratesError(f"--vs must be one of {', '.join(VS)}, got {vs!r}")
    if points < 2:
        raise DitratesError(f"--points must be at least 2, got {points}")
    for n in names:
        get(n)  # unknown names fail first, with a suggestion
    params, notes = dict(params or {}), list(run_notes)
    taken = {k: v for k, v in (run_params or {}).items() if k not in params}
    if taken:
        params = {**taken, **params}
        notes.append("Parameters of the runs: " + ", ".join(f"{k} = {format_number(v)}" for k, v in taken.items())
                     + ".")
    fixed, more = _fixed(vs, params, names)
    notes += more
    x = np.geomspace(lo, hi, points)
    names = list(dict.fromkeys(names))
    curves = tuple(curve(n, vs, x, fixed, xi_reading=xi_reading, outside_range=outside_range, baseline=n not in names)
                   for n in shown(names, vs, baselines))
    kinds = {get(n).kind for n in names}
    reference = next((THRESHOLDS[k] for k in ("criterion", "hardness") if k in kinds), None)
    return Figure(vs, x, curves, params, xi_reading, outside_range, tuple(notes), tuple(measured), reference)
