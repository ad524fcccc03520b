"""One practice session: pick the next question, ask it, reveal, rate, commit — until done.

The loop talks to the person only through a :class:`SessionUI` and reads time only through the
injected clock, so tests drive it exactly; the rich terminal UI lives in :mod:`mockprep.ui`.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Protocol

from fsrs import Rating

from mockprep.banks import QuestionFilter
from mockprep.grading import AutoGrade, auto_grade
from mockprep.scheduler import (
    DAILY_NEW_LIMIT,
    CardState,
    DueCard,
    card_state,
    local_midnight,
    make_scheduler,
    pick_next,
    preview_intervals,
    review,
)

if TYPE_CHECKING:
    from mockprep.storage import QuestionRecord, Store

Clock = Callable[[], datetime]


class SessionInterrupted(BaseException):
    """Raised by signal handlers (SIGTERM, SIGHUP) to end a session the way Ctrl-C does."""


@dataclass(frozen=True)
class Progress:
    number: int  # 1-based position of this question in the session
    remaining: int  # questions still waiting after this one (an estimate: ratings change it)


@dataclass(frozen=True)
class SessionOptions:
    filter: QuestionFilter = QuestionFilter()
    new: int | None = None  # new questions this session; None: what is left of the daily limit
    limit: int | None = None  # most answers this session
    daily_new: int = DAILY_NEW_LIMIT
    tz: tzinfo | None = None  # the person's zone for "today"; None: the system's


@dataclass
class SessionSummary:
    session_id: int | None
    status: str  # completed | interrupted | empty
    answered: int = 0
    ratings: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    due_tomorrow: int = 0
    next_due: datetime | None = None
    stopped_by_limit: bool = False


class SessionUI(Protocol):
    def show_question(self, record: QuestionRecord, progress: Progress) -> None: ...

    def read_answer(self) -> str | None:
        """The typed answer, or None when the person quits."""

    def show_reveal(self, record: QuestionRecord, answer: str, grade: AutoGrade | None) -> None: ...

    def read_rating(self, intervals: dict[Rating, timedelta], suggested: Rating | None) -> Rating | None:
        """The chosen rating, or None when the person quits."""

    def show_summary(self, summary: SessionSummary, now: datetime) -> None: ...


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Session:
    """Runs one session against a store; see :meth:`run`."""

    def __init__(
        self,
        store: Store,
        ui: SessionUI,
        clock: Clock,
        rng: random.Random,
        options: SessionOptions = SessionOptions(),
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.rng = rng
        self.options = options
        self.scheduler = make_scheduler()
        self._new_queue: list[int] = []
        self._new_left = 0

    def _plan_new(self, now: datetime) -> None:
        ids = self.store.new_question_ids(self.options.filter)
        self.rng.shuffle(ids)
        self._new_queue = ids
        if self.options.new is not None:
            self._new_left = self.options.new
        else:
            today = local_midnight(now, self.options.tz)
            self._new_left = max(0, self.options.daily_new - self.store.new_introduced_since(today))

    def _next(self, now: datetime) -> DueCard | None:
        flt = self.options.filter
        new = None
        if self._new_left > 0 and self._new_queue:
            new = DueCard(self._new_queue[0], CardState.NEW, now)
        return pick_next(self.store.first_learning(flt), self.store.first_review_due(flt, now), new, now)

    def _remaining(self, now: datetime, answered: int) -> int:
        waiting = self.store.count_due(self.options.filter, now) + min(self._new_left, len(self._new_queue))
        if self.options.limit is not None:
            waiting = min(waiting, self.options.limit - answered)
        return max(waiting - 1, 0)

    def run(self) -> SessionSummary:
        start = self.clock()
        self.store.recover_sessions(process_alive)
        self._plan_new(start)
        choice = self._next(start)
        if choice is None:
            summary = SessionSummary(None, "empty")
            summary.next_due = self.store.next_due_time(self.options.filter)
            self.ui.show_summary(summary, start)
            return summary
        summary = SessionSummary(
            self.store.start_session("drill", self.options.filter.to_dict(), start, os.getpid()),
            "completed",
        )
        try:
            while choice is not None:
                if self.options.limit is not None and summary.answered >= self.options.limit:
                    summary.stopped_by_limit = True
                    break
                if not self._ask(choice, summary):
                    break
                choice = self._next(self.clock())
        except (KeyboardInterrupt, SessionInterrupted):
            summary.status = "interrupted"
        finally:
            end = self.clock()
            self.store.end_session(summary.session_id, summary.status, end)
            summary.seconds = (end - start).total_seconds()
            tomorrow_end = local_midnight(end, self.options.tz, days=2)
            summary.due_tomorrow = self.store.count_due(QuestionFilter(), tomorrow_end)
            summary.next_due = self.store.next_due_time(self.options.filter)
        self.ui.show_summary(summary, end)
        return summary

    def _ask(self, choice: DueCard, summary: SessionSummary) -> bool:
        """Ask one question and store its rating; False when the person quits."""
        record = self.store.question(choice.question_id)
        shown = self.clock()
        self.ui.show_question(
            record, Progress(summary.answered + 1, self._remaining(shown, summary.answered))
        )
        answer = self.ui.read_answer()
        if answer is None:
            return False
        answered = self.clock()
        grade = auto_grade(record.question.spec, answer)
        self.ui.show_reveal(record, answer, grade)
        card = self.store.card(record.id)
        suggested = None if grade is None else (Rating.Good if grade.correct else Rating.Again)
        rating = self.ui.read_rating(preview_intervals(self.scheduler, card, answered), suggested)
        if rating is None:
            return False
        rated_at = self.clock()
        state_before = card_state(card)
        self.store.record_review(
            record.id,
            summary.session_id,
            review(self.scheduler, card, rating, rated_at),
            rated_at,
            int(rating),
            int(state_before),
            answer,
            max(0, round((answered - shown).total_seconds() * 1000)),
        )
        if choice.state == CardState.NEW:
            # Even if another terminal answered it meanwhile: it has left this session's new queue.
            self._new_left -= 1
            self._new_queue.remove(record.id)
        summary.answered += 1
        summary.ratings[int(rating)] += 1
        return True
