"""One output object for every command: rich tables for people, JSON for scripts, LaTeX for papers.

Data goes to stdout, messages (notes, warnings, progress bars) to stderr. Colour is used only on a
terminal and never when ``NO_COLOR`` is set or ``--json`` is asked for; JSON output always carries
``schema_version``.

Commands build their data, then call :meth:`Output.table`, :meth:`Output.json`, :meth:`Output.latex` or
:meth:`Output.line`; bad input is reported by raising :class:`ditrates.errors.DitratesError`, which the
application turns into one line on stderr and exit code 2.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ditrates.cli.layout import GAP, column_widths, split_columns, wrap
from ditrates.errors import DitratesError, RunError

SCHEMA_VERSION = 1
PAPER_ID = "arXiv:2407.01079"


PIPE_WIDTH = 120
"""Table width when the output is not a terminal and ``COLUMNS`` is not set."""


def _width(tty: bool) -> int | None:
    """The terminal's width (rich finds it), else ``COLUMNS``, else :data:`PIPE_WIDTH`."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 20:
        return int(columns)
    return None if tty else PIPE_WIDTH


def _console(stderr: bool = False, plain: bool = False):

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    no_color = plain or bool(os.environ.get("NO_COLOR")) or not tty
    return Console(file=stream, no_color=no_color, color_system=None if no_color else "auto",
                   highlight=False, width=_width(tty), soft_wrap=False, emoji=False)


MODES = ("human", "json", "latex", "csv", "markdown")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None,
                   justify: Sequence[str] | None = None) -> str:
    """A GitHub table (with its title as a bold line above it), right-justified columns aligned right.

    >>> print(markdown_table(["n", "error"], [[16, "1 | 2"]], "t", ["right", "left"]))
    **t**
    <BLANKLINE>
    | n | error |
    |---:|---|
    | 16 | 1 \\| 2 |
    <BLANKLINE>
    """
    def row(cells) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    rule = "|" + "|".join("---:" if justify and justify[i] == "right" else "---" for i in range(len(columns))) + "|"
    head = [f"**{title}**", ""] if title else []
    return "\n".join([*head, row(columns), rule, *(row(r) for r in rows), ""])


class Output:
    """Renders a command's data in the mode the user asked for (``human``, ``json``, ``latex``, ``csv`` or
    ``markdown``).

    In ``csv`` mode only the tables marked ``primary`` are written (one CSV table, header first); lines for
    people are left out. In ``markdown`` mode tables are GitHub tables and lines are paragraphs (for docs).
    """

    def __init__(self, mode: str = "human"):
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self._out = None
        self._err = None

    @property
    def out(self):
        if self._out is None:
            self._out = _console(plain=self.mode != "human")
        return self._out

    @property
    def err(self):
        if self._err is None:
            self._err = _console(stderr=True)
        return self._err

    # -- data (stdout) -------------------------------------------------------------------------------
    def table(self, columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None,
              caption: str | None = None, justify: Sequence[str] | None = None, header: bool = True,
              primary: bool = False, movable: Sequence[str] = (), keys: int = 1) -> None:
        """A rich table (human mode), or CSV for a ``primary`` table in csv mode.

        In human mode no name, number or source is ever wrapped, prose wraps between words, and when the
        table does not fit the console the ``movable`` columns (names, in the order they may go) move to
        continuation tables below it, led by the first ``keys`` columns (:func:`split_columns`)."""
        if self.mode == "csv":
            if primary:

                writer = csv.writer(sys.stdout, lineterminator="\n")
                writer.writerow(columns)
                writer.writerows([[str(x) for x in r] for r in rows])
            return
        if self.mode == "markdown":
            sys.stdout.write(markdown_table(columns, rows, title, justify) + "\n")
            if caption:
                self.line(caption)
                self.line()
            return

        cells = [[c, *(str(r[i]) for r in rows)] for i, c in enumerate(columns)]
        moving = [columns.index(c) for c in movable if c in columns]
        for k, idx in enumerate(split_columns(cells, self.out.width, keys, moving)):
            self._rich_table([cells[i] for i in idx], title if k == 0 else None,
                             [justify[i] if justify else "left" for i in idx], header, keys)
        if caption:
            self.line(caption)

    def _rich_table(self, cells, title, justify, header: bool, keys: int) -> None:
        """One rich table of ``cells`` (columns, header first) at the console's width, prose wrapped by
        :func:`wrap`, names and values whole; a table wider than the console is printed whole, not cropped."""
        t = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, title_justify="left", pad_edge=False,
                  title_style="bold", show_header=header)
        widths = column_widths(cells, self.out.width - GAP * len(cells), keys)
        for column, w, j in zip(cells, widths, justify, strict=True):
            t.add_column(column[0], justify=j, width=w, no_wrap=True, overflow="ignore")
        t.add_column("", width=0)  # rich 15 wraps the last column one character too wide and crops it
        for r in range(1, len(cells[0])):
            t.add_row(*[Text("\n".join(wrap(c[r], w))) for c, w in zip(cells, widths, strict=True)], "")
        width = self.out.width
        self.out.width = max(width, sum(widths) + GAP * len(cells))
        try:
            with self.out.capture() as captured:
                self.out.print(t)
        finally:
            self.out.width = width
        self.out.file.write("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")

    def line(self, text: str = "", style: str | None = None) -> None:
        """A line of text for people (stdout; not in csv mode), wrapped at the console's width with its indent
        kept (two more spaces on continuation lines)."""
        if self.mode == "csv":
            return
        if self.mode == "markdown":
            sys.stdout.write(text + "\n")
            return

        indent = " " * (len(text) - len(text.lstrip(" ")))
        for line in wrap(text, self.out.width, indent + "  "):
            self.out.print(line, style=style, markup=False, soft_wrap=True)

    def json(self, data: dict) -> None:
        """Machine-readable output: one JSON document with ``schema_version`` first."""
        sys.stdout.write(self.json_text(data))

    @staticmethod
    def json_text(data: dict) -> str:
        """The JSON document of :meth:`json`, as text (for a file)."""
        doc = {"schema_version": SCHEMA_VERSION, "paper": PAPER_ID, **data}
        return json.dumps(doc, indent=2, allow_nan=False) + "\n"

    def latex(self, text: str) -> None:
        sys.stdout.write(text.rstrip("\n") + "\n")

    # -- messages (stderr) ---------------------------------------------------------------------------
    def note(self, text: str) -> None:
        """A remark for people (stderr, so that it never mixes with data; in Markdown, which is for people, an
        italic paragraph)."""
        if self.mode == "markdown":
            sys.stdout.write(f"*{text}*\n\n")
            return
        self.err.print(text, style="dim", markup=False, soft_wrap=True)

    def progress(self, total: int, description: str, runs: bool = False) -> ProgressBar:
        """A progress bar on stderr (a context manager; see :class:`ProgressBar`)."""
        return ProgressBar(self.err, total, description, runs)


class ProgressBar:
    """A rich progress bar on stderr: done of total, time elapsed and left; with ``runs``, also the runs in
    flight and failed (the ``started``/``finished`` events of a sweep). Shown on a terminal, or when
    ``DITRATES_PROGRESS`` is set."""

    def __init__(self, console: Console, total: int, description: str, runs: bool = False):
        counts = [TextColumn("in flight {task.fields[flight]}, failed {task.fields[failed]}")] if runs else []
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *counts,
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=console,
                                 disable=not console.is_terminal and not os.environ.get("DITRATES_PROGRESS"))
        self.task = self.progress.add_task(description, total=total, flight=0, failed=0)
        self.flight = self.failed = 0

    def __enter__(self) -> ProgressBar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def advance(self, n: int = 1, description: str | None = None) -> None:
        self.progress.update(self.task, advance=n, **({"description": description} if description else {}))

    def started(self, spec=None) -> None:
        self.flight += 1
        self.progress.update(self.task, flight=self.flight)

    def finished(self, record: dict) -> None:
        self.flight -= 1
        self.failed += record.get("status") == "failed"
        self.progress.update(self.task, flight=self.flight, failed=self.failed)
        self.advance(description=record["key"])


STDOUT = "-"
"""An output path of ``-`` means standard output."""


def output_path(raw: str | None, suffixes: Sequence[str], what: str = "output", *,
                stdout: bool = True) -> Path | str | None:
    """Check an output path before any work is done: ``-`` is stdout (where ``stdout`` allows it), the suffix
    must be one of ``suffixes``, an existing directory is refused, and the file must be writable, which is
    checked by doing it (a probe file in its directory, an existing file opened for appending: a permission
    test alone passes for root on /proc or a read-only mount). Returns the path (or ``-``, or None when no
    output was asked for).

    >>> output_path("-", (".tex",)), output_path(None, (".tex",))
    ('-', None)
    """
    if raw is None or (raw == STDOUT and stdout):
        return raw
    path = Path(raw)
    if suffixes and path.suffix.lower() not in suffixes:
        raise DitratesError(f"{what} {path}: the suffix must be one of {', '.join(suffixes)}"
                            + (" (or - for stdout)" if stdout else ""))
    if path.is_dir():
        raise DitratesError(f"{what} {path} is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise DitratesError(f"cannot write {path}: {parent} is a file, not a directory")
    if not parent.is_dir():
        raise DitratesError(f"cannot write {path}: the directory {parent} does not exist")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".ditrates-probe-"):
            pass
        if path.exists():
            with open(path, "ab"):
                pass
    except OSError as e:
        raise DitratesError(f"cannot write {path}: not writable ({e.strerror or e})") from None
    return path


def output_dir(path: Path, what: str) -> None:
    """Check that ``path`` is (or can be made) a writable directory, by doing it: it is created and a probe file
    written and removed."""
    if path.exists() and not path.is_dir():
        raise DitratesError(f"{what} {path} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".ditrates-probe-"):
            pass
    except OSError as e:
        raise DitratesError(f"{what} {path} is not writable: {e.strerror or e}") from None


@contextlib.contextmanager
def writing(path: Path | str) -> Iterator[Path]:
    """Write ``path`` through a temporary file beside it (same suffix), renamed over it at the end: a write that
    fails midway (a full disk) leaves ``path`` as it was and is one line, exit code 1.

    >>> import tempfile as t; target = Path(t.mkdtemp()) / "x.txt"
    >>> with writing(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")
    existed = path.exists()
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        kept = f"{path} is unchanged" if existed else "nothing was written"
        raise RunError(f"cannot write {path}: {e.strerror or e}; {kept}") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_output(path: Path | str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` (``-``: stdout) through :func:`writing`, and say so on stderr."""
    if path == STDOUT:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data if data.endswith("\n") else data + "\n")
        return
    with writing(path) as tmp:
        tmp.write_bytes(data) if isinstance(data, bytes) else tmp.write_text(data)
    sys.stderr.write(f"wrote {path}\n")
