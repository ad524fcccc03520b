"""What a package's copy must be before it becomes a home: mockprep's own schema (the importing home's),
and values a JSON import would accept.

A package is a database file from anywhere, so nothing in its schema is trusted: its triggers and
views are dropped and the home's created instead, tables and indexes the home does not have are
dropped, and a table whose columns, keys or references differ from the home's refuses the package.
Values are checked in SQL, a scan of each table (the review log's checks in one pass), and the small
tables are read through once so text that is not UTF-8 is named here, not later in the home.
"""

from __future__ import annotations

import sqlite3


class PackageError(ValueError):
    """A file that is not a usable package; the message says what is wrong, in one line."""


_TIME = "julianday({c}) IS NOT NULL"
_JSON = "json_valid({c})"
# (table, key column, what must hold, the field named); a NULL where a column allows one passes
VALUE_CHECKS = (
    ("reviews", "id", "rating BETWEEN 1 AND 4", "rating"),
    ("reviews", "id", "state_before BETWEEN 0 AND 3", "state_before"),
    ("reviews", "id", "rated_us IS NOT NULL AND rated_at >= '1970'", "rated_at"),
    ("reviews", "id", "typeof(duration_ms) = 'integer' AND duration_ms >= 0", "duration_ms"),
    ("reviews", "id", "typeof(uid) = 'blob' AND length(uid) = 16", "uid"),
    ("reviews", "id", "suggested IS NULL OR suggested BETWEEN 1 AND 4", "suggested"),
    *(
        ("reviews", "id", f"{c} IS NULL OR json_valid({c})", c)
        for c in ("proposed", "checklist", "code_result", "delivery", "model_proposed", "model_errors")
    ),
    ("cards", "question_id", "state BETWEEN 1 AND 3", "state"),
    ("cards", "question_id", _TIME.format(c="due"), "due"),
    ("cards", "question_id", "stability IS NULL OR stability > 0", "stability"),
    ("cards", "question_id", "difficulty IS NULL OR difficulty BETWEEN 1 AND 10", "difficulty"),
    (
        "cards",
        "question_id",
        "last_review IS NULL OR (stability IS NOT NULL AND difficulty IS NOT NULL)",
        "stability",
    ),
    *(("questions", "id", _JSON.format(c=c), c) for c in ("data", "roles", "competencies")),
    ("questions", "id", _TIME.format(c="added_at"), "added_at"),
    ("sessions", "id", _TIME.format(c="started_at"), "started_at"),
    ("sessions", "id", "ended_at IS NULL OR " + _TIME.format(c="ended_at"), "ended_at"),
    ("sessions", "id", _JSON.format(c="filters"), "filters"),
    ("sessions", "id", "uid IS NOT NULL", "uid"),
    ("banks", "id", "synced_at IS NULL OR " + _TIME.format(c="synced_at"), "synced_at"),
    ("banks", "id", _JSON.format(c="roles"), "roles"),
    ("bank_sources", "path", _TIME.format(c="added_at"), "added_at"),
    ("mock_answers", "id", _TIME.format(c="answered_at"), "answered_at"),
    ("stories", "id", _TIME.format(c="created_at"), "created_at"),
    ("stories", "id", "uid IS NOT NULL", "uid"),
    ("stories", "id", "EXISTS (SELECT 1 FROM story_versions v WHERE v.story_id = stories.id)", "versions"),
    ("story_versions", "id", _TIME.format(c="saved_at"), "saved_at"),
    ("plans", "id", _TIME.format(c="created_at"), "created_at"),
    ("scheduler_params", "id", _JSON.format(c="parameters"), "parameters"),
)
# Read through once in Python: text SQLite holds but cannot give back as UTF-8 is named here.
SMALL_TABLES = ("banks", "questions", "sessions", "stories", "story_versions", "plans", "scheduler_params")


def align_schema(raw: sqlite3.Connection) -> None:
    """Make the schema of ``main`` (the package's copy) the one of ``home`` (the importing home), or
    raise PackageError naming the first table that cannot hold mockprep's data as it is."""
    home = _objects(raw, "home")
    copy = _objects(raw, "main")
    for (kind, name), _sql in copy.items():
        if kind in ("trigger", "view"):
            raw.execute(f'DROP {kind.upper()} main."{name}"')
    for (kind, name), _sql in copy.items():
        if kind == "table" and (kind, name) not in home:
            raw.execute(f'DROP TABLE main."{name}"')
    for (kind, name), _sql in home.items():
        if kind != "table":
            continue
        if (kind, name) not in copy:
            raise PackageError(f"has no table {name}, which mockprep keeps")
        for what, shape in (("columns", _columns), ("keys", _keys), ("references", _references)):
            if shape(raw, "main", name) != shape(raw, "home", name):
                raise PackageError(f"table {name} is not mockprep's (its {what} differ)")
    for (kind, name), sql in copy.items():
        if kind == "index" and _same(sql) != _same(home.get((kind, name))):
            raw.execute(f'DROP INDEX main."{name}"')
    for (kind, name), sql in home.items():
        if kind == "index" and _same(sql) != _same(copy.get((kind, name))):
            raw.execute(sql)


def create_triggers(raw: sqlite3.Connection) -> None:
    """The home's triggers in ``main`` (after the import's own changes, which they must not record)."""
    for (kind, _name), sql in _objects(raw, "home").items():
        if kind == "trigger":
            raw.execute(sql)


def check_contents(raw: sqlite3.Connection) -> None:
    """Raise PackageError naming the first problem in ``main``: a damaged page, a row referring to one
    that is not there, a value out of its range, text that is not UTF-8."""
    result = raw.execute("PRAGMA main.quick_check").fetchone()[0]
    if result != "ok":
        raise PackageError(f"damaged ({result})")
    broken = raw.execute("PRAGMA main.foreign_key_check").fetchone()
    if broken is not None:
        table, rowid, parent, _fk = broken
        raise PackageError(f"{table} row {rowid} refers to a row of {parent} that is not there")
    tables: dict[str, list[tuple[str, str, str]]] = {}
    for table, key, holds, field in VALUE_CHECKS:
        tables.setdefault(table, []).append((key, holds, field))
    for table, checks in tables.items():  # one pass over each table (a million reviews: about a second)
        key = checks[0][0]
        failing = [f"NOT coalesce(({holds}), 0)" for _key, holds, _field in checks]
        which = " ".join(f"WHEN {f} THEN {n}" for n, f in enumerate(failing))
        row = raw.execute(
            f"SELECT {key}, CASE {which} END FROM main.{table} WHERE {' OR '.join(failing)} LIMIT 1"
        ).fetchone()
        if row is not None:
            field = checks[row[1]][2]
            value = "none" if field == "versions" else _value(raw, table, key, row[0], field)
            raise PackageError(f"{table} row {row[0]}: {field} {value!r} is not valid")
    reviewed = raw.execute(
        "SELECT r.question_id FROM main.reviews r WHERE NOT EXISTS"
        " (SELECT 1 FROM main.cards c WHERE c.question_id = r.question_id) LIMIT 1"
    ).fetchone()
    if reviewed is not None:
        raise PackageError(f"question {reviewed[0]} has reviews but no card")
    for table in SMALL_TABLES:
        try:
            for _row in raw.execute(f"SELECT * FROM main.{table}"):
                pass
        except sqlite3.OperationalError as exc:  # "Could not decode to UTF-8 column ..."
            raise PackageError(f"{table}: {exc}") from None


def _value(raw: sqlite3.Connection, table: str, key: str, row: object, field: str) -> object:
    try:
        return raw.execute(f"SELECT {field} FROM main.{table} WHERE {key} = ?", (row,)).fetchone()[0]
    except sqlite3.OperationalError:  # not UTF-8: named by its bytes
        return raw.execute(
            f"SELECT CAST({field} AS BLOB) FROM main.{table} WHERE {key} = ?", (row,)
        ).fetchone()[0]


def _objects(raw: sqlite3.Connection, schema: str) -> dict[tuple[str, str], str]:
    rows = raw.execute(
        f"SELECT type, name, sql FROM {schema}.sqlite_master"
        " WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL"
    ).fetchall()
    return {(kind, name): sql for kind, name, sql in rows}


def _same(sql: str | None) -> str | None:
    return None if sql is None else " ".join(sql.replace("(", " ( ").replace(")", " ) ").split())


def _columns(raw: sqlite3.Connection, schema: str, table: str) -> list[tuple]:
    # (in any order: a column a repair adds comes last in the homes it repairs)
    return sorted(tuple(r)[1:] for r in raw.execute(f'PRAGMA {schema}.table_xinfo("{table}")'))


def _keys(raw: sqlite3.Connection, schema: str, table: str) -> list[tuple]:
    """The table's own unique keys (its primary key and UNIQUE columns), by their columns."""
    out = []
    for _seq, name, unique, origin, _partial in raw.execute(f'PRAGMA {schema}.index_list("{table}")'):
        if origin in ("u", "pk"):
            cols = tuple(r[2] for r in raw.execute(f'PRAGMA {schema}.index_info("{name}")'))
            out.append((unique, origin, cols))
    return sorted(out)


def _references(raw: sqlite3.Connection, schema: str, table: str) -> list[tuple]:
    return sorted(tuple(r)[2:] for r in raw.execute(f'PRAGMA {schema}.foreign_key_list("{table}")'))
