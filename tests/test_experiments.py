"""The numeric companion's math: exact scores, the mixture marginal, the score network, the estimators."""

import math

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from ditrates.experiments import measure  # noqa: E402
from ditrates.experiments.data import DTYPE, DataSpec, LatentMixture, beta, sigma  # noqa: E402
from ditrates.experiments.model import Attention, Block, ScoreNet, parameter_count  # noqa: E402
from ditrates.experiments.train import TrainSpec, dsm_batch, parameter_groups, train  # noqa: E402

TIMES = (0.01, 0.1, 1.0, 5.0)




@pytest.fixture(scope="module")
def data():
    return LatentMixture(DataSpec(D=6, d0=4, components=3, seed=3))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


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
    d = LatentMixture(DataSpec(D=2, d0=1, components=3, mean_scale=2.0, std=0.5, seed=1))
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
    w = torch.full((data.spec.components,), 1 / data.spec.components, dtype=DTYPE)
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
    train(model, d.sample(32, gen(8)), TrainSpec(steps=30, batch=16, lr=1e-2, T0=0.01, T=5.0), gen(8))
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


# ----------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------
def test_dsm_target_is_the_conditional_score():
    x0 = torch.randn(64, 5, generator=gen(9))
    g = gen(10)
    xt, t, target = dsm_batch(x0, 0.01, 5.0, g)
    assert float(t.min()) >= 0.01 and float(t.max()) <= 5.0
    torch.testing.assert_close(target, (beta(t)[:, None] * x0 - xt) / sigma(t)[:, None], atol=1e-4, rtol=1e-4)


def test_training_is_deterministic_and_learns(data):
    def run():
        torch.manual_seed(0)
        model = ScoreNet(data.D, data.d0, 2, "oracle", width=16, depth=1, heads=2, B=data.B)
        before = measure.score_error(model, data, 0.05, 2.0, gen(11), strata=8, per_stratum=64)
        spec = TrainSpec(steps=150, batch=32, lr=3e-3, T0=0.05, T=2.0)
        train(model, data.sample(64, gen(12)), spec, gen(12))
        after = measure.score_error(model, data, 0.05, 2.0, gen(11), strata=8, per_stratum=64)
        return model, before["score_error_weighted"].value, after["score_error_weighted"].value

    (m1, before, after), (m2, _, _) = run(), run()
    for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
        assert torch.equal(p1, p2)
    assert after < 0.5 * before


# ----------------------------------------------------------------------------------------------------
# Estimators
# ----------------------------------------------------------------------------------------------------
class Shifted(torch.nn.Module):
    """The exact score plus a constant vector c: its squared error is ||c||^2 at every (x, t)."""

    def __init__(self, data, c):
        super().__init__()
        self.data, self.c = data, c

    def forward(self, x, t):
        return (self.data.score(x.to(DTYPE), t.to(DTYPE)) + self.c).float()


def test_score_error_of_the_exact_score_is_zero_and_weights_are_right(data):
    zero = measure.score_error(Shifted(data, torch.zeros(data.D, dtype=DTYPE)), data, 0.01, 5.0, gen(13))
    assert zero["score_error"].value < 1e-10
    c = torch.full((data.D,), 0.5, dtype=DTYPE)  # ||c||^2 = 1.5
    est = measure.score_error(Shifted(data, c), data, 0.01, 5.0, gen(13))
    T0, T = 0.01, 5.0
    def antiderivative(t):  # of sigma(t)^2 = (1 - e^-t)^2
        return t + 2 * math.exp(-t) - math.exp(-2 * t) / 2

    weighted = antiderivative(T) - antiderivative(T0)
    for key, exact in (("score_error", 1.5), ("score_error_weighted", 1.5 * weighted / (T - T0))):
        assert abs(est[key].value - exact) < 4 * est[key].se + 1e-3 * exact, key
        assert est[key].se < 0.02 * exact


def Phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@pytest.mark.parametrize(("p", "q", "tv"), [
    (lambda g, m: torch.randn(m, 1, generator=g), lambda g, m: 1 + torch.randn(m, 1, generator=g),
     2 * Phi(0.5) - 1),
    (lambda g, m: torch.rand(m, 1, generator=g), lambda g, m: 0.3 + torch.rand(m, 1, generator=g), 0.3),
    (lambda g, m: torch.randn(m, 1, generator=g), lambda g, m: 3 * torch.randn(m, 1, generator=g),
     2 * (Phi(math.sqrt(9 * math.log(9) / 8)) - Phi(math.sqrt(9 * math.log(9) / 8) / 3))),
    (lambda g, m: torch.randn(m, 4, generator=g), lambda g, m: torch.randn(m, 4, generator=g), 0.0),
])
def test_tv_estimator_on_pairs_with_known_tv(p, q, tv):
    """Two Gaussians shifted by 1 (TV = 2 Phi(1/2) - 1), two uniforms shifted by 0.3 (TV = 0.3), N(0, 1)
    against N(0, 9) (TV from the crossing points +-sqrt(9 ln 9 / 8)), and P = Q in 4 dimensions."""
    g = gen(14)
    est = measure.tv_knn(p(g, 6000).to(DTYPE), q(g, 6000).to(DTYPE), g)
    assert abs(est.value - tv) < 4 * est.se + 0.03
    assert 0.005 < est.se < 0.02


def test_tv_estimator_is_a_lower_estimate_in_several_dimensions():
    """N(0, I_4) against N(e_1, I_4) also has TV = 2 Phi(1/2) - 1; k-NN loses power with dimension."""
    g = gen(15)
    p = torch.randn(6000, 4, generator=g, dtype=DTYPE)
    q = torch.randn(6000, 4, generator=g, dtype=DTYPE) + torch.tensor([1.0, 0, 0, 0], dtype=DTYPE)
    est = measure.tv_knn(p, q, g)
    assert 0.6 * (2 * Phi(0.5) - 1) < est.value < 2 * Phi(0.5) - 1 + 3 * est.se


def test_sliced_wasserstein_of_shifted_gaussians():
    """A shift mu in d dimensions: SW_2^2 = E (theta . mu)^2 = |mu|^2 / d."""
    g = gen(16)
    p = torch.randn(4000, 4, generator=g, dtype=DTYPE)
    q = torch.randn(4000, 4, generator=g, dtype=DTYPE) + torch.tensor([2.0, 0, 0, 0], dtype=DTYPE)
    est = measure.sliced_wasserstein(p, q, g, projections=256, resamples=20)
    assert est.value == pytest.approx(1.0, abs=0.08)
    assert 0 < est.se < 0.05


def test_subspace_error_and_procrustes():
    B = LatentMixture(DataSpec(D=10, d0=3)).B
    U0 = torch.linalg.qr(torch.randn(3, 3, generator=gen(17), dtype=DTYPE))[0]
    assert measure.subspace_error(B @ U0, B) == pytest.approx(0.0, abs=1e-12)
    torch.testing.assert_close(B @ U0 @ measure.procrustes(B @ U0, B), B)
    perp = torch.linalg.qr(torch.eye(10, dtype=DTYPE) - B @ B.T)[0][:, :3]
    assert measure.subspace_error(perp, B) == pytest.approx(6.0)


def test_backward_sampler_with_the_exact_score_recovers_the_latent_law():
    """With the exact score the discretised backward process ends near P^h_T0, and its orthogonal part has
    variance sigma(T0), below Corollary 3.2.1 (iii)'s e (T0 + mu)."""
    d = LatentMixture(DataSpec(D=8, d0=4, seed=2))
    g = gen(18)
    y = measure.sample(Shifted(d, torch.zeros(8, dtype=DTYPE)), 8, 0.01, 5.0, 2000, 100, g)
    truth = d.sample_latent_marginal(2000, 0.01, g)
    floor = measure.sliced_wasserstein(truth, d.sample_latent_marginal(2000, 0.01, g), g)
    assert measure.sliced_wasserstein(truth, y @ d.B, g).value < floor.value + 0.25
    assert abs(measure.tv_knn(truth, y @ d.B, g).value) < 0.08
    lam = measure.orthogonal_variance(y, d.B, g)
    assert -math.expm1(-0.01) < lam.value < math.e * 0.01
