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
from typing import Any

import mpmath
import sympy

from ditrates import formatting, numerics
from ditrates.conditions import Condition
from ditrates.errors import ConditionError
from ditrates.printing import latex, text
from ditrates.symbols import BY_SYMBOL, PARAMS, Param

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
    order: the asymptotic form, with ``O~``'s hidden factors named in words.
    conditions: relations that must hold, each with its source.
    hidden: hidden-factor symbol -> (its value in the displayed form, the factor the proof makes explicit);
        ``explicit=True`` uses the second. Multiplicative factors display as 1, additive terms as 0.
    trivial: a value above which the bound says nothing (e.g. 1 for a total-variation distance).
    parts: further quantities of the same statement (e.g. all of Theorem 3.1's network sizes).
    notes: the paper's typos and inconsistencies that affect this result, and provenance caveats.
    verdict: for criteria, a function of the evaluation that returns a one-line verdict.
    reference: the paper it comes from.
    quantity: LaTeX of the bounded quantity (the left-hand side); ``relation`` its relation to the order
        (default ``\le`` for exact bounds, ``=`` for O(.) forms, ``:=`` for definitions).
    """

    name: str
    source: str
    kind: str
    summary: str
    statement: str
    expr: sympy.Expr
    order: Order
    conditions: tuple[Condition, ...] = ()
    hidden: Mapping[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]] = dataclasses.field(default_factory=dict)
    trivial: sympy.Expr | None = None
    trivial_reason: str = ""
    parts: tuple[Part, ...] = ()
    notes: tuple[str, ...] = ()
    verdict: Callable[[Evaluation], str] | None = None
    reference: str = PAPER
    quantity: str = ""
    relation: str = ""

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
        for c in self.conditions:
            free |= c.symbols
        for _, explicit in self.hidden.values():
            free |= sympy.sympify(explicit).free_symbols
        for p in self.parts:
            free |= p.expr.free_symbols
        if self.trivial is not None:
            free |= self.trivial.free_symbols
        free -= set(self.hidden)
        return tuple(p for p in PARAMS.values() if p.symbol in free)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.symbols)

    def displayed_expr(self, explicit: bool = False) -> sympy.Expr:
        """The expression with hidden factors set to 1 (``explicit=False``) or to the proof's factors."""
        return self.expr.subs({s: pair[1] if explicit else pair[0] for s, pair in self.hidden.items()})

    # -- evaluation ---------------------------------------------------------------------------------
    @numerics.precise
    def evaluate(self, *, explicit: bool = False, **values) -> Evaluation:
        """Evaluate at ``values`` (numbers or numeric strings such as ``"1e5"``), filling defaults.

        Returns an :class:`Evaluation` holding ``ln`` (mpmath), ``log10``, ``value`` (a float, or None
        where it overflows float64), the resolved parameters and the defaults used. Raises
        :class:`~ditrates.errors.DitratesError` for values outside their domain, for missing values
        and for failed conditions (naming the condition).
        """
        from ditrates.defaults import resolve

        resolved = resolve(values, self.keys)
        return self.evaluate_at(resolved, explicit=explicit)

    def evaluate_at(self, resolved, *, explicit: bool = False) -> Evaluation:
        """Evaluate at already resolved parameters (:func:`ditrates.defaults.resolve`), checking conditions."""
        vals = resolved.symbol_values()
        self.check_conditions(vals)
        expr = self.displayed_expr(explicit)
        sign, ln = numerics.ln_eval(expr, vals)
        parts = tuple((p, numerics.ln_eval(p.expr, vals)[1]) for p in self.parts)
        trivial_ln = None if self.trivial is None else numerics.ln_eval(self.trivial, vals)[1]
        return Evaluation(self, sign, ln, resolved, explicit, parts, trivial_ln)

    def check_conditions(self, vals: Mapping[sympy.Symbol, Any]) -> None:
        """Raise :class:`ConditionError` naming the first condition that fails at ``vals``."""
        for c in self.conditions:
            if not c.holds(vals):
                shown = ", ".join(f"{BY_SYMBOL[s].label} = {formatting.format_number(vals[s])}"
                                  for s in sorted(c.symbols, key=str))
                raise ConditionError(f"{self.name}: condition {c.text()} of {c.source} fails at {shown}")

    @numerics.precise
    def exponent(self, key: str = "n", **values) -> float:
        """The local exponent ``d log(bound) / d log(key)`` at ``values``.

        Defaults that are functions of ``key`` follow it (``T = ln n``, ``eps = auto``, ``L = d0/d``), so
        this is the slope of the curve a user sees when varying ``key`` alone. Computed by a central
        difference of the log-space bound (step 1e-6 in ``ln key``, error about 1e-12).

        >>> import ditrates
        >>> round(ditrates.get("xi").exponent("n", n=10**6, eps=0.5, L=2), 6)   # all terms ~ n^(-1/3) but eps^2
        -0.333206
        """
        from ditrates.defaults import resolve

        base = resolve(values, self.keys)
        key_value = base.values[key]
        h = mpmath.mpf("1e-6")
        held = base.held_for(key)
        lns = []
        for step in (h, -h):
            moved = dict(held, **{key: key_value * mpmath.exp(step)})
            r = resolve(moved, self.keys, strict=False)
            lns.append(self.evaluate_at(r).ln)
        return float((lns[0] - lns[1]) / (2 * h))

    def solve_for(self, key: str, target, **values):
        """The value of ``key`` at which the bound reaches ``target`` (see :func:`ditrates.solve.solve`)."""
        from ditrates.solve import solve

        return solve(self, key, target, **values)

    # -- export -------------------------------------------------------------------------------------
    def latex(self, explicit: bool = False) -> str:
        """The bound as a LaTeX formula: ``left = expr``, with the order, e.g. ``... = \\tilde O(...)``."""
        from ditrates.latex import formula

        return formula(self, explicit=explicit)

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
            "latex": self.latex(),
            "order": self.order.text(),
            "order_hides": self.order.hides,
            "conditions": [{"relation": c.text(), "source": c.source} for c in self.conditions],
            "symbols": [{"name": p.key, "symbol": latex(p.symbol), "meaning": p.meaning,
                         "domain": p.domain_text()} for p in self.symbols],
            "hidden_factors": {text(k): {"displayed": text(shown), "explicit": text(explicit)}
                               for k, (shown, explicit) in self.hidden.items()},
            "parts": [{"name": p.key, "form": p.form, "expr": text(p.expr), "note": p.note} for p in self.parts],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        return f"{self.name} ({self.source}): {self.summary}"


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """A result evaluated at concrete numbers (see :meth:`Result.evaluate`)."""

    result: Result
    sign: int
    ln: Any  # mpmath.mpf: natural log of |value|
    resolved: Any  # ditrates.defaults.Resolved
    explicit: bool = False
    parts: tuple[tuple[Part, Any], ...] = ()
    trivial_ln: Any = None

    @property
    def log10(self):
        """log10 of the value (an mpmath number: it may exceed float64)."""
        with mpmath.workdps(formatting.MP_DPS):
            return self.ln / numerics.LN10

    @property
    def value(self) -> float | None:
        """The value as a float, or ``None`` where it over- or underflows float64."""
        if self.sign == 0:
            return 0.0
        if abs(self.log10) > 300:
            return None
        return self.sign * float(mpmath.exp(self.ln))

    @property
    def text(self) -> str:
        return formatting.format_log10(self.log10)

    @property
    def vacuous(self) -> bool | None:
        """True where the bound exceeds its trivial value (e.g. a TV bound above 1); None if no such value."""
        if self.trivial_ln is None:
            return None
        return bool(self.ln > self.trivial_ln)

    @property
    def params(self) -> dict[str, Any]:
        return {k: self.resolved.values[k] for k in self.result.keys if k in self.resolved.values}

    @property
    def verdict(self) -> str:
        return self.result.verdict(self) if self.result.verdict else ""

    def part(self, key: str):
        """log10 of a part (e.g. ``"K"`` of ``network-size``)."""
        for p, ln in self.parts:
            if p.key == key:
                return ln / numerics.LN10
        raise KeyError(key)

    def to_dict(self) -> dict:
        r = self.result
        out = {
            "name": r.name,
            "source": r.source,
            "kind": r.kind,
            "value": formatting.to_float_or_none(self.value) if self.value is not None else None,
            "log10": formatting.json_number(self.log10),
            "display": self.text,
            "order": r.order.text(),
            "order_hides": r.order.hides,
            "latex": r.latex(self.explicit),
            "explicit": self.explicit,
            "vacuous": self.vacuous,
            "params": {k: formatting.json_number(v) for k, v in self.params.items()},
            "notes": list(r.notes),
        }
        if r.trivial is not None:
            out["trivial"] = {"log10": formatting.json_number(self.trivial_ln / numerics.LN10),
                              "reason": r.trivial_reason}
        if self.parts:
            out["parts"] = [{"name": p.key, "form": p.form, "expr": text(p.expr),
                             "log10": formatting.json_number(ln / numerics.LN10),
                             "display": formatting.format_log10(ln / numerics.LN10), "note": p.note}
                            for p, ln in self.parts]
        if r.verdict:
            out["verdict"] = self.verdict
        return out


__all__ = ["Evaluation", "Order", "Part", "Result"]
