"""The improving and slipping topics of ``stats``: a topic's share of answers rated again in the last
7 days against the 7 before.

Found by an exploratory tester: a candidate whose classical-ml answers went from *again* to *hard* to
*good* over twelve days could not see that anywhere; stats had only weekly scores per round.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.stats import StatsFilter
from mockprep.core.topic_trends import MIN_CHANGE, MIN_Z, TopicTrend, topic_changes
from mockprep.db.store import Store
from mockprep.services.bank_sync import sync_banks
from mockprep.services.reports import collect
from mockprep.terminal.stats import render_stats
from tests.conftest import START, write_bank

windows = st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: (t[0] + t[1], t[1]))  # n, failed
trends = st.lists(st.tuples(windows, windows), max_size=14).map(
    lambda cells: [
        TopicTrend("technical", f"topic-{i}", before[0], before[1], recent[0], recent[1])
        for i, (before, recent) in enumerate(cells)
    ]
)


def _moved(t: TopicTrend) -> Fraction:
    """The move of the share failed in points, exactly, worked out the plain way."""
    return 100 * (Fraction(t.recent_failed, t.recent_answers) - Fraction(t.earlier_failed, t.earlier_answers))


def _clear(t: TopicTrend) -> bool:
    """Whether the move is at least twice its standard error, the two windows' shares pooled."""
    a, b = t.earlier_answers, t.recent_answers
    p = Fraction(t.earlier_failed + t.recent_failed, a + b)
    return (_moved(t) / 100) ** 2 >= MIN_Z**2 * p * (1 - p) * (Fraction(1, a) + Fraction(1, b))


@given(trends, st.integers(1, 10))
def test_improving_and_slipping_are_the_largest_moves_of_topics_answered_enough(rows, least) -> None:
    improving, slipping = topic_changes(rows, least)
    judged = [t for t in rows if t.earlier_answers >= least and t.recent_answers >= least]
    by_name = {t.topic: t for t in rows}
    for named, sign in ((improving, -1), (slipping, 1)):
        qualifying = {t.topic for t in judged if sign * _moved(t) >= MIN_CHANGE and _clear(t)}
        assert {t["topic"] for t in named} <= qualifying
        assert len(named) == min(5, len(qualifying))
        moves = [sign * _moved(by_name[t["topic"]]) for t in named]
        assert moves == sorted(moves, reverse=True)  # the largest move first
        if moves:  # none left out moved further than the last one named
            left = qualifying - {t["topic"] for t in named}
            assert all(sign * _moved(by_name[name]) <= moves[-1] for name in left)
        for t in named:
            source = by_name[t["topic"]]
            assert t["change"] == round(float(_moved(source)), 1)
            share = round(100 * source.earlier_failed / source.earlier_answers, 1)
            assert (t["earlier"]["answers"], t["earlier"]["failed_share"]) == (source.earlier_answers, share)


def test_a_trend_moves_ten_points_or_more_and_twice_its_standard_error() -> None:
    rows = [
        TopicTrend(
            "technical", "exactly-ten", 1000, 300, 1000, 200
        ),  # 30% -> 20% (0.3 - 0.2 < 0.1 in floats)
        TopicTrend("technical", "just-under", 3000, 1000, 3400, 800),  # 33.3% -> 23.5%: 9.8 points
        TopicTrend("technical", "up-ten", 1000, 200, 1000, 300),
        TopicTrend("technical", "chance", 6, 1, 5, 2),  # 17% -> 40%, one failure more: z = 0.86
        TopicTrend("technical", "classical-ml", 10, 6, 12, 1),  # 60% -> 8%: z = 2.6
        TopicTrend("technical", "a-few", 5, 5, 5, 0),  # 100% -> 0%: z = 3.2
    ]
    improving, slipping = topic_changes(rows, 5)
    assert [t["topic"] for t in improving] == ["a-few", "classical-ml", "exactly-ten"]
    assert [t["topic"] for t in slipping] == ["up-ten"]
    assert topic_changes(rows, 6) == (improving[1:], slipping)  # five answers are too few for 6


# (local day from START's, hour UTC, rating) per topic: days 0-6 are the earlier window, 7-13 the recent
FAIL, PASS = 1, 3
LOG = {
    # 8 of 10 failed, then 1 of 12: improving (and ten failures in cram below, not counted)
    "classical-ml": [(d, h, FAIL if d <= 3 else PASS) for d in range(5) for h in (10, 15)]
    + [(d, h, FAIL if (d, h) == (7, 10) else PASS) for d in range(7, 13) for h in (10, 15)],
    # 1 of 10, then 6 of 10: slipping
    "statistics": [(d, h, FAIL if (d, h) == (0, 10) else PASS) for d in range(5) for h in (10, 15)]
    + [(d, h, FAIL if h == 10 or (d, h) == (8, 15) else PASS) for d in range(8, 13) for h in (10, 15)],
    # 2 of 10 each time, after ten failures the day before the earlier window: steady
    "data-science": [(-1, 10, FAIL)] * 10  # 1 March
    + [(d, h, FAIL if (d, h) in ((0, 10), (3, 10)) else PASS) for d in range(5) for h in (10, 15)]
    + [(d, h, FAIL if (d, h) in ((8, 10), (9, 10)) else PASS) for d in range(8, 13) for h in (10, 15)],
    # 4 of 4, then 0 of 10: too few answers before to be judged
    "ml-fundamentals": [(d, h, FAIL) for d in (0, 1) for h in (10, 15)]
    + [(d, h, PASS) for d in range(8, 13) for h in (10, 15)],
}
NOW = datetime(2026, 3, 15, 20, 0, tzinfo=UTC)  # day 13: the recent window is 9-15 March


def _practised(store: Store, tmp_path: Path) -> None:
    """A bank per topic of LOG, its answers recorded, and ten cram failures of classical-ml."""
    folder = tmp_path / "banks"
    folder.mkdir()
    for topic in LOG:
        path = write_bank(folder / f"{topic}.toml", f"my-{topic}", "technical", n=3)
        path.write_text(path.read_text().replace('"demo-topic"', f'"{topic}"'))
    store.banks.add_source(folder, START - timedelta(days=3))
    sync_banks(store, START - timedelta(days=3))
    session = store.sessions.start("session", {}, START - timedelta(days=2), pid=1)
    for topic, answers in LOG.items():
        qids = store.cards.new_question_ids(QuestionFilter(banks=(f"my-{topic}",)))
        cram = [(12, 18, FAIL, True)] * 10 if topic == "classical-ml" else []
        for i, (day, hour, rating, *crammed) in enumerate([(*a, False) for a in answers] + cram):
            qid = qids[i % len(qids)]
            at = datetime(2026, 3, 2 + day, hour, i % 60, tzinfo=UTC)
            card = store.cards.card(qid)
            record = ReviewRecord(qid, session, card, at, rating, 1, "x", 1000, cram=crammed[0])
            store.cards.record_review(record)


def _figures(named: list[dict]) -> list[tuple]:
    return [
        (
            t["topic"],
            t["earlier"]["answers"],
            t["earlier"]["failed"],
            t["recent"]["answers"],
            t["recent"]["failed"],
        )
        for t in named
    ]


def test_stats_names_the_topic_failed_less_this_week_and_the_one_failed_more(
    store: Store, tmp_path: Path
) -> None:
    _practised(store, tmp_path)
    data = collect(store, NOW, UTC)

    trends = data["topic_trends"]
    assert trends["recent"] == {"start": "2026-03-09", "end": "2026-03-15"}
    assert trends["earlier"] == {"start": "2026-03-02", "end": "2026-03-08"}
    assert _figures(trends["improving"]) == [("classical-ml", 10, 8, 12, 1)]
    assert _figures(trends["slipping"]) == [("statistics", 10, 1, 10, 6)]
    assert trends["improving"][0]["change"] == -71.7 and trends["slipping"][0]["change"] == 50.0

    out = io.StringIO()
    render_stats(Console(file=out, width=120, color_system=None), data, 8)
    text = out.getvalue()
    assert "Improving topics (share rated again, last 7 days against the 7 before)" in text
    before, recent = "failed 80% of 10 answers in the 7 days before", "8% of 12 in the last 7"
    assert f"  classical-ml (technical): {before}, {recent}" in text
    assert "Slipping topics" in text
    assert "  statistics (technical): failed 10% of 10 answers in the 7 days before, 60% of 10" in text
    trend_lines = text[text.index("Improving topics") :]
    assert "data-science" not in trend_lines and "ml-fundamentals" not in trend_lines


def test_the_filters_narrow_the_trends(store: Store, tmp_path: Path) -> None:
    _practised(store, tmp_path)

    by_bank = collect(store, NOW, UTC, StatsFilter(banks=("my-statistics",)))["topic_trends"]
    assert (by_bank["improving"], _figures(by_bank["slipping"])) == ([], [("statistics", 10, 1, 10, 6)])
    other_round = collect(store, NOW, UTC, StatsFilter(rounds=("behavioral",)))["topic_trends"]
    assert other_round["improving"] == other_round["slipping"] == []

    # --since at noon on day 2: that day's answers from noon on, from the log, and the days after
    since = collect(store, NOW, UTC, StatsFilter(since=datetime(2026, 3, 4, 12, tzinfo=UTC)))["topic_trends"]
    assert _figures(since["improving"]) == [("classical-ml", 5, 3, 12, 1)]
    assert _figures(since["slipping"]) == [("statistics", 5, 0, 10, 6)]
    # from the recent window on, nothing is before it to compare with
    late = collect(store, NOW, UTC, StatsFilter(since=datetime(2026, 3, 10, tzinfo=UTC)))["topic_trends"]
    assert late["improving"] == late["slipping"] == []


def test_nothing_is_said_when_no_topic_moved(store: Store, tmp_path: Path) -> None:
    _practised(store, tmp_path)
    data = collect(store, NOW + timedelta(days=30), UTC)  # both windows after every answer
    assert data["topic_trends"]["improving"] == data["topic_trends"]["slipping"] == []
    out = io.StringIO()
    render_stats(Console(file=out, width=120, color_system=None), data, 8)
    assert "Improving" not in out.getvalue() and "Slipping" not in out.getvalue()
