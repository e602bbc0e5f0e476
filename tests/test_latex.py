"""LaTeX that compiles and reads well in a paper: formulas, macros, value tables, the rate sheet (issues 4, 10)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ditrates
from ditrates import latex, report
from ditrates.cli import app

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None and os.environ.get("CI", "").lower() != "true",
                                    reason="pdflatex is not installed (under CI=true this test must run)")
runner = CliRunner()


def compile_tex(tex: str, tmp_path: Path) -> str:
    """Compile with pdflatex; return the log (a failed compile fails the test with LaTeX's first error)."""
    assert PDFLATEX, "pdflatex is required under CI=true (.ci/run installs it)"
    (tmp_path / "doc.tex").write_text(tex)
    proc = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith("!")]
    assert proc.returncode == 0 and not errors, errors or proc.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
    return (tmp_path / "doc.log").read_text(errors="replace")


@pytest.mark.slow
@needs_pdflatex
def test_standalone_output_for_every_result_with_values_compiles(tmp_path):
    res = runner.invoke(app, ["latex", "--standalone", "--values", "--d0", "16", "--n", "1e5", "--B", "1"])
    assert res.exit_code == 0, res.stderr
    for name in ditrates.names():
        assert f"\\label{{ditrates:{name}}}" in res.stdout
    assert "\\begin{tabularx}" in res.stdout
    compile_tex(res.stdout, tmp_path)


@needs_pdflatex
def test_the_values_table_fits_one_column_of_a_two_column_paper(tmp_path):
    """`ditrates latex --values --d0 16 --n 1e5`, the README's words: no --B asked for, booktabs with a caption
    and a label, no overfull box in a column of \\documentclass[twocolumn]{article}, the failed rows and VACUOUS
    flags kept and plain numbers (1.582, 10^{19727})."""
    res = runner.invoke(app, ["latex", "--values", "--d0", "16", "--n", "1e5"])
    assert res.exit_code == 0, res.stderr
    table = res.stdout[res.stdout.index("\\begin{table}"):]
    for piece in ("\\toprule", "\\midrule", "\\bottomrule", "\\caption{", "\\label{ditrates:values}",
                  "not evaluated", "Reading of $\\xi$: printed"):
        assert piece in table
    assert "10^{0}" not in table and "\\times 10^{1}" not in table
    assert "& $1.582$ &" in table  # score-approximation at eps = 1/4
    xi = report.evaluate(["xi"], {"d0": 16, "n": "1e5"}).rows[0]
    assert f"& ${latex.number(xi.log10_exact)}$ &" in table
    assert "not evaluated (no value for B)" in res.stdout
    past = runner.invoke(app, ["latex", "--values", "--d0", "16", "--n", "1e5", "--outside-range"]).stdout
    assert "vacuous" in past and "\\textsc{outside}" in past
    repair = runner.invoke(app, ["latex", "--values", "--d0", "16", "--n", "1e5", "--xi-reading", "covering-line"])
    assert "read as App. F.2's covering line" in repair.stdout
    two_columns = latex.document("Text. " * 300 + "\n\n" + table + "\n\n" + "More text. " * 300).replace(
        "\\documentclass[11pt]{article}", "\\documentclass[twocolumn]{article}")
    assert "[twocolumn]" in two_columns and "{\\columnwidth}" in table
    log = compile_tex(two_columns, tmp_path)
    assert "Overfull \\hbox" not in log


@pytest.mark.parametrize(("log10", "shown"), [(-1.0887, "0.08153"), (0, "1"), (3.1544487401, "1427"),
                                             (191.4, "2.512\\times 10^{191}"), (-400, "10^{-400}"),
                                             (3.2e127, "10^{3.2\\times 10^{127}}")])
def test_numbers_are_plain(log10, shown):
    assert latex.number(log10) == shown


def test_failed_rows_stay_in_the_table_with_their_condition():
    rep = report.evaluate(["xi", "score-approximation"], {"d0": 16, "n": "1e5", "eps": "0.6"}, xi_reading="printed")
    table = latex.values_table(rep.rows)
    row = next(line for line in table.splitlines() if line.startswith("xi\\newline"))
    assert "{\\footnotesize Definition 3.4} & -- & not evaluated:" in row and "fails" in row


@pytest.mark.slow
@needs_pdflatex
def test_macros_alone_are_a_preamble_file(tmp_path):
    """`ditrates latex --macros` writes only \\newcommand lines, which can be \\input before \\begin{document}."""
    res = runner.invoke(app, ["latex", "--macros", "-o", str(tmp_path / "ditrates-macros.tex")])
    assert res.exit_code == 0, res.stderr
    text = (tmp_path / "ditrates-macros.tex").read_text()
    assert all(line.startswith(("%", "\\newcommand")) for line in text.splitlines())
    body = "\n".join(f"\\[ \\{latex.macro_name(r.name)} \\]" for r in ditrates.results())
    doc = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\input{ditrates-macros.tex}\n"
           f"\\begin{{document}}\n{body}\n$\\ditSymTZero, \\ditSymLs, \\ditSymdZero$\n\\end{{document}}\n")
    compile_tex(doc, tmp_path)


def test_macros_refuse_to_mix_with_document_parts():
    res = runner.invoke(app, ["latex", "--macros", "--standalone"])
    assert res.exit_code == 2 and "preamble" in res.stderr


def test_the_sheet_says_how_the_section_4_results_differ_instead_of_repeating_one_formula():
    sheet = latex.rate_sheet()
    assert sheet.count("\\rho :=") == 2  # Props 4.1-4.2 and Thm 4.1 share one ratio; Alman-Song has its own
    for name in ("inference-almost-linear", "training-almost-linear"):
        block = sheet[sheet.index(f"\\paragraph{{{name}"):]
        assert "The same ratio as inference-hardness \\eqref{ditrates:inference-hardness}" in block.splitlines()[0]


def _outside_code_and_math(tex: str) -> str:
    """The text of a LaTeX source outside math, \\texttt{...}, comments and labels."""
    tex = re.sub(r"(?m)%.*$|^\\begin\{tabularx\}.*$", "", tex)  # comments, a table's column types
    tex = re.sub(r"\\texttt\{(?:\\[{}]|[^{}]|\{\})*\}", "", tex)  # escaped braces inside: min\{2 log c0, c0\}
    tex = re.sub(r"\\begin\{equation\}.*?\\end\{equation\}|\\\[.*?\\\]|\$[^$]*\$", "", tex, flags=re.S)
    return re.sub(r"\\(label|eqref|ref)\{[^}]*\}", "", tex)


def test_the_sheet_sets_text_as_text_and_math_as_math_and_names_each_equation():
    """No ASCII mathematics in the roman text font (OT1 prints < as an inverted !, || as an em dash and ^ as an
    accent): outside math it is in \\texttt; each numbered equation follows a heading with its result's name."""
    sheet = latex.rate_sheet()
    text = _outside_code_and_math(sheet)
    for ascii_math in ("<=", ">=", "||", "\\textasciicircum", "<", ">", "|"):
        assert ascii_math not in text, (ascii_math, text[max(0, text.find(ascii_math) - 80):][:160])
    equations = sheet.count("\\begin{equation}")
    named = re.findall(r"\\paragraph\{([\w-]+) \([^\n]*\}\\mbox\{\}\n% ditrates: \1 .*\n\\begin\{equation\}\\label"
                       r"\{ditrates:\1\}", sheet)
    assert equations == len(named) == len(ditrates.names()) - 2, (equations, named)  # two refer to rho's number


@pytest.mark.slow
@needs_pdflatex
def test_the_sheet_compiles_without_an_overfull_box(tmp_path):
    log = compile_tex(latex.rate_sheet(), tmp_path)
    assert "Overfull \\hbox" not in log and "Overfull \\vbox" not in log


@pytest.mark.slow
@needs_pdflatex
def test_sheet_writes_a_pdf_or_its_source(tmp_path):
    out = tmp_path / "rates.pdf"
    res = runner.invoke(app, ["sheet", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert out.read_bytes().startswith(b"%PDF")
    src = runner.invoke(app, ["sheet", "-o", "-"])
    assert src.exit_code == 0 and src.stdout.startswith("\\documentclass")


@pytest.mark.parametrize(("args", "message"), [
    (["sheet", "-o", "out.txt"], "suffix"),
    (["sheet", "-o", "/nonexistent/dir/rates.pdf"], "does not exist"),
    (["latex", "xi", "-o", "/nonexistent/dir/x.tex"], "does not exist"),
    (["latex", "xi", "-o", "x.pdf"], "suffix"),
])
def test_outputs_that_cannot_be_written_are_refused_before_any_work(args, message):
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and message in res.stderr


def test_sheet_without_pdflatex_fails_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    res = runner.invoke(app, ["sheet", "-o", str(tmp_path / "x.pdf")])
    assert res.exit_code == 1
    assert res.stderr.startswith("ditrates: error: pdflatex not found") and res.stderr.count("\n") == 1


def test_macro_names_are_letters_only_and_unique():
    from ditrates.symbols import PARAMS

    names = [latex.macro_name(n) for n in ditrates.names()] + [latex.macro_name(k, symbol=True) for k in PARAMS]
    assert all(n.isalpha() for n in names)
    assert len(set(names)) == len(names)


def test_latex_writes_a_file_or_stdout(tmp_path):
    out = tmp_path / "f.tex"
    res = runner.invoke(app, ["latex", "xi", "-o", str(out)])
    assert res.exit_code == 0 and "\\label{ditrates:xi}" in out.read_text()
    res = runner.invoke(app, ["latex", "Theorem 3.2", "-o", "-"])
    assert res.exit_code == 0 and "\\label{ditrates:score-estimation}" in res.stdout


@pytest.mark.parametrize("command", [["compare", "--d0", "16", "--n", "1e5"],
                                     ["criteria", "--L", "4096", "--d", "8", "--B", "1"],
                                     ["bound", "--d0", "16", "--n", "1e5"]])
def test_latex_tables_of_the_commands(command):
    res = runner.invoke(app, [*command, "--latex"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.count("\\begin{table}") == res.stdout.count("\\end{table}") >= 1
    assert re.search(r"\\label\{ditrates:\w+\}", res.stdout)


def test_repr_latex_for_jupyter():
    assert ditrates.get("xi")._repr_latex_().startswith("$\\displaystyle \\xi(n,\\epsilon,L) :=")
