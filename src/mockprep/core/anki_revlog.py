"""An Anki card's review log (``revlog``) as the answers a question's history is made of, and which of
them still schedule the card, as Anki's FSRS decides (rslib's ``reviews_for_fsrs``):

- a reset ("Forget", "Reset card": a manual entry, type 4, with ease factor 0) starts the card over: the
  answers before it no longer count, and those after it are a new card's;
- an answer in a filtered deck that does not reschedule (type 3, ease factor 0: cramming, previewing)
  never counts;
- a set due date (type 4 with a factor), a reschedule (type 5) and other entries without a rating are
  no answers at all.

Answers that no longer count are kept as cram reviews: in history and the daily review counts, never
in the schedule, which is what mockprep's replay, lapses and optimizer leave cram reviews out of (so do
the retention figures: an answer a reset erased was a real recall at its time, but mockprep has one flag
for "outside the schedule", and the schedule is what must leave it out). Pure.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler

from mockprep.core.scheduler import card_state, new_card, review

LEARNING, FILTERED, MANUAL = 0, 3, 4  # revlog types
SAME_ANSWER_US = 1_000_000  # an answer already in the log: same rating, at most this far apart
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RevlogEntry:
    """One row of Anki's ``revlog``: its id (the time, in ms), ease (0: no rating), type, factor and
    milliseconds taken."""

    id: int
    ease: int
    kind: int
    factor: int
    taken: int = 0

    @property
    def rated(self) -> bool:
        return 1 <= self.ease <= 4

    @property
    def reset(self) -> bool:
        return self.kind == MANUAL and self.factor == 0

    @property
    def cramming(self) -> bool:
        return self.kind == FILTERED and self.factor == 0


@dataclass(frozen=True)
class AnkiAnswer:
    """An answer in Anki's log: when, the ease (FSRS's rating), milliseconds taken, and whether it still
    schedules the card (False: before a reset, or cramming; stored as a cram review)."""

    at: datetime
    ease: int
    taken_ms: int
    counts: bool = True

    @property
    def us(self) -> int:
        """The time as ``reviews.rated_us`` holds it."""
        return micros(self.at)


def micros(moment: datetime) -> int:
    """An aware time as microseconds since 1970 (as ``reviews.rated_us`` holds it)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def answers(entries: Sequence[RevlogEntry]) -> list[AnkiAnswer]:
    """The rated entries of one card's log as answers in time order, each marked with whether it still
    counts. As in Anki, the card starts at its last run of learning answers when a reset, or any other
    entry (a reset older Ankis did not log), comes before that run; after a reset with no learning
    answer after it, at the next answer; a reset with no answer after it leaves the card new."""
    ordered = sorted(entries, key=lambda e: e.id)
    start = 0
    learning_from = None  # the first answer of the last run of learning answers
    for index in range(len(ordered) - 1, -1, -1):
        entry = ordered[index]
        if entry.cramming:
            continue
        if entry.rated and entry.kind == LEARNING:
            learning_from = index
        elif entry.reset:
            start = index + 1 if learning_from is None else learning_from
            break
        elif learning_from is not None:  # (a reset older Ankis did not log)
            start = learning_from
            break
    return [
        AnkiAnswer(
            datetime.fromtimestamp(e.id / 1000, UTC),
            e.ease,
            max(0, int(e.taken)),
            counts=index >= start and not e.cramming,
        )
        for index, e in enumerate(ordered)
        if e.rated
    ]


def replayed(card_id: int, log: Sequence[AnkiAnswer], scheduler: Scheduler) -> tuple[Card | None, list[int]]:
    """The card after the answers that count (None when none does: the card is new), and the state each
    answer found the card in (``state_before``; an answer that does not count, the card it would have
    been a cram answer on)."""
    card: Card | None = None
    before = []
    for answer in log:
        current = card or new_card(card_id, answer.at)
        before.append(int(card_state(current)))
        if answer.counts:
            card = review(scheduler, current, Rating(answer.ease), answer.at)
    return card, before


def missing(log: Sequence[AnkiAnswer], existing: Sequence[tuple[int, int]]) -> list[int]:
    """The indexes of the answers in ``log`` that the question's reviews (``(rated_us, rating)``) do not
    hold already: each review stands for at most one answer of the same rating within a second of it
    (an answer exported from mockprep comes back to the millisecond)."""
    return [index for index, found in enumerate(matched(log, existing)) if found is None]


def matched(log: Sequence[AnkiAnswer], existing: Sequence[tuple[int, int]]) -> list[int | None]:
    """For each answer in ``log``, the index in ``existing`` (``(rated_us, rating)``, in any order) of
    the review that holds it, or None (:func:`missing`'s rule)."""
    order = sorted(range(len(existing)), key=lambda i: existing[i])
    times = [existing[i] for i in order]
    keys = [t for t, _ in times]
    used: set[int] = set()
    out: list[int | None] = []
    for answer in log:
        at = answer.us
        lo = bisect.bisect_left(keys, at - SAME_ANSWER_US)
        hit = None
        for j in range(lo, len(keys)):
            if keys[j] > at + SAME_ANSWER_US:
                break
            if j not in used and times[j][1] == answer.ease:
                if hit is None or abs(keys[j] - at) < abs(keys[hit] - at):
                    hit = j
        if hit is not None:
            used.add(hit)
        out.append(None if hit is None else order[hit])
    return out
