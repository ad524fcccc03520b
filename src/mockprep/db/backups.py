"""Automatic backups of the database, as Anki keeps them: before every migration and once a day.

A backup is a consistent copy made with SQLite's online backup API (it includes what is still in the
WAL), written private to the user under ``HOME/backups``: first to a hidden temporary name, synced,
then renamed, so a copy cut short by a kill never looks like a real backup. Each kind (daily, manual,
pre-upgrade, before-restore) keeps its own newest few (a setting), so one kind never pushes out
another; a copy identical to the newest of its kind replaces it rather than being kept twice.
Pruning never removes the copy just made nor the one being restored, and a backup stamped in the
future (the clock was once ahead) counts as older than every backup stamped in the past. A database
a restore replaces that cannot be copied (damaged) is kept as ``damaged-STAMP.db``, never pruned.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import NamedTuple

from mockprep.db.errors import explain
from mockprep.liveness import process_alive

DIR_NAME = "backups"
# The reason, then "-N" when the same second already had a backup for it.
_NAME = re.compile(r"^mockprep-(\d{8}-\d{6})-([a-z0-9-]+?)(?:-\d+)?\.db$")
_DAMAGED = re.compile(r"^damaged-\d{8}-\d{6}(-\d+)?\.db$")
_PARTIAL = re.compile(r"^\.mockprep-.*\.partial-(\d+)(-journal|-wal|-shm)?$")


class BackupError(Exception):
    """A backup could not be made or restored; the message says why."""


class RestoreRefused(BackupError):
    """A restore that would lose what a running session writes; the message names the session."""


class Backup(NamedTuple):
    path: Path
    taken_at: datetime
    reason: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def kind(self) -> str:
        """What retention counts it with: ``before-mNNN`` (before an upgrade) is "pre-upgrade"."""
        return kind_of(self.reason)


class Restored(NamedTuple):
    """What a restore kept of the database it replaced: a backup of it, or, when it could not be
    copied (damaged), the file itself, kept in the backups folder as ``damaged``."""

    safety: Backup | None
    damaged: Path | None


def kind_of(reason: str) -> str:
    return "pre-upgrade" if re.match(r"before-m\d", reason) else reason


def backup_dir(home: Path) -> Path:
    return home / DIR_NAME


def list_backups(home: Path) -> list[Backup]:
    """Backups in ``home``, newest stamp first (temporary files of unfinished copies are not listed)."""
    folder = backup_dir(home)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match:
            taken = _stamp_time(match.group(1))
            found.append(Backup(path, taken, match.group(2)))
    return sorted(found, key=lambda b: (b.taken_at, b.name), reverse=True)


def damaged_copies(home: Path) -> list[Path]:
    """The damaged databases restores replaced and kept (never pruned), by name."""
    folder = backup_dir(home)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _DAMAGED.match(p.name))


def refuse_emptied(db_path: Path) -> None:
    """Refuse a database file emptied to 0 bytes (a truncation, a failed copy) where backups show the
    home had data: opening it would start an empty home over it and hide them (StoreError)."""
    from mockprep.db.store import StoreError

    found = list_backups(db_path.parent)
    if found and db_path.stat().st_size == 0:
        raise StoreError(
            f"{db_path} is empty (0 bytes), but this home has {len(found)} backup"
            f"{'' if len(found) == 1 else 's'}: restore one (mockprep backup list, then mockprep backup"
            " restore NAME), or move the file away to start afresh; it was not changed."
        )


def _stamp_time(stamp: str) -> datetime:
    """``YYYYmmdd-HHMMSS`` (UTC) as a time; by hand, as strptime would load _strptime, calendar and
    locale (~6 ms) at every start-up that lists the backups."""
    day, clock = stamp.split("-")
    numbers = [int(day[:4]), int(day[4:6]), int(day[6:]), int(clock[:2]), int(clock[2:4]), int(clock[4:])]
    return datetime(*numbers, tzinfo=UTC)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy ``source`` into the new file ``target`` (0600) and sync it to disk."""
    fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        # A self-contained file: in WAL mode (copied from the source) merely opening it to check it
        # would leave -wal and -shm files beside it.
        destination.execute("PRAGMA journal_mode = DELETE")
    finally:
        destination.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_to(source_path: Path, target: Path) -> None:
    """Copy the database at ``source_path`` to ``target`` through a temporary name in the same folder."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        _copy(source, partial)
        os.replace(partial, target)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    _fsync_dir(target.parent)


def _remove_abandoned_copies(folder: Path) -> None:
    """Temporary files left by a backup whose process was killed."""
    for path in folder.iterdir():
        match = _PARTIAL.match(path.name)
        if match and not _process_alive(int(match.group(1))):
            path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    # this process is not copying while it tidies up
    return pid != os.getpid() and process_alive(pid)


def _recency(backup: Backup, now: datetime) -> tuple[bool, datetime, str]:
    # Stamped in the future: made while the clock was ahead, so before every backup made since.
    return (backup.taken_at <= now, backup.taken_at, backup.name)


def _remove(backup: Backup) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{backup.path}{suffix}").unlink(missing_ok=True)


def prune(
    home: Path, now: datetime, keep: int, protect: Iterable[Path] = (), kind: str | None = None
) -> list[Path]:
    """Delete all but the ``keep`` most recent backups of each kind (of ``kind`` alone, when given); never
    one of ``protect``. Returns what went."""
    protected = {Path(p).resolve() for p in protect}
    ranked = sorted(list_backups(home), key=lambda b: _recency(b, now), reverse=True)
    removed = []
    for each in {b.kind for b in ranked} if kind is None else {kind}:
        of_kind = [b for b in ranked if b.kind == each]
        room = max(keep - sum(b.path.resolve() in protected for b in of_kind), 0)
        for backup in of_kind:
            if backup.path.resolve() in protected:
                continue
            if room > 0:
                room -= 1
                continue
            _remove(backup)
            removed.append(backup.path)
    return removed


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as first, b.open("rb") as second:
        while True:
            chunk = first.read(1 << 20)
            if chunk != second.read(1 << 20):
                return False
            if not chunk:
                return True


def _keep_once(new: Backup, home: Path, now: datetime, protected: set[Path]) -> Backup:
    """The backup to keep of ``new`` and the newest earlier one of its kind when the two files are the
    same bytes (nothing changed between them): the new one, so its stamp (today's) shows; the earlier
    one when it is protected (being restored). One process at a time decides (two terminals opened on a
    new day each made the day's copy, and each could remove the other's)."""
    with _backups_lock(home):
        if not new.path.exists():  # another process's decision: its copy, the same bytes, is kept
            mine = [b for b in list_backups(home) if b.kind == new.kind]
            return max(mine, key=lambda b: _recency(b, now)) if mine else new
        return _keep_newer(new, home, now, protected)


@contextlib.contextmanager
def _backups_lock(home: Path) -> Iterator[None]:
    """An exclusive lock on the backups' pruning, beside the sessions' locks (none where flock is
    missing, or the file cannot be made)."""
    try:
        import fcntl

        (home / "locks").mkdir(mode=0o700, exist_ok=True)
        fd = os.open(home / "locks" / "backups.lock", os.O_CREAT | os.O_RDWR, 0o600)
    except (ImportError, OSError):
        yield
        return
    try:
        for _try in range(40):  # a stopped or hung process holding it never stalls this one: 2 s at most
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.05)
            except OSError:  # no locks on this file system (ENOLCK): go on without
                break
        yield
    finally:
        os.close(fd)


def _keep_newer(new: Backup, home: Path, now: datetime, protected: set[Path]) -> Backup:
    earlier = [b for b in list_backups(home) if b.kind == new.kind and b.path != new.path]
    if not earlier:
        return new
    newest = max(earlier, key=lambda b: _recency(b, now))
    try:
        if not _same_bytes(newest.path, new.path):
            return new
    except OSError:
        return new
    if newest.path.resolve() in protected:
        _remove(new)
        return newest
    _remove(newest)
    return new


def make_backup(
    db_path: Path, home: Path, now: datetime, reason: str, keep: int = 10, protect: Iterable[Path] = ()
) -> Backup:
    """Copy the database (consistently, WAL included) into the backups folder; prune old ones of its kind.

    A copy identical to the newest backup of its kind replaces it (a repeated attempt at the same
    upgrade, a second ``backup now`` with nothing changed). The backup returned and every path in
    ``protect`` survive the pruning, and no other kind is pruned.
    """
    folder = backup_dir(home)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        _remove_abandoned_copies(folder)
    except OSError as exc:
        raise BackupError(f"could not back up {db_path}: {folder}: {exc.strerror}") from None
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    target = _free_name(folder, f"mockprep-{stamp}-{reason}")
    try:
        _copy_to(db_path, target)
    except sqlite3.Error as exc:
        raise BackupError(f"could not back up: {explain(db_path, exc)}") from None
    except OSError as exc:
        raise BackupError(f"could not back up {db_path} to {folder}: {exc.strerror}") from None
    protected = {Path(p).resolve() for p in protect}
    made = Backup(target, now.astimezone(UTC).replace(microsecond=0), reason)
    kept = _keep_once(made, home, now, protected)
    prune(home, now, keep, [kept.path, *protected], kind=made.kind)
    return kept


def needs_daily_backup(home: Path, now: datetime, tz: tzinfo | None = None) -> bool:
    """True when no backup is stamped with the local calendar day of ``now``."""
    today = now.astimezone(tz).date()
    return all(b.taken_at.astimezone(tz).date() != today for b in list_backups(home))


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
    return f"{'mock round' if kind == 'mock' else 'session'} {sid}", pid


def refuse_if_running(db_path: Path, alive: Callable[[int], bool]) -> None:
    """Raise RestoreRefused naming a session a live process is running on the database."""
    if found := running_session(db_path, alive):
        name, pid = found
        raise RestoreRefused(f"{name} is running (process {pid}); finish or quit it first, then restore")


def _free_name(folder: Path, stem: str) -> Path:
    """``folder/STEM.db``, or ``STEM-2.db``, ``STEM-3.db``... the first that does not exist yet."""
    target, counter = folder / f"{stem}.db", 1
    while target.exists():
        counter += 1
        target = folder / f"{stem}-{counter}.db"
    return target


def _keep_damaged(db_path: Path, home: Path, now: datetime, problem: BackupError) -> Path:
    """Keep the database a restore replaces, which could not be copied, as ``damaged-STAMP.db`` in the
    backups folder (its WAL beside it, so what was committed there is not lost to a recovery): a hard
    link, which needs no space, or else a byte copy. Never pruned."""
    import shutil

    folder = backup_dir(home)
    target = _free_name(folder, f"damaged-{now.astimezone(UTC).strftime('%Y%m%d-%H%M%S')}")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        for suffix in ("", "-wal"):
            source = Path(f"{db_path}{suffix}")
            if source.exists() and source.stat().st_size > 0:
                try:
                    os.link(source, f"{target}{suffix}")
                except OSError:
                    shutil.copyfile(source, f"{target}{suffix}")
        _fsync_dir(folder)
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
    alive: Callable[[int], bool] = _process_alive,
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
        _copy(source, partial)
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
    _fsync_dir(db_path.parent)
    return Restored(safety, damaged)
