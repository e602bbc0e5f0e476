"""`ditrates list` (every result, or the presets) and `ditrates show NAME` (one result in full)."""

from __future__ import annotations

from typing import Annotated

import typer

from ditrates.citations import bibliography
from ditrates.cli.app import CsvOpt, JsonOpt, LatexOpt, app, complete_result, output_mode
from ditrates.cli.output import Output
from ditrates.latex import block
from ditrates.printing import text
from ditrates.registry import GROUPS, PRESETS, get


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
def show(
    name: Annotated[str, typer.Argument(help="A result name (see 'ditrates list').",
                                        autocompletion=complete_result)],
    json_: JsonOpt = False,
    latex_: LatexOpt = False,
) -> None:
    """Show one result in full: statement, conditions, symbols, expression, order and notes.

    Example: ditrates show score-estimation
    """

    r = get(name)
    out = Output(output_mode(json_, latex_))
    if out.mode == "json":
        out.json({"command": "show", "result": r.to_dict()})
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
    if r.conditions:
        out.table(["condition", "source"], [[c.text() + (f" ({c.reading} reading only)" if c.reading else ""), c.source]
                                            for c in r.conditions], title="Conditions")
    out.table(["symbol", "meaning", "domain"],
              [[p.label, p.meaning, p.domain_text()] for p in r.symbols], title="Symbols (defaults: ditrates bound)")
    if r.parts:
        out.table(["part", "expression", "form", "note"], [[p.key, text(p.expr), p.form, p.note] for p in r.parts],
                  title="Parts")
    if r.notes:
        out.line("Notes:")
        for note in r.notes:
            out.line("  - " + note)


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
