"""m018: a review's time stored as ``rated_us``, its text (``rated_at``) computed from it."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.db import stats_rollup
from mockprep.db.review_times import RATED_AT, _text_us
from mockprep.db.sql import db_time, db_us
from mockprep.db.store import DB_NAME, Store

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)


@given(st.lists(moments, min_size=1, max_size=20))
def test_the_text_read_back_is_what_db_time_wrote(times: list[datetime]) -> None:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE t (rated_us INTEGER, rated_at TEXT GENERATED ALWAYS AS ({RATED_AT}) VIRTUAL)")
    con.executemany("INSERT INTO t (rated_us) VALUES (?)", [(db_us(moment),) for moment in times])
    assert [text for (text,) in con.execute("SELECT rated_at FROM t")] == [db_time(t) for t in times]


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2025-01-02T03:04:05+02:00", datetime(2025, 1, 2, 1, 4, 5, tzinfo=UTC)),
        ("2025-01-02 03:04:05", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2025-01-02 03:04:05.5", datetime(2025, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
    ],
)
def test_a_time_in_another_form_is_read_with_its_zone(text: str, moment: datetime) -> None:
    assert _text_us(text) == db_us(moment)


def _fixture_home(home: Path, version: int) -> Path:
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(SCHEMAS / f"schema-v{version}.db", home / DB_NAME)
    return home / DB_NAME


@pytest.mark.parametrize(
    ("odd", "read"),
    [
        ("'2026-02-03T04:05:06.250000+01:00'", "2026-02-03 03:05:06.250000"),
        ("2460000.5", "2023-02-25 00:00:00.000000"),  # a Julian day number, as SQLite reads it
        ("'2026-02-03 04:05:06 and then some'", "1970-01-01 00:00:00.000000"),  # what nothing reads
    ],
)
def test_the_upgrade_keeps_every_time_and_the_roll_up(home: Path, odd: str, read: str) -> None:
    path = _fixture_home(home, 17)
    old = sqlite3.connect(path)
    (trigger,) = old.execute("SELECT sql FROM sqlite_master WHERE name = 'stats_review_changed'").fetchone()
    old.execute("DROP TRIGGER stats_review_changed")  # (it would refuse a time with no day)
    old.execute(f"UPDATE reviews SET rated_at = {odd} WHERE id = 2")
    old.execute(trigger)
    old.commit()
    before = old.execute("SELECT id, rated_at FROM reviews ORDER BY id").fetchall()
    old.close()
    assert len(before) >= 2
    with Store.open(home) as store:
        raw = store.conn.raw
        after = raw.execute("SELECT id, rated_at, typeof(rated_us) FROM reviews ORDER BY id").fetchall()
        assert [(i, t) for i, t, _type in after if i != 2] == [(i, t) for i, t in before if i != 2]
        assert dict((i, t) for i, t, _type in after)[2] == read
        assert {kind for _i, _t, kind in after} == {"integer"}
        rolled = _rollup(store)  # counted again where a time was read otherwise: as a rebuild counts
        with store.write() as conn:
            stats_rollup.rebuild(conn.raw)
        assert _rollup(store) == rolled
        # The triggers came back: a new time moves the roll-up as a rebuild would count it.
        with store.write() as conn:
            conn.raw.execute(
                "UPDATE reviews SET rated_us = rated_us + ? WHERE id = 1", (40 * 86_400_000_000,)
            )
        rolled = _rollup(store)
        with store.write() as conn:
            stats_rollup.rebuild(conn.raw)
        assert _rollup(store) == rolled
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_writer_that_leaves_out_the_time_is_refused(demo: Store) -> None:
    store = demo
    with pytest.raises(sqlite3.IntegrityError, match="rated_us"), store.write() as conn:
        conn.raw.execute(
            "INSERT INTO reviews (question_id, rating, state_before, duration_ms)"
            " SELECT question_id, 3, 0, 1000 FROM cards LIMIT 1"
        )
    with pytest.raises(sqlite3.OperationalError, match="generated column"), store.write() as conn:
        conn.raw.execute("INSERT INTO reviews (rated_at) VALUES ('2026-01-01 00:00:00.000000')")


def _rollup(store: Store) -> dict[str, list[tuple]]:
    return {
        t: [tuple(r) for r in store.conn.raw.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()]
        for t in stats_rollup.ROLLUP_TABLES
    }
