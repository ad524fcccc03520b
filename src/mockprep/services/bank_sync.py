"""Keep the database in step with the bank files: the built-in ones and those a user added.

A file whose bytes hash the same as last time is not parsed at all, so an unchanged library costs a
read and a hash per file. A file that fails validation is reported and its last good version stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mockprep.core.banks import BankError, BankProblem, bank_files, content_hash, parse_bank
from mockprep.core.records import SyncResult
from mockprep.paths import builtin_banks_dir

if TYPE_CHECKING:
    from mockprep.db.store import Store

BUILTIN_PREFIX = "builtin:"


@dataclass
class SyncReport:
    changed: list[SyncResult] = field(default_factory=list)
    problems: list[BankProblem] = field(default_factory=list)


def builtin_files() -> list[tuple[str, Path]]:
    root = builtin_banks_dir()
    return [(BUILTIN_PREFIX + p.relative_to(root).as_posix(), p) for p in bank_files(root)]


def user_files(store: Store) -> tuple[list[tuple[str, Path]], list[BankProblem], list[Path]]:
    """The user's bank files, problems with their sources, and the registered roots that exist."""
    files: list[tuple[str, Path]] = []
    problems: list[BankProblem] = []
    present: list[Path] = []
    for root in store.banks.sources():
        if not root.exists():
            # Perhaps a drive that is not mounted: keep the banks, say so.
            problems.append(BankProblem(str(root), "registered bank file or folder is missing"))
            continue
        present.append(root)
        files.extend((str(p), p) for p in bank_files(root))
    return files, problems, present


def _gone(source: str, seen: set[str], roots: list[Path]) -> bool:
    """Whether a bank's file was deleted: a built-in file no longer shipped, or a file that left a
    registered folder that is still there."""
    if source in seen:
        return False
    if source.startswith(BUILTIN_PREFIX):
        return True
    path = Path(source)
    return any(root.is_dir() and path.is_relative_to(root) for root in roots) and not path.exists()


def sync_banks(store: Store, now: datetime) -> SyncReport:
    """Sync every changed bank file into ``store``."""
    report = SyncReport()
    user, report.problems, roots = user_files(store)
    known = store.banks.hashes_by_source()
    owners = store.banks.owners()
    files = builtin_files() + user
    seen = {source for source, _path in files}
    for bank_id, (source, removed) in owners.items():
        if not removed and _gone(source, seen, roots):
            # Its questions are retired, never deleted: their history stays.
            retired = store.banks.retire_questions(bank_id, now)
            if retired:
                report.changed.append(SyncResult(bank_id, 0, 0, retired))
    for source, path in files:
        builtin = source.startswith(BUILTIN_PREFIX)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.problems.append(BankProblem(str(path), f"cannot be read: {exc.strerror}"))
            continue
        if known.get(source) == content_hash(data):
            continue
        try:
            bank = parse_bank(data, source)
        except BankError as exc:
            report.problems.extend(exc.problems)
            continue
        owner = owners.get(bank.id)
        if owner is not None and owner[1]:
            continue  # the user removed this bank; a changed file does not bring it back
        if owner is not None and owner[0] != source:
            report.problems.append(BankProblem(source, f"bank id {bank.id!r} is already used by {owner[0]}"))
            continue
        report.changed.append(store.banks.sync(bank, builtin, now))
        owners[bank.id] = (source, False)
    return report
