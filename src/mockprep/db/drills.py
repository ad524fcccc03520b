"""What cram and weak-spot drills draw from, and the counts the new-question pace needs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from mockprep.core.daily_new import NewCandidate
from mockprep.core.questions import QuestionFilter
from mockprep.db.card_conditions import NOT_BURIED_AT, NOT_SUSPENDED
from mockprep.db.cards import card_from_row
from mockprep.db.driver import text
from mockprep.db.sql import db_time, db_us, question_filter

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.db.store import Store


class Drills:
    """``store.drills``: read-only selections over ``cards`` and ``reviews``."""

    def __init__(self, store: Store):
        self.store = store

    def count_selected(self, flt: QuestionFilter) -> int:
        """Questions ``flt`` selects, whatever their state (suspended and buried ones too)."""
        clause, params = question_filter(flt)
        stmt = text(
            "SELECT COUNT(*) FROM cards c JOIN questions q ON q.id = c.question_id"
            f" JOIN banks b ON b.id = q.bank_id WHERE {clause}"
        )
        return self.store.conn.execute(stmt, params).scalar_one()

    def cards(
        self,
        flt: QuestionFilter,
        flagged: bool = False,
        failed_since: datetime | None = None,
        now: datetime | None = None,
    ) -> list[tuple[int, Card | None]]:
        """Every question the filter selects that may be asked at ``now`` (not suspended, not buried: a
        bury is "not today", for drills too, as Anki's filtered decks leave buried cards out; None: burying
        ignored), with its card (None: never answered); only flagged ones, or only those rated again at or
        after ``failed_since``, when asked."""
        where, params = self._where(flt, flagged, failed_since)
        if now is not None:
            where, params = f"{where} AND {NOT_BURIED_AT}", {**params, "now": db_time(now)}
        stmt = text(
            "SELECT q.id AS question_id, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review"
            " FROM questions q JOIN banks b ON b.id = q.bank_id JOIN cards c ON c.question_id = q.id"
            f" WHERE {where} ORDER BY q.id"
        )
        return [
            (r.question_id, card_from_row(r) if r.last_review else None)
            for r in self.store.conn.execute(stmt, params)
        ]

    def buried(
        self, flt: QuestionFilter, flagged: bool, failed_since: datetime | None, now: datetime
    ) -> list[tuple[int, str, Card | None]]:
        """The questions :meth:`cards` would select but for being buried at ``now``: id, key and card
        (None: never answered)."""
        where, params = self._where(flt, flagged, failed_since)
        stmt = text(
            "SELECT q.id AS question_id, q.key, c.state, c.step, c.stability, c.difficulty, c.due,"
            " c.last_review FROM questions q JOIN banks b ON b.id = q.bank_id"
            f" JOIN cards c ON c.question_id = q.id WHERE {where} AND NOT {NOT_BURIED_AT} ORDER BY q.id"
        )
        return [
            (r.question_id, r.key, card_from_row(r) if r.last_review else None)
            for r in self.store.conn.execute(stmt, {**params, "now": db_time(now)})
        ]

    @staticmethod
    def _where(
        flt: QuestionFilter, flagged: bool, failed_since: datetime | None
    ) -> tuple[str, dict[str, object]]:
        clause, params = question_filter(flt)
        where = [clause, NOT_SUSPENDED]
        if flagged:
            where.append("c.flagged_at IS NOT NULL")
        if failed_since is not None:
            where.append(
                "EXISTS (SELECT 1 FROM reviews r WHERE r.question_id = q.id AND r.rating = 1"
                " AND r.rated_us >= :since)"  # the index by question and time (m016)
            )
            params = {**params, "since": db_us(failed_since)}
        return " AND ".join(where), params

    def new_candidates(self, ids: list[int]) -> list[NewCandidate]:
        """The bank and round of each of ``ids`` (new questions), in the order given."""
        if not ids:
            return []
        found = {
            r.id: NewCandidate(r.id, r.bank_id, r.round)
            for r in self.store.q("SELECT id, bank_id, round FROM questions")
        }
        return [found[i] for i in ids if i in found]
