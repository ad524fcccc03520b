"""What a package's rows must hold before they enter a home: values a JSON import would accept.

A package is a database file from anywhere. Its schema never enters the home (only its rows are copied,
column by column, into the home's own tables: :mod:`mockprep.db.package`); its values are checked here
in SQL, one pass over each table, and the small tables are read through once so that text that is not
UTF-8 is named here, not later in the home.
"""

from __future__ import annotations

import sqlite3

from mockprep.db import review_codec
from mockprep.db.review_indexes import reused_uid


class PackageError(ValueError):
    """A file that is not a usable package; the message says what is wrong, in one line."""


class DamagedPackage(PackageError):
    """A package (a database) with a damaged page: ``import --merge`` reads what can still be read."""


# A time as mockprep writes it (db/sql.py: "YYYY-MM-DD HH:MM:SS.ffffff", UTC) that SQLite can read
_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*"
_TIME = "({c} GLOB '" + _DATE + "' AND julianday({c}) IS NOT NULL)"
_JSON = "json_valid({c})"
_YEAR_10000 = 253402300800 * 1_000_000  # in microseconds since 1970
# (table, key column, what must hold, the field named); a NULL where a column allows one passes
VALUE_CHECKS = (
    ("reviews", "id", "rating BETWEEN 1 AND 4", "rating"),
    ("reviews", "id", "state_before BETWEEN 0 AND 3", "state_before"),
    # the time is stored as microseconds since 1970 (m018), read back as text up to the year 9999
    (
        "reviews",
        "id",
        f"typeof(rated_us) = 'integer' AND rated_us >= 0 AND rated_us < {_YEAR_10000}",
        "rated_us",
    ),
    ("reviews", "id", "typeof(duration_ms) = 'integer' AND duration_ms >= 0", "duration_ms"),
    ("reviews", "id", "typeof(uid) = 'blob' AND length(uid) = 16", "uid"),
    ("reviews", "id", "suggested IS NULL OR suggested BETWEEN 1 AND 4", "suggested"),
    *(
        ("reviews", "id", f"{c} IS NULL OR json_valid({c})", c)
        for c in ("code_result", "delivery", "model_errors")
    ),
    # verdict lists: one character per key point (m019), or the JSON list written before
    *(
        (
            "reviews",
            "id",
            f"{c} IS NULL OR (typeof({c}) = 'text' AND (NOT {c} GLOB '*[^-+~!]*' OR json_valid({c})))",
            c,
        )
        for c in ("proposed", "checklist", "model_proposed")
    ),
    # a built-in grader's code (m019), one byte
    (
        "reviews",
        "id",
        "typeof(grader) != 'blob' OR grader IN ("  # (compared as bytes: hex() would allocate)
        + ", ".join(f"x'{code:02X}'" for code in review_codec.GRADER_CODES.values())
        + ")",
        "grader",
    ),
    (
        "reviews",
        "id",
        "card_before IS NULL OR typeof(card_before) = 'text' OR length(card_before) = 35",
        "card_before",
    ),
    ("cards", "question_id", "state BETWEEN 1 AND 3", "state"),
    # the card before the question's latest rating (m021), as undo reads it
    (
        "cards",
        "question_id",
        "undo_review_id IS NULL OR typeof(undo_review_id) = 'integer'",
        "undo_review_id",
    ),
    (
        "cards",
        "question_id",
        "undo_card IS NULL OR typeof(undo_card) = 'text' OR length(undo_card) = 35",
        "undo_card",
    ),
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
    ("questions", "id", "json_type(data) = 'object' AND json_type(data, '$.prompt') = 'text'", "data"),
    ("questions", "id", _TIME.format(c="added_at"), "added_at"),
    ("sessions", "id", _TIME.format(c="started_at"), "started_at"),
    ("sessions", "id", "ended_at IS NULL OR " + _TIME.format(c="ended_at"), "ended_at"),
    ("sessions", "id", _JSON.format(c="filters") + " AND json_type(filters) = 'object'", "filters"),
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


def check_job(package: str) -> None:
    """:func:`check_contents` of the database file ``package``, on one snapshot (a worker's job:
    :mod:`mockprep.db.worker_jobs`)."""
    con = sqlite3.connect(package, isolation_level=None)
    try:
        con.execute("BEGIN")
        check_contents(con, "main")
    finally:
        con.close()


def check_contents(raw: sqlite3.Connection, schema: str) -> None:
    """Raise PackageError naming the first problem in the database attached as ``schema``: a damaged
    page, a row referring to one that is not there, a value out of its range, text that is not UTF-8."""
    try:
        result = str(raw.execute(f"PRAGMA {schema}.quick_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:  # a page it cannot even read
        result = str(exc)
    if result != "ok":
        found = [line for line in result.splitlines() if line and not line.startswith("***")]
        raise DamagedPackage(f"damaged ({'; '.join(found[:2])})")
    _check_references(raw, schema)
    tables: dict[str, list[tuple[str, str, str]]] = {}
    for table, key, holds, field in VALUE_CHECKS:
        holds = holds.replace("FROM story_versions", f"FROM {schema}.story_versions")  # (not main's)
        tables.setdefault(table, []).append((key, holds, field))
    for table, checks in tables.items():  # one pass over each table (a million reviews: about a second)
        key = checks[0][0]
        failing = [f"NOT coalesce(({holds}), 0)" for _key, holds, _field in checks]
        which = " ".join(f"WHEN {f} THEN {n}" for n, f in enumerate(failing))
        row = raw.execute(
            f"SELECT {key}, CASE {which} END FROM {schema}.{table} WHERE {' OR '.join(failing)} LIMIT 1"
        ).fetchone()
        if row is not None:
            field = checks[row[1]][2]
            value = "none" if field == "versions" else _value(raw, f"{schema}.{table}", key, row[0], field)
            raise PackageError(f"{table} row {row[0]}: {field} {value!r} is not valid")
    reused = reused_uid(raw, f"{schema}.reviews")  # (no unique index of them: m022)
    if reused is not None:
        raise PackageError(f"reviews: uid {review_codec.uid_hex(reused)} is used twice")
    _check_questions(raw, schema)
    for table in SMALL_TABLES:
        try:
            for _row in raw.execute(f"SELECT * FROM {schema}.{table}"):
                pass
        except sqlite3.OperationalError as exc:  # "Could not decode to UTF-8 column ..."
            raise PackageError(f"{table}: {exc}") from None


def _check_references(raw: sqlite3.Connection, schema: str) -> None:
    """Every row's references lead to a row that is there, and every reviewed question has a card.

    SQLite's own check, table by table, but for the reviews: one pass over them looks up each review's
    card, session and parameters (a million reviews: about 1 s, against 1.7 s for SQLite's check and
    0.3 s more for the cards). Every card's question is looked up too (whatever the file declares of
    its tables' references), so a review whose card is there has its question."""
    tables = raw.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name != 'reviews'"
    )
    for (table,) in tables.fetchall():
        quoted = table.replace('"', '""')
        broken = raw.execute(f'PRAGMA {schema}.foreign_key_check("{quoted}")').fetchone()
        if broken is not None:
            table, rowid, parent, _fk = broken
            raise PackageError(f"{table} row {rowid} refers to a row of {parent} that is not there")
    orphan = raw.execute(
        f"SELECT c.question_id FROM {schema}.cards c"
        f" WHERE NOT EXISTS (SELECT 1 FROM {schema}.questions q WHERE q.id = c.question_id) LIMIT 1"
    ).fetchone()
    if orphan is not None:
        raise PackageError(f"cards row {orphan[0]} refers to a row of questions that is not there")
    card = f"EXISTS (SELECT 1 FROM {schema}.cards c WHERE c.question_id = r.question_id)"
    question = f"EXISTS (SELECT 1 FROM {schema}.questions q WHERE q.id = r.question_id)"
    session = (
        f"(r.session_id IS NULL OR EXISTS (SELECT 1 FROM {schema}.sessions s WHERE s.id = r.session_id))"
    )
    params = "(r.params_id IS NULL OR EXISTS"
    params += f" (SELECT 1 FROM {schema}.scheduler_params p WHERE p.id = r.params_id))"
    broken = raw.execute(
        f"SELECT r.id, r.question_id, CASE WHEN NOT {card} THEN (CASE WHEN {question} THEN NULL"
        f" ELSE 'questions' END) WHEN NOT {session} THEN 'sessions' ELSE 'scheduler_params' END"
        f" FROM {schema}.reviews r WHERE NOT ({card} AND {session} AND {params}) LIMIT 1"
    ).fetchone()
    if broken is not None:
        rowid, question_id, parent = broken
        if parent is None:
            raise PackageError(f"question {question_id} has reviews but no card")
        raise PackageError(f"reviews row {rowid} refers to a row of {parent} that is not there")


def _value(raw: sqlite3.Connection, table: str, key: str, row: object, field: str) -> object:
    try:
        return raw.execute(f"SELECT {field} FROM {table} WHERE {key} = ?", (row,)).fetchone()[0]
    except sqlite3.OperationalError:  # not UTF-8: named by its bytes
        return raw.execute(f"SELECT CAST({field} AS BLOB) FROM {table} WHERE {key} = ?", (row,)).fetchone()[0]


def _check_questions(raw: sqlite3.Connection, schema: str) -> None:
    """Each question's data read as the session reads it (a few thousand rows: milliseconds)."""
    import json

    from mockprep.core.questions import QuestionSpec

    try:
        for qid, data in raw.execute(f"SELECT id, data FROM {schema}.questions"):
            try:
                QuestionSpec.from_dict(json.loads(data))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise PackageError(f"questions row {qid}: data is not a question ({exc})") from None
    except sqlite3.OperationalError as exc:  # "Could not decode to UTF-8 column ..."
        raise PackageError(f"questions: {exc}") from None
