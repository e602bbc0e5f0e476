"""The theorems as hypothesis properties (issue 3): what the encoded rates must do, for any valid input.

Where the paper is inconsistent, the property documents the reading ditrates encodes (see each docstring).
"""

import math

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ditrates
from ditrates import formatting, minimiser, numerics, xi
from ditrates.defaults import resolve
from ditrates.errors import Unreachable
from ditrates.symbols import S
from ditrates.testing import LOG10_N_RANGES, params

UPPER = [r.name for r in ditrates.results() if r.kind in ("upper bound", "baseline", "definition", "derived")]
N_RATES = ["score-estimation", "subspace-recovery"]


@pytest.mark.parametrize("name", ditrates.names())
@given(data=st.data())
def test_every_result_is_finite_positive_and_consistent_with_its_log(name, data):
    p = data.draw(params(name))
    ev = ditrates.get(name).evaluate(**p)
    assert ev.sign == 1 and mpmath.isfinite(ev.ln_exact)
    if ev.value is not None:
        assert ev.value > 0 and math.isfinite(ev.value)
        assert ev.value == pytest.approx(10 ** float(ev.log10), rel=1e-12)
    assert "inf" not in ev.text and "nan" not in ev.text


@pytest.mark.parametrize("name", N_RATES)
@given(data=st.data())
def test_rates_do_not_increase_in_n(name, data):
    """At fixed eps, T0 and T, more samples never loosen the bound."""
    p = data.draw(params(name))
    k = data.draw(st.floats(1.01, 1e6))
    bigger = max(p["n"] + 1, round(p["n"] * k))
    r = ditrates.get(name)
    assert r.evaluate(**dict(p, n=bigger)).ln_exact <= r.evaluate(**p).ln_exact  # exact mpf comparison


@given(params("tv-recovery"), st.floats(1.01, 1e6))
def test_tv_recovery_over_log_n_does_not_increase_in_n(p, k):
    """Reading encoded: Cor. 3.2.1 (ii) as printed, sqrt(xi) log n. Its sqrt(xi) part decreases in n..."""
    r = ditrates.get("tv-recovery")
    bigger = max(p["n"] + 1, round(p["n"] * k))
    assert r.evaluate(**dict(p, n=bigger)).ln_exact - mpmath.log(mpmath.log(bigger)) <= \
        r.evaluate(**p).ln_exact - mpmath.log(mpmath.log(p["n"]))


@st.composite
def near_the_edge(draw, name):
    """Parameters of ``name`` with d = 2, L in {2, 3, 4} and eps in the top fifth of its range: where the covering
    term 2^((1/eps)^(2L)) stays below 10^30000, so that an n beyond it is within ditrates' range."""
    L = draw(st.integers(2, 4))
    p = draw(params(name, d=2, L=L))
    edge = minimiser.edge("printed", {S.L: L, S.d: 2, S.C_delta: 1})[0]
    return dict(p, eps=float(edge) * draw(st.floats(0.8, 1)))


@given(near_the_edge("tv-recovery"))
def test_tv_recovery_as_printed_grows_like_eps_log_n(p):
    """...but the printed log n factor wins: at fixed eps the bound tends to eps log n, so Cor. 3.2.1 (ii)
    never certifies TV -> 0 (a consequence of Remark 3.4; the note of tv-recovery says so)."""
    n = _beyond_first_term(p["eps"], p["L"])
    ev = ditrates.get("tv-recovery").evaluate(explicit=True, **dict(p, n=n))
    floor = mpmath.sqrt(p["d0"] if "d0" in p else 2 * p["L"]) * p["eps"] * mpmath.log(n)  # sqrt(H_eps eps^2) log n
    assert float(ev.ln_exact - mpmath.log(floor)) == pytest.approx(0, abs=1e-9)


def _beyond_first_term(eps, L):
    """An n at which xi's n^(-1/3) terms (Definition 3.4 as printed) are below 1e-60 eps^2."""
    _, ln_first = numerics.ln_eval(xi.terms("printed")[0], {S.n: 1, S.eps: mpmath.mpf(eps), S.L: L})
    k = math.ceil(3 * (float(ln_first / numerics.LN10) + 62 - 2 * math.log10(eps)))
    assert k < 90_000
    return 10**k


@given(near_the_edge("score-estimation"))
def test_score_estimation_tends_to_its_eps_floor(p):
    """Remark 3.4: inconsistent in n; at fixed eps and T the limit is C eps^2/(T0 T), not 0."""
    ev = ditrates.get("score-estimation").evaluate(**dict(p, n=_beyond_first_term(p["eps"], p["L"])))
    floor = mpmath.mpf(p["eps"]) ** 2 / (mpmath.mpf(p["T0"]) * p["T"])
    assert float(ev.ln_exact - mpmath.log(floor)) == pytest.approx(0, abs=1e-9)


@given(near_the_edge("subspace-recovery"))
def test_subspace_recovery_tends_to_eps_squared_over_c0(p):
    ev = ditrates.get("subspace-recovery").evaluate(**dict(p, n=_beyond_first_term(p["eps"], p["L"])))
    assert float(ev.ln_exact - mpmath.log(mpmath.mpf(p["eps"]) ** 2 / p["c0"])) == pytest.approx(0, abs=1e-9)


@given(params("score-approximation"), st.integers(2, 100))
def test_score_approximation_scales_as_sqrt_d0(p, k):
    r = ditrates.get("score-approximation")
    ratio = mpmath.exp(r.evaluate(**dict(p, d0=p["d0"] * k)).ln_exact - r.evaluate(**p).ln_exact)
    assert float(ratio) == pytest.approx(math.sqrt(k), rel=1e-12)


@given(params("score-approximation"))
def test_score_approximation_is_inverse_in_the_variance(p):
    ev = ditrates.get("score-approximation").evaluate(**p)
    sigma = -mpmath.expm1(-mpmath.mpf(p["t"]))
    assert float(ev.ln_exact + mpmath.log(sigma)) == pytest.approx(float(mpmath.log(p["eps"] * mpmath.sqrt(p["d0"]))),
                                                             rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", [r.name for r in ditrates.results() if "D" in r.keys])
@given(data=st.data())
def test_displayed_rates_do_not_depend_on_D(name, data):
    """The paper's point: O~ forms depend on d0, not on the ambient D (D enters only --explicit)."""
    p = data.draw(params(name))
    other = p["D"] + data.draw(st.integers(1, 10**6))
    r = ditrates.get(name)
    assert r.evaluate(**p).ln_exact == r.evaluate(**dict(p, D=other)).ln_exact


@given(params("score-estimation"), st.integers(1, 10**4))
def test_explicit_score_estimation_grows_with_D(p, extra):
    r = ditrates.get("score-estimation")
    base = r.evaluate(explicit=True, **p).ln_exact
    more = r.evaluate(explicit=True, **dict(p, D=p["D"] + extra)).ln_exact
    assert more >= base
    if abs(base) < 1e20:  # a log(D'/D) change is within 40 digits
        assert more > base


@given(st.integers(1, 3000).map(lambda e: 10**e), st.integers(2, 64), st.integers(2, 8), st.floats(1e-4, 0.05),
       st.sampled_from(list(xi.Reading)), st.sampled_from(["1", "1e-6"]))
def test_auto_eps_is_a_true_minimiser_inside_the_ranges(n, L, d, h, reading, C_delta):
    """No neighbour inside the reading's ranges beats eps = auto; on an edge, xi's formula would be smaller just
    beyond it, where the proof does not back it; without any range below 1 (C_delta tiny, covering-line), xi
    decreases up to eps = 1 and auto sits within 1% of that infimum."""
    r = ditrates.get("xi")
    given_ = {"n": n, "L": L, "d": d, "C_delta": C_delta, "xi_reading": reading.value}
    ev = r.evaluate(**given_)
    eps = ev.resolved.values["eps"]
    choice = minimiser.minimise(reading, ev.resolved.symbol_values())
    assert float(eps) == float(choice.eps)
    at = ev.ln_exact
    assert r.evaluate(**dict(given_, eps=eps * (1 - h))).ln_exact >= at
    if choice.where == "interior":  # the neighbour above, inside the ranges
        edge = minimiser.edge(reading, ev.resolved.symbol_values())[0]
        assert r.evaluate(**dict(given_, eps=min(eps * (1 + h), (eps + edge) / 2))).ln_exact >= at
    elif choice.where == "edge":
        beyond = eps * (1 + mpmath.mpf("1e-9"))
        with pytest.raises(ditrates.ConditionError):
            r.evaluate(**dict(given_, eps=beyond))
        vals = {**ev.resolved.symbol_values(), S.eps: beyond}
        assert numerics.ln_eval(xi.expr(reading), vals)[1] < at
    else:
        assert r.evaluate(**dict(given_, eps=(1 + eps) / 2)).ln_exact < at


SOLVABLE = [n for n in ditrates.names() if "n" in ditrates.get(n).keys and n not in LOG10_N_RANGES]


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(SOLVABLE), st.floats(-3, 3), st.data())
def test_solve_answers_mean_what_they_say(name, log10_target, data):
    """A reported solution reaches the target there (exactly one step outside it, for integers), at the eps it
    reports where eps is free; a reported "out of reach" is confirmed by the bound's minimum: it is attained where
    said, above the target, and no sampled n in the range goes below it."""
    p = {k: v for k, v in data.draw(params(name)).items() if k not in ("n", "eps", "T")}
    target = 10**log10_target
    r = ditrates.get(name)
    try:
        sol = ditrates.solve(name, "n", target, **p)
    except Unreachable as e:
        assert e.minimum_log10 > log10_target
        at = r.evaluate(**dict(p, n=e.where, **e.at)).log10
        assert at == pytest.approx(e.minimum_log10, abs=1e-6 * max(1, abs(at)))
        for k in data.draw(st.lists(st.integers(0, 300), min_size=3, max_size=3)):
            try:
                assert r.evaluate(**dict(p, n=10**k)).log10 >= e.minimum_log10 - 1e-6 * max(1, abs(at))
            except ditrates.ConditionError:
                pass
        return
    except ditrates.DitratesError:
        assume(False)
    best = {"eps": sol.follows["eps"][0]} if sol.at_infimum else {}
    if not sol.exact:  # beyond 10^15: the integer is accurate to about 30 digits
        assert r.evaluate(**dict(p, n=sol.value, **best)).log10 == pytest.approx(log10_target, abs=1e-6)
        return
    with mpmath.workdps(formatting.MP_DPS):
        ln_target = mpmath.log(target)
        assert r.evaluate(**dict(p, n=sol.value, **best)).ln_exact <= ln_target
        assert r.evaluate(**dict(p, n=sol.shown, **best)).ln_exact <= ln_target  # the printed n meets it too
        assert sol.excess[0] <= 0
        if sol.outside_log10 is not None:
            step = -1 if sol.direction == "smallest" else 1
            assert r.evaluate(**dict(p, n=sol.value + step, **best)).ln_exact > ln_target
            assert sol.excess[1] > 0


CRITERIA = ["inference-hardness", "inference-almost-linear", "training-almost-linear", "alman-song-threshold"]


@pytest.mark.parametrize("name", CRITERIA)
@given(data=st.data())
def test_criteria_are_monotone_in_B_and_L(name, data):
    p = data.draw(params(name))
    r = ditrates.get(name)
    base = r.evaluate(**p).ln_exact
    assert r.evaluate(**dict(p, B=p["B"] * 1.5)).ln_exact > base
    assert r.evaluate(**dict(p, L=p["L"] * 2)).ln_exact < base


@pytest.mark.parametrize("name", CRITERIA)
@given(st.integers(2, 10**9), st.integers(1, 64), st.sampled_from(["paper", "as"]))
def test_criteria_flip_exactly_at_the_threshold(name, L, d, temperature):
    """rho = 1 exactly separates the sides; Prop. 4.1 speaks only for d/(C_d ln L) in [1/4, 4] (d = C log L);
    Alman-Song's own statement bounds the entries after the temperature (B itself, no kappa)."""
    kappa = 1 if temperature == "paper" else mpmath.mpf(1) / d
    scale = 1 if name == "alman-song-threshold" else kappa * d
    at = mpmath.sqrt(mpmath.log(L)) / mpmath.sqrt(scale)  # rho = 1 exactly
    r = ditrates.get(name)
    above = r.evaluate(L=L, d=d, kappa=kappa, B=at * (1 + mpmath.mpf("1e-12"))).verdict
    below = r.evaluate(L=L, d=d, kappa=kappa, B=at * (1 - mpmath.mpf("1e-12"))).verdict
    if r.name == "inference-hardness":
        if 1 / 4 <= d / math.log(L) <= 4:
            assert above.startswith("hard side") and below.startswith("below")
        else:
            assert above.startswith("outside Prop. 4.1's hypothesis") and below == above
    else:
        assert above.startswith("not on the efficient side")
        assert below.startswith("efficient side") == (d <= math.log(L))


@pytest.mark.parametrize("name", [n for n in ditrates.names() if n not in LOG10_N_RANGES])  # float64 inputs
@given(data=st.data())
def test_numpy_mpmath_and_sympy_agree(name, data):
    """Three evaluations of the same sympy object agree to 1e-9 relative in log space."""
    p = data.draw(params(name))
    r = ditrates.get(name)
    resolved = resolve(p, r.keys)
    vals = resolved.symbol_values()
    expr = r.displayed_expr(reading=resolved.reading if r.forms else None)
    _, ln_mp = numerics.ln_eval(expr, vals, "mp")
    assume(abs(ln_mp) < 1e6)  # beyond, sympy's evalf of the plain value is too slow to serve as a check
    assume(all(abs(v) < 1e300 for v in vals.values()))  # the numpy backend takes float64 inputs
    _, ln_np = numerics.ln_eval(expr, {s: float(v) for s, v in vals.items()}, "np")
    subs = {s: sympy.Float(str(v), 40) if not isinstance(v, int) else sympy.Integer(v) for s, v in vals.items()}
    ln_sym = sympy.log(expr.subs(subs).rewrite(sympy.exp)).evalf(40)
    scale = max(1.0, abs(float(ln_mp)))
    assert abs(float(ln_np) - float(ln_mp)) <= 1e-9 * scale
    assert abs(float(ln_sym) - float(ln_mp)) <= 1e-9 * scale


@given(params("score-estimation", d0=16))
def test_grid_evaluation_matches_single_evaluations(p):
    r = ditrates.get("score-estimation")
    ns = np.array([p["n"], p["n"] * 10.0, p["n"] * 1000.0])
    g = ditrates.evaluate("score-estimation", **dict(p, n=ns))
    for n, lg in zip(ns, g.log10, strict=True):
        single = r.evaluate(**dict(p, n=int(n))).log10
        assert float(lg) == pytest.approx(float(single), rel=1e-9, abs=1e-9)


@given(st.integers(10, 10**8), st.integers(2, 64), st.integers(2, 8), st.sampled_from(list(xi.Reading)))
def test_grid_auto_eps_matches_the_scalar_solver(n, L, d, reading):
    g = ditrates.evaluate("xi", n=np.array([float(n)]), L=np.array([float(L)]), d=d, xi_reading=reading.value)
    scalar = resolve({"n": n, "L": L, "d": d}, ["eps"], xi_reading=reading.value).values["eps"]
    assert float(g.params["eps"][0]) == pytest.approx(float(scalar), rel=1e-9)


@pytest.mark.parametrize("name", ditrates.names())
def test_latex_is_balanced(name):
    from ditrates.latex import block

    tex = block(ditrates.get(name))
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert tex.count(r"\left") == tex.count(r"\right")
    assert tex.count("$") % 2 == 0
