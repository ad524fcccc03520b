"""Checks of single JSON values, each returning None or what is wrong (``must be 1-4 (got 7)``), and
:class:`RecordProblem`, the one-line error an import stops at. Pure; used by :mod:`export_checks`."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mockprep.core.delivery import Delivery
from mockprep.core.ids import is_uid
from mockprep.core.rounds import ROUND_ORDER
from mockprep.core.wording import shortened

MAX_INT = 2**63 - 1  # SQLite's largest integer

FIRST_YEAR, LAST_YEAR = 1970, 2999
STORY_PARTS = ("situation", "task", "action", "result", "reflection")

Check = Callable[[Any], str | None]  # None when the value is fine, else what is wrong with it
Fields = dict[str, tuple[Check, bool]]  # field -> (check, required)


def refuse_constant(name: str) -> Any:
    """For json.loads: NaN and the infinities are not JSON (Python's json reads them by default)."""
    raise ValueError(f"{name} is not JSON")


class RecordProblem(ValueError):
    """A record that cannot be imported; ``str()`` is one line: ``where: what is wrong``."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where


def got(value: Any) -> str:
    return shortened("null" if value is None else repr(value))


def whole(low: int, high: int = MAX_INT) -> Check:
    expected = f"a whole number from {low}" if high == MAX_INT else f"{low}-{high}"

    def check(value: Any) -> str | None:
        if type(value) is int and low <= value <= high:
            return None
        return f"must be {expected} (got {got(value)})"

    return check


def number(low: float, high: float = math.inf) -> Check:
    def check(value: Any) -> str | None:
        if type(value) in (int, float) and math.isfinite(value) and low <= value <= high:
            return None
        bounds = f"at least {low:g}" if high == math.inf else f"from {low:g} to {high:g}"
        return f"must be a number {bounds} (got {got(value)})"

    return check


def text(value: Any) -> str | None:
    if type(value) is not str:
        return f"must be text (got {got(value)})"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode text (it holds a lone surrogate escape)"
    return None


def filled(value: Any) -> str | None:
    return text(value) or (None if value.strip() else "must not be empty")


def one_of(*allowed: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed and type(value) is str else f"must be one of {', '.join(allowed)}"

    return check


def boolean(value: Any) -> str | None:
    return None if type(value) is bool else f"must be true or false (got {got(value)})"


def texts(value: Any) -> str | None:
    if type(value) is not list:
        return f"must be a list of text (got {got(value)})"
    for item in value:
        if text(item):
            return f"must be a list of text (holds {got(item)})"
    return None


def booleans(value: Any) -> str | None:
    if type(value) is list and all(type(item) is bool for item in value):
        return None
    return f"must be a list of true/false (got {got(value)})"


VERDICTS = frozenset({"covered", "partly", "missing", "contradicted"})


def verdicts(value: Any) -> str | None:
    if type(value) is list and all(type(item) is str and item in VERDICTS for item in value):
        return None
    return f"must be a list of covered/partly/missing/contradicted (got {got(value)})"


def time(value: Any) -> str | None:
    expected = "an ISO 8601 time with its zone, e.g. 2026-03-02T09:00:00+00:00"
    if type(value) is not str:
        return f"must be {expected} (got {got(value)})"
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return f"must be {expected}, with its zone (got {got(value)})"
        year = moment.astimezone(UTC).year
    except (ValueError, OverflowError):
        return f"must be {expected} (got {got(value)})"
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"must be a time between {FIRST_YEAR} and {LAST_YEAR} (got {got(value)})"
    return None


def uid(value: Any) -> str | None:
    return None if is_uid(value) else f"must be an id of 32 lowercase hex digits (got {got(value)})"


def optional(check: Check) -> Check:
    def maybe(value: Any) -> str | None:
        return None if value is None else check(value)

    return maybe


def delivery(value: Any) -> str | None:
    """A spoken answer's delivery metrics (seconds, words, fillers, pauses)."""
    try:
        Delivery.from_dict(value)
    except ValueError as exc:
        return f"{exc} (got {got(value)})"
    return None


def filters(value: Any) -> str | None:
    if type(value) is dict and all(type(k) is str and not texts(v) for k, v in value.items()):
        return None
    return f'must be an object of lists of text, e.g. {{"rounds": ["technical"]}} (got {got(value)})'


def listing(value: Any) -> str | None:
    return None if type(value) is list else f"must be a list (got {got(value)})"


def mapping(value: Any) -> str | None:
    return None if type(value) is dict else f"must be an object (got {got(value)})"


ID = whole(1)
COUNT = whole(0)
ROUND = one_of(*ROUND_ORDER)
