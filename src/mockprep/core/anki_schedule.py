"""A question's reviews as Anki's scheduling: the card's type, queue, due and interval, and one
``revlog`` row per answer. Pure: the FSRS steps are replayed with the scheduler passed in, and a review
card's due day is numbered by the function passed in (``anki_days.anki_day``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Rating, Scheduler, State

from mockprep.core.card_actions import CardMarks
from mockprep.core.scheduler import new_card, review

DAY = 86400
SUSPENDED, BURIED = -1, -3  # Anki's queues of a suspended card and of one the person buried
FLAG = 1  # the Anki flag mockprep's one flag is: red, Anki's first (Ctrl+1)


@dataclass(frozen=True)
class AnkiSchedule:
    """What an Anki card row needs, and its revlog rows ``(id ms, ease, ivl, last ivl, factor, ms, type)``."""

    type: int  # 0 new, 1 learning, 2 review, 3 relearning
    queue: int  # 0 new, 1 learning, 2 review
    due: int  # review: days since the collection was created; learning: epoch seconds
    ivl: int
    reps: int
    lapses: int
    data: str  # the FSRS memory state, as Anki keeps it in the card's data
    revlog: tuple[tuple[int, int, int, int, int, int, int], ...]


def _ivl(after_due: datetime, at: datetime) -> int:
    """Anki's interval: whole days for a review card, negative seconds while learning."""
    seconds = int((after_due - at).total_seconds())
    return max(1, round(seconds / DAY)) if seconds >= DAY else -max(seconds, 1)


def anki_schedule(
    scheduler: Scheduler,
    log: list[tuple[datetime, int, int]],
    day_number: Callable[[datetime], int],
    now: Card | None = None,
) -> AnkiSchedule | None:
    """The schedule after ``log`` (``(rated_at, rating, duration ms)``, oldest first); ``day_number`` is
    the collection's day of a review card's due time. ``now`` is the question's card as mockprep holds it:
    its state, due time and memory are the card's (the replay, with ``scheduler``, only gives the log's
    intervals, and a card's due can differ from it: another retention, cram answers). None for a
    question never answered."""
    if not log:
        return None
    card = new_card(1, log[0][0])
    rows = []
    last_ivl = 0
    lapses = 0
    used: set[int] = set()
    for rated_at, rating, duration in log:
        before = card.state if card.last_review is not None else None
        card = review(scheduler, card, Rating(rating), rated_at)
        ivl = _ivl(card.due, rated_at)
        kind = 0 if before in (None, State.Learning) else 1 if before == State.Review else 2
        lapses += kind == 1 and rating == 1
        ident = int(rated_at.timestamp() * 1000)
        while ident in used:  # revlog ids are unique
            ident += 1
        used.add(ident)
        factor = 2500 if kind == 1 else 0
        rows.append((ident, rating, ivl, last_ivl, factor, min(max(duration, 0), 60_000), kind))
        last_ivl = ivl
    if now is not None and now.last_review is not None:
        card = now
        last_ivl = _ivl(card.due, card.last_review)
    memory = f'{{"s":{card.stability or 0:.4f},"d":{card.difficulty or 0:.4f}}}'
    if card.state == State.Review:
        due = day_number(card.due)
        kind = 2
        queue = 2
    else:
        due = int(card.due.timestamp())
        kind = 1 if card.state == State.Learning else 3
        queue = 1
    return AnkiSchedule(kind, queue, due, max(last_ivl, 0), len(rows), lapses, memory, tuple(rows))


def anki_marks(marks: CardMarks, now: datetime) -> tuple[int | None, int]:
    """A card's queue for mockprep's marks (None: its schedule's) and its flags: suspended is Anki's
    suspended queue; buried until after ``now``, Anki's buried (Anki lifts it when its next day starts,
    as mockprep does at the start of the person's next day); flagged, the red flag."""
    buried = marks.buried_until is not None and marks.buried_until > now
    queue = SUSPENDED if marks.suspended else BURIED if buried else None
    return queue, FLAG if marks.flagged else 0
