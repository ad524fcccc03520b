"""Rendering of ``mockprep bank list`` and ``mockprep bank show``.

Bank ids and question keys are what people copy into other commands, so they are never cut: piped
output is plain columns as wide as their cells (no wrapping, no trailing spaces), and a terminal too
narrow for a table with whole keys gets one question per block instead.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mockprep.core.questions import QuestionRecord
from mockprep.core.records import BankInfo, BankSummary
from mockprep.core.sanitize import clean
from mockprep.terminal.console import Indented, plural, print_text, safe

# A terminal with less room than this for the prompts gets one block per question instead of a table.
_MIN_PROMPT = 24


def render_bank_list(console: Console, summaries: list[BankSummary]) -> None:
    if not summaries:
        console.print("No banks yet. Add your own with: mockprep bank add PATH")
        return
    header = ("bank", "round", "questions>", "new>", "due today>")
    rows = [
        (
            s.id + (" (removed)" if s.removed else " (file gone)" if s.questions == 0 else ""),
            s.round,
            str(s.questions),
            str(s.new),
            str(s.due_today),
        )
        for s in summaries
    ]
    console.print(Text("Question banks"), soft_wrap=True)
    if console.is_terminal and console.width < _width_of(header, rows):
        for (bank, round_name, questions, new, due), s in zip(rows, summaries, strict=True):
            console.print(safe(bank, "dim" if s.removed else "bold"), soft_wrap=True)
            counts = f"{plural(int(questions), 'question')} · {new} new · {due} due today"
            console.print(safe(f"  {round_name} · {counts}"))
    else:
        _columns(console, header, rows, dim=[s.removed for s in summaries])
    console.print()
    per_round: dict[str, tuple[int, set[str]]] = {}
    for s in summaries:
        if not s.removed:
            count, names = per_round.get(s.round, (0, set()))
            per_round[s.round] = (count + s.questions, names | set(s.topics))
    coverage = [
        (
            name,
            plural(count, "question"),
            plural(len(names), "topic") + (": " if names else "") + ", ".join(sorted(names)),
        )
        for name, (count, names) in sorted(per_round.items())
    ]
    if console.is_terminal and console.width < _width_of(("", "", ""), coverage):
        # too narrow for one line a round: the topics (competencies) wrap at spaces, never cut
        for name, count, topics in coverage:
            console.print(safe(f"{name} · {count}", "bold"))
            console.print(Indented(safe(topics), indent=2))
    else:
        _columns(console, None, coverage)
    print_text(console, "Practise one topic: mockprep session --topic statistics", "dim", wrap=False)


def render_bank(console: Console, bank: BankInfo, records: list[QuestionRecord]) -> None:
    whole = {"soft_wrap": True} if not console.is_terminal else {}
    console.print(safe(f"{bank.title}  ({bank.id})", "bold"), **whole)
    roles = ", ".join(bank.roles) or "-"
    console.print(safe(f"round {bank.round} · {plural(len(records), 'question')} · roles {roles}"), **whole)
    # A path people copy: the terminal may fold it, never rich.
    source = f"source {bank.source}" + ("  (removed)" if bank.removed else "")
    console.print(safe(source, "dim"), soft_wrap=True)
    if bank.description:
        console.print(safe(bank.description), **whole)
    rows = []
    for rec in records:
        spec = rec.question.spec
        prompt = (spec.prompt.strip().splitlines() or [""])[0]
        prompt = prompt[:100] + ("…" if len(prompt) > 100 else "")
        rows.append((rec.question.key, rec.question.topic, str(spec.difficulty), spec.kind, prompt))
    header = ("key", "topic", "diff>", "kind", "prompt")
    if not console.is_terminal:
        _columns(console, header, rows)
        return
    if console.width >= _width_of(header[:4], [row[:4] for row in rows]) + 2 + _MIN_PROMPT:
        _table(console, header, rows)
    else:
        _blocks(console, rows)


def _width_of(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> int:
    """The width a table of these cells needs without shortening any (two spaces between columns)."""
    widths = [
        max([cell_len(name.removesuffix(">"))] + [cell_len(clean(row[i])) for row in rows])
        for i, name in enumerate(header)
    ]
    return sum(widths) + 2 * (len(widths) - 1)


def _columns(
    console: Console,
    header: tuple[str, ...] | None,
    rows: list[tuple[str, ...]],
    dim: list[bool] | None = None,
) -> None:
    """Rows as columns: a table on a terminal, and when piped, plain text as wide as the cells."""
    names = [name.removesuffix(">") for name in header] if header else None
    right = [name.endswith(">") for name in header] if header else [False] * len(rows[0] if rows else ())
    cells = [[clean(cell) for cell in row] for row in rows]
    if console.is_terminal:
        table = Table(box=None, pad_edge=False, show_header=names is not None, header_style="bold")
        for index, name in enumerate(names or [""] * len(right)):
            table.add_column(name, justify="right" if right[index] else "left", no_wrap=index == 0)
        for number, row in enumerate(cells):
            table.add_row(*(Text(cell) for cell in row), style="dim" if dim and dim[number] else "")
        console.print(table)
        return
    lines = ([names] if names else []) + cells
    widths = [max(cell_len(line[i]) for line in lines) for i in range(len(right))]
    for line in lines:
        padded = [
            " " * (width - cell_len(cell)) + cell if right[i] else cell + " " * (width - cell_len(cell))
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        console.out("  ".join(padded).rstrip(), highlight=False)


def _table(console: Console, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Questions one per line: key, topic, difficulty and kind whole; only the prompt is shortened."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in header:
        right = name.endswith(">")
        # Only the prompt column may shrink; its cells cut themselves short with an ellipsis.
        table.add_column(
            name.removesuffix(">"), justify="right" if right else "left", no_wrap=name != "prompt"
        )
    for *fixed, prompt in rows:
        prompt_cell = safe(prompt)
        prompt_cell.no_wrap, prompt_cell.overflow = True, "ellipsis"
        table.add_row(*(safe(cell) for cell in fixed), prompt_cell)
    console.print(table)


def _blocks(console: Console, rows: list[tuple[str, ...]]) -> None:
    """One question per block, its key alone on the first line (for terminals too narrow for a table)."""
    for key, topic, difficulty, kind, prompt in rows:
        console.print(safe(key, "bold"), soft_wrap=True)
        console.print(safe(f"  {topic} · difficulty {difficulty} · {kind}", "dim"))
        preview = Text("  ") + safe(prompt)
        preview.no_wrap, preview.overflow = True, "ellipsis"
        console.print(preview)
