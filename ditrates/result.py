"""The :class:`Result` type: one numbered statement of the paper, evaluable, printable, invertible.

A result holds the statement in words, the parameters it depends on (sympy symbols with assumptions),
the conditions under which it holds (sympy relations, checked before any evaluation), the full
expression with the constants hidden by ``O(.)`` as named symbols (default 1), its asymptotic order,
and notes on the paper's typos that affect it. Everything else (the command line, LaTeX, docs, the
numeric companion) reads these objects.

>>> import ditrates
>>> r = ditrates.get("score-approximation")
>>> r.source
'Theorem 3.1'
>>> ev = r.evaluate(d0=16, eps=0.1, t=1)
>>> round(ev.value, 6)          # 0.1 * sqrt(16) / (1 - e^-1)
0.632791
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import mpmath
import sympy

from ditrates import formatting, numerics, xi
from ditrates.conditions import Condition, Premise, Support
from ditrates.defaults import resolve
from ditrates.errors import ConditionError, DomainError
from ditrates.evaluation import Evaluation, Failure
from ditrates.printing import latex, text
from ditrates.symbols import PARAMS, Param

PAPER = ("Hu, Wu, Li, Pi, Song, Liu: On Statistical Rates and Provably Efficient Criteria of Latent Diffusion "
         "Transformers (DiTs), NeurIPS 2024, arXiv 2407.01079")

KINDS = ("upper bound", "definition", "criterion", "hardness", "derived", "baseline")


@dataclasses.dataclass(frozen=True)
class Order:
    """An asymptotic form: ``O(expr)``, ``O~(expr)`` (with the hidden factors named in words), or an
    exact form (``big_o=False``)."""

    expr: sympy.Expr
    tilde: bool = False
    big_o: bool = True
    hides: str = ""
    unit: str = ""

    def text(self) -> str:
        body = text(self.expr)
        if self.big_o:
            body = ("O~" if self.tilde else "O") + f"({body})"
        return f"{body} {self.unit}".strip()

    def latex(self) -> str:
        body = latex(self.expr)
        if self.big_o:
            body = (r"\tilde{O}" if self.tilde else "O") + rf"\left({body}\right)"
        return body


class Hidden(NamedTuple):
    """A factor hidden by O~ that a proof makes explicit: its value as displayed (1 for a factor, 0 for an
    added term) and the proof's factor (``explicit=True``)."""

    displayed: sympy.Expr
    explicit: sympy.Expr


@dataclasses.dataclass(frozen=True)
class Trivial:
    """The value above which a bound says nothing (1 for a total-variation distance), and why."""

    value: sympy.Expr
    reason: str


@dataclasses.dataclass(frozen=True)
class Part:
    """One quantity of a multi-quantity statement (the hyperparameter bounds of Theorem 3.1).

    ``form`` says which version it is: the theorem's statement or a line of its proof.
    """

    key: str
    label: str
    expr: sympy.Expr
    form: str
    note: str = ""


# ----------------------------------------------------------------------------------------------------
# The result
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Result:
    r"""One numbered statement of the paper (or of a paper it is compared with).

    Attributes
    ----------
    name: slug, e.g. ``"score-estimation"``.
    source: where it is stated, e.g. ``"Theorem 3.2"``.
    kind: one of :data:`KINDS`.
    summary: one line.
    statement: the statement in words and formulas (plain text).
    expr: the full expression. Constants hidden by ``O(.)`` are symbols with default 1; factors hidden
        by ``O~`` that a proof makes explicit are symbols listed in ``hidden`` (1 in the displayed form).
        For a result built on xi, the form with Definition 3.4 as printed.
    forms: for a result built on xi, the expression in each reading of xi (:mod:`ditrates.xi`), by name;
        empty otherwise. Such a result also holds only inside the ranges of the reading in force
        (:meth:`conditions_for`).
    order: the asymptotic form, with ``O~``'s hidden factors named in words.
    conditions: relations that must hold, each with its source (the statement's own; a result built on xi adds
        the ranges of the reading in force).
    hidden: hidden-factor symbol -> :class:`Hidden` (its displayed value and the factor the proof makes
        explicit; ``explicit=True`` uses the second). Multiplicative factors display as 1, additive terms as 0.
    trivial: a :class:`Trivial` value above which the bound says nothing (1 for a total-variation distance).
    parts: further quantities of the same statement (e.g. all of Theorem 3.1's network sizes).
    notes: the paper's typos and inconsistencies that affect this result, and provenance caveats.
    verdict: for criteria, a function of the evaluation that returns a one-line verdict.
    reference: the paper it comes from.
    quantity: LaTeX of the bounded quantity (the left-hand side); ``relation`` its relation to the order
        (default ``\le`` for exact bounds, ``=`` for O(.) forms, ``:=`` for definitions).
    bounds: what kind of quantity it bounds, in words (results that bound the same kind are compared, and only
        those: e.g. ``"total variation distance"``).
    cite: the BibTeX key of ``reference`` (:mod:`ditrates.citations`).
    """

    name: str
    source: str
    kind: str
    summary: str
    statement: str
    expr: sympy.Expr
    order: Order
    conditions: tuple[Condition, ...] = ()
    forms: Mapping[str, sympy.Expr] = dataclasses.field(default_factory=dict)
    hidden: Mapping[sympy.Symbol, Hidden] = dataclasses.field(default_factory=dict)
    trivial: Trivial | None = None
    parts: tuple[Part, ...] = ()
    notes: tuple[str, ...] = ()
    verdict: Callable[[Evaluation], str] | None = None
    reference: str = PAPER
    quantity: str = ""
    relation: str = ""
    bounds: str = ""
    cite: str = "hu2024statistical"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        for c in self.conditions:
            if c.relation in (sympy.true, sympy.false):
                raise ValueError(f"{self.name}: condition from {c.source} is identically {c.relation}")
        if not self.relation:
            rel = ":=" if self.kind == "definition" else ("=" if self.order.big_o else r"\le")
            object.__setattr__(self, "relation", rel)

    # -- introspection ------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[Param, ...]:
        """Every parameter the result depends on (expression, conditions, hidden factors, parts)."""
        free = set(self.expr.free_symbols)
        for form in self.forms.values():
            free |= form.free_symbols
        for c in self.conditions + (xi.RANGES if self.forms else ()):
            free |= c.symbols
        for factor in self.hidden.values():
            free |= sympy.sympify(factor.explicit).free_symbols
        for p in self.parts:
            free |= p.expr.free_symbols
        if self.trivial is not None:
            free |= self.trivial.value.free_symbols
        free -= set(self.hidden)
        return tuple(p for p in PARAMS.values() if p.symbol in free)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.symbols)

    @property
    def readings(self) -> tuple[str, ...]:
        """The readings of xi this result can be evaluated in (empty if it does not depend on xi)."""
        return tuple(self.forms)

    def expr_for(self, reading=None) -> sympy.Expr:
        """The expression in ``reading`` (a :class:`~ditrates.xi.Reading` or its name; ``None``: ``expr``)."""
        if reading is None or not self.forms:
            return self.expr
        return self.forms[getattr(reading, "value", reading)]

    def order_for(self, reading=None) -> Order:
        """The order; an exact form (``big_o=False``) follows the reading of xi."""
        if self.order.big_o or not self.forms or reading is None:
            return self.order
        return dataclasses.replace(self.order, expr=self.expr_for(reading))

    def conditions_for(self, reading=None) -> tuple[Condition, ...]:
        """The conditions in force under ``reading``: the statement's own and, for a result built on xi, the ranges
        that reading's derivation needs (:data:`ditrates.xi.READINGS`)."""
        if not self.forms or reading is None:
            return self.conditions
        return self.conditions + xi.ranges(reading)

    def source_for(self, reading=None, short: bool = False) -> str:
        """The source, with the reading of xi where it is not the paper's: a repair is never labelled with the
        paper's number alone.

        >>> import ditrates
        >>> ditrates.get("xi").source_for("covering-line")
        "Definition 3.4, read as App. F.2's covering line with Thm 3.1's K (a repair)"
        >>> ditrates.get("xi").source_for("covering-line", short=True)
        'Definition 3.4 (covering-line repair)'
        """
        if reading is None or not self.forms or xi.reading(reading) is xi.DEFAULT:
            return self.source
        r = xi.reading(reading)
        if short:
            return f"{self.source} ({r.value}{' repair' if r.spec.is_repair else ' reading'})"
        return f"{self.source}, read as {r.title}"

    def premises_for(self, reading=None) -> tuple[Premise, ...]:
        """What a number of this result leans on under ``reading``: the statement itself, the reading's premises
        (for a result built on xi) and every condition in force, each with where it is and how the paper supports
        it (:class:`~ditrates.conditions.Support`)."""
        own = Premise(self.summary, self.source, Support.INFERRED if self.kind == "derived" else Support.STATED)
        spec = xi.READINGS[xi.reading(reading)].premises if self.forms and reading is not None else ()
        return (own, *spec, *(c.premise for c in self.conditions_for(reading)))

    def displayed_expr(self, explicit: bool = False, reading=None) -> sympy.Expr:
        """The expression with hidden factors set to 1 (``explicit=False``) or to the proof's factors."""
        return self.expr_for(reading).subs({s: h.explicit if explicit else h.displayed for s, h in self.hidden.items()})

    # -- evaluation ---------------------------------------------------------------------------------
    @numerics.precise
    def evaluate(self, *, explicit: bool = False, xi_reading: str = xi.DEFAULT.value, outside_range: bool = False,
                 **values) -> Evaluation:
        """Evaluate at ``values`` (numbers or numeric strings such as ``"1e5"``), filling defaults.

        ``xi_reading`` selects the reading of xi for results built on it (``"printed"``, Definition 3.4 as stated,
        or a repair by name; see :mod:`ditrates.xi`). Returns an :class:`Evaluation` holding ``ln`` (mpmath),
        ``log10``, ``value`` (a float, or None where it overflows float64), the resolved parameters, the
        defaults used and the reading in force. Raises :class:`~ditrates.errors.DitratesError` for values
        outside their domain, for missing values and for failed conditions (naming the condition); with
        ``outside_range=True`` a failed range of a derivation (a waivable condition) is recorded in
        ``Evaluation.outside`` instead.
        """
        resolved = resolve(values, self.keys, xi_reading=xi_reading)
        return self.evaluate_at(resolved, explicit=explicit, outside_range=outside_range)

    def try_evaluate_at(self, resolved, *, explicit: bool = False, outside_range: bool = False) -> Evaluation | Failure:
        """:meth:`evaluate_at`, with a failed condition returned as a :class:`Failure` instead of raised."""
        try:
            return self.evaluate_at(resolved, explicit=explicit, outside_range=outside_range)
        except ConditionError as e:
            return Failure(self, str(e), e.condition, resolved.reading if self.forms else None, e.hint)

    def evaluate_at(self, resolved, *, explicit: bool = False, outside_range: bool = False) -> Evaluation:
        """Evaluate at already resolved parameters (:func:`ditrates.defaults.resolve`), checking conditions."""
        vals = resolved.symbol_values()
        reading = resolved.reading if self.forms else None
        outside = self.check_conditions(vals, reading, outside_range)
        sign, ln = self.ln(vals, reading, explicit)
        parts = tuple((p, _ln_or_none(p.expr, vals)) for p in self.parts)
        trivial_ln = None if self.trivial is None else numerics.ln_eval(self.trivial.value, vals)[1]
        return Evaluation(self, sign, ln, resolved, explicit, parts, trivial_ln, reading, outside)

    def ln(self, vals: Mapping[sympy.Symbol, Any], reading=None, explicit: bool = False):
        """``(sign, ln|value|)`` at ``vals``: mpmath for scalars, numpy elementwise where a value is an array (no
        condition checked)."""
        backend = "np" if any(formatting.is_array(v) for v in vals.values()) else "mp"
        return numerics.ln_eval(self.displayed_expr(explicit, reading), vals, backend)

    def checks(self, vals: Mapping[sympy.Symbol, Any], reading=None) -> list[tuple[Condition, Any]]:
        """Each condition in force under ``reading`` and whether it holds at ``vals`` (a bool, or a boolean array
        where a value is an array)."""
        return [(c, c.holds(vals)) for c in self.conditions_for(reading)]

    def check_conditions(self, vals: Mapping[sympy.Symbol, Any], reading=None,
                         outside_range: bool = False) -> tuple[Condition, ...]:
        """Raise :class:`ConditionError` naming the first condition that fails at ``vals`` (scalars) under
        ``reading``; with ``outside_range``, the failed ranges of derivations are returned instead of raised."""
        outside = []
        for c, ok in self.checks(vals, reading):
            if ok:
                continue
            if outside_range and c.waivable:
                outside.append(c)
                continue
            shown = c.shown_at(vals)
            hint = c.hint_at(vals)
            raise ConditionError(f"{self.name}: condition {c.text()} of {c.source} fails at {shown}"
                                 + (f" ({hint})" if hint else ""), condition=c, hint=hint)
        return tuple(outside)

    @numerics.precise
    def exponent(self, key: str = "n", *, explicit: bool = False, xi_reading: str = xi.DEFAULT.value,
                 outside_range: bool = False, **values) -> float:
        """The local exponent ``d log(bound) / d log(key)`` at ``values``.

        Defaults that are functions of ``key`` follow it (``T = ln n``, ``eps = auto``, ``L = d0/d``), so
        this is the slope of the curve a user sees when varying ``key`` alone. Computed by a central difference of
        the log-space bound (step 1e-6 in ``ln key``, error about 1e-12), or a one-sided one at the edge of a
        condition.

        >>> import ditrates
        >>> round(ditrates.get("xi").exponent("n", n=10**6, eps=0.15, L=2, d=2), 6)   # the covering term dominates
        -0.333333
        """
        base = resolve(values, self.keys, xi_reading=xi_reading)
        key_value = base.values[key]
        h = mpmath.mpf("1e-6")
        held = base.held_for(key)

        def ln(step):
            moved = dict(held, **{key: key_value * mpmath.exp(step)})
            r = resolve(moved, self.keys, strict=False, xi_reading=xi_reading)
            return self.evaluate_at(r, explicit=explicit, outside_range=outside_range).ln_exact

        try:
            return float((ln(h) - ln(-h)) / (2 * h))
        except ConditionError:  # at the edge of a condition (n = 3 against n >= 3): the one-sided difference inside
            here = ln(0)
            try:
                return float((ln(h) - here) / h)
            except ConditionError:
                return float((here - ln(-h)) / h)

    def solve_for(self, key: str, target, **values):
        """The value of ``key`` at which the bound reaches ``target`` (see :func:`ditrates.solve.solve`)."""
        from ditrates.solve import solve

        return solve(self, key, target, **values)

    # -- export -------------------------------------------------------------------------------------
    def latex(self, explicit: bool = False, reading=None) -> str:
        """The bound as a LaTeX formula: ``left = expr``, with the order, e.g. ``... = \\tilde O(...)``."""
        from ditrates.latex import formula

        return formula(self, explicit=explicit, reading=reading)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def to_dict(self) -> dict:
        """A JSON-ready description (no evaluation)."""
        return {
            "name": self.name,
            "source": self.source,
            "kind": self.kind,
            "summary": self.summary,
            "statement": self.statement,
            "reference": self.reference,
            "expr": text(self.expr),
            "forms": {k: text(v) for k, v in self.forms.items()},
            "latex": self.latex(),
            "order": self.order.text(),
            "order_hides": self.order.hides,
            "conditions": [{"relation": c.text(), "source": c.source, "label": c.support.value,
                            "readings": [r.value for r in xi.readings_with(c)] if c in xi.RANGES else None}
                           for c in self.conditions + (xi.RANGES if self.forms else ())],
            "symbols": [{"name": p.key, "symbol": latex(p.symbol), "meaning": p.meaning,
                         "domain": p.domain_text()} for p in self.symbols],
            "hidden_factors": {text(k): {"displayed": text(shown), "explicit": text(explicit)}
                               for k, (shown, explicit) in self.hidden.items()},
            "parts": [{"name": p.key, "form": p.form, "expr": text(p.expr), "note": p.note} for p in self.parts],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        return f"{self.name} ({self.source}): {self.summary}"


def _ln_or_none(expr, vals):
    """ln of a part, or None where it is not defined at these numbers (C_T's sqrt of a negative number when
    T0 > d0: Theorem 3.1's norm bound says nothing there)."""
    try:
        return numerics.ln_eval(expr, vals)[1]
    except DomainError:
        return None


__all__ = ["Hidden", "Order", "Part", "Result", "Trivial"]
