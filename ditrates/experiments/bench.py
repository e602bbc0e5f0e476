"""Timing exact against polynomial attention: bounded inputs, medians, peak memory, one benchmark point.

:func:`bench_point` times :func:`~ditrates.experiments.attention.taylor_attention` at the degree and rank of
:func:`ditrates.criteria.cost.polynomial_cost` against the exact attention timed once per L (:func:`time_exact`),
and measures its error against float64 and its peak memory; :func:`largest_winning_B` and
:func:`predicted_largest_B` summarise a grid. They serve ``ditrates attention bench`` and
``benchmarks/bench_attention.py``.
"""

from __future__ import annotations

import ctypes
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import torch

from ditrates.criteria.cost import PolynomialCost, polynomial_cost
from ditrates.experiments.attention import precision_ok, sdpa_attention, stated_bound, taylor_attention
from ditrates.roots import bisect


def bounded_inputs(L: int, d: int, B: float, generator: torch.Generator,
                   dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``Q, K, V`` with entries uniform in ``[-B, B]``, and ``q_0 = k_0 = -k_1 = v_0 = B 1`` so that
    ``kappa <q_0, k_0> = beta`` and ``kappa <q_0, k_1> = -beta``: the kernel spans the bound's range."""
    Q, K, V = ((2 * torch.rand(L, d, generator=generator, dtype=torch.float64) - 1) * B for _ in range(3))
    Q[0], K[0], V[0] = B, B, B
    if L > 1:
        K[1] = -B
    return Q.to(dtype), K.to(dtype), V.to(dtype)


def median_time(fn: Callable[[], object], repeats: int | None = None, budget: float = 1.0) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls after one warm-up call (default: as many as fit
    in ``budget`` seconds, between 3 and 15)."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    repeats = repeats or max(3, min(15, int(budget / max(first, 1e-9))))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def peak_memory(fn: Callable[[], object]) -> int | None:
    """Bytes by which one call of ``fn()`` raises the process's resident memory at its peak (Linux/glibc;
    None elsewhere).

    The peak RSS (``VmHWM``) is reset through ``/proc/self/clear_refs``; glibc is told to serve blocks of
    64 KiB and more by ``mmap`` and to return freed memory (``malloc_trim``), so that a block freed earlier
    cannot hide an allocation. Afterwards the thresholds go to glibc's dynamic ceiling (32 MiB mmap, 64 MiB
    trim), the steady state of its default, so later timings are not slowed by page faults.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 1 << 16)
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 16)
        libc.malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        base = _status_bytes("VmRSS")
        fn()
        return max(0, _status_bytes("VmHWM") - base)
    except OSError:
        return None
    finally:
        if "libc" in locals():
            libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
            libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20)


def _status_bytes(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {key} in /proc/self/status")


@dataclasses.dataclass(frozen=True)
class ExactTiming:
    """Time and peak memory of torch's exact attention at one ``(L, d)`` (they do not depend on ``B``)."""

    L: int
    d: int
    seconds: float
    memory: int | None


def time_exact(L: int, d: int, kappa: float, generator: torch.Generator, budget: float = 1.0) -> ExactTiming:
    """Time :func:`sdpa_attention` in float32 on ``L x d`` inputs (:func:`median_time`); its peak memory."""
    Q, K, V = bounded_inputs(L, d, 1.0, generator)
    seconds = median_time(lambda: sdpa_attention(Q, K, V, kappa), budget=budget)
    return ExactTiming(L, d, seconds, peak_memory(lambda: sdpa_attention(Q, K, V, kappa)))


@dataclasses.dataclass(frozen=True)
class BenchPoint:
    """One ``(L, d, B)`` of the benchmark: the stated cost and, when the method can win, the measurement."""

    cost: PolynomialCost
    exact: ExactTiming
    status: str
    fast_seconds: float | None = None
    fast_memory: int | None = None
    max_error: float | None = None
    bound: float | None = None

    @property
    def speedup(self) -> float | None:
        return self.exact.seconds / self.fast_seconds if self.fast_seconds else None

    @property
    def wins(self) -> bool:
        """Faster than exact attention at the target error."""
        return bool(self.speedup and self.speedup > 1 and self.max_error <= self.cost.delta_F)

    def to_dict(self) -> dict:
        c = self.cost
        return {"L": c.L, "d": c.d, "B": c.B, "kappa": c.kappa, "eps": c.delta_F, "beta": c.beta,
                "degree": c.degree, "rank": c.rank, "log10_rank": c.log10_rank,
                "predicted_speedup": 10**c.log10_speedup if abs(c.log10_speedup) < 300 else None,
                "status": self.status,
                "time_exact": self.exact.seconds, "time_fast": self.fast_seconds, "speedup": self.speedup,
                "memory_exact": self.exact.memory, "memory_fast": self.fast_memory,
                "max_error": self.max_error, "stated_bound": self.bound, "wins": self.wins}


def bench_point(exact: ExactTiming, B: float, kappa: float, eps: float, generator: torch.Generator,
                budget: float = 1.0, dtype: torch.dtype = torch.float32) -> BenchPoint:
    """Run :func:`taylor_attention` at ``(exact.L, exact.d, B)`` with the degree of
    :func:`~ditrates.criteria.cost.polynomial_cost` for error ``eps``; time it, measure its peak memory and
    its max-entry error against :func:`sdpa_attention` in float64. Nothing runs when the rank ``r >= L``
    (the method cannot win) or when ``dtype`` cannot resolve the required relative error."""
    L, d = exact.L, exact.d
    cost = polynomial_cost(L, d, B, kappa, eps)
    if cost.log10_speedup <= 0:
        return BenchPoint(cost, exact, "cannot win: rank r >= L")
    if not precision_ok(cost.beta, cost.ln_rel_err, dtype):
        return BenchPoint(cost, exact, f"{dtype} cannot resolve the relative error at this beta")
    Q, K, V = bounded_inputs(L, d, B, generator, dtype)

    def run():
        return taylor_attention(Q, K, V, kappa, cost.degree)

    seconds = median_time(run, budget=budget)
    memory = peak_memory(run)
    reference = sdpa_attention(Q.double(), K.double(), V.double(), kappa)
    error = float((run().double() - reference).abs().max())
    bound = stated_bound(cost.beta, cost.degree, float(V.abs().max()))
    return BenchPoint(cost, exact, "ran", seconds, memory, error, bound)


def largest_winning_B(points: Sequence[BenchPoint]) -> dict[int, float | None]:
    """Per ``L``, the largest measured ``B`` at which the fast method beats exact attention at the target
    error (None if it wins at none)."""
    best: dict[int, float | None] = {}
    for p in points:
        current = best.setdefault(p.cost.L, None)
        if p.wins and (current is None or p.cost.B > current):
            best[p.cost.L] = p.cost.B
    return best


def predicted_largest_B(L: int, d: int, kappa: float, eps: float, hi: float = 64.0) -> float:
    """The largest ``B`` at which the flop model predicts a win (rank ``r < L``), by bisection in ``B``
    (the rank does not decrease with ``B``)."""
    lo, _ = bisect(lambda B: 0 if polynomial_cost(L, d, B, kappa, eps).wins else 1, 0.0, hi, iterations=40)
    return lo
