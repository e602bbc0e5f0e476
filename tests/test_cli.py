"""The command line, through typer's test runner and as a subprocess (issues 2 and 3)."""

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ditrates
from ditrates.cli import app
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


def test_bound_works_with_nothing_else_given():
    res = run("bound", "--d0", "16", "--n", "1e5")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    for name in ditrates.names("statistical"):
        assert name in out
    for word in ("auto", "minimises xi", "ln n", "min(c0, 1/L_s+)", "patch p = 2", "VACUOUS", "hidden constants"):
        assert word in out
    assert res.stderr == ""


def test_bound_json_matches_the_library():
    doc = run_json("bound", "--d0", "16", "--n", "1e5")
    assert doc["params"]["n"] == 100000 and doc["params"]["d"] == 4
    assert set(doc["defaults"]) >= {"d", "L", "D", "eps", "T", "T0", "c0", "Ls"}
    by_name = {r["name"]: r for r in doc["results"]}
    assert list(by_name) == list(ditrates.names("statistical"))
    lib = ditrates.get("score-estimation").evaluate(d0=16, n=100000)
    se = by_name["score-estimation"]
    assert se["value"] == pytest.approx(lib.value, rel=1e-12)
    assert se["log10"] == pytest.approx(float(lib.log10), rel=1e-12)
    assert se["source"] == "Theorem 3.2" and se["order"].startswith("O~")
    assert se["value"] == pytest.approx(se["params"]["C_est"] * _xi(se["params"]) / (se["params"]["T0"] *
                                                                                   se["params"]["T"]))
    assert by_name["tv-recovery"]["vacuous"] is True
    assert any("square" in n for n in se["notes"])


def _xi(p):
    return p["n"] ** (-1 / 3) * 2 ** ((1 / p["eps"]) ** (2 * p["L"])) + p["n"] ** (-1 / 3) + p["eps"] ** 2


def test_json_never_holds_inf_or_nan_even_when_the_bound_overflows():
    doc = run_json("bound", "--d0", "400", "--d", "2", "--n", "1e5", "--eps", "0.001")
    se = {r["name"]: r for r in doc["results"]}["score-estimation"]
    assert se["value"] is None and isinstance(se["log10"], str) and float(se["log10"]) > 1e300


@given(params("tv-recovery"))  # its conditions include those of every result that `bound` evaluates
@settings(max_examples=15)
def test_json_params_round_trip(p):
    """Feeding a --json output's parameters back in (--set NAME=VALUE) reproduces every result exactly."""
    args = [f"--{k}={v}" for k, v in p.items()]
    first = run_json("bound", *args)
    again = run_json("bound", *[a for k, v in first["params"].items() for a in ("--set", f"{k}={v!r}")])
    assert again["params"] == first["params"]
    assert [r["log10"] for r in again["results"]] == [r["log10"] for r in first["results"]]


def test_explicit_and_set():
    plain = run_json("bound", "--d0", "16", "--n", "1e5")
    explicit = run_json("bound", "--d0", "16", "--n", "1e5", "--explicit")
    doubled = run_json("bound", "--d0", "16", "--n", "1e5", "--set", "C_est=2")

    def se(doc):
        return {r["name"]: r for r in doc["results"]}["score-estimation"]["log10"]

    assert se(explicit) > se(plain)
    assert se(doubled) == pytest.approx(se(plain) + 0.30102999566398, rel=1e-12)


def test_presets():
    doc = run_json("bound", "--preset", "DiT-XL/2", "--n", "1e6")
    assert (doc["params"]["d0"], doc["params"]["d"], doc["params"]["L"]) == (4096, 16, 256)
    assert "DiT-XL/2" in run("list", "--presets").stdout
    assert len(run_json("list", "--presets")["presets"]) == 12


def test_list_show_solve_criteria_compare():
    names = [r["name"] for r in run_json("list")["results"]]
    assert names == list(ditrates.names())
    shown = run_json("show", "network-size")["result"]
    assert {p["form"] for p in shown["parts"]} >= {"Thm 3.1", "proof F.7", "proof F.17"}
    assert "\\label{ditrates:xi}" in run("show", "xi", "--latex").stdout
    assert "Statement" in run("show", "tv-recovery").stdout
    sol = run_json("solve", "score-estimation", "--for", "n", "--target", "0.05", "--d0", "16")["solution"]
    assert sol["value"] == ditrates.solve("score-estimation", "n", 0.05, d0=16).value
    crit = run_json("criteria", "--L", "16384", "--d", "8", "--B", "0.5", "--temperature", "1/d", "--eps", "1e-3")
    assert crit["cost"]["degree"] == 3 and crit["cost"]["rank"] == 165
    assert all(r["verdict"] for r in crit["results"])
    comp = run_json("compare", "--d0", "16", "--n", "1e5")
    assert {r["name"] for r in comp["results"]} >= {"chen2023-score-estimation", "oko2023-tv"}
    assert comp["crossings"] and comp["crossings"][0]["smaller_after"] == "chen2023-score-estimation"


def test_latex_output_of_bound():
    out = run("bound", "--d0", "16", "--n", "1e5", "--latex").stdout
    assert out.startswith("%") and "\\begin{tabular}" in out and "\\times 10^{" in out


def _command_paths(group, prefix=()):
    for name, cmd in group.commands.items():
        yield [*prefix, name]
        if hasattr(cmd, "commands"):
            yield from _command_paths(cmd, (*prefix, name))


def test_version_and_help_with_examples_on_every_command():
    from typer.main import get_command

    assert run("--version").stdout.strip() == f"ditrates {ditrates.__version__}"
    paths = list(_command_paths(get_command(app)))
    assert len(paths) >= 13  # bound list show solve criteria(+measure) compare latex sheet experiment(+2) attention(+1)
    for path in paths:
        res = run(*path, "--help")
        assert res.exit_code == 0 and "Example: ditrates" in res.stdout, path


def test_no_color_and_non_tty_output_is_plain():
    res = run("bound", "--d0", "16", "--n", "1e5", env={"NO_COLOR": "1"})
    assert ANSI not in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bound", "--d0", "-3", "--n", "1e5"], "d0 must be an integer >= 1"),
        (["bound", "--d0", "0", "--n", "1e5"], "d0 must be"),
        (["bound", "--d0", "16", "--n", "0"], "n must be"),
        (["bound", "--d0", "16", "--n", "1e5", "--eps", "1.5"], "eps must be in (0, 1)"),
        (["bound", "--d0", "16", "--n", "abc"], "must be a number"),
        (["bound", "--d0", "16", "--n", "2.5"], "must be an integer"),
        (["bound", "--d0", "16", "--n", "1e5", "--d", "3"], "does not divide"),
        (["bound", "--d0", "16", "--n", "5"], "T0 < T/2"),
        (["bound", "--d0", "16", "--n", "1e5", "--T0", "2"], "Cor. 3.2.1"),
        (["show", "score-estimaton"], "did you mean 'score-estimation'"),
        (["bound", "--d0", "16", "--n", "1e5", "--set", "nope=1"], "unknown parameter"),
        (["bound", "--d0", "16", "--n", "1e5", "--set", "C_est"], "NAME=VALUE"),
        (["bound", "--d0", "16", "--n", "1e5", "--preset", "DiT-Q/2"], "unknown preset"),
        (["criteria", "--L", "4096", "--d", "8", "--B", "1", "--temperature", "hot"], "--temperature"),
        (["criteria", "--L", "4096", "--d", "abc", "--B", "1", "--temperature", "1/d"], "d must be a number"),
        (["criteria", "--L", "4096", "--d", "0", "--B", "1", "--temperature", "1/d"], "d must be an integer >= 1"),
        (["criteria", "--L", "4096", "--d", "8", "--B", "1", "--eps", "abc"], "delta_F must be a number"),
        (["criteria", "--L", "4096", "--d", "8", "--B", "1", "--eps", "2"], "delta_F must be in (0, 1)"),
        (["solve", "xi", "--for", "eps"], "not monotone"),
        (["bound", "--d0", "16", "--n", "1e5", "--json", "--latex"], "choose one"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(args, message):
    res = run(*args)
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("ditrates: error: ")
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_as_a_subprocess():
    env = dict(os.environ, NO_COLOR="1")
    ok = subprocess.run([sys.executable, "-m", "ditrates", "bound", "--d0", "16", "--n", "1e5", "--json"],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["results"][3]["name"] == "score-estimation"
    bad = subprocess.run([sys.executable, "-m", "ditrates", "bound", "--d0", "16", "--n", "-1"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1


def test_import_ditrates_pulls_in_neither_torch_nor_matplotlib():
    code = "import sys, ditrates, ditrates.cli; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"]


OPTIONS = ["--d0", "--d", "--L", "--D", "--n", "--eps", "--t", "--T0", "--T", "--c0", "--Ls", "--set", "--preset",
           "--json", "--latex", "--explicit", "--for", "--target", "--B", "--temperature", "--eps", "--bogus"]
VALUES = st.one_of(
    st.integers(-10, 10**6).map(str),
    st.sampled_from(["1e5", "1e300", "1e-300", "nan", "inf", "-inf", "0", "1", "0.5", "1e999999", "", "abc",
                     "C_est=2", "x=", "DiT-XL/2", "1/d", "none", "9" * 400]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8),
)
ARGS = st.lists(st.one_of(st.sampled_from(OPTIONS), VALUES), max_size=10)
COMMANDS = st.sampled_from([["bound"], ["compare"], ["show"], ["solve"], ["criteria"], ["list"],
                            ["bound", "--d0", "16", "--n", "1e5"], ["solve", "score-estimation"],
                            ["show", "xi"], ["criteria", "--L", "4096", "--d", "8", "--B", "1"]])


@settings(max_examples=150)
@given(COMMANDS, ARGS)
def test_the_cli_never_prints_a_traceback(command, args):
    res = run(*command, *args)
    assert res.exit_code in (0, 2), (command + args, res.exit_code, res.stderr, res.exception)
    assert "Traceback" not in res.stdout + res.stderr
    if res.exit_code == 2:
        assert res.stderr.count("\n") == 1 and res.stderr.startswith("ditrates: error: ")


@pytest.mark.parametrize("args", [["bound", "--d0", "16", "--n", "1e5"], ["latex", "--macros"]])
def test_console_script_output_survives_the_fast_exit(args, tmp_path):
    """main() leaves through os._exit after symbolic commands: all output must still arrive, also in files."""
    script = "import sys; from ditrates.cli import main; sys.argv = ['ditrates'] + sys.argv[1:]; main()"
    out = tmp_path / "out.txt"
    with out.open("w") as f:
        proc = subprocess.run([sys.executable, "-c", script, *args], stdout=f, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    assert proc.returncode == 0, proc.stderr
    expected = run(*args).stdout
    assert out.read_text() == expected
