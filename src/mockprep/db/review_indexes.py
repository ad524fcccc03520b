"""Migration m022: the review log without a standing index of global ids, and its index by question
without the time; and how a review is found by its global id from now on.

On a million-review home the unique index of uids took 26.5 MB and the index by question and time 21
MB, together a fifth of the file. A review's uid never changes and neither does its time, so a merge
finds the review an event names by its time (``reviews_rated``) and compares the uid there
(:data:`SAME_REVIEW`); only a deletion, which carries the uid alone, reads the log, once for all the
deletions of a merge (:func:`delete_reviews_with_uids`). An import checks that no uid is used twice
(:func:`reused_uid`), which the unique index used to refuse. The index by question keeps the question
alone: a question's few reviews are sorted by time as they are read.
Part of a migration: once released, never edited (a change is a new migration).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The review an incoming one is, if it is here: the same time and the same uid (``{us}`` and ``{uid}``
# are SQL expressions of the incoming review's time in microseconds and its stored uid).
SAME_REVIEW = "SELECT 1 FROM reviews r WHERE r.rated_us = {us} AND r.uid = {uid}"


def m022_review_indexes(cur: Any) -> None:
    """Drop the unique index of review uids; key the index by question on the question alone."""
    for statement in (
        "DROP INDEX reviews_uid",
        "DROP INDEX reviews_question",
        "CREATE INDEX reviews_question ON reviews(question_id)",
    ):
        cur.execute(statement)


def delete_reviews_with_uids(raw: Any, packed: Iterable[bytes | str]) -> list[tuple[int, bytes | str]]:
    """Delete every review whose stored uid is one of ``packed`` (a mock answer graded by one keeps its
    answer); return each one's (question id, uid). One read of the log however many uids, as no index
    holds them."""
    wanted = list(dict.fromkeys(packed))
    if not wanted:
        return []
    raw.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_uids (uid PRIMARY KEY) WITHOUT ROWID")
    raw.execute("DELETE FROM temp.wanted_uids")
    raw.executemany("INSERT INTO temp.wanted_uids (uid) VALUES (?)", [(u,) for u in wanted])
    found = raw.execute(
        "SELECT id, question_id, uid FROM reviews WHERE uid IN (SELECT uid FROM temp.wanted_uids)"
    ).fetchall()
    raw.execute("DELETE FROM temp.wanted_uids")
    for review_id, _, _ in found:
        raw.execute("UPDATE mock_answers SET review_id = NULL WHERE review_id = ?", (review_id,))
        raw.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
    return [(question_id, uid) for _, question_id, uid in found]


def reused_uid(raw: Any, table: str) -> Any:
    """A uid that two rows of ``table`` (a table of reviews, in any schema) share, or None."""
    row = raw.execute(
        f"SELECT uid FROM {table} WHERE uid IS NOT NULL GROUP BY uid HAVING COUNT(*) > 1 LIMIT 1"
    ).fetchone()
    return None if row is None else row[0]
