"""Migration m026: when each of a card's marks (suspended, buried, flagged) last changed, so that a sync
merges each mark on its own; and the sync line that carries a question's marks, and its merge.

m010 stamped a card's marks together (``marks_changed_at``) and a sync line applied them together, so the
later line replaced every mark: a flag set on one device was lost when the other suspended the same
question afterwards. Each mark now has its own stamp, set by this device's clock when the mark changes
here, kept as it came when a merge takes another device's change; the later change of each mark wins.
:func:`m026_mark_stamps` is part of a migration: once released, never edited (a change is a new one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockprep.db.sql import from_iso, iso

if TYPE_CHECKING:
    import sqlite3

# Each mark and the columns that hold it; ``{mark}_changed_at`` is when it last changed.
MARKS: dict[str, tuple[str, ...]] = {
    "suspended": ("suspended_at", "suspended_by"),
    "buried": ("buried_until",),
    "flagged": ("flagged_at",),
}
_COLUMNS = [column for columns in MARKS.values() for column in columns]
_STAMPS = [f"{mark}_changed_at" for mark in MARKS]
# A card whose marks a device's first sync sends: one that carries a mark or has changed one.
MARKED = f"COALESCE({', '.join(_STAMPS + _COLUMNS)}) IS NOT NULL"


def m026_mark_stamps(cur: Any) -> None:
    """A stamp per mark (``suspended_changed_at``, ``buried_changed_at``, ``flagged_changed_at``), each
    starting as m010's one stamp of all the marks, and a trigger per mark that stamps it when it changes
    on this device, in place of m010's one trigger (``marks_changed_at`` is no longer written)."""
    for mark in ("suspended", "buried", "flagged"):
        cur.execute(f"ALTER TABLE cards ADD COLUMN {mark}_changed_at TEXT")
    cur.execute(
        "UPDATE cards SET suspended_changed_at = marks_changed_at, buried_changed_at = marks_changed_at,"
        " flagged_changed_at = marks_changed_at WHERE marks_changed_at IS NOT NULL"
    )
    cur.execute("DROP TRIGGER IF EXISTS cards_marks_changed")
    for mark, columns in (
        ("suspended", ("suspended_at", "suspended_by")),
        ("buried", ("buried_until",)),
        ("flagged", ("flagged_at",)),
    ):
        cur.execute(_stamp_trigger(mark, columns))


def _stamp_trigger(mark: str, columns: tuple[str, ...]) -> str:
    """The mark changed on this device: when, by its clock, and, once it syncs, a change to send. A merge
    sets the stamp itself, so what it writes is neither re-timed nor sent back."""
    return f"""
        CREATE TRIGGER cards_{mark}_changed AFTER UPDATE OF {", ".join(columns)} ON cards
        WHEN NEW.{mark}_changed_at IS OLD.{mark}_changed_at
            AND ({" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)})
        BEGIN
            UPDATE cards SET {mark}_changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
                WHERE question_id = NEW.question_id;
            INSERT INTO sync_changes (kind, row_id) SELECT 'marks', NEW.question_id
                WHERE (SELECT recording FROM sync_device) = 1;
        END
    """


def marks_event(raw: sqlite3.Connection, question_id: int | None) -> dict[str, Any] | None:
    """A question's marks as they are now, each with when it last changed (``changed``; "" when before
    m010). ``changed_at``, the latest of them, is what a mockprep older than m026 merges the line by."""
    row = raw.execute(
        f"SELECT q.key, {', '.join(_COLUMNS + _STAMPS)} FROM cards c JOIN questions q ON q.id = c.question_id"
        " WHERE c.question_id = ?",
        (question_id,),
    ).fetchone()
    if row is None:
        return None
    key, suspended, by, buried, flagged, *stamps = row
    changed = {mark: stamp or "" for mark, stamp in zip(MARKS, stamps, strict=True)}
    latest = max(changed.values())
    return {
        "t": "marks",
        # every mark's stamp: two devices' lines with the same latest stamp but different marks differ
        "uid": f"marks/{key}/{'/'.join(changed[mark] for mark in MARKS)}",
        "key": key,
        "changed_at": latest,
        "changed": changed,
        "suspended_at": iso(suspended),
        "suspended_by": by,
        "buried_until": iso(buried),
        "flagged_at": iso(flagged),
    }


def take_marks(raw: sqlite3.Connection, question_id: int, event: dict[str, Any]) -> int:
    """Take each mark of the marks ``event`` that changed after the same mark here (by the clock of the
    device that changed it; a tie goes the same way on every device, by the marks' values); 1 when one
    was taken, else 0. A line without ``changed`` (before m026) has all its marks changed at
    ``changed_at``."""
    there = {
        "suspended_at": from_iso(event.get("suspended_at")),
        "suspended_by": event.get("suspended_by") or None,
        "buried_until": from_iso(event.get("buried_until")),
        "flagged_at": from_iso(event.get("flagged_at")),
    }
    whole = event.get("changed_at") or ""
    stamps = event.get("changed") or {}
    row = raw.execute(
        f"SELECT {', '.join(_COLUMNS + _STAMPS)} FROM cards WHERE question_id = ?", (question_id,)
    ).fetchone()
    here = dict(zip(_COLUMNS + _STAMPS, row, strict=True))
    values: dict[str, Any] = {"q": question_id}
    for mark, columns in MARKS.items():
        stamp = stamps.get(mark, whole) or ""
        if _change(stamp, there, columns) > _change(here[f"{mark}_changed_at"] or "", here, columns):
            values |= {column: there[column] for column in columns} | {f"{mark}_changed_at": stamp}
    taken = [mark for mark in MARKS if f"{mark}_changed_at" in values]
    if not taken:
        return 0
    # Written first with stamps unlike those they replace, so that the marks' triggers neither re-time
    # the changes nor send them back, then with their own.
    marks = [f"{column} = :{column}" for mark in taken for column in MARKS[mark]]
    unlike = [f"{mark}_changed_at = :{mark}_changed_at || '~'" for mark in taken]
    raw.execute(f"UPDATE cards SET {', '.join(marks + unlike)} WHERE question_id = :q", values)
    own = [f"{mark}_changed_at = NULLIF(:{mark}_changed_at, '')" for mark in taken]
    raw.execute(f"UPDATE cards SET {', '.join(own)} WHERE question_id = :q", values)
    return 1


def _change(stamp: str, values: dict[str, Any], columns: tuple[str, ...]) -> tuple[str, ...]:
    """A mark's change as it orders against another: by its stamp, then (a tie) by its values."""
    return (stamp, *(values[column] or "" for column in columns))
