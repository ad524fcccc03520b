"""The SQL behind global ids and the sync folder's change log, for migration m010: ids derived for
rows made before ids existed, random ids for new rows, tombstones for deletions, and the triggers that
record what the next sync sends. Part of a migration: once released, never edited (a change is a new
migration)."""

from __future__ import annotations

from typing import Any

from mockprep.core import ids

_DERIVED = {
    "review": ids.review_uid,
    "session": ids.session_uid,
    "mock-answer": ids.mock_answer_uid,
    "story": ids.story_uid,
    "story-version": ids.version_uid,
    "rehearsal": ids.rehearsal_uid,
    "story-link": ids.link_uid,
}


def derived_uid(kind: str, *parts: Any) -> str:
    return _DERIVED[kind](*parts)


# A row inserted without an id gets a random one at once (SQLite cannot add a column whose default is
# an expression, and a trigger may only call SQLite's own functions).
_RANDOM_UID = "lower(hex(randomblob(16)))"
# Changes are recorded for the next folder sync only once this database has synced with a folder.
_RECORDING = "(SELECT recording FROM sync_device) = 1"


WITH_UID = ("reviews", "sessions", "mock_answers", "stories", "story_versions", "rehearsals")
LOCAL = "NEW.origin IS NULL AND "  # made on this device, not merged from another


def random_uid(table: str) -> str:
    return f"""
        CREATE UNIQUE INDEX {table}_uid ON {table}(uid);
        CREATE TRIGGER {table}_new_uid AFTER INSERT ON {table} WHEN NEW.uid IS NULL
        BEGIN UPDATE {table} SET uid = {_RANDOM_UID} WHERE id = NEW.id; END;
    """


def tombstone(table: str, kind: str) -> str:
    """A deleted row's uid is remembered, so a merge never adds it back, and sent as a deletion."""
    return f"""
        CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} WHEN OLD.uid IS NOT NULL
        BEGIN
            INSERT OR IGNORE INTO sync_deleted (uid, kind) VALUES (OLD.uid, '{kind}');
            INSERT INTO sync_changes (kind, ref) SELECT 'deleted', OLD.uid WHERE {_RECORDING};
        END;
    """


def recorded(name: str, event: str, table: str, kind: str, row: str, when: str = "") -> str:
    return f"""
        CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {when}{_RECORDING}
        BEGIN INSERT INTO sync_changes (kind, row_id) VALUES ('{kind}', {row}); END;
    """


# A question's marks (suspended, buried, flagged) changed on this device: when, by this device's clock
# (the later change wins on every device), and, once it syncs, a change to send. A merge sets the time
# itself, so what it writes is neither re-timed nor sent back.
_MARKS = ("suspended_at", "suspended_by", "buried_until", "flagged_at")
MARKS_CHANGED = f"""
    CREATE TRIGGER cards_marks_changed AFTER UPDATE OF {", ".join(_MARKS)} ON cards
    WHEN NEW.marks_changed_at IS OLD.marks_changed_at
        AND ({" OR ".join(f"NEW.{m} IS NOT OLD.{m}" for m in _MARKS)})
    BEGIN
        UPDATE cards SET marks_changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
            WHERE question_id = NEW.question_id;
        INSERT INTO sync_changes (kind, row_id) SELECT 'marks', NEW.question_id WHERE {_RECORDING};
    END;
"""
