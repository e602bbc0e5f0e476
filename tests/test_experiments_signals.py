"""Real signals to a parallel sweep in a subprocess: exit 130, one message, whole records, no child left.

Each test starts `python -m ditrates experiment run` (tiny profile, 2 workers) in its own process group, waits
for the first saved record, sends SIGINT or SIGTERM (to the process or to its group, once or twice), and then
checks the exit code, the message, the records, and that none of the processes that were its descendants at
the time of the signal is still alive. Every wait has a timeout.
"""

import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("torch")

from ditrates.experiments import store  # noqa: E402

MESSAGE = re.compile(r"interrupted: (\d+) of (\d+) runs saved in (.+?); (stopped at once; )?run the same command to "
                     r"resume")
ARGS = ["experiment", "run", "--sweep", "n", "--profile", "tiny", "--values", "16,32,64,128", "--seeds", "2",
        "--jobs", "2"]
TOTAL = 5 * 2 * 2


def start(out: pathlib.Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ditrates", *ARGS, "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def saved(out: pathlib.Path) -> list[dict]:
    got = store.read_records(out / store.RESULTS_FILE)
    assert got.unreadable == []
    return [r for r in got.records if r["status"] == "ok"]


def wait_for_records(proc: subprocess.Popen, out: pathlib.Path, count: int = 1, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(saved(out)) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no record in time"
        time.sleep(0.05)


def descendants(pid: int) -> set[int]:
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in pathlib.Path(f"/proc/{p}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for c in map(int, children):
                if c not in out:
                    out.add(c)
                    todo.append(c)
    return out


def alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def finish(proc: subprocess.Popen, children: set[int], out: pathlib.Path, timeout: float = 30):
    stdout, stderr = proc.communicate(timeout=timeout)
    deadline = time.monotonic() + 10
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [c for c in children if alive(c)], "a child process survived"
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.strip().splitlines() if line.startswith("interrupted")]
    assert len(lines) == 1, stderr
    match = MESSAGE.fullmatch(lines[0])
    assert match and int(match[2]) == TOTAL and pathlib.Path(match[3]) == out
    assert "Traceback" not in stderr
    assert int(match[1]) == len(saved(out))
    return int(match[1]), match


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.mark.parametrize(("sig", "group"), [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)])
def test_one_signal_stops_the_runs_in_flight_and_saves_the_rest(tmp_path, sig, group):
    proc = start(tmp_path)
    wait_for_records(proc, tmp_path)
    children = descendants(proc.pid)
    assert len(children) >= 2  # the two workers (and multiprocessing's resource tracker)
    before = len(saved(tmp_path))
    (os.killpg if group else os.kill)(proc.pid, sig)
    count, match = finish(proc, children, tmp_path)
    assert before <= count <= before + 2 and not match[4]
    assert not list((tmp_path / store.RUNS_DIR).glob(f"{store.PARTIAL}*"))
    assert {p.name for p in (tmp_path / store.RUNS_DIR).iterdir()} == {r["train_key"] for r in saved(tmp_path)}


def test_a_second_signal_stops_everything_at_once(tmp_path):
    proc = start(tmp_path, "--finish-running")
    wait_for_records(proc, tmp_path)
    children = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    begin = time.monotonic()
    count, match = finish(proc, children, tmp_path, timeout=15)
    assert time.monotonic() - begin < 10 and match[4]  # "stopped at once"


def test_finish_running_lets_the_runs_in_flight_finish_and_starts_no_new_one(tmp_path):
    proc = start(tmp_path, "--finish-running")
    wait_for_records(proc, tmp_path)
    children = descendants(proc.pid)
    before = len(saved(tmp_path))
    os.kill(proc.pid, signal.SIGINT)
    count, _ = finish(proc, children, tmp_path, timeout=60)
    assert before <= count <= before + 2 < TOTAL


def test_an_interrupted_sweep_resumes_without_losing_or_repeating_work(tmp_path):
    proc = start(tmp_path)
    wait_for_records(proc, tmp_path, count=3)
    children = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGINT)
    first, _ = finish(proc, children, tmp_path)
    kept = {r["key"]: r["finished"] for r in saved(tmp_path)}
    again = start(tmp_path)
    _, stderr = again.communicate(timeout=180)
    assert again.returncode == 0, stderr
    final = saved(tmp_path)
    assert len(final) == TOTAL and len({r["key"] for r in final}) == TOTAL
    assert all(next(r for r in final if r["key"] == k)["finished"] == f for k, f in kept.items())
    assert f"{first} already in" in stderr
