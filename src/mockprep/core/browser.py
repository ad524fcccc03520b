"""The question browser's values: a search hit, and one question with its card, marks and history.

The database hands these out (:mod:`mockprep.db.questions`); the terminal draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from fsrs import Card

    from mockprep.core.card_actions import CardMarks
    from mockprep.core.questions import QuestionRecord


@dataclass(frozen=True)
class QuestionHit:
    """A question found by a search or listed for its marks."""

    record: QuestionRecord
    card: Card
    marks: CardMarks


@dataclass(frozen=True)
class ReviewEntry:
    """One rating in a question's history."""

    id: int
    rated_at: datetime
    rating: int
    state_before: int
    duration_ms: int
    time_limit_ms: int | None
    suggested: int | None
    session_id: int | None
    session_kind: str | None
    answer: str

    @property
    def overtime(self) -> bool:
        return self.time_limit_ms is not None and self.duration_ms > self.time_limit_ms


@dataclass(frozen=True)
class QuestionDetail:
    """Everything ``mockprep question show`` prints about one question."""

    record: QuestionRecord
    card: Card
    marks: CardMarks
    reviews: list[ReviewEntry] = field(default_factory=list)  # oldest first
    linked_stories: list[int] = field(default_factory=list)

    @property
    def lapses(self) -> int:
        """Times forgotten after being learned (again on a review), as stats counts leeches."""
        return sum(1 for r in self.reviews if r.rating == 1 and r.state_before == 2)
