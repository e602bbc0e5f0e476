"""Pictures of the rates: log-log curves of a :class:`~ditrates.curves.Figure`, drawn with matplotlib.

All matplotlib is here and imported inside :func:`draw` (extra ``ditrates[plot]``); ``import ditrates`` does
not import it. The x-axis is logarithmic; the y-axis shows ``log10`` of the bound, since a value such as
``2^((1/eps)^(2L))`` exceeds float64 long before its logarithm does. Ticks read ``10^k``; where the values
span more than :data:`DOUBLE_LOG_SPAN` decades the y-axis turns symmetric-logarithmic in ``log10`` (ticks
``10^(10^k)``), so that the double exponential in L and the polynomial rates fit on one picture.

Drawn: each result (solid) and its baselines (dashed); the trivial value of a bound (dotted grey, e.g. a
total variation of 1: above it the bound is vacuous, and that part of the curve is faded); the range of x
where the printed reading of xi is in force (shaded); failed conditions as gaps; measured points of an
experiment with one standard error.

>>> import io
>>> from ditrates.curves import figure
>>> buf = io.BytesIO()
>>> draw(figure(["tv-recovery"], "n", 1e2, 1e30, {"d0": 16}, points=20), buf, "svg")
>>> buf.getvalue()[:5]
b'<?xml'
"""

from __future__ import annotations

import math
from typing import IO

from ditrates.curves import Figure
from ditrates.formatting import format_number
from ditrates.symbols import PARAMS

FORMATS = ("png", "svg", "pdf")
DOUBLE_LOG_SPAN = 1000
"""Above this many decades between the smallest and the largest value, the y-axis is symlog in log10."""
SIZE = (7.5, 4.6)
DPI = 120


def _tick(v: float, _pos=None) -> str:
    """The label of a tick at log10 = v: 10^v, or 10^(10^k) for large |v|."""
    if v == 0:
        return "$1$"
    if abs(v) < 1e4:
        return f"$10^{{{v:g}}}$"
    sign = "-" if v < 0 else ""
    return f"$10^{{{sign}10^{{{math.log10(abs(v)):.3g}}}}}$"


def draw(fig: Figure, out: str | IO[bytes], fmt: str | None = None, title: str | None = None) -> None:
    """Draw ``fig`` to ``out`` (a path or a binary file) as ``fmt`` (png, svg or pdf; from the suffix if None);
    ``title`` goes before the title that says what is drawn (e.g. the preset's name)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fmt = fmt or str(out).rsplit(".", 1)[-1].lower()
    figure, ax = plt.subplots(figsize=SIZE)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    finite = np.concatenate([c.log10[np.isfinite(c.log10)] for c in fig.curves] + [np.zeros(1)])
    double_log = float(finite.max() - finite.min()) > DOUBLE_LOG_SPAN
    for i, c in enumerate(fig.curves):
        color = colors[i % len(colors)]
        ls = "--" if c.baseline else "-"
        y = np.where(c.valid, c.log10, np.nan)
        ax.plot(c.x, np.where(c.vacuous, np.nan, y), color=color, ls=ls, lw=1.6,
                label=f"{c.name} ({c.source})" + (" [baseline]" if c.baseline else ""))
        if c.vacuous.any():
            ax.plot(c.x, np.where(c.vacuous | np.roll(c.vacuous, 1) | np.roll(c.vacuous, -1), y, np.nan),
                    color=color, ls=ls, lw=1.6, alpha=0.35)
        if c.trivial_log10 is not None and not c.baseline:
            ax.plot(c.x, c.trivial_log10, color="grey", ls=":", lw=1.2,
                    label=f"trivial value of {c.name} ({c.trivial_reason}); faded above: vacuous")
    if fig.reference is not None:
        ax.axhline(fig.reference[0], color="grey", ls=":", lw=1.2, label=fig.reference[1])
    printed = [c.printed for c in fig.curves if c.printed is not None]
    if printed:
        mask = np.logical_or.reduce(printed)
        if mask.any():
            ax.fill_between(fig.x, 0, 1, where=mask, transform=ax.get_xaxis_transform(), color="tab:green",
                            alpha=0.10, lw=0, label="xi as printed in force (Def. 3.4, eps <= eps_max(L))")
    for j, m in enumerate(fig.measured):
        y, se = np.asarray(m.mean), np.asarray(m.se)
        lo = np.log10(y) - np.log10(np.maximum(y - se, y * 1e-3))
        hi = np.log10(y + se) - np.log10(y)
        ax.errorbar(m.x, np.log10(y), yerr=[lo, hi], fmt="o", ms=4, capsize=2, color="black",
                    mfc=["black", "white", "grey"][j % 3], label=m.label)
    ax.set_xscale("log")
    if double_log:
        ax.set_yscale("symlog", linthresh=10, linscale=1)
        top = float(finite.max())
        ax.set_ylim(min(float(finite.min()), 0.0) - 1, top * 3)
        decades = int(math.ceil(math.log10(top)))
        step = max(1, decades // 7)
        low = [float(finite.min() // 1)] if finite.min() < -10 else []  # else too close to 1 to label apart
        ax.set_yticks(low + [0.0] + [10.0**k for k in range(step, decades + 1, step)])
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    ax.set_xlabel(f"{PARAMS[fig.vs].label} ({PARAMS[fig.vs].meaning})", fontsize=8)
    ax.set_ylabel("bound (log scale" + (", double-log above 10^10)" if double_log else ")"))
    fixed = ", ".join(f"{PARAMS[k].label} = {format_number(v)}" for k, v in fig.params.items())
    ax.set_title((f"{title}: " if title else "") + f"against {PARAMS[fig.vs].label}" + (f" at {fixed}" if fixed else "")
                 + f"; xi reading {fig.xi_reading}; hidden constants 1", fontsize=9)
    ax.grid(True, which="major", lw=0.3, alpha=0.6)
    ax.legend(fontsize=6.5, loc="best")
    figure.tight_layout()
    figure.savefig(out, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(figure)
