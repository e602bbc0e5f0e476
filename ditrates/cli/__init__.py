"""The ``ditrates`` command line: a thin typer layer over the library.

Each sub-module holds the commands of one topic and registers them on :data:`app`; none of them imports
torch or matplotlib at module level, so the symbolic commands start fast.
"""

from ditrates.cli import attention, bound, criteria, experiment, latex, show, solve  # noqa: F401  (registers commands)
from ditrates.cli.app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
