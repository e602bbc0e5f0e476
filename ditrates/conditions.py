"""Conditions of the paper's statements: a sympy relation, where it comes from, checked exactly.

A condition is an unevaluated sympy relation (``T0 < T/2``) with its source in the paper. It is checked
with exact arithmetic where the inputs are exact (:func:`ditrates.numerics.plain_eval`) and elementwise
on numpy grids.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy

from ditrates import formatting, numerics
from ditrates.errors import DitratesError
from ditrates.printing import latex, text
from ditrates.symbols import BY_SYMBOL

# ----------------------------------------------------------------------------------------------------
_RELATIONS = {"<": sympy.StrictLessThan, "<=": sympy.LessThan, ">": sympy.StrictGreaterThan,
              ">=": sympy.GreaterThan, "=": sympy.Eq}


def rel(lhs, op: str, rhs) -> sympy.Basic:
    """The relation ``lhs op rhs``, unevaluated: sympy's evaluation of relations (an assumptions query)
    first imports sympy.tensor and sympy.combinatorics, which costs the command line 15 ms.

    >>> from ditrates.symbols import S
    >>> rel(S.T0, "<", S.T / 2)
    T_0 < T/2
    """
    return _RELATIONS[op](lhs, rhs, evaluate=False)


@dataclasses.dataclass(frozen=True)
class Condition:
    """A condition of a result: a sympy relation and where in the paper it comes from.

    ``reading`` names the reading of xi (:mod:`ditrates.xi`) that the condition belongs to (``None``: every
    reading); ``label`` is a plain-text form to show instead of sympy's (e.g. ``log2`` for ``log(x)/log(2)``);
    ``hint`` says in words what the condition asks: a sentence, or a function of the values (e.g. ``eps <= 0.4458 at
    L = 4``).
    """

    relation: sympy.Basic
    source: str
    reading: str | None = None
    label: str = ""
    hint: Callable[[Mapping[sympy.Symbol, Any]], str] | str | None = None

    def hint_at(self, values: Mapping[sympy.Symbol, Any]) -> str:
        """What the condition asks at ``values``, in words ("" without a hint)."""
        if self.hint is None:
            return ""
        return self.hint if isinstance(self.hint, str) else self.hint(values)

    @property
    def symbols(self) -> set[sympy.Symbol]:
        return set(self.relation.free_symbols)

    def text(self) -> str:
        return self.label or text(self.relation)

    def applies(self, reading) -> bool:
        """Whether the condition binds under ``reading`` (a reading name or None)."""
        return self.reading is None or self.reading == getattr(reading, "value", reading)

    def latex(self) -> str:
        return latex(self.relation)

    def holds(self, values: Mapping[sympy.Symbol, Any]) -> bool:
        """Whether the relation holds at ``values`` (exact arithmetic for exact inputs)."""
        rel = self.relation
        lhs, rhs = numerics.plain_eval(rel.lhs, values), numerics.plain_eval(rel.rhs, values)
        if isinstance(lhs, mpmath.mpf) or isinstance(rhs, mpmath.mpf):
            lhs, rhs = numerics._mp(lhs), numerics._mp(rhs)
        return _OPS[type(rel)](lhs, rhs)

    def shown_at(self, values: Mapping[sympy.Symbol, Any]) -> str:
        """The values of the condition's symbols (``L = 4, eps = 0.4458``) with as many digits as it takes for the
        printed numbers, typed back, to fail the condition too (at least 4): a message about a failed condition
        never shows numbers that would satisfy it (``n = 3.0`` for n = 2.999997 against n >= 3)."""
        keys = sorted(self.symbols, key=str)
        for digits in range(4, 21):
            shown = {s: formatting.format_number(values[s], digits) for s in keys}
            try:
                typed = {**values, **{s: formatting.parse_number(shown[s]) for s in keys}}
            except DitratesError:  # a form that does not parse back (10^(...), 1 - 4.0e-8): as precise as it gets
                break
            if not self.holds(typed):
                break
        return ", ".join(f"{BY_SYMBOL[s].label} = {shown[s]}" for s in keys)

    def holds_grid(self, values: Mapping[sympy.Symbol, Any]):
        """Elementwise truth on numpy grids."""
        import numpy as np

        rel = self.relation
        if isinstance(rel, sympy.And):
            return np.logical_and.reduce([Condition(a, self.source).holds_grid(values) for a in rel.args])
        diff = numerics.value_eval(rel.lhs - rel.rhs, values, "np")
        if isinstance(rel, sympy.Equality):
            return np.abs(diff) <= 1e-9 * (1 + np.abs(numerics.value_eval(rel.lhs, values, "np")))
        return _OPS[type(rel)](diff, 0)


_OPS = {sympy.StrictLessThan: operator.lt, sympy.LessThan: operator.le, sympy.StrictGreaterThan: operator.gt,
        sympy.GreaterThan: operator.ge, sympy.Equality: operator.eq, sympy.Unequality: operator.ne}
