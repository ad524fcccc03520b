"""Migration m019: a graded review's grader, verdict lists and card before the rating in the short stored
forms of :mod:`mockprep.db.review_codec`. A review from a session stored about 250 bytes in these
columns (the card before as JSON, the grader's name, its proposal and the confirmed checklist), three
times the rest of its row; packed they take about 45. Part of a migration: once released, never edited."""

from __future__ import annotations

import functools
import json
from typing import Any

from mockprep.db import review_codec

_VERDICT_COLUMNS = ("proposed", "checklist", "model_proposed")
_BUILT_IN = ", ".join(f"'{name}'" for name in review_codec.GRADER_CODES)


def m019_packed_grading(cur: Any) -> None:
    """A built-in grader's name as one byte; verdict lists as one character per key point; the card
    before a rating as 35 bytes (undo reads both forms, so a value this cannot read stays as it was)."""
    con = cur.connection
    con.create_function("m019_verdicts", 1, _verdicts, deterministic=True)
    con.create_function("m019_card", 2, _card, deterministic=True)
    con.create_function("m019_grader", 1, review_codec.pack_grader, deterministic=True)
    sets = ", ".join(f"{c} = m019_verdicts({c})" for c in _VERDICT_COLUMNS)
    unpacked = " OR ".join(f"{c} LIKE '[%'" for c in _VERDICT_COLUMNS)
    cur.execute(
        f"UPDATE reviews SET {sets}, card_before = m019_card(card_before, question_id),"
        " grader = m019_grader(grader)"
        f" WHERE {unpacked} OR typeof(card_before) = 'text' OR grader IN ({_BUILT_IN})"
    )


@functools.lru_cache(maxsize=4096)  # a few thousand distinct lists among a million reviews
def _verdicts(stored: str | None) -> str | None:
    if stored is None or not stored.startswith("["):
        return stored
    try:
        verdicts = json.loads(stored)
    except ValueError:
        return stored
    if type(verdicts) is not list or any(v not in review_codec.VERDICT_CODES for v in verdicts):
        return stored
    return review_codec.pack_verdicts(verdicts)


def _card(stored: Any, question_id: int) -> Any:
    if not isinstance(stored, str) or not stored:
        return stored
    try:
        card = review_codec.card_before(stored, question_id)
    except (ValueError, KeyError, TypeError):
        return stored
    return stored if card is None else review_codec.pack_card(card)
