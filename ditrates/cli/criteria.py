"""`ditrates criteria`: Section 4's efficiency criteria, and the cost of the fast algorithm, at (L, d, B)."""

from __future__ import annotations

from typing import Annotated

import mpmath
import typer

from ditrates.cli import attention
from ditrates.cli.app import EPILOG, JsonOpt, PresetOpt, app, output_mode, with_params
from ditrates.cli.output import Output
from ditrates.errors import DitratesError

criteria_app = typer.Typer(epilog=EPILOG)
app.add_typer(criteria_app, name="criteria")
if hasattr(attention, "measure_command"):
    criteria_app.command("measure")(attention.measure_command)

TEMPERATURES = ("none", "1/d")


@criteria_app.callback(invoke_without_command=True)
@with_params(("L", "d", "B"))
def criteria(
    ctx: typer.Context,
    params: dict,
    temperature: Annotated[str, typer.Option(
        "--temperature", help="Softmax temperature: none (the paper) or 1/d (Alman-Song).")] = "none",
    eps: Annotated[str | None, typer.Option(
        "--eps", help="Target max-entry error of the attention output (default 1/L).", metavar="NUM")] = None,
    preset: PresetOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Place (L, d, B) on a side of the sqrt(log L) threshold, and cost the polynomial method there.

    B bounds the entries of W_K A1, W_Q A2 and W_OV A3 (Gamma in Thm 4.1). Reports Prop. 4.1 (hardness),
    Prop. 4.2 (inference) and Thm 4.1 (training), the Taylor degree and feature rank that reach the target
    error, the predicted speedup L/r and the crossover length.

    Example: ditrates criteria --L 4096 --d 8 --B 1.2 --temperature 1/d
    """
    if ctx.invoked_subcommand is not None:
        return
    from ditrates.criteria.cost import crossover_length, polynomial_cost
    from ditrates.formatting import format_number
    from ditrates.registry import preset as get_preset

    if preset:
        p = get_preset(preset)
        params = {"L": str(p.L), "d": str(p.d), **params}
    for key in ("L", "d", "B"):
        if key not in params:
            raise DitratesError(f"give --{key} (e.g. ditrates criteria --L 4096 --d 8 --B 1.2)")
    if temperature not in TEMPERATURES:
        raise DitratesError(f"--temperature must be 'none' or '1/d', got {temperature!r}")
    from ditrates import report
    from ditrates.errors import ConditionError
    from ditrates.registry import names

    if temperature == "1/d" and "kappa" not in params:
        from ditrates.defaults import resolve

        params["kappa"] = 1 / mpmath.mpf(resolve({"d": params["d"]}, ["d"]).values["d"])  # d checked first
    if eps is not None:
        params["delta_F"] = eps
    rep = report.evaluate(names("computational"), params)
    if rep.failures:  # the criteria share their conditions: they fail together
        raise ConditionError(rep.failures[0].message)
    resolved, evs = rep.resolved, rep.evaluations
    v = resolved.values
    L, d, B, kappa = int(v["L"]), int(v["d"]), float(v["B"]), float(v["kappa"])
    delta_F = float(v["delta_F"]) if eps is not None else None  # else 1/L, which the cost model follows
    cost = polynomial_cost(L, d, B, kappa, delta_F)
    cross = crossover_length(d, B, kappa, delta_F)
    out = Output(output_mode(json_))
    first = evs[0]
    parts = {p.key: float(10 ** lg) for p, lg in ((p, first.part(p.key)) for p, _ in first.parts)}
    cost_rows = [
        ["beta = kappa d B^2", format_number(cost.beta), "largest |kappa <q, k>|"],
        ["relative error per entry", format_number(cost.rel_err), "delta_F / (2 B + delta_F)"],
        ["Taylor degree g", str(cost.degree), "smallest g with e^(2 beta) beta^(g+1)/(g+1)! <= it"],
        ["feature rank r = C(d+g, g)", str(cost.rank) if cost.rank else f"10^{cost.log10_rank:.1f}", ""],
        ["flops, polynomial method", f"10^{cost.log10_fast_flops:.2f}", "2 L r d"],
        ["flops, exact attention", f"10^{cost.log10_exact_flops:.2f}", "2 L^2 d"],
        ["predicted speedup L / r", format_number(cost.speedup) if cost.speedup else f"10^{cost.log10_speedup:.1f}",
         "2 L^2 d (exact) over 2 L r d (polynomial)"],
        ["crossover L", format_number(cross) if cross else "none below 2^4096",
         "smallest L with 2 L r d < 2 L^2 d" + (" (r grows with L at delta_F = 1/L)" if delta_F is None else "")],
    ]
    if out.mode == "json":
        from ditrates.formatting import json_number

        out.json({"command": "criteria", "params": {k: json_number(x) for k, x in v.items()},
                  "defaults": resolved.reasons, "temperature": temperature,
                  "results": [ev.to_dict() for ev in evs], "parts": parts,
                  "cost": {"beta": cost.beta, "rel_err": cost.rel_err, "degree": cost.degree, "rank": cost.rank,
                           "log10_rank": cost.log10_rank, "log10_speedup": cost.log10_speedup,
                           "crossover_L": cross}})
        return
    out.line(f"Section 4 criteria at L = {L}, d = {d}, B = {format_number(v['B'])}, "
             f"temperature {temperature} (kappa = {format_number(v['kappa'])})")
    out.table(["quantity", "value", "what"],
              [["sqrt(ln L)", format_number(parts["threshold"] / float(v["C_b"])), "the threshold (C_b = 1)"],
               ["B_eff = sqrt(kappa d) B", format_number(parts["B_eff"]), "Alman-Song's bound after rescaling"],
               ["rho = B_eff / (C_b sqrt ln L)", format_number(first.value), "< 1 on the efficient side"],
               ["d / (C_d ln L)", format_number(parts["d/log L"]), "<= 1 for d = O(log L)"],
               ["B / sqrt(ln L), as printed", format_number(parts["B/sqrt(log L) as printed"]),
                "the paper's literal reading"]],
              title="Threshold")
    out.table(["result", "source", "verdict"], [[ev.result.name, ev.result.source, ev.verdict] for ev in evs],
              title="Verdicts")
    out.table(["polynomial method", "value", "how"], cost_rows, title="Cost of the fast algorithm (Taylor bound)")
    if cost.log10_speedup <= 0:
        out.line(f"  The rank r exceeds L = {L}: the polynomial method cannot beat exact attention here.")
    out.line("  Asymptotic criteria: o(sqrt(log L)) and O(log L) are limits in L; the verdict uses C_b = C_d = 1 "
             "(--set C_b=... to change).")
