"""Migrations m020 and m021: the card before a rating, which undo restores, kept once per question.

Undo takes back the most recent rating, for which it needs the card as it was; every older rating's
card is recomputed from the question's log, exactly (each review replayed with the parameters it was
scheduled with, as a merge does: tests/test_undo.py holds any history to it). Kept on every review, the
card took 35 bytes of each, a seventh of the heavy home's file. m020 dropped all but each question's
latest; m021 moves that one to the question's card (``cards.undo_review_id`` and ``undo_card``), so a
review is written without it: dropped from a review later, its 35 bytes stayed as a hole in the
review's page, which later reviews, written at the end of the table, never fill.
Part of migrations: once released, never edited."""

from __future__ import annotations

from typing import Any


def m020_latest_card_before(cur: Any) -> None:
    """Every card before a rating dropped but on each question's latest review (by id, as undo goes)."""
    cur.execute(
        "UPDATE reviews SET card_before = NULL WHERE card_before IS NOT NULL"
        " AND id NOT IN (SELECT max(id) FROM reviews GROUP BY question_id)"
    )


def m021_undo_card_on_cards(cur: Any) -> None:
    """The card before a question's latest rating kept on its card, with that rating's id; the
    reviews' own column left empty (kept, so that older files still read)."""
    cur.execute("ALTER TABLE cards ADD COLUMN undo_review_id INTEGER")
    cur.execute("ALTER TABLE cards ADD COLUMN undo_card BLOB")
    kept = cur.execute(
        "SELECT id, question_id, card_before FROM reviews WHERE card_before IS NOT NULL"
        " AND id IN (SELECT max(id) FROM reviews GROUP BY question_id)"
    ).fetchall()
    cur.executemany(
        "UPDATE cards SET undo_review_id = ?, undo_card = ? WHERE question_id = ?",
        [(rid, card, qid) for rid, qid, card in kept],
    )
    cur.execute("UPDATE reviews SET card_before = NULL WHERE card_before IS NOT NULL")
