"""History and statistics: figures from SQL aggregates checked against a generated history."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import sqlite3
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.sanitize import clean
from mockprep.core.scoring import answer_points, session_score
from mockprep.core.stats import StatsFilter, heatmap_weeks, level, month_labels, sparkline, streaks
from mockprep.core.zone_offsets import day_starts, local_date_at, utc_offsets
from mockprep.db.sql import db_us, must_time
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.services.bank_sync import sync_banks
from mockprep.services.reports import collect
from tests.conftest import START, db_rows, in_every_zone, write_bank

NOW = START + timedelta(days=200)


@given(st.sets(st.integers(0, 60), max_size=40), st.integers(0, 62))
def test_streaks_match_brute_force(offsets: set[int], today_offset: int) -> None:
    base = date(2026, 1, 1)
    days = [base + timedelta(days=o) for o in offsets]
    today = base + timedelta(days=today_offset)
    result = streaks(days, today)
    present = set(days)
    longest = 0
    for d in present:
        n = 0
        while d + timedelta(days=n) in present:
            n += 1
        longest = max(longest, n)
    cursor = today if today in present else today - timedelta(days=1)
    current = 0
    while cursor in present and cursor <= today:
        current += 1
        cursor -= timedelta(days=1)
    assert (result.current, result.longest) == (current, longest)


def test_heatmap_weeks_cover_exactly_the_window() -> None:
    end = date(2026, 11, 25)  # a Wednesday
    weeks = heatmap_weeks({end: 3}, end, 10)
    cells = [c for week in weeks for c in week if c is not None]
    assert len(cells) == 10 and cells[-1] == (end, 3) and cells[0][0] == end - timedelta(days=9)
    assert all(len(week) == 7 for week in weeks)


def test_month_labels_mark_where_each_month_starts() -> None:
    end = date(2026, 6, 30)
    weeks = heatmap_weeks({}, end, 182)  # January to June, 26 week columns
    labels = month_labels(weeks)
    assert len(labels) == len(weeks)
    found = [(labels.index(name), name) for name in labels.split()]
    assert [name for _i, name in found] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    for index, name in found:
        first = next(cell[0] for cell in weeks[index] if cell is not None)
        assert first.strftime("%b") == name  # the label sits on the month's first week


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(15, 400))
@example(date(2026, 12, 14), 182)  # the tester's
@example(date(2026, 12, 6), 182)  # the reviewer's: December starts no column
@example(date(2026, 12, 1), 182)  # the first of a month
def test_the_current_month_is_always_labelled_and_every_label_is_its_months(end: date, days: int) -> None:
    """On 12-14 the row read 'Jul Aug  Sep Oct Nov' with all the activity in December: a month starting
    in the last two week columns had no room for its name (found by an exploratory tester). Moving it
    left put 'Dec' over November's weeks on 12-06 (found by an independent review): every name sits on
    its own month's first column."""
    weeks = heatmap_weeks({}, end, days)
    labels = month_labels(weeks)
    assert len(weeks) <= len(labels) <= len(weeks) + 2  # a name may run past the last column, no further
    found = _words(labels)
    current, at = found[-1][1], found[-1][0]
    assert current == end.strftime("%b")  # the current month
    if _first_of(weeks, at).month != end.month:  # it starts no column: the last one, holding its 1st
        assert at == len(weeks) - 1 and any(c and c[0] == end.replace(day=1) for c in weeks[-1])
    else:  # over its own first column
        assert at == 0 or _first_of(weeks, at - 1).month != end.month
    found = found[:-1]
    months = []
    for index, name in found:  # every other label sits on the first week of its month
        first = _first_of(weeks, index)
        assert first.strftime("%b") == name
        assert index == 0 or _first_of(weeks, index - 1).month != first.month
        months.append((first.year, first.month))
    assert months + [(end.year, end.month)] == sorted(set(months + [(end.year, end.month)]))  # in order


@pytest.mark.parametrize(
    ("end", "names"),
    [
        (date(2026, 12, 6), ["Sep", "Oct", "Nov", "Dec"]),  # Dec 1 is in the week that began Nov 30
        (date(2026, 12, 1), ["Sep", "Oct", "Nov", "Dec"]),  # the first of the month
        (date(2026, 12, 16), ["Sep", "Oct", "Nov", "Dec"]),  # mid-month: December starts a column
        (date(2026, 11, 2), ["Aug", "Sep", "Oct", "Nov"]),  # November starts the last column
    ],
)
def test_every_month_shown_is_named(end: date, names: list[str]) -> None:
    """No month of the window loses its name to the current one when both have room (independent
    review: on 12-06 November was not named)."""
    labels = month_labels(heatmap_weeks({}, end, 100))
    assert [name for _at, name in _words(labels)][-4:] == names


def _words(line: str) -> list[tuple[int, str]]:
    out, index = [], 0
    for word in line.split():
        index = line.index(word, index)
        out.append((index, word))
        index += len(word)
    return out


def _first_of(weeks, index: int) -> date:
    return next(cell[0] for cell in weeks[index] if cell is not None)


def test_level_and_sparkline() -> None:
    assert [level(n, 8) for n in (0, 1, 2, 4, 8)] == [0, 1, 1, 2, 4]
    assert sparkline([0, 50, 100, None]) == "▁▅█ "


@pytest.fixture
def history(store: Store, tmp_path: Path):
    """A store with 3 banks and 600 generated reviews; returns the store and the generated rows."""
    folder = tmp_path / "banks"
    folder.mkdir()
    write_bank(folder / "a.toml", "alpha", "technical", n=6)
    write_bank(folder / "b.toml", "beta", "behavioral", n=6)
    write_bank(folder / "c.toml", "gamma", "project", n=6)
    store.banks.add_source(folder, START)
    sync_banks(store, START)
    ids = {b: store.cards.new_question_ids(QuestionFilter(banks=(b,))) for b in ("alpha", "beta", "gamma")}
    qround = {
        qid: r
        for b, r in (("alpha", "technical"), ("beta", "behavioral"), ("gamma", "project"))
        for qid in ids[b]
    }
    rng = random.Random(42)
    session = store.sessions.start("drill", {}, START, pid=1)
    rows = []
    for _ in range(600):
        qid = rng.choice(sorted(qround))
        at = START + timedelta(minutes=rng.randrange(0, 200 * 24 * 60))
        rating = rng.choices([1, 2, 3, 4], weights=[15, 15, 55, 15])[0]
        state = rng.choice([0, 1, 2, 2, 2, 3])
        duration = rng.randrange(5_000, 300_000)
        limit = rng.choice([None, 180_000])
        card = store.cards.card(qid)
        store.cards.record_review(
            ReviewRecord(qid, session, card, at, rating, state, "x", duration, time_limit_ms=limit)
        )
        rows.append(
            {
                "q": qid,
                "round": qround[qid],
                "at": at,
                "rating": rating,
                "state": state,
                "ms": duration,
                "limit": limit,
            }
        )
    # Six lapses of one question make it a leech at the threshold of 8 with two more.
    leech = ids["alpha"][0]
    for i in range(8):
        at = START + timedelta(days=10, minutes=i)
        store.cards.record_review(ReviewRecord(leech, session, store.cards.card(leech), at, 1, 2, "", 1000))
        rows.append(
            {"q": leech, "round": "technical", "at": at, "rating": 1, "state": 2, "ms": 1000, "limit": None}
        )
    return store, rows


def test_stats_figures_equal_the_generated_truth(history) -> None:
    store, rows = history
    data = collect(store, NOW, UTC)
    assert data["reviews"] == len(rows)
    for window in (7, 30, 365):
        # the last N local days (here UTC's), today included
        first_day = NOW.date() - timedelta(days=window - 1)
        judged = [r for r in rows if r["state"] == 2 and r["at"].date() >= first_day]
        passed = sum(r["rating"] > 1 for r in judged)
        figure = data["retention"]["overall"][f"last_{window}_days"]
        assert figure["reviews"] == len(judged)
        assert figure["retention"] == (round(100 * passed / len(judged), 1) if judged else None)
    for round_name in ("technical", "behavioral", "project"):
        judged = [r for r in rows if r["state"] == 2 and r["round"] == round_name]
        figure = data["retention"]["by_round"][round_name]["last_365_days"]
        assert figure["reviews"] == len(judged)
    per_day: dict[str, int] = {}
    for r in rows:
        per_day[r["at"].date().isoformat()] = per_day.get(r["at"].date().isoformat(), 0) + 1
    window_start = data["heatmap"]["start"]
    assert data["heatmap"]["days"] == {d: n for d, n in sorted(per_day.items()) if d >= window_start}
    assert [leech["lapses"] for leech in data["leeches"]] == [
        n
        for n in sorted(
            (
                sum(1 for r in rows if r["q"] == q and r["rating"] == 1 and r["state"] == 2)
                for q in {r["q"] for r in rows}
            ),
            reverse=True,
        )
        if n >= 8
    ]
    assert data["time"]["total_seconds"] == round(sum(r["ms"] for r in rows) / 1000, 1)
    tech = [r["ms"] for r in rows if r["round"] == "technical"]
    by_round = {t["round"]: t for t in data["time"]["by_round"]}
    assert by_round["technical"]["answers"] == len(tech)
    # Medians are read at one-second resolution.
    assert by_round["technical"]["median_seconds"] == sorted(tech)[len(tech) // 2] // 1000


def test_weekly_scores_use_the_one_score_definition(history) -> None:
    store, rows = history
    data = collect(store, NOW, UTC, days=400)
    expected: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        monday = (r["at"] - timedelta(days=r["at"].weekday())).date().isoformat()
        overtime = r["limit"] is not None and r["ms"] > r["limit"]
        expected.setdefault((r["round"], monday), []).append(answer_points(r["rating"], overtime))
    got = {(rnd, w["week"]): w["score"] for rnd, weeks in data["score_trend"].items() for w in weeks}
    assert got == {k: round(statistics.mean(v), 1) for k, v in expected.items()}


def test_filters_narrow_the_figures(history) -> None:
    store, rows = history
    only = collect(store, NOW, UTC, StatsFilter(rounds=("project",)))
    assert only["reviews"] == sum(r["round"] == "project" for r in rows)
    since = START + timedelta(days=100)
    later = collect(store, NOW, UTC, StatsFilter(since=since))
    assert later["reviews"] == sum(r["at"] >= since for r in rows)
    banked = collect(store, NOW, UTC, StatsFilter(banks=("beta",)))
    assert banked["reviews"] == sum(r["round"] == "behavioral" for r in rows)


@in_every_zone
def test_stats_cli_empty_state_json_and_bad_input(cli) -> None:
    empty = cli("stats")
    assert empty.exit_code == 0 and "No answers yet" in empty.stdout and "mockprep session" in empty.stdout
    cli("session", "--limit", "2", input="a\n\n3\nb\n\n1\n")
    data = json.loads(cli("stats", "--json").stdout)
    assert data["reviews"] == 2 and data["streak"]["current"] == 1
    shown = cli("stats")
    assert shown.exit_code == 0 and "Activity" in shown.stdout and "Retention" in shown.stdout
    bad = cli("stats", "--since", "last tuesday")
    assert bad.exit_code == 2 and "not a date" in bad.stderr
    assert cli("stats", "--bank", "nope").exit_code == 2
    assert cli("stats", "--round", "nope").exit_code == 2


@in_every_zone
def test_history_cli_list_detail_and_csv(cli, home: Path, tmp_path: Path) -> None:
    assert "No sessions yet" in cli("history").stdout
    cli("session", "--limit", "2", input="[bold]first[/bold]\n\n3\nsecond\n\n2\n")
    listing = cli("history")
    assert listing.exit_code == 0 and " session " in listing.stdout and "completed" in listing.stdout
    assert "drill" not in listing.stdout  # (the stored kind of a regular session; a drill is cram)
    assert " 65 " in listing.stdout  # score: mean of good (80) and hard (50)
    detail = cli("history", "1")
    assert "[bold]first[/bold]" in detail.stdout and "rating good" in detail.stdout
    assert "2 answers · score 65/100" in detail.stdout
    assert cli("history", "99").exit_code == 2
    out = tmp_path / "log.csv"
    assert cli("history", "--csv", "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["rating"] for r in rows] == ["3", "2"] and rows[0]["answer"] == "[bold]first[/bold]"
    # a regular session's kind as history calls it: "drill" (the stored name) read as a drill, which
    # is stored as "cram" (found by an exploratory tester)
    assert [r["session_kind"] for r in rows] == ["session", "session"]
    assert datetime.fromisoformat(rows[0]["rated_at"]).tzinfo is not None
    # SQLite formats the times; they read exactly as Python would write the stored ones.
    stored = [must_time(t) for (t,) in db_rows(home, "SELECT rated_at FROM reviews ORDER BY id")]
    whole = stored[0].replace(microsecond=0)
    assert [r["rated_at"] for r in rows] == [t.isoformat() for t in stored]
    with sqlite3.connect(home / DB_NAME) as db:  # a time on the whole second has no fraction
        db.execute("UPDATE reviews SET rated_us = ? WHERE id = 1", (db_us(whole),))
    again = list(csv.DictReader(io.StringIO(cli("history", "--csv").stdout)))
    assert again[0]["rated_at"] == whole.isoformat() and "." not in again[0]["rated_at"]
    assert cli("history", "--csv", "-o", str(out)).exit_code == 2  # no overwrite without --force


# Zones whose clocks change at midnight (Santiago, and Havana until 2024), by 30 minutes (Lord Howe), at
# a 45-minute offset (Kathmandu) or the usual way (Paris).
DAY_ZONES = ("America/Santiago", "America/Havana", "Australia/Lord_Howe", "Asia/Kathmandu", "Europe/Paris")


# Zones with every kind of change: at midnight, by 30 minutes, at a 45-minute or a -44:30 offset (Monrovia
# until 1972), suspended for Ramadan (Casablanca), moved across the date line (Apia), and the usual way.
OFFSET_ZONES = (*DAY_ZONES, "UTC", "Europe/London", "Africa/Casablanca", "Pacific/Apia", "Africa/Monrovia",
                "America/Sao_Paulo", "Asia/Gaza")  # fmt: skip


def _offsets_by_datetimes(tz, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """utc_offsets as it was written first, one datetime per sample: what the whole-second search
    must give exactly."""

    def minutes(at: datetime) -> int:
        offset = at.astimezone(tz).utcoffset()
        return round(offset.total_seconds() / 60) if offset else 0

    offsets = [(start, minutes(start))]
    at = start
    while at < end:
        following = min(at + timedelta(days=7), end)
        if minutes(following) != offsets[-1][1]:
            before, after = at, following
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) / 2
                before, after = (middle, after) if minutes(middle) == minutes(before) else (before, middle)
            after = after.replace(microsecond=0)
            offsets.append((after, minutes(after)))
        at = following
    return offsets


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(OFFSET_ZONES),
    system=st.booleans(),
    start=st.datetimes(datetime(1960, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC)),
    years=st.sampled_from((0, 1, 3, 30)),  # (stats looks 20 years back and 10 ahead)
    extra_us=st.integers(0, 366 * 86400 * 10**6),
)
# 0.4 s before London's clocks went forward on 2024-03-31 (01:00 UTC): still winter time at the start
@example(
    zone="Europe/London", system=True, start=datetime(2024, 3, 31, 0, 59, 59, 600000, tzinfo=UTC), years=0,
    extra_us=86_400 * 10**6,
)  # fmt: skip
def test_utc_offsets_are_those_read_from_a_datetime_at_each_sample(
    zone: str, system: bool, start: datetime, years: int, extra_us: int
) -> None:
    """Offsets found on whole seconds (and from time.localtime for the system's zone) are exactly the
    offsets a datetime gives at every sample: the same changes, at the same seconds, in the same form."""
    end = start + timedelta(days=365 * years, microseconds=extra_us)
    saved = os.environ.get("TZ")
    try:
        if system:  # (the system's zone: what a stats command without --tz uses)
            os.environ["TZ"] = zone
            time.tzset()
        tz = None if system else ZoneInfo(zone)
        found, expected = utc_offsets(tz, start, end), _offsets_by_datetimes(tz, start, end)
        assert [(repr(at), minutes) for at, minutes in found] == [(repr(at), m) for at, m in expected]
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


@given(
    zone=st.sampled_from(DAY_ZONES),
    moments=st.lists(st.integers(0, 3 * 365 * 86400), min_size=1, max_size=40),
    step=st.sampled_from([1, 7]),
)
def test_day_starts_put_each_moment_in_its_local_day(zone: str, moments: list[int], step: int) -> None:
    """The ranges stats counts with: a moment lies in the range of the day (or week) its local date
    falls in, under the same offsets the rest of stats uses."""
    base = datetime(2022, 1, 1, tzinfo=UTC)
    offsets = utc_offsets(ZoneInfo(zone), base - timedelta(days=30), base + timedelta(days=3 * 366))
    times = [base + timedelta(seconds=s) for s in moments]
    first = min(local_date_at(offsets, t) for t in times)
    first -= timedelta(days=first.weekday() if step == 7 else 0)
    last = max(local_date_at(offsets, t) for t in times)
    starts = day_starts(offsets, first, last, step)
    assert [s for _d, s in starts] == sorted(s for _d, s in starts)
    for t in times:
        local = local_date_at(offsets, t)
        holding = [d for (d, lo), (_n, hi) in zip(starts, starts[1:], strict=False) if lo <= t < hi]
        assert holding == [local - timedelta(days=(local - first).days % step)]


@settings(max_examples=30, deadline=None)  # each example builds a small home
@given(answers=st.lists(st.text(max_size=40) | st.sampled_from(['a,b', 'say "hi"', "x\r\ny", "\x1b[31mred"]),
                        min_size=1, max_size=6))  # fmt: skip
def test_review_log_csv_is_the_csv_module_output_of_the_cleaned_fields(
    tmp_path_factory: pytest.TempPathFactory, answers: list[str]
) -> None:
    """The fast writer of ``history --csv`` writes exactly what csv.writer makes of the cleaned row,
    whatever the answers hold (commas, quotes, line ends, escape sequences)."""
    from mockprep.services.review_log import HEADER, write_review_log

    home = tmp_path_factory.mktemp("log")
    write_bank(home / "b.toml", "log-bank", "technical", n=2)
    with Store.open(home, backups=False) as store:
        store.banks.add_source(home / "b.toml", START)
        sync_banks(store, START)
        qid = store.cards.new_question_ids(QuestionFilter())[0]
        names = list(
            store.conn.exec_driver_sql(
                "SELECT key, round, topic, bank_id FROM questions WHERE id = ?", (qid,)
            ).one()
        )
        session = store.sessions.start("drill", {}, START, pid=1)
        for i, answer in enumerate(answers):
            at = START + timedelta(seconds=i, microseconds=0 if i % 2 else 250)
            limit = None if i % 3 else 120_000
            store.cards.record_review(
                ReviewRecord(
                    qid,
                    session if i % 2 else None,
                    store.cards.card(qid),
                    at,
                    3,
                    0,
                    answer,
                    900,
                    time_limit_ms=limit,
                )
            )
        out = io.StringIO()
        assert write_review_log(store, out) == len(answers)
        expected = io.StringIO()
        writer = csv.writer(expected)
        writer.writerow(HEADER)
        for i, answer in enumerate(answers):
            at = (START + timedelta(seconds=i, microseconds=0 if i % 2 else 250)).astimezone(UTC)
            writer.writerow(
                [i + 1, at.isoformat(), *names, 3, 0, 900,
                 None if i % 3 else 120_000, None, session if i % 2 else None, "session" if i % 2 else "",
                 clean(answer)]
            )  # fmt: skip
        assert out.getvalue() == expected.getvalue()


def test_history_of_a_session_shows_what_was_suggested_and_a_models_verdict(
    cli, store: Store, tmp_path: Path
) -> None:
    """The evidence beside each rating: mockprep's proposal and, when a model graded too, its proposal
    and the factual errors it named (user text shown literally)."""
    from fsrs import Rating

    from mockprep.core.scheduler import make_scheduler, review
    from mockprep.services.bank_sync import sync_banks

    folder = tmp_path / "b"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=2)
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    store.banks.add_source(folder, now)
    sync_banks(store, now)
    qids = sorted(q for (q,) in store.conn.exec_driver_sql("SELECT id FROM questions WHERE bank_id = 'demo'"))
    session = store.sessions.start("drill", {}, now, 1)
    for qid, model in zip(qids, (None, "qwen3:8b"), strict=True):
        card = store.cards.card(qid)
        store.cards.record_review(
            ReviewRecord(
                qid,
                session,
                review(make_scheduler(0.9), card, Rating.Hard, now),
                now,
                2,
                0,
                "x",
                1000,
                None,
                [True, False],
                3,
                model=model,
                model_suggested=1 if model else None,
                model_errors=["says [red]ROC[/red] is precision-recall"] if model else None,
            )
        )
    store.sessions.end(session, "completed", now)
    out = " ".join(cli("history", str(session)).stdout.split())  # as read, whatever the wrapping
    assert out.count("suggested: good") == 2
    assert "model qwen3:8b: again · 1 factual error: says [red]ROC[/red] is precision-recall" in out


def test_a_sessions_history_counts_the_key_points_the_person_confirmed(tmp_path: Path) -> None:
    """The grader proposed one point, the person ticked a second: history shows what they confirmed;
    an answer whose checklist was never shown keeps the grader's coverage."""
    write_bank(tmp_path / "b.toml", "confirm-bank", "technical", n=2)
    with Store.open(tmp_path, backups=False) as store:
        store.banks.add_source(tmp_path / "b.toml", START)
        sync_banks(store, START)
        first, second = store.cards.new_question_ids(QuestionFilter())[:2]
        session = store.sessions.start("drill", {}, START, pid=1)
        for offset, (qid, checklist) in enumerate(
            [(first, ["covered", "covered", "missing"]), (second, None)]
        ):
            store.cards.record_review(
                ReviewRecord(
                    qid, session, store.cards.card(qid), START + timedelta(seconds=offset), 3, 0,
                    "an answer", 900, coverage=[True, False, False],
                    proposed=["covered", "missing", "missing"], checklist=checklist,
                )
            )  # fmt: skip
        answers = store.sessions.answers(session)
    assert [a.coverage for a in answers] == [[True, True, False], [True, False, False]]


def test_a_query_that_fails_on_the_second_connection_fails_the_stats(history, monkeypatch) -> None:
    """The queries on the second connection's thread raise on the calling thread, and that connection
    is closed; nothing is drawn from half the figures."""
    from mockprep.db.stats import StatsQueries

    store, _rows = history
    closed = []
    real_reader = store.reader

    def reader():
        side = real_reader()
        real_close = side.close
        side.close = lambda: (closed.append(True), real_close())[1]
        return side

    def broken(self, *_args, **_kwargs):
        if self.store is not store:
            raise sqlite3.OperationalError("disk I/O error")
        return []

    monkeypatch.setattr(store, "reader", reader)
    monkeypatch.setattr(StatsQueries, "leeches", broken)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        collect(store, NOW, UTC)
    assert closed == [True]


@given(st.lists(st.tuples(st.integers(1, 4), st.booleans()), min_size=1, max_size=30))
@example([(2, False), (1, False), (3, False), (1, False)])  # 32.5: the summary said 32, history 33
def test_a_sessions_score_is_the_one_the_history_list_computes(answers: list[tuple[int, bool]]) -> None:
    """The summary and `history N` (Python) and the `history` list (SQLite's ROUND(AVG())) agree."""
    points = [answer_points(rating, overtime) for rating, overtime in answers]
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE TABLE p (points INTEGER)")
        conn.executemany("INSERT INTO p VALUES (?)", [(p,) for p in points])
        (expected,) = conn.execute("SELECT ROUND(AVG(points)) FROM p").fetchone()
    assert session_score(answers) == int(expected)


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(20, 60))
@example(date(2026, 12, 6), 32)
def test_a_narrow_terminals_heatmap_leaves_room_for_the_last_months_name(end: date, width: int) -> None:
    """A month named over the last column runs two characters past it: the weeks shown leave that room,
    so the month row never wraps (and the current month stays named)."""
    from rich.console import Console

    from mockprep.terminal.stats import _render_heatmap

    start = end - timedelta(days=181)
    data = {
        "heatmap": {"start": start.isoformat(), "end": end.isoformat(), "days": {end.isoformat(): 1}},
        "streak": {"current": 1, "longest": 1},
        "reviews": 1,
    }
    out = io.StringIO()
    _render_heatmap(Console(file=out, width=width, color_system=None), data)
    lines = out.getvalue().split("\n")
    assert all(len(line) <= width for line in lines)
    months = next(lines[at - 1] for at, line in enumerate(lines) if line.startswith("Mon"))
    assert months.startswith("     ") and end.strftime("%b") in months.split()  # one row, not wrapped
