"""A package's roll-up counted and its rows checked by two worker processes, while the importing
process copies the rows and builds the indexes.

Threads would not do: two connections of one process took turns on work with text (the checks'
``json_valid`` and ``trim``, the count's sorter), likely at the lock SQLite's memory statistics take on
each allocation, which all of a process's connections share; a scan of integers ran side by side.
Two halves of the value checks: 3.5 s on two threads, 1.7 s in two processes.
Two jobs, each opening the package itself (only ever read) by path: the checks
(:func:`mockprep.db.package_checks.check_contents`), and the roll-up's count
(:func:`mockprep.db.stats_rollup.count`) into the file the importing connection copies it from.

:meth:`PackageWork.finish` raises the first problem the checks name. A job that failed otherwise, or
whose process died or could not start, is run again here, the checks first, where its error is raised
as it is (a single CPU runs both here, after the copy). The count is used only once the checks pass.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from mockprep.core.stats import Offsets
from mockprep.db import processes, stats_rollup
from mockprep.db.package_checks import PackageError, check_contents

WORKERS_FROM = 16 << 20  # bytes of package: below this (about 70,000 reviews) both jobs run here


def check_job(package: str) -> None:
    """The package's checks, on one snapshot."""
    con = sqlite3.connect(package, isolation_level=None)
    try:
        con.execute("BEGIN")
        check_contents(con, "main")
    finally:
        con.close()


def count_job(package: str, counted: str, offsets: Offsets) -> None:
    """The package's roll-up counted under ``offsets`` into the file ``counted``."""
    con = sqlite3.connect(counted, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16384"):
            con.execute(f"PRAGMA {pragma}")
        con.execute("ATTACH DATABASE ? AS package", (package,))
        con.execute("BEGIN")
        for table in stats_rollup.ROLLUP_TABLES:  # (what a job that failed left)
            con.execute(f"DROP TABLE IF EXISTS main.{table}")
        stats_rollup.count(con, "package.reviews", "package.questions", offsets, "main", micro=True)
        con.execute("COMMIT")
    finally:
        con.close()


JOBS = {"check": check_job, "count": count_job}


class PackageWork:
    """The two jobs for the package at ``package`` (the roll-up counted into the file ``counted``),
    started at once in worker processes for a package of :data:`WORKERS_FROM` bytes or more, when this
    machine has CPUs for them (a process takes about 0.2 s to start)."""

    def __init__(self, package: Path, counted: Path, offsets: Offsets):
        self.jobs: list[tuple[str, tuple[Any, ...]]] = [
            ("check", (str(package),)),
            ("count", (str(package), str(counted), offsets)),
        ]
        self.workers: list[tuple[Any, Any] | None] = [None] * len(self.jobs)
        self.finished = False
        if package.stat().st_size >= WORKERS_FROM and processes.worker_count():
            self._start()

    def _start(self) -> None:
        from multiprocessing import get_context

        context = get_context("spawn")  # the same start on every platform, nothing of this process copied
        with processes.sigint_ignored():  # Ctrl-C stops this process, which then stops them
            for n, (name, args) in enumerate(self.jobs):
                mine, theirs = context.Pipe(duplex=False)
                try:
                    process = context.Process(target=_serve, args=(theirs, name, args), daemon=True)
                    process.start()
                except (OSError, ImportError, NotImplementedError):  # no process support: run here
                    mine.close()
                    return
                finally:
                    theirs.close()
                self.workers[n] = (process, mine)

    def finish(self) -> None:
        """Wait for the jobs, the checks first: raise the problem they name (PackageError); a job that
        failed otherwise is run here, so that its error is raised as it is. Once they have passed,
        nothing more is done."""
        if self.finished:
            return
        for n, worker in enumerate(self.workers):
            outcome = _outcome(worker)
            if outcome is None:
                name, args = self.jobs[n]
                JOBS[name](*args)
            elif outcome != "ok":
                raise PackageError(outcome)
        self.finished = True

    def stop(self) -> None:
        """End the workers (they only read the package and write the scratch count: nothing is lost)."""
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


def _serve(pipe: Any, name: str, args: tuple[Any, ...]) -> None:
    """A worker: run one job and say how it went ("ok", the problem it named, or None)."""
    processes.watch_parent()
    try:
        JOBS[name](*args)
        outcome: str | None = "ok"
    except PackageError as exc:
        outcome = str(exc)
    except Exception:  # noqa: BLE001 - run again by the process that started it, which raises it
        outcome = None
    try:
        pipe.send(outcome)
    except OSError:  # that process has given up on this one already
        pass
