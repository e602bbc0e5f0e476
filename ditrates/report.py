"""Several results at one set of numbers: each row evaluated or failed on its own, and the notes a reader needs.

:func:`evaluate` resolves the parameters once for all the results (so they share eps, T, the reading of xi)
and evaluates each; a row whose condition fails becomes a :class:`~ditrates.evaluation.Failure` and the
others are still evaluated. :meth:`Report.notes` says in sentences what the numbers rest on: eps's choice,
the reading of xi and its range, which term of xi dominates, where the bounds are vacuous, what is hidden.
The command line, the LaTeX tables and the page all print these.

>>> rep = evaluate(["xi", "score-approximation"], {"d0": 16, "n": "1e5", "eps": "0.6", "T0": "0.5"},
...                xi_reading="printed")
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

from ditrates import xi
from ditrates.defaults import Resolved, resolve
from ditrates.errors import MissingValue
from ditrates.evaluation import Evaluation, Failure
from ditrates.formatting import format_edge, format_log10, format_number, json_number
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
    xi_reading: str = xi.AUTO
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
        """The reading a row uses, with the printed range's edge at this L (empty for rows without xi)."""
        if not row.result.forms or row.reading is None:
            return ""
        if row.reading is xi.Reading.PRINTED:
            return f"printed (eps <= {format_edge(xi.eps_max(self.resolved.values['L']))})"
        return row.reading.value

    def notes(self) -> list[str]:
        """Plain sentences for people: what the numbers rest on and what they say."""
        v, lines = self.resolved.values, []
        if "eps" in self.resolved.reasons:
            lines.append(f"eps = {self.resolved.reasons['eps']}.")
        if self.reading is not None:
            lines += _reading_notes(v, self.resolved.reading, v.get("C_K", 1))
            lines += _tuned_note(v)
        for row in self.failures:
            lines.append(f"{row.result.name} ({row.result.source}) is not evaluated: {row.message.split(': ', 1)[1]}.")
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
            out["xi_reading"] = {"requested": self.xi_reading, "in_force": self.reading.value,
                                 "printed_eps_max": json_number(xi.eps_max(self.resolved.values["L"]))}
        return out


def evaluate(names: Iterable[str], params: Mapping[str, Any], *, explicit: bool = False,
             xi_reading: str = xi.AUTO, missing: str = "fail") -> Report:
    """Resolve ``params`` once for all ``names`` and evaluate each result, keeping failed rows as failures.

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
    return Report(resolved, tuple(r.try_evaluate_at(resolved, explicit=explicit) for r in results), explicit,
                  xi_reading, tuple(skipped))


def param_rows(resolved: Resolved, keys: Iterable[str]) -> list[list[str]]:
    """(label, value, where it comes from, meaning) for every resolved parameter among ``keys``."""
    rows = []
    for k in keys:
        if k in resolved.values:
            p = PARAMS[k]
            why = resolved.reasons.get(k, "given")
            shown = xi.shown_eps(resolved.values[k], "edge" if k == "eps" and xi.EDGE_WORDS in why else "")
            rows.append([p.label, shown, why, p.meaning])
    if resolved.reading is not None and {"n", "L"} <= resolved.values.keys():
        rows.append(["xi reading", resolved.reading.value, resolved.reasons.get("xi_reading", "given"),
                     "which form of xi (Def. 3.4): printed, or the proof's (App. F.2)"])
    return rows


def _reading_notes(v, reading, C_K) -> list[str]:
    L = v["L"]
    edge = format_edge(xi.eps_max(L))
    if reading is xi.Reading.PRINTED:
        lines = [f"xi: Definition 3.4 as printed, backed by the proof (App. F.2) for eps <= {edge} at L = "
                 f"{format_number(L)}."]
    else:
        lines = ["xi: the proof's form, App. F.2's covering term n^(-1/3) (L/eps)^(8K) with Theorem 3.1's "
                 f"K = C_K eps^(-2L), valid for every eps; Definition 3.4 as printed holds only for eps <= {edge} "
                 f"at L = {format_number(L)}."]
    if "n" in v and "eps" in v:
        term, share = dominant_xi_term(v["n"], v["eps"], L, reading)
        lines.append(f"xi is dominated by {term} ({share:.0%} of it).")
    if L > xi.BIG_L:
        return lines
    reach = {r: xi.log10_n_to_reach(1, L, r, C_K) for r in xi.Reading}
    lines.append("xi drops to 1 (for the best eps) from n = " + " and ".join(
        f"{_n_text(reach[r])} {'as printed' if r is xi.Reading.PRINTED else 'in the proof reading'}"
        for r in xi.Reading) + ".")
    return lines


def _n_text(log10_n: float) -> str:
    shown = format_log10(mpmath.mpf(log10_n)) if log10_n < 15 else f"10^{log10_n:.1f}"
    return shown + (" (no practical n)" if log10_n > PRACTICAL_LOG10_N else "")


def _tuned_note(v) -> list[str]:
    if "n" not in v:
        return []
    row = get("xi-tuned").try_evaluate_at(resolve({"n": v["n"], "L": v["L"]}, get("xi-tuned").keys))
    if row.ok:
        return [f"Tuning eps to n (Remark 3.4) gives xi-tuned = {row.text} (ditrates show xi-tuned)."]
    return [f"Tuning eps to n (Remark 3.4, xi-tuned) is not backed by the proof here: {row.hint}."]
