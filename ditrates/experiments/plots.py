"""Figures of a report: one row of log-log panels per sweep (all of the experiments' matplotlib is here).

Over ``n``: the score error with its infinite-data floor (a band of +-1 standard error) and the fitted
``A n^b + c``; the excess over the floor with the fitted ``A n^b`` and the bound's slope above its own floor;
the latent TV lower bound and the exact log-density gap. Over ``D`` and ``d0``: the score error with the floor
of each value (dotted, hollow squares) and its excess over it, the TV lower bound, and ``lambda_max`` off the
support beside ``sigma(T0)`` (or the log-density gap).
Measured means carry +-1 standard error bars (seed spread); memorising points are drawn hollow; a bound far above
the measurements (:data:`OFF_SCALE`) is named with its range in the legend, not drawn; the score error's
panel has the untrained networks' error (``s = -x / sigma``) as a dotted black line. Each panel's legend sits below
it, never over a curve.
"""

from __future__ import annotations

import math
import pathlib

import numpy as np

from ditrates.experiments import distances
from ditrates.experiments.plan import swept
from ditrates.experiments.report import BY_KEY, Report

COLORS = {"dit-learned": "tab:blue", "dit-oracle": "tab:green", "dit-ambient": "tab:red", "mlp-learned": "tab:orange"}
_SAMPLES = (("score_error", "error"), ("score_error", "excess"), ("tv_lower", "error"), ("log_density_gap", "error"))
OFF_SCALE = 1e4
"""A bound more than this many times the largest measured value of its curve is named in the legend, not drawn."""
PANELS = {
    "n": _SAMPLES, "n-law2": _SAMPLES, "d0": _SAMPLES, "steps": _SAMPLES, "width": _SAMPLES,
    "D": (("score_error", "error"), ("score_error", "excess"), ("tv_lower", "error"), ("orthogonal_variance", "error")),
}


def plot(rep: Report, path: pathlib.Path) -> None:
    """Write the report's figure to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    sweeps = [s for s in PANELS if any(c.sweep == s for c in rep.curves)]
    fig, axes = plt.subplots(len(sweeps), 4, figsize=(17, 5.2 * len(sweeps)), squeeze=False, layout="constrained")
    for row, sweep in zip(axes, sweeps, strict=True):
        curves = [c for c in rep.curves if c.sweep == sweep and c.points]
        xs = sorted({p.x for c in curves for p in c.points})
        for ax, (q, kind) in zip(row, PANELS[sweep], strict=True):
            for c in curves:
                _curve(ax, c, q, kind, len(curves) > len({c.model for c in curves}))
            for f in rep.fits:
                if (swept(sweep) == "n" and f.sweep == sweep and f.quantity == q and f.exponent is not None
                        and f.floor and f.identified and "without" not in f.kind):
                    _fit(ax, f, kind, next(c for c in curves if c.label == f.curve))
            untrained = [p.mean("score_error_untrained") for c in curves for p in c.points]
            untrained = [u for u in untrained if u is not None]
            if q == "score_error" and kind == "error" and untrained:
                ax.axhline(float(np.mean(untrained)), color="k", lw=0.8, ls=(0, (1, 3)), label="untrained networks")
            if q == "orthogonal_variance":
                ax.axhline(-math.expm1(-curves[0].points[0].params["T0"]), color="grey", lw=0.8, label="sigma(T0)")
            ax.set_xscale("log")
            ax.set_yscale("log" if q != "log_density_gap" else "symlog", **({"linthresh": 0.1}
                                                                              if q == "log_density_gap" else {}))
            ax.set_xticks(xs, [str(v) for v in xs])
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xlabel(swept(sweep))
            title = BY_KEY[q].label + (": excess over n = inf" if kind == "excess" else "")
            old = sorted({c.version for c in curves} - {distances.VERSION})
            ax.set_title(f"{sweep}-sweep: {title}" + "".join(f"\nrecords of measuring code v{v}" for v in old),
                         fontsize=9)
            ax.grid(True, which="both", lw=0.3, alpha=0.5)
            if ax.has_data():
                ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False, ncols=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def _curve(ax, c, q: str, kind: str, label_profile: bool) -> None:
    name = c.label if label_profile else c.model
    color = COLORS.get(c.model, "black")
    pts = [p for p in c.points if p.mean(q) is not None]
    if kind == "excess":
        pts = [p for p in pts if c.floor(p) is not None and c.floor(p).mean(q) is not None]
        ys = [p.mean(q) - c.floor(p).mean(q) for p in pts]
        es = [math.hypot(p.se(q) or 0, c.floor(p).se(q) or 0) for p in pts]
    else:
        ys, es = [p.mean(q) for p in pts], [p.se(q) or 0 for p in pts]
    keep = [i for i, y in enumerate(ys) if y > 0 or q == "log_density_gap"]
    if len(keep) < len(ys):  # a log axis cannot show them: say so rather than drop them silently
        below = "at or below its floor" if kind == "excess" else "at or below 0"
        ax.plot([], [], color=color, marker="v", ls="none", ms=4,
                label=f"{name}: {len(ys) - len(keep)} of {len(ys)} {below}, not drawn")
    if not keep:
        return
    for hollow in (False, True):
        idx = [i for i in keep if pts[i].memorising == hollow]
        if idx:
            ax.errorbar([pts[i].x for i in idx], [ys[i] for i in idx], yerr=[es[i] for i in idx], color=color,
                        marker="o", ms=4, capsize=2, lw=0 if hollow else 1, mfc="none" if hollow else color,
                        label=f"{name}{' (memorising)' if hollow else ''}")
    floors = [(x, f) for x, f in sorted(c.floors.items(), key=lambda kv: kv[0] or 0) if x is not None
              and f.mean(q) is not None and (f.mean(q) > 0 or q == "log_density_gap")]
    if kind == "error" and swept(c.sweep) != "n" and floors:
        ax.errorbar([x for x, _ in floors], [f.mean(q) for _, f in floors], yerr=[f.se(q) or 0 for _, f in floors],
                    color=color, marker="s", ms=3, mfc="none", capsize=2, lw=0.8, ls=":", label=f"{name}: n = inf")
    if kind == "error" and swept(c.sweep) == "n" and None in c.floors and c.floors[None].mean(q) is not None:
        f = c.floors[None]
        lo, hi = f.mean(q) - (f.se(q) or 0), f.mean(q) + (f.se(q) or 0)
        ax.axhspan(lo, hi, color=color, alpha=0.15, lw=0)
        ax.axhline(f.mean(q), color=color, lw=0.8, ls=":", label=f"{name}: n = inf")
    bound = [(p.x, ev) for p in c.points if kind == "error" and (ev := p.bound(BY_KEY[q])) is not None]
    top = OFF_SCALE * max([y for y in ys if y > 0], default=1.0)
    if bound and all(ev.value is not None and ev.value <= top for _, ev in bound):
        ax.plot([x for x, _ in bound], [ev.value for _, ev in bound], color=color, ls="--", lw=1,
                label=f"{name}: bound")
    elif bound:  # drawn, it would flatten every measurement into one line
        ax.plot([], [], color=color, ls="--", lw=1,
                label=f"{name}: bound {bound[0][1].text} to {bound[-1][1].text}, off the scale")


def _fit(ax, f, kind: str, c) -> None:
    xs = np.array([p.x for p in c.points if p.x in f.used], dtype=float)
    ys = np.array([c.points[[p.x for p in c.points].index(x)].mean(f.quantity) for x in xs], dtype=float)
    excess = ys - f.floor
    if len(xs) < 2 or (excess <= 0).any():
        return
    amp = float(np.exp(np.mean(np.log(excess) - f.exponent * np.log(xs))))
    grid = np.geomspace(xs[0], xs[-1], 50)
    color = COLORS.get(f.model, "black")
    shown = amp * grid**f.exponent + (f.floor if kind == "error" else 0.0)
    ax.plot(grid, shown, color=color, ls="-.", lw=0.8, label=f"fit: n^{f.exponent:.2f}" + (
        f" + {f.floor:.2g}" if kind == "error" else ""))
    if kind == "excess" and f.bound_excess is not None:
        ax.plot(grid, amp * xs[0] ** f.exponent * (grid / xs[0]) ** f.bound_excess, color=color, ls=":", lw=1.2,
                label=f"bound's slope n^{f.bound_excess:.2f}")
