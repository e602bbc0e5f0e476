r"""A sympy code printer that emits log-space JavaScript: the page's numbers come from the same expressions.

:class:`LogJSPrinter` subclasses sympy's :class:`~sympy.printing.jscode.JavascriptCodePrinter`. Every
expression prints to a JavaScript expression whose value is the pair ``[sign(x), ln|x|]`` of the number x it
denotes, computed by the small runtime ``LS`` of ``assets/logspace.js`` exactly as
:func:`ditrates.numerics.ln_eval` walks the tree in Python:

* ``a b`` -> ``LS.mul(a, b)`` adds logarithms; ``a + b`` -> ``LS.add(a, b)``, a signed log-sum-exp;
* ``b^k`` (integer k) -> ``LS.powi(b, k)``; ``b^e`` -> ``LS.pow(b, e)`` with the plain value of e, i.e.
  ``e ln b``; ``exp(x)`` -> ``LS.exp(x)`` needs only the value of x, ``log(x)`` only ``ln x``;
* ``sigma(t) = 1 - exp(-t)`` -> ``LS.sigma(t)`` (``-expm1(-t)``), ``Min``/``Max`` on plain values;
* relations compare two pairs (``LS.cmp``; ``LS.close`` for ``=``), as the conditions are checked.

So ``2^((1/eps)^(2L))`` at L = 256 is ``[1, ln 2 * e^(512 ln(1/eps))]`` and never overflows while its log fits
in a double (values up to 10^(1.8e308)). Constants print as pairs computed with mpmath (40 digits), symbols as
``v.KEY`` (the parameter's key: ``v.eps``, ``v.T0``; the environment holds pairs). Anything else raises
:class:`NotImplementedError` rather than printing code that would compute something different.

>>> from ditrates.symbols import S
>>> js(2 ** ((1 / S.eps) ** (2 * S.L)))
'LS.pow([1, 0.6931471805599453], LS.val(LS.pow(v.eps, LS.val(LS.mul([-1, 0.6931471805599453], v.L)))))'
>>> js(S.T0 < S.T / 2)
'(LS.cmp(v.T0, LS.mul([1, -0.6931471805599453], v.T)) < 0)'
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import sympy
from sympy.printing.jscode import JavascriptCodePrinter

from ditrates.formatting import MP_DPS
from ditrates.symbols import BY_SYMBOL

_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


class LogJSPrinter(JavascriptCodePrinter):
    """Prints sympy expressions as JavaScript that evaluates ``[sign, ln|value|]`` (see the module docstring).

    ``symbols`` maps further symbols (not parameters) to JavaScript expressions of their pairs, e.g. the
    solver's variable ``y`` to ``LS.num(y)``.
    """

    printmethod = "_logjscode"

    def __init__(self, symbols: Mapping[sympy.Symbol, str] | None = None):
        super().__init__({"strict": False})
        self.extra = dict(symbols or {})

    # -- leaves -------------------------------------------------------------------------------------
    def _print_Symbol(self, expr):
        if expr in self.extra:
            return self.extra[expr]
        if expr in BY_SYMBOL:
            return f"v.{BY_SYMBOL[expr].key}"
        raise NotImplementedError(f"no value for the symbol {expr}")

    def _constant(self, expr) -> str:
        with mpmath.workdps(MP_DPS):
            x = mpmath.mpf(int(expr.p)) / int(expr.q) if expr.is_Rational else mpmath.mpf(expr.evalf(MP_DPS + 5))
            if x == 0:
                return "[0, -Infinity]"
            return f"[{int(mpmath.sign(x))}, {float(mpmath.log(abs(x)))!r}]"

    _print_Integer = _print_Rational = _print_Float = _constant
    _print_NumberSymbol = _print_Exp1 = _print_Pi = _constant
    _print_Half = _print_One = _print_NegativeOne = _print_Zero = _constant

    def _print_Infinity(self, expr) -> str:
        return "[1, Infinity]"

    # -- arithmetic ---------------------------------------------------------------------------------
    def _args(self, expr) -> str:
        return ", ".join(self._print(a) for a in expr.args)

    def _print_Mul(self, expr):
        return f"LS.mul({self._args(expr)})"

    def _print_Add(self, expr, order=None):
        return f"LS.add({self._args(expr)})"

    def _print_Pow(self, expr, rational=False):
        base, ex = expr.args
        if ex.is_Integer:
            return f"LS.powi({self._print(base)}, {int(ex)})"
        return f"LS.pow({self._print(base)}, {self.value(ex)})"

    def value(self, expr) -> str:
        """JavaScript for the plain value of ``expr`` (a float literal for numbers)."""
        if expr.is_Number:
            return repr(float(expr))
        return f"LS.val({self._print(expr)})"

    def _print_exp(self, expr):
        return f"LS.exp({self.value(expr.args[0])})"

    def _print_log(self, expr):
        if len(expr.args) != 1:
            raise NotImplementedError("log with a base")
        return f"LS.log({self._print(expr.args[0])})"

    def _print_sigma(self, expr):
        return f"LS.sigma({self.value(expr.args[0])})"

    def _print_Min(self, expr):
        return "LS.min(" + ", ".join(self.value(a) for a in expr.args) + ")"

    def _print_Max(self, expr):
        return "LS.max(" + ", ".join(self.value(a) for a in expr.args) + ")"

    # -- relations ------------------------------------------------------------------------------------
    def _print_Relational(self, expr):
        op = expr.rel_op
        lhs, rhs = self._print(expr.lhs), self._print(expr.rhs)
        if op == "==":
            return f"LS.close({lhs}, {rhs})"
        if op not in _OPS:
            raise NotImplementedError(f"relation {op}")
        return f"(LS.cmp({lhs}, {rhs}) {_OPS[op]} 0)"

    def _print_And(self, expr):
        return "(" + " && ".join(self._print(a) for a in expr.args) + ")"

    # -- everything else is refused -------------------------------------------------------------------
    def _print_Function(self, expr):
        raise NotImplementedError(f"no log-space JavaScript for {type(expr).__name__}")

    def emptyPrinter(self, expr):
        raise NotImplementedError(f"no log-space JavaScript for {type(expr).__name__}: {expr}")

    _print_Basic = _print_Piecewise = _print_ITE = emptyPrinter


def js(expr, symbols: Mapping[sympy.Symbol, str] | None = None) -> str:
    """The log-space JavaScript of ``expr`` (an expression or a relation): a ``[sign, ln|x|]`` pair, or for a
    relation a boolean."""
    return LogJSPrinter(symbols)._print(sympy.sympify(expr))


def function(expr, symbols: Mapping[sympy.Symbol, str] | None = None, args: str = "v") -> str:
    """``expr`` as a JavaScript arrow function of ``args`` (the environment ``v`` of pairs by default)."""
    return f"({args}) => {js(expr, symbols)}"
