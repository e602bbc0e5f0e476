"""`ditrates solve`: where a bound reaches a target as one parameter moves (n, eps, T0, d0, ...)."""

from __future__ import annotations

from typing import Annotated

import typer

from ditrates.cli.app import (
    STAT_KEYS,
    JsonOpt,
    PresetOpt,
    XiReadingOpt,
    app,
    complete_result,
    output_mode,
    with_params,
    with_preset,
)
from ditrates.cli.output import Output
from ditrates.formatting import format_log10, format_number, split_range
from ditrates.solve import solve as solve_
from ditrates.xi import Reading


@app.command()
@with_params(STAT_KEYS + ("s", "beta"))
def solve(
    name: Annotated[str, typer.Argument(help="A result name or number (see 'ditrates list').",
                                        autocompletion=complete_result)],
    params: dict,
    for_: Annotated[str, typer.Option("--for", help="The parameter to solve for.", metavar="NAME")] = "n",
    target: Annotated[str, typer.Option("--target", help="The bound's target value.", metavar="NUM")] = "0.01",
    range_: Annotated[str | None, typer.Option(
        "--range", help="Search range LO:HI of the parameter [default: n 1:1e100000, eps 1e-9:1-1e-9, "
        "dimensions 1:1e9, others 1e-12:1e12].", metavar="LO:HI")] = None,
    preset: PresetOpt = None,
    xi_reading: XiReadingOpt = Reading.PRINTED,
    json_: JsonOpt = False,
) -> None:
    """Find where a bound reaches a target: the smallest n (or the extreme value of another parameter).

    Defaults that depend on the solved parameter follow it (T = ln n, eps = auto). The bound need not be
    monotone: the answer is the first stretch of the search range where it is at most the target, and when
    the target is out of reach the error gives the bound's smallest value in the range. For integers the
    answer is exact: the bound is <= target there and > target one step outside.

    Example: ditrates solve score-estimation --for n --target 0.05 --d0 16
    """

    out = Output(output_mode(json_))
    within = None if range_ is None else split_range(range_)
    sol = solve_(name, for_, target, within=within, xi_reading=xi_reading.value,
                 **with_preset(params, preset))
    if out.mode == "json":
        out.json({"command": "solve", "solution": sol.to_dict()})
        return
    out.line(sol.describe() + f"  (log10 = {format_number(sol.log10, 6)})")
    there, outside = sol.excess
    out.line(f"  {sol.result.name} there: {format_log10(sol.bound_log10, 10)}" + _relative(there))
    if sol.outside_log10 is not None:
        step = f"{sol.key} - 1" if sol.decreasing else f"{sol.key} + 1"
        out.line(f"  at {step}: {format_log10(sol.outside_log10, 10)}{_relative(outside)}, above the target")
    if not sol.exact:
        out.line("  (beyond 10^15 the integer is accurate to about 30 digits, not checked one by one)")
    out.line("  Hidden constants are 1 and O~ factors are left out: an order of magnitude"
             + (", not a sample size to plan with." if sol.key == "n" else "."))


def _relative(excess) -> str:
    """`` (target x (1 - 3.1e-17))``: how far the bound is from the target, where ten digits cannot show it."""
    if excess is None or excess == 0:
        return ""
    return f" (target x (1 {'-' if excess < 0 else '+'} {abs(excess):.2g}))"
