"""Section 4 at one instance (L, d, B): the threshold's ratios, the verdicts and the cost of the fast algorithm.

:func:`summarize` evaluates Props 4.1-4.2 and Thm 4.1 at the user's numbers (the softmax temperature sets kappa)
and costs the polynomial method there (:mod:`ditrates.criteria.cost`); the command line only renders it.

>>> s = summarize({"L": "16384", "d": "8", "B": "0.5", "delta_F": "1e-3"}, Temperature.INV_D)
>>> s.cost.degree, s.cost.rank, s.crossover
(3, 165, 166)
>>> s.rows[0].verdict.split(":")[0]
'below the hardness threshold'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import mpmath

from ditrates import report
from ditrates.criteria.cost import MAX_LOG2_L, PolynomialCost, crossover_length, polynomial_cost
from ditrates.criteria.threshold import Temperature
from ditrates.defaults import resolve
from ditrates.errors import ConditionError, DitratesError
from ditrates.formatting import format_log10, format_number, json_number
from ditrates.registry import names

MAX_BETA = 1e12
"""Beyond beta = kappa d B^2 = 10^12 the Taylor degree (> beta) and rank are not computed: the method is hopeless."""
MAX_COST_D = 10**6
"""Beyond this head size the rank C(d + g, g) is not computed."""


@dataclasses.dataclass(frozen=True)
class CriteriaSummary:
    """The verdicts of Section 4 and the polynomial method's cost at one (L, d, B, kappa, delta_F)."""

    report: report.Report
    temperature: Temperature
    cost: PolynomialCost | None
    crossover: int | None
    delta_F_given: bool

    @property
    def rows(self):
        return self.report.evaluations

    @property
    def values(self) -> Mapping[str, Any]:
        return self.report.resolved.values

    def threshold_rows(self) -> list[list[str]]:
        """(quantity, value, what it is) for the threshold and the ratios."""
        first = self.rows[0]
        part = {p.key: mpmath.power(10, first.part(p.key)) for p, _ in first.parts}
        c_b = format_number(self.values.get("C_b", 1))
        return [
            ["C_b sqrt(ln L)", format_number(part["threshold"]), f"the threshold (C_b = {c_b})"],
            ["B_eff = sqrt(kappa d) B", format_number(part["B_eff"]), "Alman-Song's bound after rescaling"],
            ["rho = B_eff / (C_b sqrt ln L)", format_log10(first.log10_exact), "< 1 on the efficient side"],
            ["d / (C_d ln L)", format_number(part["d/log L"]), "<= 1 for d = O(log L)"],
            ["B / (C_b sqrt(ln L)), as printed", format_number(part["B/sqrt(log L) as printed"]),
             "the paper's literal reading (kappa = 1)"],
        ]

    def cost_rows(self) -> list[list[str]]:
        """(quantity, value, how) for the polynomial method, or one row saying why it is not costed."""
        c = self.cost
        if c is None:
            return [["polynomial method", "not costed", self.why_not_costed()]]
        rank = str(c.rank) if c.rank else f"10^{c.log10_rank:.1f}"
        speedup = format_number(c.speedup) if c.speedup else f"10^{c.log10_speedup:.1f}"
        cross = format_number(self.crossover) if self.crossover else f"none below 2^{MAX_LOG2_L}"
        return [
            ["beta = kappa d B^2", format_number(c.beta), "largest |kappa <q, k>|"],
            ["relative error per entry", format_log10(c.ln_rel_err / mpmath.log(10)), "delta_F / (2 B + delta_F)"],
            ["Taylor degree g", str(c.degree), "smallest g with e^(2 beta) beta^(g+1)/(g+1)! <= it"],
            ["feature rank r = C(d+g, g)", rank, ""],
            ["flops, polynomial method", f"10^{c.log10_fast_flops:.2f}", "2 L r d"],
            ["flops, exact attention", f"10^{c.log10_exact_flops:.2f}", "2 L^2 d"],
            ["predicted speedup L / r", speedup, "2 L^2 d (exact) over 2 L r d (polynomial)"],
            ["crossover L", cross, "smallest L with r < L" + ("" if self.delta_F_given else
                                                               " (r grows with L at delta_F = 1/L)")],
        ]

    def why_not_costed(self) -> str:
        d, B = self.values["d"], self.values["B"]
        if d > MAX_COST_D:
            return f"d = {format_number(d)} > {format_number(MAX_COST_D)}: the rank C(d + g, g) is out of reach"
        beta = self.values["kappa"] * d * mpmath.mpf(B) ** 2
        return (f"beta = kappa d B^2 = {format_number(beta)}: the Taylor degree exceeds beta, so the rank "
                "C(d + g, g) is astronomically above L")

    def notes(self) -> list[str]:
        lines = []
        if self.cost is not None and not self.cost.wins:
            lines.append(f"The rank r is at least L = {format_number(self.values['L'])}: the polynomial method cannot "
                         "beat exact attention here.")
        lines.append("Asymptotic criteria: o(sqrt(log L)) and O(log L) are limits in L; the verdicts place this "
                     "instance with the constants C_b, C_d shown (--set C_b=... to change) and state no running time "
                     "for it.")
        return lines

    def to_dict(self) -> dict:
        c = self.cost
        out = {**self.report.to_dict(), "temperature": self.temperature.value}
        out["cost"] = None if c is None else {
            "beta": json_number(c.beta), "ln_rel_err": c.ln_rel_err, "degree": c.degree, "rank": json_number(c.rank)
            if c.rank else None, "log10_rank": c.log10_rank, "log10_speedup": c.log10_speedup,
            "crossover_L": json_number(self.crossover) if self.crossover else None}
        if c is None:
            out["cost_not_computed"] = self.why_not_costed()
        return out


def summarize(params: Mapping[str, Any], temperature: Temperature = Temperature.NONE) -> CriteriaSummary:
    """The Section 4 criteria at ``params`` (L, d, B, and optionally delta_F, C_b, C_d, kappa).

    The temperature sets kappa; giving both kappa and a temperature other than the default is refused.
    """
    params = dict(params)
    if "kappa" in params and temperature is not Temperature.NONE:
        raise DitratesError(f"give either a temperature ({temperature.value}) or kappa = {params['kappa']}, not both")
    rep = report.evaluate(names("computational"), _with_kappa(params, temperature))
    if rep.failures:  # the criteria share their conditions: they fail together
        raise ConditionError(rep.failures[0].message, rep.failures[0].condition)
    v = rep.resolved.values
    given = "delta_F" in params
    cost = cross = None
    if v["d"] <= MAX_COST_D and v["kappa"] * v["d"] * mpmath.mpf(v["B"]) ** 2 <= MAX_BETA:
        L, d, B, kappa = int(v["L"]), int(v["d"]), float(v["B"]), float(v["kappa"])
        delta_F = float(v["delta_F"]) if given else None  # else 1/L, which the cost model follows
        cost = polynomial_cost(L, d, B, kappa, delta_F)
        cross = crossover_length(d, B, kappa, delta_F)
    return CriteriaSummary(rep, temperature, cost, cross, given)


def _with_kappa(params: dict, temperature: Temperature) -> dict:
    if temperature is Temperature.NONE or "d" not in params:
        return params

    d = resolve({"d": params["d"]}, ["d"]).values["d"]  # the domain check of d comes first
    return dict(params, kappa=temperature.kappa(d))
