"""Two (or N) devices: merging an export, syncing through a folder, converging (issue 20)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.card_actions import UndoRefused
from mockprep.db import stats_rollup
from mockprep.services import bank_sync
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START
from tests.devices import Device, known_to_both, make_banks


def export_of(device: Device, path: Path) -> Path:
    out = io.StringIO()
    write_export(device.store, out, START + timedelta(days=999), "test")
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def merge_file(device: Device, path: Path):
    head, questions = read_export(path)
    return device.store.bulk.merge_data(head, questions, START + timedelta(days=999))


def test_merging_an_export_twice_adds_nothing_the_second_time(devices, tmp_path: Path) -> None:
    laptop, desk = devices("laptop"), devices("desk")
    for minute in range(6):
        laptop.practise(minute, Rating.Good, START + timedelta(minutes=10 * minute))
        desk.practise(minute + 1, Rating.Hard, START + timedelta(minutes=10 * minute + 5))
    laptop.write_story("Outage", "I rolled back", START)
    file = export_of(laptop, tmp_path / "laptop.json")
    first = merge_file(desk, file)
    assert (first.reviews, first.sessions, first.stories) == (6, 6, 1)
    assert first.cards == 4  # every question of the bank was touched
    after_first = desk.state()
    second = merge_file(desk, file)
    assert not second.added() and second.reviews == 0
    assert desk.state() == after_first
    assert len(desk.reviews()) == 12
    assert desk.stored_cards() == desk.replayed_cards()


def test_an_old_export_without_ids_merges_into_the_home_it_came_from_as_nothing_new(
    devices, tmp_path
) -> None:
    laptop = devices("laptop")
    for minute in range(3):
        laptop.practise(minute, Rating.Good, START + timedelta(minutes=minute))
    doc = json.loads(export_of(laptop, tmp_path / "x.json").read_text())
    for session in doc["sessions"]:
        session.pop("uid")
    for question in doc["questions"]:
        for r in question["reviews"]:
            r.pop("uid")
    (tmp_path / "old.json").write_text(json.dumps(doc))
    other = devices("other")
    assert merge_file(other, tmp_path / "old.json").reviews == 3
    assert merge_file(other, tmp_path / "old.json").reviews == 0  # derived ids: the same each time


def test_story_edited_on_both_devices_keeps_both_edits_as_versions(devices, tmp_path: Path) -> None:
    laptop, desk = devices("laptop"), devices("desk")
    laptop.write_story("Outage", "v1", START)
    merge_file(desk, export_of(laptop, tmp_path / "a.json"))
    laptop.write_story("Outage", "laptop edit", START + timedelta(hours=1))
    desk.write_story("Outage", "desk edit", START + timedelta(hours=2))
    to_desk = merge_file(desk, export_of(laptop, tmp_path / "b.json"))
    to_laptop = merge_file(laptop, export_of(desk, tmp_path / "c.json"))
    assert to_desk.conflicts == ["Outage"] and to_laptop.conflicts == ["Outage"]
    assert laptop.stories() == desk.stories()
    assert [row[5] for row in desk.stories()] == ["v1", "laptop edit", "desk edit"]  # in time order


def test_import_merge_from_the_command_line_reports_what_it_added(cli, tmp_path: Path) -> None:
    answered = cli("session", "--limit", "1", input="my answer\n\n3\nq\n")
    assert answered.exit_code == 0, answered.stderr
    out = tmp_path / "mine.json"
    assert cli("export", "-o", str(out)).exit_code == 0
    again = cli("import", str(out), "--merge")
    assert again.exit_code == 0 and "nothing new" in again.stdout
    refused = cli("import", str(out))
    assert refused.exit_code == 2 and "import --merge" in refused.stderr


# -- folder sync --------------------------------------------------------------------------------------


def test_two_devices_practising_interleaved_converge_whatever_the_sync_order(devices, tmp_path: Path) -> None:
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    clock = START
    for day in range(4):
        for step in range(3):
            clock += timedelta(minutes=7)
            laptop.practise(day + step, Rating(1 + (day + step) % 4), clock)
            clock += timedelta(minutes=3)
            desk.practise(day * 2 + step, Rating(1 + (day * step) % 4), clock)
        order = (laptop, desk) if day % 2 else (desk, laptop)
        for device in order:
            device.sync(folder, clock)
        if day == 1:
            laptop.write_story("Launch", f"day {day} laptop", clock)
            desk.write_story("Launch", f"day {day} desk", clock + timedelta(seconds=1))
    for _ in range(2):
        for device in (laptop, desk):
            device.sync(folder, clock)
    assert laptop.state() == desk.state()
    assert len(laptop.reviews()) == 24 == len({r[0] for r in laptop.reviews()})  # all, once
    assert laptop.stored_cards() == laptop.replayed_cards()
    assert len(laptop.stories()) == 2  # two stories named Launch: made apart, kept apart
    quiet = laptop.sync(folder, clock)
    assert (quiet.written, quiet.read, quiet.merged.added()) == (0, 0, False)


def test_sync_tolerates_partial_lines_conflict_copies_and_events_that_arrive_early(devices, tmp_path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.practise(1, Rating.Again, START + timedelta(minutes=1))
    laptop.sync(folder, START)
    (written,) = list(folder.iterdir())
    lines = written.read_bytes().splitlines(keepends=True)
    sessions = [line for line in lines if b'"t":"session"' in line]
    reviews = [line for line in lines if b'"t":"review"' in line]
    # The sync tool has so far delivered the reviews (as a conflict copy) and half of a session line.
    written.write_bytes(sessions[0][:20])
    conflict = folder / written.name.replace(".jsonl", ".sync-conflict-20260302-101010-ABCDEFG.jsonl")
    conflict.write_bytes(b"".join(reviews) + b'{"t":"review","uid')
    report = desk.sync(folder, START)
    assert report.merged.reviews == 0 and len(report.merged.waiting) == 2  # their sessions are not here yet
    assert report.merged.homeless == []  # their questions are
    assert desk.reviews() == []
    written.write_bytes(b"".join(lines))  # the rest arrives
    shutil.copy(
        written, folder / written.name.replace(".jsonl", " (desk's conflicted copy 2026-03-02).jsonl")
    )
    report = desk.sync(folder, START)
    assert report.merged.reviews == 2 and report.merged.waiting == []
    assert desk.reviews() == laptop.reviews()
    assert desk.sync(folder, START).merged.added() is False


def test_a_device_with_a_wrong_clock_still_converges_to_the_replay(devices, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    desk.practise(0, Rating.Good, START + timedelta(days=1))
    laptop.practise(0, Rating.Again, START + timedelta(days=400))  # its clock is a year ahead
    desk.practise(0, Rating.Easy, START + timedelta(days=2))
    for device in (laptop, desk, laptop):
        device.sync(folder, START)
    assert laptop.state() == desk.state()
    assert desk.stored_cards() == desk.replayed_cards()


def test_an_undone_review_is_undone_on_the_other_device(devices, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.sync(folder, START)
    desk.sync(folder, START)
    assert len(desk.reviews()) == 1
    assert laptop.store.cards.undo_last() is not None
    laptop.sync(folder, START)
    desk.sync(folder, START)
    assert desk.reviews() == [] and laptop.reviews() == []
    assert desk.stored_cards() == desk.replayed_cards()


def test_sync_command_remembers_the_folder(cli, tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    assert "no sync folder yet" in cli("sync").stderr
    assert cli("sync", "--folder", str(folder / "missing")).exit_code == 2
    first = cli("sync", "--folder", str(folder), "--after-session")
    assert first.exit_code == 0 and "Synced with" in first.stdout
    answered = cli("session", "--limit", "1", input="x\n\n3\nq\n")
    assert answered.exit_code == 0 and "Synced with" in answered.stdout
    assert any(line.count('"t":"review"') for f in folder.iterdir() for line in f.read_text().splitlines())


# -- any interleaving converges (hypothesis) -----------------------------------------------------------

steps = st.lists(
    st.tuples(
        st.integers(0, 2),  # which device
        st.sampled_from(["practise", "practise", "sync", "story", "undo", "delete"]),
        st.integers(0, 3),  # which question / rating
        st.integers(-600, 600),  # minutes the device's clock is off by
    ),
    max_size=18,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.integers(2, 3))
def test_any_interleaving_of_practice_and_sync_on_n_devices_converges(plan, count) -> None:
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix="mockprep-converge-"))
    group: list[Device] = []
    try:
        banks = make_banks(root)
        folder = root / "folder"
        folder.mkdir()
        group = [Device(root, f"d{i}", banks) for i in range(count)]
        clock = START
        for who, action, pick, skew in plan:
            device = group[who % count]
            clock += timedelta(minutes=5)
            now = clock + timedelta(minutes=skew)
            if action == "practise":
                device.practise(pick, Rating(1 + pick % 4), now)
            elif action == "story":
                device.write_story(f"story {pick % 2}", f"{device.store.path.parent.name} at {now}", now)
            elif action == "undo":
                with contextlib.suppress(UndoRefused):  # another device rated the question later
                    device.store.cards.undo_last()
            elif action == "delete":  # a story deleted while others may edit it
                found = device.store.q(
                    "SELECT story_id FROM story_versions WHERE title = :t LIMIT 1", t=f"story {pick % 2}"
                ).first()
                if found is not None:
                    device.store.stories.delete(found.story_id)
            else:
                device.sync(folder, now)
        for _ in range(2):
            for device in group:
                device.sync(folder, clock)
        states = [device.state() for device in group]
        assert all(state == states[0] for state in states)
        reviews = states[0][0]
        assert len(reviews) == len({r[0] for r in reviews})
        assert group[0].stored_cards() == group[0].replayed_cards()
        # The stats roll-up, kept by triggers and the merge's grouped additions, is the same everywhere
        # and what a rebuild from each device's log makes.
        rollups = [_rollup(device.store) for device in group]
        assert all(rollup == rollups[0] for rollup in rollups)
        with group[0].store.write() as conn:
            stats_rollup.rebuild(conn.raw)
        assert _rollup(group[0].store) == rollups[0]
    finally:
        for device in group:
            device.close()
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


def _rollup(store) -> dict[str, list[tuple]]:
    return {
        t: [tuple(r) for r in store.conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1, 2, 3").all()]
        for t in stats_rollup.ROLLUP_TABLES
    }


# -- a sync killed at any point loses nothing ------------------------------------------------------------


def test_a_sync_killed_at_random_points_loses_nothing(devices, tmp_path: Path) -> None:
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "f"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    clock = START
    for n in range(150):
        clock += timedelta(minutes=1)
        laptop.practise(n, Rating(1 + n % 4), clock)
        desk.practise(n + 1, Rating(1 + n % 3), clock + timedelta(seconds=30))
    laptop.close()
    desk.close()
    rng = random.Random(20)

    def sync(home: Path, kill_after: float | None) -> None:
        env = {**os.environ, "MOCKPREP_HOME": str(home)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "mockprep", "sync", "--folder", str(folder)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if kill_after is None:
            assert proc.wait(timeout=120) == 0
            return
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)

    for _ in range(4):
        for home in (tmp_path / "laptop", tmp_path / "desk"):
            sync(home, rng.uniform(0.0, 1.5))
    for _ in range(2):
        for home in (tmp_path / "laptop", tmp_path / "desk"):
            sync(home, None)
    banks = tmp_path / "banks"
    again = [Device(tmp_path, name, banks) for name in ("laptop", "desk")]
    try:
        # (the subprocesses also added the built-in banks, at different times: compare the practised bank)
        laptop_state, desk_state = (d.state() for d in again)
        assert laptop_state[:2] == desk_state[:2] and laptop_state[3] == desk_state[3]
        assert [c for c in laptop_state[2] if c[0].startswith("gen/")] == [
            c for c in desk_state[2] if c[0].startswith("gen/")
        ]
        assert len(again[0].reviews()) == 300 == len({r[0] for r in again[0].reviews()})
        assert again[0].stored_cards() == again[0].replayed_cards()
    finally:
        for device in again:
            device.close()


def test_sync_carries_cram_reviews_and_the_parameters_each_review_was_scheduled_with(
    devices, tmp_path: Path
) -> None:
    """A cram rating leaves the card alone on every device, and a review scheduled at another desired
    retention replays the same elsewhere (issues 16 and 20 together)."""
    from mockprep.core.records import ReviewRecord
    from mockprep.core.scheduler import LEGACY_PARAMS, review

    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    qid = sorted(laptop.question_ids)[0]
    key = laptop.store.q("SELECT key FROM questions WHERE id = :q", q=qid).scalar_one()
    strict = LEGACY_PARAMS.with_retention(0.97)
    strict_id = laptop.store.scheduling.params_id(strict, START)
    card = laptop.store.cards.card(qid)
    at = START + timedelta(minutes=5)
    laptop.store.cards.record_review(
        ReviewRecord(
            qid,
            None,
            review(strict.scheduler(), card, Rating.Good, at),
            at,
            3,
            0,
            "a",
            1000,
            None,
            None,
            3,
            params_id=strict_id,
        )
    )
    scheduled = laptop.store.cards.card(qid)
    later = at + timedelta(hours=1)
    laptop.store.cards.record_review(
        ReviewRecord(qid, None, scheduled, later, 1, 1, "crammed", 1000, None, None, 1, cram=True)
    )
    assert laptop.store.cards.card(qid) == scheduled  # a cram rating changed nothing here
    laptop.sync(folder, later)
    summary = desk.sync(folder, later)
    assert summary.merged.reviews == 2
    desk_qid = desk.store.q("SELECT id FROM questions WHERE key = :k", k=key).scalar_one()
    merged = desk.store.cards.card(desk_qid)
    assert (merged.state, merged.stability, merged.due) == (
        scheduled.state,
        scheduled.stability,
        scheduled.due,
    )
    rows = desk.store.q(
        "SELECT r.cram, p.parameters FROM reviews r LEFT JOIN scheduler_params p ON p.id = r.params_id"
        " WHERE r.question_id = :q ORDER BY r.rated_at",
        q=desk_qid,
    ).all()
    assert [bool(r.cram) for r in rows] == [False, True]
    assert json.loads(rows[0].parameters)["desired_retention"] == 0.97


def test_an_export_made_before_global_ids_with_mock_answers_imports(devices, cli, tmp_path: Path) -> None:
    """Mock answers without a uid get the derived one on import (they once stopped the import)."""
    from mockprep.core.records import MockAnswerRecord

    laptop = devices("laptop")
    qid = sorted(laptop.question_ids)[0]
    session = laptop.store.sessions.start("mock", {}, START, 1)
    laptop.store.sessions.add_mock_answer(
        MockAnswerRecord(session, qid, 1, START, "my answer", 1000, None, None, "Why?")
    )
    laptop.store.sessions.end(session, "completed", START + timedelta(minutes=1))
    doc = json.loads(export_of(laptop, tmp_path / "x.json").read_text())
    assert doc["mock_answers"]
    for record in doc["mock_answers"] + doc["sessions"]:
        record.pop("uid")
    (tmp_path / "old.json").write_text(json.dumps(doc))
    result = cli("import", str(tmp_path / "old.json"))
    assert result.exit_code == 0, result.stderr
    assert "my answer" in cli("history", str(session)).stdout


def _known_to_both(devices, tmp_path: Path) -> tuple[Path, Device, Device, int]:
    return known_to_both(devices, tmp_path, 2)


def _stamp(question: int, stamp: str | None, *on: Device) -> None:
    """Each of the question's marks stamped ``stamp`` on each device (as if changed at that moment)."""
    for device in on:
        device.store.conn.raw.execute(
            "UPDATE cards SET suspended_changed_at = :t, buried_changed_at = :t, flagged_changed_at = :t"
            " WHERE question_id = :q",
            {"t": stamp, "q": question},
        )


@pytest.mark.parametrize("stamp", ["2026-03-02 11:00:00.000", None])  # None: from before marks were stamped
def test_marks_changed_in_the_same_millisecond_end_the_same_on_both_devices(
    devices, tmp_path: Path, stamp: str | None
) -> None:
    """A change on each device stamped alike: both keep the same one (ordered by the marks),
    whichever syncs first, where each used to keep its own."""
    folder, laptop, desk, question = _known_to_both(devices, tmp_path)
    later = START + timedelta(hours=1)
    laptop.store.cards.set_flagged(question, True, later)
    laptop.store.cards.set_flagged(question, False, later)  # changed, and back: no flag
    desk.store.cards.set_flagged(question, True, later)
    _stamp(question, stamp, laptop, desk)  # the same stamp on both
    for device in (desk, laptop, desk, laptop):
        device.sync(folder, later)
    flags = [d.store.cards.marks(question).flagged for d in (laptop, desk)]
    assert flags[0] == flags[1]


def test_marks_taken_on_a_tie_keep_their_stamp_so_a_later_change_still_wins(devices, tmp_path: Path) -> None:
    """The marks a merge takes keep the stamp they came with (the trigger that stamps this device's own
    changes leaves them alone), so a change made afterwards on the other device still wins here."""
    folder, laptop, desk, question = _known_to_both(devices, tmp_path)
    later = START + timedelta(hours=1)
    laptop.store.cards.set_flagged(question, True, later)
    desk.store.cards.set_suspended(question, True, later)
    tie = "2026-03-02 11:00:00.000"  # (before either device's clock stamps anything below)
    _stamp(question, tie, laptop, desk)
    desk.sync(folder, later)  # its suspension, stamped with the tie, goes out
    desk.store.cards.set_suspended(question, False, later)  # then undone there, stamped now
    laptop.sync(folder, later)  # takes the suspension on the tie (a suspension orders after none)
    stamped = laptop.store.conn.raw.execute(
        "SELECT suspended_changed_at FROM cards WHERE question_id = ?", (question,)
    ).fetchone()
    assert stamped == (tie,)
    assert laptop.store.cards.marks(question).suspended is True
    assert laptop.store.cards.marks(question).flagged is True  # the flag, another mark, stays
    for device in (desk, laptop, desk, laptop):
        device.sync(folder, later)
    assert laptop.store.cards.marks(question).suspended is False  # the desk's later change won
    assert desk.store.cards.marks(question).suspended is False
    assert laptop.store.cards.marks(question).flagged is desk.store.cards.marks(question).flagged is True


def test_suspend_bury_and_flag_marks_sync_and_the_later_change_wins(devices, tmp_path: Path) -> None:
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Again, START)  # both devices know the home before marks change
    for device in (laptop, desk, laptop):
        device.sync(folder, START)

    def qid(device: Device, n: int) -> int:
        return sorted(device.question_ids)[n]

    def marks(device: Device) -> list[tuple]:
        return [
            tuple(r)
            for r in device.store.q(
                "SELECT q.key, c.suspended_at, c.suspended_by, c.buried_until, c.flagged_at FROM cards c"
                " JOIN questions q ON q.id = c.question_id ORDER BY q.key"
            )
        ]

    later = START + timedelta(hours=1)
    laptop.store.cards.set_suspended(qid(laptop, 1), True, later)
    laptop.store.cards.set_flagged(qid(laptop, 2), True, later)
    laptop.store.cards.set_buried(qid(laptop, 3), later + timedelta(days=1), later)
    laptop.sync(folder, later)
    summary = desk.sync(folder, later).merged
    assert summary.marks == 3 and summary.added()
    assert marks(desk) == marks(laptop)
    # The desk then unsuspends; the laptop, which changed nothing since, follows.
    desk.store.cards.set_suspended(qid(desk, 1), False, later)
    desk.sync(folder, later)
    laptop.sync(folder, later)
    assert laptop.store.cards.marks(qid(laptop, 1)).suspended is False
    assert marks(desk) == marks(laptop)
    # Both change the same question's flag: the later change wins on both, whatever the sync order.
    laptop.store.cards.set_flagged(qid(laptop, 2), False, later)
    desk.store.cards.set_flagged(qid(desk, 2), False, later)
    desk.store.cards.set_flagged(qid(desk, 2), True, later)
    for device in (desk, laptop, desk, laptop):
        device.sync(folder, later)
    assert marks(desk) == marks(laptop)
    assert laptop.store.cards.marks(qid(laptop, 2)).flagged is True
    quiet = laptop.sync(folder, later)  # applying the other's marks sent nothing back
    assert quiet.written == 0


def test_a_removed_story_link_is_removed_on_the_other_device_and_a_later_link_wins(
    devices, tmp_path: Path
) -> None:
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.write_story("Outage", "I rolled back", START)
    key = laptop.store.q("SELECT key FROM questions ORDER BY key").first()[0]
    (story_id,) = laptop.store.q("SELECT id FROM stories").scalars().all()
    laptop.store.stories.link(story_id, key, START)
    for device in (laptop, desk):
        device.sync(folder, START)
    (desk_story,) = desk.store.q("SELECT id FROM stories").scalars().all()
    assert desk.store.stories.links(desk_story) == [(desk_story, key)]
    # Removed on the desk: gone on the laptop after both sync.
    desk.store.stories.unlink(desk_story, key, START + timedelta(hours=1))
    for device in (desk, laptop):
        device.sync(folder, START + timedelta(hours=1))
    assert laptop.store.stories.links(story_id) == []
    # Linked again on the laptop, later: back on the desk, and not removed again by the old removal.
    laptop.store.stories.link(story_id, key, START + timedelta(hours=2))
    for device in (laptop, desk, laptop, desk):
        device.sync(folder, START + timedelta(hours=2))
    assert desk.store.stories.links(desk_story) == [(desk_story, key)]
    assert laptop.store.stories.links(story_id) == [(story_id, key)]


def test_the_merge_report_names_the_banks_of_the_records_it_could_not_add() -> None:
    from mockprep.cli.merge_report import merge_report
    from mockprep.db.merge import MergeSummary

    keys = ["my-rl/q1", "my-rl/q2", "nlp2/x"]
    summary = MergeSummary(reviews=1, waiting=[{"key": key} for key in keys], homeless=keys)
    report = merge_report(summary, "Merged mine.json")
    assert "3 records of questions this home does not have (banks my-rl, nlp2) were not added" in report
    one = merge_report(MergeSummary(waiting=[{"key": "my-rl/q1"}], homeless=["my-rl/q1"]), "Merged")
    assert "1 record of questions this home does not have (bank my-rl) was not added" in one


def test_a_damaged_line_is_skipped_and_its_file_named(devices, tmp_path: Path) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.sync(folder, START)
    (written,) = list(folder.iterdir())
    with written.open("ab") as handle:
        handle.write(b'{"not": "an event"}\n\x00garbage\n')
    text = run_sync(desk.store, folder)
    assert f"Skipped 2 damaged lines (not a whole event) in {written.name}." in text
    assert desk.reviews() == laptop.reviews()  # the whole lines around them are merged
