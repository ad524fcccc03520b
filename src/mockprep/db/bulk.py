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
    from mockprep.db.merge import MergeSummary
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
                "uid": r.uid,
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
                "uid": r.uid,
                **_spoken(r.delivery),
                **({} if r.follow_up_model is None else {"follow_up_model": r.follow_up_model}),
                **({} if r.code_runs is None else {"code_runs": r.code_runs}),
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
            *self._export_scheduling(),
            ("questions", self._iter_export_questions()),
        ]

    def _iter_export_questions(self) -> Iterator[dict[str, Any]]:
        """Each question with its card and reviews, streamed: a merge of two ordered cursors."""
        raw = self.store.conn.raw
        questions = raw.cursor()
        questions.row_factory = sqlite3.Row
        questions.execute(
            "SELECT q.*, c.state, c.step, c.stability, c.difficulty AS card_difficulty, c.due, c.last_review,"
            f" {', '.join('c.' + m for m in MARKS)} FROM questions q JOIN cards c ON c.question_id = q.id"
            " ORDER BY q.id"
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
                        **_scheduling(pending),
                        "uid": pending["uid"],
                        **_spoken(pending["delivery"]),
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
                **_marks(r),
                "reviews": log,
            }
        questions.close()
        reviews.close()

    def _export_scheduling(self) -> list[tuple[str, Any]]:
        """The scheduler parameter sets reviews refer to, the interview plans and the fitted weights."""
        params = [
            {"id": pid, "parameters": json.loads(stored), "created_at": created.isoformat()}
            for pid, stored, created in self.store.scheduling.all_params()
        ]
        plans = [
            {
                "id": p.id,
                "date": p.date.isoformat(),
                "label": p.label,
                "role": p.role,
                "rounds": list(p.rounds),
                "created_at": _iso(p.created_at),
            }
            for p in self.store.plans.all()
        ]
        fits = [
            {
                "id": f.id,
                "fitted_at": f.fitted_at.isoformat(),
                "weights": list(f.weights),
                "reviews": f.reviews,
                "log_loss_before": f.log_loss_before,
                "log_loss_after": f.log_loss_after,
                "rmse_before": f.rmse_before,
                "rmse_after": f.rmse_after,
                "adopted_at": _iso(f.adopted_at),
                "undone_at": _iso(f.undone_at),
            }
            for f in self.store.scheduling.fits()
        ]
        return [("scheduler_params", params), ("plans", plans), ("fitted_parameters", fits)]

    def _export_stories(self) -> list[dict[str, Any]]:
        out = []
        for story in self.store.q("SELECT * FROM stories ORDER BY id"):
            out.append(
                {
                    "id": story.id,
                    "uid": story.uid,
                    "created_at": iso(story.created_at),
                    "versions": [
                        {
                            "version": v.version,
                            "uid": v.uid,
                            "parent": v.parent,
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
                            "uid": r.uid,
                            **({} if r.transcript is None else {"transcript": r.transcript}),
                            **({} if r.delivery is None else {"delivery": r.delivery.to_dict()}),
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

    def merge_data(
        self, doc: dict[str, Any], questions: Iterable[dict[str, Any]], now: datetime
    ) -> MergeSummary:
        """Add an export's history to this home's (see :mod:`mockprep.db.merge`): every record checked
        first, in one transaction, so a bad file adds nothing; the same file twice adds nothing."""
        from mockprep.core.export_checks import ExportChecker
        from mockprep.core.export_events import export_events
        from mockprep.db.merge import merge_events

        checker = ExportChecker(now)
        checker.check_head(doc)

        def checked() -> Iterator[dict[str, Any]]:
            for index, question in enumerate(questions):
                checker.check_question(question, index)
                yield question

        return merge_events(self.store, export_events(doc, checked()), origin="import")


MARKS = ("suspended_at", "suspended_by", "buried_until", "flagged_at")


def _marks(row: Any) -> dict[str, Any]:
    """A question's marks (suspended, buried, flagged), when it has any."""
    if all(row[m] is None for m in MARKS):
        return {}
    return {"marks": {m: row[m] if m == "suspended_by" else iso(row[m]) for m in MARKS}}


def _grading(review: Any) -> dict[str, Any]:
    """The grader's proposal and the confirmed checklist of a review, when it has them (m007), a code
    answer's runs and final result (m009), and a language model's verdict beside them (m012)."""
    out: dict[str, Any] = {}
    for field in _GRADING_FIELDS:
        value = review[field]
        if value is not None:
            out[field] = json.loads(value) if field in _JSON_FIELDS else value
    return out


_GRADING_FIELDS = (
    "grader",
    "proposed",
    "checklist",
    "code_runs",
    "code_result",
    "model",
    "model_proposed",
    "model_suggested",
    "model_errors",
)
_JSON_FIELDS = {"proposed", "checklist", "code_result", "model_proposed", "model_errors"}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _scheduling(review: Any) -> dict[str, Any]:
    """Whether a review was a cram one, and the scheduler parameters it used, when known (m008)."""
    out: dict[str, Any] = {}
    if review["cram"]:
        out["cram"] = True
    if review["params_id"] is not None:
        out["params"] = review["params_id"]
    return out


def _spoken(delivery: str | None) -> dict[str, Any]:
    """A spoken answer's delivery, when it has one (m011)."""
    return {} if delivery is None else {"delivery": json.loads(delivery)}
