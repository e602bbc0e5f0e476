"""One output object for every command: rich tables for people, JSON for scripts, LaTeX for papers.

Data goes to stdout, messages (notes, warnings, progress bars) to stderr. Colour is used only on a
terminal and never when ``NO_COLOR`` is set or ``--json`` is asked for; JSON output always carries
``schema_version``.

Commands build their data, then call :meth:`Output.table`, :meth:`Output.json`, :meth:`Output.latex` or
:meth:`Output.line`; bad input is reported by raising :class:`ditrates.errors.DitratesError`, which the
application turns into one line on stderr and exit code 2.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import textwrap
from collections.abc import Sequence
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

from ditrates.errors import DitratesError

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


SHORT = 16
"""A column whose cells are all at most this long holds values: they are never wrapped."""


def column_widths(columns: Sequence[Sequence[str]], width: int, cap: int = 24) -> list[int]:
    """Content widths for table columns sharing ``width`` characters.

    A column (header first, then its cells) needs its longest word (at most ``cap``: a formula stays whole,
    a name is never split), or, if the table has room, its longest cell when every cell is a short value
    (``2.64 ± 0.21``: at most :data:`SHORT` characters), and wants its longest cell; the first column holds
    names and gets its longest cell. What is left after the needs is shared max-min fairly: short columns get
    all they want, the long ones (prose) share the rest equally and wrap. When the needs do not fit, the
    longest words are folded; only when even that fails is the table wider than ``width`` (a cell is never
    cropped).

    >>> column_widths([["result", "score-estimation"], ["note", "VACUOUS: > 1 (a total-variation distance)"]], 32)
    [16, 16]
    >>> column_widths([["result", "score-estimation"], ["note", "VACUOUS: > 1 (a total-variation distance)"]], 24)
    [16, 8]
    >>> column_widths([["a", "bb"], ["cc dd"], ["e " * 20], ["f " * 30]], 40)
    [2, 5, 17, 16]
    >>> column_widths([["n", "32"], ["score error", "2.64 ± 0.21"], ["note", "a b c d e f g h i j k l m"]], 20)
    [2, 11, 7]
    """
    want = [max((len(x) for x in c), default=0) for c in columns]
    need = [want[0]] + [min(cap, max((len(w) for x in c for w in x.split()), default=0)) for c in columns[1:]]
    if sum(want) <= width:
        return want
    whole = [max(n, max((len(x) for x in c[1:]), default=0)) if all(len(x) <= SHORT for x in c[1:]) else n
             for n, c in zip(need, columns, strict=True)]
    if sum(whole) < width:  # values whole if they fit, else they wrap between words too
        need = whole
    if sum(need) >= width:  # fold the longest words, down to 4 characters, before going wider than ``width``
        while cap > 4 and sum(need) > width:
            cap -= 1
            need = need[:1] + [min(cap, n) for n in need[1:]]
        return need
    widths, spare = list(need), width - sum(need)
    waiting = sorted(range(len(want)), key=lambda i: want[i] - need[i])
    while waiting and want[waiting[0]] - need[waiting[0]] <= spare // len(waiting):
        i = waiting.pop(0)
        widths[i], spare = want[i], spare - (want[i] - need[i])
    for k, i in enumerate(waiting):
        widths[i] += spare // len(waiting) + (k < spare % len(waiting))
    return widths


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
              primary: bool = False) -> None:
        """A rich table (human mode), or CSV for a ``primary`` table in csv mode."""
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

        t = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, title_justify="left", pad_edge=False,
                  title_style="bold", show_header=header)
        cells = [[c, *(str(r[i]) for r in rows)] for i, c in enumerate(columns)]
        widths = column_widths(cells, self.out.width - 3 * len(columns))  # 3: padding and rule between columns
        for c, w in zip(columns, widths, strict=True):
            t.add_column(c, justify=justify[len(t.columns)] if justify else "left", width=w, overflow="fold")
        t.add_column("", width=0)  # rich 15 wraps the last column one character too wide and crops it
        for r in rows:
            t.add_row(*[Text(str(x)) for x in r], "")
        width = self.out.width  # a table wider than the console is printed whole, not cropped
        self.out.width = max(width, sum(widths) + 3 * len(columns))
        try:
            with self.out.capture() as captured:
                self.out.print(t)
        finally:
            self.out.width = width
        self.out.file.write("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")
        if caption:
            self.line(caption)

    def line(self, text: str = "", style: str | None = None) -> None:
        """A line of text for people (stdout; not in csv mode), wrapped at the console's width with its indent
        kept (two more spaces on continuation lines)."""
        if self.mode == "csv":
            return
        if self.mode == "markdown":
            sys.stdout.write(text + "\n")
            return

        indent = " " * (len(text) - len(text.lstrip(" ")))
        lines = textwrap.wrap(text, width=self.out.width, initial_indent="", subsequent_indent=indent + "  ",
                              break_long_words=False, break_on_hyphens=False) or [""]
        for line in lines:
            self.out.print(line, style=style, markup=False, soft_wrap=True)

    def json(self, data: dict) -> None:
        """Machine-readable output: one JSON document with ``schema_version`` first."""
        doc = {"schema_version": SCHEMA_VERSION, "paper": PAPER_ID, **data}
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")

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


def output_path(raw: str | None, suffixes: Sequence[str], what: str = "output") -> Path | str | None:
    """Check an output path before any work is done: ``-`` is stdout (for text formats), the suffix must be one
    of ``suffixes``, the parent directory must exist and be writable, and an existing directory is refused.
    Returns the path (or ``-``, or None when no output was asked for).

    >>> output_path("-", (".tex",)), output_path(None, (".tex",))
    ('-', None)
    """
    if raw is None or raw == STDOUT:
        return raw
    path = Path(raw)
    if suffixes and path.suffix.lower() not in suffixes:
        raise DitratesError(f"{what} {path}: the suffix must be one of {', '.join(suffixes)} (or - for stdout)")
    if path.is_dir():
        raise DitratesError(f"{what} {path} is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DitratesError(f"cannot write {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise DitratesError(f"cannot write {path}: permission denied")
    return path


def write_output(path: Path | str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` (``-``: stdout); a failure is one line and exit code 2."""
    if path == STDOUT:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data if data.endswith("\n") else data + "\n")
        return
    try:
        Path(path).write_bytes(data) if isinstance(data, bytes) else Path(path).write_text(data)
    except OSError as e:
        raise DitratesError(f"cannot write {path}: {e.strerror}") from None
    sys.stderr.write(f"wrote {path}\n")
