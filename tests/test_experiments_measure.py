"""Measurements of a trained network and the distance estimators, validated on laws with known answers."""

import math

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from ditrates.experiments import distances, measure  # noqa: E402
from ditrates.experiments.data import DTYPE, DataSpec, LatentMixture, sigma  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return LatentMixture(DataSpec(D=6, d0=4, components=3, seed=3))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


class Shifted(torch.nn.Module):
    """The exact score plus a constant vector c: its squared error is ||c||^2 at every (x, t)."""

    def __init__(self, data, c, W=None):
        super().__init__()
        self.data, self.c = data, c
        self.projection = "oracle" if W is None else "learned"
        self.W = W

    @property
    def W_B(self):
        return self.data.B if self.W is None else self.W

    def forward(self, x, t):
        return (self.data.score(x.to(DTYPE), t.to(DTYPE)) + self.c).float()


# ----------------------------------------------------------------------------------------------------
# Measurements of a trained network
# ----------------------------------------------------------------------------------------------------
def test_score_error_of_the_exact_score_is_zero_and_its_parts_add_up(data):
    zero = measure.score_error(Shifted(data, torch.zeros(data.D, dtype=DTYPE)), data, 0.01, 5.0, gen(13))
    assert zero["score_error"].value < 1e-10
    c = torch.full((data.D,), 0.5, dtype=DTYPE)  # ||c||^2 = 1.5, of which ||B^T c||^2 on the support
    est = measure.score_error(Shifted(data, c), data, 0.01, 5.0, gen(13))
    on = float(((c @ data.B) ** 2).sum())
    for key, exact in (("score_error", 1.5), ("score_error_latent", on), ("score_error_orthogonal", 1.5 - on),
                       ("score_error_early", 1.5)):
        assert abs(est[key].value - exact) < 4 * est[key].se + 1e-3 * exact, key
        assert est[key].se < 0.02 * exact


def test_memorisation_compares_with_the_training_samples_own_score(data):
    """The DSM loss's minimiser on n points is the empirical score: its training excess is 0 and its held-out
    excess (score error) is large; the exact score's training excess is large. A memorising network is the
    one whose training excess is below its score error."""
    x = data.sample(20, gen(34))

    class Empirical(torch.nn.Module):
        def forward(self, xt, t):
            return measure.empirical_score(x, xt.to(DTYPE), t.to(DTYPE)).float()

    emp = measure.memorisation(Empirical(), x, 0.01, 5.0, gen(35), strata=8, per_stratum=64)
    exact = measure.memorisation(Shifted(data, torch.zeros(data.D, dtype=DTYPE)), x, 0.01, 5.0, gen(35), 8, 64)
    held = measure.score_error(Empirical(), data, 0.01, 5.0, gen(36), strata=8, per_stratum=64)["score_error"]
    assert emp["train_excess"].value < 1e-3 < held.value
    assert exact["train_excess"].value > 10 * emp["train_excess"].value + 1.0


def test_subspace_error_and_procrustes():
    B = LatentMixture(DataSpec(D=10, d0=3)).B
    U0 = torch.linalg.qr(torch.randn(3, 3, generator=gen(17), dtype=DTYPE))[0]
    assert measure.subspace_error(B @ U0, B) == pytest.approx(0.0, abs=1e-12)
    torch.testing.assert_close(B @ U0 @ measure.procrustes(B @ U0, B), B)
    perp = torch.linalg.qr(torch.eye(10, dtype=DTYPE) - B @ B.T)[0][:, :3]
    assert measure.subspace_error(perp, B) == pytest.approx(6.0)


SPEC = measure.MeasureSpec(T0=0.01, T=5.0, strata=8, per_stratum=32, samples=1024, sampler_steps=100)


def test_the_exact_score_generates_the_latent_law_up_to_the_estimators_floors():
    """With the exact score the backward sampler reproduces P^h_T0: every distance is at its floor, and the
    orthogonal part has variance sigma(T0), below Corollary 3.2.1 (iii)'s e (T0 + mu)."""
    d = LatentMixture(DataSpec(D=8, d0=4, seed=2))
    out = measure.measure(Shifted(d, torch.zeros(8, dtype=DTYPE)), d, SPEC, gen(18))
    assert abs(out["tv_lower"].value) < 4 * out["tv_lower"].se + 0.03
    assert abs(out["log_density_gap"].value) < 4 * out["log_density_gap"].se + 0.05
    assert out["cluster_scale"].value == pytest.approx(1.0, abs=0.05)
    assert -math.expm1(-0.01) * 0.95 < out["orthogonal_variance"].value < math.e * 0.01


def test_generated_samples_are_aligned_by_procrustes_before_they_are_compared():
    """A learned W_B = B U (U a rotation) with the exact score generates the exact law; read through W_B
    without the Procrustes rotation, the latent samples would be U^T-rotated and far from P^h_T0."""
    d = LatentMixture(DataSpec(D=8, d0=4, seed=2))
    U = torch.linalg.qr(torch.randn(4, 4, generator=gen(37), dtype=DTYPE))[0]
    out = measure.measure(Shifted(d, torch.zeros(8, dtype=DTYPE), W=d.B @ U), d, SPEC, gen(18))
    assert out["subspace_error"].value < 1e-10
    assert abs(out["tv_lower"].value) < 4 * out["tv_lower"].se + 0.03
    unaligned = measure.sample(Shifted(d, torch.zeros(8, dtype=DTYPE)), 8, 0.01, 5.0, 1024, 100, gen(18)) @ d.B @ U
    assert distances.by_key("tv_lower")(d.marginal(0.01), unaligned, gen(19), 16384).value > 0.3


def test_the_ambient_baselines_error_off_the_support_is_measured():
    """An ambient network (no W_B) whose orthogonal score is off by c: its orthogonal score error is ||c||^2 and
    its generated law's spread off the support is measured against the true B (not set to None)."""
    d = LatentMixture(DataSpec(D=8, d0=4, seed=2))
    perp = torch.eye(8, dtype=DTYPE) - d.B @ d.B.T

    class Ambient(torch.nn.Module):
        projection, W_B = "ambient", None

        def forward(self, x, t):
            x, t = x.to(DTYPE), t.to(DTYPE)
            return (d.score(x, t) + 0.5 * (x @ perp) / sigma(t)[:, None]).float()  # half the pull back

    out = measure.measure(Ambient(), d, SPEC, gen(38))
    assert out["score_error_orthogonal"].value > 10 * out["score_error_latent"].value
    assert out["orthogonal_variance"].value > 2 * -math.expm1(-0.01)
    assert out["subspace_error"] is None


def test_the_untrained_networks_error_is_that_of_minus_x_over_sigma(data):
    """Every network of class (2.5) starts at f = 0, i.e. s = -x / sigma(t): its score error is the level a trained
    network's must stay below (catches an untrained error measured with the exact score, which reads 0)."""
    class Start(torch.nn.Module):
        def forward(self, x, t):
            return -x / sigma(t)[:, None]

    direct = measure.score_error(Start(), data, 0.01, 5.0, gen(40), strata=8, per_stratum=64)["score_error"]
    assert measure.untrained_error(data, 0.01, 5.0, gen(40), 8, 64) == direct
    assert direct.value > 1.0 and direct.se < 0.1 * direct.value


PINNED_VERSION = 3
PINNED = {"score_error": 0.0784, "score_error_latent": 0.0535, "score_error_orthogonal": 0.0249,
          "dsm_heldout": 3.14, "score_error_early": 0.0837, "dsm_train": None, "train_excess": None,
          "subspace_error": None,
          "orthogonal_variance": 0.0166, "score_error_untrained": 73.6, "tv_lower": 0.106,
          "log_density_gap": 0.243, "mmd": 0.00645, "frechet": 0.0866, "cluster_scale": 1.06,
          "covariance_error": 0.00575, "tv_lower_floor": -0.00604, "log_density_gap_floor": 0.0347,
          "mmd_floor": -0.00121, "frechet_floor": -0.00527, "cluster_scale_floor": 1.01,
          "covariance_error_floor": 0.000944}
"""Measurements of a fixed network (the exact score plus a constant) by version :data:`PINNED_VERSION` of the
measuring code, to 3 digits."""


def test_the_measuring_code_is_pinned_to_its_version():
    """A change of what the measuring code returns must come with a new distances.VERSION (and new values
    here): the version is in every run's key, so that records measured by other code are neither resumed nor
    pooled. Catches any change of an estimator, a setting or the measurement's draws without a version bump."""
    d = LatentMixture(DataSpec(D=8, d0=4, seed=2))
    spec = measure.MeasureSpec(T0=0.01, T=5.0, strata=4, per_stratum=32, samples=256, sampler_steps=20)
    out = measure.measure(Shifted(d, torch.full((8,), 0.1, dtype=DTYPE)), d, spec, gen(41))
    got = {k: None if v is None else float(f"{v.value:.3g}") for k, v in out.items()}
    assert distances.VERSION == PINNED_VERSION, "pin the measurements of the new distances.VERSION here"
    assert got == PINNED, "the measurements changed: bump distances.VERSION and pin the new ones"
