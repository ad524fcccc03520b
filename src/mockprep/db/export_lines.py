"""The bulk of an export: each question, with its card and reviews, as one line of JSON.

The lines are made here for :meth:`mockprep.db.bulk.Bulk.export_sections`, by this process or, for a
large history, in pieces by worker processes reading the same snapshot
(:mod:`mockprep.db.snapshot_workers`): :func:`ranges` splits the questions into runs of about
:data:`PIECE` reviews, and :func:`piece` makes one run's lines.
"""

from __future__ import annotations

import itertools
import json
import operator
import sqlite3
from collections.abc import Iterator
from typing import Any

from fsrs import Card, State

from mockprep.db import review_codec
from mockprep.db.sql import from_db_time, iso

EXPORT_MMAP = 1 << 30  # bytes of the database file an export maps into memory (address space, not RAM)
PIECE = 10_000  # reviews a worker's piece holds: a few megabytes of JSON
WORKERS_FROM = 200_000  # reviews from which workers pay for their start (about 0.3 s of CPU each)


def ranges(raw: sqlite3.Connection) -> list[tuple[int | None, int | None]]:
    """Runs of questions of about :data:`PIECE` reviews each, as (after, upto] bounds on their ids, in
    order and covering every question."""
    from mockprep.db.snapshot_workers import sampled_cuts

    query = "SELECT question_id FROM reviews WHERE id IN (SELECT value FROM json_each(?))"
    return list(itertools.pairwise([None, *sampled_cuts(raw, query, PIECE), None]))


def piece(raw: sqlite3.Connection, after: int | None, upto: int | None) -> tuple[bytes, int, int]:
    """The lines of the questions in (after, upto], joined as the export writes them and encoded as
    UTF-8 (by a worker, perhaps, so the writing process only copies them), with how many questions
    and reviews they hold."""
    raw.execute(f"PRAGMA mmap_size = {EXPORT_MMAP}")
    lines = []
    reviews = 0
    for line, count in question_lines(raw, after, upto):
        lines.append(line)
        reviews += count
    return ",\n  ".join(lines).encode("utf-8"), len(lines), reviews


def question_lines(
    raw: sqlite3.Connection, after: int | None = None, upto: int | None = None
) -> Iterator[tuple[str, int]]:
    """Each question with its card and reviews as one line of JSON, and how many reviews it holds:
    a merge of two ordered cursors, so memory stays flat. With ``after`` and ``upto``, only the questions
    whose id is above ``after`` and at most ``upto`` (either bound left out when None).

    SQLite writes each review's JSON (:data:`_REVIEW_JSON`) in exactly the form ``json.dumps``
    gives its dict; Python only joins them. A review whose stored values are not in the usual
    shapes (a grader's verdicts, a delivery, an unusual time) is built the general way instead.
    """
    from mockprep.db.snapshot_workers import range_clause

    where, bounds = range_clause("q.id", after, upto)
    questions = raw.cursor()
    questions.row_factory = sqlite3.Row
    questions.execute(
        "SELECT q.*, c.state, c.step, c.stability, c.difficulty AS card_difficulty, c.due, c.last_review,"
        f" {', '.join('c.' + m for m in MARKS)} FROM questions q JOIN cards c ON c.question_id = q.id"
        f"{where} ORDER BY q.id",
        bounds,
    )
    of_reviews, _ = range_clause("question_id", after, upto)
    reviews = raw.execute(_REVIEW_JSON.replace("{where}", of_reviews), bounds)
    coverages: dict[str | None, str] = {None: "null"}  # stored text -> its JSON: a handful of values
    gradings: dict[tuple[str | None, ...], str] = {}  # (grader, proposal, checklist) -> its JSON: a few
    groups = itertools.groupby(reviews, key=operator.itemgetter(0))
    group = next(groups, None)
    for r in questions:
        while group is not None and group[0] < r["id"]:
            group = next(groups, None)  # reviews of a question that no longer exists (cannot happen)
        log: list[str] = []
        if group is not None and group[0] == r["id"]:
            for _qid, rid, head, coverage, suggested, *grading, tail in group[1]:
                if head is None:
                    log.append(json.dumps(review(raw, rid), ensure_ascii=False))
                    continue
                shown = coverages.get(coverage)
                if shown is None:
                    shown = coverages[coverage] = review_codec.coverage_json(coverage)
                key = tuple(grading)
                graded = gradings.get(key)
                if graded is None:
                    graded = gradings[key] = _grading_json(*key)
                log.append(f"{head}{shown}{suggested}{graded}{tail}")
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


def review(raw: sqlite3.Connection, rid: int) -> dict[str, Any]:
    """One review as the export's dict, built field by field (the general form)."""
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
        **spoken(row["delivery"]),
    }


_VERDICT_LISTS = ("proposed", "checklist")
_LAST_US = 253_402_300_799_999_999  # 9999-12-31 23:59:59.999999 UTC, in microseconds since 1970
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
        # a time from 1970 to the year 9999, which _ISO writes as iso() does (rated_at, the generated
        # column, is worked out again at every mention: it took a third of the query's time)
        f"typeof(rated_us) = 'integer' AND rated_us BETWEEN 0 AND {_LAST_US}",
        # a grader's name, and its proposal and the checklist in m019's form (a handful of values)
        "typeof(grader) IN ('text', 'blob', 'null')",
        *(f"(typeof({c}) = 'null' OR typeof({c}) = 'text' AND {c} NOT LIKE '[%')" for c in _VERDICT_LISTS),
        *(
            f"{c} IS NULL"
            for c in ("code_runs", "code_result", "model")
            + ("model_proposed", "model_suggested", "model_errors", "delivery")
        ),
    ]
)
# The stored answer and id as their text (m015: a deflated answer, an id's 16 bytes).
_ANSWER = review_codec.SQL_ANSWER.format("answer")
_UID = review_codec.SQL_UID.format("uid")
# iso() of the stored time, from its microseconds: isoformat() leaves out microseconds that are all zero.
_ISO = (
    "strftime('%Y-%m-%dT%H:%M:%S', rated_us / 1000000, 'unixepoch') || CASE WHEN rated_us % 1000000 = 0"
    " THEN '' ELSE printf('.%06d', rated_us % 1000000) END || '+00:00'"
)
# Each review in question order as the JSON text json.dumps(..., ensure_ascii=False) makes of its dict
# (json_quote escapes exactly as json.dumps does; a test holds them to it): the text up to the
# coverage, the stored coverage, the suggested rating, the grader's name, proposal and checklist as
# stored (Python writes their JSON once per distinct value), the rest. NULL for a review outside
# _PLAIN_REVIEW.
_REVIEW_JSON = f"""
SELECT question_id, id,
    CASE WHEN {_PLAIN_REVIEW} THEN printf(
        '{{"id": %d, "rated_at": "%s", "rating": %d, "state_before": %d, "duration_ms": %d,'
        || ' "session": %s, "answer": %s, "time_limit_ms": %s, "coverage": ',
        id, {_ISO}, rating, state_before, duration_ms, coalesce(session_id, 'null'), json_quote({_ANSWER}),
        coalesce(time_limit_ms, 'null')) END,
    coverage,
    ', "suggested": ' || coalesce(suggested, 'null'),
    grader, proposed, checklist,
    printf('%s%s, "uid": %s}}',
        CASE WHEN cram THEN ', "cram": true' ELSE '' END,
        CASE WHEN params_id IS NULL THEN '' ELSE ', "params": ' || params_id END, json_quote({_UID}))
FROM reviews{{where}} ORDER BY question_id, rated_us, id
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
            if field in _VERDICT_FIELDS:
                value = review_codec.verdict_list(value)
            elif field == "grader":
                value = review_codec.grader_name(value)
            out[field] = json.loads(value) if field in _JSON_FIELDS else value
    return out


def _grading_json(grader: str | None, proposed: str | None, checklist: str | None) -> str:
    """The export's text for a grader's name, proposal and checklist as stored, as json.dumps writes
    them inside the review's dict (the fields of :func:`_grading` that _PLAIN_REVIEW lets through)."""
    stored = dict.fromkeys(_GRADING_FIELDS) | {"grader": grader, "proposed": proposed, "checklist": checklist}
    graded = _grading(stored)
    return ", " + json.dumps(graded, ensure_ascii=False)[1:-1] if graded else ""


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
_VERDICT_FIELDS = {"proposed", "checklist", "model_proposed"}  # m019: one character per key point
_JSON_FIELDS = {"code_result", "model_errors"}


def _scheduling(review: Any) -> dict[str, Any]:
    """Whether a review was a cram one, and the scheduler parameters it used, when known (m008)."""
    out: dict[str, Any] = {}
    if review["cram"]:
        out["cram"] = True
    if review["params_id"] is not None:
        out["params"] = review["params_id"]
    return out


def spoken(delivery: str | None) -> dict[str, Any]:
    """A spoken answer's delivery, when it has one (m011)."""
    return {} if delivery is None else {"delivery": json.loads(delivery)}
