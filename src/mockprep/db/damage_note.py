"""A database found damaged is remembered until it passes the check again, so every command says so.

The check runs with the day's backup (``quick_check`` of the copy), and SQLite reports a damaged page
only to the query that reads it: once ``stats`` or ``backup now`` had found the damage, ``history`` or
``question show`` went on that day with exit 0 and no word of it. So the first command that finds it
leaves a note beside the database (``mockprep.db.damaged``: when, what, the restore advice of then),
which every later command tells in one line; a copy that passes the check (a backup) or a restore
removes it. The note names the file by device and inode, so a file put in its place (a restore, a new
database after the damaged one was moved away) is not taken for the damaged one; as an inode can be
reused, a small noted file is checked again and the note dropped when it passes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


def note_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".damaged")


def _identity(db_path: Path) -> list[int] | None:
    try:
        stat = db_path.stat()
    except OSError:
        return None
    return [stat.st_dev, stat.st_ino]


def note_damage(db_path: Path, problem: str, advice: str | None = None) -> None:
    """Remember that the database at ``db_path`` was found damaged (``problem``, one line), with what
    to do about it (``advice``; kept from an earlier note of the same file when not given). A note
    that cannot be written is left out: the command says the damage itself."""
    identity = _identity(db_path)
    if identity is None:
        return
    target = note_path(db_path)
    found = datetime.now(UTC).isoformat(timespec="seconds")
    earlier = _read(target)
    if earlier is not None and earlier.get("file") == identity:
        found = earlier.get("found") or found
        advice = advice or earlier.get("advice")
    import json

    partial = target.with_name(target.name + ".partial")
    try:
        note = {"file": identity, "found": found, "problem": problem, "advice": advice}
        partial.write_text(json.dumps(note))
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)


def clear_damage(db_path: Path) -> None:
    """The database at ``db_path`` passed the check (or was replaced): forget any note of damage."""
    try:
        note_path(db_path).unlink(missing_ok=True)
    except OSError:
        pass


def damage_noted(db_path: Path) -> str | None:
    """One line when the database at ``db_path`` was found damaged and has not passed the check since;
    None otherwise (a note of another file that stood there is removed)."""
    target = note_path(db_path)
    if not target.exists():  # (every command asks: nothing more is loaded or read when there is none)
        return None
    note = _read(target)
    if note is None:
        return None
    if note.get("file") != _identity(db_path) or _passes_check(db_path):
        clear_damage(db_path)
        return None
    try:
        when = datetime.fromisoformat(str(note["found"])).astimezone().strftime("%Y-%m-%d %H:%M")
    except (KeyError, ValueError):
        when = "earlier"
    advice = note.get("advice") or "mockprep backup list shows which backups pass the check."
    problem = note.get("problem") or "quick_check failed"
    return (
        f"{db_path} is damaged ({problem}; found {when}, and it has not passed the check since): what"
        f" mockprep shows and keeps may be incomplete. {advice}"
    )


CHECKED_BELOW_BYTES = 64 << 20  # a file this small is checked again (under half a second) while noted


def _passes_check(db_path: Path) -> bool:
    """A small noted file that passes SQLite's ``quick_check`` now: an inode is reused, so a new
    database put where the damaged one was moved away can carry its device and inode."""
    import sqlite3

    try:
        if db_path.stat().st_size >= CHECKED_BELOW_BYTES:
            return False
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return False


def _read(target: Path) -> dict | None:
    import json

    try:
        note = json.loads(target.read_text())
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None
