"""The answer of :func:`ditrates.solve`: where a bound meets a target (:class:`Solution`), and every stretch of
the search range where it does (:class:`Stretch`), in numbers and in words.

>>> s = Stretch(2.0, 5.75, "crossing", "domain", hi_why="condition T0 < T/2 fails")
>>> s.to_dict()["to_end"], s.to_dict()["above_to"]
('domain', 'condition T0 < T/2 fails')
"""

from __future__ import annotations

import dataclasses
from typing import Any

import mpmath

from ditrates import formatting
from ditrates.symbols import param

SHOWN_DIGITS = 4
"""Significant digits of the printed answer."""
INFIMUM = "the infimum of xi over eps"
"""How a free eps taken at xi's infimum is described (``Solution.follows``)."""


def edge_text(x, *, upper: bool) -> str:
    """The end of a stretch, rounded inward (:func:`ditrates.formatting.format_edge`)."""
    return formatting.format_edge(x, upper=upper, digits=SHOWN_DIGITS)


@dataclasses.dataclass(frozen=True)
class Stretch:
    """A stretch ``[lo, hi]`` of the search range where the bound is at most the target. Each end is
    ``"range"`` (the search range's end), ``"crossing"`` (the bound crosses the target) or ``"domain"`` (a
    condition fails just beyond; ``lo_why``/``hi_why`` name it)."""

    lo: Any
    hi: Any
    lo_end: str
    hi_end: str
    lo_why: str = ""
    hi_why: str = ""

    def to_dict(self) -> dict:
        j = formatting.json_number
        return {"from": j(self.lo), "to": j(self.hi), "from_end": self.lo_end, "to_end": self.hi_end,
                "below_from": self.lo_why or None, "above_to": self.hi_why or None}


@dataclasses.dataclass(frozen=True)
class Solution:
    """Where ``result`` meets ``target`` as ``key`` moves.

    ``value`` is the answer (an int for integer parameters, else a float; see ``direction``), ``shown`` the
    same rounded to 4 significant digits into the stretch (what is printed) and ``shown_log10`` log10 of the
    bound there; ``stretches`` every stretch of the search range where the bound (taken at real values of
    integer parameters too) is at most the target, ``interval`` the one holding the answer; ``bound_log10`` is
    log10 of the bound at ``value`` and ``outside_log10`` at the neighbouring integer outside the stretch
    (integers below 10^15 only), ``excess`` bound/target - 1 at both.
    """

    result: Any  # the Result
    key: str
    target: Any
    value: Any
    direction: str  # "smallest" or "largest"
    exact: bool
    bound_log10: Any
    outside_log10: Any = None
    interval: tuple[Any, Any] = (None, None)
    search_range: tuple[Any, Any] = (None, None)
    excess: tuple[Any, Any] = (None, None)
    stretches: tuple[Stretch, ...] = ()
    shown: Any = None
    shown_log10: Any = None
    follows: dict = dataclasses.field(default_factory=dict)
    """The defaults that moved with ``key``, at ``shown``: key -> (value, reason)."""

    def __post_init__(self):  # Python ints and floats out, whatever the arithmetic inside
        integer = param(self.key).integer

        def plain(x, whole=False):
            if x is None or (isinstance(x, int) and whole):
                return x
            return int(mpmath.nint(x)) if whole else formatting.plain(x)

        for name in ("target", "bound_log10", "outside_log10", "shown_log10"):
            object.__setattr__(self, name, plain(getattr(self, name)))
        object.__setattr__(self, "excess", tuple(plain(x) for x in self.excess))
        for name in ("value", "shown"):
            object.__setattr__(self, name, plain(getattr(self, name), integer))
        object.__setattr__(self, "search_range", tuple(plain(x, integer) for x in self.search_range))
        object.__setattr__(self, "interval", tuple(plain(x) for x in self.interval))
        object.__setattr__(self, "stretches", tuple(dataclasses.replace(s, lo=plain(s.lo), hi=plain(s.hi))
                                                    for s in self.stretches))

    @property
    def decreasing(self) -> bool:
        return self.direction == "smallest"

    @property
    def at_infimum(self) -> bool:
        """Whether eps is free and taken at the infimum of xi (eps -> 1) rather than at eps = auto."""
        return "eps" in self.follows and self.follows["eps"][1].startswith(INFIMUM)

    @property
    def log10(self) -> float:
        return float(mpmath.log10(self.value))

    def describe(self) -> str:
        """``smallest n with score-estimation <= 0.05: 8.206e+14``, with what ends the stretch holding the answer:
        where the bound crosses the target again, or where a condition of the result stops holding."""
        label, fmt = param(self.key).label, formatting.format_number
        target = formatting.format_exact(self.target)
        line = f"{self.direction} {label} with {self.result.name} <= {target}: {fmt(self.shown)}"
        s = next(s for s in self.stretches if (s.lo, s.hi) == self.interval)  # the stretch holding the answer
        low = (s.lo, s.lo_end, s.lo_why, False)
        high = (s.hi, s.hi_end, s.hi_why, True)
        notes = []
        for end, kind, why, upper in (low, high) if self.decreasing else (high, low):
            at_answer = upper != self.decreasing
            side = "beyond" if upper else "below"
            if kind == "domain" and at_answer:
                notes.append(f"where {why.removesuffix(' fails')} stops holding {side} it")
            elif kind == "domain":
                notes.append(f"{'up to' if upper else 'from'} {label} = {edge_text(end, upper=upper)}; {side}, {why}")
            elif kind == "crossing" and not at_answer:
                notes.append(f"the bound rises above the target again {side} {label} = {edge_text(end, upper=upper)}")
        return line + (f" ({'; '.join(notes)})" if notes else "")

    def __repr__(self) -> str:
        return (f"Solution({self.result.name}: {self.direction} {self.key} = {formatting.format_number(self.shown)} "
                f"with bound <= {formatting.format_number(self.target)})")

    def _repr_html_(self) -> str:
        return f"<code>{self.describe()}</code>"

    def to_dict(self) -> dict:
        j = formatting.json_number
        return {"name": self.result.name, "source": self.result.source, "for": self.key, "target": j(self.target),
                "value": j(self.value), "shown": j(self.shown), "log10": self.log10,
                "bound_log10": j(self.bound_log10), "shown_bound_log10": j(self.shown_log10),
                "outside_log10": None if self.outside_log10 is None else j(self.outside_log10),
                "excess": [None if x is None else j(x) for x in self.excess],
                "direction": self.direction, "exact": self.exact,
                "interval": [None if x is None else j(x) for x in self.interval],
                "stretches": [s.to_dict() for s in self.stretches],
                "follows": {k: {"value": None, "limit": 1, "reason": why} if k == "eps" and self.at_infimum else
                            {"value": j(v), "reason": why} for k, (v, why) in self.follows.items()},
                "search_range": [j(x) for x in self.search_range]}
