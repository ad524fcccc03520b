"""Whether a process still runs (the one that started a session, or made a backup's partial copy): its
own module at the top, so that the database layer and every command that opens the database (and closes
the sessions of killed processes) can ask without loading the practice pipeline and its graders."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True unless no process has this id (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
