"""A large import's checks and roll-up count run in worker processes (mockprep.db.worker_jobs): the
home they make is the one made without them, a problem is named the same way, and a worker that dies
has its job done here."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mockprep.db import package as package_module
from mockprep.db import processes, stats_rollup
from mockprep.db.import_staging import count_job
from mockprep.db.package import import_package
from mockprep.db.package_checks import PackageError, check_job
from mockprep.db.store import Store
from mockprep.db.worker_jobs import WorkerJobs
from tests.conftest import START
from tests.test_exchange import export_text
from tests.test_package import ROLLUP, broken
from tests.test_package import package as package  # noqa: F401 - the fixture


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> list[WorkerJobs]:
    """Every package's jobs in worker processes (whatever its size and this machine's CPUs); the
    WorkerJobs made, for a look at their workers."""
    made: list[WorkerJobs] = []
    real_start = WorkerJobs._start

    def start(self: WorkerJobs) -> None:
        real_start(self)
        made.append(self)

    monkeypatch.setattr(package_module, "WORKERS_FROM", 0)
    monkeypatch.setattr(processes, "worker_count", lambda: 2)
    monkeypatch.setattr(WorkerJobs, "_start", start)
    return made


def jobs(source: Path, counted: Path) -> list:
    """A package's two jobs, as its import starts them."""
    count = (str(source), str(counted), [(START, 0)], ("reviews", "questions"))
    return [(check_job, (str(source),)), (count_job, count)]


def imported(package: Path, home: Path) -> tuple[str, dict[str, list[tuple]]]:
    with Store.open(home, backups=False) as store:
        import_package(store, package)
        raw = store.conn.raw
        return export_text(store), {t: sorted(raw.execute(f"SELECT * FROM {t}").fetchall()) for t in ROLLUP}


def test_workers_make_the_home_made_without_them(package: Path, tmp_path: Path, in_workers) -> None:
    with_workers = imported(package, tmp_path / "a")
    assert len(in_workers) == 1 and all(w is None for w in in_workers[0].workers)  # (stopped after)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package_module, "WORKERS_FROM", 1 << 60)
        without = imported(package, tmp_path / "b")
    assert with_workers == without
    with Store.open(tmp_path / "a", backups=False) as store:  # the count is the roll-up's own
        raw = store.conn.raw
        raw.execute("BEGIN")
        stats_rollup.rebuild(raw)
        assert {t: sorted(raw.execute(f"SELECT * FROM {t}").fetchall()) for t in ROLLUP} == with_workers[1]
        raw.execute("ROLLBACK")


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE reviews SET rating = 7 WHERE id = 2", "reviews row 2: rating 7 is not valid"),
        ("UPDATE reviews SET session_id = 777 WHERE id = 2", "reviews row 2 refers to a row of sessions"),
        ("UPDATE questions SET data = '[]' WHERE id = 1", "questions row 1: data '[]' is not valid"),
    ],
)
def test_a_problem_a_worker_finds_is_named(package: Path, tmp_path: Path, in_workers, sql, named) -> None:
    with Store.open(tmp_path / "new", backups=False) as store:
        with pytest.raises(PackageError, match=named.replace("[", r"\[").replace("]", r"\]")):
            import_package(store, broken(package, sql))
        assert store.bulk.user_data() == {"reviews": 0, "sessions": 0, "stories": 0}
    assert in_workers[0].workers[0] is None  # stopped


def test_a_worker_that_dies_has_its_job_done_here(package: Path, tmp_path: Path, in_workers) -> None:
    counted = tmp_path / "counted.db"
    work = WorkerJobs(jobs(package, counted), in_workers=True)
    for process, _pipe in filter(None, work.workers):
        process.kill()
        process.join()
    work.finish()  # both run again here: nothing raised, the count written
    work.stop()
    tables = {r[0] for r in sqlite3.connect(counted).execute("SELECT name FROM sqlite_master")}
    assert set(ROLLUP) <= tables
    bad = broken(package, "UPDATE reviews SET rating = 9 WHERE id = 3")
    work = WorkerJobs(jobs(bad, tmp_path / "again.db"), in_workers=True)
    for process, _pipe in filter(None, work.workers):
        process.kill()
        process.join()
    with pytest.raises(PackageError, match="reviews row 3: rating 9"):
        work.finish()
    work.stop()
