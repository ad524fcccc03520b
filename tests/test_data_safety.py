"""Nothing lost, nothing misreported (issue 11, the adversarial run): backups and restores, output
files, what a database error really means, rescue files, and the one-line promise.

Subprocesses are used only where a real second process or a real kill is the point.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.db.backups import daily_backup, list_backups, make_backup, needs_daily_backup
from mockprep.db.restore import restore_backup
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from tests.conftest import START, db_rows, write_bank
from tests.test_reliability import Running

ROOT = Path(__file__).parents[1]


def _home_with_history(cli, answers: int = 1) -> None:
    script = "".join(f"answer {i}\n\n3\n" for i in range(answers))
    assert cli("session", "--limit", str(answers), input=script).exit_code == 0


def _db(home: Path) -> Path:
    return home / DB_NAME


def _backup_now(cli, home: Path):
    assert cli("backup", "now").exit_code == 0
    return next(b for b in list_backups(home) if b.reason == "manual")


# -- backups: pruning ---------------------------------------------------------------------------


def _change(home: Path, version: int) -> None:
    """Change the database's bytes (its user_version, which mockprep leaves alone), so the next backup
    is not identical to the last and is kept beside it."""
    con = sqlite3.connect(_db(home))
    con.execute(f"PRAGMA user_version = {version}")
    con.close()


def _backup(home: Path, when: datetime, keep: int, version: int):
    _change(home, version)
    return make_backup(_db(home), home, when, "daily", keep=keep)


def test_restoring_the_oldest_backup_never_prunes_it(cli, home: Path) -> None:
    _home_with_history(cli)
    oldest = _backup(home, START, 2, 1)
    second = _backup(home, START + timedelta(days=1), 2, 2)
    kept = restore_backup(oldest.path, _db(home), home, START + timedelta(days=2), keep=2)
    safety = kept.safety
    assert safety is not None and safety.path.exists() and oldest.path.exists()
    assert sorted(b.name for b in list_backups(home)) == sorted([oldest.name, second.name, safety.name])
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(1,)]


def test_after_the_clock_was_ahead_new_backups_and_the_safety_copy_survive(cli, home: Path) -> None:
    _home_with_history(cli)
    ahead = START + timedelta(days=400)
    future = [_backup(home, ahead + timedelta(hours=h), 10, h) for h in range(10)]
    assert needs_daily_backup(home, START)  # a backup stamped next year is not today's
    chosen = future[3]
    safety = restore_backup(chosen.path, _db(home), home, START, keep=10).safety
    assert safety is not None and safety.path.exists(), "the safety copy was pruned at once"
    assert chosen.path.exists()
    # The next days' backups are the newest, whatever their stamps say: each new daily backup is
    # kept, and so is every one stamped after the clock (which cannot tell whether it was ahead then
    # or is behind now): nothing is pruned while they count for nothing.
    dailies = [_backup(home, START + timedelta(days=d), 10, 20 + d) for d in (1, 2, 3)]
    assert safety.path.exists() and all(d.path.exists() for d in dailies)
    assert {b.name for b in list_backups(home)} == {b.name for b in [safety, *dailies, *future]}
    assert not needs_daily_backup(home, START + timedelta(days=3))


def test_with_the_clock_set_back_the_real_newest_backups_are_kept(cli, cli_clock, home: Path) -> None:
    """The tester's case: daily backups up to the 26th, then the clock set back to the 20th and the
    21st. The rule for a clock that was ahead (a backup stamped in the future counts as older) pruned
    the genuine backup of the 21st, 21:45, the newest restore points going first."""
    _home_with_history(cli)
    genuine = [_backup(home, START + timedelta(days=d, hours=12, minutes=45), 10, d) for d in range(1, 13)]
    newest = genuine[-10:]  # ten kept: days 3 to 12
    assert {b.name for b in list_backups(home)} == {b.name for b in newest}
    behind = START + timedelta(days=6, hours=1)  # before the genuine backup of day 6, 12:45
    made = [_backup(home, behind + timedelta(days=d), 10, 20 + d) for d in range(3)]
    left = {b.name for b in list_backups(home)}
    # every backup stamped after the clock's now is still there, and so is each made since
    assert {b.name for b in newest if b.taken_at > made[-1].taken_at} <= left
    assert {b.name for b in made} <= left
    assert {b.name for b in genuine[5:]} <= left  # the genuine 6th, 21:45 in the tester's case, kept
    now = behind + timedelta(days=3)
    ahead = [b for b in list_backups(home) if b.taken_at > now]
    _change(home, 30)
    (told,) = daily_backup(_db(home), home, now, keep=10)  # and says so, once a day
    assert told.startswith(f"{len(ahead)} backups are stamped after this computer's clock")
    cli_clock.now = now
    listed = cli("backup", "list").stdout.splitlines()
    marked = {line.split()[0] for line in listed if "stamped after the clock's now" in line}
    assert marked == {b.name for b in ahead}


@given(
    stamps=st.lists(st.integers(min_value=0, max_value=40 * 24), min_size=1, max_size=14, unique=True),
    now=st.integers(min_value=0, max_value=40 * 24),
    keep=st.integers(min_value=1, max_value=4),
)
def test_pruning_never_removes_a_backup_stamped_after_the_clock(
    tmp_path_factory, stamps: list[int], now: int, keep: int
) -> None:
    """Whatever the clock says (hours after START) and whatever the backups' stamps, a new backup
    removes none stamped after now, keeps itself, and keeps ``keep`` of the rest when it can."""
    home = tmp_path_factory.mktemp("home")
    db = home / DB_NAME
    sqlite3.connect(db).close()
    folder = home / "backups"
    folder.mkdir()
    for hours in stamps:
        stamp = (START + timedelta(hours=hours)).strftime("%Y%m%d-%H%M%S")
        (folder / f"mockprep-{stamp}-daily.db").write_bytes(b"")
    clock = START + timedelta(hours=now, minutes=30)
    ahead = {b.name for b in list_backups(home) if b.taken_at > clock}
    behind = len(stamps) - len(ahead)
    made = make_backup(db, home, clock, "daily", keep=keep)
    left = {b.name for b in list_backups(home)}
    assert ahead <= left and made.name in left
    assert len(left - ahead) == min(behind + 1, max(keep, 1))


def test_pruning_keeps_the_newest_by_stamp_when_the_clock_is_right(cli, home: Path) -> None:
    _home_with_history(cli)
    made = [_backup(home, START + timedelta(days=d), 3, d) for d in range(6)]
    assert [b.name for b in list_backups(home)] == [b.name for b in reversed(made[3:])]


# -- backups: a killed copy -----------------------------------------------------------------------

_KILL_MID_BACKUP = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    from datetime import UTC, datetime
    from pathlib import Path
    import mockprep.db.backups as backups

    class Dying(sqlite3.Connection):
        def backup(self, target, **kwargs):
            # copy a few pages, then die as `kill -9` would, with the copy half written
            super().backup(target, pages=2, progress=lambda *a: os.kill(os.getpid(), signal.SIGKILL))

    real_connect = sqlite3.connect
    class Shim:
        Error = sqlite3.Error
        Connection = sqlite3.Connection
        @staticmethod
        def connect(*args, **kwargs):
            return real_connect(*args, factory=Dying, **kwargs)
    backups.sqlite3 = Shim
    home = Path(sys.argv[1])
    backups.make_backup(home / "mockprep.db", home, datetime.now(UTC), "manual")
    """
)


def test_a_killed_backup_leaves_nothing_that_looks_like_a_backup(cli, home: Path) -> None:
    _home_with_history(cli, answers=3)
    with Store.open(home, backups=False) as store:
        store.checkpoint()
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_MID_BACKUP, str(home)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert list_backups(home) == []  # nothing `backup list` or `restore` would offer
    assert cli("backup", "list").stdout.startswith("No backups yet")
    leftovers = list((home / "backups").iterdir())
    assert leftovers and all(p.name.startswith(".") for p in leftovers)
    # The next backup tidies the dead process's temporary file away and is itself complete.
    result = cli("backup", "now")
    assert result.exit_code == 0, result.stderr
    made = list_backups(home)  # the day's first backup, and the one asked for
    assert {b.reason for b in made} == {"daily", "manual"}
    assert sorted(p.name for p in (home / "backups").iterdir()) == sorted(b.name for b in made)
    for backup in made:
        con = sqlite3.connect(backup.path)
        assert con.execute("SELECT COUNT(*) FROM reviews").fetchone() == (3,)
        con.close()


# -- backups: restore while a session runs, and the confirmation --------------------------------


def test_restore_is_refused_while_a_session_runs_and_its_ratings_are_kept(cli, home: Path) -> None:
    _home_with_history(cli)
    backup = _backup_now(cli, home)
    run = Running(home, "session", "--limit", "2", "--no-timer")
    try:
        run.wait_for("> ")
        result = cli("backup", "restore", backup.name, "--yes")
        assert result.exit_code == 1
        (line,) = result.stderr.strip().splitlines()
        session_id = db_rows(home, "SELECT MAX(id) FROM sessions")[0][0]
        assert f"session {session_id} is running (process {run.proc.pid})" in line
        assert "finish or quit it" in line
        asked = cli("backup", "restore", backup.name, input="y\n")  # refused before asking
        assert asked.exit_code == 1 and "Replace" not in asked.stdout
        run.send("given after the refused restore\n\n3\n")
        run.wait_for("rating> ")
        run.wait_for("Question 2")
        run.send("second\n\n4\n")
        assert run.finish() == 0
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    answers = [a for (a,) in db_rows(home, "SELECT review_answer(answer) FROM reviews ORDER BY id")]
    assert answers == ["answer 0", "given after the refused restore", "second"]
    # Once the session is over the restore goes ahead.
    assert cli("backup", "restore", backup.name, "--yes").exit_code == 0
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(1,)]


@pytest.mark.parametrize(("answer", "reason"), [("n\n", "you answered no"), ("", "no answer")])
def test_restore_not_confirmed_exits_non_zero_and_changes_nothing(
    cli, home: Path, answer: str, reason: str
) -> None:
    _home_with_history(cli)
    backup = _backup_now(cli, home)
    _home_with_history(cli)
    result = cli("backup", "restore", backup.name, input=answer)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mockprep: error: not restored: {reason}")
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(2,)]
    assert len(list_backups(home)) == 2  # the day's first backup, and the one asked for


# -- -o PATH --force ------------------------------------------------------------------------------


def test_force_never_replaces_a_device_or_a_pipe(cli, home: Path, tmp_path: Path) -> None:
    _home_with_history(cli)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # The device is reached through a link of our own: were the refusal missing, the link would be
    # replaced (as /dev/null itself once was), never the system's device.
    device = tmp_path / "null"
    device.symlink_to(os.devnull)
    for target in (device, fifo):
        before = os.lstat(target)
        for args in (["export"], ["history", "--csv"]):
            result = cli(*args, "-o", str(target), "--force")
            assert result.exit_code == 2, (args, target, result)
            (line,) = result.stderr.strip().splitlines()
            assert "not a regular file" in line and "-o -" in line
        after = os.lstat(target)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
        assert after.st_ino == before.st_ino
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_force_never_replaces_the_database_or_a_backup(cli, home: Path, tmp_path: Path) -> None:
    _home_with_history(cli)
    backup = _backup_now(cli, home)
    link = tmp_path / "innocent.json"
    link.symlink_to(_db(home))
    hard = tmp_path / "hard.json"
    os.link(_db(home), hard)
    targets = [_db(home), Path(f"{_db(home)}-wal"), Path(f"{_db(home)}-shm"), backup.path, link, hard]
    for target in targets:
        result = cli("export", "-o", str(target), "--force")
        assert result.exit_code == 2, (target, result)
        assert "mockprep's own data" in result.stderr
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(1,)]
    assert sqlite3.connect(backup.path).execute("SELECT COUNT(*) FROM reviews").fetchone() == (1,)
    assert link.is_symlink()


def test_force_still_replaces_a_regular_file(cli, home: Path, tmp_path: Path) -> None:
    out = tmp_path / "old.json"
    out.write_text("old")
    assert cli("export", "-o", str(out)).exit_code == 2
    assert cli("export", "-o", str(out), "--force").exit_code == 0
    assert out.read_text().startswith("{")


# -- export with no -o ----------------------------------------------------------------------------


def test_export_to_a_terminal_writes_a_dated_file_and_says_where(
    cli, home: Path, tmp_path: Path, monkeypatch
) -> None:
    _home_with_history(cli)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    first = cli("export")
    second = cli("export")
    assert first.exit_code == 0 and second.exit_code == 0
    assert first.stdout == "" and second.stdout == ""
    files = sorted(p.name for p in tmp_path.glob("mockprep-export-*.json"))
    assert len(files) == 2 and files[0] != files[1]
    for result in (first, second):
        (line,) = result.stderr.strip().splitlines()
        assert "mockprep-export-" in line and ", 1 review, 1 session and 0 stories to" in line
    # Asked for explicitly, standard output it is, terminal or not.
    explicit = cli("export", "-o", "-")
    assert explicit.exit_code == 0 and explicit.stdout.startswith("{") and explicit.stderr == ""
    assert len(list(tmp_path.glob("mockprep-export-*.json"))) == 2


def test_export_piped_goes_to_stdout(cli, home: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("export")
    assert result.exit_code == 0 and result.stdout.startswith("{")
    assert list(tmp_path.glob("mockprep-export-*")) == []


# -- what a database error really means ---------------------------------------------------------


def _no_restore_advice(line: str) -> None:
    assert "restore" not in line and "move the file away" not in line and "not a usable" not in line


def test_a_full_disk_is_named_as_such(cli, home: Path, monkeypatch) -> None:
    import mockprep.db.store as store_module

    _home_with_history(cli)
    real = store_module._configure  # (every connection of a store is configured here)

    def full_disk(raw):  # SQLite reports SQLITE_FULL once the file may not grow
        raw = real(raw)
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
        raw.execute(f"PRAGMA max_page_count = {pages}")
        return raw

    monkeypatch.setattr(store_module, "_configure", full_disk)
    result = cli("session", "--limit", "40", "--new", "40", input="x " * 30_000 + "\n\n3\n" * 40)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "no space left on the device" in line and "every answer before it is stored" in line
    (kept,) = home.glob("unsaved-answer-*.md")  # the answer the disk refused, with its rating
    assert f"rated 3 (good), is kept in {kept}" in line and "x x x" in kept.read_text()
    _no_restore_advice(line)


def test_a_read_only_database_is_named_as_such(cli, home: Path, monkeypatch) -> None:
    import mockprep.db.store as store_module

    _home_with_history(cli)
    real = store_module._configure  # (every connection of a store is configured here)

    def read_only(raw):  # SQLite reports SQLITE_READONLY on the first write
        raw = real(raw)
        raw.execute("PRAGMA query_only = ON")
        return raw

    monkeypatch.setattr(store_module, "_configure", read_only)
    result = cli("session", "--limit", "1", input="a\n\n3\n")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "is read-only" in line and "make both writable" in line
    _no_restore_advice(line)


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions do not bind root")
def test_a_read_only_folder_is_named_as_such(cli, home: Path) -> None:
    _home_with_history(cli)
    home.chmod(0o500)
    _db(home).chmod(0o400)
    try:
        result = cli("session", "--limit", "1", input="a\n\n3\n")
    finally:
        home.chmod(0o700)
        _db(home).chmod(0o600)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "read-only" in line or "cannot open" in line
    _no_restore_advice(line)


def test_a_lock_held_too_long_names_the_other_program(cli, home: Path, monkeypatch) -> None:
    import mockprep.db.store as store_module

    _home_with_history(cli)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(_db(home), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing, and not letting go
    try:
        result = cli("session", "--limit", "1", input="a\n\n3\n")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "is locked" in line and "another mockprep" in line and "over 0.2 seconds" in line
    _no_restore_advice(line)


def test_a_damaged_file_still_gets_the_restore_advice(cli, home: Path) -> None:
    home.mkdir(mode=0o700, parents=True)
    _db(home).write_bytes(b"not sqlite at all" * 100)
    (line,) = cli("history").stderr.strip().splitlines()
    assert "not a usable mockprep database" in line and "There is no backup of it" in line
    assert "start afresh" in line and "import FILE --merge" in line


# -- rescue files ---------------------------------------------------------------------------------

_STORY_PROMPTS = (  # piped in with no editor set, the draft itself (as --from -)
    "# Led the migration\n## Situation\nsituation text\n## Task\ntask text\n## Action\naction text\n"
    "## Result\nresult text\n"
)


def _refuse_saves(monkeypatch) -> None:
    from mockprep.db.stories import StoryTable

    def refuse(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(StoryTable, "create", refuse)


def test_an_unsaved_story_is_kept_in_a_private_non_empty_file(cli, home: Path, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    _refuse_saves(monkeypatch)
    old_umask = os.umask(0o022)
    try:
        result = cli("story", "new", input=_STORY_PROMPTS)
    finally:
        os.umask(old_umask)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    (kept,) = home.glob("unsaved-story-*.md")
    assert str(kept) in line
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "Led the migration" in kept.read_text() and "action text" in kept.read_text()
    assert [p.name for p in home.iterdir() if p.name.startswith(".")] == []


def test_when_even_the_rescue_file_fails_the_draft_is_printed_and_no_empty_file_is_left(
    cli, home: Path, monkeypatch
) -> None:
    import mockprep.cli.context as context

    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    _refuse_saves(monkeypatch)
    real_write = os.write

    def disk_full(fd, data):
        if os.fstat(fd).st_size == 0 and stat.S_ISREG(os.fstat(fd).st_mode) and len(data) > 100:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(context.os, "write", disk_full)
    result = cli("story", "new", input=_STORY_PROMPTS)
    monkeypatch.setattr(context.os, "write", real_write)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "No space left on device" in line and "printed above" in line
    assert "action text" in result.stdout
    assert list(home.glob("unsaved-story-*")) == [] and list(home.glob(".unsaved*")) == []


# -- one line, always ----------------------------------------------------------------------------


def test_warnings_are_never_wrapped_when_stderr_is_not_a_terminal(cli, home: Path, tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-for-banks-" * 3)
    deep.mkdir()
    bank = write_bank(deep / "mine.toml", "mine")
    assert cli("bank", "add", str(bank)).exit_code == 0
    bank.write_text(bank.read_text().replace('round = "technical"', 'round = "nonsense"'))
    result = cli("session", "--limit", "1", input="a\n\n3\n")
    warnings = [line for line in result.stderr.splitlines() if line]
    assert warnings and all(line.startswith("warning: ") for line in warnings)
    assert any(len(line) > 80 and str(bank) in line for line in warnings)


def test_a_json_parse_error_is_one_line(cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "mockprep-export", "version": 1, "banks": [tru]}')
    result = cli("import", str(broken))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "not JSON" in line and "right here" not in line and "^" not in line
    binary = tmp_path / "binary.json"
    # Bytes that are not UTF-8: yajl's message for them came as bytes, "(b'lexical…\n…')".
    binary.write_bytes(b"\xa7\xa5&\x88P{" * 300)
    result = cli("import", str(binary))
    (line,) = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and line.endswith(": not JSON (lexical error: invalid char in json text)")


def test_importing_a_story_export_points_to_story_new(cli, tmp_path: Path) -> None:
    """`mockprep import stories.md` (a `story export`) said only "not JSON (lexical error: ...)" (found by
    an exploratory tester); it names the command that adds the stories. Other text gets no such hint."""
    story = "# One GPU\n\n## Situation\nEight of us shared it.\n\n## Action\nI wrote a queue.\n"
    assert cli("story", "new", "--from", "-", input=story).exit_code == 0
    stories = tmp_path / "stories.md"
    assert cli("story", "export", "-o", str(stories)).exit_code == 0
    result = cli("import", str(stories))
    (line,) = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and "not JSON (" in line
    assert line.endswith(
        f"; it reads as STAR stories, which are added with: mockprep story new --from {stories}"
    )
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\nSituation normal.\n", encoding="utf-8")
    result = cli("import", str(notes))
    assert result.exit_code == 2 and "story new" not in result.stderr


@pytest.mark.parametrize(
    "notes",
    [
        # a tester's findings: labels quoted in code spans, one "Result:" field (their text before it is
        # no Situation)
        "# Findings\nA story written `Situation: ...`, `**Task:** ...`, `- Action - ...` lost its Action.\n"
        "Repro: mockprep story new --from FILE\nResult: the `- Action -` line is stored inside Task.\n",
        # a story quoted in a code fence
        "# How to write one\n```\nSituation: a\nTask: b\nAction: c\nResult: d\n```\nThat is all.\n",
    ],
    ids=["quoted-labels", "fenced-story"],
)
def test_notes_that_quote_star_labels_get_no_stories_hint(cli, tmp_path: Path, notes: str) -> None:
    """The hint said "it reads as STAR stories" of findings that only quote labels (found by an
    independent review of ef806dd)."""
    file = tmp_path / "findings.md"
    file.write_text(notes, encoding="utf-8")
    result = cli("import", str(file))
    assert result.exit_code == 2 and "not JSON" in result.stderr and "story new" not in result.stderr


def test_history_with_an_id_beyond_any_integer_is_one_clear_line(cli, home: Path) -> None:
    _home_with_history(cli)
    for session_id in ("99999999999999999999999", "9223372036854775808", "0"):
        result = cli("history", session_id)
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [
            f"mockprep: error: no session with id {session_id} (see mockprep history)"
        ]


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)))
def test_a_backup_stamp_reads_back_as_strptime_reads_it(moment: datetime) -> None:
    from mockprep.db.backups import _stamp_time

    stamp = moment.strftime("%Y%m%d-%H%M%S")
    assert _stamp_time(stamp) == datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
