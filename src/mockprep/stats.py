"""Pure helpers for the statistics views: streaks, heatmap layout, sparklines, retention.

The figures themselves come from SQL aggregates in :mod:`mockprep.storage`; what is here works on
their small results (one row per day, per week or per topic) and takes "today" as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockprep.timer import ROUND_LIMITS

if TYPE_CHECKING:
    from mockprep.storage import Store

LEECH_LAPSES = 8  # a question forgotten this often after being learned is a leech (as in Anki)
MIN_REVIEWS_FOR_WEAKEST = 5  # a topic needs this many review answers before it can be called weak
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Streaks:
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
    """One character per week column: a month's short name over the first week it starts.

    A week belongs to the month of its first day shown. When two month starts are too close for both
    names (a partial month at the left edge), the later month is labelled.
    """
    starts: list[tuple[int, date]] = []
    for index, week in enumerate(weeks):
        first = next((cell[0] for cell in week if cell is not None), None)
        if first is not None and (
            not starts or (first.year, first.month) != (starts[-1][1].year, starts[-1][1].month)
        ):
            starts.append((index, first))
    line = [" "] * len(weeks)
    for number, (index, first) in enumerate(starts):
        label = first.strftime("%b")
        following = starts[number + 1][0] if number + 1 < len(starts) else len(weeks) + 1
        if index + len(label) < following and index + len(label) <= len(weeks):
            line[index : index + len(label)] = label
    return "".join(line)


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


def collect(
    store: Store,
    now: datetime,
    offset_minutes: int,
    rounds: tuple[str, ...] = (),
    banks: tuple[str, ...] = (),
    since: datetime | None = None,
    days: int = 182,
) -> dict[str, Any]:
    """Every figure of ``mockprep stats`` as one JSON-ready dict (the ``--json`` output)."""
    from concurrent.futures import ThreadPoolExecutor

    where = store._review_filter(rounds, banks, since)
    today = (now + timedelta(minutes=offset_minutes)).date()

    # The two full scans of the log run on a second connection in a thread while this one does the
    # rest: SQLite releases the GIL while it works, so a second core halves the wait.
    side = store.reader()
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            scans = pool.submit(lambda: (side.review_days(where, offset_minutes), side.time_by_round(where)))
            retention_rows = store.retention_by_topic(where, now)
            week_rows = store.weekly_scores(where, now - timedelta(days=days), offset_minutes)
            due_rows = store.due_forecast(rounds, banks, now + timedelta(days=14), offset_minutes)
            card_rows = store.card_counts_by_bank(rounds, banks)
            leech_rows = store.leeches(where, LEECH_LAPSES)
            day_rows, time_rows = scans.result()
        finally:
            side.close()
    per_day = {date.fromisoformat(r.day): r.n for r in day_rows}
    window_start = today - timedelta(days=days - 1)
    total_reviews = sum(per_day.values())
    streak = streaks(list(per_day), today)

    windows = ("7", "30", "365")

    def pct(rows: Sequence[Any], window: str) -> dict[str, Any]:
        passed = sum(getattr(r, f"p{window}") or 0 for r in rows)
        total = sum(getattr(r, f"n{window}") or 0 for r in rows)
        return {"retention": share(passed, total), "reviews": total}

    by_round: dict[str, list[Any]] = {}
    for row in retention_rows:
        by_round.setdefault(row.round, []).append(row)
    topics = [
        {
            "round": r.round,
            "topic": r.topic,
            **{f"last_{w}_days": pct([r], w) for w in windows},
            "lapses": r.lapses or 0,
        }
        for r in retention_rows
    ]
    judged = [t for t in topics if t["last_365_days"]["reviews"] >= MIN_REVIEWS_FOR_WEAKEST]
    weakest = sorted(judged, key=lambda t: (t["last_365_days"]["retention"], -t["lapses"], t["topic"]))[:5]

    trend: dict[str, list[dict[str, Any]]] = {}
    for row in week_rows:
        trend.setdefault(row.round, []).append(
            {"week": row.week, "score": round(row.score, 1), "answers": row.n}
        )

    overdue = sum(r.n for r in due_rows if date.fromisoformat(r.day) < today)
    due_by_day = {date.fromisoformat(r.day): r.n for r in due_rows}
    forecast = [
        {"date": (today + timedelta(days=i)).isoformat(), "due": due_by_day.get(today + timedelta(days=i), 0)}
        for i in range(14)
    ]

    return {
        "generated_at": now.isoformat(),
        "filters": {
            "rounds": list(rounds),
            "banks": list(banks),
            "since": since.isoformat() if since else None,
            "days": days,
        },
        "reviews": total_reviews,
        "heatmap": {
            "start": window_start.isoformat(),
            "end": today.isoformat(),
            "days": {d.isoformat(): n for d, n in sorted(per_day.items()) if d >= window_start},
        },
        "streak": {"current": streak.current, "longest": streak.longest},
        "retention": {
            "overall": {f"last_{w}_days": pct(retention_rows, w) for w in windows},
            "by_round": {
                round: {f"last_{w}_days": pct(rows, w) for w in windows}
                for round, rows in sorted(by_round.items())
            },
            "by_topic": sorted(topics, key=lambda t: (t["round"], t["topic"])),
        },
        "score_trend": trend,
        "due": {"overdue": overdue, "next_14_days": forecast},
        "cards": [
            {"bank": r.bank_id, "round": r.round, "new": r.new, "learning": r.learning, "review": r.review}
            for r in card_rows
        ],
        "weakest_topics": weakest,
        "drill_weakest": (
            "mockprep session " + " ".join(f"--topic {t['topic']}" for t in weakest[:3]) if weakest else None
        ),
        "leeches": [{"key": r.key, "topic": r.topic, "lapses": r.lapses} for r in leech_rows],
        "time": {
            "total_seconds": round(sum(total for _r, _n, total, _m in time_rows) / 1000, 1),
            "by_round": [
                {
                    "round": round_name,
                    "answers": n,
                    "median_seconds": round(median / 1000, 1),
                    "limit_seconds": ROUND_LIMITS.get(round_name),
                }
                for round_name, n, _total, median in time_rows
            ],
        },
    }
