"""Issue 6 benchmark: exact against almost-linear attention and training gradient, as ratios from one run.

Forward, at L = 16384, d = 8, kappa = 1/d, eps = 1e-3: torch's exact ``scaled_dot_product_attention``
on ``--threads`` threads against the polynomial method on one of them (float32, median of repeats after a
warm-up; see ``ditrates.experiments.attention.one_thread``), for B = 0.5 (well
under sqrt(ln L) = 3.1), B = 1, and B = 2, 4 (where the rank r exceeds L and nothing runs). Targets for
B = 0.5: at least 10x faster, at least half of the predicted speedup, max error <= eps, memory O(L r).

Gradient of Definition 4.1 at d = 8, kappa = 1/d, Gamma = 0.5 (float64): the exact closed form of
Lemma G.2 against the low-rank chain of Lemmas G.3-G.7, with the max-entry error.

Only ratios measured within this run are meaningful: the machine may be shared.

Usage: python benchmarks/bench_attention.py [--threads 2] [--L 16384]
"""

from __future__ import annotations

import argparse

import torch

from ditrates.criteria.cost import polynomial_cost
from ditrates.experiments import bench as at
from ditrates.experiments import gradient as gr

MIB = 1 << 20


def forward(L: int, d: int, eps: float, generator: torch.Generator) -> None:
    kappa = 1 / d
    exact = at.time_exact(L, d, kappa, generator, budget=3.0)
    print(f"forward: L = {L}, d = {d}, kappa = 1/d, eps = {eps:g}, float32; exact on "
          f"{torch.get_num_threads()} threads, fast on 1")
    print(f"  exact SDPA: {1e3 * exact.seconds:.1f} ms, peak memory +{exact.memory / MIB:.2f} MiB")
    for B in (0.5, 1.0, 2.0, 4.0):
        p = at.bench_point(exact, B, kappa, eps, generator, budget=3.0)
        c = p.cost
        rank = c.rank or f"10^{c.log10_rank:.1f}"
        head = f"  B = {B:g} (beta = {c.beta:.3g}, degree {c.degree}, rank r = {rank})"
        if p.status != "ran":
            print(f"{head}: {p.status} (predicted speedup L/r = 10^{c.log10_speedup:.2f})")
            continue
        ratio = p.speedup / c.speedup
        print(f"{head}: fast {1e3 * p.fast_seconds:.2f} ms")
        target = "yes" if p.speedup >= 10 else "no"
        print(f"    speedup vs SDPA     {p.speedup:8.1f}x  (target >= 10x: {target})")
        print(f"    predicted L/r       {c.speedup:8.1f}x  measured/predicted = {ratio:.2f}")
        print(f"    predicted L/(2r)    {c.speedup / 2:8.1f}x  measured/predicted = {2 * ratio:.2f}")
        print(f"    max error          {p.max_error:9.2e}   stated bound {p.bound:.2e}, eps {eps:g}")
        print(f"    peak memory (fast)  {p.fast_memory / MIB:8.2f} MiB = "
              f"{p.fast_memory / (4 * c.L * c.rank):.2f} x (4 L r bytes); "
              f"an L x L float32 array is {4 * L * L / MIB:.0f} MiB")


def gradient(L: int, d: int, eps: float, generator: torch.Generator) -> None:
    kappa = 1 / d
    W, inst = gr.random_instance(L, d, 0.5, kappa, generator)
    cost = polynomial_cost(L, d, gr.gamma(W, inst), kappa, eps)
    exact = gr.gradient_closed_form(W, inst)
    fast = gr.gradient_fast(W, inst, cost.degree)
    t_exact = at.median_time(lambda: gr.gradient_closed_form(W, inst), repeats=1 if L > 8192 else 3)
    t_fast = at.median_time(lambda: gr.gradient_fast(W, inst, cost.degree), budget=3.0)
    memory = at.peak_memory(lambda: gr.gradient_fast(W, inst, cost.degree))
    bound = gr.fast_gradient_bound(inst, cost.beta, cost.degree)
    print(f"gradient: L = {L}, d = {d}, kappa = 1/d, Gamma = {gr.gamma(W, inst):.3g}, "
          f"degree {cost.degree}, rank {cost.rank}, float64")
    print(f"  exact closed form {t_exact:.3f} s, fast {1e3 * t_fast:.1f} ms: "
          f"speedup {t_exact / t_fast:.1f}x; fast peak memory +{memory / MIB:.1f} MiB")
    print(f"  max error {float((fast - exact).abs().max()):.2e} "
          f"(max |dL0/dW| = {float(exact.abs().max()):.2e}; stated bound {bound:.2e})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2,
                        help="CPU threads for the exact methods and the fast gradient (default 2)")
    parser.add_argument("--L", type=int, default=16384, help="sequence length of the forward benchmark")
    parser.add_argument("--gradient-L", default="4096,16384",
                        help="sequence lengths of the gradient benchmark, comma-separated (default 4096,16384)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    forward(args.L, 8, 1e-3, generator)
    for L in filter(None, args.gradient_L.split(",")):
        gradient(int(L), 8, 1e-3, generator)


if __name__ == "__main__":
    main()
