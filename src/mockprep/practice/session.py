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

from mockprep.core.durations import format_duration
from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import CardState, DueCard, local_midnight, queue_order
from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.core.timer import SessionPlan, TimeStop, first_fitting, fitting, median_durations, time_limit
from mockprep.practice.pipeline import Clock, Pipeline, SessionInterrupted, process_alive
from mockprep.practice.ui import (
    COMPLETED,
    EMPTY,
    ENDED_EARLY,
    INTERRUPTED,
    Progress,
    SessionSummary,
    SessionUI,
)

if TYPE_CHECKING:
    from mockprep.core.grading import Grader
    from mockprep.core.questions import QuestionRecord
    from mockprep.db.store import Store


class SessionPlanError(ValueError):
    """No waiting question fits the planned minutes; the message says which is shortest and why."""


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
        self._records: dict[int, QuestionRecord] = {}
        self._timing: dict[int, tuple[str, float | None]] = {}  # question id -> (round, own limit)
        self._just_asked: int | None = None

    # -- what waits, in order ----------------------------------------------------------------------

    def _plan_new(self, now: datetime) -> None:
        """Shuffle the selection's new questions and work out how many may be introduced today.

        The daily limit counts the questions this session's filter selects that were answered for
        the first time today (local midnight to midnight), so a filtered session has its own share.
        """
        ids = self.store.cards.new_question_ids(self.options.filter, now)
        self.rng.shuffle(ids)
        self._new_queue = ids
        if self.options.new is not None:
            self._new_left = self.options.new
        else:
            today = local_midnight(now, self.options.tz)
            tomorrow = local_midnight(now, self.options.tz, days=1)
            introduced = self.store.cards.new_introduced(self.options.filter, today, tomorrow)
            self._new_left = max(0, self.settings.daily_new - introduced)

    def _queue(self, now: datetime) -> list[DueCard]:
        """What may be asked now, in order. Without a time plan only the head is needed, and the first
        two of each kind give the same head (see :func:`queue_order`)."""
        cards, flt = self.store.cards, self.options.filter
        cut = None if self._plan is not None else 2
        new_ids = self._new_queue[: max(0, self._new_left)]
        new = [DueCard(qid, CardState.NEW, now) for qid in new_ids[:cut]]
        learning = cards.learning_queue(flt, cut)
        reviews = cards.reviews_due(flt, now, cut)
        return queue_order(learning, reviews, new, now, self._learn_ahead, self._just_asked)

    @property
    def _learn_ahead(self) -> timedelta:
        return timedelta(minutes=self.settings.learn_ahead_minutes)

    def _waiting(self, now: datetime) -> int:
        """How many questions wait now, the learn-ahead ones included."""
        flt = self.options.filter
        studied = self.store.cards.count_waiting(flt, now, now + self._learn_ahead)
        return studied + min(max(0, self._new_left), len(self._new_queue))

    # -- the time plan -----------------------------------------------------------------------------

    def _record(self, question_id: int) -> QuestionRecord:
        if question_id not in self._records:
            self._records[question_id] = self.store.banks.question(question_id)
        return self._records[question_id]

    def _limit(self, record: QuestionRecord) -> float:
        q = record.question
        return time_limit(self.settings, q.round, q.spec.time_limit_seconds, self.options.time_limit)

    def _costs(self, cards: list[DueCard]) -> list[float]:
        """Seconds each question is expected to take: the same figures for the estimate and the run."""
        assert self._plan is not None
        missing = [c.question_id for c in cards if c.question_id not in self._timing]
        if missing:
            self._timing.update(self.store.cards.time_costs(missing))
        costs = []
        for card in cards:
            round, own = self._timing[card.question_id]
            limit = time_limit(self.settings, round, own, self.options.time_limit)
            costs.append(self._plan.expected_for(round, limit))
        return costs

    def _time_stop(self, queue: list[DueCard], left: float) -> TimeStop:
        assert self._plan is not None
        costs = self._costs(queue)
        shortest = min(range(len(queue)), key=costs.__getitem__)
        record = self._record(queue[shortest].question_id)
        basis = self._plan.basis(record.question.round)
        return TimeStop(left, record.question.key, costs[shortest], basis, len(queue))

    def _estimate(self, queue: list[DueCard]) -> int:
        assert self._plan is not None
        count = len(fitting(self._costs(queue), self._plan.budget))
        return count if self.options.limit is None else min(count, self.options.limit)

    def _plan_text(self, count: int, waiting: int) -> str:
        basis = (
            "your median answer times"
            if self._plan and self._plan.expected
            else f"the time limits (your own median times count once a round has "
            f"{self.settings.min_history_for_median} answers)"
        )
        questions = "question" if waiting == 1 else "questions"
        fit = "fits" if count == 1 else "fit"
        return (
            f"About {count} of the {waiting} waiting {questions} {fit} in {self.options.minutes:g} "
            f"{'minute' if self.options.minutes == 1 else 'minutes'}, judging by {basis}."
        )

    def _no_fit_text(self, stop: TimeStop) -> str:
        minutes = self.options.minutes
        return (
            f"no waiting question fits in {minutes:g} {'minute' if minutes == 1 else 'minutes'}: the "
            f"shortest, {stop.key}, is expected to take {format_duration(stop.needs)} ({stop.basis}); "
            "use more --minutes, or a shorter --time-limit"
        )

    # -- the run -----------------------------------------------------------------------------------

    def run(self) -> SessionSummary:
        """Ask until nothing is left, the --limit or the planned minutes are reached, or the person quits.

        Raise :class:`SessionPlanError`, before anything is stored, when --minutes leaves no room for
        any waiting question.
        """
        start = self.clock()
        self.store.sessions.recover(process_alive)
        self._plan_new(start)
        if self.options.minutes is not None:
            medians = median_durations(
                self.store.cards.recent_durations(), self.settings.min_history_for_median
            )
            self._plan = SessionPlan(self.options.minutes * 60, medians)
        queue = self._queue(start)
        if not queue:
            summary = self._new_summary(None, EMPTY)
            summary.next_due = self.store.cards.next_due_time(self.options.filter)
            self.ui.show_summary(summary, start)
            return summary
        planned = None
        if self._plan is not None:
            planned = self._estimate(queue)
            if planned == 0:
                raise SessionPlanError(self._no_fit_text(self._time_stop(queue, self._plan.budget)))
        session_id = self.store.sessions.start(
            "drill", self.options.filter.to_dict(), start, os.getpid(), minutes=self.options.minutes
        )
        summary = self._new_summary(session_id, COMPLETED)
        summary.planned = planned
        if planned is not None:
            self.ui.notice(self._plan_text(planned, len(queue)))
        try:
            self._loop(queue, summary, start)
        except (KeyboardInterrupt, SessionInterrupted):
            summary.status = INTERRUPTED
        finally:
            self.pipeline.settle(summary)  # ratings undone at the prompt are no longer answers
            end = self.clock()
            self.store.sessions.end(session_id, summary.status, end)
            if summary.answered == 0:
                self.store.sessions.discard_if_empty(session_id)  # nothing to keep in history
            summary.seconds = (end - start).total_seconds()
            tomorrow_end = local_midnight(end, self.options.tz, days=2)
            summary.due_tomorrow = self.store.cards.count_due(QuestionFilter(), tomorrow_end)
            summary.next_due = self.store.cards.next_due_time(self.options.filter)
            self._count_new_waiting(summary)
        self.ui.show_summary(summary, end)
        return summary

    def _new_summary(self, session_id: int | None, status: str) -> SessionSummary:
        summary = SessionSummary(session_id, status, filter=self.options.filter)
        summary.daily_new = self.settings.daily_new
        summary.new_option = self.options.new
        self._count_new_waiting(summary)
        return summary

    def _count_new_waiting(self, summary: SessionSummary) -> None:
        summary.new_waiting = len(self._new_queue) if self._new_left <= 0 else 0

    def _loop(self, queue: list[DueCard], summary: SessionSummary, start: datetime) -> None:
        while queue:
            if self.options.limit is not None and summary.answered >= self.options.limit:
                summary.stopped_by_limit = True
                return
            chosen = 0
            if self._plan is not None:
                left = self._plan.left((self.clock() - start).total_seconds())
                found = first_fitting(self._costs(queue), left)
                if found is None:
                    summary.time_stop = self._time_stop(queue, left)
                    return
                chosen = found
            choice = queue[chosen]
            rest = queue[:chosen] + queue[chosen + 1 :]
            if not self._ask(choice, summary, rest, start):
                summary.status = ENDED_EARLY
                return
            self._just_asked = choice.question_id
            queue = self._queue(self.clock())

    def _remaining(
        self, now: datetime, answered: int, current: DueCard, rest: list[DueCard], start: datetime
    ) -> int:
        """Questions expected after ``current``, shown at ``now``: what waits (learn-ahead repeats
        included), within --limit, and with a time plan, what of that fits after this one."""
        if self._plan is None:
            waiting = self._waiting(now) - 1
        else:
            left = self._plan.left((now - start).total_seconds()) - self._costs([current])[0]
            waiting = len(fitting(self._costs(rest), left))
        if self.options.limit is not None:
            waiting = min(waiting, self.options.limit - answered - 1)
        return max(waiting, 0)

    def _ask(self, choice: DueCard, summary: SessionSummary, rest: list[DueCard], start: datetime) -> bool:
        """Ask one question and store its rating; False when the person quits."""
        assert summary.session_id is not None
        record = self._record(choice.question_id)
        limit = self._limit(record) if self.options.timer else None
        number = summary.answered + 1

        def progress(now: datetime) -> Progress:
            return Progress(number, self._remaining(now, summary.answered, choice, rest, start))

        attempt = self.pipeline.ask(record, progress, limit)
        if attempt is None:
            return False
        rating = self.pipeline.rate(self.pipeline.reveal(attempt), summary.session_id)
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
