"""Interview plans: a date to be ready by, the pace of new questions it needs, the desired retention
that makes reviews land before it, and how ready each round and topic is predicted to be on the day.

Pure: days are the person's days (starting at the ``day_start_hour``), computed from ``now`` and a
zone passed in; recall predictions are FSRS retrievability at the start of the interview day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from fsrs import Card, Rating, State

from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import MAX_RETENTION, SchedulerParams, day_start, retrievability, review

RETENTION_STEP = 0.005  # a raised retention is rounded up to this: few distinct parameter sets


@dataclass(frozen=True)
class Plan:
    """An interview to be ready for: its local date, and the questions it covers."""

    id: int
    date: date
    label: str = ""
    role: str | None = None
    rounds: tuple[str, ...] = ()  # empty: every round
    created_at: datetime | None = None

    @property
    def filter(self) -> QuestionFilter:
        return QuestionFilter(rounds=self.rounds, roles=(self.role,) if self.role else ())

    @property
    def name(self) -> str:
        return self.label or f"interview on {self.date.isoformat()}"

    def scope(self) -> str:
        """What it covers, in words: ``technical and behavioral, ml-engineer``."""
        rounds = " and ".join(self.rounds) if self.rounds else "every round"
        return rounds + (f", {self.role}" if self.role else "")


def today(now: datetime, tz: tzinfo | None = None, hour: int = 0) -> date:
    """The person's current day (before ``hour`` o'clock it is still yesterday)."""
    return day_start(now, tz, 0, hour).astimezone(tz).date()


def deadline(plan: Plan, tz: tzinfo | None = None, hour: int = 0) -> datetime:
    """The start of the interview day (UTC): what must be ready by then."""
    start = datetime(plan.date.year, plan.date.month, plan.date.day, hour)
    # A naive time is read in the system's zone (tz None), with the offset in force on that day.
    return (start.astimezone(UTC) if tz is None else start.replace(tzinfo=tz)).astimezone(UTC)


def is_active(plan: Plan, on: date) -> bool:
    """A plan runs until its day is over; after it, normal scheduling resumes."""
    return on <= plan.date


def intro_days(days_left: int, review_days: int) -> int:
    """Days left to introduce new questions in: all but the last ``review_days`` before the interview
    (none left: 0)."""
    return max(0, days_left - review_days)


def new_pace(new_at_day_start: int, days_left: int, review_days: int) -> int:
    """New questions a day that introduce all of them in time (the day's figure, fixed at its start);
    none in the last ``review_days`` days nor on the interview's own day, which are for going over what
    is known (what was not introduced by then stays new)."""
    if new_at_day_start <= 0 or days_left <= 0 or days_left <= review_days:
        return 0
    return math.ceil(new_at_day_start / intro_days(days_left, review_days))


def planned_params(
    base: SchedulerParams,
    card: Card,
    rating: Rating,
    now: datetime,
    due_by: datetime | None,
    target: float,
) -> SchedulerParams:
    """The parameters to review ``card`` with when it must be ready by ``due_by``.

    The base parameters, unless the rating leaves the card in review with a predicted recall at
    ``due_by`` below ``target`` and its next review would fall after it: then the desired retention is
    raised (never above 0.99) until that review lands the day before ``due_by``, so that the last
    review before the interview comes as late as it usefully can.
    """
    if due_by is None or due_by - now < timedelta(days=1):
        return base
    after = review(base.scheduler(), card, rating, now)
    if after.state != State.Review or after.due < due_by - timedelta(days=1):
        return base
    if retrievability(base, after, due_by) >= target:
        return base
    wanted = retrievability(base, after, due_by - timedelta(days=1))
    raised = min(MAX_RETENTION, math.ceil(wanted / RETENTION_STEP - 1e-9) * RETENTION_STEP)
    if raised <= base.desired_retention:
        return base
    return base.with_retention(round(raised, 3))


def weakest_first(
    cards: Sequence[tuple[int, Card | None]], params: SchedulerParams, now: datetime
) -> list[int]:
    """Question ids by predicted recall at ``now``, lowest first (a question never answered counts as
    0); ties keep the order given."""
    recall = {qid: 0.0 if card is None else retrievability(params, card, now) for qid, card in cards}
    return sorted(recall, key=recall.__getitem__)


# -- how ready -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanCard:
    """One question a plan covers, as the plan view needs it (``card`` None: never answered)."""

    question_id: int
    round: str
    topic: str
    card: Card | None


@dataclass
class TopicReadiness:
    round: str
    topic: str
    new: int = 0
    learning: int = 0
    learned: int = 0
    recall_sum: float = 0.0  # predicted recall on the day, summed over the studied questions

    @property
    def questions(self) -> int:
        return self.new + self.learning + self.learned

    @property
    def recall(self) -> float | None:
        """Mean predicted recall on the day of the questions already studied (None: none yet)."""
        studied = self.learning + self.learned
        return self.recall_sum / studied if studied else None

    @property
    def readiness(self) -> float:
        """Mean predicted recall on the day over every question, new ones counting as 0."""
        return self.recall_sum / self.questions if self.questions else 0.0


@dataclass
class PlanStatus:
    """Everything `plan` and `stats` say about one plan."""

    plan: Plan
    days_left: int
    topics: list[TopicReadiness]
    new_at_day_start: int  # new questions when today began (the pace is worked out from it)
    introduced_today: int
    pace: int  # new questions a day needed
    recent_pace: float  # new questions introduced a day, over the last week
    reviews_due: int  # studied questions due before the day
    limit: int  # the daily limit the plan's questions would have without the plan
    totals: TopicReadiness = field(default_factory=lambda: TopicReadiness("", ""))

    @property
    def new_left(self) -> int:
        return self.totals.new

    @property
    def due_today(self) -> int:
        """New questions still to introduce today to keep the pace (sessions take them first)."""
        return max(0, self.pace - self.introduced_today)

    @property
    def on_track(self) -> bool:
        """Whether the person keeps the pace: every question introduced, or today's figure done (the
        pace is worked out afresh each day from what is left, so doing each day's figure introduces
        every question before the review days). In them, or on the day, with some left: it did not.
        Neither the daily limit nor what a session would do counts: only what was done."""
        if self.new_left == 0:
            return True
        return self.pace > 0 and self.due_today == 0

    @property
    def readiness(self) -> float:
        return self.totals.readiness


def plan_status(
    plan: Plan,
    cards: Sequence[PlanCard],
    now: datetime,
    on: date,
    due_by: datetime,
    params: SchedulerParams,
    review_days: int,
    introduced: tuple[int, int],
    limit: int,
) -> PlanStatus:
    """The plan's figures from its questions' cards; ``introduced`` is (today, the last 7 days)."""
    topics: dict[tuple[str, str], TopicReadiness] = {}
    totals = TopicReadiness("", "")
    reviews_due = 0
    for item in cards:
        row = topics.setdefault((item.round, item.topic), TopicReadiness(item.round, item.topic))
        for figures in (row, totals):
            if item.card is None or item.card.last_review is None:
                figures.new += 1
            else:
                if item.card.state == State.Review:
                    figures.learned += 1
                else:
                    figures.learning += 1
                figures.recall_sum += retrievability(params, item.card, due_by)
        if item.card is not None and item.card.last_review is not None and item.card.due < due_by:
            reviews_due += 1
    days_left = (plan.date - on).days
    today_count, week_count = introduced
    new_at_start = totals.new + today_count
    return PlanStatus(
        plan,
        days_left,
        sorted(topics.values(), key=lambda t: (t.round, t.topic)),
        new_at_start,
        today_count,
        new_pace(new_at_start, days_left, review_days),
        week_count / 7,
        reviews_due,
        limit,
        totals,
    )
