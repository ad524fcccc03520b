"""Your data: `export`, `import`, `history`, `stats`, `where`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from mockprep import __version__
from mockprep.cli.common import (
    BankOption,
    Force,
    Output,
    RoundOption,
    UserError,
    app,
    backup_app,
    check_filter_values,
    make_console,
    open_store,
    output_stream,
    utc_now,
)

# -- export / import ----------------------------------------------------------------------------


@app.command("export")
def export(output: Output = None, force: Force = False) -> None:
    """Write all your data (progress, reviews, sessions, stories) as one JSON document."""
    from mockprep.exchange import write_export

    store = open_store(sync=False)
    try:
        with output_stream(output, force) as handle:
            counts = write_export(store, handle, utc_now(), __version__)
    finally:
        store.close()
    if output is not None:
        typer.echo(
            f"Exported {counts['questions']} questions, {counts['reviews']} reviews and "
            f"{counts.get('sessions', 0)} sessions to {output}",
            err=True,
        )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by mockprep export.")],
) -> None:
    """Restore a `mockprep export` file into an empty home."""
    from mockprep.exchange import read_export
    from mockprep.storage import EXPORT_FORMAT, EXPORT_VERSION, StoreError

    if not file.is_file():
        raise UserError(f"{file}: no such file")
    try:
        head, questions = read_export(file)
    except OSError as exc:
        raise UserError(f"{file}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise UserError(f"{file}: {exc}") from None
    if head.get("format") != EXPORT_FORMAT:
        raise UserError(f'{file}: not a mockprep export (no "format": "{EXPORT_FORMAT}")')
    if head.get("version") != EXPORT_VERSION:
        raise UserError(
            f"{file}: export version {head.get('version')!r} is not supported "
            f"(this mockprep reads version {EXPORT_VERSION})"
        )
    store = open_store(sync=False)
    try:
        counts = store.import_data(head, questions)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UserError(f"{file}: malformed export ({type(exc).__name__}: {exc}); nothing imported") from None
    except Exception as exc:  # ijson reports a file that breaks off midway with its own error type
        if type(exc).__module__.startswith("ijson"):
            raise UserError(f"{file}: not valid JSON ({exc}); nothing imported") from None
        raise
    finally:
        store.close()
    typer.echo(
        f"Imported {counts['questions']} questions, {counts['reviews']} reviews, "
        f"{counts['sessions']} sessions and {counts.get('stories', 0)} stories."
    )


@app.command()
def history(
    session_id: Annotated[
        int | None, typer.Argument(metavar="[SESSION-ID]", help="Open one session or mock.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="How many sessions to list.")
    ] = 30,
    all_: Annotated[bool, typer.Option("--all", help="List every session.")] = False,
    csv_: Annotated[bool, typer.Option("--csv", help="Write the whole review log as CSV instead.")] = False,
    output: Output = None,
    force: Force = False,
) -> None:
    """Past sessions and mock rounds, newest first; or one of them in full; or the review log as CSV."""
    if csv_:
        _write_csv(output, force)
        return
    from mockprep.views import render_history, render_session

    store = open_store(sync=False)
    try:
        console = make_console()
        if session_id is not None:
            row = store.session_row(session_id)
            if row is None:
                raise UserError(f"no session with id {session_id} (see mockprep history)")
            render_session(console, row, store.session_answers(session_id))
            return
        rows = store.session_history(None if all_ else limit)
        if not rows:
            console.print("No sessions yet. Start one with: mockprep session")
            return
        render_history(console, rows)
    finally:
        store.close()


def _write_csv(output: Path | None, force: bool) -> None:
    import csv

    store = open_store(sync=False)
    try:
        with output_stream(output, force) as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["review_id", "rated_at", "question", "round", "topic", "bank", "rating", "state_before",
                 "duration_ms", "time_limit_ms", "suggested", "session_id", "session_kind", "answer"]
            )  # fmt: skip
            for row in store.review_log():
                writer.writerow([row.id, _iso_utc(row.rated_at), *row[2:]])
    finally:
        store.close()


def _iso_utc(value: Any) -> str:
    from mockprep.storage import from_db_time

    moment = from_db_time(value)
    return moment.isoformat() if moment else ""


@app.command()
def stats(
    round: RoundOption = None,
    bank: BankOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Only answers from this date on (YYYY-MM-DD)."),
    ] = None,
    days: Annotated[
        int,
        typer.Option("--days", metavar="N", min=7, max=3660, help="Days shown by the heatmap and trends."),
    ] = 182,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Progress at a glance: activity heatmap and streaks, retention, score trends, due forecast,
    weakest topics and leeches, practice time."""
    from mockprep.stats import collect

    since_at = None
    if since is not None:
        try:
            since_at = datetime.fromisoformat(since)
            since_at = since_at.astimezone() if since_at.tzinfo is None else since_at  # local midnight
        except ValueError:
            raise UserError(f"--since {since!r}: not a date (use YYYY-MM-DD)") from None
    store = open_store(sync=False)
    try:
        check_filter_values(store, "banks", bank or [])
        now = utc_now()
        offset = now.astimezone().utcoffset()
        offset_minutes = round(offset.total_seconds() / 60) if offset else 0
        data = collect(
            store, now, offset_minutes, (round.value,) if round else (), tuple(bank or ()), since_at, days
        )
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    from mockprep.views import render_empty_stats, render_stats

    console = make_console()
    if data["reviews"] == 0:
        render_empty_stats(console)
        return
    render_stats(console, data)


@backup_app.command("list")
def backup_list() -> None:
    """The backups kept, newest first."""
    from mockprep.backups import list_backups
    from mockprep.paths import home_dir

    backups = list_backups(home_dir())
    if not backups:
        typer.echo("No backups yet: one is made on the first use of each day, once there is history.")
        return
    for backup in backups:
        when = backup.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{backup.name}  {when}  {backup.reason:<14} {backup.size / 2**20:7.1f} MB")
    typer.echo("Restore one with: mockprep backup restore NAME")


@backup_app.command("now")
def backup_now() -> None:
    """Make a backup now."""
    from mockprep.backups import BackupError, make_backup
    from mockprep.paths import DB_NAME, home_dir

    home = home_dir()
    store = open_store(sync=False)  # a damaged database is reported here, not copied
    try:
        store.conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        store.close()
    try:
        backup = make_backup(home / DB_NAME, home, utc_now(), "manual")
    except BackupError as exc:
        raise UserError(str(exc), exit_code=1) from None
    typer.echo(f"Backed up to {backup.path}")


@backup_app.command("restore")
def backup_restore(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name from `mockprep backup list`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace your data with a backup. The data it replaces is backed up first (when readable)."""
    from mockprep.backups import BackupError, backup_dir, restore_backup
    from mockprep.paths import DB_NAME, home_dir

    home = home_dir()
    source = backup_dir(home) / Path(name).name
    if not source.is_file():
        raise UserError(f"no backup named {name!r} (see mockprep backup list)")
    if not yes:
        typer.echo(f"Replace {home / DB_NAME} with {source.name}? [y/N] ", nl=False)
        answer = sys.stdin.readline()
        if answer.strip().lower() not in ("y", "yes"):
            typer.echo("Not restored.")
            return
    try:
        safety = restore_backup(source, home / DB_NAME, home, utc_now())
    except BackupError as exc:
        raise UserError(f"{exc}; nothing was changed", exit_code=1) from None
    except OSError as exc:
        raise UserError(f"cannot restore: {exc.strerror}", exit_code=1) from None
    typer.echo(f"Restored {source.name}.")
    if safety is not None:
        typer.echo(f"The data it replaced is kept as {safety.name}.")


@app.command()
def where() -> None:
    """Show where mockprep keeps its data."""
    from mockprep.paths import DB_NAME, builtin_banks_dir, home_dir

    home = home_dir()
    typer.echo(f"home      {home}")
    typer.echo(f"database  {home / DB_NAME}")
    typer.echo(f"built-in banks  {builtin_banks_dir()}")
