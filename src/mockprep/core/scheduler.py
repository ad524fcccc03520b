"""Spaced repetition: FSRS reviews and the order in which due questions are asked.

Pure core: time always comes in as an argument (an aware UTC datetime); nothing here reads a clock.
Fuzz is off, so a card's state is a function of its review log alone and can be recomputed exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import IntEnum

from fsrs import Card, Rating, Scheduler, State

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


def make_scheduler(desired_retention: float) -> Scheduler:
    """The FSRS scheduler mockprep uses: default parameters, no interval fuzz (replays are exact)."""
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


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
    scheduler: Scheduler, card_id: int, created: datetime, log: Sequence[tuple[datetime, int]]
) -> Card:
    """Recompute a card from its review log of ``(rated_at, rating)`` pairs, oldest first."""
    card = new_card(card_id, created)
    for rated_at, rating in log:
        card = review(scheduler, card, Rating(rating), rated_at)
    return card


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
    """UTC time of the local midnight that starts the day ``days`` after the one holding ``now``.

    ``tz`` None means the system's zone. The arithmetic is in wall-clock days and the offset is the
    one in force at that midnight, so a daylight-saving change between ``now`` and the midnight is
    honoured (the system's zone is asked about the midnight itself, not about ``now``).
    """
    local = require_utc(now).astimezone(tz)
    day = local.date() + timedelta(days=days)
    if tz is None:
        # A naive time is read in the system's zone, with the offset in force at that time.
        return datetime(day.year, day.month, day.day).astimezone(UTC)
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
