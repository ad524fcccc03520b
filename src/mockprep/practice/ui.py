"""What the practice flows show and ask, as protocols, and the plain results they hand to a UI.

The terminal implements these (:mod:`mockprep.terminal.practice`); the tests implement them with a
script. Nothing here touches the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from mockprep.core.questions import QuestionFilter
from mockprep.core.scoring import answer_points, session_score

if TYPE_CHECKING:
    from pathlib import Path

    from fsrs import Rating

    from mockprep.core.card_actions import CardAction
    from mockprep.core.code_results import CodeRun
    from mockprep.core.delivery import Delivery
    from mockprep.core.grading import Assessment, Verdict
    from mockprep.core.questions import QuestionRecord
    from mockprep.core.records import MockAnswerRecord, StoryOption
    from mockprep.core.telling import Telling
    from mockprep.core.timer import AnswerTiming, Countdown, TimeStop
    from mockprep.practice.voice import SpokenAnswer


@dataclass(frozen=True)
class Progress:
    number: int  # 1-based position of this question in the session
    remaining: int  # questions still waiting after this one (an estimate: ratings change it)
    round_left: float | None = None  # a mock's: seconds of the round left when the question is shown
    # what keeps questions that still wait from following this one: "time" (the minutes planned) or
    # "limit" (--limit); None when ``remaining`` counts every one that waits
    held_back: str | None = None


def filter_options(flt: QuestionFilter) -> str:
    """The filter as the options that choose it, for a command to suggest: ``--bank my-rl --topic rl``."""
    chosen = flt.to_dict().items()
    return " ".join(f"--{name.removesuffix('s')} {value}" for name, values in chosen for value in values)


# What the person does after a run of their code: submit it as their answer, or edit it and run again.
SUBMIT, EDIT = "submit", "edit"

# How a session or mock ended (stored as the session's status): it ran its course, the person quit
# (q or Ctrl-D), or Ctrl-C or a signal stopped it. A drill that finds nothing to ask is "empty".
COMPLETED, ENDED_EARLY, INTERRUPTED, EMPTY = "completed", "ended_early", "interrupted", "empty"


def interrupt_signal(exc: BaseException) -> int:
    """The signal behind an interruption: a SessionInterrupted carries its number, Ctrl-C is SIGINT."""
    import signal

    return int(exc.args[0]) if exc.args and isinstance(exc.args[0], int) else int(signal.SIGINT)


@dataclass(frozen=True)
class Attempt:
    """One answered question: what was typed (or said), how long it took, what the grader made of it,
    and for a spoken answer how it was delivered."""

    record: QuestionRecord
    answer: str
    timing: AnswerTiming
    assessment: Assessment
    answered_at: datetime
    runs: int = 0  # a code answer: how many times it was run against the tests
    delivery: Delivery | None = None
    follow_up: tuple[str, str] | None = None  # a mock's: the follow-up asked and the reply, for the reveal
    session_id: int | None = None  # a mock's: its session, for the reveal to name where a cut answer is whole
    telling: Telling | None = None  # how long it lasts told aloud, for a question asking for a length

    def told(self) -> Attempt:
        """The attempt with its telling (for a question asking for a length), and the suggestion held
        to what its length allows (:mod:`mockprep.core.telling`)."""
        from dataclasses import replace

        from mockprep.core.telling import held_to, telling_of

        spoken = None if self.delivery is None else self.delivery.speaking_seconds
        telling = telling_of(self.record.question.spec, self.record.question.round, self.answer, spoken)
        return replace(self, telling=telling, assessment=held_to(self.assessment, telling))

    @property
    def code_result(self) -> dict[str, object] | None:
        """A code answer's final run as stored with the review (None: not a run code answer)."""
        run = self.assessment.code
        return None if run is None else run.result().to_dict()

    @property
    def code_runs(self) -> int | None:
        """How many times a code answer was run (None: not a run code answer)."""
        return self.runs if self.assessment.code is not None else None

    def mock_answer(self, session_id: int, position: int, follow_up: str | None = None) -> MockAnswerRecord:
        """The answer as stored before it is rated: a mock's, or one the person quit rating."""
        from mockprep.core.records import MockAnswerRecord

        return MockAnswerRecord(
            session_id,
            self.record.id,
            position,
            self.answered_at,
            self.answer,
            self.timing.duration_ms,
            self.timing.limit_ms,
            self.assessment.coverage,
            follow_up,
            self.delivery,
            code_runs=self.code_runs,
        )


class AnswerNotStored(Exception):
    """An answer the database would not take (a full disk, say), with the rating chosen for it (None:
    none was): it is stored nowhere else, so the caller keeps it where the person gets it back.
    ``cause`` is the database's error. ``part``: what was refused, "answer" (all of it), "reply" (a
    mock's reply to its follow-up, in ``attempt.follow_up``: the answer is stored) or "rating" (a mock's
    rating: the answer is stored, to rate with ``mock --rate``). ``recording``: the refused answer's
    live take, kept (set by the caller that holds the recordings)."""

    def __init__(
        self,
        attempt: Attempt,
        rating: int | None,
        session_id: int | None,
        cause: Exception,
        part: str = "answer",
    ):
        super().__init__(str(cause))
        self.attempt, self.rating, self.session_id, self.cause = attempt, rating, session_id, cause
        self.part = part
        self.recording: Path | None = None

    @property
    def what(self) -> str:
        """What the database would not take: "your answer to KEY", say."""
        key = self.attempt.record.question.key
        if self.part == "reply":
            return f"your reply to the follow-up on {key}"
        return f"your rating of your answer to {key}" if self.part == "rating" else f"your answer to {key}"


@dataclass
class SessionSummary:
    session_id: int | None
    status: str  # completed | ended_early | interrupted | empty
    answered: int = 0
    ratings: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    due_tomorrow: int = 0  # every question's
    due_tomorrow_selected: int = 0  # ... and the session's selection's
    next_due: datetime | None = None
    stopped_by_limit: bool = False
    time_stop: TimeStop | None = None  # why a planned (--minutes) session stopped with questions waiting
    planned: int | None = None  # questions expected to fit --minutes
    overtime: int = 0  # answers that ran past their limit
    points: list[tuple[int, bool]] = field(default_factory=list)  # (rating, overtime) per answer
    filter: QuestionFilter = QuestionFilter()  # the session's selection (for the commands it suggests)
    new_waiting: int = 0  # new questions of the selection held back by today's limit (or by --new)
    daily_new: int = 0  # that limit, or more when an interview plan's pace set today's figure
    new_by_plan: bool = False  # an interview plan's pace made today's figure higher than the limit
    new_option: int | None = None  # --new, when given (it replaces the daily limit)
    # An empty run whose selection or drill holds nothing at all: "nothing is flagged", say
    nothing: str | None = None
    kept: int = 0  # answers kept unrated (quit at the rating or after a code run, or cut short)
    unstored: str | None = None  # the question whose answer the database would not take (AnswerNotStored)
    signal: int | None = None  # the signal that interrupted it (Ctrl-C: SIGINT): the exit code says so

    @property
    def score(self) -> int | None:
        return session_score(self.points)

    @property
    def stopped_by_time(self) -> bool:
        return self.time_stop is not None


@dataclass
class MockAnswer:
    mock_answer_id: int
    attempt: Attempt
    follow_up: str | None = None
    follow_up_answer: str | None = None
    rating: int | None = None
    covered: list[bool] | None = None  # the key points the person confirmed at the rating, if asked
    follow_up_timing: AnswerTiming | None = None  # how long the reply to the follow-up took, if one came

    @property
    def overtime(self) -> bool:
        """The answer ran past its limit (its points lose 10: the rating is the answer's)."""
        return self.attempt.timing.overtime > 0

    @property
    def follow_up_overtime(self) -> bool:
        """The reply to the follow-up ran past the follow-up's limit (shown and counted as over time)."""
        return self.follow_up_timing is not None and self.follow_up_timing.overtime > 0


@dataclass
class MockReport:
    session_id: int
    round: str
    status: str  # completed | ended_early | interrupted
    planned: int | None  # questions the round planned (None: not kept, for a mock rated later)
    minutes: float
    answers: list[MockAnswer] = field(default_factory=list)
    seconds: float = 0.0
    time_stop: TimeStop | None = None  # why the round stopped with questions left
    signal: int | None = None  # the signal that interrupted the round or its rating (Ctrl-C: SIGINT)
    roles: tuple[str, ...] = ()  # the round's --role and --bank: a drill it suggests keeps to them
    banks: tuple[str, ...] = ()
    unstored: AnswerNotStored | None = None  # what the database would not take (the round then ended)

    @property
    def stopped_by_time(self) -> bool:
        return self.time_stop is not None

    @property
    def unrated(self) -> int:
        """Answers given but not rated (the person quit while rating): `mock --rate ID` rates them."""
        return sum(1 for a in self.answers if not a.rating)

    @property
    def score(self) -> int | None:
        return session_score((a.rating, a.overtime) for a in self.answers if a.rating)

    def weakest_topics(self, count: int = 3) -> list[str]:
        """Topics whose rated answers in this round earned the fewest points, below good's 80 (an
        unrated answer says nothing yet: a round with none rated names none)."""
        points: dict[str, list[int]] = {}
        for a in self.answers:
            if a.rating:
                points.setdefault(a.attempt.record.question.topic, []).append(
                    answer_points(a.rating, a.overtime)
                )
        ranked = sorted(points, key=lambda topic: (sum(points[topic]) / len(points[topic]), topic))
        return [t for t in ranked if sum(points[t]) / len(points[t]) < 80][:count]


class PracticeUI(Protocol):
    """The steps every practice flow shares: ask, read, reveal, rate.

    A UI with ``interactive = True`` (a person at a terminal) is asked to read an answer again when it
    cannot be read; piped input is graded as it is, so scripts keep their line protocol.
    """

    def notice(self, text: str) -> None: ...

    def show_question(
        self, record: QuestionRecord, progress: Progress, countdown: Countdown | None
    ) -> None: ...

    def read_answer(self, countdown: Countdown | None) -> str | None:
        """The typed answer, or None when the person quits. A countdown may be shown while typing."""

    def answer_so_far(self) -> str:
        """What was typed of an answer that Ctrl-C or a signal cut short ("" when nothing was)."""

    def read_code(self, draft: str, countdown: Countdown | None) -> str | None:
        """A code answer, starting from ``draft`` (the starter code, then the last version run); None
        when the person quits."""

    def after_run(self, run: CodeRun, runs: int, countdown: Countdown | None) -> str | None:
        """Show a run of the person's code against the tests; return SUBMIT, EDIT (fix it and run it
        again) or None when the person quits."""

    def show_spoken(self, spoken: SpokenAnswer, limit: float | None, timed: float | None = None) -> None:
        """Show what was heard and how it was delivered, right after a spoken answer; ``timed``: the
        seconds from the question to the stop of a live one (the time its limit counts), else None."""

    def show_reveal(self, attempt: Attempt) -> None:
        """The time taken, the auto-grade, the key points as the grader marked them, the model answer."""

    def show_model_answer(self, attempt: Attempt) -> None:
        """The reveal without the key points: a grader (a model) is still at work on them."""

    def show_key_points(self, attempt: Attempt) -> None:
        """The key points as the grader marked them, once a grader that was still at work is done."""

    def confirm_checklist(self, attempt: Attempt) -> list[Verdict] | None:
        """The key points the person confirms they covered, starting from the grader's; None when they
        quit. A UI that cannot ask returns the grader's proposal unchanged."""

    def read_rating(
        self, intervals: dict[Rating, timedelta], suggested: Rating | None
    ) -> Rating | CardAction | None:
        """The chosen rating, an action on the question (undo, suspend, bury, flag: the pipeline applies
        it and asks again), or None when the person quits."""

    def offer_stories(self, options: list[StoryOption]) -> int | None:
        """Remind the person of their stories; return the id of the one they used, if they say."""


class SessionUI(PracticeUI, Protocol):
    def show_summary(self, summary: SessionSummary, now: datetime) -> None: ...


class MockUI(PracticeUI, Protocol):
    def show_mock_intro(self, round: str, minutes: float, planned: int) -> None: ...

    def show_follow_up(self, text: str, countdown: Countdown | None) -> None: ...

    def show_mock_report(self, report: MockReport) -> None: ...

    def ask_break(self, next_round: str) -> bool:
        """Between rounds of a loop: True to go on."""


class RehearsalUI(Protocol):
    def show_outline(self, lines: list[str]) -> None: ...

    def ready(self, target: float) -> bool:
        """Wait for the person to start telling the story; False to cancel."""

    def finished(self, countdown: Countdown) -> bool:
        """Wait until the person has told it (the countdown runs); False when cancelled."""
