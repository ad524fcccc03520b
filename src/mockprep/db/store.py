"""The database hub: opens the file (probing it first), migrates it, and runs transactions.

Each aggregate has its own module and object, reached from the store: ``store.banks``,
``store.cards``, ``store.questions``, ``store.sessions``, ``store.stats``, ``store.stories``,
``store.plans``, ``store.scheduling``, ``store.drills`` and ``store.bulk``. Writes run in short
``BEGIN IMMEDIATE`` transactions (:meth:`Store.write`), so each rating is durable the moment it is made
and two mockprep processes wait for each other instead of failing. A signal handler that finds a write
in progress waits for it to end (db/write_guard.py), and a connection that a signal cut short in a read
ends that read, so an interrupted command never leaves a transaction open.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.db.backups import BackupError, daily_backup, make_backup, needs_daily_backup
from mockprep.db.driver import Connection, begin_write, text
from mockprep.db.errors import explain, is_database_error
from mockprep.db.write_guard import guard, signals_held
from mockprep.paths import DB_NAME, ensure_home

MIN_SQLITE = (3, 31, 0)  # generated columns (m016)
# The newest migration and how many there are: a file that has applied exactly these is current, and
# opening it imports no migration code (~10 ms). A test keeps them in step with MIGRATIONS.
LATEST_MIGRATION = ("m035_plan_uids", 35)

if TYPE_CHECKING:
    from mockprep.db.answer_times import AnswerTimes
    from mockprep.db.banks import BankTable
    from mockprep.db.bulk import Bulk
    from mockprep.db.cards import CardTable
    from mockprep.db.drills import Drills
    from mockprep.db.plans import PlanTable
    from mockprep.db.questions import QuestionBrowser
    from mockprep.db.scheduling import Scheduling
    from mockprep.db.sessions import SessionTable
    from mockprep.db.stats import StatsQueries
    from mockprep.db.stories import StoryTable
    from mockprep.db.sync_log import SyncLog

BUSY_TIMEOUT_MS = 30_000
# Sessions this device left running (a merged one is its own device's to end), by m025's index
RUNNING_HERE = "FROM sessions WHERE status = 'running' AND origin IS NULL"


def _current(applied: set[str]) -> bool:
    """Whether a file that has applied ``applied`` needs no migration (without importing them)."""
    latest, count = LATEST_MIGRATION
    return len(applied) == count and latest in applied


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do."""


def explain_db_error(path: Path, exc: BaseException, intact: str = "your data is intact") -> str:
    """One line for a SQLite error on the database at ``path``: what is wrong and what to do (``intact``:
    what is, where that is all it harmed)."""
    return explain(path, exc, BUSY_TIMEOUT_MS / 1000, intact)


def _connect(path: Path) -> sqlite3.Connection:
    return _configure(_open(path))


def _open(path: Path) -> sqlite3.Connection:
    # isolation_level None: mockprep issues BEGIN/COMMIT itself, never the driver behind its back
    raw = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        raw.close()
        raise
    return raw


def _configure(raw: sqlite3.Connection) -> sqlite3.Connection:
    """``raw`` in write-ahead-log mode, durable commits, references enforced."""
    try:
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA synchronous = FULL")
        raw.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        raw.close()
        raise
    return raw


def _probe(path: Path, raw: sqlite3.Connection | None, journal: bool = False) -> None:
    """Refuse a file that is not SQLite or was written by a newer mockprep, before anything is written.

    Read on ``raw``, the store's own connection before it is configured (one connection: the schema is
    parsed once, about 2 ms of every command), unless that is None: where a write-ahead log is beside
    the file (another process has it open, or one was killed), on a read-only connection of its own,
    since closing the last writable connection would fold the log into the file. ``journal``: a
    rollback journal was beside the file (its refusal then says whether reading it rolled one back)."""
    if raw is None:
        try:
            own = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain_db_error(path, exc)) from None
        try:
            return _probe(path, own)
        finally:
            own.close()
    try:
        raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        has_table = raw.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
        ).fetchone()
        applied = {r[0] for r in raw.execute("SELECT name FROM migrations")} if has_table else set()
    except sqlite3.DatabaseError as exc:
        raise StoreError(explain_db_error(path, exc)) from None
    if _current(applied):
        return
    from mockprep.db.upgrade import refuse_newer

    refuse_newer(path, applied, rolled_back=journal and not _has_journal(path))


def _has_log(path: Path) -> bool:
    """Whether a write-ahead log with anything in it is beside ``path``. (A rollback journal left by a
    killed process is rolled back by the probe, as by any SQLite connection that can write: the file
    holds its last committed state again. A read-only connection could not read it at all.)"""
    return _filled(f"{path}-wal")


def _has_journal(path: Path) -> bool:
    """Whether a rollback journal with anything in it is beside ``path`` (one a stopped process left is
    rolled back, and deleted, by the first connection that can write)."""
    return _filled(f"{path}-journal")


def _filled(name: str) -> bool:
    try:
        return os.stat(name).st_size > 0
    except OSError:
        return False


def _create_private_file(path: Path) -> None:
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


class Store:
    """A mockprep database. Use :meth:`open`; close with :meth:`close` or ``with``."""

    def __init__(self, path: Path, settings: Settings | None = None, raw: sqlite3.Connection | None = None):
        self.path = path
        self.settings = settings or DEFAULT_SETTINGS
        self._conn = Connection(_connect(path) if raw is None else _configure(raw))
        self._writing = False  # inside write(): a nested write joins the open transaction
        self._daily: threading.Thread | None = None  # the day's backup, copying in the background
        self._daily_problems: list[str] = []
        self.warn: Callable[[str], None] | None = None  # told when that backup fails, or the file is damaged
        self.on_busy: Callable[[], None] | None = None  # see wait_out_writers

    @classmethod
    def open(
        cls,
        home: Path,
        backups: bool = True,
        settings: Settings | None = None,
        warn: Callable[[str], None] | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> Store:
        """Open (creating if needed) the database in ``home`` and bring its schema up to date.

        With ``backups``, a database that holds anything is copied before each migration and on the
        first use of each day (see :mod:`mockprep.db.backups`). The day's copy is made in the
        background, off the path to the first question, and :meth:`close` waits for it; ``warn`` is
        told if it fails (the command itself goes on). ``notice`` is told, in one line, before a
        migration that takes a while on this database starts.
        """
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(
                f"mockprep needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer (for m016's index of"
                f" review times); this Python's sqlite3 has {sqlite3.sqlite_version}: use a Python built"
                " with a newer SQLite"
            )
        try:
            ensure_home(home)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {home}: {exc.strerror}") from None
        path = home / DB_NAME
        existing = _filled(str(path))
        if not existing and path.is_file():  # emptied to 0 bytes, or created by a run that then stopped
            from mockprep.db.backups import refuse_emptied

            refuse_emptied(path)
        logged = existing and _has_log(path)
        journal = existing and not logged and _has_journal(path)
        if logged:
            _probe(path, None)  # a damaged or newer database is refused before anything is written
        try:
            _create_private_file(path)
        except OSError as exc:
            raise StoreError(f"cannot create {path}: {exc.strerror}") from None
        store = None
        try:
            raw = _open(path)
            if existing and not logged:
                try:
                    _probe(path, raw, journal)
                except BaseException:
                    raw.close()
                    raise
            store = cls(path, settings=settings, raw=raw)
            store.warn = warn
            store._migrate(home if backups else None, notice)
            if backups:
                store._start_daily_backup(home)
        except sqlite3.DatabaseError as exc:
            if store is not None:
                store.close()
            raise StoreError(explain_db_error(path, exc)) from None
        except BackupError as exc:
            if store is not None:
                store.close()
            raise StoreError(str(exc)) from None
        return store

    # Each aggregate is made (and its module imported) on first use: a command pays only for its own.

    @cached_property
    def banks(self) -> BankTable:
        from mockprep.db.banks import BankTable

        return BankTable(self)

    @cached_property
    def cards(self) -> CardTable:
        from mockprep.db.cards import CardTable

        return CardTable(self)

    @cached_property
    def answer_times(self) -> AnswerTimes:
        from mockprep.db.answer_times import AnswerTimes

        return AnswerTimes(self)

    @cached_property
    def sessions(self) -> SessionTable:
        from mockprep.db.sessions import SessionTable

        return SessionTable(self)

    @cached_property
    def scheduling(self) -> Scheduling:
        from mockprep.db.scheduling import Scheduling

        return Scheduling(self)

    @cached_property
    def questions(self) -> QuestionBrowser:
        from mockprep.db.questions import QuestionBrowser

        return QuestionBrowser(self)

    @cached_property
    def stats(self) -> StatsQueries:
        from mockprep.db.stats import StatsQueries

        return StatsQueries(self)

    @cached_property
    def stories(self) -> StoryTable:
        from mockprep.db.stories import StoryTable

        return StoryTable(self)

    @cached_property
    def bulk(self) -> Bulk:
        from mockprep.db.bulk import Bulk

        return Bulk(self)

    @cached_property
    def plans(self) -> PlanTable:
        from mockprep.db.plans import PlanTable

        return PlanTable(self)

    @cached_property
    def drills(self) -> Drills:
        from mockprep.db.drills import Drills

        return Drills(self)

    @cached_property
    def sync(self) -> SyncLog:
        from mockprep.db.sync_log import SyncLog

        return SyncLog(self)

    def recover_sessions(self, alive: Callable[[int], bool]) -> int:
        """Close the sessions of processes that are gone (:meth:`SessionTable.recover`); the session
        code loads only when a session here is marked running, which every command asks and almost
        none finds (about 2.5 ms of each command's start)."""
        if self._conn.raw.execute(f"SELECT 1 {RUNNING_HERE} LIMIT 1").fetchone() is None:
            return 0
        return self.sessions.recover(alive)

    @property
    def conn(self) -> Connection:
        """The connection every query runs on."""
        return self._conn

    def close(self) -> None:
        """Close the connection, once the day's backup (if one is being made) is complete."""
        self.wait_for_backup()
        self._conn.close()

    def replace_file(self, built: Path) -> None:
        """Put the database file ``built`` (complete and synced) in place of this one, atomically, and
        reconnect to it. Refused while another process has this database open (FileInUse): its
        write-ahead log would be read against the new file."""
        from mockprep.db.fresh_file import FileInUse, sync_folder

        self.wait_for_backup()
        self._conn.close()  # the last connection: SQLite folds its log in and deletes it
        try:
            if os.path.exists(f"{self.path}-wal"):
                raise FileInUse(f"{self.path} is open in another mockprep; close it and try again")
            os.replace(built, self.path)
            sync_folder(self.path.parent)
        finally:
            self._conn = Connection(_connect(self.path))

    def wait_for_backup(self) -> None:
        """Wait for the day's backup; a failure is told to ``warn`` here, on this thread (not in the
        middle of whatever the command was showing)."""
        if self._daily is not None:
            self._daily.join()
            self._daily = None
            if self.warn is not None:
                for problem in self._daily_problems:
                    self.warn(problem)

    def reader(self) -> Store:
        """A second connection to the same database, for reading in another thread (WAL allows it)."""
        return Store(self.path, settings=self.settings)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One short write transaction, committed (durably: synchronous=FULL) when the block ends.

        A signal handler that uses :func:`defer_while_writing` acts only once it has ended. A write
        inside another one joins it (one commit for both, e.g. every bank of one sync).
        """
        if self._writing:
            yield self.conn
            return
        with signals_held():
            self._writing = True
            try:
                conn = self.conn
                begin_write(conn, self.on_busy, guard)
                try:
                    yield conn
                except BaseException:
                    if _in_transaction(conn):
                        conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
            finally:
                self._writing = False

    @staticmethod
    def refuses(exc: BaseException) -> bool:
        """Whether ``exc`` is the database refusing a write (a SQLite error, an OSError: a full disk, a
        lock), not a bug."""
        return isinstance(exc, OSError) or is_database_error(exc)

    @contextmanager
    def uninterrupted(self) -> Iterator[None]:
        """A block of steps that must all happen, such as a session's closing writes (its status, its
        lock's release, its removal when empty): a signal handler that uses :func:`defer_while_writing`
        acts only once the whole block has ended, as it waits for one write."""
        with signals_held(holding=True):
            yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: everything read inside sees one consistent state of the database."""
        conn = self.conn
        conn.exec_driver_sql("BEGIN")
        try:
            yield
        finally:
            if _in_transaction(conn):  # not when a signal cut a read short (the connection is gone)
                conn.exec_driver_sql("COMMIT")

    def q(self, sql: str, **params: Any) -> Any:  # one statement outside an explicit transaction
        return self.conn.execute(text(sql), params)

    def checkpoint(self) -> None:
        """Fold the WAL into the database file (before the file is copied)."""
        self.conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def wait_out_writers(self, on_busy: Callable[[], None], first_wait_ms: int) -> None:
        """Writes wait out another process's lock, ``on_busy`` told after ``first_wait_ms`` (begin_write)."""
        self.on_busy = on_busy
        self.conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(first_wait_ms)}")

    # -- schema and backups --------------------------------------------------------------------------

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self.q("SELECT name FROM migrations ORDER BY name")]

    def has_data(self) -> bool:
        tables = {r[0] for r in self.q("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return any(
            table in tables and self.q(f"SELECT EXISTS (SELECT 1 FROM {table})").scalar_one()
            for table in ("reviews", "stories", "sessions")
        )

    def _backup(self, home: Path, reason: str) -> None:
        self.checkpoint()
        make_backup(self.path, home, datetime.now(UTC), reason, keep=self.settings.backup_keep)

    def _start_daily_backup(self, home: Path) -> None:
        """Copy the database in a thread when today has no backup yet.

        The copy reads through its own connection in one read transaction (SQLite's backup API, WAL
        included), so it is the database as it stood when the copy began, whatever this process
        writes meanwhile; SQLite releases the GIL while it copies.
        """
        now = datetime.now(UTC)
        if not needs_daily_backup(home, now) or not self.has_data():
            return

        def copy() -> None:  # the copy is checked (backups.daily_backup): a damaged file is told here
            self._daily_problems = daily_backup(self.path, home, now, self.settings.backup_keep)

        self._daily = threading.Thread(target=copy, name="mockprep-daily-backup")
        self._daily.start()

    def _migrate(self, home: Path | None = None, notice: Callable[[str], None] | None = None) -> None:
        self.q("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at DATETIME NOT NULL)")
        applied = set(self.applied_migrations())
        if not _current(applied):
            from mockprep.db.upgrade import upgrade

            upgrade(self, applied, home, notice)


def _in_transaction(conn: Connection) -> bool:
    return conn.in_transaction
