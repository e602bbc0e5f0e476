r"""LaTeX for papers, generated from the same sympy objects that ditrates evaluates.

* :func:`formula` -- one result as ``quantity relation order`` (``\tilde{O}`` written out);
* :func:`block` -- an ``equation`` with ``\label{ditrates:NAME}``, followed by the conditions, the
  evaluated expression with its hidden constants, and the source;
* :func:`macros` -- ``\newcommand`` definitions, one per result (``\ditScoreEstimation``) and per symbol
  (``\ditSymTZero``), with names that cannot clash (letters only, case kept, digits spelled);
* :func:`values_table` -- a ``table`` of evaluated bounds (booktabs, tabularx at the column width, so that it fits
  one column of a two-column paper; a caption and a label), with plain numbers and the VACUOUS flags;
* :func:`document` -- a complete document that ``pdflatex`` compiles (packages: amsmath, amssymb, booktabs,
  tabularx).

>>> import ditrates
>>> print(formula(ditrates.get("xi")))
\xi(n,\epsilon,L) := \frac{2^{\epsilon^{- 2 L}}}{\sqrt[3]{n}} + \epsilon^{2} + \frac{1}{\sqrt[3]{n}}
>>> macro_name("score-estimation"), macro_name("T0", symbol=True), macro_name("chen2023-tv")
('ditScoreEstimation', 'ditSymTZero', 'ditChenTwoZeroTwoThreeTv')
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import mpmath

from ditrates import formatting, report, xi
from ditrates.errors import RunError
from ditrates.printing import latex
from ditrates.registry import GROUPS, get
from ditrates.result import Result
from ditrates.symbols import PARAMS, Param

PACKAGES = ("amsmath", "amssymb", "booktabs", "tabularx")
CITATION = "Hu et al.\\ 2024"
_DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def formula(result: Result, explicit: bool = False, reading=None) -> str:
    """The result as one LaTeX formula: its quantity, relation and order (or exact expression, in ``reading`` of xi
    for a result built on it)."""
    if result.order.big_o:
        rhs = result.order.latex()
    else:
        rhs = latex(result.displayed_expr(explicit, reading))
    return f"{result.quantity} {result.relation} {rhs}"


def tex_escape(text: str) -> str:
    r"""Escape plain text for LaTeX's text mode.

    >>> tex_escape("T0 = O(min(c_0, 1/Ls)) & 50% ~ x^2")
    'T0 = O(min(c\\_0, 1/Ls)) \\& 50\\% \\textasciitilde{} x\\textasciicircum{}2'
    """
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(repl.get(c, c) for c in text)


def tex_code(text: str) -> str:
    r"""Plain text that holds ASCII mathematics (``||W||_max <= B``), in typewriter type, where every character
    prints as typed (the roman text font of OT1 has no ``<`` or ``|``, and sets ``^`` as an accent).

    >>> tex_code("||W||_max <= B^2")
    '\\texttt{||W||\\_max <= B\\textasciicircum{}2}'
    """
    return rf"\texttt{{{tex_escape(text)}}}"


def _source(result: Result) -> str:
    arxiv = re.search(r"arXiv \d{4}\.\d{5}", result.reference)
    where = f" ({arxiv.group(0)})" if arxiv else ""
    if result.reference.startswith("Hu, Wu, Li"):
        return f"{tex_escape(result.source)} of {CITATION}{where}"
    return tex_escape(result.source) + where


def block(result: Result, explicit: bool = False) -> str:
    """An ``equation`` with label, then the conditions, the evaluated form and the source."""
    lines = [
        f"% ditrates: {result.name} ({result.source})",
        r"\begin{equation}\label{ditrates:" + result.name + "}",
        "  " + formula(result, explicit),
        r"\end{equation}",
    ]
    tail = []
    conds = result.conditions + (xi.RANGES if result.forms else ())
    if conds:
        tail.append("Conditions: " + ", ".join(f"${c.latex()}${tex_escape(xi.only(c))}" for c in conds) + ".")
    if result.order.big_o:
        hides = f" ($\\tilde{{O}}$ hides {tex_code(result.order.hides)})" if result.order.hides else ""
        shown = [(f" with the {k} reading of $\\xi$" if k else "", result.displayed_expr(explicit, k))
                 for k in (result.forms or [None])]
        tail.append("Evaluated by ditrates" + "\nand".join(f"{w} as\n\\[ {latex(e)} \\]" for w, e in shown)
                    + "\n" + hides.strip() + ("." if hides else ""))
    consts = [p for p in result.symbols if p.hidden_constant]
    if consts:
        tail.append("Hidden constants: " + ", ".join(f"${latex(p.symbol)}$" for p in consts) + " (default 1).")
    tail.append(f"Source: {_source(result)}.")
    return "\n".join(lines + [" ".join(tail)])


def macro_name(name: str, symbol: bool = False) -> str:
    """A TeX control-sequence name (letters only) for a result or parameter key."""
    words = re.split(r"[-_\s]+", name)
    if symbol:
        body = "".join(words)
    else:
        body = "".join(w[:1].upper() + w[1:] for w in words)
    body = "".join(_DIGITS[int(c)] if c.isdigit() else c for c in body)
    body = re.sub(r"[^A-Za-z]", "", body)
    return ("ditSym" if symbol else "dit") + body


def macros(results: Iterable[Result], params: Iterable[Param] | None = None) -> str:
    r"""``\newcommand`` lines for the results (their formulas) and the parameters (their symbols)."""
    results = list(results)
    params = list(params) if params is not None else [p for p in PARAMS.values()
                                                       if any(p in r.symbols for r in results)]
    lines = ["% ditrates macros: one per result (its formula) and per symbol"]
    for r in results:
        lines.append(rf"\newcommand{{\{macro_name(r.name)}}}{{{formula(r)}}}")
    for p in params:
        lines.append(rf"\newcommand{{\{macro_name(p.key, symbol=True)}}}{{{latex(p.symbol)}}}")
    return "\n".join(lines)


def number(log10) -> str:
    r"""``10**log10`` as a plain LaTeX number (math mode): fixed notation where it is short, else
    ``a\times 10^{b}``, and ``10^{...}`` beyond float64.

    >>> number(-1.0887), number(0), number(3.1544), number(191.4), number(3.2e127)
    ('0.08153', '1', '1427', '2.512\\times 10^{191}', '10^{3.2\\times 10^{127}}')
    """
    text = formatting.format_log10(log10)
    if text.startswith("10^("):
        return "10^{" + _sci_text(text[4:-1]) + "}"
    return _sci_text(text)


def _sci_text(text: str) -> str:
    mantissa, sep, exponent = text.partition("e")
    if "." in mantissa and not sep and len(mantissa.rstrip("0").rstrip(".")) < len(mantissa):  # 1.000 -> 1
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}\\times 10^{{{int(exponent)}}}" if sep else mantissa


def values_table(rows: Sequence, caption: str = "", label: str = "ditrates:values") -> str:
    """A ``table`` (booktabs, tabularx at the column width: it fits one column of a two-column paper) of evaluated
    results: name and source, value, order and a note (VACUOUS where a bound exceeds its trivial value, the failed
    condition where one fails); parameters and hidden constants in a footnote. ``rows`` are
    :class:`~ditrates.evaluation.Evaluation` or :class:`~ditrates.evaluation.Failure` objects."""
    lines = [r"\begin{table}[htbp]", r"\centering\small",
             rf"\caption{{{tex_escape(caption or 'Bounds evaluated by ditrates')}}}\label{{{label}}}",
             r"\begin{tabularx}{\columnwidth}{@{}>{\raggedright\arraybackslash}p{0.3\columnwidth}r"
             r">{\raggedright\arraybackslash}X@{}}", r"\toprule",
             r"Result & Value & Order; note \\", r"\midrule"]
    evaluations = [r for r in rows if r.ok]
    for row in rows:
        r = row.result
        if not row.ok:
            cond = (tex_code(row.condition.label) if row.condition is not None and row.condition.label else
                    f"${row.condition.latex()}$" if row.condition is not None else "a condition")
            lines.append(f"{_name(r, row.reading)} & -- & not evaluated: {cond} fails \\\\")
            continue
        note = "".join(f"; \\textsc{{outside}} {tex_code(c.text())}" for c in row.outside)
        if row.vacuous:
            note += f"; \\textsc{{vacuous}} ($>{_num(mpmath.exp(row.trivial_ln))}$)"
        order = r.order_for(row.reading).latex()
        lines.append(f"{_name(r, row.reading)} & ${number(row.log10_exact)}$ & ${order}${note} \\\\")
    lines += [r"\bottomrule", r"\end{tabularx}", ""]
    params: dict = {}
    for ev in evaluations:
        params.update(ev.params)
    shown = ", ".join(f"${latex(PARAMS[k].symbol)} = {_num(v)}$" for k, v in params.items()
                      if not PARAMS[k].hidden_constant)
    consts = sorted({PARAMS[k] for k in params if PARAMS[k].hidden_constant}, key=lambda p: p.key)
    note = f"Parameters: {shown}."
    if consts:
        note += " Constants hidden by $O(\\cdot)$ set to " + ", ".join(
            f"${latex(p.symbol)} = {_num(params[p.key])}$" for p in consts) + ": orders of magnitude, not exact values."
    readings = {ev.reading for ev in evaluations if ev.reading is not None}
    if readings:
        note += " Reading of $\\xi$: " + ", ".join(f"{r.value} ({tex_escape(r.title)})" for r in readings) + "."
    if any(ev.outside for ev in evaluations):
        note += (" \\textsc{outside}: evaluated past a range that a step of the proof needs; the proof does not "
                 "back that value.")
    lines += [r"\par\smallskip\footnotesize " + note, r"\end{table}"]
    return "\n".join(lines)


def _name(r: Result, reading=None) -> str:
    """A result's name over its source (with the reading of xi where it is a repair), for a narrow first column
    (names break at their hyphens)."""
    return rf"{tex_escape(r.name)}\newline{{\footnotesize {tex_escape(r.source_for(reading))}}}"


def text_table(columns: Sequence[str], rows: Sequence[Sequence[str]], caption: str, label: str) -> str:
    """A ``table`` (booktabs, tabularx at the column width; the last column wraps) of plain-text cells."""
    spec = "@{}" + "l" * (len(columns) - 1) + "X@{}"
    lines = [r"\begin{table}[htbp]", r"\centering\small", rf"\caption{{{tex_escape(caption)}}}\label{{{label}}}",
             rf"\begin{{tabularx}}{{\columnwidth}}{{{spec}}}", r"\toprule",
             " & ".join(tex_escape(c) for c in columns) + r" \\", r"\midrule"]
    lines += [" & ".join(tex_escape(str(c)) for c in row) + r" \\" for row in rows]
    return "\n".join([*lines, r"\bottomrule", r"\end{tabularx}", r"\end{table}"])


def _num(v) -> str:
    if isinstance(v, int) and abs(v) < 10**7:
        return str(v)
    return number(mpmath.log10(v)) if v > 0 else formatting.format_number(v)


def rate_sheet() -> str:
    """A complete document with every result, grouped, and the statistical rates at d0 = 16, n = 1e5.

    Each equation follows a run-in heading with the result's name and source, so that every number (1), (2), ...
    has a name; results that share a formula (Props 4.1-4.2, Thm 4.1) refer to its number instead of repeating it.
    Text is ragged right: the statements' ASCII mathematics, in typewriter type, breaks only at spaces.
    """
    sections = []
    for group, names in GROUPS.items():
        blocks, seen = [], {}
        for r in (get(n) for n in names):
            heading = f"\\paragraph{{{tex_escape(r.name)} ({tex_escape(r.source)})}}"
            if r.expr in seen:  # Props 4.1-4.2 and Thm 4.1 share the ratio rho: say how they differ instead
                blocks.append(f"{heading} The same ratio as {tex_escape(seen[r.expr])} "
                              f"\\eqref{{ditrates:{seen[r.expr]}}}; what differs is the claim: {tex_code(r.statement)}")
                continue
            seen[r.expr] = r.name
            blocks.append(f"{heading}\\mbox{{}}\n{block(r)}")
        sections.append(f"\\section*{{{group.capitalize()}}}\n" + "\n\n".join(blocks))
    rep = report.evaluate(GROUPS["statistical"], {"d0": 16, "n": 10**5})
    table = values_table(rep.rows, caption="The statistical rates (hidden constants 1)")
    intro = ("\\raggedright\nEvery result of Hu, Wu, Li, Pi, Song, Liu, \\emph{On Statistical Rates and Provably "
             "Efficient Criteria of Latent Diffusion Transformers (DiTs)}, NeurIPS 2024 (arXiv 2407.01079), "
             "camera-ready numbering, with the rates it is compared with. Constants hidden by $O(\\cdot)$ are named "
             "and set to 1; $\\tilde O$ forms leave out the factors they hide.")
    example = "\\clearpage\n\\section*{The statistical rates at $d_0 = 16$, $n = 10^5$}\n" + table  # one page
    return document(intro + "\n\n" + "\n\n".join(sections) + "\n\n" + example,
                    "ditrates rate sheet: latent Diffusion Transformers")


def compile_pdf(source: str, output) -> Path:
    """Compile ``source`` with pdflatex into ``output``; raise :class:`RunError` with LaTeX's first error."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise RunError("pdflatex not found: install TeX Live (Debian: apt-get install texlive-latex-base) or "
                       "write the source with 'ditrates latex --standalone -o FILE.tex'")
    output = Path(output)
    with tempfile.TemporaryDirectory() as tmp:
        tex = Path(tmp) / "ditrates.tex"
        tex.write_text(source)
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp,
                              capture_output=True, text=True, timeout=300)
        pdf = tex.with_suffix(".pdf")
        if proc.returncode != 0 or not pdf.exists():
            errors = [ln for ln in proc.stdout.splitlines() if ln.startswith("!")]
            raise RunError("pdflatex failed: " + (errors[0] if errors else f"exit code {proc.returncode}"))
        shutil.copyfile(pdf, output)
    return output


def document(body: str, title: str = "ditrates") -> str:
    """A complete LaTeX document around ``body``."""
    uses = "\n".join(rf"\usepackage{{{p}}}" for p in PACKAGES)
    return (f"\\documentclass[11pt]{{article}}\n{uses}\n"
            f"\\title{{{tex_escape(title)}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n{body}\n\\end{{document}}\n")
