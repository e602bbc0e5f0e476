"""The Ray executor (extra `scale`): a small sweep on a local Ray gives the local executor's records.

`.ci/run` installs the extra (the README's test command has `.[test,numeric,scale]`), so this runs in CI."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("ray")

from ditrates.experiments import store  # noqa: E402

ARGS = ["experiment", "run", "--sweep", "n", "--profile", "tiny", "--values", "16", "--seeds", "1", "--json"]
TIMING = {"timings", "finished", "run_dir", "versions", "device", "threads"}


def run(out, *extra):
    proc = subprocess.run([sys.executable, "-m", "ditrates", *ARGS, "--out", str(out), *extra], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def comparable(out):
    recs = store.read_records(out / store.RESULTS_FILE).records
    return {r["key"]: {k: v for k, v in r.items() if k not in TIMING} for r in recs}


@pytest.mark.slow
def test_a_sweep_on_a_local_ray_equals_the_local_executors(tmp_path):
    local = run(tmp_path / "local", "--executor", "local", "--jobs", "2")
    remote = run(tmp_path / "ray", "--executor", "ray")
    assert len(local["runs"]) == len(remote["runs"]) == 4
    a, b = comparable(tmp_path / "local"), comparable(tmp_path / "ray")
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key
    assert sorted(p.name for p in (tmp_path / "ray" / store.RUNS_DIR).iterdir()) == sorted(
        r["train_key"] for r in a.values())  # run directories hold trained networks, named by their training keys
    again = run(tmp_path / "ray", "--executor", "ray")
    assert (again["runs"], again["skipped"]) == ([], 4)


def test_ray_address_errors_are_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ditrates", *ARGS, "--out", str(tmp_path), "--executor", "ray",
                           "--ray-address", "127.0.0.1:1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("ditrates: error: could not start or join Ray") and proc.stderr.count("\n") == 1
