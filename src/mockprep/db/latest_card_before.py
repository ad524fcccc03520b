"""Migration m020: the card before a rating kept only on each question's latest review.

Undo takes back the most recent rating, for which it needs the card as it was; every older rating's
card is recomputed from the question's log, exactly (each review replayed with the parameters it was
scheduled with, as a merge does: tests/test_undo.py holds any history to it). Kept on every review, the
card took 35 bytes of each, a seventh of the heavy home's file. Part of a migration: once released,
never edited."""

from __future__ import annotations

from typing import Any

# From how many reviews the rewrite takes long enough to say so.
SLOW_MIGRATION_REVIEWS = 100_000


def m020_latest_card_before(cur: Any) -> None:
    """Every card before a rating dropped but on each question's latest review (by id, as undo goes)."""
    cur.execute(
        "UPDATE reviews SET card_before = NULL WHERE card_before IS NOT NULL"
        " AND id NOT IN (SELECT max(id) FROM reviews GROUP BY question_id)"
    )


def notice(cur: Any) -> str | None:
    """What to tell the person before m020 runs on a long history."""
    reviews = cur.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    if reviews < SLOW_MIGRATION_REVIEWS:
        return None
    return f"Dropping the copies of old cards that undo can recompute, from {reviews:,} reviews (once)..."
