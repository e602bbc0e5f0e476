"""Running a sweep: resumable, interruptible, on a local pool of processes or on Ray (imports no torch).

:func:`run_sweep` skips the runs whose records are already in ``results.jsonl`` (failed runs are retried),
hands the others to an executor (with the saved network, when a run directory of the same training key holds
one: the run is then measured without training), and persists each result as it arrives: the run directory
first, then the record (:mod:`~ditrates.experiments.store`). A run that raises is recorded with its error (``"status":
"failed"``) and the sweep goes on.

* ``local`` (:class:`LocalExecutor`): ``jobs`` worker processes on this machine, started once (torch is
  imported once per worker) and fed one run at a time. Workers ignore SIGINT and SIGTERM (the driver decides)
  and die with the driver: Linux's parent-death signal, and a watchdog thread for other systems.
* ``ray`` (:class:`RayExecutor`): each run is a Ray task requesting ``threads`` CPUs (and a GPU when the
  device is CUDA) on a cluster joined by ``address`` or on a local Ray started for the sweep. At most as many
  tasks as the cluster has slots are submitted at once, so that stopping means cancelling what runs.

**Interrupts** (:class:`Interrupt`): the first SIGINT or SIGTERM starts no new run and stops the runs in flight
(with ``finish_running``, lets them finish and saves them); a second one raises :class:`StopNow` at once. In
both cases every worker is killed and reaped before :func:`run_sweep` returns or raises.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterable, Iterator

from ditrates.errors import DitratesError, UnknownName
from ditrates.experiments.plan import RunSpec
from ditrates.experiments.store import Store

EXECUTORS = ("local", "ray")
TRAINED_FILES = ("model.pt", "config.json", "train.json")
"""A run directory that holds these is a trained network that a run of the same training key measures."""
POLL_S = 0.2
"""How often the driver looks at its signals while waiting for results."""


class StopNow(BaseException):
    """A second interrupt: stop everything at once (a BaseException, so that nothing swallows it)."""


class Interrupt:
    """Counts SIGINT and SIGTERM while installed: the first asks to stop, the second raises :class:`StopNow`."""

    def __init__(self):
        self.count = 0

    @property
    def stopping(self) -> bool:
        return self.count >= 1

    @contextlib.contextmanager
    def installed(self) -> Iterator[Interrupt]:
        """Install the handlers (main thread only; elsewhere, a no-op) and restore the previous ones after."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum, frame):
            self.count += 1
            if self.count >= 2:
                raise StopNow

        for sig in previous:
            signal.signal(sig, handler)
        try:
            yield self
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


class Events:
    """What the driver reports while a sweep runs (the command line draws a progress bar from it)."""

    def started(self, spec: RunSpec) -> None: ...

    def finished(self, record: dict) -> None: ...


@dataclasses.dataclass
class Outcome:
    """What a sweep did: records appended now (``new``: finished, ``failed``), runs skipped as already saved,
    whether it was interrupted, and how many of the planned runs are now saved."""

    new: list[dict]
    failed: list[dict]
    skipped: int
    interrupted: bool
    total: int
    saved: int


def failed_record(spec: RunSpec, error: str) -> dict:
    """The record of a run that raised ``error``."""
    return {"key": spec.key, "status": "failed", "point": spec.point, "sweep": spec.sweep, "profile": spec.profile,
            "model": spec.model, "seed": spec.seed, "params": spec.params, "error": error}


def _die_with_parent() -> None:
    """Make this worker exit when the driver dies, however it dies."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)

    def watch():
        while True:
            threading.Event().wait(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _serve(conn, threads: int) -> None:
    """A local worker: run the specs it receives until told to stop (None) or its driver goes away.

    It starts with SIGINT and SIGTERM blocked (inherited from the driver), ignores them, then unblocks them."""
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    _die_with_parent()
    from ditrates.experiments.runner import run_one

    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        spec, device, trained = task
        try:
            conn.send(("ok", *run_one(spec, device, threads, trained)))
        except Exception as e:  # a failed run is a result, not the worker's end
            conn.send(("failed", f"{type(e).__name__}: {e}".replace("\n", " ")))


@dataclasses.dataclass
class _Worker:
    process: multiprocessing.Process
    conn: object
    spec: RunSpec | None = None


class LocalExecutor:
    """``jobs`` worker processes on this machine, each with ``threads`` torch threads."""

    def __init__(self, jobs: int, threads: int, device: str):
        self.jobs, self.threads, self.device = jobs, threads, device
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.threads), daemon=True,
                                       name="ditrates-sweep-worker")
        worker = _Worker(process, parent)
        # The child inherits the blocked signals (it must not die of one while it starts), and the driver
        # records it before a second interrupt can be delivered, so that close() always finds it.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            process.start()
            self.workers.append(worker)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            child.close()
        return worker

    def run(self, todo: list[tuple[RunSpec, dict | None]], interrupt: Interrupt, finish_running: bool,
            deliver) -> None:
        queue = collections.deque(todo)
        try:
            while True:
                if interrupt.stopping and not finish_running:
                    return
                if not interrupt.stopping:
                    idle = [w for w in self.workers if w.spec is None]
                    while queue and (idle or len(self.workers) < self.jobs):
                        worker = idle.pop() if idle else self._start()
                        worker.spec, trained = queue.popleft()
                        worker.conn.send((worker.spec, self.device, trained))
                        deliver("started", worker.spec)
                busy = {w.conn: w for w in self.workers if w.spec is not None}
                if not busy:
                    return
                for conn in multiprocessing.connection.wait(list(busy), timeout=POLL_S):
                    worker = busy[conn]
                    spec, worker.spec = worker.spec, None
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):  # the process died (killed, out of memory)
                        worker.process.join(1)
                        self.workers.remove(worker)
                        if not interrupt.stopping:
                            deliver("failed", spec, f"the worker process died (exit code {worker.process.exitcode})")
                        continue
                    deliver(message[0], spec, *message[1:])
        finally:
            self.close(graceful=not interrupt.stopping)

    def close(self, graceful: bool) -> None:
        """Stop every worker: idle ones are asked to leave, busy ones (or all, unless graceful) are killed."""
        for w in self.workers:
            if graceful and w.spec is None and w.process.is_alive():
                with contextlib.suppress(OSError, ValueError):
                    w.conn.send(None)
            else:
                w.process.kill()
        for w in self.workers:
            w.process.join(5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self.workers.clear()


def _ray_run(spec: RunSpec, device: str, threads: int, trained):
    from ditrates.experiments.runner import run_one

    return run_one(spec, device, threads, trained)


class RayExecutor:
    """Each run a Ray task; a cluster joined by ``address``, or a local Ray started (and shut down) here."""

    def __init__(self, jobs: int | None, threads: int, device: str, address: str | None):
        try:
            import ray
        except ModuleNotFoundError:
            raise DitratesError("--executor ray needs Ray: pip install 'ditrates[scale]'") from None
        self.ray, self.jobs, self.threads, self.device, self.address = ray, jobs, threads, device, address
        self.started_here = self.started = False
        self._reachable()

    def _reachable(self) -> None:
        """Fail fast on an explicit ``host:port`` nobody listens on (Ray itself retries for minutes)."""
        if not self.address or self.address in ("auto", "local"):
            return
        host, _, port = self.address.removeprefix("ray://").rpartition(":")
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
        except (OSError, ValueError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e) or type(e).__name__
            raise DitratesError(f"could not start or join Ray ({self.address}): {reason}") from None

    def start(self) -> None:
        """Join or start Ray (once)."""
        if self.started:
            return
        self.started = True
        if not self.ray.is_initialized():
            kwargs = {"address": self.address} if self.address else {"include_dashboard": False}
            try:
                self.ray.init(logging_level=logging.ERROR, log_to_driver=False, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise DitratesError(f"could not start or join Ray ({self.address or 'local'}): "
                                    f"{str(e).splitlines()[0]}") from None
            self.started_here = True
        cpus = int(self.ray.cluster_resources().get("CPU", 1))
        self.window = self.jobs or max(1, cpus // self.threads)

    def run(self, todo: list[tuple[RunSpec, dict | None]], interrupt: Interrupt, finish_running: bool,
            deliver) -> None:
        ray = self.ray
        gpus = 1 if self.device.startswith("cuda") else 0
        task = ray.remote(num_cpus=self.threads, num_gpus=gpus, max_retries=0)(_ray_run)
        queue, refs = collections.deque(todo), {}
        try:
            while True:
                if interrupt.stopping and not finish_running:
                    return
                while queue and not interrupt.stopping and len(refs) < self.window:
                    spec, trained = queue.popleft()
                    refs[task.remote(spec, self.device, self.threads, trained)] = spec
                    deliver("started", spec)
                if not refs:
                    return
                ready, _ = ray.wait(list(refs), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    spec = refs.pop(ref)
                    try:
                        record, files = ray.get(ref)
                    except ray.exceptions.RayTaskError as e:
                        cause = e.cause if getattr(e, "cause", None) is not None else e
                        deliver("failed", spec, f"{type(cause).__name__}: {cause}".replace("\n", " "))
                    except ray.exceptions.RayError as e:
                        deliver("failed", spec, f"{type(e).__name__}: {str(e).splitlines()[0]}")
                    else:
                        deliver("ok", spec, record, files)
        finally:
            for ref in refs:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            if self.started_here:
                ray.shutdown()


def cpu_threads(jobs: int) -> int:
    """Torch threads per run when ``jobs`` runs share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // jobs)


def make_executor(name: str, jobs: int | None, device: str, address: str | None = None,
                  threads: int | None = None):
    """The executor ``name`` (``local`` or ``ray``) with its jobs and threads resolved (threads: torch threads
    per run, default :func:`cpu_threads` locally and 1 on Ray; runs are bit-identical for a given count)."""
    if name not in EXECUTORS:
        raise UnknownName.for_choice("executor", name, EXECUTORS)
    for what, value in (("--jobs", jobs), ("--threads", threads)):
        if value is not None and value < 1:
            raise DitratesError(f"{what} must be at least 1, got {value}")
    if address and name != "ray":
        raise DitratesError("--ray-address needs --executor ray")
    if name == "ray":
        return RayExecutor(jobs, threads or 1, device, address)
    jobs = jobs or (1 if device != "cpu" else os.cpu_count() or 1)
    return LocalExecutor(jobs, threads or cpu_threads(jobs), device)


def run_sweep(specs: Iterable[RunSpec], store: Store, executor, events: Events | None = None,
              finish_running: bool = False, interrupt: Interrupt | None = None) -> Outcome:
    """Run what is not yet saved; persist every result as it arrives. Call inside :meth:`Store.lock`.

    Returns an :class:`Outcome` (``interrupted`` after a first SIGINT/SIGTERM); a second one raises
    :class:`StopNow` once every worker is gone.
    """
    specs = list(specs)
    events = events or Events()
    interrupt = interrupt or Interrupt()
    done = {r["key"] for r in store.read().records if r.get("status", "ok") == "ok"}
    todo = [s for s in specs if s.key not in done]
    trained = {s.key: store.trained(s.train_key, TRAINED_FILES) for s in todo}
    new, failed = [], []

    def deliver(kind: str, spec: RunSpec, *payload) -> None:
        if kind == "started":
            events.started(spec)
            return
        if kind == "ok":
            record, files = payload
            run_dir = store.save_run_dir(spec.train_key, files) if files else store.run_path(spec.train_key)
            record = {**record, "run_dir": str(run_dir)}
            new.append(record)
        else:
            record = failed_record(spec, payload[0])
            failed.append(record)
        store.append(record)
        events.finished(record)

    if todo:
        if hasattr(executor, "start"):
            executor.start()
        with interrupt.installed():
            executor.run([(s, trained[s.key]) for s in todo], interrupt, finish_running, deliver)
    saved = len(done & {s.key for s in specs}) + len(new)
    return Outcome(new, failed, len(specs) - len(todo), interrupt.stopping, len(specs), saved)
