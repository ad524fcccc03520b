"""`mockprep bank ...`: list, show, validate, add, remove, sync, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mockprep.cli.app import UserError, bank_app
from mockprep.cli.context import make_console, open_store, plain, utc_now
from mockprep.cli.options import BankId
from mockprep.core.wording import plural


@bank_app.command("list")
def bank_list() -> None:
    """Every bank: round, questions, new and due today, and its topics."""
    from mockprep.core.scheduler import local_midnight
    from mockprep.terminal.banks import render_bank_list

    store = open_store()
    try:
        summaries = store.banks.summaries(local_midnight(utc_now(), days=1))
    finally:
        store.close()
    render_bank_list(make_console(), summaries)


@bank_app.command("show")
def bank_show(bank_id: BankId) -> None:
    """One bank: its details and every question."""
    from mockprep.terminal.banks import render_bank

    store = open_store()
    try:
        bank = store.banks.get(bank_id)
        if bank is None:
            raise UserError(f"no bank with id {bank_id!r} (see mockprep bank list)")
        records = store.banks.questions_in_bank(bank_id)
    finally:
        store.close()
    render_bank(make_console(), bank, records)


@bank_app.command("validate")
def bank_validate(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Bank files or folders.")],
) -> None:
    """Check bank files without changing anything; one line per problem, exit 2 if any."""
    from mockprep.core.banks import load_banks

    banks, problems = load_banks(paths)
    for problem in problems:
        typer.echo(plain(str(problem)), err=True)
    for bank in banks:
        typer.echo(plain(f"ok  {bank.source}: bank {bank.id!r}, {plural(len(bank.questions), 'question')}"))
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
    from mockprep.core.banks import load_banks
    from mockprep.services.bank_sync import sync_banks

    store = open_store()
    try:
        if not path.exists():
            row = store.banks.get(str(path))
            if row is not None and row.removed:
                store.banks.set_removed(row.id, False)
                typer.echo(f"Restored bank {row.id!r}.")
                return
            raise UserError(f"{path}: no such file or folder")
        banks, problems = load_banks([path])
        if problems:
            for problem in problems:
                typer.echo(plain(str(problem)), err=True)
            raise UserError(f"{path}: not added (fix the problems above)")
        owners = store.banks.owners()
        for bank in banks:
            owner = owners.get(bank.id)
            if owner and not owner[1] and owner[0] != str(Path(bank.source).resolve()):
                raise UserError(f"{bank.source}: bank id {bank.id!r} is already used by {owner[0]}")
        now = utc_now()
        resolved = path.resolve()
        store.banks.add_source(resolved, now)
        for bank in banks:
            if owners.get(bank.id, ("", False))[1]:
                store.banks.set_removed(bank.id, False)
        report = sync_banks(store, now)
        for problem in report.problems:
            typer.echo(plain(f"warning: {problem}"), err=True)
        total = sum(len(b.questions) for b in banks)
        typer.echo(
            f"Added {plural(len(banks), 'bank')} with {plural(total, 'question')} from {resolved}: "
            + ", ".join(b.id for b in banks)
        )
    finally:
        store.close()


@bank_app.command("remove")
def bank_remove(
    bank_id: BankId,
) -> None:
    """Stop asking a bank's questions. Its history is kept; `bank add ID` brings it back."""
    store = open_store()
    try:
        row = store.banks.get(bank_id)
        if row is None:
            raise UserError(f"no bank with id {bank_id!r} (see mockprep bank list)")
        if row.removed:
            typer.echo(f"Bank {bank_id!r} was already removed.")
            return
        store.banks.set_removed(bank_id, True)
        typer.echo(
            f"Removed bank {bank_id!r}; its review history is kept. "
            f"Bring it back with: mockprep bank add {bank_id}"
        )
    finally:
        store.close()


@bank_app.command("sync")
def bank_sync() -> None:
    """Re-read changed bank files now (every command that needs the banks does this anyway)."""
    from mockprep.services.bank_sync import sync_banks

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
    from mockprep.core.banks import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))
