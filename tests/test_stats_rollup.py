"""The stats roll-up (m014) against the review log it sums.

For random logs built through the store's own writers (ratings in and out of sessions, cram answers,
undo, deletions as a merge makes them, edits of counted columns, questions moved to another round,
topic or bank, the zone changing between calls), the roll-up kept by triggers equals one rebuilt from
scratch, and every figure equals the same figure computed in Python straight from the log under the
old definitions (windows cut at the exact moment, days by the zone's offsets).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.banks import ROUNDS
from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.scoring import answer_points
from mockprep.core.stats import StatsFilter, histogram_median
from mockprep.core.zone_offsets import day_starts, local_date_at, zone_offsets
from mockprep.db import stats_rollup
from mockprep.db.sql import db_us, from_db_time
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from tests.conftest import write_bank

# New York and Lord Howe change their clocks (Lord Howe by half an hour), Kathmandu is UTC+5:45.
ZONE_NAMES = ["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]
START = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
NOW = START + timedelta(days=75)
BANKS = (("alpha", "technical"), ("beta", "behavioral"), ("gamma", "project"))


@pytest.fixture(scope="module")
def shared() -> Store:
    """One home for every example (each starts by removing the last one's reviews through the
    triggers): three banks of four questions, two topics each, and no built-in banks."""
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix="mockprep-rollup-"))
    try:
        store = Store.open(root / "home", backups=False)
        folder = root / "banks"
        folder.mkdir()
        for bank, round_name in BANKS:
            write_bank(folder / f"{bank}.toml", bank, round_name, n=4)
        store.banks.add_source(folder, START)
        sync_banks(store, START)
    finally:
        bank_sync.builtin_files = saved
    yield store
    store.close()
    shutil.rmtree(root, ignore_errors=True)


DAY = 24 * 60
SINCE_DAYS = (10, 45, 68)  # --since at 07:13 UTC on one of these days after START
# Times within a day of where a figure's window starts (NOW - 7, 30 and 60 days, a --since), which is
# where the roll-up's whole days meet the log's part of a day.
near_edges = st.sampled_from([75 - 7, 75 - 30, 75 - 60, *SINCE_DAYS]).flatmap(
    lambda day: st.integers(day * DAY - DAY, day * DAY + 2 * DAY)
)
rate = st.tuples(
    st.just("rate"),
    st.integers(0, 11),  # question
    st.integers(0, 80 * 24 * 60) | near_edges,  # minutes after START (some after NOW)
    st.integers(1, 4),  # rating
    st.sampled_from([0, 1, 2, 2, 2, 3]),  # state before
    st.booleans(),  # cram
    st.booleans(),  # in a session
    st.integers(0, 400_000),  # answer time (ms)
    st.sampled_from([None, 60_000, 180_000]),  # time limit
)
changes = st.one_of(
    st.tuples(st.just("undo")),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("edit"), st.integers(0, 10_000), st.integers(1, 4), st.integers(0, 400_000)),
    st.tuples(st.just("move"), st.integers(0, 11), st.sampled_from(["t0", "t1", "moved"])),
    st.tuples(st.just("rebank"), st.integers(0, 11), st.sampled_from(BANKS)),
    st.tuples(st.just("zone"), st.sampled_from(ZONE_NAMES)),
)
# Each rating maybe followed by a change, so that the changes find reviews to act on.
operations = st.lists(st.tuples(rate, st.none() | changes), max_size=40).map(
    lambda pairs: [op for pair in pairs for op in pair if op is not None]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, zone=st.sampled_from(ZONE_NAMES), since_days=st.none() | st.sampled_from(SINCE_DAYS))
def test_the_rollup_equals_a_rebuild_and_the_figures_the_logs(shared: Store, ops, zone, since_days) -> None:
    store = shared
    _reset(store)
    questions = [q for bank, _r in BANKS for q in store.cards.new_question_ids(QuestionFilter(banks=(bank,)))]
    questions += [q for (q,) in store.conn.exec_driver_sql("SELECT id FROM questions").all()]
    questions = sorted(set(questions))
    session = store.sessions.start("drill", {}, START, pid=1)
    offsets = zone_offsets(ZoneInfo(zone), NOW)
    store.stats.prepare(offsets)  # counted in this zone from here on, by the triggers
    for op in ops:
        kind = op[0]
        if kind == "rate":
            _, q, minutes, rating, state, cram, in_session, ms, limit = op
            qid = questions[q % len(questions)]
            card = store.cards.card(qid)
            at = START + timedelta(minutes=minutes)
            store.cards.record_review(
                ReviewRecord(
                    qid, session if in_session else None, card, at, rating, state, "", ms, limit, cram=cram
                ),
                leech_lapses=1000,
            )
        elif kind == "undo":
            store.cards.undo_last()
        elif kind in ("delete", "edit"):
            ids = [r for (r,) in store.conn.exec_driver_sql("SELECT id FROM reviews ORDER BY id").all()]
            if ids:
                target = ids[op[1] % len(ids)]
                with store.write() as conn:
                    if kind == "delete":
                        conn.exec_driver_sql("DELETE FROM reviews WHERE id = ?", (target,))
                    else:
                        conn.exec_driver_sql(
                            "UPDATE reviews SET rating = ?, duration_ms = ? WHERE id = ?",
                            (op[2], op[3], target),
                        )
        elif kind == "move":
            with store.write() as conn:
                conn.exec_driver_sql(
                    "UPDATE questions SET topic = ? WHERE id = ?", (op[2], questions[op[1] % 12])
                )
        elif kind == "rebank":
            bank, round_name = op[2]
            with store.write() as conn:
                conn.exec_driver_sql(
                    "UPDATE questions SET bank_id = ?, round = ? WHERE id = ?",
                    (bank, round_name, questions[op[1] % 12]),
                )
        else:  # the person moved: the next stats call recounts the days
            store.stats.prepare(zone_offsets(ZoneInfo(op[1]), NOW))
    kept = _rollup(store)
    with store.write() as conn:
        stats_rollup.rebuild(conn.raw)
    assert _rollup(store) == kept
    # A merge's grouped pass over the reviews it added (here every review, onto an empty roll-up).
    with store.write() as conn:
        for table in stats_rollup.ROLLUP_TABLES:
            conn.raw.execute(f"DELETE FROM {table}")
        with stats_rollup.bulk(conn.raw, after_id=0):
            pass
    assert _rollup(store) == kept
    # An import's count (in Python, from rated_us or from the text) adds up to the same.
    raw = store.conn.raw
    raw.execute("ATTACH DATABASE ':memory:' AS counted")
    try:
        for micro in (True, False):
            stats_rollup.count(
                raw, "main.reviews", "main.questions", stats_rollup.zone(raw), "counted", micro
            )
            counted = {
                t: sorted(tuple(r) for r in raw.execute(f"SELECT * FROM counted.{t}").fetchall())
                for t in stats_rollup.ROLLUP_TABLES
            }
            assert counted == {t: sorted(rows) for t, rows in kept.items()}
            for t in stats_rollup.ROLLUP_TABLES:
                raw.execute(f"DROP TABLE counted.{t}")
    finally:
        raw.execute("DETACH DATABASE counted")
    store.stats.prepare(offsets)  # after a "zone" step: recounted in the zone the figures use
    since = None if since_days is None else START + timedelta(days=since_days, hours=7, minutes=13)
    for flt in (
        StatsFilter(since=since),
        StatsFilter(rounds=("technical",), since=since),
        StatsFilter(banks=("beta",)),
    ):
        _assert_figures(store, flt, offsets)


def _reset(store: Store) -> None:
    with store.write() as conn:
        conn.exec_driver_sql("UPDATE mock_answers SET review_id = NULL")
        conn.exec_driver_sql("DELETE FROM reviews")
        conn.exec_driver_sql("DELETE FROM sessions")
        for bank, round_name in BANKS:
            conn.exec_driver_sql(
                "UPDATE questions SET bank_id = ?, round = ?, topic = 't' || ((id % 2))"
                " WHERE key LIKE ? || '/%'",
                (bank, round_name, bank),
            )
    assert _rollup(store) == {table: [] for table in stats_rollup.ROLLUP_TABLES}


def _rollup(store: Store) -> dict[str, list[tuple]]:
    return {
        table: [tuple(r) for r in store.conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2, 3").all()]
        for table in stats_rollup.ROLLUP_TABLES
    }


def _assert_figures(store: Store, flt: StatsFilter, offsets) -> None:
    """Each figure against the log read row by row, under the definitions the figures had before."""
    rows = [
        (from_db_time(at), rnd, topic, bank, qid, rating, state, bool(cram), session, ms, limit)
        for at, rnd, topic, bank, qid, rating, state, cram, session, ms, limit in store.conn.exec_driver_sql(
            "SELECT r.rated_at, q.round, q.topic, q.bank_id, q.key, r.rating, r.state_before, r.cram,"
            " r.session_id, r.duration_ms, r.time_limit_ms FROM reviews r JOIN questions q ON q.id = r.question_id"
        ).all()
    ]
    log = [
        r
        for r in rows
        if (not flt.rounds or r[1] in flt.rounds)
        and (not flt.banks or r[3] in flt.banks)
        and (flt.since is None or r[0] >= flt.since)
    ]
    days: dict = {}
    for r in log:
        day = local_date_at(offsets, r[0])
        days[day] = days.get(day, 0) + 1
    assert {d.day: d.n for d in store.stats.review_days(flt, offsets)} == days

    retention: dict = {}
    today = local_date_at(offsets, NOW)

    def within(r: tuple, n: int) -> bool:  # the last n local days, today included (README)
        return local_date_at(offsets, r[0]) >= today - timedelta(days=n - 1)

    for r in log:
        if not r[7] and within(r, 365):  # every answer outside cram, and failures
            cell = retention.setdefault((r[1], r[2]), [0] * 9)
            cell[7] += 1
            cell[8] += r[5] == 1
        if r[6] == 2 and not r[7]:
            for i, n in enumerate((7, 30, 365)):
                if within(r, n):
                    cell = retention[(r[1], r[2])]
                    cell[2 * i] += r[5] > 1
                    cell[2 * i + 1] += 1
                    cell[6] += n == 365 and r[5] == 1
    got = store.stats.retention_by_topic(flt, NOW, offsets)
    assert {(t.round, t.topic): list(t[2:]) for t in got} == retention
    assert [(t.round, t.topic) for t in got] == sorted(retention)

    start = NOW - timedelta(days=60)
    weeks: dict = {}
    for r in log:
        if r[8] is not None and r[0] >= start and r[1] in ROUNDS:
            day = local_date_at(offsets, r[0])
            overtime = r[10] is not None and r[9] > r[10]
            weeks.setdefault((r[1], day - timedelta(days=day.weekday())), []).append(
                answer_points(r[5], overtime)
            )
    got_weeks = store.stats.weekly_scores(flt, start, offsets)
    assert {(w.round, w.week): (w.score, w.n) for w in got_weeks} == {
        k: (sum(v) / len(v), len(v)) for k, v in weeks.items()
    }

    times: dict = {}
    for r in log:
        times.setdefault(r[1], []).append(r[9])
    expected = sorted(
        (name, len(ms), sum(ms), histogram_median([(m // 1000, 1) for m in ms]) * 1000)
        for name, ms in times.items()
        if name in ROUNDS
    )
    assert [tuple(t) for t in store.stats.time_by_round(flt)] == expected

    lapses: dict = {}
    for r in log:
        if r[5] == 1 and r[6] == 2 and not r[7]:
            lapses[(r[4], r[2])] = lapses.get((r[4], r[2]), 0) + 1
    leeches = sorted(
        ((key, topic, n) for (key, topic), n in lapses.items() if n >= 2), key=lambda x: (-x[2], x[0])
    )
    assert [tuple(x) for x in store.stats.leeches(flt, 2)] == leeches[:20]


@pytest.mark.parametrize("zone", ZONE_NAMES)
def test_figures_are_exact_where_windows_start_inside_a_day(shared: Store, zone: str) -> None:
    """An answer every 20 minutes for two days around each place a window starts: whole days from the
    roll-up and the rest of the first day from the log meet without a gap or an overlap."""
    store = shared
    _reset(store)
    offsets = zone_offsets(ZoneInfo(zone), NOW)
    store.stats.prepare(offsets)
    session = store.sessions.start("drill", {}, START, pid=1)
    questions = sorted(q for (q,) in store.conn.exec_driver_sql("SELECT id FROM questions").all())
    rows = []
    for day in (75 - 7, 75 - 30, 75 - 60, *SINCE_DAYS):
        for step in range(-72, 72):
            at = START + timedelta(days=day, minutes=20 * step)
            n = len(rows)
            rows.append(
                (questions[n % 12], session if n % 3 else None, db_us(at), 1 + n % 4, 2, n * 997 % 300_000)
            )
    with store.write() as conn:
        conn.raw.executemany(
            "INSERT INTO reviews (question_id, session_id, rated_us, rating, state_before, duration_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    for since_days in (None, *SINCE_DAYS):
        since = None if since_days is None else START + timedelta(days=since_days, hours=7, minutes=13)
        _assert_figures(store, StatsFilter(since=since), offsets)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    zone=st.sampled_from(ZONE_NAMES),
    minutes=st.lists(near_edges, min_size=1, max_size=30),
    at=st.tuples(st.floats(0, 0.999), st.floats(0, 0.999)),
)
def test_the_last_n_days_are_the_same_at_any_hour_of_a_day(shared: Store, zone, minutes, at) -> None:
    """The tester's case: one home at 09:00 and at 21:00 of one day gave 130 and 123 reviews for 'last 7
    days', as the window began exactly 168 hours back. Any two moments of one local day give the same
    figures: the last N local days, today included."""
    store = shared
    _reset(store)
    offsets = zone_offsets(ZoneInfo(zone), NOW)
    store.stats.prepare(offsets)
    questions = sorted(q for (q,) in store.conn.exec_driver_sql("SELECT id FROM questions").all())
    with store.write() as conn:
        conn.raw.executemany(
            "INSERT INTO reviews (question_id, rated_us, rating, state_before, duration_ms)"
            " VALUES (?, ?, ?, 2, 1000)",
            [
                (questions[n % 12], db_us(START + timedelta(minutes=m)), 1 + n % 4)
                for n, m in enumerate(minutes)
            ],
        )
    (day, begins), (_next, ends) = day_starts(
        offsets, local_date_at(offsets, NOW), local_date_at(offsets, NOW)
    )
    moments = [begins + (ends - begins) * share for share in at]
    first, second = (store.stats.retention_by_topic(StatsFilter(), m, offsets) for m in moments)
    assert first == second


def test_stats_after_a_move_to_another_zone_recounts_once_and_says_so(cli, monkeypatch) -> None:
    import time

    from mockprep.cli import history

    cli("session", "--limit", "1", input="a\n\n3\n")  # answered in UTC (the tests' zone)
    monkeypatch.setattr(history, "RECOUNT_NOTICE_AT", 1)
    monkeypatch.setenv("TZ", "Asia/Kathmandu")
    time.tzset()
    try:
        moved = cli("stats", "--json")
        again = cli("stats", "--json")
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    assert moved.exit_code == 0 and again.exit_code == 0
    assert "Your time zone changed: recounting 1 answer by local day (once)" in moved.stderr
    assert again.stderr == ""
    assert json.loads(moved.stdout)["reviews"] == 1


def _rollup_of(home: Path) -> dict[str, list[tuple]]:
    with Store.open(home, backups=False) as store:
        kept = _rollup(store)
        with store.write() as conn:
            stats_rollup.rebuild(conn.raw)
        assert _rollup(store) == kept  # what the writers left is what a rebuild makes
        return kept


def test_import_and_merge_leave_the_rollup_a_rebuild_would_make(
    cli, home: Path, tmp_path: Path, monkeypatch
) -> None:
    cli("session", input="a\n\n3\nb\n\n1\nq\n")
    cli("session", input="c\n\n4\nq\n")
    out = tmp_path / "backup.json"
    assert cli("export", "-o", str(out)).exit_code == 0
    original = _rollup_of(home)
    assert sum(row[3] for row in original["stats_days"]) == 3

    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "imported"))
    assert cli("import", str(out)).exit_code == 0  # the bulk path: triggers off, the roll-up rebuilt
    assert _rollup_of(tmp_path / "imported") == original

    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "merged"))
    cli("session", input="d\n\n2\nq\n")
    assert cli("import", str(out), "--merge").exit_code == 0  # grouped: the new reviews added after
    merged = _rollup_of(tmp_path / "merged")
    assert sum(row[3] for row in merged["stats_days"]) == 4
