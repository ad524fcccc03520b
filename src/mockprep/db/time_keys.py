"""Migration m016: the review log's time indexes keyed by an integer instead of the stored text.

A review's time is stored as text ('2025-01-02 03:04:05.678901', UTC), 26 bytes, and m014's indexes by
time (``reviews_rated``) and by question and time (``reviews_question``) each held a copy of it: about
45 MB of a million-review home (m011's index of spoken answers by time did too). ``rated_us``, a
virtual column computed from ``rated_at`` (microseconds since 1970, UTC; stored nowhere but in the
indexes, 8 bytes), keys the three instead. It orders reviews exactly as the text does, so a query that
reads the log by time filters and sorts on ``rated_us`` with bounds from :func:`mockprep.db.sql.db_us`;
every other use of ``rated_at`` is unchanged. Generated columns need SQLite 3.31 (``Store.open`` says
so).
Part of a migration: once released, never edited (a change is a new migration).
"""

from __future__ import annotations

from typing import Any

# A review's time as microseconds since 1970 (UTC): the whole seconds of the stored text (cut before
# the fraction, which strftime would round to milliseconds: .9995 s to the next second), then its
# fraction ('' when a time has none: 0). Deterministic, so a generated column and an index may use it.
RATED_US = (
    "CAST(strftime('%s', substr(rated_at, 1, 19)) AS INTEGER) * 1000000"
    " + CAST(substr(rated_at, 21, 6) AS INTEGER)"
)


def add_time_keys(cur: Any) -> None:
    """Add ``rated_us`` and rebuild the three time indexes on it (the file is compacted afterwards)."""
    for statement in (
        f"ALTER TABLE reviews ADD COLUMN rated_us INTEGER GENERATED ALWAYS AS ({RATED_US}) VIRTUAL",
        "DROP INDEX reviews_rated",
        "CREATE INDEX reviews_rated ON reviews(rated_us)",
        "DROP INDEX reviews_question",
        "CREATE INDEX reviews_question ON reviews(question_id, rated_us)",
        "DROP INDEX reviews_spoken",  # m011's spoken answers by time, for stats' delivery weeks
        "CREATE INDEX reviews_spoken ON reviews(rated_us) WHERE delivery IS NOT NULL",
    ):
        cur.execute(statement)


def m016_time_keys(cur: Any) -> None:
    """The log's indexes by time keyed by an integer (``rated_us``) instead of the text (moved here from
    db/migrations.py, unchanged: the migration's name is what a database records)."""
    add_time_keys(cur)
