"""The bank files a merged file had registered, brought to this home before its history is merged.

A merge adds reviews only to questions this home has, and a home has a bank's questions only once its
file is registered: a backup restored from before ``bank add`` lacks the file, and merging back the
database it replaced (``…-before-restore.db``) left those reviews out ("add their banks"). So each path
the file had registered that this home has not is registered here and read (as ``bank add`` does) when
it exists on this machine and holds a bank the file had not removed; one that does not exist is named,
with the banks that came from it, so the person knows which file to bring back.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from mockprep.core.records import SyncResult
    from mockprep.db.store import Store


class MergedBanks(NamedTuple):
    """What :func:`register_sources` did."""

    added: list[Path]  # paths registered here and read
    missing: dict[str, str]  # bank id -> the file it came from, which is not on this machine
    problems: list[str]  # paths that could not be added, and why (one line each)
    changed: list[SyncResult]  # what reading the added paths changed (renames, retired questions)


def register_sources(store: Store, doc: dict[str, Any], now: datetime) -> MergedBanks:
    """Register and read the paths ``doc`` (an export's head) had registered that this home has not."""
    from mockprep.core.bank_records import BankError
    from mockprep.services.bank_sync import BUILTIN_PREFIX, add_path

    kept = {  # the banks the file had read from a file of its own (not removed, not built in)
        b["id"]: b["source"]
        for b in doc.get("banks", [])
        if not b.get("removed") and not b.get("builtin") and not str(b["source"]).startswith(BUILTIN_PREFIX)
    }
    added: list[Path] = []
    problems: list[str] = []
    changed: list[SyncResult] = []
    for source in doc.get("bank_sources", []):
        path = Path(source["path"])
        registered = store.banks.sources()
        if any(path == root or path.is_relative_to(root) for root in registered):
            continue
        if not any(Path(bank_source).is_relative_to(path) for bank_source in kept.values()):
            continue  # it held only banks the file had removed
        if not path.exists():
            continue  # named below, by the banks it held
        try:
            report = add_path(store, path, now)
        except BankError as exc:
            problems.append(f"{path}: not registered ({'; '.join(str(p) for p in exc.problems[:2])})")
            continue
        added.append(path)
        changed += report.sync.changed
    here = set(store.banks.states())
    missing = {bank: file for bank, file in kept.items() if bank not in here and not Path(file).exists()}
    return MergedBanks(added, missing, problems, changed)
