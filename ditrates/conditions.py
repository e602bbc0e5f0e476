"""What a number rests on: premises (a statement, where it is, how the paper supports it) and conditions (a
premise that is a sympy relation, checked exactly).

A condition is an unevaluated sympy relation (``T0 < T/2``) with its source in the paper. It is checked
with exact arithmetic where the inputs are exact (:func:`ditrates.numerics.plain_eval`) and elementwise
on numpy grids, by the same method (:meth:`Condition.holds`).

>>> from ditrates.symbols import S
>>> c = Condition(rel(S.T0, "<", S.T / 2), "proof of Theorem 3.2 (App. F.2)")
>>> c.holds({S.T0: 1, S.T: 3}), c.premise.to_dict()["label"]
(True, 'stated in the paper')
"""

from __future__ import annotations

import dataclasses
import enum
import operator
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy

from ditrates import formatting, numerics
from ditrates.errors import DitratesError
from ditrates.formatting import is_array
from ditrates.printing import latex, text
from ditrates.symbols import BY_SYMBOL


class Support(str, enum.Enum):
    """How the paper supports a premise: it states it, it implies it (ditrates inferred it from passages it
    names), or it does not (ditrates' repair of an inconsistency, used only when asked for)."""

    STATED = "stated in the paper"
    INFERRED = "inferred"
    REPAIR = "not in the paper: a repair"


@dataclasses.dataclass(frozen=True)
class Premise:
    """One thing a number leans on: a statement, where it is (a lemma, a display, a paper), and its support.

    >>> Premise("K = O(eps^(-2L))", "Theorem 3.1, (F.4), (F.17)").to_dict()
    {'statement': 'K = O(eps^(-2L))', 'where': 'Theorem 3.1, (F.4), (F.17)', 'label': 'stated in the paper'}
    """

    statement: str
    where: str
    support: Support = Support.STATED

    def to_dict(self) -> dict:
        return {"statement": self.statement, "where": self.where, "label": self.support.value}

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

    ``label`` is a plain-text form to show instead of sympy's (e.g. ``log2`` for ``log(x)/log(2)``);
    ``hint`` says in words what the condition asks: a sentence, or a function of the values (e.g. ``eps <= 0.4457 at
    L = 4``). ``support`` says how the paper supports it (:class:`Support`). ``waivable`` marks a range that a step
    of a derivation needs (App. F.2's inequality, Lemma E.4's delta <= 1/2, Lemma F.7's hypotheses as printed), as
    opposed to a hypothesis of the statement itself: outside it the proof does not back the number, and only there
    does ``outside_range=True`` evaluate anyway, marking the result.
    """

    relation: sympy.Basic
    source: str
    label: str = ""
    hint: Callable[[Mapping[sympy.Symbol, Any]], str] | str | None = None
    support: Support = Support.STATED
    waivable: bool = False

    @property
    def premise(self) -> Premise:
        """The condition as a premise of the numbers computed under it."""
        return Premise(self.text(), self.source, self.support)

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

    def latex(self) -> str:
        return latex(self.relation)

    def holds(self, values: Mapping[sympy.Symbol, Any]):
        """Whether the relation holds at ``values``: exactly for scalars (exact arithmetic for exact inputs), and
        elementwise (a boolean array) where a value is a numpy array."""
        rel = self.relation
        if any(is_array(values.get(s)) for s in self.symbols):
            return self._holds_elementwise(values)
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

    def _holds_elementwise(self, values):
        import numpy as np  # arrays come from callers that have numpy loaded

        rel = self.relation
        diff = numerics.value_eval(rel.lhs - rel.rhs, values, "np")
        if isinstance(rel, sympy.Equality):
            return np.abs(diff) <= 1e-9 * (1 + np.abs(numerics.value_eval(rel.lhs, values, "np")))
        return _OPS[type(rel)](diff, 0)


_OPS = {sympy.StrictLessThan: operator.lt, sympy.LessThan: operator.le, sympy.StrictGreaterThan: operator.gt,
        sympy.GreaterThan: operator.ge, sympy.Equality: operator.eq, sympy.Unequality: operator.ne}
