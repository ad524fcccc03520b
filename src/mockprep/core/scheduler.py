"""Spaced repetition: FSRS reviews and the order in which due questions are asked.

Pure core: time always comes in as an argument (an aware UTC datetime); nothing here reads a clock.
Fuzz is off, so a card's state is a function of its review log alone and can be recomputed exactly.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import IntEnum

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

RATING_NAMES = {
    Rating.Again: "again",
    Rating.Hard: "hard",
    Rating.Good: "good",
    Rating.Easy: "easy",
}


class CardState(IntEnum):
    """Where a question stands; NEW is ours (fsrs calls an unreviewed card Learning)."""

    NEW = 0
    LEARNING = State.Learning.value
    REVIEW = State.Review.value
    RELEARNING = State.Relearning.value


# The weights of FSRS 6 as py-fsrs 6 ships them: what every review was scheduled with before a
# person's own parameters existed. Written out so that an fsrs upgrade cannot change old replays.
FSRS6_WEIGHTS = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip
MAX_RETENTION = 0.99  # beyond this, FSRS intervals shrink to minutes


def weights_problem(weights: Sequence[object]) -> str | None:
    """Why py-fsrs would refuse ``weights`` (how many, each a finite number within its bounds), in one
    line naming the first wrong one; None when it would take them."""
    if len(weights) != len(LOWER_BOUNDS_PARAMETERS):
        return f"must be {len(LOWER_BOUNDS_PARAMETERS)} numbers (got {len(weights)})"
    for index, (weight, low, high) in enumerate(
        zip(weights, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    ):
        if type(weight) not in (int, float) or not math.isfinite(weight):
            return f"[{index}] must be a number (got {weight!r})"
        if not low <= weight <= high:
            return f"[{index}] = {weight} is outside FSRS's bounds ({low} to {high})"
    return None


@dataclass(frozen=True)
class SchedulerParams:
    """Everything a review's outcome depends on besides the card, the rating and the time: FSRS's
    weights, the desired retention, the (re)learning steps in seconds and the longest interval.

    Each review records the set it was scheduled with, so replaying a card's log is exact whatever
    the settings and the person's own parameters have been since. The stored form is that of
    ``fsrs.Scheduler.to_dict()`` without fuzz (always off).
    """

    weights: tuple[float, ...] = FSRS6_WEIGHTS
    desired_retention: float = 0.9
    learning_steps: tuple[int, ...] = (60, 600)
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500

    @classmethod
    def of(
        cls,
        weights: Sequence[float],
        desired_retention: float,
        learning_steps: Sequence[float] = (60, 600),
        relearning_steps: Sequence[float] = (600,),
    ) -> SchedulerParams:
        return cls(
            tuple(float(w) for w in weights),
            float(desired_retention),
            tuple(round(s) for s in learning_steps),
            tuple(round(s) for s in relearning_steps),
        )

    def with_weights(self, weights: tuple[float, ...]) -> SchedulerParams:
        return SchedulerParams(
            weights, self.desired_retention, self.learning_steps, self.relearning_steps, self.maximum_interval
        )

    def with_retention(self, retention: float) -> SchedulerParams:
        return SchedulerParams(
            self.weights, retention, self.learning_steps, self.relearning_steps, self.maximum_interval
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "parameters": list(self.weights),
            "desired_retention": self.desired_retention,
            "learning_steps": list(self.learning_steps),
            "relearning_steps": list(self.relearning_steps),
            "maximum_interval": self.maximum_interval,
        }

    def to_json(self) -> str:
        """The canonical stored form: equal parameters give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> SchedulerParams:
        """Read the stored form; ValueError (naming the field) when it is not a usable set."""
        try:
            weights = tuple(float(w) for w in raw["parameters"])  # type: ignore[attr-defined]
            params = cls(
                weights,
                float(raw["desired_retention"]),  # type: ignore[arg-type]
                tuple(int(s) for s in raw["learning_steps"]),  # type: ignore[attr-defined]
                tuple(int(s) for s in raw["relearning_steps"]),  # type: ignore[attr-defined]
                int(raw["maximum_interval"]),  # type: ignore[call-overload]
            )
        except KeyError as exc:
            raise ValueError(f"{exc.args[0]}: missing") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a set of scheduler parameters ({exc})") from None
        if not all(math.isfinite(w) for w in weights):
            raise ValueError("parameters: must be finite numbers")
        if not 0 < params.desired_retention <= MAX_RETENTION:
            raise ValueError(f"desired_retention: must be above 0 and at most {MAX_RETENTION}")
        if any(s <= 0 for s in (*params.learning_steps, *params.relearning_steps)):
            raise ValueError("learning_steps: every step must be a positive number of seconds")
        if params.maximum_interval < 1:
            raise ValueError("maximum_interval: must be at least 1")
        params.scheduler()  # py-fsrs checks the weights (how many, and their bounds)
        return params

    def scheduler(self) -> Scheduler:
        return _scheduler(self)


LEGACY_PARAMS = SchedulerParams()
"""What a review recorded without parameters (before they were recorded) was scheduled with."""


@functools.lru_cache(maxsize=256)
def _scheduler(params: SchedulerParams) -> Scheduler:
    return Scheduler(
        parameters=params.weights,
        desired_retention=params.desired_retention,
        learning_steps=tuple(timedelta(seconds=s) for s in params.learning_steps),
        relearning_steps=tuple(timedelta(seconds=s) for s in params.relearning_steps),
        maximum_interval=params.maximum_interval,
        enable_fuzzing=False,
    )


def make_scheduler(desired_retention: float) -> Scheduler:
    """The FSRS scheduler with default parameters, no interval fuzz (replays are exact)."""
    return LEGACY_PARAMS.with_retention(desired_retention).scheduler()


def retrievability(params: SchedulerParams, card: Card, at: datetime) -> float:
    """FSRS's predicted chance of recalling ``card`` at ``at`` (0 for a question never answered), the
    time since its last review counted to the second.

    fsrs's ``get_card_retrievability`` counts whole days elapsed, so a question failed this morning
    (stability 0.001 days) read 100% tonight, and plans and ``--weakest`` took a topic failed all day
    for the best known (found by an exploratory tester). Anki's card info moved to elapsed seconds for
    the same reason. The curve stays fsrs's own: R(t, S) depends on t / S only, so it is asked for one
    whole day elapsed on a card whose stability is S / t."""
    if card.last_review is None or card.stability is None:
        return 0.0
    at = require_utc(at)
    elapsed = (at - card.last_review).total_seconds() / 86400
    if elapsed <= 0:
        return 1.0
    one_day = copy.copy(card)
    one_day.stability, one_day.last_review = card.stability / elapsed, at - timedelta(days=1)
    return float(params.scheduler().get_card_retrievability(one_day, at))


def require_utc(moment: datetime) -> datetime:
    """Refuse naive datetimes; convert aware ones to UTC (fsrs accepts only ``timezone.utc``)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC time")
    return moment.astimezone(UTC)


def new_card(card_id: int, now: datetime) -> Card:
    return Card(card_id=card_id, due=require_utc(now))


def card_state(card: Card) -> CardState:
    return CardState.NEW if card.last_review is None else CardState(card.state.value)


def review(scheduler: Scheduler, card: Card, rating: Rating, now: datetime) -> Card:
    """The card after answering with ``rating`` at ``now``."""
    reviewed, _log = scheduler.review_card(card, rating, review_datetime=require_utc(now))
    return reviewed


def preview_intervals(scheduler: Scheduler, card: Card, now: datetime) -> dict[Rating, timedelta]:
    """How long until the card is due again for each possible rating."""
    now = require_utc(now)
    return {rating: review(scheduler, card, rating, now).due - now for rating in Rating}


def replay(
    scheduler: Scheduler | None,
    card_id: int,
    created: datetime,
    log: Sequence[tuple[datetime, int]] | Sequence[tuple[datetime, int, SchedulerParams | None]],
) -> Card:
    """Recompute a card from its review log, oldest first: ``(rated_at, rating)`` pairs scheduled with
    ``scheduler``, or ``(rated_at, rating, params)`` each with the parameters it was scheduled with
    (None: :data:`LEGACY_PARAMS`). Cram reviews, which never changed the card, are not in the log."""
    steps = []
    for rated_at, rating, *recorded in log:
        if recorded:
            used = (recorded[0] or LEGACY_PARAMS).scheduler()
        else:
            assert scheduler is not None
            used = scheduler
        steps.append((rated_at, rating, used))
    return _replayed(card_id, created, steps)[0]


def states_before(
    card_id: int,
    created: datetime,
    log: Sequence[tuple[datetime, int, SchedulerParams | None]],
    weights: tuple[float, ...] | None = None,
) -> tuple[Card, list[int]]:
    """The card as a device stores it, and the state each review found it in, as a review records it
    (``state_before``: 0 new, else the card's state): what a merged log's lapses are counted from.

    ``weights`` are the FSRS weights in use on this device (None: each review's own, the rule before
    adopted weights were recomputed). The rule that keeps every device's cards alike whatever weights
    each has in use (``log`` holds each review with the parameters it was scheduled with):

    - a review is scheduled from the memory state (stability, difficulty) its own weights compute from
      the whole log before it, each earlier review with its own steps;
    - the card holds the memory state the weights in use compute from the whole log, and the due date
      its last review set.

    So adopting (or undoing) weights recomputes memory states and moves no due date; two devices with
    different weights in use agree on every due date. State and step depend on the steps alone, never
    on the weights. At most two passes over the log: the weights in use, and the last review's own.
    """
    own = [(rated_at, rating, params or LEGACY_PARAMS) for rated_at, rating, params in log]
    if weights is None:
        return _replayed(card_id, created, [(t, r, p.scheduler()) for t, r, p in own])
    card, before = _replayed(
        card_id, created, [(t, r, p.with_weights(weights).scheduler()) for t, r, p in own]
    )
    if own and own[-1][2].weights != weights:
        *earlier, (rated_at, rating, last) = own
        prior, _ = _replayed(
            card_id, created, [(t, r, p.with_weights(last.weights).scheduler()) for t, r, p in earlier]
        )
        card.due = review(last.scheduler(), prior, Rating(rating), rated_at).due
    return card, before


def memory_under(
    card_id: int,
    created: datetime,
    log: Sequence[tuple[datetime, int, SchedulerParams | None]],
    weights: tuple[float, ...],
) -> Card:
    """The card ``log`` gives under ``weights`` (each review with its own steps and retention): its memory
    state is the one :func:`states_before` stores, in one pass; its due date is not the rule's (a
    recompute keeps the stored one)."""
    steps = [(t, r, (p or LEGACY_PARAMS).with_weights(weights).scheduler()) for t, r, p in log]
    return _replayed(card_id, created, steps)[0]


def _replayed(
    card_id: int, created: datetime, steps: Sequence[tuple[datetime, int, Scheduler]]
) -> tuple[Card, list[int]]:
    """The card after ``steps`` (each rating with the scheduler it was scheduled with), and the state
    each one found it in."""
    card, before = new_card(card_id, created), []
    for rated_at, rating, used in steps:
        before.append(0 if card.last_review is None else card.state.value)
        card = review(used, card, Rating(rating), rated_at)
    return card, before


def parse_rating(text: str) -> Rating | None:
    """``1``-``4`` or a rating's name (or its first letter); None when it is neither."""
    word = text.strip().lower()
    if word in ("1", "2", "3", "4"):
        return Rating(int(word))
    for rating, name in RATING_NAMES.items():
        if word in (name, name[0]):
            return rating
    return None


@dataclass(frozen=True)
class DueCard:
    """A candidate for the next question: enough to decide the order."""

    question_id: int
    state: CardState
    due: datetime


def queue_order(
    learning: Sequence[DueCard],
    reviews_due: Sequence[DueCard],
    new: Sequence[DueCard],
    now: datetime,
    learn_ahead: timedelta,
    just_asked: int | None = None,
) -> list[DueCard]:
    """Everything that may be asked now, in the order it is asked.

    ``learning`` holds (re)learning cards earliest first, ``reviews_due`` the review cards due now most
    overdue first, ``new`` the new questions still allowed today. Order: learning due now, then due
    reviews, then new questions, then learning cards due within ``learn_ahead`` (asked early when
    nothing else is left, as Anki does). The question just asked (``just_asked``) is never asked again
    straight away while another one waits: it swaps places with the next.

    Each list may be cut to its first two items: the first two of the result stay the same.
    """
    now = require_utc(now)
    order = [c for c in learning if c.due <= now]
    order += [c for c in reviews_due if c.due <= now]
    order += new
    order += [c for c in learning if now < c.due <= now + learn_ahead]
    if just_asked is not None and len(order) > 1 and order[0].question_id == just_asked:
        order[0], order[1] = order[1], order[0]
    return order


def pick_next(
    learning: DueCard | None,
    review_due: DueCard | None,
    new: DueCard | None,
    now: datetime,
    learn_ahead: timedelta,
) -> DueCard | None:
    """The first of :func:`queue_order` given the earliest learning card, the most overdue review and
    the next new question."""
    lists = ([c] if c is not None else [] for c in (learning, review_due, new))
    order = queue_order(*lists, now, learn_ahead)
    return order[0] if order else None


def local_midnight(now: datetime, tz: tzinfo | None = None, days: int = 0) -> datetime:
    """UTC time of the local midnight that starts the day ``days`` after the one holding ``now``."""
    return day_start(now, tz, days)


def day_start(now: datetime, tz: tzinfo | None = None, days: int = 0, hour: int = 0) -> datetime:
    """UTC time of the start of the person's day ``days`` after the one holding ``now``, when days
    start at ``hour`` o'clock local time (Anki's "next day starts at"; 0 is midnight).

    ``tz`` None means the system's zone. The arithmetic is in wall-clock days and the offset is the
    one in force at that start, so a daylight-saving change between ``now`` and it is honoured (the
    system's zone is asked about the start itself, not about ``now``).
    """
    local = require_utc(now).astimezone(tz)
    day = local.date() - timedelta(days=1 if local.hour < hour else 0) + timedelta(days=days)
    if tz is None:
        # A naive time is read in the system's zone, with the offset in force at that time.
        return datetime(day.year, day.month, day.day, hour).astimezone(UTC)
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(UTC)
