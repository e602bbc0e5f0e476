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


def apply_preset(params: dict, name: str | None) -> tuple[dict, list[str]]:
    """``params`` over the values of the preset ``name`` (if any), and the keys whose preset value they override.

    >>> apply_preset({"n": "1e5", "d0": "16"}, "DiT-XL/2")
    ({'d0': '16', 'd': '16', 'L': '256', 'D': '196608', 'n': '1e5'}, ['d0'])
    """
    if not name:
        return dict(params), []
    values = {k: str(v) for k, v in preset(name).values().items()}
    overridden = [k for k in values if k in params and str(params[k]) != values[k]]
    return {**values, **params}, overridden


def preset(name: str) -> Preset:
    """The preset called ``name`` (case-insensitive, e.g. ``dit-xl/2``)."""
    for key, p in PRESETS.items():
        if key.lower() == name.lower():
            return p
    raise UnknownName.for_choice("preset", name, PRESETS)
