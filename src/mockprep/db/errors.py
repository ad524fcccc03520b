"""What a SQLite error means for the person: one line saying what is really wrong and what to do.

A full disk, a read-only file or a lock held by another program leave the data intact, so their advice
never suggests restoring a backup or moving the file away; only a damaged file gets that advice.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# SQLite's primary result codes (the low byte of an extended code).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26


class DamageFound(sqlite3.DatabaseError):
    """Damage mockprep found itself (a copy that fails its check, a read that came back short): a
    database error said in one line as a damaged file is, whichever command meets it."""

    def __init__(self, what: str):
        super().__init__(what)
        self.sqlite_errorcode = _CORRUPT
        self.sqlite_errorname = "SQLITE_CORRUPT"


def sqlite_error(exc: BaseException) -> BaseException:
    """The driver's exception under a SQLAlchemy wrapper (or ``exc`` itself)."""
    return getattr(exc, "orig", None) or exc


def is_database_error(exc: BaseException) -> bool:
    """True for SQLite's errors, bare or wrapped by SQLAlchemy."""
    return isinstance(sqlite_error(exc), sqlite3.Error)


def is_damage(exc: BaseException) -> bool:
    """True for SQLite's errors that mean a damaged file (a corrupt page, or not a database at all)."""
    orig = sqlite_error(exc)
    code = getattr(orig, "sqlite_errorcode", None)
    lowered = str(orig).lower()
    return (
        isinstance(code, int)
        and code & 0xFF in (_CORRUPT, _NOTADB)
        or "malformed" in lowered
        or "not a database" in lowered
    )


def explain(
    path: Path, exc: BaseException, lock_wait_seconds: float = 30, intact: str = "your data is intact"
) -> str:
    """One line for a SQLite error met while using the database at ``path``; ``intact`` says what is
    intact where that is all it harmed (a full disk, a lock, a read-only file)."""
    orig = sqlite_error(exc)
    detail = (str(orig).splitlines() or [type(orig).__name__])[0]
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    lowered = detail.lower()
    if primary in (_BUSY, _LOCKED) or "locked" in lowered:
        return (
            f"{path} is locked: another program (most likely another mockprep) has held it for over "
            f"{lock_wait_seconds:g} seconds. Finish or quit that program, then try again; "
            f"{intact}."
        )
    if primary == _FULL or "disk is full" in lowered:
        return f"no space left on the device holding {path}: free some space, then try again; {intact}."
    if primary in (_READONLY, _PERM) or "readonly" in lowered or "read-only" in lowered:
        return (
            f"{path} or its folder {path.parent} is read-only: make both writable for you, then try again; "
            f"{intact}."
        )
    if primary == _CANTOPEN:
        return (
            f"cannot open {path}: check that its folder {path.parent} exists and that you may read and "
            "write both; the file was not changed."
        )
    if primary == _IOERR:
        return (
            f"the disk reported an input/output error on {path} ({detail}): check the disk or the "
            "network share it lives on, then try again."
        )
    if is_damage(orig):
        from mockprep.db.backups import restore_advice
        from mockprep.db.damage_note import note_damage

        advice = restore_advice(path.parent)
        note_damage(path, detail, advice)  # every later command says so, until it passes the check
        return f"{path} is not a usable mockprep database ({detail}); it was not changed. {advice}"
    return f"{path} could not be used ({detail}); it was not changed."
