"""Restoring an export: every section inserted in one transaction, the review log in bulk."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fsrs import Card
from sqlalchemy import text

from mockprep.core.stories import StoryDraft
from mockprep.db.sql import db_time, from_iso
from mockprep.db.stories import STORY_FIELDS, insert_version

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mockprep.db.store import Store


class ImportRefused(Exception):
    """An import that would overwrite history; the message says why."""


def import_all(
    store: Store, doc: dict[str, Any], questions: Iterable[dict[str, Any]] | None = None
) -> dict[str, int]:
    """Restore an export into a home without history, in one transaction.

    ``doc`` holds the export's fields; the questions come from ``doc["questions"]`` or, streamed,
    from ``questions``. A wrong field raises (KeyError, TypeError, ValueError) and nothing is written.
    """
    if questions is None:
        questions = doc["questions"]
    if store.bulk.has_history():
        raise ImportRefused(
            f"{store.path} already holds reviews or sessions; import only into an empty home "
            "(set MOCKPREP_HOME to a new folder, or move the database away first)"
        )
    counts = {"banks": 0, "questions": 0, "reviews": 0, "sessions": 0}
    with store.write() as conn:
        for table in ("stories", "mock_answers", "cards", "questions", "banks", "bank_sources"):
            conn.execute(text(f"DELETE FROM {table}"))
        _banks_and_sessions(conn, doc, counts)
        ids = _questions(conn, questions, counts)
        _mock_answers(conn, doc, ids)
        _stories(conn, doc, counts)
    return counts


def _banks_and_sessions(conn: Connection, doc: dict[str, Any], counts: dict[str, int]) -> None:
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
    for s in doc["bank_sources"]:
        conn.execute(
            text("INSERT INTO bank_sources (path, added_at) VALUES (:path, :added_at)"),
            {"path": s["path"], "added_at": from_iso(s["added_at"])},
        )
    for s in doc["sessions"]:
        conn.execute(
            text(
                "INSERT INTO sessions (id, kind, started_at, ended_at, status, filters, pid,"
                " round, minutes)"
                " VALUES (:id, :kind, :started_at, :ended_at, :status, :filters, NULL,"
                " :round, :minutes)"
            ),
            {
                **s,
                "round": s.get("round"),
                "minutes": s.get("minutes"),
                "started_at": from_iso(s["started_at"]),
                "ended_at": from_iso(s["ended_at"]),
                "filters": json.dumps(s["filters"], sort_keys=True),
            },
        )
        counts["sessions"] += 1


def _questions(
    conn: Connection, questions: Iterable[dict[str, Any]], counts: dict[str, int]
) -> dict[str, int]:
    """Questions, cards and reviews; returns the question id of each key."""
    ids: dict[str, int] = {}
    raw = conn.connection.driver_connection  # executemany: a million reviews in seconds
    # Reviews arrive grouped by question, so their ids are out of order: stage them in an
    # unindexed table and copy them across in id order, which keeps every B-tree append-only.
    raw.execute("CREATE TEMP TABLE import_reviews AS SELECT * FROM reviews WHERE 0")
    for q in questions:
        card = Card.from_dict(q["card"])
        ids[q["key"]] = card.card_id
        qid = card.card_id
        raw.execute(
            "INSERT INTO questions (id, key, bank_id, round, topic, difficulty, kind, roles,"
            " competencies, data, added_at, retired_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                qid,
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
                from_iso(q["retired_at"]),
            ),
        )
        raw.execute(
            "INSERT INTO cards (question_id, state, step, stability, difficulty, due, last_review)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                qid,
                card.state.value,
                card.step,
                card.stability,
                card.difficulty,
                db_time(card.due),
                db_time(card.last_review) if card.last_review else None,
            ),
        )
        counts["questions"] += 1
        raw.executemany(
            "INSERT INTO temp.import_reviews (id, question_id, session_id, rated_at, rating,"
            " state_before, answer,"
            " duration_ms, time_limit_ms, coverage, suggested) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    r["id"],
                    qid,
                    r["session"],
                    from_iso(r["rated_at"]),
                    r["rating"],
                    r["state_before"],
                    r["answer"],
                    r["duration_ms"],
                    r.get("time_limit_ms"),
                    None if r.get("coverage") is None else json.dumps(r["coverage"]),
                    r.get("suggested"),
                )
                for r in q["reviews"]
            ],
        )
        counts["reviews"] += len(q["reviews"])
    # Building the indexes once, after the rows, beats updating them row by row.
    indexes = raw.execute(
        "SELECT name, sql FROM sqlite_master"
        " WHERE type = 'index' AND tbl_name = 'reviews' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    raw.execute("INSERT INTO main.reviews SELECT * FROM temp.import_reviews ORDER BY id")
    raw.execute("DROP TABLE temp.import_reviews")
    for _name, sql in indexes:
        raw.execute(sql)
    return ids


def _mock_answers(conn: Connection, doc: dict[str, Any], ids: dict[str, int]) -> None:
    for m in doc.get("mock_answers", []):
        conn.execute(
            text(
                "INSERT INTO mock_answers (id, session_id, question_id, position, answered_at,"
                " answer, follow_up, follow_up_answer, duration_ms, time_limit_ms, coverage,"
                " review_id) VALUES (:id, :session, :q, :position, :answered_at, :answer,"
                " :follow_up, :follow_up_answer, :duration_ms, :time_limit_ms, :coverage, :review)"
            ),
            {
                **m,
                "q": ids[m["key"]],
                "answered_at": from_iso(m["answered_at"]),
                "coverage": None if m["coverage"] is None else json.dumps(m["coverage"]),
            },
        )


def _stories(conn: Connection, doc: dict[str, Any], counts: dict[str, int]) -> None:
    for story in doc.get("stories", []):
        conn.execute(
            text("INSERT INTO stories (id, created_at) VALUES (:id, :t)"),
            {"id": story["id"], "t": from_iso(story["created_at"])},
        )
        for v in story["versions"]:
            insert_version(
                conn,
                story["id"],
                v["version"],
                StoryDraft.from_dict({f: v[f] for f in STORY_FIELDS}),
                datetime.fromisoformat(v["saved_at"]),
            )
        for key in story["links"]:
            conn.execute(
                text("INSERT INTO story_links (story_id, question_key, linked_at) VALUES (:s, :k, :t)"),
                {"s": story["id"], "k": key, "t": from_iso(story["created_at"])},
            )
        for r in story["rehearsals"]:
            conn.execute(
                text(
                    "INSERT INTO rehearsals (story_id, version, rehearsed_at, duration_ms,"
                    " target_ms) VALUES (:s, :v, :t, :d, :g)"
                ),
                {
                    "s": story["id"],
                    "v": r["version"],
                    "t": from_iso(r["rehearsed_at"]),
                    "d": r["duration_ms"],
                    "g": r["target_ms"],
                },
            )
        counts["stories"] = counts.get("stories", 0) + 1
