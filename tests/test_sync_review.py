"""Folder sync after an independent review of the sync changes: a rating dated before a far-future review,
reviews of a skipped session line, a bad story line, story notices, a rehearsal against a delete, the read
back after an upgrade, a conflict copy of this device's own file."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

from fsrs import Rating

from tests.conftest import START
from tests.devices import Device


def _states(device: Device) -> list[tuple]:
    return [tuple(r) for r in device.store.q("SELECT uid, state_before FROM reviews ORDER BY rated_us, uid")]


def test_a_rating_dated_before_a_far_future_review_counts_lapses_as_the_merge_does(devices, tmp_path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    # A leech at two lapses: the laptop must not count one the merged order does not have.
    laptop.store.settings = dataclasses.replace(laptop.store.settings, leech_lapses=2)
    laptop.practise(0, Rating.Good, START)
    laptop.practise(0, Rating.Good, START + timedelta(minutes=10))
    for device in (laptop, desk):
        device.sync(folder, START)
    desk.practise(0, Rating.Good, START + timedelta(days=90))  # the desk's clock is 90 days ahead
    desk.sync(folder, START)
    laptop.sync(folder, START)
    laptop.practise(0, Rating.Again, START + timedelta(days=5))  # before the desk's review: replayed
    laptop.practise(0, Rating.Again, START + timedelta(days=5, hours=1))  # relearning by then
    for device in (laptop, desk, laptop, desk):
        device.sync(folder, START + timedelta(days=5))
    question = sorted(laptop.question_ids)[0]
    assert laptop.store.cards.lapses(question) == 1 == desk.store.cards.lapses(question)
    assert _states(laptop) == _states(desk)
    assert [state for _, state in _states(laptop)] == [0, 1, 2, 3, 3]
    assert laptop.store.cards.marks(question).suspended_at is None  # one lapse: no leech
    assert laptop.cards() == desk.cards()


def test_undoing_a_back_dated_rating_replays_the_later_reviews_state_before_back(devices, tmp_path) -> None:
    """An independent review: a rating dated before a far-future one rewrote that one's state_before;
    undoing it restored the card but not the rewrite, so the two homes counted different lapses for good."""
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    for days, rating in ((0, Rating.Good), (0.01, Rating.Good), (3, Rating.Good), (90, Rating.Again)):
        laptop.practise(0, rating, START + timedelta(days=days))  # the last with the clock 85 days ahead
    laptop.practise(0, Rating.Again, START + timedelta(days=5))  # the clock set right: dated before it
    question = sorted(laptop.question_ids)[0]
    laptop.store.cards.undo_last()
    for device in (laptop, desk, laptop):
        device.sync(folder, START + timedelta(days=5))
    assert _states(laptop) == _states(desk)
    assert laptop.store.cards.lapses(question) == desk.store.cards.lapses(question) == 1


def test_reviews_of_a_skipped_session_line_are_added_without_it_and_do_not_wait(devices, tmp_path) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.practise(1, Rating.Good, START + timedelta(minutes=3))
    laptop.sync(folder, START)
    (written,) = list(folder.iterdir())
    events = [json.loads(line) for line in written.read_text().splitlines()]
    session = next(e for e in events if e["t"] == "session")
    session["started_at"] = "2026-13-45T10:00:00+00:00"
    written.write_text("".join(json.dumps(e) + "\n" for e in events))
    text = run_sync(desk.store, folder)
    assert f"1 review added without its session: the session's line in {written.name} was skipped" in text
    assert "wait" not in text
    assert len(desk.reviews()) == 2 == len(laptop.reviews())
    assert desk.cards() == laptop.cards()
    assert "wait" not in run_sync(desk.store, folder)
    # A review of that session written later (the device synced mid-session) is added too: the skipped
    # line is remembered.
    review = next(e for e in events if e["t"] == "review" and e["session"] == session["uid"])
    later = {**review, "uid": "cd" * 16, "rated_at": (START + timedelta(minutes=1)).isoformat()}
    with written.open("a") as handle:
        handle.write(json.dumps(later) + "\n")
    again = run_sync(desk.store, folder)
    assert "1 review added without its session" in again and "wait" not in again
    assert len(desk.reviews()) == 3


def _story_lines(folder: Path) -> tuple[Path, list[dict]]:
    (written,) = list(folder.iterdir())
    return written, [json.loads(line) for line in written.read_text().splitlines()]


def test_a_story_line_that_breaks_a_rule_of_the_database_is_skipped_and_named(devices, tmp_path) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.write_story("A", "a1", START)
    laptop.write_story("B", "b1", START)
    laptop.write_story("C", "c1", START)
    laptop.practise(0, Rating.Good, START)
    laptop.sync(folder, START)
    written, events = _story_lines(folder)
    a, b, c = (e for e in events if e["t"] == "story")
    b["versions"][0]["uid"] = a["versions"][0]["uid"]  # another story's version
    c["versions"].append(dict(c["versions"][0]))  # the same version twice
    written.write_text("".join(json.dumps(e) + "\n" for e in events))
    text = run_sync(desk.store, folder)  # never "could not be used"
    assert "added 1 review, 1 session, 2 stories;" in text  # the story that failed is not counted
    assert f"Skipped 1 event in {written.name}" in text
    assert f"version {a['versions'][0]['uid']}: already a version of another story here" in text
    # a version listed twice is one version (an independent review: the whole story was refused for
    # good, the device that wrote it keeping it)
    assert sorted(row[4] for row in desk.stories()) == ["A", "C"]
    assert len(desk.reviews()) == 1  # the rest merged
    assert "Skipped" not in run_sync(desk.store, folder)


def _story_id(device: Device, title: str) -> int:
    return (
        device.store.q("SELECT story_id FROM story_versions WHERE title = :t LIMIT 1", t=title).one().story_id
    )


def test_a_story_brought_back_and_deleted_in_one_sync_is_not_said_to_be_back(devices, tmp_path) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.write_story("Outage", "v1", START)
    for device in (laptop, desk, laptop):
        device.sync(folder, START)
    laptop.store.stories.delete(_story_id(laptop, "Outage"))
    laptop.sync(folder, START)
    desk.write_story("Outage", "desk edit", START + timedelta(hours=1))
    desk.sync(folder, START)  # the laptop's delete did not know the desk's edit: kept
    desk.store.stories.delete(_story_id(desk, "Outage"))  # and now the desk deletes it, knowing it
    desk.sync(folder, START)
    text = run_sync(laptop.store, folder)  # the desk's edit and its delete in one batch
    assert laptop.stories() == [] == desk.stories()
    assert "is back" not in text and "kept" not in text


def test_a_third_device_is_told_of_a_kept_story_without_naming_itself(devices, tmp_path) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk, tablet = devices("laptop"), devices("desk"), devices("tablet")
    laptop.write_story("Outage", "v1", START)
    for device in (laptop, desk, tablet):
        device.sync(folder, START)
    laptop.store.stories.delete(_story_id(laptop, "Outage"))
    desk.write_story("Outage", "desk edit", START + timedelta(hours=1))
    laptop.sync(folder, START)
    desk.sync(folder, START)
    text = run_sync(tablet.store, folder)  # saved nothing and deleted nothing itself
    assert [row[5] for row in tablet.stories()] == ["desk edit"]
    assert "Story 'Outage' was deleted on a device that did not know of all its versions" in text
    assert "saved here" not in text and "deleted here" not in text and "the other device" not in text


def _rehearsals(device: Device) -> list[tuple]:
    return [tuple(r) for r in device.store.q("SELECT uid, version, transcript FROM rehearsals ORDER BY uid")]


def test_a_rehearsal_the_delete_did_not_know_of_keeps_its_version_and_the_story(devices, tmp_path) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.write_story("Outage", "v1", START)
    laptop.store.stories.add_rehearsal(_story_id(laptop, "Outage"), 1, START, 60_000, 120_000, "known", None)
    for device in (laptop, desk, laptop):
        device.sync(folder, START)
    laptop.store.stories.delete(_story_id(laptop, "Outage"))  # knows v1 and the "known" rehearsal
    told = START + timedelta(hours=1)
    desk.store.stories.add_rehearsal(_story_id(desk, "Outage"), 1, told, 60_000, 120_000, "new", None)
    laptop.sync(folder, START)
    on_desk = run_sync(desk.store, folder)
    on_laptop = run_sync(laptop.store, folder)
    assert "Story 'Outage' was deleted on a device that did not know of all its" in on_desk
    assert "Story 'Outage', deleted, is back" in on_laptop
    assert [row[2] for row in _rehearsals(desk)] == ["new"] == [row[2] for row in _rehearsals(laptop)]
    assert laptop.stories() == desk.stories() and [row[5] for row in desk.stories()] == ["v1"]
    for device in (desk, laptop, desk):  # nothing more to say
        report = device.sync(folder, START)
        assert report.merged.kept == [] == report.merged.revived
    # Deleted again, knowing the rehearsal: it goes everywhere.
    desk.store.stories.delete(_story_id(desk, "Outage"))
    for device in (desk, laptop):
        device.sync(folder, START)
    assert laptop.stories() == [] == desk.stories() and _rehearsals(laptop) == []


def test_a_conflict_copy_of_this_devices_own_file_is_read_as_its_own(devices, tmp_path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop = devices("laptop")
    laptop.practise(0, Rating.Good, START)
    laptop.sync(folder, START)
    (own,) = list(folder.iterdir())
    review = next(e for e in map(json.loads, own.read_text().splitlines()) if e["t"] == "review")
    copy = own.with_name(own.name.replace(".jsonl", " (laptop's conflicted copy 2026-03-02).jsonl"))
    later = {**review, "uid": "ef" * 16, "session": None, "rated_at": (START + timedelta(days=3)).isoformat()}
    copy.write_text(own.read_text() + json.dumps(later) + "\n")  # a line the original lost
    report = laptop.sync(folder, START)
    assert report.files == [] and report.read == 0  # no other device's
    assert report.merged.reviews + report.restored.reviews == 1
    rows = laptop.store.q("SELECT origin FROM reviews ORDER BY rated_us").all()
    assert [r.origin for r in rows] == [None, None]  # made here: undo can take it back


def test_a_read_back_that_adds_nothing_says_nothing(devices, tmp_path) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop = devices("laptop")
    for pick in range(4):
        laptop.practise(pick, Rating.Good, START + timedelta(minutes=pick))
    laptop.write_story("Outage", "v1", START)
    laptop.sync(folder, START)
    with laptop.store.write() as conn:  # as a home upgraded from before its own files were marked
        conn.raw.execute("DELETE FROM sync_files")
    text = run_sync(laptop.store, folder)
    assert "Read back" not in text and "restored" not in text
    assert text.splitlines()[0].endswith("read 0 lines from 0 files of other devices.")
    assert len(text.splitlines()) == 1


def test_question_show_orders_ratings_of_the_same_moment_as_the_merge_replays_them(devices, tmp_path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    desk.practise(0, Rating.Again, START)  # the same microsecond on two devices
    desk.sync(folder, START)
    (written,) = list(folder.iterdir())
    events = [json.loads(line) for line in written.read_text().splitlines()]
    for event in events:
        if event["t"] == "review":
            event["uid"] = "00" * 16  # first by uid, though merged after the laptop's own
    written.write_text("".join(json.dumps(e) + "\n" for e in events))
    laptop.sync(folder, START)
    key = (
        laptop.store.q("SELECT key FROM questions WHERE id = :q", q=sorted(laptop.question_ids)[0]).one().key
    )
    shown = [r.rating for r in laptop.store.questions.detail(key).reviews]
    assert shown == [1, 3]  # the desk's Again first, as the card was replayed


def test_a_marks_line_whose_change_time_is_no_time_is_skipped() -> None:
    from mockprep.core.sync_events import event_problem

    line = {"t": "marks", "uid": "marks/gen/q1", "key": "gen/q1", "flagged_at": None}
    assert (
        event_problem({**line, "changed_at": "2026-03-02 09:00:00.000", "changed": {"flagged": ""}}) is None
    )
    assert "changed_at: 'zzz' is not a time" in event_problem({**line, "changed_at": "zzz"})
    assert "changed.flagged" in event_problem({**line, "changed": {"flagged": "9999-99"}})
    # a compact ISO date fromisoformat takes would win later-wins as text forever (an independent review)
    for compact in ("20260101", "2026-01-01T09:00:00", "2026-01-01 09:00"):
        assert "is not a time as devices write it" in event_problem({**line, "changed_at": compact})
    assert event_problem({**line, "changed_at": "2026-03-02 09:00:00"}) is None  # (m010's, no fraction)


def test_a_refused_undo_says_the_ratings_before_it_cannot_be_undone_either() -> None:
    from mockprep.core.card_actions import UndoRefused, refused_text

    text = refused_text(UndoRefused("gen/q1", START), START + timedelta(hours=1))
    assert "none of your ratings before this one can be undone either" in text


def test_a_language_models_verdict_travels_with_its_review(devices, tmp_path) -> None:
    """Found at stop 54: sync lines left out the model fields that export and merge keep (m012, m029), so
    the other device showed the review as graded without a model and `stats` counted no model failure."""
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(
        0,
        Rating.Hard,
        START,
        model="qwen3:8b",
        model_proposed=["covered", "contradicted"],
        model_suggested=2,
        model_errors=["“ReLU is bounded” — it is not"],
    )
    laptop.practise(
        1, Rating.Good, START + timedelta(minutes=1), model_failure="it did not answer within 30s"
    )
    for device in (laptop, desk):
        device.sync(folder, START)
    query = (
        "SELECT uid, model, model_proposed, model_suggested, model_errors, model_failure"
        " FROM reviews ORDER BY uid"
    )
    sent = [tuple(row) for row in laptop.store.q(query)]
    assert [tuple(row) for row in desk.store.q(query)] == sent
    assert sent[0][1] == "qwen3:8b" or sent[1][1] == "qwen3:8b"
    assert {row[5] for row in sent} == {None, "it did not answer within 30s"}


def test_a_mock_rounds_session_with_its_minutes_syncs_whole(devices, tmp_path) -> None:
    """Found by an exploratory tester: a mock's session line holds `"minutes": 5.0` (the column is a
    float), which the line check refused as no whole number; the other device got the review without
    its session, and the mock was missing from its history."""
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    for minutes in (5.0, 22.5, 30):
        session = laptop.store.sessions.start("mock", {}, START, 1, round="behavioral", minutes=minutes)
        laptop.store.sessions.end(session, "completed", START + timedelta(minutes=1))
    laptop.sync(folder, START)
    report = desk.sync(folder, START)
    assert not report.invalid and not report.merged.skipped_sessions
    query = "SELECT uid, kind, round, minutes FROM sessions ORDER BY uid"
    assert [tuple(r) for r in desk.store.q(query)] == [tuple(r) for r in laptop.store.q(query)]
