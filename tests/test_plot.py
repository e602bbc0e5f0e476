"""Pictures of the rates (issue 14.1): the curves' numbers, gaps, vacuity and validity, and `ditrates plot`."""

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ditrates
from ditrates import curves, minimiser
from ditrates.cli import app
from ditrates.symbols import S

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="drawing needs the plot extra (matplotlib), which is not installed")


F7 = {"c0": 2, "L_h": "0.5", "T0": "0.5"}
"""Lemma F.7's hypotheses as printed (c0 > 1, L_h < 1), so that Cor. 3.2.1 (i)-(ii) are evaluated."""


@pytest.mark.parametrize("vs, names, params, reading", [
    ("n", ["score-estimation", "tv-recovery"], {"d0": 16, **F7}, "printed"),
    ("eps", ["xi", "subspace-recovery"], {"d0": 16, "n": "1e5", **F7}, "printed"),
    ("L", ["score-estimation"], {"n": "1e6"}, "covering-line"),
    ("d0", ["score-approximation"], {"n": "1e6", "eps": "0.3", "d": 4}, "printed"),
    ("B", ["inference-almost-linear"], {"L": 4096, "d": 8}, "printed"),
])
def test_curves_equal_the_scalar_evaluation_with_the_same_defaults(vs, names, params, reading):
    """Every curve point is Result.evaluate at that x, defaults (T = ln n, eps = auto, L = d0/d) included; a gap is
    exactly where the scalar evaluation fails a condition."""
    lo, hi = curves.RANGES[vs]
    fig = curves.figure(names, vs, lo, hi, params, points=7, xi_reading=reading)
    assert {c.name for c in fig.curves} >= set(names)
    for c in fig.curves:
        for x, y, ok in zip(c.x, c.log10, c.valid, strict=True):
            given = dict(params, **({"d": curves.D_ALONG_L} if vs in ("L", "d0") and "d" not in params else {}))
            given = {k: v for k, v in given.items() if k in ditrates.get(c.name).keys or k in ("d0", "d", "L")}
            if not ok:
                with pytest.raises(ditrates.ConditionError):
                    _evaluate_real(c.name, vs, x, given, reading)
                continue
            ev = _evaluate_real(c.name, vs, x, given, reading)
            assert math.isclose(y, float(ev.log10), rel_tol=1e-9, abs_tol=1e-12), (c.name, x)
        assert c.valid.any(), c.name


def _evaluate_real(name, vs, x, given, reading):
    """Integer parameters take real values on grids; evaluate the scalar at the same real point."""
    import mpmath

    from ditrates.defaults import resolve

    r = ditrates.get(name)
    return r.evaluate_at(resolve(dict(given, **{vs: mpmath.mpf(x)}), r.keys, strict=False, xi_reading=reading))


def test_failed_conditions_are_gaps_not_zeros():
    """With xi as printed at L = 4, d = 2, eps above min(0.4458, 2^(-1)) fails App. F.2's range: NaN there."""
    fig = curves.figure(["xi"], "eps", 1e-2, 0.99, {"n": "1e5", "L": 4, "d": 2}, points=50, xi_reading="printed")
    c = fig.curves[0]
    inside = c.x <= float(minimiser.edge("printed", {S.L: 4, S.d: 2, S.C_delta: 1})[0])
    assert np.isnan(c.log10[~inside]).all() and not c.valid[~inside].any()
    assert np.isfinite(c.log10[inside]).all() and (c.log10[inside] != 0).all()
    assert c.outside is None


def test_outside_the_ranges_is_drawn_only_on_request_and_marked():
    fig = curves.figure(["xi"], "eps", 1e-2, 0.99, {"n": "1e5", "L": 4, "d": 2}, points=50, outside_range=True)
    c = fig.curves[0]
    inside = c.x <= float(minimiser.edge("printed", {S.L: 4, S.d: 2, S.C_delta: 1})[0])
    assert c.valid.all() and (c.outside == ~inside).all() and fig.to_dict()["outside_range"] is True


def test_a_double_exponential_is_finite_in_log_space():
    """2^((1/eps)^(2L)) at L = 256: log10 about 4e153, no overflow, no NaN."""
    c = curves.figure(["xi"], "n", 1e2, 1e300, {"L": 256, "d": 2, "eps": "0.5"}, points=5).curves[0]
    assert np.isfinite(c.log10).all() and c.log10.min() > 1e153


def test_baselines_trivial_values_and_thresholds():
    fig = curves.figure(["tv-recovery", "subspace-recovery"], "n", 1e2, 1e20, {"d0": 16, **F7}, points=5)
    names = [c.name for c in fig.curves]
    assert names == ["tv-recovery", "subspace-recovery", "chen2023-tv", "oko2023-tv", "hu2025-latent-tv"]
    assert [c.baseline for c in fig.curves] == [False, False, True, True, True]
    assert np.allclose(fig.curves[1].trivial_log10, math.log10(32))  # 2 d0
    assert fig.curves[0].vacuous.all()  # the TV bound exceeds 1 at d0 = 16
    crit = curves.figure(["inference-almost-linear"], "B", 1e-2, 10, {"L": 4096, "d": 8}, points=5)
    assert crit.reference[0] == 0.0  # Alman-Song's threshold is the criterion's baseline (the same ratio)
    assert [(c.name, c.baseline) for c in crit.curves] == [("inference-almost-linear", False),
                                                           ("alman-song-threshold", True)]
    assert not curves.figure(["tv-recovery"], "n", 1e2, 1e5, {"d0": 16, **F7}, points=3, baselines=False).curves[1:]


def test_bad_requests_name_the_problem():
    with pytest.raises(ditrates.DitratesError, match="does not depend on n"):
        curves.figure(["network-size"], "n", 10, 100, {"d0": 16})
    with pytest.raises(ditrates.DitratesError, match="runs along the x-axis"):
        curves.figure(["xi"], "n", 10, 100, {"n": 5, "L": 4})
    with pytest.raises(ditrates.DitratesError, match="LO < HI"):
        curves.parse_range("1e5:1e2", "n")
    with pytest.raises(ditrates.DitratesError, match="float64"):
        curves.parse_range("1e2:1e400", "n")


def _runs(tmp_path):
    """Records as `ditrates experiment run` writes them: two configurations of dit-learned (widths 32 and 64,
    never to be pooled), mlp-learned, and the ambient baseline (its bound has d0 = D)."""
    from ditrates.experiments.plan import digest

    base = {"D": 32, "d0": 8, "d": 2, "T0": 0.01, "T": 5.0, "weighting": "none", "times": "log"}
    models = {("dit", "learned", 32): (0.5, 0.7, 0.2, 0.2), ("dit", "learned", 64): (5.0, 7.0, 2.0, 2.0),
              ("mlp", "learned", 32): (0.9, 1.1, 0.4, 0.6), ("dit", "ambient", 32): (0.1, 0.1, 0.1, 0.1)}
    lines = []
    for (network, projection, width), values in models.items():
        for i, (n, seed) in enumerate([(64, 0), (64, 1), (512, 0), (512, 1)]):
            params = dict(base, n=n, network=network, projection=projection, width=width)
            lines.append({"key": f"{digest(params)}-{seed}", "status": "ok", "point": digest(params), "sweep": "n",
                          "profile": "quick", "model": f"{network}-{projection}", "seed": seed, "c0": 0.5,
                          "params": params, "measurements": {"score_error": {"value": values[i], "se": 0.01}}})
    (tmp_path / "results.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n{cut")
    return tmp_path


def test_runs_overlay_one_series_per_configuration_beside_its_own_bound(tmp_path):
    """Each configuration is its own series (the widths 32 and 64 are not averaged), the mlp's points go beside
    Chen et al.'s bound, the ambient baseline is left out (its bound has d0 = D), and the bound curves take
    the runs' parameters."""
    pytest.importorskip("numpy")
    from ditrates.experiments.overlay import overlay

    names = curves.shown(["score-estimation"], "n")
    measured, run_params, notes = overlay(_runs(tmp_path), names, "n")
    by = {(m.name, m.mean[0]): m for m in measured}
    assert sorted(by) == [("chen2023-score-estimation", 1.0), ("score-estimation", 0.6), ("score-estimation", 6.0)]
    m = by[("score-estimation", 0.6)]
    assert m.x == [64.0, 512.0] and m.mean == pytest.approx([0.6, 0.2])
    assert m.se[0] == pytest.approx(math.sqrt(0.02 / 2))  # the seeds' spread: sd / sqrt(k)
    assert any("dit-ambient" in n and "left out" in n and "d0 = 32" in n for n in notes)
    assert any("unreadable" in n for n in notes)  # the line cut by a crash
    fig = curves.figure(["score-estimation"], "n", 10, 1e4, {"T": 7}, points=5, measured=measured,
                        run_params=run_params, run_notes=notes)
    assert fig.params["d0"] == 8 and fig.params["T"] == 7 and fig.params["c0"] == 0.5  # given values win
    with pytest.raises(ditrates.DitratesError, match="no finished eps-sweep"):
        overlay(tmp_path, names, "eps")


@needs_matplotlib
@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_plot_writes_each_format(tmp_path, suffix, magic):
    out = tmp_path / f"r.{suffix}"
    res = runner.invoke(app, ["plot", "score-estimation", "--vs", "n", "--range", "1e2:1e30", "--d0", "16",
                              "--points", "20", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert out.read_bytes().startswith(magic)


@needs_matplotlib
def test_plot_to_stdout():
    res = runner.invoke(app, ["plot", "xi", "--vs", "n", "--L", "4", "--d", "2", "--points", "5", "-o", "-"])
    assert res.exit_code == 0 and res.stdout.startswith("<?xml")


def test_plot_json_needs_no_matplotlib(tmp_path):
    res = runner.invoke(app, ["plot", "xi", "--vs", "eps", "--L", "4", "--d", "2", "--n", "1e5", "--points", "5",
                              "--json", "--xi-reading", "printed"])
    doc = json.loads(res.stdout)
    assert doc["curves"][0]["log10"][-1] is None and doc["curves"][0]["valid"][-1] is False
    saved = tmp_path / "curves.json"
    res = runner.invoke(app, ["plot", "xi", "--vs", "eps", "--L", "4", "--d", "2", "--n", "1e5", "--points", "5",
                              "--json", "--xi-reading", "printed", "-o", str(saved)])
    assert res.exit_code == 0 and res.stdout == "" and json.loads(saved.read_text())["curves"] == doc["curves"]


@pytest.mark.parametrize("args, message", [
    (["xi", "-o", "/nonexistent-dir/x.png"], "the directory /nonexistent-dir does not exist"),
    (["no-such-result", "-o", "/nonexistent-dir/x.png"], "does not exist"),  # the path is checked first
    (["xi", "-o", "x.txt"], "the suffix must be one of .png, .svg, .pdf"),
    pytest.param(["network-size", "--d0", "16", "-o", "{tmp}/x.png"], "does not depend on n", marks=needs_matplotlib),
    pytest.param(["xi", "--vs", "eps", "--range", "0:2", "-o", "{tmp}/x.png"], "eps must be in (0, 1), got 0",
                 marks=needs_matplotlib),  # without matplotlib, its absence is the error, found first
    (["xi", "--vs", "q", "-o", "{tmp}/x.png"], "'q' is not one of"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    res = runner.invoke(app, ["plot", *[a.format(tmp=tmp_path) for a in args]])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
    assert not list(tmp_path.iterdir())


def test_import_ditrates_and_the_cli_do_not_import_matplotlib():
    code = "import sys, ditrates, ditrates.cli, ditrates.curves; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_the_readme_shows_a_plot_made_by_the_command():
    readme = (ROOT / "README.md").read_text()
    assert "ditrates plot score-estimation tv-recovery --vs n" in readme and "docs/img/rates-vs-n.png" in readme
    assert (ROOT / "docs" / "img" / "rates-vs-n.png").read_bytes().startswith(b"\x89PNG")


# ---- pictures a venue accepts (issue 20.3-20.6, 20.9) ------------------------------------------------------------
def _render(fig, size=None):
    """The matplotlib figure `ditrates plot` draws, after layout."""
    import matplotlib.pyplot as plt

    from ditrates import plot

    with plt.rc_context(plot.RC):
        figure = plot.render(fig, size=size or plot.SIZES["page"])
        figure.canvas.draw()
    return figure


def _lines(figure) -> dict:
    """The curves of the axes by legend label: (colour, dash pattern, marker)."""
    from matplotlib.colors import to_hex

    ax = figure.axes[0]
    return {ln.get_label(): (to_hex(ln.get_color()), ln.get_linestyle(), tuple(ln._dash_pattern[1] or ()),
                             ln.get_marker()) for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def test_every_result_has_one_style_and_no_two_colours_alike():
    from ditrates import styles

    assert set(styles.STYLES) == set(ditrates.names())
    colours = [s.color for s in styles.STYLES.values()]
    assert len(set(colours)) == len(colours)
    assert all(bool(s.dash) == (ditrates.get(n).kind == "baseline") for n, s in styles.STYLES.items())


def test_a_result_keeps_its_colour_and_line_style_in_every_plot():
    """score-estimation is the same colour against n beside the TV rates and against L beside xi (it was orange
    in one and green in the other: colours came from the position in the plot)."""
    from ditrates import styles

    seen = {}
    for names, vs, params in ((["score-estimation", "tv-recovery"], "n", {"d0": 16, **F7}),
                              (["xi", "tv-recovery", "score-estimation"], "L", {"n": "1e6", **F7}),
                              (["subspace-recovery", "score-estimation"], "eps", {"d0": 16, "n": "1e5", **F7})):
        lines = _lines(_render(curves.figure(names, vs, *curves.RANGES[vs], params, points=30)))
        for label, (colour, _, dash, _) in lines.items():
            name = label.split(" ")[0]
            if name in styles.STYLES and label.startswith(f"{name} ("):
                seen.setdefault(name, set()).add(colour)
                assert colour == styles.STYLES[name].color, (label, colour)
                assert "lies on" in label or dash == styles.STYLES[name].dash, (label, dash)
    assert len(seen) >= 6 and all(len(c) == 1 for c in seen.values()), seen


def test_curves_that_coincide_are_drawn_interleaved_and_said_to():
    """Oko et al. at s = 2 and Hu et al. 2025 at beta = 2 are the same rate; the three Section 4 results share rho."""
    from ditrates import styles

    lines = _lines(_render(curves.figure(["tv-recovery"], "n", 1e2, 1e30, {"d0": 16, **F7}, points=40)))
    hu = next(v for k, v in lines.items() if k.startswith("hu2025-latent-tv"))
    assert any(k.startswith("hu2025-latent-tv") and "lies on oko2023-tv" in k for k in lines)
    assert hu[2] == styles.coincide_dash(0, 1) and hu[2] != styles.STYLES["oko2023-tv"].dash
    crit = _lines(_render(curves.figure(["inference-hardness", "inference-almost-linear", "training-almost-linear"],
                                        "B", 1e-2, 10, {"L": 1024, "d": 8}, points=20)))
    dashes = [v[2] for k, v in crit.items() if "lies on inference-hardness" in k]
    assert dashes == [styles.coincide_dash(0, 2), styles.coincide_dash(1, 2)]


def test_a_value_beyond_float_range_is_marked_not_dropped():
    """At eps = 1e-300, tv-recovery is beyond 10^(1.8e308): it is marked at the top, with a legend entry."""
    from ditrates import styles

    fig = curves.figure(["tv-recovery"], "n", 1e2, 1e30, {"d0": 16, "eps": "1e-300", **F7}, points=20,
                        xi_reading="printed")
    assert np.isposinf(fig.curves[0].log10).all() and fig.curves[0].valid.all()
    lines = _lines(_render(fig))
    marks = [v for k, v in lines.items() if k.startswith("tv-recovery: beyond")]
    assert marks and marks[0][0] == styles.STYLES["tv-recovery"].color and marks[0][3] == "^"


def test_axes_have_integer_decades_a_tick_at_the_switch_and_room_above_the_curves():
    from ditrates import plot

    figure = _render(curves.figure(["xi", "score-estimation"], "L", 2, 32, {"n": "1e6", "eps": "0.2"}, points=30))
    ax = figure.axes[0]
    ticks = ax.get_yticks()
    assert ax.get_yscale() == "symlog" and plot.SWITCH in ticks and 0.0 in ticks
    assert all(t in (0.0, plot.SWITCH) or math.log10(abs(t)) == int(math.log10(abs(t))) for t in ticks)  # 10^(10^k)
    assert plot._tick(1e4) == "$10^{10^{4}}$" and plot._tick(100.0) == "$10^{100}$"
    top = max(np.nanmax(c.log10) for c in curves.figure(["xi"], "L", 2, 32, {"n": "1e6", "eps": "0.2"}).curves)
    assert ax.get_ylim()[1] >= top * 1.5 and ax.get_ylim()[1] in ticks  # a labelled tick above the top curve
    figure = _render(curves.figure(["score-estimation", "tv-recovery"], "n", 1e2, 1e30, {"d0": 16, **F7}, points=30))
    ax = figure.axes[0]
    lo, hi = ax.get_ylim()
    assert all(t == int(t) for t in ax.get_yticks()) and hi in ax.get_yticks()
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        if line.get_transform() == ax.transData and np.isfinite(y).any():
            assert lo < np.nanmin(y) and np.nanmax(y) < hi, line.get_label()  # never on the border


@pytest.mark.parametrize("size, width", [("column", 3.4), ("page", 7.0), ("5x3", 5.0)])
def test_sizes_fonts_legend_and_rho_for_print(size, width):
    """At the printed size every text is at least 8 pt, the legend lies outside the axes, the width is the
    size's; criteria plots name rho; distinct trivial values have distinct line styles."""
    from matplotlib.text import Text

    from ditrates import plot

    for fig in (curves.figure(["tv-recovery", "subspace-recovery"], "n", 1e2, 1e30, {"d0": 16, **F7}, points=20),
                curves.figure(["inference-almost-linear"], "B", 1e-2, 10, {"L": 4096, "d": 8}, points=20)):
        figure = _render(fig, plot.parse_size(size))
        assert figure.get_size_inches()[0] == pytest.approx(width)
        texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert texts and min(t.get_fontsize() for t in texts) >= plot.FONT
        legend, ax = figure.legends[0], figure.axes[0]
        assert not legend.get_window_extent().overlaps(ax.get_window_extent())
        assert 0 <= legend.get_window_extent().x0 and legend.get_window_extent().x1 <= figure.bbox.width
    assert "rho" in ax.get_ylabel() or "\\rho" in ax.get_ylabel()
    trivial = _lines(_render(curves.figure(["tv-recovery", "subspace-recovery"], "n", 1e2, 1e30, {"d0": 16, **F7})))
    styles_of = {v[2] for k, v in trivial.items() if k.startswith("trivial value of")}
    assert len(styles_of) == 2


def test_pdfs_embed_truetype_and_pngs_are_300_dpi(tmp_path):
    import struct

    for suffix in ("pdf", "png"):
        res = runner.invoke(app, ["plot", "xi", "--vs", "n", "--L", "4", "--d", "2", "--points", "20", "--size",
                                  "column", "-o", str(tmp_path / f"x.{suffix}")])
        assert res.exit_code == 0, res.stderr
    pdf = (tmp_path / "x.pdf").read_bytes()
    assert b"/Type3" not in pdf and b"/FontFile2" in pdf
    png = (tmp_path / "x.png").read_bytes()
    assert struct.unpack(">I", png[16:20])[0] == round(3.4 * 300)  # IHDR width: 3.4 in at 300 dpi
    res = runner.invoke(app, ["plot", "xi", "--size", "3x", "-o", str(tmp_path / "y.png")])
    assert res.exit_code == 2 and "--size must be column, page or WxH" in res.stderr


def test_runs_overlay_in_colour_with_one_marker_each_over_the_runs_range(tmp_path):
    """Each measured series has its own marker, in the colour of the result it faces; the x-axis spans the runs;
    a given --d0 that differs from the runs' is kept with a warning."""
    from ditrates.experiments.overlay import differing, overlay, x_range

    names = curves.shown(["score-estimation"], "n")
    measured, run_params, notes = overlay(_runs(tmp_path), names, "n")
    fig = curves.figure(["score-estimation"], "n", *x_range(measured), {}, points=10, measured=measured,
                        run_params=run_params)
    figure = _render(fig)
    ax = figure.axes[0]
    series = [(c.get_children()[0].get_color(), c.get_children()[0].get_marker()) for c in ax.containers]
    assert len(series) == 3 and len({m for _, m in series}) == 3
    lo, hi = ax.get_xlim()
    assert lo < 64 and hi > 512 and hi / lo < 20  # the runs fill the axis (not 16..4096 in 1e1..1e30)
    assert differing({"d0": "16"}, run_params) and not differing({"d0": "8"}, run_params)
    res = runner.invoke(app, ["plot", "score-estimation", "--runs", str(tmp_path), "--d0", "16", "--points", "5",
                              "-o", str(tmp_path / "r.png")])
    assert res.exit_code == 0 and "warning: --d0 16 differs from the runs' d0 = 8" in res.stderr, res.stderr


def test_plot_runs_takes_n_from_the_runs_and_runs_along_D(tmp_path):
    root = ROOT / "docs" / "runs"
    for vs, directory in (("d0", "d0"), ("D", "D")):
        res = runner.invoke(app, ["plot", "score-estimation", "--vs", vs, "--runs", str(root / directory),
                                  "--points", "8", "-o", str(tmp_path / f"{vs}.png")])
        assert res.exit_code == 0, res.stderr
        assert "n = 512" in res.stderr
