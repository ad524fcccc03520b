"""Bringing a database up to this version's schema: the migrations it has not applied, in order.

Imported only when a file needs it (:meth:`mockprep.db.store.Store.open` sees at once, without the
migrations' code, whether one is current). A database that holds anything is backed up first; each
migration runs in its own write transaction with the row that records it; one that frees a good part
of the file is followed by a VACUUM.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.db.driver import text
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.sql import db_time

if TYPE_CHECKING:
    from mockprep.db.store import Store

# Migrations after which the file is compacted (VACUUM): m015 leaves a third of it empty, m016 a fifth,
# m018 (a rebuilt log) half, m019 (packed checklists) up to two thirds of a graded log.
FREES_SPACE = {
    "m015_compact_reviews",
    "m016_time_keys",
    "m018_review_times",
    "m019_packed_grading",
    "m020_latest_card_before",
    "m021_undo_card_on_cards",
    "m022_review_indexes",
    "m023_session_reviews",
}
# Migrations that run with foreign keys off (a table rebuilt), checking them before they commit.
FOREIGN_KEYS_OFF = {"m018_review_times"}


def notices() -> dict[str, Callable[[Any], str | None]]:
    """Told before a migration runs, when it returns a line: what the person waits for."""
    from mockprep.db import (
        compact_reviews,
        packed_grading,
        review_indexes,
        review_times,
        session_reviews,
        time_keys,
        undo_card,
    )

    return {
        "m015_compact_reviews": compact_reviews.notice,
        "m016_time_keys": time_keys.notice,
        "m018_review_times": review_times.notice,
        "m019_packed_grading": packed_grading.notice,
        "m020_latest_card_before": undo_card.notice,
        "m021_undo_card_on_cards": undo_card.notice_m021,
        "m022_review_indexes": review_indexes.notice,
        "m023_session_reviews": session_reviews.notice,
    }


def refuse_newer(path: Path, applied: set[str]) -> None:
    """Raise StoreError when the file at ``path`` has applied migrations this version does not know
    (a newer mockprep wrote it)."""
    from mockprep.db.store import StoreError

    if newer := sorted(applied - {m.__name__ for m in MIGRATIONS}):
        raise StoreError(
            f"{path} was written by a newer mockprep (schema {newer[-1]}); "
            "upgrade mockprep to use it. The file was not changed."
        )


def upgrade(store: Store, applied: set[str], home: Path | None, notice: Callable[[str], None] | None) -> None:
    """Apply what ``store`` lacks (it has ``applied``); with ``home``, back a file with data up first."""
    refuse_newer(store.path, applied)
    pending = [m for m in MIGRATIONS if m.__name__ not in applied]
    if pending and home is not None and store.has_data():
        store._backup(home, f"before-{pending[0].__name__.split('_')[0]}")
    freed = False  # a migration that frees a good part of the file ran
    for migration in pending:
        name = migration.__name__
        freed = freed or name in FREES_SPACE
        keys_off = name in FOREIGN_KEYS_OFF  # (only outside a transaction does the pragma take)
        if keys_off:
            store.conn.raw.execute("PRAGMA foreign_keys = OFF")
        try:
            _apply(store, migration, notice)
        finally:
            if keys_off:
                store.conn.raw.execute("PRAGMA foreign_keys = ON")
    if freed:
        _reclaim(store)


def _apply(store: Store, migration: Callable[[Any], None], notice: Callable[[str], None] | None) -> None:
    """Run one migration in its own write transaction, with the row that records it."""
    name = migration.__name__
    with store.write() as conn:
        # Another process may have applied it while we waited for the lock.
        done = conn.execute(text("SELECT 1 FROM migrations WHERE name = :n"), {"n": name}).first()
        if done:
            return
        cur = conn.raw.cursor()
        told = notices().get(name) if notice is not None else None
        line = told(cur) if told is not None else None
        if line is not None:
            notice(line)
        migration(cur)
        cur.close()
        conn.execute(
            text("INSERT INTO migrations (name, applied_at) VALUES (:n, :t)"),
            {"n": name, "t": db_time(datetime.now(UTC))},
        )


def _reclaim(store: Store) -> None:
    """Hand the space a migration freed back to the file system (VACUUM: rows that shrank in place
    leave their pages part empty, not free). Another process using the database, or a full disk,
    skips it at once: new rows then fill the space, and nothing is lost."""
    from mockprep.db.store import BUSY_TIMEOUT_MS

    conn = store.conn
    conn.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError:
        pass
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
