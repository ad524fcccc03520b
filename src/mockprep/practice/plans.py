"""Interview plans at work: the new questions each active plan still needs introduced today, and the
figures `plan` and `stats` show. Over a Store handed in; the decisions are in :mod:`mockprep.core.plans`
and :mod:`mockprep.core.daily_new`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from mockprep.core.daily_new import (
    NewCandidate,
    PlanQuota,
    allowed_new,
    day_figure,
    plan_taken,
    selection_limit,
)
from mockprep.core.plans import Plan, PlanStatus, deadline, new_pace, plan_status, today
from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import SchedulerParams, day_start
from mockprep.core.settings import Settings

if TYPE_CHECKING:
    from mockprep.db.store import Store


def scheduler_params(store: Store, settings: Settings) -> SchedulerParams:
    """The parameters reviews are scheduled with now: the person's weights (fitted or FSRS's) and the
    settings' retention and steps."""
    return SchedulerParams.of(
        store.scheduling.weights(),
        settings.desired_retention,
        settings.learning_steps,
        settings.relearning_steps,
    )


def _introduced(store: Store, plan: Plan, now: datetime, tz: tzinfo | None, hour: int) -> tuple[int, int]:
    """New questions of the plan introduced today, and over the last seven days."""
    start, end = day_start(now, tz, 0, hour), day_start(now, tz, 1, hour)
    today_count = store.cards.new_introduced(plan.filter, start, end)
    week = store.cards.new_introduced(plan.filter, start - timedelta(days=6), end)
    return today_count, week


def plan_quotas(store: Store, now: datetime, tz: tzinfo | None, settings: Settings) -> list[PlanQuota]:
    """For each active plan, its questions and how many more of them must be introduced today for
    every one to be introduced before the last ``plan_review_days`` days."""
    hour = settings.day_start_hour
    quotas = []
    for plan in store.plans.active(today(now, tz, hour)):
        cards = store.plans.cards(plan)
        new = sum(1 for c in cards if c.card is None)
        introduced_today, _week = _introduced(store, plan, now, tz, hour)
        days_left = (plan.date - today(now, tz, hour)).days
        pace = new_pace(new + introduced_today, days_left, settings.plan_review_days)
        quotas.append(PlanQuota(store.plans.question_ids(plan), max(0, pace - introduced_today), pace))
    return quotas


def todays_new(
    store: Store,
    s: Settings,
    flt: QuestionFilter,
    now: datetime,
    tz: tzinfo | None,
    candidates: list[NewCandidate],
    quotas: list[PlanQuota],
) -> tuple[list[int], int, bool]:
    """The new questions a session of ``flt`` may introduce now, in order (see
    :func:`~mockprep.core.daily_new.allowed_new`), today's figure for the selection and whether an
    interview plan set it (see :func:`~mockprep.core.daily_new.day_figure`)."""
    start, end = day_start(now, tz, 0, s.day_start_hour), day_start(now, tz, 1, s.day_start_hour)

    def left(limit: int, which: QuestionFilter) -> int:
        return max(0, limit - store.cards.new_introduced(which, start, end))

    limit = selection_limit(s.daily_new, s.daily_new_per_bank, s.daily_new_per_round, flt.banks, flt.rounds)
    banks = {b: left(n, QuestionFilter(banks=(b,))) for b, n in s.daily_new_per_bank.items()}
    rounds = {r: left(n, QuestionFilter(rounds=(r,))) for r, n in s.daily_new_per_round.items()}
    introduced = store.cards.new_introduced(flt, start, end)
    allowed = allowed_new(candidates, max(0, limit - introduced), banks, rounds, quotas)
    earlier = store.plans.introduced(flt, start, end) if quotas and introduced > 0 else frozenset()
    figure, by_plan = day_figure(limit, introduced, len(allowed), plan_taken(allowed, earlier, quotas))
    return allowed, figure, by_plan


def plan_statuses(store: Store, now: datetime, tz: tzinfo | None, settings: Settings) -> list[PlanStatus]:
    """The figures of every active plan, the soonest first."""
    hour = settings.day_start_hour
    on = today(now, tz, hour)
    params = scheduler_params(store, settings)
    out = []
    for plan in store.plans.active(on):
        limit = selection_limit(
            settings.daily_new,
            settings.daily_new_per_bank,
            settings.daily_new_per_round,
            (),
            plan.rounds,
        )
        out.append(
            plan_status(
                plan,
                store.plans.cards(plan),
                now,
                on,
                deadline(plan, tz, hour),
                params,
                settings.plan_review_days,
                _introduced(store, plan, now, tz, hour),
                limit,
            )
        )
    return out
