r"""The distances between generated samples and the exact latent law: one table that everything reads (no torch).

:data:`ESTIMATORS` names each distance once: its key in the records, its column and label, the function that
estimates it from a sample (with a standard error), the function that computes it exactly between two known
laws, its value when the laws agree, the bounds it is set beside and whether the report fits it. The
measurements (:func:`distances`, called by :mod:`~ditrates.experiments.measure`), the validation cases
(:mod:`~ditrates.experiments.validation`), the report (:data:`ditrates.experiments.report.QUANTITIES`) and the
command line's tables loop over it: a new distance is a row here and its two functions (in
:mod:`~ditrates.experiments.estimators`, or a module of its own like :mod:`~ditrates.experiments.tv`).

The functions are named as ``module:function`` and imported when called, as :mod:`ditrates.registry` names the
modules of results, so that the report and the command line read this table without importing torch.

The latent law at ``T0`` is known exactly (``P = sum_k pi_k N(m_k, v I_d)``); each estimator sees the generated
law ``Q`` only through its sample ``y_1..y_m`` and may draw :data:`REFERENCE` ``m`` exact draws of ``P``.

>>> [e.key for e in ESTIMATORS][:3]
['tv_lower', 'log_density_gap', 'mmd']
>>> by_key("tv_lower").bounds["dit"]
'tv-recovery'
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from ditrates.experiments.data import GaussianMixture, IsotropicMixture

VERSION = 3
"""The version of the measuring code (:mod:`~ditrates.experiments.measure`, this table and the estimators): part of
every run's key, so that records measured by other code are neither resumed nor pooled. Bump it whenever a
measurement changes for the same inputs; ``tests/test_experiments_measure.py`` pins the measurements of a fixed
score network to it."""


def version_of(params: dict) -> int:
    """The version of the measuring code that measured a run with these parameters (records older than the
    version's place in the key are version 1).

    >>> version_of({"measure_version": 2}), version_of({})
    (2, 1)
    """
    return params.get("measure_version", 1)


REFERENCE = 16
"""Exact draws of ``P`` per generated point that an estimator may use."""
SETTINGS = {"reference": REFERENCE, "tv_folds": 4, "tv_em_steps": 2, "tv_long_steps": 10, "tv_bootstrap": 20,
            "tv_bootstrap_reference": 2048, "jackknife_groups": 16, "covariance_splits": 4}
"""Every setting of the estimators (read by the estimator modules from here, and written into every run's key)."""


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A measured value and its standard error."""

    value: float
    se: float

    def to_dict(self) -> dict:
        return {"value": self.value, "se": self.se}


def _function(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(f"ditrates.experiments.{module}"), name)


@dataclasses.dataclass(frozen=True)
class Estimator:
    """A distance: ``estimate`` maps ``(P, y, generator, reference)`` to ``(value, se)``; ``exact`` maps
    ``(P, Q, generator, draws)`` to its exact value (Monte Carlo over ``draws`` exact draws where no closed form
    exists); ``zero`` is its value when ``Q = P``; ``bounds`` the results (by network class) that bound what it
    estimates, ``lower`` whether its estimand is only a lower bound on that, ``fit`` whether the report fits it."""

    key: str
    column: str
    label: str
    estimate: str
    exact: str
    zero: float = 0.0
    bounds: dict = dataclasses.field(default_factory=dict)
    fit: bool = False
    lower: bool = False

    def __call__(self, law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator,
                 reference: int) -> Estimate:
        value, se = _function(self.estimate)(law, y, generator, reference)
        return Estimate(float(value), float(se))

    def exact_value(self, p: IsotropicMixture, q: GaussianMixture, generator: torch.Generator, draws: int) -> float:
        return float(_function(self.exact)(p, q, generator, draws))


ESTIMATORS = (
    Estimator("tv_lower", "TV lower bound", "latent TV (a lower bound)", "tv:tv_lower_bound", "tv:exact_tv",
              bounds={"dit": "tv-recovery", "mlp": "chen2023-tv"}, fit=True, lower=True),
    Estimator("log_density_gap", "log-density gap", "exact log-density gap (nats)",
              "estimators:log_density_gap", "estimators:log_density_gap_exact", fit=True),
    Estimator("mmd", "MMD^2", "MMD^2 (Gaussian kernel, h^2 = d0 v)", "estimators:mmd", "estimators:mmd_exact",
              fit=True),
    Estimator("frechet", "Frechet", "Frechet distance of Gaussian fits (jackknife)", "estimators:frechet",
              "estimators:frechet_exact"),
    Estimator("cluster_scale", "cluster spread", "cluster spread over the exact one", "estimators:cluster_scale",
              "estimators:cluster_scale_exact", zero=1.0),
    Estimator("covariance_error", "cov. error^2", "per-component covariance error^2 (relative)",
              "estimators:covariance_error", "estimators:covariance_error_exact"),
)
"""Every distance measured between generated samples and ``P`` (see each function's docstring for its math)."""


def by_key(key: str) -> Estimator:
    return next(e for e in ESTIMATORS if e.key == key)


def distances(law: IsotropicMixture, y: torch.Tensor, generator: torch.Generator) -> dict[str, Estimate]:
    """Every estimator of :data:`ESTIMATORS` between ``law`` and the sample ``y``, with :data:`REFERENCE` ``len(y)``
    exact draws of ``P`` each."""
    return {e.key: e(law, y, generator, REFERENCE * len(y)) for e in ESTIMATORS}
