"""Numbers in and out: exact parsing of user input, compact human forms, JSON-safe numbers.

Every number ditrates reads goes through :func:`parse_number` (exact: ``"1e5"`` is the integer 100000)
and every number it prints through :func:`format_number` or :func:`format_log10` (which never overflows:
beyond float64 a value prints as ``10^(...)``); :func:`json_number` is the one rule for JSON.
"""

from __future__ import annotations

import decimal
import math

import mpmath

from ditrates.errors import DomainError

MP_DPS = 40
"""Working precision (decimal digits) of every mpmath computation."""
MAX_DECIMAL_EXPONENT = 100_000
"""Inputs above ``10^MAX_DECIMAL_EXPONENT`` are refused (their integer would not fit in memory)."""


# ----------------------------------------------------------------------------------------------------
def parse_number(text: str | int | float, *, integer: bool = False, name: str = "value"):
    """Parse ``"1e5"``, ``"100_000"``, ``"0.25"`` exactly: an ``int`` for integers, an ``mpf`` otherwise.

    >>> parse_number("1e5", integer=True)
    100000
    >>> parse_number("2.5e-400")
    mpf('2.5e-400')
    >>> parse_number("1.5", integer=True, name="n")
    Traceback (most recent call last):
    ...
    ditrates.errors.DomainError: n must be an integer, got 1.5
    >>> parse_number("nan", name="eps")
    Traceback (most recent call last):
    ...
    ditrates.errors.DomainError: eps must be a finite number, got 'nan'
    """
    raw = str(text).strip()
    try:
        dec = decimal.Decimal(raw)
    except (decimal.InvalidOperation, ValueError):
        raise DomainError(f"{name} must be a number, got {raw!r}") from None
    if not dec.is_finite():
        raise DomainError(f"{name} must be a finite number, got {raw!r}")
    if dec.adjusted() > MAX_DECIMAL_EXPONENT:
        raise DomainError(f"{name} = {raw} is too large (ditrates accepts up to 1e{MAX_DECIMAL_EXPONENT})")
    if integer:
        if dec != dec.to_integral_value():
            raise DomainError(f"{name} must be an integer, got {raw}")
        return int(dec)
    if dec.adjusted() < -MAX_DECIMAL_EXPONENT:
        raise DomainError(f"{name} = {raw} is too small (ditrates accepts down to 1e-{MAX_DECIMAL_EXPONENT})")
    with mpmath.workdps(MP_DPS):
        return mpmath.mpf(str(dec))


def format_number(x, digits: int = 4) -> str:
    """A compact human form: integers exactly up to 10^7, everything else with ``digits`` significant digits.

    >>> format_number(100000), format_number(10**12), format_number(mpmath.mpf("0.921937"))
    ('100000', '1e+12', '0.9219')
    >>> format_number(0.99999996)  # a number below 1 never prints as 1
    '1 - 4.0e-8'
    """
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) and abs(x) < 10**7:
        return str(x)
    if isinstance(x, int | float) and x != 0 and abs(x) < 1e16 and math.isfinite(x) and x == int(x):
        return f"{float(x):.{digits}g}"
    if isinstance(x, str):
        return x
    if isinstance(x, mpmath.mpf) and mpmath.isfinite(x) and abs(x) < 10**7 and x == int(x):
        return str(int(x))
    if isinstance(x, mpmath.mpf) and mpmath.isfinite(x) and x != 0 and abs(mpmath.log10(abs(x))) >= 10**15:
        return ("-" if x < 0 else "") + format_log10(mpmath.log10(abs(x)), digits)  # the exponent has > 15 digits
    shown = mpmath.nstr(mpmath.mpf(x), digits, min_fixed=-4, max_fixed=7, strip_zeros=True)
    if shown in ("1", "1.0") and 0 < x < 1:  # an accuracy in (0, 1) never prints as its excluded end
        return "1 - " + mpmath.nstr(1 - mpmath.mpf(x), 2)
    return shown


def format_exact(x) -> str:
    """``x`` with as many significant digits as it has, up to 15 (at least 4): a number the user typed, such as
    a target, shown as typed, never rounded to look like another.

    >>> format_exact(mpmath.mpf("2.0001")), format_exact(0.05), format_exact(mpmath.mpf("1e200")), format_exact(3)
    ('2.0001', '0.05', '1.0e+200', '3')
    """
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x) if abs(x) < 10**15 else format_number(x, 15)
    with mpmath.workdps(MP_DPS):
        for digits in range(4, 16):
            if mpmath.almosteq(mpmath.mpf(mpmath.nstr(mpmath.mpf(x), digits)), mpmath.mpf(x), rel_eps=1e-15):
                return format_number(x, digits)
    return format_number(x, 15)


def round_inward(x, *, up: bool, digits: int = 4):
    """``x`` rounded to ``digits`` significant digits towards the inside of a range it ends: up for a lower end,
    down for an upper end, so that the printed number, typed back, lies inside. Integers stay integers (exact
    below ``10^digits``).

    >>> round_inward(mpmath.mpf("0.445772"), up=False), round_inward(820501269715965, up=True)
    (mpf('0.4457'), 820600000000000)
    >>> format_number(round_inward(mpmath.mpf("0.445772"), up=True)), round_inward(37, up=False)
    ('0.4458', 37)
    """
    if isinstance(x, int) and not isinstance(x, bool):
        drop = _decimal_digits(abs(x)) - digits
        if drop <= 0:
            return x
        q = 10**drop
        return -(-x // q) * q if up else x // q * q
    with mpmath.workdps(MP_DPS):
        x = mpmath.mpf(x)
        if x == 0 or not mpmath.isfinite(x):
            return x
        scale = mpmath.mpf(10) ** (digits - 1 - int(mpmath.floor(mpmath.log10(abs(x)))))
        scaled = x * scale
        whole = mpmath.ceil(scaled) if up else mpmath.floor(scaled)
        if abs(whole - scaled) < mpmath.mpf(10) ** (10 - MP_DPS):  # x has at most ``digits`` digits already
            whole = mpmath.nint(scaled)
        return whole / scale


def _decimal_digits(x: int) -> int:
    """The number of decimal digits of a positive integer, without converting it to a string (Python refuses
    beyond 4300 digits; a solved n may have 10^5).

    >>> _decimal_digits(999), _decimal_digits(1000), _decimal_digits(10**5000)
    (3, 4, 5001)
    """
    n = max(1, int(x.bit_length() * 0.30102999566398))
    while 10**n <= x:
        n += 1
    while n > 1 and 10 ** (n - 1) > x:
        n -= 1
    return n


def format_edge(x, *, upper: bool = True, digits: int = 4, inside=None) -> str:
    """The end of a range (``eps <= 0.4457``), printed rounded inward (:func:`round_inward`): typed back, it lies
    inside. ``upper`` for an upper end. With ``inside`` (a test of a number against the range), the nearest
    ``digits``-digit number where it passes (an edge computed as 0.2499999999997 for 2^(-2) prints 0.25).

    >>> format_edge(mpmath.mpf("0.445772")), format_edge(mpmath.mpf("0.445772"), upper=False)
    ('0.4457', '0.4458')
    >>> format_edge(mpmath.mpf("0.2499999999997"), inside=lambda e: e <= mpmath.mpf("0.25"))
    '0.25'
    """
    if inside is not None:
        nearest = format_number(x, digits)
        if " " not in nearest and inside(parse_number(nearest)):
            return nearest
    return format_number(round_inward(x, up=not upper, digits=digits), digits)


def format_log10(log10, digits: int = 4) -> str:
    """Format ``10**log10`` without overflow: plain if representable, ``10^(...)`` otherwise, and a tower
    ``10^(10^(...))`` where the exponent itself is beyond 10^300.

    >>> format_log10(-1.5), format_log10(2.5e5), format_log10(-400), format_log10(mpmath.mpf("1e1000"))
    ('0.03162', '10^(2.5e+5)', '10^(-400)', '10^(10^(1000))')
    """
    log10 = mpmath.mpf(log10)
    if abs(log10) < 300:
        return mpmath.nstr(mpmath.power(10, log10), digits, min_fixed=-4, max_fixed=5, strip_zeros=False).rstrip(".")
    if abs(log10) >= mpmath.mpf(10) ** 300:
        return f"10^({'-' if log10 < 0 else ''}{format_log10(mpmath.log10(abs(log10)), digits)})"
    shown = mpmath.nstr(log10, digits, min_fixed=-1, max_fixed=4)
    return f"10^({shown[:-2] if shown.endswith('.0') else shown})"


def is_array(x) -> bool:
    """Whether ``x`` is a numpy array with at least one axis (a grid), as opposed to a scalar: the one test every
    module that takes scalars and arrays alike uses (numpy is not imported to answer it).

    >>> is_array(0.5), is_array(mpmath.mpf(2))
    (False, False)
    """
    return type(x).__module__ == "numpy" and getattr(x, "ndim", 0) > 0


def to_float_or_none(x) -> float | None:
    """``float(x)`` if it is finite in float64, else ``None`` (never inf or nan)."""
    try:
        f = float(x)
    except (OverflowError, ValueError):
        return None
    return f if math.isfinite(f) else None


def json_safe(obj):
    """A JSON-ready copy of ``obj``: dicts and lists element by element, exact numbers by :func:`json_number`,
    and a float that is not finite (a measurement that has no value) as None. Never inf or nan.

    >>> json_safe({"a": float("inf"), "b": [mpmath.mpf("1e400"), 2, 0.5], "c": "x"})
    {'a': None, 'b': ['1.0e+400', 2, 0.5], 'c': 'x'}
    """
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, int | mpmath.mpf):
        return json_number(obj)
    return obj


def json_number(x):
    """A JSON-safe number: an int, a finite float, or (beyond float64) a decimal string."""
    if isinstance(x, int) and not isinstance(x, bool):
        return x if abs(x) < 2**63 else mpmath.nstr(mpmath.mpf(x), 15)
    f = to_float_or_none(x)
    return f if f is not None else mpmath.nstr(mpmath.mpf(x), 15)


def plain(x):
    """A Python int or float for an exact int, a Fraction or an mpmath number; beyond float64 the mpmath number
    itself (never inf).

    >>> plain(mpmath.mpf("0.5")), plain(7), plain(mpmath.power(2, 2000)) == mpmath.power(2, 2000)
    (0.5, 7, True)
    """
    if isinstance(x, int) or type(x).__module__ == "numpy":
        return x
    f = to_float_or_none(x)
    return f if f is not None else mpmath.mpf(x)


def parse_list(text: str, name: str, *, integer: bool = False, low=None, open_low: bool = False) -> list:
    """``"1024,4096"`` -> ``[1024, 4096]``: a comma-separated list of numbers, each parsed exactly by
    :func:`parse_number` and at least ``low`` (strictly above it with ``open_low``); an empty item is refused.

    >>> parse_list("1024, 4096", "--L", integer=True, low=2)
    [1024, 4096]
    >>> parse_list("1024,,4096", "--L")
    Traceback (most recent call last):
    ...
    ditrates.errors.DomainError: --L has an empty item: '1024,,4096'
    """
    raw = [item.strip() for item in str(text).split(",")]
    if not text.strip() or any(not item for item in raw):
        raise DomainError(f"{name} has an empty item: {text!r}")
    items = [parse_number(item, integer=integer, name=name) for item in raw]
    if low is not None and any(x < low or (open_low and x == low) for x in items):
        bound = f"> {low}" if open_low else f">= {low}"
        raise DomainError(f"{name} must be a comma-separated list of numbers {bound}, got {text!r}")
    return [int(x) if integer else float(x) for x in items]


def split_range(text: str, name: str = "--range") -> tuple[str, str]:
    """``"1e2:1e30"`` -> ``("1e2", "1e30")``: the LO:HI syntax of a search or plot range (numbers parsed by the
    caller, which knows their domain).

    >>> split_range("1e2:1e30")
    ('1e2', '1e30')
    """
    lo, sep, hi = str(text).partition(":")
    if not sep or not lo.strip() or not hi.strip():
        raise DomainError(f"{name} expects LO:HI (e.g. 1e2:1e30), got {text!r}")
    return lo.strip(), hi.strip()
