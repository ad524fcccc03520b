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
        store.sessions.recover(lambda pid: False)
    finally:
        raw.set_trace_callback(None)
    lookups = [sql for sql in seen if "status = 'running'" in sql and sql.lstrip().startswith("SELECT")]
    assert lookups
    for sql in lookups:
        plan = " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "sessions_running" in plan, plan
    assert raw.execute("SELECT status FROM sessions WHERE id = 1").fetchone()[0] == "interrupted"
