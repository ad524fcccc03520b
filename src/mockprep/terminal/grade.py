"""Rich rendering of ``mockprep grade``: the assessment of one answer, as the reveal would show it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from mockprep.core.grading import NOT_RUN
from mockprep.core.scheduler import RATING_NAMES
from mockprep.core.timer import AnswerTiming
from mockprep.terminal.console import print_text, safe
from mockprep.terminal.reveal import key_point_lines

if TYPE_CHECKING:
    from mockprep.core.grading import Assessment
    from mockprep.core.questions import QuestionRecord


def graded_by(assessment: Assessment) -> str:
    """Who the verdicts are: a model's, the offline grader's where the model's were set aside (they
    rested on no quote from the answer), or both."""
    model = assessment.model
    if model is None or not assessment.set_aside:
        return assessment.grader
    if assessment.set_aside >= len(assessment.points):
        return f"the offline grader ({model}'s verdicts set aside: not backed by a quote from the answer)"
    return f"{model} and the offline grader ({model}'s verdict on {assessment.set_aside} set aside)"


def render_assessment(
    console: Console, record: QuestionRecord, answer: str, assessment: Assessment, full: bool = False
) -> None:
    """The assessment; a code answer's printed output and tracebacks whole with ``full``."""
    from datetime import UTC, datetime

    from fsrs import Rating

    from mockprep.practice.ui import Attempt

    not_run = assessment.grader == NOT_RUN
    how = "not graded: the code was not run" if not_run else f"graded by {graded_by(assessment)}"
    print_text(console, f"{record.question.key} · {how}", "bold")
    if assessment.note:
        console.print(safe(assessment.note, "yellow"))
    auto = assessment.auto
    if auto is not None:
        verdict = Text(
            "✓ Correct" if auto.correct else "✗ Not correct", style="green" if auto.correct else "red"
        )
        read = auto.unread or f"read {auto.given or 'nothing recognisable'}"  # (a decimal comma says so)
        verdict.append(f" — {read}; expected ")
        verdict.append_text(safe(auto.expected, "bold"))
        console.print(verdict)
    if assessment.code is not None:
        from mockprep.terminal.code_run import run_lines

        for line in run_lines(assessment.code, full=full, hint="; --full shows them"):
            console.print(line)
    attempt = Attempt(record, answer, AnswerTiming(0.0, None), assessment, datetime.now(UTC))
    for line in key_point_lines(attempt):
        console.print(line)
    if not_run:  # why again, where the eye lands: the note is above the key points
        why = (assessment.note or "").removeprefix("Not run: ").rstrip(".") or "it could not be run"
        line = Text("Suggested rating: none — your code was not run: ", style="bold")
        line.append_text(safe(f"{why}. Grade it again once it can run.", "bold"))
        console.print(line)
    elif assessment.suggested is None:
        console.print(Text("Suggested rating: none (a blank answer: tick what you said)", style="bold"))
    else:
        name = RATING_NAMES[Rating(assessment.suggested)]
        console.print(Text(f"Suggested rating: {assessment.suggested} {name}", style="bold"))
