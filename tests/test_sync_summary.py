"""What a sync says it did, in words a person can follow (found by an exploratory tester): records of a
question the other device renamed or added in its copy of a bank file, and their merge once this device
has it; a rating made and undone on another device before this one first read it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.cli.sync import run_sync
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from tests.conftest import START, db_rows, write_bank
from tests.devices import Device
from tests.test_renames import rate, rename_in


def _device(root: Path, name: str) -> tuple[Device, Path]:
    """A home with its own copy of the bank file ``gen`` (three questions)."""
    banks = root / f"{name}-banks"
    banks.mkdir()
    bank = write_bank(banks / "b.toml", "gen", n=3)
    return Device(root, name, banks), bank


@pytest.mark.parametrize("added", [False, True])
def test_a_review_of_a_question_only_the_other_copy_of_the_bank_has_names_it_and_its_merge_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, added: bool
) -> None:
    """The desk was told to `bank add` the bank it has; when its copy caught up, the next sync said it
    read 0 lines, not that it added the review."""
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    (laptop, laptop_bank), (desk, desk_bank) = _device(tmp_path, "laptop"), _device(tmp_path, "desk")
    try:
        for device in (laptop, desk):
            device.sync(folder, START)
        if added:  # a question added to the laptop's copy
            write_bank(laptop_bank, "gen", n=4)
            key = "gen/q4"
        else:  # a question renamed in it
            rename_in(laptop_bank, "q1", "warm-up")
            key = "gen/warm-up"
        sync_banks(laptop.store, START)
        rate(laptop.store, key, Rating.Good, START + timedelta(hours=1))
        laptop.sync(folder, START + timedelta(hours=1))

        told = run_sync(desk.store, folder)
        (line,) = [line for line in told.splitlines() if key in line]
        assert str(desk_bank) in line and "bank add" not in line  # its own file lacks the question
        assert desk.reviews() == []

        desk_bank.write_bytes(laptop_bank.read_bytes())  # the desk's copy brought up to date
        sync_banks(desk.store, START + timedelta(hours=2))  # (as every command does first)
        later = run_sync(desk.store, folder)
        assert "added 1 review" in later
        (merged,) = [line for line in later.splitlines() if key in line]
        assert "merged now" in merged
        assert desk.reviews() == laptop.reviews()
        assert key not in run_sync(desk.store, folder)  # said once
    finally:
        laptop.close()
        desk.close()


def test_a_waiting_review_undone_on_its_device_is_not_said_to_be_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review waited for a question the desk lacks, then was undone on the laptop: the next sync said
    both that it was left out (undone) and that it 'is merged now' (found by an independent review)."""
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    folder = tmp_path / "Sync"
    folder.mkdir()
    (laptop, laptop_bank), (desk, _desk_bank) = _device(tmp_path, "laptop"), _device(tmp_path, "desk")
    try:
        for device in (laptop, desk):
            device.sync(folder, START)
        write_bank(laptop_bank, "gen", n=4)  # a question only the laptop's copy has
        sync_banks(laptop.store, START)
        rate(laptop.store, "gen/q4", Rating.Good, START + timedelta(hours=1))
        laptop.sync(folder, START + timedelta(hours=1))
        assert "gen/q4" in run_sync(desk.store, folder)  # waiting
        assert laptop.store.cards.undo_last() is not None
        laptop.sync(folder, START + timedelta(hours=2))
        later = run_sync(desk.store, folder)
        assert "merged now" not in later and "undone" in later
        assert desk.reviews() == [] and desk.store.sync.pending() == []
    finally:
        laptop.close()
        desk.close()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["mine/a", "mine/b", "ours/c", "gen/x", "gone/y", "gone/z"]), min_size=1),
    st.booleans(),
)
def test_each_record_waiting_for_a_question_is_told_once_with_what_to_do(keys: list[str], kept: bool) -> None:
    """A bank of this home whose file lacks the question: that file named (one line per bank); a bank
    this home does not have, or whose file is not on this machine: added (bank add)."""
    from mockprep.cli.merge_report import merge_report
    from mockprep.db.merge import MergeSummary

    banks = {"mine": "/home/me/mine.toml", "ours": "/home/me/banks/ours.toml", "gen": "builtin:gen.toml"}
    missing = {"gone": "/elsewhere/gone.toml"}
    summary = MergeSummary(waiting=[{"key": key} for key in keys], homeless=keys)
    lines = merge_report(summary, "Merged", missing, banks, kept).splitlines()[1:]
    counts = [int(line.split(" ", 1)[0]) for line in lines]
    assert sum(counts) == len(keys)  # each record counted once
    for bank, source in banks.items():
        (line,) = [line for line in lines if f"{bank}/" in line] or [None]
        if line is None:
            assert bank not in {key.split("/")[0] for key in keys}
            continue
        assert "bank add" not in line and (
            "update mockprep" in line if "builtin" in source else source in line
        )
        assert all(key in line for key in set(keys) if key.startswith(f"{bank}/"))
        assert ("next sync" in line) == kept
    if any(key.startswith("gone/") for key in keys):
        (line,) = [line for line in lines if "gone" in line]
        assert missing["gone"] in line and "bank add" in line


def test_a_rating_made_and_undone_on_another_device_is_neither_added_nor_removed_on_a_new_one(
    devices, tmp_path: Path
) -> None:
    """A new device's first sync said 'added 1 review, 1 session' and then 'Removed 2 records undone or
    deleted on another device' for the same undone rating."""
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.sync(folder, START)
    laptop.practise(0, Rating.Good, START)
    laptop.practise(1, Rating.Hard, START + timedelta(minutes=5))
    laptop.sync(folder, START)  # both lines written before the undo
    assert laptop.store.cards.undo_last() is not None  # the second rating, and its session with it
    laptop.sync(folder, START + timedelta(minutes=6))
    text = run_sync(desk.store, folder)
    assert desk.reviews() == laptop.reviews() and desk.sessions() == laptop.sessions()
    (added,) = [line for line in text.splitlines() if line.startswith("From other devices")]
    assert "added 1 review, 1 session" in added  # the rating that stands
    assert "removed 2" not in text.lower() and "Removed" not in text
    (left,) = [line for line in text.splitlines()[1:] if "undone" in line]
    assert left.startswith("2 records") and "another device" in left
    # The desk had merged both before the undo reached it: the undo removes them there.
    other = devices("other")
    laptop.practise(2, Rating.Easy, START + timedelta(minutes=7))
    laptop.sync(folder, START + timedelta(minutes=7))
    run_sync(other.store, folder)
    laptop.store.cards.undo_last()
    laptop.sync(folder, START + timedelta(minutes=8))
    later = run_sync(other.store, folder)
    # what was removed, in words: the rating and the session it was the only one of
    assert "removed 1 review and 1 session undone or deleted on another device" in later.lower()
    assert other.reviews() == laptop.reviews()


def test_after_a_restore_the_devices_own_undo_read_back_is_said_to_be_its_own(
    cli, home: Path, tmp_path: Path
) -> None:
    """After a restore, reading back the device's own undo said 'on another device'."""
    folder = tmp_path / "shared"
    folder.mkdir()
    assert cli("sync", "--folder", str(folder)).exit_code == 0
    assert cli("session", "--limit", "1", input="first\n\n3\nq\n").exit_code == 0
    assert cli("sync").exit_code == 0
    made = cli("backup", "now")
    assert made.exit_code == 0, made.stderr
    name = Path(made.stdout.split("Backed up to ", 1)[1].strip()).name
    assert cli("undo").exit_code == 0
    assert cli("sync").exit_code == 0
    assert cli("backup", "restore", name, "--yes").exit_code == 0
    assert len(db_rows(home, "SELECT uid FROM reviews")) == 1  # the backup has the rating
    again = cli("sync")
    assert again.exit_code == 0, again.stderr
    assert "another device" not in again.stdout
    (line,) = [line for line in again.stdout.splitlines()[1:] if "removed" in line]
    assert "this device" in line and "1 review and 1 session" in line
    assert db_rows(home, "SELECT uid FROM reviews") == []
