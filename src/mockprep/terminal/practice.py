"""The terminal side of sessions and mocks, drawn with rich.

All bank and user text goes through :func:`safe` (escape sequences stripped, wrapped in ``Text`` so
``[markup]`` is shown literally). Answers are read by :mod:`mockprep.terminal.input`: an editable
buffer in a terminal, lines from a pipe. In a terminal the reveal puts the key points first and pages
a long model answer so that the question stays on screen; piped, everything is printed in one go.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fsrs import Rating
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from mockprep.core.card_actions import ACTION_HELP, CardAction, parse_card_action
from mockprep.core.durations import format_duration
from mockprep.core.kinds import kind_of
from mockprep.core.sanitize import clean
from mockprep.core.scheduler import RATING_NAMES, parse_rating
from mockprep.core.settings import DEFAULT_SETTINGS, Settings
from mockprep.core.timer import Countdown
from mockprep.practice.ui import EDIT, SUBMIT
from mockprep.terminal.console import Indented, hanging_lines, model_answer_lines, plural, safe
from mockprep.terminal.input import QUIT, ReadLine
from mockprep.terminal.reveal import confirm_checklist, key_point_lines, telling_text, timing_text, typed_rows

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from mockprep.core.code_results import CodeRun
    from mockprep.core.grading import Verdict
    from mockprep.core.questions import QuestionRecord
    from mockprep.core.records import StoryOption
    from mockprep.practice.ui import Attempt, Progress, SessionSummary
    from mockprep.practice.voice import SpokenAnswer

RATING_STYLES = {
    Rating.Again: "red",
    Rating.Hard: "yellow",
    Rating.Good: "green",
    Rating.Easy: "cyan",
}
# The header of a question after which none is expected, by what holds back any still waiting
LAST = {
    None: "nothing else waiting",
    "time": "the last that fits for now",
    "limit": "the last of your --limit",
}
RATING_CELLS = 72  # about the width of the rating choices line, which wraps on a narrow screen
MIN_PAGE = 6  # a page of the model answer is never shorter than this
CODE_KEYS = "Enter starts a new line, Tab indents; Esc then Enter runs it (q alone quits)."
PIPED_CODE = "Your code, then an empty line (code with empty lines: between ``` fences); q quits."


def editor_argv_or_none() -> list[str] | None:
    from mockprep.terminal.editor import EditorError, editor_argv

    try:
        return editor_argv()
    except EditorError:
        return None


class TerminalUI:
    """:class:`mockprep.session.SessionUI` on a rich console."""

    def __init__(
        self,
        console: Console,
        read_line: ReadLine,
        interactive: bool = False,
        settings: Settings | None = None,
        spoken: bool = False,
    ):
        self.console = console
        self.read_line = read_line
        self.interactive = interactive  # a person at a terminal (not a pipe): may be asked to retype
        self.settings = settings or DEFAULT_SETTINGS  # the delivery targets shown after a spoken answer
        self.spoken = spoken  # answers come from the microphone or --audio files, not the keyboard
        self.recordings_limit = False  # the session's limit is the number of --audio files
        self._one_line = False  # the question shown takes a one-line answer
        self._so_far = ""  # what an answer or code prompt held when something ended it
        self._rows = 0  # screen rows printed since the question, to keep it on screen in the reveal
        self._points_at: int | None = None  # _rows where the key points began (None: not shown)

    def _prompt(self, label: str, countdown: Countdown | None = None) -> str | None:
        return self.read_line(label, countdown)

    def _out(self, renderable: RenderableType = "") -> None:
        """Print, counting the rows it takes."""
        self.console.print(renderable)
        self._rows += len(self.console.render_lines(renderable, self.console.options, pad=False))

    def notice(self, text: str) -> None:
        self.console.print(safe(text, "dim"))

    def held_keys(self) -> AbstractContextManager[None]:
        """While the pipeline waits for a model's verdict: keys typed are not echoed (the checklist's
        prompt drops them)."""
        from mockprep.terminal.typeahead import keys_held

        return keys_held()

    def show_question(
        self, record: QuestionRecord, progress: Progress, countdown: Countdown | None = None
    ) -> None:
        q = record.question
        spec = q.spec
        # Not "last one": a rating below easy can bring this very question back in the same session.
        last = LAST[progress.held_back]
        if progress.held_back == "limit" and self.recordings_limit:  # no --limit given: the files set it
            last = "the last of your recordings"
        more = f" · {progress.remaining} more" if progress.remaining else f" · {last}"
        if progress.round_left is not None:  # a mock: the round's own clock, beside the question's
            # what fits in the round's time left after this one: a forecast, not a promise (an answer
            # quicker than its limit leaves room for more), so "for now"
            last = f" · {LAST['time']}"
            more = f" · {progress.remaining} more fit" if progress.remaining else last
            more += f" · round: {format_duration(max(0, round(progress.round_left)))} left"
        self.console.print()
        self._rows = 0  # from the rule down: what should still be on screen when the rating is asked
        self._out(heading(Text(f"Question {progress.number}{more}"), self.console.width, "dim"))
        meta = Text()
        meta.append(q.round, style="bold magenta")
        meta.append(" · ")
        meta.append(clean(q.topic), style="cyan")
        meta.append(" · difficulty ")
        meta.append("●" * spec.difficulty + "○" * (3 - spec.difficulty), style="yellow")
        if countdown is not None:
            meta.append(f"   ⏱ {format_duration(countdown.limit)}", style="bold")
        meta.append(f"   {clean(q.key)}", style="dim")
        # a list item's wrapped lines under its text, as in the model answer
        body: list[RenderableType] = [
            *hanging_lines(safe(spec.prompt.strip()), max(self.console.width - 4, 10))
        ]
        if spec.kind == "choice" and spec.choices:
            from mockprep.core.choice_answers import (
                choice_letter,  # the answer parsers: choice questions only
            )

            body.append(Text())
            for index, choice in enumerate(spec.choices):  # a wrapped choice's lines under its text
                body.append(Indented(safe(choice), lead=Text(f"  {choice_letter(index)}) ", style="bold")))
        if kind_of(spec).runs_code:
            from mockprep.terminal.code_run import example_lines  # code questions only

            body += [Text(), *example_lines(spec)]
        self._out(meta)
        self._out(Panel(Group(*body), border_style="blue", padding=(0, 1)))
        kind = kind_of(spec)
        self._one_line = kind.one_line
        if self.spoken:
            return  # the microphone's own prompts (or the file's name) say what happens next
        quits = "q quits" if kind.one_line else "q as the first line quits"
        said = kind.answer_hint
        if spec.unit:  # the number's unit, known before the reveal ("Type a number in ms ...")
            said = said.replace("Type a number", f"Type a number in {spec.unit}", 1)
        self._out(safe(f"{said} ({quits})", "dim"))

    def read_answer(self, countdown: Countdown | None = None) -> str | None:
        return self._kept_if_cut(lambda: self.read_line.answer(countdown, one_line=self._one_line))

    def _kept_if_cut(self, read: Callable[[], str | None], untouched: str = "") -> str | None:
        self._so_far = ""
        try:
            return read()
        except BaseException:
            typed = getattr(self.read_line, "partial", "")
            self._so_far = typed if typed != untouched else ""  # (a code prompt's starter is no answer)
            raise

    def answer_so_far(self) -> str:
        """What was typed of the answer (or the code) whose prompt Ctrl-C or a closed terminal ended;
        "" when the last answer prompt ended normally (a later prompt's text is not an answer)."""
        return self._so_far

    def read_code(self, draft: str, countdown: Countdown | None = None) -> str | None:
        """In $VISUAL/$EDITOR when one is set (at a terminal), else in the answer buffer."""
        argv = editor_argv_or_none() if self.read_line.interactive else None
        if argv is not None:
            code = _in_editor(self, argv, draft)
            if code is not None:
                return code
        else:
            in_place = getattr(self.read_line, "edits_in_place", self.read_line.interactive)
            self._out(Text(CODE_KEYS if in_place else PIPED_CODE, style="dim"))
        return self._kept_if_cut(lambda: self.read_line.code(draft, countdown), untouched=draft)

    def after_run(self, run: CodeRun, runs: int, countdown: Countdown | None = None) -> str | None:
        """Show the run; what the person does next. Printed output and tracebacks are cut short at a
        terminal, where ``o`` shows them whole; piped, they are whole."""
        from mockprep.terminal.code_run import run_lines, was_cut

        interactive = self.read_line.interactive
        for line in run_lines(run, runs, full=not interactive, hint="; o shows them"):
            self.console.print(line)
        if not interactive:
            return SUBMIT  # piped input keeps its line protocol (answer, rating): one run
        whole = "o shows the output whole, " if was_cut(run) else ""
        ask = f"Enter submits it, e edits and runs it again, {whole}q quits: "
        while True:
            reply = self._prompt(ask, countdown)
            if reply is None or reply.strip() == QUIT:
                return None
            if reply.strip().lower() in ("", "s", "submit"):
                return SUBMIT
            if reply.strip().lower() in ("e", "edit"):
                return EDIT
            if whole and reply.strip().lower() in ("o", "output"):
                for line in run_lines(run, runs, full=True):
                    self.console.print(line)
                continue
            keys = "Enter to submit, e to edit, " + ("o to see the output whole, " if whole else "")
            self.console.print(Text(f"Type {keys}or q to quit.", style="yellow"))

    def running_tests(
        self, tests: int, countdown: Countdown | None = None
    ) -> AbstractContextManager[Callable[[int | None], None]]:
        """While code runs: which test is under way, with the clock, on one line redrawn in place."""
        from mockprep.terminal.code_run import running_line

        return running_line(self.console, tests, countdown, getattr(self.read_line, "clock", None))

    def show_spoken(self, spoken: SpokenAnswer, limit: float | None, timed: float | None = None) -> None:
        from mockprep.terminal.voice import render_spoken  # spoken answers only

        for panel in render_spoken(self.console, spoken, self.settings, limit, timed):
            self._out(panel)

    def show_reveal(self, attempt: Attempt) -> None:
        self._before_reveal(attempt)
        self._reveal(attempt)

    def show_model_answer(self, attempt: Attempt) -> None:
        self._before_reveal(attempt)
        self._reveal(attempt, points=False)

    def show_key_points(self, attempt: Attempt) -> None:
        self._points_at = self._rows
        self._out(Panel(Group(*key_point_lines(attempt)), border_style="green", padding=(0, 1)))

    def _before_reveal(self, attempt: Attempt) -> None:
        self._points_at = None
        if attempt.delivery is None:
            # The answer as typed, and in a multi-line answer the empty line that ended it.
            self._rows += typed_rows(attempt.answer, self.console.width) + (0 if self._one_line else 1)

    def _reveal(self, attempt: Attempt, points: bool = True) -> None:
        """The time, the auto-grade, and the model answer, with the key points (``points``) first on a
        terminal or in the same panel when piped."""
        spec = attempt.record.question.spec
        grade = attempt.assessment.auto
        self._out(timing_text(attempt.timing))
        if attempt.telling is not None:  # a question asking for a length: the answer's, told aloud
            self._out(telling_text(attempt.telling))
        if attempt.delivery is not None:
            from mockprep.terminal.voice import delivery_summary

            self._out(delivery_summary(attempt.delivery))
        if grade is not None:
            if grade.correct:
                verdict = Text("✓ Correct", style="bold green")
            else:
                verdict = Text("✗ Not quite", style="bold red")
                read = grade.unread or f"you answered {grade.given or 'nothing recognisable'}"
                verdict.append(f" — {read}", style="red")  # (a decimal comma says so)
            verdict.append(" · expected ")
            verdict.append_text(safe(grade.expected, "bold"))
            self._out(verdict)
        if attempt.assessment.code is not None:
            self._out(
                Text(f"Final run ({plural(attempt.runs, 'run')}): {attempt.assessment.code.result().text()}")
            )
        if kind_of(spec).runs_code:
            from mockprep.terminal.code_run import solution_panel

            self._out(solution_panel(spec))
        answer = spec.answer.strip()
        lines = key_point_lines(attempt) if points else []
        if self.read_line.interactive:
            if lines:
                self._points_at = self._rows
                self._out(Panel(Group(*lines), border_style="green", padding=(0, 1)))
            self._page(answer)
            return
        body = model_answer_lines(answer, max(self.console.width - 4, 10))
        self.console.print(
            Panel(
                Group(*body, Text(), *lines) if lines else Group(*body),
                title="Model answer",
                title_align="left",
                border_style="green",
                padding=(0, 1),
            )
        )

    def confirm_checklist(self, attempt: Attempt) -> list[Verdict] | None:
        """The key points the person says they covered (the grader's ticks to start from); None when
        they quit. Only at a terminal: piped input keeps its line protocol and the grader's proposal."""
        if not self.read_line.interactive or not attempt.assessment.points:
            return [p.verdict for p in attempt.assessment.points] or None

        def read(prompt: str, countdown: Countdown | None) -> str | None:
            self._rows += 1  # (the prompt and the reply typed after it)
            return self.read_line(prompt, countdown)

        return confirm_checklist(read, attempt, self._out, self._points_on_screen, self.console.width)

    def _points_on_screen(self) -> bool:
        """Whether the key points of the reveal are still all on screen above a checklist prompt (the
        model answer's pages, or a screen lower than the reveal, scroll them away)."""
        below = 3  # the "You covered" line (two rows on a narrow screen) and the prompt
        return self._points_at is not None and self._rows - self._points_at + below <= self.console.height

    def _page(self, answer: str) -> None:
        """The model answer in pages: the first fits under what is on screen (the question included),
        each further one waits for Enter; anything typed skips the rest."""
        width, height = self.console.width, self.console.height
        lines = model_answer_lines(answer, max(width - 4, 10))
        # Under the page: its bottom border, the "more" prompt, then the rating's lines.
        below = 2 + -(-RATING_CELLS // max(width, 1)) + 2
        page = max(MIN_PAGE, height - self._rows - 1 - below)
        shown = 0
        while True:
            rest = len(lines) - shown
            take = rest if rest <= page + 1 else page  # without a "more" prompt, one more line fits
            left = rest - take
            self.console.print(
                Panel(
                    Group(*lines[shown : shown + take]),
                    title="Model answer" if shown == 0 else "Model answer, continued",
                    title_align="left",
                    subtitle=f"{left} more lines" if left else None,
                    subtitle_align="right",
                    border_style="green",
                    padding=(0, 1),
                )
            )
            shown += take
            self._rows += take + 2  # (and its borders)
            if not left:
                return
            reply = self._prompt(f"{plural(left, 'more line')}: Enter shows more, s skips: ")
            self._rows += 1
            if reply is None or reply.strip():
                return
            page = max(MIN_PAGE, height - 2 - below)

    def read_rating(
        self, intervals: dict[Rating, timedelta], suggested: Rating | None
    ) -> Rating | CardAction | None:
        options = Text("How did you do?  ")
        for rating in Rating:
            options.append(f"{int(rating)} {RATING_NAMES[rating]}", style=RATING_STYLES[rating])
            if rating in intervals:
                options.append(f" ({format_duration(intervals[rating].total_seconds())})", style="dim")
            options.append("  ")
        if not intervals:  # a cram drill: the rating is recorded, the schedule stays
            options.append("(cram: the schedule does not move)", style="dim")
        self.console.print(options)
        self.console.print(rating_help(suggested))
        while True:
            line = self._prompt("rating> ")
            if line is None or line.strip() == QUIT:
                return None
            if line.strip() == "" and suggested is not None:
                return suggested
            choice = parse_rating(line) or parse_card_action(line)
            if choice is not None:
                return choice
            self.console.print(
                Text(
                    "Type 1-4 (or again, hard, good, easy); u undoes the last rating; s suspends, "
                    "b buries until tomorrow, f flags this question; q quits.",
                    style="yellow",
                )
            )

    def offer_stories(self, options: list[StoryOption]) -> int | None:
        # Each by its story id, the number story show, link and rehearse take (a place in this list,
        # '1) Fair GPU…', was another story's id there).
        self.console.print(Text("Your stories for this question:", style="bold"))
        ids = [str(option.story_id) for option in options]
        width = max(map(len, ids))
        for story_id, option in zip(ids, options, strict=True):
            line = Text(f"  {story_id:>{width}}) ", style="bold")
            line.append_text(safe(option.title))
            if option.linked:
                line.append("  (linked)", style="green")
            elif option.shared_competencies:
                line.append(f"  (shows {', '.join(option.shared_competencies)})", style="dim")
            self.console.print(line)
        while True:
            answer = self._prompt("Which one did you use? Its story id links it; Enter skips: ")
            if answer is None or not answer.strip():
                return None
            if answer.strip() in ids:
                return int(answer)
            self.console.print(
                Text(
                    f"Type a story id from the list ({', '.join(ids)}), or just Enter to skip.",
                    style="yellow",
                )
            )

    def show_summary(self, summary: SessionSummary, now: datetime) -> None:
        from mockprep.terminal.summary import render_summary  # (once, at the end)

        render_summary(self.console, summary, now, self.recordings_limit)


def _in_editor(ui: TerminalUI, argv: list[str], draft: str) -> str | None:
    """Code written in the person's editor; None when the editor failed (a notice says why, and the
    answer buffer follows). Ended by an interrupt, what the file held is the answer so far."""
    import tempfile
    from pathlib import Path

    from mockprep.terminal.editor import EditorError, edit_text

    def opening(path: Path) -> None:  # the file to save is named, and the editor by its name
        said = f"Opening {path} in {Path(argv[0]).name}: save it and close the editor to run your code."
        ui.console.print(safe(said, "dim"))

    ui._so_far, saved = "", []
    try:
        folder = Path(tempfile.gettempdir())
        return edit_text(argv, draft, folder, kind="solution", suffix=".py", so_far=saved, opening=opening)
    except EditorError as exc:
        ui.notice(f"{exc}; type your code here instead.")
        return None
    except BaseException:
        ui._so_far = saved[0] if saved and saved[0] != draft else ""
        raise


def rating_help(suggested: Rating | None) -> Text:
    """The line under the rating choices: what Enter takes, and the keys that act on the question."""
    line = Text(style="dim")
    if suggested is not None:
        line.append(f"Enter accepts {int(suggested)} {RATING_NAMES[suggested]}  ·  ")
    line.append(ACTION_HELP)
    return line


def heading(title: Text, width: int, style: str = "rule.line") -> Rule | Text:
    """A rule with the title in it, or just the title when the rule would have to cut it short."""
    return Rule(title, style=style) if title.cell_len + 6 <= width else title
