"""Mock answers travel with a merge and a sync: the answer, the follow-up asked and its reply (timed), the
model that wrote the follow-up, and the review that rated it, by their global ids, once, in any order
(found by an exploratory tester: a merged mock said "No answers in this session", and a synced one had
no answers on the other device)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.db.package import records, write_package
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START
from tests.devices import Device

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
    import json

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
