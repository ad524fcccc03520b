"""What a database holds that a backup of it lacks: what restoring that backup would lose, said before
it is done, and what ``import --merge`` of the replaced file brings back after.

Each kind of record is counted two ways, and the larger count is taken: the records made after the
backup's newest one (by their times: reviews through their index), and how many more the database
holds than the backup (which catches records merged from another device with earlier times). A
million reviews are counted in about 0.2 s each side; the other tables are small. Story links are
counted as a merge changes them: links the backup lacks, and unlinks of links it holds.

What ``import --merge`` cannot bring back is counted apart (:attr:`Missing.lost`): reviews of questions
the backup does not have, whose bank file is not on this machine (a merge registers the bank files the
merged database had, but only those that exist) or that no bank file holds any more (retired). The
questions whose marks (suspended, buried, flagged) differ are counted too: a merge takes them back.
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
    marks: int = 0  # questions whose suspended / buried / flagged marks differ from the backup's
    # What a merge cannot bring back, of those reviews: (the bank file not on this machine, or "" for
    # questions no bank file holds any more, the reviews, their sessions)
    lost: tuple[tuple[str, int, int], ...] = ()
    mock_answers: int = 0  # a mock round's answers (the rated ones are among the reviews too)
    link_changes: int = 0  # stories linked to questions, or unlinked


# (field, table, its time column in the stored text form)
_TIMED = (("story_edits", "story_versions", "saved_at"), ("rehearsals", "rehearsals", "rehearsed_at"),
          ("fits", "fitted_parameters", "fitted_at"),
          ("mock_answers", "mock_answers", "answered_at"))  # fmt: skip


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
        found["link_changes"] = _link_changes(con)
        return Missing(reviews, sessions, **found, marks=_marks(con), lost=_lost(con))
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


def _link_changes(con: sqlite3.Connection) -> int:
    """The story links a merge of the database into the backup would change, as it does: links the
    backup lacks (unless it removed them since they were made), and unlinks of links the backup holds
    (made before the removal). A link made and undone after the backup changes nothing there (counted
    by time, it was two changes: found by an independent review)."""
    if not _columns(con, "main", "story_links"):
        return 0
    if not _columns(con, "b", "story_links"):
        return con.execute("SELECT count(*) FROM main.story_links").fetchone()[0]
    # the same story: by its uid (as a merge matches them), by its id in a backup older than uids
    same = "bs.uid = s.uid" if "uid" in _columns(con, "b", "stories") else "bs.id = s.id"
    removed_since = ""
    if _columns(con, "b", "story_unlinks"):
        removed_since = (
            " AND NOT EXISTS (SELECT 1 FROM b.story_unlinks bu WHERE bu.story_id = bs.id"
            " AND bu.question_key = l.question_key AND bu.removed_at >= l.linked_at)"
        )
    added = con.execute(
        "SELECT count(*) FROM main.story_links l JOIN main.stories s ON s.id = l.story_id"
        f" LEFT JOIN b.stories bs ON {same} WHERE NOT EXISTS (SELECT 1 FROM b.story_links bl"
        f" WHERE bl.story_id = bs.id AND bl.question_key = l.question_key){removed_since}"
    ).fetchone()[0]
    if not _columns(con, "main", "story_unlinks"):
        return added
    undone = con.execute(
        "SELECT count(*) FROM main.story_unlinks u JOIN main.stories s ON s.id = u.story_id"
        f" JOIN b.stories bs ON {same} JOIN b.story_links bl ON bl.story_id = bs.id"
        " AND bl.question_key = u.question_key AND bl.linked_at <= u.removed_at"
    ).fetchone()[0]
    return added + undone


def _marks(con: sqlite3.Connection) -> int:
    """The questions whose marks differ from those the backup has for the same key (a question the
    backup lacks counts when it carries a mark)."""
    differ = " OR ".join(f"c.{m} IS NOT bc.{m}" for m in ("suspended_at", "buried_until", "flagged_at"))
    return con.execute(
        "SELECT count(*) FROM main.cards c JOIN main.questions q ON q.id = c.question_id"
        " LEFT JOIN b.questions bq ON bq.key = q.key LEFT JOIN b.cards bc ON bc.question_id = bq.id"
        f" WHERE {differ}"
    ).fetchone()[0]


def _lost(con: sqlite3.Connection) -> tuple[tuple[str, int, int], ...]:
    """The reviews of questions the backup lacks that a merge cannot add, grouped by why: their bank's
    file (not on this machine), or "" (the question is retired: no bank file holds it any more)."""
    held = ""  # (a review the backup holds under the key its question had before a rename is not lost)
    if "rated_us" in _columns(con, "b", "reviews"):  # m018 on (and uids packed: m015)
        held = " AND NOT EXISTS (SELECT 1 FROM b.reviews o WHERE o.rated_us = r.rated_us AND o.uid = r.uid)"
    rows = con.execute(
        "SELECT CASE WHEN q.retired_at IS NOT NULL THEN '' ELSE bk.source END, count(*),"
        " count(DISTINCT r.session_id) FROM main.reviews r JOIN main.questions q ON q.id = r.question_id"
        " JOIN main.banks bk ON bk.id = q.bank_id"
        f" WHERE NOT bk.builtin AND NOT EXISTS (SELECT 1 FROM b.questions bq WHERE bq.key = q.key){held}"
        " GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return tuple((source, n, s) for source, n, s in rows if source == "" or not Path(source).exists())
