"""Backups each kind keeps for itself (found by an exploratory tester): a restore, a pre-upgrade copy or
a run of `backup now` never pushes out another kind's restore points; a copy identical to the newest
of its kind is not kept twice; a damaged database a restore replaces is kept."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

from mockprep.db.backups import list_backups, make_backup, prune
from mockprep.db.migrations import MIGRATIONS
from mockprep.paths import DB_NAME
from tests.conftest import FIXTURES, START, db_rows


def _home_with_history(cli) -> None:
    assert cli("session", "--limit", "1", input="answer\n\n3\n").exit_code == 0


def _change(home: Path, version: int) -> None:
    con = sqlite3.connect(home / DB_NAME)
    con.execute(f"PRAGMA user_version = {version}")  # other bytes: a backup unlike the last
    con.close()


def _ten_dailies(home: Path) -> list[str]:
    names = []
    for day in range(10):
        _change(home, day + 1)
        names.append(make_backup(home / DB_NAME, home, START + timedelta(days=day), "daily").name)
    return names


def test_a_restore_and_manual_backups_leave_every_daily_backup(cli, home: Path) -> None:
    _home_with_history(cli)
    dailies = _ten_dailies(home)
    assert sorted(b.name for b in list_backups(home)) == sorted(dailies)
    result = cli("backup", "restore", dailies[1], "--yes")  # the oldest but one
    assert result.exit_code == 0, result.stderr
    assert "The data it replaced is kept as" in result.stdout
    for name in dailies:  # each one can still be restored
        assert cli("backup", "restore", name, "--yes").exit_code == 0, name
    made = list_backups(home)
    assert sorted(b.name for b in made if b.reason == "daily") == sorted(dailies)
    assert 1 <= sum(b.reason == "before-restore" for b in made) <= 10
    # Ten `backup now` with nothing changed between them: one manual copy, the dailies untouched.
    for _ in range(10):
        assert cli("backup", "now").exit_code == 0
    made = list_backups(home)
    assert [b.reason for b in made].count("manual") == 1
    assert sorted(b.name for b in made if b.reason == "daily") == sorted(dailies)


def test_an_identical_copy_replaces_the_newest_of_its_kind_and_a_changed_one_is_kept(cli, home: Path) -> None:
    _home_with_history(cli)
    first = make_backup(home / DB_NAME, home, START, "manual")
    again = make_backup(home / DB_NAME, home, START + timedelta(hours=1), "manual")
    assert [b.name for b in list_backups(home)] == [again.name]  # the newer stamp shows
    _change(home, 7)
    changed = make_backup(home / DB_NAME, home, START + timedelta(hours=2), "manual")
    assert [b.name for b in list_backups(home)] == [changed.name, again.name]
    assert first.name != again.name


def test_pruning_counts_each_kind_on_its_own(cli, home: Path) -> None:
    _home_with_history(cli)
    made = {}
    for n, reason in enumerate(["daily", "manual", "before-m015", "before-restore"] * 3):
        _change(home, n + 1)
        made[reason] = make_backup(home / DB_NAME, home, START + timedelta(hours=n), reason, keep=2)
    reasons = [b.reason for b in list_backups(home)]
    assert sorted(reasons) == sorted(["daily", "manual", "before-m015", "before-restore"] * 2)
    assert {b.kind for b in list_backups(home)} == {"daily", "manual", "pre-upgrade", "before-restore"}
    assert prune(home, START + timedelta(days=1), keep=2) == []


_KILLED_UPGRADE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import mockprep.db.upgrade as upgrade
    from mockprep.db.store import Store

    apply = upgrade._apply

    def dying(store, migration, notice):
        def killed(cur):  # the migration's work, then `kill -9` before it commits
            migration(cur)
            os.kill(os.getpid(), signal.SIGKILL)
        killed.__name__ = migration.__name__
        return apply(store, killed, notice)

    upgrade._apply = dying
    Store.open(Path(sys.argv[1]))
    """
)


def test_a_killed_upgrade_tried_again_keeps_one_pre_upgrade_copy_and_every_daily(cli, home: Path) -> None:
    _home_with_history(cli)
    dailies = _ten_dailies(home)
    (home / DB_NAME).unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{home / DB_NAME}{suffix}").unlink(missing_ok=True)
    shutil.copy(FIXTURES / "schemas" / "schema-v15.db", home / DB_NAME)  # an older schema with data
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-c", _KILLED_UPGRADE, str(home)], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == -9, proc.stderr
    made = list_backups(home)
    reason = "before-" + MIGRATIONS[15].__name__.split("_")[0]
    assert [b.reason for b in made if b.reason.startswith("before-m")] == [reason]
    assert sorted(b.name for b in made if b.reason == "daily") == sorted(dailies)
    assert cli("history").exit_code == 0  # the upgrade itself then goes through


def test_restoring_over_a_damaged_database_keeps_it(cli, home: Path) -> None:
    _home_with_history(cli)
    backup = make_backup(home / DB_NAME, home, START, "daily")
    con = sqlite3.connect(home / DB_NAME)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    os.truncate(home / DB_NAME, 1 << 20)  # cut short, as the tester did
    damaged_bytes = (home / DB_NAME).read_bytes()
    result = cli("backup", "restore", backup.name, "--yes")
    assert result.exit_code == 0, result.stderr
    (kept,) = (home / "backups").glob("damaged-*.db")
    assert str(kept) in result.stdout and "never removed automatically" in result.stdout
    assert kept.read_bytes() == damaged_bytes
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(1,)]
    assert str(kept) in cli("backup", "list").stdout
    for n in range(12):  # never pruned
        _change(home, n + 1)
        make_backup(home / DB_NAME, home, START + timedelta(days=n + 1), "manual", keep=1)
    assert kept.exists()


def test_a_restore_is_refused_while_another_mockprep_has_the_database_open(cli, home: Path) -> None:
    """`import --merge` in another terminal, then `backup restore --yes`: the merge went on writing into
    the replaced file and said 'Merged ...: added 82874 reviews' while the database held 38."""
    _home_with_history(cli)
    name = make_backup(home / DB_NAME, home, START, "manual").name
    other = sqlite3.connect(home / DB_NAME)  # a process that has the database open, mid-import say
    other.execute("SELECT COUNT(*) FROM reviews").fetchone()
    try:
        result = cli("backup", "restore", name, "--yes")
        assert result.exit_code == 1 and "another mockprep has the database open" in result.stderr
        assert [b.path.name for b in list_backups(home)] == [name]  # nothing copied, nothing replaced
    finally:
        other.close()
    assert cli("backup", "restore", name, "--yes").exit_code == 0  # once it has closed


def test_a_restore_checks_again_after_its_safety_copy(cli, home: Path, monkeypatch) -> None:
    """The copy of the database a restore replaces can take seconds: a session opened meanwhile would
    write into the file then replaced."""
    from mockprep.db import restore

    _home_with_history(cli)
    name = make_backup(home / DB_NAME, home, START, "manual").name
    before = db_rows(home, "SELECT COUNT(*) FROM reviews")
    opened: list[sqlite3.Connection] = []
    copy = restore.make_backup

    def copy_while_a_session_opens(*args, **kwargs):
        made = copy(*args, **kwargs)
        other = sqlite3.connect(home / DB_NAME)
        other.execute("SELECT COUNT(*) FROM reviews").fetchone()
        opened.append(other)
        return made

    monkeypatch.setattr(restore, "make_backup", copy_while_a_session_opens)
    try:
        result = cli("backup", "restore", name, "--yes")
        assert result.exit_code == 1 and "another mockprep has the database open" in result.stderr
        assert db_rows(home, "SELECT COUNT(*) FROM reviews") == before
        assert not (home / f"{DB_NAME}.restoring").exists()
    finally:
        for other in opened:
            other.close()


def test_two_processes_keeping_one_of_the_same_days_copies_keep_one(cli, home: Path) -> None:
    """Two terminals opened on a new day each made the day's copy, and each removed the other's as the
    same bytes: no backup of today's state was left. One at a time decides, and a process whose copy
    the other removed keeps the other's."""
    from mockprep.db import backups

    _home_with_history(cli)
    folder = home / "backups"
    folder.mkdir(mode=0o700, exist_ok=True)
    first = folder / "mockprep-20260301-090000-daily.db"
    second = folder / "mockprep-20260301-090000-daily-2.db"
    shutil.copy(home / DB_NAME, first)
    shutil.copy(first, second)
    made = {b.path: b for b in list_backups(home) if b.path in (first, second)}
    kept_by_second = backups._keep_once(made[second], home, START, set())  # its compare ran first
    kept_by_first = backups._keep_once(made[first], home, START, set())
    assert kept_by_first.path == kept_by_second.path and kept_by_first.path.exists()
    assert [b.path for b in list_backups(home) if b.kind == "daily"] == [kept_by_first.path]
