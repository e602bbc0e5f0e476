"""Only what the paper proves (issue 9): the printed range of xi, eps = auto within it, comparisons on equal
terms, verdicts inside their hypotheses, exact crossover lengths."""

import math

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ditrates
from ditrates import comparison, xi
from ditrates.criteria.cost import crossover_length, polynomial_cost
from ditrates.criteria.threshold import HARDNESS_BAND
from ditrates.errors import ConditionError


def inequality_holds(eps, L) -> bool:
    """App. F.2's step (1/eps)^L >= 8 log2(L/eps), at 60 digits, independently of ditrates."""
    with mpmath.workdps(60):
        eps = mpmath.mpf(eps)
        return (1 / eps) ** L >= 8 * mpmath.log(L / eps, 2)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 64), st.floats(1e-6, 0.999999))
def test_every_eps_the_printed_reading_accepts_satisfies_the_inequality(L, eps):
    r = ditrates.get("xi")
    try:
        r.evaluate(n=10**6, L=L, eps=eps, xi_reading="printed")
    except ConditionError as e:
        assert not inequality_holds(eps, L)
        assert f"eps <= {ditrates.formatting.format_edge(xi.eps_max(L))} at L = {L}" in str(e)  # inward (19.6)
        return
    assert inequality_holds(eps, L)


@pytest.mark.parametrize("L", [2, 3, 4, 8, 16, 64, 256, 10**6])
def test_eps_max_is_the_edge_of_the_printed_range(L):
    edge = xi.eps_max(L)
    assert inequality_holds(edge, L) and not inequality_holds(edge * (1 + mpmath.mpf("1e-9")), L)


def test_the_logarithm_is_base_2_as_app_f2_needs():
    """App. F.2 writes eps^(-8K) L K as 2^(8K log(L/eps)): true with log2 for every K >= 1, L >= 2, eps in (0, 1);
    with ln it fails for small eps, so base 2 is the reading under which the proof's line holds."""
    for K in (1, 16, 10**4):
        for L in (2, 4, 256):
            for eps in (0.9, 0.5, 1e-3):
                lhs = -8 * K * math.log(eps) + math.log(L * K)
                assert lhs <= 8 * K * math.log2(L / eps) * math.log(2) + 1e-9
    assert -8 * math.log(1e-3) + math.log(2) > 8 * math.log(2 / 1e-3) * math.log(2)  # ln: 2^(8K ln) too small


@pytest.mark.parametrize(("L", "edge"), [(4, 0.4458), (8, 0.6569)])
def test_the_printed_edges_named_in_the_issue(L, edge):
    assert float(xi.eps_max(L)) == pytest.approx(edge, abs=5e-5)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 64), st.integers(1, 2000).map(lambda k: 10**k), st.sampled_from(xi.CHOICES))
def test_eps_auto_never_leaves_the_range_in_force(L, n, requested):
    ev = ditrates.get("score-estimation").evaluate(d=2, L=L, n=n, xi_reading=requested)
    eps = ev.resolved.values["eps"]
    if ev.reading is xi.Reading.PRINTED:
        assert inequality_holds(eps, L)
    if requested == "auto" and inequality_holds(eps, L):
        # where the printed reading holds at the chosen eps it is the smaller bound: auto does not pick proof there
        printed = ditrates.get("score-estimation").evaluate(d=2, L=L, n=n, eps=eps, xi_reading="printed")
        assert ev.ln_exact <= printed.ln_exact or ev.reading is xi.Reading.PRINTED


@pytest.mark.parametrize("L", [2, 4, 8, 16])
def test_the_n_at_which_xi_reaches_1_agrees_with_solve(L):
    for reading in xi.Reading:
        log10_n = xi.log10_n_to_reach(1, L, reading)
        sol = ditrates.solve("xi", "n", 1, L=L, xi_reading=reading.value)
        assert sol.log10 == pytest.approx(log10_n, abs=1e-6)


def test_the_printed_reading_at_L_4_needs_astronomically_many_samples():
    assert xi.log10_n_to_reach(1, 4, "printed") > 500 > 12 > 0 < xi.log10_n_to_reach(1, 4, "proof") < 30


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
    pair = comparison._Pair("score-estimation", "chen2023-score-estimation", False, "auto", {"d0": 16, "n": 10**5})
    assert pair.held["T"] == pytest.approx(math.log(10**5)) and "n" not in pair.held


def test_a_crossing_carries_its_convention_and_interval():
    (first, *_) = comparison.crossings("tv-recovery", "chen2023-tv", d0=16, n=10**5, explicit=True)
    assert "every factor the proofs make explicit" in first.convention and "held for both" in first.convention
    lo, hi = first.interval
    assert hi is not None and hi >= first.log10_n and (lo is None or lo <= first.log10_n)


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
