"""Whether a sync line's event can be merged: every field its kind reads holds a value of the right type
and range. A line that cannot is skipped and named (the field and what is wrong), so one bad line in a
device's file never stops the sync of the rest (a merge that met it would fail as a whole)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from mockprep.core.delivery import Delivery
from mockprep.core.field_checks import STORY_PARTS

_INT64 = 2**63


class _Wrong(Exception):
    """A field's value cannot be merged; the message names the field and why."""


Check = Callable[[str, Any], None]


def event_problem(event: dict[str, Any]) -> str | None:
    """None when ``event`` can be merged, else one field that is wrong and why (``rating: 7 is not 1-4``).
    An event of a kind this version does not know passes: the merge leaves it alone."""
    try:
        _text("t", event.get("t"))
        _text("uid", event.get("uid"))
        fields = _KINDS.get(event["t"])
        if fields is not None:
            _fields("", event, fields)
    except _Wrong as wrong:
        return str(wrong)
    return None


def _fields(prefix: str, record: Any, fields: dict[str, Check]) -> None:
    if not isinstance(record, dict):
        raise _Wrong(f"{prefix.rstrip('.')}: {_shown(record)} is not an object")
    for name, check in fields.items():
        check(prefix + name, record.get(name))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _text(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise _Wrong(f"{name}: {_shown(value)} is not text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Wrong(f"{name}: holds a character that is not text (a lone surrogate)") from None


def _time(name: str, value: Any) -> None:
    _text(name, value)
    try:
        moment = datetime.fromisoformat(value)
        moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise _Wrong(f"{name}: {_shown(value)} is not a time ({exc})") from None
    if moment.tzinfo is None:
        raise _Wrong(f"{name}: {_shown(value)} has no UTC offset")
    if not 1970 <= moment.year <= 9998:
        raise _Wrong(f"{name}: {_shown(value)} is not a time mockprep keeps (years 1970-9998)")


# A mark's change time as SQLite's strftime('%Y-%m-%d %H:%M:%f') writes it: later-wins compares them as
# text, so any other form ("20260101", which fromisoformat takes) would win or lose wrongly forever.
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?")


def _stamp(name: str, value: Any) -> None:
    """A mark's change time as a device stamps it (its clock's UTC time, no offset), or "" (never)."""
    _text(name, value)
    if value == "":
        return
    if not _STAMP.fullmatch(value):
        raise _Wrong(f"{name}: {_shown(value)} is not a time as devices write it (2026-12-05 10:00:00.000)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _Wrong(f"{name}: {_shown(value)} is not a time ({exc})") from None
    if not 1970 <= moment.year <= 9998:
        raise _Wrong(f"{name}: {_shown(value)} is not a time mockprep keeps (years 1970-9998)")


def _day(name: str, value: Any) -> None:
    """A local calendar day as YYYY-MM-DD (a plan's interview day)."""
    _text(name, value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _Wrong(f"{name}: {_shown(value)} is not a day (YYYY-MM-DD)")
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise _Wrong(f"{name}: {_shown(value)} is not a day ({exc})") from None


def _int(low: int, high: int = _INT64 - 1) -> Check:
    def check(name: str, value: Any) -> None:
        if type(value) is not int or not low <= value <= high:
            span = (
                f"{low}-{high}"
                if high < _INT64 - 1
                else ("a whole number" if low <= -_INT64 else f"a whole number from {low}")
            )
            raise _Wrong(f"{name}: {_shown(value)} is not {span}")

    return check


def _optional(check: Check) -> Check:
    def optional(name: str, value: Any) -> None:
        if value is not None:
            check(name, value)

    return optional


def _list_of(check: Check) -> Check:
    def each(name: str, value: Any) -> None:
        if not isinstance(value, list):
            raise _Wrong(f"{name}: {_shown(value)} is not a list")
        for index, item in enumerate(value):
            check(f"{name}[{index}]", item)

    return each


def _map_of(check: Check) -> Check:
    def each(name: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise _Wrong(f"{name}: {_shown(value)} is not an object")
        for key, item in value.items():
            _text(f"{name} key", key)
            check(f"{name}.{key}", item)

    return each


def _records(fields: dict[str, Check]) -> Check:
    def each(name: str, value: Any) -> None:
        if not isinstance(value, list):
            raise _Wrong(f"{name}: {_shown(value)} is not a list")
        for index, item in enumerate(value):
            _fields(f"{name}[{index}].", item, fields)

    return each


def _minutes(name: str, value: Any) -> None:
    """A length in minutes: a whole or decimal number, 0 or more (a mock's `--minutes 5` is 5.0)."""
    if type(value) not in (int, float) or not 0 <= value <= 10**6:  # (a NaN is no number in 0-10**6)
        raise _Wrong(f"{name}: {_shown(value)} is not a number of minutes")


def _bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise _Wrong(f"{name}: {_shown(value)} is not true or false")


def _delivery(name: str, value: Any) -> None:
    """A spoken answer's delivery (seconds, words, fillers, pauses), as a mock answer's history reads it."""
    try:
        Delivery.from_dict(value)
    except ValueError as exc:
        raise _Wrong(f"{name}: {_shown(value)} is not a spoken answer's delivery ({exc})") from None


def _json(name: str, value: Any) -> None:
    """Any JSON value (stored as its text); only its strings must be text."""
    if isinstance(value, str):
        _text(name, value)
    elif isinstance(value, list):
        for item in value:
            _json(name, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _text(f"{name} key", key)
            _json(f"{name}.{key}", item)
    elif type(value) is int and not -_INT64 <= value < _INT64:
        raise _Wrong(f"{name}: {_shown(value)} is too large")


_TEXT, _SOME_TEXT, _SOME_TIME = _text, _optional(_text), _optional(_time)
_SOME_INT = _optional(_int(-_INT64))

_REVIEW: dict[str, Check] = {
    "key": _TEXT,
    "session": _SOME_TEXT,
    "rated_at": _time,
    "rating": _int(1, 4),
    "state_before": _int(0, 3),
    "answer": _SOME_TEXT,
    "duration_ms": _int(0),
    "time_limit_ms": _SOME_INT,
    "coverage": _optional(_list_of(_bool)),
    "suggested": _SOME_INT,
    "grader": _SOME_TEXT,
    "proposed": _optional(_list_of(_json)),
    "checklist": _optional(_list_of(_json)),
    "cram": _optional(_bool),
    "parameters": _json,
    "code_runs": _SOME_INT,
    "code_result": _json,
    "delivery": _optional(_delivery),  # (as history reads it: any JSON made history ID fail)
    "prompt": _SOME_TEXT,  # the prompt it was answered to (merge files it by this when ids moved)
    "model": _SOME_TEXT,
    "model_proposed": _optional(_list_of(_json)),
    "model_suggested": _optional(_int(1, 4)),
    "model_errors": _optional(_list_of(_text)),
    "model_failure": _SOME_TEXT,
}
_SESSION: dict[str, Check] = {
    "kind": _TEXT,
    "started_at": _time,
    "ended_at": _SOME_TIME,
    "status": _TEXT,
    "filters": _optional(_map_of(_json)),
    "round": _SOME_TEXT,
    "minutes": _optional(_minutes),
}
_VERSION: dict[str, Check] = {
    "uid": _TEXT,
    "parent": _SOME_TEXT,
    "saved_at": _time,
    "title": _TEXT,
    "competencies": _optional(_list_of(_text)),
    **{part: _SOME_TEXT for part in STORY_PARTS},
}
_REHEARSAL: dict[str, Check] = {
    "uid": _TEXT,
    "version": _SOME_TEXT,
    "rehearsed_at": _time,
    "duration_ms": _int(0),
    "target_ms": _int(0),
    "transcript": _SOME_TEXT,
    "delivery": _optional(_delivery),
}
_STORY: dict[str, Check] = {
    "created_at": _time,
    "versions": _records(_VERSION),
    "links": _optional(_list_of(_text)),
    "linked_at": _optional(_map_of(_SOME_TIME)),
    "unlinked": _optional(_map_of(_SOME_TIME)),
    "rehearsals": _optional(_records(_REHEARSAL)),
}
_MARKS: dict[str, Check] = {
    "key": _TEXT,
    "changed_at": _optional(_stamp),  # the latest wins: a text that is no time would win forever
    "changed": _optional(_map_of(_optional(_stamp))),
    "suspended_at": _SOME_TIME,
    "suspended_by": _SOME_TEXT,
    "buried_until": _SOME_TIME,
    "flagged_at": _SOME_TIME,
}
_MOCK_ANSWER: dict[str, Check] = {
    "session": _TEXT,
    "key": _TEXT,
    "position": _int(0),
    "answered_at": _time,
    "answer": _SOME_TEXT,
    "follow_up": _SOME_TEXT,
    "follow_up_answer": _SOME_TEXT,
    "follow_up_model": _SOME_TEXT,
    "follow_up_ms": _optional(_int(0)),
    "follow_up_limit_ms": _optional(_int(0)),
    "duration_ms": _int(0),
    "time_limit_ms": _SOME_INT,
    "coverage": _optional(_list_of(_bool)),
    "delivery": _optional(_delivery),
    "code_runs": _SOME_INT,
    "review": _SOME_TEXT,  # the review that rated it, found by when it was rated and then this id
    "review_rated_at": _SOME_TIME,
}
_PLAN: dict[str, Check] = {
    "date": _day,
    "label": _optional(_text),
    "role": _SOME_TEXT,
    "rounds": _optional(_list_of(_text)),
    "created_at": _time,
}
_DELETED: dict[str, Check] = {
    "versions": _optional(_list_of(_text)),
    "rehearsals": _optional(_list_of(_text)),
}
_KINDS = {
    "review": _REVIEW,
    "session": _SESSION,
    "story": _STORY,
    "marks": _MARKS,
    "plan": _PLAN,
    "mock_answer": _MOCK_ANSWER,
    "deleted": _DELETED,
}
