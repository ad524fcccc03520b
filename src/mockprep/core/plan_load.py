"""How much an interview plan asks of each day until the interview: an estimate of the answers and the
minutes, from the cards' due dates, the new questions sessions will introduce and their learning steps,
the person's own pass rates and their answer times.

Pure: ``now``, the zone and every figure come in. It is an estimate, and what it assumes is said with
it: each question is answered on the day it falls due (a (re)learning step due within the learn-ahead
window at once, as a session asks it early); new questions come as sessions introduce them (the plan's
pace, or the daily limit when that is more); a passed answer is rated good and a failed one again; and
each kind of answer (a new question's first, a learning step, a review) fails as often as the person's
own recent answers of that kind did, the failures spread evenly over the questions and the days.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from fsrs import Card, Rating, State

from mockprep.core.plans import new_pace, planned_params
from mockprep.core.scheduler import SchedulerParams, day_start, new_card, review

KINDS = ("first", "step", "review")  # a new question's first answer, a (re)learning step, a review
RATE_DAYS = 30  # the pass rates are the person's answers of the last this many days
MIN_ANSWERS = 20  # answers of a kind in them before the person's own rate stands for that kind
# A kind's own pass rate is taken as at least this (a learning step failed 20 times out of 20): with the
# failures spread evenly, at a half or less no learning question passes two steps in a row, so none would
# ever graduate, each would be answered MOST_A_DAY times every day and the estimate run for seconds
MIN_RATE = 0.6
MOST_A_DAY = 10  # answers to one question in a day at most: one failed again and again waits a day
SPREAD = 0.6180339887498949  # (golden ratio) the first failure of each question falls on another answer
_EPSILON = 1e-9


@dataclass(frozen=True)
class PassRates:
    """The share of answers passed (hard, good or easy) of each kind; ``own`` holds the kinds whose
    share is the person's, the others being the retention aimed for."""

    first: float
    step: float
    review: float
    own: frozenset[str] = frozenset()
    floored: frozenset[str] = frozenset()  # the kinds whose own rate was below MIN_RATE, taken as it

    def of(self, kind: str) -> float:
        return float(getattr(self, kind))


def pass_rates(counts: Mapping[str, tuple[int, int]], assumed: float) -> PassRates:
    """Each kind's pass rate from ``counts`` (answers, passed) where it has :data:`MIN_ANSWERS`;
    ``assumed`` (the desired retention) for the others; none below :data:`MIN_RATE`."""
    rates: dict[str, float] = {}
    own, floored = set(), set()
    for kind in KINDS:
        answers, passed = counts.get(kind, (0, 0))
        if answers >= MIN_ANSWERS:
            rates[kind] = max(MIN_RATE, passed / answers)
            own.add(kind)
            if passed / answers < MIN_RATE:
                floored.add(kind)
        else:
            rates[kind] = assumed
    return PassRates(rates["first"], rates["step"], rates["review"], frozenset(own), frozenset(floored))


@dataclass(frozen=True)
class LoadCard:
    """A question of the plan as the estimate needs it: its card (None: never answered) and the seconds
    an answer to it is expected to take."""

    question_id: int
    card: Card | None
    seconds: float


@dataclass(frozen=True)
class DayLoad:
    """One day's estimate: the new questions introduced, every answer (reviews, first answers and
    (re)learning steps) and the time they take."""

    day: date
    new: int
    answers: int
    seconds: float

    @property
    def minutes(self) -> float:
        return self.seconds / 60


@dataclass(frozen=True)
class LoadRules:
    """What the estimate runs by besides the cards."""

    interview: date
    params: SchedulerParams  # the person's weights and the settings' retention and steps
    plan_retention: float
    rates: PassRates
    review_days: int  # plan_review_days
    limit: int  # the daily limit of new questions of the plan's selection
    new_today: int  # new questions still to come today
    learn_ahead: timedelta = timedelta(minutes=20)
    tz: tzinfo | None = None
    day_start_hour: int = 0


@dataclass(frozen=True)
class PlanLoad:
    """The estimate of every day until the interview, and what it was made from (for saying so)."""

    days: list[DayLoad]
    rates: PassRates
    shares: Mapping[str, float] = field(default_factory=dict)  # round -> median share of the time limit
    limited: tuple[str, ...] = ()  # rounds whose answers are expected to take their time limit


def introductions(new: int, days: int, rules: LoadRules) -> list[int]:
    """New questions introduced each day: today what is still to come, then each morning the plan's
    pace worked out afresh from what is left (sessions take the plan's questions first, up to the daily
    limit when that is more), none once every one is introduced."""
    out = []
    for index in range(days):
        if index == 0:
            wanted = rules.new_today
        else:
            wanted = max(new_pace(new, days - index, rules.review_days), rules.limit)
        out.append(min(new, max(0, wanted)))
        new -= out[-1]
    return out


def daily_load(cards: Sequence[LoadCard], now: datetime, rules: LoadRules) -> list[DayLoad]:
    """The estimated load of each day from today's (what is left of it) to the day before the
    interview; none on the interview's day or after it.

    Practice is taken to happen each day at the time of day of ``now``; a question is answered when it
    falls due (at that time, if it is due earlier in the day), its next step at once when due within
    the learn-ahead window, and each answer is scheduled as a session would schedule it (the plan's
    raised retention included)."""
    starts = [day_start(now, rules.tz, 0, rules.day_start_hour)]
    days = (rules.interview - starts[0].astimezone(rules.tz).date()).days
    if days <= 0:
        return []
    starts += [day_start(now, rules.tz, index, rules.day_start_hour) for index in range(1, days + 1)]
    into_day = now - starts[0]
    sessions = [now, *(start + into_day for start in starts[1:days])]
    new = [c for c in cards if c.card is None or c.card.last_review is None]
    studied = sorted((c for c in cards if c.card is not None and c.card.last_review is not None), key=_id)
    per_day = introductions(len(new), days, rules)
    answers, seconds = [0] * days, [0.0] * days
    walk = _Walk(starts, sessions, rules, answers, seconds)
    for rank, item in enumerate(studied):
        assert item.card is not None
        walk.follow(item.card, item.seconds, rank)
    queue = iter(sorted(new, key=_id))
    rank = len(studied)
    for index, count in enumerate(per_day):
        for item in (next(queue) for _ in range(count)):
            walk.follow(new_card(item.question_id, sessions[index]), item.seconds, rank)
            rank += 1
    return [
        DayLoad(starts[i].astimezone(rules.tz).date(), per_day[i], answers[i], seconds[i])
        for i in range(days)
    ]


def _id(item: LoadCard) -> int:
    return item.question_id


@dataclass
class _Walk:
    """Follows one question at a time through the days, adding its answers to each day's figures."""

    starts: list[datetime]  # the start of each day, and of the interview's day last
    sessions: list[datetime]  # when each day's practice is
    rules: LoadRules
    answers: list[int]
    seconds: list[float]

    def follow(self, card: Card, cost: float, rank: int) -> None:
        """Answer ``card`` whenever it falls due until the interview; ``rank`` sets where its failures
        fall (the shares of each kind are the same for every question, spread evenly)."""
        rules, last, today, count = self.rules, None, -1, 0
        due_by = self.starts[-1]
        owed = (rank * SPREAD) % 1.0  # failures owed: one falls when a whole one is owed
        while (when := self._next(card, last)) is not None:
            day = self._day(when)
            count = count + 1 if day == today else 1
            if count > MOST_A_DAY:  # it waits for the next day's practice
                if day + 1 >= len(self.sessions):
                    return
                when = max(card.due, self.sessions[day + 1])
                day, count = self._day(when), 1
                if day >= len(self.sessions):
                    return
            kind = "first" if card.last_review is None else "review" if card.state == State.Review else "step"
            owed += 1.0 - rules.rates.of(kind)
            failed = owed >= 1.0 - _EPSILON
            owed -= 1.0 if failed else 0.0
            rating = Rating.Again if failed else Rating.Good
            params = planned_params(rules.params, card, rating, when, due_by, rules.plan_retention)
            card = review(params.scheduler(), card, rating, when)
            self.answers[day] += 1
            self.seconds[day] += cost
            last, today = when, day

    def _next(self, card: Card, last: datetime | None) -> datetime | None:
        """When the card's next answer comes (None: not before the interview's day)."""
        if last is not None and card.state != State.Review and card.due <= last + self.rules.learn_ahead:
            return last  # a step due soon: asked early, in the same session
        day = max(0, self._day(card.due))
        if day >= len(self.sessions):
            return None
        return max(card.due, self.sessions[day])

    def _day(self, moment: datetime) -> int:
        return bisect.bisect_right(self.starts, moment) - 1


@dataclass(frozen=True)
class PlanOutlook:
    """What `plan` says of a plan beyond its status: the estimated daily load (None: not worked out),
    the minutes a day the person has (0: not said) and the plan's suspended questions (key, leech)."""

    load: PlanLoad | None
    minutes_a_day: int = 0
    suspended: tuple[tuple[str, bool], ...] = ()
