"""Migration m018: a review's time stored as an integer, its text computed from it.

Until m018 the time was stored as text ('2025-01-02 03:04:05.678901', UTC), 26 bytes a review, and
``rated_us`` (m016) was computed from it for the indexes. m018 turns the two round: ``rated_us``
(microseconds since 1970, UTC, 8 bytes) is what the table holds, and ``rated_at`` is a virtual column
that gives the same text back, so every query that reads it is unchanged. A writer inserts
``rated_us`` (:func:`mockprep.db.sql.db_us`); ``rated_at`` can no longer be written. About 18 MB of a
million-review home, and the index builds and counts that read the time no longer parse text.

The table is rebuilt (SQLite cannot make a stored column generated), with foreign keys off for the
migration (``FOREIGN_KEYS_OFF``: a rebuild keeps every id and reference as it was); its indexes and
triggers are made again as they were, but for the roll-up's trigger on an update of a counted column,
which now names ``rated_us``. A time stored in another form is read by Python or by SQLite's
``julianday`` (the roll-up is then counted again, as a review may fall on another day).
Part of a migration: once released, never edited (a change is a new migration).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mockprep.db import stats_rollup

# The stored form of a time (db_time's) from microseconds since 1970: deterministic, so a generated
# column may use it (a time before 1970, which no check lets in, would read wrong, never fail).
RATED_AT = (
    "strftime('%Y-%m-%d %H:%M:%S', rated_us / 1000000, 'unixepoch') || printf('.%06d', rated_us % 1000000)"
)
# m016's reading of the text, for the copy, of a time in the form mockprep writes; any other is read by
# Python (``_text_us``).
# A time only SQLite reads (a Julian day number, text with something after it), as SQLite reads it.
_JULIAN_US = "CAST(round((julianday(rated_at) - 2440587.5) * 86400000000) AS INTEGER)"
_CANONICAL_US = (
    "CASE WHEN length(rated_at) = 26 AND substr(rated_at, 11, 1) = ' ' AND substr(rated_at, 20, 1) = '.'"
    " THEN CAST(strftime('%s', substr(rated_at, 1, 19)) AS INTEGER) * 1000000"
    " + CAST(substr(rated_at, 21, 6) AS INTEGER) END"
)

# The columns as they were, but for the time: rated_us stored where rated_at was, rated_at computed.
_COLUMNS = (
    ("id", "INTEGER PRIMARY KEY"),
    ("question_id", "INTEGER NOT NULL REFERENCES questions(id)"),
    ("session_id", "INTEGER REFERENCES sessions(id)"),
    ("rated_us", "INTEGER NOT NULL"),
    ("rating", "INTEGER NOT NULL"),
    ("state_before", "INTEGER NOT NULL"),
    ("answer", "TEXT NOT NULL DEFAULT ''"),
    ("duration_ms", "INTEGER NOT NULL"),
    ("time_limit_ms", "INTEGER"),
    ("coverage", "TEXT"),
    ("suggested", "INTEGER"),
    ("card_before", "TEXT"),
    ("grader", "TEXT"),
    ("proposed", "TEXT"),
    ("checklist", "TEXT"),
    ("cram", "BOOLEAN NOT NULL DEFAULT 0"),
    ("params_id", "INTEGER REFERENCES scheduler_params(id)"),
    ("code_runs", "INTEGER"),
    ("code_result", "TEXT"),
    ("uid", "TEXT"),
    ("origin", "TEXT"),
    ("delivery", "TEXT"),
    ("model", "TEXT"),
    ("model_proposed", "TEXT"),
    ("model_suggested", "INTEGER"),
    ("model_errors", "TEXT"),
    ("rated_at", f"TEXT GENERATED ALWAYS AS ({RATED_AT}) VIRTUAL"),
)


def _create(name: str) -> str:
    return f"CREATE TABLE {name} (\n    " + ",\n    ".join(f"{c} {d}" for c, d in _COLUMNS) + "\n)"


def m018_review_times(cur: Any) -> None:
    """A review's time stored as an integer (``rated_us``) and its text (``rated_at``) computed from it:
    ``reviews`` rebuilt with the same ids and values, foreign keys off (the runner's
    ``FOREIGN_KEYS_OFF``: a rebuild keeps every reference as it was)."""
    cur.connection.create_function("mockprep_text_us", 1, _text_us, deterministic=True)
    # Its indexes and triggers, and other tables' triggers that read it (the rename checks those).
    kept = cur.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND (tbl_name = 'reviews'"
        " AND type = 'index' OR type = 'trigger' AND (tbl_name = 'reviews' OR sql LIKE '%reviews%'))"
        " ORDER BY type = 'trigger', name"
    ).fetchall()
    for kind, name, _sql in kept:
        if kind == "trigger":
            cur.execute(f'DROP TRIGGER "{name}"')
    held = {row[1] for row in cur.execute("PRAGMA table_info(reviews)").fetchall()}
    # (a column some home lacks takes its default)
    copied = ", ".join(c for c, d in _COLUMNS if c in held and c != "rated_us" and "GENERATED" not in d)
    before = cur.execute(
        f"SELECT COUNT(*), COALESCE(MAX(id), 0), SUM(({_CANONICAL_US}) IS NULL) FROM reviews"
    ).fetchone()
    cur.execute(_create("reviews_stored_times"))
    cur.execute(
        f"INSERT INTO reviews_stored_times (rated_us, {copied})"
        f" SELECT coalesce({_CANONICAL_US}, mockprep_text_us(rated_at), {_JULIAN_US}, 0), {copied}"
        " FROM reviews ORDER BY id"
    )
    after = cur.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM reviews_stored_times").fetchone()
    if tuple(after) != tuple(before[:2]):  # (never seen: a guard, as the old table is dropped next)
        raise RuntimeError(f"m018: the rebuilt log holds {after[0]} reviews, not {before[0]}")
    cur.execute("DROP TABLE reviews")
    cur.execute("ALTER TABLE reviews_stored_times RENAME TO reviews")
    for kind, name, sql in kept:
        if kind == "trigger" and name in stats_rollup.TRIGGERS:
            sql = stats_rollup.TRIGGERS[name]  # the roll-up's: its update trigger names rated_us now
        cur.execute(sql)
    if before[2]:  # a time in another form may date a review otherwise than the roll-up did
        stats_rollup.rebuild(cur)


def _text_us(text: Any) -> int | None:
    """A stored time not in the form mockprep writes (another ISO form, a zone), read by Python; None
    when Python cannot read it either (SQLite's ``julianday`` is tried next, then 1970)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
