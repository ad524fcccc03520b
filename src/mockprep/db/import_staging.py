"""An import's reviews staged in a database file of their own, beside the new database.

Reviews arrive grouped by question, so their ids are out of order: they are staged unindexed and then
copied into ``reviews`` in id order, which keeps every B-tree append-only. Staged in a file of their
own (not a temp table) and committed once the export is read, they can be read by a second connection
too: the stats roll-up is counted from them, and a uid two of them share looked for (:func:`count_job`,
on a worker process of a large import: :mod:`mockprep.db.worker_jobs`), into a file of its own
(``counted.db``) while the importing connection copies them across and builds the indexes, then
copies the counts into the roll-up's tables (on the 1M-review home: 5 s of counting and 1.5 s of
looking for a uid beside 6 s of copying and indexing).

The staging file lives in the new database's folder (:data:`mockprep.db.fresh_file.PARTIAL_DIR`) and
goes with it; nothing in it is ever the person's only copy.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from mockprep.core.zone_offsets import Offsets
from mockprep.db import review_indexes, stats_rollup
from mockprep.db.import_rows import REVIEW_COLUMNS, STAGING
from mockprep.db.worker_jobs import WorkerJobs

NAME = "staging.db"
COUNTED = "counted.db"  # the roll-up counted from it, beside it
COUNTED_SCHEMA = "counted"


class Staging:
    """The staging file, attached to the importing connection before its transaction begins.

    ``import_reviews`` holds the reviews in file order (its rowids count them), ``import_questions``
    each question's round, topic and bank (what the roll-up groups by). :meth:`commit` commits the
    import so far (the new database is the import's own until it is renamed into place, and is thrown
    away whole on any failure) so that another connection can read the staging file."""

    def __init__(self, folder: Path, importing: sqlite3.Connection):
        self.path = folder / NAME
        self.path.unlink(missing_ok=True)
        self.importing = importing
        importing.execute(f"ATTACH DATABASE ? AS {STAGING}", (str(self.path),))  # (not inside a transaction)
        for pragma in ("journal_mode = OFF", "synchronous = OFF"):
            importing.execute(f"PRAGMA {STAGING}.{pragma}")

    def create(self) -> None:
        self.importing.execute(f"CREATE TABLE {STAGING}.import_reviews ({REVIEW_COLUMNS})")
        self.importing.execute(
            f"CREATE TABLE {STAGING}.import_questions (id INTEGER PRIMARY KEY, round, topic, bank_id)"
        )

    def add(self, qid: int, question: dict[str, Any], statement: str, rows: list[tuple[Any, ...]]) -> None:
        self.importing.execute(
            f"INSERT INTO {STAGING}.import_questions VALUES (?, ?, ?, ?)",
            (qid, question["round"], question["topic"], question["bank"]),
        )
        self.importing.executemany(statement, rows)

    def commit(self, in_workers: bool) -> WorkerJobs:
        """Commit the import so far, so that the staging file is readable, and start counting the
        roll-up from it (on a worker process, ``in_workers``) into a file attached as ``counted``,
        read once the job's :meth:`~mockprep.db.worker_jobs.WorkerJobs.finish` returns. The import
        goes on in a deferred transaction, which locks only what it touches."""
        self.importing.execute("COMMIT")
        path = self.path.with_name(COUNTED)
        path.unlink(missing_ok=True)
        self.importing.execute(f"ATTACH DATABASE ? AS {COUNTED_SCHEMA}", (str(path),))
        self.importing.execute("BEGIN")
        tables = ("import_reviews", "import_questions")
        job = (str(self.path), str(path), stats_rollup.zone(self.importing), tables, True)
        return WorkerJobs([(count_job, job)], in_workers)


def found_reused_uid(counted: sqlite3.Connection) -> bool:
    """Whether the count (attached to ``counted`` as :data:`COUNTED_SCHEMA`, finished) found a uid that
    two staged reviews share."""
    return counted.execute(f"SELECT 1 FROM {COUNTED_SCHEMA}.{REUSED_UIDS}").fetchone() is not None


REUSED_UIDS = "reused_uids"  # (in the count's file) a uid two staged reviews share, if any


def count_job(
    source: str, counted: str, offsets: Offsets, tables: tuple[str, str], uids: bool = False
) -> None:
    """The roll-up of the reviews and questions ``tables`` of the file ``source`` counted under
    ``offsets`` into the file ``counted`` (:func:`mockprep.db.stats_rollup.count`; the reviews' time is
    ``rated_us``, staged as a package holds it). With ``uids``, a uid that two of the reviews share
    (there is no unique index of them: m022) is also looked for, into :data:`REUSED_UIDS`: 1.5 s of a
    million reviews' import that then runs beside the copy rather than before it."""
    con = sqlite3.connect(counted, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16384"):
            con.execute(f"PRAGMA {pragma}")
        con.execute("ATTACH DATABASE ? AS source", (source,))
        con.execute("BEGIN")
        for table in stats_rollup.ROLLUP_TABLES:  # (what a job that failed left)
            con.execute(f"DROP TABLE IF EXISTS main.{table}")
        reviews, questions = tables
        stats_rollup.count(con, f"source.{reviews}", f"source.{questions}", offsets, "main", micro=True)
        if uids:
            con.execute(f"DROP TABLE IF EXISTS main.{REUSED_UIDS}")
            con.execute(f"CREATE TABLE main.{REUSED_UIDS} (uid)")
            if (uid := review_indexes.reused_uid(con, f"source.{reviews}")) is not None:
                con.execute(f"INSERT INTO main.{REUSED_UIDS} VALUES (?)", (uid,))
        con.execute("COMMIT")
    finally:
        con.close()
