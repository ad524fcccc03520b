"""Automatic backups of the database, as Anki keeps them: before every migration and once a day.

A backup is a consistent copy made with SQLite's online backup API (it includes what is still in the
WAL), written private to the user under ``HOME/backups``. The newest few are kept (a setting).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

DIR_NAME = "backups"
_NAME = re.compile(r"^mockprep-(\d{8}-\d{6})-([a-z0-9-]+)\.db$")


class BackupError(Exception):
    """A backup could not be made or restored; the message says why."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime
    reason: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backup_dir(home: Path) -> Path:
    return home / DIR_NAME


def list_backups(home: Path) -> list[Backup]:
    """Backups in ``home``, newest first."""
    folder = backup_dir(home)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match:
            taken = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            found.append(Backup(path, taken, match.group(2)))
    return sorted(found, key=lambda b: (b.taken_at, b.name), reverse=True)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()


def make_backup(db_path: Path, home: Path, now: datetime, reason: str, keep: int = 10) -> Backup:
    """Copy the database (consistently, WAL included) into the backups folder; prune old ones."""
    folder = backup_dir(home)
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    target = folder / f"mockprep-{stamp}-{reason}.db"
    counter = 1
    while target.exists():
        counter += 1
        target = folder / f"mockprep-{stamp}-{reason}-{counter}.db"
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        _copy(source, target)
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"could not back up {db_path}: {exc}") from None
    finally:
        source.close()
    for old in list_backups(home)[keep:]:
        old.path.unlink(missing_ok=True)
    return Backup(target, now.astimezone(UTC).replace(microsecond=0), reason)


def needs_daily_backup(home: Path, now: datetime, tz: tzinfo | None = None) -> bool:
    """True when no backup was taken yet on the local calendar day of ``now``."""
    backups = list_backups(home)
    if not backups:
        return True
    today = now.astimezone(tz).date()
    return backups[0].taken_at.astimezone(tz).date() != today


def check_backup(path: Path) -> None:
    """Raise BackupError unless ``path`` is a readable, intact SQLite database."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path.name} is not a usable database ({exc})") from None
    if result != "ok":
        raise BackupError(f"{path.name} is damaged ({result})")


def restore_backup(backup: Path, db_path: Path, home: Path, now: datetime, keep: int = 10) -> Backup | None:
    """Replace the database with ``backup``; the current one is first backed up itself (if readable).

    Returns the safety backup of the database that was replaced, if one could be made.
    """
    check_backup(backup)
    safety = None
    if db_path.exists():
        try:
            safety = make_backup(db_path, home, now, "before-restore", keep)
        except BackupError:
            safety = None  # a damaged database cannot be copied; restoring is the point
    partial = db_path.with_name(db_path.name + ".restoring")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _copy(source, partial)
    finally:
        source.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(partial, db_path)
    return safety
