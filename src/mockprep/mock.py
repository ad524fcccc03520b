"""Mock interview rounds: a timed round like the real one, model answers only at the end.

A round draws questions that cover different topics (technical, project) or competencies
(behavioral), asks each against its time limit with the bank's follow-up, stores every answer the
moment it is given, and after the round reveals the model answers, takes a rating for each (which
feeds the scheduler like any session) and shows a report card.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from fsrs import Rating

from mockprep.durations import parse_duration
from mockprep.grading import auto_grade, key_point_coverage, suggest_rating
from mockprep.scheduler import card_state, make_scheduler, preview_intervals, review
from mockprep.scoring import answer_points, session_score
from mockprep.session import (
    AnswerTiming,
    Clock,
    Progress,
    SessionInterrupted,
    SessionUI,
    offer_stories,
    process_alive,
)
from mockprep.timer import Countdown, time_limit

if TYPE_CHECKING:
    from mockprep.storage import QuestionRecord, Store

ROUND_MINUTES = {"technical": 45.0, "project": 30.0, "behavioral": 30.0}
ROUND_ORDER = ("technical", "project", "behavioral")
FOLLOW_UP_SECONDS = 90.0
# Between questions an interviewer talks too: plan for this much time per question on top of its limit.
TRANSITION_SECONDS = 15.0


class MockPlanError(ValueError):
    """A round cannot be planned (e.g. too few minutes for a single question)."""


@dataclass(frozen=True)
class Candidate:
    question_id: int
    group: str  # topic, or primary competency for behavioral questions
    limit: float
    has_follow_up: bool
    due: bool  # already studied and due for review: preferred, as the weakest material


def group_of(round: str, topic: str, competencies: Sequence[str]) -> str:
    return competencies[0] if round == "behavioral" and competencies else topic


def draw_questions(
    candidates: Sequence[Candidate], budget: float, rng: random.Random, first_group: str | None = None
) -> list[Candidate]:
    """Questions for a round: one group at a time in turn (so topics are spread), due ones first
    within a group, until the time limits (plus follow-ups and transitions) fill ``budget`` seconds."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.group, []).append(candidate)
    for members in groups.values():
        rng.shuffle(members)
        members.sort(key=lambda c: not c.due)  # stable: due first, random within each part
    order = sorted(groups)
    rng.shuffle(order)
    if first_group in groups:
        order.remove(first_group)
        order.insert(0, first_group)
    chosen: list[Candidate] = []
    used = 0.0
    while any(groups[g] for g in order):
        for group in order:
            if not groups[group]:
                continue
            candidate = groups[group].pop(0)
            cost = (
                candidate.limit + TRANSITION_SECONDS + (FOLLOW_UP_SECONDS if candidate.has_follow_up else 0)
            )
            if used + cost > budget:
                return chosen
            chosen.append(candidate)
            used += cost
    return chosen


@dataclass
class MockAnswer:
    mock_answer_id: int
    record: QuestionRecord
    answer: str
    timing: AnswerTiming
    coverage: list[bool] | None
    follow_up: str | None = None
    follow_up_answer: str | None = None
    rating: int | None = None


@dataclass
class MockReport:
    session_id: int
    round: str
    status: str  # completed | interrupted
    planned: int
    minutes: float
    answers: list[MockAnswer] = field(default_factory=list)
    seconds: float = 0.0
    stopped_by_time: bool = False

    @property
    def score(self) -> int | None:
        return session_score((a.rating, a.timing.overtime > 0) for a in self.answers if a.rating)

    def weakest_topics(self, count: int = 3) -> list[str]:
        """Topics with the lowest points in this round (unrated answers count as 0)."""
        points: dict[str, list[int]] = {}
        for a in self.answers:
            value = answer_points(a.rating, a.timing.overtime > 0) if a.rating else 0
            points.setdefault(a.record.question.topic, []).append(value)
        ranked = sorted(points, key=lambda topic: (sum(points[topic]) / len(points[topic]), topic))
        return [t for t in ranked if sum(points[t]) / len(points[t]) < 80][:count]


class MockUI(SessionUI, Protocol):
    def show_mock_intro(self, round: str, minutes: float, planned: int) -> None: ...

    def show_follow_up(self, text: str, countdown: Countdown | None) -> None: ...

    def show_mock_report(self, report: MockReport) -> None: ...

    def ask_break(self, next_round: str) -> bool:
        """Between rounds of a loop: True to go on."""


class MockRound:
    """One mock round against a store; see :meth:`run`."""

    def __init__(
        self,
        store: Store,
        ui: MockUI,
        clock: Clock,
        rng: random.Random,
        round: str,
        minutes: float | None = None,
        time_limit: float | None = None,
        timer: bool = True,
    ):
        self.store = store
        self.ui = ui
        self.clock = clock
        self.rng = rng
        self.round = round
        self.minutes = minutes if minutes is not None else ROUND_MINUTES[round]
        self.time_limit = time_limit
        self.timer = timer
        self.scheduler = make_scheduler()

    def _plan(self) -> list[Candidate]:
        candidates = []
        for row in self.store.mock_candidates(self.round):
            data = json.loads(row.data)
            own = data.get("time_limit")
            limit = time_limit(self.round, None if own is None else parse_duration(own), self.time_limit)
            due = row.last_review is not None
            candidates.append(
                Candidate(
                    row.id,
                    group_of(self.round, row.topic, json.loads(row.competencies)),
                    limit,
                    bool(data.get("follow_ups")),
                    due,
                )
            )
        first = "summary" if self.round == "project" else None
        return draw_questions(candidates, self.minutes * 60, self.rng, first_group=first)

    def run(self) -> MockReport:
        """Run the round. Raise :class:`MockPlanError` when no question fits its minutes."""
        start = self.clock()
        self.store.recover_sessions(process_alive)
        plan = self._plan()
        if not plan:
            raise MockPlanError(
                f"no {self.round} question fits in {self.minutes:g} minutes "
                "(with its follow-up); use more --minutes"
            )
        session_id = self.store.start_session(
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
            self.store.end_session(session_id, report.status, end)
            if not report.answers:
                self.store.discard_empty_session(session_id)
            report.seconds = (end - start).total_seconds()
        self.ui.show_mock_report(report)
        return report

    def _ask(self, report: MockReport, position: int, candidate: Candidate, total: int) -> MockAnswer | None:
        record = self.store.question(candidate.question_id)
        spec = record.question.spec
        limit = candidate.limit if self.timer else None
        shown = self.clock()
        countdown = Countdown(limit, shown) if limit is not None else None
        self.ui.show_question(record, Progress(position, total - position), countdown)
        answer = self.ui.read_answer(countdown)
        if answer is None:
            return None
        answered = self.clock()
        timing = AnswerTiming((answered - shown).total_seconds(), limit)
        follow_up = spec.follow_ups[0] if spec.follow_ups else None
        coverage = None if spec.kind != "open" else key_point_coverage(spec.key_points, answer)
        # Stored before the follow-up is asked, so an interruption there keeps the answer.
        mock_answer_id = self.store.add_mock_answer(
            report.session_id,
            record.id,
            position,
            answered,
            answer,
            round(timing.seconds * 1000),
            None if limit is None else round(limit * 1000),
            coverage or [],
            follow_up,
        )
        result = MockAnswer(mock_answer_id, record, answer, timing, coverage, follow_up)
        report.answers.append(result)
        if follow_up is not None:
            asked = self.clock()
            follow_countdown = Countdown(FOLLOW_UP_SECONDS, asked) if self.timer else None
            self.ui.show_follow_up(follow_up, follow_countdown)
            result.follow_up_answer = self.ui.read_answer(follow_countdown) or ""
            self.store.set_follow_up_answer(mock_answer_id, result.follow_up_answer)
        return result

    def _rate_all(self, report: MockReport) -> None:
        """After the round: reveal each model answer and take its rating (feeds the scheduler)."""
        if report.answers:
            self.ui.notice("The round is over. Now the model answers: rate each of your answers.")
        for answer in report.answers:
            spec = answer.record.question.spec
            grade = auto_grade(spec, answer.answer)
            if grade is not None:
                suggested = Rating.Good if grade.correct else Rating.Again
            else:
                suggested = Rating(suggest_rating(answer.coverage or [], answer.timing.overtime > 0))
            self.ui.show_reveal(answer.record, answer.answer, grade, answer.timing, answer.coverage)
            now = self.clock()
            card = self.store.card(answer.record.id)
            rating = self.ui.read_rating(preview_intervals(self.scheduler, card, now), suggested)
            if rating is None:
                return
            rated_at = self.clock()
            self.store.record_review(
                answer.record.id,
                report.session_id,
                review(self.scheduler, card, rating, rated_at),
                rated_at,
                int(rating),
                int(card_state(card)),
                answer.answer,
                round(answer.timing.seconds * 1000),
                time_limit_ms=None if answer.timing.limit is None else round(answer.timing.limit * 1000),
                coverage=answer.coverage,
                suggested=int(suggested),
                mock_answer_id=answer.mock_answer_id,
            )
            answer.rating = int(rating)
            offer_stories(self.store, self.ui, answer.record, rated_at)


def run_loop(
    store: Store,
    ui: MockUI,
    clock: Clock,
    rng: random.Random,
    rounds: Sequence[str] = ROUND_ORDER,
    **options: object,
) -> list[MockReport]:
    """The three rounds in a row, with a break prompt between them; stops early on an interruption."""
    reports: list[MockReport] = []
    for index, round in enumerate(rounds):
        if index and not ui.ask_break(round):
            break
        report = MockRound(store, ui, clock, rng, round, **options).run()  # type: ignore[arg-type]
        reports.append(report)
        if report.status == "interrupted":
            break
    return reports
