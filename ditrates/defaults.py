"""Default values of the parameters, and the resolution of a user's partial input into full values.

Every default is documented here and is reported beside every evaluation:

========  =====================================================================================
``d``     4 (patch size p = 2, d = p^2) when 4 divides d0 with d0/4 > 1; otherwise the smallest
          divisor d > 1 of d0 with d0/d > 1 (Definition 3.1 reshapes R^d0 into d x L)
``L``     d0 / d
``d0``    d * L (when both are given)
``D``     48 d0: the ratio of the SD-VAE, 256x256x3 images to 32x32x4 latents. D enters only the
          ``--explicit`` factors: the displayed rates do not depend on it (the paper's point).
``c0``    1, ``L_s+``: 1 (the values of a standard Gaussian latent h ~ N(0, I))
``T0``    min(c0, 1/L_s+): Corollary 3.2.1 sets T0 = O(min(c0, 1/L_s+)), hidden constant 1
``T``     ln n: Corollary 3.2.1 sets T = O(log n), hidden constant 1 (infinite when no n is given)
``eps``   auto: the minimiser of xi(n, eps, L) within the range of the reading of xi in force
          (:func:`ditrates.xi.choose`; the reading ``auto`` takes the one with the smaller minimum)
``t``     T0: the worst time in [T0, T] for Theorem 3.1's eps sqrt(d0)/sigma(t)
``mu``    T0/100: the backward process's step size, mu << T0 as Corollary 3.2.1 (iii) asks
``s``     2: the Besov smoothness of a C^2 density (Oko et al.)
``beta``  2: the Hoelder index of a C^2 density (Hu et al. 2025); not shared with ``s``
``kappa`` 1: no softmax temperature, as in the paper's Section 4
``delta_F`` 1/L (the paper's accuracy 1/poly(L) with exponent 1)
constants 1 (every ``C_...`` hidden by O(.), and ``a`` of Corollary 3.2.1 (iii))
========  =====================================================================================

>>> r = resolve({"d0": 16, "n": "1e5"}, ["d0", "d", "L", "n", "eps", "T0", "T"])
>>> r.values["d"], r.values["L"], r.values["n"]
(4, 4, 100000)
>>> r.reasons["T"]
'ln n = 11.51 (Cor. 3.2.1: T = O(log n), constant 1)'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import mpmath

from ditrates import formatting, numerics, xi
from ditrates.errors import DomainError, MissingValue
from ditrates.symbols import PARAMS, param

D_OVER_D0 = 48
"""Default ambient-to-latent ratio D / d0 (256x256x3 images, 32x32x4 SD-VAE latents)."""

# Defaults that are functions of other parameters: which keys each depends on.
DEPENDS = {
    "L": ("d0",),
    "d": ("d0",),
    "D": ("d0",),
    "T0": ("c0", "Ls"),
    "T": ("n",),
    "eps": ("n", "L"),
    "t": ("T0",),
    "mu": ("T0",),
    "delta_F": ("L",),
}


@dataclasses.dataclass
class Resolved:
    """Full parameter values: ``values`` by key, and ``reasons`` for the ones that were defaulted."""

    values: dict[str, Any]
    reasons: dict[str, str]
    given: dict[str, Any]
    reading: Any = None
    """The reading of xi in force (:class:`ditrates.xi.Reading`, a boolean mask "printed" on grids with the
    reading auto), or None where eps or L is not needed."""

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
    for d in range(2, int(d0**0.5) + 1):
        if d0 % d == 0:
            return d
    raise DomainError(
        f"d0 = {d0} has no factorisation d0 = d L with d, L > 1 (Definition 3.1 and Theorem 3.2 need "
        "L > 1); give --d and --L explicitly")


def _is_array(v) -> bool:
    return type(v).__module__ == "numpy" and getattr(v, "ndim", 0) > 0


def _parse(key: str, raw):
    p = param(key)
    if _is_array(raw):
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
            xi_reading: str = xi.AUTO) -> Resolved:
    """Complete ``given`` (key -> number, numeric string or numpy array) with the defaults ``needed``.

    ``xi_reading`` is the reading of xi asked for (``auto``, ``printed`` or ``proof``, :mod:`ditrates.xi`); the
    one in force is ``Resolved.reading``. ``strict=False`` accepts non-integer values for integer parameters
    (used for derivatives).
    """
    if xi_reading not in xi.CHOICES:
        raise DomainError(f"xi_reading must be one of {', '.join(xi.CHOICES)}, got {xi_reading!r}")
    reading = None
    values: dict[str, Any] = {}
    for key, raw in given.items():
        if raw is None:
            continue
        p = param(key)
        v = _parse(key, raw) if strict or not isinstance(raw, mpmath.mpf) else raw
        if strict and not _is_array(v):
            p.check(v)
        values[key] = v
    reasons: dict[str, str] = {}
    needed = set(needed)
    wanted = _closure(needed, set(values))

    def need(key: str):
        if key not in values:
            raise MissingValue(f"{param(key).label} is needed; give {param(key).cli}")
        return values[key]

    def default(key: str, value, reason: str):
        values[key] = value
        reasons[key] = reason

    # Dimensions: d0 = d L (Definition 3.1).
    if "d0" in wanted and "d0" not in values and "d" in values and "L" in values:
        default("d0", values["d"] * values["L"], "d L")
    if "d0" in values and {"d", "L"} & wanted:
        d0 = values["d0"]
        exact = strict and not _is_array(d0)
        if "d" in values and "L" in values:
            if exact and d0 != values["d"] * values["L"]:
                raise DomainError(f"d0 = {d0} differs from d L = {values['d'] * values['L']} (Definition 3.1)")
        elif "L" in values:
            default("d", _exact_div(d0, values["L"], "L") if exact else d0 / values["L"], "d0 / L")
        elif "d" in values:
            default("L", _exact_div(d0, values["d"], "d") if exact else d0 / values["d"], "d0 / d")
        else:
            if _is_array(d0):
                raise MissingValue("give d or L with an array of d0 (the default d needs a single d0)")
            d = default_d(int(d0))
            default("d", d, f"{d} (patch p = 2, d = p^2)" if d == 4 else f"{d} (smallest divisor > 1 of d0)")
            default("L", d0 // d, f"d0 / d = {d0 // d}")
    if "D" in wanted and "D" not in values and "d0" in values:
        default("D", D_OVER_D0 * values["d0"], f"{D_OVER_D0} d0 (SD-VAE ratio; D enters only --explicit)")
    for key in ("c0", "Ls"):
        if key in wanted and key not in values:
            default(key, 1, "1 (standard Gaussian latent)")
    if "s" in wanted and "s" not in values:
        default("s", 2, "2 (Besov smoothness of a C^2 density)")
    if "beta" in wanted and "beta" not in values:
        default("beta", 2, "2 (Hoelder index of a C^2 density)")
    if "T0" in wanted and "T0" not in values:
        t0 = _min(values["c0"], 1 / _mpf(values["Ls"]))
        default("T0", t0, f"min(c0, 1/L_s+) = {_fmt(t0)} (Cor. 3.2.1, constant 1)")
    if "T" in wanted and "T" not in values:
        if "n" in values:
            T = _log(values["n"])
            default("T", T, f"ln n = {_fmt(T)} (Cor. 3.2.1: T = O(log n), constant 1)")
        else:
            default("T", mpmath.inf, "infinite (no n given)")
    if "mu" in wanted and "mu" not in values:
        default("mu", values["T0"] / 100, f"T0/100 = {_fmt(values['T0'] / 100)} (mu << T0, Cor. 3.2.1 (iii))")
    if "t" in wanted and "t" not in values:
        default("t", values["T0"], "T0 (the worst time for Thm 3.1)")
    if "eps" in wanted and "eps" not in values:
        n, L = need("n"), need("L")
        if not _at_least_2(L):
            raise DomainError("eps = auto minimises xi, which needs L >= 2 (Theorem 3.2: L > 1); give eps")
        choice = xi.choose(n, L, xi_reading, values.get("C_K", 1))
        reading = choice.reading
        if _is_array(choice.eps):
            default("eps", choice.eps, "auto (minimises xi in the reading in force, elementwise)")
        else:
            default("eps", choice.eps, choice.describe(L))
            reasons["xi_reading"] = choice.describe_reading()
    elif "eps" in wanted and "L" in values and _at_least_2(values["L"]):
        reading = xi.reading_at(values["eps"], values["L"], xi_reading)
        if xi_reading == xi.AUTO and isinstance(reading, xi.Reading):
            reasons["xi_reading"] = xi.describe_reading_at(values["eps"], values["L"], reading)
    if "kappa" in wanted and "kappa" not in values:
        default("kappa", 1, "1 (no softmax temperature, as in the paper's Sec. 4)")
    if "delta_F" in wanted and "delta_F" not in values:
        default("delta_F", 1 / _mpf(need("L")), "1/L (accuracy 1/poly(L))")
    for key in wanted:
        p = PARAMS[key]
        if key not in values and p.hidden_constant:
            default(key, 1, "1 (hidden constant)")
    for key in needed:
        need(key)
    return Resolved(values, reasons, {k: v for k, v in given.items() if v is not None}, reading)


def _closure(keys: set[str], given: set[str]) -> set[str]:
    """``keys`` and, for those without a given value, the keys their defaults are computed from."""
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
    return bool((L >= 2).all()) if _is_array(L) else L >= 2


def _exact_div(a: int, b: int, name: str) -> int:
    if a % b:
        raise DomainError(f"{name} = {b} does not divide d0 = {a} (Definition 3.1: d0 = d L)")
    return a // b


def _mpf(v):
    return v if _is_array(v) else mpmath.mpf(v)


def _min(a, b):
    if _is_array(a) or _is_array(b):
        import numpy as np

        return np.minimum(a, b)
    return min(mpmath.mpf(a), mpmath.mpf(b))


def _log(v):
    if _is_array(v):
        import numpy as np

        return np.log(v)
    return mpmath.log(v)


def _fmt(v) -> str:
    return "elementwise" if _is_array(v) else formatting.format_number(v)
