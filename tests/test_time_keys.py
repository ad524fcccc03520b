"""m016: the log's time indexes keyed by ``rated_us``, and the queries that read the log by time."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.core.stats import StatsFilter
from mockprep.core.zone_offsets import zone_offsets
from mockprep.db import export_lines, review_log, stats_rollup
from mockprep.db.sql import db_time, db_us, from_iso, iso_us, text_us
from mockprep.db.time_keys import RATED_US

moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))


@given(st.lists(moments, min_size=1, max_size=20))
def test_rated_us_is_the_stored_time_in_microseconds_and_orders_as_it(times: list[datetime]) -> None:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE reviews (rated_at TEXT, rated_us INTEGER GENERATED ALWAYS AS ({RATED_US}))")
    con.executemany("INSERT INTO reviews (rated_at) VALUES (?)", [(db_time(t),) for t in times])
    stored = con.execute("SELECT rated_at, rated_us FROM reviews").fetchall()
    assert [us for _text, us in stored] == [db_us(t) for t in times]
    assert sorted(stored, key=lambda row: row[1]) == sorted(stored, key=lambda row: row[0])


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(-14 * 60, 14 * 60),
)
def test_an_exported_time_is_staged_as_the_microseconds_its_stored_text_gives(moment, minutes) -> None:
    """An import stages a review's time as rated_us (iso_us): the same number the stored text of
    from_iso gives through text_us, whatever the time's offset."""
    written = moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat()
    with sqlite3.connect(":memory:") as con:
        (through_text,) = con.execute(f"SELECT {text_us('?1')}", (from_iso(written),)).fetchone()
    assert iso_us(written) == through_text == db_us(datetime.fromisoformat(written))


def test_the_time_indexes_are_keyed_by_rated_us(store) -> None:
    raw = store.conn.raw
    assert [r[2] for r in raw.execute("PRAGMA index_info(reviews_rated)")] == ["rated_us"]
    # (by question alone since m022: a question's few reviews are sorted as they are read)
    assert [r[2] for r in raw.execute("PRAGMA index_info(reviews_question)")] == ["question_id"]


_FULL_SCAN = re.compile(r"\bSCAN (?:r|reviews)\b(?! USING)")


def test_reading_the_log_by_time_never_scans_the_whole_log(demo, clock) -> None:
    """Every query that reads reviews by time goes through an index (a rewrite that compared
    ``rated_at`` instead would still be right, and read the whole log)."""
    store = demo
    raw = store.conn.raw
    start = clock.now
    session = store.sessions.start("drill", {}, start, pid=1)
    with store.write() as conn:
        conn.raw.executemany(
            "INSERT INTO reviews (question_id, session_id, rated_us, rating, state_before, duration_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (1 + i % 3, session, db_us(start + timedelta(hours=5 * i)), 1 + i % 4, i % 3, 30_000)
                for i in range(300)
            ],
        )
    now = start + timedelta(days=70)
    offsets = zone_offsets(UTC, now)
    seen: list[str] = []
    raw.set_trace_callback(seen.append)
    try:
        store.stats.prepare(offsets)
        since = StatsFilter(since=start + timedelta(days=20, hours=3))
        store.stats.review_days(since, offsets)
        store.stats.retention_by_topic(StatsFilter(), now, offsets)
        store.stats.weekly_scores(since, start, offsets)
        store.stats.delivery_weeks(StatsFilter(), start, offsets)
        store.stats.topic_trends(StatsFilter(since=now - timedelta(days=10, hours=3)), now.date(), 7, offsets)
        store.cards.new_introduced(QuestionFilter(), start, now)
        store.answer_times.recent()
        store.drills.cards(QuestionFilter(), failed_since=start + timedelta(days=3))
        assert stats_rollup.fits(raw, offsets)  # prepare() has just made the roll-up fit
        for after, upto in [
            (None, db_us(start + timedelta(days=30))),
            (db_us(start + timedelta(days=30)), None),
        ]:
            assert sum(len(batch) for batch in review_log.rows(raw, after, upto)) > 0
        # the export's pieces are runs of question ids, read in the index by question and time
        assert sum(export_lines.piece(raw, after, upto)[2] for after, upto in [(None, 2), (2, None)]) == 300
    finally:
        raw.set_trace_callback(None)
    reading = [
        s for s in seen if re.search(r"\bFROM reviews\b", s) and s.lstrip().upper().startswith("SELECT")
    ]
    assert len(reading) >= 10
    plans = {s: "\n".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + s)) for s in reading}
    for statement, plan in plans.items():
        assert not _FULL_SCAN.search(plan), (statement, plan)
    # spoken answers by week read the small index of spoken answers, not every review since the start
    (spoken,) = [plan for statement, plan in plans.items() if "r.delivery IS NOT NULL" in statement]
    assert "reviews_spoken (rated_us>?)" in spoken


def test_a_python_whose_sqlite_is_too_old_is_told_so_in_one_line(home, monkeypatch) -> None:
    from mockprep.db.store import Store, StoreError

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 26, 0))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.26.0")
    with pytest.raises(StoreError, match=r"needs SQLite 3\.31\.0 or newer .* has 3\.26\.0") as raised:
        Store.open(home)
    assert "\n" not in str(raised.value)
    assert not (home / "mockprep.db").exists()  # nothing was written
