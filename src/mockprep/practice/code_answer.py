"""A code question's answer: written, run against the tests, fixed and run again until the person
submits it, its rating suggested from the last run and the time taken. The clock runs on throughout:
past the limit the answer is over time, as any answer is."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from typing import TYPE_CHECKING

from mockprep.core.code_format import strip_fences
from mockprep.core.code_results import code_rating, first_run_quick
from mockprep.core.timer import AnswerTiming
from mockprep.practice.ui import SUBMIT, Attempt

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from mockprep.core.grading import Assessment, Grader
    from mockprep.core.questions import QuestionRecord
    from mockprep.core.timer import Countdown
    from mockprep.practice.ui import PracticeUI
    from mockprep.practice.voice import Voice


class RunStopped(Exception):
    """Ctrl-C while a person's code runs at a terminal: it stops that run only (the command's signal
    handler raises it where :func:`run_open` says a run may be stopped), not the session."""


class _Run:
    open = False  # a run that Ctrl-C stops on its own is under way (on the main thread)


def run_open() -> bool:
    """Whether Ctrl-C now stops a code run rather than the session."""
    return _Run.open


class CodeAnswer:
    """One code answer being written (:meth:`ask`); what to keep when it does not end in a submission:
    ``draft``, the last version read (Ctrl-C or a signal while it runs), and ``quit_with``, the code
    with its last run when the person quits after running it."""

    def __init__(
        self,
        ui: PracticeUI,
        grader: Grader,
        clock: Callable[[], datetime],
        record: QuestionRecord,
        shown: datetime,
        limit: float | None,
    ):
        self.ui, self.grader, self.clock = ui, grader, clock
        self.record, self.shown, self.limit = record, shown, limit
        self.draft: str | None = None
        self.quit_with: Attempt | None = None

    def ask(self, countdown: Countdown | None) -> Attempt | None:
        """The submitted answer; None when the person quits (``quit_with`` holds a code answer run)."""
        spec = self.record.question.spec
        unavailable = getattr(self.grader, "unavailable", lambda _spec: None)(spec)
        if unavailable is not None:  # said before the code is written, not after
            self.ui.notice(
                f"Your code will not be run: {unavailable}. Write your answer all the same, and rate it"
                " against the reference solution shown after it."
            )
        code = self._read(spec.starter or "", countdown)
        runs = 0
        last: tuple[str, Assessment] | None = None  # the code last run, and its assessment
        while code is not None:
            self.draft = code
            overtime = AnswerTiming((self.clock() - self.shown).total_seconds(), self.limit).overtime > 0
            assessment = self._run(code, overtime, countdown)
            if assessment is None:  # stopped with Ctrl-C: back to the code, as it was
                code = self._read(code, countdown)
                continue
            if assessment.code is None:  # not run (the note says why): the answer is taken as it is
                if assessment.note and unavailable is None:
                    self.ui.notice(assessment.note)
                break
            runs += 1
            last = (code, assessment)
            step = self.ui.after_run(assessment.code, runs, countdown)
            if step is None:  # q: the code and its last run are kept unrated, as Ctrl-C keeps them
                self.quit_with = self._attempt(code, assessment, runs)
                return None
            if step == SUBMIT:
                break
            code = self._read(code, countdown)
        if code is None:  # q or Ctrl-D in the buffer: the code last run is kept, as above
            self.quit_with = None if last is None else self._attempt(*last, runs)
            return None
        return self._attempt(code, assessment, runs)

    def _run(self, code: str, overtime: bool, countdown: Countdown | None) -> Assessment | None:
        """The code's assessment, the UI showing which test runs meanwhile; None when Ctrl-C stopped the
        run at a terminal (said there)."""
        spec = self.record.question.spec
        showing = getattr(self.ui, "running_tests", None)
        watched = getattr(self.grader, "watched", None)
        with ExitStack() as stack:
            if showing is not None and watched is not None:
                stack.enter_context(watched(stack.enter_context(showing(len(spec.tests or ()), countdown))))
            try:
                _Run.open = bool(getattr(self.ui, "interactive", False))
                return self.grader.assess(spec, code, overtime)
            except RunStopped:
                pass
            finally:
                _Run.open = False
        self.ui.notice("Run stopped (Ctrl-C). Your code is as it was; Ctrl-C again here ends the session.")
        return None

    def _read(self, draft: str, countdown: Countdown | None) -> str | None:
        """The code, without a Markdown fence around it (piped code with empty lines comes fenced; a
        paste from a chat may): what is run is what is kept."""
        code = self.ui.read_code(draft, countdown)
        return None if code is None else strip_fences(code)

    def _attempt(self, code: str, assessment: Assessment, runs: int) -> Attempt:
        """The answer as it stands now: a passing run on the first try in under half the time is easy."""
        answered = self.clock()
        timing = AnswerTiming((answered - self.shown).total_seconds(), self.limit)
        if assessment.code is not None:
            quick = first_run_quick(runs, timing.seconds, self.limit)
            suggested = code_rating(assessment.code, timing.overtime > 0, quick)
            assessment = replace(assessment, suggested=suggested)
        return Attempt(self.record, code, timing, assessment, answered, runs)


def say_code_is_typed(ui: PracticeUI, voice: Voice | None) -> None:
    """With spoken answers, a code question says it is typed (an --audio file waits for the next one)."""
    if voice is not None:
        ui.notice(f"A code question is answered in code: {voice.not_for_code()}.")
