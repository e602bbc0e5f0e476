r"""Presentation MathML of the results' formulas, from sympy's printer (Chromium renders MathML Core).

:class:`MathMLPrinter` is sympy's presentation printer with the paper's names: ``C_{3.2}`` prints as C with
subscript 3.2, ``L_{s_+}`` as L with subscript s+, Greek names as letters (``beta`` as β, ``mu`` as μ), the
variance ``sigma(t)`` as σ(t), and ``O(.)``/``Õ(.)`` wrap orders. Only elements of MathML Core are produced (no
``mfenced``), so no script is needed.

>>> from ditrates.symbols import S
>>> m = mathml(S.C_est * S.T0)
>>> m.startswith('<math display="inline">'), '<msub><mi>C</mi><mn>3.2</mn></msub>' in m, "mfenced" in m
(True, True, False)
>>> "mfrac" in mathml(2 ** (8 * S.C_K / S.eps ** (2 * S.L)))   # the exponent on one line: 8 C_K/eps^(2L)
False
"""

from __future__ import annotations

import re
import unicodedata

import sympy
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.precedence import PRECEDENCE

from ditrates.symbols import BY_SYMBOL


def _plain_name(name: str) -> tuple[str, str]:
    r"""A symbol's name as (base, subscript) without LaTeX: ``C_{\mathcal{T}}`` -> ("C", "T")."""
    base, _, sub = name.partition("_")
    sub = re.sub(r"\\mathcal\{(\w+)\}", r"\1", sub)
    sub = re.sub(r"_\{?\+\}?|_\+", "+", sub).replace("{", "").replace("}", "").replace("_", "")
    return _greek(base), sub


def _greek(name: str) -> str:
    """A Greek letter's name as the letter (``beta`` is β, ``Sigma`` is Σ); other names as given.

    >>> _greek("beta"), _greek("mu"), _greek("Sigma"), _greek("epsilon"), _greek("d")
    ('β', 'μ', 'Σ', 'ε', 'd')
    """
    try:
        return unicodedata.lookup(f"GREEK {'CAPITAL' if name[0].isupper() else 'SMALL'} LETTER {name.upper()}")
    except KeyError:
        return name


class MathMLPrinter(MathMLPresentationPrinter):
    """sympy's presentation MathML with the paper's symbol names and the variance sigma(t); inside an exponent,
    quotients and negative powers stay on one line (``8 C_K/eps^(2L)``, ``eps^(-2L)``), not fractions of fractions
    that stack scripts below the first script level."""

    def __init__(self):
        super().__init__({"mat_symbol_style": "plain", "mul_symbol": None})
        self._script = 0

    def _print_Pow(self, e):
        if not self._script and (e.exp.is_Rational or e.exp.is_negative):
            return super()._print_Pow(e)  # roots, rational powers, 1/x^k
        if self._script and e.exp.is_Rational and not e.exp.is_negative:
            return super()._print_Pow(e)
        msup = self.dom.createElement("msup")
        msup.appendChild(self.parenthesize(e.base, PRECEDENCE["Pow"]))
        self._script += 1
        try:
            msup.appendChild(self._print(e.exp))
        finally:
            self._script -= 1
        return msup

    def _print_Mul(self, expr):
        if not self._script:
            return super()._print_Mul(expr)
        num, den = sympy.fraction(expr)
        if den == 1:
            return super()._print_Mul(expr)
        row = self.dom.createElement("mrow")  # a/b on one line: (1/eps)^(1/(2L)), not a stacked fraction
        row.appendChild(self.parenthesize(num, PRECEDENCE["Add"]))
        slash = self.dom.createElement("mo")
        slash.appendChild(self.dom.createTextNode("/"))
        row.appendChild(slash)
        row.appendChild(self.parenthesize(den, PRECEDENCE["Mul"]))
        return row

    def _print_Symbol(self, sym, style="plain"):
        base, sub = _plain_name(sym.name)
        mi = self.dom.createElement("mi")
        mi.appendChild(self.dom.createTextNode(base))
        if not sub:
            return mi
        msub = self.dom.createElement("msub")
        msub.appendChild(mi)
        tag = "mn" if re.fullmatch(r"[\d.]+", sub) else "mi"
        el = self.dom.createElement(tag)
        el.appendChild(self.dom.createTextNode(sub))
        msub.appendChild(el)
        return msub

    def _print_sigma(self, expr):
        return self._call("\u03c3", expr.args[0])

    def _call(self, name: str, arg):
        mrow = self.dom.createElement("mrow")
        mi = self.dom.createElement("mi")
        mi.appendChild(self.dom.createTextNode(name))
        mrow.appendChild(mi)
        mrow.appendChild(self._paren(self._print(arg)))
        return mrow

    def _paren(self, inner):
        row = self.dom.createElement("mrow")
        for part in ("(", inner, ")"):
            if isinstance(part, str):
                mo = self.dom.createElement("mo")
                mo.appendChild(self.dom.createTextNode(part))
                row.appendChild(mo)
            else:
                row.appendChild(part)
        return row

    def wrap_order(self, expr, wrapper: str) -> str:
        """``O(expr)``, ``Õ(expr)`` or the bare expression (``wrapper`` "")."""
        inner = self._print(expr)
        if not wrapper:
            return inner.toxml()
        mrow = self.dom.createElement("mrow")
        mi = self.dom.createElement("mi")
        mi.appendChild(self.dom.createTextNode(wrapper))
        mrow.appendChild(mi)
        mrow.appendChild(self._paren(inner))
        return mrow.toxml()


def _wrap(body: str, display: bool) -> str:
    return f'<math display="{"block" if display else "inline"}">{body}</math>'


def mathml(expr, display: bool = False) -> str:
    """A ``<math>`` element for a sympy expression or relation."""
    return _wrap(MathMLPrinter().doprint(sympy.sympify(expr)), display)


def order(order, display: bool = False) -> str:
    """A ``<math>`` element for an :class:`~ditrates.result.Order`: ``O(...)``, ``Õ(...)`` or exact."""
    wrapper = ("\u00d5" if order.tilde else "O") if order.big_o else ""
    return _wrap(MathMLPrinter().wrap_order(order.expr, wrapper), display)


def symbol(key_symbol) -> str:
    """A ``<math>`` element for one parameter symbol."""
    return mathml(key_symbol)


__all__ = ["BY_SYMBOL", "mathml", "order", "symbol"]
