"""The page's JavaScript data module, generated from the Result objects: formulas, conditions, defaults, xi's solver.

Everything the browser computes with is printed here from sympy by :mod:`ditrates.page.jsprint`:

* each result's expression in each reading of xi (hidden factors at their displayed value), its trivial value,
  its conditions (with the sentence :meth:`Result.check_conditions` writes when one fails);
* the defaults (:data:`ditrates.defaults.RULES`): those that are expressions (``T = ln n``, ``T0 = min(c0,
  1/Ls)``, ...) as functions with their reasons, the others by name (mirrored in ``assets/resolve.js``);
* the table of readings of xi (:data:`ditrates.xi.READINGS`), and for ``eps = auto``, with ``y = ln(1/eps)``:
  ``ln xi(y)`` in each reading; ``g(y) = phi + ln phi' - ln(-d eps^2/dy)`` (:func:`ditrates.minimiser.calculus`, sympy's
  derivatives), whose root minimises xi; and each range's ``h(y) = ln(larger side) - ln(smaller side)`` at
  ``eps = e^(-y)``, increasing in y, whose root is the range's edge.

The hand-written JavaScript (``assets/logspace.js``, ``assets/app.js``) holds only the log-space primitives,
the bisection, number formatting and the glue; the browser test checks all of it against Python.

>>> "RESULTS" in data_js()
True
"""

from __future__ import annotations

import json

import sympy

from ditrates import defaults, minimiser, ranges, styles, xi
from ditrates.comparison import baselines_of
from ditrates.page.jsprint import function, js
from ditrates.page.prose import for_page
from ditrates.registry import GROUPS, get, names
from ditrates.symbols import PARAMS, S

Y = sympy.Symbol("y", nonnegative=True)
"""The solver's variable y = ln(1/eps) >= 0."""
Y_ENV = {Y: "LS.num(y)"}

INPUTS = ("d0", "d", "L", "D", "n", "eps", "t", "T0", "T", "mu", "c0", "Ls", "L_h", "C_h", "s", "beta", "B", "kappa",
          "delta_F")
"""The page's inputs, in the order the CLI lists them; the hidden constants follow."""



def _rule(r: defaults.Rule) -> dict:
    """A default rule for the page: its expression as JavaScript, or the name of the computation it mirrors."""
    exact = r.expr is not None and bool(r.expr.is_integer)  # e.g. C_h = d0: an integer, as Python keeps it
    out = {"key": r.key, "needs": list(r.needs), "name": r.name, "integer": PARAMS[r.key].integer or exact}
    if r.expr is not None:
        out.update(fn=Raw(function(r.expr)), reason=for_page(r.reason))  # the page has no --explicit
    return out

HINTS = {"_f2_hint": "f2", "_construction_hint": "construction"}
"""Condition hints (Python functions) and the page's template for each (``assets/resolve.js``); a range at the
tuned eps (``xi-tuned``) names its range's template after ``tuned:``."""


def charts() -> dict[str, tuple[str, ...]]:
    """The results drawn against n and against L (with d held, d0 = d L): every statistical rate whose expression
    has the axis's symbol, each followed by its baselines (:func:`ditrates.comparison.baselines_of`) that depend on
    n, or on d0 = d L.

    >>> charts()["L"]
    ('network-size', 'xi', 'score-estimation', 'chen2023-score-estimation', 'subspace-recovery', 'tv-recovery', \
'chen2023-tv', 'oko2023-tv', 'hu2025-latent-tv')
    """
    out = {}
    for axis, along in (("n", {"n"}), ("L", {"L", "d0"})):
        own = [n for n in names("statistical") if PARAMS[axis].symbol in get(n).expr.free_symbols]
        out[axis] = tuple(dict.fromkeys(m for n in own for m in (n, *baselines_of(n)) if along & set(get(m).keys)))
    return out


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
        name = c.hint.__name__
        base = name.removeprefix("tuned:")
        if base not in HINTS:
            raise NotImplementedError(f"condition {c.text()}: no page template for its hint {name}")
        hint = {"template": HINTS[base], "tuned": name != base,
                "range": next(i for i, r in enumerate(xi.RANGES) if getattr(r.hint, "__name__", "") == base)}
    keys = [PARAMS_BY_SYMBOL[s] for s in sorted(c.symbols, key=str)]
    return {"test": Raw(function(c.relation)), "text": c.text(), "source": c.source, "keys": keys, "hint": hint,
            "waivable": c.waivable, "label": c.support.value}


PARAMS_BY_SYMBOL = {p.symbol: p.key for p in PARAMS.values()}


def _result(name: str) -> dict:
    r = get(name)
    forms = {reading: Raw(function(r.displayed_expr(False, reading))) for reading in r.forms} if r.forms else {
        "": Raw(function(r.displayed_expr(False)))}
    return {"name": r.name, "source": r.source, "kind": r.kind, "summary": r.summary, "keys": list(r.keys),
            "forms": forms, "trivial": Raw(function(r.trivial.value)) if r.trivial is not None else None,
            "trivialReason": r.trivial.reason if r.trivial else "", "conditions": [_condition(c) for c in r.conditions],
            "order": r.order.text(), "bounds": r.bounds, "verdict": _verdict(r)}


def _verdict(r) -> dict | None:
    """A criterion's verdict for the page (``threshold.EfficientVerdict.spec``, with the part it reads as a function),
    or None."""
    if r.verdict is None:
        return None
    spec = r.verdict.spec()
    return {**spec, "part": Raw(function(next(p.expr for p in r.parts if p.key == spec["part"])))}


def _readings() -> dict:
    """The table of readings (:data:`ditrates.xi.READINGS`) as the page needs it: per reading, its title, premises,
    ranges (indices into :func:`_ranges`), ``ln xi(y)`` and ``g(y)``; every function of y = ln(1/eps) and v."""
    out = {}
    for reading, spec in xi.READINGS.items():
        calc = minimiser.calculus(reading)
        at_y = {ranges.Y: Y, ranges.U: sympy.log(S.n)}
        g = calc.phi + sympy.log(calc.dphi) - calc.lndt
        lnxi = sympy.log(xi.expr(reading).subs({S.eps: sympy.exp(-Y)}))
        out[reading.value] = {"title": spec.title, "summary": spec.summary,
                              "premises": [p.to_dict() for p in spec.premises],
                              "ranges": [xi.RANGES.index(c) for c in spec.ranges],
                              "lnxi": Raw(function(lnxi, Y_ENV, "y, v")),
                              "g": Raw(function(g.subs(at_y), Y_ENV, "y, v"))}
    return out


def _ranges() -> list[dict]:
    """Every range of :data:`ditrates.xi.RANGES`: the condition, and ``h(y)`` whose root is its edge."""
    return [{**_condition(c), "h": Raw(function(ranges.range_function(c).subs(ranges.Y, Y), Y_ENV, "y, v"))}
            for c in xi.RANGES]


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
        "readings": _readings(),
        "ranges": _ranges(),
        "epsTuned": Raw(function(xi.EPS_TUNED)),
        "depends": {k: list(v) for k, v in defaults.DEPENDS.items()},
        "constants": {"iterations": ranges.ITERATIONS, "edgeMargin": ranges.EDGE_MARGIN,
                      "slack": minimiser.BOUNDARY_SLACK, "dOverD0": defaults.D_OVER_D0,
                      "defaultReading": xi.DEFAULT.value},
        "charts": {k: list(v) for k, v in charts().items()},
        "styles": {n: styles.style(n).to_dict() for n in all_names},
        "coincideOn": styles.COINCIDE_ON, "trivialDashes": [list(d) for d in styles.TRIVIAL_DASHES],
    }
    return ("// Generated by `ditrates page` from the Result objects (ditrates/page/generate.py): do not edit.\n"
            f"// Each function returns [sign, ln|value|] (see logspace.js); inputs v hold such pairs.\n"
            f'"use strict";\nconst RESULTS = {_obj(data)};\n')


__all__ = ["INPUTS", "charts", "data_js", "js"]
