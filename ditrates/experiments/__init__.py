"""The numeric companion (extra ``numeric``): small latent DiTs trained in torch, measured against the bounds.

Training and measuring (torch):

* :mod:`~ditrates.experiments.data`: ``x = B h``, a Gaussian-mixture latent; exact OU marginals and scores.
* :mod:`~ditrates.experiments.model`: the paper's score network ``[W_B f(W_B^T x, t) - x] / sigma(t)`` with a
  DiT or Chen et al.'s ReLU network as ``f``; :func:`~ditrates.experiments.model.load_run` reloads a run.
* :mod:`~ditrates.experiments.train`: Theorem 3.2's DSM loss, importance-sampled in ``t``, early stopping.
* :mod:`~ditrates.experiments.measure` and :mod:`~ditrates.experiments.distances`: score errors, memorisation,
  and distances of generated samples to the exact latent law, each with a standard error.
* :mod:`~ditrates.experiments.runner`: one run as a pure function (record and files).

Sweeps and reports (no torch):

* :mod:`~ditrates.experiments.plan`: models, profiles, sweeps, run keys; :mod:`~ditrates.experiments.store`:
  atomic records and run directories; :mod:`~ditrates.experiments.sweep`: executors (local, Ray), interrupts.
* :mod:`~ditrates.experiments.report`, :mod:`~ditrates.experiments.fit`, :mod:`~ditrates.experiments.bounds`:
  points, floors, fits and verdicts from saved records; :mod:`~ditrates.experiments.plots` (matplotlib);
  :mod:`~ditrates.experiments.overlay`: the report's points beside the bound curves of ``ditrates plot --runs``.
* :mod:`~ditrates.experiments.attention`, :mod:`~ditrates.experiments.gradient`,
  :mod:`~ditrates.experiments.norms`: Section 4's attention criteria, measured (``ditrates attention``).

Nothing in ``import ditrates`` imports this package, and this file imports nothing.
"""
