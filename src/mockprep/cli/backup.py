"""`mockprep backup ...`: list, now, restore."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, backup_app
from mockprep.cli.context import load_settings, open_store, utc_now

if TYPE_CHECKING:
    from mockprep.db.backup_diff import Missing


@backup_app.command("list")
def backup_list() -> None:
    """The backups kept, newest first."""
    from mockprep.cli.context import warn
    from mockprep.db.backups import damaged_copies, list_backups, quick_check
    from mockprep.db.damage_note import damage_noted
    from mockprep.paths import DB_NAME, home_dir

    backups = list_backups(home_dir())
    damaged = damage_noted(home_dir() / DB_NAME)
    if damaged is not None:  # each backup is checked, to say which one to restore
        warn(damaged)
    if not backups:
        typer.echo("No backups yet: one is made on the first use of each day, once there is history.")
        return
    now = utc_now()
    for backup in backups:
        when = backup.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
        ahead = (
            "  stamped after the clock's now: never pruned until it passes" if backup.taken_at > now else ""
        )
        if damaged is not None:
            problem = quick_check(backup.path)
            ahead += "  passes the check" if problem is None else f"  damaged too ({problem})"
        typer.echo(f"{backup.name}  {when}  {backup.reason:<14} {backup.size / 2**20:7.1f} MB{ahead}")
    typer.echo("Restore one with: mockprep backup restore NAME")
    for damaged in damaged_copies(home_dir()):
        typer.echo(f"Also kept, never removed automatically: {damaged} (a damaged database replaced)")


@backup_app.command("now")
def backup_now() -> None:
    """Make a backup now."""
    from mockprep.db.backups import BackupError, make_backup
    from mockprep.paths import DB_NAME, home_dir

    home = home_dir()
    store = open_store(sync=False)  # a damaged database is reported here, not copied
    try:
        store.checkpoint()
    finally:
        store.close()
    try:
        backup = make_backup(home / DB_NAME, home, utc_now(), "manual", load_settings().backup_keep)
    except BackupError as exc:
        raise UserError(str(exc), exit_code=1) from None
    typer.echo(f"Backed up to {backup.path}")


@backup_app.command("restore")
def backup_restore(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name from `mockprep backup list`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace your data with a backup. The data it replaces is backed up first (when readable).

    It says first how old the backup is and what of your data is not in it, and afterwards the
    command that merges that back. Refused while a session or mock runs, or another mockprep has the
    database open (an import, a sync): their later writes would be lost. Without --yes it asks on the
    terminal; any answer but yes, or no terminal to ask on, leaves everything as it was (exit 1).
    """
    from mockprep.db.backup_diff import missing_from
    from mockprep.db.backups import BackupError, backup_dir, list_backups
    from mockprep.db.restore import RestoreRefused, refuse_if_running, restore_backup
    from mockprep.liveness import process_alive
    from mockprep.paths import DB_NAME, home_dir

    home = home_dir()
    source = backup_dir(home) / Path(name).name
    if not source.is_file():
        raise UserError(f"no backup named {name!r} (see mockprep backup list)")
    try:
        refuse_if_running(home / DB_NAME, process_alive)  # before asking; restore_backup checks again
    except RestoreRefused as exc:
        raise UserError(f"not restored: {exc}", exit_code=1) from None
    missing = missing_from(source, home / DB_NAME)
    if not yes:
        made = next((b.taken_at for b in list_backups(home) if b.path == source), None)
        typer.echo(_what_would_go(source.name, made, missing, utc_now()))
        typer.echo(f"Replace {home / DB_NAME} with it? [y/N] ", nl=False)
        answer = sys.stdin.readline()
        if not answer:
            typer.echo()
            raise UserError("not restored: no answer (use --yes to restore without asking)", exit_code=1)
        if answer.strip().lower() not in ("y", "yes"):
            raise UserError("not restored: you answered no", exit_code=1)
    try:
        kept = restore_backup(
            source, home / DB_NAME, home, utc_now(), load_settings().backup_keep, alive=process_alive
        )
    except RestoreRefused as exc:
        raise UserError(f"not restored: {exc}", exit_code=1) from None
    except BackupError as exc:
        raise UserError(f"{exc}; nothing was changed", exit_code=1) from None
    except OSError as exc:
        raise UserError(f"cannot restore: {exc.strerror}", exit_code=1) from None
    typer.echo(f"Restored {source.name}.")
    _say_sync_reads_back()
    if kept.safety is not None:
        back = "what it holds" if not missing or not any(missing) else _joined(_records(missing, merged=True))
        back += f" that {source.name} lacks"
        lost = f"; {_lost(missing, after=True)}" if missing and missing.lost else ""
        typer.echo(
            f"The data it replaced is kept as {kept.safety.name}: {_merge_command(kept.safety.path)}"
            f" brings back {back}{lost}."
        )
    if kept.damaged is not None:
        typer.echo(
            f"The database it replaced could not be copied (damaged), so the file itself is kept as"
            f" {kept.damaged} (never removed automatically): {_merge_command(kept.damaged)} brings back"
            f" what can still be read of it that {source.name} lacks."
        )


def _what_would_go(name: str, made: datetime | None, missing: Missing | None, now: datetime) -> str:
    """Before a restore: how old the backup is, and what of the database is not in it."""
    from mockprep.core.durations import format_duration

    if made is None:
        return f"{name}:"
    when = made.astimezone().strftime("%Y-%m-%d %H:%M")
    age = (now - made).total_seconds()
    ago = f"{format_duration(age)} ago" if age >= 0 else f"stamped {format_duration(-age)} ahead of the clock"
    if missing is None:  # (the database cannot be read: damaged)
        return f"{name} was made {when} ({ago})."
    if not any(missing):
        return f"{name} was made {when} ({ago}); every review, session and story edit is in it."
    parts = _records(missing)
    verb = "is" if len(parts) == 1 and parts[0].startswith("1 ") else "are"
    lost = f" ({_lost(missing, after=False)})" if missing.lost else ""
    return f"{name} was made {when} ({ago}); {_joined(parts)} {verb} not in it{lost}."


def _records(missing: Missing, merged: bool = False) -> list[str]:
    """``["12 reviews in 2 sessions", "1 story edit"]``; ``merged``: what a merge brings back of them
    (not the reviews it cannot add: :attr:`Missing.lost`)."""
    from mockprep.core.wording import plural

    parts = []
    reviews = missing.reviews - (sum(n for _why, n, _s in missing.lost) if merged else 0)
    if reviews > 0:
        # (a merge adds every session, those of reviews it cannot add too)
        joint = ", " if merged and missing.lost else " in "
        sessions = f"{joint}{plural(missing.sessions, 'session')}" if missing.sessions else ""
        parts.append(plural(reviews, "review") + sessions)
    elif missing.sessions:
        parts.append(plural(missing.sessions, "session"))
    kinds = (
        (missing.mock_answers, "mock answer"),
        (missing.story_edits, "story edit"),
        (missing.link_changes, "story link change"),
        (missing.rehearsals, "story rehearsal"),
        (missing.fits, "optimizer fit"),
    )
    parts += [plural(count, noun) for count, noun in kinds if count]
    if missing.marks:
        parts.append(f"the marks (suspended, buried, flagged) of {plural(missing.marks, 'question')}")
    return parts


def _lost(missing: Missing, after: bool) -> str:
    """The reviews a merge cannot bring back, and why: ``3 reviews of questions from /x.toml, which is
    not on this machine, cannot be merged back until it is here and added again (...)``."""
    from mockprep.core.wording import plural

    said = []
    for why, count, _sessions in missing.lost:
        if why:
            said.append(
                f"{plural(count, 'review')} of questions from {why}, which is not on this machine, cannot"
                f" be merged back until it is here and added again (mockprep bank add {_quoted(why)})"
            )
        else:
            said.append(
                f"{plural(count, 'review')} of questions no bank file holds any more cannot be merged back"
            )
    if after:
        return "; ".join(said)
    return "of them, " + "; ".join(said)


def _quoted(path: str) -> str:
    import shlex

    return shlex.quote(path)


def _joined(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def _merge_command(path: Path) -> str:
    import shlex

    return f"mockprep import {shlex.quote(str(path))} --merge"


def _say_sync_reads_back() -> None:
    """A device that syncs gets back what it wrote to the sync folder since the backup: say so."""
    store = open_store(sync=False)
    try:
        device = store.sync.known_device()
    finally:
        store.close()
    if device is not None and device.folder:
        typer.echo(
            f"The next mockprep sync reads back from {device.folder} the practice this device wrote there"
            " since this backup."
        )
