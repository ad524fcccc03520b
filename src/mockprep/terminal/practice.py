"""The terminal side of sessions and mocks, drawn with rich.

All bank and user text goes through :func:`safe` (escape sequences stripped, wrapped in ``Text`` so
``[markup]`` is shown literally). Input is line-based and identical in a terminal and from a pipe.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fsrs import Rating
from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from mockprep.core.autograde import choice_letter
from mockprep.core.durations import format_duration
from mockprep.core.kinds import kind_of
from mockprep.core.sanitize import clean, shorten
from mockprep.core.scheduler import RATING_NAMES, parse_rating
from mockprep.core.scoring import answer_points
from mockprep.core.timer import AnswerTiming, Countdown
from mockprep.terminal.console import plain_table, plural, print_table, safe
from mockprep.terminal.input import ReadLine

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionRecord
    from mockprep.core.records import StoryOption
    from mockprep.practice.ui import Attempt, MockReport, Progress, SessionSummary

QUIT = "q"
RATING_STYLES = {
    Rating.Again: "red",
    Rating.Hard: "yellow",
    Rating.Good: "green",
    Rating.Easy: "cyan",
}


class TerminalUI:
    """:class:`mockprep.session.SessionUI` on a rich console."""

    def __init__(self, console: Console, read_line: ReadLine):
        self.console = console
        self.read_line = read_line

    def _prompt(self, label: str, countdown: Countdown | None = None) -> str | None:
        return self.read_line(label, countdown)

    def notice(self, text: str) -> None:
        self.console.print(safe(text, "dim"))

    def show_question(
        self, record: QuestionRecord, progress: Progress, countdown: Countdown | None = None
    ) -> None:
        q = record.question
        spec = q.spec
        more = f" · {progress.remaining} more" if progress.remaining else " · last one"
        self.console.print()
        self.console.print(Rule(Text(f"Question {progress.number}{more}"), style="dim"))
        meta = Text()
        meta.append(q.round, style="bold magenta")
        meta.append(" · ")
        meta.append(clean(q.topic), style="cyan")
        meta.append(" · difficulty ")
        meta.append("●" * spec.difficulty + "○" * (3 - spec.difficulty), style="yellow")
        if countdown is not None:
            meta.append(f"   ⏱ {format_duration(countdown.limit)}", style="bold")
        meta.append(f"   {clean(q.key)}", style="dim")
        body: list[Text] = [safe(spec.prompt.strip())]
        if spec.kind == "choice" and spec.choices:
            body.append(Text())
            for index, choice in enumerate(spec.choices):
                line = Text(f"  {choice_letter(index)}) ", style="bold")
                line.append_text(safe(choice))
                body.append(line)
        self.console.print(meta)
        self.console.print(Panel(Group(*body), border_style="blue", padding=(0, 1)))
        hint = kind_of(spec).answer_hint
        self.console.print(Text(f"{hint} (q on its own line quits)", style="dim"))

    def read_answer(self, countdown: Countdown | None = None) -> str | None:
        lines: list[str] = []
        while True:
            line = self._prompt("> " if not lines else ". ", countdown)
            if line is None or line.strip() == QUIT:
                return None
            if line.strip() == "":
                return "\n".join(lines)
            lines.append(line)

    def show_reveal(self, attempt: Attempt) -> None:
        spec = attempt.record.question.spec
        grade = attempt.assessment.auto
        coverage = attempt.assessment.coverage
        self.console.print(timing_text(attempt.timing))
        if grade is not None:
            if grade.correct:
                verdict = Text("✓ Correct", style="bold green")
            else:
                verdict = Text("✗ Not quite", style="bold red")
                verdict.append(f" — you answered {grade.given or 'nothing recognisable'}", style="red")
            verdict.append(" · expected ")
            verdict.append_text(safe(grade.expected, "bold"))
            self.console.print(verdict)
        parts: list[Text | Rule] = [safe(spec.answer.strip())]
        heading = "\nKey points"
        if coverage is not None:
            heading += f" — your answer covers {sum(coverage)} of {len(coverage)} (by matching words)"
        parts.append(Text(heading, style="bold"))
        for index, point in enumerate(spec.key_points):
            if coverage is None:
                line = Text("  • ")
            elif coverage[index]:
                line = Text("  ✓ ", style="green")
            else:
                line = Text("  ✗ ", style="red")
            line.append_text(safe(point))
            parts.append(line)
        if spec.follow_ups:
            parts.append(Text("\nAn interviewer might ask next", style="bold"))
            for follow_up in spec.follow_ups:
                line = Text("  → ")
                line.append_text(safe(follow_up, "italic"))
                parts.append(line)
        self.console.print(
            Panel(
                Group(*parts),
                title="Model answer",
                title_align="left",
                border_style="green",
                padding=(0, 1),
            )
        )

    def read_rating(self, intervals: dict[Rating, timedelta], suggested: Rating | None) -> Rating | None:
        options = Text("How did you do?  ")
        for rating in Rating:
            options.append(f"{int(rating)} {RATING_NAMES[rating]}", style=RATING_STYLES[rating])
            options.append(f" ({format_duration(intervals[rating].total_seconds())})  ", style="dim")
        self.console.print(options)
        if suggested is not None:
            self.console.print(
                Text(
                    f"Enter accepts the suggestion: {int(suggested)} {RATING_NAMES[suggested]}",
                    style="dim",
                )
            )
        while True:
            line = self._prompt("rating> ")
            if line is None or line.strip() == QUIT:
                return None
            if line.strip() == "" and suggested is not None:
                return suggested
            rating = parse_rating(line)
            if rating is not None:
                return rating
            self.console.print(Text("Type 1-4 (or again, hard, good, easy); q quits.", style="yellow"))

    def offer_stories(self, options: list[StoryOption]) -> int | None:
        self.console.print(Text("Your stories for this question:", style="bold"))
        for number, option in enumerate(options, start=1):
            line = Text(f"  {number}) ", style="bold")
            line.append_text(safe(option.title))
            if option.linked:
                line.append("  (linked)", style="green")
            else:
                line.append(f"  (shows {', '.join(option.shared_competencies)})", style="dim")
            self.console.print(line)
        while True:
            answer = self._prompt("Which one did you use? Its number links it; Enter skips: ")
            if answer is None or not answer.strip():
                return None
            if answer.strip().isdigit() and 1 <= int(answer) <= len(options):
                return options[int(answer) - 1].story_id
            self.console.print(Text(f"Type 1-{len(options)}, or just Enter to skip.", style="yellow"))

    def show_summary(self, summary: SessionSummary, now: datetime) -> None:
        console = self.console
        console.print()
        if summary.status == "empty":
            console.print(
                Text(
                    "Nothing to practise right now: no questions are due and today's new questions are done.",
                    style="bold",
                )
            )
            if summary.next_due is not None:
                console.print(Text(f"The next question is due {_when(summary.next_due, now)}."))
            console.print(Text("To learn more now: mockprep session --new 5", style="dim"))
            return
        title = "Session interrupted" if summary.status == "interrupted" else "Session complete"
        console.print(Rule(Text(title, style="bold"), style="dim"))
        line = Text(f"{summary.answered} answered in {format_duration(summary.seconds)}")
        if summary.answered:
            line.append("  ·  ")
            for rating in Rating:
                line.append(
                    f"{RATING_NAMES[rating]} {summary.ratings.get(int(rating), 0)}  ",
                    style=RATING_STYLES[rating],
                )
        console.print(line)
        if summary.score is not None:
            score = Text(f"Score {summary.score}/100", style="bold")
            if summary.overtime:
                score.append(f"  ·  {summary.overtime} over time", style="red")
            console.print(score)
        if summary.status == "interrupted":
            console.print(Text("Every rated answer was saved.", style="dim"))
        if summary.stopped_by_limit:
            console.print(Text("Stopped at the --limit you set.", style="dim"))
        if summary.stopped_by_time:
            console.print(
                Text("Time is up for the minutes you planned; the rest waits for next time.", style="yellow")
            )
        console.print(Text(f"Due by the end of tomorrow: {summary.due_tomorrow}"))
        if summary.next_due is not None:
            console.print(Text(f"Next question due {_when(summary.next_due, now)}.", style="dim"))


class MockTerminalUI(TerminalUI):
    """The terminal side of a mock round: the session UI plus intro, follow-ups and the report card."""

    def show_mock_intro(self, round: str, minutes: float, planned: int) -> None:
        self.console.print()
        self.console.print(Rule(Text(f"Mock {round} round · {plural(minutes, 'minute')}", style="bold")))
        self.console.print(
            Text(
                f"{plural(planned, 'question')}, each against its time limit; an interviewer's follow-up "
                "comes after your answer. Model answers are shown only when the round is over. Ctrl-C stops: "
                "everything answered is kept.",
                style="dim",
            )
        )

    def show_reveal(self, attempt: Attempt) -> None:
        # In a mock the question and the answer were asked a while ago: show them again first.
        question = attempt.record.question
        self.console.print()
        self.console.print(Rule(Text(question.key), style="dim"))
        self.console.print(safe(question.spec.prompt.strip(), "bold"))
        yours = Text("Your answer: ", style="bold")
        yours.append_text(safe(shorten(attempt.answer.strip()) or "(nothing typed)"))
        self.console.print(yours)
        super().show_reveal(attempt)

    def show_follow_up(self, text: str, countdown: Countdown | None) -> None:
        line = Text("Interviewer: ", style="bold magenta")
        line.append_text(safe(text, "italic"))
        if countdown is not None:
            line.append(f"   ⏱ {format_duration(countdown.limit)}", style="bold")
        self.console.print(line)

    def ask_break(self, next_round: str) -> bool:
        self.console.print()
        line = self._prompt(f"Take a break. Press Enter to start the {next_round} round (q to stop): ")
        return line is not None and line.strip().lower() != QUIT

    def show_mock_report(self, report: MockReport) -> None:
        console = self.console
        console.print()
        status = " (interrupted)" if report.status == "interrupted" else ""
        console.print(Rule(Text(f"Report card · {report.round} round{status}", style="bold")))
        if not report.answers:
            console.print(Text("No questions were answered in this round.", style="dim"))
            return
        table = plain_table(
            "#>", "question", "time / limit>", "key points>", "rating", "points>", whole=("question",)
        )
        for index, a in enumerate(report.answers, start=1):
            timing = a.attempt.timing
            limit = "-" if timing.limit is None else format_duration(timing.limit)
            used = Text(f"{format_duration(timing.seconds)} / {limit}")
            if a.overtime:
                used.stylize("red")
            coverage = a.attempt.assessment.coverage
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
        summary.append(
            f"  ·  {len(report.answers)} of {plural(report.planned, 'question')}"
            f" in {format_duration(report.seconds)}"
        )
        console.print(summary)
        if report.stopped_by_time:
            console.print(Text("The round's time ran out before every question was asked.", style="yellow"))
        weakest = report.weakest_topics()
        if weakest:
            command = "mockprep session " + " ".join(f"--topic {t}" for t in weakest)
            console.print(safe(f"Weakest here: {', '.join(weakest)}. Drill them: {command}"))


def timing_text(timing: AnswerTiming) -> Text:
    """``⏱ 1m40s of 3m`` or, past the limit, ``⏱ 3m40s — 40s over the 3m limit`` in red."""
    used = format_duration(timing.seconds)
    if timing.limit is None:
        return Text(f"⏱ {used}", style="dim")
    if timing.overtime > 0:
        return Text(
            f"⏱ {used} — {format_duration(timing.overtime)} over the {format_duration(timing.limit)} limit",
            style="bold red",
        )
    return Text(f"⏱ {used} of {format_duration(timing.limit)}", style="green")


def _when(moment: datetime, now: datetime) -> str:
    local = moment.astimezone()
    if moment <= now:
        return "now"
    stamp = (
        local.strftime("%H:%M") if moment - now < timedelta(hours=20) else local.strftime("%a %d %b %H:%M")
    )
    return f"in {format_duration((moment - now).total_seconds())} (at {stamp})"
