"""The package: all of a home's data as one SQLite database file, written and read without Python
touching a row.

A JSON export (:mod:`mockprep.services.exchange`) is readable and can be checked record by record; a
package is the quick way between two homes of the same person, as Anki's ``.apkg``/``.colpkg`` are
for Anki. Writing one is a ``VACUUM INTO`` of the home with what belongs to this device taken out:
the sync folder's state (:data:`DEVICE_TABLES`) and the processes of running sessions. Reading one into
a home without history builds the new database from a compact copy of the package (any mockprep
database will do, a backup included; an older schema is migrated in the copy), checked, with this
home's device state put back and the roll-up recounted when the home's time zone differs; it is moved
into place atomically (:func:`mockprep.db.fresh_file.fresh_copy`). ``import --merge`` reads a package
through the export's own records (:func:`records`), so a merge is the same whichever file it reads.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.db import stats_rollup
from mockprep.db.bulk_import import ImportRefused, refuse_history
from mockprep.db.fresh_file import copy_database, fresh_copy, sync_folder
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.package_checks import PackageError, align_schema, check_contents, create_triggers
from mockprep.db.sql import db_time

if TYPE_CHECKING:
    from mockprep.db.store import Store

SUFFIX = ".mockprep"
MAGIC = b"SQLite format 3\x00"
META = "mockprep_package"  # one row: what wrote the package, and when
# What belongs to the device, not to the person's history: never written into a package, and kept
# from the importing home.
DEVICE_TABLES = ("sync_device", "sync_changes", "sync_deleted", "sync_files", "sync_pending")
COUNTED = ("questions", "reviews", "sessions", "stories")


def is_package(path: Path) -> bool:
    """Whether ``path`` is a regular file that is an SQLite database (what a package is), by its first
    bytes (anything else, a pipe included, is never opened here)."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def write_package(store: Store, target: Path, now: datetime, version: str) -> dict[str, int]:
    """Write ``store``'s data as a package at ``target`` (replaced only once it is complete and synced);
    returns how many questions, reviews, sessions and stories it holds."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        store.conn.exec_driver_sql("VACUUM INTO ?", (str(partial),))  # one consistent state, compact
        os.chmod(partial, 0o600)
        con = sqlite3.connect(partial, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA secure_delete = ON")  # what is taken out leaves no trace in free pages
            con.execute("BEGIN")
            for table in DEVICE_TABLES:
                con.execute(f"DELETE FROM {table}")
            con.execute("UPDATE sessions SET pid = NULL WHERE pid IS NOT NULL")
            con.execute(f"CREATE TABLE {META} (format TEXT, written_at TEXT, mockprep TEXT)")
            con.execute(f"INSERT INTO {META} VALUES ('mockprep-package', ?, ?)", (db_time(now), version))
            counts = _counts(con, "main")
            con.execute("COMMIT")
        finally:
            con.close()
        fd = os.open(partial, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, target)
        sync_folder(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _counts(con: sqlite3.Connection, schema: str) -> dict[str, int]:
    return {table: con.execute(f"SELECT COUNT(*) FROM {schema}.{table}").fetchone()[0] for table in COUNTED}


def check_version(path: Path) -> None:
    """Raise PackageError unless ``path`` is a mockprep database this version can read."""
    from urllib.parse import quote

    if not is_package(path):
        raise PackageError("not a mockprep package (not an SQLite database)")
    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM migrations")}
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise PackageError(f"not a mockprep package ({exc})") from None
    newer = sorted(names - {m.__name__ for m in MIGRATIONS})
    if newer:
        raise PackageError(f"written by a newer mockprep (schema {newer[-1]}); upgrade mockprep to read it")


def import_package(store: Store, path: Path, started: Callable[[], None] | None = None) -> dict[str, int]:
    """Restore the package at ``path`` into ``store``'s home, which holds no history or stories
    (ImportRefused otherwise); PackageError names what is wrong with the file, and nothing is written.
    ``started`` is called once the file and the home are found fit, before the copy."""
    check_version(path)
    refuse_history(store)
    recording = store.conn.raw.execute("SELECT recording FROM sync_device").fetchone()
    if recording is not None and recording[0] == 1:
        raise ImportRefused(
            f"{store.path} syncs with a folder, so what it imports is sent to the other devices: "
            "import a JSON export here (mockprep export from the other home), or use mockprep sync"
        )
    if started is not None:
        started()
    from mockprep.db.store import StoreError

    try:
        with fresh_copy(store, source=path) as fresh:
            raw = fresh.conn.raw
            raw.execute("ATTACH DATABASE ? AS home", (str(store.path),))
            try:
                with fresh.write():
                    align_schema(raw)  # nothing of the file's schema is trusted
                    check_contents(raw)
                    _keep_device(raw)
                    create_triggers(raw)
                    counts = _counts(raw, "main")
                    refuse_history(store)  # what another process wrote meanwhile is not replaced either
            finally:
                raw.execute("DETACH DATABASE home")
    except StoreError:  # its migrations failed on the copy: not the mockprep database it says it is
        raise PackageError("not a mockprep package (its schema cannot be brought up to date)") from None
    except sqlite3.DatabaseError as exc:
        if "full" in str(exc):
            raise OSError(28, "no space left on the device") from None
        raise PackageError(f"not a usable package ({exc})") from None
    return counts


def _keep_device(raw: sqlite3.Connection) -> None:
    """This home's device state, bank folders and time zone in the new database; the package's marks
    of what wrote it gone; the roll-up recounted if its days are not the home's."""
    for table in DEVICE_TABLES:
        columns = ", ".join(f'"{r[1]}"' for r in raw.execute(f"PRAGMA home.table_info({table})"))
        raw.execute(f"DELETE FROM main.{table}")
        raw.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM home.{table}")
    raw.execute(
        "INSERT OR IGNORE INTO main.bank_sources (path, added_at)"
        " SELECT path, added_at FROM home.bank_sources"
    )
    raw.execute("UPDATE main.sessions SET pid = NULL WHERE pid IS NOT NULL")
    raw.execute(f"DROP TABLE IF EXISTS main.{META}")
    offsets = stats_rollup.zone(raw, "home")
    # the package's days are the home's, and its totals the log's (else it is counted again)
    counted = bool(offsets) and stats_rollup.fits(raw, offsets) and _totals_agree(raw)
    stats_rollup.set_zone(raw, offsets)
    if not counted:
        stats_rollup.rebuild(raw)


def _totals_agree(raw: sqlite3.Connection) -> bool:
    log = raw.execute("SELECT COUNT(*), coalesce(SUM(duration_ms), 0) FROM main.reviews").fetchone()
    days = raw.execute("SELECT coalesce(SUM(answers), 0), coalesce(SUM(answer_ms), 0) FROM main.stats_days")
    times = raw.execute("SELECT coalesce(SUM(answers), 0), coalesce(SUM(answer_ms), 0) FROM main.stats_times")
    return tuple(log) == tuple(days.fetchone()) == tuple(times.fetchone())


@contextmanager
def records(
    path: Path, home: Path, now: datetime, version: str
) -> Iterator[tuple[dict[str, Any], Iterator[Any]]]:
    """The package at ``path`` as an export's head and questions (parsed), for ``import --merge``: read
    from a copy brought up to this version's schema, in a folder in ``home`` removed afterwards."""
    from mockprep.db.store import Store, StoreError

    check_version(path)
    for left in home.glob(".package-*"):  # what a merge that was killed left
        shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=".package-", dir=home) as folder:
        try:
            copy_database(path, Path(folder) / "mockprep.db")
            source = Store.open(Path(folder), backups=False)
        except StoreError:
            raise PackageError("not a mockprep package (its schema cannot be brought up to date)") from None
        except sqlite3.DatabaseError as exc:
            raise PackageError(f"not a usable package ({exc})") from None
        try:
            raw = source.conn.raw
            raw.execute("ATTACH DATABASE ? AS home", (str(home / "mockprep.db"),))
            try:
                with source.write():
                    align_schema(raw)
                    check_contents(raw)
                    create_triggers(raw)
            except sqlite3.DatabaseError as exc:
                raise PackageError(f"not a usable package ({exc})") from None
            finally:
                raw.execute("DETACH DATABASE home")
            with source.snapshot():
                head: dict[str, Any] = {}
                pieces: Any = iter(())
                for key, value in source.bulk.export_sections(now, version):
                    if isinstance(value, list | str | int | float) or value is None:
                        head[key] = json.loads(json.dumps(value))  # as the JSON file would give it
                    else:
                        pieces = value
                try:
                    yield head, _questions(pieces)
                finally:
                    close = getattr(pieces, "close", None)
                    if close is not None:
                        close()
        finally:
            source.close()


def _questions(pieces: Iterator[tuple[bytes, int, int]]) -> Iterator[Any]:
    for text, _questions_in, _reviews in pieces:
        if text:
            for line in text.split(b",\n  "):  # (inside a JSON string a newline is escaped)
                yield json.loads(line)
