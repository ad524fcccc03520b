"""Folder sync when devices disagree: a delete against a concurrent edit, invalid events, a restored
home, undo after a merge (found by an exploratory tester)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fsrs import Rating

from tests.conftest import START
from tests.devices import Device


def _story_id(device: Device, title: str) -> int | None:
    row = device.store.q("SELECT story_id FROM story_versions WHERE title = :t LIMIT 1", t=title).first()
    return None if row is None else row.story_id


def _both_have_story(devices, tmp_path: Path) -> tuple[Path, Device, Device]:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.write_story("Outage", "v1", START)
    for device in (laptop, desk, laptop):
        device.sync(folder, START)
    assert len(desk.stories()) == 1
    return folder, laptop, desk


def test_a_version_saved_while_the_other_device_deleted_the_story_survives_on_both(devices, tmp_path) -> None:
    from mockprep.cli.sync import run_sync

    folder, laptop, desk = _both_have_story(devices, tmp_path)
    laptop.store.stories.delete(_story_id(laptop, "Outage"))
    desk.write_story("Outage", "desk edit", START + timedelta(hours=1))
    laptop.sync(folder, START)
    on_desk = run_sync(desk.store, folder)
    on_laptop = run_sync(laptop.store, folder)
    assert "Story 'Outage', deleted here, is back" in on_laptop
    assert "Story 'Outage' was deleted on the other device" in on_desk
    assert [row[5] for row in desk.stories()] == ["desk edit"]  # what the delete knew is gone
    assert laptop.stories() == desk.stories()
    # Applied again (a file read twice), nothing changes; a later edit is an ordinary new version.
    desk.write_story("Outage", "desk again", START + timedelta(hours=2))
    for device in (desk, laptop, desk):
        report = device.sync(folder, START)
        assert report.merged.kept == [] and report.merged.revived == []
    assert (
        [row[5] for row in laptop.stories()] == ["desk edit", "desk again"] == [r[5] for r in desk.stories()]
    )


def test_a_story_deleted_with_nothing_new_elsewhere_is_deleted_everywhere(devices, tmp_path) -> None:
    folder, laptop, desk = _both_have_story(devices, tmp_path)
    desk.store.stories.delete(_story_id(desk, "Outage"))
    for device in (desk, laptop, desk):
        device.sync(folder, START)
    assert laptop.stories() == [] == desk.stories()
    third = devices("tablet")  # reads every file from the start: the story is made, then deleted
    third.sync(folder, START)
    assert third.stories() == []


def test_a_delete_that_arrives_before_the_story_still_spares_the_version_it_did_not_know(
    devices, tmp_path
) -> None:
    folder, laptop, desk = _both_have_story(devices, tmp_path)
    laptop.store.stories.delete(_story_id(laptop, "Outage"))
    laptop.sync(folder, START)
    desk.write_story("Outage", "desk edit", START + timedelta(hours=1))
    desk_files = [path for path in folder.iterdir() if path.name.startswith(desk.store.sync.device().id)]
    held = {path: path.read_bytes() for path in desk_files}
    for path in desk_files:
        path.unlink()  # the tablet gets the laptop's file first
    tablet = devices("tablet")
    tablet.sync(folder, START)
    assert tablet.stories() == []
    desk.sync(folder, START)
    for path, data in held.items():
        if not path.exists():
            path.write_bytes(data)
    tablet.sync(folder, START)
    laptop.sync(folder, START)
    assert [row[5] for row in tablet.stories()] == ["desk edit"]
    assert tablet.stories() == desk.stories() == laptop.stories()


def test_the_edited_on_two_devices_notice_comes_once_per_parallel_edit(devices, tmp_path) -> None:
    folder, laptop, desk = _both_have_story(devices, tmp_path)
    laptop.write_story("Outage", "laptop edit", START + timedelta(hours=1))
    desk.write_story("Outage", "desk edit", START + timedelta(hours=2))
    assert laptop.sync(folder, START).merged.conflicts == []
    assert desk.sync(folder, START).merged.conflicts == ["Outage"]
    assert laptop.sync(folder, START).merged.conflicts == ["Outage"]
    desk.write_story("Outage", "desk later", START + timedelta(hours=3))
    desk.sync(folder, START)
    later = laptop.sync(folder, START)
    assert later.merged.versions == 1 and later.merged.conflicts == []


def test_practice_still_syncs_around_a_deleted_story(devices, tmp_path) -> None:
    folder, laptop, desk = _both_have_story(devices, tmp_path)
    laptop.practise(0, Rating.Good, START + timedelta(minutes=5))
    laptop.store.stories.delete(_story_id(laptop, "Outage"))
    for device in (laptop, desk):
        device.sync(folder, START)
    assert desk.reviews() == laptop.reviews() and desk.stories() == []
