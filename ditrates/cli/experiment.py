"""`ditrates experiment`: train small latent DiTs and set measured errors beside the bounds.

``run`` needs the ``numeric`` extra in its workers (torch), not in the driver; ``report`` reads saved records
with numpy and the rate library only (matplotlib for ``--plot``). Every output path is checked before any work.
"""

from __future__ import annotations

import importlib.util
import pathlib
import time
from typing import Annotated

import typer

from ditrates.cli.app import EPILOG, Group, JsonOpt, MarkdownOpt, app, output_mode
from ditrates.cli.experiment_tables import render_report, render_run
from ditrates.cli.output import Output, output_dir, output_path, writing
from ditrates.errors import DitratesError

experiment_app = typer.Typer(
    cls=Group, epilog=EPILOG, no_args_is_help=True,
    help="Train small latent DiTs in torch and compare with the bounds.\n\n"
         "Example: ditrates experiment run --sweep n --quick")
app.add_typer(experiment_app, name="experiment")

DEFAULT_ROOT = pathlib.Path("ditrates-experiments")
INTERRUPTED = 130


def default_out(sweep: str, profile: str, weighting: str, times: str) -> pathlib.Path:
    """``ditrates-experiments/<sweep>-<profile>[-gamma-<weighting>][-t-<times>]``: one directory per
    configuration.

    >>> str(default_out("n", "quick", "none", "log")), str(default_out("D", "default", "sigma", "uniform"))
    ('ditrates-experiments/n-quick', 'ditrates-experiments/D-default-gamma-sigma-t-uniform')
    """
    parts = [sweep, profile]
    parts += [f"gamma-{weighting}"] if weighting != "none" else []
    parts += [f"t-{times}"] if times != "log" else []
    return DEFAULT_ROOT / "-".join(parts)


def _values(text: str | None) -> list | None:
    from ditrates.experiments.plan import parse_n

    if not text:
        return None
    try:
        return [parse_n(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise DitratesError(f"--values expects integers (or inf) separated by commas, got {text!r}") from None


def _device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is present, else ``cpu``; ``cpu`` and ``cuda[:i]`` are checked."""
    if device == "cpu":
        return device
    if device != "auto" and device.split(":")[0] != "cuda":
        raise DitratesError(f"--device must be auto, cpu or cuda[:i], got {device!r}")
    import torch

    if torch.cuda.is_available():
        return "cuda" if device == "auto" else device
    if device == "auto":
        return "cpu"
    raise DitratesError(f"--device {device}: no CUDA device is available (use cpu or auto)")


@experiment_app.command("run")
def run(
    sweep: Annotated[str, typer.Option(
        "--sweep", help="What to sweep: n (sample size), D (ambient dimension, d0 fixed) or d0 (latent "
        "dimension); optional: n-law2 (n on a second data law), steps (the step cap), width (the transformer's "
        "width). Every configuration is also trained on infinite data (its floor).",
        metavar="n|D|d0|n-law2|steps|width")],
    quick: Annotated[bool, typer.Option("--quick", help="Small models, fewer draws: --profile quick.")] = False,
    profile: Annotated[str | None, typer.Option("--profile", help="default (the documented sweeps), quick (a "
                                                "smoke test, minutes) or tiny (seconds; numbers meaningless) "
                                                "[default: default; quick with --quick]",
                                                metavar="default|quick|tiny", show_default=False)] = None,
    seeds: Annotated[int | None, typer.Option("--seeds", help="Seeds per point [default: 5; 3 with --quick].",
                                              metavar="NUM", show_default=False)] = None,
    values: Annotated[str | None, typer.Option("--values", help="Swept values, e.g. 16,256,4096 [default: the "
                                               "sweep's own].", metavar="LIST", show_default=False)] = None,
    weighting: Annotated[str, typer.Option("--weighting", help="DSM loss weight gamma(t): none (Thm 3.2's "
                                           "estimator) or sigma.", metavar="none|sigma")] = "none",
    times: Annotated[str, typer.Option("--times", help="How t is drawn: log (log-uniform with importance "
                                       "weights, the same objective) or uniform.", metavar="log|uniform")] = "log",
    out: Annotated[pathlib.Path | None, typer.Option("--out", help="Directory for results.jsonl and runs/ "
                                                     "[default: ditrates-experiments/<sweep>-<profile>].",
                                                     metavar="DIR", show_default=False)] = None,
    device: Annotated[str, typer.Option("--device", help="Where to train.", metavar="auto|cpu|cuda[:i]")] = "auto",
    executor: Annotated[str, typer.Option("--executor", help="local (processes on this machine) or ray (tasks "
                                          "on a Ray cluster; pip install 'ditrates[scale]').",
                                          metavar="local|ray")] = "local",
    jobs: Annotated[int | None, typer.Option("--jobs", help="Runs at once [default: local, one per CPU core "
                                             "(1 on a GPU); ray, the cluster's CPUs].", metavar="NUM",
                                             show_default=False)] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="Torch threads per run [default: the CPU cores "
                                                "over --jobs locally, 1 on Ray]; a run is bit-identical for a given "
                                                "count on one CPU.", metavar="NUM", show_default=False)] = None,
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="Join this Ray cluster (e.g. "
                                                    "ray://head:10001 or auto) [default: start a local Ray].",
                                                    metavar="ADDRESS", show_default=False)] = None,
    finish_running: Annotated[bool, typer.Option("--finish-running", help="On a first interrupt, let the runs "
                                                 "in flight finish (default: stop them).")] = False,
    json_: JsonOpt = False,
) -> None:
    """Train the sweep's score networks, measure them, and append each finished run to DIR/results.jsonl.

    A run is keyed by a hash of everything that changes its result: a rerun skips the saved runs (and retries
    failed ones). The first Ctrl-C (or SIGTERM) starts no new run, stops the runs in flight and exits 130; run
    the same command to resume. A second one stops everything at once. On 2 idle CPU cores the default n-sweep
    takes about 7.5 minutes, --quick about 2 (docs/experiments.md, Cost).

    Example: ditrates experiment run --sweep n --quick
    """
    from ditrates.experiments import plan, store
    from ditrates.experiments import sweep as sweeping

    o = Output(output_mode(json_))
    if importlib.util.find_spec("torch") is None:
        raise DitratesError("torch is missing: the experiments need the numeric extra (pip install "
                            "'ditrates[numeric]')")
    if quick and profile not in (None, "quick"):
        raise DitratesError(f"--quick is --profile quick; it cannot go with --profile {profile}")
    specs = plan.plan(sweep, quick=quick, seeds=seeds, values=_values(values), weighting=weighting, times=times,
                      profile=profile)
    out = out if out is not None else default_out(sweep, specs[0].profile, weighting, times)
    dev = _device(device)
    ex = sweeping.make_executor(executor, jobs, dev, ray_address, threads)
    output_dir(out, "--out")
    st = store.Store(out)
    with st.lock():
        saved = {r["key"] for r in st.read().records if r.get("status", "ok") == "ok"}
        pending = sum(s.key not in saved for s in specs)
        if pending and hasattr(ex, "start"):
            ex.start()  # joining a cluster can fail: before anything is printed
        where = (f"{ex.jobs} at once on {dev} ({ex.threads} thread(s) each)" if executor == "local"
                 else f"on Ray ({ray_address or 'local'})")
        o.note(f"{sweep}-sweep: {len(specs)} runs, {len(specs) - pending} already in {st.results}; {where}")
        start = time.perf_counter()
        try:
            with o.progress(pending, f"{sweep}-sweep", runs=True) as bar:
                outcome = sweeping.run_sweep(specs, st, ex, events=bar, finish_running=finish_running)
        except sweeping.StopNow:
            done = {r["key"] for r in st.read().records if r.get("status", "ok") == "ok"}
            o.note(f"interrupted: {len(done & {s.key for s in specs})} of {len(specs)} runs saved in {out}; "
                   "stopped at once; run the same command to resume")
            raise typer.Exit(INTERRUPTED) from None
    if outcome.interrupted:
        o.note(f"interrupted: {outcome.saved} of {outcome.total} runs saved in {out}; "
               "run the same command to resume")
        raise typer.Exit(INTERRUPTED)
    render_run(o, outcome, out, sweep, time.perf_counter() - start)


@experiment_app.command("report")
def report(
    directory: Annotated[pathlib.Path, typer.Argument(metavar="DIR", help="A directory written by 'ditrates "
                                                      "experiment run'.")],
    plot: Annotated[pathlib.Path | None, typer.Option(
        "--plot", help="Write log-log plots to FILE.png [default: no plot].", metavar="FILE.png")] = None,
    json_: JsonOpt = False,
    markdown: MarkdownOpt = False,
) -> None:
    """Measured errors beside the bounds of the same parameters, excess over the infinite-data floor, fits.

    Reads results.jsonl only (no training, no torch): rerun it after the rate library changes. Points group
    runs of identical configurations; memorising points are labelled and left out of the fits; exponents get
    seed-bootstrap 95% intervals with k - 1 degrees of freedom, or a reason why there is none.

    Example: ditrates experiment report ditrates-experiments/n-default --plot n-sweep.png
    """
    from ditrates.experiments import report as reporting
    from ditrates.experiments import store

    o = Output(output_mode(json_, markdown=markdown))
    if plot is not None:
        if importlib.util.find_spec("matplotlib") is None:
            raise DitratesError("--plot needs matplotlib (pip install 'ditrates[numeric]')")
        output_path(str(plot), (".png",), "--plot", stdout=False)
    if directory.exists() and not directory.is_dir():
        raise DitratesError(f"{directory} is a file, not a directory written by 'ditrates experiment run'")
    loaded = store.read_records(directory / store.RESULTS_FILE)
    if not loaded.records:
        raise DitratesError(f"no finished runs in {directory / store.RESULTS_FILE}; "
                            "run 'ditrates experiment run --sweep n --quick --out DIR' first")
    rep = reporting.build(loaded.records)
    notes = [n for n in [loaded.note(directory / store.RESULTS_FILE)] if n] + rep.notes
    if plot is not None:
        from ditrates.experiments.plots import plot as draw

        with writing(plot) as tmp:
            draw(rep, tmp)
    render_report(o, rep, directory, notes, plot)
