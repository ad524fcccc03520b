"""Nothing lost: signals, concurrent processes, damaged files, upgrades and backups, hostile input.

The interruption and concurrency tests run the real `mockprep` in subprocesses and read the database
afterwards; every loop here is bounded in count and time.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.db import export_lines, review_codec, stats_rollup
from mockprep.db.backups import list_backups
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.review_codec import answer_text
from mockprep.db.store import Store, StoreError
from mockprep.paths import DB_NAME
from mockprep.services.exchange import write_export
from tests.conftest import START, db_rows

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"


class Running:
    """A `mockprep` subprocess whose output is read line by line in the background."""

    def __init__(self, home: Path, *args: str):
        env = {**os.environ, "MOCKPREP_HOME": str(home), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mockprep", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.output = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read(1):
            self.output += chunk

    def wait_for(self, text: str, count: int = 1, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.output.count(text) < count:
            if (
                time.monotonic() > deadline
                or self.proc.poll() is not None
                and self.output.count(text) < count
            ):
                time.sleep(0.2)
                if self.output.count(text) >= count:
                    return
                raise AssertionError(f"never saw {text!r} x{count}:\n{self.output[-2000:]}")
            time.sleep(0.02)

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def finish(self, timeout: float = 30) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code


# -- interruption ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
@pytest.mark.parametrize("where", ["mid-answer", "mid-rating"])
def test_a_signal_keeps_every_rating_already_given(home: Path, sig: signal.Signals, where: str) -> None:
    run = Running(home, "session", "--round", "technical")
    run.wait_for("> ")
    run.send("first answer\n\n")
    run.wait_for("rating> ")
    run.send("3\n")  # one rating given: it must survive
    run.wait_for("Question 2")
    run.send("half of the second answer\n")
    if where == "mid-rating":
        run.send("\n")
        run.wait_for("rating> ", count=2)
    else:
        run.wait_for(". ")
    run.proc.send_signal(sig)
    code = run.finish()
    assert db_rows(home, "SELECT rating, review_answer(answer) FROM reviews") == [(3, "first answer")]
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        assert db_rows(home, "SELECT status FROM sessions") == [("running",)]
        # The next start finds the session that never finished.
        subprocess.run(
            [sys.executable, "-m", "mockprep", "history"],
            env={**os.environ, "MOCKPREP_HOME": str(home)},
            capture_output=True,
            timeout=60,
            check=True,
        )
    else:
        assert "Traceback" not in run.proc.stderr.read()  # type: ignore[union-attr]
    assert db_rows(home, "SELECT status FROM sessions") == [("interrupted",)]


def test_sigterm_at_any_moment_never_prints_a_traceback_nor_loses_a_rating(home: Path) -> None:
    """Signals that landed inside SQL made SQLAlchemy drop the connection mid-statement, and the next
    write printed `PendingRollbackError`; a second signal while the session closed escaped as an
    uncaught `SessionInterrupted` (7 of 54 fast kills). The moment of each kill is spread at random
    (seeded) over start-up, answering, rating and closing; one to three SIGTERMs each time."""
    env = {**os.environ, "MOCKPREP_HOME": str(home), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    subprocess.run(
        [sys.executable, "-m", "mockprep", "bank", "list"], env=env, capture_output=True, timeout=60
    )
    rng = random.Random(11)
    script = "".join(f"answer {i}\n\n3\n" for i in range(200)).encode()
    for _run in range(10):
        before = db_rows(home, "SELECT COUNT(*) FROM reviews")[0][0]
        proc = subprocess.Popen(
            [sys.executable, "-m", "mockprep", "session", "--new", "200", "--limit", "200", "--no-timer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stdin is not None
        proc.stdin.write(script)
        proc.stdin.flush()
        time.sleep(rng.uniform(0.4, 1.2))  # where the kill lands, not a measurement
        for _ in range(rng.choice((1, 2, 3))):
            proc.send_signal(signal.SIGTERM)
            time.sleep(rng.uniform(0, 0.01))
        out, err = (part.decode(errors="replace") for part in proc.communicate(timeout=60))
        assert "Traceback" not in err and "Error" not in err, err
        assert all(line.startswith("mockprep: error: interrupted") for line in err.splitlines()), err
        shown = [int(n) for n in re.findall(r"Question (\d+)", out)]
        # Each rating is committed before the next question is shown.
        after = db_rows(home, "SELECT COUNT(*) FROM reviews")[0][0]
        assert after - before >= max(shown, default=1) - 1, (shown, before, after)
    subprocess.run([sys.executable, "-m", "mockprep", "history"], env=env, capture_output=True, timeout=60)
    assert db_rows(home, "SELECT COUNT(*) FROM sessions WHERE status = 'running'") == [(0,)]
    # A rating and its card are written together: every card reviewed shows its latest rating.
    assert db_rows(
        home,
        "SELECT COUNT(*) FROM cards c WHERE c.last_review IS NOT"
        " (SELECT MAX(rated_at) FROM reviews r WHERE r.question_id = c.question_id)",
    ) == [(0,)]


def test_a_signal_during_a_write_waits_for_its_commit(store: Store) -> None:
    from mockprep.db.write_guard import defer_while_writing
    from mockprep.practice.pipeline import SessionInterrupted

    def interrupt() -> None:
        raise SessionInterrupted(signal.SIGTERM)

    assert not defer_while_writing(interrupt)  # outside a write the handler acts at once
    with pytest.raises(SessionInterrupted):
        with store.write() as conn:
            conn.exec_driver_sql("INSERT INTO bank_sources (path, added_at) VALUES ('a', '2026-01-01')")
            assert defer_while_writing(interrupt)  # what the signal handler does, mid-transaction
            conn.exec_driver_sql("INSERT INTO bank_sources (path, added_at) VALUES ('b', '2026-01-01')")
    assert [p for (p,) in store.q("SELECT path FROM bank_sources ORDER BY path")] == ["a", "b"]
    with store.write() as conn:  # and the next write is an ordinary one
        conn.exec_driver_sql("DELETE FROM bank_sources")


def test_a_signal_inside_an_uninterrupted_block_waits_for_its_end(store: Store) -> None:
    from mockprep.db.write_guard import defer_while_writing
    from mockprep.practice.pipeline import SessionInterrupted

    acted: list[str] = []

    def interrupt() -> None:
        acted.append("raised")
        raise SessionInterrupted(signal.SIGHUP)

    with pytest.raises(SessionInterrupted):
        with store.uninterrupted():
            assert defer_while_writing(interrupt)  # between writes, yet held
            with store.write() as conn:
                conn.exec_driver_sql("INSERT INTO bank_sources (path, added_at) VALUES ('a', '2026-01-01')")
            assert acted == []  # not at the end of that write: at the end of the block
            with store.write() as conn:
                conn.exec_driver_sql("INSERT INTO bank_sources (path, added_at) VALUES ('b', '2026-01-01')")
    assert acted == ["raised"]
    assert [p for (p,) in store.q("SELECT path FROM bank_sources ORDER BY path")] == ["a", "b"]
    assert not defer_while_writing(interrupt)  # and after it the handler acts at once again


def test_an_action_left_by_a_signal_that_raised_at_once_is_not_done_at_the_next_write(
    store: Store, monkeypatch
) -> None:
    """A second signal between a block's end and its look at what was deferred raises at once and
    leaves the first one's action behind; the next write must not raise it again (out of nowhere)."""
    from mockprep.db import write_guard

    done: list[int] = []
    monkeypatch.setattr(write_guard.guard, "deferred", lambda: done.append(1))  # (as such a signal leaves it)
    with store.write() as conn:
        conn.exec_driver_sql("INSERT INTO bank_sources (path, added_at) VALUES ('a', '2026-01-01')")
    assert done == [] and write_guard.guard.deferred is None


def test_a_read_cut_short_by_a_signal_leaves_the_connection_usable(store: Store, monkeypatch) -> None:
    from mockprep.db.driver import Connection

    real = Connection.execute

    def interrupted(self, sql, params=None):
        raise KeyboardInterrupt  # as a signal handler raising between the driver's calls would

    monkeypatch.setattr(Connection, "execute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.q("SELECT COUNT(*) FROM questions").scalar_one()
    monkeypatch.setattr(Connection, "execute", real)
    assert store.q("SELECT COUNT(*) FROM questions").scalar_one() == 0
    with pytest.raises(KeyboardInterrupt):
        with store.snapshot():
            store.q("SELECT COUNT(*) FROM questions").scalar_one()  # the read transaction is open
            monkeypatch.setattr(Connection, "execute", interrupted)
            try:
                store.q("SELECT 1").scalar_one()
            finally:
                monkeypatch.setattr(Connection, "execute", real)
    assert not store.conn.in_transaction  # the cut-short read was ended, not left open
    with store.write() as conn:
        conn.exec_driver_sql("INSERT INTO bank_sources (path, added_at) VALUES ('c', '2026-01-01')")
    assert store.q("SELECT COUNT(*) FROM bank_sources WHERE path = 'c'").scalar_one() == 1


def test_a_signal_python_had_to_ignore_is_sent_again() -> None:
    """A handler's exception raised inside a finalizer is printed as "Exception ignored" (a
    traceback) and lost; the session would go on. It must be re-sent and take effect instead."""
    from mockprep.cli.context import signals_interrupt
    from mockprep.practice.pipeline import SessionInterrupted

    class Finalized:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            sum(range(1000))  # bytecode to run the handler on, inside the finalizer

    printed: list[object] = []
    saved_hook = sys.unraisablehook
    sys.unraisablehook = printed.append  # what Python would print, recorded instead
    try:
        with pytest.raises(SessionInterrupted), signals_interrupt():
            Finalized()
            threading.Event().wait(timeout=10)  # a signal ends the wait; the timeout only bounds it
    finally:
        sys.unraisablehook = saved_hook
    assert printed == []


def test_after_the_first_interruption_further_signals_do_not_cut_the_closing_writes(store: Store) -> None:
    from mockprep.cli.context import signals_interrupt
    from mockprep.practice.pipeline import SessionInterrupted

    with signals_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            threading.Event().wait(timeout=10)
        except SessionInterrupted:
            pass
        # The session closes: another SIGTERM (or two) must not interrupt what it still has to do.
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGHUP)
        with store.write() as conn:
            conn.exec_driver_sql("INSERT INTO bank_sources (path, added_at) VALUES ('z', '2026-01-01')")
        sum(range(1000))
    assert store.q("SELECT COUNT(*) FROM bank_sources").scalar_one() == 1


def test_sigterm_in_a_mock_keeps_answers(home: Path) -> None:
    run = Running(home, "mock", "--round", "behavioral", "--minutes", "10")
    run.wait_for("> ")
    run.send("my story about a failure\n\n")
    run.wait_for("Interviewer:")
    run.proc.send_signal(signal.SIGTERM)
    run.finish()
    assert db_rows(home, "SELECT answer FROM mock_answers") == [("my story about a failure",)]
    assert db_rows(home, "SELECT kind, status FROM sessions") == [("mock", "interrupted")]


# -- concurrency -----------------------------------------------------------------------------------


def test_two_sessions_with_stats_and_export_meanwhile(home: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "mockprep", "bank", "list"],
        env={**os.environ, "MOCKPREP_HOME": str(home)},
        capture_output=True,
        timeout=60,
        check=True,
    )
    answers = 12
    runs = [Running(home, "session", "--new", "40", "--limit", str(answers)) for _ in range(2)]
    others: list[subprocess.CompletedProcess[str]] = []

    def side_commands() -> None:
        env = {**os.environ, "MOCKPREP_HOME": str(home)}
        for index in range(3):
            others.append(
                subprocess.run(
                    [sys.executable, "-m", "mockprep", "stats", "--json"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            )
            others.append(
                subprocess.run(
                    [sys.executable, "-m", "mockprep", "export", "-o", str(tmp_path / f"e{index}.json")],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            )

    side = threading.Thread(target=side_commands)
    side.start()
    for number in range(1, answers + 1):
        for run in runs:
            run.wait_for(f"Question {number}")
            run.send(f"answer {number}\n\n")
        for run in runs:
            run.wait_for("rating> ", count=number)
            run.send("3\n")
    for run in runs:
        assert run.finish() == 0
        assert "locked" not in run.proc.stderr.read()  # type: ignore[union-attr]
    side.join(timeout=120)
    assert all(p.returncode == 0 and "locked" not in p.stderr for p in others), [p.stderr for p in others]
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(2 * answers,)]
    assert db_rows(home, "SELECT COUNT(*), MIN(status) FROM sessions") == [(2, "completed")]


# -- damaged files, upgrades, backups -------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_truncated_database_is_one_clear_line_and_untouched(cli, home: Path) -> None:
    cli("session", "--limit", "3", input="a\n\n3\nb\n\n3\nc\n\n3\n")
    with Store.open(home) as store:
        store.conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = home / DB_NAME
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    before = _digest(path)
    for args in (["history"], ["stats"], ["session"], ["export"]):
        result = cli(*args)
        assert result.exit_code == 1, (args, result)
        (line,) = result.stderr.strip().splitlines()
        assert "backup restore" in line and "Traceback" not in result.stderr
    assert _digest(path) == before


def test_not_sqlite_at_all(cli, home: Path) -> None:
    home.mkdir(mode=0o700, parents=True)
    (home / DB_NAME).write_text("this is my shopping list\n" * 400)
    before = _digest(home / DB_NAME)
    result = cli("stats")
    assert result.exit_code == 1 and "not a usable mockprep database" in result.stderr
    assert _digest(home / DB_NAME) == before


def test_no_upgrade_while_an_older_mockprep_runs_a_session_on_the_file(home: Path) -> None:
    """`pip install -U` in a second terminal while a session of the old version is open: upgrading
    under it made its next rating fail ("cannot INSERT into generated column") and lost the answer."""
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(SCHEMAS / f"schema-v{len(MIGRATIONS) - 1}.db", home / DB_NAME)
    old = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        con = sqlite3.connect(home / DB_NAME)
        con.execute("PRAGMA journal_mode = WAL")  # as the running mockprep keeps it
        con.execute("UPDATE sessions SET status = 'running', pid = ? WHERE id = 1", (old.pid,))
        con.commit()
        con.close()
        before = _digest(home / DB_NAME)
        running = rf"session 1 of the mockprep that started it .*process {old.pid}"
        with pytest.raises(StoreError, match=running):
            Store.open(home)
        assert _digest(home / DB_NAME) == before and not (home / "backups").exists()
    finally:
        old.kill()
        old.wait()
    with Store.open(home) as store:  # once it is gone, the upgrade runs
        assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)


def test_a_session_whose_lock_is_free_does_not_block_an_upgrade_though_its_pid_lives(home: Path) -> None:
    """After a crash the pid of a session left 'running' may belong to another program: its lock file,
    free, says the session is over (as recover() reads it), so the upgrade is not refused for ever."""
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(SCHEMAS / f"schema-v{len(MIGRATIONS) - 1}.db", home / DB_NAME)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # the reused pid
    try:
        con = sqlite3.connect(home / DB_NAME)
        con.execute("UPDATE sessions SET status = 'running', pid = ? WHERE id = 1", (other.pid,))
        con.commit()
        con.close()
        (home / "locks").mkdir(mode=0o700)
        (home / "locks" / "session-1.lock").write_text(f"{other.pid}\n")  # left behind, held by no one
        with Store.open(home) as store:
            assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
    finally:
        other.kill()
        other.wait()


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS) + 1))
def test_every_released_schema_upgrades_with_its_data(home: Path, version: int) -> None:
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(SCHEMAS / f"schema-v{version}.db", home / DB_NAME)
    with Store.open(home) as store:
        assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
        (review,) = store.sessions.answers(1)
        assert (review.key, review.rating, review.answer, review.duration_ms) == (
            "old-bank/q1",
            3,
            "my [red]answer[/red]",
            61000,
        )
        applied = {m.__name__ for m in MIGRATIONS[:version]}
        if "m008_plans_cram_parameters" in applied and "m032_memory_under_adopted_weights" not in applied:
            # the fixture adopted a fit (its card made up): the upgrade's m032 recomputed its memory
            from mockprep.core.scheduler import states_before
            from mockprep.db.card_replay import logs

            ((qid, created, log),) = [one for one in logs(store.conn.raw) if one[0] == 1]
            replayed, _ = states_before(qid, created, log, store.scheduling.weights())
            assert store.cards.card(1).stability == replayed.stability != 3.5
        else:
            assert store.cards.card(1).stability == 3.5
        if version >= 2:
            assert [r.answer for r in store.sessions.answers(2)] == ["mock answer"]
        if version >= 3:
            assert store.stories.version(1).draft.title == "Old story"
            assert store.stories.links(1) == [(1, "old-bank/q1")]
        if "m008_plans_cram_parameters" in applied:
            (plan,) = store.plans.all()
            assert (plan.label, plan.role, plan.rounds) == ("onsite", "ml-researcher", ("behavioral",))
            ratings = [(rating, params) for _, rating, params in store.scheduling.log(1)]
            assert (3, 1) in ratings and (1, None) not in ratings  # the cram one (rated 1) left out
            assert store.scheduling.params(1).desired_retention == 0.9
            assert store.scheduling.weights() == tuple(store.scheduling.fits()[0].weights)
        # The stats roll-up counts the upgraded log, and stays what a rebuild makes of it.
        rolled = _rollup(store)
        assert (
            sum(n for _day, _round, _bank, n, *_rest in rolled["stats_days"])
            == store.conn.exec_driver_sql("SELECT COUNT(*) FROM reviews").scalar()
        )
        with store.write() as conn:
            stats_rollup.rebuild(conn.raw)
        assert _rollup(store) == rolled
        # Every table has the columns of a new home's, so everything that reads them works (export).
        assert _columns(store) == _columns_of_a_new_home(home.parent / "new")
        write_export(store, io.StringIO(), START, "test")
        if version >= 7:  # verdict lists read back the same in either stored form (m019 packs them)
            exported = export_lines.review(store.conn.raw, 1)
            assert (exported["proposed"], exported["checklist"]) == (["covered", "missing"], ["covered"] * 2)
        if version >= 6:  # the card before a rating, which undo restores, is kept for each question's
            # latest review only, on its card (m020, m021; test_packed_grading reads m019's repacking)
            assert (
                store.conn.exec_driver_sql(
                    "SELECT COUNT(*) FROM reviews WHERE card_before IS NOT NULL"
                ).scalar()
                == 0
            )
            kept = store.conn.exec_driver_sql(
                "SELECT undo_review_id, question_id, undo_card FROM cards WHERE undo_card IS NOT NULL"
            ).all()
            latest = store.conn.exec_driver_sql("SELECT max(id) FROM reviews GROUP BY question_id").scalars()
            assert {rid for rid, _q, _c in kept} <= set(latest)
            assert all(review_codec.card_before(stored, qid) is not None for _r, qid, stored in kept)
    if version < len(MIGRATIONS):
        (backup,) = list_backups(home)
        # the next migration by its name (branches interleave their migrations at merge)
        assert backup.reason == "before-" + MIGRATIONS[version].__name__.split("_")[0]
        # The backup is the database as it was before the upgrade.
        old = sqlite3.connect(backup.path)
        assert len(old.execute("SELECT name FROM migrations").fetchall()) == version
        old.close()


def _columns(store: Store) -> dict[str, list[tuple]]:
    tables = [r[0] for r in store.conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
    # (in any order: a column a repair adds comes last)
    return {
        t: sorted(tuple(r)[1:] for r in store.conn.exec_driver_sql(f"PRAGMA table_info({t})")) for t in tables
    }


def _columns_of_a_new_home(folder: Path) -> dict[str, list[tuple]]:
    with Store.open(folder, backups=False) as store:
        return _columns(store)


def _rollup(store: Store) -> dict[str, list[tuple]]:
    return {
        t: [tuple(r) for r in store.conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1, 2, 3").all()]
        for t in stats_rollup.ROLLUP_TABLES
    }


def test_a_newer_database_is_refused_unchanged(home: Path) -> None:
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(SCHEMAS / f"schema-v{len(MIGRATIONS)}.db", home / DB_NAME)
    db = sqlite3.connect(home / DB_NAME)
    db.execute("INSERT INTO migrations VALUES ('m999_future', '2030-01-01')")
    db.commit()
    db.close()
    before = _digest(home / DB_NAME)
    with pytest.raises(StoreError, match="newer mockprep"):
        Store.open(home)
    assert _digest(home / DB_NAME) == before


def test_daily_backup_once_a_day_private_and_restorable(cli, home: Path, monkeypatch) -> None:
    cli("session", "--limit", "1", input="a\n\n3\n")
    assert list_backups(home) == []  # no history when the day's first command ran
    cli("history")
    (daily,) = list_backups(home)
    assert daily.reason == "daily"
    cli("stats")
    assert len(list_backups(home)) == 1  # at most one a day
    assert stat.S_IMODE(daily.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(daily.path.stat().st_mode) == 0o600
    cli("session", "--limit", "1", input="b\n\n3\n")
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(2,)]
    listing = cli("backup", "list").stdout
    assert daily.name in listing
    # Damage the database, then restore the morning's backup.
    (home / DB_NAME).write_bytes(b"garbage" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{home / DB_NAME}{suffix}").unlink(missing_ok=True)
    assert cli("history").exit_code == 1
    result = cli("backup", "restore", daily.name, input="y\n")
    assert result.exit_code == 0 and "Restored" in result.stdout
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(1,)]
    assert cli("backup", "restore", "nope.db", "--yes").exit_code == 2


def test_daily_backup_waits_off_the_path_and_is_the_database_as_it_was(cli, home: Path, monkeypatch) -> None:
    """The day's backup copies in the background: opening the store and writing do not wait for it,
    closing does, and the copy is an intact database holding everything committed before it began
    (what is still in the WAL included)."""
    import mockprep.db.backups as backups_module

    cli("session", "--limit", "1", input="a\n\n3\n")
    began, release = threading.Event(), threading.Event()
    real_copy = backups_module.make_backup

    def held_backup(*args, **kwargs):
        began.set()
        assert release.wait(30)
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(backups_module, "make_backup", held_backup)
    store = Store.open(home)
    assert began.wait(30)  # the copy has started and is held: open() returned all the same
    with store.write() as conn:  # and the person's answers are written without waiting
        conn.exec_driver_sql("UPDATE reviews SET answer = 'after the copy began'")
    assert list_backups(home) == []
    release.set()
    store.close()  # waits for the copy
    (daily,) = list_backups(home)
    copy = sqlite3.connect(daily.path)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (stored,) = copy.execute("SELECT answer FROM reviews").fetchone()
    assert answer_text(stored) == "after the copy began"
    copy.close()


def test_a_failed_daily_backup_is_one_warning_after_the_command(cli, home: Path, monkeypatch) -> None:
    import mockprep.db.backups as backups_module
    from mockprep.db.backups import BackupError

    cli("session", "--limit", "1", input="a\n\n3\n")

    def failing(*_args, **_kwargs):
        raise BackupError("could not back up: the disk is full")

    monkeypatch.setattr(backups_module, "make_backup", failing)
    result = cli("history")
    assert result.exit_code == 0 and "session" in result.stdout
    assert result.stderr.count("today's backup was not made: could not back up: the disk is full") == 1
    assert "Traceback" not in result.stderr


# -- hostile input -------------------------------------------------------------------------------

toml_values = st.recursive(
    st.none().map(lambda _: '""')
    | st.integers().map(str)
    | st.sampled_from(["true", "false"])
    | st.text(max_size=30).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    lambda children: st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    max_leaves=8,
)
keys = st.sampled_from(
    [
        "id",
        "title",
        "round",
        "roles",
        "topic",
        "prompt",
        "answer",
        "key_points",
        "difficulty",
        "kind",
        "choices",
        "correct",
        "value",
        "competencies",
        "zzz",
    ]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.tuples(keys, toml_values), max_size=6),
    st.lists(st.lists(st.tuples(keys, toml_values), max_size=8), max_size=3),
    st.binary(max_size=40),
)
def test_hostile_bank_files_only_exit_0_or_2_and_change_nothing(
    cli, home, tmp_path, top, questions, noise
) -> None:
    body = "\n".join(f"{k} = {v}" for k, v in top)
    for q in questions:
        body += "\n[[questions]]\n" + "\n".join(f"{k} = {v}" for k, v in q)
    path = tmp_path / "hostile.toml"
    path.write_bytes(body.encode("utf-8", "surrogatepass") + (noise if len(noise) % 3 == 0 else b""))
    validate = cli("bank", "validate", str(path))
    assert validate.exit_code in (0, 2) and "Traceback" not in validate.stderr
    assert all(line.startswith(str(path)) for line in validate.stderr.splitlines())
    before = db_rows(home, "SELECT COUNT(*) FROM bank_sources") if (home / DB_NAME).exists() else [(0,)]
    added = cli("bank", "add", str(path))
    assert added.exit_code in (0, 2) and "Traceback" not in added.stderr
    if added.exit_code == 2:
        assert db_rows(home, "SELECT COUNT(*) FROM bank_sources") == before


def test_deeply_nested_and_huge_bank_files(cli, tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    result = cli("bank", "validate", str(deep))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    huge = tmp_path / "huge.toml"
    huge.write_text('id = "x"\ntitle = "' + "y" * (21 * 2**20) + '"\n')
    result = cli("bank", "validate", str(huge))
    assert result.exit_code == 2 and "larger than 20 MB" in result.stderr


def test_terminal_escapes_in_answers_never_reach_the_screen_and_a_1mb_paste_is_kept(cli, home: Path) -> None:
    hostile = "\x1b]0;owned\x07\x1b[2J\x1b[31m[bold red]red[/bold red] [link=file:///etc]x[/link]"
    paste = "word " * 200_000  # 1 MB on one line
    result = cli("session", "--limit", "2", input=f"{hostile}\n\n3\n{paste}\n\n3\n")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "[bold red]red[/bold red] [link=file:///etc]x[/link]" in result.stdout
    stored = [a for (a,) in db_rows(home, "SELECT review_answer(answer) FROM reviews ORDER BY id")]
    assert stored == [hostile, paste.rstrip("\n")]
    detail = cli("history", "1")
    assert "\x1b" not in detail.stdout and "more characters" in detail.stdout
    assert len(detail.stdout) < 100_000  # a huge paste is shortened on screen, not in the database


def test_a_rating_waits_out_a_long_write_of_another_mockprep_and_is_stored(
    store: Store, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large `import --merge` in another terminal held the lock past the busy timeout: the rating's
    write failed ("is locked ... your data is intact") and the answer was lost. Now it waits, says so
    once, and is stored when the other write ends; a command that is not a session still gives up."""
    import random
    import threading
    from zoneinfo import ZoneInfo

    from fsrs import Rating

    from mockprep.core.questions import QuestionFilter
    from mockprep.practice.pipeline import WAITING_FOR_LOCK
    from mockprep.practice.session import Session, SessionOptions
    from mockprep.services.bank_sync import sync_banks
    from tests.conftest import FakeClock, ScriptedUI

    clock = FakeClock()
    sync_banks(store, clock.now)
    monkeypatch.setattr("mockprep.practice.pipeline.FIRST_WAIT_MS", 100)  # (3 s in use)
    other = sqlite3.connect(home / DB_NAME, check_same_thread=False, isolation_level=None)

    class LockedWhileAnswering(ScriptedUI):
        def read_answer(self, countdown=None):
            other.execute("BEGIN IMMEDIATE")  # another process starts a long write meanwhile
            threading.Timer(0.6, lambda: other.execute("COMMIT")).start()
            return super().read_answer(countdown)

    ui = LockedWhileAnswering(answers=["bias squared plus variance"], ratings=[Rating.Good], clock=clock)
    options = SessionOptions(tz=ZoneInfo("UTC"), limit=1, filter=QuestionFilter(banks=("ml-fundamentals",)))
    summary = Session(store, ui, clock, random.Random(1), options).run()
    assert summary.answered == 1 and ui.notices.count(WAITING_FOR_LOCK) == 1
    # a practice run says it waits after FIRST_WAIT_MS, not after the 30 s other commands wait
    assert store.conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 100
    assert db_rows(home, "SELECT review_answer(answer) FROM reviews") == [("bias squared plus variance",)]
    store.on_busy = None
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"), store.write():
            pass
    finally:
        other.execute("COMMIT")
        other.close()


def test_a_signal_while_a_rating_waits_for_another_writer_acts_at_once(store: Store, home: Path) -> None:
    """Signals were held back for the whole wait: a hung or stopped writer (an import paused with
    Ctrl-Z) left a session that only SIGKILL could end. Waiting, nothing is written yet, so a signal acts
    within a second, and the transaction was never begun."""
    import signal
    import threading
    import time

    from mockprep.db.write_guard import defer_while_writing

    def stop() -> None:
        raise KeyboardInterrupt

    def handler(_signum, _frame) -> None:  # what the CLI's session handler does
        if not defer_while_writing(stop):
            stop()

    store.conn.exec_driver_sql("PRAGMA busy_timeout = 100")
    told: list[str] = []
    store.on_busy = lambda: told.append("waiting")
    other = sqlite3.connect(home / DB_NAME, check_same_thread=False, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a writer that does not finish
    previous = signal.signal(signal.SIGUSR1, handler)
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGUSR1)).start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt), store.write() as conn:
            conn.exec_driver_sql("UPDATE cards SET due = due")
        assert time.monotonic() - started < 3 and told == ["waiting"]
        assert not store.conn.raw.in_transaction
    finally:
        signal.signal(signal.SIGUSR1, previous)
        other.execute("ROLLBACK")
        other.close()
    with store.write():  # the store goes on working, its busy timeout as it was
        pass
    assert store.conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 100


def test_a_signal_acted_on_as_the_waited_for_begin_returns_leaves_no_transaction(tmp_path: Path) -> None:
    """The handler can raise just after a retried BEGIN IMMEDIATE succeeds: that transaction was left
    open ('cannot start a transaction within a transaction' next, the lock held against others)."""
    from mockprep.db.driver import Connection, begin_write

    raw = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    raw.execute("CREATE TABLE t (x)")
    real = Connection(raw)
    tries = []

    class SignalAfterBegin:
        """The store's connection, but BEGIN is locked once, then succeeds with a signal right after."""

        raw = real.raw

        def exec_driver_sql(self, sql: str):
            if sql == "BEGIN IMMEDIATE":
                tries.append(sql)
                if len(tries) == 1:
                    raise sqlite3.OperationalError("database is locked")
                real.exec_driver_sql(sql)
                raise KeyboardInterrupt  # the handler, acting as the call returns
            return real.exec_driver_sql(sql)

    with pytest.raises(KeyboardInterrupt):
        begin_write(SignalAfterBegin(), on_busy=lambda: None)
    assert not raw.in_transaction and len(tries) == 2
    raw.execute("BEGIN IMMEDIATE")  # usable again
    raw.execute("ROLLBACK")


def test_a_mock_answer_waiting_for_another_writer_is_stored_though_a_signal_comes(
    store: Store, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mock answer's write waited for another writer outside uninterrupted(): a signal then acted at
    once, the answer (told 'kept') was lost and the empty round discarded. Now it is stored first."""
    import random
    import signal
    import threading

    from mockprep.db.write_guard import defer_while_writing
    from mockprep.practice.mock import MockRound
    from mockprep.practice.pipeline import SessionInterrupted
    from mockprep.services.bank_sync import sync_banks
    from tests.conftest import FakeClock, ScriptedUI

    clock = FakeClock()
    sync_banks(store, clock.now)
    monkeypatch.setattr("mockprep.practice.pipeline.FIRST_WAIT_MS", 100)
    other = sqlite3.connect(home / DB_NAME, check_same_thread=False, isolation_level=None)

    def interrupt() -> None:
        raise SessionInterrupted(signal.SIGTERM)

    def handler(_signum, _frame) -> None:  # the CLI's session handler
        if not defer_while_writing(interrupt):
            interrupt()

    class LockedAfterAnswering(ScriptedUI):
        def read_answer(self, countdown=None):
            answer = super().read_answer(countdown)
            other.execute("BEGIN IMMEDIATE")  # another process's long write begins
            threading.Timer(0.4, lambda: os.kill(os.getpid(), signal.SIGUSR1)).start()
            threading.Timer(1.5, lambda: other.execute("COMMIT")).start()
            return answer

    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        ui = LockedAfterAnswering(answers=["my story"], ratings=[], clock=clock)
        report = MockRound(store, ui, clock, random.Random(6), "behavioral").run()
    finally:
        signal.signal(signal.SIGUSR1, previous)
        time.sleep(1.3)
        other.close()
    assert report.status == "interrupted"
    (stored,) = store.sessions.answers(report.session_id)
    assert stored.answer == "my story"
