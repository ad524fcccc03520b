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
    from mockprep.core.plan_load import PlanLoad, PlanOutlook
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


def plan_load(
    store: Store, status: PlanStatus, now: datetime, tz: tzinfo | None, settings: Settings
) -> PlanLoad:
    """The estimate of each day's answers and minutes until the plan's interview (see
    :func:`~mockprep.core.plan_load.daily_load`): the plan's cards, its new questions as sessions would
    introduce them, the person's pass rates of the last RATE_DAYS days, and each question's time limit
    times the share of it the person's answers in its round take (the median; the whole limit where a
    round has too few answers)."""
    from mockprep.core.plan_load import RATE_DAYS, LoadCard, LoadRules, PlanLoad, daily_load, pass_rates
    from mockprep.core.timer import expected_seconds, median_shares, time_limit

    plan = status.plan
    cards = store.plans.cards(plan)
    costs = store.answer_times.limits([c.question_id for c in cards])
    shares = median_shares(store.answer_times.recent(), settings, settings.min_history_for_median)
    rounds = {costs[c.question_id][0] for c in cards}
    load_cards = []
    for item in cards:
        round_name, own = costs[item.question_id]
        seconds = expected_seconds(shares, round_name, time_limit(settings, round_name, own))
        load_cards.append(LoadCard(item.question_id, item.card, seconds))
    rates = pass_rates(
        store.plans.answer_counts(plan, now - timedelta(days=RATE_DAYS)), settings.desired_retention
    )
    rules = LoadRules(
        plan.date,
        scheduler_params(store, settings),
        settings.plan_retention,
        rates,
        settings.plan_review_days,
        status.limit,
        min(status.new_left, max(0, max(status.pace, status.limit) - status.introduced_today)),
        timedelta(minutes=settings.learn_ahead_minutes),
        tz,
        settings.day_start_hour,
    )
    return PlanLoad(
        daily_load(load_cards, now, rules),
        rates,
        {r: s for r, s in shares.items() if r in rounds},
        tuple(sorted(rounds - set(shares))),
    )


def plan_outlook(
    store: Store, status: PlanStatus, now: datetime, tz: tzinfo | None, settings: Settings
) -> PlanOutlook:
    """What `plan` adds to a plan's status: its daily load until the interview (none on the day), the
    minutes a day the person has, and its suspended questions."""
    from mockprep.core.plan_load import PlanOutlook

    load = plan_load(store, status, now, tz, settings) if status.days_left > 0 else None
    return PlanOutlook(load, settings.plan_minutes_a_day, tuple(store.plans.suspended(status.plan)))
