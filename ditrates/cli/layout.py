"""How a table fits a width: names and values whole, prose wrapped between words, columns moved below.

Used by :class:`ditrates.cli.output.Output`: :func:`column_widths` shares the width among columns,
:func:`split_columns` moves columns to continuation tables when even that does not fit, :func:`wrap` wraps
prose without breaking a word, a number or a relation (:func:`glue`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

SHORT = 16
"""A column whose cells are all at most this long holds values: they are never wrapped."""
GAP = 3
"""Characters between two columns (padding and rule)."""
_GLUE = "\x00"
_UNBREAKABLE = re.compile(r"(?<!,) (?=[0-9])| (?=(?:[=<>±-]|<=|>=|->) )|(?<= [=<>±-]) |(?<= <=| >=| ->) ")
"""Spaces prose never breaks at: before a number ("Theorem 3.1", "Cor. 3.2.1"; a list's "1, 2" may break after
its commas) and around a relation ("eps <= 0.4458", "C_est = 1", "1 - 4.0e-8")."""


def glue(text: str) -> str:
    """``text`` with the spaces that must not break replaced by a placeholder (:func:`wrap` restores them).

    >>> [w.replace(_GLUE, "_") for w in glue("fails at eps = 0.4458 (Theorem 3.1)").split()]
    ['fails', 'at', 'eps_=_0.4458', '(Theorem_3.1)']
    >>> [w.replace(_GLUE, "_") for w in glue("T0 <= min{2 log(d0), 1, 2 log c0}").split()]
    ['T0_<=_min{2', 'log(d0),', '1,', '2', 'log', 'c0}']
    """
    return _UNBREAKABLE.sub(_GLUE, text)


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Prose wrapped at ``width`` between words, never inside a word, a number or a relation (:func:`glue`);
    continuation lines get ``indent``.

    >>> wrap("hidden constants: C_K = 1, C_est = 1", 24)
    ['hidden constants:', 'C_K = 1, C_est = 1']
    >>> wrap("smallest value 21.32 at T0 = 5.756", 20, "  ")
    ['smallest value 21.32', '  at T0 = 5.756']
    """
    lines = textwrap.wrap(glue(text), width=width, subsequent_indent=indent, break_long_words=False,
                          break_on_hyphens=False) or [""]
    return [line.replace(_GLUE, " ") for line in lines]


def _whole(column: Sequence[str], key: bool) -> bool:
    return key or (len(column) > 1 and all(len(x) <= SHORT for x in column[1:]))


def _need(column: Sequence[str], key: bool) -> int:
    """What a column needs: its longest cell if it holds names or values, else its longest unbreakable word."""
    if _whole(column, key):
        return max((len(x) for x in column), default=0)
    return max((len(w) for x in column for w in glue(x).split()), default=0)


def column_widths(columns: Sequence[Sequence[str]], width: int, keys: int = 1) -> list[int]:
    """Content widths for table columns (header first, then the cells) sharing ``width`` characters.

    The first ``keys`` columns hold names and columns whose cells are all short (at most :data:`SHORT`) hold
    values: they get their longest cell, never wrapped. The others hold prose: they need their longest word (a
    word, a number, a relation is never broken: :func:`glue`) and want their longest cell. Spare room is
    shared max-min fairly: short wants are met in full, the long ones (prose) share the rest and wrap. When the
    needs do not fit, the table is wider than ``width`` (nothing is ever cropped or broken).

    >>> column_widths([["result", "score-estimation"], ["note", "VACUOUS: > 1 (a total-variation distance)"]], 32)
    [16, 16]
    >>> column_widths([["result", "score-estimation"], ["note", "VACUOUS: > 1 (a total-variation distance)"]], 20)
    [16, 15]
    >>> column_widths([["a", "bb"], ["cc dd"], ["e " * 20], ["f " * 30]], 40)
    [2, 5, 17, 16]
    >>> column_widths([["L", "1024"], ["r", "4976826800946"]], 10)
    [4, 13]
    """
    want = [max((len(x) for x in c), default=0) for c in columns]
    need = [_need(c, i < keys) for i, c in enumerate(columns)]
    if sum(want) <= width:
        return want
    if sum(need) >= width:
        return need
    widths, spare = list(need), width - sum(need)
    waiting = sorted(range(len(want)), key=lambda i: want[i] - need[i])
    while waiting and want[waiting[0]] - need[waiting[0]] <= spare // len(waiting):
        i = waiting.pop(0)
        widths[i], spare = want[i], spare - (want[i] - need[i])
    for k, i in enumerate(waiting):
        widths[i] += spare // len(waiting) + (k < spare % len(waiting))
    return widths


def split_columns(columns: Sequence[Sequence[str]], width: int, keys: int = 1,
                  movable: Sequence[int] = ()) -> list[list[int]]:
    """Which columns each printed table holds, when a table is too wide for ``width``: the ``movable`` columns
    leave the first table (in that order) until it fits, and follow in continuation tables under it, each led
    by the ``keys`` columns again, as many to a table as fit.

    >>> cols = [["result", "xi"], ["bound", "1427"], ["order", "eps^2 + n^(-1/3)"], ["note", "VACUOUS"]]
    >>> split_columns(cols, 80, movable=[2]), split_columns(cols, 30, movable=[2])
    ([[0, 1, 2, 3]], [[0, 1, 3], [0, 2]])
    """
    def fits(idx) -> bool:
        return sum(_need(columns[i], i < keys) for i in idx) + GAP * len(idx) <= width

    first, moved = list(range(len(columns))), []
    for i in movable:
        if fits(first):
            break
        first.remove(i)
        moved.append(i)
    tables, lead = [first], list(range(keys))
    for i in sorted(moved):
        if len(tables) == 1 or not fits([*tables[-1], i]):
            tables.append([*lead])
        tables[-1].append(i)
    return tables
