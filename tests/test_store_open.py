"""Opening the database: one connection for a current file, the file untouched when it is refused,
and the per-command look for sessions left running read through an index (m025)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from mockprep.db import store as store_module
from mockprep.db.store import Store, StoreError
from mockprep.paths import DB_NAME


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_current_file_is_opened_on_one_connection(home: Path, monkeypatch) -> None:
    Store.open(home, backups=False).close()
    opened: list[object] = []
    real = sqlite3.connect

    def counting(*args, **kwargs):
        opened.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module.sqlite3, "connect", counting)
    with Store.open(home, backups=False) as store:
        assert store.applied_migrations()  # (the probe read them on the store's own connection)
    assert len(opened) == 1, opened


def test_a_newer_file_with_a_log_beside_it_is_refused_and_neither_file_changes(
    home: Path, tmp_path: Path
) -> None:
    Store.open(home, backups=False).close()
    path = home / DB_NAME
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")  # what it commits stays in the log
    writer.execute("INSERT INTO migrations VALUES ('m999_from_the_future', '2030-01-01')")
    # the two files as a killed process leaves them: the log not yet folded into the file
    left = tmp_path / "left"
    left.mkdir(mode=0o700)
    for name in (DB_NAME, f"{DB_NAME}-wal"):
        (left / name).write_bytes((home / name).read_bytes())
    writer.close()
    log = left / f"{DB_NAME}-wal"
    assert log.stat().st_size > 0
    before = (_digest(left / DB_NAME), _digest(log))
    with pytest.raises(StoreError, match="newer mockprep"):
        Store.open(left, backups=False)
    assert (_digest(left / DB_NAME), _digest(log)) == before
    with pytest.raises(StoreError, match="newer mockprep"):  # (folded in by the writer: still refused)
        Store.open(home, backups=False)


def test_a_damaged_file_with_a_log_beside_it_is_a_clear_error(home: Path) -> None:
    Store.open(home, backups=False).close()
    path = home / DB_NAME
    path.write_bytes(b"not a database at all" * 100)
    Path(f"{path}-wal").write_bytes(b"\x00" * 64)
    with pytest.raises(StoreError, match="not a usable mockprep database"):
        Store.open(home, backups=False)
    assert path.read_bytes() == b"not a database at all" * 100


def test_sessions_left_running_are_found_through_their_index(store: Store) -> None:
    raw = store.conn.raw
    for n in range(50):
        raw.execute(
            "INSERT INTO sessions (kind, started_at, status, filters) VALUES ('drill', ?, ?, '{}')",
            (f"2026-01-01 00:{n:02d}:00.000000", "completed" if n else "running"),
        )
    seen: list[str] = []
    raw.set_trace_callback(seen.append)
    try:
        store.recover_sessions(lambda pid: False)  # as every command does: a look, then SessionTable's
    finally:
        raw.set_trace_callback(None)
    lookups = [sql for sql in seen if "status = 'running'" in sql and sql.lstrip().startswith("SELECT")]
    assert len(lookups) == 2
    for sql in lookups:
        plan = " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "sessions_running" in plan, plan
    assert raw.execute("SELECT status FROM sessions WHERE id = 1").fetchone()[0] == "interrupted"


def _left_mid_transaction(home: Path, tmp_path: Path, newer: bool) -> Path:
    """A copy of the home's file in rollback-journal mode as a killed process leaves it mid-transaction:
    pages of the transaction already in the file, the journal that undoes them beside it."""
    Store.open(home, backups=False).close()
    path = home / DB_NAME
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = DELETE")
    if newer:
        writer.execute("INSERT INTO migrations VALUES ('m999_from_the_future', '2030-01-01')")
    writer.execute("PRAGMA cache_size = 1")  # pages spill into the file before the transaction ends
    writer.execute("BEGIN")
    writer.execute("CREATE TABLE junk (x)")
    writer.execute(
        "INSERT INTO junk SELECT randomblob(1000) FROM"
        " (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) SELECT i FROM n)"
    )
    left = tmp_path / "left"
    left.mkdir(mode=0o700)
    for name in (DB_NAME, f"{DB_NAME}-journal"):
        (left / name).write_bytes((home / name).read_bytes())
    writer.execute("ROLLBACK")
    writer.close()
    assert (left / f"{DB_NAME}-journal").stat().st_size > 0
    return left


def test_a_file_left_mid_transaction_is_rolled_back_and_opens(home: Path, tmp_path: Path) -> None:
    """The journal is rolled back (the file's last committed state, as any SQLite connection that can
    write would), where a read-only first look refused the file as read-only."""
    left = _left_mid_transaction(home, tmp_path, newer=False)
    with Store.open(left, backups=False) as store:
        tables = {r[0] for r in store.conn.raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "junk" not in tables and "reviews" in tables


def test_a_newer_file_beside_a_journal_sqlite_leaves_alone_is_refused_unchanged(home: Path) -> None:
    """A journal whose header is zeroed (as journal_mode PERSIST leaves one) is not rolled back: the
    refusal still says the file was not changed, and it was not."""
    Store.open(home, backups=False).close()
    raw = sqlite3.connect(home / DB_NAME, isolation_level=None)
    raw.execute("INSERT INTO migrations VALUES ('m999_from_the_future', '2030-01-01')")
    raw.execute("PRAGMA journal_mode = DELETE")  # (folds the log into the file)
    raw.close()
    (home / f"{DB_NAME}-journal").write_bytes(bytes(4096))
    before = (home / DB_NAME).read_bytes()
    with pytest.raises(StoreError, match="newer mockprep") as refused:
        Store.open(home, backups=False)
    assert str(refused.value).endswith("The file was not changed.")
    assert (home / DB_NAME).read_bytes() == before


def test_a_newer_file_left_mid_transaction_is_refused_saying_what_opening_it_rolled_back(
    home: Path, tmp_path: Path
) -> None:
    left = _left_mid_transaction(home, tmp_path, newer=True)
    with pytest.raises(StoreError, match="newer mockprep") as refused:
        Store.open(left, backups=False)
    assert "was rolled back" in str(refused.value) and "not changed" not in str(refused.value)
    raw = sqlite3.connect(left / DB_NAME)
    assert raw.execute("SELECT name FROM sqlite_master WHERE name = 'junk'").fetchone() is None
    raw.close()


def test_a_database_emptied_to_zero_bytes_is_refused_where_backups_exist(home: Path) -> None:
    """A truncated file would otherwise open as a new, empty home over the backups' history."""
    from datetime import UTC, datetime

    from mockprep.db.backups import make_backup

    Store.open(home, backups=False).close()
    path = home / DB_NAME
    path.write_bytes(b"")
    Store.open(home, backups=False).close()  # no backups: an empty file is a new home (as one created)
    make_backup(path, home, datetime(2026, 1, 1, tzinfo=UTC), "manual")
    path.write_bytes(b"")
    with pytest.raises(StoreError, match=r"is empty \(0 bytes\), but this home has 1 backup: restore one"):
        Store.open(home, backups=False)
    assert path.stat().st_size == 0  # not changed
    from mockprep.db.backups import list_backups
    from mockprep.db.restore import restore_backup

    (backup,) = list_backups(home)
    restored = restore_backup(
        backup.path, path, home, datetime(2026, 1, 2, tzinfo=UTC), alive=lambda _pid: False
    )
    assert restored.safety is None and restored.damaged is None
    assert list_backups(home) == [backup]  # no "before-restore" copy of an empty file
    Store.open(home, backups=False).close()
