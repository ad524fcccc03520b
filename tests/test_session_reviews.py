"""m023: a session's reviews are found through the index by time, within the span its sessions row keeps."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.db.package import import_package, write_package
from mockprep.db.session_reviews import of_session, of_session_row
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from tests.conftest import START
from tests.test_package import answered

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"


def _found(raw: sqlite3.Connection, session_id: int) -> list[int]:
    """A session's reviews as the queries find them."""
    sql = f"SELECT r.id FROM reviews r WHERE {of_session(':s')} ORDER BY r.id"
    return [row[0] for row in raw.execute(sql, {"s": session_id})]


def _truth(raw: sqlite3.Connection, session_id: int) -> list[int]:
    """... and as reading the whole log finds them."""
    sql = "SELECT id FROM reviews NOT INDEXED WHERE session_id = ? ORDER BY id"
    return [row[0] for row in raw.execute(sql, (session_id,))]


def test_an_upgraded_home_finds_each_sessions_reviews_without_an_index_by_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(SCHEMAS / "schema-v22.db", home / DB_NAME)
    with Store.open(home, backups=False) as store:
        raw = store.conn.raw
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert "reviews_session" not in names
        assert {"sessions_review_bounds", "sessions_review_bounds_moved"} <= names
        sessions = [r[0] for r in raw.execute("SELECT id FROM sessions")]
        assert any(_truth(raw, s) for s in sessions)  # (the fixture's sessions hold reviews)
        for s in sessions:
            assert _found(raw, s) == _truth(raw, s)
        spans = raw.execute(
            "SELECT s.reviews_from_us, s.reviews_to_us, MIN(r.rated_us), MAX(r.rated_us)"
            " FROM sessions s LEFT JOIN reviews r ON r.session_id = s.id GROUP BY s.id"
        ).fetchall()
        assert all(lo == first and hi == last for lo, hi, first, last in spans)


def test_a_session_is_read_through_the_index_by_time(store: Store) -> None:
    raw = store.conn.raw
    for sql in (
        f"SELECT COUNT(*) FROM reviews r WHERE {of_session(':s')}",
        f"SELECT s.id, (SELECT COUNT(*) FROM reviews r WHERE {of_session_row('s')}) FROM sessions s",
    ):
        plan = " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", {"s": 1}))
        assert "reviews_rated" in plan, plan
        assert not re.search(r"\bSCAN r\b(?! USING)", plan), plan


# Each step: write a review (session 1-3 or none, a time in minutes, possibly before the session
# started, as a clock set back does), delete one, or move one to another session.
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.sampled_from([1, 2, 3, None]), st.integers(-600, 600)),
        st.tuples(st.just("delete"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("move"), st.integers(0, 50), st.sampled_from([1, 2, 3])),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_STEPS)
def test_any_history_of_writes_deletes_and_moves_finds_exactly_each_sessions_reviews(store, steps) -> None:
    raw = store.conn.raw
    raw.execute("DELETE FROM reviews")
    raw.execute("DELETE FROM sessions")
    question = raw.execute("SELECT id FROM questions LIMIT 1").fetchone()
    if question is None:
        raw.execute(
            "INSERT INTO banks (id, title, round, source, builtin, content_hash, synced_at)"
            " VALUES ('b', 'B', 'technical', 'x', 0, '', '2026-01-01')"
        )
        raw.execute(
            "INSERT INTO questions (key, bank_id, round, topic, difficulty, kind, data, added_at)"
            " VALUES ('b/q', 'b', 'technical', 't', 1, 'open', '{}', '2026-01-01')"
        )
        question = raw.execute("SELECT id FROM questions LIMIT 1").fetchone()
    for n in (1, 2, 3):
        raw.execute("INSERT INTO sessions (id, started_at) VALUES (?, '2026-03-02 09:00:00.000000')", (n,))
    base = int(START.timestamp()) * 1_000_000
    for kind, a, b in steps:
        ids = [r[0] for r in raw.execute("SELECT id FROM reviews ORDER BY id")]
        if kind == "write":
            raw.execute(
                "INSERT INTO reviews (question_id, session_id, rated_us, rating, state_before, duration_ms)"
                " VALUES (?, ?, ?, 3, 0, 1000)",
                (question[0], a, base + b * 60_000_000),
            )
        elif ids and kind == "delete":
            raw.execute("DELETE FROM reviews WHERE id = ?", (ids[a % len(ids)],))
        elif ids and kind == "move":
            raw.execute("UPDATE reviews SET session_id = ? WHERE id = ?", (b, ids[a % len(ids)]))
    for n in (1, 2, 3):
        assert _found(raw, n) == _truth(raw, n)


def test_a_package_whose_sessions_spans_lie_is_read_right(tmp_path: Path) -> None:
    """The spans are counted again on a restore, as the roll-up is: a file's own are never trusted."""
    with Store.open(tmp_path / "source", backups=False) as store:
        answered(store)
        write_package(store, tmp_path / "p.mockprep", START, "test")
    con = sqlite3.connect(tmp_path / "p.mockprep")
    con.execute("UPDATE sessions SET reviews_from_us = NULL, reviews_to_us = 0")
    con.commit()
    con.close()
    with Store.open(tmp_path / "new", backups=False) as store:
        import_package(store, tmp_path / "p.mockprep")
        (entry,) = store.sessions.history()
        assert entry.answered == 6
        raw = store.conn.raw
        assert _found(raw, entry.session.id) == _truth(raw, entry.session.id) != []
