"""`bank import --with-history`: an Anki card's answers become the question's reviews, so it keeps its
place in the schedule (its FSRS state replayed from them, as mockprep computes every card)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from fsrs import Rating

from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import card_state, make_scheduler, new_card, review

if TYPE_CHECKING:
    from mockprep.db.store import Store


def apply_history(
    store: Store, bank_id: str, history: dict[str, list[tuple[datetime, int, int]]]
) -> tuple[int, int, int]:
    """Store each question's Anki answers as its reviews: ``(questions, reviews, kept)``, where ``kept``
    counts questions left alone because they already have reviews (a second import adds nothing)."""
    scheduler = make_scheduler(store.settings.desired_retention)
    questions = reviews = kept = 0
    for qid, log in sorted(history.items()):
        record = store.banks.question_by_key(f"{bank_id}/{qid}")
        if record is None or not log:
            continue
        if store.questions.review_count(record.id):
            kept += 1
            continue
        card = new_card(store.cards.card(record.id).card_id, log[0][0])
        for rated_at, rating, taken_ms in log:
            after = review(scheduler, card, Rating(rating), rated_at)
            state = int(card_state(card))
            store.cards.record_review(
                ReviewRecord(record.id, None, after, rated_at, rating, state, "", taken_ms, grader="anki")
            )
            card = after
            reviews += 1
        questions += 1
    return questions, reviews, kept
