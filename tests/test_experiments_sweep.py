"""Sweeps, resumption, fits, reports and the `ditrates experiment` commands."""

import json
import math
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from typer.testing import CliRunner  # noqa: E402

from ditrates.cli import app  # noqa: E402
from ditrates.errors import DitratesError  # noqa: E402
from ditrates.experiments import compare  # noqa: E402
from ditrates.experiments.model import load_run  # noqa: E402

np = pytest.importorskip("numpy")



TINY = {**compare.BASE, "D": 8, "d0": 4, "width": 8, "depth": 1, "heads": 2, "steps": 4, "batch": 8,
        "strata": 4, "per_stratum": 8, "samples": 64, "sampler_steps": 4}


def tiny_plan(values=(8, 16, 32)):
    return [compare.RunSpec("n", {**TINY, "n": n}, 0) for n in values]


def lines(out):
    return (out / compare.RESULTS_FILE).read_text().splitlines()


def test_plan_keys_and_validation():
    specs = compare.plan("D", quick=True, seeds=2)
    assert len(specs) == 2 * 3 * 3 and len({s.key for s in specs}) == len(specs)
    assert [s.seed for s in specs[:9]] == [0] * 9  # seed by seed: whole curves first
    assert specs[0].key == compare.plan("D", quick=True, seeds=2)[0].key  # deterministic
    assert specs[0].key.startswith("D-oracle-D16-s0-")
    assert compare.plan("n", quick=True)[0].key != compare.plan("n")[0].key  # parameters are in the key
    with pytest.raises(DitratesError, match="did you mean 'd0'"):
        compare.plan("d00")
    with pytest.raises(DitratesError, match="seeds"):
        compare.plan("n", seeds=0)
    with pytest.raises(DitratesError, match="d0 <= D"):
        compare.plan("D", values=[4])
    with pytest.raises(DitratesError, match="at least 2 tokens"):
        compare.plan("d0", values=[2])


def test_records_are_finite_json_and_survive_a_cut_line(tmp_path):
    path = tmp_path / compare.RESULTS_FILE
    compare.append_record(path, {"key": "a", "x": float("nan"), "y": [float("inf"), 1.0]})
    with open(path, "a") as f:
        f.write('{"key": "cut')  # a crash in the middle of a line
    compare.append_record(path, {"key": "b"})
    assert [r["key"] for r in compare.load_records(path)] == ["a", "b"]
    assert compare.load_records(path)[0]["x"] is None and compare.load_records(path)[0]["y"] == [None, 1.0]


def test_rerun_skips_finished_runs_and_an_interrupted_sweep_resumes(tmp_path):
    specs = tiny_plan()

    def interrupt(record):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compare.run_sweep(specs, tmp_path, on_done=interrupt)
    assert len(lines(tmp_path)) == 1  # the first run was written before the interruption
    new, skipped = compare.run_sweep(specs, tmp_path)
    assert (len(new), skipped) == (2, 1)
    new, skipped = compare.run_sweep(specs, tmp_path)
    assert (new, skipped) == ([], 3)
    records = compare.load_records(tmp_path / compare.RESULTS_FILE)
    assert sorted(r["key"] for r in records) == sorted(s.key for s in specs)
    r = records[0]
    assert set(r) >= {"key", "sweep", "value", "seed", "params", "versions", "timings", "measurements", "c0"}
    assert set(r["versions"]) >= {"ditrates", "torch"}
    assert all(v is None or math.isfinite(v["value"]) for v in r["measurements"].values())


def test_runs_are_deterministic(tmp_path):
    spec = tiny_plan((8,))[0]
    a = compare.run_one(spec, str(tmp_path / "a"), "cpu", 1)
    b = compare.run_one(spec, str(tmp_path / "b"), "cpu", 1)
    assert a["measurements"] == b["measurements"] and a["train"] == b["train"]


def test_load_run_contract(tmp_path):
    (spec,) = tiny_plan((8,))
    compare.run_sweep([spec], tmp_path)
    model, config, data = load_run(tmp_path / compare.RUNS_DIR / spec.key)
    assert {"T0", "T", "D", "d0", "d", "L"} <= set(config) and config["L"] == 2
    x = data.sample(5, torch.Generator().manual_seed(0))
    assert x.shape == (5, 8)
    out = model(x.float(), torch.full((5,), 0.5))
    assert out.shape == (5, 8) and torch.isfinite(out).all()
    assert all(hasattr(b.attn, name) for b in model.f_T.blocks for name in ("q", "k", "v", "o", "scale"))


def test_power_and_floor_fits_recover_known_laws():
    x = np.array([8.0, 32, 128, 512, 4096])
    assert compare.fit_power(x, (3 * x**-0.4)[None])[0] == pytest.approx(-0.4)
    (b,), (c,) = compare.fit_floor(x, (3 * x**-0.5 + 0.1)[None])
    assert b == pytest.approx(-0.5, abs=0.02) and c == pytest.approx(0.1, rel=0.03)
    (b,), (c,) = compare.fit_floor(x, (2 * x**-0.3)[None])
    assert b == pytest.approx(-0.3, abs=1e-6) and c == 0.0


def test_points_fits_and_plot_from_runs(tmp_path):
    compare.run_sweep(tiny_plan((8, 16, 32, 64)), tmp_path)
    pts = compare.points(compare.load_records(tmp_path / compare.RESULTS_FILE))
    assert [p.value for p in pts] == [8, 16, 32, 64]
    p = pts[0]
    assert p.bounds["score_error"].result.name == "score-estimation"
    assert p.bounds["score_error"].params["d0"] == 4 and p.bounds["score_error"].params["D"] == 8
    assert p.bounds["orthogonal_variance"].value == pytest.approx(math.e * 0.01)
    assert p.bounds["tv"].vacuous
    fitted = compare.fits(pts)
    kinds = {(f.quantity, f.kind) for f in fitted}
    assert ("score_error", "power") in kinds and ("score_error", "power+floor") in kinds
    json.dumps(compare.finite([f.to_dict() for f in fitted] + [q.to_dict() for q in pts]), allow_nan=False)
    compare.plot(pts, fitted, tmp_path / "plot.png")
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"


def test_ambient_bound_is_the_d0_equals_D_case():
    params = {**TINY, "projection": "ambient", "D": 16}
    ev = compare.evaluate_bound("score-estimation", params, 0.25)
    assert (ev.params["d0"], ev.resolved.values["L"]) == (16, 8)
    # c0 = lambda_min(E[x x^T]) = 0: Corollary 3.2.1 does not apply
    assert compare.evaluate_bound("subspace-recovery", params, 0.25) is None


def test_importing_ditrates_and_its_cli_does_not_import_torch():
    code = ("import sys, ditrates, ditrates.cli; heavy = {'torch', 'matplotlib'} & set(sys.modules); "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------------------------------
runner = CliRunner()


@pytest.mark.parametrize(("args", "message"), [
    (["experiment", "run", "--sweep", "m"], "unknown sweep 'm'"),
    (["experiment", "run", "--sweep", "n", "--seeds", "0"], "--seeds must be at least 1"),
    (["experiment", "run", "--sweep", "n", "--values", "8,x"], "--values expects integers"),
    (["experiment", "run", "--sweep", "n", "--device", "tpu"], "--device must be"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_asking_for_a_missing_gpu_is_bad_input(tmp_path):
    result = runner.invoke(app, ["experiment", "run", "--sweep", "n", "--device", "cuda", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no CUDA device" in result.output


def test_report_of_an_empty_directory_is_bad_input(tmp_path):
    result = runner.invoke(app, ["experiment", "report", str(tmp_path)])
    assert result.exit_code == 2 and "no finished runs" in result.output


@pytest.mark.slow
def test_quick_n_sweep_runs_resumes_and_reports(tmp_path):
    """The whole quick n-sweep through the command line (the test suite's long test)."""
    out = tmp_path / "sweep"
    first = runner.invoke(app, ["experiment", "run", "--sweep", "n", "--quick", "--out", str(out), "--json"])
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["schema_version"] == 1 and len(doc["runs"]) == 4 and doc["skipped"] == 0
    again = json.loads(runner.invoke(app, ["experiment", "run", "--sweep", "n", "--quick", "--out", str(out),
                                           "--json"]).stdout)
    assert (again["runs"], again["skipped"]) == ([], 4)
    png = tmp_path / "n.png"
    report = runner.invoke(app, ["experiment", "report", str(out), "--plot", str(png), "--json"])
    assert report.exit_code == 0, report.output
    rep = json.loads(report.stdout)
    assert [p["value"] for p in rep["points"]] == [8, 64, 512, 4096]
    assert all(p["bounds"]["score_error"]["ratio"] > 0 for p in rep["points"])
    assert {f["kind"] for f in rep["fits"] if f["quantity"] == "score_error"} == {"power", "power+floor"}
    assert png.read_bytes()[:4] == b"\x89PNG"
    human = runner.invoke(app, ["experiment", "report", str(out)])
    assert human.exit_code == 0 and "bound (Thm 3.2)" in human.stdout and "exponent [95%]" in human.stdout
