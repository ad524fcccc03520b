"""Folder sync when devices disagree: a delete against a concurrent edit, invalid events, a restored
home, undo after a merge (found by an exploratory tester)."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.services import bank_sync
from tests.conftest import START, db_rows
from tests.devices import Device, make_banks


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
    assert "Story 'Outage', deleted, is back" in on_laptop
    assert "Story 'Outage' was deleted on a device that did not know of all its versions" in on_desk
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


# -- an event with a wrong value is skipped and named; the rest syncs ------------------------------------


def _laptop_file(devices, tmp_path: Path) -> tuple[Path, Device, Device, Path]:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.practise(1, Rating.Again, START + timedelta(minutes=1))
    laptop.write_story("Outage", "v1", START)
    laptop.store.cards.set_flagged(sorted(laptop.question_ids)[2], True, START)
    laptop.mock([3], START + timedelta(minutes=2), model="interviewer-model")  # (its answer left unrated)
    laptop.sync(folder, START)
    (written,) = list(folder.iterdir())
    return folder, laptop, desk, written


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("rating", 7, "rating: 7 is not 1-4"),
        ("rated_at", "2026-13-45T10:00:00+00:00", "rated_at: '2026-13-45T10:00:00+00:00' is not a time"),
        ("rated_at", "not a time", "rated_at: 'not a time' is not a time"),
    ],
)
def test_a_review_with_a_wrong_value_is_skipped_and_named_and_the_rest_syncs(
    devices, tmp_path, field, value, said
) -> None:
    from mockprep.cli.sync import run_sync

    folder, laptop, desk, written = _laptop_file(devices, tmp_path)
    lines = written.read_text().splitlines()
    bad = next(i for i, line in enumerate(lines) if '"t":"review"' in line)
    event = json.loads(lines[bad])
    event[field] = value
    lines[bad] = json.dumps(event)
    written.write_text("\n".join(lines) + "\n")
    text = run_sync(desk.store, folder)
    assert f"Skipped 1 event in {written.name} ({said}" in text
    assert len(desk.reviews()) == 1 and desk.stories() == laptop.stories()
    assert desk.reviews()[0] in laptop.reviews()


@pytest.mark.parametrize("bad", [2, 6, 9])
def test_every_event_skipped_in_a_file_is_named_up_to_a_handful(devices, tmp_path, bad) -> None:
    """Two bad events named only the first ('rating: 7 is not 1-4; 1 other'; found by an exploratory
    tester): each is named, and past a handful the rest are counted."""
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    for n in range(bad):
        laptop.practise(n, Rating.Good, START + timedelta(minutes=n))
    laptop.sync(folder, START)
    (written,) = list(folder.iterdir())
    lines = [json.loads(line) for line in written.read_text().splitlines()]
    wrong = iter(range(5, 5 + bad))  # a rating no merge takes, another in each event
    for event in lines:
        if event["t"] == "review":
            event["rating"] = next(wrong)
    written.write_text("".join(json.dumps(event) + "\n" for event in lines))
    (line,) = [line for line in run_sync(desk.store, folder).splitlines() if line.startswith("Skipped")]
    assert line.startswith(f"Skipped {bad} events in {written.name} (")
    named = [rating for rating in range(5, 5 + bad) if f"rating: {rating} is not 1-4" in line]
    if bad <= 6:
        assert len(named) == bad and "more" not in line
    else:
        assert len(named) == 5 and f"; {bad - 5} more)" in line


def _paths(value: Any, at: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: each key of each object, each item of each list."""
    found = [at] if at else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*at, index))
    return found


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(
        ["2026-13-45T10:00:00+00:00", "2026-03-02T10:00:00", "0001-01-01T00:00:00+14:00", "\ud800"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_value_in_any_field_of_a_sync_line_never_stops_the_sync(data) -> None:
    from mockprep.cli.sync import run_sync

    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix="mockprep-fields-"))
    made: list[Device] = []

    def devices(name: str) -> Device:
        made.append(Device(root, name, make_banks(root)))
        return made[-1]

    try:
        folder, laptop, desk, written = _laptop_file(devices, root)
        lines = written.read_text().splitlines()
        index = data.draw(st.integers(0, len(lines) - 1))
        event = json.loads(lines[index])
        path = data.draw(st.sampled_from(_paths(event)))
        value = data.draw(json_values)
        place = event
        for step in path[:-1]:
            place = place[step]
        place[path[-1]] = value
        lines[index] = json.dumps(event)
        written.write_text("\n".join(lines) + "\n")
        text = run_sync(desk.store, folder)  # never a traceback
        others = [json.loads(line) for i, line in enumerate(lines) if i != index]
        merged = {r[0].hex() if isinstance(r[0], bytes) else r[0] for r in desk.reviews()}
        waiting = {
            json.loads(line)["uid"] for line in desk.store.sync.pending()
        }  # their session was the line
        assert {e["uid"] for e in others if e["t"] == "review"} <= merged | waiting
        # a mock answer too, unless the line skipped was its session's (an answer needs its session)
        answered = set(desk.store.q("SELECT uid FROM mock_answers").scalars().all())
        skipped = event["uid"] if event["t"] == "session" and "Skipped 1 event in" in text else None
        assert {e["uid"] for e in others if e["t"] == "mock_answer" and e["session"] != skipped} <= (
            answered | waiting
        )
        if "wrong value" in text:
            assert "Skipped 1 event in" in text
        assert desk.stored_cards() == desk.replayed_cards()
    finally:
        for device in made:
            device.close()
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


# -- a restored home gets back its own practice from the sync folder ------------------------------------


def test_after_a_restore_the_next_sync_reads_back_this_devices_own_practice(
    cli, home: Path, tmp_path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    assert cli("session", "--limit", "1", input="first\n\n3\nq\n").exit_code == 0
    assert cli("sync", "--folder", str(folder)).exit_code == 0
    made = cli("backup", "now")
    assert made.exit_code == 0, made.stderr
    name = Path(made.stdout.split("Backed up to ", 1)[1].strip()).name
    assert cli("session", "--limit", "1", input="second\n\n3\nq\n").exit_code == 0
    assert cli("sync").exit_code == 0
    reviews = db_rows(home, "SELECT uid, rating, review_answer(answer) FROM reviews ORDER BY uid")
    assert len(reviews) == 2
    restored = cli("backup", "restore", name, "--yes")
    assert restored.exit_code == 0, restored.stderr
    assert "The next mockprep sync reads back" in restored.stdout
    assert len(db_rows(home, "SELECT uid FROM reviews")) == 1
    again = cli("sync")
    assert again.exit_code == 0 and "Read back from this device's own files" in again.stdout
    assert "added 1 review, 1 session" in again.stdout
    assert db_rows(home, "SELECT uid, rating, review_answer(answer) FROM reviews ORDER BY uid") == reviews
    assert db_rows(home, "SELECT COUNT(*) FROM reviews WHERE origin IS NOT NULL") == [(0,)]  # its own
    quiet = cli("sync")
    assert "Read back" not in quiet.stdout and "wrote 0 changes, read 0 lines" in quiet.stdout


# -- undo after a sync --------------------------------------------------------------------------------


def test_undo_refuses_a_rating_another_device_has_rated_past_and_takes_back_one_it_has_not(
    devices, tmp_path
) -> None:
    from mockprep.core.card_actions import UndoRefused, refused_text

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    desk.practise(0, Rating.Again, START + timedelta(hours=23))  # the same question, later, elsewhere
    for device in (laptop, desk, laptop):
        device.sync(folder, START)
    before = laptop.state()
    with pytest.raises(UndoRefused) as refused:
        laptop.store.cards.undo_last()
    assert laptop.state() == before  # nothing taken back, the answer kept
    line = refused_text(refused.value, START + timedelta(days=1))
    assert "Not undone" in line and "another device rated it later" in line and "\n" not in line
    # A rating the other device has not rated past is still undone (the card replayed without it).
    laptop.practise(1, Rating.Hard, START + timedelta(days=1))
    laptop.sync(folder, START)
    desk.practise(1, Rating.Easy, START + timedelta(hours=20))  # earlier than the laptop's rating
    desk.sync(folder, START)
    laptop.sync(folder, START)
    undone = laptop.store.cards.undo_last()
    assert undone is not None and undone.rating == int(Rating.Hard)
    assert laptop.stored_cards() == laptop.replayed_cards()


def test_undo_on_the_command_line_says_why_it_refused(cli, home: Path, tmp_path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    assert cli("session", "--limit", "1", input="mine\n\n3\nq\n").exit_code == 0
    assert cli("sync", "--folder", str(folder)).exit_code == 0
    ((uid, key, rated_us),) = db_rows(
        home, "SELECT hex(r.uid), q.key, r.rated_us FROM reviews r JOIN questions q ON q.id = r.question_id"
    )
    later = {
        "t": "review", "uid": "ab" * 16, "key": key, "session": None, "rating": 1, "state_before": 2,
        "rated_at": (START.fromtimestamp(rated_us / 1e6, START.tzinfo) + timedelta(hours=1)).isoformat(),
        "answer": "theirs", "duration_ms": 1000,
    }  # fmt: skip
    (folder / "desk-0123456789ab.2026-03.jsonl").write_text(json.dumps(later) + "\n")
    assert cli("sync").exit_code == 0
    refused = cli("undo")
    assert refused.exit_code == 1
    (line,) = refused.stderr.strip().splitlines()
    assert f"your latest rating, of {key}" in line and "another device rated it later" in line
    assert len(db_rows(home, "SELECT uid FROM reviews")) == 2


def test_reviews_waiting_for_a_session_still_arriving_are_not_blamed_on_missing_banks(
    devices, tmp_path
) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.practise(1, Rating.Good, START + timedelta(minutes=1))
    laptop.sync(folder, START)
    (written,) = list(folder.iterdir())
    whole = written.read_bytes()
    sessions = [line for line in whole.splitlines(keepends=True) if b'"t":"session"' in line]
    written.write_bytes(b"".join(line for line in whole.splitlines(keepends=True) if line not in sessions))
    with written.open("ab") as handle:
        handle.write(sessions[0][:30])  # the file is still arriving: its sessions are not here yet
    text = run_sync(desk.store, folder)
    assert "2 reviews wait for their session, not here yet" in text
    assert "does not have" not in text and "bank add" not in text
    written.write_bytes(whole)
    later = run_sync(desk.store, folder)
    assert "wait for" not in later and desk.reviews() == laptop.reviews()


def test_a_questions_ratings_from_two_devices_are_listed_in_time_order(devices, tmp_path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START + timedelta(hours=2))
    desk.practise(0, Rating.Again, START + timedelta(hours=1))  # earlier, but merged on the laptop later
    for device in (desk, laptop):
        device.sync(folder, START)
    key = (
        laptop.store.q("SELECT key FROM questions WHERE id = :q", q=sorted(laptop.question_ids)[0]).one().key
    )
    shown = laptop.store.questions.detail(key).reviews
    assert [r.rating for r in shown] == [1, 3]
    assert [r.rated_at for r in shown] == sorted(r.rated_at for r in shown)


def test_reviews_dated_far_past_this_devices_clock_are_warned_of(devices, tmp_path) -> None:
    from datetime import UTC, datetime

    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    now = datetime.now(UTC)
    laptop.practise(0, Rating.Good, now + timedelta(days=90))  # its clock is three months ahead
    laptop.practise(1, Rating.Good, now - timedelta(hours=1))
    laptop.sync(folder, now)
    (written,) = list(folder.iterdir())
    text = run_sync(desk.store, folder)
    (line,) = [line for line in text.splitlines() if line.startswith("warning:")]
    assert f"1 review in {written.name} is dated after this device's clock" in line
    assert (
        f"({now + timedelta(days=90):%Y-%m-%d})" in line
        and "that device's clock, or this one's, is likely wrong" in line
    )
    assert len(desk.reviews()) == 2  # merged all the same
    assert "warning" not in run_sync(desk.store, folder)  # said once, when they arrive


def test_lapses_are_counted_from_the_merged_order_the_same_on_both_devices(devices, tmp_path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.practise(0, Rating.Good, START + timedelta(minutes=10))
    laptop.practise(0, Rating.Good, START + timedelta(days=1))  # a review card by now
    desk.practise(0, Rating.Again, START + timedelta(days=3))  # new on the desk: it saw no lapse
    for device in (laptop, desk, laptop):
        device.sync(folder, START)
    question = sorted(laptop.question_ids)[0]
    assert laptop.store.cards.lapses(question) == 1 == desk.store.cards.lapses(question)

    def states(device: Device) -> list[tuple]:
        return [tuple(r) for r in device.store.q("SELECT uid, state_before FROM reviews ORDER BY rated_us")]

    assert states(laptop) == states(desk)
    assert [state for _, state in states(desk)][-1] == 2  # the Again found a review card
