"""Each result at hand-computed points, its conditions, and the defaults (issue 2)."""

import math

import mpmath
import pytest

import ditrates
from ditrates.defaults import default_d, resolve
from ditrates.errors import DitratesError, DomainError, MissingValue, UnknownName


def value(name, **kw):
    return ditrates.get(name).evaluate(**kw).value


def test_score_approximation_is_eps_sqrt_d0_over_variance():
    assert value("score-approximation", d0=16, eps=0.1, t=1) == pytest.approx(0.4 / (1 - math.exp(-1)), rel=1e-12)


def test_sigma_is_the_variance_one_minus_exp_minus_t_even_for_tiny_t():
    # sigma(1e-12) = 1e-12 - 5e-25: a standard deviation would give 1e-6
    ev = ditrates.get("score-approximation").evaluate(d0=1, eps=0.5, t="1e-12", T0="1e-12")
    assert float(ev.ln_exact) == pytest.approx(math.log(0.5 / (1e-12 - 5e-25)), rel=1e-14)


# xi at n = 8, eps = 1/2, L = 2, d = 2 in the covering-line repair: K = eps^(-2L) = 16, (L/eps)^(8K) = 4^128 =
# 2^256, so xi = 2^256 / 2 + 1/2 + 1/4. eps = 1/2 is the edge of the construction range at d = 2 (2^(-d/2)), and
# outside App. F.2's range at L = 2 (0.1923), which Definition 3.4 as printed needs.
XI_REPAIR_8 = 2.0**255 + 0.75
REPAIR = {"xi_reading": "covering-line"}


def test_xi_at_hand_computed_points():
    assert value("xi", n=8, eps=0.5, L=2, d=2, **REPAIR) == pytest.approx(XI_REPAIR_8, rel=1e-14)
    with mpmath.workdps(40):  # printed: 2^((1/0.44)^8) / 10 + 1/10 + 0.44^2 at n = 1000, L = 4
        printed = mpmath.power(2, (1 / mpmath.mpf("0.44")) ** 8) / 10 + mpmath.mpf("0.1") + mpmath.mpf("0.44") ** 2
        ev = ditrates.get("xi").evaluate(n=1000, eps="0.44", L=4, d=2)
        assert ev.reading.value == "printed" and float(ev.ln_exact - mpmath.log(printed)) == pytest.approx(0, abs=1e-30)


def test_score_estimation_is_xi_over_T0_T():
    v = value("score-estimation", n=8, eps=0.5, d0=4, d=2, T0=1, T=4, **REPAIR)
    assert v == pytest.approx(XI_REPAIR_8 / 4, rel=1e-14)


def test_explicit_multiplies_the_covering_and_eps_factors():
    kw = dict(n=8, eps=0.5, d0=4, d=2, T0=1, T=4, D=10, Ls=2, **REPAIR)
    v = ditrates.get("score-estimation").evaluate(explicit=True, **kw).value
    cover = 10 * 2**2 * 4**6 * 2**2 * math.log(8 * 2)
    assert v == pytest.approx((2.0**255 * cover + 0.5 + 4 * 0.25) / 4, rel=1e-12)


# Lemma F.7's hypotheses as printed need c0 > 1 and L_h < 1: T0 = 0.5 <= min(2 ln 2, 1, 2 ln 2, 2).
F7 = {"c0": 2, "L_h": 0.5}


def test_corollary_rates():
    kw = dict(n=1000, eps=0.5, d0=4, d=2, T0=0.5, T=4, Ls=1, **F7, **REPAIR)
    xi = 1000 ** (-1 / 3) * 2.0**256 + 0.1 + 0.25
    assert value("subspace-recovery", **kw) == pytest.approx(xi / 2, rel=1e-12)
    assert value("tv-recovery", **kw) == pytest.approx(math.sqrt(xi), rel=1e-12)  # O~ hides (3.2)'s log n
    tv = ditrates.get("tv-recovery").evaluate(explicit=True, **kw).value
    cover = 48 * 4 * 2**2 * 4**6 * 1**2 * math.log(1000 * 2)  # D d^2 d0^6 Ls^2 log(nL), D = 48 d0
    explicit_xi = 1000 ** (-1 / 3) * 2.0**256 * cover + 0.1 + 4 * 0.25
    assert tv == pytest.approx(math.sqrt(explicit_xi) * math.log(1000), rel=1e-12)
    assert value("orthogonal-variance", **dict(kw, mu=0.01)) == pytest.approx(math.e * 0.51, rel=1e-14)  # Lemma F.9
    assert value("orthogonal-variance", **kw) == pytest.approx(math.e * 0.505, rel=1e-14)  # mu = T0/100


def test_vacuity_flags():
    kw = dict(n=1000, eps=0.5, d0=4, d=2, T0=0.5, T=4, **F7, **REPAIR)
    assert ditrates.get("tv-recovery").evaluate(**kw).vacuous is True
    assert ditrates.get("subspace-recovery").evaluate(**kw).vacuous is True  # xi = 10^76 > 2 d0
    small = dict(kw, n=10**300)  # xi = 1/4 + 10^-23
    assert ditrates.get("subspace-recovery").evaluate(**small).vacuous is False
    assert ditrates.get("score-estimation").evaluate(**kw).vacuous is None


def test_network_size_parts():
    ev = ditrates.get("network-size").evaluate(d0=8, d=4, eps=0.25, T0=1)  # eps = 2^(-d/2): the construction's edge
    assert ev.value == pytest.approx(4**4)  # K = eps^(-2L), L = 2
    assert float(10 ** ev.part("C_E (F.11)")) == pytest.approx(math.sqrt(2) * 1)
    assert float(10 ** ev.part("C_OV (F.17)")) == pytest.approx(4**8)
    assert float(10 ** ev.part("C_OV^{2,inf} (F.7)")) == pytest.approx(2 * 4 * 4 ** (2 * 4))
    assert float(10 ** ev.part("C_T")) == pytest.approx(8 * math.sqrt(8 * math.log(8) + math.log(4)))


def test_xi_tuned_is_polylogarithmic():
    n, L = 10**1200, 4  # the tuned eps (0.4443) enters App. F.2's range (0.4458) from n = 10^1158 on at L = 4
    with mpmath.workdps(40):
        ln_n = mpmath.log(n)
        expected = mpmath.exp(-ln_n / 6) + mpmath.exp(-ln_n / 3) + (ln_n / (6 * mpmath.log(2))) ** (-mpmath.mpf(1) / L)
    assert value("xi-tuned", n=n, L=L, d=2) == pytest.approx(float(expected), rel=1e-12)
    with pytest.raises(DitratesError, match="tuned eps"):
        ditrates.get("xi-tuned").evaluate(n=10**1150, L=L, d=2)
    with pytest.raises(DitratesError, match="construction"):  # d = 4: the tuned eps must be <= 2^(-2) as well
        ditrates.get("xi-tuned").evaluate(n=10**1200, L=L, d=4)


def test_chen_delta_n_identity():
    # n^(-(2 - 2 delta(n))/(d0+5)) = n^(-2/(d0+5)) (ln n)^(2 d0/(d0+5))
    # displayed without it (a polylog factor O~ hides), multiplied in with --explicit (with log^3 n and D n^(-19/21))
    n, d0, D = 10**5, 16, 100
    assert value("chen2023-score-estimation", n=n, d0=d0, T0=0.5) == pytest.approx(n ** (-2 / 21) / 0.5, rel=1e-12)
    explicit = ditrates.get("chen2023-score-estimation").evaluate(explicit=True, n=n, d0=d0, T0=0.5, D=D).value
    expected = (n ** (-2 / 21) * math.log(n) ** (32 / 21) + D * n ** (-19 / 21)) * math.log(n) ** 3 / 0.5
    assert explicit == pytest.approx(expected, rel=1e-12)
    tv = ditrates.get("chen2023-tv").evaluate(explicit=True, n=n, d0=d0).value
    assert tv == pytest.approx(n ** (-1 / 21) * math.log(n) ** (16 / 21) * math.log(n) ** 1.5, rel=1e-12)


def test_oko_and_hu2025():
    assert value("oko2023-tv", n=10**6, d0=4, s=2) == pytest.approx((10**6) ** (-2 / 8))
    assert value("hu2025-latent-tv", n=10**6, d0=4, s=2) == pytest.approx((10**6) ** (-2 / 8))
    ex = ditrates.get("oko2023-tv").evaluate(explicit=True, n=10**6, d0=4, s=2).value
    assert ex == pytest.approx((10**6) ** (-2 / 8) * math.log(10**6) ** ((20 + 16) / 8))


def test_criteria_ratio_and_verdicts():
    ev = ditrates.get("inference-almost-linear").evaluate(L=4096, d=8, B=1.2)
    assert ev.value == pytest.approx(1.2 * math.sqrt(8) / math.sqrt(math.log(4096)))
    assert ev.verdict.startswith("not on the efficient side")
    ev = ditrates.get("inference-almost-linear").evaluate(L=4096, d=8, B=1.2, kappa=1 / 8)
    assert ev.verdict.startswith("efficient side")
    assert ditrates.get("inference-hardness").evaluate(L=4096, d=8, B=1.2).verdict.startswith("hard side")


def test_defaults_are_reported():
    r = resolve({"d0": 16, "n": "1e5"}, ditrates.get("tv-recovery").keys)
    assert r.values["d"] == 4 and r.values["L"] == 4
    assert r.values["T"] == pytest.approx(math.log(1e5))
    assert r.values["T0"] == 1
    assert r.values["D"] == 48 * 16
    assert set(r.reasons) >= {"d", "L", "D", "T0", "T", "eps", "c0", "Ls", "C_tv"}


@pytest.mark.parametrize(("d0", "d"), [(16, 4), (4096, 4), (18, 2), (9, 3), (25, 5), (8, 4)])
def test_default_d_divides_d0_with_L_above_1(d0, d):
    assert default_d(d0) == d and d0 % d == 0 and d0 // d > 1


@pytest.mark.parametrize("d0", [1, 2, 3, 7, 13])
def test_prime_d0_has_no_default_reshape(d0):
    with pytest.raises(DomainError, match="no factorisation"):
        default_d(d0)


@pytest.mark.parametrize(
    ("name", "kw", "match"),
    [
        ("score-estimation", dict(d0=16, n=5), "T0 < T/2"),
        ("score-estimation", dict(d0=4, d=4, n=10**5), "L > 1"),
        ("score-estimation", dict(d0=16, n=10**5, D=8), "D >= d0"),
        ("score-estimation", dict(d0=16, d=8, L=4, n=10**5), "differs"),
        ("subspace-recovery", dict(d0=16, n=10**5, T0=2), "Min"),
        ("score-approximation", dict(d0=16, eps=0.5, t=0.1, T0=0.5), "t >= T0"),
        ("xi-tuned", dict(n=64, L=2, d=2), "n > 64"),
        ("chen2023-score-estimation", dict(n=2, d0=4, T0=1), "n >= 3"),
        ("inference-almost-linear", dict(L=1, d=4, B=1), "L >= 2"),
    ],
)
def test_conditions_are_enforced_and_named(name, kw, match):
    with pytest.raises(DitratesError, match=match):
        ditrates.get(name).evaluate(**kw)


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        (dict(d0=0, n=10), DomainError),
        (dict(d0=-3, n=10), DomainError),
        (dict(d0=16, n=0), DomainError),
        (dict(d0=16, n=10**5, eps=1), DomainError),
        (dict(d0=16, n=10**5, eps=0), DomainError),
        (dict(d0=16, n="1.5"), DomainError),
        (dict(d0=16, n="nan"), DomainError),
        (dict(d0=16, n="inf"), DomainError),
        (dict(d0=16, n="abc"), DomainError),
        (dict(d0=16), MissingValue),
        (dict(d0=16, n=10**5, bogus=1), UnknownName),
    ],
)
def test_bad_input_raises_a_ditrates_error(kw, error):
    with pytest.raises(error):
        ditrates.get("score-estimation").evaluate(**kw)


def test_unknown_result_suggests_a_name():
    with pytest.raises(UnknownName, match="did you mean 'score-estimation'"):
        ditrates.get("score-estimaton")


def test_huge_values_are_finite_in_log_space():
    ev = ditrates.get("score-estimation").evaluate(d0=400, d=2, n=10**5, eps="0.001")
    assert ev.value is None  # beyond float64
    assert ev.log10 > 10**500 and ev.text.startswith("10^(")
    assert "inf" not in ev.text and "nan" not in ev.text


def test_large_integers_are_accepted_in_1e_notation():
    ev = ditrates.get("score-estimation").evaluate(d0=16, n="1e300")
    assert ev.resolved.values["n"] == 10**300 and ev.log10 > 0


def test_presets():
    p = ditrates.preset("dit-xl/2")
    assert (p.d0, p.d, p.L) == (4096, 16, 256) and p.d * p.L == p.d0
    assert {q.L for q in ditrates.PRESETS.values()} == {256, 64, 16}
    with pytest.raises(UnknownName):
        ditrates.preset("DiT-M/2")


def test_every_result_has_source_kind_order_and_symbols():
    for r in ditrates.results():
        assert r.source and r.summary and r.statement and r.quantity
        assert r.order.text()
        assert all(p.symbol.is_positive for p in r.symbols)
        d = r.to_dict()
        assert d["name"] == r.name and d["latex"]


def test_notes_carry_the_papers_inconsistencies():
    assert any("square" in n for n in ditrates.get("score-estimation").notes)
    assert any("(1/eps)^O(1)" in n for n in ditrates.get("network-size").notes)
    assert any("typo" in n for n in ditrates.get("inference-hardness").notes)
    assert any("not pinned down" in n.lower() for n in ditrates.get("hu2025-latent-tv").notes)
    assert any("from memory" in n for n in ditrates.get("chen2023-score-estimation").notes)


def test_the_registry_knows_every_result_once():
    import importlib

    from ditrates.registry import GROUPS, MODULES

    defined = [r.name for m in MODULES for r in importlib.import_module(m).RESULTS]
    grouped = [n for g in GROUPS.values() for n in g]
    assert sorted(defined) == sorted(grouped) and len(set(grouped)) == len(grouped)
    assert all(ditrates.get(n).name == n for n in grouped)


def test_solve_for_is_the_method_form_of_solve():
    r = ditrates.get("chen2023-score-estimation")
    sol = r.solve_for("n", 0.5, d0=16)
    assert sol.exact and sol.value == ditrates.solve("chen2023-score-estimation", "n", 0.5, d0=16).value
    assert r.evaluate(d0=16, n=sol.value).value <= 0.5 < r.evaluate(d0=16, n=sol.value - 1).value


def test_solve_for_an_increasing_bound_gives_the_largest_value():
    sol = ditrates.solve("score-approximation", "d0", 1.0, eps=0.1, t=1)  # eps sqrt(d0)/sigma(1) <= 1
    assert not sol.decreasing and sol.value == 39  # sqrt(d0) <= 10 (1 - e^-1) = 6.32


def test_the_python_api_returns_plain_numbers_and_one_line_reprs():
    """Issue 10.7: Python floats and ints out (log values too), one-line reprs, HTML for Jupyter."""
    ev = ditrates.get("score-estimation").evaluate(d0=16, n="1e5")
    assert ev.value is None and type(ev.log10) is float and type(ev.ln) is float  # 10^19727: beyond float64
    assert type(ditrates.get("score-approximation").evaluate(d0=16, eps=0.1, t=1).value) is float
    assert all(type(v) in (int, float) for v in ev.params.values())
    assert "\n" not in repr(ev) and repr(ev).startswith("Evaluation(score-estimation = ")
    assert ev._repr_html_().startswith("<code>score-estimation")
    sol = ditrates.solve("score-estimation", "n", 100, d0=16)
    assert type(sol.value) is int and type(sol.bound_log10) is float and type(sol.log10) is float
    assert "\n" not in repr(sol) and sol._repr_html_().startswith("<code>smallest n")


@pytest.mark.parametrize(("call", "error"), [
    (lambda: ditrates.get("score-estimation").evaluate(d0=16), MissingValue),
    (lambda: ditrates.get("xi").evaluate(n=10, L=4, d=2, eps=0.9, xi_reading="printed"), DitratesError),
    (lambda: ditrates.solve("xi", "n", 1e-3, L=4, d=2), DitratesError),
    (lambda: ditrates.get("xi").evaluate(n=10, L=4, d=2, xi_reading="sideways"), DomainError),
    (lambda: ditrates.get("xi").evaluate(n=10, L=4, d=2, xi_reading="auto"), DomainError),
])
def test_api_errors_speak_of_parameters_not_of_command_line_options(call, error):
    with pytest.raises(error) as info:
        call()
    assert "--" not in str(info.value)
