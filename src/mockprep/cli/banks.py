"""`mockprep bank ...`: list, show, validate, add, remove, sync, schema."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, bank_app
from mockprep.cli.context import make_console, open_store, plain, running_code, tell_sync, utc_now
from mockprep.cli.options import BankId

if TYPE_CHECKING:
    from mockprep.core.bank_records import BankProblem
    from mockprep.core.questions import QuestionSpec
    from mockprep.db.store import Store
    from mockprep.services.bank_sync import SyncReport
    from mockprep.services.code_runner import CodeRunner


@bank_app.command("list")
def bank_list() -> None:
    """Every bank: round, questions, new and due today, and its topics."""
    from mockprep.core.scheduler import day_start
    from mockprep.terminal.banks import render_bank_list

    store = open_store()
    try:
        summaries = store.banks.summaries(day_start(utc_now(), None, 1, store.settings.day_start_hour))
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
    """Check bank files without changing anything; one line per problem, exit 2 if any.

    Also lints valid files: a key point with no word to match is a problem; one that the question's
    own model answer does not cover is a note (exit 0). Code questions are run, in a file with other
    problems too: each reference solution must pass its tests and each wrong solution must fail one; a
    question whose requirements (numpy) are not installed is skipped with a note.
    """
    from mockprep.cli.context import load_settings, offline_grader
    from mockprep.core.bank_files import load_banks
    from mockprep.core.bank_lint import has_open_question, lint_bank
    from mockprep.core.bank_records import BankProblem
    from mockprep.core.rounds import lacks_opener, opener_note
    from mockprep.services.code_checks import refused_file_questions
    from mockprep.services.code_runner import CodeRunner, RunLimits

    settings = load_settings()
    grader = offline_grader(settings)  # a session's: a note is about a point a session leaves unticked
    banks, refusals = load_banks(paths)
    if has_open_question(banks):  # only open questions are graded by meaning: no model for the rest
        getattr(grader, "prepare", lambda: None)()
    runner = CodeRunner(RunLimits.from_settings(settings))
    problems: list[BankProblem] = []
    notes = []
    # A file refused as a whole still has its valid questions' code run: every problem in one run.
    for source in dict.fromkeys(problem.source for problem in refusals):
        ran, skipped = _run_code(source, refused_file_questions(source), runner)
        found = [p for p in refusals if p.source == source] + ran
        problems += sorted(found, key=lambda p: p.line or 0)
        notes += skipped
    clean_banks = []
    for bank in banks:
        found, noted = lint_bank(bank, grader)
        if lacks_opener((q.round, q.topic) for q in bank.questions):
            noted.append(BankProblem(bank.source, opener_note(bank.id)))
        ran, skipped = _run_code(bank.source, [(i, q.spec) for i, q in enumerate(bank.questions)], runner)
        found, noted = found + ran, noted + skipped
        problems += found
        notes += noted
        if not found:
            clean_banks.append(bank)
    for problem in problems:
        typer.echo(plain(str(problem)), err=True)
    for path in paths if problems else ():
        _import_hint(path)
    for note in notes:
        typer.echo(plain(f"note: {note}"), err=True)
    for bank in clean_banks:
        typer.echo(plain(f"ok  {bank.source}: bank {bank.id!r}, {_plural(len(bank.questions), 'question')}"))
    if problems:
        raise typer.Exit(2)


def _importable(path: Path) -> bool:
    """Whether ``path`` is a file in a format bank import reads (Markdown, CSV, Anki...), not TOML."""
    from mockprep.services.bank_import import SUFFIXES  # (only on this failure path)

    return path.is_file() and path.suffix.lower() in SUFFIXES


def _import_hint(path: Path) -> bool:
    """For a file in a format bank import reads (a bank file is TOML), one line saying to import it."""
    if not _importable(path):
        return False
    typer.echo(
        plain(f"{path} is not a bank file: make one from it with mockprep bank import {path}"), err=True
    )
    return True


def _run_code(
    source: str, questions: list[tuple[int, QuestionSpec]], runner: CodeRunner
) -> tuple[list[BankProblem], list[BankProblem]]:
    """The problems and notes of running the code questions among ``questions`` of the file ``source``."""
    from mockprep.services.code_checks import check_code_questions
    from mockprep.services.code_runner import RunnerUnavailable

    try:
        return check_code_questions(source, questions, runner, _running(source))
    except RunnerUnavailable as exc:
        raise UserError(f"cannot run the code questions of {source}: {exc}", 1) from None


def _running(source: str) -> Callable[[str], None]:
    """One line on a terminal's stderr before a bank's code questions run (they take seconds)."""
    said = []

    def progress(_question_id: str) -> None:
        if not said and sys.stderr.isatty():
            typer.echo(plain(f"running the code questions of {source}..."), err=True)
        said.append(True)

    return progress


@bank_app.command("add")
def bank_add(
    path: Annotated[
        Path,
        typer.Argument(metavar="PATH", help="A bank file or a folder of them (or a removed bank's id)."),
    ],
) -> None:
    """Register your own bank file or folder; it is re-read whenever it changes."""
    from mockprep.core.banks import BankError
    from mockprep.services.bank_sync import add_path, restore_bank

    # No sync first: add_path reads every file with the new ones in one pass, so a question moved from
    # a registered file into the new one is seen leaving and arriving together (a rename, not a loss).
    store = open_store(sync=False)
    try:
        if not path.exists():
            row = store.banks.get(str(path))
            if row is None or not row.removed:
                raise UserError(f"{path}: no such file or folder")
            restored = restore_bank(store, row.id, utc_now(), running_code)
            _warn(restored.problems)
            tell_sync(restored.changed)
            count = store.banks.active_questions(row.id)
            gone = "" if count else f" (its file {row.source} is gone: mockprep bank add PATH brings it back)"
            typer.echo(plain(f"Restored bank {row.id!r} with {_plural(count, 'question')}{gone}."))
            _end_if_stopped(restored)
            return
        try:
            report = add_path(store, path, utc_now(), running_code, run_code=True)
        except BankError as exc:
            if _importable(path):  # (its TOML errors would only say it is not TOML)
                raise UserError(
                    f"{path}: not added: it is not a bank file (TOML); make one from it with"
                    f" mockprep bank import {path}"
                ) from None
            for problem in exc.problems:
                typer.echo(plain(str(problem)), err=True)
            raise UserError(f"{path}: not added (fix the problems above)") from None
        openers = _lacking_opener(store, [bank for bank, _count in report.banks])
    finally:
        store.close()
    _warn(report.problems)
    tell_sync(report.sync.changed)
    total = sum(count for _bank, count in report.banks)
    held = f"{_plural(len(report.banks), 'bank')} with {_plural(total, 'question')}"
    names = ", ".join(bank for bank, _count in report.banks)
    back = f" (brought back: {', '.join(report.brought_back)})" if report.brought_back else ""
    if report.covered_by is not None:
        where = "" if report.covered_by == path.resolve() else f" (through {report.covered_by})"
        typer.echo(plain(f"{path} is already registered{where}: {held}: {names}{back}"))
    else:
        typer.echo(plain(f"Added {held} from {path.resolve()}: {names}{back}"))
    _unchecked(path)
    for note in openers:
        typer.echo(plain(note), err=True)
    _end_if_stopped(report.sync)


def _end_if_stopped(report: SyncReport) -> None:
    """A Ctrl-C stopped running the new code questions' solutions: what was done is said (the warning
    names bank validate), and the command ends as interrupted (130)."""
    if report.stopped:
        raise KeyboardInterrupt


def _lacking_opener(store: Store, bank_ids: list[str]) -> list[str]:
    """A note for each bank added whose project questions hold no opener (core.rounds.lacks_opener)."""
    from mockprep.core.rounds import lacks_opener, opener_note

    return [
        f"note: bank {bank_id!r}: {opener_note(bank_id)}"
        for bank_id in bank_ids
        if lacks_opener((r.question.round, r.question.topic) for r in store.banks.questions_in_bank(bank_id))
    ]


def _unchecked(path: Path) -> None:
    """One line when what bank import proposed is still marked for review in the files added."""
    from mockprep.core.bank_files import review_marks

    marked = review_marks(path.resolve())
    if marked:
        lines = _plural(marked, "line")
        message = (
            f"note: {path} still has {lines} marked '# review': check what is under each, then delete it"
        )
        typer.echo(plain(message), err=True)


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
            typer.echo(plain(f"Bank {bank_id!r} was already removed."))
            return
        from mockprep.services.bank_sync import forget_missing_sources

        store.banks.set_removed(bank_id, True)
        typer.echo(
            plain(
                f"Removed bank {bank_id!r}; its review history is kept. "
                f"Bring it back with: mockprep bank add {bank_id}"
            )
        )
        for path in forget_missing_sources(store):
            again = "mockprep bank add PATH registers it again once it is back"
            typer.echo(plain(f"{path} is missing, so it is no longer registered ({again})."))
    finally:
        store.close()


@bank_app.command("sync")
def bank_sync() -> None:
    """Re-read changed bank files now (every command that needs the banks does this anyway)."""
    from mockprep.services.bank_sync import sync_banks

    store = open_store(sync=False)
    try:
        report = sync_banks(store, utc_now(), running_code, run_code=True)
    finally:
        store.close()
    _warn(report.problems)
    if not report.changed:
        files = {problem.source for problem in report.problems}
        if files:  # the warnings above: those files were not read, so "up to date" would mislead
            typer.echo(
                f"Nothing changed in the banks read; {_plural(len(files), 'file')} could not be read (above)."
            )
        else:
            typer.echo("All banks are up to date.")
    for result in report.changed:
        parts = result.counted()
        if result.edited:
            parts.insert(0, f"{' and '.join(result.edited)} changed")
        if result.moved_to:
            parts.append(f"now read from {result.moved_to}")
        typer.echo(plain(f"{result.bank_id}: {', '.join(parts)}"))
    tell_sync(report.changed)
    _end_if_stopped(report)


def _warn(problems: list[BankProblem]) -> None:
    for problem in problems:
        typer.echo(plain(f"warning: {problem}"), err=True)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


@bank_app.command("schema")
def bank_schema() -> None:
    """Print the JSON Schema of the bank format (for editor completion and checks)."""
    import json

    from mockprep.core.banks import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))
