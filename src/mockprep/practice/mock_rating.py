"""Rating a mock round's answers: after the round, and later for those left unrated.

After a round the model answers are revealed one by one and each answer rated (the rating feeds the
scheduler like any session's); an answer left unrated (the person quit while rating) is rated later by
:func:`rate_later`, which rebuilds the round's answers from the database and shows its report card.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.core.timer import AnswerTiming
from mockprep.liveness import process_alive
from mockprep.practice.pipeline import Clock, Pipeline, SessionInterrupted
from mockprep.practice.ui import AnswerNotStored, Attempt, MockAnswer, MockReport, MockUI, interrupt_signal

if TYPE_CHECKING:
    from mockprep.core.grading import Grader
    from mockprep.core.records import StoredMockAnswer
    from mockprep.db.store import Store


class MockRateError(ValueError):
    """A session cannot be rated later (unknown, not a mock, still running)."""


def rate_answers(pipeline: Pipeline, report: MockReport) -> bool:
    """Reveal and rate the report's unrated answers in order; False when the person quits."""
    for answer in report.answers:
        if answer.rating:
            continue
        answer.attempt = replace(answer.attempt, session_id=report.session_id)
        if answer.follow_up is not None:  # shown with the answer, and not offered again as "next"
            answer.attempt = replace(
                answer.attempt, follow_up=(answer.follow_up, answer.follow_up_answer or "")
            )
        answer.attempt = pipeline.reveal(answer.attempt)
        rating = pipeline.rate(answer.attempt, report.session_id, answer.mock_answer_id)
        if rating is None:
            return False
        answer.rating = int(rating)
        if pipeline.confirmed is not None:  # the report card counts what the person ticked
            answer.covered = [verdict == "covered" for verdict in pipeline.confirmed]
    return True


def rate_later(
    store: Store,
    ui: MockUI,
    clock: Clock,
    session_id: int,
    settings: Settings = DEFAULT_SETTINGS,
    grader: Grader | None = None,
) -> MockReport:
    """Rate the answers of mock ``session_id`` that were left unrated, then show its report card.

    Raise :class:`MockRateError` when the session is unknown, is not a mock, or still runs.
    """
    store.sessions.recover(process_alive)
    info = store.sessions.get(session_id) if 0 < session_id < 2**63 else None
    if info is None:
        raise MockRateError(f"no session with id {session_id} (see mockprep history)")
    if info.kind != "mock":
        raise MockRateError(
            f"session {session_id} is a practice session, not a mock: its answers were rated as given"
        )
    if info.status == "running":
        raise MockRateError(f"mock {session_id} is still running; rate its answers when it has ended")
    pipeline = Pipeline(store, ui, clock, settings, grader)
    stored = store.sessions.mock_answers(session_id)
    minutes = info.minutes if info.minutes is not None else settings.mock_minutes.get(info.round or "", 0)
    report = MockReport(session_id, info.round or "", info.status, None, minutes)  # (planned: not kept)
    report.roles = tuple(str(r) for r in info.filters.get("roles", ()))
    report.banks = tuple(str(b) for b in info.filters.get("banks", ()))
    report.answers = [_stored_answer(store, pipeline, s) for s in stored]
    if info.ended_at is not None:
        report.seconds = (info.ended_at - info.started_at).total_seconds()
    if report.unrated:
        answers = "answer" if len(stored) == 1 else "answers"
        ui.notice(
            f"Mock {session_id} ({report.round}): {report.unrated} of {len(stored)} {answers} not rated yet."
            " Rate each against the model answer."
        )
        try:
            rate_answers(pipeline, report)
        except (KeyboardInterrupt, SessionInterrupted) as exc:
            report.signal = interrupt_signal(exc)  # every rating given is stored; the rest stay unrated
        except AnswerNotStored as exc:  # (a full disk): the card first, then the caller keeps the rating
            report.unstored = exc
    else:
        ui.notice(f"Every answer of mock {session_id} is rated already.")
    ui.show_mock_report(report)
    if report.unstored is not None:
        raise report.unstored
    return report


def _stored_answer(store: Store, pipeline: Pipeline, stored: StoredMockAnswer) -> MockAnswer:
    """A stored mock answer as the round had it: the question, the timing and the assessment again."""
    a = stored.answer
    record = store.banks.question(a.question_id)
    limit = None if a.time_limit_ms is None else a.time_limit_ms / 1000
    timing = AnswerTiming(a.duration_ms / 1000, limit)
    assessment = pipeline.grader.assess(record.question.spec, a.answer, timing.overtime > 0)
    # A code answer is run again to show its tests; it keeps the runs it had in the round.
    runs = (a.code_runs or 1) if assessment.code is not None else 0
    attempt = Attempt(record, a.answer, timing, assessment, a.answered_at, runs, a.delivery)
    # a rated answer's card shows the key points its rating rests on (the checklist confirmed), not the
    # grader's count again
    answer = MockAnswer(
        stored.id, attempt, a.follow_up, stored.follow_up_answer, stored.rating, covered=stored.covered
    )
    if stored.follow_up_ms is not None:
        reply_limit = None if stored.follow_up_limit_ms is None else stored.follow_up_limit_ms / 1000
        answer.follow_up_timing = AnswerTiming(stored.follow_up_ms / 1000, reply_limit)
    return answer
