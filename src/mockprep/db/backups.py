"""Automatic backups of the database, as Anki keeps them: before every migration and once a day.

A backup is a consistent copy made with SQLite's online backup API (it includes what is still in the
WAL), written private to the user under ``HOME/backups``: first to a hidden temporary name, synced,
checked (SQLite's ``quick_check``), then renamed, so neither a copy cut short by a kill nor the copy of
a damaged database ever looks like a real backup; the latter is refused (:class:`DamagedDatabase`,
which names the newest intact backup to restore) before any pruning. Each kind (daily, manual,
pre-upgrade, before-restore) keeps its own newest few (a setting), so one kind never pushes out
another; a copy identical to the newest of its kind replaces it rather than being kept twice.
Pruning never removes the copy just made nor the one being restored, nor a backup stamped after the
clock's now: the clock is behind (it was set back, and those are the newest restore points) or was
ahead when they were made, and the stamps cannot tell which; they count towards no kind's number.
Restoring is :mod:`mockprep.db.restore`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import NamedTuple

from mockprep.db.damage_note import clear_damage, note_damage
from mockprep.db.errors import explain, is_damage
from mockprep.liveness import process_alive

DIR_NAME = "backups"
# The reason, then "-N" when the same second already had a backup for it.
_NAME = re.compile(r"^mockprep-(\d{8}-\d{6})-([a-z0-9-]+?)(?:-\d+)?\.db$")
_DAMAGED = re.compile(r"^damaged-\d{8}-\d{6}(-\d+)?\.db$")
_PARTIAL = re.compile(r"^\.mockprep-.*\.partial-(\d+)(-journal|-wal|-shm)?$")


class BackupError(Exception):
    """A backup could not be made or restored; the message says why."""


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


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def copy_into(source: sqlite3.Connection, target: Path) -> None:
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
        copy_into(source, partial)
        # The backup API copies pages as they are: a damaged page makes a damaged copy, which is checked
        # here, on the copy just written (in the page cache), off the database's own connection.
        problem = quick_check(partial)
        if problem is not None:
            raise DamagedDatabase(source_path, problem)
        os.replace(partial, target)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    fsync_dir(target.parent)


def _remove_abandoned_copies(folder: Path) -> None:
    """Temporary files left by a backup whose process was killed."""
    for path in folder.iterdir():
        match = _PARTIAL.match(path.name)
        if match and not other_process_alive(int(match.group(1))):
            path.unlink(missing_ok=True)


def other_process_alive(pid: int) -> bool:
    # this process is not copying while it tidies up
    return pid != os.getpid() and process_alive(pid)


def _recency(backup: Backup, now: datetime) -> tuple[bool, datetime, str]:
    # Stamped in the future: made before the clock was set back, or while it was ahead.
    return (backup.taken_at <= now, backup.taken_at, backup.name)


def _remove(backup: Backup) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{backup.path}{suffix}").unlink(missing_ok=True)


def stamped_ahead(home: Path, now: datetime) -> list[Backup]:
    """The backups stamped after ``now``, newest first: never pruned while the clock is behind them."""
    return [b for b in list_backups(home) if b.taken_at > now]


def prune(
    home: Path, now: datetime, keep: int, protect: Iterable[Path] = (), kind: str | None = None
) -> list[Path]:
    """Delete all but the ``keep`` newest backups of each kind (of ``kind`` alone, when given); never
    one of ``protect``, nor one stamped after ``now`` (:func:`stamped_ahead`). Returns what went."""
    protected = {Path(p).resolve() for p in protect}
    ranked = [b for b in list_backups(home) if b.taken_at <= now]  # newest stamp first
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
    target = free_name(folder, f"mockprep-{stamp}-{reason}")
    try:
        _copy_to(db_path, target)
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise DamagedDatabase(db_path, (str(exc).splitlines() or ["damaged"])[0]) from None
        raise BackupError(f"could not back up: {explain(db_path, exc)}") from None
    except OSError as exc:
        raise BackupError(f"could not back up {db_path} to {folder}: {exc.strerror}") from None
    clear_damage(db_path)  # its copy passed the check
    protected = {Path(p).resolve() for p in protect}
    made = Backup(target, now.astimezone(UTC).replace(microsecond=0), reason)
    kept = _keep_once(made, home, now, protected)
    prune(home, now, keep, [kept.path, *protected], kind=made.kind)
    return kept


def needs_daily_backup(home: Path, now: datetime, tz: tzinfo | None = None) -> bool:
    """True when no backup is stamped with the local calendar day of ``now``."""
    today = now.astimezone(tz).date()
    return all(b.taken_at.astimezone(tz).date() != today for b in list_backups(home))


def quick_check(path: Path) -> str | None:
    """What SQLite's ``quick_check`` finds wrong with the database file at ``path``, in one line; None
    when it is intact. (About 8 ms a MB: 1.3 s for a home of a million reviews, 155 MB.)"""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        return str(exc)
    found = [line for (text,) in rows for line in str(text).splitlines() if not line.startswith("***")]
    return None if found == ["ok"] else "; ".join(found[:2]) or "quick_check found it damaged"


def check_backup(path: Path) -> None:
    """Raise BackupError unless ``path`` is a readable, intact SQLite database."""
    problem = quick_check(path)
    if problem is not None:
        raise BackupError(f"{path.name} is damaged ({problem})")


def newest_intact(home: Path) -> Backup | None:
    """The newest backup (by stamp) that passes ``quick_check``: those made before backups were checked
    may hold the damage too, and a restore of one is refused."""
    for backup in list_backups(home):
        if quick_check(backup.path) is None:
            return backup
    return None


def restore_advice(home: Path) -> str:
    """What to do about a damaged database in ``home``: the newest intact backup and the command that
    restores it, which keeps the damaged file and names the command that merges back what it holds."""
    backup = newest_intact(home)
    if backup is None:
        found = len(list_backups(home))
        none = f"None of its {found} backups is intact" if found else "There is no backup of it"
        return (
            f"{none}: move it away to start afresh; mockprep import FILE --merge then reads back what"
            " can still be read of it."
        )
    when = backup.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return (
        f"Restore the newest intact backup ({when}) with: mockprep backup restore {backup.name} — it keeps"
        " the damaged file and says how to merge back what you practised since."
    )


class DamagedDatabase(BackupError):
    """The copy of a database failed ``quick_check``: the database itself is damaged. The copy is not
    kept and nothing is pruned; the message says what to do, in one line."""

    def __init__(self, db_path: Path, problem: str):
        self.db_path, self.problem = db_path, problem
        self._advice: str | None = None  # worked out when shown (a restore that meets it never shows it)
        super().__init__(f"{db_path} is damaged ({problem}); its copy was not kept as a backup.")
        note_damage(db_path, problem)  # every later command says so, until it passes the check

    def __str__(self) -> str:
        if self._advice is None:
            self._advice = restore_advice(self.db_path.parent)
            note_damage(self.db_path, self.problem, self._advice)
        return f"{super().__str__()} {self._advice}"


def daily_backup(db_path: Path, home: Path, now: datetime, keep: int) -> list[str]:
    """Make the day's backup (:func:`make_backup`); what the person must be told about it, one line
    each: that it failed and why (a damaged database: what to do), and that backups stamped after the
    clock are kept (it is behind them, or was ahead when they were made)."""
    told = []
    try:
        make_backup(db_path, home, now, "daily", keep=keep)
    except DamagedDatabase as exc:
        told.append(str(exc))
    except (BackupError, OSError) as exc:
        told.append(f"today's backup was not made: {exc}")
    ahead = stamped_ahead(home, now)
    if ahead:
        newest = ahead[0].taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
        clock = now.astimezone().strftime("%Y-%m-%d %H:%M")
        count = f"{len(ahead)} backup{' is' if len(ahead) == 1 else 's are'}"
        told.append(
            f"{count} stamped after this computer's clock ({clock}), the newest {newest}: the clock is"
            " behind, or was ahead when they were made. They are kept until the clock passes them;"
            " check the clock (mockprep backup list shows them)."
        )
    return told


def free_name(folder: Path, stem: str) -> Path:
    """``folder/STEM.db``, or ``STEM-2.db``, ``STEM-3.db``... the first that does not exist yet."""
    target, counter = folder / f"{stem}.db", 1
    while target.exists():
        counter += 1
        target = folder / f"{stem}-{counter}.db"
    return target
