"""The page (issues 14.2-14.4, 20.4-20.8) in a real browser: headless Chromium from the distribution, via selenium.

Every displayed number is compared with the Python evaluation at random valid parameters drawn with
ditrates.testing; bad input must show the CLI's sentence, on the rows that use the field and no others; each result
keeps its colour in both charts; values beyond float range are marked; no exponent is set too small to read; the
console must stay clean; docs/page must be current.
"""

import math
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ditrates import defaults, report, styles, xi
from ditrates.cli import app
from ditrates.errors import DitratesError
from ditrates.formatting import format_log10, format_number
from ditrates.page import build
from ditrates.page.generate import INPUTS
from ditrates.page.prose import for_page
from ditrates.registry import GROUPS, PRESETS, get
from ditrates.symbols import PARAMS
from ditrates.testing import params

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
CI = os.environ.get("CI", "").lower() == "true"
pytestmark = pytest.mark.skipif((CHROMIUM is None or DRIVER is None) and not CI,
                                reason="chromium and chromium-driver are not installed (under CI=true this must run)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1320,1400")
CRITERIA = GROUPS["computational"] + ("alman-song-threshold",)
RATES = tuple(n for g in GROUPS.values() for n in g if n not in CRITERIA)
REPORTS = (RATES, CRITERIA)
"""The page's two tables of rows (app.js REPORTS): the rates, and the Section 4 criteria (which need B)."""
DRAWN = ("xi", "score-estimation", "tv-recovery", "score-approximation", "subspace-recovery",
         "chen2023-score-estimation", "oko2023-tv", "inference-almost-linear", "network-size")
LOG10_OVERFLOW = 7.7e307
"""Beyond this log10 the natural log leaves float64: the page shows '> 10^(1.8e+308)' (as the numpy grid does)."""
MISSING = r"\S+ is needed \(.*; no default\)"
runner = CliRunner()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    assert CHROMIUM and DRIVER, "chromium is required under CI=true (.ci/run installs chromium, chromium-driver)"
    from selenium import webdriver

    directory = tmp_path_factory.mktemp("page")
    build.write(directory)
    opts = webdriver.ChromeOptions()
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        opts.add_argument(flag)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(DRIVER), options=opts)
    driver.get((directory / "index.html").as_uri())
    yield driver
    logs = driver.get_log("browser")
    driver.quit()
    assert not [e for e in logs if e["level"] in ("SEVERE", "WARNING")], logs


SET = """
const [values, reading, outside] = arguments;
for (const k of RESULTS.inputs) document.getElementById('in-' + k).value = values[k] ?? '';
document.getElementById('xi-reading').value = reading;
document.getElementById('outside-range').checked = outside;
window.ditratesPage.update();
const rows = {};
for (const tr of document.querySelectorAll('#rows tbody tr')) {
  const td = tr.children;
  rows[tr.id.slice(4)] = {text: td[2].textContent, log10: tr.dataset.log10, reading: td[4].textContent,
                          note: td[5].textContent, cls: tr.className};
}
const shown = {};
for (const k of RESULTS.inputs) {
  const v = document.getElementById('val-' + k), w = document.getElementById('why-' + k);
  shown[k] = {text: v ? v.textContent : null, why: w.textContent};
}
const readings = {};
for (const tr of document.querySelectorAll('#readings tbody tr')) {
  const td = tr.children;
  readings[tr.id.slice(8)] = {range: td[1].textContent, eps: td[2].textContent, value: td[3].textContent};
}
const error = document.getElementById('error');
return {rows, shown, readings, error: error.hidden ? '' : error.textContent};
"""


def show(driver, values: dict, reading: str = "printed", outside: bool = False) -> dict:
    return driver.execute_script(SET, {k: str(v) for k, v in values.items()}, reading, outside)


def _text(v) -> str:
    return repr(float(v)) if isinstance(v, float) else str(v)


def _field_errors(raw: dict) -> dict:
    """Each field's own error (its syntax or domain), as the page checks them one by one."""
    bad = {}
    for k, text in raw.items():
        try:
            defaults.resolve({k: text}, ())
        except DitratesError as e:
            bad[k] = str(e)
    return bad


def _expected(values: dict, reading: str, outside: bool = False):
    """What the page must show, row by row: a row that uses a bad field (itself or through a default) shows that
    field's error; the other rows of a table are report.evaluate of them together, without the bad fields (and
    share its error if it fails). Returns the inputs, the bad fields, and per table {name: (error messages or
    None, row, report)}."""
    raw = {k: _text(values[k]) for k in (*INPUTS, *PARAMS) if k in values}
    bad = _field_errors(raw)
    ok = {k: v for k, v in raw.items() if k not in bad}
    out = []
    for names in REPORTS:
        rows, live = {}, []
        for n in names:
            used = [bad[k] for k in sorted(defaults._closure(set(get(n).keys), set(raw))) if k in bad]
            if used:
                rows[n] = (used, None, None)
            else:
                live.append(n)
        try:
            rep = report.evaluate(live, ok, xi_reading=reading, outside_range=outside) if live else None
            rows.update({row.result.name: (None, row, rep) for row in (rep.rows if rep else ())})
        except DitratesError as e:
            rows.update({n: ([str(e)], None, None) for n in live})
        out.append(rows)
    return raw, bad, out


def _on_a_boundary(result, resolved) -> bool:
    """Whether a condition of ``result`` holds with equality to 12 digits (e.g. T0 = 1/L_s+ drawn as a float)."""
    import mpmath

    from ditrates.numerics import plain_eval

    vals = resolved.symbol_values()
    for c in result.conditions:
        lhs, rhs = (mpmath.mpf(plain_eval(side, vals)) if not hasattr(plain_eval(side, vals), "numerator") else
                    mpmath.mpf(plain_eval(side, vals).numerator) / plain_eval(side, vals).denominator
                    for side in (c.relation.lhs, c.relation.rhs))
        if abs(lhs - rhs) <= 1e-12 * max(abs(lhs), abs(rhs)):
            return True
    return False


def _same_sentence(shown: str, expected: str) -> bool:
    """The same words, and numbers of three digits that agree but for a tie rounded the other way in doubles."""
    number = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"
    a, b = re.split(number, shown), re.split(number, expected)
    x, y = re.findall(number, shown), re.findall(number, expected)
    return a == b and len(x) == len(y) and all(math.isclose(float(u), float(v), rel_tol=3e-3)
                                               for u, v in zip(x, y, strict=True))


def check(driver, values: dict, reading: str, outside: bool = False) -> int:
    """Compare every row and every parameter the page shows with Python; returns the number of values compared."""
    raw, bad, tables = _expected(values, reading, outside)
    got = show(driver, raw, reading, outside)
    compared, reports = 0, []
    for rows in tables:
        for name, (errors, row, rep) in rows.items():
            page = got["rows"][name]
            if errors is not None:
                if any(re.fullmatch(MISSING, e) for e in errors):  # Python names the first missing key of a set
                    assert re.fullmatch(MISSING, page["note"]), (raw, errors, page)
                else:
                    assert page["note"] in errors and page["cls"] == "failed", (raw, errors, page)
                assert page["note"] in got["error"].split(" | ")
                continue
            if rep not in reports:
                reports.append(rep)
            if (page["cls"] == "failed") != (not row.ok) and _on_a_boundary(row.result, rep.resolved):
                continue  # decided exactly in Python, in doubles in the browser: a tie either way
            if not row.ok:
                assert page["note"] == row.message and page["cls"] == "failed", (raw, reading, row.message, page)
                continue
            expected = float(row.log10)
            if abs(expected) > LOG10_OVERFLOW:
                assert page["text"] == "> 10^(1.8e+308)" and page["log10"] == "Infinity", (raw, page)
                continue
            assert math.isclose(float(page["log10"]), expected, rel_tol=1e-9, abs_tol=1e-12), (
                raw, reading, row.result.name, page, expected)
            assert page["text"] == row.text, (raw, row.result.name, page, row.text)
            assert page["reading"] == (row.reading.value if row.reading is not None else "")
            assert ("vacuous" in page["cls"].split()) == bool(row.vacuous)
            assert ("outside" in page["cls"].split()) == bool(row.outside)
            assert all(c.text() in page["note"] for c in row.outside)
            if not row.vacuous and not row.outside:
                assert _same_sentence(page["note"], row.verdict), (raw, row.result.name, page, row.verdict)
            compared += 1
    for k in bad:
        assert got["shown"][k]["why"] == bad[k] and got["shown"][k]["text"] == "" and bad[k] in got["error"]
    for rep in reports:
        for k in rep.resolved.values:
            if k in got["shown"] and got["shown"][k]["text"] is not None:
                text = {row[0]: row[1] for row in report.param_rows(rep.resolved, [k])}[PARAMS[k].label]
                assert got["shown"][k]["text"] == text, (raw, k, got["shown"][k])  # as the CLI's Parameters table
                why = for_page(rep.resolved.reasons.get(k, "given"))
                assert got["shown"][k]["why"] == why, (raw, k, got["shown"][k])
    return compared


DRAWS = st.tuples(st.sampled_from(DRAWN), st.sampled_from(xi.CHOICES)).flatmap(
    lambda nr: st.tuples(params(nr[0], xi_reading=nr[1]), st.just(nr[1]),
                         st.one_of(st.none(), st.floats(0.01, 5).map(lambda b: round(b, 6)))))
COMPARED = []


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                 HealthCheck.too_slow])
@given(draw=DRAWS)
def test_every_displayed_value_equals_the_python_evaluation(page, draw):
    """At least 50 valid parameter sets of ditrates.testing, in each reading of xi: values, texts, readings,
    vacuity, failed conditions (the same sentence), defaults and their reasons, all as Python computes them."""
    values, reading, B = draw
    if B is not None and "B" not in values:
        values = dict(values, B=B)
    COMPARED.append(check(page, values, reading))


def test_enough_parameter_sets_were_compared():
    assert len(COMPARED) >= 50 and sum(COMPARED) >= 50 * 5, COMPARED


@pytest.mark.parametrize("values, reading, outside", [
    ({"d0": 4096, "d": 16, "n": "1e5"}, "printed", False),              # eps = 2^(-8): log10 xi beyond float64
    ({"d": 2, "L": 500, "n": "1e7", "eps": "0.5"}, "printed", False),   # 2^(2^1000): about 10^(10^300)
    ({"d0": 16, "n": "1e1200"}, "printed", False),                      # n beyond float64
    ({"d0": 256, "d": 2, "n": "1e9", "eps": "0.001"}, "covering-line", False),  # log10 beyond float64
    ({"d0": 16, "n": "1e5", "B": "0.5", "T0": "1e-290", "c0": "3"}, "printed", True),  # past Lemma F.7, marked
    ({"d0": 16, "n": "1e9", "C_K": "3", "C_est": "10", "C_tv": "0.5", "B": "2", "kappa": "0.25"}, "printed", False),
    ({"d0": 16, "n": "1e5", "eps": "0.9"}, "covering-line", True),      # past the construction range, marked
])
def test_extreme_values_never_overflow_in_the_browser(page, values, reading, outside):
    check(page, values, reading, outside)
    got = show(page, values, reading, outside)
    assert "NaN" not in str(got) and "Infinity" not in str([r["text"] for r in got["rows"].values()
                                                              if r["log10"] != "Infinity"])


def _cli_error(*args: str) -> str:
    res = runner.invoke(app, ["bound", *args])
    assert res.exit_code == 2 and res.stderr.startswith("ditrates: error: ")
    return res.stderr.removeprefix("ditrates: error: ").strip()


@pytest.mark.parametrize("values", [
    {"d0": "16", "n": "1e5", "eps": "1.5"},
    {"d0": "16", "n": "abc"},
    {"d0": "16", "n": "1.5"},
    {"d0": "16", "L": "3", "n": "1e5"},
    {"d0": "16", "d": "4", "L": "2", "n": "1e5"},
    {"d0": "7", "n": "1e5"},
    {"d0": "16", "n": "nan"},
])
def test_bad_input_shows_the_cli_message(page, values):
    args = [a for k, v in values.items() for a in (f"--{k}", v)]
    assert show(page, values)["error"].split(" | ")[0] == _cli_error(*args)


def test_a_failed_condition_shows_the_cli_sentence(page):
    """xi as printed at eps = 0.6, beyond App. F.2's range at L = 4: the row says what `ditrates bound --json` says."""
    import json

    res = runner.invoke(app, ["bound", "--d0", "16", "--n", "1e5", "--eps", "0.6", "--xi-reading", "printed",
                              "--json"])
    errors = {r["name"]: r["error"] for r in json.loads(res.stdout)["results"] if r["status"] == "failed"}
    got = show(page, {"d0": 16, "n": "1e5", "eps": "0.6"}, "printed")
    assert errors and all(got["rows"][n]["note"] == msg for n, msg in errors.items())
    assert "eps <= 0.4457 at L = 4" in got["rows"]["xi"]["note"]


@pytest.mark.parametrize("values", [{"d0": "16", "n": "1e5"}, {"d0": "8", "d": "2", "n": "1e300"},
                                    {"d0": "16", "n": "1e5", "eps": "0.6"}])
def test_the_readings_table_is_the_sensitivity_table_of_show_xi(page, values):
    """Every reading of xi side by side, as report.sensitivity (ditrates show xi) computes it."""
    got = show(page, values)["readings"]
    for x in report.sensitivity("xi", values):
        cell = got[x.reading.value]
        assert cell["range"] == f"eps <= {x.report.shown_edge}", (cell, x.report.shown_edge)
        assert cell["value"] == (x.row.text if x.row.ok else x.row.message)
        assert cell["eps"] == format_number(x.report.resolved.values["eps"])


def test_missing_B_fails_only_the_criteria(page):
    got = show(page, {"d0": 16, "n": "1e5"})
    assert got["rows"]["inference-almost-linear"]["note"].startswith("B is needed (")
    assert got["rows"]["xi"]["log10"] and got["error"].startswith("B is needed (")


@pytest.mark.parametrize("x", [0.0, 1e-7, 0.000123456, 0.08152260413604215, 0.99995, 0.99999996, 1.0, 9.9995,
                               12345.678, 1e7, 123456789.0, 1e12, -3.5, 2.5e5, 1e299, -400.0, 4.036e153])
def test_number_formatting_is_pythons(page, x):
    """Fmt.log10 is format_log10 and Fmt.number is format_number (floats, ints), as the CLI prints them."""
    got = page.execute_script(
        "const x = arguments[0]; const v = {s: Math.sign(x), l: Math.log(Math.abs(x)), x, int: false};"
        "return [Fmt.log10(x), Fmt.number(v), Number.isInteger(x) && Math.abs(x) < 1e16 ?"
        " Fmt.number({...v, int: true}) : null];", x)
    import mpmath

    assert got[0] == format_log10(x)
    assert got[1] == format_number(mpmath.mpf(x))
    if got[2] is not None:
        assert got[2] == format_number(int(x))


def test_the_page_renders_every_formula_as_mathml_and_has_no_console_error(page):
    n = page.execute_script("return document.querySelectorAll('section.result').length")
    maths = page.execute_script("return [...document.querySelectorAll('section.result math')]"
                                ".filter(m => m.getBoundingClientRect().width > 10).length")
    assert n == len(RATES) + len(CRITERIA) and maths > 2 * n
    assert page.execute_script("return document.querySelectorAll('#chart-n canvas, #chart-L canvas').length") >= 2


def test_docs_page_is_current_and_small():
    files = build.files()
    committed = ROOT / "docs" / "page"
    stale = [name for name, content in files.items()
             if not (committed / name).is_file() or (committed / name).read_bytes() != content]
    assert not stale, f"run `ditrates page -o docs/page`: stale {stale}"
    assert sum(len(c) for c in files.values()) < 1_000_000
    assert "MIT" in files["LICENSE-uPlot.txt"].decode()


# ---- issue 20.4-20.8: colours, values beyond float range, formulas, inputs ----------------------------------------
CHARTS = """
return Object.fromEntries(Object.entries(window.ditratesPage.charts).map(([id, u]) => [id, {
  series: u.series.slice(1).map((s) => ({label: s.label, stroke: s._stroke, dash: s.dash || []})),
  data: u.data.map((col) => Array.from(col, (v) => (v === null || v === undefined ? null : v))),
  off: u.ditrates.off.map((flags) => flags.filter(Boolean).length), on: u.ditrates.on,
  ticks: u.ditrates.ticks.map((t) => t[1]), current: u.ditrates.current, top: u.bbox.top / devicePixelRatio,
  topTick: Math.max(...u.ditrates.ticks.map((t) => t[0])) === u.scales.y.max,
  box: (({left, top, width}) => ({left, top, width}))(u.root.getBoundingClientRect())}]));
"""


def _charts(driver, values: dict, reading: str = "printed") -> dict:
    show(driver, values, reading)
    return driver.execute_script(CHARTS)


def test_a_bad_field_blanks_only_the_rows_that_use_it(page):
    """B = 0 blanks the Section 4 rows and no other; a bad c0 blanks the rows whose T0 defaults from it; a bad
    delta_F (which no row uses) shows its error beside the field; every other row is Python's number."""
    for values, field in (({"d0": 16, "n": "1e5", "B": "0"}, "B"),
                          ({"d0": 16, "n": "1e5", "B": "0.5", "c0": "abc"}, "c0"),
                          ({"d0": 16, "n": "1e5", "B": "0.5", "delta_F": "x"}, "delta_F")):
        raw, bad, tables = _expected(values, "printed")
        assert set(bad) == {field}
        got = show(page, values)
        blanked = {n for rows in tables for n, (errors, _, _) in rows.items() if errors}
        assert {n for n, r in got["rows"].items() if r["note"] == bad[field]} == blanked
        assert got["shown"][field]["why"] == bad[field] and bad[field] in got["error"]
        assert len(blanked) < len(got["rows"]) - 4  # most rows still show a number
        check(page, values, "printed")
    assert {n for n, r in show(page, {"d0": 16, "n": "1e5", "B": "0"})["rows"].items() if r["cls"] == "failed"
            and r["note"].startswith("B must be")} == set(CRITERIA)
    got = show(page, {"d0": 16, "n": "1e5", "B": "0.5", "delta_F": "0.01"})
    assert got["shown"]["delta_F"] == {"text": "0.01", "why": "given"}
    assert show(page, {"d0": 16, "n": "1e5", "B": "0.5"})["shown"]["delta_F"]["text"] == "0.25"  # 1/L


def test_mu_beta_and_a_preset_are_inputs(page):
    check(page, {"d0": 16, "n": "1e6", "mu": "0.002", "T0": "0.1", "beta": "3", "B": "0.5"}, "printed")
    name = "DiT-XL/2"
    page.execute_script(f"const s = document.getElementById('preset'); s.value = [...s.options].find((o) => "
                        f"o.textContent.startsWith('{name} ')).value; s.dispatchEvent(new Event('change'));"
                        "document.getElementById('in-n').value = '1e6'; window.ditratesPage.update();")
    shown = {k: page.execute_script(f"return document.getElementById('in-{k}').value") for k in ("d0", "d", "L", "D")}
    assert shown == {k: str(v) for k, v in PRESETS[name].values().items()}
    check(page, {**shown, "n": "1e6", "B": "0.5"}, "printed")


def test_each_result_keeps_its_colour_in_every_chart(page):
    """A result has the colour and dash of ditrates.styles in both charts (score-estimation was orange against n and
    green against L); a curve on another is dashed and said to be."""
    seen = {}
    for values in ({"d0": 16, "n": "1e5"}, {"d0": 64, "n": "1e9", "eps": "0.3"}):
        for chart in _charts(page, values).values():
            for s in chart["series"]:
                name = s["label"].split(" ")[0]
                if name in styles.STYLES:
                    assert s["stroke"] == styles.STYLES[name].color, s
                    assert "lies on" in s["label"] or tuple(s["dash"]) == styles.STYLES[name].dash, s
                    seen.setdefault(name, set()).add(s["stroke"])
            for later, earlier in chart["on"].items():
                assert any(s["label"].startswith(f"{later} (lies on {earlier}") for s in chart["series"])
    both = set(build_charts("n")) & set(build_charts("L"))
    assert {"xi", "score-estimation", "tv-recovery"} <= both <= set(seen)
    assert all(len(c) == 1 for c in seen.values())


def build_charts(key: str) -> tuple:
    from ditrates.page.generate import charts

    return charts()[key]


def test_a_value_beyond_float_range_is_drawn_or_marked(page):
    """At eps = 1e-300 the DiT rates exceed 10^(1.8e308): each is marked off scale (it vanished before, while the
    caption spoke of failed conditions); every series is drawn, marked or said to fail."""
    charts = _charts(page, {"d0": 16, "n": "1e5", "eps": "1e-300", "c0": "2", "L_h": "0.5", "T0": "0.5"}, "printed")
    for chart in charts.values():
        for j, s in enumerate(chart["series"]):
            drawn = sum(v is not None for v in chart["data"][j + 1])
            if j < len(chart["off"]):
                assert drawn + chart["off"][j] > 0, s["label"]
                assert (chart["off"][j] > 0) == ("off scale" in s["label"]), s["label"]
    n = charts["chart-n"]
    assert [s["label"].split(" ")[0] for j, s in enumerate(n["series"]) if j < len(n["off"]) and n["off"][j]] == [
        "xi", "score-estimation", "subspace-recovery", "tv-recovery"]
    assert "beyond 10^(1.8e308), off scale" in page.execute_script("return document.querySelector('.key').textContent")


def test_axes_have_integer_decades_and_mark_the_current_n_and_L(page):
    charts = _charts(page, {"d0": 16, "n": "1e5"})
    decade = re.compile("1|10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|10\\^\\(10[⁰¹²³⁴⁵⁶⁷⁸⁹]+\\)")
    for chart in (*charts.values(), *_charts(page, {"d0": 16, "n": "1e5", "eps": "0.2"}, "printed").values()):
        assert chart["ticks"] and all(decade.fullmatch(t) for t in chart["ticks"]), chart["ticks"]
        assert chart["topTick"] and chart["top"] >= 8  # a labelled tick at the top, with room for its label
    assert charts["chart-n"]["current"] == pytest.approx(5)
    assert charts["chart-L"]["current"] == pytest.approx(math.log10(4))
    assert max(charts["chart-L"]["data"][0]) >= math.log10(256)  # L reaches 256 and beyond, on a log axis
    xs = charts["chart-L"]["data"][0]
    Ls = [round(10**x) for x in xs]
    assert Ls[0] == 2 and len([L for L in Ls if L <= 16]) >= 8 and len(Ls) < 100  # geometric: a log axis
    dbl = _charts(page, {"d": 4, "n": "1e6", "eps": "0.2"}, "printed")["chart-L"]["ticks"]
    assert dbl[:2] == ["1", "10¹⁰"] and len(dbl) > 3  # the switch at 10^10, then 10^(10^k), k > 1
    assert all(t.startswith("10^(10") and t != "10^(10¹)" for t in dbl[2:]), dbl
    n, L = charts["chart-n"]["box"], charts["chart-L"]["box"]
    assert n["top"] == L["top"] and L["left"] > n["left"] + n["width"] - 1  # side by side, sharing the width
    assert n["width"] + L["width"] > 0.8 * page.execute_script("return document.body.clientWidth")


def test_exponents_are_set_at_a_readable_size(page):
    """The exponent of (L/eps)^(8 C_K / eps^(2L)) rendered at 3.5 px: no token of any formula is below 9 px, and
    that one is at least 0.6 of its formula's size (Chromium's computed font size)."""
    smallest = page.execute_script(
        "return Math.min(...[...document.querySelectorAll('section.result math :is(mi, mn, mo)')]"
        ".map((e) => parseFloat(getComputedStyle(e).fontSize)))")
    assert smallest >= 9, smallest
    ratio = page.execute_script("""
      const form = document.querySelector('#r-xi .form:nth-of-type(2) math');
      const deepest = [...form.querySelectorAll('msup msup > :last-child, mfrac msup > :last-child')].pop();
      const token = deepest.matches('mi, mn') ? deepest : deepest.querySelector('mi, mn');
      return parseFloat(getComputedStyle(token).fontSize) / parseFloat(getComputedStyle(form).fontSize);""")
    assert ratio >= 0.6, ratio


def test_formulas_stand_without_ascii_mathematics_and_notes_name_only_what_the_page_has():
    """Beside the MathML: no <=, ^( or _{ in the prose, beta as a symbol, no notes file cited, and the command
    line's options said to be the command line's."""
    index = build.files()["index.html"].decode()
    start = index.index('<section class="result"')
    sections = re.sub(r"<math.*?</math>|<code>.*?</code>", "", index[start:], flags=re.S)
    text = re.sub(r"<[^>]+>", "", sections)
    for ascii_math in ("<=", ">=", "^(", "_{", "||", " eps ", "sqrt("):
        assert ascii_math not in text, (ascii_math, text[max(0, text.find(ascii_math) - 60):][:120])
    assert "<mi>β</mi>" in index and "<mi>beta</mi>" not in index and "<mi>μ</mi>" in index
    assert ".md" not in text and "RESULTS" not in index
    plain = re.sub(r"<[^>]+>", "", index)
    assert all(plain[i - 15:i] == "command line's " for i in (m.start() for m in re.finditer("--explicit", plain)))
