"""The practice steps every flow shares: ask and time an answer, assess it, reveal, rate, record.

A drill session runs :meth:`Pipeline.ask` and :meth:`Pipeline.rate` back to back; a mock round asks
everything first and rates after the round, as a real interview reveals nothing until the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from mockprep.core.grading import Grader, default_grader
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import card_state, make_scheduler, preview_intervals, review
from mockprep.core.settings import Settings
from mockprep.core.timer import AnswerTiming, Countdown
from mockprep.practice.ui import Attempt, PracticeUI, Progress

if TYPE_CHECKING:
    from fsrs import Rating

    from mockprep.core.questions import QuestionRecord
    from mockprep.db.store import Store

Clock = Callable[[], datetime]


class SessionInterrupted(BaseException):
    """Raised by signal handlers (SIGTERM, SIGHUP) to end a session the way Ctrl-C does."""


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Pipeline:
    """Ask → time → assess → reveal → rate → record, against one store and one UI."""

    def __init__(
        self,
        store: Store,
        ui: PracticeUI,
        clock: Clock,
        settings: Settings,
        grader: Grader | None = None,
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.settings = settings
        self.grader = grader or default_grader()
        self.scheduler = make_scheduler(settings.desired_retention)

    def countdown(self, limit: float | None, started: datetime) -> Countdown | None:
        return None if limit is None else Countdown(limit, started, self.settings.warning_seconds)

    def ask(
        self, record: QuestionRecord, progress: Callable[[datetime], Progress], limit: float | None
    ) -> Attempt | None:
        """Show a question, read the answer against its limit, and assess it; None when the person quits.

        ``progress`` gives the header's count at the moment the question is shown.
        """
        shown = self.clock()
        countdown = self.countdown(limit, shown)
        self.ui.show_question(record, progress(shown), countdown)
        answer = self.ui.read_answer(countdown)
        if answer is None:
            return None
        answered = self.clock()
        timing = AnswerTiming((answered - shown).total_seconds(), limit)
        assessment = self.grader.assess(record.question.spec, answer, timing.overtime > 0)
        return Attempt(record, answer, timing, assessment, answered)

    def rate(
        self, attempt: Attempt, session_id: int | None, mock_answer_id: int | None = None
    ) -> Rating | None:
        """Reveal the model answer, take a rating and record it durably; None when the person quits.

        A mock answer (``mock_answer_id``) is rated after the round, so its intervals are previewed from
        the time of the reveal; a drill's from the time it was answered.
        """
        from fsrs import Rating

        self.ui.show_reveal(attempt)
        preview_at = self.clock() if mock_answer_id is not None else attempt.answered_at
        card = self.store.cards.card(attempt.record.id)
        proposal = attempt.assessment.suggested
        suggested = None if proposal is None else Rating(proposal)
        rating = self.ui.read_rating(preview_intervals(self.scheduler, card, preview_at), suggested)
        if rating is None:
            return None
        rated_at = self.clock()
        self.store.cards.record_review(
            ReviewRecord(
                question_id=attempt.record.id,
                session_id=session_id,
                card=review(self.scheduler, card, rating, rated_at),
                rated_at=rated_at,
                rating=int(rating),
                state_before=int(card_state(card)),
                answer=attempt.answer,
                duration_ms=attempt.timing.duration_ms,
                time_limit_ms=attempt.timing.limit_ms,
                coverage=attempt.assessment.coverage,
                suggested=proposal,
                mock_answer_id=mock_answer_id,
            )
        )
        self.offer_stories(attempt.record, rated_at)
        return rating

    def offer_stories(self, record: QuestionRecord, now: datetime) -> None:
        """After a behavioral answer: show the stories linked to it or sharing its competencies, and link
        the one the person says they used."""
        question = record.question
        if question.round != "behavioral":
            return
        options = self.store.stories.options_for_question(question.key, list(question.spec.competencies))
        if not options:
            return
        chosen = self.ui.offer_stories(options)
        if chosen is not None and chosen in {o.story_id for o in options}:
            self.store.stories.link(chosen, question.key, now)
