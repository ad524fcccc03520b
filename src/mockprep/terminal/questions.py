"""Rich rendering of the question browser: ``question show``, ``question search`` and ``question list``.

Keys are what a person copies into other commands, so a key is printed whole on a line of its own and
never cut, however narrow the terminal or the pipe; only prompt excerpts are shortened.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from fsrs import Rating
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from mockprep.core.autograde import readable_number
from mockprep.core.browser import QuestionDetail, QuestionHit, ReviewEntry
from mockprep.core.card_actions import CardMarks, state_name
from mockprep.core.choice_answers import choice_letter
from mockprep.core.durations import format_duration
from mockprep.core.sanitize import clean, shorten
from mockprep.core.scheduler import RATING_NAMES, CardState, card_state
from mockprep.core.wording import session_kind_name as kind_name
from mockprep.terminal.console import (
    Indented,
    hanging_lines,
    model_answer_lines,
    plain_table,
    plural,
    print_text,
    safe,
)
from mockprep.terminal.noted_table import print_noted_table

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionSpec

STATE_BEFORE = {0: "new", 1: "learning", 2: "review", 3: "relearning"}


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _due(card_due: datetime, now: datetime) -> str:
    if card_due <= now:
        return "due now"
    return f"due in {format_duration((card_due - now).total_seconds())} ({_local(card_due)})"


def _status(hit_card_state: CardState, due: datetime, marks: CardMarks, now: datetime) -> str:
    words = [hit_card_state.name.lower()]
    if hit_card_state != CardState.NEW:
        words.append(_due(due, now))
    return ", ".join(words + marks.labels(now))


def render_hits(console: Console, hits: list[QuestionHit], now: datetime, empty: str) -> None:
    """Two lines per question: the whole key with where it stands, then the prompt's first line."""
    if not hits:
        print_text(console, empty)  # (it may quote the person's search words: shown literally)
        return
    excerpt_width = max(20, console.width - 4)
    for hit in hits:
        q = hit.record.question
        line = Text(clean(q.key), style="bold")
        line.append(f"  {q.round} · {clean(q.topic)} · ", style="dim")
        line.append(_status(card_state(hit.card), hit.card.due, hit.marks, now), style="dim")
        console.print(line, soft_wrap=True)  # never wrapped or cut inside the key
        first = clean(q.spec.prompt.strip().splitlines()[0]) if q.spec.prompt.strip() else ""
        if len(first) > excerpt_width:
            first = first[: excerpt_width - 1] + "…"
        console.print(Text("    " + first), soft_wrap=True)
    footer = Text(f"{plural(len(hits), 'question')}. Open one: mockprep question show KEY", style="dim")
    console.print(footer, soft_wrap=True)


def render_question(
    console: Console, detail: QuestionDetail, now: datetime, renamed_from: str | None = None
) -> None:
    """``renamed_from``: the old key (or id) the person asked for, which the question had before."""
    record = detail.record
    q = record.question
    spec = q.spec
    title = Text(clean(q.key), style="bold")
    if renamed_from is not None:
        title.append(f"  (renamed from {clean(renamed_from)})", style="dim")
    if record.retired:
        title.append("  (retired: no longer in its bank file)", style="yellow")
    console.print(title, soft_wrap=True)
    meta = f"{q.round} · {q.topic} · difficulty {spec.difficulty} · {spec.kind}"
    if spec.time_limit_seconds is not None:
        meta += f" · time limit {format_duration(spec.time_limit_seconds)}"
    if spec.competencies:
        meta += f" · competencies {', '.join(spec.competencies)}"
    if spec.tags:
        meta += f" · tags {', '.join(spec.tags)}"
    print_text(console, meta, "dim")  # (wrapped at spaces, no trailing ones: piped output is grepped)
    body: list[RenderableType] = [*hanging_lines(safe(spec.prompt.strip()), max(console.width - 4, 10))]
    for index, choice in enumerate(spec.choices or []):  # a wrapped choice's lines under its text
        body.append(Indented(safe(choice), lead=Text(f"  {choice_letter(index)}) ", style="bold")))
    if spec.kind == "code":
        body += _code_lines(spec)
    console.print(Panel(Group(*body), title="Question", title_align="left", border_style="blue"))
    parts: list[RenderableType] = [*model_answer_lines(spec.answer.strip(), max(console.width - 4, 10))]
    if spec.correct is not None:
        parts.append(Text(f"Correct choice: {spec.correct}", style="bold"))
    if spec.value is not None:
        tolerance = f" ± {readable_number(spec.tolerance)}" if spec.tolerance else ""
        expected = f"Expected value: {readable_number(spec.value)}{tolerance} {spec.unit or ''}"
        parts.append(safe(expected.rstrip(), "bold"))
    parts.append(Text("\nKey points", style="bold"))
    parts += [Indented(safe(point), lead=Text("  • ")) for point in spec.key_points]
    if spec.follow_ups:
        parts.append(Text("\nFollow-ups", style="bold"))
        parts += [Indented(safe(f, "italic"), lead=Text("  → ")) for f in spec.follow_ups]
    if spec.misconceptions:
        parts.append(Text("\nCommon misconceptions (each is wrong)", style="bold"))
        parts += [Indented(safe(m), lead=Text("  ✗ ", style="red")) for m in spec.misconceptions]
    console.print(Panel(Group(*parts), title="Model answer", title_align="left", border_style="green"))
    if spec.kind == "code" and spec.solution:
        from mockprep.terminal.code_run import solution_panel

        console.print(solution_panel(spec))
    _render_schedule(console, detail, now)
    _render_reviews(console, detail.reviews)


def _code_lines(spec: QuestionSpec) -> list[RenderableType]:
    """A code question's starter and visible examples, as a session shows them (hidden tests stay hidden)."""
    from mockprep.terminal.code_run import code_line, example_lines

    lines: list[RenderableType] = []
    if spec.starter and spec.starter.strip():
        lines += [Text("\nStarter code", style="bold")]
        lines += [code_line(line) for line in spec.starter.strip("\n").splitlines()]
    examples = example_lines(spec)
    if examples:
        lines += [Text(""), *examples]
    return lines


def _render_schedule(console: Console, detail: QuestionDetail, now: datetime) -> None:
    card, marks = detail.card, detail.marks
    state = card_state(card)
    line = Text("Scheduling: ", style="bold")
    if state == CardState.NEW:
        line.append("new — not answered yet")
    else:
        line.append(f"{state_name(card)} · {_due(card.due, now)}")
        if card.stability is not None and card.difficulty is not None:
            line.append(f" · stability {card.stability:.1f} days · difficulty {card.difficulty:.1f}/10")
        line.append(f" · {plural(len(detail.reviews), 'rating')}, {plural(detail.lapses, 'lapse')}")
    print_text(console, line)
    if marks.suspended and marks.suspended_at is not None:
        why = "automatically as a leech" if marks.suspended_by == "leech" else "by you"
        console.print(
            Text(f"Suspended {why} on {_local(marks.suspended_at)}: not asked until unsuspended.", "yellow")
        )
    if marks.buried(now) and marks.buried_until is not None:
        console.print(Text(f"Buried until {_local(marks.buried_until)}.", "yellow"))
    if marks.flagged and marks.flagged_at is not None:
        console.print(Text(f"Flagged on {_local(marks.flagged_at)}.", "magenta"))
    if detail.linked_stories:
        console.print(Text("Stories linked: " + ", ".join(str(s) for s in detail.linked_stories)))


def _render_reviews(console: Console, reviews: list[ReviewEntry]) -> None:
    if not reviews:
        console.print(Text("No ratings yet.", style="dim"))
        return
    columns = ("date", "rating", "time / limit", "was", "session")  # the answer under each row
    table = plain_table(*columns, title="Ratings, oldest first")
    answers = []
    for r in reviews:
        limit = "-" if r.time_limit_ms is None else format_duration(r.time_limit_ms / 1000)
        used = Text(f"{format_duration(r.duration_ms / 1000)} / {limit}", style="red" if r.overtime else "")
        session = "-" if r.session_id is None else f"{kind_name(r.session_kind)} {r.session_id}".strip()
        answer = r.answer.strip().splitlines()[0] if r.answer.strip() else "(nothing typed)"
        table.add_row(
            _local(r.rated_at),
            RATING_NAMES[Rating(r.rating)],
            used,
            STATE_BEFORE.get(r.state_before, str(r.state_before)),
            safe(session),  # (an imported kind is data too)
        )
        answers.append(safe(shorten(answer, 200), "" if r.answer.strip() else "dim"))
    print_noted_table(console, table, answers, "answer")
