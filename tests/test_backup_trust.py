"""Backups that can be trusted (found by an exploratory tester): a damaged database is never backed up
over good backups, and the person is told what to do; what a damaged file holds can be merged back;
an export never says "Exported" for less than the database holds; a restore says what it would lose.

The damage is made here as a bad disk sector would: bytes of one leaf page of a table overwritten.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.db.backup_diff import Missing, missing_from
from mockprep.db.backups import DamagedDatabase, daily_backup, list_backups, make_backup
from mockprep.paths import DB_NAME
from tests.conftest import START, db_rows
from tests.devices import Device, make_banks


def _leaf_pages(db: Path, table: str) -> list[int]:
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = [
            p
            for (p,) in con.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (table,)
            )
        ]
        size = con.execute("PRAGMA page_size").fetchone()[0]
    finally:
        con.close()
    return [(p - 1) * size for p in sorted(pages)]


def break_page(db: Path, table: str) -> None:
    """Overwrite the header of the middle leaf page of ``table`` (its type among it): every read that
    reaches the page fails, as with a bad sector."""
    start = _leaf_pages(db, table)[len(_leaf_pages(db, table)) // 2]
    data = bytearray(db.read_bytes())
    for at in range(start, start + 8):
        data[at] ^= 0xA5
    db.write_bytes(bytes(data))


def renumber_first_row(db: Path, table: str) -> None:
    """Give the first row of the first leaf page of ``table`` the largest rowid its varint can hold:
    out of order, so a lookup of it finds nothing, without any error."""
    start = _leaf_pages(db, table)[0]
    data = bytearray(db.read_bytes())
    cell = start + int.from_bytes(data[start + 8 : start + 10], "big")
    at = cell
    while data[at] & 0x80:  # the payload size
        at += 1
    at += 1
    length = 1
    while data[at + length - 1] & 0x80:  # the rowid
        length += 1
    data[at : at + length] = bytes([0xFF] * (length - 1) + [0x7F])
    db.write_bytes(bytes(data))


def _intact(path: Path) -> bool:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA quick_check").fetchone() == ("ok",)
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


def _practised(home: Path, times: list, root: Path) -> None:
    device = Device(root, home.name, make_banks(root))
    try:
        for n, when in enumerate(times):
            device.practise(n, Rating.Good, when)
    finally:
        device.close()


@pytest.fixture
def long_home(home: Path, tmp_path: Path) -> Path:
    """A home with 150 reviews (three leaf pages of them) and, each a day apart, three daily backups."""
    _practised(home, [START + timedelta(hours=h) for h in range(150)], tmp_path)
    for day in (7, 8, 9):
        con = sqlite3.connect(home / DB_NAME)
        con.execute(f"PRAGMA user_version = {day}")  # (not the same bytes: each is kept)
        con.close()
        make_backup(home / DB_NAME, home, START + timedelta(days=day), "daily", keep=3)
    return home


def test_a_damaged_database_is_not_backed_up_and_no_good_backup_is_pruned(long_home: Path) -> None:
    """The tester's 11 days: every daily backup was a copy of the damaged file, and the ten good ones
    were pruned, while each session said nothing."""
    db = long_home / DB_NAME
    before = [b.name for b in list_backups(long_home)]
    break_page(db, "reviews")
    for day in range(10, 14):  # a day's backup tried on each of four days
        (line,) = daily_backup(db, long_home, START + timedelta(days=day), keep=3)
        assert line.startswith(f"{db} is damaged (") and "not kept" in line
        assert f"mockprep backup restore {before[0]}" in line  # the newest intact one
    assert [b.name for b in list_backups(long_home)] == before
    assert not [p for p in (long_home / "backups").iterdir() if p.name.startswith(".")]  # no copy left
    with pytest.raises(DamagedDatabase):
        make_backup(db, long_home, START + timedelta(days=14), "manual", keep=1)
    assert [b.name for b in list_backups(long_home)] == before


def test_the_newest_intact_backup_is_named_past_damaged_ones(long_home: Path) -> None:
    """Backups made before copies were checked may hold the damage: the advice skips them."""
    db = long_home / DB_NAME
    oldest = list_backups(long_home)[-1]
    break_page(db, "reviews")
    for backup in list_backups(long_home)[:-1]:  # the two newest damaged as the database is
        backup.path.write_bytes(db.read_bytes())
    (line,) = daily_backup(db, long_home, START + timedelta(days=10), keep=3)
    assert f"mockprep backup restore {oldest.name}" in line


def test_damage_is_told_in_one_line_then_restore_and_merge_bring_everything_back(
    cli, long_home: Path, tmp_path: Path
) -> None:
    db = long_home / DB_NAME
    newest = list_backups(long_home)[0]
    _practised(long_home, [START + timedelta(days=10, minutes=m) for m in range(5)], tmp_path)  # since
    everything = db_rows(long_home, "SELECT uid FROM reviews ORDER BY uid")
    break_page(db, "reviews")

    result = cli("history")
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "is damaged" in line and f"mockprep backup restore {newest.name}" in line
    assert [b.name for b in list_backups(long_home)][0] == newest.name  # no copy of the damage kept

    restored = cli("backup", "restore", newest.name, "--yes")
    assert restored.exit_code == 0, restored.stderr
    command = re.search(r"mockprep import (\S+) --merge", restored.stdout)
    assert command is not None and "damaged" in command.group(1)
    assert len(db_rows(long_home, "SELECT uid FROM reviews")) == len(everything) - 5

    merged = cli("import", command.group(1), "--merge")
    assert merged.exit_code == 0, merged.stderr
    assert "is damaged" in merged.stderr and "part of reviews could not be read" in merged.stderr
    assert db_rows(long_home, "SELECT uid FROM reviews ORDER BY uid") == everything
    assert _intact(db)


def test_an_export_that_a_damaged_page_cut_short_fails_and_writes_nothing(
    cli, long_home: Path, tmp_path: Path
) -> None:
    """A card whose rowid a damaged page garbled is not found by the export's join: it wrote 760 of
    763 questions, exit 0, 'Exported 760 questions'."""
    renumber_first_row(long_home / DB_NAME, "cards")
    for name in ("all.json", "all.mockprep"):
        out = tmp_path / name
        result = cli("export", "-o", str(out))
        assert result.exit_code == 1 and "Exported" not in result.stderr + result.stdout
        *warned, line = result.stderr.splitlines()  # (the day's backup, refused, warns first)
        assert line.startswith("mockprep: error: ") and "damaged" in line
        assert all(w.startswith("warning: ") and "is damaged" in w for w in warned)
        assert not out.exists() and not list(tmp_path.glob(f".{name}*"))
    assert re.search(r"hid \d+ of its \d+ questions", cli("export", "-o", str(tmp_path / "a.json")).stderr)


# -- what a restore would lose ---------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    reviews=st.integers(min_value=0, max_value=6),
    earlier=st.integers(min_value=0, max_value=3),
    edits=st.integers(min_value=0, max_value=2),
)
def test_what_a_backup_lacks_is_counted_exactly(
    tmp_path_factory, reviews: int, earlier: int, edits: int
) -> None:
    """Reviews made since the backup, and reviews added since with earlier times (as a merge of
    another device's adds them), each in a session of its own, and story edits."""
    root = tmp_path_factory.mktemp("root")
    device = Device(root, "home", make_banks(root))
    try:
        for n in range(4):
            device.practise(n, Rating.Good, START + timedelta(hours=n))
        device.write_story("Migration", "first", START)
        backup = make_backup(device.store.path, root / "home", START + timedelta(days=1), "manual")
        later = START + timedelta(days=2)
        for n in range(reviews):
            device.practise(n, Rating.Hard, later + timedelta(minutes=n))
        for n in range(earlier):
            device.practise(n, Rating.Easy, START - timedelta(days=1, minutes=n))
        for e in range(edits):
            device.write_story("Migration", f"edit {e}", later)
    finally:
        device.close()
    found = missing_from(backup.path, root / "home" / DB_NAME)
    assert found == Missing(reviews + earlier, reviews + earlier, edits, 0, 0)


def test_restore_says_what_it_would_lose_and_how_to_bring_it_back(
    cli, cli_clock, home: Path, tmp_path: Path
) -> None:
    _practised(home, [START + timedelta(hours=h) for h in range(3)], tmp_path)
    backup = make_backup(home / DB_NAME, home, START + timedelta(days=1), "daily")
    _practised(home, [START + timedelta(days=2, minutes=m) for m in range(2)], tmp_path)
    everything = db_rows(home, "SELECT uid FROM reviews ORDER BY uid")
    cli_clock.now = START + timedelta(days=4)

    asked = cli("backup", "restore", backup.name, input="n\n")
    assert asked.exit_code == 1
    assert (
        f"{backup.name} was made 2026-03-03 09:00 (3d ago); 2 reviews in 2 sessions are not in it."
        in asked.stdout
    )
    assert db_rows(home, "SELECT uid FROM reviews ORDER BY uid") == everything

    done = cli("backup", "restore", backup.name, input="y\n")
    assert done.exit_code == 0, done.stderr
    assert len(db_rows(home, "SELECT uid FROM reviews")) == 3
    command = re.search(
        r"mockprep import (\S+) --merge brings back 2 reviews in 2 sessions that", done.stdout
    )
    assert command is not None
    assert cli("import", command.group(1), "--merge").exit_code == 0
    assert db_rows(home, "SELECT uid FROM reviews ORDER BY uid") == everything


def test_restore_piped_without_an_answer_changes_nothing(cli, home: Path, tmp_path: Path) -> None:
    _practised(home, [START], tmp_path)
    backup = make_backup(home / DB_NAME, home, START + timedelta(days=1), "daily")
    result = cli("backup", "restore", backup.name, input="")
    assert result.exit_code == 1 and "every review, session and story edit is in it" in result.stdout
    assert "not restored: no answer" in result.stderr


@pytest.mark.parametrize("name", ["all.json", "all.mockprep"])
def test_a_merge_into_a_new_home_adds_the_reviews_of_built_in_questions(
    cli, home: Path, tmp_path: Path, monkeypatch, name: str
) -> None:
    """`import FILE --merge` into a home whose banks were never read (the advice for a damaged database
    without an intact backup: start afresh, then merge) added the sessions and no review, and said to
    `bank add` the built-in banks."""
    assert cli("session", "--limit", "2", input="a\n\n3\nb\n\n2\n").exit_code == 0
    assert cli("export", "-o", str(tmp_path / name)).exit_code == 0
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "new"))
    result = cli("import", str(tmp_path / name), "--merge")
    assert result.exit_code == 0 and "added 2 reviews" in result.stdout, result.stdout + result.stderr
    assert len(db_rows(tmp_path / "new", "SELECT uid FROM reviews")) == 2
