"""Rich rendering of ``mockprep story``: list, show, history, diff, check, matrix, and rehearsal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from mockprep.core.durations import format_duration
from mockprep.core.llm_interviewer import StoryFeedback
from mockprep.core.records import StoryListing, StoryVersion
from mockprep.core.sanitize import clean
from mockprep.core.stories import PARTS, telling_range, told_length
from mockprep.core.story_check import StoryCheck, check_story, count_words, whole_percent
from mockprep.core.story_matrix import StoryMatrix
from mockprep.core.timer import Countdown
from mockprep.terminal.console import Indented, plain_table, print_table, print_text, safe
from mockprep.terminal.input import ReadLine
from mockprep.terminal.reveal import timing_text
from mockprep.terminal.voice import render_parts, render_spoken

if TYPE_CHECKING:
    from mockprep.core.settings import Settings
    from mockprep.practice.rehearsal import Telling

MATRIX_LIST = 15  # uncovered questions listed without --all


def _local(version: StoryVersion) -> str:
    return version.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")


def render_story_list(console: Console, listings: list[StoryListing]) -> None:
    if not listings:
        print_text(console, "No stories yet. Write your first: mockprep story new")
        return
    table = plain_table(
        "id>", "title", "competencies", "last edit", "version>", "check>", "rehearsed>", "links>",
        whole=("id",),
    )  # fmt: skip
    for listing in listings:
        latest = listing.latest
        draft = latest.draft
        table.add_row(
            str(latest.story_id),
            safe(draft.title),
            safe("\n".join(draft.competencies) or "-"),  # one a line (a slug has no space to wrap at)
            _local(latest),
            str(latest.version),
            str(check_story(draft).score),
            str(listing.rehearsals),
            str(listing.links),
        )
    print_table(console, table)


def render_story(console: Console, version: StoryVersion, links: list[str], note: str | None = None) -> None:
    """A story's version in full; ``note``: what it says of a version edited beside another one."""
    draft = version.draft
    print_text(console, safe(f"{draft.title}", "bold"))
    print_text(
        console,
        safe(
            f"story {version.story_id} · version {version.version} · "
            + (", ".join(draft.competencies) or "no competencies"),
            "dim",
        ),
    )
    if note:
        print_text(console, Text(note, style="yellow"))
    for part in PARTS:
        text = getattr(draft, part)
        if part == "reflection" and not text:
            continue
        console.print()
        print_text(console, Text(part.capitalize(), style="bold cyan"))
        print_text(console, safe(text or "(missing)"))
    if links:
        console.print()
        print_text(console, safe("Answers: " + ", ".join(links), "dim"))


def render_story_history(console: Console, versions: list[StoryVersion]) -> None:
    """Every version with the one it was edited from; versions edited from the same one (on two devices)
    said below, with which the latest draft follows."""
    from mockprep.core.story_tree import StoryTree
    from mockprep.terminal.story_forks import fork_lines

    tree = StoryTree.of(versions)
    forked = bool(tree.forks())  # (the column only then: a line of edits needs no more)
    columns = ("version>", *(("from>",) if forked else ()), "saved", "title", "words>", "check>")
    table = plain_table(*columns, whole=("version",))
    for version in versions:
        draft = version.draft
        words = sum(count_words(t) for t in draft.parts().values())
        parent = tree.parent(version.version)
        table.add_row(
            str(version.version),
            *(("-" if parent is None else str(parent),) if forked else ()),
            _local(version),
            safe(draft.title),
            str(words),
            str(check_story(draft).score),
        )
    print_table(console, table)
    if versions:
        for line in fork_lines(tree, versions[0].story_id, max(v.version for v in versions)):
            print_text(console, Text(line, style="yellow"))


def render_diff(console: Console, lines: list[str]) -> None:
    """A unified diff, each line printed whole (never wrapped, whatever the width): piped, it applies
    with ``patch``; in a terminal, the terminal folds a long line."""
    for line in lines:
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@")
            else ""
        )
        print_text(console, safe(line, style) if style else Text(clean(line)), wrap=False)


def render_check(console: Console, title: str, check: StoryCheck) -> None:
    heading = safe(f"{title}: {check.score}/100", "bold")
    if (capped := check.capped_by) is not None:  # the score is not the sum of the points below: say why
        points = sum(item.points for item in check.items)
        heading.append(f" (held at {capped.cap} by {capped.name}; the points below add to {points})", "dim")
    print_text(console, heading)
    table = plain_table("item", "points>", "advice", whole=("item", "points"))
    table.show_header = False
    for item in check.items:
        mark = Text("✓ " if item.passed else "✗ ", style="green" if item.passed else "red")
        mark.append(item.name)
        table.add_row(mark, f"{item.points}/{item.max_points}", safe(item.message))
    print_table(console, table)
    shares = "  ".join(
        f"{p[0].upper()} {whole_percent(check.percentages.get(p, 0))}%"
        for p in ("situation", "task", "action", "result")
    )
    print_text(
        console,
        safe(
            f"Split {shares} (aim S 20% T 10% A 60% R 10%) · {told_length(check.estimated_seconds)} spoken",
            "dim",
        ),
    )


def render_story_feedback(console: Console, model: str, seconds: float, feedback: StoryFeedback) -> None:
    """A model's comments on the rubric's items, set apart from the score they do not change."""
    console.print()
    heading = safe(f"Feedback from {model}", "bold")
    heading.append(f"  ({seconds:.1f} s; it does not change the score)", style="dim")
    print_text(console, heading)
    table = plain_table("item", "comment", whole=("item",))
    table.show_header = False
    for name, comment in feedback.comments:
        table.add_row(safe(name), safe(comment))
    print_table(console, table)
    # (a long line's wrapped lines under its text, not at column 0)
    if feedback.strongest:
        console.print(Indented(safe(feedback.strongest), lead=Text("Strongest: ")))
    if feedback.next_edit:
        console.print(Indented(safe(feedback.next_edit, "bold"), lead=Text("Next edit: ", style="bold")))


def render_matrix(console: Console, matrix: StoryMatrix, all_: bool) -> None:
    if matrix.stories:
        table = plain_table("competency", *(f"{i}" for i, _d in matrix.stories), whole=("competency",))
        for column in table.columns[1:]:
            column.justify = "center"
        for competency in matrix.competencies:
            marks = [
                Text("●", style="green") if matrix.shows(d, competency) else Text("·", style="dim")
                for _i, d in matrix.stories
            ]
            table.add_row(safe(competency), *marks)
        print_table(console, table)
        print_text(console, safe("Stories: " + "; ".join(f"{i} {d.title}" for i, d in matrix.stories), "dim"))
    else:
        print_text(console, "No stories yet. Write your first: mockprep story new")
    if matrix.missing:
        print_text(console, f"Competencies no story shows yet: {', '.join(matrix.missing)}", "yellow")
    uncovered = matrix.uncovered
    print_text(
        console,
        f"Behavioral questions with no linked story and no story of their competencies: "
        f"{len(uncovered)} of {matrix.questions}",
    )
    for key in uncovered if all_ else uncovered[:MATRIX_LIST]:
        print_text(console, f"  {key}", "dim")
    if not all_ and len(uncovered) > MATRIX_LIST:
        print_text(console, Text(f"  … {len(uncovered) - MATRIX_LIST} more (--all)", style="dim"))


class RehearsalTerminalUI:
    """:class:`mockprep.practice.ui.RehearsalUI` on a rich console."""

    def __init__(self, console: Console, read_line: ReadLine):
        self.console = console
        self.read_line = read_line

    def show_outline(self, lines: list[str]) -> None:
        for index, line in enumerate(lines):
            print_text(self.console, safe(line, "bold" if index == 0 else ""))

    def ready(self, target: float) -> bool:
        prompt = f"Press Enter, then tell the story aloud ({format_duration(target)} target); q cancels: "
        return self.read_line(prompt, None) not in (None, "q")

    def finished(self, countdown: Countdown) -> bool:
        return self.read_line("Press Enter when you finish. ", countdown) is not None


def render_telling(console: Console, telling: Telling, settings: Settings) -> None:
    """After a rehearsal: its time against the target and, when spoken into mockprep, what was heard,
    the parts of the draft it carried and how it was delivered."""
    if telling.spoken is not None:
        for panel in render_spoken(console, telling.spoken, settings, telling.timing.limit):
            console.print(panel)
        print_text(console, render_parts(telling.parts))
    console.print(timing_text(telling.timing))
    if telling.timing.limit:
        print_text(console, telling_verdict(telling.timing.seconds, telling.timing.limit))


def telling_verdict(seconds: float, target: float) -> str:
    """How a telling's length compares with its target, and what to do about it: "about" the target is
    :func:`mockprep.core.stories.telling_range` of it (1m30s-2m30s for 2m), as the story check and a
    session's clock have it; past its top an interviewer cuts in."""
    low, high = telling_range(target)
    about = f"about {format_duration(target)} is {format_duration(low)}-{format_duration(high)}"
    if seconds < target / 2:
        return "Much shorter than the target: a telling this brief leaves parts out; tell the Action in full."
    if seconds < low:
        return (
            f"A little short of the target ({about}): there is room for the Action's detail and the"
            " Result's numbers."
        )
    if seconds <= high:
        return f"On target ({about})."
    if seconds <= 1.5 * target:
        return f"Over the target ({about}): an interviewer may cut in; trim the Situation first."
    return (
        f"Well over the target ({about}): an interviewer will cut in; trim the Situation and the Task"
        " to a line each."
    )
