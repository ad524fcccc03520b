"""Migration m023: a session's reviews found through the log's index by time, not an index of their own.

The index of reviews by session took 12 MB of a million-review home. Each session now holds the times
of its first and last review (``sessions.reviews_from_us``, ``reviews_to_us``), widened by a trigger
as reviews are written and counted again after a bulk copy (:func:`count_bounds`); a query reads a
session's reviews in that span of ``reviews_rated`` (:func:`of_session`). The bounds are exact, whatever
the clocks did: a session without reviews has none, so nothing is read for it. A deleted review leaves
them as they were: a wider span than needed, never a narrower one.
Part of a migration: once released, never edited (a change is a new migration).
"""

from __future__ import annotations

from typing import Any

# Widens a session's span to each review written into it (or moved to it, or re-timed).
_WIDEN = (
    " BEGIN UPDATE sessions SET reviews_from_us = min(coalesce(reviews_from_us, NEW.rated_us), NEW.rated_us),"
    " reviews_to_us = max(coalesce(reviews_to_us, NEW.rated_us), NEW.rated_us) WHERE id = NEW.session_id; END"
)
BOUNDS_TRIGGERS = {
    "sessions_review_bounds": "CREATE TRIGGER sessions_review_bounds AFTER INSERT ON reviews"
    " WHEN NEW.session_id IS NOT NULL" + _WIDEN,
    "sessions_review_bounds_moved": "CREATE TRIGGER sessions_review_bounds_moved"
    " AFTER UPDATE OF session_id, rated_us ON reviews WHEN NEW.session_id IS NOT NULL" + _WIDEN,
}


def of_session(session: str, alias: str = "r") -> str:
    """SQL: review ``alias`` belongs to the session whose id is the parameter ``session`` (``:s``),
    read through the index by time within the session's span."""
    span = f"(SELECT {{}} FROM sessions WHERE id = {session})"
    lo, hi = span.format("reviews_from_us"), span.format("reviews_to_us")
    return f"{alias}.rated_us BETWEEN {lo} AND {hi} AND {alias}.session_id = {session}"


def of_session_row(sessions: str = "s", alias: str = "r") -> str:
    """SQL: review ``alias`` belongs to the outer query's session row ``sessions``."""
    span = f"{sessions}.reviews_from_us AND {sessions}.reviews_to_us"
    return f"{alias}.rated_us BETWEEN {span} AND {alias}.session_id = {sessions}.id"


def count_bounds(cur: Any) -> None:
    """Every session's span counted from the log in one pass (after a bulk copy, or m023)."""
    cur.execute("DROP TABLE IF EXISTS temp.session_bounds")
    cur.execute("CREATE TEMP TABLE session_bounds (id INTEGER PRIMARY KEY, lo INTEGER, hi INTEGER)")
    cur.execute(
        "INSERT INTO temp.session_bounds SELECT session_id, MIN(rated_us), MAX(rated_us) FROM main.reviews"
        " WHERE session_id IS NOT NULL GROUP BY session_id"
    )
    cur.execute(
        "UPDATE main.sessions SET"
        " reviews_from_us = (SELECT lo FROM temp.session_bounds b WHERE b.id = sessions.id),"
        " reviews_to_us = (SELECT hi FROM temp.session_bounds b WHERE b.id = sessions.id)"
    )
    cur.execute("DROP TABLE temp.session_bounds")


def m023_session_reviews(cur: Any) -> None:
    """Sessions keep the span of their reviews' times; the index of reviews by session goes."""
    cur.execute("ALTER TABLE sessions ADD COLUMN reviews_from_us INTEGER")
    cur.execute("ALTER TABLE sessions ADD COLUMN reviews_to_us INTEGER")
    count_bounds(cur)  # (read through the index by session, still there)
    cur.execute("DROP INDEX reviews_session")
    for statement in BOUNDS_TRIGGERS.values():
        cur.execute(statement)
