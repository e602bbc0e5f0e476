"""The command line, through typer's test runner and as a subprocess (issues 2, 3, 9, 10).

The regression table :data:`CASES` holds every command that issues 9 and 10 name: its exit code and a
phrase of what it must print (stdout for exit 0, the one stderr line for exit 2).
"""

import json
import os
import re
import subprocess
import sys

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ditrates
from ditrates.cli import app
from ditrates.formatting import format_number
from ditrates.testing import params

runner = CliRunner()
ANSI = "\x1b["


def run(*args, env=None):
    return runner.invoke(app, list(args), env=env)


def run_json(*args):
    res = run(*args, "--json")
    assert res.exit_code == 0, res.stderr
    assert ANSI not in res.stdout
    doc = json.loads(res.stdout)
    assert doc["schema_version"] == 1 and doc["paper"] == "arXiv:2407.01079"
    return doc


CASES = [
    # issue 10.1: no traceback anywhere
    (["bound", "--d0", "1e999", "--n", "1e5"], 0, "10^(10^(10^(998.5)))"),
    (["bound", "--d0", "1e999", "--n", "1e5", "--eps", "0.5"], 0, "FAILS: delta = C_delta eps^(2/d) <= 1/2"),
    (["criteria", "--L", "4096", "--d", "64", "--B", "100"], 0, "crossover L"),
    (["criteria", "--L", "4096", "--d", "8", "--B", "1e300"], 0, "not costed"),
    (["criteria", "--L", "4096", "--d", "8", "--B", "1e-300"], 0, "below the hardness threshold"),
    (["criteria", "--L", "1e999", "--d", "8", "--B", "1"], 0, "efficient side of Prop. 4.2"),
    (["criteria", "--L", "4096", "--d", "1e999", "--B", "1"], 0, "not costed"),
    (["bound", "--d0", "16", "--n", "1e5", "--T0", "20", "--T", "100"], 0, "FAILS: T0 <= Min"),
    # issue 10.2: solve answers mean what they say
    (["solve", "chen2023-score-estimation", "--for", "n", "--target", "0.05", "--d0", "16"], 0, "smallest n"),
    (["solve", "tv-recovery", "--for", "n", "--target", "0.5", "--d0", "16", "--c0", "2", "--L_h", "0.5", "--T0",
      "0.5"], 0, "smallest n"),
    (["solve", "network-size", "--for", "eps", "--target", "1e6", "--d0", "16"], 0, "smallest eps"),
    (["solve", "network-size", "--for", "eps", "--target", "10", "--d0", "16"], 2, "out of reach"),  # K >= 2^16
    (["solve", "xi", "--for", "n", "--target", "1e-3", "--L", "4", "--d", "4"], 2, "its smallest value there is"),
    (["solve", "xi", "--for", "eps", "--n", "1e5", "--L", "4", "--d", "4", "--target", "1e-3"], 2, "out of reach"),
    (["solve", "score-estimation", "--for", "n", "--target", "0.05", "--d0", "16", "--range", "1:1e3"], 2,
     "for n in [1, 1000]"),
    (["solve", "score-estimation", "--for", "n", "--d0", "16", "--range", "1e3"], 2, "--range expects LO:HI"),
    # issue 10.3: no silent conflict, one name per symbol
    (["bound", "--d0", "16", "--n", "1e5", "--eps", "0.5", "--set", "eps=0.6"], 2, "eps is given twice"),
    (["bound", "--d0", "16", "--n", "1e5", "--set", "d0=32"], 2, "d0 is given twice"),
    (["criteria", "--L", "4096", "--d", "8", "--B", "1", "--set", "kappa=2", "--temperature", "1/d"], 2,
     "not both"),
    (["bound", "--n", "1e5"], 2, "d0 is needed"),
    (["bound", "--d0", "16", "--n", "1e5", "--Ls", "2"], 0, "Ls           2"),
    (["criteria", "--L", "4096", "--d", "8", "--B", "1", "--eps", "1e-3"], 2, "No such option: --eps"),
    (["criteria", "--L", "4096", "measure", "nothing"], 2, "do not apply"),
    # issue 10.4: outputs behave as Unix tools do
    (["latex", "xi", "-o", "-"], 0, "\\label{ditrates:xi}"),
    (["sheet", "-o", "out.txt"], 2, "suffix must be one of .pdf, .tex"),
    (["sheet", "-o", "/nonexistent/dir/rates.pdf"], 2, "does not exist"),
    # issue 10.5-10.6: LaTeX, help and conveniences
    (["latex", "--values", "--d0", "16", "--n", "1e5"], 0, "\\toprule"),
    (["compare", "--d0", "16", "--n", "1e5", "--latex"], 0, "\\begin{table}"),
    (["criteria", "--L", "4096", "--d", "8", "--B", "1", "--csv"], 0, "result,source,verdict"),
    (["bound", "--d0", "16", "--n", "1e5", "--csv"], 0, "result,source,bound,log10,order,xi,note"),
    (["-V"], 0, f"ditrates {ditrates.__version__}"),
    (["cite"], 0, "@inproceedings{alman2023fast,"),
    (["show", "Thm 3.2"], 0, "score-estimation: Theorem 3.2"),
    (["show", "Theorem 3.1"], 2, "names 2 results"),
    # issue 9: readings, rows and verdicts inside their hypotheses
    (["bound", "--d0", "16", "--n", "1e5", "--eps", "0.6", "--xi-reading", "printed"], 0,
     "eps <= 0.4457 at L = 4"),
    # issue 18: the paper's own premises
    (["bound", "--d0", "16", "--n", "1e5"], 0, "FAILS: T0 <= min{2 log(d0/C_sh)"),
    (["bound", "--d0", "16", "--n", "1e5", "--outside-range"], 0, "OUTSIDE: T0 <= min{2 log(d0/C_sh)"),
    (["bound", "--d0", "16", "--n", "1e5", "--xi-reading", "auto"], 2, "'auto' is not one of"),
    (["bound", "--d0", "16", "--n", "1e5", "--xi-reading", "covering-line"], 0, "(covering-line repair)"),
    (["show", "xi", "--d0", "16", "--n", "1e5"], 0, "not in the paper: a repair"),
    (["show", "chen2023-tv", "--n", "1e5"], 2, "not built on xi"),
    (["bound", "--d0", "16", "--n", "1e5", "--T0", "2"], 0, "FAILS: T0 <= Min(1/Ls, c0)"),
    (["bound", "--d0", "16", "--n", "1e5", "--d", "8", "--L", "3"], 2, "differs from d L"),
    (["criteria", "--L", "4096", "--d", "1", "--B", "100"], 0, "does not speak to this instance"),
    (["bound", "--d0", "16", "--n", "1e5", "--xi-reading", "sideways"], 2, "'sideways' is not one of"),
    # issue 19.1: solve finds what bound finds, whatever the bound's shape
    (["solve", "score-approximation", "--for", "t", "--target", "2.0001", "--d0", "16", "--eps", "0.5", "--T", "10",
      "--T0", "0.1"], 0, "beyond, condition t <= T"),  # met only next to where t <= T stops holding
    (["solve", "score-approximation", "--for", "t", "--target", "1.9", "--d0", "16", "--eps", "0.5", "--T", "10",
      "--T0", "0.1"], 2, "its smallest value there is 2.000 at t = 9.999 (where it stops being defined"),
    (["solve", "score-approximation", "--for", "t", "--target", "2.5", "--d0", "16", "--eps", "0.5", "--T", "10",
      "--T0", "0.1", "--find", "largest"], 0, "largest t with score-approximation <= 2.5: 9.999"),
    (["solve", "score-approximation", "--for", "t", "--target", "2.5", "--d0", "16", "--eps", "0.5", "--T", "10",
      "--T0", "0.1", "--find", "sideways"], 2, "'sideways' is not one of"),
    # issue 19.3: every output path checked before the work, one line
    (["plot", "score-estimation", "--d0", "16", "-o", "/proc/x.png"], 2, "cannot write /proc/x.png"),
    (["latex", "xi", "-o", "/proc/x.tex"], 2, "cannot write /proc/x.tex"),
    (["sheet", "-o", "/proc/x.pdf"], 2, "cannot write /proc/x.pdf"),
    (["page", "-o", "/proc/ditrates-page"], 2, "not writable"),
    (["attention", "bench", "--quick", "--plot", "/proc/x.png"], 2, "cannot write /proc/x.png"),
    (["attention", "bench", "--L", "1e999"], 2, "the inputs alone need"),
    (["attention", "bench", "--L", "1e10"], 2, "more than this machine's"),
    # issue 19.4: no silent conflict; the preset named in the output
    (["plot", "score-estimation", "--d0", "16", "-o", "p2.svg", "--format", "png"], 2, "does not match -o p2.svg"),
    (["plot", "score-estimation", "--d0", "16", "-o", "p3.png", "--json"], 2, "suffix must be one of .json"),
    (["plot", "score-estimation", "--d0", "16", "--format", "png", "--json"], 2, "--json prints the curves"),
    (["bound", "--preset", "DiT-XL/2", "--preset", "DiT-S/2", "--n", "1e5"], 2, "--preset is given 2 times"),
    (["bound", "--d0", "16", "--d0", "32", "--n", "1e5"], 2, "--d0 is given twice"),
    (["solve", "xi", "--target", "1", "--target", "2", "--L", "4"], 2, "--target is given twice"),
    (["criteria", "--L", "4096", "--L", "64", "--d", "8", "--B", "1"], 2, "--L is given twice"),
    (["bound", "--preset", "DiT-XL/2", "--d0", "16", "--n", "1e5"], 0, "Preset DiT-XL/2: d0 = 4096"),
    (["bound", "--preset", "DiT-XL/2", "--L", "64", "--n", "1e5"], 0, "preset DiT-XL/2"),
    (["criteria", "--preset", "DiT-XL/2", "--B", "1"], 0, "Preset DiT-XL/2"),
    (["latex", "xi", "--preset", "DiT-XL/2"], 2, "only --values uses"),
    # issue 19.5: valid input evaluated
    (["compare", "--d0", "16", "--n", "3"], 0, "chen2023-score-estimation"),
    (["compare", "--d0", "1e300", "--d", "4", "--n", "1e5", "--eps", "0.2"], 0, "10^(10^(3.495e+299))"),
    (["latex", "--values"], 2, "none could be"),
    # issue 19.6: a printed edge typed back lies inside; no message compares equal-looking numbers
    (["bound", "--d0", "16", "--n", "1e5", "--eps", "0.4457", "--xi-reading", "printed", "--set", "C_delta=0.01"], 0,
     "printed (eps <= 0.4457)"),  # C_delta = 1/100: Theorem 3.1's construction range reaches past eps = 1
    (["bound", "--d0", "16", "--n", "1e5", "--T0", "0.5", "--t", "0.49999"], 0, "fails at T0 = 0.5, t = 0.49999"),
]


@pytest.mark.parametrize(("args", "code", "phrase"), CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_regression_table(args, code, phrase):
    res = run(*args, env={"COLUMNS": "200"})
    assert res.exit_code == code, (res.stdout[-500:], res.stderr)
    assert "Traceback" not in res.stdout + res.stderr
    if code == 0:
        assert phrase in res.stdout
    else:
        assert res.stdout == "" and res.stderr.count("\n") == 1 and res.stderr.startswith("ditrates: error: ")
        assert phrase in res.stderr


def test_bound_works_with_nothing_else_given():
    res = run("bound", "--d0", "16", "--n", "1e5")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    for name in ditrates.names("statistical"):
        assert name in out
    for word in ("auto", "ln n", "min(c0, 1/Ls)", "patch p = 2", "FAILS", "likely a typo", "hidden constants",
                 "xi reading", "no practical n", "Definition 3.4 as the paper states it"):
        assert word in out
    assert res.stderr == ""


def test_every_xi_based_row_says_its_reading_and_the_printed_edge():
    doc = run_json("bound", "--d0", "16", "--n", "1e5", "--eps", "0.2")
    rows = {r["name"]: r for r in doc["results"]}
    assert {n for n, r in rows.items() if "xi_reading" in r} == {"xi", "score-estimation", "subspace-recovery",
                                                                 "tv-recovery"}
    assert all(r["xi_reading"] == "printed" for r in rows.values() if "xi_reading" in r)
    assert doc["xi_reading"]["eps_max"] == 0.25 and doc["xi_reading"]["eps_max_set_by"].startswith("delta")
    human = run("bound", "--d0", "16", "--n", "1e5", "--eps", "0.2", env={"COLUMNS": "200"}).stdout
    assert human.count("printed (eps <= 0.25)") == 4


def test_one_failed_condition_hides_nothing_else():
    """Cor. 3.2.1's T0 <= min(c0, 1/Ls) fails at T0 = 2: the Thm 3.1/3.2 rows are still evaluated (exit 0),
    each corollary row has its own status, condition and source in JSON."""
    doc = run_json("bound", "--d0", "16", "--n", "1e5", "--T0", "2")
    rows = {r["name"]: r for r in doc["results"]}
    assert {n for n, r in rows.items() if r["status"] == "ok"} == {"score-approximation", "network-size", "xi",
                                                                  "score-estimation"}
    for name in ("subspace-recovery", "tv-recovery", "orthogonal-variance"):
        assert rows[name]["status"] == "failed" and rows[name]["condition"]["source"].startswith("Cor. 3.2.1")
    none = run("bound", "--d0", "16", "--n", "5", "--D", "8", "--t", "5", "--eps", "0.9", "--xi-reading", "printed")
    assert none.exit_code == 2 and "FAILS" in none.stdout  # no row evaluated: every one says which condition fails


def test_bound_json_matches_the_library():
    doc = run_json("bound", "--d0", "16", "--n", "1e5")
    assert doc["params"]["n"] == 100000 and doc["params"]["d"] == 4
    assert set(doc["defaults"]) >= {"d", "L", "D", "eps", "T", "T0", "c0", "Ls", "L_h", "C_h", "C_delta"}
    by_name = {r["name"]: r for r in doc["results"]}
    assert list(by_name) == list(ditrates.names("statistical"))
    lib = ditrates.get("score-estimation").evaluate(d0=16, n=100000)
    se = by_name["score-estimation"]
    assert se["value"] is None and lib.value is None  # 10^19727
    assert se["log10"] == pytest.approx(lib.log10, rel=1e-12)
    assert se["source"] == "Theorem 3.2" and se["order"].startswith("O~") and se["xi_reading"] == "printed"
    assert by_name["tv-recovery"]["status"] == "failed" and by_name["tv-recovery"]["condition"]["waivable"]
    assert any("square" in n for n in se["notes"])


def test_json_never_holds_inf_or_nan_even_when_the_bound_overflows():
    doc = run_json("bound", "--d0", "400", "--d", "2", "--n", "1e5", "--eps", "0.001")
    se = {r["name"]: r for r in doc["results"]}["score-estimation"]
    assert se["value"] is None and isinstance(se["log10"], str) and float(se["log10"]) > 1e300


@given(params("tv-recovery"))  # its conditions include those of every result that `bound` evaluates
@settings(max_examples=10, deadline=None)
def test_json_params_round_trip(p):
    """Feeding a --json output's parameters back in (--set NAME=VALUE) reproduces every result exactly."""
    args = [f"--{k}={v}" for k, v in p.items()]
    first = run_json("bound", *args)
    again = run_json("bound", *[a for k, v in first["params"].items() for a in ("--set", f"{k}={v!r}")])
    assert again["params"] == first["params"]
    assert [r.get("log10") for r in again["results"]] == [r.get("log10") for r in first["results"]]


def test_explicit_and_set():
    plain = run_json("bound", "--d0", "16", "--n", "1e5")
    explicit = run_json("bound", "--d0", "16", "--n", "1e5", "--explicit")
    doubled = run_json("bound", "--d0", "16", "--n", "1e5", "--set", "C_est=2")

    def se(doc):
        return {r["name"]: r for r in doc["results"]}["score-estimation"]["log10"]

    assert se(explicit) > se(plain)
    assert se(doubled) == pytest.approx(se(plain) + 0.30102999566398, rel=1e-12)
    assert any("1/eps^2" in n for n in explicit["notes"])  # what --explicit still leaves hidden


def test_presets():
    doc = run_json("bound", "--preset", "DiT-XL/2", "--n", "1e6")
    assert (doc["params"]["d0"], doc["params"]["d"], doc["params"]["L"]) == (4096, 16, 256)
    assert doc["xi_reading"]["in_force"] == "printed"
    assert "DiT-XL/2" in run("list", "--presets").stdout
    assert len(run_json("list", "--presets")["presets"]) == 12


def test_compare_groups_by_quantity_on_one_convention():
    doc = run_json("compare", "--d0", "16", "--n", "1e5")
    assert {r["bounds"] for r in doc["results"]} == {"time-averaged squared L2(P_t) score error",
                                                      "total variation distance"}
    pairs = {(c["a"], c["b"]) for c in doc["comparisons"]}
    assert pairs == {("score-estimation", "chen2023-score-estimation"), ("tv-recovery", "chen2023-tv"),
                     ("tv-recovery", "oko2023-tv"), ("tv-recovery", "hu2025-latent-tv")}
    for c in doc["comparisons"]:
        text = c["no_crossing"] or c["crossings"][0]["convention"]
        assert "T = 11.51 held for both" in text or "never both evaluated" in text
    explicit = run_json("compare", "--d0", "16", "--n", "1e5", "--explicit", "--set", "C_chen=1e19000")
    crossing = next(c for c in explicit["comparisons"] if c["b"] == "chen2023-score-estimation")["crossings"][0]
    assert "every factor the proofs make explicit" in crossing["convention"] and "C_chen = 1e19000" in \
        crossing["convention"]
    assert len(crossing["interval_log10_n"]) == 2


def test_list_show_solve_criteria():
    names = [r["name"] for r in run_json("list")["results"]]
    assert names == list(ditrates.names())
    shown = run_json("show", "network-size")["result"]
    assert {p["form"] for p in shown["parts"]} >= {"Thm 3.1", "proof F.7", "proof F.17"}
    assert "\\label{ditrates:xi}" in run("show", "xi", "--latex").stdout
    assert "Statement" in run("show", "tv-recovery").stdout
    sol = run_json("solve", "chen2023-score-estimation", "--for", "n", "--target", "0.05", "--d0", "16")["solution"]
    assert sol["value"] == ditrates.solve("chen2023-score-estimation", "n", 0.05, d0=16).value
    crit = run_json("criteria", "--L", "16384", "--d", "8", "--B", "0.5", "--temperature", "1/d", "--delta_F",
                    "1e-3")
    assert crit["cost"]["degree"] == 3 and crit["cost"]["rank"] == 165
    assert all(r["verdict"] for r in crit["results"])


def _command_paths(group, prefix=()):
    for name, cmd in group.commands.items():
        yield [*prefix, name]
        if hasattr(cmd, "commands"):
            yield from _command_paths(cmd, (*prefix, name))


def _commands():
    from typer.main import get_command

    root = get_command(app)
    return [(path, _walk(root, path)) for path in _command_paths(root)]


def _walk(group, path):
    for name in path:
        group = group.commands[name]
    return group


METAVARS = {"NUM", "NAME", "FILE", "DIR", "LO:HI", "NAME=VALUE", "N,N,...", "X,X,...", "RUN", "NAMES", "RESULT",
            "[RESULT]..."}


def test_help_of_every_command_shows_an_example_and_every_option_its_default():
    paths = _commands()
    assert len(paths) >= 16
    for path, cmd in paths:
        res = run(*path, "--help")
        assert res.exit_code == 0 and "Example: ditrates" in res.stdout, path
        for p in cmd.params:
            if getattr(p, "is_flag", False) or p.name in ("help", "params") or p.param_type_name == "argument":
                continue
            text = (p.help or "") + " " + str(p.default)
            assert p.required or "[default:" in (p.help or "") or p.default not in (None, ()), (path, p.name)
            assert text.strip(), (path, p.name)


@pytest.mark.parametrize("words, expected", [("ditrates show tv", ["tv-recovery"]),
                                             ("ditrates solve chen", ["chen2023-score-estimation", "chen2023-tv"])])
def test_completion_is_offered_and_completes_result_names(words, expected):
    assert "--install-completion" in run("--help").stdout
    env = dict(os.environ, _DITRATES_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD="2")
    res = subprocess.run([sys.executable, "-m", "ditrates"], env=env, capture_output=True, text=True, timeout=60)
    assert res.stdout.split() == expected


def test_cite_prints_bibtex_for_the_paper_and_every_baseline():
    out = run("cite").stdout
    assert out.count("@inproceedings{") == 5 and out.startswith("@inproceedings{hu2024statistical,")
    one = run("cite", "oko2023-tv").stdout
    assert one.count("@inproceedings{") == 2 and "oko2023diffusion" in one


def test_no_color_and_non_tty_output_is_plain_without_trailing_spaces_within_columns():
    res = run("bound", "--d0", "16", "--n", "1e5", env={"NO_COLOR": "1", "COLUMNS": "80"})
    assert ANSI not in res.stdout
    assert all(line == line.rstrip() for line in res.stdout.splitlines())
    lines = res.stdout.splitlines()
    first = lines[lines.index("Bounds"):lines.index("Bounds") + 3 + 2 * len(ditrates.names("statistical"))]
    assert all(len(line) <= 80 for line in first)  # issue 19.2: the Bounds table first, and fitting
    assert lines.index("Bounds") < lines.index("Parameters")
    assert re.search(r"^parameter +value +source", res.stdout, re.M)  # the Parameters table keeps name, value, source


@pytest.mark.parametrize("columns", ["80", "40"])
def test_no_number_result_name_or_source_number_is_ever_wrapped(columns):
    """Issue 19.2 as a class: at any width, every value, name and parameter of the JSON output appears whole
    on one line of the table (prose wraps, between words only)."""
    res = run("bound", "--d0", "16", "--n", "1e5", env={"NO_COLOR": "1", "COLUMNS": columns})
    doc = run_json("bound", "--d0", "16", "--n", "1e5")
    words = set(res.stdout.split())
    for r in doc["results"]:
        assert r["name"] in words
        assert r["source"].split(" (")[0] in res.stdout  # "Theorem 3.1", "Corollary 3.2.1" on one line
        if r["status"] == "ok":
            assert r["display"] in words and format_number(mpmath.mpf(r["log10"]), 4) in words, r
    for k, v in doc["params"].items():
        if k in ditrates.get("score-estimation").keys:
            assert format_number(v) in words, (k, v)


def test_a_table_of_long_numbers_moves_columns_instead_of_breaking_them():
    """attention bench's rank 4976826800946 at 40 columns: whole, with the movable columns in a continuation
    table led by the key columns."""
    rows = [[1024, "0.25", "4976826800946", "12.5", "fast wins"], [4096, "2", "31", "0.5", "exact wins"]]
    out = subprocess.run([sys.executable, "-c", (
        "from ditrates.cli.output import Output; Output('human').table(['L', 'B', 'r', 'exact ms', 'result'], "
        f"{rows!r}, keys=2, movable=('r', 'exact ms'))")], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, COLUMNS="30", NO_COLOR="1"))
    assert "4976826800946" in out.stdout.split() and "fast wins" in out.stdout
    heads = [line.split() for line in out.stdout.splitlines() if line.startswith("L ")]
    assert len(heads) >= 2 and all(h[:2] == ["L", "B"] for h in heads), out.stdout


def test_as_a_subprocess_and_in_a_pipe():
    env = dict(os.environ, NO_COLOR="1")
    ok = subprocess.run([sys.executable, "-m", "ditrates", "bound", "--d0", "16", "--n", "1e5", "--json"],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["results"][3]["name"] == "score-estimation"
    bad = subprocess.run([sys.executable, "-m", "ditrates", "bound", "--d0", "16", "--n", "-1"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1
    piped = subprocess.run(f"{sys.executable} -m ditrates list | head -1", shell=True, capture_output=True,
                           text=True, env=env, timeout=120, executable="/bin/bash")
    status = subprocess.run(f"set -o pipefail; {sys.executable} -m ditrates list | head -1", shell=True,
                            capture_output=True, text=True, env=env, timeout=120, executable="/bin/bash")
    assert piped.stdout.strip() == "statistical" and status.returncode == 0, status.stderr
    assert piped.stderr == "" and status.stderr == ""  # a closed pipe is silent (issue 19.3)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["bound", "--d0", "16", "--n", "1e5"], ["latex", "xi"],
                                  ["bound", "--d0", "16", "--n", "1e5", "--json"]])
def test_standard_output_on_a_full_disk_is_one_line_and_exit_1(args):
    """Issue 19.3: a write that fails midway (here all of it) is one line on stderr, exit 1, no traceback."""
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, "-m", "ditrates", *args], stdout=full, stderr=subprocess.PIPE, text=True,
                             timeout=120)
    assert res.returncode == 1 and res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("ditrates: error: cannot write to standard output: No space left on device")


def test_a_file_write_that_fails_midway_leaves_the_old_file_and_exits_1(tmp_path):
    """Issue 19.3: outputs are written through a temporary file renamed at the end; a failure midway keeps the
    file as it was, says so, and is exit code 1."""
    from ditrates.cli.output import writing
    from ditrates.errors import RunError

    target = tmp_path / "rates.tex"
    target.write_text("old")
    with pytest.raises(RunError, match="No space left on device; .*rates.tex is unchanged") as info:
        with writing(target) as tmp:
            tmp.write_text("half")
            raise OSError(28, "No space left on device")
    assert info.value.exit_code == 1 and target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


def test_the_preset_is_named_in_every_output():
    """Issue 19.4: JSON, the human header, LaTeX captions, CSV (on stderr: stdout is the table alone)."""
    for command in (["bound"], ["compare"], ["solve", "chen2023-score-estimation", "--target", "0.5"]):
        doc = run_json(*command, "--preset", "DiT-XL/2", "--n", "1e6") if command[0] != "solve" else run_json(
            *command, "--preset", "DiT-XL/2")
        assert doc["preset"] == "DiT-XL/2", command
    assert run_json("criteria", "--preset", "DiT-XL/2", "--B", "1")["preset"] == "DiT-XL/2"
    assert run_json("bound", "--d0", "16", "--n", "1e5")["preset"] is None
    human = run("bound", "--preset", "DiT-XL/2", "--n", "1e6", env={"COLUMNS": "200"}).stdout
    assert "Preset DiT-XL/2: d0 = 4096, d = 16, L = 256" in human and "preset DiT-XL/2" in human  # and as source
    assert "(preset DiT-XL/2)" in run("bound", "--preset", "DiT-XL/2", "--n", "1e6", "--latex").stdout
    assert "(preset DiT-XL/2)" in run("latex", "xi", "--values", "--preset", "DiT-XL/2", "--n", "1e6").stdout
    csv = run("bound", "--preset", "DiT-XL/2", "--n", "1e6", "--csv")
    assert "Preset DiT-XL/2" in csv.stderr and "Preset" not in csv.stdout


def test_an_option_over_a_preset_keeps_the_preset_dimensions_that_still_fit():
    """Issue 19.4: --L 64 over DiT-XL/2 means 64 tokens of d0 = 4096 (d = 64), with a warning naming what is not
    used; --d0 16 drops the preset's d and L, which no longer fit d0 = d L."""
    res = run("bound", "--preset", "DiT-XL/2", "--L", "64", "--n", "1e6", "--json")
    assert res.exit_code == 0, res.stderr
    p = json.loads(res.stdout)["params"]
    assert (p["d0"], p["d"], p["L"]) == (4096, 64, 64)
    assert res.stderr.count("\n") == 1 and "L = 64 overrides the preset DiT-XL/2; its d is not used" in res.stderr
    small = json.loads(run("bound", "--preset", "DiT-XL/2", "--d0", "16", "--n", "1e6", "--json").stdout)["params"]
    assert (small["d0"], small["d"], small["L"]) == (16, 4, 4) and small["D"] == 196608


def test_import_ditrates_pulls_in_neither_torch_nor_matplotlib_nor_the_cli():
    code = ("import sys, ditrates; print(*[m in sys.modules for m in ('torch', 'matplotlib', 'rich', 'typer')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False"] * 4
    cli = "import sys, ditrates.cli; print(*[m in sys.modules for m in ('torch', 'matplotlib', 'numpy')])"
    out = subprocess.run([sys.executable, "-c", cli], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False"] * 3  # the command line's start-up path


NUMERIC = ["--d0", "--d", "--L", "--D", "--n", "--eps", "--t", "--T0", "--T", "--mu", "--c0", "--Ls", "--s", "--beta",
           "--B", "--delta_F", "--target", "--range"]
OPTIONS = [*NUMERIC, "--set", "--preset", "--json", "--latex", "--csv", "--explicit", "--for", "--temperature",
           "--xi-reading", "--bogus"]
MAGNITUDES = ["1e-300", "1e300", "1e999", "-1e300", "1e-999", "0", "1", "0.5", "2", "1e5"]
VALUES = st.one_of(
    st.sampled_from(MAGNITUDES),
    st.integers(-10, 10**6).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e999999", "", "abc", "C_est=2", "x=", "DiT-XL/2", "1/d", "none",
                     "printed", "proof", "1e2:1e30", "9" * 400]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8),
)
ARGS = st.lists(st.one_of(st.sampled_from(OPTIONS), VALUES), max_size=10)
MAGNITUDE_ARGS = st.lists(st.tuples(st.sampled_from(NUMERIC), st.sampled_from(MAGNITUDES)), max_size=4).map(
    lambda pairs: [x for pair in pairs for x in pair])
COMMANDS = st.sampled_from([["bound"], ["compare"], ["show"], ["solve"], ["criteria"], ["list"], ["latex", "xi"],
                            ["bound", "--d0", "16", "--n", "1e5"], ["solve", "score-estimation", "--d0", "16"],
                            ["show", "xi"], ["criteria", "--L", "4096", "--d", "8", "--B", "1"],
                            ["latex", "--values", "--d0", "16", "--n", "1e5"]])


def _check_clean(command, args):
    res = run(*command, *args)
    assert res.exit_code in (0, 2), (command + args, res.exit_code, res.stderr, res.exception)
    assert "Traceback" not in res.stdout + res.stderr
    if res.exit_code == 2:
        assert res.stderr.count("\n") == 1 and res.stderr.startswith("ditrates: error: ")


@settings(max_examples=120, deadline=None)
@given(COMMANDS, ARGS)
def test_the_cli_never_prints_a_traceback(command, args):
    _check_clean(command, args)


@settings(max_examples=60, deadline=None)
@given(COMMANDS, MAGNITUDE_ARGS)
def test_huge_and_tiny_magnitudes_in_every_numeric_option(command, args):
    _check_clean(command, args)


@pytest.mark.parametrize("args", [["bound", "--d0", "16", "--n", "1e5"], ["latex", "--macros"]])
def test_console_script_output_survives_the_fast_exit(args, tmp_path):
    """main() leaves through os._exit after symbolic commands: all output must still arrive, also in files."""
    script = "import sys; from ditrates.cli import main; sys.argv = ['ditrates'] + sys.argv[1:]; main()"
    out = tmp_path / "out.txt"
    with out.open("w") as f:
        proc = subprocess.run([sys.executable, "-c", script, *args], stdout=f, stderr=subprocess.PIPE, text=True,
                              timeout=120, env=dict(os.environ, COLUMNS="100"))
    assert proc.returncode == 0, proc.stderr
    expected = run(*args, env={"COLUMNS": "100"}).stdout
    assert out.read_text() == expected
