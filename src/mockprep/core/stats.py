"""The pure half of ``mockprep stats``: streaks, heatmap layout, sparklines, and the figures.

The database layer (:mod:`mockprep.db.stats`) reduces the review log to small aggregates (one row per
day, week, topic or bank); :func:`assemble` turns them into the JSON-ready figures, given "now".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from mockprep.core.grader_agreement import GradedReview, ModelAnswers, agreement, model_figures
from mockprep.core.settings import Settings
from mockprep.core.topic_trends import TopicTrend, topic_trends

SPARKS = "▁▂▃▄▅▆▇█"
DRILLED = 3  # the weakest topics the suggested drill takes (of the five named): a drill stays focused


class Streaks(NamedTuple):
    current: int
    longest: int


def streaks(active_days: Sequence[date], today: date) -> Streaks:
    """Consecutive days with practice. The current streak still counts if today is not done yet."""
    days = sorted(set(active_days))
    longest = run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    present = set(days)
    cursor = today if today in present else today - timedelta(days=1)
    while cursor in present:
        current += 1
        cursor -= timedelta(days=1)
    return Streaks(current, longest)


def heatmap_weeks(counts: Mapping[date, int], end: date, days: int) -> list[list[tuple[date, int] | None]]:
    """Columns of weeks (Monday first) covering the ``days`` up to ``end``; None pads the edges."""
    start = end - timedelta(days=days - 1)
    first_monday = start - timedelta(days=start.weekday())
    weeks: list[list[tuple[date, int] | None]] = []
    day = first_monday
    while day <= end:
        week: list[tuple[date, int] | None] = []
        for _ in range(7):
            week.append((day, counts.get(day, 0)) if start <= day <= end else None)
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


def month_labels(weeks: Sequence[Sequence[tuple[date, int] | None]]) -> str:
    """A month's short name over its own first week column, one character per column.

    A week belongs to the month of its first day shown. The current month (the last day's) is always
    named: over its first column, or, when it starts none (the last week began in the month before), over
    the last column, which holds its first days. A name is never moved over another month's columns: one
    that starts in the last two columns runs up to two characters past them. An earlier month is named
    only where its name ends before the next one named (a partial month at the left edge, two starts too
    close: the later month is labelled).
    """
    starts: list[tuple[int, date]] = []
    for index, week in enumerate(weeks):
        first = next((cell[0] for cell in week if cell is not None), None)
        if first is not None and (not starts or _month(first) != _month(starts[-1][1])):
            starts.append((index, first))
    last = next((cell[0] for cell in reversed(weeks[-1]) if cell is not None), None) if weeks else None
    if last is not None and _month(last) != _month(starts[-1][1]):
        starts.append((len(weeks) - 1, last))
    line = [" "] * (len(weeks) + 2)
    following = len(line) + 1  # where the next label to the right starts
    for number, (index, first) in enumerate(reversed(starts)):
        label = first.strftime("%b")
        if number and index + len(label) >= following:
            continue
        line[index : index + len(label)] = label
        following = index
    return "".join(line[: max(len(weeks), len("".join(line).rstrip()))])


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def level(count: int, peak: int) -> int:
    """Heat level 0-4 of a day's count relative to the busiest day."""
    if count <= 0 or peak <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // peak)


def sparkline(values: Sequence[float | None], low: float = 0.0, high: float = 100.0) -> str:
    """One character per value; a gap (space) for None."""
    out = []
    for value in values:
        if value is None:
            out.append(" ")
            continue
        share = 0.0 if high == low else (min(max(value, low), high) - low) / (high - low)
        out.append(SPARKS[min(len(SPARKS) - 1, int(share * len(SPARKS)))])
    return "".join(out)


def share(passed: int, total: int) -> float | None:
    """A retention share in percent, or None when there is nothing to judge."""
    return None if total == 0 else round(100.0 * passed / total, 1)


class StatsFilter(NamedTuple):
    """Which answers the figures count: rounds, banks (empty: all) and a start time."""

    rounds: tuple[str, ...] = ()
    banks: tuple[str, ...] = ()
    since: datetime | None = None


class DayCount(NamedTuple):
    day: date  # local
    n: int


class TopicRetention(NamedTuple):
    """Review-state answers of one topic: passed and total over 7, 30 and 365 days, and lapses; and
    over 365 days every answer outside cram and those failed (rated again), whatever the state."""

    round: str
    topic: str
    p7: int
    n7: int
    p30: int
    n30: int
    p365: int
    n365: int
    lapses: int
    answered: int = 0
    failed: int = 0


class WeekScore(NamedTuple):
    round: str
    week: date  # the local Monday
    score: float
    n: int


class BankCardCounts(NamedTuple):
    bank: str
    round: str
    new: int
    learning: int
    review: int


class Leech(NamedTuple):
    key: str
    topic: str
    lapses: int


class RoundTime(NamedTuple):
    round: str
    answers: int
    total_ms: int
    median_ms: int


class DeliveryWeek(NamedTuple):
    """Spoken answers of one week, summed."""

    week: date  # the local Monday
    answers: int
    words: int
    speaking_seconds: float
    fillers: int
    pauses: int  # over the threshold
    over_limit: int  # answers that ran past their time limit


class StatsAggregates(NamedTuple):
    """What the database hands over for one ``stats`` call."""

    days: list[DayCount]
    retention: list[TopicRetention]
    weeks: list[WeekScore]
    due: list[DayCount]
    cards: list[BankCardCounts]
    leeches: list[Leech]
    times: list[RoundTime]
    delivery: Sequence[DeliveryWeek] = ()
    graded: Sequence[GradedReview] = ()  # recent answers the grader judged
    trends: Sequence[TopicTrend] = ()  # answers and failures per topic in the two trend windows
    models: Sequence[ModelAnswers] = ()  # the recent answers a language model was asked to grade


def histogram_median(counts: Sequence[tuple[int, int]]) -> int:
    """The median value of a ``(value, count)`` histogram (the upper middle for an even total)."""
    ordered = sorted(counts)
    total = sum(n for _v, n in ordered)
    seen = 0
    for value, n in ordered:
        seen += n
        if seen * 2 > total:
            return value
    return ordered[-1][0]


_WINDOWS = ("7", "30", "365")


def _pct(rows: Sequence[TopicRetention], window: str) -> dict[str, Any]:
    passed = sum(getattr(r, f"p{window}") for r in rows)
    total = sum(getattr(r, f"n{window}") for r in rows)
    return {"retention": share(passed, total), "reviews": total}


def _topic(r: TopicRetention) -> dict[str, Any]:
    return {
        "round": r.round,
        "topic": r.topic,
        **{f"last_{w}_days": _pct([r], w) for w in _WINDOWS},
        "lapses": r.lapses,
    }


def weakest_topics(rows: Sequence[TopicRetention], min_answers: int, count: int = 5) -> list[dict[str, Any]]:
    """The ``count`` topics whose answers outside cram over 365 days were most often failed (rated
    again), at least ``min_answers`` answers each: what the person fails, first answers and learning
    steps included (a question failed every time never reaches review state, so retention alone never
    sees it). A topic with no failure is never weak. Each carries its retention figures too."""
    judged = [r for r in rows if r.answered >= min_answers and r.failed > 0]
    ranked = sorted(judged, key=lambda r: (-r.failed / r.answered, -r.failed, r.topic, r.round))
    return [
        {**_topic(r), "answers": r.answered, "failed": r.failed, "failed_share": share(r.failed, r.answered)}
        for r in ranked[:count]
    ]


def _drill(topics: Sequence[dict[str, Any]], flt: StatsFilter) -> str | None:
    """The session that drills ``topics``: in their round when they share one (a topic such as "failure"
    is in two; a session takes one --round, so topics of several rounds are drilled in all of them), and
    in the banks ``stats`` was narrowed to."""
    if not topics:
        return None
    rounds = sorted({t["round"] for t in topics})  # (session takes one --round: several, none)
    words = [*(f"--round {r}" for r in rounds if len(rounds) == 1), *(f"--bank {b}" for b in flt.banks)]
    return "mockprep session " + " ".join([*words, *(f"--topic {t['topic']}" for t in topics)])


def assemble(
    agg: StatsAggregates, now: datetime, today: date, flt: StatsFilter, days: int, settings: Settings
) -> dict[str, Any]:
    """Every figure of ``mockprep stats`` as one JSON-ready dict (the ``--json`` output)."""
    per_day = {r.day: r.n for r in agg.days}
    window_start = today - timedelta(days=days - 1)
    streak = streaks(list(per_day), today)

    reviewed = [r for r in agg.retention if r.n365]  # retention: review-state answers alone
    by_round: dict[str, list[TopicRetention]] = {}
    for row in reviewed:
        by_round.setdefault(row.round, []).append(row)
    topics = [_topic(r) for r in reviewed]
    weakest = weakest_topics(agg.retention, settings.min_reviews_for_weakest)
    trends = topic_trends(agg.trends, today, settings.trend_days, settings.min_reviews_for_weakest)

    trend: dict[str, list[dict[str, Any]]] = {}
    for week in agg.weeks:
        trend.setdefault(week.round, []).append(
            {"week": week.week.isoformat(), "score": round(week.score, 1), "answers": week.n}
        )

    overdue = sum(r.n for r in agg.due if r.day < today)
    due_by_day = {r.day: r.n for r in agg.due}
    forecast = [
        {"date": (today + timedelta(days=i)).isoformat(), "due": due_by_day.get(today + timedelta(days=i), 0)}
        for i in range(14)
    ]

    return {
        "generated_at": now.isoformat(),
        **_delivery(agg.delivery, settings),
        "grader": agreement(agg.graded) | {"models": model_figures(agg.models)},
        "filters": {
            "rounds": list(flt.rounds),
            "banks": list(flt.banks),
            "since": flt.since.isoformat() if flt.since else None,
            "days": days,
        },
        "reviews": sum(per_day.values()),
        "heatmap": {
            "start": window_start.isoformat(),
            "end": today.isoformat(),
            "days": {d.isoformat(): n for d, n in sorted(per_day.items()) if d >= window_start},
        },
        "streak": {"current": streak.current, "longest": streak.longest},
        "retention": {
            "overall": {f"last_{w}_days": _pct(reviewed, w) for w in _WINDOWS},
            "by_round": {
                round_name: {f"last_{w}_days": _pct(rows, w) for w in _WINDOWS}
                for round_name, rows in sorted(by_round.items())
            },
            "by_topic": sorted(topics, key=lambda t: (t["round"], t["topic"])),
        },
        "score_trend": trend,
        "due": {"overdue": overdue, "next_14_days": forecast},
        "cards": [
            {"bank": r.bank, "round": r.round, "new": r.new, "learning": r.learning, "review": r.review}
            for r in agg.cards
        ],
        "weakest_topics": weakest,
        "drill_weakest": _drill(weakest[:DRILLED], flt),
        "topic_trends": trends,
        "leeches": [{"key": r.key, "topic": r.topic, "lapses": r.lapses} for r in agg.leeches],
        "time": {
            "total_seconds": round(sum(t.total_ms for t in agg.times) / 1000, 1),
            "by_round": [
                {
                    "round": t.round,
                    "answers": t.answers,
                    "median_seconds": round(t.median_ms / 1000, 1),
                    "limit_seconds": settings.time_limits.get(t.round),
                }
                for t in agg.times
            ],
        },
    }


def _rate(count: float, seconds: float) -> float | None:
    return None if seconds < 5 else round(count * 60 / seconds, 1)


def _delivery(weeks: Sequence[DeliveryWeek], settings: Settings) -> dict[str, Any]:
    """The spoken answers' trend: per week, words a minute, fillers a minute, long pauses per answer,
    and answers over their limit, against the targets."""
    words = sum(w.words for w in weeks)
    speaking = sum(w.speaking_seconds for w in weeks)
    answers = sum(w.answers for w in weeks)
    return {
        "delivery": {
            "answers": answers,
            "target_wpm": [settings.voice_wpm_low, settings.voice_wpm_high],
            "pause_seconds": settings.voice_pause_seconds,
            "wpm": _rate(words, speaking),
            "fillers_per_minute": _rate(sum(w.fillers for w in weeks), speaking),
            "pauses_per_answer": round(sum(w.pauses for w in weeks) / answers, 2) if answers else None,
            "over_limit": sum(w.over_limit for w in weeks),
            "by_week": [
                {
                    "week": w.week.isoformat(),
                    "answers": w.answers,
                    "wpm": _rate(w.words, w.speaking_seconds),
                    "fillers_per_minute": _rate(w.fillers, w.speaking_seconds),
                    "pauses_per_answer": round(w.pauses / w.answers, 2),
                    "over_limit": w.over_limit,
                }
                for w in weeks
            ],
        }
    }
