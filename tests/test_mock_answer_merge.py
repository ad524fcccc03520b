"""Mock answers travel with a merge and a sync: the answer, the follow-up asked and its reply (timed), the
model that wrote the follow-up, and the review that rated it, by their global ids, once, in any order
(found by an exploratory tester: a merged mock said "No answers in this session", and a synced one had
no answers on the other device)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.db.package import records, write_package
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START
from tests.devices import Device
from tests.test_sync_conflicts import _paths, json_values

NOW = START + timedelta(days=999)


def export_of(device: Device, path: Path) -> Path:
    out = io.StringIO()
    write_export(device.store, out, NOW, "test")
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def merge_file(device: Device, path: Path):
    head, questions = read_export(path)
    return device.store.bulk.merge_data(head, questions, NOW)


def session_here(device: Device, uid: str) -> int:
    return device.store.q("SELECT id FROM sessions WHERE uid = :u", u=uid).scalar_one()


def session_uid(device: Device, session: int) -> str:
    return device.store.q("SELECT uid FROM sessions WHERE id = :s", s=session).scalar_one()


def test_import_merge_brings_a_mocks_answers_their_follow_ups_and_ratings(devices, tmp_path: Path) -> None:
    laptop, desk = devices("laptop"), devices("desk")
    mock = laptop.mock([0, 1, 2], START, rated=2, model="interviewer-model")
    desk.practise(3, desk_rating := 3, START + timedelta(hours=5))  # (the desk's own practice stays)
    merged = merge_file(desk, export_of(laptop, tmp_path / "laptop.json"))
    assert merged.mock_answers == 3 and merged.added()
    assert desk.mock_answers() == laptop.mock_answers()
    there = desk.store.sessions.answers(session_here(desk, session_uid(laptop, mock)))
    assert [a.answer for a in there] == [a.answer for a in laptop.store.sessions.answers(mock)]
    assert [a.follow_up_answer for a in there] == ["reply 1", "reply 2", "reply 3"]
    assert [a.rating for a in there] == [3, 3, None]
    assert desk_rating in [r[3] for r in desk.reviews()]
    again = merge_file(desk, export_of(laptop, tmp_path / "again.json"))
    assert again.mock_answers == 0 and not again.added()  # once
    assert desk.mock_answers() == laptop.mock_answers()


def test_a_package_merge_brings_the_mock_answers_too(devices, tmp_path: Path) -> None:
    laptop, desk = devices("laptop"), devices("desk")
    laptop.mock([0, 1], START, rated=1)
    write_package(laptop.store, tmp_path / "laptop.mockprep", NOW, "test")
    (tmp_path / "scratch").mkdir()
    with records(tmp_path / "laptop.mockprep", tmp_path / "scratch", NOW, "test") as (head, questions):
        assert desk.store.bulk.merge_data(head, questions, NOW).mock_answers == 2
    assert desk.mock_answers() == laptop.mock_answers()


def test_import_merge_from_the_command_line_shows_the_mocks_answers_in_history(
    cli, devices, tmp_path
) -> None:
    laptop = devices("laptop")
    mock = laptop.mock([0], START, rated=1)
    file = export_of(laptop, tmp_path / "laptop.json")
    answered = cli("session", "--limit", "1", input="x\n\n3\nq\n")
    assert answered.exit_code == 0, answered.stderr
    merged = cli("import", str(file), "--merge")
    assert merged.exit_code == 0, merged.stderr
    assert "1 mock answer" in merged.stdout
    listed = cli("history")
    (mock_row,) = [line.split() for line in listed.stdout.splitlines() if "mock behavioral" in line]
    shown = cli("history", mock_row[0])
    assert shown.exit_code == 0 and "No answers" not in shown.stdout
    assert laptop.store.sessions.answers(mock)[0].answer in shown.stdout
    assert "reply 1" in shown.stdout


# Snapshots of one home as a mock goes on: each step, then its export. Merged in any order (and some
# more than once), they end where the last export alone does.
STEPS = ("answered", "follow-up by a model", "rated", "undone", "rated again", "rated elsewhere")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.lists(st.integers(0, len(STEPS) - 1), min_size=1, max_size=8))
def test_exports_taken_as_a_mock_goes_on_merge_in_any_order_to_the_latest(
    devices, tmp_path_factory, order
) -> None:
    tmp_path = tmp_path_factory.mktemp("mock")
    laptop = devices(f"{tmp_path.name}-laptop")
    files = _snapshots(laptop, devices(f"{tmp_path.name}-other"), tmp_path)
    desk, final = devices(f"{tmp_path.name}-desk"), devices(f"{tmp_path.name}-final")
    for step in [*order, len(STEPS) - 1]:
        merge_file(desk, files[step])
    merge_file(final, files[-1])
    assert desk.mock_answers() == final.mock_answers() == laptop.mock_answers()


def _snapshots(laptop: Device, other: Device, tmp_path: Path) -> list[Path]:
    """An export of ``laptop`` after each of STEPS (``other`` rates its answer in the last)."""
    from mockprep.core.records import MockAnswerRecord

    qid = sorted(laptop.question_ids)[0]
    session = laptop.store.sessions.start("mock", {}, START, 1, round="behavioral", minutes=5.0)
    answer = laptop.store.sessions.add_mock_answer(
        MockAnswerRecord(session, qid, 1, START, "my answer", 60_000, 90_000, [True], "Bank follow-up?")
    )
    files = [export_of(laptop, tmp_path / "0.json")]
    laptop.store.sessions.set_follow_up(answer, "Model follow-up?", "interviewer-model")
    laptop.store.sessions.set_follow_up_answer(answer, "my reply", 20_000, 90_000)
    files.append(export_of(laptop, tmp_path / "1.json"))
    laptop.rate_mock_answer(answer, qid, session, START + timedelta(minutes=5))
    laptop.store.sessions.end(session, "completed", START + timedelta(minutes=6))
    files.append(export_of(laptop, tmp_path / "2.json"))
    laptop.store.cards.undo_last()
    files.append(export_of(laptop, tmp_path / "3.json"))
    laptop.rate_mock_answer(answer, qid, session, START + timedelta(minutes=7))
    files.append(export_of(laptop, tmp_path / "4.json"))
    # Another copy of the home rates it too, later: the later rating is the one the answer shows.
    merge_file(other, files[-1])
    there, question, mock = other.store.q("SELECT id, question_id, session_id FROM mock_answers").one()
    other.rate_mock_answer(there, question, mock, START + timedelta(minutes=9))
    merge_file(laptop, export_of(other, tmp_path / "other.json"))
    files.append(export_of(laptop, tmp_path / "5.json"))
    return files


def test_a_mock_answer_naming_what_the_file_lacks_is_named_and_nothing_is_merged(devices, tmp_path) -> None:
    from mockprep.core.field_checks import RecordProblem

    laptop, desk = devices("laptop"), devices("desk")
    laptop.mock([0, 1], START, rated=1)
    doc = json.loads(export_of(laptop, tmp_path / "laptop.json").read_text())
    for field, value, said in (
        ("review", 999, "mock_answers[0].review: no review 999 in questions[].reviews"),
        ("session", 999, "mock_answers[0].session: no session 999 in sessions"),
        ("key", "gen/nowhere", "mock_answers[0].key: no question 'gen/nowhere' in questions"),
    ):
        bad = json.loads(json.dumps(doc))
        bad["mock_answers"][0][field] = value
        path = tmp_path / f"bad-{field}.json"
        path.write_text(json.dumps(bad), encoding="utf-8")
        try:
            merge_file(desk, path)
        except RecordProblem as problem:
            assert str(problem) == said
        else:
            raise AssertionError(f"{field}={value!r} was merged")
        assert desk.mock_answers() == [] and desk.reviews() == []


# -- folder sync ---------------------------------------------------------------------------------------


def sync_all(folder: Path, *devices: Device) -> None:
    for device in (*devices, *devices):
        device.sync(folder, NOW)


def test_a_mock_synced_to_the_other_device_has_its_answers_there(devices, tmp_path: Path) -> None:
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    mock = laptop.mock([0, 1, 2], START, rated=2, model="interviewer-model")
    desk.practise(3, 3, START + timedelta(hours=5))
    report = laptop.sync(folder, NOW)
    lines = [line for path in folder.iterdir() for line in path.read_text().splitlines()]
    assert sum('"t":"mock_answer"' in line for line in lines) == 3  # with the session and 2 reviews
    assert report.written == 6
    assert desk.sync(folder, NOW).merged.mock_answers == 3
    assert desk.mock_answers() == laptop.mock_answers()
    there = desk.store.sessions.answers(session_here(desk, session_uid(laptop, mock)))
    assert [(a.answer, a.follow_up, a.follow_up_answer, a.rating) for a in there] == [
        (a.answer, a.follow_up, a.follow_up_answer, a.rating) for a in laptop.store.sessions.answers(mock)
    ]
    back = laptop.sync(folder, NOW)  # the desk's practice comes; nothing of the mock is sent back
    assert back.written == 0 and back.merged.mock_answers == 0 and back.merged.reviews == 1


def test_an_answer_rated_later_on_the_other_device_shows_that_rating_on_both(devices, tmp_path: Path) -> None:
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.mock([0, 1], START, rated=1)
    sync_all(folder, laptop, desk)
    answer, question, session = desk.store.q(
        "SELECT id, question_id, session_id FROM mock_answers WHERE review_id IS NULL"
    ).one()
    desk.rate_mock_answer(answer, question, session, START + timedelta(days=1))  # mock --rate on the desk
    sync_all(folder, desk, laptop)
    assert laptop.mock_answers() == desk.mock_answers()
    assert all(row[-1] is not None for row in laptop.mock_answers())  # both rated on both
    assert laptop.stored_cards() == laptop.replayed_cards()


def test_a_mock_synced_while_it_ran_is_complete_on_the_other_device_once_it_ends(devices, tmp_path) -> None:
    from mockprep.core.records import MockAnswerRecord

    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    qid = sorted(laptop.question_ids)[0]
    session = laptop.store.sessions.start("mock", {}, START, 1, round="behavioral", minutes=5.0)
    answer = laptop.store.sessions.add_mock_answer(
        MockAnswerRecord(session, qid, 1, START, "my answer", 60_000, 90_000, [True], "Bank follow-up?")
    )
    sync_all(folder, laptop, desk)  # (a sync in another terminal while the mock runs)
    assert [row[7] for row in desk.mock_answers()] == [None]  # no reply yet
    laptop.store.sessions.set_follow_up(answer, "Model follow-up?", "interviewer-model")
    laptop.store.sessions.set_follow_up_answer(answer, "my reply", 20_000, 90_000)
    laptop.rate_mock_answer(answer, qid, session, START + timedelta(minutes=5))
    laptop.store.sessions.end(session, "completed", START + timedelta(minutes=6))
    sync_all(folder, laptop, desk)
    assert desk.mock_answers() == laptop.mock_answers()
    assert desk.mock_answers()[0][6:9] == ("Model follow-up?", "my reply", "interviewer-model")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(syncs=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=len(STEPS), max_size=len(STEPS)))
def test_two_devices_syncing_at_any_point_of_a_mock_agree_on_its_answers(
    devices, tmp_path_factory, syncs
) -> None:
    """The steps of _snapshots, each followed by a sync of the laptop, of the desk, of both or of none."""
    tmp_path = tmp_path_factory.mktemp("mocksync")
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices(f"{tmp_path.name}-laptop"), devices(f"{tmp_path.name}-desk")
    when = iter(syncs)

    def step() -> None:
        laptop_syncs, desk_syncs = next(when)
        for device, syncs_now in ((laptop, laptop_syncs), (desk, desk_syncs)):
            if syncs_now:
                device.sync(folder, NOW)

    _steps(laptop, desk, step, folder)
    sync_all(folder, laptop, desk)
    assert laptop.mock_answers() == desk.mock_answers()
    assert len(laptop.mock_answers()) == 1 and laptop.mock_answers()[0][-1] is not None


def _steps(laptop: Device, desk: Device, step, folder: Path) -> None:
    """The mock of _snapshots, with ``step()`` after each change; the last rating is the desk's (after
    a sync that brings it the answer)."""
    from mockprep.core.records import MockAnswerRecord

    qid = sorted(laptop.question_ids)[0]
    session = laptop.store.sessions.start("mock", {}, START, 1, round="behavioral", minutes=5.0)
    answer = laptop.store.sessions.add_mock_answer(
        MockAnswerRecord(session, qid, 1, START, "my answer", 60_000, 90_000, [True], "Bank follow-up?")
    )
    step()
    laptop.store.sessions.set_follow_up(answer, "Model follow-up?", "interviewer-model")
    laptop.store.sessions.set_follow_up_answer(answer, "my reply", 20_000, 90_000)
    step()
    laptop.rate_mock_answer(answer, qid, session, START + timedelta(minutes=5))
    laptop.store.sessions.end(session, "completed", START + timedelta(minutes=6))
    step()
    laptop.store.cards.undo_last()
    step()
    laptop.rate_mock_answer(answer, qid, session, START + timedelta(minutes=7))
    step()
    sync_all(folder, laptop, desk)
    there, question, mock = desk.store.q("SELECT id, question_id, session_id FROM mock_answers").one()
    desk.rate_mock_answer(there, question, mock, START + timedelta(minutes=9))
    step()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_in_any_field_of_a_mock_answers_line_never_stops_the_sync(devices, tmp_path_factory, data):
    from mockprep.cli.sync import run_sync

    tmp_path = tmp_path_factory.mktemp("fields")
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices(f"{tmp_path.name}-laptop"), devices(f"{tmp_path.name}-desk")
    laptop.mock([0, 1], START, rated=1, model="interviewer-model")
    laptop.sync(folder, NOW)
    (written,) = list(folder.iterdir())
    lines = written.read_text().splitlines()
    index = data.draw(st.sampled_from([i for i, line in enumerate(lines) if '"t":"mock_answer"' in line]))
    event = json.loads(lines[index])
    path = data.draw(st.sampled_from(_paths(event)))
    place = event
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = data.draw(json_values)
    lines[index] = json.dumps(event)
    written.write_text("\n".join(lines) + "\n")
    text = run_sync(desk.store, folder)  # never a traceback
    others = [json.loads(line)["uid"] for i, line in enumerate(lines) if i != index and "mock_answer" in line]
    assert set(others) <= set(desk.store.q("SELECT uid FROM mock_answers").scalars().all())
    if "wrong value" in text:
        assert "Skipped 1 event in" in text


def test_a_device_that_synced_before_writes_its_mocks_answers_and_reads_other_files_again(home: Path) -> None:
    """m031: the schema-v30 home has synced (recording) and has a mock with an answer."""
    import shutil
    import sqlite3

    from mockprep.db.store import Store
    from mockprep.paths import DB_NAME
    from tests.conftest import FIXTURES

    home.mkdir(mode=0o700, parents=True)
    shutil.copy(FIXTURES / "schemas" / "schema-v30.db", home / DB_NAME)
    db = sqlite3.connect(home / DB_NAME)
    (device,) = db.execute("SELECT id FROM sync_device WHERE recording").fetchone()
    (answer,) = db.execute("SELECT uid FROM mock_answers").fetchone()
    own, other = f"{device}.2026-01.jsonl", "laptop-0a1b2c3d4e5f.2026-01.jsonl"
    db.executemany("INSERT INTO sync_files VALUES (?, 100, 'ab')", [(own,), (other,)])
    db.commit()
    db.close()
    with Store.open(home, backups=False) as store:
        events, _ = store.sync.outgoing()
        assert [e["uid"] for e in events if e["t"] == "mock_answer"] == [answer]
        assert set(store.sync.read_marks()) == {own}  # the other device's file is read again
