"""Rich rendering of ``mockprep bank list`` and ``mockprep bank show``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mockprep.core.questions import QuestionRecord
from mockprep.core.records import BankInfo, BankSummary
from mockprep.terminal.console import plural, safe


def render_bank_list(console: Console, summaries: list[BankSummary]) -> None:
    if not summaries:
        console.print("No banks yet. Add your own with: mockprep bank add PATH")
        return
    table = Table(title="Question banks", title_justify="left", expand=False, box=None, pad_edge=False)
    table.add_column("bank", no_wrap=True)
    table.add_column("round", no_wrap=True)
    for column in ("questions", "new", "due today"):
        table.add_column(column, justify="right", no_wrap=True)
    per_round: dict[str, tuple[int, set[str]]] = {}
    for s in summaries:
        table.add_row(
            safe(s.id + (" (removed)" if s.removed else "")),
            s.round,
            str(s.questions),
            str(s.new),
            str(s.due_today),
            style="dim" if s.removed else "",
        )
        if not s.removed:
            count, names = per_round.get(s.round, (0, set()))
            per_round[s.round] = (count + s.questions, names | set(s.topics))
    console.print(table)
    console.print()
    coverage = Table.grid(padding=(0, 2))
    coverage.add_column(no_wrap=True)
    coverage.add_column(justify="right", no_wrap=True)
    coverage.add_column()
    for round_name, (count, names) in sorted(per_round.items()):
        coverage.add_row(
            round_name,
            plural(count, "question"),
            safe(f"{plural(len(names), 'topic')}: " + ", ".join(sorted(names))),
        )
    console.print(coverage)
    console.print(Text("Drill one topic: mockprep session --topic statistics", style="dim"))


def render_bank(console: Console, bank: BankInfo, records: list[QuestionRecord]) -> None:
    console.print(safe(f"{bank.title}  ({bank.id})", "bold"))
    details = (
        f"round {bank.round} · {plural(len(records), 'question')} · roles {', '.join(bank.roles) or '-'}"
    )
    console.print(safe(details))
    console.print(safe(f"source {bank.source}" + ("  (removed)" if bank.removed else ""), "dim"))
    if bank.description:
        console.print(safe(bank.description))
    table = Table(expand=False, show_lines=False)
    for column in ("id", "topic", "diff", "kind", "prompt"):
        table.add_column(column, overflow="fold" if column == "prompt" else "ellipsis")
    for rec in records:
        spec = rec.question.spec
        prompt = spec.prompt.strip().splitlines()[0]
        table.add_row(
            safe(spec.id),
            safe(rec.question.topic),
            str(spec.difficulty),
            spec.kind,
            safe(prompt[:100] + ("…" if len(prompt) > 100 else "")),
        )
    console.print(table)
