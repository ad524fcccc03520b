"""Jobs beside a bulk import, each on a worker process of its own: a package's checks, the roll-up's
count (from the package, or from a JSON import's staging file).

Threads would not do: two connections of one process took turns on work with text (the checks'
``json_valid`` and ``trim``, the count's sorter), likely at the lock SQLite's memory statistics take on
each allocation, which all of a process's connections share; a scan of integers ran side by side.
Two halves of the value checks: 3.5 s on two threads, 1.7 s in two processes.

A job is a module-level function that opens what it reads and writes by path (only a file no one else
writes: the package, the staging file, its own count's file). :meth:`WorkerJobs.finish` waits for them
in the order given and raises the first problem one names (PackageError: the problem a package's
checks found). A job that failed otherwise, or whose process died or could not start, is run again
here, where its error is raised as it is; without workers (a small import, a single CPU) every job
runs here, in order, when :meth:`~WorkerJobs.finish` is called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockprep.db import processes
from mockprep.db.package_checks import PackageError

Job = tuple[Callable[..., None], tuple[Any, ...]]


class WorkerJobs:
    """``jobs`` started at once, each on a worker process, when ``in_workers`` and this machine has CPUs
    for them (a process takes about 0.2 s to start)."""

    def __init__(self, jobs: list[Job], in_workers: bool):
        self.jobs = jobs
        self.workers: list[tuple[Any, Any] | None] = [None] * len(jobs)
        self.finished = False
        if in_workers and processes.worker_count():
            self._start()

    def _start(self) -> None:
        from multiprocessing import get_context

        context = get_context("spawn")  # the same start on every platform, nothing of this process copied
        with processes.sigint_ignored():  # Ctrl-C stops this process, which then stops them
            for n, job in enumerate(self.jobs):
                mine, theirs = context.Pipe(duplex=False)
                try:
                    process = context.Process(target=_serve, args=(theirs, *job), daemon=True)
                    process.start()
                except (OSError, ImportError, NotImplementedError):  # no process support: run here
                    mine.close()
                    return
                finally:
                    theirs.close()
                self.workers[n] = (process, mine)

    def finish(self) -> None:
        """Wait for the jobs in order: raise the first problem one names (PackageError); a job that
        failed otherwise is run here, so that its error is raised as it is. Once they have all passed,
        nothing more is done."""
        if self.finished:
            return
        for n, worker in enumerate(self.workers):
            outcome = _outcome(worker)
            if outcome is None:
                job, args = self.jobs[n]
                job(*args)
            elif outcome != "ok":
                raise PackageError(outcome)
        self.finished = True

    def stop(self) -> None:
        """End the workers (they write only files of the import's own: nothing is lost)."""
        for n, worker in enumerate(self.workers):
            if worker is not None:
                process, pipe = worker
                pipe.close()
                if process.is_alive():
                    process.kill()
                process.join()
                self.workers[n] = None


def _outcome(worker: tuple[Any, Any] | None) -> str | None:
    """ "ok", a problem the job named, or None: the job is to be run here."""
    if worker is None:
        return None
    _process, pipe = worker
    try:
        return pipe.recv()
    except (EOFError, OSError):  # the worker died
        return None


def _serve(pipe: Any, job: Callable[..., None], args: tuple[Any, ...]) -> None:
    """A worker: run one job and say how it went ("ok", the problem it named, or None)."""
    processes.watch_parent()
    try:
        job(*args)
        outcome: str | None = "ok"
    except PackageError as exc:
        outcome = str(exc)
    except Exception:  # noqa: BLE001 - run again by the process that started it, which raises it
        outcome = None
    try:
        pipe.send(outcome)
    except OSError:  # that process has given up on this one already
        pass
