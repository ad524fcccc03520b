"""What one question of an export becomes on import: checked, and its reviews as staging rows.

:func:`prepare` is the whole of it for one question, the same whether it runs in the importing
process or on a worker (:mod:`mockprep.db.import_workers`): the checks of
:meth:`~mockprep.core.export_checks.ExportChecker.check_question`, then each review as a row of
``staging.import_reviews`` (:mod:`mockprep.db.import_staging`) with its answer, coverage and uid in
their stored forms (:mod:`mockprep.db.review_codec`). Reviews with only the common fields (nearly all)
bind fewer values.

The sqlite3 module binds an int, a float, a str or a bytearray directly, but looks for an adapter for
any other value (a bool, bytes, None), which costs about half a microsecond each: ``cram`` is bound as
0 or 1 (its stored value either way), 0.4 µs a review of the ~5 of binding it.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, NamedTuple

from mockprep.core import ids
from mockprep.core.delivery import Delivery
from mockprep.db import review_codec
from mockprep.db.sql import iso_us

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.core.export_checks import ExportChecker

STAGING = "staging"  # the schema the staging file is attached as (import_staging)
REVIEW_COLUMNS = (
    "id, question_id, session_id, rated_us, rating, state_before, answer,"
    " duration_ms, time_limit_ms, coverage, suggested, grader, proposed, checklist, cram, params_id,"
    " code_runs, code_result, uid, delivery, model, model_proposed, model_suggested, model_errors"
)
STAGE = (
    f"INSERT INTO {STAGING}.import_reviews ({REVIEW_COLUMNS})"
    f" VALUES ({', '.join('?' * (REVIEW_COLUMNS.count(',') + 1))})"
)
STAGE_PLAIN = (
    f"INSERT INTO {STAGING}.import_reviews (id, question_id, session_id, rated_us, rating, state_before,"
    " answer, duration_ms, time_limit_ms, coverage, suggested, cram, params_id, uid, grader, proposed,"
    " checklist) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
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
    pack, coverage_of = review_codec.pack_answer, _coverage_of
    return [
        (
            rid,
            qid,
            session,
            iso_us(rated_at),
            rating,
            state,
            pack(answer),
            duration,
            limit,
            None if coverage is None else coverage_of(coverage),
            suggested,
            1 if cram else 0,  # (an int binds several times faster than a bool: see the module docstring)
            params,
            # a uid that plain_review passed is 32 lowercase hex digits: its 16 bytes, as pack_uid gives
            bytes.fromhex(uid) if uid is not None else _derived_uid(rid, key, rated_at, rating),
            _grader(grader),
            None if proposed is None else _verdicts(tuple(proposed)),
            None if checklist is None else _verdicts(tuple(checklist)),
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


@functools.lru_cache(maxsize=1024)  # a few names, a few thousand verdict lists, among a million reviews
def _grader(name: str | None) -> bytes | str | None:
    return review_codec.pack_grader(name)


@functools.lru_cache(maxsize=4096)
def _verdicts(verdicts: tuple[str, ...]) -> str | None:
    return review_codec.pack_verdicts(list(verdicts))


def _derived_uid(rid: int, key: str, rated_at: str, rating: int) -> Any:
    """The stored uid of a review the export gives none (files from before uids)."""
    return review_codec.pack_uid(ids.review_uid(rid, key, rated_at, rating))


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
