"""`ditrates bound` (every statistical rate at given numbers) and `ditrates compare` (DiT beside baselines)."""

from __future__ import annotations

import mpmath
import typer

from ditrates import comparison
from ditrates import report as report_
from ditrates.cli.app import (
    STAT_KEYS,
    CsvOpt,
    ExplicitOpt,
    JsonOpt,
    LatexOpt,
    OutsideRangeOpt,
    PresetOpt,
    XiReadingOpt,
    app,
    output_mode,
    preset_note,
    preset_source,
    with_params,
    with_preset,
)
from ditrates.cli.output import Output
from ditrates.formatting import format_number
from ditrates.latex import tex_escape, values_table
from ditrates.registry import get, names
from ditrates.report import param_rows
from ditrates.xi import Reading

HEADER = "Latent DiT rates of Hu et al. (NeurIPS 2024, arXiv 2407.01079)"


def result_rows(report) -> list[list[str]]:
    """One table row per result: its value, order and reading, or the condition that failed."""
    rows = []
    for row in report.rows:
        r = row.result
        reading = report.reading_label(row)
        if not row.ok:
            what = row.condition.text() if row.condition is not None else "see below"
            rows.append([r.name, r.source_for(row.reading, short=True), "-", "-", r.order_for(row.reading).text(),
                         reading, f"FAILS: {what}"])
            continue
        note = [f"OUTSIDE: {c.text()}" for c in row.outside]
        if row.vacuous:
            note.append(f"VACUOUS: >{format_number(mpmath.exp(row.trivial_ln))}")
        if r.name == "network-size":
            note.append("norms: ditrates show network-size")
        rows.append([r.name, r.source_for(row.reading, short=True), row.text, format_number(row.log10_exact, 4),
                     r.order_for(row.reading).text(),
                     reading, "; ".join(note)])
    return rows


def render(out: Output, report, keys, title: str, applied) -> None:
    """The results table, then the parameters table (human mode)."""
    consts = [k for k in report.resolved.values if k not in keys]
    out.table(["result", "source", "bound", "log10", "order", "xi", "note"], result_rows(report), title=title,
              caption="hidden constants (O(.)): " + ", ".join(f"{k} = {format_number(report.resolved.values[k])}"
                                                          for k in sorted(consts)), primary=True,
              movable=("order", "xi", "log10"))
    out.table(["parameter", "value", "source", "meaning"], preset_source(param_rows(report.resolved, keys), applied),
              title="Parameters", movable=("meaning",))


def announce(out: Output, applied) -> None:
    """Name the preset in every output: a line for people (stderr in CSV, whose stdout is the table alone)."""
    if applied.name is None:
        return
    if out.mode == "csv":
        out.note(preset_note(applied))
    elif out.mode != "json" and out.mode != "latex":
        out.line(preset_note(applied))


def caption(text: str, applied) -> str:
    return text + (f" (preset {applied.name})" if applied.name else "")


def exit_code(report) -> int:
    """0 when at least one row was evaluated, 2 when none was."""
    return 0 if report.evaluations else 2


@app.command()
@with_params(STAT_KEYS)
def bound(
    params: dict,
    preset: PresetOpt = None,
    explicit: ExplicitOpt = False,
    xi_reading: XiReadingOpt = Reading.PRINTED,
    outside_range: OutsideRangeOpt = False,
    json_: JsonOpt = False,
    latex_: LatexOpt = False,
    csv_: CsvOpt = False,
) -> None:
    """Evaluate every statistical rate of the paper at the given numbers.

    Prints the score approximation (Thm 3.1), the network size, xi (Def. 3.4), the score estimation
    (Thm 3.2) and the distribution recovery bounds (Cor. 3.2.1), with their orders, every default
    used, the reading of xi each row uses, and a verdict where a bound is vacuous. A row whose condition
    fails says which, and the others are still printed (exit 2 only when no row could be evaluated).
    Integers accept 1e5 notation.

    Example: ditrates bound --d0 16 --n 1e5
    """
    out = Output(output_mode(json_, latex_, csv_))
    applied = with_preset(params, preset)
    rep = report_.evaluate(names("statistical"), applied.values, explicit=explicit, xi_reading=xi_reading.value,
                           outside_range=outside_range)
    if out.mode == "json":
        out.json({"command": "bound", "preset": applied.name, **rep.to_dict()})
    elif out.mode == "latex":
        out.latex(values_table(rep.rows, caption=caption(HEADER, applied), label="ditrates:bound"))
    else:
        out.line(HEADER)
        announce(out, applied)
        render(out, rep, STAT_KEYS, "Bounds" + (" (explicit factors)" if explicit else ""), applied)
        for line in rep.notes():
            out.line("  " + line)
        if rep.resolved.values.get("n") is not None:
            out.line("  See 'ditrates compare' for Chen et al. 2023, Oko et al. 2023 and Hu et al. 2025 at the same "
                     "numbers.")
    raise typer.Exit(exit_code(rep))


@app.command()
@with_params(STAT_KEYS + ("s", "beta"))
def compare(
    params: dict,
    preset: PresetOpt = None,
    explicit: ExplicitOpt = False,
    xi_reading: XiReadingOpt = Reading.PRINTED,
    outside_range: OutsideRangeOpt = False,
    json_: JsonOpt = False,
    latex_: LatexOpt = False,
    csv_: CsvOpt = False,
) -> None:
    """Set the DiT rates beside Chen et al. 2023 (ReLU score networks), Oko et al. 2023 and Hu et al. 2025.

    Rows are grouped by the quantity they bound, and only rates of the same quantity are compared, on equal
    terms: the same convention for both sides (O~ forms, or --explicit for every factor the proofs make
    explicit), T held at ln n of the given n for both, eps = auto following n. Each crossing in n comes with
    the interval it moves over when every hidden constant ranges over [1e-3, 1e3].

    Example: ditrates compare --d0 16 --n 1e5
    """

    out = Output(output_mode(json_, latex_, csv_))
    applied = with_preset(params, preset)
    cmp = comparison.compare(applied.values, explicit=explicit, xi_reading=xi_reading.value,
                             outside_range=outside_range)
    rep = cmp.report
    if out.mode == "json":
        out.json({"command": "compare", "preset": applied.name, **cmp.to_dict()})
        return
    if out.mode == "latex":
        sentences = [line for p in cmp.pairings for line in p.sentences()]
        out.latex(values_table(rep.rows, caption=caption("DiT rates beside the baselines (Hu et al., NeurIPS 2024)",
                                                         applied), label="ditrates:compare")
                  + "\n\n" + "\n\n".join(tex_escape(s) + "." for s in sentences))
        return
    out.line("DiT (Hu et al. 2024) beside the baselines at the same numbers, on equal terms")
    announce(out, applied)
    out.table(["parameter", "value", "source", "meaning"],
              preset_source(param_rows(rep.resolved, STAT_KEYS + ("s", "beta")), applied), title="Parameters",
              movable=("meaning",))
    rows = result_rows(rep)
    for row, slope in zip(rows, cmp.exponents, strict=True):
        row.insert(5, "" if slope is None else f"{slope:+.3f}")
    if out.mode == "csv":
        out.table(["result", "source", "value", "log10", "order", "d log/d log n", "xi", "note", "bounds"],
                  [[*row, r.result.bounds] for row, r in zip(rows, rep.rows, strict=True)], primary=True)
        return
    for kind in dict.fromkeys(r.result.bounds for r in rep.rows):
        out.table(["result", "source", "value", "log10", "order", "d log/d log n", "xi", "note"],
                  [row for row, r in zip(rows, rep.rows, strict=True) if r.result.bounds == kind],
                  title=kind[0].upper() + kind[1:], movable=("order", "xi", "d log/d log n"))
        for p in cmp.pairings:
            if get(p.a).bounds == kind:
                for line in p.sentences():
                    out.line("  " + line + ".")
    for line in rep.notes():
        out.line("  " + line)
    out.line("  Provenance of the baselines: ditrates show chen2023-score-estimation (and the others); parts are "
             "reconstructed, not read.")
    out.line(f"  Local exponents: T = {format_number(cmp.T)} held (as in the crossings), eps = auto follows n; "
             f"n = {format_number(rep.resolved.values['n'])}.")
