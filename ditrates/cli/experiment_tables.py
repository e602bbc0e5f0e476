"""Tables and JSON of `ditrates experiment run` and `report` (rendering only; the numbers come from
:mod:`ditrates.experiments.report`)."""

from __future__ import annotations

import math
import pathlib

from ditrates.cli.output import Output
from ditrates.experiments import distances
from ditrates.experiments.plan import swept
from ditrates.formatting import format_number, json_safe


def pm(mean, se) -> str:
    """``mean ± se`` in 3 significant digits, or ``-``.

    >>> pm(0.123456, 0.0123), pm(None, None), pm(2.0, None)
    ('0.123 ± 0.012', '-', '2')
    """
    if mean is None or (isinstance(mean, float) and not math.isfinite(mean)):
        return "-"
    return f"{mean:.3g}" if not se else f"{mean:.3g} ± {se:.2g}"


def _cell(p, q: str) -> str:
    return pm(p.mean(q), p.se(q))


def _excess(p, floor, q: str) -> str:
    """The point's mean minus its floor's. Runs of one seed share their initialisation and evaluation draws, so
    where both have the same seeds (two or more) the standard error is that of the per-seed differences
    (paired); otherwise that of the difference of two independent means."""
    if floor is None or p.mean(q) is None or floor.mean(q) is None:
        return "-"
    mine, theirs = p.seed_values(q), floor.seed_values(q)
    if set(mine) == set(theirs) and len(mine) >= 2:
        diffs = [mine[s] - theirs[s] for s in mine]
        mean = sum(diffs) / len(diffs)
        return pm(mean, math.sqrt(sum((x - mean) ** 2 for x in diffs) / (len(diffs) - 1) / len(diffs)))
    return pm(p.mean(q) - floor.mean(q), math.hypot(p.se(q) or 0.0, floor.se(q) or 0.0))


def _bound(p, q) -> str:
    ev = p.bound(q)
    if ev is None:
        return "fixed" if p.model in q.fixed else "n/a"
    return ev.text + (" (vacuous)" if ev.vacuous else "")


def bound_convention(ev) -> str:
    """The line that says how a bound column was evaluated: hidden constants, ``eps`` and the reading of xi.

    >>> import ditrates
    >>> ev = ditrates.get("score-estimation").evaluate(d0=8, d=2, n=512, T0=0.01, T=5)
    >>> print(bound_convention(ev)[2:])  # doctest: +NORMALIZE_WHITESPACE
    bound: score-estimation (Theorem 3.2), hidden constants 1, eps = auto at each row's parameters,
    Def. 3.4 as printed
    >>> bound_convention(None)
    ''
    """
    if ev is None:
        return ""
    eps = ev.resolved.values.get("eps")
    reading = "" if ev.reading is None else f", {ev.reading.title}"
    return (f"; bound: {ev.result.name} ({ev.result.source}), hidden constants 1"
            + ("" if eps is None else ", eps = auto at each row's parameters") + reading)


def _memo(p) -> str:
    """The ratio of the seed means, and how many seeds' own ratio is below 1."""
    r = p.memorisation_ratio
    if r is None:
        return "-"
    below = p.seeds_memorising
    count = f" ({below} of {len(p.seed_values('train_excess'))} seeds below 1)" if below else ""
    return f"{r:.2f} MEMORISING{count}" if p.memorising else f"{r:.2f}{count}"


def _value(p) -> str:
    return "inf" if p.n == "inf" else str(p.x)


def render_report(o: Output, rep, directory: pathlib.Path, notes: list[str], plot) -> None:
    from ditrates.experiments.report import BY_KEY

    if o.mode == "json":
        o.json(json_safe({"dir": str(directory), "notes": notes, "curves": [_curve_json(c, BY_KEY) for c in rep.curves],
                          "fits": [f.to_dict() for f in rep.fits],
                          "failed": [{k: r.get(k) for k in ("key", "model", "seed", "error")} for r in rep.failed],
                          "plot": None if plot is None else str(plot)}))
        return
    for c in rep.curves:
        rows = [*c.points, *sorted(c.floors.values(), key=lambda p: (p.x is not None, p.x or 0))]
        if not rows:
            continue
        first = rows[0]
        var = swept(c.sweep)
        p = first.params
        cap = "the swept step cap" if var == "max_steps" else f"at most {p['max_steps']} steps"
        title = (f"{c.sweep}-sweep, {c.label}: DSM {first.estimator()}; early stopping on {p['val_fraction']:.0%} "
                 f"held out, {cap}")
        lead = (lambda r: [_value(r)]) if var == "n" else (lambda r: [str(r.x), str(r.n)])
        heads = ["n"] if var == "n" else [var, "n"]
        o.table([*heads, "seeds", "steps", "train/held-out", "score error", "bound", "excess over n = inf",
                 "off support", "subspace error", "bound (Cor 3.2.1 i)"],
                [[*lead(r), len(r.seeds), _steps(r), _memo(r),
                  _cell(r, "score_error"), _bound(r, BY_KEY["score_error"]),
                  "floor" if r.n == "inf" else _excess(r, c.floor(r), "score_error"),
                  _cell(r, "score_error_orthogonal"), _cell(r, "subspace_error"), _bound(r, BY_KEY["subspace_error"])]
                 for r in rows], title=title,
                caption="train/held-out: training excess over held-out excess (below 1: memorising, left out of fits)"
                        + bound_convention(first.bound(BY_KEY["score_error"])),
                justify=["right"] * (9 + len(heads)))
        heads_d = [c for e in distances.ESTIMATORS for c in [e.column, *(["bound"] if e.bounds else [])]]
        o.table([*heads, *heads_d, "lambda_max off support", "sigma(T0)"],
                [[*lead(r), *[c for e in distances.ESTIMATORS for c in [_cell(r, e.key),
                                                              *([_bound(r, BY_KEY[e.key])] if e.bounds else [])]],
                  _cell(r, "orthogonal_variance") + (" (fixed)" if r.model in BY_KEY["orthogonal_variance"].fixed
                                                     else ""),
                  f"{-math.expm1(-r.params['T0']):.3g}"] for r in rows],
                title=f"{c.sweep}-sweep, {c.label}: generated latent samples against the exact P^h_T0",
                caption="estimators' levels on an exact sample (P = Q): " + ", ".join(
                    f"{e.key} {pm(first.mean(e.key + '_floor'), first.se(e.key + '_floor'))}"
                    for e in distances.ESTIMATORS),
                justify=["right"] * (len(heads_d) + 2 + len(heads)))
    if rep.fits:
        o.table(["curve", "quantity", "law", "exponent [95%]", "floor [95%]", "bound: local", "bound: above floor"],
                [[f.curve, f.quantity, f.kind, _ci(f.exponent, f.interval), _ci(f.floor, f.floor_interval),
                  _num(f.bound_local), _num(f.bound_excess)] for f in rep.fits],
                title="fitted laws (seed-bootstrap 95% intervals, k - 1 degrees of freedom)",
                justify=["left"] * 3 + ["right"] * 4)
        for f in rep.fits:
            o.line(f"- {f.verdict}")
    if rep.failed:
        o.table(["failed run", "seed", "error"], [[r["key"], r.get("seed"), r.get("error", "")] for r in rep.failed],
                title=f"{len(rep.failed)} failed run(s) (rerun the command to retry them)")
    for n in notes:
        o.note(f"note: {n}")
    if plot is not None:
        o.note(f"plot written to {plot}")


def _steps(p) -> str:
    runs = p.runs
    steps = [r["train"]["steps"] for r in runs]
    early = sum(bool(r["train"].get("stopped_early")) for r in runs)
    return f"{min(steps)}-{max(steps)}" + (f" ({early} early)" if early else "") if min(steps) != max(steps) \
        else f"{steps[0]}" + (f" ({early} early)" if early else "")


def _num(x) -> str:
    if x is None:
        return "-"
    return f"{0.0 if abs(x) < 5e-4 else x:.3f}" if abs(x) < 1000 else format_number(x, digits=3)  # no "-0.000"


def _ci(x, interval) -> str:
    if x is None:
        return "-"
    return f"{x:.3g}" + ("" if interval is None else f" [{interval[0]:.3g}, {interval[1]:.3g}]")


def _curve_json(c, by_key) -> dict:
    def point(p) -> dict:
        return {"key": p.key, "value": p.x, "n": p.n, "seeds": p.seeds, "model": p.model, "profile": p.profile,
                "memorisation_ratio": p.memorisation_ratio, "memorising": p.memorising, "estimator": p.estimator(),
                "params": p.params, "c0": p.c0,
                "measurements": {q: {"mean": p.mean(q), "se": p.se(q), "per_seed": p.values[q]} for q in p.values},
                "bounds": {k: _bound_json(p.bound(q)) for k, q in by_key.items() if q.bounds}}

    return {"sweep": c.sweep, "model": c.model, "curve": c.key, "label": c.label,
            "points": [point(p) for p in c.points], "floors": [point(p) for p in c.floors.values()]}


def _bound_json(ev):
    if ev is None:
        return None
    eps = ev.resolved.values.get("eps")
    return {"result": ev.result.name, "value": ev.value, "log10": float(ev.log10), "vacuous": ev.vacuous,
            "eps": None if eps is None else float(eps), "xi_reading": None if ev.reading is None else ev.reading.value}


def render_run(o: Output, outcome, out: pathlib.Path, sweep: str, seconds: float) -> None:

    if o.mode == "json":
        o.json(json_safe({"out": str(out), "sweep": sweep, "runs": outcome.new, "failed": outcome.failed,
                          "skipped": outcome.skipped, "seconds": seconds}))
        return

    def m(r, q):
        v = r["measurements"].get(q)
        return pm(v["value"], v["se"]) if v else "-"

    rows = [[r["key"], r["params"]["n"], r["seed"], r["train"]["steps"], m(r, "score_error"), m(r, "tv_lower"),
             f"{r['timings']['total_s']:.0f}"] for r in outcome.new]
    rows += [[r["key"], r["params"]["n"], r["seed"], "-", "FAILED: " + r["error"][:60], "-", "-"]
             for r in outcome.failed]
    o.table(["run", "n", "seed", "steps", "score error", "TV lower bound", "time s"], rows,
            title=f"{len(outcome.new)} runs finished, {len(outcome.failed)} failed, {outcome.skipped} skipped "
                  f"(already in {out}); {seconds:.0f} s",
            justify=["left"] + ["right"] * 6)
    o.note(f"see: ditrates experiment report {out}")
