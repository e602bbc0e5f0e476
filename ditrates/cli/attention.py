"""`ditrates attention`: exact against almost-linear attention, measured (issue 6).

``ditrates attention bench`` times torch's exact attention against the polynomial method of
:mod:`ditrates.experiments.attention` over a grid of ``(L, B)``, with the degree and rank that
``ditrates criteria`` reports, and draws the phase plot. :func:`measure_command` (registered as
``ditrates criteria measure RUN``) reads Section 4's norms off a trained model. torch, numpy and matplotlib
are imported inside the commands only.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

import ditrates
from ditrates.cli.app import EPILOG, Group, JsonOpt, app, output_mode
from ditrates.cli.output import Output, output_path, writing
from ditrates.criteria.threshold import Temperature
from ditrates.errors import DitratesError
from ditrates.formatting import format_log10, format_number, json_safe, parse_list

attention_app = typer.Typer(
    cls=Group, epilog=EPILOG, no_args_is_help=True,
    help="Exact and almost-linear attention, measured.\n\nExample: ditrates attention bench --quick")
app.add_typer(attention_app, name="attention")

DEFAULT_L, DEFAULT_B = "1024,4096,16384,65536", "0.25,0.5,1,2,4"
QUICK_L, QUICK_B = "1024,4096", "0.25,0.5,1"
MIB = 1 << 20


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{1e3 * seconds:.3g}"


def _mib(n: int | None) -> str:
    return "-" if n is None else f"{n / MIB:.3g}"


def _sci(x: float | None) -> str:
    return "-" if x is None else f"{x:.2g}"


def _pow10(log10: float) -> str:
    """``10**log10`` with 3 digits, as ``10^(x)`` beyond 1e15."""

    return f"{10**log10:.3g}" if abs(log10) < 15 else format_log10(log10, 3)






@attention_app.command("bench")
def bench(
    L: Annotated[str, typer.Option("--L", help="Sequence lengths, comma-separated integers >= 2.",
                                   metavar="N,N,...")] = DEFAULT_L,
    d: Annotated[int, typer.Option("--d", help="Head dimension d, an integer >= 1.", min=1, metavar="NUM")] = 8,
    B: Annotated[str, typer.Option(
        "--B", help="Bounds on the entries of Q, K, V, comma-separated positive numbers.", metavar="X,X,...")
                 ] = DEFAULT_B,
    delta_F: Annotated[float, typer.Option(
        "--delta_F", help="Target max-entry error of the output, in (0, 1).", metavar="NUM")] = 1e-3,
    temperature: Annotated[Temperature, typer.Option(
        "--temperature", help="Softmax temperature: none (kappa = 1, the paper) or 1/d (Alman-Song).",
    )] = Temperature.NONE,
    threads: Annotated[int | None, typer.Option(
        "--threads", help="CPU threads for exact attention [default: torch's]; the fast method uses one.",
        min=1, metavar="NUM")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random inputs.", metavar="NUM")] = 0,
    plot: Annotated[str | None, typer.Option(
        "--plot", help="Write the phase plot to this .png/.svg/.pdf [default: no plot].", metavar="FILE")] = None,
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
    which the fast method wins at the target error, against sqrt(log L). Ctrl-C prints what was measured.

    Example: ditrates attention bench --L 1024,4096,16384,65536 --d 8 --B 0.25,0.5,1,2,4 --delta_F 1e-3
    """

    if quick:
        L, B = (QUICK_L if L == DEFAULT_L else L), (QUICK_B if B == DEFAULT_B else B)
    Ls, Bs = parse_list(L, "--L", integer=True, low=2), parse_list(B, "--B", low=0, open_low=True)
    if not 0 < delta_F < 1:
        raise DitratesError(f"--delta_F must be in (0, 1), got {delta_F}")
    _check_memory(max(Ls), d)
    path = output_path(plot, (".png", ".svg", ".pdf"), "--plot")  # checked before any work
    import torch  # the numeric extra, imported when the benchmark runs

    from ditrates.experiments import bench as at
    from ditrates.experiments import phase

    if threads:
        torch.set_num_threads(threads)
    kappa, budget = float(temperature.kappa(d)), (0.2 if quick else 1.0)
    generator = torch.Generator().manual_seed(seed)
    out = Output(output_mode(json_))
    points, interrupted = [], False
    try:
        with out.progress(len(Ls) * (1 + len(Bs)), "attention bench") as bar:
            for n in Ls:
                exact = at.time_exact(n, d, kappa, generator, budget)
                bar.advance(description=f"L = {n}")
                for b in Bs:
                    points.append(at.bench_point(exact, b, kappa, delta_F, generator, budget))
                    bar.advance()
    except KeyboardInterrupt:
        interrupted = True
    done = sorted({p.cost.L for p in points})
    rows = phase.phase_rows(points, done, d, temperature, delta_F)
    if out.mode == "json":
        out.json({"command": "attention bench", "interrupted": interrupted,
                  "params": {"L": Ls, "d": d, "B": Bs, "delta_F": delta_F, "temperature": temperature.value,
                             "kappa": kappa, "threads": torch.get_num_threads(), "seed": seed},
                  "points": [json_safe(p.to_dict()) for p in points],
                  "phase": [json_safe(r) for r in rows], "plot": str(path) if path and points else None})
    else:
        _print_bench(out, points, rows, d, kappa, delta_F, temperature, torch.get_num_threads())
    if path is not None and points:  # after the measurements are out: a failed write loses only the plot
        with writing(path) as tmp:
            phase.phase_plot(tmp, points, rows, d, kappa, delta_F, temperature)
        out.note(f"phase plot written to {path}")
    if interrupted:
        sys.stderr.write(f"interrupted: {len(points)} of {len(Ls) * len(Bs)} grid points measured (printed above)\n")
        raise typer.Exit(130)




def _check_memory(L: int, d: int) -> None:
    """Refuse, before any work, a length whose inputs alone (Q, K, V in float64 and float32) exceed this machine's
    memory."""
    need = 3 * L * d * (8 + 4)
    try:
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    if need > have:
        raise DitratesError(f"--L {format_number(L)}: the inputs alone need {format_number(need // 2**30)} GiB, more "
                            f"than this machine's {format_number(have // 2**30)} GiB of memory")


def _print_bench(out: Output, points, phase, d: int, kappa: float, eps: float, temperature: Temperature,
                 threads: int) -> None:

    from ditrates.experiments.phase import outcome  # torch, as the benchmark

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
                     _sci(p.max_error), _sci(p.bound), outcome(p)])
    out.line(f"Exact (torch SDPA, {threads} threads) vs polynomial attention (1 thread): d = {d}, "
             f"temperature {temperature.value} (kappa = {format_number(kappa)}), delta_F = {format_number(eps)}, "
             "float32")
    out.table(["L", "B", "rho", "g", "r", "pred L/r", "exact ms", "fast ms", "speedup", "exact MiB",
               "fast MiB", "max err", "bound", "result"], rows,
              justify=["right"] * 13 + ["left"], keys=2,
              movable=("exact MiB", "fast MiB", "bound", "max err", "rho", "pred L/r", "r", "g"),
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
              justify=["right"] * 6, movable=("r/L on the threshold", "sqrt(ln L)"),
              caption="threshold B: sqrt(kappa d) B = sqrt(ln L) (C_b = 1); predicted: largest B with r < L "
                      "(flop model); measured: on the grid, faster at max err <= eps; r/L on the threshold: "
                      "at d = round(ln L) and B on the threshold")
    out.line("  The criterion is asymptotic: on the threshold (d = ln L, B = sqrt(ln L / (kappa d))) the "
             "rank exceeds L at every practical L, so the fast method wins only well below it.")




