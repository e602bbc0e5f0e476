"""The measured points that ``ditrates plot --runs DIR`` sets beside the bounds (no torch).

One series per configuration and quantity, from the report's own points (:func:`report.points`: runs grouped
by the hash of every parameter, never pooled), each a mean over seeds with the report's standard error. A
quantity goes beside a result only where the report compares them (:data:`report.QUANTITIES`, by network
class), and never where it is fixed by construction. The bound curves take the runs' parameters
(:func:`bounds.bound_values`) that most configurations share, so a configuration whose bound has other
parameters (the ambient baseline's d0 = D) is left out, with a note saying so. A value given on the command line
that differs from the runs' is kept, with a warning (:func:`differing`); the x-range covers the runs
(:func:`x_range`).
"""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

from ditrates.curves import Measured
from ditrates.errors import DitratesError
from ditrates.experiments import bounds, report, store
from ditrates.experiments.plan import SWEEPS
from ditrates.formatting import format_number, parse_number

PLOTTED = ("d0", "d", "D", "n", "T0", "T", "c0")
"""The runs' parameters that the bound curves take (unless given on the command line), the x-axis's excepted."""



def overlay(directory: pathlib.Path, names: Sequence[str], vs: str) -> tuple[list[Measured], dict, list[str]]:
    """The measured series of the ``vs``-sweep in ``directory`` for the results ``names``, the runs' parameters
    for the bound curves, and notes (configurations left out, unreadable lines)."""
    path = pathlib.Path(directory) / store.RESULTS_FILE
    if not path.is_file():
        raise DitratesError(f"--runs: no {path} (a directory written by 'ditrates experiment run')")
    recs = store.read_records(path)
    everything = report.curves(report.points(recs.records))
    chosen = [c for c in everything if c.sweep in SWEEPS and SWEEPS[c.sweep].key == vs and c.points]
    if not chosen:
        found = sorted({c.sweep for c in everything}) or ["none"]
        raise DitratesError(f"--runs: no finished {vs}-sweep in {path} (sweeps there: {', '.join(found)})")
    notes = [n for n in [recs.note(path)] if n]

    def plotted(c) -> dict:
        p = c.points[0]
        return {k: v for k, v in bounds.bound_values(p.params, p.c0).items() if k in PLOTTED and k != vs}

    shared = [plotted(c) for c in chosen]
    params, series = max(shared, key=shared.count), []  # the parameters most configurations share
    for c in chosen:
        first, values = c.points[0], plotted(c)
        if values != params:
            other = ", ".join(f"{k} = {format_number(v)}" for k, v in values.items() if params.get(k) != v)
            notes.append(f"{c.label} left out: its bound has {other}, the curves drawn have "
                         + ", ".join(f"{k} = {format_number(params[k])}" for k in values if params.get(k) != values[k]))
            continue
        for q in report.QUANTITIES:
            name = q.bounds.get(first.params["network"])
            if name not in names or c.model in q.fixed:
                continue
            pts = [p for p in c.points if p.mean(q.key) is not None]
            if pts:
                series.append(Measured(name, f"{c.label}: {q.label}", [float(p.x) for p in pts],
                                       [p.mean(q.key) for p in pts], [p.se(q.key) or 0.0 for p in pts]))
    return series, params, notes


def differing(given: dict, run_params: dict) -> list[str]:
    """Warnings for the values given on the command line that differ from the runs' (the curves take the given ones).

    >>> differing({"d0": "16", "n": "512"}, {"d0": 8, "n": 512, "d": 2})
    ["--d0 16 differs from the runs' d0 = 8: the bound curves are drawn at d0 = 16, the measured points were not"]
    """
    out = []
    for k, v in given.items():
        if k in run_params and parse_number(str(v), name=k) != parse_number(str(run_params[k]), name=k):
            out.append(f"--{k} {v} differs from the runs' {k} = {format_number(run_params[k])}: the bound curves are "
                       f"drawn at {k} = {v}, the measured points were not")
    return out


def x_range(series: Sequence[Measured]) -> tuple[float, float]:
    """The x-range of the measured points (the plot's margins keep the end points off the border; a wider range
    could leave the bounds' domain, e.g. L = d0/d < 2).

    >>> x_range([Measured("xi", "a", [16.0, 4096.0], [1.0, 1.0], [0.0, 0.0])])
    (16.0, 4096.0)
    """
    xs = [x for m in series for x in m.x]
    return min(xs), max(xs)
