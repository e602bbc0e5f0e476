"""`ditrates experiment`: train small latent DiTs and set measured errors beside the bounds (issue 5).

torch, matplotlib and :mod:`ditrates.experiments` are imported inside the commands only, so that the
symbolic commands start fast and work without the ``numeric`` extra.
"""

from __future__ import annotations

import pathlib
from typing import Annotated

import typer

from ditrates.cli.app import EPILOG, Group, JsonOpt, app, output_mode
from ditrates.cli.output import Output
from ditrates.errors import DitratesError

experiment_app = typer.Typer(
    cls=Group, epilog=EPILOG, no_args_is_help=True,
    help="Train small latent DiTs in torch and compare with the bounds.\n\n"
         "Example: ditrates experiment run --sweep n --quick --out runs/n-quick")
app.add_typer(experiment_app, name="experiment")

DEFAULT_OUT = pathlib.Path("ditrates-experiments")


def _torch():
    """Import the numeric companion, or say how to install it."""
    try:
        from ditrates.experiments import compare
    except ModuleNotFoundError as e:
        raise DitratesError(f"{e.name} is missing: the experiments need the numeric extra "
                            "(pip install 'ditrates[numeric]')") from None
    return compare


def _values(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(float(v)) for v in text.split(",") if v.strip()]
    except ValueError:
        raise DitratesError(f"--values expects integers separated by commas, got {text!r}") from None


def _pm(m: dict | None) -> str:
    """``mean ± se`` of a measurement dict (``value``/``se`` or ``mean``/``se``), or ``-``."""
    if not m:
        return "-"
    v = m.get("mean", m.get("value"))
    if v is None:
        return "-"
    se = m.get("se")
    return f"{v:.3g}" if not se else f"{v:.3g} ± {se:.2g}"


@experiment_app.command("run")
def run(
    sweep: Annotated[str, typer.Option(
        "--sweep", help="What to sweep: n (sample size), D (ambient dimension, d0 fixed; oracle, learned and "
        "ambient models) or d0 (latent dimension).")],
    quick: Annotated[bool, typer.Option("--quick", help="Small models, fewer draws (seconds a run).")] = (
        False),
    seeds: Annotated[int | None, typer.Option("--seeds", help="Seeds per point (default 3; 1 with --quick).",
                                              show_default=False)] = None,
    values: Annotated[str | None, typer.Option("--values", help="Swept values, e.g. 8,64,512 (default: the "
                                               "sweep's own).", show_default=False)] = None,
    weighting: Annotated[str, typer.Option("--weighting", help="DSM loss weight gamma(t): sigma (sigma(t), "
                                           "the default) or none (the loss of Thm 3.2's proof).")] = "sigma",
    out: Annotated[pathlib.Path, typer.Option("--out", help="Directory for results.jsonl and runs/.")] = (
        DEFAULT_OUT),
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda[:i].")] = "auto",
    jobs: Annotated[int | None, typer.Option("--jobs", help="Runs at once (default: one per CPU core; 1 on a "
                                             "GPU).", show_default=False)] = None,
    json_: JsonOpt = False,
) -> None:
    """Train the sweep's score networks, measure them, and append each finished run to DIR/results.jsonl.

    A run is identified by (sweep, parameters, seed): a rerun skips the runs already in results.jsonl, so an
    interrupted sweep loses only the runs in progress. Each run also saves DIR/runs/KEY/{model.pt,
    config.json}. On 2 CPU cores the default n-sweep takes 5 to 14 minutes, --quick about half a minute.

    Example: ditrates experiment run --sweep n --quick
    """
    o = Output(output_mode(json_))
    compare = _torch()
    if seeds is None:
        seeds = 1 if quick else 3
    specs = compare.plan(sweep, quick=quick, seeds=seeds, values=_values(values), weighting=weighting)
    dev = compare.resolve_device(device)
    done = {r.get("key") for r in compare.load_records(out / compare.RESULTS_FILE)}
    pending = sum(s.key not in done for s in specs)
    n_jobs, threads = compare.workers(dev, jobs, pending)
    plural = "s" if threads > 1 else ""
    o.note(f"{sweep}-sweep: {len(specs)} runs, {len(specs) - pending} already in "
           f"{out / compare.RESULTS_FILE}; {n_jobs} at once on {dev} ({threads} thread{plural} each)")
    with o.progress(pending, f"{sweep}-sweep") as advance:
        new, skipped = compare.run_sweep(specs, out, dev, n_jobs, threads,
                                         on_done=lambda r: advance(1, f"{sweep}-sweep: {r['key']}"))
    if o.mode == "json":
        o.json({"out": str(out), "sweep": sweep, "runs": [compare.finite(r) for r in new],
                "skipped": skipped})
        return
    rows = [[r["key"], r["value"], r["seed"], _pm(r["measurements"]["score_error"]),
             _pm(r["measurements"]["subspace_error"]), _pm(r["measurements"]["tv"]),
             f"{r['timings']['total_s']:.0f}", f"{r['timings']['steps_per_s']:.0f}"] for r in new]
    o.table(["run", compare.SWEEPS[sweep].key, "seed", "score error", "subspace error", "latent TV", "time s",
             "steps/s"], rows, title=f"{len(new)} runs finished, {skipped} skipped (already in {out})",
            justify=["left"] + ["right"] * 7)
    o.note(f"see: ditrates experiment report {out}")


@experiment_app.command("report")
def report(
    directory: Annotated[pathlib.Path, typer.Argument(metavar="DIR", help="A directory written by 'ditrates "
                                                      "experiment run'.")],
    plot: Annotated[pathlib.Path | None, typer.Option("--plot", help="Write log-log plots to FILE.png.",
                                                      metavar="FILE.png")] = None,
    json_: JsonOpt = False,
) -> None:
    """Tables of measured errors beside the bounds of the same parameters, fitted exponents, and plots.

    Bounds use the rate library's defaults (hidden constants 1, eps minimising xi, c0 of the data); the
    orthogonal variance is compared with a T0 for a = e (Lemma F.9). Fits: y = A x^b, and over n also
    y = A n^b + c, with 95% parametric-bootstrap intervals.

    Example: ditrates experiment report ditrates-experiments --plot docs/img/n-sweep.png
    """
    o = Output(output_mode(json_))
    compare = _torch()
    records = compare.load_records(directory / compare.RESULTS_FILE)
    if not records:
        raise DitratesError(f"no finished runs in {directory / compare.RESULTS_FILE}; "
                            "run 'ditrates experiment run --sweep n --quick --out DIR' first")
    pts = compare.points(records)
    fitted = compare.fits(pts)
    if plot is not None:
        if plot.suffix.lower() != ".png":
            raise DitratesError(f"--plot expects a .png file name, got {plot}")
        compare.plot(pts, fitted, plot)
    if o.mode == "json":
        o.json(compare.finite({"dir": str(directory), "runs": len(records),
                               "points": [p.to_dict() for p in pts], "fits": [f.to_dict() for f in fitted],
                               "plot": None if plot is None else str(plot)}))
        return
    for sweep in [s for s in compare.SWEEPS if any(p.sweep == s for p in pts)]:
        _sweep_tables(o, compare, [p for p in pts if p.sweep == sweep], sweep)
    _fit_table(o, compare, fitted)
    if plot is not None:
        o.note(f"plot written to {plot}")


def _bound(p, key: str) -> str:
    ev = p.bounds.get(key)
    if ev is None:
        return "n/a"
    return ev.text + (" (vacuous)" if ev.vacuous else "")


def _ratio(p, key: str) -> str:
    r = p.ratio(key)
    return "-" if r is None else f"{r:.2g}"


def _cell(p, key: str) -> str:
    return _pm({"mean": p.mean[key], "se": p.se[key]})


def _sweep_tables(o: Output, compare, pts, sweep: str) -> None:
    key = compare.SWEEPS[sweep].key
    o.table([key, "model", "seeds", "score error", "bound (Thm 3.2)", "ratio", "sigma^2-weighted",
             "subspace error", "bound (Cor 3.2.1 i)", "ratio"],
            [[p.value, p.projection, len(p.seeds), _cell(p, "score_error"), _bound(p, "score_error"),
              _ratio(p, "score_error"), _cell(p, "score_error_weighted"), _cell(p, "subspace_error"),
              _bound(p, "subspace_error"), _ratio(p, "subspace_error")] for p in pts],
            title=f"{sweep}-sweep: score and subspace errors (mean ± standard error) beside the bounds",
            caption=f"claim: {compare.SWEEPS[sweep].claim}", justify=["right", "left"] + ["right"] * 8)
    o.table([key, "model", "latent TV", "TV floor", "bound (Cor 3.2.1 ii)", "sliced W2", "SW floor",
             "lambda_max orth.", "a T0 (a = e)"],
            [[p.value, p.projection, _cell(p, "tv"), _cell(p, "tv_floor"), _bound(p, "tv"), _cell(p, "sw"),
              _cell(p, "sw_floor"), _cell(p, "orthogonal_variance"), _bound(p, "orthogonal_variance")]
             for p in pts],
            title=f"{sweep}-sweep: generated samples (backward process to T0) against the true latent law",
            caption="floor: the same estimator between two independent samples of the true law",
            justify=["right", "left"] + ["right"] * 7)


def _fit_table(o: Output, compare, fitted) -> None:
    if not fitted:
        o.note("no fits: a curve needs at least 3 points with positive means")
        return

    def ci(lo_hi) -> str:
        return f"[{lo_hi[0]:.2g}, {lo_hi[1]:.2g}]"

    rows = [[f.sweep, f.projection, f.quantity, f.kind, f"{f.exponent:.3f} {ci(f.exponent_ci)}",
             "-" if f.floor is None else f"{f.floor:.3g} {ci(f.floor_ci)}",
             "-" if f.bound_exponent is None else f"{f.bound_exponent:.3f}",
             "-" if f.bound_floor is None else f"{f.bound_floor:.3g}",
             {True: "below", False: "not below", None: "-"}[f.faster_than_bound]] for f in fitted]
    o.table(["sweep", "model", "quantity", "fit", "exponent [95%]", "floor [95%]", "bound exponent",
             "bound floor", "vs bound"], rows,
            title="fitted log-log laws beside the bound's local exponent (at the middle point)",
            caption="below: the whole 95% interval of the exponent lies below the bound's (over n: the error "
            "decays faster than the bound)",
            justify=["left"] * 4 + ["right"] * 5)
