"""ditrates: the statistical rates and efficiency criteria of latent Diffusion Transformers.

A calculator for Hu, Wu, Li, Pi, Song, Liu, "On Statistical Rates and Provably Efficient Criteria of
Latent Diffusion Transformers (DiTs)", NeurIPS 2024, arXiv 2407.01079 (camera-ready numbering).

>>> import ditrates
>>> ev = ditrates.get("score-estimation").evaluate(d0=16, n="1e5")
>>> ev
Evaluation(score-estimation = 124.0, xi proof)
>>> ditrates.get("Theorem 3.2").evaluate(d0=16, n="1e5", eps=0.4, xi_reading="printed").reading.value
'printed'
"""

from ditrates._version import __version__
from ditrates.errors import ConditionError, DitratesError, DomainError, MissingValue, UnknownName, Unreachable
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
    "Unreachable",
    "__version__",
    "evaluate",
    "get",
    "names",
    "preset",
    "results",
    "solve",
]
