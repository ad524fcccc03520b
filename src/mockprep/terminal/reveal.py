"""What comes after an answer: the time taken, the auto-grade, the key-point checklist the person
confirms, the follow-ups, and the model answer (in pages on a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from mockprep.core.durations import format_duration
from mockprep.core.grading import Verdict
from mockprep.core.timer import AnswerTiming
from mockprep.terminal.console import Indented, safe

if TYPE_CHECKING:
    from rich.console import RenderableType

    from mockprep.core.grading import Assessment
    from mockprep.core.telling import Telling
    from mockprep.practice.ui import Attempt

MARKS = {
    Verdict.COVERED: ("✓", "green"),
    Verdict.PARTLY: ("◐", "yellow"),
    Verdict.MISSING: ("✗", "red"),
    Verdict.CONTRADICTED: ("≠", "bold red"),
}
EVIDENCE_CHARS = 110  # the matched sentence is shown up to this long
REASON_CHARS = 300  # ... and why a point is contradicted (a misconception is quoted whole) this long
CHECKLIST_HELP = "numbers toggle (e.g. 2 4), a ticks all, n none, Enter accepts"
# Measured by benchmarks/grading (README: "How far to trust it"): on good answers to behavioral and
# project questions the offline grader finds about half of the key points an interviewer would tick.
STORY_ROUNDS = ("behavioral", "project")
STORY_CAUTION = (
    "A story shows these without naming them; the grader misses many in good answers: tick what yours showed."
)


def clip(text: str, limit: int = EVIDENCE_CHARS) -> str:
    """One line of at most ``limit`` characters (an ellipsis marks a cut)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def timing_text(timing: AnswerTiming) -> Text:
    """``⏱ 1m40s of 3m`` or, past the limit, ``⏱ 3m40s — 40s over the 3m limit`` in red."""
    used = format_duration(timing.seconds)
    if timing.limit is None:
        return Text(f"⏱ {used}", style="dim")
    if timing.overtime > 0:
        return Text(timing.over_text(), style="bold red")
    return Text(f"⏱ {used} of {format_duration(timing.limit)}", style="green")


def telling_text(telling: Telling) -> Text:
    """``Told aloud about 24s (61 words at 150 a minute): under half of about 2m (1m30s-2m30s)...``:
    yellow outside the range, green within it."""
    return Text(telling.line(), style="green" if telling.within else "yellow")


def checklist_heading(verdicts: Sequence[Verdict], blank: bool, assessment: Assessment | None = None) -> Text:
    """``Key points — the grader ticks 2 of 4``; a model's verdict names the model and how long it took."""
    if blank:
        return Text("Key points — tick the ones you said", style="bold")
    model = assessment.model if assessment is not None else None
    set_aside = assessment.set_aside if assessment is not None and model is not None else 0
    who, tick = ("the grader" if model is None else model), "ticks"
    if set_aside:  # the model's claims without a quote from the answer: the offline grader's verdicts
        everything = set_aside >= len(verdicts)
        who, tick = (
            ("the offline grader", "ticks") if everything else (f"{model} and the offline grader", "tick")
        )
    text = Text("Key points — ", style="bold")
    text.append_text(safe(f"{who} {tick} {tick_count(verdicts)}", "bold"))
    contradicted = sum(v is Verdict.CONTRADICTED for v in verdicts)
    if contradicted:
        text.append(f" and finds {contradicted} stated the other way round", style="bold red")
    if model is not None and assessment is not None and assessment.seconds is not None:
        text.append(f"  ({format_latency(assessment.seconds)})", style="dim")
    if set_aside:
        of = "verdicts" if set_aside >= len(verdicts) else f"verdict on {set_aside}"
        text.append_text(safe(f"  · {model}'s {of} set aside: not backed by a quote from the answer", "dim"))
    offline = assessment.offline if model is not None and assessment is not None else None
    if offline is not None and [p.verdict for p in offline.points] != [p.verdict for p in assessment.points]:
        # (the model and the offline grader disagree: the person sees both counts)
        text.append(f"  · the offline grader: {tick_count([p.verdict for p in offline.points])}", style="dim")
    return text


def tick_count(verdicts: Sequence[Verdict]) -> str:
    """``2 of 4``, or ``0 of 6, 6 partly`` when some are partly covered."""
    covered = sum(v is Verdict.COVERED for v in verdicts)
    partly = sum(v is Verdict.PARTLY for v in verdicts)
    return f"{covered} of {len(verdicts)}" + (f", {partly} partly" if partly else "")


def format_latency(seconds: float) -> str:
    """A model's latency: ``0.8 s``, ``12 s``, ``1m05s``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 60 else format_duration(seconds)


def error_lines(assessment: Assessment) -> list[Text | Indented]:
    """The factual errors a model found in the answer, one each, its wrapped lines under its text."""
    if not assessment.errors:
        return []
    lines: list[Text | Indented] = [Text("Factual errors", style="bold red")]
    for error in assessment.errors:
        lines.append(Indented(safe(error), lead=Text("  ✗ ", style="red")))
    return lines


def _indented(text: Text, indent: int = 6) -> RenderableType:
    """``text`` under its key point: every line it wraps to starts where the point's text starts."""
    return Indented(text, indent)


def key_point_lines(attempt: Attempt, verdicts: Sequence[Verdict] | None = None) -> list[RenderableType]:
    """The key points, numbered and marked (with the sentence each mark rests on), and the follow-ups.

    ``verdicts`` overrides the grader's marks (the checklist as the person has set it).
    """
    spec = attempt.record.question.spec
    points = attempt.assessment.points
    lines: list[RenderableType] = []
    if points:
        marks = list(verdicts) if verdicts is not None else [p.verdict for p in points]
        blank = not attempt.answer.strip()
        lines.append(checklist_heading(marks, blank, attempt.assessment))
        offline = attempt.assessment.model is None
        if offline and not blank and attempt.record.question.round in STORY_ROUNDS:
            lines.append(Indented(Text(STORY_CAUTION, style="dim"), lead=Text("  ")))
        for number, (point, verdict) in enumerate(zip(points, marks, strict=True), start=1):
            symbol, style = MARKS[verdict]
            lead = Text(f"  {number} ", style="bold")
            lead.append(f"{symbol} ", style=style)
            lines.append(Indented(safe(point.point), lead=lead))  # wrapped lines under its text
            under = cell_len(lead.plain)  # (7 columns from point 10 on)
            if point.evidence and verdict is not Verdict.MISSING:
                quote = Text("“", style="dim italic")
                from mockprep.core.excerpts import excerpt  # (its word matching loads with the grader)

                # (the stretch of a long quote with the point's words: they may end a second sentence)
                shown = excerpt(point.evidence, f"{point.point} {point.reason or ''}", EVIDENCE_CHARS)
                quote.append_text(safe(shown, "dim italic"))
                quote.append("”", style="dim italic")
                lines.append(_indented(quote, under))
            if point.reason:
                lines.append(_indented(safe(clip(point.reason, REASON_CHARS), "dim"), under))
        lines.extend(error_lines(attempt.assessment))
    else:
        lines.append(Text("Key points", style="bold"))
        for point in spec.key_points:
            lines.append(Indented(safe(point), lead=Text("  • ")))
    asked = attempt.follow_up[0] if attempt.follow_up is not None else None
    if follow_ups := [f for f in spec.follow_ups if f != asked]:  # (not the one a mock asked already)
        lines.append(Text("\nAn interviewer might ask next", style="bold"))
        for follow_up in follow_ups:
            lines.append(Indented(safe(follow_up, "italic"), lead=Text("  → ")))
    return lines


def toggle(verdicts: list[Verdict], reply: str) -> list[Verdict] | str:
    """The checklist after a reply: numbers flip ticked ↔ not ticked, ``a`` ticks all, ``n`` none.

    Returns the problem as a string when the reply cannot be read.
    """
    words = reply.replace(",", " ").split()
    if words == ["a"]:
        return [Verdict.COVERED] * len(verdicts)
    if words == ["n"]:
        return [Verdict.MISSING] * len(verdicts)
    if not all(w.isdigit() and 1 <= int(w) <= len(verdicts) for w in words):
        return f"type key-point numbers 1-{len(verdicts)}, a, n, or just Enter"
    changed = list(verdicts)
    for word in words:
        index = int(word) - 1
        changed[index] = Verdict.MISSING if changed[index] is Verdict.COVERED else Verdict.COVERED
    return changed


def compact_points(attempt: Attempt, verdicts: Sequence[Verdict], width: int) -> list[Text]:
    """The key points one line each, numbered and with their marks, cut with an ellipsis at ``width``
    (the screen's): what the checklist toggles, once the reveal's full list has scrolled away."""
    lines = []
    for number, (point, verdict) in enumerate(zip(attempt.assessment.points, verdicts, strict=True), start=1):
        symbol, style = MARKS[verdict]
        line = Text(f"  {number} ", style="bold")
        line.append(f"{symbol} ", style=style)
        line.append_text(safe(_cut(" ".join(point.point.split()), width - line.cell_len)))
        lines.append(line)
    return lines


def _cut(text: str, room: int) -> str:
    """``text`` in ``room`` cells, cut at a space with an ellipsis when it is longer."""
    if cell_len(text) <= room:
        return text
    cut = text
    while cut and cell_len(cut) > room - 1:
        cut = cut[:-1]
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip() + "…"


def confirm_checklist(
    read_line: Callable[[str, None], str | None],
    attempt: Attempt,
    print_line: Callable[[Text], None],
    points_on_screen: Callable[[], bool] = lambda: True,
    width: int = 80,
) -> list[Verdict] | None:
    """Let the person set the checklist; None when they quit. ``print_line(Text)`` shows a line.
    Keys typed before it is shown (while a model graded) are dropped: only what follows it counts.
    Once ``points_on_screen()`` says the reveal's key points have scrolled away, each prompt has them
    above it, one line each with their current marks."""
    from mockprep.terminal.typeahead import discard_typeahead

    if discard_typeahead():
        print_line(Text("(what you typed while it graded was dropped: it answers nothing)", style="dim"))
    verdicts = [p.verdict for p in attempt.assessment.points]
    listed = False
    while True:
        listed = listed or not points_on_screen()
        if listed:
            for point_line in compact_points(attempt, verdicts, width):
                print_line(point_line)
        ticked = " ".join(str(i) for i, v in enumerate(verdicts, start=1) if v is Verdict.COVERED) or "none"
        partly = " ".join(str(i) for i, v in enumerate(verdicts, start=1) if v is Verdict.PARTLY)
        wrong = " ".join(str(i) for i, v in enumerate(verdicts, start=1) if v is Verdict.CONTRADICTED)
        line = Text("You covered: ", style="bold")
        line.append(ticked)
        if partly:
            line.append(f"; partly {partly}", style="yellow")
        if wrong:
            line.append(f"; the other way round {wrong}", style="red")
        line.append(f"   ({CHECKLIST_HELP})", style="dim")
        print_line(line)
        reply = read_line("checklist> ", None)
        if reply is None or reply.strip() == "q":
            return None
        if not reply.strip():
            return verdicts
        result = toggle(verdicts, reply.strip().lower())
        if isinstance(result, str):
            print_line(Text(result, style="yellow"))
            continue
        verdicts = result


def typed_rows(answer: str, width: int) -> int:
    """Rows an answer typed after a two-column prompt takes on screen."""
    return sum(max(1, -(-(cell_len(line) + 2) // max(width, 1))) for line in answer.split("\n"))
