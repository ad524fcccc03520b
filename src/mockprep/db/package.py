"""The package: all of a home's data as one SQLite database file, written and read by SQLite in bulk.

A JSON export (:mod:`mockprep.services.exchange`) is readable and can be checked record by record; a
package is the quick way between two homes of the same person, as Anki's ``.apkg``/``.colpkg`` are
for Anki. Writing one is a ``VACUUM INTO`` of the home with what belongs to this device taken out:
the sync folder's state (:data:`DEVICE_TABLES`) and the processes of running sessions. Reading one into
a home without history copies a package (any mockprep database will do, a backup included) and brings
the copy up to this version's schema (:func:`migrated_copy`); its values are checked
(:mod:`mockprep.db.package_checks`) and only its rows are copied, column by column, into a copy of the
home, whose schema, triggers and indexes stay the home's; the roll-up is counted again, and the result
moved into place atomically (:func:`mockprep.db.fresh_file.fresh_copy`). ``import --merge`` reads a
package through the export's own records (:func:`records`), so a merge is the same whichever file it
reads.
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
from mockprep.db.backups import quick_check
from mockprep.db.bulk_import import ImportRefused, here_and_not, refuse_history
from mockprep.db.errors import DamageFound, is_damage
from mockprep.db.fresh_file import copy_database, fresh_copy, reviews_unindexed, sync_file, sync_folder
from mockprep.db.import_staging import COUNTED as COUNTED_FILE
from mockprep.db.import_staging import COUNTED_SCHEMA, count_job
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.package_checks import DamagedPackage, PackageError, check_contents, check_job
from mockprep.db.sql import db_time
from mockprep.db.worker_jobs import WorkerJobs
from mockprep.paths import DB_NAME

if TYPE_CHECKING:
    from mockprep.db.store import Store

SUFFIX = ".mockprep"
MAGIC = b"SQLite format 3\x00"
META = "mockprep_package"  # one row: what wrote the package, and when
# What belongs to the device, not to the person's history: never written into a package, and kept
# from the importing home.
DEVICE_TABLES = (
    "sync_device", "sync_changes", "sync_deleted", "sync_files", "sync_pending", "bank_file_stamps"
)  # fmt: skip
COUNTED = ("questions", "reviews", "sessions", "stories")
WORKERS_FROM = 16 << 20  # bytes of package (about 70,000 reviews) from which its jobs run on workers


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
        # Private from its first byte, and after a kill: VACUUM INTO fills an empty file it is given,
        # keeping its mode (a file it created itself would be readable by anyone under umask 022).
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        store.conn.exec_driver_sql("VACUUM INTO ?", (str(partial),))  # one consistent state, compact
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
        # VACUUM INTO copies a table's pages as they are when it can: a damaged page makes a package
        # that no import accepts (about 8 ms a MB, as long again as the copy)
        problem = quick_check(partial)
        if problem is not None:
            raise DamageFound(f"{problem}, found in the package written from it, which was not kept")
        sync_file(partial)
        os.replace(partial, target)
        sync_folder(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _counts(con: sqlite3.Connection, schema: str) -> dict[str, int]:
    return {table: con.execute(f"SELECT COUNT(*) FROM {schema}.{table}").fetchone()[0] for table in COUNTED}


def check_version(path: Path) -> bool:
    """Raise PackageError unless ``path`` is a mockprep database this version can read; whether its
    schema is this version's (every migration applied)."""
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
    return names == {m.__name__ for m in MIGRATIONS}


def import_package(store: Store, path: Path, started: Callable[[], None] | None = None) -> dict[str, Any]:
    """Restore the package at ``path`` into ``store``'s home, which holds no history or stories
    (ImportRefused otherwise); PackageError names what is wrong with the file, and nothing is written.
    ``started`` is called once the file and the home are found fit, before the copy.

    The new database is a copy of the home (its schema, triggers, indexes and settings) into which the
    package's rows are copied column by column: nothing of the file's schema is ever trusted. The
    package's registered bank paths that are not on this machine are not registered (``not_here``)."""
    current = check_version(path)
    refuse_history(store)
    recording = store.conn.raw.execute("SELECT recording FROM sync_device").fetchone()
    if recording is not None and recording[0] == 1:
        raise ImportRefused(
            f"{store.path} syncs with a folder, so what it imports is sent to the other devices: "
            "import a JSON export here (mockprep export from the other home), or use mockprep sync"
        )
    if started is not None:
        started()
    with _rows_source(path, store.path.parent, current) as (source, folder):
        try:
            with fresh_copy(store) as fresh:
                raw = fresh.conn.raw
                raw.execute("ATTACH DATABASE ? AS pkg", (str(source),))
                counted = folder / COUNTED_FILE
                raw.execute(f"ATTACH DATABASE ? AS {COUNTED_SCHEMA}", (str(counted),))
                # deferred: it locks only what it touches, so the count can write its own file; its
                # read lock on the package, taken first, keeps any writer out until the import ends, so
                # the count and the checks, which begin after it, read the rows this connection copies
                raw.execute("BEGIN")
                raw.execute("SELECT COUNT(*) FROM pkg.sqlite_master").fetchone()
                # The rows are checked, and the roll-up counted, by worker processes while this
                # connection copies them (committed only once the checks pass): 8.4-8.7 s in all for
                # the 1M-review package, 12.2-16.4 s with both on one thread (db/worker_jobs.py).
                count = (str(source), str(counted), stats_rollup.zone(raw), ("reviews", "questions"))
                work = WorkerJobs(
                    [(check_job, (str(source),)), (count_job, count)],
                    in_workers=source.stat().st_size >= WORKERS_FROM,
                )

                def checked_and_counted() -> str:
                    work.finish()
                    return COUNTED_SCHEMA

                try:
                    try:
                        try:
                            not_here = _copy_rows(raw, checked_and_counted)
                        except sqlite3.DatabaseError:
                            work.finish()  # what the checks name is said instead of SQLite's error
                            raise
                        counts: dict[str, Any] = {**_counts(raw, "main"), "not_here": not_here}
                        refuse_history(store)  # what another process wrote meanwhile is not replaced either
                    except BaseException:
                        raw.execute("ROLLBACK")
                        raise
                    raw.execute("COMMIT")
                finally:
                    work.stop()
                    raw.execute("DETACH DATABASE pkg")
                    raw.execute(f"DETACH DATABASE {COUNTED_SCHEMA}")
        except sqlite3.DatabaseError as exc:
            if "full" in str(exc):
                raise OSError(28, "no space left on the device") from None
            raise PackageError(f"not a usable package ({exc})") from None
    return counts


# Tables a package's rows never enter: the device's, the roll-up (counted again), the schema's record,
# and the bank folders (added to the home's, not in place of them).
NOT_COPIED = frozenset(
    {*DEVICE_TABLES, *stats_rollup.ROLLUP_TABLES, "migrations", "stats_zone", "bank_sources"}
)


def _copy_rows(raw: sqlite3.Connection, counted: Callable[[], str]) -> list[str]:
    """The package's rows (``pkg``, a migrated copy) copied column by column into this home's schema
    (``main``): all the new database keeps of the file is its rows. Returns its registered bank paths
    that are not on this machine, which are not registered."""
    tables = [
        name
        for (name,) in raw.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_'"
        ).fetchall()
        if name not in NOT_COPIED
    ]
    # the roll-up's triggers off for the copy and the count written after; the indexes built after
    with stats_rollup.bulk(raw, counted=counted), reviews_unindexed(raw):
        for table in tables:
            columns = [r[1] for r in raw.execute(f'PRAGMA main.table_info("{table}")')]
            held = {r[1] for r in raw.execute(f'PRAGMA pkg.table_info("{table}")')}
            if not held:
                raise PackageError(f"has no table {table}, which mockprep keeps")
            missing = [c for c in columns if c not in held]
            if missing:
                raise PackageError(f"table {table} has no column {missing[0]}")
            names = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
            raw.execute(f'DELETE FROM main."{table}"')
            raw.execute(
                f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM pkg."{table}" ORDER BY rowid'
            )
    sources = dict(raw.execute("SELECT path, added_at FROM pkg.bank_sources").fetchall())
    here, not_here = here_and_not(sources)
    rows = [(path, sources[path]) for path in here]
    raw.executemany("INSERT OR IGNORE INTO main.bank_sources (path, added_at) VALUES (?, ?)", rows)
    raw.execute("UPDATE main.sessions SET pid = NULL WHERE pid IS NOT NULL")
    return not_here


@contextmanager
def _rows_source(path: Path, home: Path, current: bool) -> Iterator[tuple[Path, Path]]:
    """The file a package's rows are read from, and a folder in ``home`` for the import's own files
    (removed afterwards). A package at this version's schema, in rollback-journal mode with no journal
    beside it, is read through a hard link in that folder (the same file, so a file put in its place
    meanwhile is not read; a copy where the file system has no links); any other is a migrated copy
    (:func:`migrated_copy`). The package itself is only ever read."""
    with open(path, "rb") as file:
        header = file.read(20)
    leftover = any(Path(f"{path}{suffix}").exists() for suffix in ("-journal", "-wal"))
    if current and header[18:20] == b"\x01\x01" and not leftover:
        with _scratch(home) as folder:
            linked = folder / "package.db"
            try:
                os.link(path, linked)
            except OSError:  # another file system, or one without links
                copy_database(path, linked)
            yield linked, folder
        return
    with migrated_copy(path, home) as source:
        source.close()  # (read through the importing connection, attached)
        yield source.path, source.path.parent


@contextmanager
def _scratch(home: Path) -> Iterator[Path]:
    """A folder in ``home`` for an import's own files, removed afterwards (and by the next import, if
    a killed process left it)."""
    for left in home.glob(".package-*"):
        shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=".package-", dir=home) as folder:
        yield Path(folder)


@contextmanager
def migrated_copy(path: Path, home: Path) -> Iterator[Store]:
    """A Store on a copy of the package at ``path`` (checked with :func:`check_version` first), brought
    up to this version's schema, in a folder in ``home`` removed afterwards (and by the next call, if a
    killed process left it)."""
    from mockprep.db.store import Store, StoreError

    with _scratch(home) as folder:
        try:
            copy_database(path, folder / "mockprep.db")
            source = Store.open(folder, backups=False)
        except StoreError:  # its migrations failed on the copy: not the mockprep database it says it is
            raise PackageError("not a mockprep package (its schema cannot be brought up to date)") from None
        except sqlite3.DatabaseError as exc:
            raise PackageError(f"not a usable package ({exc})") from None
        try:
            yield source
        finally:
            source.close()


@contextmanager
def records(
    path: Path, home: Path, now: datetime, version: str, salvaged: Callable[[str], None] | None = None
) -> Iterator[tuple[dict[str, Any], Iterator[Any]]]:
    """The package at ``path`` as an export's head and questions (parsed), for ``import --merge``: read
    from a checked copy brought up to this version's schema, or, when the file is damaged, from what
    can still be read of it (:mod:`mockprep.db.salvage`), which ``salvaged`` is told in one line."""
    check_version(path)
    with _scratch(home) as folder:
        try:
            source = _checked_copy(path, folder)
        except DamagedPackage as exc:
            source, note = _salvaged_copy(path, folder, now, exc)
            if salvaged is not None:
                salvaged(note)
        try:
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


def _checked_copy(path: Path, folder: Path) -> Store:
    """A Store on a copy of the package in ``folder``, brought up to this version's schema and checked
    (:func:`check_contents`); DamagedPackage when the file has a damaged page."""
    from mockprep.db.store import Store, StoreError

    try:
        copy_database(path, folder / DB_NAME)
        source = Store.open(folder, backups=False)
    except StoreError:  # its migrations failed on the copy: not the mockprep database it says it is
        raise PackageError("not a mockprep package (its schema cannot be brought up to date)") from None
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise DamagedPackage(f"damaged ({exc})") from None
        raise PackageError(f"not a usable package ({exc})") from None
    with _closed_on_failure(source):
        check_contents(source.conn.raw, "main")
    return source


@contextmanager
def _closed_on_failure(source: Store) -> Iterator[None]:
    """Close ``source`` when the block fails; a database error is said as a PackageError."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        source.close()
        raise PackageError(f"not a usable package ({exc})") from None
    except BaseException:
        source.close()
        raise


def _salvaged_copy(path: Path, folder: Path, now: datetime, damage: DamagedPackage) -> tuple[Store, str]:
    """A Store on what can still be read of the damaged package at ``path`` (in ``folder``), brought up
    to this version's schema and made consistent, and one line saying so and what could not be read.
    ``damage`` is raised again when not even that can be had (its schema is what is damaged)."""
    from mockprep.db.salvage import make_consistent, salvage
    from mockprep.db.store import Store, StoreError

    folder = folder / "salvaged"  # (beside what the checked copy left)
    folder.mkdir()
    damaged = folder / "damaged.db"
    for suffix in ("", "-wal"):  # a byte copy, which SQLite may write to as it opens it: never the file
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", f"{damaged}{suffix}")
    try:
        unreadable = salvage(damaged, folder / DB_NAME)
        source = Store.open(folder, backups=False)
    except (sqlite3.DatabaseError, StoreError):
        raise damage from None
    with _closed_on_failure(source):
        dropped = make_consistent(source.conn.raw, now)
        check_contents(source.conn.raw, "main")
    lost = [f"part of {table}" for table in sorted(unreadable)]
    lost += [f"{count} row{'s' if count > 1 else ''} of {table}" for table, count in sorted(dropped.items())]
    detail = str(damage).removeprefix("damaged (").removesuffix(")")
    note = f"{path} is damaged ({detail}): merging what can still be read of it"
    return source, note + (f" ({', '.join(lost)} could not be read)" if lost else "")


def _questions(pieces: Iterator[tuple[bytes, int, int]]) -> Iterator[Any]:
    for text, _questions_in, _reviews in pieces:
        if text:
            for line in text.split(b",\n  "):  # (inside a JSON string a newline is escaped)
                yield json.loads(line)
