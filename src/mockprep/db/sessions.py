"""Sessions and mock rounds: starting and ending them, mock answers, recovery, history, the review log.

A session's ``status`` is ``running`` while its process runs it, then how it ended: ``completed`` (it
ran its course: nothing left, --limit, the planned minutes, a mock's questions asked and rated),
``ended_early`` (the person quit with q or Ctrl-D) or ``interrupted`` (Ctrl-C, a signal, or the process
died). Whether a mock's answers are all rated is not a status: it is read from ``mock_answers``.

While a session runs, its process holds an exclusive lock (``flock``) on ``locks/session-ID.lock`` in
the data folder. The kernel drops the lock when the process dies, however it dies, so a session whose
lock is free was killed, even if its process id now belongs to another process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.db import review_codec
from mockprep.db.driver import text
from mockprep.db.session_reviews import of_session, of_session_row
from mockprep.db.sql import db_time, delivery_from, delivery_json, from_db_time, must_time, sql_points
from mockprep.db.store import RUNNING_HERE

if TYPE_CHECKING:
    from mockprep.core.records import (
        HistoryEntry,
        MockAnswerRecord,
        SessionAnswer,
        SessionInfo,
        StoredMockAnswer,
    )
    from mockprep.db.store import Store

try:
    import fcntl
except ImportError:  # not on Windows: recovery relies on process ids there
    fcntl = None  # type: ignore[assignment]


class SessionTable:
    """``store.sessions``: the ``sessions`` and ``mock_answers`` tables, and history read from reviews."""

    def __init__(self, store: Store):
        self.store = store
        self._held: dict[int, int] = {}  # session id -> descriptor of its lock file, for sessions run here

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(
        self,
        kind: str,
        filters: dict[str, Any],
        now: datetime,
        pid: int,
        round: str | None = None,
        minutes: float | None = None,
    ) -> int:
        with self.store.write() as conn:
            session_id = conn.execute(
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
        self._hold(session_id)
        return session_id

    def end(self, session_id: int, status: str, now: datetime) -> None:
        """Record how a session ended (``completed``, ``ended_early`` or ``interrupted``)."""
        with self.store.write() as conn:
            conn.execute(
                text("UPDATE sessions SET status = :s, ended_at = :t WHERE id = :id"),
                {"s": status, "t": db_time(now), "id": session_id},
            )
        self._release(session_id)  # after the status: a process that sees the lock free finds it ended

    def discard_if_empty(self, session_id: int) -> bool:
        """Delete a session that holds no answers at all (quit before the first); True if it did."""
        with self.store.write() as conn:
            return bool(
                conn.execute(
                    text(
                        "DELETE FROM sessions WHERE id = :s"
                        f" AND NOT EXISTS (SELECT 1 FROM reviews r WHERE {of_session(':s')})"
                        " AND NOT EXISTS (SELECT 1 FROM mock_answers WHERE session_id = :s)"
                    ),
                    {"s": session_id},
                ).rowcount
            )

    def recover(self, alive: Callable[[int], bool]) -> int:
        """Mark sessions whose process died without ending them (e.g. SIGKILL) as interrupted.

        A session's lock file says whether its process still runs; for a session without one (started
        by an older mockprep, or imported) ``alive(pid)`` decides. The end time is its last answer's:
        a rating, or an answer stored unrated (a mock's, or one quit before its rating) with its reply
        to the follow-up; its start when it has none.
        """
        stale = []
        for r in self.store.q(f"SELECT id, pid {RUNNING_HERE}"):  # (not one merged from another device)
            held = self._lock_held(r.id)
            if held is False or (held is None and (r.pid is None or not alive(r.pid))):
                stale.append(r.id)
        if not stale:
            return 0
        with self.store.write() as conn:
            for session_id in stale:
                conn.execute(
                    text(
                        "UPDATE sessions SET status = 'interrupted', ended_at = :t"
                        " WHERE id = :id AND status = 'running'"
                    ),
                    {"t": db_time(_last_answer(conn, session_id)), "id": session_id},
                )
        for session_id in stale:
            self._lock_path(session_id).unlink(missing_ok=True)
        return len(stale)

    # -- the lock a running session holds ----------------------------------------------------------

    def _lock_path(self, session_id: int) -> Path:
        from mockprep.liveness import session_lock

        return session_lock(self.store.path, session_id)

    def _hold(self, session_id: int) -> None:
        """Lock the session's file for as long as this process runs it (best effort: without ``fcntl``
        or a writable folder, recovery falls back to the process id)."""
        if fcntl is None:
            return
        path = self._lock_path(session_id)
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        try:
            path.parent.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(partial, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o600)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, f"{os.getpid()}\n".encode())
            os.replace(partial, path)  # only ever seen locked under its final name
        except OSError:
            os.close(fd)
            partial.unlink(missing_ok=True)
            return
        self._held[session_id] = fd

    def _release(self, session_id: int) -> None:
        fd = self._held.pop(session_id, None)
        if fd is not None:
            self._lock_path(session_id).unlink(missing_ok=True)
            os.close(fd)

    def _lock_held(self, session_id: int) -> bool | None:
        """True while a process holds the session's lock, False when it is free (that process is gone),
        None when the session has no lock file."""
        from mockprep.liveness import lock_held

        return True if session_id in self._held else lock_held(self._lock_path(session_id))

    # -- mock answers ------------------------------------------------------------------------------

    def add_mock_answer(self, answer: MockAnswerRecord) -> int:
        """Store a mock answer the moment it is given (it is rated after the round)."""
        with self.store.write() as conn:
            return conn.execute(
                text(
                    "INSERT INTO mock_answers (session_id, question_id, position, answered_at, answer,"
                    " follow_up, follow_up_answer, duration_ms, time_limit_ms, coverage, delivery,"
                    " follow_up_model, code_runs)"
                    " VALUES (:s, :q, :p, :t, :a, :f, NULL, :d, :tl, :cov, :delivery, :fm, :runs)"
                ),
                {
                    "s": answer.session_id,
                    "q": answer.question_id,
                    "p": answer.position,
                    "t": db_time(answer.answered_at),
                    "a": answer.answer,
                    "f": answer.follow_up,
                    "d": answer.duration_ms,
                    "tl": answer.time_limit_ms,
                    "cov": None if answer.coverage is None else json.dumps(answer.coverage),
                    "delivery": delivery_json(answer.delivery),
                    "fm": answer.follow_up_model,
                    "runs": answer.code_runs,
                },
            ).lastrowid

    def set_follow_up(self, mock_answer_id: int, question: str, model: str | None) -> None:
        """The follow-up actually asked, and the model that wrote it (None: the bank's)."""
        with self.store.write() as conn:
            conn.execute(
                text("UPDATE mock_answers SET follow_up = :f, follow_up_model = :m WHERE id = :id"),
                {"f": question, "m": model, "id": mock_answer_id},
            )

    def set_follow_up_answer(
        self, mock_answer_id: int, reply: str, duration_ms: int | None = None, limit_ms: int | None = None
    ) -> None:
        """The reply to the follow-up, how long it took and against what limit (None: no clock)."""
        with self.store.write() as conn:
            conn.execute(
                text(
                    "UPDATE mock_answers SET follow_up_answer = :a, follow_up_ms = :d,"
                    " follow_up_limit_ms = :l WHERE id = :id"
                ),
                {"a": reply, "d": duration_ms, "l": limit_ms, "id": mock_answer_id},
            )

    def last_follow_up(self, question_id: int) -> str | None:
        """The follow-up asked when the question last came up in a mock (None: never asked one)."""
        return self.store.q(
            "SELECT follow_up FROM mock_answers WHERE question_id = :q AND follow_up IS NOT NULL"
            " ORDER BY answered_at DESC, id DESC LIMIT 1",
            q=question_id,
        ).scalar()

    # -- reading -----------------------------------------------------------------------------------

    def get(self, session_id: int) -> SessionInfo | None:
        row = self.store.q("SELECT * FROM sessions WHERE id = :id", id=session_id).first()
        return None if row is None else _session(row)

    def history(self, limit: int | None = 30) -> list[HistoryEntry]:
        """Sessions and mocks, newest first, with their answer counts, score, time and overtime."""
        from mockprep.core.records import HistoryEntry

        points = sql_points("r.rating", "r.duration_ms", "r.time_limit_ms")
        mine = of_session_row("s")
        rows = self.store.q(
            "SELECT s.id, s.kind, s.round, s.started_at, s.ended_at, s.status, s.filters, s.minutes,"
            f" (SELECT COUNT(*) FROM reviews r WHERE {mine}) AS rated,"
            " (SELECT COUNT(*) FROM mock_answers m WHERE m.session_id = s.id) AS mock_answered,"
            f" (SELECT ROUND(AVG({points})) FROM reviews r WHERE {mine}) AS score,"
            # a mock's answers over time: the answer's or the follow-up reply's, rated or not (as history ID)
            " CASE WHEN s.kind = 'mock' THEN (SELECT COUNT(*) FROM mock_answers m WHERE m.session_id = s.id"
            "  AND (m.duration_ms > m.time_limit_ms OR m.follow_up_ms > m.follow_up_limit_ms))"
            f" ELSE (SELECT COUNT(*) FROM reviews r WHERE {mine} AND r.time_limit_ms IS NOT NULL"
            "  AND r.duration_ms > r.time_limit_ms) END AS overtime,"
            f" (SELECT COALESCE(SUM(r.duration_ms), 0) FROM reviews r WHERE {mine}) AS answer_ms,"
            " (SELECT COUNT(*) FROM mock_answers m WHERE m.session_id = s.id AND m.review_id IS NULL)"
            "  AS unrated"
            " FROM sessions s ORDER BY s.started_at DESC, s.id DESC" + ("" if limit is None else " LIMIT :n"),
            n=limit,
        ).all()
        return [
            HistoryEntry(
                _session(r),
                r.mock_answered if r.kind == "mock" else r.rated,
                None if r.score is None else int(r.score),
                r.overtime,
                r.answer_ms,
                r.unrated,
            )
            for r in rows
        ]

    def answers(self, session_id: int) -> list[SessionAnswer]:
        """What was asked in one session: for a mock its answers (rated or not), else its reviews and
        any answer the person quit before rating."""
        from mockprep.core.records import SessionAnswer

        kind = self.store.q("SELECT kind FROM sessions WHERE id = :s", s=session_id).scalar_one()
        if kind == "mock":
            rows = self.store.q(
                "SELECT m.position, q.key, q.topic, m.answer, m.follow_up, m.follow_up_answer, m.duration_ms,"
                # the coverage the rating rests on (a model's, when one graded) over the answer's first
                " m.time_limit_ms, COALESCE(r.coverage, m.coverage) AS coverage, r.rating, r.rated_at,"
                " m.delivery, r.suggested, r.model,"
                " r.model_suggested, r.model_errors, r.checklist, r.model_failure, m.follow_up_ms,"
                " m.follow_up_limit_ms FROM mock_answers m"
                " JOIN questions q ON q.id = m.question_id LEFT JOIN reviews r ON r.id = m.review_id"
                " WHERE m.session_id = :s ORDER BY m.position",
                s=session_id,
            ).all()
        else:
            rows = self.store.q(
                "SELECT ROW_NUMBER() OVER (ORDER BY t, n) AS position, * FROM ("
                " SELECT r.rated_at AS t, r.id AS n, q.key, q.topic, r.answer, NULL AS follow_up,"
                " NULL AS follow_up_answer, r.duration_ms, r.time_limit_ms, r.coverage, r.rating, r.rated_at,"
                " r.delivery, r.suggested, r.model, r.model_suggested, r.model_errors, r.checklist,"
                " r.model_failure, NULL AS follow_up_ms, NULL AS follow_up_limit_ms"
                f" FROM reviews r JOIN questions q ON q.id = r.question_id WHERE {of_session(':s')}"
                " UNION ALL"
                " SELECT m.answered_at, m.id, q.key, q.topic, m.answer, NULL, NULL, m.duration_ms,"
                " m.time_limit_ms, m.coverage, NULL, NULL, m.delivery, NULL, NULL, NULL, NULL, NULL, NULL,"
                " NULL, NULL"
                " FROM mock_answers m"
                " JOIN questions q ON q.id = m.question_id WHERE m.session_id = :s AND m.review_id IS NULL)"
                " ORDER BY t, n",
                s=session_id,
            ).all()
        return [
            SessionAnswer(
                r.position,
                r.key,
                r.topic,
                review_codec.answer_text(r.answer),
                r.duration_ms,
                r.time_limit_ms,
                _confirmed(r.checklist) or review_codec.coverage_list(r.coverage),
                r.rating,
                from_db_time(r.rated_at),
                r.follow_up,
                r.follow_up_answer,
                delivery_from(r.delivery),
                r.suggested,
                r.model,
                r.model_suggested,
                None if r.model_errors is None else json.loads(r.model_errors),
                r.model_failure,
                r.follow_up_ms,
                r.follow_up_limit_ms,
            )
            for r in rows
        ]

    def mock_answers(self, session_id: int) -> list[StoredMockAnswer]:
        """A mock's answers as stored, in the order asked, each with its rating if it has one."""
        from mockprep.core.records import MockAnswerRecord, StoredMockAnswer

        rows = self.store.q(
            "SELECT m.*, r.rating, r.checklist, r.coverage AS rated_coverage FROM mock_answers m"
            " LEFT JOIN reviews r ON r.id = m.review_id"
            " WHERE m.session_id = :s ORDER BY m.position, m.id",
            s=session_id,
        ).all()
        return [
            StoredMockAnswer(
                r.id,
                MockAnswerRecord(
                    r.session_id,
                    r.question_id,
                    r.position,
                    must_time(r.answered_at),
                    r.answer,
                    r.duration_ms,
                    r.time_limit_ms,
                    None if r.coverage is None else json.loads(r.coverage),
                    r.follow_up,
                    delivery_from(r.delivery),
                    r.follow_up_model,
                    r.code_runs,
                ),
                r.follow_up_answer,
                r.rating,
                r.follow_up_ms,
                r.follow_up_limit_ms,
                # as history shows it: what the person confirmed, else the coverage the rating rests on
                None
                if r.rating is None
                else _confirmed(r.checklist) or review_codec.coverage_list(r.rated_coverage),
            )
            for r in rows
        ]


def _last_answer(conn: Any, session_id: int) -> datetime:
    """When a session's last answer was given (see :meth:`SessionTable.recover`)."""
    row = conn.execute(
        text(
            "SELECT started_at,"
            f" (SELECT MAX(r.rated_at) FROM reviews r WHERE {of_session(':id')}) AS rated"
            " FROM sessions WHERE id = :id"
        ),
        {"id": session_id},
    ).one()
    moments = [must_time(t) for t in (row.started_at, row.rated) if t is not None]
    for answered, reply_ms in conn.execute(
        text("SELECT answered_at, follow_up_ms FROM mock_answers WHERE session_id = :id"), {"id": session_id}
    ):
        moments.append(must_time(answered) + timedelta(milliseconds=reply_ms or 0))
    return max(moments)


def _confirmed(checklist: str | None) -> list[bool] | None:
    """The key points the person confirmed covered (the checklist they accepted), if they saw one."""
    verdicts = review_codec.verdict_list(checklist)
    return None if verdicts is None else [verdict == "covered" for verdict in verdicts]


def _session(row: Any) -> SessionInfo:
    from mockprep.core.records import SessionInfo

    return SessionInfo(
        row.id,
        row.kind,
        row.round,
        must_time(row.started_at),
        from_db_time(row.ended_at),
        row.status,
        json.loads(row.filters or "{}"),
        row.minutes,
    )
