r"""LaTeX for papers, generated from the same sympy objects that ditrates evaluates.

* :func:`formula` -- one result as ``quantity relation order`` (``\tilde{O}`` written out);
* :func:`block` -- an ``equation`` with ``\label{ditrates:NAME}``, followed by the conditions, the
  evaluated expression with its hidden constants, and the source;
* :func:`macros` -- ``\newcommand`` definitions, one per result (``\ditScoreEstimation``) and per symbol
  (``\ditSymTZero``), with names that cannot clash (letters only, case kept, digits spelled);
* :func:`values_table` -- a ``tabular`` of evaluated bounds in scientific notation (plain LaTeX, no siunitx);
* :func:`document` -- a complete document that ``pdflatex`` compiles (packages: amsmath, amssymb).

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

from ditrates import formatting
from ditrates.errors import RunError
from ditrates.evaluation import Evaluation
from ditrates.printing import latex
from ditrates.result import Result
from ditrates.symbols import PARAMS, Param

PACKAGES = ("amsmath", "amssymb")
CITATION = "Hu et al.\\ 2024"
_DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def formula(result: Result, explicit: bool = False) -> str:
    """The result as one LaTeX formula: its quantity, relation and order (or exact expression)."""
    if result.order.big_o:
        rhs = result.order.latex()
    else:
        rhs = latex(result.displayed_expr(explicit))
    return f"{result.quantity} {result.relation} {rhs}"


def tex_escape(text: str) -> str:
    r"""Escape plain text for LaTeX's text mode.

    >>> tex_escape("T0 = O(min(c0, 1/L_s+)) & 50% ~ x^2")
    'T0 = O(min(c0, 1/L\\_s+)) \\& 50\\% \\textasciitilde{} x\\textasciicircum{}2'
    """
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(repl.get(c, c) for c in text)


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
    if result.conditions:
        conds = ", ".join(f"${c.latex()}$" for c in result.conditions)
        tail.append(f"Conditions: {conds}.")
    if result.order.big_o:
        hides = f" ($\\tilde{{O}}$ hides {tex_escape(result.order.hides)})" if result.order.hides else ""
        tail.append("Evaluated by ditrates as\n\\[ " + latex(result.displayed_expr(explicit)) + " \\]\n" + hides.strip()
                    + ("." if hides else ""))
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


def sci(log10) -> str:
    r"""``10**log10`` in plain-LaTeX scientific notation (math mode).

    >>> sci(-1.0887), sci(2), sci(3.2e127)
    ('8.153\\times 10^{-2}', '1.000\\times 10^{2}', '10^{3.200\\times 10^{127}}')
    """
    log10 = mpmath.mpf(log10)
    if abs(log10) >= 300:
        sign = "-" if log10 < 0 else ""
        return f"10^{{{sign}{sci(mpmath.log10(abs(log10)))}}}"
    exponent = int(mpmath.floor(log10))
    mantissa = mpmath.power(10, log10 - exponent)
    if mantissa >= 9.9995:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mpmath.nstr(mantissa, 4, strip_zeros=False)}\\times 10^{{{exponent}}}"


def values_table(evaluations: Sequence[Evaluation], caption: str = "") -> str:
    """A ``tabular`` of evaluated results: name, source, value, order; parameters and defaults below."""
    rows = [r"\begin{tabular}{llll}", r"\hline",
            r"result & source & value & order \\", r"\hline"]
    for ev in evaluations:
        r = ev.result
        rows.append(f"{tex_escape(r.name)} & {tex_escape(r.source)} & ${sci(ev.log10)}$ & ${r.order.latex()}$ \\\\")
    rows += [r"\hline", r"\end{tabular}"]
    params = {}
    for ev in evaluations:
        params.update(ev.params)
    shown = ", ".join(f"${latex(PARAMS[k].symbol)} = {_num(v)}$" for k, v in params.items()
                      if not PARAMS[k].hidden_constant)
    consts = sorted({PARAMS[k] for ev in evaluations for k in ev.params if PARAMS[k].hidden_constant},
                    key=lambda p: p.key)
    note = f"Parameters: {shown}."
    if consts:
        note += " Constants hidden by $O(\\cdot)$ set to " + ", ".join(
            f"${latex(p.symbol)} = {_num(evaluations[0].resolved.values.get(p.key, 1))}$" for p in consts) + \
            ": orders of magnitude, not exact values."
    body = "\n".join(rows) + "\n\n" + note
    if caption:
        body = f"% {caption}\n" + body
    return body


def _num(v) -> str:
    if isinstance(v, int) and abs(v) < 10**7:
        return str(v)
    return sci(mpmath.log10(v)) if v > 0 else formatting.format_number(v)


def rate_sheet() -> str:
    """A complete document with every result, grouped, and the statistical rates at d0 = 16, n = 1e5."""
    from ditrates.defaults import resolve
    from ditrates.registry import GROUPS, get

    sections = []
    for group, names in GROUPS.items():
        sections.append(f"\\section*{{{group.capitalize()}}}\n" + "\n\n".join(block(get(n)) for n in names))
    stat = [get(n) for n in GROUPS["statistical"]]
    resolved = resolve({"d0": 16, "n": 10**5}, sorted({k for r in stat for k in r.keys}))
    table = values_table([r.evaluate_at(resolved) for r in stat])
    intro = ("Every result of Hu, Wu, Li, Pi, Song, Liu, \\emph{On Statistical Rates and Provably Efficient "
             "Criteria of Latent Diffusion Transformers (DiTs)}, NeurIPS 2024 (arXiv 2407.01079), camera-ready "
             "numbering, with the rates it is compared with. Constants hidden by $O(\\cdot)$ are named and set "
             "to 1; $\\tilde O$ forms leave out the factors they hide.")
    example = "\\section*{The statistical rates at $d_0 = 16$, $n = 10^5$}\n" + table
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
        try:
            shutil.copyfile(pdf, output)
        except OSError as e:
            raise RunError(f"cannot write {output}: {e.strerror}") from None
    return output


def document(body: str, title: str = "ditrates") -> str:
    """A complete LaTeX document around ``body``."""
    uses = "\n".join(rf"\usepackage{{{p}}}" for p in PACKAGES)
    return (f"\\documentclass[11pt]{{article}}\n{uses}\n"
            f"\\title{{{tex_escape(title)}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n{body}\n\\end{{document}}\n")
