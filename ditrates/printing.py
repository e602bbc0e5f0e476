"""Plain text and LaTeX of sympy expressions, with the paper's parameter names.

>>> from ditrates.symbols import S
>>> text(S.Ls * S.eps ** 2 / S.T0), latex(S.T0)
('Ls*eps^2/T0', 'T_{0}')
"""

from __future__ import annotations

import sympy

from ditrates.symbols import BY_SYMBOL


# ----------------------------------------------------------------------------------------------------
class _TextPrinter(sympy.printing.str.StrPrinter):
    """sympy's str printer, with the parameters' plain names (``Ls`` rather than ``L_{s_+}``)."""

    def _print_Symbol(self, expr):
        p = BY_SYMBOL.get(expr)
        return p.label if p is not None else super()._print_Symbol(expr)

    def _print_sigma(self, expr):
        return f"sigma({self._print(expr.args[0])})"

    def _print_Equality(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"


def text(expr) -> str:
    """Plain-text form of a sympy expression or relation.

    >>> from ditrates.symbols import S
    >>> text(S.Ls * S.eps ** 2 / S.T0)
    'Ls*eps^2/T0'
    """
    return _TextPrinter().doprint(expr).replace("**", "^")


def latex(expr) -> str:
    """LaTeX of a sympy object, as sympy prints it (``\\epsilon`` for eps, ``\\sigma(t)`` for the variance)."""
    return sympy.latex(expr)
