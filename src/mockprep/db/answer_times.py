"""How long answers take: the recent answers' times against their limits, and each question's limit,
for the time plans of `session --minutes` and `plan` (see :mod:`mockprep.core.timer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockprep.core.timer import TimedAnswer
from mockprep.db.driver import text

if TYPE_CHECKING:
    from mockprep.db.store import Store

_OWN_LIMIT = "json_extract(q.data, '$.time_limit')"


class AnswerTimes:
    def __init__(self, store: Store):
        self.store = store

    def recent(self, per_round: int = 50) -> dict[str, list[TimedAnswer]]:
        """The latest ``per_round`` answers of each round: their seconds and their question's own limit
        now (None: the round's), not the limit a session's --time-limit gave them.

        One short query per round, walking the reviews newest first by their time index: a window
        over every review would read the whole history (seconds on a long one).
        """
        from mockprep.core.durations import parse_duration

        found: dict[str, list[TimedAnswer]] = {}
        for (round_name,) in self.store.q("SELECT DISTINCT round FROM questions"):
            rows = self.store.q(
                f"SELECT r.duration_ms, {_OWN_LIMIT} AS own FROM reviews r"
                " JOIN questions q ON q.id = r.question_id"
                " WHERE q.round = :round ORDER BY r.rated_us DESC LIMIT :k",
                round=round_name,
                k=per_round,
            )
            answers = [
                TimedAnswer(r.duration_ms / 1000, None if r.own is None else parse_duration(r.own))
                for r in rows
            ]
            if answers:
                found[round_name] = answers
        return found

    def limits(self, question_ids: list[int]) -> dict[int, tuple[str, float | None]]:
        """Each question's round and own time limit in seconds (None: the round's), read in one query
        without parsing whole questions."""
        from mockprep.core.durations import parse_duration

        found: dict[int, tuple[str, float | None]] = {}
        for start in range(0, len(question_ids), 10_000):
            chunk = question_ids[start : start + 10_000]
            stmt = text(
                "SELECT id, round, json_extract(data, '$.time_limit') AS time_limit FROM questions"
                " WHERE id IN :ids"
            )
            for r in self.store.conn.execute(stmt, {"ids": chunk}):
                limit = None if r.time_limit is None else parse_duration(r.time_limit)
                found[r.id] = (r.round, limit)
        return found
