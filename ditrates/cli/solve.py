"""`ditrates solve`: the n (or other parameter) at which a bound reaches a target."""

from __future__ import annotations

from typing import Annotated

import typer

from ditrates.cli.app import JsonOpt, PresetOpt, app, output_mode, with_params
from ditrates.cli.bound import STAT_KEYS, with_preset
from ditrates.cli.output import Output


@app.command()
@with_params(STAT_KEYS + ("s",))
def solve(
    name: Annotated[str, typer.Argument(help="A result name (see 'ditrates list').")],
    params: dict,
    for_: Annotated[str, typer.Option("--for", help="The parameter to solve for.")] = "n",
    target: Annotated[str, typer.Option("--target", help="The bound's target value.")] = "0.01",
    preset: PresetOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Find the smallest n (or the extreme value of another parameter) that brings a bound to a target.

    Defaults that depend on the solved parameter follow it (T = ln n, eps = auto). For integers the answer
    is exact: the bound is <= target there and > target one step before.

    Example: ditrates solve score-estimation --for n --target 0.01 --d0 16
    """
    from ditrates.formatting import format_log10, format_number
    from ditrates.solve import solve as solve_

    out = Output(output_mode(json_))
    sol = solve_(name, for_, target, **with_preset(params, preset))
    if out.mode == "json":
        out.json({"command": "solve", "solution": sol.to_dict()})
        return
    out.line(sol.describe() + f"  (log10 = {format_number(sol.log10, 6)})")
    out.line(f"  {sol.result.name} there: {format_log10(sol.bound_log10, 10)}")
    if sol.before_log10 is not None:
        step = "n - 1" if sol.decreasing else "n + 1"
        label = step.replace("n", sol.key)
        out.line(f"  at {label}: {format_log10(sol.before_log10, 10)} (above the target)")
    if not sol.exact:
        out.line("  (beyond 10^15 the integer is accurate to about 30 digits, not checked one by one)")
    out.line("  Hidden constants are 1: an order of magnitude, not a sample size to plan with.")
