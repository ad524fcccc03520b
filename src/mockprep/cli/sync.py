"""`sync`: merge practice with other devices through a folder the person already syncs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mockprep.cli.app import UserError, app
from mockprep.cli.context import open_store, plain, utc_now
from mockprep.core.wording import listed, plural

if TYPE_CHECKING:
    from mockprep.db.store import Store


@app.command("sync")
def sync(
    folder: Annotated[
        str | None,  # (a Path would make "" the working folder, remembered without a word)
        typer.Option(
            "--folder",
            metavar="DIR",
            help="The shared folder (Dropbox, Syncthing, a git repository); remembered for next time.",
        ),
    ] = None,
    after_session: Annotated[
        bool | None,
        typer.Option(
            "--after-session/--no-after-session",
            help="Also sync when each session or mock ends (remembered).",
        ),
    ] = None,
) -> None:
    """Write this device's new practice to its own files in the sync folder and merge every other
    device's: reviews, sessions and stories, each once; cards recomputed from the merged reviews."""
    store = open_store()
    try:
        if folder is not None:
            if not folder.strip():
                raise UserError(
                    "--folder: an empty path is no folder (give the folder your sync tool shares)"
                )
            chosen = Path(folder).expanduser()
            if not chosen.is_dir():
                raise UserError(
                    f"{folder}: not a folder (create it, or give the folder your sync tool shares)"
                )
            store.sync.remember(folder=str(chosen.resolve()))
        if after_session is not None:
            store.sync.remember(after_session=after_session)
        chosen = store.sync.device().folder
        if chosen is None:
            raise UserError("no sync folder yet: run mockprep sync --folder DIR once (it is remembered)")
        typer.echo(plain(run_sync(store, Path(chosen))))
    finally:
        store.close()


def run_sync(store: Store, folder: Path) -> str:
    """Sync with ``folder`` and say what happened (a UserError if the folder cannot be used)."""
    from mockprep.cli.merge_report import home_bank_sources, merge_report
    from mockprep.core.durations import format_duration
    from mockprep.services.folder_sync import SyncFolderError, sync_folder

    try:
        now = utc_now()
        report = sync_folder(store, folder, now)
    except SyncFolderError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"{folder}: cannot be used ({exc.strerror})", exit_code=1) from None
    lines = [
        f"Synced with {folder}: wrote {plural(report.written, 'change')},"
        f" read {plural(report.read, 'line')} from {plural(len(report.files), 'file')} of other devices."
    ]
    if report.resent:
        lines.append(
            f"This device's lines in the folder were not all there ({report.resent}): all its practice,"
            " stories and marks were written again (what other devices merged already changes nothing)."
        )
    restored, merged = report.restored, report.merged
    banks = home_bank_sources(store, restored, merged)
    if restored.added() or restored.deleted or restored.waiting:
        lines.append(
            merge_report(
                restored,
                f"Read back from this device's own files ({plural(report.read_back, 'line')}), written"
                " after the copy of its database now in use was made (restored from a backup, or replaced)",
                banks=banks,
                kept=True,
                own=True,
            )
        )
    if report.read or merged.waiting or merged.added() or merged.deleted:  # (or what waited)
        lines.append(merge_report(merged, "From other devices", banks=banks, kept=True))
    if report.resolved:
        lines.append(_resolved_line(report.resolved))
    if report.skipped:
        where = ", ".join(report.damaged)
        lines.append(f"Skipped {plural(report.skipped, 'damaged line')} (not a whole event) in {where}.")
    for name, (count, latest) in report.ahead.items():
        ahead = format_duration((latest - now).total_seconds())
        lines.append(
            f"warning: {plural(count, 'review')} in {name} {'is' if count == 1 else 'are'} dated after this"
            f" device's clock, up to {ahead} ahead ({latest:%Y-%m-%d}): that device's clock, or this one's,"
            " is likely wrong, and those questions are scheduled from those times."
        )
    for name, problems in report.invalid.items():  # each named, up to a handful
        lines.append(
            f"Skipped {plural(len(problems), 'event')} in {name} ({listed(problems)}); the rest is merged."
        )
    return "\n".join(lines)


def _resolved_line(events: list[dict[str, Any]]) -> str:
    """The records an earlier sync kept waiting (for a question or a session) that this one merged."""
    keys = sorted({str(event["key"]) for event in events if event.get("key") is not None})
    waited = f"for {listed(keys, sep=', ')}" if keys else "for their session"
    one = len(events) == 1
    return (
        f"{plural(len(events), 'record')} that waited {waited} at an earlier sync"
        f" {'is' if one else 'are'} merged now."
    )


def sync_after_session(store: Store) -> None:
    """The sync after a session, when the person turned it on; a failure is one line, not an error."""
    device = store.sync.known_device()
    if device is None or not (device.after_session and device.folder):
        return
    try:
        typer.echo(plain(run_sync(store, Path(device.folder))))
    except UserError as exc:
        typer.echo(f"warning: the sync after the session failed: {exc}", err=True)
