"""The SQLite store: file safety, pragmas, migrations, sync and durable reviews."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import make_scheduler, review
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.sql import db_time
from mockprep.db.store import Store, StoreError
from mockprep.paths import DB_NAME
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FIXTURES, START, write_bank


def test_home_is_private_and_database_is_0600(home: Path) -> None:
    Store.open(home).close()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / DB_NAME).stat().st_mode) == 0o600


def test_every_connection_sets_pragmas(store: Store) -> None:
    q = store.conn.exec_driver_sql
    assert q("PRAGMA journal_mode").scalar() == "wal"
    assert q("PRAGMA foreign_keys").scalar() == 1
    assert q("PRAGMA synchronous").scalar() == 2  # FULL
    assert q("PRAGMA busy_timeout").scalar() >= 5000


def test_blank_database_gets_every_migration(store: Store) -> None:
    assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)


def _affinity(declared: str) -> str:
    """SQLite's type affinity of a declared column type (section 3.1 of its datatype rules)."""
    declared = declared.upper()
    if "INT" in declared:
        return "INTEGER"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def test_schema_matches_the_sqlmodel_tables(store: Store) -> None:
    """Every migrated table has a table class with the same columns, affinities, NULLs and keys."""
    from sqlalchemy.dialects import sqlite
    from sqlmodel import SQLModel

    import mockprep.db.schema  # noqa: F401  (registers the tables)

    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    migrated = {
        r[0] for r in store.conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert migrated == set(tables)
    for name, table in tables.items():
        found = {
            r[1]: (_affinity(r[2]), bool(r[3]) or bool(r[5]), bool(r[5]))
            for r in store.conn.exec_driver_sql(f"PRAGMA table_info({name})")
        }
        declared = {
            c.name: (
                _affinity(str(c.type.compile(dialect=sqlite.dialect()))),
                not c.nullable or c.primary_key,
                c.primary_key,
            )
            for c in table.columns
        }
        assert found == declared, name


def test_upgrade_from_the_first_schema_keeps_data(home: Path) -> None:
    home.mkdir(mode=0o700)
    db = sqlite3.connect(home / DB_NAME, isolation_level=None)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at DATETIME NOT NULL)")
    db.execute("BEGIN")
    MIGRATIONS[0](db.cursor())
    db.execute("INSERT INTO migrations VALUES (?, '2026-01-01 00:00:00.000000')", (MIGRATIONS[0].__name__,))
    db.execute(
        "INSERT INTO banks VALUES ('b', 'B', 'technical', '', '[]', 'x', 0, 'h', 0, '2026-01-01 00:00:00.000000')"
    )
    db.execute(
        "INSERT INTO questions (id, key, bank_id, round, topic, difficulty, kind, data, added_at)"
        " VALUES (1, 'b/q', 'b', 'technical', 't', 1, 'open', '{}', '2026-01-01 00:00:00.000000')"
    )
    db.execute(
        "INSERT INTO sessions (id, started_at, status) VALUES (1, '2026-01-01 00:00:00.000000', 'completed')"
    )
    db.execute(
        "INSERT INTO reviews (question_id, session_id, rated_at, rating, state_before, duration_ms)"
        " VALUES (1, 1, '2026-01-01 00:01:00.000000', 3, 0, 1500)"
    )
    db.execute("COMMIT")
    db.close()
    with Store.open(home) as store:
        assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
        rows = store.sessions.answers(1)
        assert [(r.key, r.rating, r.duration_ms) for r in rows] == [("b/q", 3, 1500)]


def test_newer_schema_is_refused_and_file_unchanged(home: Path) -> None:
    Store.open(home).close()
    db = sqlite3.connect(home / DB_NAME)
    db.execute("INSERT INTO migrations VALUES ('m999_from_the_future', '2030-01-01')")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = hashlib.sha256((home / DB_NAME).read_bytes()).hexdigest()
    with pytest.raises(StoreError, match="newer mockprep") as refused:
        Store.open(home)
    assert str(refused.value).endswith("The file was not changed.")
    assert hashlib.sha256((home / DB_NAME).read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    "content",
    [b"not a database at all" * 100, b"\x00" * 4096, b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_garbage_file_is_a_clear_store_error(home: Path, content: bytes) -> None:
    home.mkdir(mode=0o700)
    (home / DB_NAME).write_bytes(content)
    with pytest.raises(StoreError, match="not a usable mockprep database"):
        Store.open(home)
    assert (home / DB_NAME).read_bytes() == content


def sync_dir(store: Store, folder: Path, now=START):
    store.banks.add_source(folder, now)
    return sync_banks(store, now)


def test_builtin_banks_sync_once_then_cost_nothing(store: Store) -> None:
    first = sync_banks(store, START)
    assert first.changed and not first.problems
    assert sum(r.added for r in first.changed) >= 50
    again = sync_banks(store, START + timedelta(days=1))
    assert again.changed == [] and again.problems == []


def test_editing_text_keeps_progress_and_dropping_retires(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    path = write_bank(folder / "demo.toml", n=3)
    sync_dir(store, folder)
    qid = store.cards.new_question_ids(QuestionFilter(banks=("demo",)))[0]
    card = review(make_scheduler(0.9), store.cards.card(qid), Rating.Good, START)
    store.cards.record_review(ReviewRecord(qid, None, card, START, 3, 0, "my answer", 1200))

    write_bank(path, n=2, prompt_prefix="Reworded question")
    result = sync_banks(store, START + timedelta(hours=1))
    assert [(r.bank_id, r.added, r.updated, r.retired) for r in result.changed] == [("demo", 0, 2, 1)]
    assert store.banks.question(qid).question.spec.prompt == "Reworded question 1 of demo?"
    assert store.cards.card(qid).last_review == START  # progress kept
    retired = [r for r in store.banks.questions_in_bank("demo")]
    assert [r.question.id for r in retired] == ["q1", "q2"]

    write_bank(path, n=3)  # q3 comes back with its old identity
    sync_banks(store, START + timedelta(hours=2))
    assert [r.question.id for r in store.banks.questions_in_bank("demo")] == ["q1", "q2", "q3"]


def test_a_broken_edit_keeps_the_last_good_version(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    path = write_bank(folder / "demo.toml", n=2)
    sync_dir(store, folder)
    path.write_text(path.read_text().replace('answer = "Answer 1."', 'answr = "x"'))
    report = sync_banks(store, START)
    assert report.changed == []
    assert any("unknown field" in str(p) for p in report.problems)
    assert len(store.banks.questions_in_bank("demo")) == 2


def test_user_bank_cannot_take_a_builtin_id(store: Store, tmp_path: Path) -> None:
    sync_banks(store, START)
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "stats.toml", bank_id="statistics")
    report = sync_dir(store, folder)
    assert any("already used by builtin:" in str(p) for p in report.problems)


def test_record_review_is_durable_immediately(store: Store, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml")
    sync_dir(store, folder)
    qid = store.cards.new_question_ids(QuestionFilter(banks=("demo",)))[0]
    card = review(make_scheduler(0.9), store.cards.card(qid), Rating.Again, START)
    store.cards.record_review(ReviewRecord(qid, None, card, START, 1, 0, "[red]x[/red]", 10))
    # A second, independent connection sees it without the first closing.
    other = sqlite3.connect(home / DB_NAME)
    assert other.execute("SELECT rating, answer FROM reviews").fetchall() == [(1, "[red]x[/red]")]
    assert other.execute("SELECT state FROM cards WHERE question_id = ?", (qid,)).fetchone() == (1,)
    other.close()


def test_stale_running_sessions_are_recovered(store: Store) -> None:
    # Sessions without a lock file (started by an older mockprep): their process id decides.
    with store.write() as conn:
        for pid in (999_999_999, 1):
            conn.exec_driver_sql(
                "INSERT INTO sessions (kind, started_at, status, pid) VALUES ('drill', ?, 'running', ?)",
                (db_time(START), pid),
            )
    sid, live = 1, 2
    assert store.sessions.recover(lambda pid: pid == 1) == 1
    assert store.sessions.get(sid).status == "interrupted"
    assert store.sessions.get(live).status == "running"


def test_every_command_closes_dead_sessions_and_loads_the_session_code_only_when_one_runs(
    store: Store,
) -> None:
    assert store.recover_sessions(lambda pid: False) == 0
    assert "sessions" not in vars(store)  # nothing marked running: SessionTable never made
    ids = []
    with store.write() as conn:
        for pid, origin in ((999_999_999, None), (999_999_999, "another-device"), (1, None)):
            ids.append(
                conn.exec_driver_sql(
                    "INSERT INTO sessions (kind, started_at, status, pid, origin)"
                    " VALUES ('drill', ?, 'running', ?, ?)",
                    (db_time(START), pid, origin),
                ).lastrowid
            )
    assert store.recover_sessions(lambda pid: pid == 1) == 1
    statuses = [store.sessions.get(sid).status for sid in ids]
    assert statuses == ["interrupted", "running", "running"]  # another device's session is its own to end
    assert store.recover_sessions(lambda pid: pid == 1) == 0


def test_a_deleted_bank_file_retires_its_questions_and_keeps_history(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "keep.toml", bank_id="keep")
    gone = write_bank(folder / "gone.toml", bank_id="gone")
    sync_dir(store, folder)
    qid = store.cards.new_question_ids(QuestionFilter(banks=("gone",)))[0]
    store.cards.record_review(
        ReviewRecord(
            qid,
            None,
            review(make_scheduler(0.9), store.cards.card(qid), Rating.Good, START),
            START,
            3,
            0,
            "a",
            5,
        )
    )
    gone.unlink()
    report = sync_banks(store, START + timedelta(days=1))
    assert [(r.bank_id, r.retired) for r in report.changed] == [("gone", 3)]
    assert store.banks.questions_in_bank("gone") == [] and len(store.banks.questions_in_bank("keep")) == 3
    assert store.banks.question(qid).retired and store.cards.card(qid).last_review == START  # history kept
    assert sync_banks(store, START + timedelta(days=2)).changed == []  # and only once


def test_a_missing_registered_folder_keeps_its_banks(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    write_bank(folder / "b.toml", bank_id="usb")
    sync_dir(store, folder)
    shutil.rmtree(folder)
    report = sync_banks(store, START)
    assert report.changed == [] and "missing" in str(report.problems[0])
    assert len(store.banks.questions_in_bank("usb")) == 3


def test_a_builtin_bank_no_longer_shipped_is_retired(store: Store, monkeypatch) -> None:
    from mockprep.services import bank_sync

    sync_banks(store, START)
    shipped = bank_sync.builtin_files()
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [f for f in shipped if "statistics" not in f[0]])
    report = sync_banks(store, START)
    assert [r.bank_id for r in report.changed] == ["statistics"]
    assert store.banks.questions_in_bank("statistics") == []


def test_m005_unifies_how_mock_answers_store_no_coverage_and_durations(home: Path) -> None:
    """Before m005 a mock answer to an auto-graded question stored coverage [] (reviews: NULL)."""
    import shutil
    import sqlite3

    home.mkdir(mode=0o700, parents=True)
    shutil.copy(FIXTURES / "schemas" / "schema-v4.db", home / DB_NAME)
    old = sqlite3.connect(home / DB_NAME)
    old.execute(
        "INSERT INTO mock_answers (session_id, question_id, position, answered_at, answer, duration_ms,"
        " coverage) VALUES (2, 1, 2, '2026-01-05 10:00:00.000000', 'c', -40, '[]')"
    )
    old.execute("UPDATE reviews SET duration_ms = -3")
    old.commit()
    old.close()
    with Store.open(home, backups=False) as store:
        answers = store.sessions.answers(2)
        assert [(a.answer, a.coverage, a.duration_ms) for a in answers] == [
            ("mock answer", None, 5000),
            ("c", None, 0),
        ]
        assert [a.duration_ms for a in store.sessions.answers(1)] == [0]
