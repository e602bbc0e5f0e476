"""`ditrates plot`: log-log curves of the rates against n, eps, L, d0, D or B, written as PNG, SVG or PDF."""

from __future__ import annotations

import enum
import importlib.util
import sys
from pathlib import Path
from typing import Annotated

import typer

from ditrates import curves, plot
from ditrates.cli.app import (
    STAT_KEYS,
    JsonOpt,
    OutsideRangeOpt,
    PresetOpt,
    XiReadingOpt,
    app,
    complete_result,
    with_params,
    with_preset,
)
from ditrates.cli.output import Output, output_path, write_output, writing
from ditrates.errors import DitratesError
from ditrates.xi import Reading


def _need_matplotlib() -> None:
    if importlib.util.find_spec("matplotlib") is None:
        raise DitratesError("matplotlib is missing: plots need the plot extra (pip install 'ditrates[plot]')")

Vs = enum.Enum("Vs", {v: v for v in curves.VS}, type=str)
"""The x-axis: a choice of :data:`ditrates.curves.VS`."""


def output_target(output: str | None, fmt: str | None, json_: bool) -> tuple[str | None, str | None]:
    """Check ``-o`` before any work (:func:`~ditrates.cli.output.output_path`) and settle the format: ``--format``
    or the suffix, which must agree; ``svg`` for ``-o -``. With ``--json``, ``-o`` may name a .json file (the
    curves are written there) and ``--format`` has nothing to do."""
    if json_:
        if fmt is not None:
            raise DitratesError(f"--json prints the curves instead of drawing them: --format {fmt} has nothing to "
                                "do (drop one of them)")
        return (None if output in (None, "-") else str(output_path(output, (".json",), "-o with --json"))), None
    output = DEFAULT_OUTPUT if output is None else output
    if fmt is not None and fmt not in plot.FORMATS:
        raise DitratesError(f"--format must be one of {', '.join(plot.FORMATS)}, got {fmt!r}")
    if output == "-":
        return output, fmt or "svg"
    suffix = Path(output).suffix.lower().lstrip(".")
    if fmt is not None and suffix in plot.FORMATS and suffix != fmt:
        raise DitratesError(f"--format {fmt} does not match -o {output} ({suffix}): give a matching name, or leave "
                            "out --format")
    path = output_path(output, () if fmt else tuple(f".{f}" for f in plot.FORMATS), "-o")
    return str(path), fmt or suffix


DEFAULT_OUTPUT = "rates.png"


@app.command("plot")
@with_params(STAT_KEYS + ("s", "B", "kappa", "delta_F"))
def plot_command(
    names: Annotated[list[str], typer.Argument(metavar="RESULT...", help="Result names (see 'ditrates list').",
                                               autocompletion=complete_result)],
    params: dict,
    vs: Annotated[Vs, typer.Option("--vs", help="The x-axis: n, eps, L, d0, D or B (B for the criteria).")] = Vs.n,
    range_: Annotated[str | None, typer.Option(
        "--range", metavar="LO:HI", help="Range of the x-axis, e.g. 1e2:1e30 [default: by --vs; with --runs, the "
        "runs' range]")] = None,
    points: Annotated[int, typer.Option("--points", help="Points on each curve (geometric).", metavar="NUM")] = 300,
    baselines: Annotated[bool, typer.Option(
        "--baselines/--no-baselines", help="Add the baselines of the same quantity (Chen et al., Oko et al., ...)."
    )] = True,
    runs: Annotated[Path | None, typer.Option(
        "--runs", metavar="DIR",
        help="Overlay the measured points of 'ditrates experiment run --out DIR' [default: none].")] = None,
    output: Annotated[str | None, typer.Option(
        "-o", "--output", help=f"PNG, SVG or PDF file; - for stdout; a .json file with --json [default: "
        f"{DEFAULT_OUTPUT}; stdout with --json].", metavar="FILE")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="png, svg or pdf [default: from -o; svg for -o -].", metavar="NAME")] = None,
    size: Annotated[str, typer.Option(
        "--size", metavar="SIZE", help="column (3.4 in wide), page (7 in) or WxH in inches: the printed size, at "
        "which every text is at least 8 pt; the legend below the axes adds to the height.")] = "page",
    preset: PresetOpt = None,
    xi_reading: XiReadingOpt = Reading.PRINTED,
    outside_range: OutsideRangeOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Draw log-log curves of results against one parameter, with baselines, vacuity and validity.

    Values come from the vectorised evaluation in log space (a double exponential plots without overflow;
    the y-axis turns double-logarithmic above 10^10 when the values span more than 1000 decades; a value beyond
    10^(1.8e308) is marked at the top). Other parameters are fixed where given and follow their defaults
    elsewhere (T = ln n, eps = auto, ...); with --runs, the runs' own (d0, d, D, n, T0, T, c0), with a warning
    where a given value differs. Each result keeps one colour and line style in every plot. Failed conditions
    are gaps; the trivial value of a bound is a dotted line (faded curve above: vacuous); with --outside-range,
    the points past a range of the derivation are shaded. PNGs are 300 dpi, PDFs embed TrueType fonts. --json prints the
    curves instead of drawing them.

    Example: ditrates plot score-estimation tv-recovery --vs n --range 1e2:1e30 --d0 16 -o rates.png
    """
    output, fmt = output_target(output, fmt, json_)
    if not json_:
        figsize = plot.parse_size(size)
        _need_matplotlib()
    lo, hi = curves.parse_range(range_, vs.value)
    applied = with_preset(params, preset)
    params = applied.values
    measured, run_params, run_notes = (), None, ()
    if runs is not None:
        from ditrates.experiments.overlay import differing, overlay, x_range

        measured, run_params, run_notes = overlay(runs, curves.shown(names, vs.value, baselines), vs.value)
        for warning in differing(params, run_params):
            typer.echo(f"ditrates: warning: {warning}", err=True)
        if range_ is None and measured:
            lo, hi = x_range(measured)
    fig = curves.figure(names, vs.value, lo, hi, params, points=points,
                        xi_reading=xi_reading.value, outside_range=outside_range, baselines=baselines,
                        measured=measured, run_params=run_params, run_notes=run_notes)
    if json_:
        doc = {"command": "plot", "preset": applied.name, **fig.to_dict()}
        if output is None:
            Output("json").json(doc)
        else:
            write_output(output, Output.json_text(doc))
        return
    if output == "-":
        plot.draw(fig, sys.stdout.buffer, fmt, size=figsize, title=applied.name)
        sys.stdout.buffer.flush()
        return
    with writing(output) as tmp:
        plot.draw(fig, str(tmp), fmt, size=figsize, title=applied.name)
    for note in fig.notes:
        typer.echo(note, err=True)
    typer.echo(f"wrote {output}", err=True)
