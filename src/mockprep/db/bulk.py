"""Bulk export and import of everything a person has: the sections of the export file, and its restore.

The export's questions (each with its card and reviews, the bulk of a long history) are produced by a
merge of two ordered cursors, so memory stays flat; the import writes them with ``executemany``.
"""

from __future__ import annotations

import itertools
import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fsrs import Card, State

from mockprep.db import review_codec
from mockprep.db.sql import from_db_time, iso
from mockprep.db.stories import STORY_FIELDS

if TYPE_CHECKING:
    from mockprep.db.merge import MergeSummary
    from mockprep.db.store import Store

EXPORT_FORMAT = "mockprep-export"
EXPORT_VERSION = 1
EXPORT_MMAP = 1 << 30  # bytes of the database file an export maps into memory (address space, not RAM)


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
        # The reviews are read in question order, a jump through the table per review: mapped pages
        # spare a read() call for each (half the system time of the export).
        self.store.conn.exec_driver_sql(f"PRAGMA mmap_size = {EXPORT_MMAP}")
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

    def _iter_export_questions(self) -> Iterator[tuple[str, int]]:
        """Each question with its card and reviews as one line of JSON, and how many reviews it holds:
        a merge of two ordered cursors, so memory stays flat.

        SQLite writes each review's JSON (:data:`_REVIEW_JSON`) in exactly the form ``json.dumps``
        gives its dict; Python only joins them. A review whose stored values are not in the usual
        shapes (a grader's verdicts, a delivery, an unusual time) is built the general way instead.
        """
        raw = self.store.conn.raw
        questions = raw.cursor()
        questions.row_factory = sqlite3.Row
        questions.execute(
            "SELECT q.*, c.state, c.step, c.stability, c.difficulty AS card_difficulty, c.due, c.last_review,"
            f" {', '.join('c.' + m for m in MARKS)} FROM questions q JOIN cards c ON c.question_id = q.id"
            " ORDER BY q.id"
        )
        reviews = raw.execute(_REVIEW_JSON)
        coverages: dict[str | None, str] = {None: "null"}  # stored text -> its JSON: a handful of values
        groups = itertools.groupby(reviews, key=operator.itemgetter(0))
        group = next(groups, None)
        for r in questions:
            while group is not None and group[0] < r["id"]:
                group = next(groups, None)  # reviews of a question that no longer exists (cannot happen)
            log: list[str] = []
            if group is not None and group[0] == r["id"]:
                for _qid, rid, head, coverage, tail in group[1]:
                    if head is None:
                        log.append(json.dumps(self._review(rid), ensure_ascii=False))
                        continue
                    shown = coverages.get(coverage)
                    if shown is None:
                        shown = coverages[coverage] = review_codec.coverage_json(coverage)
                    log.append(f"{head}{shown}{tail}")
                group = next(groups, None)
            card = Card(
                card_id=r["id"],
                state=State(r["state"]),
                step=r["step"],
                stability=r["stability"],
                difficulty=r["card_difficulty"],
                due=from_db_time(r["due"]),
                last_review=from_db_time(r["last_review"]),
            )
            fields = json.dumps(
                {
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
                },
                ensure_ascii=False,
            )
            # "reviews" is the last key: the dict's text with the log spliced in before its brace.
            yield f'{fields[:-1]}, "reviews": [{", ".join(log)}]}}', len(log)
        questions.close()
        reviews.close()

    def _review(self, rid: int) -> dict[str, Any]:
        """One review as the export's dict, built field by field (the general form)."""
        raw = self.store.conn.raw
        cursor = raw.cursor()
        cursor.row_factory = sqlite3.Row
        row = cursor.execute("SELECT * FROM reviews WHERE id = ?", (rid,)).fetchone()
        return {
            "id": row["id"],
            "rated_at": iso(row["rated_at"]),
            "rating": row["rating"],
            "state_before": row["state_before"],
            "duration_ms": row["duration_ms"],
            "session": row["session_id"],
            "answer": review_codec.answer_text(row["answer"]),
            "time_limit_ms": row["time_limit_ms"],
            "coverage": review_codec.coverage_list(row["coverage"]),
            "suggested": row["suggested"],
            **_grading(row),
            **_scheduling(row),
            "uid": review_codec.uid_hex(row["uid"]),
            **_spoken(row["delivery"]),
        }

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
        questions: Iterable[dict[str, Any] | bytes] | None = None,
        now: datetime | None = None,
        workers: int = 0,
    ) -> dict[str, int]:
        """Restore an export into a home without history or stories
        (see :func:`mockprep.db.bulk_import.import_all`)."""
        from mockprep.db.bulk_import import import_all

        return import_all(self.store, doc, questions, now, workers)

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


# A review in the shapes mockprep writes: whole numbers where they belong, a time as db_time stores
# it, no grader's verdicts, code result, model verdict or delivery (those go the general way).
_PLAIN_REVIEW = " AND ".join(
    [
        *(f"typeof({c}) = 'integer'" for c in ("rating", "state_before", "duration_ms")),
        *(f"typeof({c}) IN ('integer', 'null')" for c in ("session_id", "time_limit_ms", "suggested")),
        *(f"typeof({c}) IN ('integer', 'null')" for c in ("cram", "params_id")),
        "typeof(answer) IN ('text', 'blob')",
        "typeof(uid) IN ('text', 'blob', 'null')",
        "typeof(coverage) IN ('text', 'null')",
        # db_time's form (LIKE is a quarter of the time of a GLOB with a digit class per character)
        "typeof(rated_at) = 'text' AND rated_at LIKE '____-__-__ __:__:__.______'",
        *(
            f"{c} IS NULL"
            for c in ("grader", "proposed", "checklist", "code_runs", "code_result", "model")
            + ("model_proposed", "model_suggested", "model_errors", "delivery")
        ),
    ]
)
# The stored answer and id as their text (m015: a deflated answer, an id's 16 bytes).
_ANSWER = review_codec.SQL_ANSWER.format("answer")
_UID = review_codec.SQL_UID.format("uid")
# iso() of a stored time: isoformat() leaves out microseconds that are all zero.
_ISO = (
    "substr(rated_at, 1, 10) || 'T' || CASE WHEN substr(rated_at, 20) = '.000000'"
    " THEN substr(rated_at, 12, 8) ELSE substr(rated_at, 12) END || '+00:00'"
)
# Each review in question order as the JSON text json.dumps(..., ensure_ascii=False) makes of its dict
# (json_quote escapes exactly as json.dumps does; a test holds them to it): the text up to the
# coverage, the stored coverage, the rest. NULL for a review outside _PLAIN_REVIEW.
_REVIEW_JSON = f"""
SELECT question_id, id,
    CASE WHEN {_PLAIN_REVIEW} THEN printf(
        '{{"id": %d, "rated_at": "%s", "rating": %d, "state_before": %d, "duration_ms": %d,'
        || ' "session": %s, "answer": %s, "time_limit_ms": %s, "coverage": ',
        id, {_ISO}, rating, state_before, duration_ms, coalesce(session_id, 'null'), json_quote({_ANSWER}),
        coalesce(time_limit_ms, 'null')) END,
    coverage,
    printf(', "suggested": %s%s%s, "uid": %s}}', coalesce(suggested, 'null'),
        CASE WHEN cram THEN ', "cram": true' ELSE '' END,
        CASE WHEN params_id IS NULL THEN '' ELSE ', "params": ' || params_id END, json_quote({_UID}))
FROM reviews ORDER BY question_id, rated_at, id
"""

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
