"""Migrations that repair what an earlier migration left different in some homes. Part of a migration:
once released, never edited (a change is a new migration)."""

from __future__ import annotations

from typing import Any

from mockprep.db.sync_triggers import MARKS_CHANGED


def m017_schema_repairs(cur: Any) -> None:
    """What m009 and m010 gained after their release, for homes that ran them before: a mock code
    answer's run count (``mock_answers.code_runs``: without it, exporting failed), when a card's marks
    last changed and the trigger that times each change (so suspend, bury and flag sync), and the
    story links removed (``story_unlinks``, so a removal syncs). Homes that have them are unchanged."""

    def has(table: str, column: str) -> bool:
        return any(row[1] == column for row in cur.execute(f"PRAGMA table_info({table})").fetchall())

    if not has("mock_answers", "code_runs"):
        cur.execute("ALTER TABLE mock_answers ADD COLUMN code_runs INTEGER")
    if not has("cards", "marks_changed_at"):
        cur.execute("ALTER TABLE cards ADD COLUMN marks_changed_at TEXT")
    cur.execute(
        """CREATE TABLE IF NOT EXISTS story_unlinks (
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            question_key TEXT NOT NULL,
            removed_at DATETIME NOT NULL,
            PRIMARY KEY (story_id, question_key)
        )"""
    )
    if cur.execute("SELECT 1 FROM sqlite_master WHERE name = 'cards_marks_changed'").fetchone() is None:
        cur.execute(MARKS_CHANGED)
