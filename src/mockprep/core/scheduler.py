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


def pick_next(
    learning: DueCard | None,
    review_due: DueCard | None,
    new: DueCard | None,
    now: datetime,
    learn_ahead: timedelta,
) -> DueCard | None:
    """Choose what to ask next.

    ``learning`` is the earliest (re)learning card, ``review_due`` the most overdue review card and
    ``new`` the next new question still allowed today. Order: learning due now, then due reviews, then
    new questions, then (when nothing else is left) a learning card due within ``learn_ahead``, as Anki
    does.
    """
    now = require_utc(now)
    if learning is not None and learning.due <= now:
        return learning
    if review_due is not None and review_due.due <= now:
        return review_due
    if new is not None:
        return new
    if learning is not None and learning.due <= now + learn_ahead:
        return learning
    return None


def local_midnight(now: datetime, tz: tzinfo | None = None, days: int = 0) -> datetime:
    """UTC time of the local midnight that starts the day ``days`` after the one holding ``now``.

    ``tz`` None means the system's zone. The arithmetic is in wall-clock days, so a daylight-saving
    change in between is honoured.
    """
    local = require_utc(now).astimezone(tz)
    if tz is None:
        # astimezone() gives a fixed offset, today's: the system places the day's midnight itself
        # (a naive time is read as local time), so the spring-forward day starts at its real midnight.
        day = local.date() + timedelta(days=days)
        return datetime(day.year, day.month, day.day).astimezone(UTC)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return midnight.astimezone(UTC)
