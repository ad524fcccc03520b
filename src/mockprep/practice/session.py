"""A session (stored as kind "drill"): pick the next question, ask it, reveal, rate, commit — until done.

The loop talks to the person only through a :class:`~mockprep.practice.ui.SessionUI` and reads time
only through the injected clock, so tests drive it exactly; the shared steps are in
:mod:`mockprep.practice.pipeline`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from mockprep.core.daily_new import allowed_new, drawn_order
from mockprep.core.durations import format_duration
from mockprep.core.plans import weakest_first
from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import CardState, DueCard, card_state, queue_order
from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.core.timer import SessionPlan, TimeStop, first_fitting, fitting, median_shares, time_limit
from mockprep.liveness import process_alive
from mockprep.practice.drill_buried import buried_keys, buried_text
from mockprep.practice.pipeline import Clock, Pipeline, SessionInterrupted
from mockprep.practice.plans import plan_quotas, scheduler_params, todays_new
from mockprep.practice.session_end import close_session
from mockprep.practice.ui import (
    COMPLETED,
    EMPTY,
    ENDED_EARLY,
    INTERRUPTED,
    AnswerNotStored,
    Progress,
    SessionSummary,
    SessionUI,
    filter_options,
    interrupt_signal,
)
from mockprep.practice.unstored import refused_as_unstored

if TYPE_CHECKING:
    from mockprep.core.grading import Grader
    from mockprep.core.questions import QuestionRecord
    from mockprep.db.store import Store
    from mockprep.practice.ui import Attempt
    from mockprep.practice.voice import Voice


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
    # Cram and weak-spot drills: questions asked whether due or not, ratings recorded as cram reviews
    # that leave every schedule as it was.
    cram: bool = False  # --cram: the selection, lowest predicted recall first (new ones included)
    weakest: int | None = None  # --weakest N: the N studied questions with the lowest predicted recall
    failed_since: datetime | None = None  # --failed-since DATE: questions rated again since then
    flagged: bool = False  # --flagged: the flagged questions

    @property
    def drill(self) -> bool:
        return self.cram or self.weakest is not None or self.failed_since is not None or self.flagged


def nothing_selected(
    o: SessionOptions, count_selected: Callable[[QuestionFilter], int], buried: list[str] | None = None
) -> str | None:
    """Why an empty run had nothing to ask when its drill or its selection holds no question."""
    chosen = filter_options(o.filter)
    if chosen and not count_selected(o.filter):
        return f"no question matches {chosen}"
    scope = " in this selection" if chosen else ""
    if o.drill and buried:
        return buried_text(buried, left_out=False)
    if o.flagged and o.failed_since is None and o.weakest is None:
        return f"no question{scope} is flagged (f at a rating prompt, or mockprep question flag KEY)"
    noun = "flagged question" if o.flagged else "question"  # (the drill options narrow one another)
    if o.failed_since is not None:
        return f"no {noun}{scope} was rated again since {o.failed_since.astimezone(o.tz):%Y-%m-%d}"
    if o.weakest is not None:
        return f"no {noun}{scope} has been answered yet (--weakest picks from those answered)"
    return None


def no_fit_text(minutes: float, stop: TimeStop) -> str:
    """Why --minutes leaves no room for any waiting question: the shortest, and how long it would take."""
    return (
        f"no waiting question fits in {minutes:g} {'minute' if minutes == 1 else 'minutes'}: the "
        f"shortest, {stop.key}, is expected to take {format_duration(stop.needs)} ({stop.basis}); "
        "use more --minutes, or a shorter --time-limit"
    )


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
        voice: Voice | None = None,
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.rng = rng
        self.options = options
        self.settings = settings
        self.pipeline = Pipeline(
            store, ui, clock, settings, grader, options.tz, cram=options.drill, voice=voice
        )
        self._drill: list[DueCard] = []  # a drill's questions not asked yet, in order
        self._new_queue: list[int] = []
        self._drill_buried: list[str] = []  # ... and the keys of those it leaves out as buried
        self._new_left = 0
        self._daily_limit = settings.daily_new  # today's new questions for the selection (_plan_new)
        self._new_by_plan = False  # ... more than the limit, for an interview plan's pace
        self._plan: SessionPlan | None = None
        self._records: dict[int, QuestionRecord] = {}
        self._timing: dict[int, tuple[str, float | None]] = {}  # question id -> (round, own limit)
        self._just_asked: int | None = None
        self._undone_seen = 0  # the pipeline's undone ratings already put back (_take_back_undone)

    # -- what waits, in order ----------------------------------------------------------------------

    def _plan_new(self, now: datetime) -> None:
        """Order the selection's new questions and work out which may be introduced today.

        The daily limit counts the questions this session's filter selects that were answered for
        the first time today (the day starting at ``day_start_hour``), so a filtered session has its own
        share; banks and rounds with their own limits are capped by them; and the questions of an
        interview plan come first, as many as its pace needs today, whatever the limits (with --new
        too: its N start with them).
        """
        if self.options.drill:
            self._plan_drill(now)
            return
        # In the order the injected randomness draws: the CLI seeds it with the day and the home, so
        # every run of a day offers the same new questions (see cli/practice.py).
        found = self.store.cards.new_question_ids(self.options.filter, now)
        ids = drawn_order(found, self.rng.getrandbits(64))
        quotas = plan_quotas(self.store, now, self.options.tz, self.settings)
        candidates = self.store.drills.new_candidates(ids)
        if self.options.new is not None:  # N whatever the limits, a plan's questions first as ever
            allowed = allowed_new(candidates, self.options.new, plans=quotas)[: self.options.new]
            count = self.options.new
        else:
            allowed, self._daily_limit, self._new_by_plan = todays_new(
                self.store, self.settings, self.options.filter, now, self.options.tz, candidates, quotas
            )
            count = len(allowed)
        chosen = set(allowed)
        self._new_queue = allowed + [i for i in ids if i not in chosen]
        self._new_left = count

    def _plan_drill(self, now: datetime) -> None:
        """A drill's questions, weakest first: lowest predicted recall now (new ones count as 0)."""
        o = self.options
        found = self.store.drills.cards(o.filter, o.flagged, o.failed_since, now)
        params = scheduler_params(self.store, self.settings)
        if o.weakest is not None:
            found = [(qid, card) for qid, card in found if card is not None]
        buried = self.store.drills.buried(o.filter, o.flagged, o.failed_since, now)
        self._drill_buried = buried_keys(buried, found, o.weakest, params, now)
        order = weakest_first(found, params, now)
        if o.weakest is not None:
            order = order[: o.weakest]
        cards = dict(found)
        self._drill = [
            DueCard(qid, CardState.NEW if cards[qid] is None else CardState(cards[qid].state.value), now)
            for qid in order
        ]
        self._new_queue, self._new_left = [], 0

    def _queue(self, now: datetime) -> list[DueCard]:
        """What may be asked now, in order. Without a time plan only the head is needed, and the first
        two of each kind give the same head (see :func:`queue_order`)."""
        if self.options.drill:
            return list(self._drill)
        cards, flt = self.store.cards, self.options.filter
        cut = None if self._plan is not None else 2
        new_ids = self._new_queue[: max(0, self._new_left)]
        new = [DueCard(qid, CardState.NEW, now) for qid in new_ids[:cut]]
        learning = cards.learning_queue(flt, now, cut)
        reviews = cards.reviews_due(flt, now, cut)
        return queue_order(learning, reviews, new, now, self._learn_ahead, self._just_asked)

    @property
    def _learn_ahead(self) -> timedelta:
        return timedelta(minutes=self.settings.learn_ahead_minutes)

    def _waiting(self, now: datetime) -> int:
        """How many questions wait now, the learn-ahead ones included."""
        if self.options.drill:
            return len(self._drill)
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
            self._timing.update(self.store.answer_times.limits(missing))
        costs = []
        for card in cards:
            round, own = self._timing[card.question_id]
            limit = time_limit(self.settings, round, own)
            costs.append(self._plan.expected_for(round, limit, self.options.time_limit))
        return costs

    def _time_stop(self, queue: list[DueCard], left: float) -> TimeStop:
        assert self._plan is not None
        costs = self._costs(queue)
        shortest = min(range(len(queue)), key=costs.__getitem__)
        record = self._record(queue[shortest].question_id)
        round, own = self._timing[queue[shortest].question_id]
        basis = self._plan.basis(round, time_limit(self.settings, round, own))
        return TimeStop(left, record.question.key, costs[shortest], basis, len(queue))

    def _estimate(self, queue: list[DueCard]) -> int:
        assert self._plan is not None
        count = len(fitting(self._costs(queue), self._plan.budget))
        return count if self.options.limit is None else min(count, self.options.limit)

    def _plan_text(self, count: int, waiting: int) -> str:
        basis = (
            "your median answer time as a share of each question's time limit"
            if self._plan and self._plan.shares
            else f"the time limits (your own median times count once a round has "
            f"{self.settings.min_history_for_median} answers)"
        )
        questions = "question" if waiting == 1 else "questions"
        fit = "fits" if count == 1 else "fit"
        return (
            f"About {count} of the {waiting} waiting {questions} {fit} in {self.options.minutes:g} "
            f"{'minute' if self.options.minutes == 1 else 'minutes'}, judging by {basis}."
        )

    # -- the run -----------------------------------------------------------------------------------

    def run(self) -> SessionSummary:
        """Ask until nothing is left, the --limit or the planned minutes are reached, or the person quits.

        Raise :class:`SessionPlanError`, before anything is stored, when --minutes leaves no room for
        any waiting question; and :class:`AnswerNotStored`, after the summary, when the database would
        not take an answer (a full disk, say), for the caller to keep it.
        """
        start = self.clock()
        self.store.sessions.recover(process_alive)
        self._plan_new(start)
        if self.options.minutes is not None:
            shares = median_shares(
                self.store.answer_times.recent(), self.settings, self.settings.min_history_for_median
            )
            self._plan = SessionPlan(self.options.minutes * 60, shares)
        queue = self._queue(start)
        if not queue:
            summary = self._new_summary(None, EMPTY)
            summary.next_due = self.store.cards.next_due_time(self.options.filter)
            summary.nothing = nothing_selected(
                self.options, self.store.drills.count_selected, self._drill_buried
            )
            self.ui.show_summary(summary, start)
            return summary
        planned = None
        if self._plan is not None:
            planned = self._estimate(queue)
            if planned == 0:
                stop = self._time_stop(queue, self._plan.budget)
                raise SessionPlanError(no_fit_text(self._plan.budget / 60, stop))
        session_id = self.store.sessions.start(
            "cram" if self.options.drill else "drill",
            self.options.filter.to_dict(),
            start,
            os.getpid(),
            minutes=self.options.minutes,
        )
        summary = self._new_summary(session_id, COMPLETED)
        summary.planned = planned
        if planned is not None:
            self.ui.notice(self._plan_text(planned, len(queue)))
        if self._drill_buried:
            self.ui.notice(buried_text(self._drill_buried))
        unstored: AnswerNotStored | None = None
        try:
            self._loop(queue, summary, start)
        except (KeyboardInterrupt, SessionInterrupted) as exc:
            summary.status, summary.signal = INTERRUPTED, interrupt_signal(exc)
        except AnswerNotStored as exc:  # the answers before it are stored; this one goes to the caller
            summary.status, summary.unstored, unstored = INTERRUPTED, exc.attempt.record.question.key, exc
        except BaseException:
            summary.status = INTERRUPTED  # cut short by an error (a closed terminal's, say), not completed
            raise
        finally:
            tz, hour, failing = self.options.tz, self.settings.day_start_hour, unstored is not None
            end = close_session(
                self.store, self.pipeline.settle, self.clock, summary, start, tz, hour, failing
            )
            self._count_new_waiting(summary)
        try:
            self.ui.show_summary(summary, end)
        finally:
            if unstored is not None:
                raise unstored
        return summary

    def _new_summary(self, session_id: int | None, status: str) -> SessionSummary:
        summary = SessionSummary(session_id, status, filter=self.options.filter)
        summary.daily_new, summary.new_by_plan = self._daily_limit, self._new_by_plan
        summary.new_option = self.options.new
        self._count_new_waiting(summary)
        return summary

    def _count_new_waiting(self, summary: SessionSummary) -> None:
        summary.new_waiting = len(self._new_queue) if self._new_left <= 0 else 0

    def _loop(self, queue: list[DueCard], summary: SessionSummary, start: datetime) -> None:
        """Ask until the queue, the --limit or the --minutes run out; the minutes run from here, the
        first question, not from the session's start (the queue and the models take their time)."""
        start = self.clock()
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
            self._take_back_undone()
            queue = self._queue(self.clock())

    def _take_back_undone(self) -> None:
        """A new question whose rating was undone at the prompt (``u``) is new again: back at the head of
        this session's new questions, its place in today's count freed, so that it is asked again (a
        review's card is read from the database with the rest)."""
        for undone in self.pipeline.undone[self._undone_seen :]:
            back = card_state(undone.card) == CardState.NEW and undone.question_id not in self._new_queue
            if back and not self.options.drill:
                self._new_queue.insert(0, undone.question_id)
                self._new_left += 1
        self._undone_seen = len(self.pipeline.undone)

    def _remaining(
        self, now: datetime, answered: int, current: DueCard, rest: list[DueCard], start: datetime
    ) -> tuple[int, str | None]:
        """Questions expected after ``current``, shown at ``now``: what waits (learn-ahead repeats
        included), within --limit, and with a time plan, what of that fits after this one; and what
        holds back others that wait ("time", "limit"; None: none do)."""
        if self._plan is None:
            waiting, held = self._waiting(now) - 1, None
        else:
            left = self._plan.left((now - start).total_seconds()) - self._costs([current])[0]
            waiting = len(fitting(self._costs(rest), left))
            held = "time" if waiting < len(rest) else None
        if self.options.limit is not None and self.options.limit - answered - 1 < waiting:
            waiting, held = self.options.limit - answered - 1, "limit"
        return max(waiting, 0), held

    def _ask(self, choice: DueCard, summary: SessionSummary, rest: list[DueCard], start: datetime) -> bool:
        """Ask one question and store its rating; False when the person quits."""
        assert summary.session_id is not None
        record = self._record(choice.question_id)
        limit = self._limit(record) if self.options.timer else None
        number = summary.answered + 1

        def progress(now: datetime) -> Progress:
            remaining, held = self._remaining(now, summary.answered, choice, rest, start)
            return Progress(number, remaining, held_back=held)

        try:
            attempt = self.pipeline.ask(record, progress, limit)
        except BaseException:  # Ctrl-C, a signal or a closed terminal's error
            self._keep(self.pipeline.cut_short, summary, number)  # what was typed so far, unrated
            raise
        if attempt is None:  # quit: a code answer quit after a run is kept, unrated
            self._keep(self.pipeline.cut_short, summary, number)
            return False
        try:
            rating = self.pipeline.rate(attempt := self.pipeline.reveal(attempt), summary.session_id)
        except AnswerNotStored:  # (the database refused the rating: no use asking it to keep the answer)
            raise
        except BaseException:  # Ctrl-C, a signal, a closed terminal's input/output error
            # Ctrl-C or a closed terminal before the rating was stored: the answer is kept, as with q
            if self.pipeline.recorded is not attempt:
                self._keep(attempt, summary, number)
            raise
        if rating is None:  # quit at the rating: the answer is kept, unrated
            self._keep(attempt, summary, number)
            return False
        overtime = attempt.timing.overtime > 0
        summary.overtime += overtime
        summary.points.append((int(rating), overtime))
        if self.options.drill:
            self._drill = [c for c in self._drill if c.question_id != record.id]
        elif choice.state == CardState.NEW:
            # Even if another terminal answered it meanwhile: it has left this session's new queue.
            self._new_left -= 1
            self._new_queue.remove(record.id)
        summary.answered += 1
        summary.ratings[int(rating)] += 1
        return True

    def _keep(self, attempt: Attempt | None, summary: SessionSummary, number: int) -> None:
        """Store an answer that was not rated (None: there is none), counted in the summary as kept."""
        if attempt is None:
            return
        assert summary.session_id is not None
        with self.store.uninterrupted():  # a full disk, say: the caller keeps it elsewhere
            with refused_as_unstored(self.store, attempt, None, summary.session_id):
                self.pipeline.keep_unrated(attempt, summary.session_id, number)
            summary.kept += 1
