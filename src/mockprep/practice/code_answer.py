"""A code question's answer: written, run against the tests, fixed and run again until the person
submits it, its rating suggested from the last run and the time taken. The clock runs on throughout:
past the limit the answer is over time, as any answer is."""

from __future__ import annotations

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
        while code is not None:
            self.draft = code
            overtime = AnswerTiming((self.clock() - self.shown).total_seconds(), self.limit).overtime > 0
            assessment = self.grader.assess(spec, code, overtime)
            if assessment.code is None:  # not run (the note says why): the answer is taken as it is
                if assessment.note and unavailable is None:
                    self.ui.notice(assessment.note)
                break
            runs += 1
            step = self.ui.after_run(assessment.code, runs, countdown)
            if step is None:  # q: the code and its last run are kept unrated, as Ctrl-C keeps them
                self.quit_with = self._attempt(code, assessment, runs)
                return None
            if step == SUBMIT:
                break
            ran, code = code, self._read(code, countdown)
            if code is None:  # q or Ctrl-D in the buffer after e: the code last run is kept, as above
                self.quit_with = self._attempt(ran, assessment, runs)
                return None
        if code is None:
            return None
        return self._attempt(code, assessment, runs)

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
