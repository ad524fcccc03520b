"""The aggregates behind ``mockprep stats``: the review log reduced to a few small tables in SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from mockprep.core.grader_agreement import RECENT, GradedReview, ModelAnswers
from mockprep.core.question_filter import QuestionFilter
from mockprep.core.settings import ROUNDS
from mockprep.core.stats import (
    BankCardCounts,
    DayCount,
    DeliveryWeek,
    Leech,
    RoundTime,
    StatsFilter,
    TopicRetention,
    WeekScore,
    histogram_median,
)
from mockprep.core.topic_trends import TopicTrend
from mockprep.core.zone_offsets import Offsets, day_starts, local_date_at
from mockprep.db import review_codec, stats_rollup
from mockprep.db.card_conditions import EFFECTIVE_DUE, NOT_SUSPENDED
from mockprep.db.driver import text
from mockprep.db.sql import Where, db_time, db_us, question_filter, sql_points
from mockprep.db.stats_rollup import local_date

if TYPE_CHECKING:
    from mockprep.db.store import Store


def review_filter(flt: StatsFilter) -> Where:
    """Reviews (``r``, joined to questions ``q`` when a filter needs them) that the figures count."""
    clauses = ["1"]
    params: dict[str, Any] = {}
    if flt.rounds:
        clauses.append("q.round IN :rounds")
        params["rounds"] = list(flt.rounds)
    if flt.banks:
        clauses.append("q.bank_id IN :banks")
        params["banks"] = list(flt.banks)
    if flt.since is not None:
        clauses.append("r.rated_us >= :since")  # the index by time (m016)
        params["since"] = db_us(flt.since)
    return " AND ".join(clauses), params


class StatsQueries:
    """``store.stats``: read-only aggregates; each takes the filter and returns plain rows.

    The review log's figures come from the roll-up (:mod:`mockprep.db.stats_rollup`): whole local days
    from its tables, and the part of a day a window starts in from the log, by a range of the index
    by time. Call :meth:`prepare` with the zone's offsets first (it recounts the roll-up if they changed).
    """

    def __init__(self, store: Store):
        self.store = store

    def prepare(self, offsets: Offsets, before_rebuild: Callable[[int], None] | None = None) -> None:
        """Make the roll-up count local days under ``offsets``: recounted once (one pass over the log)
        when the person's zone has changed since; ``before_rebuild`` is told the answers to recount."""
        raw = self.store.conn.raw
        if stats_rollup.fits(raw, offsets):
            return
        if before_rebuild is not None:
            before_rebuild(raw.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])
        with self.store.write() as conn:
            stats_rollup.ensure(conn.raw, offsets)

    def _zone(self, offsets: Offsets | None) -> Offsets:
        return offsets or stats_rollup.zone(self.store.conn.raw)

    def _agg(self, sql: str, flt: StatsFilter, **extra: Any) -> list[Any]:
        """``sql`` over the review log: ``{where}`` the filter, ``{join}`` the questions it needs."""
        clause, params = review_filter(flt)
        # Join the questions only when a filter needs them: a million lookups cost most of a second.
        join = " JOIN questions q ON q.id = r.question_id" if "q." in clause else ""
        stmt = text(sql.replace("{where}", clause).replace("{join}", join))
        return self.store.conn.execute(stmt, {**params, **extra}).all()

    def _rolled(self, sql: str, flt: StatsFilter, **extra: Any) -> list[Any]:
        """``sql`` over roll-up tables: ``{where}`` their rows the round and bank filter keeps."""
        clause, params = _rollup_filter(flt)
        stmt = text(sql.replace("{where}", clause))
        return self.store.conn.execute(stmt, {**params, **extra}).all()

    def review_days(self, flt: StatsFilter, offsets: Offsets | None = None) -> list[DayCount]:
        """Reviews per local day (the zone's ``offsets`` from UTC), every day with any: the roll-up's
        days, and with ``--since`` the part of its day from the log."""
        edge = _edge(flt.since, self._zone(offsets))
        rows = self._rolled(
            "SELECT day, SUM(answers) AS n FROM stats_days WHERE {where} AND day > :after"
            " GROUP BY day ORDER BY day",
            flt,
            after=edge.after,
        )
        out = [DayCount(date.fromisoformat(r.day), r.n) for r in rows]
        if edge.day is not None:
            n = self._agg(
                "SELECT COUNT(*) FROM reviews r{join} WHERE {where} AND r.rated_us < :end",
                flt,
                end=edge.end,
            )[0][0]
            out[:0] = [DayCount(edge.day, n)] if n else []
        return out

    def retention_by_topic(
        self, flt: StatsFilter, now: datetime, offsets: Offsets | None = None
    ) -> list[TopicRetention]:
        """Per round and topic: passed / total review-state answers over the last 7, 30 and 365 local
        days, today included (the topic trends' days), and lapses; and over 365 days every answer and
        those failed (cram answers, outside the schedule, left out).

        Each window from the roll-up's months after the one it starts in, and that month's days after
        the first (or, when fewer, the whole month less its days up to the first); with ``--since`` in
        its first day, that day's rest from the log by its index by time. A year is a few thousand rows.
        """
        zone = self._zone(offsets)
        rolled, params = _rollup_filter(flt)
        clause, log_params = review_filter(StatsFilter(flt.rounds, flt.banks))
        values: dict[str, Any] = {**params, **log_params}
        parts = []
        today = local_date_at(zone, now)
        for n in WINDOWS:
            first_day = today - timedelta(days=n - 1)
            since = None if flt.since is None else local_date_at(zone, flt.since)
            if since is not None and since >= first_day:
                edge = _edge(flt.since, zone)  # the rest of --since's day from the log, then whole days
            else:  # whole local days only: the roll-up's, from the window's first day on
                edge = Edge((first_day - timedelta(days=1)).isoformat(), first_day - timedelta(days=1))
            assert edge.day is not None
            first = edge.day.replace(day=1)
            following = (first + timedelta(days=31)).replace(day=1)
            values |= {f"d{n}": edge.after, f"m{n}": edge.after[:7], f"b{n}": edge.begin, f"e{n}": edge.end}
            values |= {f"first{n}": first.isoformat(), f"next{n}": following.isoformat()}
            take = (
                f"SELECT round, topic, {n} AS w, {{0}}passed AS p, {{0}}reviewed AS r, {{0}}lapses AS l,"
                " {0}answered AS a, {0}failed AS f"
            )
            if (following - edge.day).days - 1 <= edge.day.day:  # add the month's days after the first
                parts.append(take.format("") + f" FROM stats_topic_months WHERE {rolled} AND month > :m{n}")
                days = f"day > :d{n} AND day < :next{n}"
                parts.append(take.format("") + f" FROM stats_topic_days WHERE {rolled} AND {days}")
            else:  # the whole month, less its days up to the first
                parts.append(take.format("") + f" FROM stats_topic_months WHERE {rolled} AND month >= :m{n}")
                days = f"day >= :first{n} AND day <= :d{n}"
                parts.append(take.format("-") + f" FROM stats_topic_days WHERE {rolled} AND {days}")
            if edge.end > edge.begin:
                parts.append(
                    f"SELECT q.round, q.topic, {n}, r.state_before = 2 AND r.rating > 1, r.state_before = 2,"
                    " r.state_before = 2 AND r.rating = 1, 1, r.rating = 1 FROM reviews r JOIN questions q"
                    f" ON q.id = r.question_id WHERE r.rated_us >= :b{n} AND r.rated_us < :e{n}"
                    f" AND {clause} AND NOT r.cram"
                )
        sums = ", ".join(f"SUM(CASE WHEN w = {n} THEN {c} ELSE 0 END)" for n in WINDOWS for c in "pr")
        year = ", ".join(f"SUM(CASE WHEN w = 365 THEN {c} ELSE 0 END)" for c in "laf")
        stmt = text(
            f"SELECT round, topic, {sums}, {year} FROM ({' UNION ALL '.join(parts)})"
            " GROUP BY round, topic HAVING SUM(CASE WHEN w = 365 THEN a ELSE 0 END) > 0 ORDER BY round, topic"
        )
        return [TopicRetention(*r) for r in self.store.conn.execute(stmt, values).all()]

    def topic_trends(
        self, flt: StatsFilter, today: date, days: int, offsets: Offsets | None = None
    ) -> list[TopicTrend]:
        """Per round and topic: answers outside cram and those failed (rated again) in the ``days`` local
        days up to ``today`` and in the ``days`` before: the roll-up's days (a few hundred rows), and
        with ``--since`` in them the rest of its day from the log (by its index by time)."""
        recent = today - timedelta(days=days - 1)
        first = recent - timedelta(days=days)
        edge = _edge(flt.since, self._zone(offsets))
        after = max(edge.after, (first - timedelta(days=1)).isoformat())
        window = "SUM(CASE WHEN day >= :recent THEN {0} END), SUM(CASE WHEN day < :recent THEN {0} END)"
        cells = self._rolled(
            f"SELECT round, topic, {window.format('answered')}, {window.format('failed')}"
            " FROM stats_topic_days WHERE {where} AND day > :after GROUP BY round, topic",
            flt,
            after=after,
            recent=recent.isoformat(),
        )
        if edge.day is not None and edge.day >= first:  # --since's day from that moment on
            later = edge.day >= recent
            cells += [
                (rnd, topic, n * later, n * (not later), f * later, f * (not later))
                for rnd, topic, n, f in self._agg(
                    "SELECT q.round, q.topic, COUNT(*), SUM(r.rating = 1) FROM reviews r"
                    " JOIN questions q ON q.id = r.question_id WHERE {where} AND NOT r.cram"
                    " AND r.rated_us < :end GROUP BY q.round, q.topic",
                    StatsFilter(flt.rounds, flt.banks, edge.begin_at),
                    end=edge.end,
                )
            ]
        sums: dict[tuple[str, str], list[int]] = {}
        for rnd, topic, *counts in cells:
            cell = sums.setdefault((rnd, topic), [0, 0, 0, 0])
            for i, n in enumerate(counts):
                cell[i] += n or 0
        return [
            TopicTrend(rnd, topic, n_before, f_before, n_recent, f_recent)
            for (rnd, topic), (n_recent, n_before, f_recent, f_before) in sorted(sums.items())
        ]

    def weekly_scores(
        self, flt: StatsFilter, start: datetime, offsets: Offsets | None = None
    ) -> list[WeekScore]:
        """Mean points per round and week (Monday, local) of answers given in sessions and mocks: the
        roll-up's days from the one ``start`` (or ``--since``) falls in, that day's part from the log."""
        edge = _edge(max(start, flt.since or start), self._zone(offsets))
        rows = self._rolled(
            "SELECT day, round, SUM(scored) AS n, SUM(points) AS points FROM stats_days"
            " WHERE {where} AND day > :after GROUP BY day, round",
            flt,
            after=edge.after,
        )
        cells = [(date.fromisoformat(r.day), r.round, r.n, r.points) for r in rows]
        if edge.day is not None:
            points = sql_points("r.rating", "r.duration_ms", "r.time_limit_ms")
            partial = self._agg(
                f"SELECT q.round, COUNT(*), SUM({points}) FROM reviews r"
                " JOIN questions q ON q.id = r.question_id WHERE {where} AND r.session_id IS NOT NULL"
                " AND r.rated_us < :end GROUP BY q.round",
                StatsFilter(flt.rounds, flt.banks, edge.begin_at),
                end=edge.end,
            )
            cells += [(edge.day, rnd, n, total) for rnd, n, total in partial]
        weeks: dict[tuple[date, str], list[int]] = {}
        for day, rnd, n, total in cells:
            cell = weeks.setdefault((day - timedelta(days=day.weekday()), rnd), [0, 0])
            cell[0] += total or 0
            cell[1] += n
        order = {name: i for i, name in enumerate(ROUNDS)}
        return [
            WeekScore(rnd, week, total / n, n)
            for (week, rnd), (total, n) in sorted(
                weeks.items(), key=lambda item: (item[0][0], order.get(item[0][1], -1))
            )
            if n and rnd in order
        ]

    def due_forecast(self, flt: StatsFilter, end: datetime, offsets: Offsets) -> list[DayCount]:
        """Studied questions due per local day until ``end`` (overdue ones fall on past days), as a
        session asks them: a suspended one never, a buried one on the day its burial ends."""
        clause, params = question_filter(QuestionFilter(rounds=flt.rounds, banks=flt.banks))
        day, shifts = local_date(EFFECTIVE_DUE, offsets)
        stmt = text(
            f"SELECT {day} AS day, COUNT(*) AS n FROM cards c"
            " JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND c.last_review IS NOT NULL AND {NOT_SUSPENDED}"
            f" AND c.due < :end AND {EFFECTIVE_DUE} < :end GROUP BY day ORDER BY day"
        )
        rows = self.store.conn.execute(stmt, {**params, **shifts, "end": db_time(end)}).all()
        return [DayCount(date.fromisoformat(r.day), r.n) for r in rows]

    def card_counts_by_bank(self, flt: StatsFilter) -> list[BankCardCounts]:
        clause, params = question_filter(QuestionFilter(rounds=flt.rounds, banks=flt.banks))
        stmt = text(
            "SELECT q.bank_id, q.round, SUM(c.last_review IS NULL) AS new,"
            " SUM(c.last_review IS NOT NULL AND c.state != 2) AS learning,"
            " SUM(c.last_review IS NOT NULL AND c.state = 2) AS review"
            " FROM cards c JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} GROUP BY q.bank_id ORDER BY q.round, q.bank_id"
        )
        return [BankCardCounts(*r) for r in self.store.conn.execute(stmt, params).all()]

    def leeches(self, flt: StatsFilter, threshold: int) -> list[Leech]:
        """Questions forgotten (again, after being learned) at least ``threshold`` times: counted per
        question from the partial index of lapses, and only the few over the threshold joined."""
        outer, inner = _split(flt)
        rows = self._agg(
            "SELECT q.key, q.topic, x.lapses FROM (SELECT r.question_id, COUNT(*) AS lapses FROM reviews r"
            f" WHERE {inner} AND r.rating = 1 AND r.state_before = 2 AND NOT r.cram GROUP BY r.question_id"
            " HAVING COUNT(*) >= :k) x JOIN questions q ON q.id = x.question_id"
            f" WHERE {outer} ORDER BY x.lapses DESC, q.key LIMIT 20",
            flt,
            k=threshold,
        )
        return [Leech(*r) for r in rows]

    def time_by_round(self, flt: StatsFilter) -> list[RoundTime]:
        """Per round: answers, total answer time (ms) and median answer time (ms, whole seconds).

        The median comes from a one-second histogram: the roll-up's, or with ``--since`` the log's
        from that time on (a range of the index by time).
        """
        if flt.since is None:
            rows = self._rolled(
                "SELECT round, second AS s, SUM(answers) AS n, SUM(answer_ms) AS ms FROM stats_times"
                " WHERE {where} GROUP BY round, second",
                flt,
            )
        else:
            rows = self._agg(
                "SELECT q.round, r.duration_ms / 1000 AS s, COUNT(*) AS n, SUM(r.duration_ms) AS ms"
                " FROM reviews r JOIN questions q ON q.id = r.question_id WHERE {where} GROUP BY q.round, s",
                flt,
            )
        histograms: dict[str, list[Any]] = {}
        for row in rows:
            histograms.setdefault(row[0], []).append(row)
        out = []
        for name in ROUNDS:
            if found := histograms.get(name):
                counts = [(r.s, r.n) for r in found]
                total = sum(r.ms for r in found)
                out.append(
                    RoundTime(name, sum(n for _s, n in counts), total, histogram_median(counts) * 1000)
                )
        return sorted(out)

    def graded_reviews(self, flt: StatsFilter, recent: int = RECENT) -> list[GradedReview]:
        """The grader's proposal, the confirmed checklist and both ratings of the graded answers among
        the last ``recent`` reviews (a range of ids: the same few milliseconds on any home)."""
        recent_reviews, params = _recent(flt, recent)
        stmt = text(
            # the checklist was pre-ticked with a model's verdicts when one graded the answer
            "SELECT COALESCE(r.model_proposed, r.proposed) AS shown, r.checklist, r.suggested, r.rating"
            f"{recent_reviews}"
            " AND COALESCE(r.model_proposed, r.proposed) IS NOT NULL AND r.checklist IS NOT NULL"
            " AND NOT r.cram"
            # a blank answer (said aloud) had nothing judged: its all-missing proposal is no verdict
            " AND NOT (typeof(r.answer) = 'text' AND trim(r.answer, ' ' || char(9, 10, 13)) = '')"
        )
        rows = self.store.conn.execute(stmt, params).all()
        verdicts = review_codec.verdict_list
        return [GradedReview(verdicts(r.shown), verdicts(r.checklist), r.suggested, r.rating) for r in rows]

    def model_answers(self, flt: StatsFilter, recent: int = RECENT) -> list[ModelAnswers]:
        """The answers among the last ``recent`` reviews each language model was asked to grade, by
        why it gave no verdict (None: those it gave one on)."""
        recent_reviews, params = _recent(flt, recent)
        stmt = text(
            f"SELECT r.model, r.model_failure AS failure, COUNT(*) AS n{recent_reviews}"
            " AND r.model IS NOT NULL GROUP BY r.model, r.model_failure"
        )
        rows = self.store.conn.execute(stmt, params).all()
        return [ModelAnswers(r.model, r.failure, r.n) for r in rows]

    def delivery_weeks(self, flt: StatsFilter, start: datetime, offsets: Offsets) -> list[DeliveryWeek]:
        """Spoken answers per week (Monday, local): words, speaking time, fillers, long pauses and
        answers over their limit, summed (rates are worked out from the sums)."""
        week, params = local_date("r.rated_at", offsets, "weekday 0", "-6 days")
        clause, where = review_filter(flt)
        join = " JOIN questions q ON q.id = r.question_id" if "q." in clause else ""
        stmt = text(
            f"SELECT {week} AS week, COUNT(*) AS n,"
            " SUM(json_extract(r.delivery, '$.words')) AS words,"
            " SUM(json_extract(r.delivery, '$.speaking_seconds')) AS speaking,"
            " SUM((SELECT COALESCE(SUM(f.value), 0) FROM json_each(r.delivery, '$.fillers') f)) AS fillers,"
            " SUM(json_array_length(r.delivery, '$.pauses')) AS pauses,"
            " SUM(r.time_limit_ms IS NOT NULL AND r.duration_ms > r.time_limit_ms) AS over"
            f" FROM reviews r{join} WHERE {clause} AND r.delivery IS NOT NULL AND r.rated_us >= :start"
            " GROUP BY week ORDER BY week"
        )
        rows = self.store.conn.execute(stmt, {**where, **params, "start": db_us(start)}).all()
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


WINDOWS = (7, 30, 365)


def _split(flt: StatsFilter) -> tuple[str, str]:
    """The filter as two clauses: on the questions (``q``) and on the reviews (``r``)."""
    clause, _params = review_filter(flt)
    parts = clause.split(" AND ")
    outer = " AND ".join(p for p in parts if p.startswith("q.")) or "1"
    inner = " AND ".join(p for p in parts if not p.startswith("q.")) or "1"
    return outer, inner


def _rollup_filter(flt: StatsFilter) -> Where:
    """The round and bank filter on a roll-up table's columns."""
    clauses, params = ["1"], {}
    for column, name, values in (
        ("round", "rolled_rounds", flt.rounds),
        ("bank_id", "rolled_banks", flt.banks),
    ):
        if values:
            clauses.append(f"{column} IN :{name}")
            params[name] = list(values)
    return " AND ".join(clauses), params


class Edge(NamedTuple):
    """Where counting from a moment starts: the roll-up's days after ``after`` (ISO; "" for all), and
    the moment's own day ``day`` from the log over [``begin``, ``end``) (None: no moment; bounds on
    ``rated_us``, as :func:`mockprep.db.sql.db_us` gives them)."""

    after: str
    day: date | None = None
    begin: int = 0
    end: int = 0
    begin_at: datetime | None = None


def _edge(moment: datetime | None, offsets: Offsets) -> Edge:
    """Counting from ``moment`` on under ``offsets``: its local day's rest from the log, later days
    from the roll-up (a day begins where :func:`day_starts` says, the roll-up's day of each answer)."""
    if moment is None:
        return Edge("")
    day = local_date_at(offsets, moment)
    (_day, _start), (_next, following) = day_starts(offsets, day, day)
    return Edge(day.isoformat(), day, db_us(moment), db_us(following), moment)


def _recent(flt: StatsFilter, recent: int) -> tuple[str, dict[str, object]]:
    """`` FROM reviews r ... WHERE ...`` of the last ``recent`` reviews (a range of ids) that ``flt``
    keeps, and its parameters."""
    clause, where = review_filter(flt)
    join = " JOIN questions q ON q.id = r.question_id" if "q." in clause else ""
    return (
        f" FROM reviews r{join} WHERE {clause}"
        " AND r.id > (SELECT COALESCE(MAX(id), 0) FROM reviews) - :recent",
        {**where, "recent": recent},
    )
