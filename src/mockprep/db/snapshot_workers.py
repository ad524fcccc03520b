"""Worker processes that read the very snapshot this process is reading: a large export or review log
made on every CPU, each part from exactly the same state of the database.

Each SQLite connection reads a snapshot of its own, so workers that merely connected could each see a
different moment (a session may rate an answer meanwhile). :func:`pinned_readers`, called inside the
caller's read transaction, takes the database's write lock, which SQLite grants only while that
transaction still sees the newest state. While no one can commit, each worker, and a spare connection
here, begins a read transaction of its own; then the caller's transaction ends. From then on every
reader sees the state the caller's transaction saw, and writers have waited only milliseconds.

:meth:`Readers.in_order` runs tasks (module-level functions, called as ``task(connection, *args)``) on
the workers, at most :data:`AHEAD` per worker in flight, and yields their results in the order given. A
task that fails in a worker, or whose worker has died, is run again here on the spare connection, so
the output, and any error, are those of the same work without workers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from mockprep.db import processes

AHEAD = 2  # tasks queued per worker: one to work on while the last result is being handed over
UP_WAIT_S = 30.0  # how long a worker may take to start (no lock is held meanwhile)
PIN_WAIT_S = 2.0  # how long a worker may take to begin reading while the write lock is held
READ_WAIT_S = 30  # a reader's wait for a lock (as the store's): only a checkpoint can make it wait
_FAILED = object()
T = TypeVar("T")


# The first and last review ids, each read off the end of the table (min and max in one SELECT scan it).
_ENDS = "SELECT (SELECT min(id) FROM reviews), (SELECT max(id) FROM reviews)"
SAMPLES = 64  # reviews sampled per piece to place the cuts between pieces


def sampled_cuts(raw: sqlite3.Connection, query: str, piece: int) -> list[Any]:
    """Increasing values (in SQLite's order) at which to cut the reviews into pieces of about ``piece``
    each: ``query`` gives the value by which pieces are ordered for the review ids in the JSON array it
    is given, and is run on ids spread evenly from the first to the last (a few milliseconds; no scan
    of the table).
    Any increasing cuts are correct: pieces cover everything in order, whatever their sizes."""
    import json

    first, last = raw.execute(_ENDS).fetchone()
    pieces = 0 if first is None else -(-(last - first + 1) // piece)
    if pieces < 2:
        return []
    step = (last - first) / (pieces * SAMPLES)
    ids = sorted({first + round(i * step) for i in range(pieces * SAMPLES)})
    found = [value for (value,) in raw.execute(f"SELECT * FROM ({query}) ORDER BY 1", (json.dumps(ids),))]
    cuts = (found[len(found) * k // pieces] for k in range(1, pieces))
    return list(dict.fromkeys(cuts))


def range_clause(column: str, after: Any, upto: Any) -> tuple[str, dict[str, Any]]:
    """A WHERE clause (or nothing) and its parameters for ``column`` in (after, upto], a bound left out
    when None: one piece of the reviews between two cuts."""
    parts = []
    bounds = {}
    if after is not None:
        parts.append(f"{column} > :after")
        bounds["after"] = after
    if upto is not None:
        parts.append(f"{column} <= :upto")
        bounds["upto"] = upto
    return (" WHERE " + " AND ".join(parts) if parts else ""), bounds


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection for a reader."""
    raw = sqlite3.connect(path, timeout=READ_WAIT_S, isolation_level=None)
    try:
        raw.execute("PRAGMA query_only = ON")
    except BaseException:
        raw.close()
        raise
    return raw


def _pin(raw: sqlite3.Connection) -> None:
    """Begin a read transaction: its snapshot is taken by the first read."""
    raw.execute("BEGIN")
    raw.execute("SELECT count(*) FROM sqlite_schema").fetchone()


class _Worker:
    """One worker process and this end of its pipe; ``alive`` turns False at the first sign of trouble."""

    def __init__(self, process: Any, pipe: Any):
        self.process = process
        self.pipe = pipe
        self.alive = True

    def send(self, message: Any) -> bool:
        if self.alive:
            try:
                self.pipe.send(message)
                return True
            except (OSError, ValueError):
                self.alive = False
        return False

    def receive(self, wait: float | None = None) -> Any:
        """The next result, or ``_FAILED`` when the task failed or the worker is gone (or has not
        answered within ``wait`` seconds: it is then given up on)."""
        if not self.alive:
            return _FAILED
        try:
            if wait is not None and not self.pipe.poll(wait):
                raise TimeoutError
            status, value = self.pipe.recv()
        except (EOFError, OSError):  # TimeoutError is an OSError
            self.alive = False
            return _FAILED
        return value if status == "ok" else _FAILED


def _stop(workers: list[_Worker], wait: float = 1.0) -> None:
    """Tell every worker to end and wait up to ``wait`` seconds in all; a worker still busy (the work
    was cut short, by Ctrl-C say) is killed, which loses nothing: workers only read."""
    import time

    for worker in workers:
        worker.send(None)
        worker.pipe.close()
    deadline = time.monotonic() + wait
    for worker in workers:
        worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()


class Readers:
    """Pinned readers: worker processes and a spare connection here, all on one snapshot."""

    def __init__(self, workers: list[_Worker], spare: sqlite3.Connection):
        self.workers = workers
        self.spare = spare

    def in_order(self, task: Callable[..., Any], args: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        """``task(connection, *a)`` for each ``a`` in ``args``, its results in that order."""
        live = [w for w in self.workers if w.alive]
        if not live:
            for a in args:
                yield task(self.spare, *a)
            return
        sent: dict[int, _Worker] = {}

        def send(index: int) -> None:
            worker = live[index % len(live)]
            if worker.send(("run", task, args[index])):
                sent[index] = worker

        for index in range(min(len(args), AHEAD * len(live))):
            send(index)
        try:
            for index, a in enumerate(args):
                worker = sent.pop(index, None)
                result = worker.receive() if worker is not None else _FAILED
                if result is _FAILED:  # failed there, or its worker is gone: here, where errors are raised
                    result = task(self.spare, *a)
                if index + AHEAD * len(live) < len(args):
                    send(index + AHEAD * len(live))
                yield result
        finally:
            for worker in sent.values():  # results left in its pipe: it cannot be asked again
                worker.alive = False


@contextmanager
def pinned_readers(
    raw: sqlite3.Connection, path: Path, workers: int, meanwhile: Callable[[], T]
) -> Iterator[tuple[Readers | None, T]]:
    """Readers of the snapshot ``raw`` is reading in its open, read-only transaction (which this ends,
    with a ROLLBACK), and what ``meanwhile()`` returned (run on ``raw`` while the workers start). The
    readers are None, and the transaction left open, when the workers cannot start or a commit came
    first: the caller then does the work on ``raw``."""
    started = _start(path, workers)
    spare: sqlite3.Connection | None = None
    try:
        prepared = meanwhile()
        up = _answering(started, "up", UP_WAIT_S)
        if not up or not _lock(raw):
            yield None, prepared
            return
        for worker in up:
            worker.send(("pin",))
        pinned = _answering(up, "pinned", PIN_WAIT_S)
        spare = _connect(path)
        _pin(spare)
        # Nothing was written. ROLLBACK lets the lock go at once in any journal mode (a COMMIT in
        # rollback-journal mode would wait for the readers just pinned).
        raw.execute("ROLLBACK")
        yield Readers(pinned, spare), prepared
    finally:
        _stop(started)
        if spare is not None:
            spare.close()


def in_pieces(
    raw: sqlite3.Connection,
    path: Path,
    cut: Callable[[sqlite3.Connection], list[tuple[Any, ...]]],
    piece: Callable[..., T],
    workers_from: int,
) -> Iterator[T]:
    """``piece(connection, *bounds)`` for each run ``cut(raw)`` gives, in order, all from the snapshot
    ``raw`` reads in its open, read-only transaction: by worker processes for about ``workers_from``
    reviews or more (and CPUs for them), else, or when they cannot be pinned, here."""
    workers = processes.worker_count() if estimated_reviews(raw) >= workers_from else 0
    if workers:
        with pinned_readers(raw, path, workers, lambda: cut(raw)) as (readers, cuts):
            if readers is not None:
                yield from readers.in_order(piece, cuts)
                return
    else:
        cuts = cut(raw)
    for bounds in cuts:  # (when workers could not be pinned, they are gone by now)
        yield piece(raw, *bounds)


def _answering(workers: list[_Worker], answer: str, wait: float) -> list[_Worker]:
    """The workers that gave ``answer`` within ``wait`` seconds, all counted from now (one deadline,
    however many workers)."""
    import time

    deadline = time.monotonic() + wait
    return [w for w in workers if w.receive(max(0.0, deadline - time.monotonic())) == answer]


def estimated_reviews(raw: sqlite3.Connection) -> int:
    """About how many reviews there are, from the ends of their ids (no scan; deletions overcount)."""
    first, last = raw.execute(_ENDS).fetchone()
    return 0 if first is None else last - first + 1


def _lock(raw: sqlite3.Connection) -> bool:
    """Take the write lock in ``raw``'s read transaction; False, at once, when a commit came after its
    snapshot or another connection is writing (SQLite does not wait for a lock to turn a read into a
    write: a writer that got there first will have committed by the time we could)."""
    try:
        raw.execute("DELETE FROM migrations WHERE 0")  # writes nothing, but begins writing
        return True
    except sqlite3.OperationalError:
        return False


def _start(path: Path, workers: int) -> list[_Worker]:
    """``workers`` processes, each connected to ``path`` (none when processes cannot be started here)."""
    from multiprocessing import get_context

    context = get_context("spawn")  # the same start on every platform, nothing of this process copied
    started = []
    with processes.sigint_ignored():
        for _ in range(workers):
            mine, theirs = context.Pipe()
            try:
                process = context.Process(target=_serve, args=(theirs, str(path)), daemon=True)
                process.start()
            except (OSError, ImportError, NotImplementedError):  # no process support: in-process
                mine.close()
                break
            finally:
                theirs.close()
            started.append(_Worker(process, mine))
    return started


def _serve(pipe: Any, path: str) -> None:
    """A worker: connect, then pin and run tasks as told, results handed back by a thread of their
    own so that the next task is worked on while a large result is being sent."""
    import queue
    import threading

    processes.watch_parent()
    try:
        try:
            raw = _connect(Path(path))
        except Exception:  # noqa: BLE001 - the process that started it does the work and names the problem
            pipe.send(("failed", None))
            return
        pipe.send(("ok", "up"))
    except OSError:  # that process has given up on this one already
        return
    results: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=1)

    def hand_back() -> None:
        while (item := results.get()) is not None:
            try:
                pipe.send(item)
            except OSError:  # the other end has gone: take what is left, so the worker can end
                while results.get() is not None:
                    pass
                return

    sender = threading.Thread(target=hand_back, name="hand-back", daemon=True)
    sender.start()
    try:
        while (message := pipe.recv()) is not None:
            try:
                if message[0] == "pin":
                    _pin(raw)
                    results.put(("ok", "pinned"))
                else:
                    _, task, args = message
                    results.put(("ok", task(raw, *args)))
            except Exception:  # noqa: BLE001 - the task is run again there, where its error is raised
                results.put(("failed", None))
    except (EOFError, OSError):
        pass
    results.put(None)
    sender.join()
    raw.close()
