"""The terminal side of a mock round: the session's screens plus the intro, the interviewer's
follow-ups, the break between rounds and the report card. User text goes through :func:`safe`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fsrs import Rating
from rich.text import Text

from mockprep.core.durations import format_duration
from mockprep.core.sanitize import shorten
from mockprep.core.scheduler import RATING_NAMES
from mockprep.core.scoring import answer_points
from mockprep.terminal.console import plain_table, plural, print_table, safe
from mockprep.terminal.history import full_answers, status_label
from mockprep.terminal.input import QUIT
from mockprep.terminal.practice import TerminalUI, heading
from mockprep.terminal.summary import plural_minutes, time_stop_text

if TYPE_CHECKING:
    from rich.console import Console

    from mockprep.core.timer import AnswerTiming, Countdown
    from mockprep.practice.ui import Attempt, MockReport


FOLLOW_UP_HINT = (
    "Type your reply; an empty line ends it. (q as the first line ends the mock; your answer is kept)"
)


class MockTerminalUI(TerminalUI):
    """The terminal side of a mock round: the session UI plus intro, follow-ups and the report card."""

    def show_mock_intro(self, round: str, minutes: float, planned: int) -> None:
        self.console.print()
        self.console.print(
            heading(Text(f"Mock {round} round · {plural_minutes(minutes)}", style="bold"), self.console.width)
        )
        self.console.print(
            Text(
                f"{plural(planned, 'question')} planned, each against its time limit (answer quicker and "
                "there is time for more); an interviewer's follow-up comes after your answer. Model answers "
                "are shown only when the round is over. Ctrl-C stops: everything answered is kept.",
                style="dim",
            )
        )

    def _before_reveal(self, attempt: Attempt) -> None:
        # In a mock the question and the answer were asked a while ago: show them again first.
        question = attempt.record.question
        self.console.print()
        self._rows = 0
        self._out(heading(safe(question.key), self.console.width, "dim"))
        self._out(safe(question.spec.prompt.strip(), "bold"))
        yours = Text("Your answer: ", style="bold")
        # (a mock's answers are stored as the round goes: history shows them whole)
        rest = "the full text is kept" if attempt.session_id is None else full_answers(attempt.session_id)
        yours.append_text(safe(shorten(attempt.answer.strip(), rest=rest) or "(nothing typed)"))
        self._out(yours)
        if attempt.follow_up is not None:
            asked, reply = attempt.follow_up
            line = Text("Interviewer: ", style="bold magenta")
            line.append_text(safe(asked, "italic"))
            self._out(line)
            replied = Text("Your reply: ", style="bold")
            replied.append_text(safe(shorten(reply.strip(), rest=rest) or "(no reply)"))
            self._out(replied)

    def show_follow_up(self, text: str, countdown: Countdown | None) -> None:
        self._one_line = False  # a follow-up is answered in words
        line = Text("Interviewer: ", style="bold magenta")
        line.append_text(safe(text, "italic"))
        if countdown is not None:
            line.append(f"   ⏱ {format_duration(countdown.limit)}", style="bold")
        self.console.print(line)
        if not self.spoken:  # (the microphone's own prompts say what happens next)
            self.console.print(Text(FOLLOW_UP_HINT, style="dim"))

    def ask_break(self, next_round: str) -> bool:
        self.console.print()
        line = self._prompt(f"Take a break. Press Enter to start the {next_round} round (q to stop): ")
        return line is not None and line.strip().lower() != QUIT

    def show_mock_report(self, report: MockReport) -> None:
        console = self.console
        console.print()
        status = f" ({status_label(report.status)})" if report.status != "completed" else ""
        console.print(heading(safe(f"Report card · {report.round} round{status}", "bold"), console.width))
        if not report.answers:
            # (an answer the database refused is no answer of the round, but it was given: the line after says
            # where it is kept)
            none = (
                "No answer of this round was stored."
                if report.unstored
                else "No questions were answered in this round."
            )
            console.print(Text(none, style="dim"))
            _unstored_line(console, report)
            return
        table = plain_table(
            "#>", "question", "time / limit>", "key points>", "rating", "points>", whole=("question",)
        )
        for index, a in enumerate(report.answers, start=1):
            used = _time_cell(a.attempt.timing)
            if a.follow_up_timing is not None:  # the reply to the follow-up, against its own limit
                used.append("\nreply ").append_text(_time_cell(a.follow_up_timing))
            coverage = a.covered if a.covered is not None else a.attempt.assessment.coverage
            covered = "-" if coverage is None else f"{sum(coverage)}/{len(coverage)}"
            rating = RATING_NAMES[Rating(a.rating)] if a.rating else "not rated"
            points = str(answer_points(a.rating, a.overtime)) if a.rating else "-"
            table.add_row(str(index), safe(a.attempt.record.question.key), used, covered, rating, points)
        print_table(console, table)
        score = report.score
        summary = Text(
            f"Round score {score}/100" if score is not None else "Round not scored (nothing rated)",
            style="bold",
        )
        asked = len(report.answers)
        if report.planned is None:
            counted = plural(asked, "question")
        elif asked <= report.planned:
            counted = f"{asked} of {plural(report.planned, 'question')}"
        else:
            counted = f"{plural(asked, 'question')} ({report.planned} planned)"
        summary.append(f"  ·  {counted} in {format_duration(report.seconds)}")
        console.print(summary)
        _unstored_line(console, report)
        if report.unrated:
            them = "it" if report.unrated == 1 else "them"
            console.print(
                Text(
                    f"{plural(report.unrated, 'answer')} not rated, so the round is not fully scored; "
                    f"rate {them} later: mockprep mock --rate {report.session_id}",
                    style="yellow",
                )
            )
        if report.time_stop is not None:
            console.print(time_stop_text(report.time_stop, mock=True))
        weakest = report.weakest_topics()
        if weakest:
            scope = [f"--round {report.round}"] if report.round else []  # (topics recur across rounds)
            scope += [*(f"--role {r}" for r in report.roles), *(f"--bank {b}" for b in report.banks)]
            command = "mockprep session " + " ".join([*scope, *(f"--topic {t}" for t in weakest)])
            them = "it" if len(weakest) == 1 else "them"
            console.print(safe(f"Weakest here: {', '.join(weakest)}. Drill {them}: {command}"))


def _unstored_line(console: Console, report: MockReport) -> None:
    """What the database would not take, when it refused something (the line after the card says where
    it is kept)."""
    if (unstored := report.unstored) is None:
        return
    saved = {
        "reply": "your answer to it and every answer before it were saved",
        "rating": "every answer was saved",
    }.get(unstored.part, "every answer before it was saved")
    console.print(safe(f"The database would not take {unstored.what}; {saved}.", "yellow"))


def _time_cell(timing: AnswerTiming) -> Text:
    """``1m39s / 1m30s``, red when over the limit (``-``: no clock)."""
    limit = "-" if timing.limit is None else format_duration(timing.limit)
    return Text(f"{format_duration(timing.seconds)} / {limit}", style="red" if timing.overtime > 0 else "")
