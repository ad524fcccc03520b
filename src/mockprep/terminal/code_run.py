"""Drawing a run of the person's code against a question's tests, the visible examples before it,
and the reference solution after it. Everything the code printed or raised is user text: it goes
through :func:`shown`, which writes control characters out as escapes (``\x1b[31m``, ``\r``), so
none reaches the terminal and the person debugging sees what was printed."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from mockprep.core.code_format import example_text, visible_tests
from mockprep.core.code_results import TestStatus
from mockprep.core.sanitize import visible
from mockprep.terminal.console import Indented, safe
from mockprep.terminal.glyphs import fitted

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime

    from rich.console import Console, RenderableType

    from mockprep.core.code_results import CodeRun, TestOutcome
    from mockprep.core.questions import QuestionSpec
    from mockprep.core.timer import Countdown

MARKS = {
    TestStatus.PASSED: ("✓", "green"),
    TestStatus.FAILED: ("✗", "red"),
    TestStatus.ERROR: ("✗", "red"),
    TestStatus.TIMEOUT: ("⏱", "red"),
    TestStatus.CRASHED: ("✗", "red"),
    TestStatus.NOT_RUN: ("·", "dim"),
}
OUTPUT_LINES = 12  # printed output shown per test, and a traceback's lines; the rest is cut unless asked
OUTPUT_SHOWN = 1200  # ... and their characters (one long line wraps over many rows)
DETAIL = 6  # columns in of what a test shows under its line: its source, values and message


def shown(text: str, style: str = "") -> Text:
    """What the code printed or raised, literally: its control characters written out as escapes."""
    return Text(visible(text), style=style)


def code_line(line: str, style: str = "cyan") -> RenderableType:
    """One line of code set two columns in, keeping its own indentation: a line too long for the width
    wraps under its code, not at the left edge (which would read as different Python)."""
    code = line.lstrip(" ")
    return Indented(safe(code, style), lead=Text("  " + " " * (len(line) - len(code))))


def example_lines(spec: QuestionSpec) -> list[RenderableType]:
    """The visible tests, as examples under the question: each line of a test's code at the same level."""
    shown = visible_tests(spec)
    hidden = len(spec.tests or ()) - len(shown)
    lines: list[RenderableType] = [Text("Examples", style="bold")] if shown else []
    for number, (_, test) in enumerate(shown):
        text = example_text(test).splitlines()
        if number and (len(text) > 1 or len(example_text(shown[number - 1][1]).splitlines()) > 1):
            lines.append(Text())  # a test of several lines stands apart from its neighbours
        lines += [code_line(line) for line in text]
    if hidden:
        lines.append(Text(f"and {hidden} hidden test{'s' if hidden != 1 else ''}", style="dim"))
    return lines


def run_lines(
    run: CodeRun, runs: int | None = None, full: bool = False, hint: str = ""
) -> list[RenderableType]:
    """The run: a summary line, then each test with what went wrong and what it printed. Printed
    output and tracebacks are cut to OUTPUT_LINES lines and OUTPUT_SHOWN characters unless ``full``
    (then they are as whole as the run kept them); each cut says what is left, and ``hint`` (how to
    see it whole)."""
    title = Text(f"Run {runs}: " if runs else "", style="bold")
    style = "bold green" if run.all_passed else "bold red"
    title.append(f"{run.passed}/{run.total} tests passed", style=style)
    title.append(f"  ({run.seconds:.1f} s)", style="dim")
    out: list[RenderableType] = [title]
    view = _View(full, hint)
    if run.problem is not None:
        out.append(shown(f"Your code did not run: {run.problem}", "red"))
        if run.traceback:
            out.append(view.block(run.traceback, "red"))
        if run.output:
            out.append(view.block(run.output, "dim", "printed"))
        return out
    if run.output:  # what the code printed as it loaded (each test's own output is shown with it)
        out.append(view.block(run.output, "dim", "printed"))
    for outcome in run.outcomes:
        out.extend(_outcome_lines(outcome, view))
    return out


def was_cut(run: CodeRun) -> bool:
    """Whether :func:`run_lines` cuts some of the run's printed output or tracebacks short."""
    texts = [run.output, run.traceback, *(t for o in run.outcomes for t in (o.output, o.traceback))]
    return any(text and _cut(visible(text.rstrip("\n")).split("\n"), "") is not None for text in texts)


def _outcome_lines(outcome: TestOutcome, view: _View) -> list[RenderableType]:
    symbol, style = MARKS[outcome.status]
    line = Text(f"  {symbol} ", style=style)
    calls = f", calls {', '.join(outcome.calls)}" if outcome.calls else ""  # (its source is not shown)
    line.append_text(safe(outcome.name + (f" (hidden{calls})" if outcome.hidden else "")))
    lines: list[RenderableType] = [line]
    if outcome.passed:  # what it printed all the same: the person may be printing to debug
        return lines + ([view.block(outcome.output, "dim", "printed")] if outcome.output else [])
    line.append(f"  {outcome.status.value}", style=style)
    # each line below wraps under itself, not at the left edge (a long path in a message did)
    if outcome.source:
        lines.append(Indented(safe(outcome.source.strip(), "cyan"), DETAIL))
    if outcome.expected is not None or outcome.actual is not None:
        values = (("expected", outcome.expected, "green"), ("got     ", outcome.actual, "red"))
        for label, value, colour in values:
            lines.append(Indented(shown(str(value), colour), lead=Text(f"{' ' * DETAIL}{label} ", colour)))
    if outcome.message:
        lines.append(Indented(shown(visible(outcome.message).split(chr(10))[0], style), DETAIL))
    if outcome.traceback and outcome.traceback.startswith("Traceback"):  # frames beyond the message
        lines.append(view.block(outcome.traceback, "red"))
    if outcome.output:
        lines.append(view.block(outcome.output, "dim", "printed"))
    return lines


class _View:
    """How much of a printed output or traceback to show: whole (``full``), or cut with ``hint``."""

    def __init__(self, full: bool, hint: str):
        self.full, self.hint = full, hint

    def block(self, text: str, style: str, title: str | None = None) -> RenderableType:
        lines = visible(text.rstrip("\n")).split("\n")  # (a \r, written out, no longer breaks a line)
        if not self.full:
            lines = _cut(lines, self.hint) or lines
        body = Group(*(Text(line, style=style) for line in lines))
        return Panel(body, title=title, title_align="left", border_style="dim", padding=(0, 1))


def _cut(lines: list[str], hint: str) -> list[str] | None:
    """The first OUTPUT_LINES lines, OUTPUT_SHOWN characters of them at most, and a line saying how much
    is left (``hint`` after it); None when all of it fits."""
    kept: list[str] = []
    room = OUTPUT_SHOWN
    for line in lines[:OUTPUT_LINES]:
        if len(line) > room:
            kept.append(line[:room])
            left = sum(map(len, lines)) - sum(map(len, kept))
            return [*kept, f"… ({left:,} more characters{hint})"]
        kept.append(line)
        room -= len(line)
    if len(kept) == len(lines):
        return None
    return [*kept, f"… ({len(lines) - len(kept):,} more lines{hint})"]


def solution_panel(spec: QuestionSpec) -> RenderableType:
    """The reference solution, revealed after the attempt."""
    body = Group(*(safe(line) for line in (spec.solution or "").strip("\n").splitlines()))
    return Panel(body, title="Reference solution", title_align="left", border_style="green", padding=(0, 1))


@contextmanager
def running_line(
    console: Console, tests: int, countdown: Countdown | None, clock: Callable[[], datetime] | None
) -> Iterator[Callable[[int | None], None]]:
    """While the code runs at a terminal: one line saying which test runs, with the question's clock,
    redrawn in place when it changes (``Running test 2 of 4... ⏱ 3:12 left of 5:00``), and cleared
    after. What it yields is told the index of the test under way (None: Python is starting)."""
    stream = console.file
    if not console.is_terminal:
        yield lambda _test: None
        return
    drawn = [""]

    def show(test: int | None) -> None:
        what = "Starting Python..." if test is None else f"Running test {test + 1} of {tests}..."
        if countdown is not None and clock is not None:
            what += f"  ⏱ {countdown.label(clock())}"
        line = fitted(f"{what}  (Ctrl-C stops the run)", console.encoding)[: max(console.width - 1, 1)]
        if line != drawn[0]:
            drawn[0] = line
            stream.write(f"\r\x1b[2K{line}")
            stream.flush()

    try:
        yield show
    finally:
        if drawn[0]:
            stream.write("\r\x1b[2K")
            stream.flush()
