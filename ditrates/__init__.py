"""ditrates: the statistical rates and efficiency criteria of latent Diffusion Transformers.

A calculator for Hu, Wu, Li, Pi, Song, Liu, "On Statistical Rates and Provably Efficient Criteria of
Latent Diffusion Transformers (DiTs)", NeurIPS 2024, arXiv 2407.01079 (camera-ready numbering).

>>> import ditrates
>>> ev = ditrates.get("score-estimation").evaluate(d0=16, n="1e5")
>>> ev.text, ev.resolved.reasons["eps"]
('0.08152', 'auto = 0.8941 (minimises xi, Def. 3.4)')
"""

from ditrates._version import __version__
from ditrates.errors import ConditionError, DitratesError, DomainError, MissingValue, UnknownName
from ditrates.evaluation import Evaluation
from ditrates.grid import evaluate
from ditrates.registry import PRESETS, get, names, preset, results
from ditrates.result import Result
from ditrates.solve import solve

__all__ = [
    "ConditionError",
    "DitratesError",
    "DomainError",
    "Evaluation",
    "MissingValue",
    "PRESETS",
    "Result",
    "UnknownName",
    "__version__",
    "evaluate",
    "get",
    "names",
    "preset",
    "results",
    "solve",
]
