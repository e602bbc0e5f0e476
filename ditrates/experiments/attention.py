r"""Exact attention against the almost-linear polynomial method (Problem 2; Alman-Song 2023), measured.

Problem 2 (ADiTI) asks for ``W_OV A_3 D^(-1) exp(A_1^T W_K^T W_Q A_2)``. Written with one row per token,
``Q = (W_K A_1)^T``, ``K = (W_Q A_2)^T`` and ``V = (W_OV A_3)^T`` in ``R^(L x d)``, this is the attention
(the transpose of the output, as Lemma G.1's ``f h`` reads it; see :mod:`ditrates.experiments.gradient`)

.. math::

    \mathrm{Att}(Q, K, V) = D^{-1} A V,\qquad A = \exp(\kappa\, Q K^\top),\quad D = \mathrm{diag}(A 1_L),

with the inverse temperature ``kappa = 1`` (the paper's Problem 2 and Definition 4.1) or ``kappa = 1/d``
(Alman-Song). The entries of ``Q, K, V`` are bounded by ``B``; then ``|kappa <q, k>| <= beta = kappa d B^2``.

* :func:`exact_attention` (numpy, float64; the reference) and :func:`sdpa_attention` (torch's
  ``scaled_dot_product_attention``, the exact baseline that is timed) compute ``D^(-1) A V`` exactly.
* :func:`taylor_attention` is the polynomial method. ``exp(x) ~ sum_{j<=g} x^j / j!`` and the multinomial
  theorem ``<q, k>^j / j! = sum_{|alpha|=j} q^alpha k^alpha / alpha!`` give
  ``sum_{j<=g} <q, k>^j / j! = <phi(q), phi(k)>`` with the features ``phi(x)_alpha = x^alpha / sqrt(alpha!)``
  over all ``r = C(d + g, g)`` multi-indices ``|alpha| <= g``, evaluated at ``sqrt(kappa) x``. Hence
  ``A ~ phi(Q) phi(K)^T`` and

  .. math::

      D^{-1} A V \approx \frac{\phi(Q)\,(\phi(K)^\top V)}{\phi(Q)\,(\phi(K)^\top 1_L)},

  computed in ``O(L r d)`` time without any ``L x L`` matrix: ``phi(K)^T [V, 1]`` is ``r x (d + 1)``.
  The degree ``g`` and rank ``r`` come from :func:`ditrates.criteria.cost.polynomial_cost` (the same numbers
  that ``ditrates criteria`` prints). Its stated bound: each entry of ``A`` has relative error at most
  ``delta = e^(2 beta) beta^(g+1) / (g+1)!``, so every output entry is within
  ``2 delta / (1 - delta) ||V||_max`` (:func:`stated_bound`), checked against the realised error.

Implementation notes. The monomials ``x^alpha`` are built degree by degree (:class:`MonomialPlan`): the
monomials of degree ``k`` whose largest variable is ``x_i`` are ``x_i`` times the monomials of degree
``k - 1`` whose largest variable is at most ``x_i``, one multiplication per entry. They are stored
feature-major (``r x L``, each row a contiguous run over tokens), in chunks of tokens, so the working
memory is ``O(r * chunk + L d)``. ``phi(Q) phi(K)^T = m(Q)^T diag(1/alpha!) m(K)`` with the monomials ``m``,
so the weights ``1/alpha!`` are applied to the ``r x (d + 1)`` matrix instead of the two ``r x L`` ones.
The rounding of a Taylor sum at ``-beta`` (terms up to ``e^beta``, result ``e^-beta``) loses a factor
``e^(2 beta)`` of precision: :func:`precision_ok` says whether the dtype can resolve ``delta``. All
logarithms of the bound are taken in log space (``e^(2 beta)`` leaves float64 at ``beta > 354``).

The fast path builds the monomials with numpy (in place, into one preallocated buffer) and contracts
them with torch (``addmm_``, zero-copy views), on one thread (:func:`one_thread` says why). The timings
are in :mod:`ditrates.experiments.bench`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math

import numpy as np
import torch

from ditrates.criteria.cost import relative_error

CHUNK_ELEMENTS = 1 << 21
"""Entries of one chunk of features (``r x chunk``): 8 MiB in float32, a share of the L3 cache."""

REFERENCE_ELEMENTS = 1 << 23
"""Entries of one block of ``exp(kappa Q K^T)`` in :func:`exact_attention` (64 MiB in float64)."""


# ----------------------------------------------------------------------------------------------------
# Exact attention
# ----------------------------------------------------------------------------------------------------
def exact_attention(Q, K, V, kappa: float = 1.0) -> np.ndarray:
    """``D^(-1) exp(kappa Q K^T) V`` in float64 numpy, by blocks of rows (the reference).

    Each row of ``kappa Q K^T`` is shifted by its maximum before ``exp`` (the softmax is shift-invariant),
    so no entry overflows whatever ``beta``; a block holds at most ``REFERENCE_ELEMENTS`` entries.

    >>> q = np.array([[1.0, 0.0]]); k = np.array([[1.0, 0.0], [0.0, 1.0]]); v = np.array([[1.0], [0.0]])
    >>> float(exact_attention(q, k, v)[0, 0]) == math.e / (math.e + 1)
    True
    """
    Q, K, V = (np.asarray(x, dtype=np.float64) for x in (Q, K, V))
    out = np.empty((Q.shape[0], V.shape[1]))
    step = max(1, REFERENCE_ELEMENTS // max(1, K.shape[0]))
    for a in range(0, Q.shape[0], step):
        S = kappa * (Q[a:a + step] @ K.T)
        S -= S.max(axis=1, keepdims=True)
        np.exp(S, out=S)
        out[a:a + step] = (S @ V) / S.sum(axis=1, keepdims=True)
    return out


def sdpa_attention(Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, kappa: float = 1.0) -> torch.Tensor:
    """``D^(-1) exp(kappa Q K^T) V`` by torch's fused ``scaled_dot_product_attention`` (``scale = kappa``).

    The ``(1, 1, L, d)`` layout selects the fused CPU kernel, which streams over blocks of keys with an
    online softmax (no ``L x L`` matrix either); it is exact up to rounding.
    """
    out = torch.nn.functional.scaled_dot_product_attention(Q[None, None], K[None, None], V[None, None],
                                                           scale=kappa)
    return out[0, 0]


# ----------------------------------------------------------------------------------------------------
# The polynomial method
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class MonomialPlan:
    """How to build all ``r = C(d + g, g)`` monomials ``x^alpha``, ``|alpha| <= g``, row by row.

    Row 0 is the monomial 1. Each step ``(dst, i, src, n)`` sets rows ``dst:dst+n`` to ``x_i`` times rows
    ``src:src+n``; within a degree, rows are ordered by their largest variable, so the sources are a prefix
    of the previous degree. ``exponents[row]`` is the multi-index ``alpha`` of a row.
    """

    d: int
    degree: int
    steps: tuple[tuple[int, int, int, int], ...]
    exponents: np.ndarray

    @property
    def rank(self) -> int:
        return self.exponents.shape[0]

    def inverse_factorials(self) -> np.ndarray:
        """``1 / alpha!`` per row (float64; computed as ``exp(-sum_i ln alpha_i!)``)."""
        log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, self.degree + 1)))])
        return np.exp(-log_fact[self.exponents].sum(axis=1))


@functools.lru_cache(maxsize=32)
def monomial_plan(d: int, degree: int) -> MonomialPlan:
    """The :class:`MonomialPlan` of all monomials of degree at most ``degree`` in ``d`` variables.

    >>> p = monomial_plan(2, 2)
    >>> p.rank, p.exponents.tolist()
    (6, [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]])
    """
    steps, blocks = [], [np.zeros((1, d), dtype=np.int64)]
    prefix = [1] * d  # rows of the previous degree whose largest variable is <= i
    start, row = 0, 1
    for _ in range(degree):
        previous, parts, counts = blocks[-1], [], []
        for i in range(d):
            steps.append((row, i, start, prefix[i]))
            e = previous[:prefix[i]].copy()
            e[:, i] += 1
            parts.append(e)
            counts.append(prefix[i])
            row += prefix[i]
        start = row - sum(counts)
        prefix = [int(n) for n in np.cumsum(counts)]
        blocks.append(np.concatenate(parts))
    return MonomialPlan(d, degree, tuple(steps), np.concatenate(blocks))


def monomials(xt: np.ndarray, plan: MonomialPlan, out: np.ndarray | None = None) -> np.ndarray:
    """The monomials ``m(x)_alpha = x^alpha`` of the columns of ``xt`` (``d x n``), as an ``r x n`` array."""
    out = np.empty((plan.rank, xt.shape[1]), dtype=xt.dtype) if out is None else out
    out[0] = 1
    for dst, i, src, n in plan.steps:
        np.multiply(out[src:src + n], xt[i], out=out[dst:dst + n])
    return out


def taylor_features(X, degree: int, kappa: float = 1.0) -> np.ndarray:
    """``phi(sqrt(kappa) x)`` for each row ``x`` of ``X`` (``n x d``), as ``n x r``: ``<phi(q), phi(k)> =
    sum_{j<=g} (kappa <q, k>)^j / j!``.

    >>> X = np.array([[0.3, -0.2], [0.1, 0.4]])
    >>> P = taylor_features(X, 3)
    >>> s = X[0] @ X[1]; bool(abs(P[0] @ P[1] - (1 + s + s**2 / 2 + s**3 / 6)) < 1e-15)
    True
    """
    X = np.asarray(X)
    plan = monomial_plan(X.shape[1], degree)
    return (monomials(math.sqrt(kappa) * X.T, plan) * np.sqrt(plan.inverse_factorials())[:, None]).T


def taylor_attention(Q, K, V, kappa: float, degree: int, chunk: int | None = None) -> torch.Tensor:
    """The polynomial method: ``phi(Q) (phi(K)^T V) / phi(Q) (phi(K)^T 1)`` in ``O(L r d)`` time.

    ``Q`` is ``n x d``, ``K`` is ``m x d``, ``V`` is ``m x e`` (tensors or arrays; the result is a tensor of
    ``Q``'s dtype). Tokens are processed ``chunk`` at a time (default ``CHUNK_ELEMENTS // r``), so no array
    has more than ``max(r * chunk, (n + m) (d + e))`` entries. It runs on one thread (see
    :func:`one_thread`): the monomials by numpy, the contractions by torch.
    """
    with one_thread():
        return _taylor_attention(*(np.asarray(x) for x in (Q, K, V)), kappa, degree, chunk)


def _taylor_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, kappa: float, degree: int,
                      chunk: int | None) -> torch.Tensor:
    dtype, (n, d), (m, e) = Q.dtype, Q.shape, V.shape
    plan = monomial_plan(d, degree)
    chunk = min(chunk or max(64, CHUNK_ELEMENTS // plan.rank), max(n, m))
    root = math.sqrt(kappa)
    values = np.empty((e + 1, m), dtype=dtype)   # [V, 1]^T
    values[:e], values[e] = V.T, 1
    values = torch.from_numpy(values)
    buffer = np.empty((plan.rank, chunk), dtype=dtype)
    kt = np.ascontiguousarray(root * K.T, dtype=dtype)
    mt = torch.zeros(e + 1, plan.rank, dtype=values.dtype)  # [V, 1]^T m(K)^T, then times diag(1/alpha!)
    for a in range(0, m, chunk):
        b = min(a + chunk, m)
        mt.addmm_(values[:, a:b], torch.from_numpy(monomials(kt[:, a:b], plan, buffer[:, :b - a])).T)
    mt *= torch.as_tensor(plan.inverse_factorials(), dtype=mt.dtype)
    qt, out = np.ascontiguousarray(root * Q.T, dtype=dtype), np.empty((n, e), dtype=dtype)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        y = (mt @ torch.from_numpy(monomials(qt[:, a:b], plan, buffer[:, :b - a]))).numpy()
        np.divide(y[:e], y[e:], out=out[a:b].T)
    return torch.from_numpy(out)


@contextlib.contextmanager
def one_thread():
    """Run torch on one intra-op thread inside the block (the previous count is restored afterwards).

    The polynomial method streams ``r x chunk`` blocks through narrow products (``(d + 1) x r`` times
    ``r x chunk``): memory-bound work that a second thread speeds up by about 10% on an idle CPU (measured
    at L = 16384 and 65536, r = 165 and 6435), while every multi-threaded call waits for its slowest thread,
    which on a shared CPU costs milliseconds per call (measured: 2.3 ms on one thread, 44 ms on two, with
    two other busy processes on two cores). One thread is therefore both robust and no slower in practice;
    the exact baseline keeps all the threads it is given.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def stated_bound(beta: float, degree: int, v_max: float) -> float:
    """The stated max-entry error of :func:`taylor_attention`: ``2 delta / (1 - delta) ||V||_max``.

    >>> from ditrates.criteria.cost import polynomial_cost
    >>> c = polynomial_cost(16384, 8, 0.5, kappa=1/8, delta_F=1e-3)
    >>> stated_bound(c.beta, c.degree, 0.5) <= 1e-3
    True
    """
    delta = relative_error(beta, degree)
    return 2 * delta / (1 - delta) * v_max if delta < 1 else math.inf


def precision_ok(beta: float, ln_rel_err: float, dtype: torch.dtype) -> bool:
    """Whether ``dtype`` resolves the relative error ``e^ln_rel_err`` of a Taylor sum on ``[-beta, beta]``:
    ``eps_mach e^(2 beta) <= rel_err`` (cancellation costs a factor ``e^(2 beta)``)."""
    return math.log(torch.finfo(dtype).eps) + 2 * beta <= ln_rel_err


# ----------------------------------------------------------------------------------------------------
# Measurement
# ----------------------------------------------------------------------------------------------------
