"""The results' prose (summaries, statements, notes, sources) as HTML, its plain-text mathematics set as text.

The Result objects write mathematics in words in plain text (``eps^(2L)``, ``||W_B W_B^T - B B^T||_F``); the page
sets its formulas in MathML and shows no ASCII mathematics beside them. :func:`html` turns the plain-text forms
into typographic HTML: ``^(...)``, ``^x`` and ``_x`` into superscripts and subscripts (nested), a ``^`` with no
argument into a hat (``P^`` is P-hat), Greek names into letters (``eps`` is ε), ``<=`` into ≤, ``||`` into ‖,
``O~`` into Õ, ``sqrt`` into √, the parameters ``d0``, ``T0``, ``c0``, ``Ls`` with their subscripts. Result names
and command-line options stay as code. What only the command line has (``--explicit``) is said to be its, and the
maintainers' notes files (``RESULTS.md``), which the page does not have, are not cited (:func:`for_page`).

>>> html("xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + eps^2, see xi-tuned.", names=("xi", "xi-tuned"))
'ξ(n, ε, L) = n<sup>-1/3</sup> 2<sup>(1/ε)<sup>2L</sup></sup> + ε<sup>2</sup>, see <code>xi-tuned</code>.'
>>> html("||W_B^T||_F^2 <= a T0 & (P^_T0)")
'‖W<sub>B</sub><sup>T</sup>‖<sub>F</sub><sup>2</sup> ≤ a T<sub>0</sub> &amp; (P̂<sub>T<sub>0</sub></sub>)'
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Sequence

GREEK = {"eps": "ε", "epsilon": "ε", "xi": "ξ", "sigma": "σ", "Sigma": "Σ", "mu": "μ", "beta": "β", "kappa": "κ",
         "delta": "δ", "rho": "ρ", "Gamma": "Γ", "gamma": "γ", "lambda": "λ", "Theta": "Θ", "pi": "π", "grad": "∇",
         "int": "∫", "inf": "∞", "sqrt": "√"}
"""Words set as symbols."""
SUBSCRIPTED = {"d0": ("d", "0"), "T0": ("T", "0"), "c0": ("c", "0"), "t0": ("t", "0"), "A1": ("A", "1"),
               "A2": ("A", "2"), "A3": ("A", "3"), "Ls": ("L", "s+"), "log2": ("log", "2"), "L_0": ("L", "0")}
"""Parameter names that carry their subscript in their plain-text name."""
SYMBOLS = (("<=", "≤"), (">=", "≥"), ("!=", "≠"), ("->", "→"), ("||", "‖"), ("O~", "Õ"), ("*", "·"))
CALLS = ("O", "o", "poly", "log", "Theta", "Omega")
"""Functions whose call is one superscript argument: ``(1/eps)^O(1)``."""
READING = "the reading of xi chosen above"
_TOKEN = re.compile(r"<=|>=|!=|->|\|\||O~|[A-Za-z][A-Za-z0-9]*|\d+(?:\.\d+)?|\s+|.", re.S)
_FILE = re.compile(r"(?:\.\./shared/paper/)?[A-Z][A-Z-]*\.md\b")


def _close(text: str, i: int) -> int:
    """The index after the parenthesis that closes the one at ``i``."""
    depth = 0
    for j in range(i, len(text)):
        depth += text[j] == "("
        depth -= text[j] == ")"
        if depth == 0:
            return j + 1
    return len(text)


def _without_files(text: str) -> str:
    """``text`` without its citations of the maintainers' notes files: a parenthesis that opens with one goes, a
    sentence that opens with one goes, and elsewhere the citation goes with its section number."""
    while m := _FILE.search(text):
        start = m.start()
        if start > 0 and text[start - 1] == "(":
            text = text[:start - 1].rstrip() + text[_close(text, start - 1):]
        elif start == 0 or text[:start].rstrip().endswith("."):
            end = re.search(r"\.(\s|$)", text[start:])
            stop = start + (end.end() if end else len(text) - start)
            text = text[:start] + text[stop:].lstrip()
        else:
            tail = re.match(r"[^,;()]*(?:\([^()]*\))?", text[m.end():])
            text = text[:start].rstrip(" ,") + text[m.end() + tail.end():]
    return text.strip()


def for_page(text: str) -> str:
    """``text`` for the page: no notes files cited, ``--xi-reading`` is the reading chosen above, and other options are
    the command line's.

    >>> for_page("Two readings (--xi-reading). As encoded with --explicit (RESULTS.md, section 4, reads (3.1)).")
    "Two readings (the reading of xi chosen above). As encoded with the command line's --explicit."
    >>> for_page("Provenance (../shared/paper/ANCHOR-RATES.md section 1.4, RESULTS.md section 9 (a)): the rate. "
    ...          "RESULTS.md (section 8, item 12) and the camera-ready agree. --explicit adds it.")
    "Provenance: the rate. The command line's --explicit adds it."
    """
    text = _without_files(text).replace("(--xi-reading)", f"({READING})")
    text = re.sub(r"(^|\. )--", lambda m: m.group(1) + "The command line's --", text)
    return re.sub(r"(?<!line's )--(?=[a-z])", "the command line's --", text)


def html(text: str, names: Sequence[str] = ()) -> str:
    """``text`` as HTML, its plain-text mathematics set as text mathematics; ``names`` (result names) and options
    stay code (names that are words, as xi, are mathematics)."""
    code = sorted((n for n in names if "-" in n), key=len, reverse=True)
    pattern = "(" + "|".join([*(re.escape(n) for n in code), r"--[a-z][a-z-]*"]) + r")(?![\w-])"
    parts = re.split(pattern, for_page(text))
    return "".join(f"<code>{_html.escape(p)}</code>" if i % 2 else _render(_TOKEN.findall(p))
                   for i, p in enumerate(parts))


def _group(tokens: list[str], i: int, open_: str, close: str) -> int:
    """The index after the bracket that closes the one at ``i``."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j] == open_
        depth -= tokens[j] == close
        if depth == 0:
            return j + 1
    return len(tokens)


def _argument(tokens: list[str], i: int, sup: bool) -> tuple[str, int] | None:
    """The script argument at ``i``: a bracketed group (brackets dropped), a signed token, or in a superscript a
    call of :data:`CALLS`."""
    if i >= len(tokens) or tokens[i].isspace() or tokens[i] in "_^.,;:)}":
        return None
    if tokens[i] in ("(", "{"):
        end = _group(tokens, i, tokens[i], ")" if tokens[i] == "(" else "}")
        return _render(tokens[i + 1:end - 1]), end
    start, j = i, i + (tokens[i] == "-")
    if j >= len(tokens) or not re.match(r"[\w.]", tokens[j]):
        return None
    j += 1
    if sup and j < len(tokens) and tokens[j] == "(" and tokens[j - 1] in CALLS:
        j = _group(tokens, j, "(", ")")
    return _render(tokens[start:j]), j


def _render(tokens: list[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in ("^", "_"):
            arg = _argument(tokens, i + 1, t == "^")
            if arg is None:
                out.append("\u0302" if t == "^" else "_")  # P^ is P-hat
                i += 1
                continue
            tag = "sup" if t == "^" else "sub"
            out.append(f"<{tag}>{arg[0]}</{tag}>")
            i = arg[1]
            continue
        if t == "L2" and i + 1 < len(tokens) and tokens[i + 1] == "(":
            out.append("L<sup>2</sup>")
        elif t in SUBSCRIPTED:
            base, sub = SUBSCRIPTED[t]
            out.append(f"{base}<sub>{sub}</sub>")
        elif t in GREEK:
            out.append(GREEK[t])
        else:
            out.append(_html.escape(dict(SYMBOLS).get(t, t), quote=False))
        i += 1
    return "".join(out)
