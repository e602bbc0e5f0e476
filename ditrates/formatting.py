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
        drop = len(str(abs(x))) - digits
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


def format_edge(x, *, upper: bool = True, digits: int = 4) -> str:
    """The end of a range (``eps <= 0.4457``), printed rounded inward (:func:`round_inward`): typed back, it lies
    inside. ``upper`` for an upper end.

    >>> format_edge(mpmath.mpf("0.445772")), format_edge(mpmath.mpf("0.445772"), upper=False)
    ('0.4457', '0.4458')
    """
    return format_number(round_inward(x, up=not upper, digits=digits), digits)


def format_against(x, edge, *, upper: bool = True) -> tuple[str, str]:
    """``x`` and the end ``edge`` of a range, printed so that the printed numbers compare as the numbers do (the
    edge rounded inward, both with more digits where 4 would contradict the comparison): never
    ``eps = 0.4458 <= 0.4457``.

    >>> format_against(mpmath.mpf("0.44577"), mpmath.mpf("0.445772")), format_against(0.6, mpmath.mpf("0.445772"))
    (('0.44577', '0.445772'), ('0.6', '0.4457'))
    """
    inside = x <= edge if upper else x >= edge
    for digits in range(4, 21):
        shown, end = format_number(x, digits), format_edge(edge, upper=upper, digits=digits)
        try:
            a, b = parse_number(shown), parse_number(end)
        except DomainError:  # a form that does not parse back (1 - 4.0e-8): as precise as it gets
            break
        if (a <= b if upper else a >= b) == inside and (shown != end or x == edge):
            break
    return shown, end


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
    """A Python int or float for an exact int, a Fraction or an mpmath number (``inf`` beyond float64).

    >>> plain(mpmath.mpf("0.5")), plain(7)
    (0.5, 7)
    """
    if isinstance(x, int) or type(x).__module__ == "numpy":
        return x
    return float(x)


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
