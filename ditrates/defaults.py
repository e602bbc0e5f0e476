"""Default values of the parameters, as a table of rules, and the resolution of a user's partial input.

Each :class:`Rule` sets one parameter from others (``needs``) and says why in words; a parameter may have
several rules, tried in order (``d`` from ``d0 / L`` when L is given, else the patch default). :func:`resolve`
applies the rules until nothing changes; the dependencies (:data:`DEPENDS`) are derived from the table, and
every default used is reported beside every evaluation. The defaults, in words (``ditrates show --defaults``
prints the same table from :data:`RULES`):

>>> for key in ("d", "T0", "T", "eps"):
...     print(f"{key}: {doc(key)}")
d: d0 / L when L is given; else 4 (patch p = 2, d = p^2) when 4 divides d0 with d0/4 > 1, otherwise the
   smallest divisor d > 1 of d0 (Definition 3.1)
T0: min(c0, 1/Ls): Cor. 3.2.1 sets T0 = O(min(c0, 1/Ls)), hidden constant 1
T: ln n: Cor. 3.2.1 sets T = O(log n), hidden constant 1; else infinite when no n is given
eps: auto: the minimiser of xi(n, eps, L) inside the ranges of the reading of xi in force (Definition 3.4 as
     printed unless another is asked for)
>>> r = resolve({"d0": 16, "n": "1e5"}, ["d0", "d", "L", "n", "eps", "T0", "T"])
>>> r.values["d"], r.values["L"], r.values["n"]
(4, 4, 100000)
>>> r.reasons["T"]
'ln n = 11.51 (Cor. 3.2.1: T = O(log n), constant 1)'
"""

from __future__ import annotations

import dataclasses
import fractions
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import mpmath
import sympy

from ditrates import formatting, minimiser, numerics, xi
from ditrates.errors import DomainError, MissingValue
from ditrates.formatting import is_array
from ditrates.symbols import PARAMS, S, param

D_OVER_D0 = 48
"""Default ambient-to-latent ratio D / d0 (256x256x3 images, 32x32x4 SD-VAE latents)."""
MAX_DIVISOR_SEARCH = 10**6
"""The default d looks for a divisor of d0 up to this bound."""


@dataclasses.dataclass
class Resolved:
    """Full parameter values: ``values`` by key, and ``reasons`` for the ones that were defaulted."""

    values: dict[str, Any]
    reasons: dict[str, str]
    given: dict[str, Any]
    reading: Any = None
    """The reading of xi in force (:class:`ditrates.xi.Reading`): the one asked for, on scalars and grids alike."""

    def symbol_values(self) -> dict:
        return {PARAMS[k].symbol: v for k, v in self.values.items()}

    def held_for(self, key: str) -> dict[str, Any]:
        """The inputs to re-resolve with ``key`` moved: everything given, plus the discrete defaults
        (``d``) frozen, so that only the defaults that are smooth functions of ``key`` follow it."""
        held = dict(self.given)
        if "d" in self.reasons and key == "d0":
            held["d"] = self.values["d"]
        return held


def default_d(d0: int) -> int:
    """The default token width for a latent dimension ``d0`` (see the module docstring).

    >>> default_d(16), default_d(4096), default_d(18), default_d(9)
    (4, 4, 2, 3)
    """
    if d0 % 4 == 0 and d0 // 4 > 1:
        return 4
    for d in range(2, min(math.isqrt(d0), MAX_DIVISOR_SEARCH) + 1):
        if d0 % d == 0:
            return d
    if math.isqrt(d0) > MAX_DIVISOR_SEARCH:
        raise DomainError(f"d0 = {formatting.format_number(d0)} has no divisor up to {MAX_DIVISOR_SEARCH}; give d "
                          "or L (Definition 3.1: d0 = d L)")
    raise DomainError(
        f"d0 = {d0} has no factorisation d0 = d L with d, L > 1 (Definition 3.1 and Theorem 3.2 need "
        "L > 1); give d and L")


@dataclasses.dataclass
class _Context:
    """What a rule sees: the values so far, the reading of xi, and whether inputs are exact (``strict``)."""

    values: dict[str, Any]
    reading: xi.Reading
    strict: bool


@dataclasses.dataclass(frozen=True)
class Rule:
    """A default for ``key`` from ``needs``: either a sympy expression ``expr`` of them, with the reason
    ``reason`` (``{value}`` stands for the value), or a computation ``compute`` (returning the value and its
    reason) where the default is not an expression; ``doc`` says it in words for help texts and docs. The page
    (:mod:`ditrates.page`) prints the expressions as JavaScript and mirrors the computations by ``name``."""

    key: str
    needs: tuple[str, ...]
    doc: str
    expr: sympy.Expr | None = None
    reason: str = ""
    compute: Callable[[_Context], tuple[Any, str]] | None = None

    @property
    def name(self) -> str:
        """The computation's name (for the page's mirror), or "expr"."""
        return "expr" if self.compute is None else self.compute.__name__.strip("_")

    def apply(self, ctx: _Context) -> tuple[Any, str]:
        if self.compute is not None:
            return self.compute(ctx)
        vals = {PARAMS[k].symbol: v for k, v in ctx.values.items()}
        if any(is_array(v) for v in vals.values()):
            value = numerics.value_eval(self.expr, vals, "np")
        else:
            value = numerics.plain_eval(self.expr, vals)
            if isinstance(value, fractions.Fraction):  # exact: an int where it is one, else a 40-digit number
                value = int(value) if value.denominator == 1 else mpmath.mpf(value.numerator) / value.denominator
        return value, self.reason.format(value=_fmt(value))


def _d_from_L(c):
    v = c.values
    d0, L = v["d0"], v["L"]
    exact = c.strict and not is_array(d0)
    return (_exact_div(d0, L, "L") if exact else _div(d0, L)), "d0 / L"


def _L_from_d(c):
    v = c.values
    d0, d = v["d0"], v["d"]
    exact = c.strict and not is_array(d0)
    value = _exact_div(d0, d, "d") if exact else _div(d0, d)
    return value, f"d0 / d = {_fmt(value)}"


def _d_default(c):
    d0 = c.values["d0"]
    if is_array(d0):
        raise MissingValue("give d or L with an array of d0 (the default d needs a single d0)", "d")
    d = default_d(int(d0))
    return d, (f"{d} (patch p = 2, d = p^2)" if d == 4 else f"{d} (smallest divisor > 1 of d0)")


def _eps_auto(c):
    if not _at_least_2(c.values["L"]):
        raise DomainError("eps = auto minimises xi, which needs L >= 2 (Theorem 3.2: L > 1); give eps")
    values = {PARAMS[k].symbol: v for k, v in c.values.items()}
    choice = minimiser.minimise(c.reading, values)
    if is_array(choice.eps):
        return choice.eps, "auto (minimises xi inside the ranges of the reading in force, elementwise)"
    return choice.eps, choice.describe(values)


def _rule(key, needs, expr, reason, doc) -> Rule:
    return Rule(key, needs, doc, sympy.sympify(expr), reason)


RULES: tuple[Rule, ...] = (
    *(_rule(p.key, (), 1, "1 (hidden constant)", f"1 (the constant of {p.hidden_constant})")
      for p in PARAMS.values() if p.hidden_constant),
    _rule("d0", ("d", "L"), S.d * S.L, "d L", "d L (Definition 3.1)"),
    Rule("d", ("d0", "L"), "d0 / L when L is given", compute=_d_from_L),
    Rule("d", ("d0",), "4 (patch p = 2, d = p^2) when 4 divides d0 with d0/4 > 1, otherwise the smallest divisor "
         "d > 1 of d0 (Definition 3.1)", compute=_d_default),
    Rule("L", ("d0", "d"), "d0 / d", compute=_L_from_d),
    _rule("D", ("d0",), D_OVER_D0 * S.d0, f"{D_OVER_D0} d0 (SD-VAE ratio; D enters only --explicit)",
          f"{D_OVER_D0} d0: the SD-VAE ratio of 256x256x3 images to 32x32x4 latents; D enters only the explicit "
          "factors, the displayed rates do not depend on it (the paper's point)"),
    _rule("c0", (), 1, "1 (standard Gaussian latent)", "1 (a standard Gaussian latent h ~ N(0, I))"),
    _rule("Ls", (), 1, "1 (standard Gaussian latent)", "1 (a standard Gaussian latent h ~ N(0, I))"),
    _rule("s", (), 2, "2 (Besov smoothness of a C^2 density)", "2: the Besov smoothness of a C^2 density (Oko et al.)"),
    _rule("beta", (), 2, "2 (Hoelder index of a C^2 density)",
          "2: the Hoelder index of a C^2 density (Hu et al. 2025); not shared with s"),
    _rule("L_h", ("Ls",), 1 + S.Ls, "1 + Ls = {value} (App. F.1.2 takes L_h = 1 + Ls)",
          "1 + Ls: the proof of Theorem 3.1 (App. F.1.2) takes L_h = 1 + L_{s+}"),
    _rule("C_h", ("d0",), S.d0, "d0 (standard Gaussian latent: E||h||^2 = d0)",
          "d0: E||h||^2 = d0 for a standard Gaussian latent h ~ N(0, I)"),
    _rule("T0", ("c0", "Ls"), sympy.Min(S.c0, 1 / S.Ls, evaluate=False),
          "min(c0, 1/Ls) = {value} (Cor. 3.2.1, constant 1)",
          "min(c0, 1/Ls): Cor. 3.2.1 sets T0 = O(min(c0, 1/Ls)), hidden constant 1"),
    _rule("T", ("n",), sympy.log(S.n), "ln n = {value} (Cor. 3.2.1: T = O(log n), constant 1)",
          "ln n: Cor. 3.2.1 sets T = O(log n), hidden constant 1"),
    _rule("T", (), sympy.oo, "infinite (no n given)", "infinite when no n is given"),
    _rule("mu", ("T0",), S.T0 / 100, "T0/100 = {value} (mu << T0, Cor. 3.2.1 (iii))",
          "T0/100: the backward process's step size, mu << T0 as Cor. 3.2.1 (iii) asks"),
    _rule("t", ("T0",), S.T0, "T0 (the worst time for Thm 3.1)",
          "T0: the worst time in [T0, T] for Theorem 3.1's eps sqrt(d0)/sigma(t)"),
    Rule("eps", ("n", "L", "d", "C_K", "C_delta"), "auto: the minimiser of xi(n, eps, L) inside the ranges of the "
         "reading of xi in force (Definition 3.4 as printed unless another is asked for)", compute=_eps_auto),
    _rule("kappa", (), 1, "1 (no softmax temperature, as in the paper's Sec. 4)",
          "1: no softmax temperature, as in the paper's Section 4"),
    _rule("delta_F", ("L",), 1 / S.L, "1/L (accuracy 1/poly(L))",
          "1/L (the paper's accuracy 1/poly(L) with exponent 1)"),
)
"""Every default, in the order they are tried."""

DEPENDS: Mapping[str, tuple[str, ...]] = {
    key: tuple(dict.fromkeys(n for r in RULES if r.key == key for n in r.needs)) for key in dict.fromkeys(
        r.key for r in RULES)}
"""The keys each default may be computed from (derived from :data:`RULES`)."""


def doc(key: str) -> str:
    """The default of ``key`` in words (its rules joined), or "" without a default.

    >>> doc("n")
    ''
    """
    return "; else ".join(r.doc for r in RULES if r.key == key)


def _parse(key: str, raw):
    p = param(key)
    if is_array(raw):
        import numpy as np

        arr = np.asarray(raw, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise DomainError(f"{p.label} must be finite")
        for v in (arr.min(), arr.max()):
            dataclasses.replace(p, integer=False).check(float(v))
        return arr  # integer parameters may take real values on grids: the formulas are smooth in them
    if isinstance(raw, int) and not isinstance(raw, bool):
        if abs(raw).bit_length() > formatting.MAX_DECIMAL_EXPONENT * 3.33:
            raise DomainError(f"{p.label} is too large (ditrates accepts up to 1e{formatting.MAX_DECIMAL_EXPONENT})")
        return raw
    if isinstance(raw, str | float):
        return formatting.parse_number(raw, integer=p.integer, name=p.label)
    if isinstance(raw, mpmath.mpf):
        if p.integer and raw == int(raw):
            return int(raw)
        return raw
    try:
        return formatting.parse_number(str(raw), integer=p.integer, name=p.label)
    except DomainError:
        raise DomainError(f"{p.label} must be a number, got {raw!r}") from None


@numerics.precise
def resolve(given: Mapping[str, Any], needed: Iterable[str], *, strict: bool = True,
            xi_reading: str = xi.DEFAULT) -> Resolved:
    """Complete ``given`` (key -> number, numeric string or numpy array) with the defaults ``needed``.

    ``xi_reading`` is the reading of xi (:mod:`ditrates.xi`: ``printed``, the default, or a repair asked for by
    name); it is ``Resolved.reading``. ``strict=False`` accepts non-integer values for integer parameters (used for
    derivatives).
    """
    reading = xi.reading(xi_reading)
    values: dict[str, Any] = {}
    for key, raw in given.items():
        if raw is None:
            continue
        p = param(key)
        v = _parse(key, raw) if strict or not isinstance(raw, mpmath.mpf) else raw
        if strict and not is_array(v):
            p.check(v)
        values[key] = v
    if strict and {"d0", "d", "L"} <= values.keys() and not is_array(values["d0"]):
        if values["d0"] != values["d"] * values["L"]:
            raise DomainError(f"d0 = {values['d0']} differs from d L = {values['d'] * values['L']} (Definition 3.1)")
    needed = set(needed)
    wanted = _closure(needed, set(values))
    ctx = _Context(values, reading, strict)
    reasons: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for rule in RULES:
            if rule.key in wanted and rule.key not in values and all(n in values for n in rule.needs):
                values[rule.key], reasons[rule.key] = rule.apply(ctx)
                changed = True
    for key in (k for k in PARAMS if k in needed):  # the paper's order: d0 before the D it determines
        if key not in values:
            raise MissingValue(f"{param(key).label} is needed ({param(key).meaning}; no default)", key)
    return Resolved(values, reasons, {k: v for k, v in given.items() if v is not None}, reading)


def _closure(keys: set[str], given: set[str]) -> set[str]:
    """``keys`` and, for those without a given value, the keys their defaults may be computed from."""
    out = set(keys)
    changed = True
    while changed:
        changed = False
        for k in list(out - given):
            for dep in DEPENDS.get(k, ()):
                if dep not in out:
                    out.add(dep)
                    changed = True
    return out


def _at_least_2(L) -> bool:
    return bool((L >= 2).all()) if is_array(L) else L >= 2


def _exact_div(a: int, b: int, name: str) -> int:
    if a % b:
        raise DomainError(f"{name} = {b} does not divide d0 = {a} (Definition 3.1: d0 = d L)")
    return a // b


def _div(a, b):
    """a / b, exactly where both are integers and b divides a (d0 = d L then holds exactly at any size; a float
    quotient of 10^300 / 4 would not), else in real arithmetic."""
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    if isinstance(a, int) and abs(a) >= 2**1000:  # beyond float64
        return mpmath.mpf(a) / b
    return a / b


def _fmt(v) -> str:
    return "elementwise" if is_array(v) else formatting.format_number(v)
