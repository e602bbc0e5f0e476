"""`ditrates latex` (formulas, macros and value tables for papers) and `ditrates sheet` (a PDF rate sheet)."""

from __future__ import annotations

from typing import Annotated

import typer

from ditrates import latex, report
from ditrates.cli.app import (
    STAT_KEYS,
    OutsideRangeOpt,
    PresetOpt,
    XiReadingOpt,
    app,
    complete_result,
    with_params,
    with_preset,
)
from ditrates.cli.output import output_path, write_output, writing
from ditrates.errors import DitratesError
from ditrates.registry import get
from ditrates.registry import names as all_names
from ditrates.xi import Reading

OutOpt = Annotated[str | None, typer.Option(
    "-o", "--output", help="Write to this .tex file (- for stdout) [default: stdout].", metavar="FILE")]


@app.command("latex")
@with_params(STAT_KEYS + ("s", "beta", "B", "kappa", "delta_F"))
def latex_(
    names: Annotated[list[str] | None, typer.Argument(
        help="Result names or numbers, e.g. score-estimation or 'Theorem 3.2' [default: all].",
        autocompletion=complete_result)] = None,
    params: dict | None = None,
    macros: Annotated[bool, typer.Option(
        "--macros", help="Only \\newcommand macros for the results and symbols: a file to \\input in the preamble.")]
    = False,
    values: Annotated[bool, typer.Option(
        "--values", help="Add a table of the results evaluated at the given parameters (e.g. --d0 16 --n 1e5); "
        "results that need a parameter not given (B for the criteria) are left out.")] = False,
    standalone: Annotated[bool, typer.Option("--standalone", help="A complete document for pdflatex.")] = False,
    preset: PresetOpt = None,
    xi_reading: XiReadingOpt = Reading.PRINTED,
    outside_range: OutsideRangeOpt = False,
    output: OutOpt = None,
) -> None:
    """LaTeX for the named results: an equation with \\label{ditrates:NAME}, its conditions and source.

    The formulas are printed from the same sympy objects that ditrates evaluates. Packages needed:
    amsmath, amssymb, and booktabs and tabularx for --values.

    Example: ditrates latex score-estimation xi --values --d0 16 --n 1e5 --standalone -o rates.tex
    """

    path = output_path(output, (".tex",), "--output")
    if macros and (values or standalone):
        raise DitratesError("--macros writes only the \\newcommand macros (for the preamble): leave out --values and "
                            "--standalone, or drop --macros")
    results = [get(n) for n in (names or all_names())]
    if macros:
        write_output(path or "-", latex.macros(results))
        return
    parts = [latex.block(r) for r in results]
    applied = with_preset(params or {}, preset)
    if preset and not values:
        raise DitratesError("--preset sets parameter values, which only --values uses: add --values, or drop "
                            "--preset")
    if values:
        rep = report.evaluate([r.name for r in results], applied.values, xi_reading=xi_reading.value,
                              outside_range=outside_range, missing="skip")
        if not rep.rows:
            left = sorted({k for _, k in rep.skipped})
            raise DitratesError(f"--values evaluates the results at given parameters, and none could be: give "
                                f"{', '.join(left)} (e.g. --d0 16 --n 1e5)")
        caption = "Bounds of Hu et al. (NeurIPS 2024) evaluated by ditrates"
        parts.append(latex.values_table(rep.rows, caption=caption + (f" (preset {applied.name})" if applied.name
                                                                     else "")))
        if rep.skipped:
            left = sorted({k for _, k in rep.skipped})
            parts.append(f"% not evaluated (no value for {', '.join(left)}): "
                         + ", ".join(dict.fromkeys(n for n, _ in rep.skipped)))
    body = "\n\n".join(parts)
    write_output(path or "-", latex.document(body, "ditrates: formulas from Hu et al. 2024") if standalone else body)


@app.command()
def sheet(
    output: Annotated[str, typer.Option(
        "-o", "--output", help="The rate sheet: a .pdf (compiled with pdflatex) or its .tex source (- for the "
        "source on stdout).", metavar="FILE")] = "rates.pdf",
) -> None:
    """Typeset every result on one rate sheet, as a handout: a PDF (needs pdflatex) or its LaTeX source.

    Example: ditrates sheet -o rates.pdf
    """

    path = output_path(output, (".pdf", ".tex"), "--output")
    source = latex.rate_sheet()
    if path == "-" or path.suffix.lower() == ".tex":
        write_output(path, source)
        return
    with writing(path) as tmp:
        latex.compile_pdf(source, tmp)
    typer.echo(f"wrote {path}", err=True)
