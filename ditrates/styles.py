"""One colour and one line style per result, for every chart: ``ditrates plot`` (matplotlib) and the page (uPlot).

A result keeps its colour and dash pattern in every picture, whatever else is drawn beside it: the table is
keyed by result name and read by :mod:`ditrates.plot` and, through ``ditrates-data.js``, by the page's charts.
The paper's results are solid, the baselines dashed. A dash pattern lists on-off lengths in points (the
page draws them in CSS pixels); ``()`` is solid.

Curves that coincide on a chart (within a line width at most of their points: Oko et al.'s rate at s = 2 and Hu
et al. 2025's at beta = 2 are equal; xi and Theorem 3.2's bound differ by a factor T T0 that vanishes on a
double-log axis) are said to: the later ones are drawn over the earlier in interleaved short dashes
(:func:`coincide_dash`), so that every colour shows, and their legend entries name the curve they lie on
(:func:`coincide`).

>>> STYLES["score-estimation"].color, STYLES["chen2023-tv"].dash
('#1f77b4', (6.0, 3.0))
>>> coincide({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.001, 3.5], "c": [1.0, 2.5, 3.5]}, tol=0.01)
{'b': 'a'}
>>> coincide_dash(0, 2), coincide_dash(1, 2)
((3.0, 6.0), (0.0, 3.0, 3.0, 3.0))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class Style:
    """A result's colour (``#rrggbb``) and dash pattern (on-off lengths in points; ``()`` is solid)."""

    color: str
    dash: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        return {"color": self.color, "dash": list(self.dash)}


BASELINE_DASH = (6.0, 3.0)
STYLES: Mapping[str, Style] = {
    # Section 3: solid.
    "score-approximation": Style("#17becf"),
    "network-size": Style("#8c564b"),
    "xi": Style("#9467bd"),
    "score-estimation": Style("#1f77b4"),
    "subspace-recovery": Style("#2ca02c"),
    "tv-recovery": Style("#d62728"),
    "orthogonal-variance": Style("#e377c2"),
    "xi-tuned": Style("#bcbd22"),
    # Section 4: solid (the three share the ratio rho, so they coincide wherever they are drawn together).
    "inference-hardness": Style("#393b79"),
    "inference-almost-linear": Style("#e6550d"),
    "training-almost-linear": Style("#31a354"),
    # Baselines: dashed.
    "chen2023-score-estimation": Style("#ff7f0e", BASELINE_DASH),
    "chen2023-tv": Style("#8c6d31", BASELINE_DASH),
    "oko2023-tv": Style("#7b4173", BASELINE_DASH),
    "hu2025-latent-tv": Style("#637939", BASELINE_DASH),
    "alman-song-threshold": Style("#000000", BASELINE_DASH),
}
"""Every registered result's style (``tests/test_plot.py`` holds the table to the registry: one entry per
result, no two colours alike)."""

COINCIDE_ON = 3.0
"""The length of the short dashes of coinciding curves (points)."""
TRIVIAL_DASHES = ((1.0, 2.0), (1.0, 4.0), (4.0, 2.0, 1.0, 2.0))
"""Trivial values (above them a bound is vacuous) are dotted; distinct ones in distinct patterns."""
REFERENCE = Style("#555555", (3.0, 2.0))
"""A reference level that is not a result (the threshold rho = 1)."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")
"""Markers of measured series, one per series (matplotlib's names), in the colour of the result they face."""


def style(name: str) -> Style:
    """The style of the result ``name`` (grey for a name outside the table)."""
    return STYLES.get(name, Style("#7f7f7f"))


def coincide(curves: Mapping[str, Sequence[float | None]], tol: float) -> dict[str, str]:
    """Which curve lies on which: ``{later: earlier}`` for curves (positions by name, in drawing order, None or NaN
    where not drawn) of which more than half the drawn points lie within ``tol`` of a drawn point of the earlier
    (infinities equal): drawn plainly, the later one would hide it there."""
    def drawn(v) -> bool:
        return v is not None and not math.isnan(v)

    out: dict[str, str] = {}
    names = list(curves)
    for i, later in enumerate(names):
        b = curves[later]
        points = sum(1 for v in b if drawn(v))
        for earlier in names[:i]:
            a = curves[earlier]
            if earlier in out or len(a) != len(b) or not points:
                continue
            on = sum(1 for x, y in zip(a, b, strict=True) if drawn(x) and drawn(y) and (x == y or abs(x - y) <= tol))
            if 2 * on > points:
                out[later] = earlier
                break
    return out


def coincide_dash(k: int, m: int) -> tuple[float, ...]:
    """The dash pattern of the ``k``-th of ``m`` curves that lie on one earlier curve: each draws one dash of
    :data:`COINCIDE_ON` in its own slot of a cycle of ``m + 1`` slots, and the curve beneath shows in the last."""
    on = COINCIDE_ON
    return (on, m * on) if k == 0 else (0.0, k * on, on, (m - k) * on)
