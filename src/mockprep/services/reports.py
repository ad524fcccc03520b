"""``mockprep stats``: run the aggregate queries (two of them on a second connection) and assemble."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockprep.core.stats import StatsAggregates, StatsFilter, assemble

if TYPE_CHECKING:
    from mockprep.db.store import Store


def collect(
    store: Store, now: datetime, offset_minutes: int, flt: StatsFilter | None = None, days: int = 182
) -> dict[str, Any]:
    """Every figure of ``mockprep stats`` as one JSON-ready dict; days are local (``offset_minutes``)."""
    settings = store.settings
    flt = flt or StatsFilter()
    today = (now + timedelta(minutes=offset_minutes)).date()
    # The two full scans of the log run on a second connection in a thread while this one does the
    # rest: SQLite releases the GIL while it works, so a second core halves the wait.
    side = store.reader()
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            scans = pool.submit(
                lambda: (side.stats.review_days(flt, offset_minutes), side.stats.time_by_round(flt))
            )
            queries = store.stats
            retention = queries.retention_by_topic(flt, now)
            weeks = queries.weekly_scores(flt, now - timedelta(days=days), offset_minutes)
            due = queries.due_forecast(flt, now + timedelta(days=14), offset_minutes)
            cards = queries.card_counts_by_bank(flt)
            leeches = queries.leeches(flt, settings.leech_lapses)
            day_rows, times = scans.result()
        finally:
            side.close()
    aggregates = StatsAggregates(day_rows, retention, weeks, due, cards, leeches, times)
    return assemble(aggregates, now, today, flt, days, settings)
