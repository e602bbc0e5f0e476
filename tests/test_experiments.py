"""The numeric companion's math: exact scores, the mixture marginal, the score networks, training."""

import math

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from test_experiments_measure import Shifted, gen  # noqa: E402  (one definition of each)

from ditrates.experiments import measure  # noqa: E402
from ditrates.experiments.data import DTYPE, DataSpec, LatentMixture, beta, sigma  # noqa: E402
from ditrates.experiments.model import Attention, Block, ScoreNet, parameter_count  # noqa: E402
from ditrates.experiments.train import (  # noqa: E402
    TrainSpec,
    Validation,
    dsm_batch,
    dsm_loss,
    parameter_groups,
    sample_times,
    train,
)

TIMES = (0.01, 0.1, 1.0, 5.0)


@pytest.fixture(scope="module")
def data():
    return LatentMixture(DataSpec(D=6, d0=4, components=3, seed=3))


# ----------------------------------------------------------------------------------------------------
# Data: exact scores and the mixture marginal
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", TIMES)
@pytest.mark.parametrize(("space", "scale", "seed"), [("ambient", 3, 1), ("latent", 2, 2)])
def test_score_is_the_gradient_of_the_exact_log_density(data, t, space, scale, seed):
    """The exact score of p_t (in R^D) and of p^h_t (in R^d0) against autograd of the exact log density."""
    log_density, score, dim = ((data.log_density, data.score, data.D) if space == "ambient"
                               else (data.latent_log_density, data.latent_score, data.d0))
    x = (scale * torch.randn(16, dim, generator=gen(seed), dtype=DTYPE)).requires_grad_()
    tt = torch.full((16,), t, dtype=DTYPE)
    (grad,) = torch.autograd.grad(log_density(x, tt).sum(), x)
    torch.testing.assert_close(score(x.detach(), tt), grad, rtol=1e-10, atol=1e-10)


def test_the_score_splits_as_lemma_2_1(data):
    """grad log p_t(x) = B grad log p^h_t(B^T x) - (I - B B^T) x / sigma(t)."""
    x = torch.randn(8, data.D, generator=gen(3), dtype=DTYPE)
    t = torch.full((8,), 0.3, dtype=DTYPE)
    P = data.B @ data.B.T
    perp = torch.eye(data.D, dtype=DTYPE) - P
    expected = data.latent_score(x @ data.B, t) @ data.B.T - x @ perp / sigma(t)[0]
    torch.testing.assert_close(data.score(x, t), expected)


def test_latent_log_density_integrates_to_one_in_one_dimension():
    d = LatentMixture(DataSpec(D=2, d0=1, components=3, separation=4.0, std=0.5, seed=1))
    z = torch.linspace(-15, 15, 20001, dtype=DTYPE)[:, None]
    for t in TIMES:
        dens = d.latent_log_density(z, torch.full((len(z),), t, dtype=DTYPE)).exp()
        assert float(torch.trapezoid(dens, z[:, 0])) == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize("t", (0.05, 1.0))
def test_forward_samples_have_the_mixture_marginal(data, t):
    """Forward-process draws x_t = beta x_0 + sqrt(sigma) z match the exact marginal: its first two moments,
    and Stein's identity E[grad log p_t(x) x^T] = -I, which holds only for the score of x's own law."""
    n, g = 200_000, gen(4)
    x0 = data.sample(n, g)
    tt = torch.full((n,), t, dtype=DTYPE)
    xt = beta(tt)[:, None] * x0 + sigma(tt).sqrt()[:, None] * torch.randn(n, data.D, generator=g, dtype=DTYPE)
    w = torch.full((data.spec.K,), 1 / data.spec.K, dtype=DTYPE)
    b, s = math.exp(-t / 2), -math.expm1(-t)
    mean_h = w @ data.means
    second_h = (w[:, None, None] * data.means[:, :, None] * data.means[:, None, :]).sum(0)
    eye = torch.eye(data.d0, dtype=DTYPE)
    cov_h = b**2 * (second_h + data.spec.std**2 * eye - torch.outer(mean_h, mean_h))
    cov = data.B @ (cov_h + s * torch.eye(data.d0, dtype=DTYPE)) @ data.B.T \
        + s * (torch.eye(data.D, dtype=DTYPE) - data.B @ data.B.T)
    torch.testing.assert_close(xt.mean(0), b * mean_h @ data.B.T, atol=0.03, rtol=0)
    torch.testing.assert_close(torch.cov(xt.T), cov, atol=0.08, rtol=0.02)
    stein = data.score(xt, tt).T @ xt / n
    torch.testing.assert_close(stein, -torch.eye(data.D, dtype=DTYPE), atol=0.05, rtol=0)


def test_basis_is_orthonormal_and_the_latent_law_does_not_depend_on_D():
    small, large = LatentMixture(DataSpec(D=8, d0=4)), LatentMixture(DataSpec(D=64, d0=4))
    for d in (small, large):
        torch.testing.assert_close(d.B.T @ d.B, torch.eye(4, dtype=DTYPE))
    torch.testing.assert_close(small.means, large.means)
    assert small.c0 == pytest.approx(large.c0)


@pytest.mark.parametrize("d0", (4, 8, 16))
def test_default_mixture_has_structure_in_every_latent_direction(d0):
    """K = 2 d0 means span R^d0 affinely (4 components span at most 3 directions), and the RMS distance between
    two means is `separation` component standard deviations whatever d0."""
    d = LatentMixture(DataSpec(D=2 * d0, d0=d0))
    assert d.spec.K == 2 * d0
    centred = d.means - d.means.mean(0)
    assert torch.linalg.matrix_rank(centred) == d0
    pair = (torch.cdist(d.means, d.means) ** 2).sum() / (d.spec.K * (d.spec.K - 1))
    assert math.sqrt(pair) / d.spec.std == pytest.approx(4.0, rel=0.35)
    few = LatentMixture(DataSpec(D=2 * d0, d0=d0, components=4))
    assert torch.linalg.matrix_rank(few.means - few.means.mean(0)) == 3


def test_the_marginal_is_the_exact_latent_law(data):
    """marginal(t) is P^h_t: its density is latent_log_density at t, its moments those of B^T x_t."""
    law = data.marginal(0.3)
    z = torch.randn(32, data.d0, generator=gen(20), dtype=DTYPE)
    torch.testing.assert_close(law.log_density(z), data.latent_log_density(z, torch.full((32,), 0.3, dtype=DTYPE)))
    draws = law.sample(200_000, gen(21))
    torch.testing.assert_close(draws.mean(0), law.mean(), atol=0.02, rtol=0)
    torch.testing.assert_close(torch.cov(draws.T), law.covariance(), atol=0.03, rtol=0)


def test_c0_is_the_smallest_eigenvalue_of_the_second_moment(data):
    h = data.sample_latent(400_000, gen(5))
    empirical = float(torch.linalg.eigvalsh(h.T @ h / len(h))[0])
    assert data.c0 == pytest.approx(empirical, rel=0.03)


# ----------------------------------------------------------------------------------------------------
# The score network
# ----------------------------------------------------------------------------------------------------
def tiny(projection="learned", D=8, d0=4, B=None, width=16):
    torch.manual_seed(0)
    return ScoreNet(D, d0, 2, projection, width=width, depth=2, heads=2, B=B)


def test_attention_contract_and_math():
    """Every block uses ``Attention`` with q, k, v, o (width -> width), heads, head_dim and scale; the output
    is o(concat_i softmax(q_i k_i^T scale) v_i), checked against a loop over heads."""
    model = tiny(width=16)
    blocks = [m for m in model.modules() if isinstance(m, Block)]
    assert len(blocks) == 2 and all(isinstance(b.attn, Attention) for b in blocks)
    attn = blocks[0].attn
    for name in "qkvo":
        layer = getattr(attn, name)
        assert isinstance(layer, torch.nn.Linear) and (layer.in_features, layer.out_features) == (16, 16)
    assert (attn.heads, attn.head_dim, attn.scale) == (2, 8, 8**-0.5)
    x = torch.randn(3, 5, 16, generator=gen(6))
    q, k, v = attn.q(x), attn.k(x), attn.v(x)
    heads = []
    for i in range(attn.heads):
        sl = slice(i * attn.head_dim, (i + 1) * attn.head_dim)
        heads.append(torch.softmax(q[..., sl] @ k[..., sl].transpose(1, 2) * attn.scale, -1) @ v[..., sl])
    torch.testing.assert_close(attn(x), attn.o(torch.cat(heads, -1)))


def test_score_network_is_the_papers_class(data):
    """s_W(x, t) = [W_B f(W_B^T x, t) - x] / sigma(t); at initialisation f = 0 (adaLN-Zero)."""
    model = ScoreNet(data.D, data.d0, 2, "oracle", width=16, depth=1, heads=2, B=data.B)
    x, t = torch.randn(5, data.D, generator=gen(7)), torch.full((5,), 0.5)
    torch.testing.assert_close(model(x, t), -x / sigma(t)[:, None])
    torch.nn.init.normal_(model.f_T.out.weight)
    torch.nn.init.normal_(model.f_T.ada[1].weight)
    W = model.W_B
    expected = (model.f(x @ W, t) @ W.T - x) / sigma(t)[:, None]
    torch.testing.assert_close(model(x, t), expected)
    assert model.f(x @ W, t).shape == (5, data.d0)


def test_learned_basis_stays_orthonormal_while_training():
    d = LatentMixture(DataSpec(D=8, d0=4))
    model = tiny("learned")
    eye = torch.eye(4)
    torch.testing.assert_close(model.W_B.T @ model.W_B, eye, atol=1e-5, rtol=0)
    x = d.sample(32, gen(8))
    train(model, x[8:], x[:8], TrainSpec(max_steps=30, batch=16, lr=1e-2, T0=0.01, T=5.0), gen(8))
    torch.testing.assert_close(model.W_B.T @ model.W_B, eye, atol=1e-5, rtol=0)
    assert {g["lr"] for g in parameter_groups(model, 1e-3)} == {1e-3, 1e-2}


def test_D_does_not_change_the_oracle_latent_dit():
    """The latent DiT's size depends on d0 only; the learned W_B adds D d0; the ambient transformer grows."""
    sizes = {}
    for D in (8, 32, 128):
        B = LatentMixture(DataSpec(D=D, d0=4)).B
        sizes[D] = {p: parameter_count(tiny(p, D=D, B=B)) for p in ("oracle", "learned", "ambient")}
    assert sizes[8]["oracle"] == sizes[32]["oracle"] == sizes[128]["oracle"]
    assert [sizes[D]["learned"] - sizes[D]["oracle"] for D in (8, 32, 128)] == [8 * 4, 32 * 4, 128 * 4]
    assert sizes[8]["ambient"] < sizes[32]["ambient"] < sizes[128]["ambient"]




def test_the_relu_network_is_chen_et_al_s_class(data):
    """network="mlp": the same [W_B f(W_B^T x, t) - x] / sigma(t) with f a ReLU network of (z, t features);
    it starts at f = 0, and its size does not depend on D beyond the D d0 entries of W_B."""
    model = ScoreNet(data.D, data.d0, 2, "learned", width=16, depth=2, heads=None, network="mlp")
    x, t = torch.randn(5, data.D, generator=gen(22)), torch.full((5,), 0.5)
    torch.testing.assert_close(model(x, t), -x / sigma(t)[:, None])
    assert any(isinstance(m, torch.nn.ReLU) for m in model.modules())
    assert not any(isinstance(m, Attention) for m in model.modules())
    torch.nn.init.normal_(model.relu_net.out.weight)
    W = model.W_B
    torch.testing.assert_close(model(x, t), (model.f(x @ W, t) @ W.T - x) / sigma(t)[:, None])
    big = ScoreNet(4 * data.D, data.d0, 2, "learned", width=16, depth=2, heads=None, network="mlp")
    assert parameter_count(big) - parameter_count(model) == 3 * data.D * data.d0


@pytest.mark.parametrize("n", (3, 9, 50))
def test_the_basis_starts_at_the_principal_subspace(n):
    """Exactly low-rank data identify their subspace from d0 + 1 points; with fewer, the start is completed
    by random directions, and W_B stays orthonormal either way."""
    d = LatentMixture(DataSpec(D=12, d0=4))
    model = tiny("learned", D=12, d0=4)
    model.init_basis(d.sample(n, gen(23)).float(), gen(24))
    W = model.W_B.detach().double()
    torch.testing.assert_close(W.T @ W, torch.eye(4, dtype=DTYPE), atol=1e-5, rtol=0)
    error = measure.subspace_error(W, d.B)
    assert error < 1e-8 if n >= 5 else error > 1.0


# ----------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------
def test_dsm_target_is_the_conditional_score():
    x0 = torch.randn(64, 5, generator=gen(9))
    xt, t, target = dsm_batch(x0, 0.01, 5.0, gen(10))
    assert float(t.min()) >= 0.01 and float(t.max()) <= 5.0
    torch.testing.assert_close(target, (beta(t)[:, None] * x0 - xt) / sigma(t)[:, None], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("times", ("log", "uniform"))
def test_importance_weights_keep_the_time_average(times):
    """E_q[w(t) g(t)] = (1/(T - T0)) int g dt for g(t) = t^2 and g = 1/t (exact integrals)."""
    T0, T = 0.01, 5.0
    t, w = sample_times(400_000, T0, T, times, gen(25))
    t, w = t.double(), w.double()
    for g, integral in ((t**2, (T**3 - T0**3) / 3), (1 / t, math.log(T / T0))):
        assert float((w * g).mean()) == pytest.approx(integral / (T - T0), rel=0.03)


@pytest.mark.parametrize("times", ("log", "uniform"))
def test_the_default_loss_is_theorem_3_2s_unweighted_objective(data, times):
    """By the DSM identity, the loss of (exact score + c) minus the loss of the exact score has mean ||c||^2
    under Theorem 3.2's unweighted loss, whatever the time sampling; a sigma(t) (or sigma^2) weight would give
    ||c||^2 times the average weight (0.8 or less here)."""
    spec = TrainSpec(max_steps=1, batch=1, lr=1.0, T0=0.01, T=5.0, times=times)
    assert spec.weighting == "none"
    c = torch.full((data.D,), 0.5, dtype=DTYPE)  # ||c||^2 = 1.5
    x0 = data.sample(100_000, gen(26)).float()
    diff = (dsm_loss(Shifted(data, c), x0, 0.01, 5.0, gen(27), spec.weighting, times)
            - dsm_loss(Shifted(data, 0 * c), x0, 0.01, 5.0, gen(27), spec.weighting, times))
    assert float(diff) == pytest.approx(1.5, rel=0.04)


def test_training_is_deterministic_and_learns(data):
    def run():
        torch.manual_seed(0)
        model = ScoreNet(data.D, data.d0, 2, "oracle", width=16, depth=1, heads=2, B=data.B)
        before = measure.score_error(model, data, 0.05, 2.0, gen(11), strata=8, per_stratum=64)
        x = data.sample(80, gen(12))
        info = train(model, x[16:], x[:16], TrainSpec(max_steps=150, batch=32, lr=3e-3, T0=0.05, T=2.0), gen(12))
        after = measure.score_error(model, data, 0.05, 2.0, gen(11), strata=8, per_stratum=64)
        return model, before["score_error"].value, after["score_error"].value, info

    (m1, before, after, info), (m2, _, _, _) = run(), run()
    for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
        assert torch.equal(p1, p2)
    assert after < 0.5 * before
    assert info["steps"] == 150 and info["epochs"] == pytest.approx(150 * 32 / 64)


def test_early_stopping_restores_the_best_checkpoint(data):
    """On 6 points a network overfits: training stops once the held-out loss has not improved for `patience`
    evaluations, and the restored network has the best held-out loss seen."""
    torch.manual_seed(0)
    model = ScoreNet(data.D, data.d0, 2, "oracle", width=32, depth=2, heads=2, B=data.B)
    x = data.sample(8, gen(28))
    spec = TrainSpec(max_steps=3000, batch=32, lr=3e-3, T0=0.01, T=5.0, eval_every=20, patience=4)
    info = train(model, x[2:], x[:2], spec, gen(29))
    assert info["stopped_early"] and info["steps"] < 3000
    assert info["steps"] - info["best_step"] == 4 * 20
    best = min(v for _, v in info["history"])
    assert info["val_loss"] == best and (info["best_step"], best) in info["history"]
    assert best < info["history"][-1][1]  # it was worse when it stopped ...
    same_draws = Validation(x[:2].to(torch.float32), spec, gen(29))  # train() draws these first
    assert same_draws.loss(model) == pytest.approx(best, rel=1e-6)  # ... and the best network is the one returned


def test_infinite_data_draws_a_fresh_batch_every_step(data):
    seen = []

    def source(m, g):
        seen.append(m)
        return data.sample(m, g)

    model = ScoreNet(data.D, data.d0, 2, "oracle", width=8, depth=1, heads=2, B=data.B)
    info = train(model, source, data.sample(16, gen(30)), TrainSpec(max_steps=12, batch=8, lr=1e-3, T0=0.01, T=5.0,
                                                                    eval_every=4), gen(31))
    assert seen == [8] * 12 and info["epochs"] is None


def test_a_diverging_run_raises():
    d = LatentMixture(DataSpec(D=8, d0=4))
    model = tiny("learned")
    x = d.sample(16, gen(32))
    with pytest.raises(FloatingPointError, match="not finite"):
        train(model, x[4:], x[:4], TrainSpec(max_steps=20, batch=8, lr=float("inf"), T0=0.01, T=5.0), gen(33))
