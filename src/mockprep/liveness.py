"""Whether a process still runs (the one that started a session, or made a backup's partial copy): its
own module at the top, so that the database layer and every command that opens the database (and closes
the sessions of killed processes) can ask without loading the practice pipeline and its graders."""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # (Windows: no flock; the process id decides)
    fcntl = None  # type: ignore[assignment]


def process_alive(pid: int) -> bool:
    """True unless no process has this id (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def lock_held(path: Path) -> bool | None:
    """Whether a process holds the lock file at ``path`` (a running session's): True while one does,
    False when it is free (its process is gone, even if its id was reused since), None when there is no
    lock file (a session of an older mockprep, say) or no flock here."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def session_lock(db_path: Path, session_id: int) -> Path:
    """The lock file a running session holds."""
    return db_path.parent / "locks" / f"session-{session_id}.lock"
