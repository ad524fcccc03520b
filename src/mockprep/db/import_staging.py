"""An import's reviews staged in a database file of their own, beside the new database.

Reviews arrive grouped by question, so their ids are out of order: they are staged unindexed and then
copied into ``reviews`` in id order, which keeps every B-tree append-only. Staged in a file of their
own (not a temp table) and committed once the export is read, they can be read by a second connection
too: the stats roll-up is counted from them on a thread (:class:`Counting`) into a file of its own
(``counted.db``) while the importing connection copies them across and builds the indexes, then
copies the counts into the roll-up's tables. SQLite lets go of the interpreter while it works, so on
two CPUs the two run side by side (on the 1M-review home: 8 s of counting beside 8 s of copying and
indexing).

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

    def commit(self) -> Counting:
        """Commit the import so far, so that the staging file is readable, and start counting the
        roll-up from it (into a file attached as ``counted``, read once :meth:`Counting.result` says
        so). The import goes on in a deferred transaction, which locks only what it touches."""
        self.importing.execute("COMMIT")
        path = self.path.with_name(COUNTED)
        path.unlink(missing_ok=True)
        self.importing.execute(f"ATTACH DATABASE ? AS {COUNTED_SCHEMA}", (str(path),))
        self.importing.execute("BEGIN")
        return Counting(self.path, path, stats_rollup.zone(self.importing))


class Worker(threading.Thread):
    """Database work on a thread with a connection of its own (:meth:`work`), beside an import's own
    connection: :meth:`stop` ends it (SQLite's progress handler checks ``stopped``), :meth:`wait`
    waits for it and raises what it raised."""

    def __init__(self, name: str):
        super().__init__(name=name, daemon=True)
        self.error: BaseException | None = None
        self.stopped = False

    def work(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # noqa: BLE001 - handed to the importing thread, which raises it
            self.error = exc

    def stop(self) -> None:
        """End the work if it still runs (the import failed or was stopped) and wait for it."""
        self.stopped = True
        self.join()

    def wait(self) -> None:
        self.join()
        if self.stopped:
            raise RuntimeError(f"{self.name} was stopped")
        if self.error is not None:
            raise self.error


class Counting(Worker):
    """The roll-up (:func:`mockprep.db.stats_rollup.count`) of the committed staging file under
    ``offsets``, counted on a thread with a connection of its own into the file ``counted`` (once the
    worker ``after`` has ended, if one is given); :meth:`result` waits for it."""

    def __init__(
        self,
        staging: Path,
        counted: Path,
        offsets: Offsets,
        tables: tuple[str, str] = ("import_reviews", "import_questions"),
        micro: bool = False,
        after: Worker | None = None,
    ):
        super().__init__("import-roll-up")
        self.path, self.counted, self.offsets, self.tables = staging, counted, offsets, tables
        self.micro = micro  # the reviews' time is rated_us (a package's), not the staged text
        self.after = after  # begun once that worker ends: the two share one CPU beside the importer
        self.start()

    def work(self) -> None:
        if self.after is not None:
            self.after.join()
            if self.after.error is not None:
                raise self.after.error  # what result() raises: the import names it
            if self.stopped or self.after.stopped:
                return
        con = sqlite3.connect(self.counted, isolation_level=None, check_same_thread=False)
        try:
            # every so many steps of SQLite's machine: stop() ends whatever statement runs
            con.set_progress_handler(lambda: self.stopped, 100_000)
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16384"):
                con.execute(f"PRAGMA {pragma}")
            con.execute("ATTACH DATABASE ? AS staged", (str(self.path),))
            con.execute("BEGIN")
            reviews, questions = self.tables
            staged = (f"staged.{reviews}", f"staged.{questions}")
            stats_rollup.count(con, *staged, self.offsets, "main", self.micro)
            con.execute("COMMIT")
        finally:
            con.close()

    def result(self) -> str:
        """The schema the counted roll-up can be read from, once it is counted."""
        self.wait()
        return COUNTED_SCHEMA
