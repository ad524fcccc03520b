"""`mockprep bank ...`: list, show, validate, add, remove, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mockprep.cli.common import (
    UserError,
    bank_app,
    make_console,
    open_store,
    plain,
    utc_now,
)

# -- banks --------------------------------------------------------------------------------------


@bank_app.command("list")
def bank_list() -> None:
    """Every bank: round, questions, new and due today, and its topics."""
    from rich.table import Table
    from rich.text import Text

    from mockprep.scheduler import local_midnight
    from mockprep.ui import safe

    store = open_store()
    try:
        now = utc_now()
        summaries = store.bank_summaries(now, local_midnight(now, days=1))
    finally:
        store.close()
    console = make_console()
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
            round_name, f"{count} questions", safe(f"{len(names)} topics: " + ", ".join(sorted(names)))
        )
    console.print(coverage)
    console.print(Text("Drill one topic: mockprep session --topic statistics", style="dim"))


@bank_app.command("show")
def bank_show(bank_id: Annotated[str, typer.Argument(metavar="ID", help="The bank's id.")]) -> None:
    """One bank: its details and every question."""
    from rich.table import Table

    from mockprep.ui import safe

    store = open_store()
    try:
        row = store.bank_row(bank_id)
        if row is None:
            raise UserError(f"no bank with id {bank_id!r} (see mockprep bank list)")
        records = store.questions_in_bank(bank_id)
    finally:
        store.close()
    console = make_console()
    console.print(safe(f"{row.title}  ({row.id})", "bold"))
    details = (
        f"round {row.round} · {len(records)} questions · roles {', '.join(json.loads(row.roles)) or '-'}"
    )
    console.print(safe(details))
    console.print(safe(f"source {row.source}" + ("  (removed)" if row.removed else ""), "dim"))
    if row.description:
        console.print(safe(row.description))
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


@bank_app.command("validate")
def bank_validate(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Bank files or folders.")],
) -> None:
    """Check bank files without changing anything; one line per problem, exit 2 if any."""
    from mockprep.banks import load_banks

    banks, problems = load_banks(paths)
    for problem in problems:
        typer.echo(plain(str(problem)), err=True)
    for bank in banks:
        typer.echo(plain(f"ok  {bank.source}: bank {bank.id!r}, {len(bank.questions)} questions"))
    if problems:
        raise typer.Exit(2)


@bank_app.command("add")
def bank_add(
    path: Annotated[
        Path,
        typer.Argument(metavar="PATH", help="A bank file or a folder of them (or a removed bank's id)."),
    ],
) -> None:
    """Register your own bank file or folder; it is re-read whenever it changes."""
    from mockprep.bank_sync import sync_banks
    from mockprep.banks import load_banks

    store = open_store()
    try:
        if not path.exists():
            row = store.bank_row(str(path))
            if row is not None and row.removed:
                store.set_bank_removed(row.id, False)
                typer.echo(f"Restored bank {row.id!r}.")
                return
            raise UserError(f"{path}: no such file or folder")
        banks, problems = load_banks([path])
        if problems:
            for problem in problems:
                typer.echo(plain(str(problem)), err=True)
            raise UserError(f"{path}: not added (fix the problems above)")
        owners = store.bank_owners()
        for bank in banks:
            owner = owners.get(bank.id)
            if owner and not owner[1] and owner[0] != str(Path(bank.source).resolve()):
                raise UserError(f"{bank.source}: bank id {bank.id!r} is already used by {owner[0]}")
        now = utc_now()
        resolved = path.resolve()
        store.add_bank_source(resolved, now)
        for bank in banks:
            if owners.get(bank.id, ("", False))[1]:
                store.set_bank_removed(bank.id, False)
        report = sync_banks(store, now)
        for problem in report.problems:
            typer.echo(plain(f"warning: {problem}"), err=True)
        total = sum(len(b.questions) for b in banks)
        typer.echo(
            f"Added {len(banks)} bank(s) with {total} questions from {resolved}: "
            + ", ".join(b.id for b in banks)
        )
    finally:
        store.close()


@bank_app.command("remove")
def bank_remove(
    bank_id: Annotated[str, typer.Argument(metavar="ID", help="The bank's id.")],
) -> None:
    """Stop asking a bank's questions. Its history is kept; `bank add ID` brings it back."""
    store = open_store()
    try:
        row = store.bank_row(bank_id)
        if row is None:
            raise UserError(f"no bank with id {bank_id!r} (see mockprep bank list)")
        if row.removed:
            typer.echo(f"Bank {bank_id!r} was already removed.")
            return
        store.set_bank_removed(bank_id, True)
        typer.echo(
            f"Removed bank {bank_id!r}; its review history is kept. "
            f"Bring it back with: mockprep bank add {bank_id}"
        )
    finally:
        store.close()


@bank_app.command("sync")
def bank_sync() -> None:
    """Re-read changed bank files now (every command that needs the banks does this anyway)."""
    from mockprep.bank_sync import sync_banks

    store = open_store(sync=False)
    try:
        report = sync_banks(store, utc_now())
    finally:
        store.close()
    for problem in report.problems:
        typer.echo(plain(f"warning: {problem} (its last good version is used)"), err=True)
    if not report.changed:
        typer.echo("All banks are up to date.")
    for result in report.changed:
        typer.echo(
            plain(
                f"{result.bank_id}: {result.added} added, {result.updated} updated, {result.retired} retired"
            )
        )


@bank_app.command("schema")
def bank_schema() -> None:
    """Print the JSON Schema of the bank format (for editor completion and checks)."""
    from mockprep.banks import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))
