"""The FSRS cards: each question's scheduling state, the queue queries, and recording a rating."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fsrs import Card, State
from sqlalchemy import text

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

    def new_introduced_since(self, since: datetime) -> int:
        """How many questions were answered for the first time at or after ``since``."""
        return self.store.q(
            "SELECT COUNT(*) FROM reviews WHERE state_before = 0 AND rated_at >= :s", s=db_time(since)
        ).scalar_one()

    def recent_durations(self, per_round: int = 50) -> dict[str, list[float]]:
        """Seconds of the latest ``per_round`` answers in each round (for session planning)."""
        rows = self.store.q(
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

    def mock_candidates(self, round: str) -> list[tuple[QuestionRecord, bool]]:
        """Active questions of a round, each with whether it has been studied (a mock prefers those)."""
        rows = self.store.q(
            "SELECT q.id, q.key, q.bank_id, q.round, q.topic, q.roles, q.data, q.retired_at, c.last_review"
            " FROM questions q JOIN banks b ON b.id = q.bank_id JOIN cards c ON c.question_id = q.id"
            " WHERE q.retired_at IS NULL AND b.removed = 0 AND q.round = :round ORDER BY q.id",
            round=round,
        ).all()
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
