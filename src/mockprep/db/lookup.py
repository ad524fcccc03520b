"""Read-only look-ups for shell completion, with the standard library's sqlite3 alone.

Pressing Tab must be quick and must never change anything: no SQLAlchemy, no migration, no backup, no
bank sync, no warning. A database being written (its ``-wal`` file exists) is opened read-only;
otherwise it is opened as immutable, which creates no ``-wal`` or ``-shm`` file either. Any problem —
no file, an older schema, a damaged file — means no candidates, never an error.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

_QUERIES = {
    "banks": "SELECT id, title FROM banks WHERE removed = 0 ORDER BY id",
    "topics": (
        "SELECT q.topic, group_concat(DISTINCT q.round) FROM questions q JOIN banks b ON b.id = q.bank_id"
        " WHERE q.retired_at IS NULL AND b.removed = 0 GROUP BY q.topic ORDER BY q.topic"
    ),
    "roles": (
        "SELECT DISTINCT q.roles, '' FROM questions q JOIN banks b ON b.id = q.bank_id"
        " WHERE q.retired_at IS NULL AND b.removed = 0"
    ),
    "stories": (
        "SELECT v.story_id, v.title FROM story_versions v WHERE v.version ="
        " (SELECT MAX(version) FROM story_versions w WHERE w.story_id = v.story_id) ORDER BY v.story_id"
    ),
    "behavioral-questions": (
        "SELECT q.key, '' FROM questions q JOIN banks b ON b.id = q.bank_id"
        " WHERE q.round = 'behavioral' AND q.retired_at IS NULL AND b.removed = 0 ORDER BY q.key"
    ),
}
KINDS = tuple(_QUERIES)


def lookup(path: Path, kind: str) -> list[tuple[str, str]]:
    """``(value, description)`` pairs of one ``kind`` of :data:`KINDS`; empty when they cannot be read."""
    if not path.is_file():
        return []
    wal = Path(f"{path}-wal")
    mode = "ro" if wal.exists() else "ro&immutable=1"
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=0.2)
        try:
            rows = con.execute(_QUERIES[kind]).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []
    if kind == "roles":  # each row holds a JSON list of roles
        try:
            roles = {str(role) for (listed, _none) in rows for role in json.loads(listed or "[]")}
        except (ValueError, TypeError):
            return []
        return [(role, "") for role in sorted(roles)]
    return [(str(value), str(about or "")) for value, about in rows]
