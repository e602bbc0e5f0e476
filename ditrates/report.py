"""Several results at one set of numbers: each row evaluated or failed on its own, and the notes a reader needs.

:func:`evaluate` resolves the parameters once for all the results (so they share eps, T, the reading of xi)
and evaluates each; a row whose condition fails becomes a :class:`~ditrates.evaluation.Failure` and the
others are still evaluated. :meth:`Report.notes` says in sentences what the numbers rest on: eps's choice,
the reading of xi and its range, which term of xi dominates, where the bounds are vacuous, what is hidden.
The command line, the LaTeX tables and the page all print these.

>>> rep = evaluate(["xi", "score-approximation"], {"d0": 16, "n": "1e5", "eps": "0.6", "T0": "0.5"})
>>> [row.ok for row in rep.rows]
[False, True]
>>> rep.rows[0].message.split(" of ")[0]
'xi: condition (1/eps)^L >= 8 log2(L/eps)'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import mpmath

from ditrates import minimiser, xi
from ditrates.defaults import Resolved, resolve
from ditrates.errors import MissingValue
from ditrates.evaluation import Evaluation, Failure
from ditrates.formatting import format_log10, format_number, json_number
from ditrates.ranges import shown_edge
from ditrates.rates.estimation import dominant_xi_term
from ditrates.registry import get
from ditrates.symbols import PARAMS

PRACTICAL_LOG10_N = 12
"""A sample size above 10^12 (a trillion training examples) is reported as "no practical n"."""


@dataclasses.dataclass(frozen=True)
class Report:
    """The rows (an :class:`Evaluation` or a :class:`Failure` per result) at one resolved parameter set."""

    resolved: Resolved
    rows: tuple[Evaluation | Failure, ...]
    explicit: bool = False
    xi_reading: str = xi.DEFAULT.value
    outside_range: bool = False
    skipped: tuple[tuple[str, str], ...] = ()
    """(result, missing parameter) for results left out with ``missing="skip"``."""

    @property
    def evaluations(self) -> tuple[Evaluation, ...]:
        return tuple(r for r in self.rows if r.ok)

    @property
    def failures(self) -> tuple[Failure, ...]:
        return tuple(r for r in self.rows if not r.ok)

    @property
    def reading(self):
        """The reading of xi in force, if any row depends on xi."""
        if any(r.result.forms for r in self.rows):
            return self.resolved.reading
        return None

    def reading_label(self, row) -> str:
        """The reading a row uses, with the edge of its ranges at these numbers (empty for rows without xi)."""
        if not row.result.forms or row.reading is None:
            return ""
        return f"{row.reading.value} (eps <= {self.shown_edge})"

    @property
    def shown_edge(self) -> str:
        """The edge of the reading's ranges as printed (never outside them)."""
        return shown_edge(xi.ranges(self.resolved.reading), self.resolved.symbol_values(), self.edge[0])

    @property
    def edge(self):
        """The largest eps inside the ranges of the reading in force, and the range that sets it."""
        return minimiser.edge(self.resolved.reading, self.resolved.symbol_values())

    def notes(self) -> list[str]:
        """Plain sentences for people: what the numbers rest on and what they say."""
        v, lines = self.resolved.values, []
        if "eps" in self.resolved.reasons:
            lines.append(f"eps = {self.resolved.reasons['eps']}.")
        if self.reading is not None:
            lines += _reading_notes(self.resolved, self.edge, self.shown_edge)
            lines += _tuned_note(v, self.reading)
        for row in self.failures:
            lines.append(f"{row.result.name} ({row.result.source}) is not evaluated: {row.message.split(': ', 1)[1]}"
                         + (" (--outside-range evaluates it anyway, marked)" if getattr(row.condition, "waivable",
                                                                                       False) else "") + ".")
        for ev in self.evaluations:
            for c in ev.outside:
                lines.append(f"OUTSIDE THE RANGE: {ev.result.name} is evaluated past {c.text()} ({c.source}; "
                             f"{c.hint_at(self.resolved.symbol_values())}): the proof does not back this number.")
        for ev in self.evaluations:
            if ev.vacuous:
                lines.append(f"{ev.result.name} is vacuous here: {ev.text} exceeds its trivial value "
                             f"({ev.result.trivial.reason}).")
        lines.append("Hidden constants are 1 and " + (
            "the factors the proofs make explicit are multiplied in (--explicit); the 1/eps^2 of F.15's first term "
            "stays hidden, as in the paper's final form: values are orders of magnitude." if self.explicit else
            "O~ factors (in D, d0, d, Ls, log n) are left out: values are orders of magnitude; --explicit multiplies "
            "in the factors the proofs make explicit."))
        return lines

    def to_dict(self) -> dict:
        """JSON-ready: parameters, defaults, the reading of xi and every row with its status."""

        out = {"params": {k: json_number(val) for k, val in self.resolved.values.items()},
               "defaults": dict(self.resolved.reasons), "explicit": self.explicit,
               "results": [row.to_dict() for row in self.rows], "notes": self.notes()}
        if self.reading is not None:
            eps_hi, binding = self.edge
            out["xi_reading"] = {"in_force": self.reading.value, "title": self.reading.title,
                                 "premises": [p.to_dict() for p in self.reading.spec.premises],
                                 "ranges": [c.premise.to_dict() for c in self.reading.spec.ranges],
                                 "eps_max": json_number(eps_hi), "eps_max_set_by": binding and binding.text(),
                                 "outside_range": self.outside_range}
        return out


def evaluate(names: Iterable[str], params: Mapping[str, Any], *, explicit: bool = False,
             xi_reading: str = xi.DEFAULT.value, outside_range: bool = False, missing: str = "fail") -> Report:
    """Resolve ``params`` once for all ``names`` and evaluate each result, keeping failed rows as failures (with
    ``outside_range``, rows past a range of a derivation are evaluated and marked instead).

    A parameter that is needed and has no default raises :class:`~ditrates.errors.MissingValue`, or with
    ``missing="skip"`` leaves out the results that need it (listed in ``Report.skipped``).
    """
    results, skipped = [get(n) for n in names], []
    while True:
        keys = sorted({k for r in results for k in r.keys})
        try:
            resolved = resolve(params, keys, xi_reading=xi_reading)
            break
        except MissingValue as e:
            if missing != "skip" or e.key is None or not results:
                raise
            skipped += [(r.name, e.key) for r in results if e.key in r.keys]
            results = [r for r in results if e.key not in r.keys]
    rows = tuple(r.try_evaluate_at(resolved, explicit=explicit, outside_range=outside_range) for r in results)
    return Report(resolved, rows, explicit, resolved.reading.value, outside_range, tuple(skipped))


def param_rows(resolved: Resolved, keys: Iterable[str]) -> list[list[str]]:
    """(label, value, where it comes from, meaning) for every resolved parameter among ``keys``."""
    rows = []
    for k in keys:
        if k in resolved.values:
            p = PARAMS[k]
            rows.append([p.label, _shown(resolved, k), resolved.reasons.get(k, "given"), p.meaning])
    if "eps" in resolved.values and {"n", "L"} <= resolved.values.keys():
        given = "given" if resolved.reading is not xi.DEFAULT else "the default: what the paper states"
        rows.append(["xi reading", resolved.reading.value, given, resolved.reading.spec.summary])
    return rows


def _shown(resolved: Resolved, key: str) -> str:
    """A parameter's value as printed; eps = auto on the edge of its range inward (typed back, it lies inside)."""
    v = resolved.values[key]
    if key == "eps" and "eps" in resolved.reasons and "L" in resolved.values and resolved.values["L"] >= 2:
        vals = resolved.symbol_values()
        edge = minimiser.edge(resolved.reading, vals)[0]
        if abs(v - edge) <= mpmath.mpf("1e-9") * edge:
            return shown_edge(xi.ranges(resolved.reading), vals, edge)
    return format_number(v)


def _reading_notes(resolved: Resolved, edge, shown: str) -> list[str]:
    v, reading = resolved.values, resolved.reading
    binding = edge[1]
    where = f", set by {binding.text()}" if binding is not None else ""
    lines = [f"xi: {reading.spec.summary}; here eps <= {shown}{where}."]
    if "n" in v and "eps" in v:
        term, share = dominant_xi_term(resolved.symbol_values(), reading)
        lines.append(f"xi is dominated by {term} ({share:.0%} of it).")
    reach = minimiser.log10_n_to_reach(1, reading, resolved.symbol_values())
    lines.append(f"xi ({reading.value}) drops to 1, for the best eps in its ranges, from n = {_n_text(reach)}.")
    return lines


def _n_text(log10_n: float) -> str:
    if log10_n == float("inf"):
        return "no n (never)"
    shown = format_log10(mpmath.mpf(log10_n))
    return shown + (" (no practical n)" if log10_n > PRACTICAL_LOG10_N else "")


def _tuned_note(v, reading) -> list[str]:
    if "n" not in v or reading is not xi.Reading.PRINTED:
        return []
    tuned = get("xi-tuned")
    row = tuned.try_evaluate_at(resolve({k: v[k] for k in tuned.keys if k in v}, tuned.keys))
    if row.ok:
        return [f"Tuning eps to n (Remark 3.4) gives xi-tuned = {row.text} (ditrates show xi-tuned)."]
    return [f"Tuning eps to n (Remark 3.4, xi-tuned) is not backed by the proof here: {row.hint}."]


@dataclasses.dataclass(frozen=True)
class ReadingRow:
    """One reading of xi at the user's numbers: the result evaluated under it (its own eps = auto), its range."""

    reading: xi.Reading
    report: Report

    @property
    def row(self):
        return self.report.rows[0]

    def to_dict(self) -> dict:
        eps_hi, binding = self.report.edge
        return {"reading": self.reading.value, "title": self.reading.title,
                "premises": [p.to_dict() for p in self.reading.spec.premises],
                "range": {"eps_max": json_number(eps_hi), "shown": self.report.shown_edge,
                          "set_by": binding and binding.text()},
                "eps": json_number(self.report.resolved.values["eps"]), "result": self.row.to_dict()}


def sensitivity(name: str, params: Mapping[str, Any], *, explicit: bool = False,
                outside_range: bool = False) -> tuple[ReadingRow, ...]:
    """The result ``name`` (built on xi) under every reading of xi at ``params``: what each reading rests on, its
    range and its value, side by side (``ditrates show xi --d0 16 --n 1e5``).

    >>> [(r.reading.value, r.row.ok) for r in sensitivity("xi", {"d0": 16, "n": "1e5"})]
    [('printed', True), ('covering-line', True)]
    """
    return tuple(ReadingRow(r, evaluate([name], params, explicit=explicit, xi_reading=r.value,
                                        outside_range=outside_range)) for r in xi.Reading)
