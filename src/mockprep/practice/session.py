"""A drill session: pick the next question, ask it, reveal, rate, commit — until done.

The loop talks to the person only through a :class:`~mockprep.practice.ui.SessionUI` and reads time
only through the injected clock, so tests drive it exactly; the shared steps are in
:mod:`mockprep.practice.pipeline`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import CardState, DueCard, local_midnight, pick_next
from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.core.timer import SessionPlan, median_durations, time_limit
from mockprep.practice.pipeline import Clock, Pipeline, SessionInterrupted, process_alive
from mockprep.practice.ui import Progress, SessionSummary, SessionUI

if TYPE_CHECKING:
    from mockprep.core.grading import Grader
    from mockprep.core.questions import QuestionRecord
    from mockprep.db.store import Store


@dataclass(frozen=True)
class SessionOptions:
    filter: QuestionFilter = QuestionFilter()
    new: int | None = None  # new questions this session; None: what is left of the daily limit
    limit: int | None = None  # most answers this session
    tz: tzinfo | None = None  # the person's zone for "today"; None: the system's
    timer: bool = True  # time each answer against its limit (--no-timer turns it off)
    time_limit: float | None = None  # seconds for every question (--time-limit)
    minutes: float | None = None  # plan the session to fit this many minutes (--minutes)


class Session:
    """Runs one session against a store; see :meth:`run`."""

    def __init__(
        self,
        store: Store,
        ui: SessionUI,
        clock: Clock,
        rng: random.Random,
        options: SessionOptions = SessionOptions(),
        settings: Settings = DEFAULT_SETTINGS,
        grader: Grader | None = None,
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.rng = rng
        self.options = options
        self.settings = settings
        self.pipeline = Pipeline(store, ui, clock, settings, grader, options.tz)
        self._new_queue: list[int] = []
        self._new_left = 0
        self._plan: SessionPlan | None = None

    def _plan_new(self, now: datetime) -> None:
        ids = self.store.cards.new_question_ids(self.options.filter, now)
        self.rng.shuffle(ids)
        self._new_queue = ids
        if self.options.new is not None:
            self._new_left = self.options.new
        else:
            today = local_midnight(now, self.options.tz)
            introduced = self.store.cards.new_introduced_since(today)
            self._new_left = max(0, self.settings.daily_new - introduced)

    def _next(self, now: datetime) -> DueCard | None:
        flt = self.options.filter
        cards = self.store.cards
        new = None
        if self._new_left > 0 and self._new_queue:
            new = DueCard(self._new_queue[0], CardState.NEW, now)
        learn_ahead = timedelta(minutes=self.settings.learn_ahead_minutes)
        return pick_next(cards.first_learning(flt), cards.first_review_due(flt, now), new, now, learn_ahead)

    def _waiting(self, now: datetime) -> int:
        return self.store.cards.count_due(self.options.filter, now) + min(
            self._new_left, len(self._new_queue)
        )

    def _remaining(self, now: datetime, answered: int) -> int:
        waiting = self._waiting(now)
        if self.options.limit is not None:
            waiting = min(waiting, self.options.limit - answered)
        return max(waiting - 1, 0)

    def run(self) -> SessionSummary:
        start = self.clock()
        self.store.sessions.recover(process_alive)
        self._plan_new(start)
        choice = self._next(start)
        if choice is None:
            summary = SessionSummary(None, "empty")
            summary.next_due = self.store.cards.next_due_time(self.options.filter)
            self.ui.show_summary(summary, start)
            return summary
        summary = SessionSummary(
            self.store.sessions.start(
                "drill", self.options.filter.to_dict(), start, os.getpid(), minutes=self.options.minutes
            ),
            "completed",
        )
        assert summary.session_id is not None
        if self.options.minutes is not None:
            medians = median_durations(
                self.store.cards.recent_durations(), self.settings.min_history_for_median
            )
            self._plan = SessionPlan(self.options.minutes * 60, medians)
            summary.planned = self._estimate_count(start)
            self.ui.notice(self._plan_text(summary.planned))
        try:
            while choice is not None:
                if self.options.limit is not None and summary.answered >= self.options.limit:
                    summary.stopped_by_limit = True
                    break
                record = self.store.banks.question(choice.question_id)
                if self._plan is not None and not self._plan.fits(
                    (self.clock() - start).total_seconds(), record.question.round, self._limit(record)
                ):
                    summary.stopped_by_time = True
                    break
                if not self._ask(choice, record, summary):
                    break
                choice = self._next(self.clock())
        except (KeyboardInterrupt, SessionInterrupted):
            summary.status = "interrupted"
        finally:
            self.pipeline.settle(summary)  # ratings undone at the prompt are no longer answers
            end = self.clock()
            self.store.sessions.end(summary.session_id, summary.status, end)
            if summary.answered == 0:
                self.store.sessions.discard_if_empty(summary.session_id)  # nothing to keep in history
            summary.seconds = (end - start).total_seconds()
            tomorrow_end = local_midnight(end, self.options.tz, days=2)
            summary.due_tomorrow = self.store.cards.count_due(QuestionFilter(), tomorrow_end)
            summary.next_due = self.store.cards.next_due_time(self.options.filter)
        self.ui.show_summary(summary, end)
        return summary

    def _limit(self, record: QuestionRecord) -> float:
        q = record.question
        return time_limit(self.settings, q.round, q.spec.time_limit_seconds, self.options.time_limit)

    def _estimate_count(self, now: datetime) -> int:
        """How many of the questions waiting now are expected to fit the planned minutes."""
        assert self._plan is not None
        waiting = self._waiting(now)
        # Without loading every waiting question, assume the rounds the filter allows, in turn.
        rounds = self.options.filter.rounds or ("technical", "project", "behavioral")
        mix = [rounds[i % len(rounds)] for i in range(waiting)]
        limits = [(r, time_limit(self.settings, r, None, self.options.time_limit)) for r in mix]
        return self._plan.estimate_count(limits)

    def _plan_text(self, count: int) -> str:
        basis = (
            "your median answer times"
            if self._plan and self._plan.expected
            else f"the time limits (your own median times count once a round has "
            f"{self.settings.min_history_for_median} answers)"
        )
        return f"About {count} questions fit in {self.options.minutes:g} minutes, judging by {basis}."

    def _ask(self, choice: DueCard, record: QuestionRecord, summary: SessionSummary) -> bool:
        """Ask one question and store its rating; False when the person quits."""
        assert summary.session_id is not None
        limit = self._limit(record) if self.options.timer else None
        number = summary.answered + 1

        def progress(now: datetime) -> Progress:
            return Progress(number, self._remaining(now, summary.answered))

        attempt = self.pipeline.ask(record, progress, limit)
        if attempt is None:
            return False
        rating = self.pipeline.rate(attempt, summary.session_id)
        if rating is None:
            return False
        overtime = attempt.timing.overtime > 0
        summary.overtime += overtime
        summary.points.append((int(rating), overtime))
        if choice.state == CardState.NEW:
            # Even if another terminal answered it meanwhile: it has left this session's new queue.
            self._new_left -= 1
            self._new_queue.remove(record.id)
        summary.answered += 1
        summary.ratings[int(rating)] += 1
        return True
