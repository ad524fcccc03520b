"""Bulk work on a fresh database file beside the live one, moved into place only once it is complete.

An import into an empty home writes a million rows. Doing it in the live file costs a rollback
journal (or WAL) for every page and a durable commit; a copy built without a journal and renamed
over the live file costs neither, and is just as safe: until the rename, the live file is untouched,
and a failure, Ctrl-C or a crash leaves it as it was (the half-built copy is deleted, or left under
a hidden name that the next import clears). The rename itself is atomic and synced.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.db.session_reviews import BOUNDS_TRIGGERS, count_bounds

if TYPE_CHECKING:
    from mockprep.db.store import Store

PARTIAL_DIR = ".import-partial"  # in the home: where the copy is built
# Bulk settings for the copy only: no journal (a failed build is thrown away, not rolled back), no
# syncs until the end, 32 MB of page cache (128 MB took no less time under load and doubled the peak
# memory of a 1M-review import, 377 MB against 181 MB).
BULK_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -32768",
    "PRAGMA foreign_keys = OFF",  # every reference is checked before it is written (export_checks)
)


class FileInUse(Exception):
    """Another process has the live database open, so it cannot be replaced; the message says so."""


@contextmanager
def fresh_copy(store: Store, source: Path | None = None) -> Iterator[Store]:
    """A Store on a copy of ``store``'s database (or of the database file ``source``, brought up to this
    version's schema), in bulk mode; swapped in for the live file when the block ends without an error,
    deleted when it raises. A ``source`` SQLite cannot read raises sqlite3.DatabaseError."""
    from mockprep.db.store import Store

    folder = store.path.parent / PARTIAL_DIR
    shutil.rmtree(folder, ignore_errors=True)  # what a killed import left
    folder.mkdir(mode=0o700)
    try:
        copy = folder / store.path.name
        if source is None:
            store.conn.exec_driver_sql("VACUUM INTO ?", (str(copy),))  # the schema and what is kept
        else:
            copy_database(source, copy)
        os.chmod(copy, 0o600)
        fresh = Store.open(folder, backups=False, settings=store.settings)
        try:
            for pragma in BULK_PRAGMAS:
                fresh.conn.exec_driver_sql(pragma)
            yield fresh
            fresh.conn.exec_driver_sql("PRAGMA main.journal_mode = WAL")  # (not a file the import attached)
        finally:
            fresh.close()
        sync_file(copy)
        store.replace_file(copy)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def reviews_unindexed(raw: Any) -> Iterator[None]:
    """For a bulk copy into the empty review log of a fresh copy (the sqlite3 connection ``raw``, in its
    transaction): its indexes are built once after the rows, which beats updating them row by row, and
    the triggers that cannot act on the copy are off meanwhile: the uid given to a review without one
    (an import's reviews all have theirs: a package's are checked, a JSON file's are made when missing)
    and, unless the home records changes for a sync folder, the change recorded for one. Their
    conditions alone took a third of a million reviews' copy (4.5 s against 2.9 s). The roll-up's
    triggers are :func:`mockprep.db.stats_rollup.bulk`'s. Re-created when the block ends without an
    error (after one, the copy is thrown away), and the sessions' spans of review times counted (m023)."""
    recording = raw.execute("SELECT recording FROM main.sync_device").fetchone()
    idle = {"reviews_new_uid", *BOUNDS_TRIGGERS}  # (the sessions' spans are counted after the copy)
    idle |= set() if recording is not None and recording[0] == 1 else {"reviews_added"}
    dropped = [
        (kind, name, sql)
        for kind, name, sql in raw.execute(
            "SELECT type, name, sql FROM main.sqlite_master WHERE tbl_name = 'reviews' AND sql IS NOT NULL"
        )
        if kind == "index" or kind == "trigger" and name in idle
    ]
    for kind, name, _sql in dropped:
        raw.execute(f'DROP {kind.upper()} main."{name}"')
    yield
    for _kind, _name, sql in dropped:
        raw.execute(sql)
    count_bounds(raw)


def copy_database(source: Path, target: Path) -> None:
    """A compact, consistent copy of the database file ``source`` (what its write-ahead log holds
    included), opened read-only, at ``target``."""
    import sqlite3
    from urllib.parse import quote

    con = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro", uri=True)
    try:
        con.execute("VACUUM INTO ?", (str(target),))
    finally:
        con.close()


def sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
