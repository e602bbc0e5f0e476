"""`ditrates list` (every result, or the presets) and `ditrates show NAME` (one result in full)."""

from __future__ import annotations

from typing import Annotated

import typer

from ditrates import xi
from ditrates.citations import bibliography
from ditrates.cli.app import (
    STAT_KEYS,
    CsvOpt,
    JsonOpt,
    LatexOpt,
    OutsideRangeOpt,
    app,
    complete_result,
    output_mode,
    with_params,
)
from ditrates.cli.output import Output
from ditrates.errors import DitratesError
from ditrates.formatting import format_number
from ditrates.latex import block
from ditrates.printing import text
from ditrates.registry import GROUPS, PRESETS, get
from ditrates.report import sensitivity


@app.command("list")
def list_(
    presets: Annotated[bool, typer.Option("--presets", help="List the DiT size presets instead.")] = False,
    json_: JsonOpt = False,
    csv_: CsvOpt = False,
) -> None:
    """List the results (name, source, kind, summary), grouped, or the DiT presets.

    Example: ditrates list --presets
    """

    out = Output(output_mode(json_, csv_=csv_))
    if presets:
        rows = [[p.name, p.patch, p.d0, p.d, p.L, p.D, p.depth, p.width, p.heads] for p in PRESETS.values()]
        cols = ["preset", "patch", "d0", "d", "L", "D", "depth", "width", "heads"]
        if out.mode == "json":
            out.json({"command": "list", "presets": [dict(zip(cols, r, strict=True)) for r in rows]})
            return
        out.table(cols, rows, title="DiT presets: 256x256 images, 32x32x4 SD-VAE latents, d = 4 p^2, L = (32/p)^2",
                  caption="depth, width, heads: the model's own sizes (Peebles and Xie 2023), for reference",
                  primary=True)
        return
    if out.mode == "json":
        out.json({"command": "list", "results": [
            {"name": n, "group": g, "source": get(n).source, "kind": get(n).kind, "summary": get(n).summary}
            for g, ns in GROUPS.items() for n in ns]})
        return
    if out.mode == "csv":
        out.table(["name", "group", "source", "kind", "summary"],
                  [[n, g, get(n).source, get(n).kind, get(n).summary] for g, ns in GROUPS.items() for n in ns],
                  primary=True)
        return
    for group, ns in GROUPS.items():
        out.table(["name", "source", "kind", "summary"],
                  [[n, get(n).source, get(n).kind, get(n).summary] for n in ns], title=group)


@app.command()
@with_params(STAT_KEYS)
def show(
    params: dict,
    name: Annotated[str, typer.Argument(help="A result name (see 'ditrates list').",
                                        autocompletion=complete_result)],
    outside_range: OutsideRangeOpt = False,
    json_: JsonOpt = False,
    latex_: LatexOpt = False,
) -> None:
    """Show one result in full: statement, conditions, symbols, expression, order and notes. For a result built
    on xi, numbers (e.g. --d0 16 --n 1e5) add the readings of xi side by side: premises, range and value.

    Example: ditrates show xi --d0 16 --n 1e5
    """

    r = get(name)
    out = Output(output_mode(json_, latex_))
    if params and not r.forms:
        raise DitratesError(f"{r.name} is not built on xi: numbers add the readings of xi to 'show' only for "
                            "results built on it; evaluate it with 'ditrates bound'")
    readings = sensitivity(r.name, params, outside_range=outside_range) if params else ()
    if out.mode == "json":
        out.json({"command": "show", "result": r.to_dict(), "readings": [x.to_dict() for x in readings]})
        return
    if out.mode == "latex":
        out.latex(block(r))
        return
    out.line(f"{r.name}: {r.source} ({r.kind})", style="bold")
    out.line(r.summary)
    out.line("")
    out.line("Statement: " + r.statement)
    out.line(f"Reference: {r.reference}")
    rows = ([[f"expression, xi {k}", text(e)] for k, e in r.forms.items()] if r.forms
            else [["expression", text(r.expr)]]) + [["order", r.order.text()]]
    if r.order.hides:
        rows.append(["O~ hides", r.order.hides])
    for sym, (shown, explicit) in r.hidden.items():
        rows.append([f"hidden factor {sym}", f"{text(shown)} as displayed, {text(explicit)} with --explicit"])
    if r.trivial is not None:
        rows.append(["vacuous above", f"{text(r.trivial.value)} ({r.trivial.reason})"])
    out.table(["", ""], rows, title="Formula", header=False)
    conds = r.conditions + (xi.RANGES if r.forms else ())
    if conds:
        out.table(["condition", "source", "support"],
                  [[c.text() + xi.only(c), c.source, c.support.value] for c in conds], title="Conditions")
    out.table(["symbol", "meaning", "domain"],
              [[p.label, p.meaning, p.domain_text()] for p in r.symbols], title="Symbols (defaults: ditrates bound)")
    if r.parts:
        out.table(["part", "expression", "form", "note"], [[p.key, text(p.expr), p.form, p.note] for p in r.parts],
                  title="Parts")
    if r.notes:
        out.line("Notes:")
        for note in r.notes:
            out.line("  - " + note)
    if readings:
        _readings(out, readings)
    elif r.forms:
        out.line(f"Give numbers (e.g. ditrates show {r.name} --d0 16 --n 1e5) to set the readings of xi side by side.")


def _readings(out: Output, readings) -> None:
    """The sensitivity table: every reading of xi at the given numbers, and what each rests on."""
    rows = []
    for x in readings:
        row = x.row
        value = row.text if row.ok else f"FAILS: {row.condition.text() if row.condition is not None else row.message}"
        if row.ok and row.outside:
            value += " (OUTSIDE: " + "; ".join(c.text() for c in row.outside) + ")"
        rows.append([x.reading.value, x.reading.title, f"eps <= {x.report.shown_edge}",
                     format_number(x.report.resolved.values["eps"]), value])
    out.table(["reading", "what it is", "range", "eps", "value"], rows,
              title="Readings of xi at these numbers (not a choice: they rest on contradictory K)", primary=True)
    for x in readings:
        out.line(f"  {x.reading.value} rests on:")
        for p in (*x.reading.spec.premises, *(c.premise for c in x.reading.spec.ranges)):
            out.line(f"    - [{p.support.value}] {p.statement} ({p.where})")


@app.command()
def cite(
    names: Annotated[list[str] | None, typer.Argument(
        help="Result names or numbers: cite the papers they come from [default: the paper and every baseline].",
        autocompletion=complete_result)]
    = None,
) -> None:
    """Print BibTeX for the paper (Hu et al., NeurIPS 2024) and the papers it is compared with.

    Example: ditrates cite chen2023-score-estimation
    """

    keys = None if not names else [get(n).cite for n in names]
    typer.echo(bibliography(keys))
