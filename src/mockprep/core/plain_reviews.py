"""The quick test of an exported review with only the fields a session writes (nearly all of a
million), which :class:`~mockprep.core.export_checks.ExportChecker` runs before the full one: the rules
of :func:`~mockprep.core.field_checks.check_fields` for those fields, inlined and read once. A review
it does not pass is checked field by field, which names what is wrong, if anything (a test holds the
two to the same verdicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockprep.core.field_checks import FIRST_YEAR, LAST_YEAR, MAX_INT, VERDICTS, text, time
from mockprep.core.ids import is_uid

_BOOL = {bool}
_STR = {str}


# What :func:`plain_review` gives for a review, in this order (a review without an answer has "").
PLAIN_FIELDS = (
    "id",
    "rated_at",
    "rating",
    "state_before",
    "duration_ms",
    "session",
    "answer",
    "time_limit_ms",
    "coverage",
    "suggested",
    "cram",
    "params",
    "uid",
    "grader",
    "proposed",
    "checklist",
)
# The fields of a review but a code answer's, a spoken answer's and a language model's (checked field
# by field): the export's REVIEW fields that plain_review reads.
PLAIN_KEYS = frozenset(PLAIN_FIELDS)


def plain_review(
    r: Any, sessions: set[int], known_params: frozenset[int] | set[int] = frozenset()
) -> tuple[Any, ...] | None:
    """The values of a review (:data:`PLAIN_FIELDS`; coverage as a tuple, cram as a bool) when
    :data:`REVIEW` accepts it, its session is known and it has only the common fields; else None (the
    full check then says what is wrong, if anything). The rules of :func:`check_fields`, inlined and
    read once: an export holds a million reviews."""
    if type(r) is not dict or not r.keys() <= PLAIN_KEYS:
        return None  # a grading field (even null) is checked field by field
    rid, rating, state, duration = r.get("id"), r.get("rating"), r.get("state_before"), r.get("duration_ms")
    if not (
        type(rid) is int
        and type(rating) is int
        and type(state) is int
        and type(duration) is int
        and 1 <= rid <= MAX_INT
        and 1 <= rating <= 4
        and 0 <= state <= 3
        and 0 <= duration <= MAX_INT
    ):
        return None
    session, limit, suggested = r.get("session"), r.get("time_limit_ms"), r.get("suggested")
    if session is not None and not (type(session) is int and session in sessions):
        return None
    if limit is not None and not (type(limit) is int and 0 <= limit <= MAX_INT):
        return None
    if suggested is not None and not (type(suggested) is int and 1 <= suggested <= 4):
        return None
    coverage = r.get("coverage")
    if coverage is not None:
        if type(coverage) is not list or not set(map(type, coverage)) <= _BOOL:
            return None
        coverage = tuple(coverage)
    params, cram = r.get("params"), r.get("cram")
    if params is not None and not (type(params) is int and params in known_params):
        return None
    if cram is not None and type(cram) is not bool:
        return None
    uid = r.get("uid")
    if "uid" in r and not is_uid(uid):
        return None
    answer, rated_at = r.get("answer", ""), r.get("rated_at")
    if not (type(answer) is str and answer.isascii() or text(answer) is None) or not _plain_time(rated_at):
        return None
    # what a session stores with each rating: the grader's name, its verdicts, the checklist confirmed
    grader, proposed, checklist = r.get("grader"), r.get("proposed"), r.get("checklist")
    if grader is not None and not (type(grader) is str and grader.isascii() or text(grader) is None):
        return None
    if proposed is not None and (type(proposed) is not list or not _verdict_list(proposed)):
        return None
    if checklist is not None and (type(checklist) is not list or not _verdict_list(checklist)):
        return None
    values = (rid, rated_at, rating, state, duration, session, answer, limit, coverage, suggested)
    return (*values, cram is True, params, uid, grader, proposed, checklist)


def _verdict_list(values: list[Any]) -> bool:
    """:func:`~mockprep.core.field_checks.verdicts` of a list, quicker."""
    return set(map(type, values)) <= _STR and set(values) <= VERDICTS


def _plain_time(value: Any) -> bool:
    """:func:`time` for the form exports write (``2026-03-02T09:00:00.123456+00:00``), quicker."""
    if type(value) is str and len(value) == 32 and value.endswith("+00:00"):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return FIRST_YEAR <= int(value[:4]) <= LAST_YEAR
    return time(value) is None
