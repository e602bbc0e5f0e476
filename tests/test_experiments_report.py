"""From records to claims: least squares, seed-bootstrap intervals and their coverage, floors, memorisation,
no pooling of configurations, nothing fitted that is fixed by construction (no torch needed)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from ditrates.experiments import fit, plan, report, store
from ditrates.powerlaw import fit_power

NS = (16, 64, 256, 1024, 4096)
TRUE_B, TRUE_A, TRUE_C = -0.6, 4.0, 0.2


def law(n):
    return TRUE_C if n == plan.INFINITE else TRUE_A * n**TRUE_B + TRUE_C


def record(model="dit-learned", n=64, seed=0, values=None, profile="default", **changes):
    params = {**plan.plan("n")[0].params, **plan.MODELS[model], "n": n, **changes}
    spec = plan.RunSpec(params, seed, "n", profile)
    values = values or {}
    return {"key": spec.key, "status": "ok", "point": spec.point, "sweep": "n", "profile": profile,
            "model": model, "seed": seed, "params": params, "c0": 0.27,
            "train": {"steps": 100, "stopped_early": False},
            "measurements": {k: {"value": v, "se": 0.001} for k, v in values.items()}}


def synthetic(seeds=5, noise=0.1, rng=None, memorise=(), **kw):
    """Records of one n-sweep curve whose score error is TRUE_A n^TRUE_B + TRUE_C times log-normal seed noise;
    train_excess is 10 times the error (generalising) or a tenth of it (memorising) at the n in `memorise`."""
    rng = rng or np.random.default_rng(0)
    out = []
    for n in (*NS, plan.INFINITE):
        for s in range(seeds):
            err = law(n) * float(np.exp(noise * rng.standard_normal()))
            vals = {"score_error": err, "orthogonal_variance": 0.01}
            if n != plan.INFINITE:
                vals["train_excess"] = err * (0.1 if n in memorise else 10.0)
            out.append(record(n=n, seed=s, values=vals, **kw))
    return out


def score_fit(rep):
    return next(f for f in rep.fits if f.quantity == "score_error")


# ----------------------------------------------------------------------------------------------------
# Least squares
# ----------------------------------------------------------------------------------------------------
def test_floor_fit_recovers_a_known_law_and_is_the_least_squares_optimum():
    x = np.array(NS, dtype=float)
    exact = fit.fit_power_floor(x, (TRUE_A * x**TRUE_B + TRUE_C)[None], np.array([TRUE_C]))[0]
    assert (exact.b, exact.A, exact.c) == pytest.approx((TRUE_B, TRUE_A, TRUE_C), rel=1e-6)
    rng = np.random.default_rng(1)
    y = (TRUE_A * x**TRUE_B + TRUE_C) * np.exp(0.1 * rng.standard_normal(5))
    y_inf = TRUE_C * 1.05
    f = fit.fit_power_floor(x, y[None], np.array([y_inf]))[0]

    def cost(A, b, c):
        return ((np.log(y) - np.log(A * x**b + c)) ** 2).sum() + (np.log(y_inf) - np.log(c)) ** 2

    best = cost(f.A, f.b, f.c)
    for dA, db, dc in rng.normal(0, 0.02, size=(200, 3)):
        assert cost(f.A * np.exp(dA), f.b + db, f.c * np.exp(dc)) >= best - 1e-12
    assert f.c != pytest.approx(0.999 * y.min())  # the floor is fitted, not pinned below the smallest value


def test_a_floor_fit_without_an_excess_is_not_identified():
    x = np.array(NS, dtype=float)
    flat = fit.fit_power_floor(x, np.full((1, 5), 0.2), np.array([0.2]))[0]
    assert not flat.identified and flat.reason


def test_power_fit_is_the_least_squares_slope():
    x = np.array([4.0, 8, 16])
    b, la = fit_power(x, 2.0 * x**0.5)
    assert (float(b), float(np.exp(la))) == pytest.approx((0.5, 2.0))


# ----------------------------------------------------------------------------------------------------
# Intervals: a seed bootstrap with k - 1 degrees of freedom, checked by coverage
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", (3, 5))
def test_seed_bootstrap_intervals_cover_the_truth(k):
    """400 simulated curves of k seeds: the 95% interval of the fitted exponent covers the true one in at least
    90% of them. An interval that ignores the seed spread (zero width), or uses the normal quantile and the raw
    bootstrap variance, covers far less for k = 3 (checked here too)."""
    rng = np.random.default_rng(2)
    x = np.array(NS, dtype=float)
    covered = naive = 0
    sims = 400
    for i in range(sims):
        per_seed = TRUE_A * x**TRUE_B * np.exp(0.3 * rng.standard_normal((k, len(x))))
        est = float(fit_power(x, per_seed.mean(0))[0])
        draws = fit.seed_bootstrap(per_seed, lambda m: fit_power(x, m)[0], resamples=300, seed=i)
        lo, hi = fit.t_interval(est, draws, k)
        covered += lo <= TRUE_B <= hi
        half = 1.96 * draws.std()
        naive += est - half <= TRUE_B <= est + half
    assert covered / sims >= 0.9
    if k == 3:
        assert naive / sims < 0.85


def test_one_seed_or_no_draws_give_no_interval():
    assert fit.t_interval(0.0, np.array([1.0, 2.0]), 1) is None
    assert fit.t_interval(0.0, np.array([np.nan]), 5) is None


def test_report_interval_of_the_excess_exponent_covers_the_truth(monkeypatch):
    """End to end through report.build: 30 synthetic 5-seed sweeps (300 resamples each); the n-sweep fit's
    interval for b covers the true -0.6 in at least 80% (nominally 95%) and its floor interval covers 0.2
    as often."""
    monkeypatch.setattr(report, "RESAMPLES", 300)
    hits = floor_hits = 0
    for i in range(30):
        f = score_fit(report.build(synthetic(rng=np.random.default_rng(100 + i))))
        assert f.identified and f.seeds == 5, f.reason
        hits += f.interval[0] <= TRUE_B <= f.interval[1]
        floor_hits += f.floor_interval[0] <= TRUE_C <= f.floor_interval[1]
    assert hits >= 24 and floor_hits >= 24


def test_a_fit_with_one_seed_or_no_excess_prints_no_interval():
    one = score_fit(report.build(synthetic(seeds=1)))
    assert not one.identified and one.interval is None and "1 seed" in one.reason
    flat = [r for r in synthetic() if r["params"]["n"] == plan.INFINITE]
    flat = synthetic()
    for r in flat:
        r["measurements"]["score_error"]["value"] = 0.2 * (1 + 0.01 * r["seed"])
    none = score_fit(report.build(flat))
    assert not none.identified and none.interval is None
    assert "no exponent to report" in none.verdict


# ----------------------------------------------------------------------------------------------------
# Floors, memorisation, bounds and words
# ----------------------------------------------------------------------------------------------------
def test_memorising_points_are_labelled_and_left_out_of_the_fit():
    rep = report.build(synthetic(memorise=(16,)))
    curve = rep.curves[0]
    assert [p.memorising for p in curve.points] == [True, False, False, False, False]
    f = score_fit(rep)
    assert f.left_out == [16] and f.used == [64, 256, 1024, 4096]
    assert "left out as memorising: n = 16" in f.verdict


def test_the_verdict_sets_the_excess_exponent_beside_the_bounds():
    f = score_fit(report.build(synthetic()))
    assert f.bound == "score-estimation" and f.bound_excess == pytest.approx(-1 / 3, abs=1e-6)
    assert f.bound_local is not None and f.bound_local >= -1 / 3 - 1e-9  # the covering term is all of the bound
    assert "Doubling n multiplies it by" in f.verdict and "n^-0.33" in f.verdict
    assert "decays faster than the bound" in f.verdict  # -0.6 against -1/3, with 5 seeds of 10% noise


def test_nothing_fixed_by_construction_is_fitted_or_judged():
    rep = report.build(synthetic())
    assert "orthogonal_variance" not in {f.quantity for f in rep.fits}
    point = rep.curves[0].points[0]
    assert point.bound(report.BY_KEY["orthogonal_variance"]) is None  # shown, never judged, for latent models
    oracle = report.build([record("dit-oracle", n=n, seed=s, values={"score_error_orthogonal": 0.0,
                                                                    "score_error": 1.0})
                           for n in (16, 64, 256, plan.INFINITE) for s in range(2)])
    assert "score_error_orthogonal" not in {f.quantity for f in oracle.fits}


def test_different_configurations_are_never_pooled():
    """A quick and a default run of the same (sweep, model, n) are two points on two curves, and the report says
    the directory mixes them; the seeds [0, 0, 1] of the issue cannot happen."""
    recs = synthetic(seeds=2) + synthetic(seeds=1, profile="quick", batch=64)
    rep = report.build(recs)
    assert len(rep.curves) == 2
    for p in rep.points:
        assert len(set(p.seeds)) == len(p.seeds)
    assert any("2 configurations" in n and "default, quick" in n for n in rep.notes)


def test_failed_runs_are_listed_until_a_rerun_succeeds():
    recs = synthetic(seeds=2)
    failed = {**recs[0], "status": "failed", "error": "FloatingPointError: boom"}
    assert [r["key"] for r in report.build([failed, *recs[1:]]).failed] == [failed["key"]]
    assert report.build([failed, *recs]).failed == []


def test_the_report_command_imports_no_torch(tmp_path):
    st = store.Store(tmp_path)
    for r in synthetic(seeds=2):
        st.append(r)
    code = ("import sys\nfrom ditrates.cli import app\ntry:\n    app(['experiment', 'report', sys.argv[1], '--json'])\n"
            "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["fits"][0]["quantity"] == "score_error" and doc["fits"][0]["interval"] is not None


# ----------------------------------------------------------------------------------------------------
# What was compared, said in words; standard errors of runs that share a seed
# ----------------------------------------------------------------------------------------------------
def test_the_excess_over_the_floor_pairs_the_runs_of_a_seed():
    """Runs of one seed share their initialisation and evaluation draws: a seed effect common to a point and its
    floor cancels in the excess. Catches the difference of two independent means (its error here is 0.7)."""
    from ditrates.cli.experiment_tables import _excess

    recs = [record(n=n, seed=s, values={"score_error": s + (1.5 + 0.01 * (s % 2) if n == 64 else 1.0)})
            for n in (64, plan.INFINITE) for s in range(5)]
    point, floor = sorted(report.points(recs), key=lambda p: p.n == plan.INFINITE)
    assert _excess(point, floor, "score_error") == "0.504 ± 0.0024"  # unpaired: 0.504 ± 1


def test_the_score_error_is_also_fitted_without_its_smallest_n():
    rep = report.build(synthetic())
    kinds = [f.kind for f in rep.fits if f.quantity == "score_error"]
    assert kinds == ["A n^b + c (c: n = inf)", "A n^b + c (c: n = inf), without n = 16"]
    assert [f for f in rep.fits if f.quantity == "score_error"][1].used == [64, 256, 1024, 4096]


def test_verdicts_say_what_was_compared_and_what_it_can_mean():
    """A lower bound decaying faster than the bound says nothing about the quantity's rate (not "consistent with
    the bound's rate"); no bound is set beside a lower bound where its hypothesis fails (Thm 3.2's TV bound needs
    Lemma F.7's c0 > 1 and L_h < 1 as printed); the subspace error of a W_B started at the principal subspace is a
    drift, not compared; and the score-error bound is placed against the untrained networks' error in the paper's
    reading of xi (Definition 3.4 as printed), with the n that ditrates.solve finds there, and in the repair,
    labelled as one."""
    import ditrates
    from ditrates.formatting import format_number

    recs = []
    for model in ("dit-learned", "mlp-learned"):
        for n in (*NS, plan.INFINITE):
            for s in range(5):
                noise = float(np.exp(0.05 * np.random.default_rng(10 * s + len(str(n))).standard_normal()))
                v = law(n) * noise
                recs.append(record(model, n=n, seed=s, values={
                    "score_error": v, "tv_lower": v / 10, "subspace_error": v / 100, "score_error_untrained": 76.8,
                    "train_excess": 10 * v}))
    fits = {(f.model, f.quantity): f for f in report.build(recs).fits if "without" not in f.kind}
    tv = fits["mlp-learned", "tv_lower"].verdict
    assert "chen2023-tv" in tv and "says nothing about the quantity's own rate" in tv and "consistent" not in tv
    assert "The bound" not in fits["dit-learned", "tv_lower"].verdict
    assert "not compared with a bound" in fits["dit-learned", "subspace_error"].verdict
    score = fits["dit-learned", "score_error"]
    p = recs[0]["params"]
    values = dict(d0=p["d0"], d=p["d"], T0=p["T0"], T=p["T"], D=p["D"])
    printed = ditrates.solve("score-estimation", "n", 76.8, xi_reading="printed", **values).value
    assert score.below_untrained["printed"] == printed
    assert ("In Def. 3.4 as printed (the paper's reading) the bound stays above the untrained networks' error (76.8"
            in score.verdict and f"for every n below {format_number(printed, digits=2)};" in score.verdict)
    assert "(a repair, not in the paper), for every n below" in score.verdict


def test_records_of_two_versions_of_the_measuring_code_are_never_pooled():
    old = synthetic(seeds=2, measure_version=1)
    rep = report.build(old + synthetic(seeds=2))
    assert len(rep.curves) == 2 and any("2 versions of the measuring code" in n for n in rep.notes)


def test_records_of_an_older_measuring_code_say_so_in_every_label_and_a_note():
    rep = report.build(synthetic(seeds=2, measure_version=1))
    assert all("measuring code v1" in c.label for c in rep.curves)
    assert any("measured by version 1 of the measuring code" in n for n in rep.notes)
    current = report.build(synthetic(seeds=2))
    assert not current.notes and not any("measuring code" in c.label for c in current.curves)


@pytest.mark.parametrize("sweep", ["n", "D"])
def test_the_report_figure_keeps_every_legend_off_the_panels(sweep, tmp_path, monkeypatch):
    """The committed figures (docs/img/n-sweep.png, D-sweep.png) had legends over the curves: each panel's legend
    now lies outside every panel."""
    pytest.importorskip("matplotlib")
    from pathlib import Path

    from matplotlib.figure import Figure

    from ditrates.experiments import plots

    seen = []
    save = Figure.savefig

    def check(fig, *args, **kwargs):
        fig.canvas.draw()
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
        seen.append(len(legends))
        for legend in legends:
            box = legend.get_window_extent()
            assert not any(box.overlaps(ax.get_window_extent()) for ax in fig.axes), legend.get_texts()[0]
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", check)
    records = store.read_records(Path(__file__).resolve().parents[1] / "docs" / "runs" / sweep / store.RESULTS_FILE)
    plots.plot(report.build(records.records), tmp_path / "f.png")
    assert seen == [4]


def test_points_a_log_axis_cannot_show_are_named_in_the_legend(tmp_path, monkeypatch):
    """The committed D-sweep figure drew one of the ambient model's three excesses and said nothing of the two at
    or below their floors: the legend now counts them."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from ditrates.experiments import plots

    texts = []
    save = Figure.savefig

    def grab(fig, *args, **kwargs):
        texts.extend(t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", grab)
    records = synthetic(seeds=2, noise=0.0)
    for r in records:
        if r["params"]["n"] in (1024, 4096):
            r["measurements"]["score_error"]["value"] = TRUE_C / 2  # below the n = inf floor
    plots.plot(report.build(records), tmp_path / "f.png")
    assert "dit-learned: 2 of 5 at or below its floor, not drawn" in texts
    texts.clear()
    plots.plot(report.build(synthetic(seeds=2, noise=0.0)), tmp_path / "g.png")
    assert not any("not drawn" in t for t in texts)


def test_the_bounds_floor_is_its_limit_in_n_at_fixed_eps():
    """Thm 3.2's bound at fixed eps tends to eps^2 / (T0 T) (Definition 3.4's last term over T0 T); its covering
    term, 10^193 at the sweep's n, must not be mistaken for it (at n = 1e300 it is still 10^94)."""
    from ditrates.experiments import bounds

    p = {**plan.plan("n")[0].params, "n": 1024}
    eps = float(bounds.evaluate_bound("score-estimation", p, 0.27).resolved.values["eps"])
    assert bounds.bound_floor("score-estimation", p, 0.27) == pytest.approx(eps**2 / (p["T0"] * p["T"]), rel=1e-9)


def test_a_bound_is_never_compared_along_a_setting_that_is_not_a_parameter_of_its_theorem():
    """The step cap and the width are settings of training and of the network: the bounds have no exponent in them
    (a "local exponent 0" there would read as a comparison); D is a parameter, of which Chen et al.'s bound is free."""
    from ditrates.experiments import bounds

    p = {**plan.plan("n")[0].params, "n": 512}
    assert bounds.local_exponent("score-estimation", "max_steps", p, 0.27) is None
    assert bounds.local_exponent("score-estimation", "width", p, 0.27) is None
    assert bounds.local_exponent("chen2023-score-estimation", "D", {**p, "network": "mlp"}, 0.27) == 0.0
