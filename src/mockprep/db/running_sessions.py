"""Migration m025: the sessions still marked running found through an index of their own.

Every command that opens the database looks for sessions left running by a process that is gone
(:meth:`mockprep.db.sessions.SessionTable.recover`), and a restore for those running now
(:func:`mockprep.db.restore.running_sessions`). Without an index that was a scan of every session,
about 1-2 ms of each command on a home with 5,000 of them, growing with every session; a partial
index holds only the few running ones.
Part of a migration: once released, never edited (a change is a new migration).
"""

from __future__ import annotations

from typing import Any


def m025_running_sessions(cur: Any) -> None:
    """An index of the sessions whose status is 'running' (a handful at most)."""
    cur.execute("CREATE INDEX sessions_running ON sessions(id) WHERE status = 'running'")
