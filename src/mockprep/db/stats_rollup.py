"""The stats roll-up (m014): the review log summed per local day, month and second of answer time,
kept in step with every write by triggers, so ``stats`` reads a few thousand rows, not a million.

- ``stats_days``: per local day, round and bank: answers, their time, answers in sessions and points.
- ``stats_topic_days``, ``stats_topic_months``: per local day (month), round, topic and bank: answers
  in review state outside cram (the retention figures), passed, lapses; and every answer outside cram
  and those failed (the weakest topics, m027). Months make a year a dozen rows.
- ``stats_times``: per round, bank and whole second of answer time: answers and their time (medians).
- ``stats_zone``: the offsets from UTC the days were counted with (the first from ``''``, all before).

Triggers on ``reviews`` (insert, delete, an update of a counted column) and on ``questions`` (a new
round, topic or bank moves that question's counts) keep it right whoever writes: a session, undo,
merge, sync. A bulk writer wraps its insert in :func:`bulk`, which drops the triggers for it and then
rebuilds the roll-up (the import) or adds the new reviews grouped (the merge). :func:`ensure` rebuilds
it once when the zone's offsets change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from mockprep.core.zone_offsets import Offsets, same_offsets
from mockprep.db.sql import db_time, db_us, from_db_time, sql_points, text_us

TABLES = (
    "CREATE TABLE stats_zone (since TEXT PRIMARY KEY, minutes INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE stats_days (day TEXT NOT NULL, round TEXT NOT NULL, bank_id TEXT NOT NULL,"
    " answers INTEGER NOT NULL, answer_ms INTEGER NOT NULL, scored INTEGER NOT NULL,"
    " points INTEGER NOT NULL, PRIMARY KEY (day, round, bank_id)) WITHOUT ROWID",
    "CREATE TABLE stats_topic_days (day TEXT NOT NULL, round TEXT NOT NULL, topic TEXT NOT NULL,"
    " bank_id TEXT NOT NULL, reviewed INTEGER NOT NULL, passed INTEGER NOT NULL, lapses INTEGER NOT NULL,"
    " answered INTEGER NOT NULL, failed INTEGER NOT NULL, PRIMARY KEY (day, round, topic, bank_id))"
    " WITHOUT ROWID",
    "CREATE TABLE stats_topic_months (month TEXT NOT NULL, round TEXT NOT NULL, topic TEXT NOT NULL,"
    " bank_id TEXT NOT NULL, reviewed INTEGER NOT NULL, passed INTEGER NOT NULL, lapses INTEGER NOT NULL,"
    " answered INTEGER NOT NULL, failed INTEGER NOT NULL, PRIMARY KEY (month, round, topic, bank_id))"
    " WITHOUT ROWID",
    "CREATE TABLE stats_times (round TEXT NOT NULL, bank_id TEXT NOT NULL, second INTEGER NOT NULL,"
    " answers INTEGER NOT NULL, answer_ms INTEGER NOT NULL,"
    " PRIMARY KEY (round, second, bank_id)) WITHOUT ROWID",
)
ROLLUP_TABLES = ("stats_days", "stats_topic_days", "stats_topic_months", "stats_times")
TOPIC_TABLES = ("stats_topic_days", "stats_topic_months")

# The review columns the roll-up counts: a change to any of them moves the review's counts.
COUNTED = ("rated_at", "duration_ms", "session_id", "rating", "state_before", "cram", "time_limit_ms")

# A review's local day (``s.rated_at``) under the recorded offsets: one look-up in stats_zone.
DAY = (
    "date(s.rated_at, (SELECT printf('%+d minutes', z.minutes) FROM stats_zone z"
    " WHERE z.since <= s.rated_at ORDER BY z.since DESC LIMIT 1))"
)


def _sums(table: str, keys: tuple[str, ...], values: dict[str, str], source: str, where: str) -> str:
    """Add the rows of ``source`` (SQL yielding :data:`COUNTED`, round, topic and bank_id as ``s``),
    grouped by ``keys`` (name: expression pairs in ``values`` too), to ``table``'s counters."""
    names = [*keys, *(name for name in values if name not in keys)]
    update = ", ".join(f"{name} = {name} + excluded.{name}" for name in values if name not in keys)
    return (
        f"INSERT INTO {table} ({', '.join(names)})"
        f" SELECT {', '.join(f'{values[name]} AS {name}' for name in names)}"
        f" FROM ({source}) s WHERE {where} GROUP BY {', '.join(keys)}"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update}"
    )


def _apply(source: str, sign: int, day: str = DAY) -> list[str]:
    """Statements that add (``sign`` 1) or take away (-1) the reviews of ``source`` from the roll-up;
    taking away also deletes the rows left at zero, so the roll-up always equals a rebuild. ``day`` is
    a review's local day (``s.rated_at``): by default looked up in stats_zone."""
    points = sql_points("s.rating", "s.duration_ms", "s.time_limit_ms")
    # a topic's row: every answer outside cram (answered, failed), those in review state the retention
    topic = {"reviewed": f"{sign} * SUM(s.state_before = 2)"}
    topic["passed"] = f"{sign} * SUM(s.state_before = 2 AND s.rating > 1)"
    topic["lapses"] = f"{sign} * SUM(s.state_before = 2 AND s.rating = 1)"
    topic |= {"answered": f"{sign} * COUNT(*)", "failed": f"{sign} * SUM(s.rating = 1)"}
    parts = [
        (
            "stats_days",
            {"day": day, "round": "s.round", "bank_id": "s.bank_id"},
            {
                "answers": f"{sign} * COUNT(*)",
                "answer_ms": f"{sign} * SUM(s.duration_ms)",
                "scored": f"{sign} * SUM(s.session_id IS NOT NULL)",
                "points": f"{sign} * COALESCE(SUM(CASE WHEN s.session_id IS NOT NULL THEN {points} END), 0)",
            },
            "1",
            "answers",
        ),
        (
            "stats_topic_days",
            {"day": day, "round": "s.round", "topic": "s.topic", "bank_id": "s.bank_id"},
            topic,
            "NOT s.cram",
            "answered",
        ),
        (
            "stats_topic_months",
            {"month": f"substr({day}, 1, 7)", "round": "s.round", "topic": "s.topic", "bank_id": "s.bank_id"},
            topic,
            "NOT s.cram",
            "answered",
        ),
        (
            "stats_times",
            {"round": "s.round", "second": "s.duration_ms / 1000", "bank_id": "s.bank_id"},
            {"answers": f"{sign} * COUNT(*)", "answer_ms": f"{sign} * SUM(s.duration_ms)"},
            "1",
            "answers",
        ),
    ]
    out = []
    for table, keys, counters, where, count in parts:
        out.append(_sums(table, tuple(keys), {**keys, **counters}, source, where))
        if sign < 0:
            out.append(
                f"DELETE FROM {table} WHERE {count} = 0 AND ({', '.join(keys)}) IN"
                f" (SELECT {', '.join(keys.values())} FROM ({source}) s WHERE {where})"
            )
    return out


def _review(row: str) -> str:
    """The review ``row`` (NEW or OLD) with its question's round, topic and bank."""
    columns = ", ".join(f"{row}.{c} AS {c}" for c in COUNTED)
    return f"SELECT {columns}, q.round, q.topic, q.bank_id FROM questions q WHERE q.id = {row}.question_id"


def _question(row: str) -> str:
    """Every review of the question ``row`` (NEW or OLD), with that row's round, topic and bank."""
    columns = ", ".join(f"r.{c} AS {c}" for c in COUNTED)
    return (
        f"SELECT {columns}, {row}.round AS round, {row}.topic AS topic, {row}.bank_id AS bank_id"
        f" FROM reviews r WHERE r.question_id = {row}.id"
    )


def _trigger(name: str, event: str, statements: list[str]) -> str:
    return f"CREATE TRIGGER {name} {event} BEGIN {'; '.join(statements)}; END"


TRIGGERS = {
    "stats_review_added": _trigger(
        "stats_review_added", "AFTER INSERT ON reviews", _apply(_review("NEW"), 1)
    ),
    "stats_review_removed": _trigger(
        "stats_review_removed", "AFTER DELETE ON reviews", _apply(_review("OLD"), -1)
    ),
    "stats_review_changed": _trigger(
        "stats_review_changed",
        # (the time is written as rated_us since m018; rated_at is computed from it)
        f"AFTER UPDATE OF question_id, rated_us, {', '.join(COUNTED[1:])} ON reviews",
        [*_apply(_review("OLD"), -1), *_apply(_review("NEW"), 1)],
    ),
    "stats_question_moved": _trigger(
        "stats_question_moved",
        "AFTER UPDATE OF round, topic, bank_id ON questions WHEN OLD.round IS NOT NEW.round"
        " OR OLD.topic IS NOT NEW.topic OR OLD.bank_id IS NOT NEW.bank_id",
        [*_apply(_question("OLD"), -1), *_apply(_question("NEW"), 1)],
    ),
}


def create(cur: Any, offsets: Offsets) -> None:
    """The roll-up's tables and triggers, built from the log with ``offsets`` (the migration)."""
    for statement in TABLES:
        cur.execute(statement)
    set_zone(cur, offsets)
    rebuild(cur)
    for statement in TRIGGERS.values():
        cur.execute(statement)


def m027_topic_failures(cur: Any) -> None:
    """The weakest topics are judged on what the person fails: the topic tables count every answer
    outside cram and those rated again too (first answers, learning steps), not only review-state ones.
    The two tables are made again with the columns, the roll-up rebuilt and its triggers replaced."""
    for name in TRIGGERS:
        cur.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in TOPIC_TABLES:
        cur.execute(f"DROP TABLE {table}")
        cur.execute(next(t for t in TABLES if t.startswith(f"CREATE TABLE {table} ")))
    rebuild(cur)
    for statement in TRIGGERS.values():
        cur.execute(statement)


def rebuild(cur: Any) -> None:
    """The roll-up recomputed from the whole log under the recorded offsets: one grouped pass over the
    log by day, round, topic and bank (the three day and month tables are sums of it) and one by round,
    bank and second. The rules are the triggers'; a property test holds the two equal."""
    for table in ROLLUP_TABLES:
        cur.execute(f"DELETE FROM {table}")
    # (the migration that made the roll-up, m014, ran before the log had rated_us: m016)
    micro = any(row[1] == "rated_us" for row in cur.execute("PRAGMA table_xinfo(reviews)").fetchall())
    day, params = local_date("r.rated_us" if micro else "r.rated_at", zone(cur), micro=micro)
    cur.execute(_build("reviews", "questions", day), params)
    for table, select in _FROM_BUILD.items():
        # by name: a migration before m027 rebuilds topic tables without its two columns
        columns = ", ".join(row[1] for row in cur.execute(f"PRAGMA table_info({table})").fetchall())
        cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({select})")
    cur.execute("DROP TABLE temp.stats_build")
    cur.execute(f"INSERT INTO stats_times {_times('reviews', 'questions')}")


def count(con: Any, reviews: str, questions: str, offsets: Offsets, into: str, micro: bool = False) -> None:
    """What :func:`rebuild` writes, counted from the tables ``reviews`` and ``questions`` (any with
    their columns) on ``con`` into tables named as the roll-up's in the schema ``into``, from which
    :func:`write` copies them: an import counts its staged reviews on a connection of its own while
    its main one copies them and builds indexes. ``micro``: ``reviews`` has ``rated_us`` (else its
    ``rated_at`` text is read).

    The reviews are grouped by one integer (the local day's number, and the question's round, topic
    and bank numbered) instead of four texts, and the names joined to the groups after: a million
    reviews in about 5 s instead of 10 (counted alone). A test holds the result equal to :func:`rebuild`'s,
    which stays the plain SQL on purpose: the two are written independently."""
    places: dict[tuple[str, str, str], int] = {}
    pairs: dict[tuple[str, str], int] = {}
    numbered = [
        (qid, places.setdefault((rnd, topic, bank), len(places)), pairs.setdefault((rnd, bank), len(pairs)))
        for qid, rnd, topic, bank in con.execute(f"SELECT id, round, topic, bank_id FROM {questions}")
    ]
    temp = {
        "count_places": ("id INTEGER PRIMARY KEY, place INTEGER, pair INTEGER", numbered),
        "count_names": (
            "place INTEGER PRIMARY KEY, round, topic, bank_id",
            [(n, *place) for place, n in places.items()],
        ),
        "count_pairs": ("pair INTEGER PRIMARY KEY, round, bank_id", [(n, *p) for p, n in pairs.items()]),
    }
    for table, (columns, rows) in temp.items():
        con.execute(f"CREATE TEMP TABLE {table} ({columns})")
        marks = ", ".join("?" * len(columns.split(", ")))
        con.executemany(f"INSERT INTO temp.{table} VALUES ({marks})", rows)
    try:
        us = "r.rated_us" if micro else f"({text_us('r.rated_at')})"
        shift, params = _shift_seconds(us, offsets)
        points = sql_points("r.rating", "r.duration_ms", "r.time_limit_ms")
        counted = "r.state_before = 2 AND NOT r.cram"
        join = f" FROM {reviews} r JOIN temp.count_places p ON p.id = r.question_id"
        con.execute(
            f"CREATE TEMP TABLE stats_build AS SELECT date(g.k / {_SPAN} * 86400, 'unixepoch') AS day,"
            " n.round, n.topic, n.bank_id, g.answers, g.answer_ms, g.scored, g.points, g.reviewed,"
            " g.passed, g.lapses, g.answered, g.failed"
            f" FROM (SELECT ({us} / 1000000 + {shift}) / 86400 * {_SPAN} + p.place AS k,"
            " COUNT(*) AS answers, SUM(r.duration_ms) AS answer_ms, SUM(r.session_id IS NOT NULL) AS scored,"
            f" COALESCE(SUM(CASE WHEN r.session_id IS NOT NULL THEN {points} END), 0) AS points,"
            f" SUM({counted}) AS reviewed, SUM({counted} AND r.rating > 1) AS passed,"
            f" SUM({counted} AND r.rating = 1) AS lapses, {_ANSWERED}{join} GROUP BY k) g"
            f" JOIN temp.count_names n ON n.place = g.k % {_SPAN}",
            params,
        )
        try:
            for table, select in _FROM_BUILD.items():
                con.execute(f"CREATE TABLE {into}.{table} AS {select}")
        finally:
            con.execute("DROP TABLE temp.stats_build")
        con.execute(
            f"CREATE TABLE {into}.stats_times AS SELECT n.round, n.bank_id, g.k % {_SPAN} AS second,"
            f" g.answers, g.answer_ms FROM (SELECT p.pair * {_SPAN} + r.duration_ms / 1000 AS k,"
            f" COUNT(*) AS answers, SUM(r.duration_ms) AS answer_ms{join} GROUP BY k) g"
            f" JOIN temp.count_pairs n ON n.pair = g.k / {_SPAN}"
        )
    finally:
        for table in temp:
            con.execute(f"DROP TABLE temp.{table}")


_SPAN = 1 << 20  # a day's number times this, plus a place's number (fewer than this many)


def _shift_seconds(us: str, offsets: Offsets) -> tuple[str, dict[str, int]]:
    """SQL for the offset from UTC, in seconds, at the time ``us`` (microseconds) under ``offsets``."""
    params = {f"shift{i}": minutes * 60 for i, (_since, minutes) in enumerate(offsets)}
    params |= {f"since{i}": db_us(since) for i, (since, _minutes) in enumerate(offsets) if i}
    return _by_period(us, len(offsets)), params


def _by_period(column: str, periods: int) -> str:
    """SQL for ``:shift{i}`` of the period ``column`` falls in (period i starts at ``:since{i}``): the
    periods searched by halves, so a row costs a few comparisons even over many years."""

    def shift(first: int, last: int) -> str:
        if first == last:
            return f":shift{first}"
        middle = (first + last + 1) // 2
        earlier, later = shift(first, middle - 1), shift(middle, last)
        return f"CASE WHEN {column} < :since{middle} THEN {earlier} ELSE {later} END"

    return shift(0, periods - 1)


def write(cur: Any, counted: str) -> None:
    """The roll-up replaced by what :func:`count` left in the schema ``counted``."""
    for table in ROLLUP_TABLES:
        cur.execute(f"DELETE FROM {table}")
        cur.execute(f"INSERT INTO {table} SELECT * FROM {counted}.{table}")


def _build(reviews: str, questions: str, day: str) -> str:
    """The log grouped by local day, round, topic and bank, with every counter, as temp.stats_build."""
    points = sql_points("r.rating", "r.duration_ms", "r.time_limit_ms")
    counted = "r.state_before = 2 AND NOT r.cram"
    return (
        f"CREATE TEMP TABLE stats_build AS SELECT {day} AS day, q.round, q.topic, q.bank_id,"
        " COUNT(*) AS answers, SUM(r.duration_ms) AS answer_ms, SUM(r.session_id IS NOT NULL) AS scored,"
        f" COALESCE(SUM(CASE WHEN r.session_id IS NOT NULL THEN {points} END), 0) AS points,"
        f" SUM({counted}) AS reviewed, SUM({counted} AND r.rating > 1) AS passed,"
        f" SUM({counted} AND r.rating = 1) AS lapses, {_ANSWERED}"
        f" FROM {reviews} r JOIN {questions} q ON q.id = r.question_id GROUP BY 1, 2, 3, 4"
    )


# A topic's answers outside cram and those rated again, as temp.stats_build counts them.
_ANSWERED = "SUM(NOT r.cram) AS answered, SUM(NOT r.cram AND r.rating = 1) AS failed"

# Each day and month table's rows from temp.stats_build, in its columns' order, each named as its column.
_FROM_BUILD = {
    "stats_days": "SELECT day, round, bank_id, SUM(answers) AS answers, SUM(answer_ms) AS answer_ms,"
    " SUM(scored) AS scored, SUM(points) AS points FROM stats_build GROUP BY day, round, bank_id",
    "stats_topic_days": "SELECT day, round, topic, bank_id, reviewed, passed, lapses, answered, failed"
    " FROM stats_build WHERE answered > 0 ORDER BY 1, 2, 3, 4",
    "stats_topic_months": "SELECT substr(day, 1, 7) AS month, round, topic, bank_id,"
    " SUM(reviewed) AS reviewed, SUM(passed) AS passed, SUM(lapses) AS lapses, SUM(answered) AS answered,"
    " SUM(failed) AS failed FROM stats_build WHERE answered > 0 GROUP BY 1, 2, 3, 4",
}


def _times(reviews: str, questions: str) -> str:
    """stats_times's rows, in its columns' order."""
    return (
        "SELECT q.round, q.bank_id, r.duration_ms / 1000 AS second, COUNT(*), SUM(r.duration_ms)"
        f" FROM {reviews} r JOIN {questions} q ON q.id = r.question_id GROUP BY 1, 3, 2"
    )


def local_date(
    column: str, offsets: Offsets, *modifiers: str, micro: bool = False
) -> tuple[str, dict[str, str | int]]:
    """SQL for the local date of the UTC time ``column`` under ``offsets`` (one per DST period, see
    :func:`mockprep.core.zone_offsets.utc_offsets`), with SQLite date ``modifiers`` after; and its parameters.
    ``micro``: the column holds microseconds since 1970 (``rated_us``), three times quicker to date
    than the text (a million reviews: 3 s against 10 s)."""
    extra = "".join(f", '{m}'" for m in modifiers)
    if micro:
        shift, seconds = _shift_seconds(column, offsets)
        return f"date({column} / 1000000 + {shift}, 'unixepoch'{extra})", dict(seconds)
    params: dict[str, str | int] = {f"shift{i}": f"{m:+d} minutes" for i, (_since, m) in enumerate(offsets)}
    params |= {f"since{i}": db_time(since) for i, (since, _minutes) in enumerate(offsets) if i}
    return f"date({column}, {_by_period(column, len(offsets))}{extra})", params


@contextmanager
def bulk(
    cur: Any,
    after_id: int | None = None,
    counted: Callable[[], str] | None = None,
) -> Iterator[None]:
    """For a bulk insert into ``reviews``: the triggers are off for the block (a row at a time they
    cost about 0.1 ms an answer) and the roll-up is brought up to date after it, inside the caller's
    transaction: rebuilt, or with ``after_id`` the reviews after that id added, grouped, or replaced
    by the tables in the schema ``counted`` gives (:func:`count` of the same reviews, elsewhere: an
    import's staging)."""
    for name in TRIGGERS:
        cur.execute(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for statement in TRIGGERS.values():
        cur.execute(statement)
    if counted is not None:
        write(cur, counted())
        return
    if after_id is None:
        rebuild(cur)
        return
    # (dated from rated_us, m018: the text rated_at is worked out from it again at each mention)
    day, params = local_date("s.rated_us", zone(cur), micro=True)
    for statement in _apply(f"{_EVERY_REVIEW} WHERE r.id > :after_id", 1, day):
        cur.execute(statement, {**params, "after_id": after_id})


_EVERY_REVIEW = (
    f"SELECT {', '.join(f'r.{c} AS {c}' for c in COUNTED)}, r.rated_us AS rated_us, q.round, q.topic,"
    " q.bank_id FROM reviews r JOIN questions q ON q.id = r.question_id"
)


def zone(cur: Any, schema: str = "main") -> Offsets:
    """The offsets the roll-up was counted with (in the database attached as ``schema``)."""
    rows = cur.execute(f"SELECT since, minutes FROM {schema}.stats_zone ORDER BY since").fetchall()
    return [(from_db_time(since) or _EARLIEST if since else _EARLIEST, minutes) for since, minutes in rows]


_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)


def set_zone(cur: Any, offsets: Offsets) -> None:
    cur.execute("DELETE FROM stats_zone")
    cur.executemany(
        "INSERT INTO stats_zone (since, minutes) VALUES (?, ?)",
        [("" if i == 0 else db_time(since), minutes) for i, (since, minutes) in enumerate(offsets)],
    )


def fits(cur: Any, offsets: Offsets) -> bool:
    """Whether the roll-up's days are the local days under ``offsets``: the recorded offsets agree
    with them over the span of the log (or, with no log yet, over all of ``offsets``: the triggers
    will date new answers with them)."""
    # Two look-ups in the index by time (m016: its key is rated_us, which orders as rated_at does).
    first, last = cur.execute(
        "SELECT (SELECT rated_at FROM reviews ORDER BY rated_us LIMIT 1),"
        " (SELECT rated_at FROM reviews ORDER BY rated_us DESC LIMIT 1)"
    ).fetchone()
    recorded = zone(cur)
    if not recorded:
        return False
    if first is None:
        return same_offsets(recorded, offsets, offsets[0][0], offsets[-1][0])
    return same_offsets(recorded, offsets, from_db_time(first) or _EARLIEST, from_db_time(last) or _EARLIEST)


def ensure(cur: Any, offsets: Offsets) -> None:
    """Recount the roll-up under ``offsets`` (the person's zone changed) when it does not fit them."""
    if not fits(cur, offsets):
        set_zone(cur, offsets)
        rebuild(cur)
