"""Keep the database in step with the bank files: the built-in ones and those a user added.

A bank is its id, not its file. Each run lists every file under the registered sources (a file
reached through two of them is one file), reads only regular files, and parses a file unless it is
exactly the one its bank was last read from (same path, same bytes) and that bank still has
questions. Then, for each bank id:

- the file that holds it is synced: the file it was read from if that still holds it, else the one
  found, so a file renamed, moved between registered folders, or put back keeps its questions and their
  history; a second file with the same id is reported and skipped;
- a bank that no file holds any more has its questions retired, never deleted — unless its file is
  unreadable or invalid (its last good version stays) or its registered folder is missing (perhaps a
  drive that is not mounted).

One run settles everything, so a second run right after it finds nothing to do.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mockprep.core.bank_files import FileStamp, bank_files, read_bank_bytes, unchanged_since
from mockprep.core.bank_records import Bank, BankError, BankProblem, content_hash
from mockprep.paths import builtin_banks_dir

if TYPE_CHECKING:
    from collections.abc import Callable

    from mockprep.core.records import SyncResult
    from mockprep.db.banks import BankState
    from mockprep.db.store import Store

BUILTIN_PREFIX = "builtin:"


class SyncReport:
    """What a sync changed, and the problems it found (each file's problems; the sync went on; and what
    running the solutions of the code questions it added or changed in a person's own banks found)."""

    __slots__ = ("changed", "problems", "new_code", "stopped")

    def __init__(self, changed: list[SyncResult] | None = None, problems: list[BankProblem] | None = None):
        self.changed = changed if changed is not None else []
        self.problems = problems if problems is not None else []
        self.new_code: list[tuple[Bank, tuple[str, ...]]] = []  # to run once the sync is committed
        self.stopped = False  # a Ctrl-C stopped that run: the command says what it did, then ends so


class AddReport(NamedTuple):
    """What ``bank add PATH`` did: the banks under the path with their questions after the sync."""

    banks: list[tuple[str, int]]
    covered_by: Path | None  # the registered folder that already held the path, if any
    brought_back: list[str]  # removed banks that adding the path restored
    sync: SyncReport

    @property
    def problems(self) -> list[BankProblem]:
        return self.sync.problems


class _Claim(NamedTuple):
    """A file that holds a bank: parsed, or ``bank=None`` when it is unchanged since the last sync."""

    source: str
    builtin: bool
    bank: Bank | None


class _Scan:
    """What a look at the bank files found."""

    def __init__(self, seen_ns: int):
        self.claims: dict[str, list[_Claim]] = {}  # bank id -> files holding it
        self.listed: set[str] = set()  # every file found
        self.broken: set[str] = set()  # files found but unreadable or invalid
        self.problems: list[BankProblem] = []
        self.read: list[tuple[str, FileStamp, str]] = []  # files read: stamp, hash
        self.gone: set[str] = set()  # files with a stamp that were not found
        self.seen_ns = seen_ns  # when the files were looked at


def forget_missing_sources(store: Store) -> list[Path]:
    """Unregister each registered path that is missing and holds no bank still in use (its banks were
    removed): it would be warned of at every command, and carried by every export. Returns them."""
    states = store.banks.states()
    forgotten = []
    for root in store.banks.sources():
        if not root.exists() and not any(
            not s.removed and Path(s.source).is_relative_to(root) for s in states.values()
        ):
            store.banks.remove_source(root)
            forgotten.append(root)
    return forgotten


def builtin_files() -> list[tuple[str, Path]]:
    root = builtin_banks_dir()
    return [(BUILTIN_PREFIX + p.relative_to(root).as_posix(), p) for p in bank_files(root)]


def _files_under(root: Path) -> list[tuple[str, Path]]:
    return [(str(p), p) for p in bank_files(root)]


def sync_banks(
    store: Store, now: datetime, running: Callable[[str], None] | None = None, *, run_code: bool = False
) -> SyncReport:
    """Bring every bank in ``store`` in line with the files that hold it. With ``run_code`` (the
    commands a person reads the warnings of) the solutions of the code questions it added or changed in
    the person's own banks are run then (``running`` hears each file first), and what they get wrong is
    among the report's problems: they are asked all the same. Without it no code runs."""
    states = store.banks.states()
    scan = _scan(_all_files(store), states, store.banks.file_stamps(), now)
    return _run_new_code(store, _apply(store, scan, states, now), running, run_code)


def add_path(
    store: Store,
    path: Path,
    now: datetime,
    running: Callable[[str], None] | None = None,
    *,
    run_code: bool = False,
) -> AddReport:
    """Register a bank file or folder and sync it; raise :class:`BankError` and change nothing when
    a file under it is invalid or holds a bank id another live file already holds. With ``run_code``
    new and changed code questions are run as :func:`sync_banks` runs them."""
    # One write transaction from the first read: another `bank add` or `bank import --add` of the same
    # bank waits for it and then sees its registration (two at once registered one bank twice).
    with store.write():
        report = _add_path(store, path, now)
    _run_new_code(store, report.sync, running, run_code)  # (not while holding the database: it takes seconds)
    return report


def _run_new_code(
    store: Store, report: SyncReport, running: Callable[[str], None] | None, run_code: bool
) -> SyncReport:
    """The report, with what running its new and changed code questions found among its problems
    (an import or merge that registers a bank runs no code: ``run_code`` is False then)."""
    if report.new_code and run_code:
        from mockprep.services.code_checks import check_new_code

        warnings, report.stopped = check_new_code(report.new_code, store.settings, running)
        report.problems += warnings
    return report


def _add_path(store: Store, path: Path, now: datetime) -> AddReport:
    resolved = path.resolve()
    if not resolved.exists():
        raise BankError([BankProblem(str(path), "no such file or folder")])
    new = _files_under(resolved)
    if resolved.is_dir() and not new:
        raise BankError([BankProblem(str(path), "folder holds no .toml bank files")])
    new_sources = {source for source, _path in new}
    states = store.banks.states()
    scan = _scan(_all_files(store) + new, states, store.banks.file_stamps(), now)
    refused = [p for p in scan.problems if p.source in new_sources]
    ids = {bank_id for bank_id, claims in scan.claims.items() if any(c.source in new_sources for c in claims)}
    # Adding a removed bank's file brings the bank back.
    planned = {i: s._replace(removed=False) if i in ids else s for i, s in states.items()}
    _winners, clashes = _plan(scan, planned)
    refused += [p for p in clashes if p.source in new_sources]
    if refused:
        raise BankError(refused)
    roots = store.banks.sources()
    covered_by = next((r for r in roots if resolved == r or resolved.is_relative_to(r) and r.is_dir()), None)
    if covered_by is None:
        for root in roots:
            if root.is_relative_to(resolved):
                store.banks.remove_source(root)  # the new folder holds it: one source, not two
        store.banks.add_source(resolved, now)
    brought_back = sorted(i for i in ids if i in states and states[i].removed)
    for bank_id in brought_back:
        store.banks.set_removed(bank_id, False)
    report = _apply(store, scan, planned, now)
    banks = [(bank_id, store.banks.active_questions(bank_id)) for bank_id in sorted(ids)]
    return AddReport(banks, covered_by, brought_back, report)


def restore_bank(
    store: Store, bank_id: str, now: datetime, running: Callable[[str], None] | None = None
) -> SyncReport:
    """Bring back a removed bank (``bank add ID``) and sync it, running new code as ``bank add`` does."""
    store.banks.set_removed(bank_id, False)
    return sync_banks(store, now, running, run_code=True)


def _all_files(store: Store) -> list[tuple[str, Path]]:
    files = builtin_files()
    for root in store.banks.sources():
        if root.exists():
            files.extend(_files_under(root))
    return files


def _scan(
    files: list[tuple[str, Path]],
    states: dict[str, BankState],
    stamps: dict[str, tuple[FileStamp, str, int]],
    now: datetime,
) -> _Scan:
    """Read every file once, unless it is stamped as it was when its bank was last read from it
    (:func:`mockprep.core.bank_files.unchanged_since`); parse those that are not exactly what their
    bank was last read from."""
    scan = _Scan(seen_ns=(now - _EPOCH) // timedelta(microseconds=1) * 1000)
    unchanged = {(s.source, s.content_hash): s.id for s in states.values() if s.active}
    recorded = {s.source for s in states.values() if s.active}
    for source, path in files:
        if source in scan.listed:
            continue  # reached through two registered sources: still one file
        scan.listed.add(source)
        try:
            info = os.stat(path)  # looked at before it is read: a write after this changes the stamp
        except OSError:
            info = None  # read_bank_bytes says why
        known = stamps.get(source)
        bank_id = None
        if info is not None and known is not None and unchanged_since(info, known[0], known[2]):
            bank_id = unchanged.get((source, known[1]))
        try:
            if bank_id is None:
                data = read_bank_bytes(path)
                digest = content_hash(data)
                if info is not None:
                    scan.read.append((source, FileStamp.of(info), digest))
                bank_id = unchanged.get((source, digest))
            bank = _parse(data, source) if bank_id is None else None
        except BankError as exc:
            scan.broken.add(source)
            note = " (its last good version is used)" if source in recorded else ""
            scan.problems += [p._replace(source=source, message=p.message + note) for p in exc.problems]
            continue
        claim = _Claim(source, source.startswith(BUILTIN_PREFIX), bank)
        scan.claims.setdefault(bank.id if bank is not None else bank_id, []).append(claim)  # type: ignore[arg-type]
    scan.gone = set(stamps) - scan.listed
    return scan


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _parse(data: bytes, source: str) -> Bank:
    # The parser loads pydantic: only a new or changed file pays for it, not every start-up.
    from mockprep.core.banks import parse_bank

    return parse_bank(data, source)


def _plan(scan: _Scan, states: dict[str, BankState]) -> tuple[dict[str, _Claim], list[BankProblem]]:
    """The file each bank is read from, and a problem for every other file that holds the same id."""
    winners: dict[str, _Claim] = {}
    clashes: list[BankProblem] = []
    for bank_id, claims in scan.claims.items():
        state = states.get(bank_id)
        if state is not None and state.removed:
            continue  # the person removed this bank; a file holding it does not bring it back
        if state is not None and state.source in scan.broken:
            owner = state.source  # its own file is being edited: a copy elsewhere is not a move
        else:
            kept = [c for c in claims if state is not None and c.source == state.source]
            winners[bank_id] = (kept or claims)[0]
            owner = winners[bank_id].source
        clashes += [
            BankProblem(c.source, f"bank id {bank_id!r} is already used by {owner}")
            for c in claims
            if c.source != owner
        ]
    return winners, clashes


def _apply(store: Store, scan: _Scan, states: dict[str, BankState], now: datetime) -> SyncReport:
    winners, clashes = _plan(scan, states)
    report = SyncReport(problems=scan.problems + clashes)
    results: list[SyncResult] = []
    roots = store.banks.sources()
    with store.write():  # every bank of the sync in one commit: one fsync, not one per bank
        if scan.read or scan.gone:
            store.banks.record_file_stamps(scan.read, scan.seen_ns, scan.gone)
        for claim in winners.values():
            if claim.bank is not None:
                results.append(store.banks.sync(claim.bank, claim.builtin, now))
        folders = [r for r in roots if r.is_dir()]
        for state in states.values():
            if state.removed or not state.active or state.id in winners or state.source in scan.broken:
                continue
            if _gone(state.source, scan.listed, folders):
                results.append(store.banks.retire_questions(state.id, now))
        if any(r.gone or r.reworded for r in results) and any(r.arrived or r.reworded for r in results):
            results = _carry_renames(store, results)
    report.changed = [result for result in results if result.changed]
    own = {c.bank.id: c.bank for c in winners.values() if c.bank is not None and not c.builtin}
    report.new_code = [
        (own[r.bank_id], r.code_changed) for r in report.changed if r.code_changed and r.bank_id in own
    ]
    report.problems += _missing_roots(store, roots, winners, states)
    return report


def _carry_renames(store: Store, results: list[SyncResult]) -> list[SyncResult]:
    """A question retired and one added with the same prompt, in this sync, are one question whose id
    changed, and so are ids swapped or passed along among questions whose prompts changed, where every
    prompt goes from one key to one other (core/renames.py): each question's row, card and history take
    the key its prompt has now, all at once. Each bank's result then counts them as renamed (in the bank
    they are in now), not as retired, added or updated."""
    from dataclasses import replace

    from mockprep.core.renames import Rename, find_moves

    moves = find_moves(
        [q for r in results for q in r.gone],
        [q for r in results for q in r.arrived],
        [q for r in results for q in r.reworded],
    )
    if not moves:
        return results
    bank_of = {q.key: r.bank_id for r in results for q in (*r.arrived, *r.reworded)}
    store.banks.carry_moves([(question.question_id, new) for question, new in moves])
    old = {question.key for question, _new in moves}
    new = {key for _question, key in moves}
    renamed: dict[str, list[Rename]] = {}
    for question, key in moves:
        renamed.setdefault(bank_of[key], []).append(Rename(question.key, key, question.reviews))
    out = []
    for r in results:
        kept_gone = tuple(q for q in r.gone if q.key not in old)
        kept_new = tuple(q for q in r.arrived if q.key not in new)
        kept_reworded = tuple(q for q in r.reworded if q.key not in new)
        out.append(
            replace(
                r,
                retired=r.retired - (len(r.gone) - len(kept_gone)),
                added=r.added - (len(r.arrived) - len(kept_new)),
                updated=r.updated - (len(r.reworded) - len(kept_reworded)),
                gone=kept_gone,
                arrived=kept_new,
                reworded=kept_reworded,
                renamed=r.renamed + tuple(renamed.get(r.bank_id, ())),
            )
        )
    return out


def _gone(source: str, listed: set[str], folders: list[Path]) -> bool:
    """Whether no file holds a bank read from ``source`` any more: the file now holds another bank,
    or it left a registered folder that is still there, or a built-in file is no longer shipped."""
    if source in listed or source.startswith(BUILTIN_PREFIX):
        return True
    return any(Path(source).is_relative_to(folder) for folder in folders)


def _missing_roots(
    store: Store, roots: list[Path], winners: dict[str, _Claim], states: dict[str, BankState]
) -> list[BankProblem]:
    """A warning per registered path that is missing; a registered file whose bank now lives in
    another file is forgotten instead (it moved, and the new place is registered)."""
    problems = []
    for root in roots:
        if root.exists():
            continue
        held = [s for s in states.values() if not s.removed and Path(s.source).is_relative_to(root)]
        if held and all(s.id in winners and winners[s.id].source != s.source for s in held):
            store.banks.remove_source(root)
            continue
        problems.append(
            BankProblem(
                str(root),
                "registered bank file or folder is missing; its banks keep their questions"
                " (if you moved it: mockprep bank add NEW-PATH)",
            )
        )
    return problems
