"""What one question of an export becomes on import: checked, and its reviews as staging rows.

:func:`prepare` is the whole of it for one question, the same whether it runs in the importing
process or on a worker (:mod:`mockprep.db.import_workers`); :func:`quick_prepare` makes the same rows
of a line whose reviews (its last field, as the export writes them) have only the common fields, or
declines it. Either runs the checks of
:meth:`~mockprep.core.export_checks.ExportChecker.check_question`, then makes each review a row of
``staging.import_reviews`` (:mod:`mockprep.db.import_staging`) with its answer, coverage and uid in
their stored forms (:mod:`mockprep.db.review_codec`). Reviews with only the common fields (nearly all)
bind fewer values.

The sqlite3 module binds an int, a float, a str or a bytearray directly, but looks for an adapter for
any other value (a bool, bytes, None), which costs about half a microsecond each: in those rows
``cram`` is 0 or 1, a missing value -1 (:data:`NONE`, made NULL by the statement) and stored bytes
a bytearray (4.2 against 2.4 µs a row, staged on their own).
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

import msgspec
from msgspec import Meta, Struct

from mockprep.core import ids
from mockprep.core.delivery import Delivery
from mockprep.core.field_checks import FIRST_YEAR, LAST_YEAR, MAX_INT, refuse_constant
from mockprep.db import review_codec
from mockprep.db.sql import db_us, iso_us

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.core.export_checks import ExportChecker

STAGING = "staging"  # the schema the staging file is attached as (import_staging)
REVIEW_COLUMNS = (
    "id, question_id, session_id, rated_us, rating, state_before, answer,"
    " duration_ms, time_limit_ms, coverage, suggested, grader, proposed, checklist, cram, params_id,"
    " code_runs, code_result, uid, delivery, model, model_proposed, model_suggested, model_errors,"
    " model_failure"
)
STAGE = (
    f"INSERT INTO {STAGING}.import_reviews ({REVIEW_COLUMNS})"
    f" VALUES ({', '.join('?' * (REVIEW_COLUMNS.count(',') + 1))})"
)
# A value the common fields may lack (NULL) is staged as NONE, which no such field can hold (ids are 1
# or more, times 0 or more, a rating 1-4, the texts text or bytes), and the statement makes it NULL: an
# int binds directly. Stored bytes are staged as bytearrays, which bind directly too (and pickle as
# quickly as bytes from a worker with protocol 5: import_workers).
NONE = -1
STAGE_PLAIN = (
    f"INSERT INTO {STAGING}.import_reviews (id, question_id, session_id, rated_us, rating, state_before,"
    " answer, duration_ms, time_limit_ms, coverage, suggested, cram, params_id, uid, grader, proposed,"
    " checklist) VALUES (?, ?, NULLIF(?, -1), ?, ?, ?, ?, ?, NULLIF(?, -1), NULLIF(?, -1), NULLIF(?, -1),"
    " ?, NULLIF(?, -1), ?, NULLIF(?, -1), NULLIF(?, -1), NULLIF(?, -1))"
)


class Prepared(NamedTuple):
    """A checked question (its reviews left out when a worker sends it back), its card, and its reviews
    as rows of ``statement``."""

    question: dict[str, Any]
    card: Card
    statement: str
    rows: list[tuple[Any, ...]]


def prepare(question: dict[str, Any], index: int, checker: ExportChecker) -> Prepared:
    """Check ``question`` (the export's ``index``-th; RecordProblem names what is wrong) and make its
    reviews' rows."""
    card = checker.check_question(question, index)
    qid, key = card.card_id, question["key"]
    if checker.plain is not None:  # the common fields only, read already: fewer values to bind
        return Prepared(question, card, STAGE_PLAIN, plain_rows(checker.plain, qid, key))
    return Prepared(question, card, STAGE, [review_row(r, qid, key) for r in question["reviews"]])


def plain_rows(reviews: list[tuple[Any, ...]], qid: int, key: str) -> list[tuple[Any, ...]]:
    """Reviews as :func:`~mockprep.core.export_checks.plain_review` read them, as rows of
    :data:`STAGE_PLAIN`: the answer, coverage and uid packed (:mod:`mockprep.db.review_codec`)."""
    staged_answer = _staged_answer
    return [
        (
            rid,
            qid,
            NONE if session is None else session,
            iso_us(rated_at),
            rating,
            state,
            staged_answer(answer),
            duration,
            NONE if limit is None else limit,
            NONE if coverage is None else _coverage_of(coverage),
            NONE if suggested is None else suggested,
            1 if cram else 0,  # (an int binds several times faster than a bool: see the module docstring)
            NONE if params is None else params,
            # a uid that plain_review passed is 32 lowercase hex digits: its 16 bytes, as pack_uid gives
            bytearray.fromhex(uid) if uid is not None else _derived_uid(rid, key, rated_at, rating),
            _staged_grader(grader),
            NONE if proposed is None else _verdicts(tuple(proposed)),
            NONE if checklist is None else _verdicts(tuple(checklist)),
        )
        for (
            rid,
            rated_at,
            rating,
            state,
            duration,
            session,
            answer,
            limit,
            coverage,
            suggested,
            cram,
            params,
            uid,
            grader,
            proposed,
            checklist,
        ) in reviews
    ]


def _staged_answer(text: str) -> str | bytearray:
    packed = review_codec.pack_answer(text)
    return packed if type(packed) is str else bytearray(packed)


# A review with only the common fields (what plain_review passes): decoded by msgspec in C, which checks
# each field's type and bounds (2.4 µs a review against 7.9 for json.loads and plain_review); the session
# and parameter set known, a real date and its year are checked in Python (_review_rows), and the rows
# then take about 7 µs more, most of it deflating the answer. What it takes is a subset of what
# plain_review takes (the time only in the export's own form, a uid always given); any other review, or
# a field it does not know, declines the line, which then goes the long way. Like json.loads, a key given
# twice keeps its last value (every copy must pass, or the line is declined). The verdicts and the uid's
# form are those of field_checks.VERDICTS and ids.is_uid (tests/test_import_layout.py holds them equal).
_WHOLE = Annotated[int, Meta(ge=0, le=MAX_INT)]
_VERDICT = Literal["covered", "partly", "missing", "contradicted"]  # (field_checks.VERDICTS)
_EXPORT_TIME = r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?\+00:00\Z"


class _Review(Struct, forbid_unknown_fields=True):
    id: Annotated[int, Meta(ge=1, le=MAX_INT)]
    rated_at: Annotated[str, Meta(pattern=_EXPORT_TIME)]
    rating: Annotated[int, Meta(ge=1, le=4)]
    state_before: Annotated[int, Meta(ge=0, le=3)]
    duration_ms: _WHOLE
    uid: Annotated[str, Meta(pattern=r"\A[0-9a-f]{32}\Z")]  # (ids.is_uid)
    session: int | None = None
    answer: str = ""
    time_limit_ms: _WHOLE | None = None
    coverage: list[bool] | None = None
    suggested: Annotated[int, Meta(ge=1, le=4)] | None = None
    grader: str | None = None
    proposed: list[_VERDICT] | None = None
    checklist: list[_VERDICT] | None = None
    cram: bool | None = None
    params: int | None = None


_REVIEWS = msgspec.json.Decoder(list[_Review])
_REVIEWS_KEY = b', "reviews": ['


def quick_prepare(line: bytes, index: int, checker: ExportChecker) -> Prepared | None:
    """:func:`prepare` of a question's JSON line, for a line whose reviews all have only the common fields
    and pass :func:`~mockprep.core.plain_reviews.plain_review`: the reviews are decoded into typed structs
    by msgspec (:class:`_Review`) instead of parsed into dicts and checked key by key. None for any other
    line (read the long way, which names what is wrong, if anything); the rows are those
    :func:`prepare` makes of it, and the question's own fields are checked as it checks them."""
    if b"\\ud" in line or b"\\uD" in line:  # perhaps a lone surrogate: the long way refuses it
        return None
    # "reviews" is the export's last key: the text before it is the rest of the question's object (a
    # '"' is escaped inside a string, so this is no string's text; a nested "reviews" leaves braces open)
    fields, found, log = line.strip(b" \t\r\n").rpartition(_REVIEWS_KEY)
    if not found or not log.endswith(b"]}"):
        return None
    try:
        question = json.loads(fields + b"}", parse_constant=refuse_constant)
        qid = question["card"]["card_id"]
    except (ValueError, TypeError, KeyError):  # (a UnicodeDecodeError is a ValueError)
        return None
    if type(qid) is not int:
        return None
    rows = _review_rows(b"[" + log[:-1], qid, checker.sessions, checker.params)
    if rows is None:
        return None
    question["reviews"] = []  # (read already: check_question checks the question's own fields)
    card = checker.check_question(question, index)
    return Prepared(question, card, STAGE_PLAIN, rows)


def _review_rows(
    log: bytes, qid: int, sessions: set[int], params_known: frozenset[int] | set[int]
) -> list[tuple[Any, ...]] | None:
    """The rows of :data:`STAGE_PLAIN` of a review log's JSON list, or None where any review is not one
    :class:`_Review` takes or plain_review would not pass it."""
    try:
        reviews = _REVIEWS.decode(log)
    except msgspec.MsgspecError:  # not JSON, or a review it does not take
        return None
    rows: list[tuple[Any, ...]] = []
    staged_answer, moment_of, coverage_of, verdicts_of = (
        _staged_answer,
        datetime.fromisoformat,
        _coverage_of,
        _verdicts,
    )
    for r in reviews:
        session, params, coverage, proposed, checklist = (
            r.session,
            r.params,
            r.coverage,
            r.proposed,
            r.checklist,
        )
        if (
            session is not None
            and session not in sessions
            or params is not None
            and params not in params_known
        ):
            return None
        try:
            moment = moment_of(r.rated_at)
        except ValueError:  # a date or a time of day that does not exist (month 13, second 60)
            return None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            return None
        rows.append(
            (
                r.id,
                qid,
                NONE if session is None else session,
                db_us(moment),
                r.rating,
                r.state_before,
                staged_answer(r.answer),
                r.duration_ms,
                NONE if r.time_limit_ms is None else r.time_limit_ms,
                NONE if coverage is None else coverage_of(tuple(coverage)),
                NONE if r.suggested is None else r.suggested,
                1 if r.cram else 0,
                NONE if params is None else params,
                bytearray.fromhex(r.uid),
                _staged_grader(r.grader),
                NONE if proposed is None else verdicts_of(tuple(proposed)),
                NONE if checklist is None else verdicts_of(tuple(checklist)),
            )
        )
    return rows


@functools.lru_cache(maxsize=1024)  # a few names, a few thousand verdict lists, among a million reviews
def _staged_grader(name: str | None) -> bytearray | str | int:
    packed = review_codec.pack_grader(name)
    return NONE if packed is None else bytearray(packed) if type(packed) is bytes else packed


@functools.lru_cache(maxsize=4096)
def _verdicts(verdicts: tuple[str, ...]) -> str | None:
    return review_codec.pack_verdicts(list(verdicts))


def _derived_uid(rid: int, key: str, rated_at: str, rating: int) -> bytearray:
    """The stored uid of a review the export gives none (files from before uids), as staged."""
    return bytearray(review_codec.pack_uid(ids.review_uid(rid, key, rated_at, rating)))


def review_row(r: dict[str, Any], qid: int, key: str) -> tuple[Any, ...]:
    """A review as a row of :data:`STAGE` (:data:`REVIEW_COLUMNS`)."""
    return (
        r["id"],
        qid,
        r.get("session"),
        iso_us(r["rated_at"]),
        r["rating"],
        r["state_before"],
        review_codec.pack_answer(r.get("answer", "")),
        r["duration_ms"],
        r.get("time_limit_ms"),
        _coverage(r.get("coverage")),
        r.get("suggested"),
        review_codec.pack_grader(r.get("grader")),
        review_codec.pack_verdicts(r.get("proposed")),
        review_codec.pack_verdicts(r.get("checklist")),
        1 if r.get("cram") else 0,
        r.get("params"),
        r.get("code_runs"),
        None if r.get("code_result") is None else json.dumps(r["code_result"], sort_keys=True),
        review_codec.pack_uid(r.get("uid") or ids.review_uid(r["id"], key, r["rated_at"], r["rating"])),
        delivery_json(r.get("delivery")),
        r.get("model"),
        review_codec.pack_verdicts(r.get("model_proposed")),
        r.get("model_suggested"),
        _list_json(r.get("model_errors")),
        r.get("model_failure"),
    )


@functools.cache
def _coverage_of(coverage: tuple[bool, ...]) -> str | None:
    return review_codec.pack_coverage(coverage)


def _coverage(coverage: list[bool] | None) -> str | None:
    """A review's coverage in its stored form (m015), each distinct list packed once."""
    return None if coverage is None else _coverage_of(tuple(coverage))


def delivery_json(delivery: dict[str, Any] | None) -> str | None:
    """A spoken answer's delivery (checked already) in its stored form."""
    return None if delivery is None else json.dumps(Delivery.from_dict(delivery).to_dict())


def _list_json(value: list[str] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
