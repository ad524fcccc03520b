"""Your data: `export`, `import`, `history`, `stats`, `where`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mockprep import __version__
from mockprep.cli.common import (
    Round,
    UserError,
    app,
    check_filter_values,
    make_console,
    open_store,
    utc_now,
)

# -- export / import ----------------------------------------------------------------------------


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write all your data (progress, reviews, sessions) as one JSON document."""
    if output is not None and output.exists() and not force:
        raise UserError(f"{output} already exists; use --force to overwrite it")
    store = open_store(sync=False)
    try:
        doc = store.export_data(utc_now(), __version__)
    finally:
        store.close()
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    tmp = output.with_name(output.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, output)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}", exit_code=1) from None
    typer.echo(
        f"Exported {len(doc['questions'])} questions and {len(doc['sessions'])} sessions to {output}",
        err=True,
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by mockprep export.")],
) -> None:
    """Restore a `mockprep export` file into an empty home."""
    from mockprep.storage import EXPORT_FORMAT, EXPORT_VERSION, StoreError

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{file}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise UserError(f'{file}: not a mockprep export (no "format": "{EXPORT_FORMAT}")')
    if doc.get("version") != EXPORT_VERSION:
        raise UserError(
            f"{file}: export version {doc.get('version')!r} is not supported "
            f"(this mockprep reads version {EXPORT_VERSION})"
        )
    store = open_store(sync=False)
    try:
        counts = store.import_data(doc)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{file}: malformed export ({type(exc).__name__}: {exc}); nothing imported") from None
    finally:
        store.close()
    typer.echo(
        f"Imported {counts['questions']} questions, {counts['reviews']} reviews and "
        f"{counts['sessions']} sessions."
    )


@app.command()
def history(
    session_id: Annotated[
        int | None, typer.Argument(metavar="[SESSION-ID]", help="Open one session or mock.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many sessions to list.")] = 30,
    all_: Annotated[bool, typer.Option("--all", help="List every session.")] = False,
    csv_: Annotated[bool, typer.Option("--csv", help="Write the whole review log as CSV instead.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="With --csv: write to this file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")] = False,
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

    if output is not None and output.exists() and not force:
        raise UserError(f"{output} already exists; use --force to overwrite it")
    store = open_store(sync=False)
    try:
        handle = sys.stdout if output is None else open(output, "w", newline="", encoding="utf-8")
        try:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "review_id",
                    "rated_at",
                    "question",
                    "round",
                    "topic",
                    "bank",
                    "rating",
                    "state_before",
                    "duration_ms",
                    "time_limit_ms",
                    "suggested",
                    "session_id",
                    "session_kind",
                    "answer",
                ]
            )
            for row in store.review_log():
                rated = row.rated_at
                writer.writerow([row.id, _iso_utc(rated), *row[2:]])
        finally:
            if output is not None:
                handle.close()
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}", exit_code=1) from None
    finally:
        store.close()


def _iso_utc(value: Any) -> str:
    from mockprep.storage import from_db_time

    moment = from_db_time(value)
    return moment.isoformat() if moment else ""


@app.command()
def stats(
    round: Annotated[
        Round | None, typer.Option("--round", "-r", help="Only this round.", case_sensitive=False)
    ] = None,
    bank: Annotated[
        list[str] | None, typer.Option("--bank", "-b", help="Only this bank (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only answers from this date on (YYYY-MM-DD).")
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=7, max=3660, help="Days shown by the heatmap and trends.")
    ] = 182,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Progress at a glance: activity heatmap and streaks, retention, score trends, due forecast,
    weakest topics and leeches, practice time."""
    from mockprep.stats import collect

    since_at = None
    if since is not None:
        from mockprep.views import parse_since

        try:
            since_at = parse_since(since)
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


@app.command()
def where() -> None:
    """Show where mockprep keeps its data."""
    from mockprep.paths import DB_NAME, builtin_banks_dir, home_dir

    home = home_dir()
    typer.echo(f"home      {home}")
    typer.echo(f"database  {home / DB_NAME}")
    typer.echo(f"built-in banks  {builtin_banks_dir()}")
