"""History and statistics: figures from SQL aggregates checked against a generated history."""

from __future__ import annotations

import csv
import io
import json
import random
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.scoring import answer_points
from mockprep.core.stats import StatsFilter, heatmap_weeks, level, month_labels, sparkline, streaks
from mockprep.db.store import Store
from mockprep.services.bank_sync import sync_banks
from mockprep.services.reports import collect
from tests.conftest import START, in_every_zone, write_bank

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
        judged = [r for r in rows if r["state"] == 2 and r["at"] >= NOW - timedelta(days=window)]
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
def test_history_cli_list_detail_and_csv(cli, tmp_path: Path) -> None:
    assert "No sessions yet" in cli("history").stdout
    cli("session", "--limit", "2", input="[bold]first[/bold]\n\n3\nsecond\n\n2\n")
    listing = cli("history")
    assert listing.exit_code == 0 and "drill" in listing.stdout and "completed" in listing.stdout
    assert " 65 " in listing.stdout  # score: mean of good (80) and hard (50)
    detail = cli("history", "1")
    assert "[bold]first[/bold]" in detail.stdout and "rating good" in detail.stdout
    assert "2 answers · score 65/100" in detail.stdout
    assert cli("history", "99").exit_code == 2
    out = tmp_path / "log.csv"
    assert cli("history", "--csv", "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["rating"] for r in rows] == ["3", "2"] and rows[0]["answer"] == "[bold]first[/bold]"
    assert datetime.fromisoformat(rows[0]["rated_at"]).tzinfo is not None
    assert cli("history", "--csv", "-o", str(out)).exit_code == 2  # no overwrite without --force
