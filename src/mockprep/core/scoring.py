"""The score of a session or mock, defined once and used everywhere (README: "Scores").

Each answer earns points from its rating — again 0, hard 50, good 80, easy 100 — less 10 when it ran
over its time limit (never below 0). A session's score is the mean over its rated answers, 0-100,
a half rounded up.
"""

from __future__ import annotations

from collections.abc import Iterable

RATING_POINTS = {1: 0, 2: 50, 3: 80, 4: 100}
OVERTIME_PENALTY = 10


def answer_points(rating: int, overtime: bool = False) -> int:
    points = RATING_POINTS[rating]
    return max(0, points - OVERTIME_PENALTY) if overtime else points


def session_score(answers: Iterable[tuple[int, bool]]) -> int | None:
    """Mean points of ``(rating, overtime)`` pairs, a half rounded up (32.5 is 33, as SQLite's ROUND
    gives the history list); None when nothing was rated."""
    points = [answer_points(rating, overtime) for rating, overtime in answers]
    return (2 * sum(points) + len(points)) // (2 * len(points)) if points else None
