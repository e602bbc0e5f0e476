"""The numeric companion (extra ``numeric``): small latent DiTs trained in torch, measured against the bounds.

* :mod:`~ditrates.experiments.data`: ``x = B h``, a Gaussian-mixture latent; exact OU marginals and scores.
* :mod:`~ditrates.experiments.model`: the paper's score network ``[W_B f(W_B^T x, t) - x] / sigma(t)``;
  :func:`~ditrates.experiments.model.load_run` reloads a finished run.
* :mod:`~ditrates.experiments.train`: denoising score matching with ``t ~ Unif[T0, T]``.
* :mod:`~ditrates.experiments.measure`: score, subspace, TV, sliced-W2 and orthogonal-variance errors.
* :mod:`~ditrates.experiments.compare`: sweeps, resumable runs, fits and plots (``ditrates experiment``).
* :mod:`~ditrates.experiments.attention`, :mod:`~ditrates.experiments.gradient`,
  :mod:`~ditrates.experiments.norms`: Section 4's attention criteria, measured (``ditrates attention``).

Nothing in ``import ditrates`` imports this package; torch is imported by its modules only.
"""
