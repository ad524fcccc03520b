"""Bulk export and import of everything a person has: the sections of the export file, and its restore.

The export's questions (each with its card and reviews, the bulk of a long history) are produced by a
merge of two ordered cursors, so memory stays flat; the import writes them with ``executemany``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fsrs import Card, State

from mockprep.db.sql import from_db_time, iso
from mockprep.db.stories import STORY_FIELDS

if TYPE_CHECKING:
    from mockprep.db.store import Store

EXPORT_FORMAT = "mockprep-export"
EXPORT_VERSION = 1


class Bulk:
    """``store.bulk``: the whole database as export sections, and an import into an empty home."""

    def __init__(self, store: Store):
        self.store = store

    def user_data(self) -> dict[str, int]:
        """How many reviews, sessions and stories the database holds: what an import must not replace."""
        row = self.store.q(
            "SELECT (SELECT COUNT(*) FROM reviews), (SELECT COUNT(*) FROM sessions),"
            " (SELECT COUNT(*) FROM stories)"
        ).one()
        return {"reviews": row[0], "sessions": row[1], "stories": row[2]}

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
                "synced_at": iso(r.synced_at),
            }
            for r in self.store.q("SELECT * FROM banks ORDER BY id")
        ]
        sessions = [
            {
                "id": r.id,
                "kind": r.kind,
                "started_at": iso(r.started_at),
                "ended_at": iso(r.ended_at),
                "status": r.status,
                "filters": json.loads(r.filters),
                "round": r.round,
                "minutes": r.minutes,
            }
            for r in self.store.q("SELECT * FROM sessions ORDER BY id")
        ]
        mock_answers = [
            {
                "id": r.id,
                "session": r.session_id,
                "key": r.key,
                "position": r.position,
                "answered_at": iso(r.answered_at),
                "answer": r.answer,
                "follow_up": r.follow_up,
                "follow_up_answer": r.follow_up_answer,
                "duration_ms": r.duration_ms,
                "time_limit_ms": r.time_limit_ms,
                "coverage": None if r.coverage is None else json.loads(r.coverage),
                "review": r.review_id,
                **({} if r.follow_up_model is None else {"follow_up_model": r.follow_up_model}),
            }
            for r in self.store.q(
                "SELECT m.*, q.key FROM mock_answers m JOIN questions q ON q.id = m.question_id ORDER BY m.id"
            )
        ]
        sources = [
            {"path": r.path, "added_at": iso(r.added_at)}
            for r in self.store.q("SELECT * FROM bank_sources ORDER BY path")
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
        raw = self.store.conn.connection.driver_connection
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
                        "rated_at": iso(pending["rated_at"]),
                        "rating": pending["rating"],
                        "state_before": pending["state_before"],
                        "duration_ms": pending["duration_ms"],
                        "session": pending["session_id"],
                        "answer": pending["answer"],
                        "time_limit_ms": pending["time_limit_ms"],
                        "coverage": None if pending["coverage"] is None else json.loads(pending["coverage"]),
                        "suggested": pending["suggested"],
                        **_grading(pending),
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
                "added_at": iso(r["added_at"]),
                "retired_at": iso(r["retired_at"]),
                "card": card.to_dict(),
                "reviews": log,
            }
        questions.close()
        reviews.close()

    def _export_stories(self) -> list[dict[str, Any]]:
        out = []
        for story in self.store.q("SELECT * FROM stories ORDER BY id"):
            out.append(
                {
                    "id": story.id,
                    "created_at": iso(story.created_at),
                    "versions": [
                        {
                            "version": v.version,
                            "saved_at": v.saved_at.isoformat(),
                            **{
                                f: (
                                    list(v.draft.competencies) if f == "competencies" else getattr(v.draft, f)
                                )
                                for f in STORY_FIELDS
                            },
                        }
                        for v in self.store.stories.versions(story.id)
                    ],
                    "links": [k for _s, k in self.store.stories.links(story.id)],
                    "rehearsals": [
                        {
                            "version": r.version,
                            "rehearsed_at": r.rehearsed_at.isoformat(),
                            "duration_ms": r.duration_ms,
                            "target_ms": r.target_ms,
                        }
                        for r in self.store.stories.rehearsals(story.id)
                    ],
                }
            )
        return out

    def import_data(
        self,
        doc: dict[str, Any],
        questions: Iterable[dict[str, Any]] | None = None,
        now: datetime | None = None,
    ) -> dict[str, int]:
        """Restore an export into a home without history or stories
        (see :func:`mockprep.db.bulk_import.import_all`)."""
        from mockprep.db.bulk_import import import_all

        return import_all(self.store, doc, questions, now)


def _grading(review: Any) -> dict[str, Any]:
    """The grader's proposal and the confirmed checklist of a review, when it has them (m007), and a
    language model's verdict beside them (m012)."""
    out: dict[str, Any] = {}
    for field in (
        "grader",
        "proposed",
        "checklist",
        "model",
        "model_proposed",
        "model_suggested",
        "model_errors",
    ):
        value = review[field]
        if value is not None:
            out[field] = json.loads(value) if field in _JSON_FIELDS else value
    return out


_JSON_FIELDS = {"proposed", "checklist", "model_proposed", "model_errors"}
