"""The one module that talks to SQLite: connection set-up, migrations, and every query.

Writes run in short ``BEGIN IMMEDIATE`` transactions (see :meth:`Store.write`), so each rating is durable
the moment it is made and two mockprep processes wait for each other instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsrs import Card, State
from sqlalchemy import bindparam, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlalchemy.pool import NullPool

from mockprep.backups import BackupError, make_backup, needs_daily_backup
from mockprep.banks import Bank, Question, QuestionFilter, QuestionSpec, SyncResult
from mockprep.migrations import MIGRATIONS
from mockprep.paths import DB_NAME, ensure_home
from mockprep.scheduler import CardState, DueCard
from mockprep.scoring import sql_points

if TYPE_CHECKING:
    from mockprep.schema import BankRow, RehearsalRow, SessionRow, StoryVersionRow

BUSY_TIMEOUT_MS = 30_000
EXPORT_FORMAT = "mockprep-export"
EXPORT_VERSION = 1


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do."""


def db_time(moment: datetime) -> str:
    """The stored form of a time: UTC, no zone, microseconds (the format SQLAlchemy uses)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def from_db_time(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class QuestionRecord:
    """A stored question: its row id and the question as the bank defines it."""

    id: int
    question: Question
    retired: bool = False


@dataclass(frozen=True)
class StoryOption:
    """A story offered as a reminder after a behavioral question."""

    story_id: int
    title: str
    linked: bool
    shared_competencies: tuple[str, ...]


@dataclass(frozen=True)
class BankSummary:
    id: str
    title: str
    round: str
    source: str
    builtin: bool
    removed: bool
    questions: int
    new: int
    due_today: int
    topics: dict[str, int]


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # mockprep issues BEGIN/COMMIT itself; the driver must not open transactions behind its back.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _probe(path: Path) -> None:
    """Refuse, without writing a byte, a file that is not SQLite or was written by a newer mockprep."""
    known = {m.__name__ for m in MIGRATIONS}
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            has_table = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
            ).fetchone()
            applied = {r[0] for r in con.execute("SELECT name FROM migrations")} if has_table else set()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(_explain_db_error(path, exc)) from None
    newer = sorted(applied - known)
    if newer:
        raise StoreError(
            f"{path} was written by a newer mockprep (schema {newer[-1]}); "
            "upgrade mockprep to use it. The file was not changed."
        )


def _create_private_file(path: Path) -> None:
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


class Store:
    """A mockprep database. Use :meth:`open`; close with :meth:`close` or ``with``."""

    def __init__(self, engine: Engine, path: Path, owns_engine: bool = True):
        self.engine = engine
        self.path = path
        self.owns_engine = owns_engine
        self.conn: Connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    @classmethod
    def open(cls, home: Path, backups: bool = True) -> Store:
        """Open (creating if needed) the database in ``home`` and bring its schema up to date.

        With ``backups``, a database that holds anything is copied before each migration and on the
        first use of each day (see :mod:`mockprep.backups`).
        """
        try:
            ensure_home(home)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {home}: {exc.strerror}") from None
        path = home / DB_NAME
        if path.exists() and path.stat().st_size > 0:
            _probe(path)  # read-only: a damaged or newer database is refused before anything is written
        try:
            _create_private_file(path)
        except OSError as exc:
            raise StoreError(f"cannot create {path}: {exc.strerror}") from None
        engine = create_engine(
            f"sqlite:///{path}",
            poolclass=NullPool,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _on_connect)
        try:
            store = cls(engine, path)
            store._migrate(home if backups else None)
            if backups:
                store._daily_backup(home)
        except (SADatabaseError, sqlite3.DatabaseError) as exc:
            engine.dispose()
            raise StoreError(_explain_db_error(path, exc)) from None
        except BackupError as exc:
            engine.dispose()
            raise StoreError(str(exc)) from None
        return store

    def _has_data(self) -> bool:
        tables = {r[0] for r in self._q("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return any(
            table in tables and self._q(f"SELECT EXISTS (SELECT 1 FROM {table})").scalar_one()
            for table in ("reviews", "stories", "sessions")
        )

    def _backup(self, home: Path, reason: str) -> None:
        self.conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        make_backup(self.path, home, datetime.now(UTC), reason)

    def _daily_backup(self, home: Path) -> None:
        if needs_daily_backup(home, datetime.now(UTC)) and self._has_data():
            self._backup(home, "daily")

    def close(self) -> None:
        self.conn.close()
        if self.owns_engine:
            self.engine.dispose()

    def reader(self) -> Store:
        """A second connection to the same database, for reading in another thread (WAL allows it)."""
        return Store(self.engine, self.path, owns_engine=False)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and schema -------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One short write transaction, committed (durably: synchronous=FULL) when the block ends."""
        self.conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            # A signal can arrive just after COMMIT returned; then there is nothing to roll back.
            if self.conn.connection.driver_connection.in_transaction:
                self.conn.exec_driver_sql("ROLLBACK")
            raise
        self.conn.exec_driver_sql("COMMIT")

    def _q(self, sql: str, **params: Any) -> Any:
        return self.conn.execute(text(sql), params)

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self._q("SELECT name FROM migrations ORDER BY name")]

    def _migrate(self, home: Path | None = None) -> None:
        self._q("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at DATETIME NOT NULL)")
        known = [m.__name__ for m in MIGRATIONS]
        newer = sorted(set(self.applied_migrations()) - set(known))
        if newer:
            raise StoreError(
                f"{self.path} was written by a newer mockprep (schema {newer[-1]}); "
                "upgrade mockprep to use it. The file was not changed."
            )
        pending = [m for m in MIGRATIONS if m.__name__ not in self.applied_migrations()]
        if pending and home is not None and self._has_data():
            self._backup(home, f"before-{pending[0].__name__.split('_')[0]}")
        for migration in pending:
            name = migration.__name__
            with self.write() as conn:
                # Another process may have applied it while we waited for the lock.
                done = conn.execute(text("SELECT 1 FROM migrations WHERE name = :n"), {"n": name}).first()
                if done:
                    continue
                cur = conn.connection.driver_connection.cursor()
                migration(cur)
                cur.close()
                conn.execute(
                    text("INSERT INTO migrations (name, applied_at) VALUES (:n, :t)"),
                    {"n": name, "t": db_time(datetime.now(UTC))},
                )

    # -- banks ---------------------------------------------------------------------------------

    def bank_hashes_by_source(self) -> dict[str, str]:
        """``{source: content hash}`` of the file each bank was last synced from."""
        return {r.source: r.content_hash for r in self._q("SELECT source, content_hash FROM banks")}

    def bank_owners(self) -> dict[str, tuple[str, bool]]:
        """``{bank id: (source, removed)}`` for every bank ever synced."""
        rows = self._q("SELECT id, source, removed FROM banks")
        return {r.id: (r.source, bool(r.removed)) for r in rows}

    def bank_sources(self) -> list[Path]:
        return [Path(r.path) for r in self._q("SELECT path FROM bank_sources ORDER BY added_at")]

    def add_bank_source(self, path: Path, now: datetime) -> None:
        with self.write() as conn:
            conn.execute(
                text("INSERT OR IGNORE INTO bank_sources (path, added_at) VALUES (:p, :t)"),
                {"p": str(path), "t": db_time(now)},
            )

    def remove_bank_source(self, path: str) -> None:
        with self.write() as conn:
            conn.execute(text("DELETE FROM bank_sources WHERE path = :p"), {"p": path})

    def sync_bank(self, bank: Bank, builtin: bool, now: datetime) -> SyncResult:
        """Bring one bank's rows in line with its file, in one transaction.

        Questions keep their identity (and review progress) by key; a question the file no longer
        has is retired, never deleted, so its history stays.
        """
        stamp = db_time(now)
        added = updated = retired = 0
        with self.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO banks (id, title, round, description, roles, source, builtin,"
                    " content_hash, removed, synced_at)"
                    " VALUES (:id, :title, :round, :description, :roles, :source, :builtin, :hash, 0,"
                    " :now)"
                    " ON CONFLICT(id) DO UPDATE SET title = excluded.title, round = excluded.round,"
                    " description = excluded.description, roles = excluded.roles,"
                    " source = excluded.source, builtin = excluded.builtin,"
                    " content_hash = excluded.content_hash, removed = 0, synced_at = excluded.synced_at"
                ),
                {
                    "id": bank.id,
                    "title": bank.spec.title,
                    "round": bank.spec.round,
                    "description": bank.spec.description,
                    "roles": json.dumps(list(bank.spec.roles)),
                    "source": bank.source,
                    "builtin": builtin,
                    "hash": bank.content_hash,
                    "now": stamp,
                },
            )
            existing = {
                r.key: (r.id, r.data, r.retired_at)
                for r in conn.execute(
                    text("SELECT id, key, data, retired_at FROM questions WHERE bank_id = :b"),
                    {"b": bank.id},
                )
            }
            seen = set()
            for question in bank.questions:
                seen.add(question.key)
                values = _question_values(question)
                if question.key not in existing:
                    qid = conn.execute(
                        text(
                            "INSERT INTO questions (key, bank_id, round, topic, difficulty, kind,"
                            " roles, competencies, data, added_at)"
                            " VALUES (:key, :bank_id, :round, :topic, :difficulty, :kind, :roles,"
                            " :competencies, :data, :now)"
                        ),
                        {**values, "now": stamp},
                    ).lastrowid
                    conn.execute(
                        text(
                            "INSERT INTO cards (question_id, state, step, due) VALUES (:q, :state, 0, :due)"
                        ),
                        {"q": qid, "state": State.Learning.value, "due": stamp},
                    )
                    added += 1
                else:
                    qid, data, retired_at = existing[question.key]
                    if data != values["data"] or retired_at is not None:
                        conn.execute(
                            text(
                                "UPDATE questions SET round = :round, topic = :topic,"
                                " difficulty = :difficulty, kind = :kind, roles = :roles,"
                                " competencies = :competencies, data = :data, retired_at = NULL"
                                " WHERE id = :id"
                            ),
                            {**values, "id": qid},
                        )
                        updated += 1
            for key, (qid, _data, retired_at) in existing.items():
                if key not in seen and retired_at is None:
                    conn.execute(
                        text("UPDATE questions SET retired_at = :now WHERE id = :id"),
                        {"now": stamp, "id": qid},
                    )
                    retired += 1
        return SyncResult(bank.id, added, updated, retired)

    def retire_bank_questions(self, bank_id: str, now: datetime) -> int:
        """Retire every active question of a bank whose file is gone; return how many."""
        with self.write() as conn:
            return conn.execute(
                text("UPDATE questions SET retired_at = :t WHERE bank_id = :b AND retired_at IS NULL"),
                {"t": db_time(now), "b": bank_id},
            ).rowcount

    def set_bank_removed(self, bank_id: str, removed: bool) -> None:
        with self.write() as conn:
            conn.execute(text("UPDATE banks SET removed = :r WHERE id = :id"), {"r": removed, "id": bank_id})

    def _get(self, model: type[Any], *where: Any, order: Any = None, first: bool = True) -> Any:
        """Typed rows through SQLModel (loaded only by the commands that read whole rows)."""
        from sqlmodel import Session, select

        statement = select(model).where(*where)
        if order is not None:
            statement = statement.order_by(order)
        with Session(self.conn) as session:
            result = session.exec(statement)
            return result.first() if first else list(result.all())

    def bank_row(self, bank_id: str) -> BankRow | None:
        from mockprep.schema import BankRow

        return self._get(BankRow, BankRow.id == bank_id)

    def bank_summaries(self, now: datetime, day_end: datetime) -> list[BankSummary]:
        rows = self._q(
            "SELECT b.id, b.title, b.round, b.source, b.builtin, b.removed,"
            " COUNT(q.id) AS questions,"
            " SUM(c.last_review IS NULL) AS new,"
            " SUM(c.last_review IS NOT NULL AND c.due < :end) AS due_today"
            " FROM banks b"
            " LEFT JOIN questions q ON q.bank_id = b.id AND q.retired_at IS NULL"
            " LEFT JOIN cards c ON c.question_id = q.id"
            " GROUP BY b.id ORDER BY b.round, b.id",
            end=db_time(day_end),
        ).all()
        topics: dict[str, dict[str, int]] = {}
        for r in self._q(
            "SELECT bank_id, topic, COUNT(*) AS n FROM questions WHERE retired_at IS NULL"
            " GROUP BY bank_id, topic ORDER BY n DESC, topic"
        ):
            topics.setdefault(r.bank_id, {})[r.topic] = r.n
        return [
            BankSummary(
                r.id,
                r.title,
                r.round,
                r.source,
                bool(r.builtin),
                bool(r.removed),
                r.questions,
                r.new or 0,
                r.due_today or 0,
                topics.get(r.id, {}),
            )
            for r in rows
        ]

    def known_values(self) -> dict[str, set[str]]:
        """Rounds, topics, roles and banks that active questions have, to check filters against."""
        found: dict[str, set[str]] = {
            "rounds": set(),
            "topics": set(),
            "roles": set(),
            "banks": set(),
        }
        for r in self._q(
            "SELECT DISTINCT q.round, q.topic, q.bank_id, q.roles FROM questions q"
            " JOIN banks b ON b.id = q.bank_id WHERE q.retired_at IS NULL AND b.removed = 0"
        ):
            found["rounds"].add(r.round)
            found["topics"].add(r.topic)
            found["banks"].add(r.bank_id)
            found["roles"].update(json.loads(r.roles))
        return found

    # -- questions and cards ----------------------------------------------------------------------

    def question(self, question_id: int) -> QuestionRecord:
        row = self._q(
            "SELECT id, key, bank_id, round, topic, roles, data, retired_at FROM questions WHERE id = :id",
            id=question_id,
        ).one()
        return _record(row)

    def questions_in_bank(self, bank_id: str) -> list[QuestionRecord]:
        rows = self._q(
            "SELECT id, key, bank_id, round, topic, roles, data, retired_at FROM questions"
            " WHERE bank_id = :b AND retired_at IS NULL ORDER BY id",
            b=bank_id,
        )
        return [_record(r) for r in rows]

    def card(self, question_id: int) -> Card:
        r = self._q(
            "SELECT question_id, state, step, stability, difficulty, due, last_review FROM cards"
            " WHERE question_id = :q",
            q=question_id,
        ).one()
        return _card(r)

    def _filter_sql(self, flt: QuestionFilter) -> tuple[str, dict[str, Any], list[Any]]:
        clauses = ["q.retired_at IS NULL", "b.removed = 0"]
        params: dict[str, Any] = {}
        binds = []
        for column, name, values in (
            ("q.round", "rounds", flt.rounds),
            ("q.topic", "topics", flt.topics),
            ("q.bank_id", "banks", flt.banks),
        ):
            if values:
                clauses.append(f"{column} IN :{name}")
                params[name] = list(values)
                binds.append(bindparam(name, expanding=True))
        if flt.roles:
            clauses.append("EXISTS (SELECT 1 FROM json_each(q.roles) r WHERE r.value IN :roles)")
            params["roles"] = list(flt.roles)
            binds.append(bindparam("roles", expanding=True))
        return " AND ".join(clauses), params, binds

    def _select_due(self, where: str, flt: QuestionFilter, **extra: Any) -> list[Any]:
        clause, params, binds = self._filter_sql(flt)
        stmt = text(
            "SELECT c.question_id, c.state, c.due, c.last_review FROM cards c"
            " JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND {where}"
        ).bindparams(*binds)
        return self.conn.execute(stmt, {**params, **extra}).all()

    def first_learning(self, flt: QuestionFilter) -> DueCard | None:
        """The (re)learning card due soonest."""
        rows = self._select_due(
            "c.last_review IS NOT NULL AND c.state != :review ORDER BY c.due LIMIT 1",
            flt,
            review=State.Review.value,
        )
        return _due_card(rows[0]) if rows else None

    def first_review_due(self, flt: QuestionFilter, now: datetime) -> DueCard | None:
        """The most overdue review card."""
        rows = self._select_due(
            "c.last_review IS NOT NULL AND c.state = :review AND c.due <= :now ORDER BY c.due LIMIT 1",
            flt,
            review=State.Review.value,
            now=db_time(now),
        )
        return _due_card(rows[0]) if rows else None

    def new_question_ids(self, flt: QuestionFilter) -> list[int]:
        rows = self._select_due("c.last_review IS NULL ORDER BY c.question_id", flt)
        return [r.question_id for r in rows]

    def count_due(self, flt: QuestionFilter, before: datetime) -> int:
        clause, params, binds = self._filter_sql(flt)
        stmt = text(
            "SELECT COUNT(*) FROM cards c JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL AND c.due < :before"
        ).bindparams(*binds)
        return self.conn.execute(stmt, {**params, "before": db_time(before)}).scalar_one()

    def next_due_time(self, flt: QuestionFilter) -> datetime | None:
        clause, params, binds = self._filter_sql(flt)
        stmt = text(
            "SELECT MIN(c.due) FROM cards c JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL"
        ).bindparams(*binds)
        return from_db_time(self.conn.execute(stmt, params).scalar_one())

    def new_introduced_since(self, since: datetime) -> int:
        """How many questions were answered for the first time at or after ``since``."""
        return self._q(
            "SELECT COUNT(*) FROM reviews WHERE state_before = 0 AND rated_at >= :s",
            s=db_time(since),
        ).scalar_one()

    def record_review(
        self,
        question_id: int,
        session_id: int | None,
        card: Card,
        rated_at: datetime,
        rating: int,
        state_before: int,
        answer: str,
        duration_ms: int,
        time_limit_ms: int | None = None,
        coverage: list[bool] | None = None,
        suggested: int | None = None,
        mock_answer_id: int | None = None,
    ) -> int:
        """Store one rating and the card it produced, together, durably (and link a mock answer)."""
        with self.write() as conn:
            review_id = conn.execute(
                text(
                    "INSERT INTO reviews (question_id, session_id, rated_at, rating, state_before,"
                    " answer, duration_ms, time_limit_ms, coverage, suggested)"
                    " VALUES (:q, :s, :t, :r, :sb, :a, :d, :tl, :cov, :sug)"
                ),
                {
                    "q": question_id,
                    "s": session_id,
                    "t": db_time(rated_at),
                    "r": rating,
                    "sb": state_before,
                    "a": answer,
                    "d": duration_ms,
                    "tl": time_limit_ms,
                    "cov": None if coverage is None else json.dumps(coverage),
                    "sug": suggested,
                },
            ).lastrowid
            self._save_card(conn, question_id, card)
            if mock_answer_id is not None:
                conn.execute(
                    text("UPDATE mock_answers SET review_id = :r WHERE id = :id"),
                    {"r": review_id, "id": mock_answer_id},
                )
        return review_id

    @staticmethod
    def _save_card(conn: Connection, question_id: int, card: Card) -> None:
        conn.execute(
            text(
                "UPDATE cards SET state = :state, step = :step, stability = :stability,"
                " difficulty = :difficulty, due = :due, last_review = :last WHERE question_id = :q"
            ),
            {
                "state": card.state.value,
                "step": card.step,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": db_time(card.due),
                "last": db_time(card.last_review) if card.last_review else None,
                "q": question_id,
            },
        )

    # -- sessions ------------------------------------------------------------------------------------

    def start_session(
        self,
        kind: str,
        filters: dict[str, Any],
        now: datetime,
        pid: int,
        round: str | None = None,
        minutes: float | None = None,
    ) -> int:
        with self.write() as conn:
            return conn.execute(
                text(
                    "INSERT INTO sessions (kind, started_at, status, filters, pid, round, minutes)"
                    " VALUES (:k, :t, 'running', :f, :pid, :round, :minutes)"
                ),
                {
                    "k": kind,
                    "t": db_time(now),
                    "f": json.dumps(filters, sort_keys=True),
                    "pid": pid,
                    "round": round,
                    "minutes": minutes,
                },
            ).lastrowid

    def recent_durations(self, per_round: int = 50) -> dict[str, list[float]]:
        """Seconds of the latest ``per_round`` answers in each round (for session planning)."""
        rows = self._q(
            "SELECT round, duration_ms FROM ("
            " SELECT q.round AS round, r.duration_ms AS duration_ms, ROW_NUMBER() OVER"
            " (PARTITION BY q.round ORDER BY r.rated_at DESC) AS n"
            " FROM reviews r JOIN questions q ON q.id = r.question_id)"
            " WHERE n <= :k",
            k=per_round,
        )
        found: dict[str, list[float]] = {}
        for r in rows:
            found.setdefault(r.round, []).append(r.duration_ms / 1000)
        return found

    def mock_candidates(self, round: str) -> list[Any]:
        """Active questions of a round with what a mock needs to choose among them."""
        return self._q(
            "SELECT q.id, q.topic, q.competencies, q.data, c.last_review, c.due, c.state"
            " FROM questions q JOIN banks b ON b.id = q.bank_id JOIN cards c ON c.question_id = q.id"
            " WHERE q.retired_at IS NULL AND b.removed = 0 AND q.round = :round ORDER BY q.id",
            round=round,
        ).all()

    def add_mock_answer(
        self,
        session_id: int,
        question_id: int,
        position: int,
        answered_at: datetime,
        answer: str,
        duration_ms: int,
        time_limit_ms: int | None,
        coverage: list[bool],
        follow_up: str | None = None,
        follow_up_answer: str | None = None,
    ) -> int:
        """Store a mock answer the moment it is given (it is rated after the round)."""
        with self.write() as conn:
            return conn.execute(
                text(
                    "INSERT INTO mock_answers (session_id, question_id, position, answered_at, answer,"
                    " follow_up, follow_up_answer, duration_ms, time_limit_ms, coverage)"
                    " VALUES (:s, :q, :p, :t, :a, :f, :fa, :d, :tl, :cov)"
                ),
                {
                    "s": session_id,
                    "q": question_id,
                    "p": position,
                    "t": db_time(answered_at),
                    "a": answer,
                    "f": follow_up,
                    "fa": follow_up_answer,
                    "d": duration_ms,
                    "tl": time_limit_ms,
                    "cov": json.dumps(coverage),
                },
            ).lastrowid

    def set_follow_up_answer(self, mock_answer_id: int, reply: str) -> None:
        with self.write() as conn:
            conn.execute(
                text("UPDATE mock_answers SET follow_up_answer = :a WHERE id = :id"),
                {"a": reply, "id": mock_answer_id},
            )

    def mock_answers(self, session_id: int) -> list[Any]:
        return self._q(
            "SELECT m.*, q.key, q.topic, r.rating FROM mock_answers m"
            " JOIN questions q ON q.id = m.question_id LEFT JOIN reviews r ON r.id = m.review_id"
            " WHERE m.session_id = :s ORDER BY m.position",
            s=session_id,
        ).all()

    def end_session(self, session_id: int, status: str, now: datetime) -> None:
        with self.write() as conn:
            conn.execute(
                text("UPDATE sessions SET status = :s, ended_at = :t WHERE id = :id"),
                {"s": status, "t": db_time(now), "id": session_id},
            )

    def discard_empty_session(self, session_id: int) -> bool:
        """Delete a session that holds no answers at all (quit before the first); True if it did."""
        with self.write() as conn:
            return bool(
                conn.execute(
                    text(
                        "DELETE FROM sessions WHERE id = :s"
                        " AND NOT EXISTS (SELECT 1 FROM reviews WHERE session_id = :s)"
                        " AND NOT EXISTS (SELECT 1 FROM mock_answers WHERE session_id = :s)"
                    ),
                    {"s": session_id},
                ).rowcount
            )

    def recover_sessions(self, alive: Any) -> int:
        """Mark sessions whose process died without ending them (e.g. SIGKILL) as interrupted.

        ``alive(pid)`` says whether a process still runs. The end time is the session's last rating.
        """
        stale = [
            r.id
            for r in self._q("SELECT id, pid FROM sessions WHERE status = 'running'")
            if r.pid is None or not alive(r.pid)
        ]
        if not stale:
            return 0
        with self.write() as conn:
            for session_id in stale:
                conn.execute(
                    text(
                        "UPDATE sessions SET status = 'interrupted', ended_at = COALESCE("
                        " (SELECT MAX(rated_at) FROM reviews WHERE session_id = :id), started_at)"
                        " WHERE id = :id AND status = 'running'"
                    ),
                    {"id": session_id},
                )
        return len(stale)

    def session_row(self, session_id: int) -> SessionRow | None:
        from mockprep.schema import SessionRow

        return self._get(SessionRow, SessionRow.id == session_id)

    def session_reviews(self, session_id: int) -> list[Any]:
        return self._q(
            "SELECT r.*, q.key FROM reviews r JOIN questions q ON q.id = r.question_id"
            " WHERE r.session_id = :s ORDER BY r.id",
            s=session_id,
        ).all()

    # -- history and statistics ------------------------------------------------------------------

    def session_history(self, limit: int | None = 30) -> list[Any]:
        """Sessions and mocks, newest first, with their answer counts, score, time and overtime."""
        points = sql_points("r.rating", "r.duration_ms", "r.time_limit_ms")
        return self._q(
            "SELECT s.id, s.kind, s.round, s.started_at, s.ended_at, s.status, s.filters, s.minutes,"
            " (SELECT COUNT(*) FROM reviews r WHERE r.session_id = s.id) AS rated,"
            " (SELECT COUNT(*) FROM mock_answers m WHERE m.session_id = s.id) AS mock_answered,"
            f" (SELECT ROUND(AVG({points})) FROM reviews r WHERE r.session_id = s.id) AS score,"
            " (SELECT COUNT(*) FROM reviews r WHERE r.session_id = s.id AND r.time_limit_ms IS NOT NULL"
            "  AND r.duration_ms > r.time_limit_ms) AS overtime,"
            " (SELECT COALESCE(SUM(r.duration_ms), 0) FROM reviews r WHERE r.session_id = s.id) AS answer_ms"
            " FROM sessions s ORDER BY s.started_at DESC, s.id DESC" + ("" if limit is None else " LIMIT :n"),
            n=limit,
        ).all()

    def session_answers(self, session_id: int) -> list[Any]:
        """What was asked in one session: for a mock its answers (rated or not), else its reviews."""
        if self._q("SELECT kind FROM sessions WHERE id = :s", s=session_id).scalar_one() == "mock":
            return self._q(
                "SELECT m.position, q.key, q.topic, m.answer, m.follow_up, m.follow_up_answer, m.duration_ms,"
                " m.time_limit_ms, m.coverage, r.rating, r.rated_at FROM mock_answers m"
                " JOIN questions q ON q.id = m.question_id LEFT JOIN reviews r ON r.id = m.review_id"
                " WHERE m.session_id = :s ORDER BY m.position",
                s=session_id,
            ).all()
        return self._q(
            "SELECT ROW_NUMBER() OVER (ORDER BY r.id) AS position, q.key, q.topic, r.answer,"
            " NULL AS follow_up, NULL AS follow_up_answer, r.duration_ms, r.time_limit_ms, r.coverage,"
            " r.rating, r.rated_at FROM reviews r JOIN questions q ON q.id = r.question_id"
            " WHERE r.session_id = :s ORDER BY r.id",
            s=session_id,
        ).all()

    def review_log(self) -> Iterator[Any]:
        """Every review, oldest first, streamed (for CSV export)."""
        yield from self.conn.execution_options(stream_results=True).execute(
            text(
                "SELECT r.id, r.rated_at, q.key, q.round, q.topic, q.bank_id, r.rating, r.state_before,"
                " r.duration_ms, r.time_limit_ms, r.suggested, r.session_id, s.kind, r.answer"
                " FROM reviews r JOIN questions q ON q.id = r.question_id"
                " LEFT JOIN sessions s ON s.id = r.session_id ORDER BY r.rated_at, r.id"
            )
        )

    def _review_filter(
        self, rounds: tuple[str, ...], banks: tuple[str, ...], since: datetime | None
    ) -> tuple[str, dict[str, Any], list[Any]]:
        clauses = ["1"]
        params: dict[str, Any] = {}
        binds = []
        if rounds:
            clauses.append("q.round IN :rounds")
            params["rounds"] = list(rounds)
            binds.append(bindparam("rounds", expanding=True))
        if banks:
            clauses.append("q.bank_id IN :banks")
            params["banks"] = list(banks)
            binds.append(bindparam("banks", expanding=True))
        if since is not None:
            clauses.append("r.rated_at >= :since")
            params["since"] = db_time(since)
        return " AND ".join(clauses), params, binds

    def _agg(self, sql: str, where: tuple[str, dict[str, Any], list[Any]], **extra: Any) -> list[Any]:
        clause, params, binds = where
        # Join the questions only when a filter needs them: a million lookups cost most of a second.
        join = " JOIN questions q ON q.id = r.question_id" if "q." in clause else ""
        stmt = text(sql.replace("{where}", clause).replace("{join}", join)).bindparams(*binds)
        return self.conn.execute(stmt, {**params, **extra}).all()

    def review_days(self, where: tuple[str, dict[str, Any], list[Any]], offset_minutes: int) -> list[Any]:
        """Reviews per local day (``offset_minutes`` from UTC), every day with any."""
        return self._agg(
            "SELECT date(r.rated_at, :shift) AS day, COUNT(*) AS n FROM reviews r{join}"
            " WHERE {where} GROUP BY day ORDER BY day",
            where,
            shift=f"{offset_minutes:+d} minutes",
        )

    def retention_by_topic(self, where: tuple[str, dict[str, Any], list[Any]], now: datetime) -> list[Any]:
        """Per round and topic: passed / total review-state answers over 7, 30 and 365 days, and lapses."""
        cut = {f"d{n}": db_time(now - timedelta(days=n)) for n in (7, 30, 365)}
        return self._agg(
            "SELECT q.round, q.topic,"
            " SUM(r.rated_at >= :d7 AND r.rating > 1) AS p7, SUM(r.rated_at >= :d7) AS n7,"
            " SUM(r.rated_at >= :d30 AND r.rating > 1) AS p30, SUM(r.rated_at >= :d30) AS n30,"
            " SUM(r.rating > 1) AS p365, COUNT(*) AS n365, SUM(r.rating = 1) AS lapses"
            " FROM reviews r JOIN questions q ON q.id = r.question_id"
            " WHERE {where} AND r.state_before = 2 AND r.rated_at >= :d365 GROUP BY q.round, q.topic",
            where,
            **cut,
        )

    def weekly_scores(
        self, where: tuple[str, dict[str, Any], list[Any]], start: datetime, offset_minutes: int
    ) -> list[Any]:
        """Mean points per round and week (Monday, local) of answers given in sessions and mocks."""
        points = sql_points("r.rating", "r.duration_ms", "r.time_limit_ms")
        return self._agg(
            "SELECT q.round, date(r.rated_at, :shift, 'weekday 0', '-6 days') AS week,"
            f" AVG({points}) AS score, COUNT(*) AS n FROM reviews r JOIN questions q ON q.id = r.question_id"
            " WHERE {where} AND r.session_id IS NOT NULL AND r.rated_at >= :start"
            " GROUP BY q.round, week ORDER BY week",
            where,
            shift=f"{offset_minutes:+d} minutes",
            start=db_time(start),
        )

    def due_forecast(
        self, rounds: tuple[str, ...], banks: tuple[str, ...], end: datetime, offset_minutes: int
    ) -> list[Any]:
        """Studied questions due per local day until ``end`` (overdue ones fall on past days)."""
        clause, params, binds = self._filter_sql(QuestionFilter(rounds=rounds, banks=banks))
        stmt = text(
            "SELECT date(c.due, :shift) AS day, COUNT(*) AS n FROM cards c"
            " JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL AND c.due < :end GROUP BY day ORDER BY day"
        ).bindparams(*binds)
        return self.conn.execute(
            stmt, {**params, "end": db_time(end), "shift": f"{offset_minutes:+d} minutes"}
        ).all()

    def card_counts_by_bank(self, rounds: tuple[str, ...], banks: tuple[str, ...]) -> list[Any]:
        clause, params, binds = self._filter_sql(QuestionFilter(rounds=rounds, banks=banks))
        stmt = text(
            "SELECT q.bank_id, q.round, SUM(c.last_review IS NULL) AS new,"
            " SUM(c.last_review IS NOT NULL AND c.state != 2) AS learning,"
            " SUM(c.last_review IS NOT NULL AND c.state = 2) AS review"
            " FROM cards c JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} GROUP BY q.bank_id ORDER BY q.round, q.bank_id"
        ).bindparams(*binds)
        return self.conn.execute(stmt, params).all()

    def leeches(self, where: tuple[str, dict[str, Any], list[Any]], threshold: int) -> list[Any]:
        """Questions forgotten (again, after being learned) at least ``threshold`` times."""
        return self._agg(
            "SELECT q.key, q.topic, COUNT(*) AS lapses"
            " FROM reviews r JOIN questions q ON q.id = r.question_id"
            " WHERE {where} AND r.rating = 1 AND r.state_before = 2 GROUP BY r.question_id"
            " HAVING COUNT(*) >= :k ORDER BY lapses DESC, q.key LIMIT 20",
            where,
            k=threshold,
        )

    def time_by_round(self, where: tuple[str, dict[str, Any], list[Any]]) -> list[tuple[str, int, int, int]]:
        """Per round: answers, total answer time (ms) and median answer time (ms, whole seconds).

        The median comes from a one-second histogram: one pass over a covering index, no sort.
        """
        rows = self._agg(
            "SELECT q.round, r.duration_ms / 1000 AS s, COUNT(*) AS n, SUM(r.duration_ms) AS ms"
            " FROM reviews r JOIN questions q ON q.id = r.question_id WHERE {where} GROUP BY q.round, s",
            where,
        )
        histogram: dict[str, list[tuple[int, int]]] = {}
        totals: dict[str, int] = {}
        for row in rows:
            histogram.setdefault(row.round, []).append((row.s, row.n))
            totals[row.round] = totals.get(row.round, 0) + row.ms
        return [
            (name, sum(n for _s, n in counts), totals[name], _histogram_median(counts) * 1000)
            for name, counts in sorted(histogram.items())
        ]

    # -- stories ------------------------------------------------------------------------------------

    _STORY_FIELDS = ("title", "competencies", "situation", "task", "action", "result", "reflection")

    def _insert_version(
        self, conn: Connection, story_id: int, version: int, draft: dict[str, Any], now: datetime
    ) -> None:
        conn.execute(
            text(
                "INSERT INTO story_versions (story_id, version, saved_at, title, competencies, situation,"
                " task, action, result, reflection) VALUES (:s, :v, :t, :title, :competencies,"
                " :situation, :task, :action, :result, :reflection)"
            ),
            {
                **draft,
                "competencies": json.dumps(list(draft["competencies"])),
                "s": story_id,
                "v": version,
                "t": db_time(now),
            },
        )

    def create_story(self, draft: dict[str, Any], now: datetime) -> int:
        """Store a new story as version 1 (committed at once); return its id."""
        with self.write() as conn:
            story_id = conn.execute(
                text("INSERT INTO stories (created_at) VALUES (:t)"), {"t": db_time(now)}
            ).lastrowid
            self._insert_version(conn, story_id, 1, draft, now)
        return story_id

    def save_story_version(self, story_id: int, draft: dict[str, Any], now: datetime) -> int:
        """Store a new version of a story (earlier ones are kept); return its number."""
        with self.write() as conn:
            version = conn.execute(
                text("SELECT COALESCE(MAX(version), 0) + 1 FROM story_versions WHERE story_id = :s"),
                {"s": story_id},
            ).scalar_one()
            self._insert_version(conn, story_id, version, draft, now)
        return version

    def story_exists(self, story_id: int) -> bool:
        return self._q("SELECT 1 FROM stories WHERE id = :s", s=story_id).first() is not None

    def story_version(self, story_id: int, version: int | None = None) -> StoryVersionRow | None:
        """One version of a story (the latest when ``version`` is None), or None."""
        from mockprep.schema import StoryVersionRow as V

        if version is None:
            return self._get(V, V.story_id == story_id, order=V.version.desc())  # type: ignore[attr-defined]
        return self._get(V, V.story_id == story_id, V.version == version)

    def story_versions(self, story_id: int) -> list[StoryVersionRow]:
        from mockprep.schema import StoryVersionRow as V

        return self._get(V, V.story_id == story_id, order=V.version, first=False)

    def stories(self) -> list[Any]:
        """Every story's latest version, with its first-save time and rehearsal count."""
        return self._q(
            "SELECT v.*, s.created_at, (SELECT COUNT(*) FROM rehearsals r WHERE r.story_id = s.id)"
            " AS rehearsals, (SELECT COUNT(*) FROM story_links l WHERE l.story_id = s.id) AS links"
            " FROM stories s JOIN story_versions v ON v.story_id = s.id AND v.version ="
            " (SELECT MAX(version) FROM story_versions WHERE story_id = s.id) ORDER BY s.id"
        ).all()

    def delete_story(self, story_id: int) -> None:
        with self.write() as conn:
            conn.execute(text("DELETE FROM stories WHERE id = :s"), {"s": story_id})

    def link_story(self, story_id: int, question_key: str, now: datetime) -> bool:
        """Link a story to a question; False if it already was."""
        with self.write() as conn:
            return bool(
                conn.execute(
                    text(
                        "INSERT OR IGNORE INTO story_links (story_id, question_key, linked_at)"
                        " VALUES (:s, :k, :t)"
                    ),
                    {"s": story_id, "k": question_key, "t": db_time(now)},
                ).rowcount
            )

    def unlink_story(self, story_id: int, question_key: str) -> bool:
        with self.write() as conn:
            return bool(
                conn.execute(
                    text("DELETE FROM story_links WHERE story_id = :s AND question_key = :k"),
                    {"s": story_id, "k": question_key},
                ).rowcount
            )

    def story_links(self, story_id: int | None = None) -> list[tuple[int, str]]:
        rows = self._q(
            "SELECT story_id, question_key FROM story_links"
            + ("" if story_id is None else " WHERE story_id = :s")
            + " ORDER BY story_id, question_key",
            s=story_id,
        )
        return [(r.story_id, r.question_key) for r in rows]

    def stories_for_question(self, key: str, competencies: list[str]) -> list[StoryOption]:
        """Stories linked to a question, then those sharing one of its competencies."""
        linked = {story_id for story_id, k in self.story_links() if k == key}
        options = []
        for row in self.stories():
            shared = [c for c in json.loads(row.competencies) if c in competencies]
            if row.story_id in linked or shared:
                options.append(StoryOption(row.story_id, row.title, row.story_id in linked, tuple(shared)))
        return sorted(options, key=lambda o: (not o.linked, o.story_id))

    def question_by_key(self, key: str) -> QuestionRecord | None:
        row = self._q(
            "SELECT id, key, bank_id, round, topic, roles, data, retired_at FROM questions WHERE key = :k",
            k=key,
        ).first()
        return None if row is None else _record(row)

    def behavioral_questions(self) -> list[tuple[str, list[str]]]:
        """``(key, competencies)`` of every active behavioral question."""
        rows = self._q(
            "SELECT q.key, q.competencies FROM questions q JOIN banks b ON b.id = q.bank_id"
            " WHERE q.round = 'behavioral' AND q.retired_at IS NULL AND b.removed = 0 ORDER BY q.key"
        )
        return [(r.key, json.loads(r.competencies)) for r in rows]

    def add_rehearsal(
        self, story_id: int, version: int, now: datetime, duration_ms: int, target_ms: int
    ) -> None:
        with self.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO rehearsals (story_id, version, rehearsed_at, duration_ms, target_ms)"
                    " VALUES (:s, :v, :t, :d, :g)"
                ),
                {"s": story_id, "v": version, "t": db_time(now), "d": duration_ms, "g": target_ms},
            )

    def rehearsals(self, story_id: int) -> list[RehearsalRow]:
        from mockprep.schema import RehearsalRow

        return self._get(RehearsalRow, RehearsalRow.story_id == story_id, order=RehearsalRow.id, first=False)

    # -- export and import ---------------------------------------------------------------------------

    def has_history(self) -> bool:
        return bool(
            self._q("SELECT EXISTS (SELECT 1 FROM reviews) OR EXISTS (SELECT 1 FROM sessions)").scalar_one()
        )

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: everything read inside sees one consistent state of the database."""
        self.conn.exec_driver_sql("BEGIN")
        try:
            yield
        finally:
            self.conn.exec_driver_sql("COMMIT")

    def export_sections(self, now: datetime, version: str) -> list[tuple[str, Any]]:
        """All user data as ordered top-level JSON fields; ``questions`` (the bulk) is a lazy iterator
        and comes last, so a reader can take the small sections first. Use inside :meth:`snapshot`."""
        banks = [
            {
                "id": r.id,
                "title": r.title,
                "round": r.round,
                "description": r.description,
                "roles": json.loads(r.roles),
                "source": r.source,
                "builtin": bool(r.builtin),
                "content_hash": r.content_hash,
                "removed": bool(r.removed),
                "synced_at": _iso(r.synced_at),
            }
            for r in self._q("SELECT * FROM banks ORDER BY id")
        ]
        sessions = [
            {
                "id": r.id,
                "kind": r.kind,
                "started_at": _iso(r.started_at),
                "ended_at": _iso(r.ended_at),
                "status": r.status,
                "filters": json.loads(r.filters),
                "round": r.round,
                "minutes": r.minutes,
            }
            for r in self._q("SELECT * FROM sessions ORDER BY id")
        ]
        mock_answers = [
            {
                "id": r.id,
                "session": r.session_id,
                "key": r.key,
                "position": r.position,
                "answered_at": _iso(r.answered_at),
                "answer": r.answer,
                "follow_up": r.follow_up,
                "follow_up_answer": r.follow_up_answer,
                "duration_ms": r.duration_ms,
                "time_limit_ms": r.time_limit_ms,
                "coverage": None if r.coverage is None else json.loads(r.coverage),
                "review": r.review_id,
            }
            for r in self._q(
                "SELECT m.*, q.key FROM mock_answers m JOIN questions q ON q.id = m.question_id ORDER BY m.id"
            )
        ]
        sources = [
            {"path": r.path, "added_at": _iso(r.added_at)}
            for r in self._q("SELECT * FROM bank_sources ORDER BY path")
        ]
        return [
            ("format", EXPORT_FORMAT),
            ("version", EXPORT_VERSION),
            ("mockprep_version", version),
            ("exported_at", now.astimezone(UTC).isoformat()),
            ("banks", banks),
            ("bank_sources", sources),
            ("sessions", sessions),
            ("mock_answers", mock_answers),
            ("stories", self._export_stories()),
            ("questions", self._iter_export_questions()),
        ]

    def _iter_export_questions(self) -> Iterator[dict[str, Any]]:
        """Each question with its card and reviews, streamed: a merge of two ordered cursors."""
        raw = self.conn.connection.driver_connection
        questions = raw.cursor()
        questions.row_factory = sqlite3.Row
        questions.execute(
            "SELECT q.*, c.state, c.step, c.stability, c.difficulty AS card_difficulty, c.due, c.last_review"
            " FROM questions q JOIN cards c ON c.question_id = q.id ORDER BY q.id"
        )
        reviews = raw.cursor()
        reviews.row_factory = sqlite3.Row
        reviews.execute("SELECT * FROM reviews ORDER BY question_id, rated_at, id")
        pending = reviews.fetchone()
        for r in questions:
            log = []
            while pending is not None and pending["question_id"] < r["id"]:
                pending = reviews.fetchone()  # reviews of a question that no longer exists (cannot happen)
            while pending is not None and pending["question_id"] == r["id"]:
                log.append(
                    {
                        "id": pending["id"],
                        "rated_at": _iso(pending["rated_at"]),
                        "rating": pending["rating"],
                        "state_before": pending["state_before"],
                        "duration_ms": pending["duration_ms"],
                        "session": pending["session_id"],
                        "answer": pending["answer"],
                        "time_limit_ms": pending["time_limit_ms"],
                        "coverage": None if pending["coverage"] is None else json.loads(pending["coverage"]),
                        "suggested": pending["suggested"],
                    }
                )
                pending = reviews.fetchone()
            card = Card(
                card_id=r["id"],
                state=State(r["state"]),
                step=r["step"],
                stability=r["stability"],
                difficulty=r["card_difficulty"],
                due=from_db_time(r["due"]),
                last_review=from_db_time(r["last_review"]),
            )
            yield {
                "key": r["key"],
                "bank": r["bank_id"],
                "round": r["round"],
                "topic": r["topic"],
                "difficulty": r["difficulty"],
                "kind": r["kind"],
                "roles": json.loads(r["roles"]),
                "competencies": json.loads(r["competencies"]),
                "question": json.loads(r["data"]),
                "added_at": _iso(r["added_at"]),
                "retired_at": _iso(r["retired_at"]),
                "card": card.to_dict(),
                "reviews": log,
            }
        questions.close()
        reviews.close()

    def _export_stories(self) -> list[dict[str, Any]]:
        out = []
        for story in self._q("SELECT * FROM stories ORDER BY id"):
            out.append(
                {
                    "id": story.id,
                    "created_at": _iso(story.created_at),
                    "versions": [
                        {
                            "version": v.version,
                            "saved_at": _iso(v.saved_at),
                            **{
                                f: (json.loads(v.competencies) if f == "competencies" else getattr(v, f))
                                for f in self._STORY_FIELDS
                            },
                        }
                        for v in self.story_versions(story.id)
                    ],
                    "links": [k for _s, k in self.story_links(story.id)],
                    "rehearsals": [
                        {
                            "version": r.version,
                            "rehearsed_at": _iso(r.rehearsed_at),
                            "duration_ms": r.duration_ms,
                            "target_ms": r.target_ms,
                        }
                        for r in self.rehearsals(story.id)
                    ],
                }
            )
        return out

    def import_data(
        self, doc: dict[str, Any], questions: Iterable[dict[str, Any]] | None = None
    ) -> dict[str, int]:
        """Restore an export into a home without history, in one transaction.

        ``doc`` holds the export's fields; the questions come from ``doc["questions"]`` or, streamed,
        from ``questions``. A wrong field raises (KeyError, TypeError, ValueError) and nothing is written.
        """
        if questions is None:
            questions = doc["questions"]
        if self.has_history():
            raise StoreError(
                f"{self.path} already holds reviews or sessions; import only into an empty home "
                "(set MOCKPREP_HOME to a new folder, or move the database away first)"
            )
        counts = {"banks": 0, "questions": 0, "reviews": 0, "sessions": 0}
        with self.write() as conn:
            for table in ("stories", "mock_answers", "cards", "questions", "banks", "bank_sources"):
                conn.execute(text(f"DELETE FROM {table}"))
            for b in doc["banks"]:
                conn.execute(
                    text(
                        "INSERT INTO banks (id, title, round, description, roles, source, builtin,"
                        " content_hash, removed, synced_at) VALUES (:id, :title, :round, :description,"
                        " :roles, :source, :builtin, :content_hash, :removed, :synced_at)"
                    ),
                    {**b, "roles": json.dumps(b["roles"]), "synced_at": _db(b["synced_at"])},
                )
                counts["banks"] += 1
            for s in doc["bank_sources"]:
                conn.execute(
                    text("INSERT INTO bank_sources (path, added_at) VALUES (:path, :added_at)"),
                    {"path": s["path"], "added_at": _db(s["added_at"])},
                )
            for s in doc["sessions"]:
                conn.execute(
                    text(
                        "INSERT INTO sessions (id, kind, started_at, ended_at, status, filters, pid,"
                        " round, minutes)"
                        " VALUES (:id, :kind, :started_at, :ended_at, :status, :filters, NULL,"
                        " :round, :minutes)"
                    ),
                    {
                        **s,
                        "round": s.get("round"),
                        "minutes": s.get("minutes"),
                        "started_at": _db(s["started_at"]),
                        "ended_at": _db(s["ended_at"]),
                        "filters": json.dumps(s["filters"], sort_keys=True),
                    },
                )
                counts["sessions"] += 1
            ids: dict[str, int] = {}
            raw = conn.connection.driver_connection  # executemany: a million reviews in seconds
            # Reviews arrive grouped by question, so their ids are out of order: stage them in an
            # unindexed table and copy them across in id order, which keeps every B-tree append-only.
            raw.execute("CREATE TEMP TABLE import_reviews AS SELECT * FROM reviews WHERE 0")
            for q in questions:
                card = Card.from_dict(q["card"])
                ids[q["key"]] = card.card_id
                qid = card.card_id
                raw.execute(
                    "INSERT INTO questions (id, key, bank_id, round, topic, difficulty, kind, roles,"
                    " competencies, data, added_at, retired_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        qid,
                        q["key"],
                        q["bank"],
                        q["round"],
                        q["topic"],
                        q["difficulty"],
                        q["kind"],
                        json.dumps(q["roles"]),
                        json.dumps(q["competencies"]),
                        json.dumps(q["question"], sort_keys=True),
                        _db(q["added_at"]),
                        _db(q["retired_at"]),
                    ),
                )
                raw.execute(
                    "INSERT INTO cards (question_id, state, step, stability, difficulty, due, last_review)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (
                        qid,
                        card.state.value,
                        card.step,
                        card.stability,
                        card.difficulty,
                        db_time(card.due),
                        db_time(card.last_review) if card.last_review else None,
                    ),
                )
                counts["questions"] += 1
                raw.executemany(
                    "INSERT INTO temp.import_reviews (id, question_id, session_id, rated_at, rating,"
                    " state_before, answer,"
                    " duration_ms, time_limit_ms, coverage, suggested) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            r["id"],
                            qid,
                            r["session"],
                            _db(r["rated_at"]),
                            r["rating"],
                            r["state_before"],
                            r["answer"],
                            r["duration_ms"],
                            r.get("time_limit_ms"),
                            None if r.get("coverage") is None else json.dumps(r["coverage"]),
                            r.get("suggested"),
                        )
                        for r in q["reviews"]
                    ],
                )
                counts["reviews"] += len(q["reviews"])
            # Building the indexes once, after the rows, beats updating them row by row.
            indexes = raw.execute(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'index' AND tbl_name = 'reviews' AND sql IS NOT NULL"
            ).fetchall()
            for name, _sql in indexes:
                raw.execute(f'DROP INDEX "{name}"')
            raw.execute("INSERT INTO main.reviews SELECT * FROM temp.import_reviews ORDER BY id")
            raw.execute("DROP TABLE temp.import_reviews")
            for _name, sql in indexes:
                raw.execute(sql)
            for m in doc.get("mock_answers", []):
                conn.execute(
                    text(
                        "INSERT INTO mock_answers (id, session_id, question_id, position, answered_at,"
                        " answer, follow_up, follow_up_answer, duration_ms, time_limit_ms, coverage,"
                        " review_id) VALUES (:id, :session, :q, :position, :answered_at, :answer,"
                        " :follow_up, :follow_up_answer, :duration_ms, :time_limit_ms, :coverage, :review)"
                    ),
                    {
                        **m,
                        "q": ids[m["key"]],
                        "answered_at": _db(m["answered_at"]),
                        "coverage": None if m["coverage"] is None else json.dumps(m["coverage"]),
                    },
                )
            for story in doc.get("stories", []):
                conn.execute(
                    text("INSERT INTO stories (id, created_at) VALUES (:id, :t)"),
                    {"id": story["id"], "t": _db(story["created_at"])},
                )
                for v in story["versions"]:
                    self._insert_version(
                        conn,
                        story["id"],
                        v["version"],
                        {f: v[f] for f in self._STORY_FIELDS},
                        datetime.fromisoformat(v["saved_at"]),
                    )
                for key in story["links"]:
                    conn.execute(
                        text(
                            "INSERT INTO story_links (story_id, question_key, linked_at) VALUES (:s, :k, :t)"
                        ),
                        {"s": story["id"], "k": key, "t": _db(story["created_at"])},
                    )
                for r in story["rehearsals"]:
                    conn.execute(
                        text(
                            "INSERT INTO rehearsals (story_id, version, rehearsed_at, duration_ms,"
                            " target_ms) VALUES (:s, :v, :t, :d, :g)"
                        ),
                        {
                            "s": story["id"],
                            "v": r["version"],
                            "t": _db(r["rehearsed_at"]),
                            "d": r["duration_ms"],
                            "g": r["target_ms"],
                        },
                    )
                counts["stories"] = counts.get("stories", 0) + 1
        return counts


def _histogram_median(counts: list[tuple[int, int]]) -> int:
    """The median value of a ``(value, count)`` histogram (the upper middle for an even total)."""
    ordered = sorted(counts)
    total = sum(n for _v, n in ordered)
    seen = 0
    for value, n in ordered:
        seen += n
        if seen * 2 > total:
            return value
    return ordered[-1][0]


def _question_values(question: Question) -> dict[str, Any]:
    spec = question.spec
    return {
        "key": question.key,
        "bank_id": question.bank_id,
        "round": question.round,
        "topic": question.topic,
        "difficulty": spec.difficulty,
        "kind": spec.kind,
        "roles": json.dumps(list(question.roles)),
        "competencies": json.dumps(list(spec.competencies)),
        "data": json.dumps(spec.model_dump(exclude_defaults=True), sort_keys=True),
    }


def _record(row: Any) -> QuestionRecord:
    spec = QuestionSpec.model_validate(json.loads(row.data), strict=False)
    question = Question(row.key, row.bank_id, row.round, row.topic, tuple(json.loads(row.roles)), spec)
    return QuestionRecord(row.id, question, row.retired_at is not None)


def _card(row: Any) -> Card:
    return Card(
        card_id=row.question_id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=from_db_time(row.due),
        last_review=from_db_time(row.last_review),
    )


def _due_card(row: Any) -> DueCard:
    state = CardState.NEW if row.last_review is None else CardState(row.state)
    return DueCard(row.question_id, state, from_db_time(row.due))


def _iso(value: str | None) -> str | None:
    moment = from_db_time(value)
    return moment.isoformat() if moment else None


def _db(value: str | None) -> str | None:
    """The stored form of an ISO 8601 time from an export."""
    if not value:
        return None
    if len(value) == 32 and value.endswith("+00:00") and value[10] == "T":
        return f"{value[:10]} {value[11:26]}"  # what this module writes: UTC with microseconds
    return db_time(datetime.fromisoformat(value))


def _explain_db_error(path: Path, exc: BaseException) -> str:
    detail = str(getattr(exc, "orig", exc))
    if isinstance(exc, SAOperationalError | sqlite3.OperationalError) and "locked" in detail:
        return f"{path} is locked by another program; close it and try again"
    return (
        f"{path} is not a usable mockprep database ({detail}); it was not changed. "
        "Restore a backup (mockprep backup list, then mockprep backup restore NAME) "
        "or move the file away to start afresh."
    )
