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
from tests.conftest import START, write_bank
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
