"""`ditrates page`: write the static page of every rate (formulas, inputs, live charts) into a directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ditrates.cli.app import app
from ditrates.cli.output import output_dir
from ditrates.errors import DitratesError, RunError
from ditrates.page.build import write


@app.command("page")
def page(
    output: Annotated[Path, typer.Option("-o", "--output", help="The directory to write (created if missing).")]
    = Path("ditrates-page"),
) -> None:
    """Write a static page that shows every result live in the browser, offline from file://.

    Every formula is rendered as MathML from sympy, with its source, conditions and notes; the inputs
    take the CLI's defaults; the numbers are computed in the browser by JavaScript generated from the same
    sympy expressions (in log space), and log-log charts against n and L show the baselines, vacuity and
    the range of xi's printed reading. Open DIR/index.html.

    Example: ditrates page -o docs/page
    """
    if not output.parent.is_dir():
        raise DitratesError(f"cannot write {output}: no directory {output.parent}")
    output_dir(output, "-o")  # checked by doing it, before any work
    try:
        written = write(output)
    except OSError as e:
        raise RunError(f"cannot write {output}: {e.strerror or e}; the files written before it are kept (run "
                       "again to complete the page)") from None
    size = sum(p.stat().st_size for p in written)
    typer.echo(f"wrote {len(written)} files ({size / 1024:.0f} KiB) to {output}; open {output / 'index.html'}",
               err=True)
