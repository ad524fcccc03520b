"""An import's reviews staged in a database file of their own, beside the new database.

Reviews arrive grouped by question, so their ids are out of order: they are staged unindexed and then
copied into ``reviews`` in id order, which keeps every B-tree append-only. Staged in a file of their
own (not a temp table) and committed once the export is read, they can be read by a second connection
too: the stats roll-up is counted from them on a thread (:class:`Counting`) while the importing
connection copies them across and builds the indexes. SQLite lets go of the interpreter while it
works, so on two CPUs the two run side by side (on the 1M-review home: 8 s of counting beside 8 s of
copying and indexing).

The staging file lives in the new database's folder (:data:`mockprep.db.fresh_file.PARTIAL_DIR`) and
goes with it; nothing in it is ever the person's only copy.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from mockprep.core.stats import Offsets
from mockprep.db import stats_rollup
from mockprep.db.import_rows import REVIEW_COLUMNS, STAGING

NAME = "staging.db"
SCHEMA = STAGING


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
        importing.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (str(self.path),))  # (not inside a transaction)
        for pragma in ("journal_mode = OFF", "synchronous = OFF"):
            importing.execute(f"PRAGMA {SCHEMA}.{pragma}")

    def create(self) -> None:
        self.importing.execute(f"CREATE TABLE {SCHEMA}.import_reviews ({REVIEW_COLUMNS})")
        self.importing.execute(
            f"CREATE TABLE {SCHEMA}.import_questions (id INTEGER PRIMARY KEY, round, topic, bank_id)"
        )

    def add(self, qid: int, question: dict[str, Any], statement: str, rows: list[tuple[Any, ...]]) -> None:
        self.importing.execute(
            f"INSERT INTO {SCHEMA}.import_questions VALUES (?, ?, ?, ?)",
            (qid, question["round"], question["topic"], question["bank"]),
        )
        self.importing.executemany(statement, rows)

    def commit(self) -> None:
        """Commit the import so far and go on in a new transaction: the staging file is readable."""
        self.importing.execute("COMMIT")
        self.importing.execute("BEGIN IMMEDIATE")


class Counting(threading.Thread):
    """The roll-up (:func:`mockprep.db.stats_rollup.count`) of the committed staging file under
    ``offsets``, counted on a thread with a connection of its own; :meth:`result` waits for it."""

    def __init__(self, path: Path, offsets: Offsets):
        super().__init__(name="import-roll-up", daemon=True)
        self.path, self.offsets = path, offsets
        self.counted: dict[str, list[tuple[Any, ...]]] | None = None
        self.error: BaseException | None = None
        self.con: sqlite3.Connection | None = None
        self.lock = threading.Lock()
        self.stopped = False
        self.start()

    def run(self) -> None:
        try:
            with self.lock:
                if self.stopped:
                    return
                self.con = sqlite3.connect(self.path, check_same_thread=False)
            try:
                self.con.execute("PRAGMA cache_size = -32768")
                self.counted = stats_rollup.count(
                    self.con, "import_reviews", "import_questions", self.offsets
                )
            finally:
                self.con.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the importing thread, which raises it
            self.error = exc

    def stop(self) -> None:
        """Interrupt the counting if it still runs (the import failed or was stopped) and wait for it."""
        with self.lock:
            self.stopped = True
            if self.con is not None and self.is_alive():
                self.con.interrupt()
        self.join()

    def result(self) -> dict[str, list[tuple[Any, ...]]]:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.counted is not None
        return self.counted
