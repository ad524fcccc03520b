"""Restoring a backup: refused while a session runs on the database or another process has it open,
and never without keeping what it replaces: a backup of it (``before-restore``), or, when it cannot be
copied because it is damaged, the file itself as ``backups/damaged-STAMP.db``, never pruned, from
which ``import --merge`` reads back what it can (:mod:`mockprep.db.salvage`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from mockprep.db.backups import (
    Backup,
    BackupError,
    backup_dir,
    check_backup,
    copy_into,
    free_name,
    fsync_dir,
    make_backup,
    other_process_alive,
)
from mockprep.db.damage_note import clear_damage
from mockprep.db.errors import explain


class RestoreRefused(BackupError):
    """A restore that would lose what a running session writes; the message names the session."""


class Restored(NamedTuple):
    """What a restore kept of the database it replaced: a backup of it, or, when it could not be
    copied (damaged), the file itself, kept in the backups folder as ``damaged``."""

    safety: Backup | None
    damaged: Path | None


def running_sessions(db_path: Path, alive: Callable[[int], bool]) -> list[tuple[int, str, int]]:
    """``(id, kind, pid)`` of the sessions a live process is running on the database at ``db_path``.

    A database that cannot be read has none (nothing can be running on it).
    """
    if not db_path.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT id, kind, pid FROM sessions WHERE status = 'running' AND pid IS NOT NULL"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []
    from mockprep.liveness import lock_held, session_lock

    def running(sid: int, pid: int) -> bool:  # the rule recover() goes by: the lock, else the process id
        held = lock_held(session_lock(db_path, sid))
        return held if held is not None else alive(pid)

    return [(sid, kind, pid) for sid, kind, pid in rows if pid != os.getpid() and running(sid, pid)]


def running_session(db_path: Path, alive: Callable[[int], bool]) -> tuple[str, int] | None:
    """``("session 3", pid)`` (or ``"mock round 3"``) of a session a live process runs on the database."""
    running = running_sessions(db_path, alive)
    if not running:
        return None
    sid, kind, pid = running[0]
    return _session_name(sid, kind), pid


def _session_name(sid: int, kind: str) -> str:
    return f"{'mock round' if kind == 'mock' else 'session'} {sid}"


def refuse_if_running(db_path: Path, alive: Callable[[int], bool]) -> None:
    """Raise RestoreRefused naming every session a live process is running on the database."""
    running = running_sessions(db_path, alive)
    if len(running) == 1:
        (sid, kind, pid), it = running[0], "it"
        said = f"{_session_name(sid, kind)} is running (process {pid})"
    elif running:
        named = [f"{_session_name(sid, kind)} (process {pid})" for sid, kind, pid in running]
        said, it = f"{', '.join(named[:-1])} and {named[-1]} are running", "them"
    else:
        return
    raise RestoreRefused(f"{said}; finish or quit {it} first, then restore")


def _keep_damaged(db_path: Path, home: Path, now: datetime, problem: BackupError) -> Path:
    """Keep the database a restore replaces, which could not be copied, as ``damaged-STAMP.db`` in the
    backups folder (its WAL beside it, so what was committed there is not lost to a recovery): a hard
    link, which needs no space, or else a byte copy. Never pruned."""
    import shutil

    folder = backup_dir(home)
    target = free_name(folder, f"damaged-{now.astimezone(UTC).strftime('%Y%m%d-%H%M%S')}")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        for suffix in ("", "-wal"):
            source = Path(f"{db_path}{suffix}")
            if source.exists() and source.stat().st_size > 0:
                try:
                    os.link(source, f"{target}{suffix}")
                except OSError:
                    shutil.copyfile(source, f"{target}{suffix}")
        fsync_dir(folder)
    except OSError as exc:
        for suffix in ("", "-wal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        raise BackupError(f"{problem}, and could not be kept in {folder} either ({exc.strerror})") from None
    return target


_IN_USE = (
    "another mockprep has the database open (an import, a sync or a session in another terminal);"
    " let it finish, then restore"
)


def open_elsewhere(db_path: Path) -> bool:
    """Whether another connection has the database open. SQLite deletes the write-ahead log when the
    last connection closes, so one that outlives this probe's connection belongs to someone else (an
    `import --merge` whose writes would go on into the file a restore replaces, and be lost). A log a
    killed process left behind is replayed and removed by the probe itself. A damaged file says no."""
    if not db_path.exists():
        return False
    try:
        con = sqlite3.connect(db_path)
        try:
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            logged = con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return logged and Path(f"{db_path}-wal").exists()  # (a file not in WAL mode has no live log)


def restore_backup(
    backup: Path,
    db_path: Path,
    home: Path,
    now: datetime,
    keep: int = 10,
    alive: Callable[[int], bool] = other_process_alive,
) -> Restored:
    """Replace the database with ``backup``; the current one is first backed up itself, or, when it
    cannot be copied (damaged), kept as it is as ``damaged-STAMP.db`` (an emptied file is not kept).

    Refused (:class:`RestoreRefused`) while a session runs: its process would go on writing to the
    file that is replaced, and its ratings would be lost. The safety copy prunes only older
    before-restore ones. Returns what was kept of the database that was replaced.
    """
    check_backup(backup)
    refuse_if_running(db_path, alive)
    if open_elsewhere(db_path):
        raise RestoreRefused(_IN_USE)
    safety = damaged = None
    if db_path.exists() and db_path.stat().st_size > 0:  # (an emptied file holds nothing to keep)
        try:
            safety = make_backup(db_path, home, now, "before-restore", keep, protect=[backup])
        except BackupError as exc:
            damaged = _keep_damaged(db_path, home, now, exc)
    partial = db_path.with_name(db_path.name + ".restoring")
    partial.unlink(missing_ok=True)

    def undo() -> None:  # not restored: the database stays where it was, so no copy of it is kept
        partial.unlink(missing_ok=True)
        for suffix in ("", "-wal") if damaged else ():
            Path(f"{damaged}{suffix}").unlink(missing_ok=True)

    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        copy_into(source, partial)
    except sqlite3.Error as exc:
        undo()
        raise BackupError(f"could not restore: {explain(db_path, exc)}") from None
    finally:
        source.close()
    if open_elsewhere(db_path):  # again: a session or a merge may have opened it while the copy ran
        undo()
        raise RestoreRefused(_IN_USE)
    # The old WAL must go before the new file arrives: SQLite would replay it onto the restored pages.
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(partial, db_path)
    fsync_dir(db_path.parent)
    clear_damage(db_path)
    return Restored(safety, damaged)
