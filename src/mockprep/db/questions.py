"""The question browser's queries: find a question by key or id, search the text, list the marked
ones, and one question in full with its card and review history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockprep.core.browser import QuestionDetail, QuestionHit, ReviewEntry
from mockprep.core.questions import QuestionFilter
from mockprep.db import review_codec
from mockprep.db.banks import question_record
from mockprep.db.cards import card_from_row, card_marks
from mockprep.db.driver import text
from mockprep.db.sql import db_time, from_db_time, must_time, question_filter

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.core.card_actions import CardMarks
    from mockprep.db.store import Store

_HIT_COLUMNS = (
    "q.id, q.key, q.bank_id, q.round, q.topic, q.roles, q.data, q.retired_at,"
    " c.question_id, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review,"
    " c.suspended_at, c.suspended_by, c.buried_until, c.flagged_at"
)
# The searchable text of a question: its key, topic, prompt, answer, key points and tags.
_TEXT_MATCH = (
    "(q.key LIKE :{w} ESCAPE '\\' OR q.topic LIKE :{w} ESCAPE '\\'"
    " OR json_extract(q.data, '$.prompt') LIKE :{w} ESCAPE '\\'"
    " OR json_extract(q.data, '$.answer') LIKE :{w} ESCAPE '\\'"
    " OR EXISTS (SELECT 1 FROM json_each(q.data, '$.key_points') k WHERE k.value LIKE :{w} ESCAPE '\\')"
    " OR EXISTS (SELECT 1 FROM json_each(q.data, '$.tags') t WHERE t.value LIKE :{w} ESCAPE '\\'))"
)
MARKS = ("flagged", "suspended", "buried")


class QuestionBrowser:
    """``store.questions``: read-only lookups over ``questions``, ``cards`` and ``reviews``."""

    def __init__(self, store: Store):
        self.store = store

    def candidates(self, ref: str) -> list[tuple[str, bool]]:
        """``(key, retired)`` of the questions ``ref`` may mean: the question with that key, else every
        question whose id (the part after the bank's ``/``) is ``ref``; active ones first."""
        rows = self.store.q(
            "SELECT key, retired_at IS NOT NULL AS retired FROM questions WHERE key = :r",
            r=ref,
        ).all()
        if not rows and "/" not in ref:
            rows = self.store.q(
                "SELECT key, retired_at IS NOT NULL AS retired FROM questions"
                " WHERE substr(key, instr(key, '/') + 1) = :r ORDER BY retired, key",
                r=ref,
            ).all()
        return [(r.key, bool(r.retired)) for r in rows]

    def all_keys(self) -> list[str]:
        return [r.key for r in self.store.q("SELECT key FROM questions ORDER BY key")]

    def search(self, words: list[str], flt: QuestionFilter) -> list[QuestionHit]:
        """Active questions whose text holds every word (case-insensitive for ASCII): those with the
        words in their key or prompt first, then by key."""
        clause, params = question_filter(flt)
        in_prompt = []
        for index, word in enumerate(words):
            name = f"w{index}"
            clause += " AND " + _TEXT_MATCH.format(w=name)
            in_prompt.append(
                f"(q.key LIKE :{name} ESCAPE '\\'"
                f" OR json_extract(q.data, '$.prompt') LIKE :{name} ESCAPE '\\')"
            )
            params[name] = "%" + _escape_like(word) + "%"
        # Questions that name the words in their key or prompt come first.
        stmt = text(
            f"SELECT {_HIT_COLUMNS} FROM questions q JOIN banks b ON b.id = q.bank_id"
            f" JOIN cards c ON c.question_id = q.id WHERE {clause}"
            f" ORDER BY ({' + '.join(in_prompt) or '0'}) DESC, q.key"
        )
        return [_hit(r) for r in self.store.conn.execute(stmt, params)]

    def marked(self, marks: tuple[str, ...], now: datetime) -> list[QuestionHit]:
        """Active questions carrying any of ``marks`` (flagged, suspended, buried at ``now``), by key."""
        conditions = {
            "flagged": "c.flagged_at IS NOT NULL",
            "suspended": "c.suspended_at IS NOT NULL",
            "buried": "c.buried_until > :now",
        }
        clause, params = question_filter(QuestionFilter())
        wanted = " OR ".join(conditions[m] for m in marks)
        stmt = text(
            f"SELECT {_HIT_COLUMNS} FROM questions q JOIN banks b ON b.id = q.bank_id"
            f" JOIN cards c ON c.question_id = q.id WHERE {clause} AND ({wanted}) ORDER BY q.key"
        )
        return [_hit(r) for r in self.store.conn.execute(stmt, {**params, "now": db_time(now)})]

    def answers_in_bank(self, bank_id: str) -> dict[str, list[tuple[datetime, int, int]]]:
        """Each question's answers ``(rated_at, rating, duration ms)``, oldest first, by question id."""
        rows = self.store.q(
            "SELECT q.key, r.rated_at, r.rating, r.duration_ms FROM reviews r JOIN questions q"
            " ON q.id = r.question_id WHERE q.bank_id = :b ORDER BY r.rated_us, r.id",
            b=bank_id,
        )
        out: dict[str, list[tuple[datetime, int, int]]] = {}
        for key, rated_at, rating, duration in rows:
            out.setdefault(key.split("/", 1)[1], []).append((from_db_time(rated_at), rating, duration or 0))
        return out

    def cards_in_bank(self, bank_id: str) -> dict[str, Card]:
        """The card of each question of a bank that has been answered, by question id."""
        rows = self.store.q(
            "SELECT q.key, c.question_id, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review"
            " FROM cards c JOIN questions q ON q.id = c.question_id"
            " WHERE q.bank_id = :b AND c.last_review IS NOT NULL",
            b=bank_id,
        )
        return {row.key.split("/", 1)[1]: card_from_row(row) for row in rows}

    def marks_in_bank(self, bank_id: str) -> dict[str, CardMarks]:
        """The marks of each question of a bank that has any (suspended, buried, flagged), by id."""
        rows = self.store.q(
            "SELECT q.key, c.suspended_at, c.suspended_by, c.buried_until, c.flagged_at FROM cards c"
            " JOIN questions q ON q.id = c.question_id WHERE q.bank_id = :b AND (c.suspended_at IS NOT"
            " NULL OR c.buried_until IS NOT NULL OR c.flagged_at IS NOT NULL)",
            b=bank_id,
        )
        return {row.key.split("/", 1)[1]: card_marks(row) for row in rows}

    def review_count(self, question_id: int) -> int:
        return int(
            self.store.q("SELECT count(*) FROM reviews WHERE question_id = :q", q=question_id).scalar()
        )

    def live_together(self, old_id: int, new_id: int) -> bool:
        """Whether question ``new_id`` was in a bank file before ``old_id`` left them (added before it was
        retired): two questions at once, each answered as itself, not one that replaced the other."""
        return bool(
            self.store.q(
                "SELECT n.added_at < o.retired_at FROM questions n, questions o"
                " WHERE n.id = :n AND o.id = :o",
                n=new_id,
                o=old_id,
            ).scalar()
        )

    def detail(self, key: str) -> QuestionDetail | None:
        """One question (retired ones too) with its card, marks, every review and linked stories."""
        row = self.store.q(
            f"SELECT {_HIT_COLUMNS} FROM questions q JOIN cards c ON c.question_id = q.id WHERE q.key = :k",
            k=key,
        ).first()
        if row is None:
            return None
        reviews = [
            ReviewEntry(
                r.id,
                must_time(r.rated_at),
                r.rating,
                r.state_before,
                r.duration_ms,
                r.time_limit_ms,
                r.suggested,
                r.session_id,
                r.kind,
                review_codec.answer_text(r.answer),
            )
            for r in self.store.q(
                "SELECT r.id, r.rated_at, r.rating, r.state_before, r.duration_ms, r.time_limit_ms,"
                " r.suggested, r.session_id, s.kind, r.answer FROM reviews r LEFT JOIN sessions s"
                " ON s.id = r.session_id WHERE r.question_id = :q ORDER BY r.rated_us, r.uid",  # as replayed
                q=row.id,
            )
        ]
        stories = [
            r.story_id
            for r in self.store.q(
                "SELECT story_id FROM story_links WHERE question_key = :k ORDER BY story_id", k=key
            )
        ]
        return QuestionDetail(question_record(row), card_from_row(row), card_marks(row), reviews, stories)


def _hit(row: Any) -> QuestionHit:
    return QuestionHit(question_record(row), card_from_row(row), card_marks(row))


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
