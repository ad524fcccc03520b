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
from mockprep.grading import AutoGrade, auto_grade, key_point_coverage, suggest_rating
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
from mockprep.scoring import session_score
from mockprep.timer import Countdown, SessionPlan, median_durations, time_limit

if TYPE_CHECKING:
    from mockprep.storage import QuestionRecord, Store, StoryOption

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
    timer: bool = True  # time each answer against its limit (--no-timer turns it off)
    time_limit: float | None = None  # seconds for every question (--time-limit)
    minutes: float | None = None  # plan the session to fit this many minutes (--minutes)


@dataclass(frozen=True)
class AnswerTiming:
    seconds: float
    limit: float | None  # None: untimed

    @property
    def overtime(self) -> float:
        return 0.0 if self.limit is None else max(0.0, self.seconds - self.limit)


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
    stopped_by_time: bool = False
    planned: int | None = None  # questions expected to fit --minutes
    overtime: int = 0  # answers that ran past their limit
    points: list[tuple[int, bool]] = field(default_factory=list)  # (rating, overtime) per answer

    @property
    def score(self) -> int | None:
        return session_score(self.points)


class SessionUI(Protocol):
    def notice(self, text: str) -> None: ...

    def show_question(
        self, record: QuestionRecord, progress: Progress, countdown: Countdown | None
    ) -> None: ...

    def read_answer(self, countdown: Countdown | None) -> str | None:
        """The typed answer, or None when the person quits. A countdown may be shown while typing."""

    def show_reveal(
        self,
        record: QuestionRecord,
        answer: str,
        grade: AutoGrade | None,
        timing: AnswerTiming,
        coverage: list[bool] | None,
    ) -> None: ...

    def read_rating(self, intervals: dict[Rating, timedelta], suggested: Rating | None) -> Rating | None:
        """The chosen rating, or None when the person quits."""

    def show_summary(self, summary: SessionSummary, now: datetime) -> None: ...

    def offer_stories(self, options: list[StoryOption]) -> int | None:
        """Remind the person of their stories; return the id of the one they used, if they say."""


def offer_stories(store: Store, ui: SessionUI, record: QuestionRecord, now: datetime) -> None:
    """After a behavioral answer: show the stories linked to it or sharing its competencies, and link
    the one the person says they used."""
    question = record.question
    if question.round != "behavioral":
        return
    options = store.stories_for_question(question.key, list(question.spec.competencies))
    if not options:
        return
    chosen = ui.offer_stories(options)
    if chosen is not None and chosen in {o.story_id for o in options}:
        store.link_story(chosen, question.key, now)


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
        self._plan: SessionPlan | None = None

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
            self.store.start_session(
                "drill", self.options.filter.to_dict(), start, os.getpid(), minutes=self.options.minutes
            ),
            "completed",
        )
        if self.options.minutes is not None:
            self._plan = SessionPlan(
                self.options.minutes * 60, median_durations(self.store.recent_durations())
            )
            summary.planned = self._estimate_count(start)
            self.ui.notice(self._plan_text(summary.planned))
        try:
            while choice is not None:
                if self.options.limit is not None and summary.answered >= self.options.limit:
                    summary.stopped_by_limit = True
                    break
                record = self.store.question(choice.question_id)
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
            end = self.clock()
            self.store.end_session(summary.session_id, summary.status, end)
            if summary.answered == 0:
                self.store.discard_empty_session(summary.session_id)  # nothing to keep in history
            summary.seconds = (end - start).total_seconds()
            tomorrow_end = local_midnight(end, self.options.tz, days=2)
            summary.due_tomorrow = self.store.count_due(QuestionFilter(), tomorrow_end)
            summary.next_due = self.store.next_due_time(self.options.filter)
        self.ui.show_summary(summary, end)
        return summary

    def _limit(self, record: QuestionRecord) -> float:
        q = record.question
        return time_limit(q.round, q.spec.time_limit_seconds, self.options.time_limit)

    def _estimate_count(self, now: datetime) -> int:
        """How many of the questions waiting now are expected to fit the planned minutes."""
        assert self._plan is not None
        waiting = self.store.count_due(self.options.filter, now) + min(self._new_left, len(self._new_queue))
        # Without loading every waiting question, assume the rounds the filter allows, in turn.
        rounds = self.options.filter.rounds or ("technical", "project", "behavioral")
        mix = [rounds[i % len(rounds)] for i in range(waiting)]
        return self._plan.estimate_count([(r, time_limit(r, None, self.options.time_limit)) for r in mix])

    def _plan_text(self, count: int) -> str:
        basis = (
            "your median answer times"
            if self._plan and self._plan.expected
            else "the time limits (your own median times count once a round has 5 answers)"
        )
        return f"About {count} questions fit in {self.options.minutes:g} minutes, judging by {basis}."

    def _ask(self, choice: DueCard, record: QuestionRecord, summary: SessionSummary) -> bool:
        """Ask one question and store its rating; False when the person quits."""
        spec = record.question.spec
        limit = self._limit(record) if self.options.timer else None
        shown = self.clock()
        countdown = Countdown(limit, shown) if limit is not None else None
        progress = Progress(summary.answered + 1, self._remaining(shown, summary.answered))
        self.ui.show_question(record, progress, countdown)
        answer = self.ui.read_answer(countdown)
        if answer is None:
            return False
        answered = self.clock()
        timing = AnswerTiming((answered - shown).total_seconds(), limit)
        grade = auto_grade(spec, answer)
        coverage = key_point_coverage(spec.key_points, answer) if grade is None else None
        if grade is not None:
            suggested = Rating.Good if grade.correct else Rating.Again
        else:
            suggested = Rating(suggest_rating(coverage or [], timing.overtime > 0))
        self.ui.show_reveal(record, answer, grade, timing, coverage)
        card = self.store.card(record.id)
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
            max(0, round(timing.seconds * 1000)),
            time_limit_ms=None if limit is None else round(limit * 1000),
            coverage=coverage,
            suggested=int(suggested),
        )
        summary.overtime += timing.overtime > 0
        summary.points.append((int(rating), timing.overtime > 0))
        offer_stories(self.store, self.ui, record, rated_at)
        if choice.state == CardState.NEW:
            # Even if another terminal answered it meanwhile: it has left this session's new queue.
            self._new_left -= 1
            self._new_queue.remove(record.id)
        summary.answered += 1
        summary.ratings[int(rating)] += 1
        return True
