"""Bulk export and import of everything a person has: the sections of the export file, and its restore.

The export's questions (each with its card and reviews, the bulk of a long history) are made by
:mod:`mockprep.db.export_lines`, so memory stays flat; the import writes them with ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mockprep.db.export_lines import EXPORT_MMAP, spoken
from mockprep.db.sql import iso
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
                **spoken(r.delivery),
                **({} if r.follow_up_model is None else {"follow_up_model": r.follow_up_model}),
                **({} if r.code_runs is None else {"code_runs": r.code_runs}),
                **({} if r.follow_up_ms is None else {"follow_up_ms": r.follow_up_ms}),
                **({} if r.follow_up_limit_ms is None else {"follow_up_limit_ms": r.follow_up_limit_ms}),
            }
            for r in self.store.q(
                "SELECT m.*, q.key FROM mock_answers m JOIN questions q ON q.id = m.question_id ORDER BY m.id"
            )
        ]
        sources = [
            {"path": r.path, "added_at": iso(r.added_at)}
            for r in self.store.q("SELECT * FROM bank_sources ORDER BY path")
        ]
        # The keys renamed questions had (m028): only when there are some.
        aliases = [
            {"key": r.key, "question": r.now}
            for r in self.store.q(
                "SELECT a.key, q.key AS now FROM question_aliases a JOIN questions q ON q.id = a.question_id"
                # an old key a question has taken since is that question's own, not an alias
                " WHERE a.key NOT IN (SELECT key FROM questions) ORDER BY a.key"
            )
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
            *([("question_aliases", aliases)] if aliases else []),
            ("questions", self._export_questions()),
        ]

    def check_complete(self, questions: int, reviews: int) -> None:
        """Raise DamageFound unless an export that wrote ``questions`` and ``reviews`` holds every
        question and review of the database: a damaged page can hide rows from a lookup without an
        error (a card whose rowid is out of order: its question was left out). Inside the export's
        snapshot; counting a million reviews takes about 0.2 s."""
        from mockprep.core.wording import plural
        from mockprep.db.errors import DamageFound

        held = self.store.q("SELECT (SELECT COUNT(*) FROM questions), (SELECT COUNT(*) FROM reviews)").one()
        short = [
            f"{n - wrote} of its {plural(n, noun)}"
            for wrote, n, noun in ((questions, held[0], "question"), (reviews, held[1], "review"))
            if wrote < n
        ]
        if short:
            raise DamageFound(f"a damaged page hid {' and '.join(short)} from the export")

    def _export_questions(self) -> Iterator[tuple[bytes, int, int]]:
        """The questions, each with its card and reviews (:mod:`mockprep.db.export_lines`), in pieces:
        a large history's made by worker processes that read the very snapshot this export reads
        (:mod:`mockprep.db.snapshot_workers`). Use inside :meth:`snapshot`."""
        from mockprep.db import export_lines
        from mockprep.db.snapshot_workers import in_pieces

        raw = self.store.conn.raw
        return in_pieces(
            raw, self.store.path, export_lines.ranges, export_lines.piece, export_lines.WORKERS_FROM
        )

    def _export_scheduling(self) -> list[tuple[str, Any]]:
        """The scheduler parameter sets reviews refer to, the interview plans and the fitted weights."""
        params = [
            {"id": pid, "parameters": json.loads(stored), "created_at": created.isoformat()}
            for pid, stored, created in self.store.scheduling.all_params()
        ]
        plan_uids = {r.id: r.uid for r in self.store.q("SELECT id, uid FROM plans")}
        plans = [
            {
                "id": p.id,
                "uid": plan_uids.get(p.id),  # the same plan on every device (m035)
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
                "log_uid": f.log_uid,
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
                    **self._export_links(story.id),
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

    def _export_links(self, story: int) -> dict[str, Any]:
        """A story's links, when each was made, and the links removed with when (as its sync line has
        them): a merge takes the later change of each link, and a restore keeps their times."""
        linked = self.store.q(
            "SELECT question_key, linked_at FROM story_links WHERE story_id = :s ORDER BY question_key",
            s=story,
        ).all()
        unlinked = self.store.q(
            "SELECT question_key, removed_at FROM story_unlinks WHERE story_id = :s ORDER BY question_key",
            s=story,
        ).all()
        return {
            "links": [key for key, _ in linked],
            "linked_at": {key: iso(at) for key, at in linked},
            "unlinked": {key: iso(at) for key, at in unlinked},
        }

    def import_data(
        self,
        doc: dict[str, Any],
        questions: Iterable[dict[str, Any] | bytes] | None = None,
        now: datetime | None = None,
        workers: int = 0,
    ) -> dict[str, Any]:
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
            checker.check_mock_answers(doc)  # (their session and question: known once the questions are)

        return merge_events(self.store, export_events(doc, checked()), origin="import")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
