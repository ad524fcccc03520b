"""The practice steps every flow shares: ask and time an answer, assess it, reveal, rate, record.

A drill session runs :meth:`Pipeline.ask` and :meth:`Pipeline.rate` back to back; a mock round asks
everything first and rates after the round, as a real interview reveals nothing until the end.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from mockprep.core.card_actions import (
    CardAction,
    UndoneReview,
    bury_end,
    leech_text,
    mark_text,
    recorded_text,
    undo_text,
)
from mockprep.core.durations import format_duration
from mockprep.core.grading import Grader, default_grader, rating_from_checklist
from mockprep.core.kinds import kind_of
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import card_state, make_scheduler, preview_intervals, review
from mockprep.core.settings import Settings
from mockprep.core.timer import AnswerTiming, Countdown
from mockprep.practice.ui import Attempt, PracticeUI, Progress

if TYPE_CHECKING:
    from datetime import tzinfo

    from fsrs import Rating

    from mockprep.core.questions import QuestionRecord
    from mockprep.db.store import Store
    from mockprep.practice.ui import MockReport, SessionSummary

Clock = Callable[[], datetime]


MAX_RETYPES = 3  # an answer that still cannot be read after this many tries is graded as it is


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
        tz: tzinfo | None = None,
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.settings = settings
        self.grader = grader or default_grader()
        self.scheduler = make_scheduler(settings.desired_retention)
        self.tz = tz  # the person's zone: a bury lasts until their next local midnight
        self.undone: list[UndoneReview] = []  # ratings taken back with `u` at the rating prompt

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
        prepare = getattr(self.grader, "prepare", None)
        if prepare is not None:
            prepare()  # e.g. load the meaning model while the person reads and types
        answer = self.ui.read_answer(countdown)
        # Only a person at a terminal is asked to retype: piped input keeps its line protocol.
        check = kind_of(record.question.spec).check_answer if getattr(self.ui, "interactive", False) else None
        for _retry in range(MAX_RETYPES):
            problem = None if answer is None or check is None else check(record.question.spec, answer)
            if problem is None:
                break
            self.ui.notice(f"Could not read that answer: {problem}.")
            answer = self.ui.read_answer(countdown)  # the clock keeps running
        if answer is None:
            return None
        answered = self.clock()
        timing = AnswerTiming((answered - shown).total_seconds(), limit)
        assessment = self.grader.assess(record.question.spec, answer, timing.overtime > 0)
        if assessment.note:
            self.ui.notice(assessment.note)
        return Attempt(record, answer, timing, assessment, answered)

    def reveal(self, attempt: Attempt) -> Attempt:
        """Show the model answer and the grader's verdict; the attempt with the final assessment.

        A grader still at work (a model, off the main thread) goes on while the person reads the model
        answer; its verdict is then waited for, never past its timeout. When it gives none, the offline
        assessment stands and a notice says why in one line.
        """
        pending = attempt.assessment.pending
        if pending is None:
            self.ui.show_reveal(attempt)
            return attempt
        self.ui.show_model_answer(attempt)
        if not pending.done():
            left = format_duration(max(1, math.ceil(pending.left())))
            self.ui.notice(f"{pending.model} is still grading your answer (at most {left} more)…")
        final = pending.result()
        attempt = replace(attempt, assessment=final)
        if final.note:
            self.ui.notice(final.note)
        self.ui.show_key_points(attempt)
        return attempt

    def rate(
        self, attempt: Attempt, session_id: int | None, mock_answer_id: int | None = None
    ) -> Rating | None:
        """Take a rating for a revealed attempt (see :meth:`reveal`) and record it durably; None when
        the person quits.

        At the prompt the person may also undo the previous rating, or suspend, bury or flag this
        question; each is applied at once and the prompt asks again (with the intervals recomputed, as
        an undo may have changed this very card). Once stored, the rating and when the question returns
        are echoed. A mock answer (``mock_answer_id``) is rated after the round, so its intervals are
        previewed from the time of the reveal; a drill's from the time it was answered. The offline
        grader's proposal is stored, and a model's beside it (with the model's id) when it made one.
        """
        from fsrs import Rating

        record = attempt.record
        shown = attempt.assessment
        offline = shown.offline or shown
        proposal = shown.suggested
        confirmed: list[str] | None = None
        if attempt.assessment.points:  # the person confirms the key points; the rating follows them
            checklist = self.ui.confirm_checklist(attempt)
            if checklist is None:
                return None
            if getattr(self.ui, "interactive", False):  # asked (piped input keeps the proposal)
                confirmed = [v.value for v in checklist]
            changed = checklist != [p.verdict for p in attempt.assessment.points]
            if changed or (proposal is None and confirmed is not None):
                proposal = rating_from_checklist(checklist, attempt.timing.overtime > 0)
        suggested = None if proposal is None else Rating(proposal)
        while True:
            preview_at = self.clock() if mock_answer_id is not None else attempt.answered_at
            card = self.store.cards.card(record.id)
            choice = self.ui.read_rating(preview_intervals(self.scheduler, card, preview_at), suggested)
            if choice is None:
                return None
            if isinstance(choice, CardAction):
                self.ui.notice(self.act(choice, record))
                continue
            rating = choice
            break
        rated_at = self.clock()
        was_suspended = self.store.cards.marks(record.id).suspended
        reviewed = review(self.scheduler, card, rating, rated_at)
        self.store.cards.record_review(
            ReviewRecord(
                question_id=record.id,
                session_id=session_id,
                card=reviewed,
                rated_at=rated_at,
                rating=int(rating),
                state_before=int(card_state(card)),
                answer=attempt.answer,
                duration_ms=attempt.timing.duration_ms,
                time_limit_ms=attempt.timing.limit_ms,
                coverage=attempt.assessment.coverage,
                suggested=proposal,
                mock_answer_id=mock_answer_id,
                grader=offline.grader,
                proposed=offline.proposed,
                checklist=confirmed,
                model=shown.model,
                model_proposed=shown.proposed if shown.model else None,
                model_suggested=shown.suggested if shown.model else None,
                model_errors=list(shown.errors) if shown.model else None,
            ),
            self.settings.leech_lapses,
        )
        marks = self.store.cards.marks(record.id)
        if marks.suspended and not was_suspended:
            self.ui.notice(leech_text(record.question.key, self.store.cards.lapses(record.id)))
        else:
            self.ui.notice(recorded_text(int(rating), reviewed, rated_at, marks))
        self.offer_stories(record, rated_at)
        return rating

    def act(self, action: CardAction, record: QuestionRecord) -> str:
        """Apply an action from the rating prompt; the line that says what it did.

        Undo takes back the latest rating anywhere (as ``mockprep undo`` does); the marks toggle on the
        question being rated.
        """
        now = self.clock()
        cards = self.store.cards
        if action == CardAction.UNDO:
            undone = cards.undo_last()
            if undone is None:
                return "Nothing to undo: no rating has been recorded yet."
            self.undone.append(undone)
            return undo_text(undone, now)
        marks = cards.marks(record.id)
        if action == CardAction.SUSPEND:
            on = not marks.suspended
            cards.set_suspended(record.id, on, now)
        elif action == CardAction.BURY:
            on = not marks.buried(now)
            cards.set_buried(record.id, bury_end(now, self.tz) if on else None, now)
        else:
            on = not marks.flagged
            cards.set_flagged(record.id, on, now)
        return mark_text(action, record.question.key, on)

    def settle(self, summary: SessionSummary) -> None:
        """Take the ratings undone during a session out of its summary (they are out of the database)."""
        for undone in self.undone:
            if undone.session_id == summary.session_id and summary.answered > 0:
                summary.answered -= 1
                summary.ratings[undone.rating] -= 1
                summary.overtime -= undone.overtime
                if (undone.rating, undone.overtime) in summary.points:
                    summary.points.remove((undone.rating, undone.overtime))

    def settle_mock(self, report: MockReport) -> None:
        """Mark the mock answers whose rating was undone during the round as unrated again."""
        undone = {u.mock_answer_id for u in self.undone if u.session_id == report.session_id}
        for answer in report.answers:
            if answer.mock_answer_id in undone:
                answer.rating = None

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
