"""`mockprep bank import` and `mockprep bank export`: banks in and out of Markdown, CSV and Anki."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, bank_app
from mockprep.cli.context import load_settings, open_store, plain, utc_now
from mockprep.cli.options import OutSpelling, output_file

if TYPE_CHECKING:
    from mockprep.core.banks import BankSpec
    from mockprep.core.records import SyncResult
    from mockprep.db.store import Store
    from mockprep.services.anki_history import HistoryReport
    from mockprep.services.bank_export import History


@bank_app.command("import")
def bank_import(
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="A .md, .csv, .tsv, Anki .txt, .apkg or .colpkg.")
    ],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="md, csv, tsv, anki-txt or apkg (default: from the file's suffix).",
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="COLUMNS",
            help="CSV/TSV columns by name: prompt=Question,answer=Answer,tags=Tags,...",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="The bank file to write (default: ./BANK-ID.toml; - for stdout).",
        ),
    ] = None,
    out_spelling: OutSpelling = None,
    add: Annotated[bool, typer.Option("--add", help="Add the bank at once (as `bank add` does).")] = False,
    bank_id: Annotated[
        str | None, typer.Option("--id", metavar="ID", help="The bank's id (default: from the file name).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TITLE", help="The bank's title.")] = None,
    round: Annotated[
        str | None,
        typer.Option(
            "--round", metavar="ROUND", help="technical, project or behavioral (default: technical)."
        ),
    ] = None,
    topic: Annotated[str | None, typer.Option("--topic", metavar="TOPIC", help="The bank's topic.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Write nothing if any item is skipped.")] = False,
    with_history: Annotated[
        bool,
        typer.Option(
            "--with-history", help="With --add: an Anki package's answers become the questions' reviews."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --output file even if it holds another bank.")
    ] = False,
) -> None:
    """Make a bank file from Markdown, CSV/TSV or Anki notes; it passes `bank validate`.

    Ids come from the source, so importing the same file again updates the same questions. Key points
    the source lacks are proposed from the answer and marked '# review' in the file. Each skipped item
    is named with the reason.
    """
    from mockprep.core.bank_import import SourceError
    from mockprep.services.bank_import import ImportOptions, import_bank, write_atomically

    if with_history and not add:
        raise UserError("--with-history needs --add (the reviews belong to questions in your database)")
    out = output_file(out, out_spelling)
    to_stdout = out is not None and str(out) == "-"
    if to_stdout and add:
        raise UserError("--add needs the bank in a file: give -o FILE (or leave -o out), not -o -")
    options = ImportOptions(format, mapping, bank_id, title, round, topic, with_history)
    try:
        result = import_bank(path, options, load_settings(), lambda bank: out or Path.cwd() / f"{bank}.toml")
        assert result.target is not None
        target = result.target
        if not to_stdout:
            _check_target(target, result.bank_id, force)
    except SourceError as exc:
        _tell(path, exc.skipped, exc.notices)
        raise UserError(f"{path}: {exc}") from None
    _tell(path, result.skipped, result.notices)
    if strict and result.skipped:
        raise UserError(f"{path}: {len(result.skipped)} skipped with --strict; nothing written")
    if to_stdout:  # the bank on standard output; what was made of the source goes to stderr
        sys.stdout.write(result.toml)
        sys.stdout.flush()
        typer.echo(plain(result.summary(str(path))), err=True)
        return
    try:
        write_atomically(target, result.toml)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror}", exit_code=1) from None
    typer.echo(plain(result.summary(str(path))))
    typer.echo(plain(f"Wrote {target}"))
    if result.proposed and not add:
        typer.echo("Check the key points marked '# review', then: " + plain(f"mockprep bank add {target}"))
    if add:
        _add(target, result.bank_id, *((result.history, result.dues) if with_history else ({}, {})))


def _tell(path: Path, skipped: list, notices: list) -> None:
    """What an import skipped and noticed, one line each on stderr (also when nothing could be made)."""
    for skip in skipped:
        typer.echo(plain(f"{path}: {skip.where}: skipped: {skip.reason}"), err=True)
    for notice in notices:
        typer.echo(plain(f"{path}: {notice.where}: note: {notice.message}"), err=True)


def _added_line(bank: str, count: int, existed: bool, result: SyncResult | None) -> str:
    """What ``--add`` did to the bank: added, or (an earlier import of it) updated or left as it was."""
    from mockprep.core.wording import plural

    held = plural(count, "question")
    if not existed:
        return f"Added bank {bank!r} with {held}."
    if result is None:
        return f"Bank {bank!r} is unchanged: {held}."
    parts = result.counted() or [f"{' and '.join(result.edited) or 'bank'} changed"]
    return f"Updated bank {bank!r}: {', '.join(parts)}; {held} now."


def _check_target(target: Path, bank_id: str, force: bool) -> None:
    """Replace only a file that holds the same bank (an earlier import of it), unless --force."""
    import tomli  # the compiled tomllib: a 10,000-question file in 0.3 s, not 0.65

    from mockprep.cli.context import check_output_target

    if not target.exists() or force:
        check_output_target(target, True)
        return
    check_output_target(target, True)
    try:
        same = tomli.loads(target.read_text(encoding="utf-8-sig")).get("id") == bank_id
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError):
        same = False
    if not same:
        raise UserError(
            f"{target} exists and is not bank {bank_id!r}; use --force to overwrite it, or -o FILE"
        )


def _add(target: Path, bank_id: str, history: dict, dues: dict) -> None:
    from mockprep.cli.context import running_code, tell_sync
    from mockprep.core.banks import BankError
    from mockprep.services.bank_sync import add_path

    store = open_store(sync=False)  # (add_path syncs every bank: its changes to this one are told below)
    try:
        info = store.banks.get(bank_id)
        existed = info is not None and not info.removed
        report = add_path(store, target, utc_now(), running_code, run_code=True)
        for problem in report.problems:
            typer.echo(plain(f"warning: {problem}"), err=True)
        tell_sync(report.sync.changed)
        changed = {result.bank_id: result for result in report.sync.changed}
        for bank, count in report.banks:
            typer.echo(plain(_added_line(bank, count, existed, changed.get(bank))))
        if history or dues:  # (a collection never answered still has its suspended cards)
            _add_history(store, bank_id, history, dues)
    except BankError as exc:
        raise UserError(f"{target}: not added: {exc.problems[0]}") from None
    finally:
        store.close()
    if report.sync.stopped:  # (Ctrl-C while it ran the code questions: the warning says so)
        raise KeyboardInterrupt


PROGRESS_ANSWERS = 20_000  # a history this long shows its progress on a terminal (a few seconds or more)


def _add_history(store: Store, bank_id: str, history: dict, dues: dict) -> None:
    """Write the Anki answers (a progress line on a terminal's stderr for a long history) and say what
    was added; cut short, what was written (whole questions) and that the same import adds the rest."""
    import time

    from mockprep.services.anki_history import HistoryReport, apply_history

    report = HistoryReport()
    shown = [-1.0]

    def progress(done: HistoryReport) -> None:
        if time.monotonic() - shown[0] >= 0.5 or done.done == done.total:
            shown[0] = time.monotonic()
            share = done.done * 100 // max(done.total, 1)
            sys.stderr.write(f"\rwriting the history: {done.done:,} of {done.total:,} questions ({share}%)")
            sys.stderr.flush()

    answers = sum(len(log) for log in history.values())
    showing = sys.stderr.isatty() and answers >= PROGRESS_ANSWERS
    try:
        apply_history(
            store, bank_id, history, dues, utc_now(), report=report, progress=progress if showing else None
        )
    except KeyboardInterrupt:
        if showing:
            sys.stderr.write("\n")
        typer.echo(
            plain(
                f"History: interrupted after {report.done:,} of {report.total:,} questions:"
                f" {report.reviews:,} Anki answer(s) added, each question's all or none; the same import"
                " again adds the rest."
            ),
            err=True,
        )
        raise
    if showing:
        sys.stderr.write("\n")
    for line in history_lines(report):
        typer.echo(plain(line))


def history_lines(report: HistoryReport) -> list[str]:
    """What an import did to the questions' histories, one line each."""
    head = f"History: {report.reviews:,} Anki answer(s) became reviews of {report.questions:,} question(s)"
    if report.completed:
        head += (
            f" ({report.completed:,} of them had reviews already: their cards were replayed with the answers)"
        )
    if report.unchanged:
        head += f"; {report.unchanged:,} question(s) already had all their Anki answers"
    lines = [head + "."]
    if report.cram:
        lines.append(
            f"History: {report.cram:,} of them came before a reset in Anki (or were crammed there): kept as"
            " cram reviews, in history and the daily counts but not in the schedule or retention figures,"
            " as Anki counts them."
        )
    if report.recounted:
        lines.append(
            f"History: {report.recounted:,} review(s) already here came before a reset in Anki since they"
            " were imported: now cram reviews, and their questions' cards replayed without them."
        )
    if report.suspended:
        lines.append(
            f"Suspended as in Anki: {len(report.suspended):,} question(s): {_keys(report.suspended)}."
        )
    if report.buried:
        lines.append(f"Buried until your next day, as in Anki: {report.buried:,} question(s).")
    if report.leeches:
        keys = [key for key, _ in report.leeches]
        lines.append(
            f"Leeches by mockprep's rule (forgotten {report.leech_lapses} times or more after being learned),"
            f" left as they are: {_keys([f'{k} ({n})' for k, n in report.leeches])}; to stop asking them:"
            f" mockprep question suspend {' '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}"
        )
    return lines


def _keys(keys: list[str], shown: int = 5) -> str:
    more = len(keys) - shown
    return ", ".join(keys[:shown]) + (f" and {more:,} more" if more > 0 else "")


@bank_app.command("export")
def bank_export(
    banks: Annotated[list[str], typer.Argument(metavar="BANK...", help="Bank ids or bank files.")],
    format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="apkg, anki-txt or md.")
    ] = "apkg",
    out: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="The file to write (md, anki-txt: - or none for standard output).",
        ),
    ] = None,
    out_spelling: OutSpelling = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists.")] = False,
    with_history: Annotated[
        bool,
        typer.Option("--with-history", help="apkg: each answered card with its schedule and review log."),
    ] = False,
) -> None:
    """Write banks as an Anki package (one deck each under mockprep::), Anki's plain text, or Markdown.

    Re-importing a newer export into Anki updates its notes (their GUIDs come from the question keys);
    a Markdown sheet imports back into the same bank with `bank import`.
    """
    from mockprep.cli.context import check_output_target, output_stream
    from mockprep.core.bank_import import SourceError
    from mockprep.services import bank_export

    out = output_file(out, out_spelling)
    if format not in ("apkg", "anki-txt", "md"):
        raise UserError(f"unknown format {format!r} (apkg, anki-txt or md)")
    if with_history and format != "apkg":
        raise UserError("--with-history is for --format apkg (Anki's review log)")
    specs = _load(banks)
    try:
        if format == "apkg":
            if out is None or str(out) == "-":
                raise UserError("an .apkg is written to a file: add -o FILE.apkg")
            check_output_target(out, force)
            history = _history(specs) if with_history else None
            try:
                count = bank_export.write_apkg(specs, out, utc_now(), history)
            except OSError as exc:
                raise UserError(f"cannot write {out}: {exc.strerror}", exit_code=1) from None
            typer.echo(
                plain(f"Wrote {count} note{'s' if count != 1 else ''} in {len(specs)} deck(s) to {out}")
            )
            return
        if format == "md":
            if len(specs) != 1:
                raise UserError("a Markdown sheet holds one bank: name one")
            from mockprep.core.bank_markdown_writer import write_markdown

            text = write_markdown(specs[0])
        else:
            text = bank_export.anki_text(specs)
    except SourceError as exc:
        raise UserError(str(exc), exit_code=1) from None
    with output_stream(out, force) as stream:
        stream.write(text)
    if out is not None and str(out) != "-":  # (on standard output the text is the confirmation)
        count = sum(len(spec.questions) for spec in specs)
        what = "a Markdown sheet" if format == "md" else "Anki's plain text"
        typer.echo(plain(f"Wrote {count} question{'s' if count != 1 else ''} as {what} to {out}"))


def _history(specs: list[BankSpec]) -> History:
    """Each bank's answers, cards and marks, and the person's days (the system's zone, their day's
    start)."""
    from mockprep.services.bank_export import History

    store = open_store()
    try:
        return History(
            {spec.id: store.questions.answers_in_bank(spec.id) for spec in specs},
            {spec.id: store.questions.cards_in_bank(spec.id) for spec in specs},
            day_start_hour=store.settings.day_start_hour,
            marks={spec.id: store.questions.marks_in_bank(spec.id) for spec in specs},
            now=utc_now(),
        )
    finally:
        store.close()


def _source_path(source: str) -> Path:
    from mockprep.paths import builtin_banks_dir
    from mockprep.services.bank_sync import BUILTIN_PREFIX

    if source.startswith(BUILTIN_PREFIX):
        return builtin_banks_dir() / source.removeprefix(BUILTIN_PREFIX)
    return Path(source)


def _import_hint(path: Path) -> str:
    """For a file bank import reads (a .csv, .md, .apkg...), how to make a bank of it first."""
    from mockprep.services.bank_import import SUFFIXES

    if path.suffix.lower() not in SUFFIXES:
        return ""
    return f"; it is not a bank file: make one of it with mockprep bank import {path}"


def _load(names: list[str]) -> list[BankSpec]:
    """Each bank named by a file or by its id (read from the file it was last synced from)."""
    from mockprep.core.bank_files import load_bank_file
    from mockprep.core.banks import BankError

    specs = []
    store = None
    try:
        for name in names:
            path = Path(name)
            if not path.exists():
                store = store or open_store()
                row = store.banks.get(name)
                if row is None:
                    raise UserError(f"no bank or file {name!r} (see mockprep bank list)")
                path = _source_path(row.source)
            try:
                specs.append(load_bank_file(path).spec)
            except BankError as exc:
                raise UserError(str(exc.problems[0]) + _import_hint(path)) from None
    finally:
        if store is not None:
            store.close()
    return specs
