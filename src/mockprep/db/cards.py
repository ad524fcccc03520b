"""The FSRS cards: each question's scheduling state, the queue queries, and recording a rating."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fsrs import Card, State
from sqlalchemy import bindparam, text

from mockprep.core.questions import QuestionFilter, QuestionRecord
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import CardState, DueCard
from mockprep.db.banks import question_record
from mockprep.db.sql import db_time, from_db_time, question_filter

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mockprep.db.store import Store


class CardTable:
    """``store.cards``: the ``cards`` table and the ``reviews`` it is replayed from."""

    def __init__(self, store: Store):
        self.store = store

    def card(self, question_id: int) -> Card:
        r = self.store.q(
            "SELECT question_id, state, step, stability, difficulty, due, last_review FROM cards"
            " WHERE question_id = :q",
            q=question_id,
        ).one()
        return _card(r)

    # -- the queue ----------------------------------------------------------------------------------

    def _select_due(self, where: str, flt: QuestionFilter, **extra: Any) -> list[Any]:
        clause, params, binds = question_filter(flt)
        stmt = text(
            "SELECT c.question_id, c.state, c.due, c.last_review FROM cards c"
            " JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND {where}"
        ).bindparams(*binds)
        return self.store.conn.execute(stmt, {**params, **extra}).all()

    def learning_queue(self, flt: QuestionFilter, limit: int | None = None) -> list[DueCard]:
        """(Re)learning cards, the one due soonest first (at most ``limit``)."""
        rows = self._select_due(
            "c.last_review IS NOT NULL AND c.state != :review ORDER BY c.due, c.question_id LIMIT :n",
            flt,
            review=State.Review.value,
            n=-1 if limit is None else limit,
        )
        return [_due_card(r) for r in rows]

    def reviews_due(self, flt: QuestionFilter, now: datetime, limit: int | None = None) -> list[DueCard]:
        """Review cards due at ``now``, the most overdue first (at most ``limit``)."""
        rows = self._select_due(
            "c.last_review IS NOT NULL AND c.state = :review AND c.due <= :now"
            " ORDER BY c.due, c.question_id LIMIT :n",
            flt,
            review=State.Review.value,
            now=db_time(now),
            n=-1 if limit is None else limit,
        )
        return [_due_card(r) for r in rows]

    def count_waiting(self, flt: QuestionFilter, now: datetime, learn_until: datetime) -> int:
        """Studied questions a session would ask now: review cards due at ``now`` and (re)learning
        cards due by ``learn_until`` (the learn-ahead window)."""
        clause, params, binds = question_filter(flt)
        stmt = text(
            "SELECT COUNT(*) FROM cards c JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL"
            " AND c.due <= (CASE WHEN c.state = :review THEN :now ELSE :until END)"
        ).bindparams(*binds)
        values = {**params, "review": State.Review.value, "now": db_time(now), "until": db_time(learn_until)}
        return self.store.conn.execute(stmt, values).scalar_one()

    def new_question_ids(self, flt: QuestionFilter) -> list[int]:
        rows = self._select_due("c.last_review IS NULL ORDER BY c.question_id", flt)
        return [r.question_id for r in rows]

    def count_due(self, flt: QuestionFilter, before: datetime) -> int:
        clause, params, binds = question_filter(flt)
        stmt = text(
            "SELECT COUNT(*) FROM cards c JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL AND c.due < :before"
        ).bindparams(*binds)
        return self.store.conn.execute(stmt, {**params, "before": db_time(before)}).scalar_one()

    def next_due_time(self, flt: QuestionFilter) -> datetime | None:
        clause, params, binds = question_filter(flt)
        stmt = text(
            "SELECT MIN(c.due) FROM cards c JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL"
        ).bindparams(*binds)
        return from_db_time(self.store.conn.execute(stmt, params).scalar_one())

    def new_introduced(self, flt: QuestionFilter, since: datetime, until: datetime) -> int:
        """How many questions the filter selects were answered for the first time in [since, until).

        The end matters: a rating made while the clock was set ahead must not count for today.
        """
        clause, params, binds = question_filter(flt)
        stmt = text(
            "SELECT COUNT(*) FROM reviews r JOIN questions q ON q.id = r.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND r.state_before = 0 AND r.rated_at >= :since AND r.rated_at < :until"
        ).bindparams(*binds)
        values = {**params, "since": db_time(since), "until": db_time(until)}
        return self.store.conn.execute(stmt, values).scalar_one()

    def recent_durations(self, per_round: int = 50) -> dict[str, list[float]]:
        """Seconds of the latest ``per_round`` answers in each round (for session planning).

        One short query per round, walking the reviews newest first by their time index: a window
        over every review would read the whole history (seconds on a long one).
        """
        found: dict[str, list[float]] = {}
        for (round_name,) in self.store.q("SELECT DISTINCT round FROM questions"):
            rows = self.store.q(
                "SELECT r.duration_ms FROM reviews r JOIN questions q ON q.id = r.question_id"
                " WHERE q.round = :round ORDER BY r.rated_at DESC LIMIT :k",
                round=round_name,
                k=per_round,
            )
            durations = [r.duration_ms / 1000 for r in rows]
            if durations:
                found[round_name] = durations
        return found

    def time_costs(self, question_ids: list[int]) -> dict[int, tuple[str, float | None]]:
        """Each question's round and own time limit in seconds (None: the round's), for time plans,
        read in one query without parsing whole questions."""
        from mockprep.core.durations import parse_duration

        found: dict[int, tuple[str, float | None]] = {}
        for start in range(0, len(question_ids), 10_000):
            chunk = question_ids[start : start + 10_000]
            stmt = text(
                "SELECT id, round, json_extract(data, '$.time_limit') AS time_limit FROM questions"
                " WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True))
            for r in self.store.conn.execute(stmt, {"ids": chunk}):
                limit = None if r.time_limit is None else parse_duration(r.time_limit)
                found[r.id] = (r.round, limit)
        return found

    def mock_candidates(
        self, round: str, flt: QuestionFilter | None = None
    ) -> list[tuple[QuestionRecord, bool]]:
        """Active questions of a round the filter selects, each with whether it has been studied (a
        mock prefers those)."""
        clause, params, binds = question_filter(flt or QuestionFilter())
        stmt = text(
            "SELECT q.id, q.key, q.bank_id, q.round, q.topic, q.roles, q.data, q.retired_at, c.last_review"
            " FROM questions q JOIN banks b ON b.id = q.bank_id JOIN cards c ON c.question_id = q.id"
            f" WHERE {clause} AND q.round = :round ORDER BY q.id"
        ).bindparams(*binds)
        rows = self.store.conn.execute(stmt, {**params, "round": round}).all()
        return [(question_record(r), r.last_review is not None) for r in rows]

    # -- recording ----------------------------------------------------------------------------------

    def record_review(self, review: ReviewRecord) -> int:
        """Store one rating and the card it produced, together, durably (and link a mock answer)."""
        with self.store.write() as conn:
            review_id = conn.execute(
                text(
                    "INSERT INTO reviews (question_id, session_id, rated_at, rating, state_before,"
                    " answer, duration_ms, time_limit_ms, coverage, suggested)"
                    " VALUES (:q, :s, :t, :r, :sb, :a, :d, :tl, :cov, :sug)"
                ),
                {
                    "q": review.question_id,
                    "s": review.session_id,
                    "t": db_time(review.rated_at),
                    "r": review.rating,
                    "sb": review.state_before,
                    "a": review.answer,
                    "d": review.duration_ms,
                    "tl": review.time_limit_ms,
                    "cov": None if review.coverage is None else json.dumps(review.coverage),
                    "sug": review.suggested,
                },
            ).lastrowid
            save_card(conn, review.question_id, review.card)
            if review.mock_answer_id is not None:
                conn.execute(
                    text("UPDATE mock_answers SET review_id = :r WHERE id = :id"),
                    {"r": review_id, "id": review.mock_answer_id},
                )
        return review_id


def save_card(conn: Connection, question_id: int, card: Card) -> None:
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
    due = from_db_time(row.due)
    assert due is not None
    return DueCard(row.question_id, state, due)
