r"""Least-squares power laws: the one log-log slope of ditrates (``testing.assert_rate`` and the experiments' fits).

:func:`fit_power` solves ``log y = log A + b log x`` by ordinary least squares in closed form,
``b = sum (lx - mean lx)(ly - mean ly) / sum (lx - mean lx)^2``, for many rows of ``y`` at once (bootstrap
resamples), in numpy.
"""

from __future__ import annotations

import numpy as np


def fit_power(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of ``log y = log A + b log x`` along the last axis of ``y``: returns ``(b, log A)``.

    >>> x = np.array([1.0, 10, 100]); b, la = fit_power(x, 3 * x**-0.5)
    >>> round(float(b), 6), round(float(np.exp(la)), 6)
    (-0.5, 3.0)
    >>> fit_power([1.0, 1.0], [1.0, 2.0])
    Traceback (most recent call last):
    ValueError: need y at two or more distinct x
    """
    lx = np.log(np.asarray(x, dtype=float))
    ly = np.log(np.asarray(y, dtype=float))
    cx = lx - lx.mean()
    if lx.size < 2 or not (cx @ cx) > 0:
        raise ValueError("need y at two or more distinct x")
    b = (ly - ly.mean(-1, keepdims=True)) @ cx / (cx @ cx)
    return b, ly.mean(-1) - b * lx.mean()
