"""The norm threshold shared by Section 4's criteria: B against C_b sqrt(log L), and d against log L.

Alman and Song (2023) compute ``exp(Q K^T / d)`` with entries of Q, K in [-B, B]: below
``B = o(sqrt(log L))`` (and ``d = O(log L)``) attention takes L^(1+o(1)) time, at
``B = Theta(sqrt(log L))`` it is SETH-hard. The DiT paper's Problem 2 and Definition 4.1 have no
``1/d`` temperature: ``exp(kappa Q K^T)`` with ``kappa = 1``. Writing ``exp(kappa Q K^T) =
exp(Q' K'^T / d)`` with ``Q' = sqrt(kappa d) Q`` shows that the Alman-Song threshold applies to the
effective bound::

    B_eff = sqrt(kappa d) B,     ratio = B_eff / (C_b sqrt(ln L))

so with the paper's ``kappa = 1`` the condition is stricter by ``sqrt(d)`` than the paper prints.
ditrates decides on ``ratio < 1`` (efficient side) and reports the literal ratio ``B / sqrt(ln L)`` too.
O(.) and o(.) are statements about L -> infinity: one instance can only be placed on a side of the
threshold with the constants C_b, C_d (default 1) made explicit.
"""

from __future__ import annotations

import dataclasses
import enum

import mpmath
import sympy

from ditrates.conditions import Condition, rel
from ditrates.evaluation import Evaluation
from ditrates.result import Order, Part, Result
from ditrates.symbols import S


class Temperature(str, enum.Enum):
    """The softmax temperature: ``none`` (the paper's Section 4, kappa = 1) or ``1/d`` (Alman and Song)."""

    NONE = "none"
    INV_D = "1/d"

    def kappa(self, d):
        """The inverse temperature kappa at head size d.

        >>> Temperature.NONE.kappa(8), float(Temperature("1/d").kappa(8))
        (1, 0.125)
        """
        return 1 if self is Temperature.NONE else 1 / (d if isinstance(d, float) else mpmath.mpf(d))


THRESHOLD = S.C_b * sympy.sqrt(sympy.log(S.L))
B_EFF = sympy.sqrt(S.kappa * S.d) * S.B
RATIO = B_EFF / THRESHOLD
QUANTITY = r"\rho"
"""The ratio's name in LaTeX: rho < 1 (with d <= C_d log L) is the efficient side."""
D_RATIO = S.d / (S.C_d * sympy.log(S.L))
HARDNESS_BAND = 4
"""Prop. 4.1 is stated for d = C log L: its verdict is given only where d / (C_d ln L) lies in
[1/HARDNESS_BAND, HARDNESS_BAND], i.e. where d is within a factor 4 of C_d ln L; elsewhere the proposition does
not speak to the instance."""
VERDICT_PART = "d/log L"
"""The part of a criterion that its verdict reads beside the ratio: d / (C_d ln L)."""

PARTS = (
    Part("threshold", "C_b sqrt(ln L)", THRESHOLD, "Prop. 4.1", "the norm threshold B = C_b sqrt(log L)"),
    Part("B_eff", "sqrt(kappa d) B", B_EFF, "reduction to Alman-Song 2023",
         "the bound on the entries of Q' = sqrt(kappa d) Q, K' in exp(Q' K'^T / d)"),
    Part("d/log L", "d / (C_d ln L)", D_RATIO, "d = O(log L)", "at most 1 on the efficient side"),
    Part("B/sqrt(log L) as printed", "B / (C_b sqrt(ln L))", S.B / THRESHOLD, "Prop. 4.2 as printed",
         "the paper's literal reading, without the temperature"),
)
CONDITIONS = (Condition(rel(S.L, ">=", 2), "Section 4 (log L > 0)"),)
ORDER = Order(B_EFF / sympy.sqrt(sympy.log(S.L)), big_o=False)
NOTES = (
    "No softmax temperature in the paper's Problem 2 and Def. 4.1, unlike Alman-Song; with kappa = 1 the "
    "reduction needs sqrt(d) B = o(sqrt(log L)). kappa = 1/d is Alman-Song's convention.",
    "Asymptotic: o(sqrt(log L)) and O(log L) cannot be checked at one L; the verdict places the instance on a "
    "side of the threshold with constants C_b = C_d = 1 (settable).",
)


def ratios(ev: Evaluation) -> tuple:
    """(B_eff / (C_b sqrt ln L), d / (C_d ln L)) of an evaluation of a Section 4 criterion (mpmath numbers:
    they may leave float64's range)."""
    return mpmath.power(10, ev.log10_exact), mpmath.power(10, ev.part(VERDICT_PART))


def _g(x) -> str:
    """Three significant digits, for verdicts."""
    return mpmath.nstr(x, 3, min_fixed=-4, max_fixed=5)


def _constants(ev: Evaluation) -> str:
    v = ev.resolved.values
    return f"C_b = {_g(v.get('C_b', 1))}, C_d = {_g(v.get('C_d', 1))}"


@dataclasses.dataclass(frozen=True)
class EfficientVerdict:
    """A verdict: is the instance on the almost-linear side of ``source`` for ``task``?

    The criterion is asymptotic (o(sqrt(log L)), O(log L) as L -> infinity): the verdict places one instance on a
    side of the threshold with the constants made explicit, and never states a running time for it. :meth:`spec`
    is what the page needs to write the same sentence.
    """

    task: str
    source: str
    ratio_name: str = "B_eff/(C_b sqrt ln L)"

    def __call__(self, ev: Evaluation) -> str:
        r, rd = ratios(ev)
        fails = []
        if r >= 1:
            fails.append(f"{self.ratio_name} = {_g(r)} >= 1")
        if rd > 1:
            fails.append(f"d/(C_d ln L) = {_g(rd)} > 1")
        if not fails:
            return (f"efficient side of {self.source}: {self.ratio_name} = {_g(r)} < 1 and d/(C_d ln L) = {_g(rd)} "
                    f"<= 1 with {_constants(ev)}; {self.source} gives {self.task} in L^(1+o(1)) time as L -> "
                    "infinity, not a time for this instance")
        return f"not on the efficient side of {self.source}: " + " and ".join(fails) + f" ({_constants(ev)})"

    def spec(self) -> dict:
        return {"kind": "efficient", "task": self.task, "source": self.source, "ratioName": self.ratio_name,
                "part": VERDICT_PART}


def efficient_verdict(task: str, source: str, ratio_name: str = "B_eff/(C_b sqrt ln L)") -> EfficientVerdict:
    """The verdict of ``source`` (an almost-linear time for ``task`` below the threshold)."""
    return EfficientVerdict(task, source, ratio_name)


@dataclasses.dataclass(frozen=True)
class HardnessVerdict:
    """Prop. 4.1's verdict, given only inside its hypothesis d = C log L (see :data:`HARDNESS_BAND`)."""

    band: float = HARDNESS_BAND

    def __call__(self, ev: Evaluation) -> str:
        r, rd = ratios(ev)
        if not 1 / self.band <= rd <= self.band:
            return (f"outside Prop. 4.1's hypothesis: it is stated for d = C log L, and here d/(C_d ln L) = {_g(rd)} "
                    f"is far from a constant of order 1 (outside [1/{self.band:g}, {self.band:g}]); the proposition "
                    "does not speak to this instance")
        if r >= 1:
            return (f"hard side: B_eff/(C_b sqrt ln L) = {_g(r)} >= 1 with d/(C_d ln L) = {_g(rd)} ({_constants(ev)});"
                    " Prop. 4.1: under SETH, for suitable constants, no O(L^(2-q)) algorithm reaches 1/poly(L) "
                    "accuracy as L -> infinity")
        return (f"below the hardness threshold: B_eff/(C_b sqrt ln L) = {_g(r)} < 1 ({_constants(ev)}); Prop. 4.1 "
                "does not apply")

    def spec(self) -> dict:
        return {"kind": "hardness", "band": self.band, "part": VERDICT_PART}


hardness_verdict = HardnessVerdict()


def criterion(**fields) -> Result:
    """A Section 4 result: the ratio rho with its parts, conditions and order; ``fields`` give the rest
    (name, source, kind, summary, statement, verdict, notes, and optionally reference, expr, order, parts). The
    shared notes on the temperature and on asymptotics are appended to ``notes``."""
    fields["notes"] = (*fields.get("notes", ()), *NOTES)
    defaults = {"expr": RATIO, "order": ORDER, "parts": PARTS}
    return Result(quantity=QUANTITY, relation=":=", conditions=CONDITIONS,
                  bounds="effective norm bound over the efficiency threshold", **{**defaults, **fields})
