"""What a person does to a question besides answering it, as Anki has it: undo the last rating,
suspend, bury until tomorrow, flag — and the leech rule that suspends a question forgotten too often.

Pure: times come in as arguments; the database applies the actions (:mod:`mockprep.db.cards`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from fsrs import Rating

from mockprep.core.durations import format_duration
from mockprep.core.scheduler import RATING_NAMES, CardState, card_state, day_start

if TYPE_CHECKING:
    from fsrs import Card


class CardAction(enum.StrEnum):
    """An action at the rating prompt (or its command): each has a one-letter key."""

    UNDO = "undo"
    SUSPEND = "suspend"
    BURY = "bury"
    FLAG = "flag"

    @property
    def done(self) -> str:
        """The mark's adjective: suspended, buried, flagged (undone for undo)."""
        return {"undo": "undone", "suspend": "suspended", "bury": "buried", "flag": "flagged"}[self.value]


# Single letters that no rating uses (a, h, g, e are again/hard/good/easy; q quits).
ACTION_KEYS = {"u": CardAction.UNDO, "s": CardAction.SUSPEND, "b": CardAction.BURY, "f": CardAction.FLAG}
ACTION_HELP = "u undo last rating · s suspend · b bury · f flag"


def parse_card_action(text: str) -> CardAction | None:
    """``u``/``s``/``b``/``f`` or the action's word; None when it is neither."""
    word = text.strip().lower()
    if word in ACTION_KEYS:
        return ACTION_KEYS[word]
    try:
        return CardAction(word)
    except ValueError:
        return None


SUSPENDED_BY_YOU = "you"
SUSPENDED_AS_LEECH = "leech"


@dataclass(frozen=True)
class CardMarks:
    """A question's marks: suspended (never asked until unsuspended), buried (not asked before a time),
    flagged (listed for review). All None: none set."""

    suspended_at: datetime | None = None
    suspended_by: str | None = None  # "you" or "leech"
    buried_until: datetime | None = None
    flagged_at: datetime | None = None

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def flagged(self) -> bool:
        return self.flagged_at is not None

    def buried(self, now: datetime) -> bool:
        return self.buried_until is not None and self.buried_until > now

    def labels(self, now: datetime) -> list[str]:
        """Short words for lists: ``suspended (leech)``, ``buried``, ``flagged``."""
        found = []
        if self.suspended:
            found.append("suspended" + (" (leech)" if self.suspended_by == SUSPENDED_AS_LEECH else ""))
        if self.buried(now):
            found.append("buried")
        if self.flagged:
            found.append("flagged")
        return found


def bury_end(now: datetime, tz: tzinfo | None = None, day_start_hour: int = 0) -> datetime:
    """When a question buried at ``now`` comes back: the start of the person's next day (local
    midnight, or ``day_start_hour`` o'clock)."""
    return day_start(now, tz, 1, day_start_hour)


def leech_reached(lapses: int, threshold: int) -> bool:
    """Whether the lapse just counted makes the question a leech, as Anki decides: at ``threshold``
    lapses and then every half threshold more (so an unsuspended leech gets a few more tries)."""
    if threshold < 1 or lapses < threshold:
        return False
    return (lapses - threshold) % max(threshold // 2, 1) == 0


@dataclass(frozen=True)
class UndoneReview:
    """A rating taken back: what it was, and the card as it is again."""

    review_id: int
    question_id: int
    key: str
    rating: int
    rated_at: datetime
    session_id: int | None
    mock_answer_id: int | None  # the mock answer it rated, unrated again
    overtime: bool
    answer: str
    card: Card  # the card restored: exactly as it was before the rating
    replayed: bool  # True: recomputed from the review log (a rating stored before undo existed, or dated
    # before a later one: the later ones' state before it is replayed back too)
    unsuspended: bool  # the rating had made it a leech; that suspension is lifted
    cram: bool = False  # a drill's rating, which never moved the schedule


class UndoRefused(Exception):
    """This device's latest rating is no longer its question's latest: another device rated the question
    later (merged by a sync). Taking it back would rewrite the middle of the question's log."""

    def __init__(self, key: str, rated_at: datetime) -> None:
        super().__init__(key, rated_at)
        self.key = key
        self.rated_at = rated_at


def refused_text(refused: UndoRefused, now: datetime) -> str:
    """The one line that says why undo took nothing back."""
    ago = format_duration((now - refused.rated_at).total_seconds())
    return (
        f"Not undone: your latest rating, of {refused.key} {ago} ago, is no longer that question's latest:"
        " another device rated it later (synced here). Undo takes back only a question's latest rating,"
        " so none of your ratings before this one can be undone either."
    )


def undo_text(undone: UndoneReview, now: datetime) -> str:
    """One line saying what was undone and where the question stands again."""
    name = RATING_NAMES[Rating(undone.rating)]
    ago = format_duration((now - undone.rated_at).total_seconds())
    if undone.cram:  # (nothing of the schedule changes back: the rating never moved it)
        text = (
            f"Undid the cram rating {name} on {undone.key} (rated {ago} ago); it never moved the schedule: "
        )
    else:
        text = f"Undid {name} on {undone.key} (rated {ago} ago): "
    if card_state(undone.card) == CardState.NEW:
        text += "it is still a new question" if undone.cram else "it is a new question again"
    elif undone.cram:
        due = (undone.card.due - now).total_seconds()
        text += f"it is due in {format_duration(due)}" if due > 0 else "it is due now"
    elif undone.card.due <= now:
        text += "it is due again now"
    else:
        text += f"it is due again in {format_duration((undone.card.due - now).total_seconds())}, as before"
    if undone.mock_answer_id is not None:
        text += "; its mock answer is unrated again"
    if undone.unsuspended:
        text += "; it is no longer suspended as a leech"
    return text + "."


NOTHING_TO_UNDO_HERE = (
    "Nothing to undo here: the last rating was not given in this session"
    " (mockprep undo takes back earlier ratings)."
)


def undo_lines(undone: UndoneReview, now: datetime) -> list[str]:
    """What an undo says: :func:`undo_text`, then a drill answer's text in full (its last copy)."""
    lines = [undo_text(undone, now)]
    if undone.answer.strip() and undone.mock_answer_id is None:
        lines += ["The answer you gave then (no longer stored):", undone.answer.strip()]
    return lines


def recorded_text(rating: int, card: Card, rated_at: datetime, marks: CardMarks, cram: bool = False) -> str:
    """What the prompt echoes once a rating is stored: ``good — next in 10m``."""
    name = RATING_NAMES[Rating(rating)]
    if marks.suspended:
        return f"{name} — recorded; suspended, so not asked until you unsuspend it"
    if cram:
        if card.last_review is None:
            return f"{name} — recorded as cram; the question stays new"
        due = (card.due - rated_at).total_seconds()
        when = f"due in {format_duration(due)}" if due > 0 else "due now"
        return f"{name} — recorded as cram; its schedule is unchanged ({when})"
    text = f"{name} — next in {format_duration((card.due - rated_at).total_seconds())}"
    if marks.buried_until is not None and marks.buried_until > card.due:
        text += ", but buried until tomorrow"
    return text


def mark_text(action: CardAction, key: str, on: bool) -> str:
    """What a mark action did, with how to reverse it."""
    if action == CardAction.SUSPEND:
        if on:
            return f"Suspended {key}: it is not asked until you unsuspend it (mockprep question unsuspend)."
        return f"Unsuspended {key}: it is asked again when due."
    if action == CardAction.BURY:
        if on:
            return f"Buried {key} until tomorrow."
        return f"Unburied {key}: it is asked again when due."
    if on:
        return f"Flagged {key} (mockprep question list --flagged lists it)."
    return f"Unflagged {key}."


def leech_text(key: str, lapses: int, suspended: bool = True) -> str:
    if not suspended:  # leech_action "flag"
        return (
            f"{key} is a leech: forgotten {lapses} times after being learned, so it is flagged "
            f"(mockprep question list --flagged). To drill it: mockprep session --flagged"
        )
    return (
        f"{key} is a leech: forgotten {lapses} times after being learned, so it is suspended (as Anki "
        f"does). To ask it again: mockprep question unsuspend {key}"
    )


def state_name(card: Card) -> str:
    return card_state(card).name.lower()
