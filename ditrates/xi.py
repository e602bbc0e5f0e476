r"""Definition 3.4's rate xi: its readings (one table), the ranges their derivations need, and ``eps = auto``.

Definition 3.4 prints::

    xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + n^(-1/3) + eps^2

App. F.2 reaches the first term from the covering number of the DiT class::

    log N = O(eps^(-8K) L K d^2 log(nL) / delta_3^2) = O(1) 2^(8K log(L/eps)) d^2 log(nL) / delta_3^2

then writes ``K = (1/eps)^L`` "by (F.17)" and bounds ``8 (1/eps)^L log(L/eps)`` by ``(1/eps)^(2L)`` "by (1/eps)^L >=
8 log(L/eps)". Theorem 3.1, (F.4), (F.17) and Remark 3.4 give ``K = O(eps^(-2L))`` instead, so the chain to
Definition 3.4 is inconsistent; Definition 3.4 as printed is nevertheless what the paper states and proves
Theorem 3.2 with. Each reading is a row of :data:`READINGS`: its covering term, its premises (each labelled
stated, inferred or a repair, :class:`~ditrates.conditions.Support`) and the ranges of eps its derivation needs
(conditions; outside them the proof does not back the number):

* ``printed`` (the default): Definition 3.4 as stated, inside App. F.2's ``(1/eps)^L >= 8 log2(L/eps)``
  (:data:`F2_RANGE`) and Theorem 3.1's construction range ``delta = C_delta eps^(2/d) <= 1/2``
  (:data:`CONSTRUCTION_RANGE`, inferred from App. E.4-E.6: Lemma E.4 assumes ``delta^-1 >= 2`` and App. E.4
  takes ``delta = O(eps^(2/d))``).
* ``covering-line`` (a repair, only when asked for): App. F.2's covering line ``(L/eps)^(8K)`` with Theorem 3.1's
  ``K = C_K eps^(-2L)``, in the construction range, where that K is the construction's count.

No reading is chosen by comparing values: the two rest on contradictory K. The second and third terms,
``n^(-1/3) + eps^2``, are the same in every reading, so xi = n^(-1/3) (F + 1) + eps^2 with F the covering term's
n-free part; every range bounds eps from above (each range's defining function increases in y = ln(1/eps)).

``eps = auto`` minimises xi inside the reading's ranges (:mod:`ditrates.minimiser`); the ranges' edges are in
:mod:`ditrates.ranges`.

>>> [r.value for r in Reading], [c.label for c in ranges("printed")]
(['printed', 'covering-line'], ['(1/eps)^L >= 8 log2(L/eps)', 'delta = C_delta eps^(2/d) <= 1/2'])
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

import sympy

from ditrates.conditions import Condition, Premise, Support, rel
from ditrates.errors import DomainError
from ditrates.formatting import format_number
from ditrates.ranges import shown_edge
from ditrates.symbols import S

THIRD = sympy.Rational(1, 3)


class Reading(str, enum.Enum):
    """A reading of xi: a row of :data:`READINGS`."""

    PRINTED = "printed"
    COVERING_LINE = "covering-line"

    @property
    def spec(self) -> Spec:
        return READINGS[self]

    @property
    def title(self) -> str:
        """What the reading is, in a few words.

        >>> Reading.COVERING_LINE.title
        "App. F.2's covering line with Thm 3.1's K (a repair)"
        """
        return self.spec.title


DEFAULT = Reading.PRINTED
"""The reading the paper states."""
CHOICES = tuple(r.value for r in Reading)
"""The values of ``xi_reading`` (``--xi-reading``)."""
_RETIRED = {
    "auto": "'auto' (the smaller of two readings) is no longer offered: the readings rest on contradictory values "
            "of K, and a minimum across them is backed by neither",
    "proof": "the reading 'proof' is now called 'covering-line': App. F.2's covering line with Theorem 3.1's K, a "
             "repair that is not in the paper",
}


def reading(value) -> Reading:
    """The reading named ``value`` (a :class:`Reading` or its name); a retired or unknown name is refused.

    >>> reading("printed") is Reading.PRINTED
    True
    >>> reading("auto")
    Traceback (most recent call last):
    ...
    ditrates.errors.DomainError: xi_reading: 'auto' (the smaller of two readings) is no longer offered: ...
    """
    if isinstance(value, Reading):
        return value
    if value in _RETIRED:
        raise DomainError(f"xi_reading: {_RETIRED[value]}; choose one of {', '.join(CHOICES)}")
    try:
        return Reading(value)
    except ValueError:
        raise DomainError(f"xi_reading must be one of {', '.join(CHOICES)}, got {value!r}") from None


# ----------------------------------------------------------------------------------------------------
# The ranges the derivations need
# ----------------------------------------------------------------------------------------------------
F2_SOURCE = "App. F.2 (proof of Thm 3.2), the step 'by (1/eps)^L >= 8 log(L/eps)'"
CONSTRUCTION_SOURCE = ("Theorem 3.1's construction: Lemma E.4 assumes delta^-1 >= 2, App. E.4 takes delta = "
                       "O(eps^(2/d)) (inferred from App. E.4-E.6)")


def _f2_hint(values) -> str:
    return f"App. F.2's step holds for eps <= {shown_edge((F2_RANGE,), values)} at L = {format_number(values[S.L])}"


def _construction_hint(values) -> str:
    return (f"Theorem 3.1's construction needs delta = C_delta eps^(2/d) <= 1/2: eps <= "
            f"{shown_edge((CONSTRUCTION_RANGE,), values)} at d = {format_number(values[S.d])}, C_delta = "
            f"{format_number(values[S.C_delta])}")


F2_RANGE = Condition(rel((1 / S.eps) ** S.L, ">=", 8 * sympy.log(S.L / S.eps) / sympy.log(2)), F2_SOURCE,
                     label="(1/eps)^L >= 8 log2(L/eps)", hint=_f2_hint,
                     waivable=True)
"""Where App. F.2's last step holds (the printed reading only). The base of the log is 2: the display before it
writes eps^(-8K) L K as 2^(8K log(L/eps)), true only with log2 (with ln the edge would be 0.49 at L = 4)."""
CONSTRUCTION_RANGE = Condition(rel(S.C_delta * S.eps ** (2 / S.d), "<=", sympy.Rational(1, 2)), CONSTRUCTION_SOURCE,
                               label="delta = C_delta eps^(2/d) <= 1/2", hint=_construction_hint,
                               support=Support.INFERRED, waivable=True)
"""Where Theorem 3.1's construction, and so K = O(eps^(-2L)) blocks (Lemma E.6: O(delta^(-dL))), holds: Lemma E.4
assumes delta^-1 >= 2, and App. E.4 takes delta = O(eps^(2/d)) with the hidden constant C_delta (default 1). Every
reading, and Theorem 3.1's network size, needs it; with C_delta = 1 it reads eps <= 2^(-d/2)."""


# ----------------------------------------------------------------------------------------------------
# The table of readings
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Spec:
    """One reading of xi: its covering term (the first term of xi), a label for it, its premises and its ranges."""

    title: str
    first_term: sympy.Expr
    first_label: str
    premises: tuple[Premise, ...]
    ranges: tuple[Condition, ...]
    summary: str

    @property
    def is_repair(self) -> bool:
        """Whether a premise of the reading is not in the paper."""
        return any(p.support is Support.REPAIR for p in self.premises)


K_THEOREM = S.C_K * S.eps ** (-2 * S.L)
"""Theorem 3.1's depth K = O(eps^(-2L)) with its hidden constant C_K."""
DEFINITION = Premise("xi(n, eps, L) = n^(-1/3) 2^((1/eps)^(2L)) + n^(-1/3) + eps^2", "Definition 3.4")
K_CONTRADICTION = Premise(
    "App. F.2 puts K = (1/eps)^L into the covering exponent 'by (F.17)'; Theorem 3.1, (F.4), (F.17) and Remark 3.4 "
    "give K = O(eps^(-2L)): the chain to Definition 3.4 is inconsistent, and Definition 3.4 is what Theorem 3.2 is "
    "stated with", "App. F.2, (F.17)")
COVERING_LINE = Premise("log N = O(eps^(-8K) L K d^2 log(nL)/delta_3^2) = O(1) 2^(8K log(L/eps)) d^2 log(nL)/delta_3^2",
                        "App. F.2 (proof of Thm 3.2)")
K_STATED = Premise("K = O(eps^(-2L)) transformer blocks", "Theorem 3.1, (F.4), (F.17)")
COMBINED = Premise(
    "the covering line taken with Theorem 3.1's K = C_K eps^(-2L) instead of App. F.2's K = (1/eps)^L, and App. F.2's "
    "next step left out: n^(-1/3) (L/eps)^(8 C_K eps^(-2L)); App. F.2's line itself simplifies Lemma F.6, whose "
    "product over blocks gives a larger covering number", "not in the paper", Support.REPAIR)

READINGS: Mapping[Reading, Spec] = {
    Reading.PRINTED: Spec(
        "Def. 3.4 as printed", S.n**-THIRD * 2 ** ((1 / S.eps) ** (2 * S.L)), "n^(-1/3) 2^((1/eps)^(2L))",
        (DEFINITION, K_CONTRADICTION), (F2_RANGE, CONSTRUCTION_RANGE),
        "Definition 3.4 as the paper states it, inside App. F.2's range and Theorem 3.1's construction range"),
    Reading.COVERING_LINE: Spec(
        "App. F.2's covering line with Thm 3.1's K (a repair)", S.n**-THIRD * (S.L / S.eps) ** (8 * K_THEOREM),
        "n^(-1/3) (L/eps)^(8K)", (COVERING_LINE, K_STATED, COMBINED), (CONSTRUCTION_RANGE,),
        "a repair, not in the paper: App. F.2's covering line with Theorem 3.1's K, inside the construction range"),
}
"""Every reading of xi, once: what reads it (the Results' forms, eps = auto, the notes, the page) loops over this."""
LABELS = ("n^(-1/3)", "eps^2")
"""Labels of the second and third terms (the same in every reading)."""
EPS_TUNED = (sympy.log(S.n) / (6 * sympy.log(2))) ** (-1 / (2 * S.L))
"""Remark 3.4's tuning eps = (c ln n)^(-1/(2L)) with c = 1/(6 ln 2), so that 2^((1/eps)^(2L)) = n^(1/6)."""


def terms(value) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr]:
    """xi's three terms in a reading: the covering term, ``n^(-1/3)`` and ``eps^2``."""
    return READINGS[reading(value)].first_term, S.n**-THIRD, S.eps**2


def expr(value) -> sympy.Expr:
    """xi in a reading.

    >>> from ditrates.printing import text
    >>> text(expr("covering-line"))
    'eps^2 + (L/eps)^(8*C_K/eps^(2*L))/n^(1/3) + n^(-1/3)'
    """
    return sympy.Add(*terms(value))


def ranges(value) -> tuple[Condition, ...]:
    """The ranges a reading's derivation needs (conditions of every result built on it)."""
    return READINGS[reading(value)].ranges


RANGES = tuple(dict.fromkeys(c for spec in READINGS.values() for c in spec.ranges))
"""Every range of every reading, once."""


def only(c: Condition) -> str:
    """Which readings of xi need the range ``c``, in words, where not all ("" for every reading and non-ranges).

    >>> only(F2_RANGE), only(CONSTRUCTION_RANGE)
    (' (printed reading only)', '')
    """
    readings = readings_with(c) if c in RANGES else tuple(Reading)
    if len(readings) == len(Reading):
        return ""
    return " (" + ", ".join(r.value for r in readings) + f" reading{'s' if len(readings) > 1 else ''} only)"


def readings_with(c: Condition) -> tuple[Reading, ...]:
    """The readings whose derivation needs the range ``c``.

    >>> [r.value for r in readings_with(F2_RANGE)], len(readings_with(CONSTRUCTION_RANGE)) == len(Reading)
    (['printed'], True)
    """
    return tuple(r for r, spec in READINGS.items() if c in spec.ranges)


