"""Sync through a folder the person already syncs (Dropbox, Syncthing, a git repository).

Each device appends its events to its own files, one per month: ``DEVICE.YYYY-MM.jsonl``, one JSON object a
line, keys sorted. One writer per file, so a file-sync tool never sees two devices write the same file; files
only grow, so git sees appended lines. Reading tolerates what sync tools do:

- a file still being copied: an incomplete last line is left for the next sync;
- conflict copies (``*.sync-conflict-*``, ``(... conflicted copy ...)``) and duplicated files: read like
  any other file of that device; an event already merged changes nothing;
- a file replaced by another version (shorter, or different where it was read up to): read again; when
  it is this device's own (an older copy put back, a copy cut short), or the folder holds none of its
  files (another folder chosen), every event of this device is written again;
- files that arrive in any order: an event whose session or question is not here yet waits in the
  database and is tried again at every sync;
- a wrong clock: times are only used to order a card's reviews, never to decide what is new.

A sync killed at any point loses nothing: this device's changes are forgotten only after their lines are
written and flushed to disk, and a file's read position is saved only after its events are merged.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.core.sync_events import event_problem
from mockprep.db.merge import SKIPPED_SESSION, MergeSummary, merge_events
from mockprep.db.sync_log import dump

if TYPE_CHECKING:
    from mockprep.db.store import Store

# DEVICE.YYYY-MM then anything a sync tool adds (a conflict suffix), ending in .jsonl.
_FILE = re.compile(r"^(?P<device>[a-z0-9-]+-[0-9a-f]{12})\.(?P<month>\d{4}-\d{2})(?P<rest>.*)\.jsonl$")
_TAIL = 32  # bytes remembered from where a file was read up to
_AHEAD = timedelta(days=1)  # a review dated this far past this device's clock is reported


class SyncFolderError(Exception):
    """The folder cannot be used (missing, not a folder, not writable); the message says which."""


@dataclass
class SyncReport:
    written: int = 0  # events of this device written
    read: int = 0  # lines read from other devices' files
    read_back: int = 0  # lines read back from this device's own files (its database was replaced)
    skipped: int = 0  # lines that are not events (damaged)
    damaged: list[str] = field(default_factory=list)  # the files those lines are in
    invalid: dict[str, list[str]] = field(default_factory=dict)  # file: what is wrong in each event skipped
    ahead: dict[str, tuple[int, datetime]] = field(
        default_factory=dict
    )  # file: reviews dated past now, latest
    merged: MergeSummary = field(default_factory=MergeSummary)
    resent: str | None = None  # why every event of this device was written again (lines of it were lost)
    restored: MergeSummary = field(default_factory=MergeSummary)  # what this device's own files added back
    files: list[str] = field(default_factory=list)  # the files read
    # Events that waited at an earlier sync (for a question or a session not here then) and do no more.
    resolved: list[dict[str, Any]] = field(default_factory=list)


def sync_folder(store: Store, folder: Path, now: datetime) -> SyncReport:
    """Write this device's new events to ``folder``, then merge every other device's."""
    if not folder.is_dir():
        raise SyncFolderError(f"{folder}: not a folder (create it, or give the folder your sync tool shares)")
    report = SyncReport()
    device = store.sync.device().id
    marks = store.sync.read_marks()
    # (A damaged line of its own needs nothing: one a killed sync left half-written is ended by the
    # next write and its events, never marked sent, are written again; a copy cut short is shorter
    # than the mark, which _own_lines_lost finds.)
    report.resent = _own_lines_lost(folder, device, marks)
    if report.resent:
        store.sync.resend_everything()
    _write_outgoing(store, folder / f"{device}.{now:%Y-%m}.jsonl", marks, report)
    incoming: list[dict[str, Any]] = [json.loads(line) for line in store.sync.pending()]
    waited = [event for event in incoming if event.get("t") != SKIPPED_SESSION]
    source: dict[int, str] = {}  # the file each event was read from, by the event's id()
    own_events: list[dict[str, Any]] = []  # read back from this device's own files
    for path in sorted(folder.iterdir()):
        match = _FILE.match(path.name)
        if match is None or not path.is_file():
            continue  # not an event file
        lines, marks[path.name] = _read_new(path, marks.get(path.name))
        # This device's own files (and a sync tool's conflict copies of them) are read too, from where it
        # last read or wrote them: after a backup is restored (or the database otherwise replaced) that
        # brings back what it wrote since.
        own = match["device"] == device
        if own:
            report.read_back += len(lines)
        else:
            report.files.append(path.name)
            report.read += len(lines)
        events = _events(lines, path.name, None if own else match["device"], report)  # None: made here
        _dated_ahead(events, path.name, now, report)
        source.update((id(event), path.name) for event in events)
        (own_events if own else incoming).extend(events)
    # Its own lines merged on their own: what they add is what this database lacked (said only then).
    if own_events:
        report.restored = merge_events(store, own_events, origin="sync")
    if incoming:
        report.merged = merge_events(store, incoming, origin="sync")
    waiting = []
    for summary in (report.restored, report.merged):
        for event, why in summary.refused:  # named with their file, as a line with a wrong value is
            name = source.get(id(event), "the events kept waiting")
            report.invalid.setdefault(name, []).append(f"{event.get('t')} {event.get('uid')}: {why}")
        summary.refused = []
        waiting += summary.waiting + summary.skipped_sessions
    store.sync.save_progress(marks, waiting)
    # what this merge added of them, not what stopped waiting (one undone on its device since is dropped)
    merged = {id(event) for summary in (report.restored, report.merged) for event in summary.merged}
    report.resolved = [event for event in waited if id(event) in merged]
    return report


def _write_outgoing(store: Store, path: Path, marks: dict[str, tuple[int, str]], report: SyncReport) -> None:
    """Append this device's events not yet written to its file ``path``, then forget them."""
    events, upto = store.sync.outgoing()
    if events:
        read_to_end = _read_to_end(path, marks.get(path.name)) if path.exists() else path.name not in marks
        _append(path, events)
        if read_to_end:  # what it just wrote is in this database: not read back
            marks[path.name] = _end_mark(path)
        report.written += len(events)
    if upto:
        store.sync.sent(upto)


def _own_lines_lost(folder: Path, device: str, marks: dict[str, tuple[int, str]]) -> str | None:
    """Why lines this device wrote may be missing from ``folder`` (None if none are): none of its files
    there although it wrote some (another folder chosen, or they were removed), or one of its files not
    the one it wrote (a sync tool put back an older copy). Its events are then all written again."""
    mine = [name for name in marks if (m := _FILE.match(name)) is not None and m["device"] == device]
    present = {p.name for p in folder.iterdir() if (m := _FILE.match(p.name)) and m["device"] == device}
    if mine and not present:
        return f"none of this device's files are in {folder}"
    for name in sorted(present):
        if name in marks and not _mark_holds(folder / name, marks[name]):
            return f"{name} is not the file this device wrote (an older copy put back?)"
    return None


def _events(lines: list[str], name: str, origin: str | None, report: SyncReport) -> list[dict[str, Any]]:
    """The events of a file's new ``lines``; a line that is not one, or one with a wrong value, is counted
    in ``report`` and left out."""
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict) or "uid" not in event or "t" not in event:
            report.skipped += 1
            if name not in report.damaged:
                report.damaged.append(name)
            continue
        problem = event_problem(event)
        if problem is not None:  # a whole event with a value no merge can take
            report.invalid.setdefault(name, []).append(problem)
            if event["t"] == "session" and event_problem({"t": "skipped", "uid": event["uid"]}) is None:
                # Its reviews are merged without it (they would wait for it forever): remembered.
                events.append({"t": SKIPPED_SESSION, "uid": event["uid"], "file": name})
            continue
        event["origin"] = origin
        events.append(event)
    return events


def _dated_ahead(events: list[dict[str, Any]], name: str, now: datetime, report: SyncReport) -> None:
    """Count the reviews of file ``name`` dated over a day after this device's clock: the other device's
    clock (or this one's) is likely wrong, and their questions are scheduled from those times."""
    late = [
        moment
        for e in events
        if e.get("t") == "review" and (moment := datetime.fromisoformat(e["rated_at"])) > now + _AHEAD
    ]
    if late:
        count, latest = report.ahead.get(name, (0, max(late)))
        report.ahead[name] = (count + len(late), max(latest, *late))


def _append(path: Path, events: list[dict[str, Any]]) -> None:
    """Append whole lines and flush them to disk; a line a killed sync left half-written is ended first."""
    data = "".join(dump(event) + "\n" for event in events).encode("utf-8")
    with open(path, "ab") as handle:
        size = handle.tell()
        if size:
            with open(path, "rb") as check:
                check.seek(size - 1)
                if check.read(1) != b"\n":
                    data = b"\n" + data
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _read_to_end(path: Path, mark: tuple[int, str] | None) -> bool:
    """Whether ``mark`` is the whole of the file at ``path`` as it is now."""
    return mark is not None and mark == _end_mark(path)


def _end_mark(path: Path) -> tuple[int, str]:
    """The read mark of the whole of the file at ``path`` (its size and the bytes before it)."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL))
        return size, handle.read().hex()


def _mark_holds(path: Path, mark: tuple[int, str]) -> bool:
    """Whether the file at ``path`` still has, up to the read mark, the bytes it had when read to it."""
    offset, tail = mark
    base = max(0, offset - _TAIL)
    with open(path, "rb") as handle:
        handle.seek(base)
        return handle.read(offset - base).hex() == tail


def _read_new(path: Path, mark: tuple[int, str] | None) -> tuple[list[str], tuple[int, str]]:
    """The whole lines after the read mark (the file from its start if it is not the one read before)."""
    base, start = 0, 0  # data begins at file offset base; new lines at data[start:]
    if mark is not None and _mark_holds(path, mark):
        base = max(0, mark[0] - _TAIL)
        start = mark[0] - base
    with open(path, "rb") as handle:  # (replaced by another version: read it all again)
        handle.seek(base)
        data = handle.read()
    end = data.rfind(b"\n") + 1  # an incomplete last line waits for the rest of the file
    if end <= start:
        end = start
    lines = [line for line in data[start:end].decode("utf-8", "replace").split("\n") if line.strip()]
    return lines, (base + end, data[max(0, end - _TAIL) : end].hex())
