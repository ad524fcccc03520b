"""``mockprep stats``: run the aggregate queries (two of them on a second connection) and assemble."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from mockprep.core.stats import StatsAggregates, StatsFilter, assemble, utc_offsets

if TYPE_CHECKING:
    from mockprep.db.store import Store


# How far back days are placed by the zone's own offsets (older answers take the earliest offset).
OFFSETS_YEARS = 20


def collect(
    store: Store, now: datetime, tz: tzinfo | None, flt: StatsFilter | None = None, days: int = 182
) -> dict[str, Any]:
    """Every figure of ``mockprep stats`` as one JSON-ready dict. Days are local to ``tz`` (None: the
    system's zone), each answer dated with the offset its zone had then (daylight saving time)."""
    settings = store.settings
    flt = flt or StatsFilter()
    today = now.astimezone(tz).date()
    offsets = utc_offsets(tz, now - timedelta(days=365 * OFFSETS_YEARS), now + timedelta(days=15))
    # The two full scans of the log run on a second connection in a thread while this one does the
    # rest: SQLite releases the GIL while it works, so a second core halves the wait.
    side = store.reader()
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            scans = pool.submit(lambda: (side.stats.review_days(flt, offsets), side.stats.time_by_round(flt)))
            queries = store.stats
            retention = queries.retention_by_topic(flt, now)
            weeks = queries.weekly_scores(flt, now - timedelta(days=days), offsets)
            due = queries.due_forecast(flt, now + timedelta(days=14), offsets)
            cards = queries.card_counts_by_bank(flt)
            leeches = queries.leeches(flt, settings.leech_lapses)
            spoken = queries.delivery_weeks(flt, now - timedelta(days=days), offsets)
            day_rows, times = scans.result()
        finally:
            side.close()
    aggregates = StatsAggregates(day_rows, retention, weeks, due, cards, leeches, times, spoken)
    return assemble(aggregates, now, today, flt, days, settings)
