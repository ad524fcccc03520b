"""Mock interview rounds: a timed round like the real one, model answers only at the end.

A round draws questions that cover different topics (technical, project) or competencies
(behavioral), asks each against its time limit with the bank's follow-up, stores every answer the
moment it is given, and after the round reveals the model answers, takes a rating for each (which
feeds the scheduler like any session) and shows a report card. Answers left unrated (the person quit
while rating) can be rated later with :func:`rate_later`. Only what differs from a session is here; the
shared steps are in :mod:`mockprep.practice.pipeline`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from mockprep.core.durations import format_duration
from mockprep.core.kinds import kind_of
from mockprep.core.questions import QuestionFilter
from mockprep.core.rounds import (
    OPENING_TOPIC,
    ROUND_ORDER,
    Candidate,
    choose_follow_up,
    group_of,
    question_cost,
    spread_order,
)
from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.core.timer import AnswerTiming, TimeStop, first_fitting, fitting, time_limit
from mockprep.liveness import process_alive
from mockprep.practice.mock_rating import rate_answers
from mockprep.practice.pipeline import Clock, Pipeline, SessionInterrupted
from mockprep.practice.ui import (
    COMPLETED,
    ENDED_EARLY,
    INTERRUPTED,
    AnswerNotStored,
    MockAnswer,
    MockReport,
    MockUI,
    Progress,
    filter_options,
    interrupt_signal,
)
from mockprep.practice.unstored import refused_as_unstored

if TYPE_CHECKING:
    from mockprep.core.card_actions import UndoneReview
    from mockprep.core.grading import Grader
    from mockprep.core.llm_interviewer import FollowUp
    from mockprep.core.questions import QuestionSpec
    from mockprep.db.store import Store
    from mockprep.practice.voice import SpokenAnswer, Voice


class PendingFollowUp(Protocol):
    model: str
    note: str | None  # why there is no follow-up, once :meth:`result` has returned None

    def done(self) -> bool: ...

    def left(self) -> float: ...

    def result(self) -> FollowUp | None:
        """The follow-up, waiting no longer than the interviewer's timeout; None when there is none."""


class Interviewer(Protocol):
    """Writes a follow-up question from what the person said (a model, off the main thread)."""

    def start(self, spec: QuestionSpec, answer: str) -> PendingFollowUp: ...


class MockPlanError(ValueError):
    """A round cannot be planned (e.g. too few minutes for a single question)."""


@dataclass(frozen=True)
class MockOptions:
    minutes: float | None = None  # None: the round's usual length
    time_limit: float | None = None  # seconds for every question (--time-limit)
    timer: bool = True
    filter: QuestionFilter = QuestionFilter()  # --bank, --topic, --role narrow what a round draws


class MockRound:
    """One mock round against a store; see :meth:`run`."""

    def __init__(
        self,
        store: Store,
        ui: MockUI,
        clock: Clock,
        rng: random.Random,
        round: str,
        options: MockOptions = MockOptions(),
        settings: Settings = DEFAULT_SETTINGS,
        grader: Grader | None = None,
        voice: Voice | None = None,
        interviewer: Interviewer | None = None,
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.rng = rng
        self.round = round
        self.options = options
        self.settings = settings
        self.minutes = options.minutes if options.minutes is not None else settings.mock_minutes[round]
        self.pipeline = Pipeline(store, ui, clock, settings, grader, voice=voice)
        self.interviewer = interviewer
        self._records = {}
        # Seconds the round's clock runs ahead of the wall clock: a spoken answer takes the round the
        # time its recording lasts (a file's length; a live take to its stop), not the time spent
        # transcribing it, so a round rehearsed from --audio files runs out of time as a spoken one would;
        # and the round's clock stops while mockprep waits for a model's follow-up (a slow model is
        # mockprep's delay, not the candidate's). Its time budget only: the card's total is the wall
        # clock, the one history and --rate show
        self._clock_shift = 0.0

    def _order(self) -> list[Candidate]:
        """Every question the round may ask, in the order it asks them (raise when none matches)."""
        first = OPENING_TOPIC if self.round == "project" else None
        return self._one_coding(spread_order(self._candidates(), self.rng, first))

    def _candidates(self) -> list[Candidate]:
        """Every question the round may ask, in no order (raise when none matches)."""
        candidates = []
        for record, studied in self.store.cards.mock_candidates(
            self.round, self.options.filter, self.clock()
        ):
            spec = record.question.spec
            self._records[record.id] = record
            limit = time_limit(self.settings, self.round, spec.time_limit_seconds, self.options.time_limit)
            group = group_of(self.round, record.question.topic, spec.competencies)
            follows = bool(spec.follow_ups) or self._interviews(spec)
            candidates.append(Candidate(record.id, group, limit, follows, studied))
        if not candidates:
            raise MockPlanError(no_match(self.round, self.options.filter))
        return candidates

    def _one_coding(self, order: list[Candidate]) -> list[Candidate]:
        """At most one coding question a round (as in an interview loop), and only one that can run
        here (its requirements installed)."""
        kept, coding = [], False
        for candidate in order:
            record = self._records[candidate.question_id]
            if kind_of(record.question.spec).runs_code:
                if coding or self.pipeline.unavailable(record) is not None:
                    continue
                coding = True
            kept.append(candidate)
        return kept

    def _interviews(self, spec: QuestionSpec) -> bool:
        """Whether the interviewer writes this question's follow-up (open questions: an auto-graded
        answer is a letter or a number, too little to probe)."""
        return self.interviewer is not None and kind_of(spec).auto_grade is None

    def _cost(self, candidate: Candidate) -> float:
        return question_cost(
            candidate,
            follow_up_seconds=self.settings.follow_up_seconds,
            transition_seconds=self.settings.transition_seconds,
        )

    def _time_stop(self, order: list[Candidate], left: float) -> TimeStop:
        shortest = min(order, key=self._cost)
        key = self._records[shortest.question_id].question.key
        follow_up = ", its follow-up" if shortest.has_follow_up else ""
        basis = f"its time limit{follow_up} and the pause between questions"
        return TimeStop(left, key, self._cost(shortest), basis, len(order))

    def too_short(self) -> TimeStop | None:
        """What the shortest question takes when not one fits the round's minutes (None: one does); its
        order is not drawn (whether one fits does not depend on it)."""
        candidates = self._one_coding(self._candidates())
        return (
            None
            if fitting([self._cost(c) for c in candidates], self.minutes * 60)
            else self._no_fit(candidates)
        )

    def _no_fit(self, order: list[Candidate]) -> TimeStop:
        return self._time_stop(order, self.minutes * 60)

    def run(self) -> MockReport:
        """Run the round. Raise :class:`MockPlanError` when no question fits its minutes.

        The round asks, in its order, the first question that fits in the time left — the rule the
        planned count shown at the start is worked out by — so an answer quicker than its limit leaves
        room for more questions, and the report says why the round stopped with time left.
        """
        start = self.clock()
        self.store.sessions.recover(process_alive)
        order = self._order()
        budget = self.minutes * 60
        planned = len(fitting([self._cost(c) for c in order], budget))
        if not planned:
            raise MockPlanError(
                f"{no_fit_text(self.round, self.minutes, self._no_fit(order))}; use more --minutes"
            )
        session_id = self.store.sessions.start(
            "mock", self.options.filter.to_dict(), start, os.getpid(), round=self.round, minutes=self.minutes
        )
        report = MockReport(session_id, self.round, COMPLETED, planned, self.minutes)
        report.roles, report.banks = self.options.filter.roles, self.options.filter.banks
        unstored: AnswerNotStored | None = None
        try:
            self.ui.show_mock_intro(self.round, self.minutes, planned)  # (a closed pipe here ends the round)
            if self._ask_all(report, order, self.clock(), budget):  # the clock runs from the first question
                if not self._rate_all(report):
                    report.status = ENDED_EARLY
            else:
                report.status = ENDED_EARLY
                self._rate_all(report)  # the answers given are still revealed and rated
        except (KeyboardInterrupt, SessionInterrupted) as exc:
            report.status, report.signal = INTERRUPTED, interrupt_signal(exc)
        except AnswerNotStored as exc:  # (a full disk): the card first, then the caller keeps it
            report.status, report.unstored, unstored = INTERRUPTED, exc, exc
        except BaseException:
            report.status = INTERRUPTED  # cut short by an error (a closed terminal's, say), not completed
            raise
        finally:
            with self.store.uninterrupted():  # all of the closing happens, a signal meanwhile waits
                end = self.clock()
                try:
                    self.store.sessions.end(session_id, report.status, end)
                    if not report.answers:
                        self.store.sessions.discard_if_empty(session_id)
                except Exception:  # refused too: a later command marks it interrupted (its process gone)
                    if unstored is None:
                        raise
                report.seconds = (end - start).total_seconds()  # as history and --rate say
                settle_mock(report, self.pipeline.undone)
        try:
            self.ui.show_mock_report(report)
        finally:
            if unstored is not None:
                raise unstored
        return report

    def _ask_all(self, report: MockReport, order: list[Candidate], start: datetime, budget: float) -> bool:
        """Ask while a question fits in the time left, up to twice the planned count (answers given in
        seconds asked 201 questions of an 8-question round); False when the person quits."""
        most = 2 * (report.planned or 0) + 2
        while order and len(report.answers) < most:
            if (voice := self.pipeline.voice) is not None and voice.used_up():  # (before the next header)
                if voice.bad_file is None:  # (a file with no words has said so itself)
                    self.ui.notice("The recordings given with --audio are used up.")
                return False
            left = budget - (self.clock() - start).total_seconds() - self._clock_shift
            index = first_fitting((self._cost(c) for c in order), left)
            if index is None:
                report.time_stop = self._time_stop(order, left)
                return True
            candidate = order.pop(index)
            after = len(fitting([self._cost(c) for c in order], left - self._cost(candidate)))
            after = min(after, most - len(report.answers) - 1)  # (within the round's cap too)
            progress = Progress(len(report.answers) + 1, after, round_left=left)
            if self._ask(report, progress, candidate) is None:
                return False
        return True

    def _ask(self, report: MockReport, progress: Progress, candidate: Candidate) -> MockAnswer | None:
        record = self._records[candidate.question_id]
        limit = candidate.limit if self.options.timer else None
        position = progress.number
        shown = self.clock()
        try:
            attempt = self.pipeline.ask(record, lambda _now: progress, limit)
        except BaseException:  # Ctrl-C, a signal or a closed terminal's error
            self._keep(report, position)  # what was typed so far, to rate later
            raise
        if attempt is None:  # quit: a code answer quit after a run is kept, rated after the round
            self._keep(report, position)
            return None
        if attempt.delivery is not None:  # spoken: the round counts the answer's own time
            self._clock_shift += attempt.timing.seconds - (self.clock() - shown).total_seconds()
        elif attempt.timing.overtime > 0:  # as a session's reveal would (a spoken one's delivery says it)
            self.ui.notice(attempt.timing.over_text())
        spec = record.question.spec
        last = self.store.sessions.last_follow_up(record.id) if len(spec.follow_ups) > 1 else None
        follow_up = choose_follow_up(spec.follow_ups, last, self.rng)
        pending = None
        if self.interviewer is not None and self._interviews(spec) and attempt.answer.strip():
            pending = self.interviewer.start(spec, attempt.answer)
        # Stored before the follow-up is asked, so an interruption there keeps the answer; a signal while
        # the write waits for another writer waits for it (uninterrupted)
        with self.store.uninterrupted(), refused_as_unstored(self.store, attempt, None, report.session_id):
            mock_answer_id = self.store.sessions.add_mock_answer(
                attempt.mock_answer(report.session_id, position, follow_up)
            )
            result = MockAnswer(mock_answer_id, replace(attempt, session_id=report.session_id), follow_up)
            report.answers.append(result)
        if self.pipeline.voice is not None:
            self.pipeline.voice.stored()
        if pending is not None:
            result.follow_up = self._written_follow_up(pending, mock_answer_id) or follow_up
        if result.follow_up is not None and not self._ask_follow_up(result):
            return None  # q at the follow-up ends the round as at an answer (the answer is kept)
        return result

    def _keep(self, report: MockReport, position: int) -> None:
        """Store the answer the pipeline kept when it was cut short or quit (if any), to rate later."""
        if (cut := self.pipeline.cut_short) is not None:
            with self.store.uninterrupted(), refused_as_unstored(self.store, cut, None, report.session_id):
                kept = self.store.sessions.add_mock_answer(cut.mock_answer(report.session_id, position))
                report.answers.append(MockAnswer(kept, cut, None))

    def _ask_follow_up(self, result: MockAnswer) -> bool:
        """Ask the follow-up against its own limit and store the reply with how long it took; False
        when the person quits instead (q or Ctrl-D: no reply is stored)."""
        assert result.follow_up is not None
        asked = self.clock()
        limit = self.settings.follow_up_seconds if self.options.timer else None
        countdown = self.pipeline.countdown(limit, asked)
        self.ui.show_follow_up(result.follow_up, countdown)
        try:
            reply = self.pipeline.read_follow_up(countdown, result.attempt.record.question.key)
        except BaseException:  # Ctrl-C, a signal or a closed terminal's error
            so_far = self.pipeline.reply_so_far or getattr(self.ui, "answer_so_far", lambda: "")()
            if so_far.strip():  # the reply typed so far is kept with the answer, and its time so far
                timing = AnswerTiming((self.clock() - asked).total_seconds(), limit)
                self._store_reply(result, so_far, timing)
            raise
        if reply is None:  # the person quit, or the --audio files ran out (the round says so next)
            voice = self.pipeline.voice
            return voice is not None and voice.used_up()
        seconds = (self.clock() - asked).total_seconds()
        if not isinstance(reply, str):  # spoken: the reply's own time
            self._clock_shift += spoken_seconds(reply, asked) - seconds
            seconds = spoken_seconds(reply, asked)
        text = reply if isinstance(reply, str) else reply.transcript.text
        self._store_reply(result, text, AnswerTiming(seconds, limit))
        return True

    def _store_reply(self, result: MockAnswer, reply: str, timing: AnswerTiming) -> None:
        replied = replace(result.attempt, follow_up=(result.follow_up or "", reply))  # (kept together)
        session_id = result.attempt.session_id
        with self.store.uninterrupted(), refused_as_unstored(self.store, replied, None, session_id, "reply"):
            self.store.sessions.set_follow_up_answer(
                result.mock_answer_id, reply, timing.duration_ms, timing.limit_ms
            )
        # (after the write: a reply the database refused is no row of the report card, as history has it)
        result.follow_up_answer, result.follow_up_timing = reply, timing
        if self.pipeline.voice is not None:
            self.pipeline.voice.stored()

    def _written_follow_up(self, pending: PendingFollowUp, mock_answer_id: int) -> str | None:
        """The interviewer's follow-up, stored in place of the bank's; None (with a notice) without one.
        The round's clock stops while mockprep waits for it (the model's time is not the candidate's,
        as a model's grading is waited for after the round, off its clock)."""
        waiting = self.clock()
        if not pending.done():
            self.ui.notice(
                f"The interviewer ({pending.model}) is thinking about your answer; the round's clock waits…"
            )
        written = pending.result()
        self._clock_shift -= (self.clock() - waiting).total_seconds()
        if written is None:
            if pending.note:
                self.ui.notice(pending.note)
            return None
        self.store.sessions.set_follow_up(mock_answer_id, written.text, pending.model)
        return written.text

    def _rate_all(self, report: MockReport) -> bool:
        """After the round: reveal each model answer and take its rating (feeds the scheduler).
        False when the person quits before every answer is rated."""
        if report.answers:
            self.ui.notice("The round is over. Now the model answers: rate each of your answers.")
        return rate_answers(self.pipeline, report)


def spoken_seconds(spoken: SpokenAnswer, asked: datetime) -> float:
    """How long a spoken reply took: a file its length, a live take from ``asked`` to its stop."""
    stopped = spoken.clip.stopped_at
    if spoken.clip.live and stopped is not None:
        return max(0.0, (stopped - asked).total_seconds())
    return spoken.transcript.seconds


def no_match(round: str, flt: QuestionFilter) -> str:
    """Why a round has nothing to ask (``round`` empty: no round has)."""
    what = f"no {round} question" if round else "no question of any round"
    if flt.to_dict():
        return f"{what} matches {filter_options(flt)}"
    return f"{what} is available (see mockprep bank list)"


def run_loop(
    store: Store,
    ui: MockUI,
    clock: Clock,
    rng: random.Random,
    rounds: Sequence[str] = ROUND_ORDER,
    options: MockOptions = MockOptions(),
    settings: Settings = DEFAULT_SETTINGS,
    grader: Grader | None = None,
    voice: Voice | None = None,
    interviewer: Interviewer | None = None,
) -> list[MockReport]:
    """The rounds in a row, with a break prompt between them; stops early when the person quits or
    on an interruption. In a loop, a round that no question matches (the filter) is skipped."""
    reports: list[MockReport] = []
    matching = [r for r in rounds if len(rounds) == 1 or store.cards.mock_candidates(r, options.filter)]
    if not matching:
        raise MockPlanError(no_match("", options.filter))
    for skipped in (r for r in rounds if r not in matching):
        ui.notice(f"{no_match(skipped, options.filter).capitalize()}: that round is skipped.")

    def round_of(round: str) -> MockRound:  # (each made as it starts: its scheduler weights are read then)
        return MockRound(store, ui, clock, rng, round, options, settings, grader, voice, interviewer)

    if len(rounds) > 1:  # a round of a loop too short for its minutes is left out, said before any starts
        matching = _rounds_that_fit({r: round_of(r) for r in matching}, ui)
    for index, round in enumerate(matching):
        if index and not ui.ask_break(round):
            break
        try:
            report = round_of(round).run()
        except MockPlanError as exc:  # (its questions changed meanwhile): rounds are done, so go on
            if not reports:
                raise
            ui.notice(f"{str(exc)[0].upper()}{str(exc)[1:]}. That round is skipped.")
            continue
        reports.append(report)
        if report.status != COMPLETED:
            break
    return reports


def no_fit_text(round: str, minutes: float, stop: TimeStop) -> str:
    """That not one question of ``round`` fits its minutes, and what the shortest takes."""
    said = f"{minutes:g} {'minute' if minutes == 1 else 'minutes'}"
    needs = format_duration(stop.needs)
    return f"no {round} question fits in {said}: the shortest, {stop.key}, takes {needs} ({stop.basis})"


def _rounds_that_fit(runs: dict[str, MockRound], ui: MockUI) -> list[str]:
    """The loop's rounds in which a question fits the minutes, each other one said to be skipped; when
    none does, MockPlanError (before any round starts) naming the shortest question of them all."""
    stops = {round: run.too_short() for round, run in runs.items()}
    fit = [round for round, stop in stops.items() if stop is None]
    if not fit:
        shortest = min(runs, key=lambda round: stops[round].needs)  # type: ignore[union-attr]
        said = no_fit_text(shortest, runs[shortest].minutes, stops[shortest])  # type: ignore[arg-type]
        raise MockPlanError(f"{said}, nor does one of any other round; use more --minutes")
    for round, stop in stops.items():
        if stop is not None:
            said = no_fit_text(round, runs[round].minutes, stop)
            ui.notice(f"{said[0].upper()}{said[1:]}: that round is skipped (more --minutes would hold it).")
    return fit


def settle_mock(report: MockReport, undone: list[UndoneReview]) -> None:
    """Mark the mock answers whose rating was undone during the round (``undone``) as unrated again."""
    taken_back = {u.mock_answer_id for u in undone if u.session_id == report.session_id}
    for answer in report.answers:
        if answer.mock_answer_id in taken_back:
            answer.rating, answer.covered = None, None  # (the card shows the grader's count again)
