"""The terminal side of a session, drawn with rich.

All bank and user text goes through :func:`safe` (escape sequences stripped, wrapped in ``Text`` so
``[markup]`` is shown literally). Input is line-based and identical in a terminal and from a pipe.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta

from fsrs import Rating
from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from mockprep.durations import format_duration
from mockprep.grading import AutoGrade, choice_letter
from mockprep.mock import MockReport
from mockprep.sanitize import clean, shorten
from mockprep.scheduler import RATING_NAMES, parse_rating
from mockprep.scoring import answer_points
from mockprep.session import AnswerTiming, Clock, Progress, SessionSummary
from mockprep.storage import QuestionRecord, StoryOption
from mockprep.timer import Countdown

QUIT = "q"
RATING_STYLES = {
    Rating.Again: "red",
    Rating.Hard: "yellow",
    Rating.Good: "green",
    Rating.Easy: "cyan",
}
# (prompt, countdown or None) -> the line, or None at end of input
ReadLine = Callable[[str, Countdown | None], str | None]
CLOCK_STYLES = {"ok": "bold", "warning": "bold yellow", "overtime": "bold red"}


def safe(text: str, style: str = "") -> Text:
    """User or bank text as a literal rich Text: no markup, no escape sequences."""
    return Text(clean(text), style=style)


def plain_table(*columns: str) -> Table:
    """A borderless table; a column named with a trailing ``>`` is right-aligned (for numbers)."""
    table = Table(box=None, pad_edge=False)
    for column in columns:
        table.add_column(column.removesuffix(">"), justify="right" if column.endswith(">") else "left")
    return table


def make_console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def stdin_reader(console: Console, clock: Clock) -> ReadLine:
    """Read one line from standard input (None at end of input) after showing a prompt.

    In a terminal, the prompt is drawn by the line editor (so editing keeps the line intact), and while
    a countdown runs, prompt_toolkit shows it ticking in a bottom toolbar that turns yellow in the last
    30 seconds and red in overtime. From a pipe, nothing is drawn live: the prompt and the line read
    are echoed to ``console`` so that a transcript reads like a session; timing is recorded the same.
    """
    if sys.stdin.isatty() and sys.stdout.isatty():
        return _terminal_reader(console, clock)

    def read_pipe(prompt: str, _countdown: Countdown | None) -> str | None:
        console.print(Text(prompt, style="bold"), end="")
        line = sys.stdin.readline()
        if line == "":
            console.print()
            return None
        line = line.rstrip("\r\n")
        console.print(safe(shorten(line)))
        return line

    return read_pipe


def _terminal_reader(console: Console, clock: Clock) -> ReadLine:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.styles import Style

    # No reserved menu space: the clock sits right under the line being typed.
    session: PromptSession[str] = PromptSession(reserve_space_for_menu=0)
    style = Style.from_dict(
        {
            "bottom-toolbar": "noreverse",
            "clock.ok": "bold",
            "clock.warning": "bold bg:ansiyellow fg:ansiblack",
            "clock.overtime": "bold bg:ansired fg:ansiwhite",
        }
    )

    def read(prompt: str, countdown: Countdown | None) -> str | None:
        console.file.flush()

        def toolbar() -> list[tuple[str, str]]:
            assert countdown is not None
            now = clock()
            phase = countdown.phase(now)
            note = {"ok": "", "warning": "  wrap up", "overtime": "  over time: keep going or finish"}
            return [(f"class:clock.{phase}", f" ⏱ {countdown.label(now)}{note[phase]} ")]

        try:
            if countdown is None:
                # PromptSession keeps the last call's toolbar (passing None does not clear it).
                session.bottom_toolbar = None
                return session.prompt(prompt, refresh_interval=0)
            return session.prompt(prompt, bottom_toolbar=toolbar, refresh_interval=0.5, style=style)
        except EOFError:
            return None

    return read


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
        hint = {
            "choice": "Type the letter of your choice, then an empty line.",
            "numeric": "Type a number (fractions like 3/8 are fine), then an empty line.",
        }.get(spec.kind, "Type your answer; an empty line ends it.")
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

    def show_reveal(
        self,
        record: QuestionRecord,
        answer: str,
        grade: AutoGrade | None,
        timing: AnswerTiming | None = None,
        coverage: list[bool] | None = None,
    ) -> None:
        spec = record.question.spec
        if timing is not None:
            self.console.print(timing_text(timing))
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
        self.console.print(Rule(Text(f"Mock {round} round · {minutes:g} minutes", style="bold")))
        self.console.print(
            Text(
                f"{planned} questions, each against its time limit; an interviewer's follow-up comes after "
                "your answer. Model answers are shown only when the round is over. Ctrl-C stops: "
                "everything answered is kept.",
                style="dim",
            )
        )

    def show_reveal(
        self,
        record: QuestionRecord,
        answer: str,
        grade: AutoGrade | None,
        timing: AnswerTiming | None = None,
        coverage: list[bool] | None = None,
    ) -> None:
        # In a mock the question and the answer were asked a while ago: show them again first.
        self.console.print()
        self.console.print(Rule(Text(record.question.key), style="dim"))
        self.console.print(safe(record.question.spec.prompt.strip(), "bold"))
        yours = Text("Your answer: ", style="bold")
        yours.append_text(safe(shorten(answer.strip()) or "(nothing typed)"))
        self.console.print(yours)
        super().show_reveal(record, answer, grade, timing, coverage)

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
        table = plain_table("#>", "question", "time / limit>", "key points>", "rating", "points>")
        for index, a in enumerate(report.answers, start=1):
            limit = "-" if a.timing.limit is None else format_duration(a.timing.limit)
            used = Text(f"{format_duration(a.timing.seconds)} / {limit}")
            if a.timing.overtime > 0:
                used.stylize("red")
            covered = "-" if a.coverage is None else f"{sum(a.coverage)}/{len(a.coverage)}"
            rating = RATING_NAMES[Rating(a.rating)] if a.rating else "not rated"
            points = str(answer_points(a.rating, a.timing.overtime > 0)) if a.rating else "-"
            table.add_row(str(index), safe(a.record.question.key), used, covered, rating, points)
        console.print(table)
        score = report.score
        summary = Text(
            f"Round score {score}/100" if score is not None else "Round not scored (nothing rated)",
            style="bold",
        )
        summary.append(
            f"  ·  {len(report.answers)} of {report.planned} questions in {format_duration(report.seconds)}"
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
