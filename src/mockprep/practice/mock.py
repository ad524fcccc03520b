"""Mock interview rounds: a timed round like the real one, model answers only at the end.

A round draws questions that cover different topics (technical, project) or competencies
(behavioral), asks each against its time limit with the bank's follow-up, stores every answer the
moment it is given, and after the round reveals the model answers, takes a rating for each (which
feeds the scheduler like any session) and shows a report card. Only what differs from a drill is
here; the shared steps are in :mod:`mockprep.practice.pipeline`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockprep.core.records import MockAnswerRecord
from mockprep.core.rounds import ROUND_ORDER, Candidate, draw_questions, group_of
from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.core.timer import time_limit
from mockprep.core.wording import plural
from mockprep.practice.pipeline import Clock, Pipeline, SessionInterrupted, process_alive
from mockprep.practice.ui import MockAnswer, MockReport, MockUI, Progress

if TYPE_CHECKING:
    from mockprep.core.grading import Grader
    from mockprep.db.store import Store


class MockPlanError(ValueError):
    """A round cannot be planned (e.g. too few minutes for a single question)."""


@dataclass(frozen=True)
class MockOptions:
    minutes: float | None = None  # None: the round's usual length
    time_limit: float | None = None  # seconds for every question (--time-limit)
    timer: bool = True


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
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.rng = rng
        self.round = round
        self.options = options
        self.settings = settings
        self.minutes = options.minutes if options.minutes is not None else settings.mock_minutes[round]
        self.pipeline = Pipeline(store, ui, clock, settings, grader)
        self._records = {}

    def _plan(self) -> list[Candidate]:
        candidates = []
        for record, studied in self.store.cards.mock_candidates(self.round):
            spec = record.question.spec
            self._records[record.id] = record
            limit = time_limit(self.settings, self.round, spec.time_limit_seconds, self.options.time_limit)
            group = group_of(self.round, record.question.topic, spec.competencies)
            candidates.append(Candidate(record.id, group, limit, bool(spec.follow_ups), studied))
        first = "summary" if self.round == "project" else None
        return draw_questions(
            candidates,
            self.minutes * 60,
            self.rng,
            follow_up_seconds=self.settings.follow_up_seconds,
            transition_seconds=self.settings.transition_seconds,
            first_group=first,
        )

    def run(self) -> MockReport:
        """Run the round. Raise :class:`MockPlanError` when no question fits its minutes."""
        start = self.clock()
        self.store.sessions.recover(process_alive)
        plan = self._plan()
        if not plan:
            raise MockPlanError(
                f"no {self.round} question fits in {plural(self.minutes, 'minute')} "
                "(with its follow-up); use more --minutes"
            )
        session_id = self.store.sessions.start(
            "mock", {}, start, os.getpid(), round=self.round, minutes=self.minutes
        )
        report = MockReport(session_id, self.round, "completed", len(plan), self.minutes)
        self.ui.show_mock_intro(self.round, self.minutes, len(plan))
        try:
            for position, candidate in enumerate(plan, start=1):
                if (self.clock() - start).total_seconds() >= self.minutes * 60:
                    report.stopped_by_time = True
                    break
                if self._ask(report, position, candidate, len(plan)) is None:
                    break
            self._rate_all(report)
        except (KeyboardInterrupt, SessionInterrupted):
            report.status = "interrupted"
        finally:
            end = self.clock()
            self.store.sessions.end(session_id, report.status, end)
            if not report.answers:
                self.store.sessions.discard_if_empty(session_id)
            report.seconds = (end - start).total_seconds()
        self.ui.show_mock_report(report)
        return report

    def _ask(self, report: MockReport, position: int, candidate: Candidate, total: int) -> MockAnswer | None:
        record = self._records[candidate.question_id]
        limit = candidate.limit if self.options.timer else None
        attempt = self.pipeline.ask(record, lambda _now: Progress(position, total - position), limit)
        if attempt is None:
            return None
        spec = record.question.spec
        follow_up = spec.follow_ups[0] if spec.follow_ups else None
        # Stored before the follow-up is asked, so an interruption there keeps the answer.
        mock_answer_id = self.store.sessions.add_mock_answer(
            MockAnswerRecord(
                report.session_id,
                record.id,
                position,
                attempt.answered_at,
                attempt.answer,
                attempt.timing.duration_ms,
                attempt.timing.limit_ms,
                attempt.assessment.coverage,
                follow_up,
            )
        )
        result = MockAnswer(mock_answer_id, attempt, follow_up)
        report.answers.append(result)
        if follow_up is not None:
            asked = self.clock()
            seconds = self.settings.follow_up_seconds
            countdown = self.pipeline.countdown(seconds if self.options.timer else None, asked)
            self.ui.show_follow_up(follow_up, countdown)
            result.follow_up_answer = self.ui.read_answer(countdown) or ""
            self.store.sessions.set_follow_up_answer(mock_answer_id, result.follow_up_answer)
        return result

    def _rate_all(self, report: MockReport) -> None:
        """After the round: reveal each model answer and take its rating (feeds the scheduler)."""
        if report.answers:
            self.ui.notice("The round is over. Now the model answers: rate each of your answers.")
        for answer in report.answers:
            rating = self.pipeline.rate(answer.attempt, report.session_id, answer.mock_answer_id)
            if rating is None:
                return
            answer.rating = int(rating)


def run_loop(
    store: Store,
    ui: MockUI,
    clock: Clock,
    rng: random.Random,
    rounds: Sequence[str] = ROUND_ORDER,
    options: MockOptions = MockOptions(),
    settings: Settings = DEFAULT_SETTINGS,
    grader: Grader | None = None,
) -> list[MockReport]:
    """The rounds in a row, with a break prompt between them; stops early on an interruption."""
    reports: list[MockReport] = []
    for index, round in enumerate(rounds):
        if index and not ui.ask_break(round):
            break
        report = MockRound(store, ui, clock, rng, round, options, settings, grader).run()
        reports.append(report)
        if report.status == "interrupted":
            break
    return reports
