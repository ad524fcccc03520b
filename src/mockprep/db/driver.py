"""The connection every query runs on: Python's own ``sqlite3``, with the few conveniences the db
layer uses (named parameters, lists expanded for ``IN``, rows read by column name, ``scalar``/``one``).

SQLAlchemy used to sit here. Importing it cost about 230 ms on every command, more than the queries of
a session's start, and the db layer used nothing of it but a connection: its statements are plain SQL
text. The schema is still declared with SQLModel (:mod:`mockprep.db.schema`), checked by the tests.
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any


def text(sql: str) -> str:
    """SQL with ``:name`` parameters (a list value fills an ``IN :name``); marks the statements."""
    return sql


RETRY_MS = 1000  # how often a patient write tries again, and so how soon a signal is acted on


def begin_write(conn: Any, on_busy: Callable[[], None] | None, flags: Any = None) -> None:
    """``BEGIN IMMEDIATE``. With ``on_busy`` (an interactive run, whose answer waits in memory), a lock
    another process holds past the busy timeout — a long import, say — is waited for, ``on_busy`` told
    once, instead of failing and losing that answer; without it the timeout's error is raised.

    While it waits nothing has been written, so ``flags.waiting`` lets a signal act at once (outside a
    block that must finish: see ``Store.uninterrupted``); tries come every second. The flag is set and
    cleared as attributes (no call in between that a signal could act on), and a transaction begun as
    a signal is acted on is rolled back."""
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as exc:
        if on_busy is None or "locked" not in str(exc).lower():
            raise
    try:
        on_busy()
    except Exception:  # (a message that cannot be shown, on a closed terminal, is not worth the answer)
        pass
    before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {RETRY_MS}")
    try:
        if flags is not None:
            flags.waiting = True
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                if flags is not None:
                    flags.waiting = False
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower():
                    raise
    except BaseException:
        if flags is not None:
            flags.waiting = False
        # a signal acted on just as the BEGIN returned: the transaction it began is not the caller's
        if conn.raw.in_transaction:
            conn.exec_driver_sql("ROLLBACK")
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {before}")
        raise
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {before}")


def run_script(cur: Any, script: str) -> None:
    """Run a script's statements one at a time inside the open transaction (sqlite3's executescript()
    would commit it first); a trigger's body holds semicolons of its own, so pieces are joined until
    they make a statement."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n;"):
                cur.execute(statement)
            statement = ""
    if statement.strip(" \n;"):
        cur.execute(statement)


class NoRow(sqlite3.DatabaseError):
    """``one()`` or ``scalar_one()`` found no row, or more than one."""


def _bound(value: Any) -> Any:
    # Times bound as SQLAlchemy bound them (and as every stored time is written): no zone, microseconds.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _expand(sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Named parameters ready for sqlite3: a list or tuple becomes one parameter per item."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, list | tuple | set | frozenset):
            items = list(value)
            names = [f"{name}__{i}" for i in range(len(items))]
            group = "(" + ", ".join(f":{n}" for n in names) + ")" if items else "(SELECT NULL WHERE 0)"
            sql = re.sub(rf":{name}\b", group, sql)
            out.update(zip(names, map(_bound, items), strict=True))
        else:
            out[name] = _bound(value)
    return sql, out


_row_types: dict[tuple[str, ...], Any] = {}


def _row_type(description: Sequence[Sequence[Any]]) -> Any:
    names = tuple(d[0] for d in description)
    kind = _row_types.get(names)
    if kind is None:
        kind = _row_types[names] = namedtuple("Row", names, rename=True)  # type: ignore[misc]
    return kind


class Result:
    """The rows of one statement, read as SQLAlchemy's results were: by index, unpacked or by name."""

    def __init__(self, cursor: sqlite3.Cursor):
        self.cursor = cursor
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        if cursor.description is not None:
            make = _row_type(cursor.description)._make
            cursor.row_factory = lambda _cur, row: make(row)

    def keys(self) -> list[str]:
        return [d[0] for d in self.cursor.description or ()]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.cursor)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchmany(self, size: int) -> list[Any]:
        return self.cursor.fetchmany(size)

    def fetchall(self) -> list[Any]:
        return self.cursor.fetchall()

    all = fetchall

    def first(self) -> Any:
        row = self.cursor.fetchone()
        self.cursor.close()
        return row

    def one(self) -> Any:
        rows = self.cursor.fetchmany(2)
        if len(rows) != 1:
            raise NoRow(f"expected one row, found {'none' if not rows else 'several'}")
        return rows[0]

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalars(self) -> Scalars:
        return Scalars(self)


class Scalars:
    """The first column of each row."""

    def __init__(self, result: Result):
        self.result = result

    def __iter__(self) -> Iterator[Any]:
        return (row[0] for row in self.result)

    def all(self) -> list[Any]:
        return list(self)

    def first(self) -> Any:
        return self.result.scalar()


class Connection:
    """A sqlite3 connection in autocommit mode: mockprep issues BEGIN and COMMIT itself."""

    def __init__(self, raw: sqlite3.Connection):
        self.raw = raw

    def execute(self, sql: str, params: Mapping[str, Any] | list[Mapping[str, Any]] | None = None) -> Result:
        """Run SQL with ``:name`` parameters (a list value fills an ``IN :name``); a list of parameter
        sets runs the statement once for each."""
        if isinstance(params, list):
            return Result(self.raw.executemany(sql, [{k: _bound(v) for k, v in p.items()} for p in params]))
        if params:
            sql, bound = _expand(sql, params)
            return Result(self.raw.execute(sql, bound))
        return Result(self.raw.execute(sql))

    def exec_driver_sql(self, sql: str, params: Sequence[Any] = ()) -> Result:
        """Run SQL with ``?`` parameters, as given."""
        return Result(self.raw.execute(sql, params))

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def close(self) -> None:
        self.raw.close()
