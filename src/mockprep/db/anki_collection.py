"""Reading the notes of an Anki collection file (the SQLite database inside an ``.apkg``/``.colpkg``).

Both layouts: the legacy one (schema 11: note types and decks as JSON in ``col``) and the current one
(schema 18: ``notetypes``, ``fields`` and ``decks`` tables, deck names joined by U+001F). The file is
opened read-only and immutable: nothing is ever written to it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from mockprep.core.anki_days import AnkiDays, AnkiDue
from mockprep.core.anki_notes import AnkiNote
from mockprep.core.anki_revlog import AnkiAnswer, RevlogEntry, answers
from mockprep.core.anki_schedule import AnkiSchedule
from mockprep.core.bank_import import SourceError


def read_notes(path: Path, member: str) -> list[AnkiNote]:
    """Every note of the collection at ``path`` (``member`` names it in messages), in note-id order."""
    uri = f"file:{path}?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise SourceError(f"{member}: cannot be opened ({exc})") from None
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"notes", "cards", "col"} <= tables:
            raise SourceError(f"{member}: not an Anki collection (no notes, cards or col table)")
        if "notetypes" in tables and con.execute("SELECT count(*) FROM notetypes").fetchone()[0]:
            names, decks = _schema18(con)
        else:
            names, decks = _schema11(con)
        columns = {row[1] for row in con.execute("PRAGMA table_info(cards)")}
        # the deck of each note's first card: a card in a filtered deck, its own deck (odid), where the
        # collection has the column (one written by hand may not)
        deck = "CASE WHEN odid != 0 THEN odid ELSE did END" if "odid" in columns else "did"
        note_decks = dict(con.execute(f"SELECT nid, {deck} FROM cards ORDER BY nid, ord DESC"))
        notes = []
        for nid, guid, mid, tags, flds in con.execute(
            "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
        ):
            fields = tuple(str(flds).split("\x1f"))
            deck = decks.get(note_decks.get(nid, -1))
            notes.append(
                AnkiNote(f"note {nid}", str(guid), fields, names.get(mid, ()), tuple(str(tags).split()), deck)
            )
        return notes
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{member}: not a readable Anki collection ({exc})") from None
    finally:
        con.close()


def _schema18(con: sqlite3.Connection) -> tuple[dict[int, tuple[str, ...]], dict[int, str]]:
    names: dict[int, list[str]] = {}
    for ntid, _ord, name in con.execute("SELECT ntid, ord, name FROM fields ORDER BY ntid, ord"):
        names.setdefault(ntid, []).append(name)
    decks = {did: str(name).replace("\x1f", "::") for did, name in con.execute("SELECT id, name FROM decks")}
    return {k: tuple(v) for k, v in names.items()}, decks


def _schema11(con: sqlite3.Connection) -> tuple[dict[int, tuple[str, ...]], dict[int, str]]:
    row = con.execute("SELECT models, decks FROM col").fetchone()
    if row is None:
        raise SourceError("the collection has no col row")
    try:
        models, decks = json.loads(row[0] or "{}"), json.loads(row[1] or "{}")
        names = {
            int(mid): tuple(f["name"] for f in sorted(m.get("flds", []), key=lambda f: f.get("ord", 0)))
            for mid, m in models.items()
        }
        deck_names = {int(did): str(d.get("name", "")) for did, d in decks.items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        raise SourceError("the collection's note types or decks are not readable JSON") from None
    return names, deck_names


def read_history(path: Path, member: str) -> dict[tuple[str, int], list[AnkiAnswer]]:
    """Each card's answers, oldest first, by (note GUID, card ordinal): Anki's ease 1-4 is the same
    scale as FSRS's rating (again, hard, good, easy). Entries without a rating (a reset, a set due
    date) are no answers, but a reset decides which answers before it still count (core.anki_revlog)."""
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    entries: dict[tuple[str, int], list[RevlogEntry]] = {}
    try:
        rows = con.execute(
            "SELECT r.id, r.ease, r.type, r.factor, r.time, c.ord, n.guid FROM revlog r"
            " JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid ORDER BY r.id"
        )
        for ms, ease, kind, factor, taken, ordinal, guid in rows:
            spent = taken if isinstance(taken, int) else 0
            entry = RevlogEntry(int(ms), int(ease or 0), int(kind or 0), int(factor or 0), spent)
            entries.setdefault((str(guid), int(ordinal)), []).append(entry)
    except (sqlite3.DatabaseError, TypeError, ValueError) as exc:
        raise SourceError(f"{member}: its review log is not readable ({exc})") from None
    finally:
        con.close()
    history = {card: answers(log) for card, log in entries.items()}
    return {card: log for card, log in history.items() if log}


def read_dues(path: Path) -> dict[tuple[str, int], AnkiDue]:
    """Each answered card's schedule (type, queue, due) by (note GUID, card ordinal), and each new card
    that is suspended or buried, with how the collection numbers its days: a review card's due is a
    day number counted from its creation. Nothing from a collection without them (one written by
    hand): its answers alone decide."""
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        days = _days(con)
        rows = con.execute(  # a card in a filtered deck keeps its own due in odue
            "SELECT n.guid, c.ord, c.type, c.queue, CASE WHEN c.odid != 0 AND c.odue != 0 THEN c.odue"
            " ELSE c.due END FROM cards c JOIN notes n ON n.id = c.nid WHERE c.type != 0 OR c.queue < 0"
        )
        return {(str(g), int(o)): AnkiDue(days, int(t), int(q), int(d)) for g, o, t, q, d in rows}
    except (sqlite3.DatabaseError, TypeError, ValueError):
        return {}  # (the review log was readable: read_history said so before)
    finally:
        con.close()


def _days(con: sqlite3.Connection) -> AnkiDays:
    """The collection's crt, creationOffset and rollover hour (config in a table since schema 14, in
    ``col.conf`` before); Anki takes a missing rollover for 4, and the v1 scheduler has none."""
    created, conf, changed = con.execute("SELECT crt, conf, mod FROM col").fetchone()
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "config" in tables:
        keys = "('creationOffset', 'rollover', 'schedVer')"
        rows = con.execute(f"SELECT key, val FROM config WHERE key IN {keys}")
        config = {key: _json(val) for key, val in rows}
    else:
        config = _json(conf)
        config = config if isinstance(config, dict) else {}
    west, rollover = config.get("creationOffset"), config.get("rollover")
    v1 = config.get("schedVer", 1) == 1
    return AnkiDays(
        int(created),
        west if isinstance(west, int) else None,
        None if v1 else rollover if isinstance(rollover, int) and 0 <= rollover < 24 else 4,
        _seconds(changed),
    )


def _seconds(stamp: object) -> int | None:
    """``col.mod`` as epoch seconds: milliseconds in current collections, seconds in old ones."""
    if not isinstance(stamp, int) or stamp <= 0:
        return None
    return stamp // 1000 if stamp > 10**11 else stamp


def _json(value: object) -> object:
    try:
        return json.loads(value) if isinstance(value, str | bytes) and value else None
    except ValueError:
        return None


def write_schedules(
    path: Path,
    schedules: dict[str, AnkiSchedule],
    days: AnkiDays,
    marks: dict[str, tuple[int | None, int]] | None = None,
) -> None:
    """Give the first card of each note (by GUID) its schedule and review log, in one transaction; the
    collection numbers its days as ``days`` says (the schedules' due days are counted so). ``marks``
    gives a card a queue of its own (suspended, buried; None: its schedule's) and its flags."""
    con = sqlite3.connect(path)
    used = {r[0] for r in con.execute("SELECT id FROM revlog")}
    try:
        with con:
            # The review log uses the v2 scheduler's eases (1-4 in learning too); a v1 collection's would
            # be converted on import (good and easy in learning moved up one).
            conf = json.loads(con.execute("SELECT conf FROM col").fetchone()[0] or "{}")
            conf["schedVer"] = 2
            # Anki shifts each review card by the days between its today here and in the collection
            # imported into: with creationOffset set, its today here is the local date less crt's date
            # in that zone, so a card is due on the same local date in any zone.
            conf["creationOffset"] = days.minutes_west
            conf["rollover"] = days.rollover
            con.execute("UPDATE col SET conf = ?, crt = ?", (json.dumps(conf), days.created))
            for guid, plan in schedules.items():
                row = con.execute(
                    "SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid WHERE n.guid = ? ORDER BY c.ord",
                    (guid,),
                ).fetchone()
                if row is None:
                    continue
                con.execute(
                    "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?,"
                    " lapses = ?, left = ?, data = ? WHERE id = ?",
                    (
                        plan.type,
                        plan.queue,
                        plan.due,
                        plan.ivl,
                        2500,
                        plan.reps,
                        plan.lapses,
                        1 if plan.queue == 1 else 0,
                        plan.data,
                        row[0],
                    ),
                )
                con.executemany(
                    "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                    " VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                    [(_unique(r[0], used), row[0], *r[1:]) for r in plan.revlog],
                )
            for guid, (queue, flags) in (marks or {}).items():
                con.execute(
                    "UPDATE cards SET queue = coalesce(?, queue), flags = ? WHERE id = (SELECT c.id FROM"
                    " cards c JOIN notes n ON n.id = c.nid WHERE n.guid = ? ORDER BY c.ord LIMIT 1)",
                    (queue, flags, guid),
                )
    finally:
        con.close()


def _unique(ident: int, used: set[int]) -> int:
    """A revlog id (milliseconds) not used yet: the table's key is the id alone."""
    while ident in used:
        ident += 1
    used.add(ident)
    return ident
