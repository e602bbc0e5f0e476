"""Sweeps: plans and keys, the store (atomic records, run directories, the lock), resumption, failed runs, and
the `ditrates experiment` commands' input and output checks."""

import io
import json
import math
import os
import pathlib
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from typer.testing import CliRunner  # noqa: E402

from ditrates.cli import app  # noqa: E402
from ditrates.errors import DitratesError  # noqa: E402
from ditrates.experiments import plan, runner, store, sweep  # noqa: E402
from ditrates.experiments.model import load_run  # noqa: E402


def tiny_specs(sweep_name="n", values=(16, 32), seeds=1):
    return plan.plan(sweep_name, profile="tiny", values=values, seeds=seeds)


def records(out):
    return store.read_records(out / store.RESULTS_FILE).records


# ----------------------------------------------------------------------------------------------------
# Plans and keys
# ----------------------------------------------------------------------------------------------------
def test_plan_has_a_floor_for_every_configuration_and_whole_curves_first():
    specs = plan.plan("D", quick=True, seeds=2)
    per_seed = 3 * 4 * 2  # D values x models x (n = 512, n = inf)
    assert len(specs) == 2 * per_seed and len({s.key for s in specs}) == len(specs)
    assert [s.seed for s in specs[:per_seed]] == [0] * per_seed
    finite = {(s.model, s.params["D"], s.seed) for s in specs if s.params["n"] == 512}
    floors = {(s.model, s.params["D"], s.seed) for s in specs if s.params["n"] == plan.INFINITE}
    assert finite == floors
    n_specs = plan.plan("n")
    assert {s.params["n"] for s in n_specs} == {16, 64, 256, 1024, 4096, "inf"}
    assert {s.seed for s in n_specs} == set(range(5)) and {s.model for s in n_specs} == {"dit-learned", "mlp-learned"}


def test_every_parameter_is_in_the_key_and_labels_are_not():
    """A run's key changes with every field that changes its result, and not with the sweep or profile label:
    runs that differ in anything are never one point."""
    spec = tiny_specs()[0]
    for k, v in spec.params.items():
        changed = dict(spec.params, **{k: (v + 1 if isinstance(v, int | float) and not isinstance(v, bool)
                                           else f"{v}-other")})
        other = plan.RunSpec(changed, spec.seed, spec.sweep, spec.profile)
        assert other.key != spec.key and other.point != spec.point, k
    relabelled = plan.RunSpec(spec.params, spec.seed, "d0", "default")
    assert relabelled.point == spec.point and relabelled.key.split("-")[-1] == spec.key.split("-")[-1]
    assert plan.RunSpec(spec.params, 1).point == spec.point and plan.RunSpec(spec.params, 1).key != spec.key
    assert plan.plan("n", quick=True)[0].point != plan.plan("n")[0].point


@pytest.mark.parametrize("name", list(plan.SWEEPS))
def test_a_sweeps_points_form_one_curve_per_network(name):
    """Points of one sweep and network differ only in the swept value, n and what follows them (components
    follows d0), so they share one curve; another profile is another curve."""
    specs = plan.plan(name, seeds=1)
    for model in plan.SWEEPS[name].models:
        keys = {plan.curve_key(s.params, name) for s in specs if s.model == model}
        assert len(keys) == 1, model
    quick = plan.plan(name, quick=True, seeds=1)
    assert plan.curve_key(quick[0].params, name) != plan.curve_key(specs[0].params, name)


def test_plan_validation():
    with pytest.raises(DitratesError, match="did you mean 'd0'"):
        plan.plan("d00")
    with pytest.raises(DitratesError, match="seeds"):
        plan.plan("n", seeds=0)
    with pytest.raises(DitratesError, match="d0 <= D"):
        plan.plan("D", values=[4])
    with pytest.raises(DitratesError, match="at least 2 tokens"):
        plan.plan("d0", values=[2])
    with pytest.raises(DitratesError, match="at least 5"):
        plan.plan("n", values=[4])
    with pytest.raises(DitratesError, match="weighting"):
        plan.plan("n", weighting="sigma2")
    with pytest.raises(DitratesError, match="must be integers"):
        plan.plan("D", values=["inf"])


# ----------------------------------------------------------------------------------------------------
# The store
# ----------------------------------------------------------------------------------------------------
def test_records_are_finite_json_and_a_cut_line_is_reported_and_skipped(tmp_path):
    st = store.Store(tmp_path)
    st.append({"key": "a", "x": float("nan"), "y": [float("inf"), 1.0]})
    with open(st.results, "a") as f:
        f.write('{"key": "cut')  # a writer of an older version killed in the middle of a line
    st.append({"key": "b"})
    got = st.read()
    assert [r["key"] for r in got.records] == ["a", "b"] and got.unreadable == [2]
    assert got.records[0]["x"] is None and got.records[0]["y"] == [None, 1.0]
    assert "skipped 1 unreadable line(s) (2)" in got.note(st.results)


KILLED_WRITER = """
import sys
from ditrates.experiments.store import Store
st = Store(sys.argv[1])
for i in range(100000):
    st.append({"key": str(i), "payload": "x" * 20000})
"""


def test_a_killed_writer_never_leaves_a_torn_line(tmp_path):
    """SIGKILL a process that appends 20 kB records as fast as it can, ten times: every line parses."""
    import signal
    import time

    results = tmp_path / store.RESULTS_FILE
    for attempt in range(10):
        proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)])
        before = results.stat().st_size if results.exists() else 0
        deadline = time.monotonic() + 60
        while (results.stat().st_size if results.exists() else 0) <= before:  # it is writing
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.01)
        time.sleep(0.02 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        got = store.read_records(tmp_path / store.RESULTS_FILE)
        assert got.unreadable == [] and got.records, attempt
        assert (tmp_path / store.RESULTS_FILE).read_bytes().endswith(b"\n")


def test_run_directories_appear_whole_and_partial_ones_are_cleaned(tmp_path):
    st = store.Store(tmp_path)
    (st.runs / f"{store.PARTIAL}x-123").mkdir(parents=True)  # left by a killed writer
    with st.lock():
        assert not list(st.runs.glob(f"{store.PARTIAL}*"))
        st.save_run_dir("k", {"a.txt": b"1"})
        st.save_run_dir("k", {"a.txt": b"2"})  # a rerun replaces it
    assert (st.runs / "k" / "a.txt").read_bytes() == b"2" and not list(st.runs.glob(f"{store.PARTIAL}*"))


def test_two_commands_on_one_directory_cannot_interleave(tmp_path):
    with store.Store(tmp_path).lock():
        with pytest.raises(DitratesError, match=f"in use by another 'ditrates experiment run' \\(pid {os.getpid()}\\)"):
            with store.Store(tmp_path).lock():
                pass
        result = CliRunner().invoke(app, ["experiment", "run", "--sweep", "n", "--profile", "tiny", "--out",
                                          str(tmp_path)])
        assert result.exit_code == 2 and "in use" in result.output
    with store.Store(tmp_path).lock():  # released
        pass


# ----------------------------------------------------------------------------------------------------
# Runs, resumption, failures
# ----------------------------------------------------------------------------------------------------
def local(jobs=1):
    return sweep.LocalExecutor(jobs, 1, "cpu")


def test_a_sweep_resumes_where_it_stopped_and_records_are_complete(tmp_path):
    specs = tiny_specs()
    st = store.Store(tmp_path)
    with st.lock():
        first = sweep.run_sweep(specs[:3], st, local())
        again = sweep.run_sweep(specs, st, local(2))
        done = sweep.run_sweep(specs, st, local())
    assert (len(first.new), len(again.new), again.skipped, done.skipped, done.new) == (3, len(specs) - 3, 3,
                                                                                    len(specs), [])
    got = records(tmp_path)
    assert sorted(r["key"] for r in got) == sorted(s.key for s in specs)
    r = got[0]
    assert set(r) >= {"key", "status", "point", "sweep", "profile", "model", "seed", "params", "versions", "timings",
                      "train", "measurements", "c0", "run_dir"}
    assert set(r["versions"]) >= {"ditrates", "torch"} and r["status"] == "ok"
    assert all(v is None or math.isfinite(v["value"]) for v in r["measurements"].values())
    assert {"steps", "best_step", "stopped_early", "history", "train_size", "val_size"} <= set(r["train"])


def test_a_change_of_the_measuring_code_re_measures_the_saved_networks_without_training(tmp_path, monkeypatch):
    """Records measured by other code are not resumed: a new version of the measuring code is a new key (and a
    new point, never pooled with the old one), and the runs are measured again from the saved networks, with the
    measurements a full run gives (catches a key without the measuring code's version, and a re-measurement that
    draws other numbers than a fresh run)."""
    specs = tiny_specs(values=(16,))
    st = store.Store(tmp_path)
    with st.lock():
        sweep.run_sweep(specs, st, local())
    monkeypatch.setattr(plan.distances, "VERSION", plan.distances.VERSION + 1)
    newer = tiny_specs(values=(16,))
    assert {s.key for s in newer}.isdisjoint(s.key for s in specs)
    assert {s.point for s in newer}.isdisjoint(s.point for s in specs)
    assert [s.train_key for s in newer] == [s.train_key for s in specs]
    with st.lock():
        out = sweep.run_sweep(newer, st, local())
    assert len(out.new) == len(newer) and not any(r["retrained"] for r in out.new)
    fresh, _ = runner.run_one(newer[0])
    again = next(r for r in out.new if r["key"] == newer[0].key)
    old = next(r for r in records(tmp_path) if r["key"] == specs[0].key)
    assert again["measurements"] == fresh["measurements"] and again["train"] == json.loads(json.dumps(fresh["train"]))
    assert again["timings"]["train_s"] == old["timings"]["train_s"] and again["run_dir"] == old["run_dir"]


TRAINED = {1: {"val_loss": 62.0, "final_loss": 92.5, "best_step": 30, "steps": 30, "weights": 678.0}}
"""A tiny run's training outcome at :data:`plan.TRAIN_VERSION`, to 3 digits (``weights``: the sum of squares of
the trained state dict)."""


def test_the_training_code_is_pinned_to_its_version():
    """A change of what training returns must come with a new plan.TRAIN_VERSION (and a new entry here): the
    version is in every run's key and training key, so that a saved network trained by other code is never
    re-measured as if it were current. Catches any change of the data, the networks, the loss, the optimiser or
    early stopping without a version bump."""
    record, files = runner.run_one(tiny_specs(values=(16,))[0])
    state = torch.load(io.BytesIO(files["model.pt"]), weights_only=True)
    got = {k: float(f"{record['train'][k]:.3g}") for k in ("val_loss", "final_loss", "best_step", "steps")}
    got["weights"] = float(f"{float(sum((v.double() ** 2).sum() for v in state.values())):.3g}")
    assert got == TRAINED[plan.TRAIN_VERSION], "training changed: bump plan.TRAIN_VERSION and pin the new outcome"


def test_runs_are_deterministic_in_any_process():
    spec = tiny_specs(values=(16,))[0]
    (a, _), (b, _) = runner.run_one(spec), runner.run_one(spec)
    assert a["measurements"] == b["measurements"] and a["train"] == b["train"]


def test_a_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    specs = tiny_specs(values=(16,))
    bad = plan.RunSpec({**specs[0].params, "lr": float("inf")}, 0, "n", "tiny")
    st = store.Store(tmp_path)
    with st.lock():
        out = sweep.run_sweep([bad, *specs[1:]], st, local(2))
    assert len(out.failed) == 1 and len(out.new) == len(specs) - 1
    (failed,) = [r for r in records(tmp_path) if r["status"] == "failed"]
    assert failed["key"] == bad.key and "FloatingPointError" in failed["error"]
    report = CliRunner().invoke(app, ["experiment", "report", str(tmp_path)])
    assert report.exit_code == 0 and "1 failed run(s)" in report.stdout and bad.key in report.stdout


def test_load_run_contract(tmp_path):
    (spec, *_) = tiny_specs(values=(16,))
    st = store.Store(tmp_path)
    with st.lock():
        sweep.run_sweep([spec], st, local())
    assert records(tmp_path)[0]["run_dir"] == f"{store.RUNS_DIR}/{spec.train_key}"
    model, config, data = load_run(tmp_path / store.RUNS_DIR / spec.train_key)
    assert {"T0", "T", "D", "d0", "d", "L", "key", "seed"} <= set(config) and config["L"] == 4
    x = data.sample(5, torch.Generator().manual_seed(0))
    out = model(x.float(), torch.full((5,), 0.5))
    assert out.shape == (5, 32) and torch.isfinite(out).all()


def test_a_run_with_a_broken_file_is_bad_input_not_an_interrupt(tmp_path):
    """Issue 19.7: an empty or corrupt model.pt, or a config.json of something else, is one line saying what is
    wrong with which file, exit 2 (an empty file's EOFError once read as "aborted", exit 130)."""
    (spec, *_) = tiny_specs(values=(16,))
    st = store.Store(tmp_path)
    with st.lock():
        sweep.run_sweep([spec], st, local())
    run = tmp_path / store.RUNS_DIR / spec.train_key
    model, config = run / "model.pt", run / "config.json"
    for damage, message in ((lambda: model.write_bytes(b""), "model.pt is empty"),
                            (lambda: model.write_bytes(b"not a torch file"), "model.pt cannot be read"),
                            (lambda: config.write_text("{}"), "config.json is not the configuration of a run")):
        damage()
        res = runner_.invoke(app, ["criteria", "measure", str(run), "--n", "8"])
        assert res.exit_code == 2 and message in res.stderr and res.stderr.count("\n") == 1, res.stderr


def test_importing_ditrates_sweeps_and_reports_imports_no_torch():
    code = ("import sys, ditrates, ditrates.cli; import ditrates.experiments.report, ditrates.experiments.sweep, "
            "ditrates.experiments.plan, ditrates.experiments.store; "
            "heavy = {'torch', 'matplotlib', 'ray'} & set(sys.modules); assert not heavy, heavy; "
            "import ditrates as d; assert 'rich' not in sys.modules or 'ditrates.cli' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    bare = "import sys, ditrates; assert not {'torch', 'matplotlib', 'rich', 'typer', 'ray'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", bare], check=True)


# ----------------------------------------------------------------------------------------------------
# Commands: bad input and unwritable outputs, checked before any work
# ----------------------------------------------------------------------------------------------------
runner_ = CliRunner()


@pytest.mark.parametrize(("args", "message"), [
    (["--sweep", "m"], "unknown sweep 'm'"),
    (["--sweep", "n", "--seeds", "0"], "--seeds must be at least 1"),
    (["--sweep", "n", "--values", "8,x"], "--values expects integers"),
    (["--sweep", "n", "--device", "tpu"], "--device must be"),
    (["--sweep", "n", "--executor", "slurm"], "unknown executor 'slurm'"),
    (["--sweep", "n", "--jobs", "0"], "--jobs must be at least 1"),
    (["--sweep", "n", "--threads", "0"], "--threads must be at least 1"),
    (["--sweep", "n", "--ray-address", "auto"], "--ray-address needs --executor ray"),
    (["--sweep", "n", "--profile", "huge"], "unknown profile 'huge'"),
    (["--sweep", "n", "--quick", "--profile", "tiny"], "--quick is --profile quick"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = runner_.invoke(app, ["experiment", "run", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_outputs_that_cannot_be_written_are_refused_before_any_work(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for out in (a_file, a_file / "sub", "/proc/ditrates-cannot-write"):
        result = runner_.invoke(app, ["experiment", "run", "--sweep", "n", "--profile", "tiny", "--out", str(out)])
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, out
        assert "--out" in result.output
    st = store.Store(tmp_path / "runs")
    st.append({"key": "x", "status": "failed", "params": {}, "error": "e"})
    (tmp_path / "d.png").mkdir()
    for plot, message in ((tmp_path / "d.png", "is a directory"), (a_file / "p.png", "is a file, not a directory"),
                          (pathlib.Path("/proc/ditrates.png"), "not writable"),
                          (tmp_path / "p.pdf", "suffix must be one of .png")):
        result = runner_.invoke(app, ["experiment", "report", str(tmp_path / "runs"), "--plot", str(plot)])
        assert result.exit_code == 2 and message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_asking_for_a_missing_gpu_is_bad_input(tmp_path):
    result = runner_.invoke(app, ["experiment", "run", "--sweep", "n", "--device", "cuda", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no CUDA device" in result.output


def test_report_of_an_empty_directory_or_a_file_is_bad_input(tmp_path):
    result = runner_.invoke(app, ["experiment", "report", str(tmp_path)])
    assert result.exit_code == 2 and "no finished runs" in result.output
    (tmp_path / "f").write_text("")
    result = runner_.invoke(app, ["experiment", "report", str(tmp_path / "f")])
    assert result.exit_code == 2 and "is a file" in result.output


def test_tiny_sweep_through_the_command_line_and_its_report(tmp_path):
    out = tmp_path / "sweep"
    first = runner_.invoke(app, ["experiment", "run", "--sweep", "n", "--profile", "tiny", "--values", "16,32",
                                 "--out", str(out), "--json", "--jobs", "2"])
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["schema_version"] == 1 and len(doc["runs"]) == 12 and doc["skipped"] == 0
    again = json.loads(runner_.invoke(app, ["experiment", "run", "--sweep", "n", "--profile", "tiny", "--values",
                                            "16,32", "--out", str(out), "--json"]).stdout)
    assert (again["runs"], again["skipped"]) == ([], 12)
    png = tmp_path / "n.png"
    rep = runner_.invoke(app, ["experiment", "report", str(out), "--plot", str(png), "--json"])
    assert rep.exit_code == 0, rep.output
    doc = json.loads(rep.stdout)
    assert [c["model"] for c in doc["curves"]] == ["dit-learned", "mlp-learned"]
    assert [p["n"] for p in doc["curves"][0]["points"]] == [16, 32]
    assert [p["n"] for p in doc["curves"][0]["floors"]] == ["inf"]
    assert doc["curves"][1]["points"][0]["bounds"]["score_error"]["result"] == "chen2023-score-estimation"
    dit = doc["curves"][0]["points"][0]["bounds"]["score_error"]  # Thm 3.2's bound says which xi and eps it took
    assert dit["xi_reading"] in ("printed", "proof") and 0 < dit["eps"] < 1
    assert doc["curves"][1]["points"][0]["bounds"]["score_error"]["xi_reading"] is None
    assert png.read_bytes()[:4] == b"\x89PNG"
    human = runner_.invoke(app, ["experiment", "report", str(out)], env={"COLUMNS": "300"})  # headers whole
    assert human.exit_code == 0 and "excess over n = inf" in human.stdout and "exponent [95%]" in human.stdout
    assert "hidden constants 1" in human.stdout and ("the proof's form of xi" in human.stdout
                                                     or "Def. 3.4 as printed" in human.stdout)
