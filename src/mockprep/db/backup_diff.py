"""What a database holds that a backup of it lacks: what restoring that backup would lose, said before
it is done, and what ``import --merge`` of the replaced file brings back after.

Each kind of record is counted two ways, and the larger count is taken: the records made after the
backup's newest one (by their times: reviews through their index), and how many more the database
holds than the backup (which catches records merged from another device with earlier times). A
million reviews are counted in about 0.2 s each side; the other tables are small.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from mockprep.db.sql import text_us


class Missing(NamedTuple):
    """How many of each record the database holds that the backup does not."""

    reviews: int
    sessions: int  # the sessions those reviews were answered in, or sessions the backup lacks
    story_edits: int  # saved versions of stories
    rehearsals: int
    fits: int  # runs of `mockprep optimize`


# (field, table, its time column in the stored text form)
_TIMED = (("story_edits", "story_versions", "saved_at"), ("rehearsals", "rehearsals", "rehearsed_at"),
          ("fits", "fitted_parameters", "fitted_at"))  # fmt: skip


def missing_from(backup: Path, db_path: Path) -> Missing | None:
    """What the database at ``db_path`` holds that ``backup`` lacks; None when the two cannot be
    compared (either cannot be read, or is of a schema without reviews)."""
    try:
        con = sqlite3.connect(f"file:{quote(str(db_path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        con.execute("ATTACH DATABASE ? AS b", (f"file:{quote(str(backup.resolve()))}?mode=ro",))
        con.execute("BEGIN")  # both read as of one moment
        reviews, sessions = _reviews(con)
        found = {field: _newer(con, table, column) for field, table, column in _TIMED}
        return Missing(reviews, sessions, **found)
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _columns(con: sqlite3.Connection, schema: str, table: str) -> set[str]:
    return {row[1] for row in con.execute(f"PRAGMA {schema}.table_xinfo({table})")}


def _reviews(con: sqlite3.Connection) -> tuple[int, int]:
    """The reviews the database holds that the backup lacks, and the sessions they are in (or, when
    more, how many more sessions the database holds)."""
    if "rated_us" in _columns(con, "b", "reviews"):  # m018 on
        newest = con.execute("SELECT max(rated_us) FROM b.reviews").fetchone()[0]
    else:  # an older schema (a pre-upgrade backup): the time as text
        newest = con.execute(f"SELECT {text_us('max(rated_at)')} FROM b.reviews").fetchone()[0]
    after, in_sessions = con.execute(
        "SELECT count(*), count(DISTINCT session_id) FROM main.reviews WHERE rated_us > ?",
        (-1 if newest is None else newest,),
    ).fetchone()
    more, more_sessions = (
        con.execute(f"SELECT (SELECT count(*) FROM main.{t}) - (SELECT count(*) FROM b.{t})").fetchone()[0]
        for t in ("reviews", "sessions")
    )
    return max(after, more), max(in_sessions, more_sessions)


def _newer(con: sqlite3.Connection, table: str, column: str) -> int:
    """The rows of ``table`` the database holds that the backup lacks (all of them when the backup's
    schema has no such table)."""
    if not _columns(con, "main", table):
        return 0
    if not _columns(con, "b", table):
        return con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]
    after, more = con.execute(
        f"SELECT (SELECT count(*) FROM main.{table} WHERE {column} > coalesce((SELECT max({column})"
        f" FROM b.{table}), '')), (SELECT count(*) FROM main.{table}) - (SELECT count(*) FROM b.{table})"
    ).fetchone()
    return max(after, more, 0)
