"""`solve` finds what a dense scan of the bound finds (issue 19.1), minimises jointly over a free eps (issue 18.4),
and prints an answer that, typed back, meets the target (issue 19.6).

The scans use the public evaluation API (``ditrates.evaluate`` on numpy grids, ``report.evaluate``), with the
reading of xi given as ``printed`` or left to its default.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ditrates
from ditrates import report, roots
from ditrates.defaults import DEPENDS
from ditrates.errors import Unreachable
from ditrates.formatting import json_number
from ditrates.testing import params

SCANNED = 4000
"""Points of the dense scan, log-spaced over the search range."""
RANGES = {"n": (2.0, 1e300), "eps": (1e-3, 0.999), "d0": (2.0, 1e6), "L": (2.0, 1e6), "d": (2.0, 1e6),
          "D": (2.0, 1e9), "delta_F": (1e-12, 0.999)}
"""Search ranges the scan and solve share (float64 throughout, so that numpy can scan them)."""
RESULTS = [n for n in ditrates.names() if n != "xi-tuned"]  # xi-tuned lives at n above 10^1158: beyond float64


def _solvable(name):
    return [p.key for p in ditrates.get(name).symbols if not p.hidden_constant]


def _followers(key):
    return {k for k, needs in DEPENDS.items() if key in needs}


@st.composite
def problems(draw):
    """A result, the parameter to solve for, the others (given, or left to defaults that follow it)."""
    name = draw(st.sampled_from(RESULTS))
    key = draw(st.sampled_from(_solvable(name)))
    p = dict(draw(params(name, xi_reading="printed")))
    p.pop(key, None)
    for k in sorted(_followers(key) & set(p)):  # a default that follows the parameter is left to follow it, or not
        if draw(st.booleans()):
            p.pop(k)
    if key in ("d0", "d", "L"):  # two of d0, d, L fix the third: leave one to follow
        p.pop(draw(st.sampled_from(sorted({"d0", "d", "L"} - {key}))), None)
    lo, hi = RANGES.get(key, (1e-6, 1e6))
    return name, key, p, lo, hi


def _scan(name, key, p, lo, hi):
    """log10 of the bound on a dense log-spaced grid of the parameter (NaN where a condition fails)."""
    x = np.geomspace(lo, hi, SCANNED)
    try:
        g = ditrates.evaluate(name, xi_reading="printed", gaps=True, **dict(p, **{key: x}))
    except ditrates.DitratesError:
        return x, np.full_like(x, np.nan)
    return x, np.broadcast_to(g.log10, x.shape)


def _inside(x, stretches, rel=1e-7):
    return any(s.lo * (1 - rel) <= x <= s.hi * (1 + rel) for s in stretches)


def _near_an_end(x, stretches, rel=1e-6):
    return any(abs(x - e) <= rel * abs(e) for s in stretches for e in (s.lo, s.hi))


@settings(max_examples=25, deadline=None)
@given(problems(), st.floats(0, 1), st.data())
def test_solve_agrees_with_a_dense_scan_of_bound(problem, quantile, data):
    """For random results, parameters and values of the others: every scanned point at or below the target lies
    in a stretch solve reports, every one above it outside them; the answer is the smallest (largest) end of
    them; and solve calls a target out of reach only when the scan never meets it either, with a minimum no
    higher than the scan's."""
    name, key, p, lo, hi = problem
    x, y = _scan(name, key, p, lo, hi)
    live = np.isfinite(y)
    assume(live.any())
    below_min = data.draw(st.booleans(), label="target below the scanned minimum")
    log10_target = float(np.min(y[live]) - 0.5 if below_min else np.quantile(y[live], quantile))
    assume(log10_target < 99_999)  # targets are numbers up to 1e100000
    margin = 1e-7 * max(1.0, abs(log10_target))
    try:
        sol = ditrates.solve(name, key, mpmath.power(10, log10_target), within=(lo, hi), xi_reading="printed", **p)
    except Unreachable as e:
        assert not (y[live] <= log10_target - margin).any()  # the scan meets it nowhere either
        assert e.minimum_log10 <= np.min(y[live]) + 1e-6 * max(1.0, abs(np.min(y[live])))
        return
    except ditrates.DitratesError as e:  # the set reaches an end of the range, or cannot be evaluated at all
        hits = np.flatnonzero(live & (y <= log10_target + margin))
        assert "range" in str(e) or "anywhere" in str(e), str(e)
        if "range" in str(e):
            assert hits.size and (hits[0] == 0 or hits[-1] == x.size - 1)
        return
    for xi_, yi in zip(x[live], y[live], strict=True):
        if _near_an_end(xi_, sol.stretches):
            continue
        if yi <= log10_target - margin:
            assert _inside(xi_, sol.stretches), (xi_, yi, sol.stretches)
        elif yi > log10_target + margin:
            assert not _inside(xi_, sol.stretches), (xi_, yi, sol.stretches)
    ends = [s.lo for s in sol.stretches] if sol.decreasing else [s.hi for s in sol.stretches]
    answer = min(ends) if sol.decreasing else max(ends)
    assert sol.value == pytest.approx(answer, rel=1e-9, abs=1.0 if isinstance(sol.value, int) else 0)


def test_an_integer_answer_is_searched_for_only_inside_the_stretch_and_the_range():
    """Once an endless search: solving for d0 at d = 4, the stretch's end rounded to an integer did not meet the
    target and the walk inward had no end (d0 = d L with L = d0/d); nor may the walk outward leave the range."""
    held = {"d": 4, "D": 873, "n": 95, "eps": 0.03368154419355788, "Ls": 0.7293045920160292, "T0": 1.0, "T": 3.0}
    x, y = _scan("score-estimation", "d0", held, 2.0, 1e6)
    target = mpmath.power(10, float(np.nanmin(y)))
    sol = ditrates.solve("score-estimation", "d0", target, within=(2.0, 1e6), xi_reading="printed", **held)
    assert 2 <= sol.value <= 10**6 and sol.stretches


def test_a_target_met_only_next_to_a_failing_condition_is_found():
    """Issue 19.1's first case, the class: score-estimation falls in T0 until Theorem 3.2's T0 < T/2 stops
    holding; a target between its value at the edge and its value a little before is met only there."""
    base = {"d0": 16, "n": "1e5"}
    T = report.evaluate(["score-estimation"], base, xi_reading="printed").resolved.values["T"]
    edge = T / 2

    def log10_at(T0):
        row = report.evaluate(["score-estimation"], dict(base, T0=T0), xi_reading="printed").rows[0]
        return row.log10_exact if row.ok else None

    at_edge, before = log10_at(edge * (1 - mpmath.mpf("1e-15"))), log10_at(edge * mpmath.mpf("0.97"))
    assert log10_at(edge) is None and at_edge < before
    sol = ditrates.solve("score-estimation", "T0", mpmath.power(10, (at_edge + before) / 2), xi_reading="printed",
                         **base)
    assert sol.direction == "smallest" and 0.97 * edge < sol.value < edge
    s = sol.stretches[0]
    assert s.hi_end == "domain" and "T0 < T/2" in s.hi_why and s.hi == pytest.approx(float(edge), rel=1e-12)
    assert "beyond, condition T0 < T/2" in sol.describe()
    below = mpmath.power(10, at_edge - mpmath.mpf("0.001"))  # below the bound's infimum: out of reach, said where
    with pytest.raises(Unreachable, match="where it stops being defined: beyond, condition T0 < T/2") as info:
        ditrates.solve("score-estimation", "T0", below, xi_reading="printed", **base)
    assert info.value.minimum_log10 == pytest.approx(float(at_edge), abs=1e-9)


def test_a_target_met_only_next_to_the_edge_of_the_printed_range_is_found():
    """Issue 19.1's second case: xi as printed falls in eps up to the edge of its range; solve finds the narrow
    stretch that a coarse scan misses, without --range. C_delta = 1/100 puts Theorem 3.1's construction range
    (C_delta eps^(2/d) <= 1/2) beyond eps = 1, so the edge is App. F.2's."""
    base = {"n": "1e5", "L": 4, "d0": 16, "C_delta": "0.01"}

    def log10_xi(eps):
        rows = report.evaluate(["xi"], dict(base, eps=eps), xi_reading="printed").rows
        return rows[0].log10_exact if rows[0].ok else None

    edge = ditrates.solve("xi", "eps", "1e100000", xi_reading="printed", find="largest", **base).value
    at_edge = log10_xi(edge)
    assert log10_xi(edge * (1 + 1e-9)) is None
    target = mpmath.power(10, at_edge + mpmath.mpf("0.01"))
    sol = ditrates.solve("xi", "eps", target, xi_reading="printed", **base)
    assert sol.value < edge and log10_xi(sol.value) == pytest.approx(float(at_edge) + 0.01, abs=1e-9)
    assert sol.stretches[-1].hi_end == "domain"


def test_every_stretch_is_found_with_what_ends_it():
    """The level set behind solve: a function at or below 0 on two stretches, one ending at the range's end, and
    one below 0 only between two samples (a dip the samples do not see, found from the sampled minimum)."""
    grid = [i / 4 for i in range(1, 41)]  # 0.25 to 10 (sin(0) = 0 would be a stretch of its own)
    wave = roots.level_set(math.sin, grid)
    assert [(s.lo_end, s.hi_end) for s in wave.stretches] == [("crossing", "crossing"), ("crossing", "range")]
    assert [(s.lo, s.hi) for s in wave.stretches] == [pytest.approx((math.pi, 2 * math.pi), abs=1e-12),
                                                      pytest.approx((3 * math.pi, 10.0), abs=1e-12)]
    dip = roots.level_set(lambda u: abs(u - 5.1) - 0.01, grid)  # <= 0 on [5.09, 5.11], between samples 5 and 5.25
    assert [(round(s.lo, 9), round(s.hi, 9)) for s in dip.stretches] == [(5.09, 5.11)]


def test_the_smallest_and_the_largest_end_each_with_what_ends_the_stretch():
    """sqrt(d0) eps / sigma(t) falls in t up to t = T, where Theorem 3.1's t <= T stops holding: the smallest t
    is a crossing, the largest the edge of the condition; each sentence names the other end."""
    r = ditrates.get("score-approximation")
    sol = ditrates.solve(r, "t", 2.5, d0=16, eps=0.5, T0=0.2, T=3)
    assert len(sol.stretches) == 1 and sol.stretches[0].lo_end == "crossing" and sol.stretches[0].hi_end == "domain"
    assert "beyond, condition t <= T" in sol.describe()
    largest = ditrates.solve(r, "t", 2.5, find="largest", d0=16, eps=0.5, T0=0.2, T=3)
    assert largest.value == pytest.approx(3.0, rel=1e-12) and largest.direction == "largest"
    assert "stops holding beyond it" in largest.describe() and "below t = " in largest.describe()


def test_solve_minimises_jointly_over_a_free_eps():
    """Issue 18.4: with eps left free, the answer is where some eps meets the target: at n (1 - 1e-9) no eps of a
    scan across Theorem 3.1's construction range (eps <= 1/4 at d = 4) meets it, and beyond the range no eps is
    evaluated. The answer is past float64 (n ~ 10^59173), so the scan is exact."""
    sol = ditrates.solve("score-estimation", "n", 0.05, d0=16)
    assert sol.follows["eps"][0] == pytest.approx(0.25, rel=1e-12) and not sol.at_infimum
    n_before = sol.value - sol.value // 10**9
    eps = [mpmath.mpf(k) / 400 for k in range(1, 101)] + [mpmath.mpf("0.2500001"), mpmath.mpf("0.9")]
    rows = report.evaluate(["score-estimation"], {"d0": 16, "n": n_before, "eps": eps[0]}, xi_reading="printed").rows
    assert rows[0].ok and rows[0].log10_exact > math.log10(0.05)
    for e in eps[1:]:
        row = report.evaluate(["score-estimation"], {"d0": 16, "n": n_before, "eps": e}, xi_reading="printed").rows[0]
        assert (not row.ok) if e > 0.25 else row.log10_exact > math.log10(0.05), e
    with mpmath.workdps(40):
        at = ditrates.get("score-estimation").evaluate(d0=16, n=sol.value, eps=sol.follows["eps"][0]).ln_exact
        assert at <= mpmath.log("0.05")


def test_the_printed_answer_typed_back_meets_the_target():
    """Issue 19.6 for solve: 4 significant digits, rounded into the stretch (up for a smallest value)."""
    sol = ditrates.solve("score-estimation", "n", 0.05, d0=16, xi_reading="printed")
    exponent = int(mpmath.floor(mpmath.log10(sol.shown))) - 3  # n ~ 10^59173: no str() of the integer
    assert sol.shown >= sol.value and sol.shown % 10**exponent == 0
    with mpmath.workdps(40):
        at = ditrates.get("score-estimation").evaluate(d0=16, n=sol.shown, xi_reading="printed").ln_exact
        assert at <= mpmath.log("0.05")
    doc = sol.to_dict()
    assert (doc["shown"], doc["value"]) == (json_number(sol.shown), json_number(sol.value))
