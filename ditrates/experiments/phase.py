"""The phase of attention: where the polynomial method beats exact attention, measured and predicted.

:func:`phase_rows` summarises a grid of :class:`~ditrates.experiments.attention.BenchPoint` per sequence length L:
the threshold sqrt(ln L) of Props 4.1-4.2 in B, the flop model's largest winning B, the largest measured winning
B, and how far the rank exceeds L on the threshold itself. :func:`phase_plot` draws it (matplotlib, imported
when called).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from ditrates.criteria.cost import polynomial_cost
from ditrates.criteria.threshold import Temperature
from ditrates.experiments.bench import BenchPoint, largest_winning_B, predicted_largest_B


def outcome(p: BenchPoint) -> str:
    """``wins``, ``loses: ...`` or, for a point that did not run, why."""
    if p.status != "ran":
        return p.status
    if p.max_error > p.cost.delta_F:
        return "loses: error > eps"
    return "wins" if p.wins else "loses: slower"


def plot_kind(p: BenchPoint) -> str:
    """``wins``, ``loses`` or ``not run``."""
    return "not run" if p.status != "ran" else ("wins" if p.wins else "loses")


def phase_rows(points: Sequence[BenchPoint], Ls: list[int], d: int, temperature: Temperature,
               eps: float) -> list[dict]:
    """Per L: sqrt(ln L), the threshold in B (sqrt(kappa d) B = sqrt(ln L)), the flop model's largest B with
    r < L, the largest measured B at which the fast method wins, and log10(r / L) on the threshold itself
    (d = round(ln L), B = sqrt(ln L / (kappa d)))."""
    kappa, best, rows = float(temperature.kappa(d)), largest_winning_B(points), []
    for n in Ls:
        d_th = max(1, round(math.log(n)))
        k_th = float(temperature.kappa(d_th))
        at_threshold = polynomial_cost(n, d_th, math.sqrt(math.log(n) / (k_th * d_th)), k_th, eps)
        rows.append({"L": n, "sqrt_log_L": math.sqrt(math.log(n)),
                     "threshold_B": math.sqrt(math.log(n) / (kappa * d)),
                     "predicted_largest_B": predicted_largest_B(n, d, kappa, eps),
                     "measured_largest_B": best.get(n),
                     "log10_r_over_L_at_threshold": -at_threshold.log10_speedup})
    return rows


def phase_plot(path: Path, points: Sequence[BenchPoint], phase: list[dict], d: int, kappa: float, eps: float,
               temperature: Temperature) -> None:
    """Grid points (won / lost / not run), the measured and predicted largest winning B, and the threshold
    sqrt(ln L / (kappa d)), against L."""
    import matplotlib  # the optional extra, imported when a plot is asked for

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    Ls = [r["L"] for r in phase]
    fine = [2 ** (k / 4) for k in range(int(4 * math.log2(min(Ls))), int(4 * math.log2(max(Ls))) + 1)]
    fig, ax = plt.subplots(figsize=(8.4, 4.6), dpi=120)
    ax.plot(fine, [math.sqrt(math.log(n) / (kappa * d)) for n in fine], ":", color="k",
            label=r"threshold $\sqrt{\kappa d}\,B = \sqrt{\ln L}$")
    ax.plot(fine, [predicted_largest_B(round(n), d, kappa, eps) for n in fine], "--", color="tab:blue",
            label="predicted: largest B with r < L")
    for kind, marker, colour in (("wins", "o", "tab:green"), ("loses", "x", "tab:red"),
                                 ("not run", ".", "0.6")):
        sel = [p for p in points if plot_kind(p) == kind]
        ax.scatter([p.cost.L for p in sel], [p.cost.B for p in sel], marker=marker, color=colour,
                   label=f"grid: {kind}" + (" (r >= L)" if kind == "not run" else ""), zorder=3)
    won = [(r["L"], r["measured_largest_B"]) for r in phase if r["measured_largest_B"] is not None]
    if won:
        ax.plot(*zip(*won, strict=True), "-", color="tab:green", label="measured: largest winning B")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_yticks(sorted({p.cost.B for p in points}))
    ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set(xlabel="sequence length L", ylabel="bound B on the entries of Q, K, V",
           title=f"Where the polynomial method beats exact attention\n(d = {d}, temperature {temperature.value}, "
                 f"max error {eps:g}, float32)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
