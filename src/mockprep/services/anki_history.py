"""`bank import --with-history`: an Anki card's answers become the question's reviews, so it keeps its
place in the schedule: its FSRS state replayed from them, as mockprep computes every card, and due when
it was due in Anki (on the same local day), whose intervals come from its own settings (SM-2 unless FSRS
is on, another retention, interval fuzz) and count whole days from the day of the answer."""

from __future__ import annotations

import copy
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from fsrs import Rating

from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import card_state, make_scheduler, new_card, review

if TYPE_CHECKING:
    from mockprep.core.anki_days import AnkiDue
    from mockprep.db.store import Store


def apply_history(
    store: Store,
    bank_id: str,
    history: dict[str, list[tuple[datetime, int, int]]],
    dues: dict[str, AnkiDue] | None = None,
    tz: tzinfo | None = None,
) -> tuple[int, int, int]:
    """Store each question's Anki answers as its reviews: ``(questions, reviews, kept)``, where ``kept``
    counts questions left alone because they already have reviews (a second import adds nothing).
    A question with its Anki card's schedule in ``dues`` is due when the card was (its day in ``tz``,
    None for the system's zone), never before its last answer."""
    scheduler = make_scheduler(store.settings.desired_retention)
    hour = store.settings.day_start_hour
    questions = reviews = kept = 0
    for qid, log in sorted(history.items()):
        record = store.banks.question_by_key(f"{bank_id}/{qid}")
        if record is None or not log:
            continue
        if store.questions.review_count(record.id):
            kept += 1
            continue
        card = new_card(store.cards.card(record.id).card_id, log[0][0])
        due = (dues or {}).get(qid)
        due_at = None if due is None else due.time(tz, hour)
        for number, (rated_at, rating, taken_ms) in enumerate(log, 1):
            after = review(scheduler, card, Rating(rating), rated_at)
            if due_at is not None and number == len(log):
                after = copy.copy(after)
                after.due = max(due_at, rated_at)
            state = int(card_state(card))
            store.cards.record_review(
                ReviewRecord(record.id, None, after, rated_at, rating, state, "", taken_ms, grader="anki")
            )
            card = after
            reviews += 1
        questions += 1
    return questions, reviews, kept
