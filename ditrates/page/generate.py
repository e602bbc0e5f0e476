"""The page's JavaScript data module, generated from the Result objects: formulas, conditions, defaults, xi's solver.

Everything the browser computes with is printed here from sympy by :mod:`ditrates.page.jsprint`:

* each result's expression in each reading of xi (hidden factors at their displayed value), its trivial value,
  its conditions (with the sentence :meth:`Result.check_conditions` writes when one fails);
* the defaults (:data:`ditrates.defaults.RULES`): those that are expressions (``T = ln n``, ``T0 = min(c0,
  1/Ls)``, ...) as functions with their reasons, the others by name (mirrored in ``assets/resolve.js``);
* for ``eps = auto`` (:mod:`ditrates.xi`), with ``y = ln(1/eps)``: ``ln xi(y)`` in each reading; the function
  ``g(y) = ln(d T1/dy) - ln(-d eps^2/dy)``, whose root minimises xi (T1 is xi's covering term; sympy takes the
  derivative, so d ln xi/dy has the sign of g); and the edge of the printed range, ``ln lhs - ln rhs`` of
  :data:`ditrates.xi.PRINTED_RANGE` at ``eps = e^(-y)``, increasing in y.

The hand-written JavaScript (``assets/logspace.js``, ``assets/app.js``) holds only the log-space primitives,
the bisection, number formatting and the glue; the browser test checks all of it against Python.

>>> "RESULTS" in data_js()
True
"""

from __future__ import annotations

import json

import sympy

from ditrates import defaults, styles, xi
from ditrates.page.jsprint import function, js
from ditrates.page.prose import for_page
from ditrates.registry import GROUPS, get, names
from ditrates.symbols import PARAMS, S

Y = sympy.Symbol("y", nonnegative=True)
"""The solver's variable y = ln(1/eps) >= 0."""
Y_ENV = {Y: "LS.num(y)"}

INPUTS = ("d0", "d", "L", "D", "n", "eps", "t", "T0", "T", "mu", "c0", "Ls", "s", "beta", "B", "kappa", "delta_F")
"""The page's inputs, in the order the CLI lists them; the hidden constants follow."""



def _rule(r: defaults.Rule) -> dict:
    """A default rule for the page: its expression as JavaScript, or the name of the computation it mirrors."""
    out = {"key": r.key, "needs": list(r.needs), "name": r.name, "integer": PARAMS[r.key].integer}
    if r.expr is not None:
        out.update(fn=Raw(function(r.expr)), reason=for_page(r.reason))  # the page has no --explicit
    return out

HINTS = {"_range_hint": "range", "_tuned_hint": "tuned"}
"""Condition hints (Python functions) and the page's template for each (``assets/app.js``)."""

CHARTS = {
    "n": ("xi", "score-estimation", "subspace-recovery", "tv-recovery", "chen2023-score-estimation", "chen2023-tv",
          "oko2023-tv", "hu2025-latent-tv"),
    "L": ("network-size", "xi", "score-estimation", "tv-recovery", "chen2023-score-estimation", "chen2023-tv"),
}
"""The results drawn against n and against L (with d held, d0 = d L)."""


class Raw(str):
    """JavaScript source to insert as it is (a function), not as a JSON string."""


def _obj(x) -> str:
    if isinstance(x, Raw):
        return str(x)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_obj(v)}" for k, v in x.items()) + "}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(_obj(v) for v in x) + "]"
    return json.dumps(x)


def _param(key: str) -> dict:
    p = PARAMS[key]
    return {"label": p.label, "meaning": p.meaning, "integer": p.integer, "low": p.low, "openLow": p.open_low,
            "high": p.high, "openHigh": p.open_high, "domain": p.domain_text(), "cli": p.cli,
            "hidden": bool(p.hidden_constant)}


def _condition(c) -> dict:
    hint = None
    if isinstance(c.hint, str):
        hint = {"text": c.hint}
    elif c.hint is not None:
        hint = HINTS.get(c.hint.__name__)
        if hint is None:
            raise NotImplementedError(f"condition {c.text()}: no page template for its hint {c.hint.__name__}")
    keys = [PARAMS_BY_SYMBOL[s] for s in sorted(c.symbols, key=str)]
    return {"test": Raw(function(c.relation)), "text": c.text(), "source": c.source, "reading": c.reading,
            "keys": keys, "hint": hint}


PARAMS_BY_SYMBOL = {p.symbol: p.key for p in PARAMS.values()}


def _result(name: str) -> dict:
    r = get(name)
    forms = {reading: Raw(function(r.displayed_expr(False, reading))) for reading in r.forms} if r.forms else {
        "": Raw(function(r.displayed_expr(False)))}
    return {"name": r.name, "source": r.source, "kind": r.kind, "summary": r.summary, "keys": list(r.keys),
            "forms": forms, "trivial": Raw(function(r.trivial.value)) if r.trivial is not None else None,
            "trivialReason": r.trivial.reason if r.trivial else "", "conditions": [_condition(c) for c in r.conditions],
            "order": r.order.text(), "verdict": _verdict(r)}


def _verdict(r) -> dict | None:
    """A criterion's verdict for the page (``threshold.EfficientVerdict.spec``, with the part it reads as a function),
    or None."""
    if r.verdict is None:
        return None
    spec = r.verdict.spec()
    return {**spec, "part": Raw(function(next(p.expr for p in r.parts if p.key == spec["part"])))}


def _solver() -> dict:
    """xi's minimiser and the printed range's edge, as functions of y = ln(1/eps) and the environment v."""
    at_y = {S.eps: sympy.exp(-Y)}
    third = sympy.diff(xi.terms(xi.Reading.PRINTED)[2].subs(at_y), Y)  # d eps^2 / dy = -2 e^(-2y) < 0
    out = {}
    for reading in xi.Reading:
        first = xi.FIRST_TERM[reading].subs(at_y)
        g = sympy.log(sympy.diff(first, Y)) - sympy.log(-third)
        out[reading.value] = {"lnxi": Raw(function(xi.expr(reading).subs(at_y), Y_ENV, "y, v")),
                              "g": Raw(function(g, Y_ENV, "y, v"))}
    rel = xi.PRINTED_RANGE.relation.subs(at_y)
    out["edge"] = Raw(function(sympy.log(rel.lhs) - sympy.log(rel.rhs), Y_ENV, "y, v"))
    out["epsTuned"] = Raw(function(xi.EPS_TUNED))
    return out


def data_js() -> str:
    """The generated module ``ditrates-data.js`` (a classic script: ``file://`` pages cannot load modules)."""
    all_names = names()
    keys = sorted({k for n in all_names for k in get(n).keys})
    hidden = [k for k, p in PARAMS.items() if p.hidden_constant and k in keys]
    data = {
        "inputs": list(INPUTS) + hidden,  # delta_F too: no result uses it, the page still checks and shows it
        "needed": keys,
        "params": {k: _param(k) for k in PARAMS},
        "results": [_result(n) for n in all_names],
        "groups": {g: list(ns) for g, ns in GROUPS.items()},
        "rules": [_rule(r) for r in defaults.RULES],
        "xi": _solver(),
        "xiRange": Raw(function(xi.PRINTED_RANGE.relation)),
        "depends": {k: list(v) for k, v in defaults.DEPENDS.items()},
        "constants": {"iterations": xi.ITERATIONS, "edgeMargin": xi.EDGE_MARGIN, "slack": xi.BOUNDARY_SLACK,
                      "dOverD0": defaults.D_OVER_D0, "readings": list(xi.CHOICES)},
        "charts": {k: list(v) for k, v in CHARTS.items()},
        "styles": {n: styles.style(n).to_dict() for n in all_names},
        "coincideOn": styles.COINCIDE_ON, "trivialDashes": [list(d) for d in styles.TRIVIAL_DASHES],
    }
    return ("// Generated by `ditrates page` from the Result objects (ditrates/page/generate.py): do not edit.\n"
            f"// Each function returns [sign, ln|value|] (see logspace.js); inputs v hold such pairs.\n"
            f'"use strict";\nconst RESULTS = {_obj(data)};\n')


__all__ = ["CHARTS", "INPUTS", "data_js", "js"]
