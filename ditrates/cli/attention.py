"""`ditrates attention`: exact against almost-linear attention, measured (issue 6).

``ditrates attention bench`` times torch's exact attention against the polynomial method of
:mod:`ditrates.experiments.attention` over a grid of ``(L, B)``, with the degree and rank that
``ditrates criteria`` reports, and draws the phase plot. :func:`measure_command` (registered as
``ditrates criteria measure RUN``) reads Section 4's norms off a trained model. torch, numpy and matplotlib
are imported inside the commands only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ditrates.cli.app import EPILOG, Group, JsonOpt, app, output_mode
from ditrates.cli.output import Output
from ditrates.errors import DitratesError

attention_app = typer.Typer(
    cls=Group, epilog=EPILOG, no_args_is_help=True,
    help="Exact and almost-linear attention, measured.\n\nExample: ditrates attention bench --quick")
app.add_typer(attention_app, name="attention")

DEFAULT_L, DEFAULT_B = "1024,4096,16384,65536", "0.25,0.5,1,2,4"
QUICK_L, QUICK_B = "1024,4096", "0.25,0.5,1"
MIB = 1 << 20


def _parse_list(text: str, name: str, integer: bool = False) -> list:
    """``"1024,4096"`` -> ``[1024, 4096]`` (positive numbers, a bad item is one error line)."""
    from ditrates.formatting import parse_number

    items = [parse_number(item, integer=integer, name=name) for item in text.split(",") if item.strip()]
    if not items or any(x <= 0 for x in items):
        raise DitratesError(f"{name} must be a comma-separated list of positive numbers, got {text!r}")
    return [int(x) if integer else float(x) for x in items]


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{1e3 * seconds:.3g}"


def _mib(n: int | None) -> str:
    return "-" if n is None else f"{n / MIB:.3g}"


def _sci(x: float | None) -> str:
    return "-" if x is None else f"{x:.2g}"


def _pow10(log10: float) -> str:
    """``10**log10`` with 3 digits, as ``10^(x)`` beyond 1e15."""
    from ditrates.formatting import format_log10

    return f"{10**log10:.3g}" if abs(log10) < 15 else format_log10(log10, 3)


def _outcome(p) -> str:
    """``wins``, ``loses: ...`` or, for a point that did not run, why."""
    if p.status != "ran":
        return p.status
    if p.max_error > p.cost.delta_F:
        return "loses: error > eps"
    return "wins" if p.wins else "loses: slower"


def _plot_kind(p) -> str:
    """``wins``, ``loses`` or ``not run``."""
    return "not run" if p.status != "ran" else ("wins" if p.wins else "loses")


@attention_app.command("bench")
def bench(
    L: Annotated[str, typer.Option("--L", help="Sequence lengths, comma-separated.", metavar="N,N,...")
                 ] = DEFAULT_L,
    d: Annotated[int, typer.Option("--d", help="Head dimension d.", min=1)] = 8,
    B: Annotated[str, typer.Option(
        "--B", help="Bounds on the entries of Q, K, V, comma-separated.", metavar="X,X,...")] = DEFAULT_B,
    eps: Annotated[float, typer.Option("--eps", help="Target max-entry error of the output.", metavar="NUM")
                   ] = 1e-3,
    temperature: Annotated[str, typer.Option(
        "--temperature", help="Softmax temperature: none (kappa = 1, the paper) or 1/d (Alman-Song).",
    )] = "none",
    threads: Annotated[int | None, typer.Option(
        "--threads", help="CPU threads for exact attention (default: torch's); the fast method uses one.",
        min=1)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random inputs.")] = 0,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the phase plot to this PNG.")] = None,
    quick: Annotated[bool, typer.Option(
        "--quick", help=f"Small grid (L = {QUICK_L}, B = {QUICK_B}) and short timings: under a minute.",
    )] = False,
    json_: JsonOpt = False,
) -> None:
    """Time exact attention (torch SDPA) against the polynomial method over a grid of (L, B).

    Inputs have entries uniform in [-B, B] (with one pair of rows at kappa <q, k> = +-beta). The Taylor
    degree g and rank r = C(d+g, g) are those of 'ditrates criteria' at the target error; the predicted
    speedup is L / r. Both run in float32 (median of repeats after a warm-up), exact attention on --threads
    threads, the polynomial method on one of them (its products are memory-bound). The error is measured
    against float64 SDPA and set against the stated bound 2 delta/(1-delta) ||V||_max; memory is the rise of
    the peak RSS during one call. Nothing runs where r >= L. The phase summary gives, per L, the largest B at
    which the fast method wins at the target error, against sqrt(log L).

    Example: ditrates attention bench --L 1024,4096,16384,65536 --d 8 --B 0.25,0.5,1,2,4 --eps 1e-3
    """
    if quick:
        L, B = (QUICK_L if L == DEFAULT_L else L), (QUICK_B if B == DEFAULT_B else B)
    Ls, Bs = _parse_list(L, "--L", integer=True), _parse_list(B, "--B")
    if any(n < 2 for n in Ls):
        raise DitratesError(f"--L values must be at least 2, got {L}")
    if not 0 < eps < 1:
        raise DitratesError(f"--eps must be in (0, 1), got {eps}")
    if plot is not None and not plot.parent.is_dir():
        raise DitratesError(f"--plot: directory {plot.parent} does not exist")
    import torch

    from ditrates.experiments import attention as at

    if temperature not in at.TEMPERATURES:
        raise DitratesError(f"--temperature must be 'none' or '1/d', got {temperature!r}")
    if threads:
        torch.set_num_threads(threads)
    kappa, budget = at.kappa_for(temperature, d), (0.2 if quick else 1.0)
    generator = torch.Generator().manual_seed(seed)
    out = Output(output_mode(json_))
    points = []
    with out.progress(len(Ls) * (1 + len(Bs)), "attention bench") as advance:
        for n in Ls:
            exact = at.time_exact(n, d, kappa, generator, budget)
            advance(description=f"L = {n}")
            for b in Bs:
                points.append(at.bench_point(exact, b, kappa, eps, generator, budget))
                advance()
    phase = _phase(points, Ls, d, temperature, eps)
    if plot is not None:
        _phase_plot(plot, points, phase, d, kappa, eps, temperature)
    if out.mode == "json":
        out.json({"command": "attention bench", "params": {"L": Ls, "d": d, "B": Bs, "eps": eps,
                                                           "temperature": temperature, "kappa": kappa,
                                                           "threads": torch.get_num_threads(), "seed": seed},
                  "points": [_json_safe(p.to_dict()) for p in points],
                  "phase": [_json_safe(r) for r in phase],
                  "plot": str(plot) if plot else None})
        return
    _print_bench(out, points, phase, d, kappa, eps, temperature, torch.get_num_threads())
    if plot is not None:
        out.note(f"phase plot written to {plot}")


def _json_safe(row: dict) -> dict:
    import math

    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}


def _phase(points, Ls: list[int], d: int, temperature: str, eps: float) -> list[dict]:
    """Per L: sqrt(ln L), the threshold in B (sqrt(kappa d) B = sqrt(ln L)), the flop model's largest B with
    r < L, the largest measured B at which the fast method wins, and log10(r / L) on the threshold itself
    (d = round(ln L), B = sqrt(ln L / (kappa d)))."""
    import math

    from ditrates.criteria.cost import polynomial_cost
    from ditrates.experiments.attention import kappa_for, largest_winning_B, predicted_largest_B

    kappa, best, rows = kappa_for(temperature, d), largest_winning_B(points), []
    for n in Ls:
        d_th = max(1, round(math.log(n)))
        k_th = kappa_for(temperature, d_th)
        at_threshold = polynomial_cost(n, d_th, math.sqrt(math.log(n) / (k_th * d_th)), k_th, eps)
        rows.append({"L": n, "sqrt_log_L": math.sqrt(math.log(n)),
                     "threshold_B": math.sqrt(math.log(n) / (kappa * d)),
                     "predicted_largest_B": predicted_largest_B(n, d, kappa, eps),
                     "measured_largest_B": best.get(n),
                     "log10_r_over_L_at_threshold": -at_threshold.log10_speedup})
    return rows


def _print_bench(out: Output, points, phase, d: int, kappa: float, eps: float, temperature: str,
                 threads: int) -> None:
    import ditrates
    from ditrates.formatting import format_number

    criterion = ditrates.get("inference-almost-linear")
    rows = []
    for p in points:
        c = p.cost
        rho = criterion.evaluate(L=c.L, d=c.d, B=c.B, kappa=c.kappa).value
        rows.append([c.L, format_number(c.B), f"{rho:.3g}", c.degree,
                     c.rank if c.rank is not None else _pow10(c.log10_rank),
                     _pow10(c.log10_speedup), _ms(p.exact.seconds), _ms(p.fast_seconds),
                     "-" if p.speedup is None else f"{p.speedup:.3g}",
                     _mib(p.exact.memory), _mib(p.fast_memory),
                     _sci(p.max_error), _sci(p.bound), _outcome(p)])
    out.line(f"Exact (torch SDPA, {threads} threads) vs polynomial attention (1 thread): d = {d}, "
             f"temperature {temperature} (kappa = {format_number(kappa)}), eps = {format_number(eps)}, float32")
    out.table(["L", "B", "rho", "g", "r", "pred L/r", "exact ms", "fast ms", "speedup", "exact MiB",
               "fast MiB", "max err", "bound", "result"], rows,
              justify=["right"] * 13 + ["left"],
              caption="rho = sqrt(kappa d) B / sqrt(ln L) (< 1: efficient side of Prop. 4.2); bound = "
                      "2 delta/(1-delta) ||V||_max; MiB = rise of peak RSS in one call")
    out.table(["L", "sqrt(ln L)", "threshold B", "predicted largest B", "measured largest B",
               "r/L on the threshold"],
              [[r["L"], f"{r['sqrt_log_L']:.3g}", f"{r['threshold_B']:.3g}",
                f"{r['predicted_largest_B']:.3g}",
                "none" if r["measured_largest_B"] is None else format_number(r["measured_largest_B"]),
                _pow10(r["log10_r_over_L_at_threshold"])]
               for r in phase],
              title="Phase: the largest B at which the fast method wins",
              justify=["right"] * 6,
              caption="threshold B: sqrt(kappa d) B = sqrt(ln L) (C_b = 1); predicted: largest B with r < L "
                      "(flop model); measured: on the grid, faster at max err <= eps; r/L on the threshold: "
                      "at d = round(ln L) and B on the threshold")
    out.line("  The criterion is asymptotic: on the threshold (d = ln L, B = sqrt(ln L / (kappa d))) the "
             "rank exceeds L at every practical L, so the fast method wins only well below it.")


def _phase_plot(path: Path, points, phase, d: int, kappa: float, eps: float, temperature: str) -> None:
    """Grid points (won / lost / not run), the measured and predicted largest winning B, and the threshold
    sqrt(ln L / (kappa d)), against L."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    from ditrates.experiments.attention import predicted_largest_B

    Ls = [r["L"] for r in phase]
    fine = [2 ** (k / 4) for k in range(int(4 * math.log2(min(Ls))), int(4 * math.log2(max(Ls))) + 1)]
    fig, ax = plt.subplots(figsize=(8.4, 4.6), dpi=120)
    ax.plot(fine, [math.sqrt(math.log(n) / (kappa * d)) for n in fine], ":", color="k",
            label=r"threshold $\sqrt{\kappa d}\,B = \sqrt{\ln L}$")
    ax.plot(fine, [predicted_largest_B(round(n), d, kappa, eps) for n in fine], "--", color="tab:blue",
            label="predicted: largest B with r < L")
    for kind, marker, colour in (("wins", "o", "tab:green"), ("loses", "x", "tab:red"),
                                 ("not run", ".", "0.6")):
        sel = [p for p in points if _plot_kind(p) == kind]
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
           title=f"Where the polynomial method beats exact attention\n(d = {d}, temperature {temperature}, "
                 f"max error {eps:g}, float32)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def measure_command(
    run: Annotated[Path, typer.Argument(help="A run directory written by 'ditrates experiment run'.")],
    json_: JsonOpt = False,
    n: Annotated[int, typer.Option("--n", help="Number of noised data points (x_t, t) to run.", min=1)] = 256,
) -> None:
    """Max-entry norms of W_K A1, W_Q A2 and W_OV A3 in a trained model, per layer, against sqrt(log L).

    Draws n data points x_0, noises them to x_t with t ~ Unif[T0, T] (the training distribution), runs the
    model once and reads every attention layer's k(X), q(X) and per-head W_O^i v_i(X). B is their max; the
    verdict is Prop. 4.2's at (L, d = head dim, B, kappa = the layer's softmax scale).

    Example: ditrates criteria measure runs/n-sweep/<run>
    """
    if not (run / "config.json").is_file() or not (run / "model.pt").is_file():
        raise DitratesError(f"{run} is not a finished run (no config.json and model.pt); "
                            "train one with 'ditrates experiment run'")
    import torch

    from ditrates.experiments.model import load_run
    from ditrates.experiments.norms import attention_max_norms
    from ditrates.experiments.train import dsm_batch

    model, config, data = load_run(run)
    generator = torch.Generator().manual_seed(0)
    x0 = data.sample(n, generator).to(torch.float32)
    xt, t, _ = dsm_batch(x0, config["T0"], config["T"], generator)
    layers = attention_max_norms(model, xt, t)
    if not layers:
        raise DitratesError(f"the model in {run} has no attention layer that ditrates can read")
    out = Output(output_mode(json_))
    if out.mode == "json":
        out.json({"command": "criteria measure", "run": str(run), "n": n,
                  "layers": [layer.to_dict() for layer in layers]})
        return
    out.line(f"Attention norms of {run} over {n} noised data points "
             f"(t ~ Unif[{config['T0']}, {config['T']}])")
    out.table(["layer", "L", "d", "kappa", "||W_K A1||", "||W_Q A2||", "||W_OV A3||", "B", "sqrt(ln L)",
               "rho", "side"],
              [[m.name, m.L, m.d, f"{m.kappa:.3g}", f"{m.k_max:.3g}", f"{m.q_max:.3g}", f"{m.ov_max:.3g}",
                f"{m.B:.3g}", f"{m.sqrt_log_L:.3g}", f"{m.ratio:.3g}", m.verdict.split(":")[0]]
               for m in layers],
              justify=["left"] + ["right"] * 9 + ["left"],
              caption="max-entry norms; W_OV A3 per head (W_O^i W_V^i); rho = sqrt(kappa d) B / sqrt(ln L)")
    worst = max(layers, key=lambda m: m.ratio)
    out.line(f"Verdict (worst layer, {worst.name}): {worst.verdict}")
