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
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring  # (json.dumps of a str, ensure_ascii=False)
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

    Each review's JSON is written from its stored values by one f-string, in exactly the form
    ``json.dumps`` gives its dict (:func:`review`); a review whose stored values are not in the shapes
    mockprep writes (a code answer's runs, a model's verdict, a delivery, a value of another type, a
    time outside 1970-9999) is built that general way instead.
    """
    from mockprep.db.snapshot_workers import range_clause

    where, bounds = range_clause("q.id", after, upto)
    questions = raw.cursor()
    questions.row_factory = sqlite3.Row
    questions.execute(
        "SELECT q.*, c.state, c.step, c.stability, c.difficulty AS card_difficulty, c.due, c.last_review,"
        f" {', '.join('c.' + m for m in MARKS + STAMPS)}"
        f" FROM questions q JOIN cards c ON c.question_id = q.id{where} ORDER BY q.id",
        bounds,
    )
    of_reviews, _ = range_clause("question_id", after, upto)
    reviews = raw.execute(_REVIEWS.replace("{where}", of_reviews), bounds)
    coverages: dict[Any, str | bool] = {None: "null"}  # stored value -> its JSON (False: not plain)
    gradings: dict[tuple[Any, ...], str | bool] = {}  # (grader, proposal, checklist) -> JSON, or False
    iso_of, unpack, quoted = _iso_writer(), review_codec.answer_text, encode_basestring
    groups = itertools.groupby(reviews, key=operator.itemgetter(0))
    group = next(groups, None)
    for r in questions:
        while group is not None and group[0] < r["id"]:
            group = next(groups, None)  # reviews of a question that no longer exists (cannot happen)
        log: list[str] = []
        if group is not None and group[0] == r["id"]:
            for row in group[1]:
                (_qid, rid, rare, us, rating, state, ms, session, answer, limit, coverage, suggested,
                 grader, proposed, checklist, cram, params, uid) = row  # fmt: skip
                shown = coverages.get(coverage)
                if shown is None:
                    shown = coverages[coverage] = _coverage_json(coverage)
                key = (grader, proposed, checklist)
                graded = gradings.get(key)
                if graded is None:
                    graded = gradings[key] = _grading_json(*key)
                if (
                    rare is not None
                    or shown is False
                    or graded is False
                    or tuple(map(type, row[3:10])) + (type(suggested), type(cram), type(params))
                    not in _PLAIN_SHAPES
                    or type(uid) not in _TEXT_OR_BYTES
                    or not 0 <= us <= _LAST_US
                ):
                    log.append(json.dumps(review(raw, rid), ensure_ascii=False))
                    continue
                log.append(
                    f'{{"id": {rid}, "rated_at": "{iso_of(us)}", "rating": {rating}, "state_before": {state},'
                    f' "duration_ms": {ms}, "session": {"null" if session is None else session},'
                    f' "answer": {quoted(answer if type(answer) is str else unpack(answer))},'
                    f' "time_limit_ms": {"null" if limit is None else limit}, "coverage": {shown},'
                    f' "suggested": {"null" if suggested is None else suggested}{graded}'
                    f"{_CRAM if cram else ''}{'' if params is None else _PARAMS + str(params)}"
                    f', "uid": {_uid_json(uid)}}}'
                )
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


_LAST_US = 253_402_300_799_999_999  # 9999-12-31 23:59:59.999999 UTC, in microseconds since 1970
# Each review in question order with its stored values, and first any value of the fields only code
# answers, models' verdicts and spoken answers have (those go the general way). The time is read as
# rated_us: rated_at, a generated column, is worked out again at each mention.
_REVIEWS = """
SELECT question_id, id,
    coalesce(code_runs, code_result, model, model_proposed, model_suggested, model_errors, model_failure,
        delivery),
    rated_us, rating, state_before, duration_ms, session_id, answer, time_limit_ms, coverage, suggested,
    grader, proposed, checklist, cram, params_id, uid
FROM reviews{where} ORDER BY question_id, rated_us, id
"""
# The types of (rated_us, rating, state_before, duration_ms, session_id, answer, time_limit_ms,
# suggested, cram, params_id) that mockprep writes: whole numbers, some of them NULL, and the answer as
# text or deflated (m015).
_OPTIONAL = (int, type(None))
_PLAIN_SHAPES = frozenset(
    itertools.product((int,), (int,), (int,), (int,), _OPTIONAL, (str, bytes), *[_OPTIONAL] * 4)
)
# A uid (16 bytes: m015; or text from before) or a grader's name (text, or one byte: m019), or NULL.
_TEXT_OR_BYTES = frozenset({bytes, str, type(None)})
_CRAM, _PARAMS = ', "cram": true', ', "params": '
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_US = 86_400_000_000
_CLOCK = [f"T{hour:02d}:{minute:02d}:" for hour in range(24) for minute in range(60)]
_TWO_DIGITS = [f"{n:02d}" for n in range(100)]
_THREE_DIGITS = [f"{n:03d}" for n in range(1000)]


def _iso_writer() -> Callable[[int], str]:
    """``iso(us)``: a stored time (microseconds since 1970, UTC, up to the year 9999) as iso() writes it,
    each day's date made once."""
    days: dict[int, str] = {}

    def iso(us: int) -> str:
        day = days.get(us // _DAY_US)
        if day is None:
            day = days[us // _DAY_US] = (_EPOCH + timedelta(days=us // _DAY_US)).strftime("%Y-%m-%d")
        second, fraction = divmod(us, 1_000_000)
        text = day + _CLOCK[second // 60 % 1440] + _TWO_DIGITS[second % 60]
        if fraction:  # isoformat() leaves out microseconds that are all zero
            return f"{text}.{_THREE_DIGITS[fraction // 1000]}{_THREE_DIGITS[fraction % 1000]}+00:00"
        return text + "+00:00"

    return iso


def _uid_json(uid: bytes | str | None) -> str:
    """A stored uid's JSON: its 16 bytes as 32 hex digits, text as it is."""
    if type(uid) is bytes:
        return f'"{uid.hex()}"'
    return "null" if uid is None else encode_basestring(uid)


def _coverage_json(coverage: Any) -> str | bool:
    """A stored coverage's JSON, written once per distinct value; False for one of another type."""
    return review_codec.coverage_json(coverage) if type(coverage) is str else False


MARKS = ("suspended_at", "suspended_by", "buried_until", "flagged_at")
STAMPS = ("suspended_changed_at", "buried_changed_at", "flagged_changed_at")


def _marks(row: Any) -> dict[str, Any]:
    """A question's marks (suspended, buried, flagged), when it has any or one has changed, with when
    each last changed (``changed``, as a sync line carries them: a merge takes each mark changed later
    than its own, so a flag removed after a backup is removed by merging back what the backup lacks)."""
    if all(row[m] is None for m in MARKS + STAMPS):
        return {}
    marks = {m: row[m] if m == "suspended_by" else iso(row[m]) for m in MARKS}
    changed = {s.removesuffix("_changed_at"): row[s] for s in STAMPS if row[s] is not None}
    return {"marks": marks | ({"changed": changed} if changed else {})}


def _grading(review: Any) -> dict[str, Any]:
    """The grader's proposal and the confirmed checklist of a review, when it has them (m007), a code
    answer's runs and final result (m009), and a language model's verdict beside them (m012) or why it
    gave none (m029)."""
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


def _grading_json(grader: Any, proposed: Any, checklist: Any) -> str | bool:
    """The export's text for a grader's name, proposal and checklist as stored, as json.dumps writes
    them inside the review's dict; False when they are not in the forms a session stores (a name as
    text or one byte, verdicts as one character each: m019)."""
    if type(grader) not in _TEXT_OR_BYTES or any(
        v is not None and (type(v) is not str or v.startswith("[")) for v in (proposed, checklist)
    ):
        return False
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
    "model_failure",
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
