"""Migration m031: mock answers travel in sync lines from this version (:mod:`mockprep.db.mock_answer_merge`).

A device that synced before wrote its mocks' sessions and reviews but never their answers, so the other
devices show those mocks with no answers: its sessions that have answers (and its own ratings of another
device's answers) are queued to be written again, their answers with them. And a device that read other
devices' files with an older mockprep skipped the answers' lines it met there: it forgets how far it read
those files, so the next sync reads them again from the start (what was merged already changes nothing;
its own files keep their marks, so nothing of its own is read back).
:func:`m031_mock_answer_lines` is part of a migration: once released, never edited.
"""

from __future__ import annotations

from typing import Any

_RECORDING = "(SELECT recording FROM sync_device) = 1"


def m031_mock_answer_lines(cur: Any) -> None:
    """Queue what brings this device's answers along at its next sync; read other devices' files again."""
    cur.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'session', s.id FROM sessions s"
        " WHERE s.origin IS NULL AND EXISTS (SELECT 1 FROM mock_answers m WHERE m.session_id = s.id)"
        f" AND {_RECORDING} ORDER BY s.id"
    )
    cur.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'review', r.id FROM mock_answers m"
        " JOIN sessions s ON s.id = m.session_id JOIN reviews r ON r.id = m.review_id"
        f" WHERE s.origin IS NOT NULL AND r.origin IS NULL AND {_RECORDING} ORDER BY r.id"
    )
    cur.execute("DELETE FROM sync_files WHERE name NOT LIKE (SELECT id FROM sync_device) || '.%'")
