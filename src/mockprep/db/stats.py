"""The aggregates behind ``mockprep stats``: the review log reduced to a few small tables in SQL."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockprep.core.banks import ROUNDS
from mockprep.core.questions import QuestionFilter
from mockprep.core.stats import (
    BankCardCounts,
    DayCount,
    DeliveryWeek,
    Leech,
    Offsets,
    RoundTime,
    StatsFilter,
    TopicRetention,
    WeekScore,
    day_starts,
    histogram_median,
    local_date_at,
)
from mockprep.db.driver import bindparam, text
from mockprep.db.sql import Where, db_time, must_time, question_filter, sql_points

if TYPE_CHECKING:
    from mockprep.db.store import Store


def local_date(column: str, offsets: Offsets, *modifiers: str) -> tuple[str, dict[str, str]]:
    """SQL for the local date of the UTC time ``column`` under ``offsets`` (one per DST period, see
    :func:`mockprep.core.stats.utc_offsets`), with SQLite date ``modifiers`` after; and its parameters.
    The periods are searched by halves, so a row costs a few comparisons even over many years."""
    params = {f"shift{i}": f"{minutes:+d} minutes" for i, (_since, minutes) in enumerate(offsets)}
    params |= {f"since{i}": db_time(since) for i, (since, _minutes) in enumerate(offsets) if i}

    def shift(first: int, last: int) -> str:
        if first == last:
            return f":shift{first}"
        middle = (first + last + 1) // 2
        earlier, later = shift(first, middle - 1), shift(middle, last)
        return f"CASE WHEN {column} < :since{middle} THEN {earlier} ELSE {later} END"

    extra = "".join(f", '{m}'" for m in modifiers)
    return f"date({column}, {shift(0, len(offsets) - 1)}{extra})", params


def review_filter(flt: StatsFilter) -> Where:
    """Reviews (``r``, joined to questions ``q`` when a filter needs them) that the figures count."""
    clauses = ["1"]
    params: dict[str, Any] = {}
    binds = []
    if flt.rounds:
        clauses.append("q.round IN :rounds")
        params["rounds"] = list(flt.rounds)
        binds.append(bindparam("rounds", expanding=True))
    if flt.banks:
        clauses.append("q.bank_id IN :banks")
        params["banks"] = list(flt.banks)
        binds.append(bindparam("banks", expanding=True))
    if flt.since is not None:
        clauses.append("r.rated_at >= :since")
        params["since"] = db_time(flt.since)
    return " AND ".join(clauses), params, binds


class StatsQueries:
    """``store.stats``: read-only aggregates; each takes the filter and returns plain rows."""

    def __init__(self, store: Store):
        self.store = store

    def _agg(self, sql: str, flt: StatsFilter, **extra: Any) -> list[Any]:
        clause, params, binds = review_filter(flt)
        # Join the questions only when a filter needs them: a million lookups cost most of a second.
        join = " JOIN questions q ON q.id = r.question_id" if "q." in clause else ""
        stmt = text(sql.replace("{where}", clause).replace("{join}", join)).bindparams(*binds)
        return self.store.conn.execute(stmt, {**params, **extra}).all()

    def _span(self, flt: StatsFilter) -> tuple[datetime, datetime] | None:
        """The first and last answer's times (from the index by time: two look-ups)."""
        row = self.store.conn.exec_driver_sql("SELECT MIN(rated_at), MAX(rated_at) FROM reviews").one()
        if row[0] is None:
            return None
        first, last = must_time(row[0]), must_time(row[1])
        return (max(first, flt.since) if flt.since else first), last

    def _ranges(self, offsets: Offsets, first: date, last: date, step: int, since: datetime) -> str:
        """JSON ``[[label, start, end], ...]``: each local day (or week) as a range of stored times."""
        starts = day_starts(offsets, first, last, step)
        ranges = [
            [day.isoformat(), db_time(max(begin, since)), db_time(following)]
            for (day, begin), (_next, following) in itertools.pairwise(starts)
        ]
        return json.dumps(ranges)

    def review_days(self, flt: StatsFilter, offsets: Offsets) -> list[DayCount]:
        """Reviews per local day (the zone's ``offsets`` from UTC), every day with any.

        Each day is one range of the index by time, counted without reading a row: no date is
        computed per answer and nothing is sorted.
        """
        span = self._span(flt)
        if span is None:
            return []
        first, last = (local_date_at(offsets, at) for at in span)
        ranges = self._ranges(offsets, first, last, 1, span[0])
        rows = self._agg(
            "SELECT json_extract(j.value, '$[0]') AS day, (SELECT COUNT(*) FROM reviews r{join}"
            " WHERE {where} AND r.rated_at >= json_extract(j.value, '$[1]')"
            " AND r.rated_at < json_extract(j.value, '$[2]')) AS n FROM json_each(:ranges) j",
            flt,
            ranges=ranges,
        )
        return [DayCount(date.fromisoformat(r.day), r.n) for r in rows if r.n]

    def retention_by_topic(self, flt: StatsFilter, now: datetime) -> list[TopicRetention]:
        """Per round and topic: passed / total review-state answers over 7, 30 and 365 days, and lapses
        (cram answers, outside the schedule, left out).

        Summed per question first (one pass over the index by question, in its order: no sort, no
        look-up per answer), then joined to the few thousand questions.
        """
        cut = {f"d{n}": db_time(now - timedelta(days=n)) for n in (7, 30, 365)}
        outer, inner = _split(flt)
        rows = self._agg(
            "SELECT q.round, q.topic, SUM(x.p7), SUM(x.n7), SUM(x.p30), SUM(x.n30), SUM(x.p365),"
            " SUM(x.n365), SUM(x.lapses) FROM (SELECT r.question_id,"
            " SUM(r.rated_at >= :d7 AND r.rating > 1) AS p7, SUM(r.rated_at >= :d7) AS n7,"
            " SUM(r.rated_at >= :d30 AND r.rating > 1) AS p30, SUM(r.rated_at >= :d30) AS n30,"
            " SUM(r.rating > 1) AS p365, COUNT(*) AS n365, SUM(r.rating = 1) AS lapses"
            " FROM reviews r INDEXED BY reviews_question"
            f" WHERE {inner} AND r.state_before = 2 AND NOT r.cram AND r.rated_at >= :d365"
            " GROUP BY r.question_id) x"
            f" JOIN questions q ON q.id = x.question_id WHERE {outer} GROUP BY q.round, q.topic",
            flt,
            **cut,
        )
        return [TopicRetention(r[0], r[1], *(v or 0 for v in r[2:])) for r in rows]

    def weekly_scores(self, flt: StatsFilter, start: datetime, offsets: Offsets) -> list[WeekScore]:
        """Mean points per round and week (Monday, local) of answers given in sessions and mocks.

        Each week is one range of the index by time, which holds every column the score needs.
        """
        span = self._span(flt)
        if span is None or span[1] < start:
            return []
        begin = max(start, span[0])
        first = local_date_at(offsets, begin)
        monday = first - timedelta(days=first.weekday())
        ranges = self._ranges(offsets, monday, local_date_at(offsets, span[1]), 7, begin)
        points = sql_points("r.rating", "r.duration_ms", "r.time_limit_ms")
        # One row per week with every round's sum and count side by side: nothing to sort.
        cells = ", ".join(
            f"SUM(CASE WHEN q.round = '{name}' THEN {points} END), SUM(q.round = '{name}')" for name in ROUNDS
        )
        rows = self._agg(
            f"SELECT json_extract(j.value, '$[0]') AS week, (SELECT json_array({cells})"
            " FROM reviews r INDEXED BY reviews_rated JOIN questions q INDEXED BY questions_round"
            " ON q.id = r.question_id WHERE {where} AND r.session_id IS NOT NULL"
            " AND r.rated_at >= json_extract(j.value, '$[1]') AND r.rated_at < json_extract(j.value, '$[2]'))"
            " AS cells FROM json_each(:ranges) j",
            flt,
            ranges=ranges,
        )
        out = []
        for row in rows:
            values = json.loads(row.cells)
            for i, name in enumerate(ROUNDS):
                total, n = values[2 * i : 2 * i + 2]
                if n:
                    out.append(WeekScore(name, date.fromisoformat(row.week), total / n, n))
        return out

    def due_forecast(self, flt: StatsFilter, end: datetime, offsets: Offsets) -> list[DayCount]:
        """Studied questions due per local day until ``end`` (overdue ones fall on past days)."""
        clause, params, binds = question_filter(QuestionFilter(rounds=flt.rounds, banks=flt.banks))
        day, shifts = local_date("c.due", offsets)
        stmt = text(
            f"SELECT {day} AS day, COUNT(*) AS n FROM cards c"
            " JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL AND c.due < :end GROUP BY day ORDER BY day"
        ).bindparams(*binds)
        rows = self.store.conn.execute(stmt, {**params, **shifts, "end": db_time(end)}).all()
        return [DayCount(date.fromisoformat(r.day), r.n) for r in rows]

    def card_counts_by_bank(self, flt: StatsFilter) -> list[BankCardCounts]:
        clause, params, binds = question_filter(QuestionFilter(rounds=flt.rounds, banks=flt.banks))
        stmt = text(
            "SELECT q.bank_id, q.round, SUM(c.last_review IS NULL) AS new,"
            " SUM(c.last_review IS NOT NULL AND c.state != 2) AS learning,"
            " SUM(c.last_review IS NOT NULL AND c.state = 2) AS review"
            " FROM cards c JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} GROUP BY q.bank_id ORDER BY q.round, q.bank_id"
        ).bindparams(*binds)
        return [BankCardCounts(*r) for r in self.store.conn.execute(stmt, params).all()]

    def leeches(self, flt: StatsFilter, threshold: int) -> list[Leech]:
        """Questions forgotten (again, after being learned) at least ``threshold`` times."""
        rows = self._agg(
            "SELECT q.key, q.topic, COUNT(*) AS lapses"
            " FROM reviews r JOIN questions q ON q.id = r.question_id"
            " WHERE {where} AND r.rating = 1 AND r.state_before = 2 AND NOT r.cram GROUP BY r.question_id"
            " HAVING COUNT(*) >= :k ORDER BY lapses DESC, q.key LIMIT 20",
            flt,
            k=threshold,
        )
        return [Leech(*r) for r in rows]

    def time_by_round(self, flt: StatsFilter) -> list[RoundTime]:
        """Per round: answers, total answer time (ms) and median answer time (ms, whole seconds).

        The median comes from a one-second histogram, one round at a time over the index by question
        (its questions' answers read in place, no look-up per answer).
        """
        outer, inner = _split(flt)
        out = []
        for name in ROUNDS:
            rows = self._agg(
                "SELECT r.duration_ms / 1000 AS s, COUNT(*) AS n, SUM(r.duration_ms) AS ms"
                " FROM reviews r INDEXED BY reviews_question WHERE r.question_id IN"
                f" (SELECT q.id FROM questions q WHERE q.round = :round AND {outer}) AND {inner}"
                " GROUP BY s",
                flt,
                round=name,
            )
            if rows:
                counts = [(r.s, r.n) for r in rows]
                total = sum(r.ms for r in rows)
                out.append(
                    RoundTime(name, sum(n for _s, n in counts), total, histogram_median(counts) * 1000)
                )
        return sorted(out)

    def delivery_weeks(self, flt: StatsFilter, start: datetime, offsets: Offsets) -> list[DeliveryWeek]:
        """Spoken answers per week (Monday, local): words, speaking time, fillers, long pauses and
        answers over their limit, summed (rates are worked out from the sums)."""
        week, params = local_date("r.rated_at", offsets, "weekday 0", "-6 days")
        clause, where, binds = review_filter(flt)
        join = " JOIN questions q ON q.id = r.question_id" if "q." in clause else ""
        stmt = text(
            f"SELECT {week} AS week, COUNT(*) AS n,"
            " SUM(json_extract(r.delivery, '$.words')) AS words,"
            " SUM(json_extract(r.delivery, '$.speaking_seconds')) AS speaking,"
            " SUM((SELECT COALESCE(SUM(f.value), 0) FROM json_each(r.delivery, '$.fillers') f)) AS fillers,"
            " SUM(json_array_length(r.delivery, '$.pauses')) AS pauses,"
            " SUM(r.time_limit_ms IS NOT NULL AND r.duration_ms > r.time_limit_ms) AS over"
            f" FROM reviews r{join} WHERE {clause} AND r.delivery IS NOT NULL AND r.rated_at >= :start"
            " GROUP BY week ORDER BY week"
        ).bindparams(*binds)
        rows = self.store.conn.execute(stmt, {**where, **params, "start": db_time(start)}).all()
        return [
            DeliveryWeek(
                date.fromisoformat(r.week),
                r.n,
                r.words or 0,
                r.speaking or 0.0,
                r.fillers or 0,
                r.pauses or 0,
                r.over or 0,
            )
            for r in rows
        ]


def _split(flt: StatsFilter) -> tuple[str, str]:
    """The filter as two clauses: on the questions (``q``) and on the reviews (``r``)."""
    clause, _params, _binds = review_filter(flt)
    parts = clause.split(" AND ")
    outer = " AND ".join(p for p in parts if p.startswith("q.")) or "1"
    inner = " AND ".join(p for p in parts if not p.startswith("q.")) or "1"
    return outer, inner
