"""Issue 6: exact and almost-linear attention, the gradient of Definition 4.1, the norms of a model, the CLI.

The exact paths are checked against independent formulas; the fast paths against their stated bounds on
random inputs with bounded entries (hypothesis); the fast attention against an L x L allocation by its peak
memory; and the bench runs in its quick form.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from ditrates.criteria.cost import polynomial_cost  # noqa: E402
from ditrates.criteria.threshold import Temperature  # noqa: E402
from ditrates.experiments import attention as at  # noqa: E402
from ditrates.experiments import bench  # noqa: E402
from ditrates.experiments import gradient as gr  # noqa: E402
from ditrates.experiments.norms import attention_max_norms, is_attention  # noqa: E402

F64 = torch.float64


def _inputs(seed: int, L: int, d: int, B: float, m: int | None = None, e: int | None = None):
    """Q (L x d), K (m x d), V (m x e) with entries uniform in [-B, B], float64."""
    g = torch.Generator().manual_seed(seed)
    m, e = m or L, e or d
    shapes = ((L, d), (m, d), (m, e))
    return tuple((2 * torch.rand(*shape, generator=g, dtype=F64) - 1) * B for shape in shapes)


def _softmax_reference(Q, K, V, kappa):
    return torch.softmax(kappa * Q @ K.T, dim=1) @ V


# ----------------------------------------------------------------------------------------------------
# Exact attention
# ----------------------------------------------------------------------------------------------------
@given(seed=st.integers(0, 2**16), L=st.integers(1, 40), d=st.integers(1, 6), B=st.floats(0.01, 3.0),
       temperature=st.sampled_from(list(Temperature)))
def test_exact_paths_agree_with_the_softmax_formula(seed, L, d, B, temperature):
    kappa = float(temperature.kappa(d))
    Q, K, V = _inputs(seed, L, d, B)
    ref = _softmax_reference(Q, K, V, kappa)
    assert np.abs(at.exact_attention(Q.numpy(), K.numpy(), V.numpy(), kappa) - ref.numpy()).max() < 1e-12
    assert (at.sdpa_attention(Q, K, V, kappa) - ref).abs().max() < 1e-12


def test_exact_attention_survives_entries_beyond_float64():
    """beta = 7200: exp(kappa Q K^T) overflows float64, the row-shifted softmax does not."""
    Q, K, V = _inputs(0, 50, 8, 30.0)
    out = at.exact_attention(Q.numpy(), K.numpy(), V.numpy(), 1.0)
    assert np.isfinite(out).all()
    assert np.abs(out - _softmax_reference(Q, K, V, 1.0).numpy()).max() < 1e-12


def test_exact_attention_blocks_give_the_same_result(monkeypatch):
    Q, K, V = _inputs(1, 37, 3, 1.0)
    whole = at.exact_attention(Q, K, V, 0.5)
    monkeypatch.setattr(at, "REFERENCE_ELEMENTS", 5 * 37)
    # equal up to rounding: BLAS may sum a 5-row block in another order than the whole matrix
    np.testing.assert_allclose(at.exact_attention(Q, K, V, 0.5), whole, rtol=0, atol=1e-15)


# ----------------------------------------------------------------------------------------------------
# Features and the polynomial method
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("d", "g"), [(1, 0), (1, 5), (3, 4), (8, 3), (5, 1)])
def test_monomial_plan_lists_every_monomial_once(d, g):
    plan = at.monomial_plan(d, g)
    assert plan.rank == math.comb(d + g, g)
    assert len({tuple(e) for e in plan.exponents}) == plan.rank
    assert plan.exponents.sum(axis=1).max(initial=0) <= g and plan.exponents.min() >= 0
    x = np.random.default_rng(d + g).uniform(0.5, 1.5, size=(d, 4))
    expected = np.stack([np.prod(x ** e[:, None], axis=0) for e in plan.exponents])
    assert np.allclose(at.monomials(x, plan), expected, rtol=1e-14)


@given(seed=st.integers(0, 2**16), d=st.integers(1, 6), g=st.integers(0, 6),
       kappa=st.sampled_from([1.0, 0.25]))
def test_features_reproduce_the_taylor_polynomial_of_the_kernel(seed, d, g, kappa):
    Q, K, _ = (x.numpy() for x in _inputs(seed, 3, d, 1.0))
    P, R = at.taylor_features(Q, g, kappa), at.taylor_features(K, g, kappa)
    S = kappa * Q @ K.T
    taylor = sum(S**j / math.factorial(j) for j in range(g + 1))
    assert np.allclose(P @ R.T, taylor, rtol=1e-13, atol=1e-15)


@given(seed=st.integers(0, 2**16), L=st.integers(2, 64), d=st.integers(1, 6), B=st.floats(0.05, 1.5),
       temperature=st.sampled_from(list(Temperature)), log_eps=st.floats(-8, -2))
def test_fast_attention_is_within_the_stated_bound(seed, L, d, B, temperature, log_eps):
    """On random inputs with entries in [-B, B] (and the extreme rows of bounded_inputs), float64."""
    kappa = float(temperature.kappa(d))
    cost = polynomial_cost(L, d, B, kappa, 10**log_eps)
    assume(cost.log10_rank < 3.5)
    Q, K, V = bench.bounded_inputs(L, d, B, torch.Generator().manual_seed(seed), F64)
    err = np.abs(at.taylor_attention(Q, K, V, kappa, cost.degree).numpy()
                 - at.exact_attention(Q.numpy(), K.numpy(), V.numpy(), kappa)).max()
    bound = at.stated_bound(cost.beta, cost.degree, float(V.abs().max()))
    assert bound <= cost.delta_F * (1 + 1e-12)
    assert err <= bound + 1e-13


def test_fast_attention_handles_cross_attention_shapes_chunks_and_threads():
    Q, K, V = _inputs(3, 30, 4, 0.7, m=45, e=3)
    threads = torch.get_num_threads()
    whole = at.taylor_attention(Q, K, V, 1.0, 6)
    assert torch.get_num_threads() == threads  # one_thread restores the count
    assert whole.shape == (30, 3) and whole.dtype == F64
    assert torch.allclose(at.taylor_attention(Q, K, V, 1.0, 6, chunk=7), whole, rtol=1e-13)
    assert (whole - _softmax_reference(Q, K, V, 1.0)).abs().max() < at.stated_bound(4 * 0.49, 6, 0.7)


def test_fast_attention_allocates_no_L_by_L_array():
    """At L = 8192 an L x L float64 array is 512 MiB; the fast path stays below 32 MiB (and the memory
    probe does see an L x L allocation of the naive formula)."""
    L = 8192
    Q, K, V = _inputs(4, L, 8, 0.5)
    fast = bench.peak_memory(lambda: at.taylor_attention(Q, K, V, 1 / 8, 3))
    if fast is None:
        pytest.skip("peak memory is measured on Linux only")
    assert fast < 32 << 20
    naive = bench.peak_memory(lambda: _softmax_reference(Q[:2048], K, V, 1 / 8))
    assert naive >= 2048 * L * 8


def test_precision_guard_and_bench_refusals():
    ln_err = math.log(1e-4)
    assert at.precision_ok(1.0, ln_err, torch.float32) and not at.precision_ok(6.0, ln_err, torch.float32)
    assert at.precision_ok(6.0, math.log(1e-4), F64)
    g = torch.Generator().manual_seed(0)
    exact = bench.ExactTiming(L=256, d=8, seconds=1.0, memory=None)
    lost = bench.bench_point(exact, 1.0, 1 / 8, 1e-3, g)  # r = 6435 >= 256
    assert lost.status.startswith("cannot win") and lost.fast_seconds is None and not lost.wins
    d1 = bench.ExactTiming(L=4096, d=1, seconds=1.0, memory=None)
    unresolved = bench.bench_point(d1, 2.6, 1.0, 1e-3, g)  # beta = 6.76, r = 31 < L, float32 too coarse
    assert "cannot resolve" in unresolved.status


def test_bench_point_measures_within_the_bound_and_phase_helpers():
    g = torch.Generator().manual_seed(0)
    exact = bench.time_exact(512, 4, 0.25, g, budget=0.05)
    p = bench.bench_point(exact, 0.5, 0.25, 1e-3, g, budget=0.05)
    assert p.status == "ran" and p.max_error <= p.bound <= 1e-3
    assert (p.cost.degree, p.cost.rank) == (3, 35)
    assert set(p.to_dict()) >= {"time_exact", "time_fast", "speedup", "memory_fast", "max_error", "rank"}
    best = bench.predicted_largest_B(4096, 8, 1 / 8, 1e-3)  # the largest B with r < L, by bisection
    assert polynomial_cost(4096, 8, best, 1 / 8, 1e-3).log10_speedup > 0
    assert polynomial_cost(4096, 8, best * 1.001, 1 / 8, 1e-3).log10_speedup <= 0
    won = bench.BenchPoint(p.cost, exact, "ran", 1e-9, 0, 0.0, 1.0)
    assert bench.largest_winning_B([won, bench.bench_point(exact, 4.0, 0.25, 1e-3, g)]) == {512: 0.5}


# ----------------------------------------------------------------------------------------------------
# The gradient of Definition 4.1
# ----------------------------------------------------------------------------------------------------
@given(seed=st.integers(0, 2**16), L=st.integers(2, 24), d=st.integers(1, 5), Gamma=st.floats(0.05, 2.0),
       kappa=st.sampled_from([1.0, 0.2]))
def test_closed_form_gradient_equals_autograd(seed, L, d, Gamma, kappa):
    W, inst = gr.random_instance(L, d, Gamma, kappa, torch.Generator().manual_seed(seed))
    auto = gr.gradient_autograd(W, inst)
    scale = 1 + float(auto.abs().max())
    assert (gr.gradient_closed_form(W, inst) - auto).abs().max() <= 1e-12 * scale
    assert (gr.gradient_closed_form(W, inst, block=3) - auto).abs().max() <= 1e-12 * scale


def test_the_loss_does_not_depend_on_the_orthonormal_W_A():
    g = torch.Generator().manual_seed(5)
    W, inst = gr.random_instance(12, 3, 1.0, 1.0, g)
    d0, D = 36, 50
    W_A = torch.linalg.qr(torch.randn(D, d0, generator=g, dtype=F64))[0]  # D x d0, orthonormal columns
    assert torch.allclose(gr.loss(W, inst, W_A), gr.loss(W, inst))
    assert torch.allclose(gr.gradient_autograd(W, inst, W_A), gr.gradient_autograd(W, inst), rtol=1e-12)


def test_the_printed_p2_is_the_transpose_of_the_right_one():
    """Lemma G.1 as printed, p = f o q - f diag(r), disagrees with autograd; p = f o q - diag(r) f agrees."""
    W, inst = gr.random_instance(10, 3, 1.0, 1.0, torch.Generator().manual_seed(6))
    f = gr.softmax_rows(W, inst)
    q = (f @ inst.h - inst.Y.T) @ inst.h.T
    r = (f * q).sum(1)
    auto = gr.gradient_autograd(W, inst)
    assert torch.allclose(inst.A1 @ (f * q - r[:, None] * f) @ inst.A2.T, auto, rtol=1e-12)
    assert not torch.allclose(inst.A1 @ (f * q - f * r[None, :]) @ inst.A2.T, auto, rtol=1e-3)


@given(seed=st.integers(0, 2**16), L=st.integers(2, 48), d=st.integers(1, 4), Gamma=st.floats(0.05, 1.0),
       temperature=st.sampled_from(list(Temperature)), log_eps=st.floats(-8, -2))
def test_fast_gradient_is_within_its_stated_bound(seed, L, d, Gamma, temperature, log_eps):
    kappa = float(temperature.kappa(d))
    W, inst = gr.random_instance(L, d, Gamma, kappa, torch.Generator().manual_seed(seed))
    assert gr.gamma(W, inst) <= Gamma
    cost = polynomial_cost(L, d, gr.gamma(W, inst), kappa, 10**log_eps)
    assume(cost.log10_rank < 3)
    err = (gr.gradient_fast(W, inst, cost.degree) - gr.gradient_closed_form(W, inst)).abs().max()
    assert err <= gr.fast_gradient_bound(inst, cost.beta, cost.degree) + 1e-13


# ----------------------------------------------------------------------------------------------------
# Norms of a model's attention layers
# ----------------------------------------------------------------------------------------------------
class Attention(torch.nn.Module):
    """A minimal attention layer with the interface norms.py reads."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, width // heads
        self.scale = self.head_dim**-0.5
        self.q, self.k, self.v, self.o = (torch.nn.Linear(width, width) for _ in range(4))

    def forward(self, x):
        b, n, _ = x.shape
        split = [f(x).view(b, n, self.heads, self.head_dim).transpose(1, 2) for f in (self.q, self.k, self.v)]
        out = torch.softmax(split[0] @ split[1].transpose(-1, -2) * self.scale, -1) @ split[2]
        return self.o(out.transpose(1, 2).reshape(x.shape))


class TinyModel(torch.nn.Module):
    def __init__(self, width=8, heads=2, depth=2):
        super().__init__()
        self.blocks = torch.nn.ModuleList(Attention(width, heads) for _ in range(depth))
        self.time = torch.nn.Linear(1, width)

    def forward(self, x, t):
        x = x + self.time(t[:, None])[:, None]
        for block in self.blocks:
            x = x + block(x)
        return x


def test_attention_max_norms_on_a_small_model():
    torch.manual_seed(0)
    model = TinyModel()
    x, t = torch.randn(5, 6, 8), torch.rand(5)
    layers = attention_max_norms(model, x, t)
    assert [m.name for m in layers] == ["blocks.0", "blocks.1"]
    assert not model.blocks[0]._forward_pre_hooks  # hooks are removed
    first, block = layers[0], model.blocks[0]
    X = x + model.time(t[:, None])[:, None]
    with torch.no_grad():
        assert first.k_max == pytest.approx(float(block.k(X).abs().max()))
        assert first.q_max == pytest.approx(float(block.q(X).abs().max()))
        v = block.v(X)
        per_head = [v[..., 4 * i:4 * (i + 1)] @ block.o.weight[:, 4 * i:4 * (i + 1)].T for i in range(2)]
        assert first.ov_max == pytest.approx(max(float(p.abs().max()) for p in per_head))
    assert (first.L, first.d, first.heads, first.kappa) == (6, 4, 2, 0.5)
    assert first.B == max(first.k_max, first.q_max, first.ov_max)
    assert first.ratio == pytest.approx(math.sqrt(0.5 * 4) * first.B / math.sqrt(math.log(6)))
    assert first.verdict.startswith(("efficient side", "not on the efficient side"))
    assert not is_attention(torch.nn.Linear(2, 2))


# ----------------------------------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli():
    from typer.testing import CliRunner

    from ditrates.cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_quick_bench_runs_and_matches_the_criteria_command(cli, tmp_path):
    plot = tmp_path / "phase.png"
    res = cli("attention", "bench", "--quick", "--temperature", "1/d", "--json", "--plot", str(plot))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert plot.stat().st_size > 10_000
    assert [r["L"] for r in doc["phase"]] == [1024, 4096]
    point = next(p for p in doc["points"] if p["L"] == 4096 and p["B"] == 0.5)
    assert point["status"] == "ran" and point["max_error"] <= point["stated_bound"] <= 1e-3
    crit = cli("criteria", "--L", "4096", "--d", "8", "--B", "0.5", "--temperature", "1/d", "--delta_F", "1e-3",
               "--json")
    assert crit.exit_code == 0, crit.output
    cost = json.loads(crit.stdout)["cost"]
    assert (point["degree"], point["rank"]) == (cost["degree"], cost["rank"]) == (3, 165)
    assert next(p for p in doc["points"] if p["B"] == 1.0)["status"].startswith("cannot win")


@pytest.mark.parametrize(("args", "message"), [
    (("--L", "1"), "numbers >= 2"), (("--B", "0.5,x"), "must be a number"), (("--delta_F", "2"), "(0, 1)"),
    (("--temperature", "1/2"), "1/2"), (("--L", "1024,,4096"), "empty item"), (("--B", "0,1"), "> 0"),
    (("--plot", "/nonexistent/dir/phase.png"), "does not exist"), (("--plot", "phase.txt"), "suffix"),
])
def test_bench_rejects_bad_input_in_one_line_before_any_work(cli, args, message, monkeypatch):
    monkeypatch.setattr(bench, "time_exact", lambda *a, **k: pytest.fail("the benchmark ran before the check"))
    res = cli("attention", "bench", "--quick", *args)
    assert res.exit_code == 2
    assert res.stderr.startswith("ditrates: error:") and res.stderr.count("\n") == 1
    assert message in res.stderr


def test_bench_interrupted_prints_what_was_measured_and_exits_130(cli, monkeypatch):
    real, calls = bench.bench_point, []

    def interrupt_second(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(bench, "bench_point", interrupt_second)
    res = cli("attention", "bench", "--L", "512", "--B", "0.25,0.5", "--quick", "--json")
    assert res.exit_code == 130
    doc = json.loads(res.stdout)
    assert doc["interrupted"] is True and len(doc["points"]) == 1
    assert "interrupted: 1 of 2 grid points measured" in res.stderr


def test_measure_command_reads_a_saved_run(cli, tmp_path):
    model_module = pytest.importorskip("ditrates.experiments.model")
    config = {"D": 8, "d0": 4, "d": 2, "L": 2, "projection": "oracle", "width": 8, "depth": 1, "heads": 2,
              "components": 2, "mean_scale": 2.0, "std": 0.5, "data_seed": 0, "T0": 0.01, "T": 2.0}
    data = model_module.data_from_config(config)
    model_module.save_run(tmp_path, model_module.build(config, data), config)
    res = cli("criteria", "measure", str(tmp_path), "--json", "--n", "16")
    assert res.exit_code == 0, res.output
    (layer,) = json.loads(res.stdout)["layers"]
    assert (layer["L"], layer["d"], layer["heads"]) == (2, 4, 2)
    assert layer["B"] == max(layer["W_K A1"], layer["W_Q A2"], layer["W_OV A3"])
    missing = cli("criteria", "measure", str(tmp_path / "nothing"))
    assert missing.exit_code == 2 and "not a finished run" in missing.stderr


def test_the_benchmark_script_runs(tmp_path):
    """benchmarks/bench_attention.py at a small L (the issue's point is L = 16384; here only that it runs)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_attention.py"
    proc = subprocess.run([sys.executable, str(script), "--L", "1024", "--threads", "1", "--gradient-L", "512"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "speedup vs SDPA" in proc.stdout and "gradient: L = 512" in proc.stdout
