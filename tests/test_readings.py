"""The default numbers from the paper's own premises (issue 18): Definition 3.4 as printed inside every range its
derivation uses, no minimum across readings, Theorem 3.1's construction range, premises on every row.

The passages (camera-ready text):
- App. E.4: "to achieve the eps approximation error in Lemma E.1, we take delta = O(eps^(2/d)) in Lemma E.3".
- Lemma E.4: "Assume that L >= 2 and delta^-1 >= 2"; its proof, Category 2: "By delta^-1 >= 2".
- Lemma E.6: O(delta^-1), O(delta^-d) and O(delta^-dL) layers; (F.4): K = O((1/delta)^(dL)) = O(eps^(-2L)).
- App. F.2: log N = O(eps^(-8K) L K d^2 log(nL)/delta_3^2) = O(1) 2^(8K log(L/eps)) ..., then "By (F.17)" with
  K = (1/eps)^L and "By (1/eps)^L >= 8 log(L/eps)" to Definition 3.4's 2^((1/eps)^(2L)).
- Lemma F.7: T0 <= min{2 log(d0/C_sh), 1, 2 log(c0), c0}; Lemma F.10: C_sh = d0 L_h.
Every range below is checked against an independent 60-digit computation, not against ditrates' own solver.
"""

import json
import math

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ditrates
from ditrates import minimiser, ranges, report, xi
from ditrates.errors import ConditionError, DomainError
from ditrates.symbols import S


def f2_holds(eps, L) -> bool:
    """App. F.2's step (1/eps)^L >= 8 log2(L/eps), at 60 digits."""
    with mpmath.workdps(60):
        eps = mpmath.mpf(eps)
        return (1 / eps) ** L >= 8 * mpmath.log(L / eps, 2)


def construction_holds(eps, d, C_delta=1) -> bool:
    """Lemma E.4's delta^-1 >= 2 with App. E.4's delta = C_delta eps^(2/d), at 60 digits."""
    with mpmath.workdps(60):
        return mpmath.mpf(C_delta) * mpmath.mpf(eps) ** (mpmath.mpf(2) / d) <= mpmath.mpf(1) / 2


def f2_edge(L):
    """The largest eps with (1/eps)^L >= 8 log2(L/eps): mpmath's root of L y - ln(8 (ln L + y)/ln 2), y = ln(1/eps)."""
    with mpmath.workdps(60):
        y = mpmath.findroot(lambda y: L * y - mpmath.log(8 * (mpmath.log(L) + y) / mpmath.log(2)), (1e-30, 50),
                            solver="anderson")
        return mpmath.exp(-y)


@pytest.mark.parametrize("L", [2, 4, 8, 256])
def test_the_edge_of_app_f2s_range_is_an_independent_root(L):
    lifted = {S.L: L, S.d: 2, S.C_delta: mpmath.mpf("1e-9")}  # the construction range lifted above 1
    edge, binding = minimiser.edge("printed", lifted)
    assert binding is xi.F2_RANGE
    assert abs(edge - f2_edge(L)) < 1e-10 * f2_edge(L)
    assert f2_holds(edge, L) and not f2_holds(edge * (1 + mpmath.mpf("1e-9")), L)


@pytest.mark.parametrize("d", range(1, 17))
def test_the_construction_range_is_eps_up_to_2_to_the_minus_d_over_2(d):
    """delta = eps^(2/d) <= 1/2 iff eps <= 2^(-d/2): 0.25 at d = 4, 0.0039 at d = 16."""
    edge = ranges.edge_of([xi.CONSTRUCTION_RANGE], {S.d: d, S.C_delta: 1, S.L: 4})
    assert edge == pytest.approx(2.0 ** (-d / 2), rel=1e-11)
    assert construction_holds(edge, d) and not construction_holds(edge * (1 + mpmath.mpf("1e-9")), d)


@pytest.mark.parametrize("C_delta", ["0.01", "0.5", "3"])
def test_c_delta_moves_the_construction_range(C_delta):
    edge = ranges.edge_of([xi.CONSTRUCTION_RANGE], {S.d: 4, S.C_delta: mpmath.mpf(C_delta), S.L: 4})
    assert edge == pytest.approx(min(1.0, float((2 * mpmath.mpf(C_delta)) ** -2)), rel=1e-11)  # eps < 1 anyway


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 64), st.integers(2, 16), st.floats(1e-6, 0.999999))
def test_the_printed_reading_accepts_eps_exactly_inside_both_ranges(L, d, eps):
    try:
        ditrates.get("xi").evaluate(n=10**6, L=L, d=d, eps=eps)
    except ConditionError as e:
        assert not (f2_holds(eps, L) and construction_holds(eps, d))
        assert e.condition in (xi.F2_RANGE, xi.CONSTRUCTION_RANGE)
        return
    assert f2_holds(eps, L) and construction_holds(eps, d)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 64), st.integers(2, 16), st.integers(1, 3000).map(lambda k: 10**k),
       st.sampled_from(list(xi.Reading)))
def test_eps_auto_stays_inside_every_range_of_its_reading(L, d, n, reading):
    ev = ditrates.get("xi").evaluate(d=d, L=L, n=n, xi_reading=reading.value)
    eps = ev.resolved.values["eps"]
    assert construction_holds(eps, d)
    if reading is xi.Reading.PRINTED:
        assert f2_holds(eps, L)


def test_the_default_at_d0_16_is_definition_3_4_at_the_edge_of_its_range():
    """d = 4, L = 4: eps <= min(0.4457, 2^(-2)) = 1/4, where xi = n^(-1/3) 2^(4^8) + n^(-1/3) + 1/16."""
    ev = ditrates.get("xi").evaluate(d0=16, n="1e5")
    assert ev.reading is xi.Reading.PRINTED and ev.resolved.values["eps"] == mpmath.mpf("0.25")
    expected = 4**8 * math.log10(2) - 5 / 3  # the other terms are negligible
    assert float(ev.log10_exact) == pytest.approx(expected, abs=1e-9)
    assert float(ev.log10_exact) > 1.97e4


def test_no_default_output_shows_the_repairs_numbers(tmp_path):
    """1427 (xi), 124.0 (score-estimation) and 1.001 blocks were main's defaults from a reading not in the paper."""
    rep = report.evaluate(ditrates.names("statistical"), {"d0": 16, "n": "1e5"})
    text = json.dumps(rep.to_dict())
    for stale in ("1427", "124.0", "1.001"):
        assert stale not in text
    assert rep.reading is xi.Reading.PRINTED


@pytest.mark.parametrize("retired", ["auto", "proof"])
def test_no_reading_is_chosen_by_comparing_values(retired):
    with pytest.raises(DomainError, match="covering-line|no longer offered"):
        ditrates.get("xi").evaluate(n=10**5, d0=16, xi_reading=retired)


def test_every_range_of_every_reading_bounds_eps_from_above():
    """The minimiser assumes each range's h(y) increases in y = ln(1/eps): checked on a grid of L, d, y."""
    for c in xi.RANGES:
        h = ranges.range_function(c)
        for L in (2, 4, 64, 10**6):
            for d in (1, 2, 16):
                vals = {S.L: L, S.d: d, S.C_delta: 1}
                ys = [0.01 * 1.3**k for k in range(40)]
                hs = [float(ditrates.numerics.value_eval(h, {**vals, ranges.Y: y})) for y in ys]
                assert all(b > a for a, b in zip(hs, hs[1:], strict=False)), (c.label, L, d)


def test_the_table_of_readings_is_the_only_place_ranges_are_assigned():
    assert xi.ranges("printed") == (xi.F2_RANGE, xi.CONSTRUCTION_RANGE)
    assert xi.ranges("covering-line") == (xi.CONSTRUCTION_RANGE,)
    for r in ("xi", "score-estimation", "tv-recovery"):
        for reading in xi.Reading:
            assert ditrates.get(r).conditions_for(reading)[-len(xi.ranges(reading)):] == xi.ranges(reading)


# ----------------------------------------------------------------------------------------------------
# Theorem 3.1's network size and the construction range
# ----------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(2, 8), st.integers(2, 8), st.floats(1e-4, 0.999))
def test_network_size_never_prints_fewer_blocks_than_the_construction_needs(d, L, eps):
    """Inside delta <= 1/2, K = eps^(-2L) >= (1/delta)^(dL) >= 2^(d0); outside, the row fails (Lemma E.4)."""
    try:
        ev = ditrates.get("network-size").evaluate(d=d, L=L, eps=eps)
    except ConditionError as e:
        assert e.condition is xi.CONSTRUCTION_RANGE and not construction_holds(eps, d)
        return
    assert construction_holds(eps, d)
    assert ev.ln_exact >= d * L * mpmath.log(2) - 1e-9


def test_outside_the_range_is_evaluated_only_on_request_and_marked():
    r = ditrates.get("network-size")
    with pytest.raises(ConditionError):
        r.evaluate(d0=16, eps=0.9999)
    ev = r.evaluate(d0=16, eps=0.9999, outside_range=True)
    assert ev.outside == (xi.CONSTRUCTION_RANGE,)
    d = ev.to_dict()
    assert d["outside_range"][0]["relation"] == xi.CONSTRUCTION_RANGE.text()
    assert "OUTSIDE" in repr(ev)


# ----------------------------------------------------------------------------------------------------
# Premises
# ----------------------------------------------------------------------------------------------------
def test_every_row_carries_its_premises_with_their_support():
    rep = report.evaluate(ditrates.names("statistical"), {"d0": 16, "n": "1e5"})
    for row in rep.to_dict()["results"]:
        assert row["premises"] and all(set(p) == {"statement", "where", "label"} for p in row["premises"])
        assert {p["label"] for p in row["premises"]} <= {s.value for s in ditrates.conditions.Support}
    xi_row = next(r for r in rep.to_dict()["results"] if r["name"] == "xi")
    assert {"where": "Definition 3.4", "label": "stated in the paper"}.items() <= xi_row["premises"][1].items()
    assert any(p["label"] == "inferred" and "Lemma E.4" in p["where"] for p in xi_row["premises"])


def test_a_repair_is_never_labelled_with_the_papers_number_alone():
    rep = report.evaluate(["xi", "score-estimation"], {"d0": 16, "n": "1e5"}, xi_reading="covering-line")
    for row in rep.to_dict()["results"]:
        assert "a repair" in row["source"] and row["source"] != ditrates.get(row["name"]).source
        assert any(p["label"] == "not in the paper: a repair" for p in row["premises"])


def test_the_sensitivity_table_sets_every_reading_side_by_side():
    rows = report.sensitivity("xi", {"d0": 16, "n": "1e5"})
    assert [r.reading for r in rows] == list(xi.Reading)
    assert all(r.row.ok and r.report.resolved.values["eps"] == mpmath.mpf("0.25") for r in rows)
    assert rows[0].row.log10_exact < rows[1].row.log10_exact  # inside the construction range the repair is larger


# ----------------------------------------------------------------------------------------------------
# Lemma F.7's hypotheses, as printed
# ----------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 20), st.floats(0.05, 20), st.floats(1e-3, 2))
def test_lemma_f7s_hypothesis_is_checked_as_printed(c0, L_h, T0):
    """T0 <= min{2 log(d0/C_sh), 1, 2 log c0, c0} with C_sh = d0 L_h: fails whenever c0 <= 1 or L_h >= 1."""
    ok = T0 <= min(2 * math.log(1 / L_h), 1, 2 * math.log(c0), c0) and T0 <= min(c0, 1 / 0.5)
    try:
        ditrates.get("subspace-recovery").evaluate(d0=16, n=10**5, c0=c0, L_h=L_h, T0=T0, Ls=0.5, eps="1e-3")
    except ConditionError as e:
        assert not ok or "T0" not in e.condition.text()
        return
    assert ok and c0 > 1 and L_h < 1


def test_lemma_f7_fails_at_the_defaults_and_says_why():
    rep = report.evaluate(["subspace-recovery", "tv-recovery"], {"d0": 16, "n": "1e5"})
    assert all(not row.ok and row.condition.label.startswith("T0 <= min{2 log(d0/C_sh)") for row in rep.rows)
    assert "likely a typo" in rep.rows[0].message
    past = report.evaluate(["subspace-recovery"], {"d0": 16, "n": "1e5"}, outside_range=True)
    assert past.rows[0].ok and past.rows[0].outside


# ----------------------------------------------------------------------------------------------------
# Smaller corrections
# ----------------------------------------------------------------------------------------------------
def test_the_dominant_term_uses_the_hidden_constant():
    """C_K = 1e-3: at eps = 0.99 the covering term is tiny, and eps^2 dominates (main hard-coded C_K = 1)."""
    vals = {S.n: 10**5, S.eps: mpmath.mpf("0.99"), S.L: 4, S.C_K: mpmath.mpf("1e-3")}
    term, share = ditrates.rates.estimation.dominant_xi_term(vals, "covering-line")
    assert term == "eps^2" and share > 0.9


def test_explicit_tv_takes_the_square_root_of_theorem_3_2s_factors_as_chens_does():
    """(ii)'s explicit factors are Thm 3.2's under the square root, times log n, as Chen's TV takes the square root
    of its Thm 2's log^3 n: where the covering term dominates xi, the explicit/displayed ratio is
    sqrt(D d^2 d0^6 Ls^2 log(nL)) log n (main multiplied in only log n)."""
    tv = ditrates.get("tv-recovery")
    p = {"d0": 16, "n": 10**5, "T0": "1e-3", "c0": 4, "L_h": "0.25"}
    ratio = tv.evaluate(explicit=True, **p).ln_exact - tv.evaluate(**p).ln_exact
    D, d, d0, L, n = 48 * 16, 4, 16, 4, 10**5
    expected = mpmath.log(mpmath.sqrt(D * d**2 * d0**6 * mpmath.log(n * L)) * mpmath.log(n))
    assert abs(ratio - expected) < 1e-9


def test_the_n_at_which_xi_reaches_1_agrees_with_solve():
    """log10_n_to_reach (the report's note) and solve agree; beyond 10^100000 solve says out of reach."""
    for L, d in ((2, 2), (4, 4)):
        for reading in xi.Reading:
            vals = {S.L: L, S.d: d, S.C_delta: 1, S.C_K: 1}
            log10_n = minimiser.log10_n_to_reach(1, reading, vals)
            if log10_n > 1e5:
                with pytest.raises(ditrates.Unreachable):
                    ditrates.solve("xi", "n", 1, L=L, d=d, xi_reading=reading.value)
                continue
            sol = ditrates.solve("xi", "n", 1, L=L, d=d, xi_reading=reading.value)
            assert sol.log10 == pytest.approx(log10_n, abs=1e-6)
