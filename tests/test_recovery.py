"""A session whose process was killed is found and closed, even when its process id lives on.

A real process is the point here: it holds its session's lock while it runs, and the kernel drops the
lock when the process is killed (SIGKILL: no handler runs).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mockprep.db.store import Store
from mockprep.liveness import process_alive
from tests.conftest import START

RUNNER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from mockprep.db.store import Store

    store = Store.open(Path(sys.argv[1]), backups=False)
    print(store.sessions.start("drill", {}, datetime.now(UTC), pid=int(sys.argv[2])), flush=True)
    time.sleep(120)
    """
)


@pytest.fixture
def running(home: Path):
    """A separate process running a session (reported with a process id that is not its own)."""
    store = Store.open(home, backups=False)
    store.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(home), "999999999"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        session_id = int(proc.stdout.readline())
        yield proc, session_id
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="process locks are POSIX")
def test_a_killed_session_is_recovered_even_when_its_pid_is_reused(store: Store, running) -> None:
    proc, session_id = running
    # While the process runs, its lock says so, whatever its process id says.
    assert store.sessions.recover(lambda pid: False) == 0
    assert store.sessions.get(session_id).status == "running"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Its process id now belongs to a live process (ours): the free lock still says it was killed.
    with store.write() as conn:
        conn.exec_driver_sql("UPDATE sessions SET pid = ? WHERE id = ?", (os.getpid(), session_id))
    assert process_alive(os.getpid())
    assert store.sessions.recover(process_alive) == 1
    info = store.sessions.get(session_id)
    assert info.status == "interrupted" and info.ended_at == info.started_at
    assert not (store.path.parent / "locks" / f"session-{session_id}.lock").exists()


def test_a_session_ended_normally_leaves_no_lock(store: Store) -> None:
    session_id = store.sessions.start("drill", {}, START, pid=os.getpid())
    lock = store.path.parent / "locks" / f"session-{session_id}.lock"
    assert lock.exists() == hasattr(os, "fork")
    assert store.sessions.recover(lambda pid: False) == 0  # ours, and running
    store.sessions.end(session_id, "completed", START)
    assert not lock.exists() and store.sessions.get(session_id).status == "completed"
