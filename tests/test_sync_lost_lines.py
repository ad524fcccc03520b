"""A device whose lines went missing from the sync folder writes all its events again.

Found by an exploratory tester: a device's own file cut mid-line (a sync tool handing back a half-written
copy) lost that event for good — the other device kept its review waiting for a session that never came
— and an older copy of the file put back lost the marks written after it, without a word; choosing
another folder left every earlier event behind. Here each of those, a `sync --folder ""`, and that an
ordinary sync resends nothing.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from fsrs import Rating

from tests.conftest import START


def _folder(tmp_path: Path, name: str = "Sync") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def _own_file(folder: Path, device) -> Path:
    (path,) = [p for p in folder.iterdir() if p.name.startswith(device.store.sync.device().id)]
    return path


def test_an_ordinary_sync_resends_nothing(devices, tmp_path) -> None:
    folder = _folder(tmp_path)
    laptop, desk = devices("laptop"), devices("desk")
    for minute in range(3):
        laptop.practise(minute, Rating.Good, START + timedelta(minutes=minute))
        assert laptop.sync(folder, START).resent is None
        assert desk.sync(folder, START).resent is None
    assert laptop.reviews() == desk.reviews()


def test_a_line_of_its_own_cut_in_half_is_written_again_and_the_other_device_gets_it(
    devices, tmp_path
) -> None:
    folder = _folder(tmp_path)
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.sync(folder, START)
    path = _own_file(folder, laptop)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - len(data.splitlines()[-1]) // 2 - 1])  # the last line cut
    laptop.practise(1, Rating.Hard, START + timedelta(minutes=5))
    report = laptop.sync(folder, START + timedelta(minutes=5))
    assert report.resent is not None and "not the file this device wrote" in report.resent
    assert report.written >= 4  # two sessions, two reviews
    first = desk.sync(folder, START + timedelta(minutes=6))
    assert first.skipped == 1 and not first.merged.waiting
    assert laptop.state() == desk.state() and len(desk.reviews()) == 2
    assert laptop.sync(folder, START + timedelta(minutes=7)).resent is None  # once


def test_an_older_copy_of_its_own_file_put_back_loses_nothing(devices, tmp_path) -> None:
    folder = _folder(tmp_path)
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.sync(folder, START)
    older = tmp_path / "older.jsonl"
    shutil.copy(_own_file(folder, laptop), older)
    laptop.practise(1, Rating.Again, START + timedelta(minutes=5))
    laptop.sync(folder, START + timedelta(minutes=5))
    shutil.copy(older, _own_file(folder, laptop))  # the sync tool puts the older copy back
    report = laptop.sync(folder, START + timedelta(minutes=6))
    assert report.resent is not None and "older copy" in report.resent
    desk.sync(folder, START + timedelta(minutes=7))
    assert laptop.state() == desk.state() and len(desk.reviews()) == 2


def test_another_folder_gets_every_earlier_event(devices, tmp_path) -> None:
    dropbox, syncthing = _folder(tmp_path, "Dropbox"), _folder(tmp_path, "Syncthing")
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.write_story("Shipped the ranker", "I rebuilt the features", START)
    laptop.sync(dropbox, START)
    laptop.practise(1, Rating.Easy, START + timedelta(minutes=5))
    report = laptop.sync(syncthing, START + timedelta(minutes=5))
    assert report.resent is not None and "none of this device's files" in report.resent
    desk.sync(syncthing, START + timedelta(minutes=6))
    assert laptop.state() == desk.state() and len(desk.reviews()) == 2 and desk.stories()


def test_an_empty_folder_option_is_refused_and_nothing_is_remembered(cli, tmp_path, monkeypatch) -> None:
    folder = _folder(tmp_path)
    assert cli("sync", "--folder", str(folder)).exit_code == 0
    monkeypatch.chdir(tmp_path)
    result = cli("sync", "--folder", "")
    assert result.exit_code == 2 and "empty path" in result.stderr and "Traceback" not in result.stderr
    assert f"Synced with {folder.resolve()}" in cli("sync").stdout


def test_a_line_a_killed_sync_left_half_written_resends_nothing(devices, tmp_path) -> None:
    """Found by an independent review: the half line a sync killed mid-write leaves is ended by the next
    write, and its events, never marked sent, are written again with it: reading it as lost lines
    wrote every event a second time (6,004 lines for 3,000 reviews)."""
    folder = _folder(tmp_path)
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.sync(folder, START)
    with _own_file(folder, laptop).open("a", encoding="utf-8") as half:
        half.write('{"answer":"half writ')
    laptop.practise(1, Rating.Hard, START + timedelta(minutes=5))
    report = laptop.sync(folder, START + timedelta(minutes=5))
    assert report.resent is None and report.written == 2  # the new session and review only
    assert desk.sync(folder, START + timedelta(minutes=6)).skipped == 1
    assert laptop.state() == desk.state() and len(desk.reviews()) == 2
