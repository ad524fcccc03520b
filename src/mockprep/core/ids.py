"""Globally unique ids: what makes a review, a session or a story version the same one on every device.

A row made on a device gets a random id (the database fills it in as the row is inserted); a row that
existed before ids did gets one derived from what identifies it, so that two copies of the same history
(one device's export imported on another) give their rows the same ids, and merging them adds nothing.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

UID_LENGTH = 32
_UID = re.compile(r"[0-9a-f]{32}")


def new_uid() -> str:
    """A random id (the form the database's own default writes)."""
    return uuid.uuid4().hex


def derived_uid(kind: str, *parts: object) -> str:
    """The id of a row that had none: a hash of its kind and the fields that identify it."""
    import hashlib  # (~3 ms to load, for the few commands that derive ids)

    text = "\x1f".join([kind, *(str(part) for part in parts)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:UID_LENGTH]


def is_uid(value: object) -> bool:
    return type(value) is str and _UID.fullmatch(value) is not None


def canonical_time(value: str | datetime) -> str:
    """A time as the database stores it (UTC, microseconds), whatever form it was written in, so that
    an id derived from a stored time and one derived from the export's ISO form agree."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def review_uid(row_id: int, key: str, rated_at: str | datetime, rating: int) -> str:
    return derived_uid("review", row_id, key, canonical_time(rated_at), rating)


def session_uid(row_id: int, started_at: str | datetime) -> str:
    return derived_uid("session", row_id, canonical_time(started_at))


def mock_answer_uid(row_id: int, session_id: int, position: int, answered_at: str | datetime) -> str:
    return derived_uid("mock-answer", row_id, session_id, position, canonical_time(answered_at))


def story_uid(row_id: int, created_at: str | datetime) -> str:
    return derived_uid("story", row_id, canonical_time(created_at))


def version_uid(story: str, version: int, saved_at: str | datetime) -> str:
    return derived_uid("story-version", story, version, canonical_time(saved_at))


def rehearsal_uid(story: str, ordinal: int, rehearsed_at: str | datetime) -> str:
    """``ordinal``: the rehearsal's place among its story's rehearsals, from 1, in the order made."""
    return derived_uid("rehearsal", story, ordinal, canonical_time(rehearsed_at))


def link_uid(story: str, question_key: str) -> str:
    """A link is the pair (story, question): the same pair made on two devices is one link."""
    return derived_uid("story-link", story, question_key)


def plan_uid(row_id: int, created_at: str | datetime) -> str:
    return derived_uid("plan", row_id, canonical_time(created_at))
