"""Pictures of the rates: log-log curves of a :class:`~ditrates.curves.Figure`, drawn with matplotlib.

All matplotlib is here and imported inside :func:`draw` (extra ``ditrates[plot]``); ``import ditrates`` does
not import it. The x-axis is logarithmic; the y-axis shows ``log10`` of the bound, since a value such as
``2^((1/eps)^(2L))`` exceeds float64 long before its logarithm does. Ticks read ``10^k`` at integer decades; where
the values span more than :data:`DOUBLE_LOG_SPAN` decades the y-axis turns symmetric-logarithmic in ``log10``
(linear up to 10^10, with a tick there, then ticks ``10^(10^k)``), so that the double exponential in L and the
polynomial rates fit on one picture. A value beyond 10^(1.8e308), whose logarithm leaves float64, is never
dropped: it is marked at the top edge (triangles) with a legend entry saying so.

Drawn: each result in its own colour and line style (:mod:`ditrates.styles`; baselines dashed), a curve that
lies on another in short dashes with a legend note; the trivial values of the bounds (dotted, one pattern per
distinct value; above it a bound is vacuous, and that part of the curve is faded); the range of x where a curve
is evaluated past a range of its derivation (shaded, with --outside-range); failed conditions as gaps; measured
points of an experiment with one standard error, one marker per series in the colour of the result they face.

For print: the figure is ``--size`` wide (``column`` 3.4 in, ``page`` 7 in, or ``WxH`` inches), every text is at
least :data:`FONT` points at that size, the legend sits below the axes (never over a curve; the figure grows
by its height), PNGs are :data:`DPI` dpi and PDFs embed TrueType (Type 42) fonts, not Type 3.

>>> import io
>>> from ditrates.curves import figure
>>> buf = io.BytesIO()
>>> draw(figure(["tv-recovery"], "n", 1e2, 1e30, {"d0": 16}, points=20), buf, "svg")
>>> buf.getvalue()[:5]
b'<?xml'
>>> parse_size("column"), parse_size("6x3.5")
((3.4, 2.4), (6.0, 3.5))
"""

from __future__ import annotations

import math
import textwrap
from typing import IO

from ditrates import styles
from ditrates.curves import Figure
from ditrates.errors import DitratesError
from ditrates.formatting import format_number
from ditrates.registry import get
from ditrates.symbols import PARAMS

FORMATS = ("png", "svg", "pdf")
DOUBLE_LOG_SPAN = 1000
"""Above this many decades between the smallest and the largest value, the y-axis is symlog in log10."""
SWITCH = 10.0
"""Where the symlog axis turns from linear to logarithmic in log10: at the value 10^10 (a tick is drawn there)."""
SIZES = {"column": (3.4, 2.4), "page": (7.0, 3.8)}
"""Width and height of the axes' part of the figure, in inches: one column of a two-column paper, a page."""
FONT = 8.0
"""The smallest text, in points at the printed size."""
DPI = 300
RC = {"font.size": FONT, "axes.titlesize": FONT + 0.5, "axes.labelsize": FONT, "xtick.labelsize": FONT,
      "ytick.labelsize": FONT, "legend.fontsize": FONT, "pdf.fonttype": 42, "ps.fonttype": 42,
      "svg.fonttype": "path", "mathtext.default": "regular", "lines.scale_dashes": False}
OFF_SCALE = 0.985
"""Where the marks of values beyond 10^(1.8e308) sit: this fraction of the axes' height."""


def parse_size(text: str) -> tuple[float, float]:
    """``column``, ``page`` or ``WxH`` (inches, e.g. ``3.25x2.2``) as (width, height) of the axes' part."""
    if text in SIZES:
        return SIZES[text]
    w, sep, h = text.lower().partition("x")
    try:
        size = (float(w), float(h))
    except ValueError:
        size = None
    if not sep or size is None or not all(0.5 <= v <= 40 for v in size):
        raise DitratesError(f"--size must be column, page or WxH in inches (e.g. 3.25x2.2, each 0.5 to 40), "
                            f"got {text!r}")
    return size


def _tick(v: float, _pos=None) -> str:
    """The label of a tick at log10 = v: 10^v, or 10^(10^k) for large |v|."""
    if v == 0:
        return "$1$"
    if abs(v) < 1e4:
        return f"$10^{{{v:g}}}$"
    sign = "-" if v < 0 else ""
    return f"$10^{{{sign}10^{{{math.log10(abs(v)):.3g}}}}}$"


def _ylabel(fig: Figure, double_log: bool) -> str:
    quantities = {get(c.name).quantity for c in fig.curves}
    what = r"$\rho$ = norm bound / threshold" if quantities == {r"\rho"} else "bound"
    return what + (f" (double-log above $10^{{{SWITCH:g}}}$)" if double_log else " (log scale)")


def _extent(fig: Figure, np) -> tuple[float, float]:
    """The smallest and largest log10 drawn: curves, trivial values, the reference level, measured points."""
    parts = [c.log10[np.isfinite(c.log10)] for c in fig.curves]
    parts += [c.trivial_log10 for c in fig.curves if c.trivial_log10 is not None and not c.baseline]
    parts += [np.log10(np.asarray(m.mean)[np.asarray(m.mean) > 0]) for m in fig.measured]
    parts += [np.array([fig.reference[0]])] if fig.reference is not None else []
    values = np.concatenate([np.ravel(p) for p in parts] + [np.zeros(1)])
    return float(values.min()), float(values.max())


def _axes(ax, fig: Figure, low: float, top: float, double_log: bool) -> None:
    """Limits first (so that coinciding curves can be found where they are drawn): the x-range with a margin,
    integer decades on y with a labelled tick at or above the top (no curve on the border)."""
    ax.set_xscale("log")
    lo, hi = float(fig.x[0]), float(fig.x[-1])
    pad = max((hi / lo) ** 0.04, 1.1)
    ax.set_xlim(lo / pad, hi * pad)
    if double_log:
        decades = int(math.ceil(math.log10(top * 1.5)))
        ax.set_yscale("symlog", linthresh=SWITCH, linscale=max(1.0, (decades - 1) / 6))  # 1/7 of the height linear
        step = max(1, decades // 6)
        ticks = [0.0, SWITCH] + [10.0**k for k in (*range(step, decades, step), decades) if k > 1]
        bottom = min(low, 0.0)
        if bottom < -SWITCH:
            ticks = [-(10.0 ** int(math.ceil(math.log10(-bottom * 1.5)))), -SWITCH, *ticks]
        ax.set_ylim(min(ticks) if bottom < -SWITCH else bottom - 1, max(ticks))
        ax.set_yticks(sorted(set(ticks)))
        return
    span = max(top - low, 1.0)
    step = max(1, int(math.ceil(span / 7)))
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if s >= step) if step <= 1000 else step
    bottom = low - 0.05 * span
    ceiling = math.ceil((top + 0.03 * span) / step) * step
    ax.set_ylim(bottom, ceiling)
    ax.set_yticks([float(t) for t in range(math.ceil(bottom / step) * step, int(ceiling) + 1, step)])


def _curves(ax, fig: Figure, np, tol: float) -> None:
    to_axes = ax.transData + ax.transAxes.inverted()
    where = {}
    for c in fig.curves:
        y = np.where(c.valid & np.isfinite(c.log10), c.log10, np.nan)
        where[c.name] = [float(v) if np.isfinite(v) else math.nan
                         for v in to_axes.transform(np.column_stack([c.x, np.nan_to_num(y, nan=0.0)]))[:, 1]]
        where[c.name] = [v if np.isfinite(y[i]) else math.nan for i, v in enumerate(where[c.name])]
    on = styles.coincide(where, tol)
    count = {base: sum(1 for b in on.values() if b == base) for base in on.values()}
    seen: dict[str, int] = {}
    for c in fig.curves:
        st = styles.style(c.name)
        dash = st.dash
        label = f"{c.name} ({c.source})" + (" [baseline]" if c.baseline else "")
        if c.name in on:
            base = on[c.name]
            dash = styles.coincide_dash(seen.setdefault(base, 0), count[base])
            seen[base] += 1
            label += f"; lies on {base} at this scale (interleaved dashes)"
        ls = (0, dash) if dash else "-"
        y = np.where(c.valid & np.isfinite(c.log10), c.log10, np.nan)
        ax.plot(c.x, np.where(c.vacuous, np.nan, y), color=st.color, ls=ls, lw=1.5, label=label,
                zorder=3 if c.name in on else 2)
        if c.vacuous.any():
            near = c.vacuous | np.roll(c.vacuous, 1) | np.roll(c.vacuous, -1)
            ax.plot(c.x, np.where(near, y, np.nan), color=st.color, ls=ls, lw=1.5, alpha=0.35)
        off = c.valid & np.isposinf(c.log10)
        if off.any():
            ax.plot(c.x[off], np.full(int(off.sum()), OFF_SCALE), transform=ax.get_xaxis_transform(), ls="none",
                    marker="^", ms=4, color=st.color, clip_on=False, markevery=max(1, int(off.sum()) // 24),
                    label=f"{c.name}: beyond $10^{{1.8e308}}$ (off scale), marked at the top")
    trivial: dict[tuple, list] = {}
    for c in fig.curves:
        if c.trivial_log10 is not None and not c.baseline:
            trivial.setdefault(tuple(np.round(c.trivial_log10, 9)), []).append(c)
    for i, group in enumerate(trivial.values()):
        names = ", ".join(c.name for c in group)
        color = styles.style(group[0].name).color if len(group) == 1 else styles.REFERENCE.color
        ax.plot(group[0].x, group[0].trivial_log10, color=color, lw=1.0,
                ls=(0, styles.TRIVIAL_DASHES[i % len(styles.TRIVIAL_DASHES)]),
                label=f"trivial value of {names} ({group[0].trivial_reason}); faded above: vacuous")


def _measured(ax, fig: Figure, np) -> None:
    for j, m in enumerate(fig.measured):
        y, se = np.asarray(m.mean), np.asarray(m.se)
        lo = np.log10(y) - np.log10(np.maximum(y - se, y * 1e-3))
        hi = np.log10(y + se) - np.log10(y)
        ax.errorbar(m.x, np.log10(y), yerr=[lo, hi], fmt=styles.MARKERS[j % len(styles.MARKERS)], ms=4.5,
                    capsize=2, color=styles.style(m.name).color, mec="black", mew=0.6, label=m.label, zorder=4)
    if fig.measured:
        from matplotlib.ticker import NullFormatter

        xs = sorted({x for m in fig.measured for x in m.x})
        ax.set_xticks(xs, [format_number(x) for x in xs])
        ax.xaxis.set_minor_formatter(NullFormatter())


def _wrap(text: str, inches: float, points: float = FONT) -> str:
    """``text`` in lines that fit ``inches`` at ``points`` (an average glyph of DejaVu Sans is about 0.6 em)."""
    return "\n".join(textwrap.wrap(text, max(12, int(inches * 72 / (0.6 * points)))))


def draw(fig: Figure, out: str | IO[bytes], fmt: str | None = None, title: str | None = None,
         size: tuple[float, float] = SIZES["page"]) -> None:
    """Draw ``fig`` to ``out`` (a path or a binary file) as ``fmt`` (png, svg or pdf; from the suffix if None),
    ``size`` inches wide (the axes' part ``size[1]`` high; the legend below adds its own height); ``title`` goes
    before the title that says what is drawn (e.g. the preset's name)."""
    import matplotlib.pyplot as plt

    fmt = fmt or str(out).rsplit(".", 1)[-1].lower()
    with plt.rc_context(RC):
        figure = render(fig, title, size)
        figure.savefig(out, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(figure)


def render(fig: Figure, title: str | None = None, size: tuple[float, float] = SIZES["page"]):
    """The matplotlib figure of ``fig`` (call inside ``plt.rc_context(RC)``; :func:`draw` saves it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    width, height = size
    figure = plt.figure(figsize=(width, height), layout="constrained")
    ax = figure.add_subplot()
    low, top = _extent(fig, np)
    double_log = top - low > DOUBLE_LOG_SPAN
    _axes(ax, fig, low, top, double_log)
    _curves(ax, fig, np, tol=1.5 / (height * 72 * 0.7))  # a line width, as a fraction of the axes' height
    if fig.reference is not None:
        ax.axhline(fig.reference[0], color=styles.REFERENCE.color, ls=(0, styles.REFERENCE.dash), lw=1.0,
                   label=fig.reference[1])
    outside = [c.outside for c in fig.curves if c.outside is not None]
    if outside and np.logical_or.reduce(outside).any():
        ax.fill_between(fig.x, 0, 1, where=np.logical_or.reduce(outside), transform=ax.get_xaxis_transform(),
                        color="tab:red", alpha=0.10, lw=0, label="past a range of the derivation: not backed")
    _measured(ax, fig, np)
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    ax.set_xlabel(_wrap(f"{PARAMS[fig.vs].label} ({PARAMS[fig.vs].meaning})", width - 0.3))
    ax.set_ylabel(_wrap(_ylabel(fig, double_log), height - 0.2))
    fixed = ", ".join(f"{PARAMS[k].label} = {format_number(v)}" for k, v in fig.params.items())
    text = (f"{title}: " if title else "") + f"against {PARAMS[fig.vs].label}" + (f" at {fixed}" if fixed else "") \
        + f"; xi reading {fig.xi_reading}; hidden constants 1"
    ax.set_title(_wrap(text, width - 0.3, RC["axes.titlesize"]))
    ax.grid(True, which="major", lw=0.3, alpha=0.6)
    _legend_below(figure, ax, width, height)
    return figure


def _legend_below(figure, ax, width: float, height: float) -> None:
    """The legend under the axes, its labels wrapped to the width; the figure grows by the legend's height."""
    handles, labels = ax.get_legend_handles_labels()
    columns = 1 if width < 5 else 2
    labels = [_wrap(t, (width - 0.2) / columns - 0.75) for t in labels]  # 0.75 in: the handle and the gaps
    legend = figure.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False,
                           handlelength=3.2, borderaxespad=0.2, columnspacing=1.2)
    extent = legend.get_window_extent(figure.canvas.get_renderer())  # measured before any layout
    figure.set_size_inches(width, height + extent.height / figure.dpi)
