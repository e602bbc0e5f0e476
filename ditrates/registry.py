"""All results by name, grouped as the command line shows them, and presets of real DiT sizes.

>>> from ditrates.registry import get, names, preset
>>> get("score-estimation").source
'Theorem 3.2'
>>> get("Thm 3.2").name, get("Corollary 3.2.1 (ii)").name, get("def. 3.4").name
('score-estimation', 'tv-recovery', 'xi')
>>> names("statistical")[:3]
('score-approximation', 'network-size', 'xi')
>>> p = preset("DiT-XL/2")
>>> (p.d0, p.d, p.L)
(4096, 16, 256)
"""

from __future__ import annotations

import dataclasses
import importlib
import re

from ditrates.errors import UnknownName
from ditrates.result import Result
from ditrates.symbols import PARAMS

_TABLE = (
    # name, group, module under ditrates/ (imported on first use: a command that needs the statistical rates
    # does not build the others)
    ("score-approximation", "statistical", "rates.approximation"),
    ("network-size", "statistical", "rates.approximation"),
    ("xi", "statistical", "rates.estimation"),
    ("score-estimation", "statistical", "rates.estimation"),
    ("subspace-recovery", "statistical", "rates.recovery"),
    ("tv-recovery", "statistical", "rates.recovery"),
    ("orthogonal-variance", "statistical", "rates.recovery"),
    ("xi-tuned", "derived", "rates.estimation"),
    ("inference-hardness", "computational", "criteria.inference"),
    ("inference-almost-linear", "computational", "criteria.inference"),
    ("training-almost-linear", "computational", "criteria.training"),
    ("chen2023-score-estimation", "baselines", "rates.baselines"),
    ("chen2023-tv", "baselines", "rates.baselines"),
    ("oko2023-tv", "baselines", "rates.baselines"),
    ("hu2025-latent-tv", "baselines", "rates.baselines"),
    ("alman-song-threshold", "baselines", "criteria.inference"),
)
"""Every result once: its name, the group the command line shows it in, and the module that defines it."""

GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(n for n, g, _ in _TABLE if g == group) for group in dict.fromkeys(g for _, g, _ in _TABLE)}
"""Result names by group, in the order the command line lists them."""
_HOME = {name: f"ditrates.{module}" for name, _, module in _TABLE}
MODULES = tuple(dict.fromkeys(_HOME.values()))
"""The modules that define results (each has a tuple RESULTS)."""


def get(name: str) -> Result:
    """The result called ``name``, or numbered so in the paper (``"Theorem 3.2"``, ``"Thm 3.2"``,
    ``"Corollary 3.2.1 (ii)"``); an :class:`~ditrates.errors.UnknownName` error suggests close names, and a number
    that several results share (``"Theorem 3.1"``) names them."""
    if name not in _HOME:
        return _by_number(name)
    module = importlib.import_module(_HOME[name])
    return next(r for r in module.RESULTS if r.name == name)


_KINDS = {"theorem": "theorem", "thm": "theorem", "definition": "definition", "def": "definition",
          "corollary": "corollary", "cor": "corollary", "proposition": "proposition", "prop": "proposition",
          "remark": "remark", "rem": "remark"}
_NUMBER = re.compile(r"^\s*(?P<kind>[a-z]+)\.?\s*(?P<num>\d+(?:\.\d+)*)\s*(?:\((?P<part>[ivx]+)\))?", re.I)


def _number_key(text: str) -> tuple | None:
    """("theorem", "3.2", part or None) for a source such as "Theorem 3.2" or "Cor. 3.2.1 (ii)"."""
    m = _NUMBER.match(text)
    if not m or m.group("kind").lower() not in _KINDS:
        return None
    return _KINDS[m.group("kind").lower()], m.group("num"), (m.group("part") or "").lower() or None


def _by_number(query: str) -> Result:
    key = _number_key(query)
    if key is None:
        raise UnknownName.for_choice("result", query, names())
    own = [r for r in results() if r.kind != "baseline"]
    hits = [r for r in own if (k := _number_key(r.source)) and k[:2] == key[:2] and (key[2] is None or k[2] == key[2])]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise UnknownName(f"no result is numbered '{query}'; choose from " +
                          ", ".join(dict.fromkeys(r.source for r in own)))
    raise UnknownName(f"'{query}' names {len(hits)} results: " + ", ".join(f"{r.name} ({r.source})" for r in hits)
                      + "; give one of these names")


def names(group: str | None = None) -> tuple[str, ...]:
    """Result names, in the order of :data:`GROUPS` (all groups when ``group`` is None)."""
    if group is None:
        return tuple(n for g in GROUPS.values() for n in g)
    if group not in GROUPS:
        raise UnknownName.for_choice("group", group, GROUPS)
    return GROUPS[group]


def results(group: str | None = None) -> tuple[Result, ...]:
    """Result objects, in the order of :func:`names`."""
    return tuple(get(n) for n in names(group))


@dataclasses.dataclass(frozen=True)
class Preset:
    """A DiT of Peebles and Xie (2023) on the 32x32x4 SD-VAE latents of 256x256 images.

    The paper's reshape R (Definition 3.1) patchifies the latent with patch p: d = 4 p^2 numbers per
    token, L = (32/p)^2 tokens, d0 = d L = 4096. ``depth``, ``width`` and ``heads`` are the model's own
    sizes (for reference; the rates depend on d0, d and L only).
    """

    name: str
    patch: int
    depth: int
    width: int
    heads: int
    d0: int = 4096
    D: int = 256 * 256 * 3

    @property
    def d(self) -> int:
        return 4 * self.patch**2

    @property
    def L(self) -> int:
        return (32 // self.patch) ** 2

    def values(self) -> dict[str, int]:
        """The parameter values the preset sets."""
        return {"d0": self.d0, "d": self.d, "L": self.L, "D": self.D}


_SIZES = {"S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}
PRESETS: dict[str, Preset] = {
    f"DiT-{size}/{p}": Preset(f"DiT-{size}/{p}", p, *dims) for size, dims in _SIZES.items() for p in (2, 4, 8)
}


def keys_of(result_names) -> tuple[str, ...]:
    """The parameters the named results depend on, in the paper's order, hidden constants left out.

    >>> keys_of(names("statistical"))
    ('d0', 'd', 'L', 'D', 'n', 'eps', 't', 'T0', 'T', 'mu', 'c0', 'Ls', 'L_h', 'C_h')
    """
    used = {k for n in result_names for k in get(n).keys}
    return tuple(k for k, p in PARAMS.items() if k in used and not p.hidden_constant)


@dataclasses.dataclass(frozen=True)
class Applied:
    """A preset under the user's values: ``values`` to use, the keys whose preset value the user ``overrode``
    and the preset's dimensions ``dropped`` because they would contradict the user's (d0 = d L)."""

    name: str | None
    values: dict
    overrode: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()


DIMENSIONS = ("d0", "d", "L")
"""Linked by Definition 3.1 (d0 = d L): a preset keeps those of its values that agree with the user's."""


def apply_preset(params: dict, name: str | None) -> Applied:
    """``params`` over the values of the preset ``name`` (if any). The user's values win; of the preset's
    dimensions d0, d, L (in that order) each is kept only if it agrees with the values kept so far (d0 = d L,
    any two fix the third), so that overriding one dimension keeps the preset's others where they still fit.

    >>> a = apply_preset({"n": "1e5", "L": "64"}, "DiT-XL/2")       # 64 tokens of d = 4096/64 = 64
    >>> a.values, a.overrode, a.dropped
    ({'d0': '4096', 'D': '196608', 'n': '1e5', 'L': '64'}, ('L',), ('d',))
    >>> apply_preset({"n": "1e5", "d0": "16"}, "DiT-XL/2").dropped  # d0 = 16 fits neither d = 16 nor L = 256
    ('d', 'L')
    """
    if not name:
        return Applied(None, dict(params))
    chosen = preset(name)
    values = {k: str(v) for k, v in chosen.values().items()}
    overrode = tuple(k for k in values if k in params and str(params[k]) != values[k])
    known = {k: _integer(params[k]) for k in DIMENSIONS if k in params}
    if None in known.values():  # the user's dimension is not a plain integer: keep only the user's
        keep = {}
    else:
        keep = {}
        for k in DIMENSIONS:
            if k not in known and _fits(dict(known, **{k: int(values[k])})):
                known[k] = keep[k] = int(values[k])
    dropped = tuple(k for k in DIMENSIONS if k not in params and k not in keep)
    merged = {k: v for k, v in values.items() if k not in DIMENSIONS or k in keep}
    return Applied(chosen.name, {**merged, **params}, overrode, dropped)


def _integer(raw) -> int | None:
    try:
        x = float(raw)
    except (TypeError, ValueError):
        return None
    return int(x) if x.is_integer() and 0 < x < 2**53 else None


def _fits(dims: dict) -> bool:
    """Whether known dimensions can satisfy d0 = d L with integers d, L >= 2 (a token width and a sequence)."""
    d0, d, L = (dims.get(k) for k in DIMENSIONS)
    if d0 is None:
        return True
    if d is not None and L is not None:
        return d0 == d * L
    other = d if d is not None else L
    return other is None or (d0 % other == 0 and d0 // other >= 2)


def preset(name: str) -> Preset:
    """The preset called ``name`` (case-insensitive, e.g. ``dit-xl/2``)."""
    for key, p in PRESETS.items():
        if key.lower() == name.lower():
            return p
    raise UnknownName.for_choice("preset", name, PRESETS)
