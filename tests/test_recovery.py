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
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(st.tuples(st.integers(0, 3600), st.none() | st.integers(0, 300_000)), max_size=4),
    kind=st.sampled_from(["mock", "drill"]),
)
def test_a_killed_session_ends_at_its_last_answer(demo: Store, answers, kind: str) -> None:
    """Found by an exploratory tester: a mock killed with `kill -9` was closed at its start time (0 s)
    though an answer was stored seconds later: only ratings counted, and a mock's answers are rated
    after the round. Its last answer (with the reply to its follow-up) ends it now."""
    from mockprep.core.records import MockAnswerRecord

    store = demo
    (question, *_) = store.cards.new_question_ids(QuestionFilter())
    session_id = store.sessions.start(kind, {}, START, pid=os.getpid())
    for position, (offset, reply_ms) in enumerate(answers, start=1):
        answered = START + timedelta(seconds=offset)
        record = MockAnswerRecord(session_id, question, position, answered, "an answer", 1000, None, None)
        mock_answer = store.sessions.add_mock_answer(record)
        if reply_ms is not None:
            store.sessions.set_follow_up_answer(mock_answer, "a reply", reply_ms, 90_000)
    store.sessions._release(session_id)  # (as `kill -9` leaves it: the lock gone with the process)
    assert store.sessions.recover(lambda pid: False) == 1
    info = store.sessions.get(session_id)
    ends = [timedelta(seconds=offset, milliseconds=reply_ms or 0) for offset, reply_ms in answers]
    assert info.status == "interrupted" and info.ended_at == START + max(ends, default=timedelta(0))
