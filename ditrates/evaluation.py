"""What an evaluation returns: an :class:`Evaluation` (the value in log space, with everything used to get
it) or, where a condition of the result fails, a :class:`Failure` that says which and why."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import mpmath

from ditrates import formatting, numerics
from ditrates.printing import text

if TYPE_CHECKING:
    from ditrates.result import Part, Result


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """A result evaluated at concrete numbers (see :meth:`Result.evaluate`).

    ``ln``, ``log10`` and ``value`` are Python floats (``value`` is None beyond float64); ``ln_exact`` and
    ``log10_exact`` keep the 40-digit mpmath numbers, which never overflow.
    """

    result: Result
    sign: int
    ln_exact: Any  # mpmath.mpf: natural log of |value|
    resolved: Any  # ditrates.defaults.Resolved
    explicit: bool = False
    parts: tuple[tuple[Part, Any], ...] = ()
    trivial_ln: Any = None
    reading: Any = None  # the reading of xi in force (ditrates.xi.Reading), None if the result has no xi
    outside: tuple = ()
    """The ranges of derivations (waivable conditions) that fail here, evaluated past on request
    (``outside_range=True``): the proof does not back this number."""

    @property
    def ok(self) -> bool:
        return True

    @property
    def log10_exact(self):
        """log10 of the value, an mpmath number (it may exceed float64)."""
        with mpmath.workdps(formatting.MP_DPS):
            return self.ln_exact / numerics.LN10

    @property
    def ln(self) -> float:
        """The natural log of the value, a float (+-inf only beyond 10^(1.8e308))."""
        return float(self.ln_exact)

    @property
    def log10(self) -> float:
        """log10 of the value, a float (+-inf only beyond 10^(1.8e308))."""
        return float(self.log10_exact)

    @property
    def value(self) -> float | None:
        """The value as a float, or ``None`` where it over- or underflows float64."""
        if self.sign == 0:
            return 0.0
        if abs(self.log10_exact) > 300:
            return None
        return self.sign * float(mpmath.exp(self.ln_exact))

    @property
    def text(self) -> str:
        return formatting.format_log10(self.log10_exact)

    @property
    def vacuous(self) -> bool | None:
        """True where the bound exceeds its trivial value (e.g. a TV bound above 1); None if no such value."""
        if self.trivial_ln is None:
            return None
        return bool(self.ln_exact > self.trivial_ln)

    @property
    def params(self) -> dict[str, Any]:
        """The parameters it was evaluated at, as Python ints and floats."""
        return {k: formatting.plain(self.resolved.values[k]) for k in self.result.keys if k in self.resolved.values}

    @property
    def premises(self) -> tuple:
        """What this number leans on (:meth:`Result.premises_for` under the reading in force)."""
        return self.result.premises_for(self.reading)

    def __repr__(self) -> str:
        reading = f", xi {self.reading.value}" if self.reading is not None else ""
        outside = ", OUTSIDE " + "; ".join(c.text() for c in self.outside) if self.outside else ""
        return f"Evaluation({self.result.name} = {self.text}{reading}{', VACUOUS' if self.vacuous else ''}{outside})"

    def _repr_html_(self) -> str:
        return f"<code>{self.result.name} ({self.result.source}) = {self.text}</code>"

    @property
    def verdict(self) -> str:
        return self.result.verdict(self) if self.result.verdict else ""

    def part(self, key: str):
        """log10 of a part (e.g. ``"K"`` of ``network-size``), an mpmath number; None where it is not defined."""
        for p, ln in self.parts:
            if p.key == key:
                return None if ln is None else ln / numerics.LN10
        raise KeyError(key)

    def to_dict(self) -> dict:
        r = self.result
        out = {
            "name": r.name,
            "source": r.source_for(self.reading),
            "kind": r.kind,
            "status": "ok",
            "value": formatting.to_float_or_none(self.value) if self.value is not None else None,
            "log10": formatting.json_number(self.log10_exact),
            "display": self.text,
            "order": r.order_for(self.reading).text(),
            "order_hides": r.order.hides,
            "latex": r.latex(self.explicit, self.reading),
            "explicit": self.explicit,
            "vacuous": self.vacuous,
            "params": {k: formatting.json_number(v) for k, v in self.params.items()},
            "premises": [p.to_dict() for p in self.premises],
            "outside_range": [_condition_dict(c, self.resolved) for c in self.outside],
            "notes": list(r.notes),
        }
        if self.reading is not None:
            out["xi_reading"] = self.reading.value
        if r.trivial is not None:
            out["trivial"] = {"log10": formatting.json_number(self.trivial_ln / numerics.LN10),
                              "reason": r.trivial.reason}
        if self.parts:
            out["parts"] = [{"name": p.key, "form": p.form, "expr": text(p.expr),
                             "log10": None if ln is None else formatting.json_number(ln / numerics.LN10),
                             "display": "not defined here" if ln is None
                             else formatting.format_log10(ln / numerics.LN10),
                             "note": p.note} for p, ln in self.parts]
        if r.verdict:
            out["verdict"] = self.verdict
        return out


@dataclasses.dataclass(frozen=True)
class Failure:
    """A result that could not be evaluated at the given numbers: the error, and the failed condition (if any).

    Commands that print many results show a failure on its own row and go on with the others.
    """

    result: Result
    message: str
    condition: Any = None  # ditrates.conditions.Condition
    reading: Any = None
    hint: str = ""

    @property
    def ok(self) -> bool:
        return False

    def to_dict(self) -> dict:
        r = self.result
        out = {"name": r.name, "source": r.source_for(self.reading), "kind": r.kind, "status": "failed",
               "error": self.message,
               "premises": [p.to_dict() for p in r.premises_for(self.reading)]}
        if self.condition is not None:
            out["condition"] = {"relation": self.condition.text(), "source": self.condition.source,
                                "label": self.condition.support.value, "waivable": self.condition.waivable,
                                "hint": self.hint}
        if self.reading is not None:
            out["xi_reading"] = self.reading.value
        return out


def _condition_dict(c, resolved) -> dict:
    """A condition as JSON, with what it asks at the resolved values."""
    return {"relation": c.text(), "source": c.source, "label": c.support.value,
            "hint": c.hint_at(resolved.symbol_values())}
