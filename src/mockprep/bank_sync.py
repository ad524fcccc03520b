"""Keep the database in step with the bank files: the built-in ones and those a user added.

A file whose bytes hash the same as last time is not parsed at all, so an unchanged library costs a
read and a hash per file. A file that fails validation is reported and its last good version stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mockprep.banks import BankError, BankProblem, bank_files, content_hash, parse_bank
from mockprep.paths import builtin_banks_dir

if TYPE_CHECKING:
    from mockprep.storage import Store, SyncResult

BUILTIN_PREFIX = "builtin:"


@dataclass
class SyncReport:
    changed: list[SyncResult] = field(default_factory=list)
    problems: list[BankProblem] = field(default_factory=list)


def builtin_files() -> list[tuple[str, Path]]:
    root = builtin_banks_dir()
    return [(BUILTIN_PREFIX + p.relative_to(root).as_posix(), p) for p in bank_files(root)]


def user_files(store: Store) -> tuple[list[tuple[str, Path]], list[BankProblem]]:
    files: list[tuple[str, Path]] = []
    problems: list[BankProblem] = []
    for root in store.bank_sources():
        if not root.exists():
            problems.append(BankProblem(str(root), "registered bank file or folder is missing"))
            continue
        files.extend((str(p), p) for p in bank_files(root))
    return files, problems


def sync_banks(store: Store, now: datetime) -> SyncReport:
    """Sync every changed bank file into ``store``."""
    report = SyncReport()
    user, report.problems = user_files(store)
    known = store.bank_hashes_by_source()
    owners = store.bank_owners()
    for source, path in builtin_files() + user:
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
        report.changed.append(store.sync_bank(bank, builtin, now))
        owners[bank.id] = (source, False)
    return report
