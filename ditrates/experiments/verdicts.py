"""A fitted law in words: what was measured, what it was compared with, and what the comparison says (no torch).

Each verdict names the compared exponents exactly: for a sweep over ``n``, the measured excess over the
infinite-data floor against the bound's part above its own floor at fixed ``eps``; over ``D`` or ``d0``, the
measured exponent against ``d log bound / d log x`` with the library's ``eps = auto`` re-chosen at each ``x`` and
hidden constants 1. It then says what the comparison can mean:

* a measurement *of* the bounded quantity (the score error) that decays more slowly than the bound conflicts
  with it; one that decays faster shows the bound's rate is not tight for this network;
* a *lower bound* on the bounded quantity (the TV lower bound) conflicts with the bound only by decaying more
  slowly; decaying faster says nothing about the quantity's own rate;
* a *drift from an exact start* (``W_B`` initialised at the training points' principal subspace, exact for these
  data) is how far training moves it, not an estimation error: it is not compared;
* a bound above its trivial value at the fit's middle point is called vacuous there, and the comparison is one of
  exponents only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mpmath

from ditrates import xi
from ditrates.experiments.bounds import THEORY
from ditrates.experiments.plan import swept
from ditrates.formatting import format_number
from ditrates.solve import RANGES

_SEARCH_END = round(mpmath.log10(mpmath.mpf(RANGES["n"][1])))
"""log10 of the end of :func:`ditrates.solve`'s search range of n (where :func:`bounds.below` gives up)."""

if TYPE_CHECKING:  # pragma: no cover
    from ditrates.experiments.report import Fit, Quantity


def _comparison(f: Fit, q: Quantity, var: str, lo: float, hi: float, ref: float) -> str:
    if q.lower:
        if lo > ref:
            return (f"even this lower bound {'decays more slowly' if var == 'n' else f'grows faster in {var}'} "
                    "than the bound: the quantity itself cannot follow the bound's exponent")
        return ("a lower bound that falls faster than the bound, or as fast, says nothing about the quantity's own "
                "rate: no conflict with the bound" if var == "n" else
                f"a lower bound growing no faster in {var} than the bound: no conflict with it")
    if var == "n":
        return ("the measured excess decays faster than the bound's: the bound's rate is not tight for this network"
                if hi < ref else "the measured excess decays more slowly than the bound's" if lo > ref else
                "the measured excess is consistent with the bound's rate")
    return (f"the measured error grows faster in {var} than the bound" if lo > ref else
            f"the measured error grows more slowly in {var} than the bound (or falls)" if hi < ref else
            f"the measured error is consistent with the bound's exponent in {var}")


def _untrained(f: Fit) -> str:
    """Where a score-error bound falls to the untrained networks' error: in the paper's reading of xi (Definition
    3.4 as printed, the default) and, labelled as such, in the repair (not in the paper); ``eps = auto`` inside
    each reading's ranges."""
    if not f.below_untrained:
        return ""
    level = f"the untrained networks' error ({f.untrained:.3g}: the error of s = -x / sigma, every network before " \
            "training)"

    def below(n) -> str:
        if n is None:  # solve found no such n in its search range
            return f"for every n up to 10^{_SEARCH_END} (the end of the search)"
        return f"for every n below {format_number(n, digits=2)}"

    if list(f.below_untrained) == [None]:  # a bound without readings of xi
        return f". The bound stays above {level} {below(f.below_untrained[None])}"
    text = ""
    for name, n in f.below_untrained.items():
        r = xi.reading(name)
        if not r.spec.is_repair:
            text = f". In {r.title} (the paper's reading) the bound stays above {level} {below(n)}" + text
        else:
            text += f"; in {r.title.replace('(a repair)', '(a repair, not in the paper)')}, {below(n)}"
    return text


def _exponent(x: float) -> str:
    """An exponent in 2 decimals, or in 3 significant digits where it is large.

    >>> _exponent(-0.3333), _exponent(66032959431.54)
    ('-0.33', '6.6e+10')
    """
    return f"{x:.2f}" if abs(x) < 1000 else format_number(x, digits=3)


def verdict(f: Fit, q: Quantity, drift: bool = False) -> str:
    """The fit in words a reader can act on (``drift``: the quantity starts at its exact value, see the module
    doc)."""
    what = f"{f.model}, {q.label}"
    if not f.identified:
        shown = "" if f.exponent is None else f" (point estimate {f.exponent:.2f})"
        return f"{what}: no exponent to report{shown}: {f.reason}{_untrained(f)}."
    lo, hi = f.interval
    var = swept(f.sweep)
    subject = "the excess over the n = inf floor" if var == "n" or "excess" in f.kind else "the error"
    text = f"{what}: {subject} scales like {var}^{f.exponent:.2f} [{lo:.2f}, {hi:.2f}] ({f.seeds} seeds)"
    if f.left_out:
        text += f"; left out as memorising: {var} = {', '.join(map(str, f.left_out))}"
    if var == "n":
        text += f". Doubling n multiplies it by {2**f.exponent:.2f} [{2**lo:.2f}, {2**hi:.2f}]"
        if f.floor is not None:
            text += f"; more data cannot remove the floor {f.floor:.3g}, which the network and its budget set"
    if drift:
        return text + (". W_B starts at the training points' principal subspace, exact for these data: this is how "
                       "far training moves it, not an estimation error, and it is not compared with a bound.")
    ref = f.bound_excess if var == "n" else f.bound_local
    if f.bound and var not in THEORY:
        text += f". {var} is not a parameter of the bound ({f.bound}): nothing is compared with it"
    elif f.bound and ref is not None:
        local = None if f.bound_local is None else (0.0 if abs(f.bound_local) < 5e-3 else f.bound_local)
        text += f". The bound ({f.bound}{', vacuous here' if f.bound_vacuous else ''})"
        if local is not None:
            text += (f" has local exponent {_exponent(local)} (d log bound / d log {var}, eps = auto re-chosen at each "
                     f"{var}, hidden constants 1)")
        if var == "n" and f.bound_excess is not None and f.bound_excess != f.bound_local:
            text += f"; at fixed eps its part above its own floor decays like n^{f.bound_excess:.2f}"
        text += f": {_comparison(f, q, var, lo, hi, ref)}"
    return text + _untrained(f) + "."
