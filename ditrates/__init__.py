"""ditrates: the statistical rates and efficiency criteria of latent Diffusion Transformers.

A calculator for Hu, Wu, Li, Pi, Song, Liu, "On Statistical Rates and Provably Efficient Criteria of
Latent Diffusion Transformers (DiTs)", NeurIPS 2024, arXiv 2407.01079 (camera-ready numbering).

>>> import ditrates
>>> ev = ditrates.get("score-estimation").evaluate(d0=16, n="1e5")
>>> ev                                   # Definition 3.4 as printed, eps = auto at its range's edge 2^(-d/2)
Evaluation(score-estimation = 10^(1.973e+4), xi printed)
>>> [p["label"] for p in ev.to_dict()["premises"]][:3]
['stated in the paper', 'stated in the paper', 'stated in the paper']
>>> ditrates.get("Theorem 3.2").evaluate(d0=16, n="1e5", xi_reading="covering-line").to_dict()["source"]
"Theorem 3.2, read as App. F.2's covering line with Thm 3.1's K (a repair)"
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
