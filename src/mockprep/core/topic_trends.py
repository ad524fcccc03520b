"""Which topics are improving and which slipping: the share of a topic's answers failed (rated again)
in the last few days against the same number of days before, for ``mockprep stats``.

A topic is judged only with enough answers in both windows, and named only when its share moved by
at least :data:`MIN_CHANGE` points and by at least twice the move's standard error (a two-proportion
z-test at z = 2, about 95%), so neither one answer more or less of a busy topic nor chance among a
few answers (1 failed of 6, then 2 of 5) is called a trend. Both rules are worked out in whole numbers
(exact, and the fractions module would slow ``stats``'s start-up).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

MIN_CHANGE = 10  # the least move of the share failed, in points, that is called a trend
MIN_Z = 2  # the least move, in standard errors of the move, that is called a trend


class TopicTrend(NamedTuple):
    """One topic's answers outside cram, and those rated again, in two windows of the same length:
    the earlier one and the recent one just after it."""

    round: str
    topic: str
    earlier_answers: int
    earlier_failed: int
    recent_answers: int
    recent_failed: int

    def moved(self) -> tuple[int, int]:
        """The share failed recently less the share failed before (negative: fewer failed now), as a
        numerator and a denominator (the product of the two windows' answers, both over 0)."""
        return (
            self.recent_failed * self.earlier_answers - self.earlier_failed * self.recent_answers,
            self.recent_answers * self.earlier_answers,
        )

    def change(self) -> float:
        """The move in points (one correctly rounded division: equal moves give equal figures)."""
        top, bottom = self.moved()
        return 100 * top / bottom


def _share(failed: int, answers: int) -> float:
    return round(100 * failed / answers, 1)


def _figures(t: TopicTrend) -> dict[str, Any]:
    return {
        "round": t.round,
        "topic": t.topic,
        "earlier": {
            "answers": t.earlier_answers,
            "failed": t.earlier_failed,
            "failed_share": _share(t.earlier_failed, t.earlier_answers),
        },
        "recent": {
            "answers": t.recent_answers,
            "failed": t.recent_failed,
            "failed_share": _share(t.recent_failed, t.recent_answers),
        },
        "change": round(t.change(), 1),
    }


def _beyond(t: TopicTrend, sign: int) -> bool:
    """Whether the share failed moved :data:`MIN_CHANGE` points or more the way of ``sign``, and
    clearly: the move squared is at least :data:`MIN_Z` squared times its variance under one share
    for both windows (the pooled p(1 - p)(1/a + 1/b)), multiplied out to whole numbers."""
    top, bottom = t.moved()
    a, b = t.earlier_answers, t.recent_answers
    failed, answers = t.earlier_failed + t.recent_failed, a + b
    clear = top * top * answers >= MIN_Z * MIN_Z * failed * (answers - failed) * a * b
    return clear and 100 * sign * top >= MIN_CHANGE * bottom


def topic_changes(
    rows: Sequence[TopicTrend], min_answers: int, count: int = 5
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The improving and the slipping topics: those with at least ``min_answers`` answers in each
    window whose share failed fell (rose) clearly (:func:`_beyond`), the largest move first (ties: more
    answers in the two windows, then by name); at most ``count`` of each."""
    judged = [r for r in rows if min(r.earlier_answers, r.recent_answers) >= max(min_answers, 1)]

    def order(r: TopicTrend) -> tuple[Any, ...]:
        return (-abs(r.change()), -(r.earlier_answers + r.recent_answers), r.topic, r.round)

    improving = sorted((r for r in judged if _beyond(r, -1)), key=order)
    slipping = sorted((r for r in judged if _beyond(r, 1)), key=order)
    return [_figures(r) for r in improving[:count]], [_figures(r) for r in slipping[:count]]


def topic_trends(rows: Sequence[TopicTrend], today: date, days: int, min_answers: int) -> dict[str, Any]:
    """``stats``'s ``topic_trends``: the two windows (local days; the recent one ends today), the rule,
    and the improving and slipping topics."""
    recent = today - timedelta(days=days - 1)
    improving, slipping = topic_changes(rows, min_answers)
    return {
        "days": days,
        "earlier": {
            "start": (recent - timedelta(days=days)).isoformat(),
            "end": (recent - timedelta(days=1)).isoformat(),
        },
        "recent": {"start": recent.isoformat(), "end": today.isoformat()},
        "min_answers": min_answers,
        "min_change": MIN_CHANGE,
        "min_z": MIN_Z,
        "improving": improving,
        "slipping": slipping,
    }
