"""`ditrates criteria`: Section 4's efficiency criteria, and the cost of the fast algorithm, at (L, d, B)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ditrates.cli.app import (
    EPILOG,
    CsvOpt,
    Group,
    JsonOpt,
    LatexOpt,
    PresetOpt,
    app,
    output_mode,
    preset_note,
    with_params,
    with_preset,
)
from ditrates.cli.output import Output
from ditrates.criteria.threshold import Temperature
from ditrates.efficiency import summarize
from ditrates.errors import DitratesError
from ditrates.formatting import format_number
from ditrates.latex import text_table

criteria_app = typer.Typer(cls=Group, epilog=EPILOG)
app.add_typer(criteria_app, name="criteria")

KEYS = ("L", "d", "B", "delta_F")


@criteria_app.callback(invoke_without_command=True)
@with_params(KEYS)
def criteria(
    ctx: typer.Context,
    params: dict,
    temperature: Annotated[Temperature, typer.Option(
        "--temperature", help="Softmax temperature: none (the paper's Sec. 4, kappa = 1) or 1/d (Alman-Song).")]
    = Temperature.NONE,
    preset: PresetOpt = None,
    json_: JsonOpt = False,
    latex_: LatexOpt = False,
    csv_: CsvOpt = False,
) -> None:
    """Place (L, d, B) on a side of the sqrt(log L) threshold, and cost the polynomial method there.

    B bounds the entries of W_K A1, W_Q A2 and W_OV A3 (Gamma in Thm 4.1). Reports Prop. 4.1 (hardness),
    Prop. 4.2 (inference) and Thm 4.1 (training), the Taylor degree and feature rank that reach the target
    error delta_F (default 1/L) of the attention output, the predicted speedup L/r and the crossover length.

    Example: ditrates criteria --L 4096 --d 8 --B 1.2 --temperature 1/d
    """
    if ctx.invoked_subcommand is not None:
        if params or preset or json_ or latex_ or csv_ or temperature is not Temperature.NONE:
            raise DitratesError(f"the options of 'ditrates criteria' do not apply to 'criteria "
                                f"{ctx.invoked_subcommand}': give them after the subcommand, or leave them out")
        return

    applied = with_preset(params, preset)
    params = applied.values
    for key in ("L", "d", "B"):
        if key not in params:
            raise DitratesError(f"give --{key} (e.g. ditrates criteria --L 4096 --d 8 --B 1.2)")
    s = summarize(params, temperature)
    out = Output(output_mode(json_, latex_, csv_))
    verdicts = [[ev.result.name, ev.result.source, ev.verdict] for ev in s.rows]
    if out.mode == "json":
        out.json({"command": "criteria", "preset": applied.name, **s.to_dict()})
        return
    named = f" (preset {applied.name})" if applied.name else ""
    if out.mode == "latex":
        out.latex("\n\n".join([
            text_table(["quantity", "value", "what"], s.threshold_rows(), "Section 4 threshold" + named,
                       "ditrates:threshold"),
            text_table(["result", "source", "verdict"], verdicts, "Section 4 verdicts" + named, "ditrates:verdicts"),
            text_table(["polynomial method", "value", "how"], s.cost_rows(), "Cost of the fast algorithm" + named,
                       "ditrates:cost")]))
        return
    if applied.name:
        (out.note if out.mode == "csv" else out.line)(preset_note(applied))

    v = s.values
    out.line(f"Section 4 criteria at L = {format_number(v['L'])}, d = {format_number(v['d'])}, "
             f"B = {format_number(v['B'])}, kappa = {format_number(v['kappa'])} "
             + ("(temperature 1/d)" if temperature is Temperature.INV_D else
                "(given)" if "kappa" in params else "(no temperature, as in the paper)"))
    out.table(["quantity", "value", "what"], s.threshold_rows(), title="Threshold")
    out.table(["result", "source", "verdict"], verdicts, title="Verdicts", primary=True)
    out.table(["polynomial method", "value", "how"], s.cost_rows(), title="Cost of the fast algorithm (Taylor bound)")
    for line in s.notes():
        out.line("  " + line)


@criteria_app.command("measure")
def measure(
    run: Annotated[Path, typer.Argument(help="A run directory written by 'ditrates experiment run'.",
                                        metavar="RUN")],
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
    import torch  # the numeric extra, imported when a run is read

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
