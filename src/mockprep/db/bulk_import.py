"""Restoring an export: every record checked and inserted in one transaction, the review log in bulk.

Each record is checked (:mod:`mockprep.core.export_checks`) before it is inserted; the first problem
raises :class:`~mockprep.core.export_checks.RecordProblem`, one line naming the record, and the
transaction rolls back, so a refused import writes nothing. Bank sources are only paths: nothing here
opens them (a source may be a device or a pipe); the next bank sync decides what they hold.
"""

from __future__ import annotations

import bisect
import functools
import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.core import ids
from mockprep.core.export_checks import STORY_PARTS, ExportChecker, RecordProblem
from mockprep.core.field_checks import got
from mockprep.core.stories import StoryDraft
from mockprep.core.wording import plural
from mockprep.db import import_workers, review_codec, stats_rollup
from mockprep.db.driver import text
from mockprep.db.fresh_file import fresh_copy, reviews_unindexed
from mockprep.db.import_rows import REVIEW_COLUMNS, STAGING, delivery_json
from mockprep.db.import_staging import COUNTED_SCHEMA, Staging, found_reused_uid
from mockprep.db.sql import db_time, from_iso
from mockprep.db.stories import insert_version

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.db.driver import Connection
    from mockprep.db.store import Store


class ImportRefused(Exception):
    """An import that would overwrite history; the message says why."""


def import_all(
    store: Store,
    doc: dict[str, Any],
    questions: Iterable[dict[str, Any] | bytes] | None = None,
    now: datetime | None = None,
    workers: int = 0,
) -> dict[str, Any]:
    """Restore an export into a home without history or stories: built in a copy of the database
    and moved into place once complete (:func:`mockprep.db.fresh_file.fresh_copy`). Returns what it
    imported, counted, and (``not_here``) the registered bank paths of the file it did not register, as
    they are not on this machine.

    ``doc`` holds the export's fields; the questions come from ``doc["questions"]`` or, streamed,
    from ``questions``, where a question may also come as its JSON text (bytes): those are parsed,
    checked and made into rows by ``workers`` processes (none: here). A record that cannot be imported
    raises RecordProblem (a line that is not JSON, ExportFileError) and nothing is written.
    ``now`` is when the imported cards are checked to be schedulable (default: the current time).
    """
    if questions is None:
        questions = doc.get("questions") or []
    refuse_history(store)
    checker = ExportChecker(now or datetime.now(UTC))
    checker.check_head(doc)
    counts: dict[str, Any] = {"banks": 0, "questions": 0, "reviews": 0, "sessions": 0, "stories": 0}
    # Built in a copy without a journal and renamed over the live file once complete (fresh_file).
    with fresh_copy(store) as fresh:
        staging = Staging(fresh.path.parent, fresh.conn.raw)  # attached before the transaction begins
        with fresh.write() as conn:
            # Only what the bank files recreate is replaced; registered bank folders are kept.
            tables = (
                "mock_answers",
                "cards",
                "question_aliases",  # (the ids they name are the export's now)
                "questions",
                "banks",
                "plans",
                "fitted_parameters",
                "scheduler_params",
            )
            for table in tables:  # (no review refers to a parameter set: the home has no history)
                conn.execute(text(f"DELETE FROM {table}"))
            _banks_and_sessions(conn, doc, counts)
            _scheduling(conn, doc)
            _questions(conn, staging, questions, counts, checker, workers)
            _mock_answers(conn, doc, checker)
            _stories(conn, doc, counts)
            _aliases(conn, doc)
            refuse_history(store)  # what another process wrote meanwhile is not replaced either
    return counts


_ONE = {"reviews": "review", "sessions": "session", "stories": "story"}


def refuse_history(store: Store) -> None:
    held = {name: count for name, count in store.bulk.user_data().items() if count}
    if held:
        what = ", ".join(plural(count, _ONE[name]) for name, count in held.items())
        raise ImportRefused(
            f"{store.path} already holds {what}; to add the file's history to it, use import --merge "
            "(or import into an empty home: set MOCKPREP_HOME to a new folder)"
        )


def _scheduling(conn: Connection, doc: dict[str, Any]) -> None:
    """Scheduler parameter sets, interview plans and fitted weights (exports from m008 on)."""
    for p in doc.get("scheduler_params", []):
        conn.execute(
            text("INSERT INTO scheduler_params (id, parameters, created_at) VALUES (:id, :p, :t)"),
            {"id": p["id"], "p": json.dumps(p["parameters"], sort_keys=True), "t": from_iso(p["created_at"])},
        )
    for p in doc.get("plans", []):
        conn.execute(
            text(
                "INSERT INTO plans (id, date, label, role, rounds, created_at, uid)"
                " VALUES (:id, :date, :label, :role, :rounds, :t, :uid)"
            ),
            {
                **p,
                "rounds": json.dumps(p["rounds"]),
                "t": from_iso(p["created_at"]),
                # an export from before m035 gives none: the one its home derived from the same fields
                "uid": p.get("uid") or ids.plan_uid(p["id"], p["created_at"]),
            },
        )
    for f in doc.get("fitted_parameters", []):
        conn.execute(
            text(
                "INSERT INTO fitted_parameters (id, fitted_at, weights, reviews, log_loss_before,"
                " log_loss_after, rmse_before, rmse_after, adopted_at, undone_at, log_uid) VALUES (:id,"
                " :fitted_at, :weights, :reviews, :log_loss_before, :log_loss_after, :rmse_before,"
                " :rmse_after, :adopted_at, :undone_at, :log_uid)"
            ),
            {
                **f,
                "weights": json.dumps(f["weights"]),
                "fitted_at": from_iso(f["fitted_at"]),
                "adopted_at": from_iso(f["adopted_at"]),
                "undone_at": from_iso(f["undone_at"]),
                "log_uid": f.get("log_uid"),
            },
        )


def here_and_not(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Registered bank paths an import carries: those on this machine, and those that are not (not
    registered: every command would warn that they are missing, and every export carry them on)."""
    paths = list(paths)
    here = [path for path in paths if Path(path).exists()]
    return here, [path for path in paths if path not in here]


def _banks_and_sessions(conn: Connection, doc: dict[str, Any], counts: dict[str, Any]) -> None:
    for b in doc["banks"]:
        conn.execute(
            text(
                "INSERT INTO banks (id, title, round, description, roles, source, builtin,"
                " content_hash, removed, synced_at) VALUES (:id, :title, :round, :description,"
                " :roles, :source, :builtin, :content_hash, :removed, :synced_at)"
            ),
            {**b, "roles": json.dumps(b["roles"]), "synced_at": from_iso(b["synced_at"])},
        )
        counts["banks"] += 1
    here, counts["not_here"] = here_and_not(s["path"] for s in doc["bank_sources"])
    for s in doc["bank_sources"]:
        if s["path"] not in here:
            continue
        conn.execute(
            text("INSERT OR IGNORE INTO bank_sources (path, added_at) VALUES (:path, :added_at)"),
            {"path": s["path"], "added_at": from_iso(s["added_at"])},
        )
    for s in doc["sessions"]:
        conn.execute(
            text(
                "INSERT INTO sessions (id, kind, started_at, ended_at, status, filters, pid,"
                " round, minutes, uid)"
                " VALUES (:id, :kind, :started_at, :ended_at, :status, :filters, NULL,"
                " :round, :minutes, :uid)"
            ),
            {
                "id": s["id"],
                "uid": s.get("uid") or ids.session_uid(s["id"], s["started_at"]),
                "kind": s["kind"],
                "status": s["status"],
                "round": s.get("round"),
                "minutes": s.get("minutes"),
                "started_at": from_iso(s["started_at"]),
                "ended_at": from_iso(s["ended_at"]),
                "filters": json.dumps(s["filters"], sort_keys=True),
            },
        )
        counts["sessions"] += 1


def _questions(
    conn: Connection,
    staging: Staging,
    questions: Iterable[dict[str, Any] | bytes],
    counts: dict[str, int],
    checker: ExportChecker,
    workers: int,
) -> None:
    """Questions, cards and reviews, each question checked before it is written (a question given as
    its JSON text is parsed, checked and made into rows on a worker process: import_workers)."""
    raw = conn.raw  # executemany: a million reviews in seconds
    # ``starts`` holds each question's first review's rowid in the staging table (which counts them in
    # file order), so a duplicate id can be named by where it was in the file.
    starts: list[int] = []
    staging.create()
    for q, card, statement, rows in import_workers.prepared(questions, checker, workers):
        qid = card.card_id
        _question(raw, q, card)
        counts["questions"] += 1
        starts.append(counts["reviews"] + 1)
        staging.add(qid, q, statement, rows)
        counts["reviews"] += len(rows)
    # The roll-up is counted from the staging file on a worker process (a large import), and a uid used
    # twice looked for, while the reviews are copied across and their indexes built (once, after the rows).
    counting = staging.commit(in_workers=workers > 0)

    def counted() -> str:
        counting.finish()
        if found_reused_uid(raw):  # (the copy went through: no unique index of them, m022)
            _name_duplicate_review(raw, starts)
        return COUNTED_SCHEMA

    try:
        # (the roll-up's triggers off for the copy; an id used twice fails as the rows are copied)
        with stats_rollup.bulk(raw, counted=counted), reviews_unindexed(raw):
            raw.execute(  # (staged with the time as rated_us, as it is stored: m018)
                f"INSERT INTO main.reviews ({REVIEW_COLUMNS})"
                f" SELECT {REVIEW_COLUMNS} FROM {STAGING}.import_reviews ORDER BY id"
            )
    except sqlite3.IntegrityError:
        _name_duplicate_review(raw, starts)
        raise
    finally:
        counting.stop()  # at once when something failed; else it has already counted


def _question(raw: sqlite3.Connection, q: dict[str, Any], card: Card) -> None:
    """A question and its card."""
    raw.execute(
        "INSERT INTO questions (id, key, bank_id, round, topic, difficulty, kind, roles,"
        " competencies, data, added_at, retired_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            card.card_id,
            q["key"],
            q["bank"],
            q["round"],
            q["topic"],
            q["difficulty"],
            q["kind"],
            json.dumps(q["roles"]),
            json.dumps(q["competencies"]),
            json.dumps(q["question"], sort_keys=True),
            from_iso(q["added_at"]),
            from_iso(q.get("retired_at")),
        ),
    )
    marks = q.get("marks") or {}
    changed = marks.get("changed") or {}  # (when each mark last changed: a later merge compares them)
    raw.execute(
        "INSERT INTO cards (question_id, state, step, stability, difficulty, due, last_review,"
        " suspended_at, suspended_by, buried_until, flagged_at, suspended_changed_at, buried_changed_at,"
        " flagged_changed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            card.card_id,
            card.state.value,
            card.step,
            card.stability,
            card.difficulty,
            db_time(card.due),
            db_time(card.last_review) if card.last_review else None,
            from_iso(marks.get("suspended_at")),
            marks.get("suspended_by"),
            from_iso(marks.get("buried_until")),
            from_iso(marks.get("flagged_at")),
            *(changed.get(mark) for mark in ("suspended", "buried", "flagged")),
        ),
    )


@functools.cache
def _coverage_json_of(coverage: tuple[bool, ...]) -> str:
    return json.dumps(list(coverage))


def _coverage_json(coverage: list[bool] | None) -> str | None:
    # A few key points each covered or not: a handful of distinct lists among a million reviews.
    return None if coverage is None else _coverage_json_of(tuple(coverage))


def _name_duplicate_review(raw: sqlite3.Connection, starts: list[int]) -> None:
    """Raise RecordProblem naming the second review that reuses an id or a uid (the only ways the copy
    fails); ``starts`` is the staging rowid of each question's first review."""

    def where(rowid: int) -> str:
        index = bisect.bisect_right(starts, rowid) - 1
        return f"questions[{index}].reviews[{rowid - starts[index]}]"

    for column in ("id", "uid"):
        row = raw.execute(
            f"SELECT {column} FROM {STAGING}.import_reviews GROUP BY {column} HAVING COUNT(*) > 1"
            " ORDER BY MAX(rowid) LIMIT 1"
        ).fetchone()
        if row is None:
            continue
        first, second = raw.execute(
            f"SELECT rowid FROM {STAGING}.import_reviews WHERE {column} = ? ORDER BY rowid LIMIT 2", (row[0],)
        ).fetchall()
        raise RecordProblem(
            f"{where(second[0])}.{column}",
            f"review {column} {review_codec.uid_hex(row[0])} is used twice (also {where(first[0])})",
        )


def _mock_answers(conn: Connection, doc: dict[str, Any], checker: ExportChecker) -> None:
    checker.check_mock_answers(doc)
    raw = conn.raw
    question_ids = dict(raw.execute("SELECT key, id FROM questions"))
    rows = []
    for index, m in enumerate(doc.get("mock_answers", [])):
        review = m.get("review")
        if (
            review is not None
            and raw.execute("SELECT 1 FROM reviews WHERE id = ?", (review,)).fetchone() is None
        ):
            raise RecordProblem(f"mock_answers[{index}].review", f"no review {review} in questions[].reviews")
        rows.append(
            (
                m["id"],
                m.get("uid") or ids.mock_answer_uid(m["id"], m["session"], m["position"], m["answered_at"]),
                m["session"],
                question_ids[m["key"]],
                m["position"],
                from_iso(m["answered_at"]),
                m["answer"],
                m.get("follow_up"),
                m.get("follow_up_answer"),
                m["duration_ms"],
                m.get("time_limit_ms"),
                _coverage_json(m.get("coverage")),
                review,
                delivery_json(m.get("delivery")),
                m.get("follow_up_model"),
                m.get("code_runs"),
                m.get("follow_up_ms"),
                m.get("follow_up_limit_ms"),
            )
        )
    raw.executemany(
        "INSERT INTO mock_answers (id, uid, session_id, question_id, position, answered_at, answer,"
        " follow_up, follow_up_answer, duration_ms, time_limit_ms, coverage, review_id, delivery,"
        " follow_up_model, code_runs, follow_up_ms, follow_up_limit_ms)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _aliases(conn: Connection, doc: dict[str, Any]) -> None:
    """The keys renamed questions had (m028), each of a question of the file and no question's own."""
    raw = conn.raw
    question_ids = dict(raw.execute("SELECT key, id FROM questions"))
    rows = []
    for index, alias in enumerate(doc.get("question_aliases", [])):
        where = f"question_aliases[{index}]"
        if alias["question"] not in question_ids:
            raise RecordProblem(f"{where}.question", f"no question {got(alias['question'])} in questions")
        if alias["key"] in question_ids:
            raise RecordProblem(f"{where}.key", f"{got(alias['key'])} is a question's own key")
        rows.append((alias["key"], question_ids[alias["question"]]))
    raw.executemany("INSERT INTO question_aliases (key, question_id) VALUES (?, ?)", rows)


def _stories(conn: Connection, doc: dict[str, Any], counts: dict[str, int]) -> None:
    for story in doc.get("stories", []):
        story_uid = story.get("uid") or ids.story_uid(story["id"], story["created_at"])
        conn.execute(
            text("INSERT INTO stories (id, created_at, uid) VALUES (:id, :t, :uid)"),
            {"id": story["id"], "t": from_iso(story["created_at"]), "uid": story_uid},
        )
        previous = None
        for v in sorted(story["versions"], key=lambda v: v["version"]):
            draft = {part: v.get(part, "") for part in STORY_PARTS}
            uid = v.get("uid") or ids.version_uid(story_uid, v["version"], v["saved_at"])
            insert_version(
                conn,
                story["id"],
                v["version"],
                StoryDraft.from_dict(
                    {"title": v["title"], "competencies": v.get("competencies", []), **draft}
                ),
                datetime.fromisoformat(v["saved_at"]),
                uid,
                v["parent"] if "parent" in v else previous,
            )
            previous = uid
        linked_at = story.get("linked_at", {})  # (a file from before it: links dated at the story's creation)
        for key in story.get("links", []):
            conn.execute(
                text(
                    "INSERT INTO story_links (story_id, question_key, linked_at, uid)"
                    " VALUES (:s, :k, :t, :uid)"
                ),
                {
                    "s": story["id"],
                    "k": key,
                    "t": from_iso(linked_at.get(key) or story["created_at"]),
                    "uid": ids.link_uid(story_uid, key),
                },
            )
        for key, removed_at in story.get("unlinked", {}).items():
            conn.execute(
                text("INSERT INTO story_unlinks (story_id, question_key, removed_at) VALUES (:s, :k, :t)"),
                {"s": story["id"], "k": key, "t": from_iso(removed_at)},
            )
        for ordinal, r in enumerate(story.get("rehearsals", []), start=1):
            conn.execute(
                text(
                    "INSERT INTO rehearsals (story_id, version, rehearsed_at, duration_ms,"
                    " target_ms, uid, transcript, delivery)"
                    " VALUES (:s, :v, :t, :d, :g, :uid, :transcript, :delivery)"
                ),
                {
                    "s": story["id"],
                    "v": r["version"],
                    "t": from_iso(r["rehearsed_at"]),
                    "d": r["duration_ms"],
                    "g": r["target_ms"],
                    "uid": r.get("uid") or ids.rehearsal_uid(story_uid, ordinal, r["rehearsed_at"]),
                    "transcript": r.get("transcript"),
                    "delivery": delivery_json(r.get("delivery")),
                },
            )
        counts["stories"] += 1
