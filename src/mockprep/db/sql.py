"""SQL helpers shared by the aggregate modules: stored times, the points expression, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockprep.core.scoring import OVERTIME_PENALTY, RATING_POINTS

if TYPE_CHECKING:
    from mockprep.core.delivery import Delivery
    from mockprep.core.question_filter import QuestionFilter

# (SQL condition, parameters) for text() statements; a list parameter fills an `IN :name`
Where = tuple[str, dict[str, Any]]


def db_time(moment: datetime) -> str:
    """The stored form of a time: UTC, no zone, microseconds (the format SQLAlchemy uses)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def db_us(moment: datetime) -> int:
    """A time as ``reviews.rated_us`` holds it (m018; ``rated_at`` is its text): microseconds since 1970,
    UTC. What a writer stores, and the bound of a query that reads the log by time. (An aware time is
    subtracted as it is; one without an offset is read as local time, as :func:`db_time` reads it.)"""
    return ((moment if moment.tzinfo is not None else moment.astimezone(UTC)) - _EPOCH) // _MICROSECOND


_MICROSECOND = timedelta(microseconds=1)


def text_us(column: str) -> str:
    """SQL for :func:`db_us` of a time held in ``column`` in the stored text form (:func:`db_time`'s)."""
    return (
        f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({column}, 21, 6) AS INTEGER)"
    )


def from_db_time(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def must_time(value: str | datetime) -> datetime:
    moment = from_db_time(value)
    assert moment is not None
    return moment


def iso(value: str | None) -> str | None:
    """A stored time as ISO 8601 UTC (the export's form)."""
    moment = from_db_time(value)
    return moment.isoformat() if moment else None


def from_iso(value: str | None) -> str | None:
    """The stored form of an ISO 8601 time from an export."""
    if not value:
        return None
    if len(value) == 32 and value.endswith("+00:00") and value[10] == "T":
        return f"{value[:10]} {value[11:26]}"  # what db_time writes: UTC with microseconds
    return db_time(datetime.fromisoformat(value))


def iso_us(value: str) -> int:
    """:func:`db_us` of an ISO 8601 time from an export: what :func:`from_iso` stores, as ``rated_us``."""
    return db_us(datetime.fromisoformat(value))


def sql_points(rating: str = "rating", duration: str = "duration_ms", limit: str = "time_limit_ms") -> str:
    """The points of :func:`mockprep.core.scoring.answer_points` as an SQL expression over a reviews row."""
    cases = " ".join(f"WHEN {r} THEN {p}" for r, p in RATING_POINTS.items())
    overtime = f"(CASE WHEN {limit} IS NOT NULL AND {duration} > {limit} THEN {OVERTIME_PENALTY} ELSE 0 END)"
    return f"MAX(0, (CASE {rating} {cases} END) - {overtime})"


def question_filter(flt: QuestionFilter) -> Where:
    """Active questions of banks not removed, narrowed by the filter (tables ``q`` and ``b``)."""
    clauses = ["q.retired_at IS NULL", "b.removed = 0"]
    params: dict[str, Any] = {}
    for column, name, values in (
        ("q.round", "rounds", flt.rounds),
        ("q.topic", "topics", flt.topics),
        ("q.bank_id", "banks", flt.banks),
    ):
        if values:
            clauses.append(f"{column} IN :{name}")
            params[name] = list(values)
    if flt.roles:
        clauses.append("EXISTS (SELECT 1 FROM json_each(q.roles) r WHERE r.value IN :roles)")
        params["roles"] = list(flt.roles)
    if flt.tags:
        clauses.append("EXISTS (SELECT 1 FROM json_each(q.data, '$.tags') t WHERE t.value IN :tags)")
        params["tags"] = list(flt.tags)
    return " AND ".join(clauses), params


# ``json`` loads only with a spoken answer's delivery (a ``bank sync`` reads this module and needs none).


def delivery_json(delivery: Delivery | None) -> str | None:
    """The stored form of a spoken answer's delivery (NULL for a typed one)."""
    if delivery is None:
        return None
    import json

    return json.dumps(delivery.to_dict())


def delivery_from(value: str | None) -> Delivery | None:
    if value is None:
        return None
    import json

    from mockprep.core.delivery import Delivery

    return Delivery.from_dict(json.loads(value))
