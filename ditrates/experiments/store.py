"""A sweep's directory on disk: atomic records, atomic run directories, one writer at a time (no torch).

::

    DIR/
      results.jsonl        one JSON record per finished (or failed) run
      runs/<train key>/    model.pt, config.json and train.json of a trained network (the runs measured from
                           it name it in their records' run_dir)
      .lock                held by the one 'ditrates experiment run' writing into DIR

* **Records** are appended by writing the whole new file under a temporary name, fsyncing it and renaming it
  over ``results.jsonl`` (then fsyncing the directory): a reader sees the old file or the new one, and a writer
  killed at any point leaves no torn line. A line that does not parse (an older writer's crash, a hand edit)
  is reported by :func:`read_records` and skipped.
* **Run directories** are written under ``runs/.partial-<key>-<pid>`` and renamed to ``runs/<key>`` once
  complete; partial directories left by a killed writer are removed by the next one.
* **One writer**: :meth:`Store.lock` takes an exclusive ``flock`` on ``DIR/.lock`` (released by the kernel
  when the process dies) and refuses a second command with a one-line error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import json
import os
import pathlib
import shutil
from collections.abc import Iterator

from ditrates.errors import DitratesError
from ditrates.formatting import json_safe

RESULTS_FILE = "results.jsonl"
RUNS_DIR = "runs"
LOCK_FILE = ".lock"
PARTIAL = ".partial-"


@dataclasses.dataclass
class Records:
    """The records of a ``results.jsonl`` and the (1-based) numbers of the lines that did not parse."""

    records: list[dict]
    unreadable: list[int]

    def note(self, path: pathlib.Path) -> str | None:
        """One line about skipped lines, or None."""
        if not self.unreadable:
            return None
        lines = ", ".join(map(str, self.unreadable[:5])) + (" ..." if len(self.unreadable) > 5 else "")
        return f"{path}: skipped {len(self.unreadable)} unreadable line(s) ({lines}), e.g. cut short by a crash"


def read_records(path: pathlib.Path) -> Records:
    """Parse ``results.jsonl`` (missing: no records); lines that are not JSON objects are counted, not fatal."""
    if not path.exists():
        return Records([], [])
    records, bad = [], []
    for i, line in enumerate(path.read_bytes().decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad.append(i)
            continue
        (records.append(record) if isinstance(record, dict) else bad.append(i))
    return Records(records, bad)


def _fsync_dir(path: pathlib.Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class Store:
    """The directory of one sweep (see the module doc)."""

    def __init__(self, root: pathlib.Path):
        self.root = pathlib.Path(root)

    @property
    def results(self) -> pathlib.Path:
        return self.root / RESULTS_FILE

    @property
    def runs(self) -> pathlib.Path:
        return self.root / RUNS_DIR

    def read(self) -> Records:
        return read_records(self.results)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold ``DIR/.lock`` exclusively, or raise a :class:`DitratesError` naming the holder."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise DitratesError(f"{self.root} is in use by another 'ditrates experiment run' (pid {holder}); "
                                    "wait for it to finish or choose another --out") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            self._clean_partial()
            yield
        finally:
            os.close(fd)  # releases the lock

    def _clean_partial(self) -> None:
        if self.runs.is_dir():
            for d in self.runs.glob(f"{PARTIAL}*"):
                shutil.rmtree(d, ignore_errors=True)

    def append(self, record: dict) -> None:
        """Add one record to ``results.jsonl`` atomically (see the module doc)."""
        line = json.dumps(json_safe(record), allow_nan=False).encode() + b"\n"
        self.root.mkdir(parents=True, exist_ok=True)
        old = self.results.read_bytes() if self.results.exists() else b""
        if old and not old.endswith(b"\n"):
            old += b"\n"  # a cut line stays on its own line, where readers report it
        _write_atomic(self.results, old + line)

    def run_path(self, key: str) -> pathlib.PurePosixPath:
        """``runs/<key>``, as records name it."""
        return pathlib.PurePosixPath(RUNS_DIR, key)

    def trained(self, key: str, names: tuple[str, ...]) -> dict[str, bytes] | None:
        """The files ``names`` of the run directory ``runs/<key>``, or None unless it holds them all."""
        d = self.runs / key
        if not all((d / name).is_file() for name in names):
            return None
        return {name: (d / name).read_bytes() for name in names}

    def save_run_dir(self, key: str, files: dict[str, bytes]) -> pathlib.PurePosixPath:
        """Write a run's files under a temporary name and rename the directory to ``runs/<key>``."""
        self.runs.mkdir(parents=True, exist_ok=True)
        partial = self.runs / f"{PARTIAL}{key}-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        for name, data in files.items():
            with open(partial / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        final = self.runs / key
        if final.exists():  # a run saved by a writer killed before its record was appended
            shutil.rmtree(final)
        os.rename(partial, final)
        _fsync_dir(self.runs)
        return self.run_path(key)
