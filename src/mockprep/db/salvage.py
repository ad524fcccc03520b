"""What can still be read of a damaged database, for ``import --merge`` of one.

A restore keeps the damaged database it replaces (``backups/damaged-STAMP.db``), and what was practised
since the backup is in it. SQLite refuses a whole query at the first damaged page, so the rows are read
here table by table in rowid order; a stretch that cannot be read is stepped over (the next readable
rowid is found by doubling steps, then halving them), and the rows are written into a new database of
the same schema, whose indexes and triggers are made after them. The copy is then made fit to be read
as a package (:func:`make_consistent`): rows whose values a package may not hold, or whose references
lead nowhere (a row lost on a damaged page), are left out, and a question without a card gets a new
one (the merge works cards out again from the reviews).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime
from pathlib import Path

from mockprep.db.package_checks import VALUE_CHECKS
from mockprep.db.sql import db_time

_LOWEST, _HIGHEST = -(1 << 63), (1 << 63) - 1
_LEARNING = 1  # fsrs State.Learning, as a bank sync gives a new question's card


def salvage(source: Path, target: Path) -> Counter[str]:
    """Write every row of the database at ``source`` that can still be read into a new database at
    ``target`` with the same schema; return, per table, how many stretches of it could not be read
    (its schema must be readable: sqlite3.DatabaseError otherwise)."""
    src = sqlite3.connect(source, isolation_level=None)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        schema = src.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
        tables = [(n, sql) for kind, n, sql in schema if kind == "table" and not n.startswith("sqlite_")]
        dst.execute("BEGIN")
        for _name, sql in tables:
            dst.execute(sql)
        unreadable: Counter[str] = Counter()
        for name, sql in tables:
            unreadable[name] = _copy_table(src, dst, name, "WITHOUT ROWID" in sql.upper())
        for kind, _name, sql in schema:
            if kind in ("index", "trigger", "view"):
                try:
                    dst.execute(sql)
                except sqlite3.DatabaseError:  # a unique index a damaged row breaks: reading needs none
                    pass
        dst.execute("COMMIT")
    finally:
        src.close()
        dst.close()
    return +unreadable


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, table: str, without_rowid: bool) -> int:
    """Copy what can be read of ``table``; how many stretches could not be."""
    quoted = table.replace('"', '""')
    columns = [r[1] for r in src.execute(f'PRAGMA table_xinfo("{quoted}")') if r[6] == 0]  # not generated
    names = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    marks = ", ".join("?" * len(columns))
    if without_rowid:  # the roll-up's tables, counted again by the import: all or nothing
        try:
            rows = src.execute(f'SELECT {names} FROM "{quoted}"').fetchall()
        except sqlite3.DatabaseError:
            return 1
        dst.executemany(f'INSERT OR IGNORE INTO "{quoted}" ({names}) VALUES ({marks})', rows)
        return 0
    scan = f'SELECT rowid, {names} FROM "{quoted}" WHERE rowid > ? ORDER BY rowid'
    insert = f'INSERT OR IGNORE INTO "{quoted}" (rowid, {names}) VALUES (?, {marks})'
    start, stretches = _LOWEST, 0
    while True:
        last = start
        try:
            for row in src.execute(scan, (start,)):
                dst.execute(insert, row)
                last = row[0]
            return stretches
        except sqlite3.DatabaseError:
            stretches += 1
            following = _next_readable(src, scan + " LIMIT 1", max(last, start))
            if following is None:
                return stretches
            start = following  # above the last start: every pass gets further


def _next_readable(src: sqlite3.Connection, first: str, after: int) -> int | None:
    """The least rowid bound above ``after`` from which ``first`` (the next row above a bound) reads,
    or None when none does."""

    if after >= _HIGHEST:
        return None

    def reads(bound: int) -> bool:
        try:
            src.execute(first, (bound,)).fetchone()
        except sqlite3.DatabaseError:
            return False
        return True

    step = 1
    while not reads(after + step):
        if after + step >= _HIGHEST:
            return None
        step = min(step * 2, _HIGHEST - after)
    low, high = after + step // 2, after + step  # low does not read (or is ``after`` itself)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reads(middle) else (middle, high)
    return high


def make_consistent(raw: sqlite3.Connection, now: datetime) -> Counter[str]:
    """Make a salvaged database (brought up to this version's schema) one a package check accepts:
    rows with values a package may not hold go, then rows that refer to a row that is not there, and
    every question without a card gets a new one. Returns, per table, how many rows went."""
    dropped: Counter[str] = Counter()
    raw.execute("PRAGMA foreign_keys = OFF")  # (rows go here in any order; no cascade, no refusal)
    raw.execute("BEGIN")
    for table, _key, holds, _field in VALUE_CHECKS:
        dropped[table] += raw.execute(f"DELETE FROM {table} WHERE NOT coalesce(({holds}), 0)").rowcount
    while True:  # a row that goes may leave others referring to it
        broken = [(t, r) for t, r, _parent, _fk in raw.execute("PRAGMA foreign_key_check") if r is not None]
        if not broken:
            break
        for table, rowid in broken:
            dropped[table] += raw.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,)).rowcount
    raw.execute(
        "INSERT INTO cards (question_id, state, step, due) SELECT id, ?, 0, ? FROM questions"
        " WHERE id NOT IN (SELECT question_id FROM cards)",
        (_LEARNING, db_time(now)),
    )
    raw.execute(
        "DELETE FROM cards WHERE question_id NOT IN (SELECT id FROM questions)"
    )  # (a card is looked up by its question whatever the file declares)
    raw.execute("COMMIT")
    raw.execute("PRAGMA foreign_keys = ON")
    return +dropped
