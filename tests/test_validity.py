"""Only what the paper proves (issues 9 and 18): the log base of App. F.2, comparisons on equal terms with exact
minima, verdicts inside their hypotheses, exact crossover lengths (the ranges of xi: tests/test_readings.py)."""

import math

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ditrates
from ditrates import comparison, formatting
from ditrates.criteria.cost import crossover_length, polynomial_cost
from ditrates.criteria.threshold import HARDNESS_BAND


def test_the_logarithm_is_base_2_as_app_f2_needs():
    """App. F.2 writes eps^(-8K) L K as 2^(8K log(L/eps)): true with log2 for every K >= 1, L >= 2, eps in (0, 1);
    with ln it fails for small eps, so base 2 is the reading under which the proof's line holds."""
    for K in (1, 16, 10**4):
        for L in (2, 4, 256):
            for eps in (0.9, 0.5, 1e-3):
                lhs = -8 * K * math.log(eps) + math.log(L * K)
                assert lhs <= 8 * K * math.log2(L / eps) * math.log(2) + 1e-9
    assert -8 * math.log(1e-3) + math.log(2) > 8 * math.log(2 / 1e-3) * math.log(2)  # ln: 2^(8K ln) too small


# ----------------------------------------------------------------------------------------------------
# Comparisons on equal terms
# ----------------------------------------------------------------------------------------------------
def test_only_rates_of_the_same_quantity_are_compared():
    with pytest.raises(ditrates.DitratesError, match="not compared"):
        comparison.crossings("score-estimation", "chen2023-tv", d0=16, n=10**5)
    assert set(comparison.pairs(ditrates.names())) >= {("score-estimation", "chen2023-score-estimation"),
                                                       ("tv-recovery", "oko2023-tv")}
    assert all(ditrates.get(a).bounds == ditrates.get(b).bounds for a, b in comparison.pairs(ditrates.names()))


def test_both_sides_of_a_comparison_use_one_convention():
    """Displayed: both sides drop their polylog(n) factors (Chen's (ln n)^(2 d0/(d0+5)) as the DiT's log(nL));
    explicit: both multiply them in. T is held for both (the DiT rate's 1/T does not follow n)."""
    chen, dit = ditrates.get("chen2023-score-estimation"), ditrates.get("score-estimation")
    n, T = 10**8, 11.5
    for explicit in (False, True):
        a = dit.evaluate(d0=16, n=n, T=T, explicit=explicit)
        b = chen.evaluate(d0=16, n=n, T0=1, explicit=explicit)
        ratio_a = a.ln_exact - dit.evaluate(d0=16, n=n, T=T, explicit=not explicit).ln_exact
        ratio_b = b.ln_exact - chen.evaluate(d0=16, n=n, T0=1, explicit=not explicit).ln_exact
        assert (ratio_a < 0) == (ratio_b < 0) == (not explicit)  # both lose their factors, or both keep them
    pair = comparison._Pair("score-estimation", "chen2023-score-estimation", False, "printed", {"d0": 16, "n": 10**5})
    assert pair.held["T"] == pytest.approx(math.log(10**5)) and "n" not in pair.held


def test_a_crossing_carries_its_convention_and_interval():
    """Chen et al.'s hidden constant at 1e19000 makes the rates cross (at n = 10^3045); the sentence says so."""
    (first, *_) = comparison.crossings("score-estimation", "chen2023-score-estimation", d0=16, n=10**5,
                                       explicit=True, C_chen="1e19000")
    assert "every factor the proofs make explicit" in first.convention and "held for both" in first.convention
    assert "C_chen = 1e19000, the others 1" in first.convention
    lo, hi = first.interval
    assert hi is not None and hi >= first.log10_n and (lo is None or lo <= first.log10_n)


def test_the_smallest_ratio_without_a_crossing_is_a_true_minimum():
    """The sentence's 'factor of at least' is the minimum over n (main read it off 80 samples: 4.114 for 3.79)."""
    pair = comparison._Pair("score-estimation", "chen2023-score-estimation", False, "printed", {"d0": 16, "n": 10**5})
    samples = [(u, f) for u, f in pair.base.samples() if f is not None]
    u_min, f_min = pair.base.closest(samples)
    i = min(range(len(samples)), key=lambda k: abs(samples[k][1]))
    lo, hi = samples[max(i - 1, 0)][0], samples[min(i + 1, len(samples) - 1)][0]
    dense = min(abs(pair.base(lo + (hi - lo) * k / 4000)) for k in range(4001))
    assert abs(f_min) <= dense + mpmath.mpf("1e-9") * abs(dense)  # no sample between the neighbours is lower
    for h in (1e-4, 1e-2, 1, 100):  # and it is a local minimum at every scale
        assert all(abs(pair.base(u_min + s * h)) >= abs(f_min) - mpmath.mpf("1e-9") for s in (-1, 1))
    sentence = comparison.no_crossing_statement("score-estimation", "chen2023-score-estimation", d0=16, n=10**5)
    assert formatting.format_log10(abs(f_min) / mpmath.log(10)) in sentence


def test_a_pair_never_evaluated_says_which_condition_fails():
    sentence = comparison.no_crossing_statement("tv-recovery", "chen2023-tv", d0=16, n=10**5)
    assert "never both evaluated" in sentence and "Lemma F.7" in sentence


# ----------------------------------------------------------------------------------------------------
# Verdicts inside their hypotheses
# ----------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(2, 10**9), st.integers(1, 4000), st.floats(0.01, 100))
def test_no_hardness_verdict_when_d_is_far_from_a_constant_times_log_L(L, d, B):
    ev = ditrates.get("inference-hardness").evaluate(L=L, d=d, B=B)
    ratio = d / math.log(L)
    if not 1 / HARDNESS_BAND <= ratio <= HARDNESS_BAND:
        assert ev.verdict.startswith("outside Prop. 4.1's hypothesis") and "SETH" not in ev.verdict
    efficient = ditrates.get("inference-almost-linear").evaluate(L=max(L, 3), d=1, B=1e-3).verdict
    assert efficient.endswith("as L -> infinity, not a time for this instance") and "C_b = 1, C_d = 1" in efficient


def test_alman_song_in_its_own_convention():
    r = ditrates.get("alman-song-threshold")
    assert "kappa" not in r.keys  # exp(Q K^T / d) is built in
    ev = r.evaluate(L=4096, d=8, B=1.2)
    assert ev.value == pytest.approx(1.2 / math.sqrt(math.log(4096)))
    assert all("Prop" not in p.form for p in r.parts) and "Alman" in r.parts[0].form


# ----------------------------------------------------------------------------------------------------
# crossover_length is exact on integers
# ----------------------------------------------------------------------------------------------------
def _brute_crossover(d, B, kappa, limit=5000):
    for L in range(2, limit):
        c = polynomial_cost(L, d, B, kappa, None)
        if math.comb(d + c.degree, c.degree) < L:
            return L
    return None


@pytest.mark.parametrize(("d", "B", "kappa"), [(8, 0.5, 1 / 8), (2, 0.5, 1), (3, 0.3, 1), (1, 1.0, 1), (4, 0.2, 1)])
def test_crossover_length_equals_a_brute_force_search(d, B, kappa):
    assert crossover_length(d, B, kappa) == _brute_crossover(d, B, kappa)


def test_crossover_length_at_d_8_B_half_is_not_the_no_win_point():
    """Issue 9: at L = 9 the rank is 9 = L (no win); the crossover is 10."""
    assert polynomial_cost(9, 8, 0.5, 1 / 8).wins is False and crossover_length(8, 0.5, 1 / 8) == 10


def test_large_crossovers_are_exact_integers():
    c = crossover_length(64, 100, 1)
    assert isinstance(c, int) and polynomial_cost(c, 64, 100, 1).wins and not polynomial_cost(c - 1, 64, 100, 1).wins
