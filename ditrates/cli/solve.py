"""`ditrates solve`: where a bound meets a target as one parameter moves (n, eps, T0, d0, ...)."""

from __future__ import annotations

import enum
from typing import Annotated

import mpmath
import typer

from ditrates.cli.app import (
    STAT_KEYS,
    JsonOpt,
    PresetOpt,
    XiReadingOpt,
    app,
    complete_result,
    output_mode,
    preset_note,
    with_params,
    with_preset,
)
from ditrates.cli.output import Output
from ditrates.formatting import format_exact, format_log10, format_number, split_range
from ditrates.solution import SHOWN_DIGITS, edge_text
from ditrates.solve import solve as solve_
from ditrates.symbols import param
from ditrates.xi import Reading

Find = enum.Enum("Find", {v: v for v in ("auto", "smallest", "largest")}, type=str)


@app.command()
@with_params(STAT_KEYS + ("s", "beta"))
def solve(
    name: Annotated[str, typer.Argument(help="A result name or number (see 'ditrates list').",
                                        autocompletion=complete_result)],
    params: dict,
    for_: Annotated[str, typer.Option("--for", help="The parameter to solve for.", metavar="NAME")] = "n",
    target: Annotated[str, typer.Option("--target", help="The bound's target value.", metavar="NUM")] = "0.01",
    find: Annotated[Find, typer.Option(
        "--find", help="Which end of the set where the bound meets the target: the smallest value, the largest, "
        "or auto (the smallest, unless the bound meets the target from the start of the range on).")] = Find.auto,
    range_: Annotated[str | None, typer.Option(
        "--range", help="Search range LO:HI of the parameter [default: n 1:1e100000, eps 1e-9:1-1e-9, "
        "dimensions 1:1e9, others 1e-12:1e12].", metavar="LO:HI")] = None,
    preset: PresetOpt = None,
    xi_reading: XiReadingOpt = Reading.PRINTED,
    json_: JsonOpt = False,
) -> None:
    """Find where a bound meets a target: the smallest n (or the smallest or largest value of another parameter).

    Defaults that depend on the solved parameter follow it (T = ln n, mu = T0/100, eps = auto; where eps is
    not given, the bound is taken at the best eps). The bound need not be monotone: every stretch of the
    search range where it is at most the target is found, including stretches that end where a condition of
    the result stops holding; when the target is out of reach the error gives the bound's smallest value in
    the range and where. The answer is printed to 4 significant digits, rounded into the stretch, so that
    typed back it meets the target (--json gives the exact value).

    Example: ditrates solve score-estimation --for n --target 0.05 --d0 16
    """
    out = Output(output_mode(json_))
    within = None if range_ is None else split_range(range_)
    applied = with_preset(params, preset)
    sol = solve_(name, for_, target, within=within, find=find.value, xi_reading=xi_reading.value, **applied.values)
    if out.mode == "json":
        out.json({"command": "solve", "preset": applied.name, "solution": sol.to_dict()})
        return
    if applied.name:
        out.line(preset_note(applied))
    label = param(sol.key).label
    out.line(sol.describe())
    shown = format_log10(sol.shown_log10, SHOWN_DIGITS)
    out.line(f"  at {label} = {format_number(sol.shown)}: {sol.result.name} = {shown}"
             + _relative(shown, sol.target, sol.shown_log10))
    if sol.follows:
        out.line("  there: " + ", ".join(
            "eps -> 1" if k == "eps" and sol.at_infimum else f"{param(k).label} = {format_number(v)}"
            for k, (v, _) in sol.follows.items()))
    if sol.at_infimum:
        out.line(f"  eps: {sol.follows['eps'][1]}")
    others = [s for s in sol.stretches if (s.lo, s.hi) != sol.interval]
    if others:
        out.line(f"  also <= {format_exact(sol.target)} for {label} in " + ", ".join(
            f"[{edge_text(s.lo, upper=False)}, {edge_text(s.hi, upper=True)}]" for s in others))
    out.line("  Hidden constants are 1 and O~ factors are left out: an order of magnitude"
             + (", not a sample size to plan with." if sol.key == "n" else "."))


def _relative(shown: str, target, log10) -> str:
    """`` (target x (1 - 3.1e-5))``: how far the bound is from the target, where the printed digits cannot
    tell them apart."""
    if shown != format_log10(mpmath.log10(target), SHOWN_DIGITS):
        return ""
    excess = mpmath.power(10, mpmath.mpf(log10) - mpmath.log10(target)) - 1
    if excess == 0:
        return ""
    return f" (target x (1 {'-' if excess < 0 else '+'} {abs(float(excess)):.2g}))"
