"""Interview plans: the dates a person prepares for, and the cards of the questions each covers."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from mockprep.db.card_conditions import NOT_SUSPENDED
from mockprep.db.driver import text
from mockprep.db.sql import db_time, db_us, from_db_time, question_filter

if TYPE_CHECKING:
    from mockprep.core.plans import Plan, PlanCard
    from mockprep.core.question_filter import QuestionFilter
    from mockprep.db.store import Store


class PlanTable:
    """``store.plans``: the ``plans`` table."""

    def __init__(self, store: Store):
        self.store = store

    def add(self, day: date, label: str, role: str | None, rounds: tuple[str, ...], now: datetime) -> int:
        with self.store.write() as conn:
            return conn.execute(
                text(
                    "INSERT INTO plans (date, label, role, rounds, created_at)"
                    " VALUES (:d, :l, :r, :rounds, :t)"
                ),
                {
                    "d": day.isoformat(),
                    "l": label,
                    "r": role,
                    "rounds": json.dumps(list(rounds)),
                    "t": db_time(now),
                },
            ).lastrowid

    def remove(self, plan_id: int) -> bool:
        with self.store.write() as conn:
            return bool(conn.execute(text("DELETE FROM plans WHERE id = :i"), {"i": plan_id}).rowcount)

    def all(self) -> list[Plan]:
        """Every plan, the soonest first."""
        return [_plan(r) for r in self.store.q("SELECT * FROM plans ORDER BY date, id")]

    def latest_day(self) -> date | None:
        """The latest plan's day, None without plans: a look that loads nothing, before the plan
        figures (whose code loads the scheduler) are worked out."""
        day = self.store.q("SELECT max(date) FROM plans").scalar_one()
        return None if day is None else date.fromisoformat(day)

    def active(self, on: date) -> list[Plan]:
        """Plans whose day has not passed on ``on``, the soonest first."""
        return [p for p in self.all() if on <= p.date]

    def introduced(self, flt: QuestionFilter, since: datetime, until: datetime) -> frozenset[int]:
        """The questions ``flt`` selects that were answered for the first time in [since, until) (what
        :meth:`CardTable.new_introduced` counts), to tell which of them a plan covers."""
        clause, params = question_filter(flt)
        stmt = text(
            "SELECT DISTINCT r.question_id FROM reviews r JOIN questions q ON q.id = r.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND r.state_before = 0 AND NOT r.cram"
            " AND r.rated_us >= :since AND r.rated_us < :until"  # the index by time (m016)
        )
        values = {**params, "since": db_us(since), "until": db_us(until)}
        return frozenset(r.question_id for r in self.store.conn.execute(stmt, values))

    def question_ids(self, plan: Plan) -> frozenset[int]:
        """The active questions a plan covers (suspended ones too: they may come back)."""
        clause, params = question_filter(plan.filter)
        stmt = text(f"SELECT q.id FROM questions q JOIN banks b ON b.id = q.bank_id WHERE {clause}")
        return frozenset(r.id for r in self.store.conn.execute(stmt, params))

    def cards(self, plan: Plan) -> list[PlanCard]:
        """Each question the plan covers that may be asked (not suspended), with its card."""
        from mockprep.core.plans import PlanCard
        from mockprep.db.cards import card_from_row

        clause, params = question_filter(plan.filter)
        stmt = text(
            "SELECT q.id AS question_id, q.round, q.topic, c.state, c.step, c.stability, c.difficulty,"
            " c.due, c.last_review FROM questions q JOIN banks b ON b.id = q.bank_id"
            f" JOIN cards c ON c.question_id = q.id WHERE {clause} AND {NOT_SUSPENDED} ORDER BY q.id"
        )
        return [
            PlanCard(r.question_id, r.round, r.topic, card_from_row(r) if r.last_review else None)
            for r in self.store.conn.execute(stmt, params)
        ]

    def suspended(self, plan: Plan) -> list[tuple[str, bool]]:
        """The questions the plan covers that are suspended, by key, and whether each is a leech
        (suspended automatically): never asked, so in none of the plan's figures."""
        from mockprep.core.card_actions import SUSPENDED_AS_LEECH

        clause, params = question_filter(plan.filter)
        stmt = text(
            "SELECT q.key, c.suspended_by = :leech AS leech FROM questions q JOIN banks b ON b.id = q.bank_id"
            f" JOIN cards c ON c.question_id = q.id WHERE {clause} AND NOT {NOT_SUSPENDED} ORDER BY q.key"
        )
        rows = self.store.conn.execute(stmt, {**params, "leech": SUSPENDED_AS_LEECH})
        return [(r.key, bool(r.leech)) for r in rows]

    def answer_counts(self, plan: Plan, since: datetime) -> dict[str, tuple[int, int]]:
        """The answers to the plan's questions since ``since`` outside cram, and how many passed (hard,
        good or easy), by kind: a new question's first answer, a (re)learning step, a review."""
        clause, params = question_filter(plan.filter)
        stmt = text(
            "SELECT CASE r.state_before WHEN 0 THEN 'first' WHEN 2 THEN 'review' ELSE 'step' END"
            " AS answer_kind, COUNT(*) AS answers, SUM(r.rating > 1) AS passed FROM reviews r"
            " JOIN questions q ON q.id = r.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND NOT r.cram AND r.rated_us >= :since"  # the index by time
            " GROUP BY answer_kind"
        )
        rows = self.store.conn.execute(stmt, {**params, "since": db_us(since)})
        return {r.answer_kind: (r.answers, r.passed) for r in rows}


def _plan(r: Any) -> Plan:
    from mockprep.core.plans import Plan

    return Plan(
        r.id,
        date.fromisoformat(r.date),
        r.label,
        r.role,
        tuple(json.loads(r.rounds)),
        from_db_time(r.created_at),
    )
