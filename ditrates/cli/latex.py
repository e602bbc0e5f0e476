"""`ditrates latex` (formulas, macros and value tables for papers) and `ditrates sheet` (a PDF rate sheet)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ditrates.cli.app import PresetOpt, XiReading, XiReadingOpt, app, with_params
from ditrates.cli.bound import STAT_KEYS, with_preset
from ditrates.errors import DitratesError

OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.")]


def _write(text: str, path: Path | None) -> None:
    if path is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        path.write_text(text)
    except OSError as e:
        raise DitratesError(f"cannot write {path}: {e.strerror}") from None
    typer.echo(f"wrote {path}", err=True)


@app.command("latex")
@with_params(STAT_KEYS + ("s", "B", "kappa", "delta_F"))
def latex_(
    names: Annotated[list[str] | None, typer.Argument(help="Result names (all when none are given).")] = None,
    params: dict | None = None,
    macros: Annotated[bool, typer.Option("--macros", help="Add \\newcommand macros for the results and symbols.")]
    = False,
    values: Annotated[bool, typer.Option("--values", help="Add a tabular of the results evaluated at the given "
                                                          "parameters (e.g. --d0 16 --n 1e5).")] = False,
    standalone: Annotated[bool, typer.Option("--standalone", help="A complete document for pdflatex.")] = False,
    preset: PresetOpt = None,
    xi_reading: XiReadingOpt = XiReading.auto,
    output: OutOpt = None,
) -> None:
    """LaTeX for the named results: an equation with \\label{ditrates:NAME}, its conditions and source.

    The formulas are printed from the same sympy objects that ditrates evaluates. Packages needed:
    amsmath, amssymb.

    Example: ditrates latex score-estimation xi --values --d0 16 --n 1e5 --standalone -o rates.tex
    """
    from ditrates import latex
    from ditrates.registry import get
    from ditrates.registry import names as all_names

    results = [get(n) for n in (names or all_names())]
    parts = []
    if macros:
        parts.append(latex.macros(results))
    parts += [latex.block(r) for r in results]
    if values:
        from ditrates import report

        rep = report.evaluate([r.name for r in results], with_preset(params or {}, preset), xi_reading=xi_reading.value)
        parts.append(latex.values_table(rep.evaluations))
    body = "\n\n".join(parts)
    _write(latex.document(body, "ditrates: formulas from Hu et al. 2024") if standalone else body, output)


@app.command()
def sheet(
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF to write.")] = Path("rates.pdf"),
    tex: Annotated[bool, typer.Option("--tex", help="Also keep the .tex source beside the PDF.")] = False,
) -> None:
    """Typeset every result on one PDF rate sheet (needs pdflatex), as a handout.

    Example: ditrates sheet -o rates.pdf
    """
    from ditrates import latex

    source = latex.rate_sheet()
    pdf = latex.compile_pdf(source, output)
    if tex:
        output.with_suffix(".tex").write_text(source)
    typer.echo(f"wrote {pdf}", err=True)
