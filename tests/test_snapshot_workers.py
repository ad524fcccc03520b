"""Worker processes pinned to the caller's snapshot (mockprep.db.snapshot_workers): an export and a review
log made by them are byte for byte those made without them, they never see a later commit, and a
failing or dying worker's work is done here."""

from __future__ import annotations

import io
import multiprocessing
import os
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mockprep.core.delivery import Delivery
from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.db import export_lines, processes, review_log, snapshot_workers
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from mockprep.services.exchange import write_export
from mockprep.services.review_log import write_review_log
from tests.conftest import START, write_bank

ANSWERS = [
    "plain words",
    'a "quoted", comma\nand a line',
    "\x1b[31mred\x1b[0m [bold]markup[/bold]",
    "tab\there ünïcode ✓ 𝛼",
    "long answer " * 40,  # deflated when stored
    "",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("pinned")
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    try:
        write_bank(root / "b.toml", "gen", n=9)
        store = Store.open(root / "home", backups=False)
        store.banks.add_source(root / "b.toml", START)
        sync_banks(store, START)
    finally:
        bank_sync.builtin_files = saved
    ids = store.cards.new_question_ids(QuestionFilter())
    session = store.sessions.start("drill", {}, START, 1)
    for i in range(240):
        qid = ids[(i * 7) % len(ids)]
        spoken = Delivery(1.0, 2.0, 3, (("um", 1),), ()) if i % 37 == 0 else None  # the general path
        store.cards.record_review(
            ReviewRecord(
                qid,
                session if i % 3 else None,
                store.cards.card(qid),
                # six reviews share each time, so cuts between pieces fall among equal times
                START + timedelta(minutes=(i // 6) * 13, microseconds=0 if (i // 6) % 4 else 5),
                1 + i % 4,
                0,
                ANSWERS[i % len(ANSWERS)],
                900 + i,
                None if i % 5 else 60_000,
                delivery=spoken,
            )
        )
    yield store
    store.close()


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Workers from the first review, two of them whatever the CPUs, small pieces; the list collects
    how many results each run took from workers."""
    monkeypatch.setattr(export_lines, "WORKERS_FROM", 1)
    monkeypatch.setattr(review_log, "WORKERS_FROM", 1)
    monkeypatch.setattr(export_lines, "PIECE", 25)
    monkeypatch.setattr(review_log, "PIECE", 25)
    monkeypatch.setattr(processes, "worker_count", lambda: 2)
    taken: list[int] = []
    in_order = snapshot_workers.Readers.in_order

    def counted(self: Any, task: Any, args: Any) -> Any:
        receive = snapshot_workers._Worker.receive
        got = [0]

        def received(worker: Any, wait: float | None = None) -> Any:
            value = receive(worker, wait)
            got[0] += value is not snapshot_workers._FAILED
            return value

        monkeypatch.setattr(snapshot_workers._Worker, "receive", received)
        yield from in_order(self, task, args)
        taken.append(got[0])

    monkeypatch.setattr(snapshot_workers.Readers, "in_order", counted)
    return taken


def _export(store: Store) -> str:
    out = io.StringIO()
    write_export(store, out, START + timedelta(days=99), "test")
    return out.getvalue()


def _log(store: Store) -> str:
    out = io.StringIO()
    write_review_log(store, out)
    return out.getvalue()


def test_an_export_by_workers_is_the_export_without_them(
    store: Store, two_workers: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    by_workers = _export(store)
    assert len(two_workers) == 1 and two_workers[0] > 2  # the pieces came from workers
    monkeypatch.setattr(export_lines, "WORKERS_FROM", 10**9)
    assert by_workers == _export(store)
    assert by_workers.count('"delivery"') == 7  # reviews of the general form are in it


def test_a_review_log_by_workers_is_the_log_without_them(
    store: Store, two_workers: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    by_workers = _log(store)
    assert len(two_workers) == 1 and two_workers[0] > 2
    monkeypatch.setattr(review_log, "WORKERS_FROM", 10**9)
    assert by_workers == _log(store)
    assert by_workers.count("\r\n") > 240  # every review, and the answers' own line ends, quoted


def test_the_cuts_split_the_reviews_into_ordered_pieces_that_cover_them(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(review_log, "PIECE", 40)
    raw = store.conn.raw
    pieces = review_log.ranges(raw)
    assert len(pieces) > 3
    whole = [row for batch in review_log.rows(raw) for row in batch]
    split = [row for after, upto in pieces for batch in review_log.rows(raw, after, upto) for row in batch]
    assert split == whole  # every review once, in order, ties at the cuts included


def _count(raw: sqlite3.Connection) -> int:
    return raw.execute("SELECT count(*) FROM reviews").fetchone()[0]


def _count_where(raw: sqlite3.Connection) -> tuple[int, int]:
    """The reviews this reader sees, and which process it is."""
    return _count(raw), os.getpid()


def _reading(path: Path) -> sqlite3.Connection:
    """A connection in a read transaction that has read: the caller pinned_readers takes."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN")
    _count(raw)
    return raw


def _fail(raw: sqlite3.Connection) -> int:
    raise LookupError("no such thing")


def _die_in_worker(raw: sqlite3.Connection, value: int) -> int:
    if multiprocessing.parent_process() is not None:
        os._exit(3)
    return value * 2


def _add_review(path: Path) -> float:
    """Commit a review from another connection; how long it waited for the lock."""
    other = sqlite3.connect(path, timeout=10)
    started = time.monotonic()
    other.execute(
        "INSERT INTO reviews (question_id, rated_us, rating, state_before, duration_ms, answer)"
        " SELECT question_id, rated_us, rating, state_before, duration_ms, 'later' FROM reviews LIMIT 1"
    )
    other.commit()
    other.close()
    return time.monotonic() - started


def _copy(store: Store, tmp_path: Path) -> Path:
    store.checkpoint()
    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / "mockprep.db"
    copy.write_bytes(Path(store.path).read_bytes())
    return copy


def test_readers_see_the_callers_snapshot_and_not_a_later_commit(tmp_path: Path, store: Store) -> None:
    path = _copy(store, tmp_path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN")
    before = _count(raw)
    assert before == 240
    with snapshot_workers.pinned_readers(raw, path, 2, lambda: _count(raw)) as (readers, counted):
        assert readers is not None and not raw.in_transaction  # the caller's transaction ended
        assert counted == before  # what was done meanwhile, in the caller's snapshot
        assert _add_review(path) < 1.0  # writers are not held up
        seen = list(readers.in_order(_count_where, [()] * 6))
        assert [count for count, _pid in seen] == [before] * 6
        assert len({pid for _count, pid in seen} - {os.getpid()}) == 2  # both workers, not this process
    assert _count(raw) == before + 1
    raw.close()


def test_a_commit_after_the_callers_snapshot_leaves_the_work_to_the_caller(
    tmp_path: Path, store: Store
) -> None:
    path = _copy(store, tmp_path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN")
    before = _count(raw)
    _add_review(path)
    with snapshot_workers.pinned_readers(raw, path, 2, lambda: _count(raw)) as (readers, counted):
        assert readers is None and counted == before
        assert raw.in_transaction and _count(raw) == before  # still the caller's own snapshot
    raw.execute("COMMIT")
    raw.close()


def test_a_task_that_fails_in_a_worker_raises_its_error_here(tmp_path: Path, store: Store) -> None:
    raw = _reading(store.path)
    with snapshot_workers.pinned_readers(raw, store.path, 2, lambda: None) as (readers, _):
        assert readers is not None
        with pytest.raises(LookupError, match="no such thing"):
            list(readers.in_order(_fail, [()] * 3))
    raw.close()


def test_a_dying_worker_has_its_tasks_done_here(store: Store) -> None:
    raw = _reading(store.path)
    with snapshot_workers.pinned_readers(raw, store.path, 2, lambda: None) as (readers, _):
        assert readers is not None
        assert list(readers.in_order(_die_in_worker, [(i,) for i in range(7)])) == [i * 2 for i in range(7)]
        assert not any(w.alive for w in readers.workers)
    raw.close()


def test_workers_that_cannot_start_leave_the_work_to_the_caller(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(snapshot_workers, "_start", lambda path, workers: [])
    raw = _reading(store.path)
    with snapshot_workers.pinned_readers(raw, store.path, 2, lambda: None) as (readers, _):
        assert readers is None and raw.in_transaction
    raw.close()


def test_a_database_in_rollback_journal_mode_is_read_by_pinned_workers_too(
    tmp_path: Path, store: Store
) -> None:
    path = _copy(store, tmp_path)
    setup = sqlite3.connect(path)
    assert setup.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    setup.close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN")
    before = _count(raw)
    started = time.monotonic()
    with snapshot_workers.pinned_readers(raw, path, 2, lambda: None) as (readers, _):
        assert readers is not None
        seen = list(readers.in_order(_count_where, [()] * 4))
    assert [count for count, _pid in seen] == [before] * 4
    assert len({pid for _count, pid in seen} - {os.getpid()}) == 2  # read by the workers
    assert time.monotonic() - started < 5  # the lock is let go at once, whatever the journal
    raw.close()


class _FullDisk(io.StringIO):
    """A stream whose second write while workers are at work fails, as on a full disk."""

    def __init__(self) -> None:
        super().__init__()
        self.writes_beside_workers = 0
        self.workers_then = 0

    def write(self, text: str) -> int:
        workers = len(multiprocessing.active_children())
        self.writes_beside_workers += workers > 0
        if self.writes_beside_workers > 1:
            self.workers_then = workers
            raise OSError(28, "No space left on device")
        return super().write(text)


@pytest.mark.parametrize("command", ["history --csv", "export"])
def test_a_write_that_fails_midway_stops_the_workers_at_once(
    store: Store, two_workers: list[int], command: str
) -> None:
    out = _FullDisk()
    with pytest.raises(OSError, match="No space"):
        if command == "export":
            write_export(store, out, START, "test")
        else:
            write_review_log(store, out)
    assert out.workers_then == 2  # the workers were at work when writing failed...
    assert multiprocessing.active_children() == []  # ... and are gone with the error
    assert not store.conn.in_transaction


def test_pieces_written_to_a_file_and_through_gzip_are_the_text_written_without_workers(
    tmp_path: Path, store: Store, two_workers: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    from mockprep.services.exchange import gzipped

    with open(tmp_path / "log.csv", "w", encoding="utf-8", newline="") as handle:
        write_review_log(store, handle)
    with open(tmp_path / "export.json.gz", "wb") as raw, gzipped(raw) as packed:
        write_export(store, packed, START + timedelta(days=99), "test")
    assert len(two_workers) == 2 and min(two_workers) > 2
    monkeypatch.setattr(review_log, "WORKERS_FROM", 10**9)
    monkeypatch.setattr(export_lines, "WORKERS_FROM", 10**9)
    assert (tmp_path / "log.csv").read_bytes().decode("utf-8") == _log(store)
    assert gzip.decompress((tmp_path / "export.json.gz").read_bytes()).decode("utf-8") == _export(store)


def test_a_worker_that_does_not_answer_in_time_is_given_up() -> None:
    mine, theirs = multiprocessing.Pipe()
    worker = snapshot_workers._Worker(None, mine)
    assert worker.receive(0.05) is snapshot_workers._FAILED and not worker.alive
    theirs.send(("ok", "late"))
    assert worker.receive() is snapshot_workers._FAILED  # never read again
    mine.close()
    theirs.close()


def test_readers_left_midway_are_not_asked_again(store: Store) -> None:
    raw = _reading(store.path)
    with snapshot_workers.pinned_readers(raw, store.path, 2, lambda: None) as (readers, _):
        assert readers is not None
        first = readers.in_order(_count_where, [()] * 6)
        assert next(first)[0] == 240
        first.close()  # results still in flight in both pipes: a next task's answer would be stale
        assert list(readers.in_order(_count_where, [()] * 3)) == [(240, os.getpid())] * 3  # all here
    raw.close()
