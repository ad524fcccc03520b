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

from mockprep.db.card_replay import ADOPTED_ANY
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


# From how many reviews a migration that rewrites or re-indexes the log (a few seconds a million on a
# 2-core machine) is announced before it starts.
SLOW_MIGRATION_REVIEWS = 100_000
# What the person waits for, by migration: ``{reviews:,}`` is the length of their log.
NOTICES = {
    "m015_compact_reviews": (
        "Compacting {reviews:,} reviews to take less room (once; about 20 s a million)..."
    ),
    "m016_time_keys": (
        "Rebuilding the indexes of {reviews:,} reviews to take less room (once; about 10 s a million)..."
    ),
    "m018_review_times": (
        "Storing the times of {reviews:,} reviews as numbers to take less room"
        " (once; about 15 s a million)..."
    ),
    "m019_packed_grading": "Packing the checklists of {reviews:,} reviews to take less room (once)...",
    "m020_latest_card_before": (
        "Dropping the copies of old cards that undo can recompute, from {reviews:,} reviews (once)..."
    ),
    "m021_undo_card_on_cards": "Moving the undo copy of each card out of {reviews:,} reviews (once)...",
    "m022_review_indexes": (
        "Rebuilding the index of {reviews:,} reviews by question to take less room (once)..."
    ),
    "m023_session_reviews": (
        "Dropping the index of {reviews:,} reviews by session, which their times replace (once)..."
    ),
    "m027_topic_failures": "Counting the answers failed per topic in {reviews:,} reviews (once)...",
    "m032_memory_under_adopted_weights": (
        "Recomputing each question's memory state from {reviews:,} reviews under your fitted parameters"
        " (once; about a minute a million)..."
    ),
}
# A notice told only when this query finds a row (the migration has nothing to do otherwise).
NOTICE_WHEN = {"m032_memory_under_adopted_weights": ADOPTED_ANY}


def notice_for(cur: Any, name: str) -> str | None:
    """The line told before migration ``name`` runs, when it has one and the log is long."""
    template = NOTICES.get(name)
    if template is None:
        return None
    if name in NOTICE_WHEN and cur.execute(NOTICE_WHEN[name]).fetchone() is None:
        return None
    reviews = cur.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    return None if reviews < SLOW_MIGRATION_REVIEWS else template.format(reviews=reviews)


def refuse_newer(path: Path, applied: set[str], rolled_back: bool = False) -> None:
    """Raise StoreError when the file at ``path`` has applied migrations this version does not know
    (a newer mockprep wrote it). ``rolled_back``: opening it rolled back a transaction a stopped
    process had left unfinished in it, which the message then says instead of "not changed"."""
    from mockprep.db.store import StoreError

    if newer := sorted(applied - {m.__name__ for m in MIGRATIONS}):
        changed = (
            "A transaction a stopped process had left unfinished in it was rolled back, as SQLite does"
            " when it opens such a file; nothing else was changed."
            if rolled_back
            else "The file was not changed."
        )
        raise StoreError(
            f"{path} was written by a newer mockprep (schema {newer[-1]}); upgrade mockprep to use it."
            f" {changed}"
        )


def refuse_while_running(path: Path) -> None:
    """Raise StoreError while a live process runs a session on the file: it is an older mockprep (this
    one would not need the upgrade), whose next write the new schema would refuse, losing that answer."""
    from mockprep.db.restore import running_session
    from mockprep.db.store import StoreError
    from mockprep.liveness import process_alive

    if found := running_session(path, process_alive):
        name, pid = found
        raise StoreError(
            f"{path} needs an upgrade for this mockprep, but {name} of the mockprep that started it"
            f" is still running (process {pid}); finish or quit it, then run this again. The file was"
            " not changed."
        )


def upgrade(store: Store, applied: set[str], home: Path | None, notice: Callable[[str], None] | None) -> None:
    """Apply what ``store`` lacks (it has ``applied``); with ``home``, back a file with data up first."""
    refuse_newer(store.path, applied)
    pending = [m for m in MIGRATIONS if m.__name__ not in applied]
    filled = bool(pending) and store.has_data()
    if filled:
        refuse_while_running(store.path)
    if filled and home is not None:
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
        line = notice_for(cur, name) if notice is not None else None
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
