"""``mockprep stats``: run the aggregate queries (three of them on a second connection) and assemble."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from mockprep.core.stats import StatsAggregates, StatsFilter, assemble
from mockprep.core.zone_offsets import zone_offsets

if TYPE_CHECKING:
    from mockprep.db.store import Store


def collect(
    store: Store,
    now: datetime,
    tz: tzinfo | None,
    flt: StatsFilter | None = None,
    days: int = 182,
    before_rebuild: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Every figure of ``mockprep stats`` as one JSON-ready dict. Days are local to ``tz`` (None: the
    system's zone), each answer dated with the offset its zone had then (daylight saving time). When
    the zone differs from the one the roll-up counted days in, it is recounted first (``before_rebuild``
    is told how many answers that reads)."""
    settings = store.settings
    flt = flt or StatsFilter()
    today = now.astimezone(tz).date()
    offsets = zone_offsets(tz, now)
    store.stats.prepare(offsets, before_rebuild)
    # Three of the queries (about half the work on a heavy home: 57 against 70 ms for the split with
    # the days on that side) run on a second connection in a thread while this one does the rest:
    # SQLite releases the GIL while it works. (A plain thread: concurrent.futures loads logging.)
    side = store.reader()
    scans: dict[str, Any] = {}

    def scan() -> None:
        try:
            scans["rows"] = (
                side.stats.retention_by_topic(flt, now, offsets),
                side.stats.leeches(flt, settings.leech_lapses),
                side.stats.graded_reviews(flt),
                side.stats.model_answers(flt),
            )
        except BaseException as exc:  # raised again on this thread
            scans["error"] = exc

    worker = threading.Thread(target=scan, name="mockprep-stats")
    worker.start()
    try:
        queries = store.stats
        day_rows = queries.review_days(flt, offsets)
        times = queries.time_by_round(flt)
        weeks = queries.weekly_scores(flt, now - timedelta(days=days), offsets)
        due = queries.due_forecast(flt, now + timedelta(days=14), offsets)
        cards = queries.card_counts_by_bank(flt)
        spoken = queries.delivery_weeks(flt, now - timedelta(days=days), offsets)
        trends = queries.topic_trends(flt, today, settings.trend_days, offsets)
    finally:
        worker.join()
        side.close()
    if "error" in scans:
        raise scans["error"]
    retention, leeches, graded, models = scans["rows"]
    aggregates = StatsAggregates(
        day_rows, retention, weeks, due, cards, leeches, times, spoken, graded, trends, models
    )
    return assemble(aggregates, now, today, flt, days, settings)
