"""`mockprep import` of hostile or damaged exports (issue 11): every record is checked first, a problem
is one line naming the record, nothing is written, and whatever is accepted works afterwards.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import MockAnswerRecord, ReviewRecord
from mockprep.core.scheduler import make_scheduler, review
from mockprep.core.stories import StoryDraft
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START, db_rows, write_bank


@pytest.fixture(scope="module")
def valid_export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small but complete export: a drill and a mock session, reviews, a mock answer, two stories."""
    root = tmp_path_factory.mktemp("valid-export")
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    try:
        write_bank(root / "bank.toml", "gen", n=4)
        with Store.open(root / "home", backups=False) as store:
            store.banks.add_source(root / "bank.toml", START)
            sync_banks(store, START)
            ids = store.cards.new_question_ids(QuestionFilter())
            scheduler = make_scheduler(0.9)
            drill = store.sessions.start("drill", {"rounds": ["technical"]}, START, 1)
            mock = store.sessions.start("mock", {}, START, 1, round="technical", minutes=30)
            now = START
            for position, qid in enumerate(ids[:3]):
                now += timedelta(minutes=5)
                mock_id = None
                if position == 2:
                    mock_id = store.sessions.add_mock_answer(
                        MockAnswerRecord(mock, qid, 1, now, "mock answer", 1000, 60_000, [True], "Why?")
                    )
                card = store.cards.card(qid)
                store.cards.record_review(
                    ReviewRecord(
                        qid,
                        mock if mock_id else drill,
                        review(scheduler, card, Rating.Good, now),
                        now,
                        3,
                        0,
                        f"answer {position}",
                        1234,
                        60_000,
                        [True, False],
                        3,
                        mock_answer_id=mock_id,
                    )
                )
            store.sessions.end(drill, "completed", now)
            store.sessions.end(mock, "completed", now)
            draft = StoryDraft.from_dict(
                {"title": "Migration", "competencies": ["ownership"], "situation": "s"}
            )
            story = store.stories.create(draft, now)
            store.stories.save_version(story, StoryDraft.from_dict({"title": "Migration v2"}), now)
            store.stories.link(story, "gen/q1", now)
            store.stories.add_rehearsal(story, 1, now, 90_000, 120_000)
            store.stories.create(StoryDraft.from_dict({"title": "Second"}), now)
            path = root / "export.json"
            with path.open("w", encoding="utf-8") as handle:
                write_export(store, handle, now, "test")
    finally:
        bank_sync.builtin_files = saved
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _only_the_generated_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])


def _reviewed(doc: dict[str, Any]) -> list[int]:
    return [i for i, q in enumerate(doc["questions"]) if q["reviews"]]


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _nothing_written(home: Path) -> None:
    for table in ("reviews", "sessions", "stories", "questions", "mock_answers"):
        assert db_rows(home, f"SELECT COUNT(*) FROM {table}") == [(0,)], table


def test_the_valid_export_imports(cli, home: Path, tmp_path: Path, valid_export) -> None:
    result = cli("import", str(_write(tmp_path, valid_export)))
    assert result.exit_code == 0, result.stderr
    assert "3 reviews, 2 sessions and 2 stories" in result.stdout


@pytest.mark.parametrize("rare", [False, True], ids=["common-fields", "field-by-field"])
def test_a_cram_review_imports_as_one_either_way_it_is_read(tmp_path: Path, valid_export, rare: bool) -> None:
    """``cram`` is stored as 1 or 0 whether the review has only the common fields (read by the quick
    test) or a rarer one too (read field by field)."""
    doc = copy.deepcopy(valid_export)
    reviews = [r for q in doc["questions"] for r in q["reviews"]]
    reviews[0]["cram"] = True
    reviews[1]["cram"] = False
    if rare:
        for r in reviews:
            r["code_runs"] = 1
    with Store.open(tmp_path / "home", backups=False) as store:
        head, questions = read_export(_write(tmp_path, doc))
        store.bulk.import_data(head, questions)
    stored = db_rows(tmp_path / "home", "SELECT id, cram, typeof(cram) FROM reviews ORDER BY id")
    expected = sorted((r["id"], int(r.get("cram", False)), "integer") for r in reviews)
    assert [tuple(row) for row in stored] == expected


# (what to change, the value, what the one line must say)
CASES = [
    (("q", 0, "rating"), 7, "reviews[0].rating: must be 1-4 (got 7)"),
    (("q", 0, "rating"), None, "reviews[0].rating: must be 1-4 (got null)"),
    (("q", 0, "rating"), "3", "reviews[0].rating: must be 1-4 (got '3')"),
    (("q", 0, "session"), 999, "reviews[0].session: no session 999 in sessions"),
    (("q", 0, "duration_ms"), -5, "reviews[0].duration_ms: must be a whole number from 0 (got -5)"),
    (("q", 0, "rated_at"), "yesterday", "reviews[0].rated_at: must be an ISO 8601 time"),
    (
        ("q", 0, "rated_at"),
        "2026-03-02T09:00:00",
        "reviews[0].rated_at: must be an ISO 8601 time with its zone",
    ),
    (("q", 0, "rated_at"), "9999-12-31T23:00:00-05:00", "reviews[0].rated_at: must be an ISO 8601 time"),
    (("q", 0, "state_before"), 9, "reviews[0].state_before: must be 0-3 (got 9)"),
    (("q", "card", "state"), 9, "card.state: must be 1-3 (got 9)"),
    (("q", "card", "stability"), -1.0, "card.stability: must be a number at least 0.001"),
    (("q", "card", "due"), None, "card.due: must be an ISO 8601 time"),
    (("q", "question", "prompt"), "   ", "question.prompt: must not be blank"),
    (("q", "bank"), "ghost", "bank: no bank 'ghost' in banks"),
    (("q", "reviews"), "many", "reviews: must be a list (got 'many')"),
    (("q", "difficulty"), 0, "difficulty: must be 1-3 (got 0)"),
    (("sessions", 0, "filters"), {"rounds": 3}, "sessions[0].filters: must be an object of lists of text"),
    (("sessions", 1, "id"), 1, "sessions[1].id: session id 1 is used twice"),
    (("sessions", 0, "started_at"), 5, "sessions[0].started_at: must be an ISO 8601 time"),
    (("banks", 0, "round"), "nope", "banks[0].round: must be one of technical, project, behavioral"),
    (("mock_answers", 0, "session"), 999, "mock_answers[0].session: no session 999 in sessions"),
    (("mock_answers", 0, "review"), 123456, "mock_answers[0].review: no review 123456"),
    (("mock_answers", 0, "key"), "gen/nope", "mock_answers[0].key: no question 'gen/nope' in questions"),
    (("stories", 0, "versions", 1, "version"), 1, "stories[0].versions[1].version: version 1 is used twice"),
    (
        ("stories", 0, "rehearsals", 0, "version"),
        9,
        "stories[0].rehearsals[0].version: the story has no version 9",
    ),
    (("stories", 1, "id"), 1, "stories[1].id: story id 1 is used twice"),
    (("stories", 0, "links"), ["a", "a"], "stories[0].links[1]: link 'a' is used twice"),
    (
        ("q", 0, "delivery"),
        {"seconds": 60, "speaking_seconds": 58, "words": -1},
        "reviews[0].delivery: words must be a whole number, 0 or more",
    ),
    (
        ("mock_answers", 0, "delivery"),
        {"seconds": 60, "speaking_seconds": 58, "words": 9, "pauses": "long"},
        "mock_answers[0].delivery: pauses must be a list of seconds",
    ),
    (
        ("stories", 0, "rehearsals", 0, "delivery"),
        {"seconds": 60, "speaking_seconds": 58, "words": 9, "fillers": {"um": -2}},
        "stories[0].rehearsals[0].delivery: fillers must be an object of counts",
    ),
    (("stories", 0, "rehearsals", 0, "transcript"), 5, "stories[0].rehearsals[0].transcript: must be text"),
]


@pytest.mark.parametrize(("where", "value", "expected"), CASES, ids=[c[2].split(":")[0] for c in CASES])
def test_a_bad_record_is_one_line_naming_it_and_nothing_is_written(
    cli, home: Path, tmp_path: Path, valid_export, where, value, expected
) -> None:
    doc = copy.deepcopy(valid_export)
    first = _reviewed(doc)[0]
    prefix = ""
    if where[0] == "q":
        if isinstance(where[1], int):
            path: tuple[Any, ...] = ("questions", first, "reviews", *where[1:])
        else:
            path = ("questions", first, *where[1:])
        prefix = f"questions[{first}]."
    else:
        path = where
    _set(doc, path, value)
    file = _write(tmp_path, doc)
    result = cli("import", str(file))
    assert result.exit_code == 2, result
    (line,) = result.stderr.strip().splitlines()
    assert f"{file}: malformed export: {prefix}{expected}" in line, line
    assert line.endswith("; nothing imported")
    _nothing_written(home)
    assert cli("history").exit_code == 0
    # The same home takes the good export afterwards: nothing was left half-done.
    assert cli("import", str(_write(tmp_path, valid_export, "good.json"))).exit_code == 0


def test_a_duplicate_review_id_names_both_records(cli, home: Path, tmp_path: Path, valid_export) -> None:
    doc = copy.deepcopy(valid_export)
    a, b = _reviewed(doc)[:2]
    doc["questions"][b]["reviews"][0]["id"] = doc["questions"][a]["reviews"][0]["id"]
    result = cli("import", str(_write(tmp_path, doc)))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    rid = doc["questions"][a]["reviews"][0]["id"]
    assert (
        f"questions[{b}].reviews[0].id: review id {rid} is used twice (also questions[{a}].reviews[0])"
        in line
    )
    _nothing_written(home)


def test_a_duplicate_review_uid_names_both_records(cli, home: Path, tmp_path: Path, valid_export) -> None:
    """A uid used twice is bad input, named like an id used twice (not 'the database could not be used')."""
    doc = copy.deepcopy(valid_export)
    a, b = _reviewed(doc)[:2]
    uid = doc["questions"][a]["reviews"][0]["uid"]
    doc["questions"][b]["reviews"][0]["uid"] = uid
    result = cli("import", str(_write(tmp_path, doc)))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert (
        f"questions[{b}].reviews[0].uid: review uid {uid} is used twice (also questions[{a}].reviews[0])"
        in line
    )
    _nothing_written(home)


def test_an_integer_too_large_for_sqlite_is_one_line(cli, home: Path, tmp_path: Path, valid_export) -> None:
    doc = copy.deepcopy(valid_export)
    doc["questions"][_reviewed(doc)[0]]["reviews"][0]["duration_ms"] = 2**70
    result = cli("import", str(_write(tmp_path, doc)))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "integer overflow" in line and line.endswith("; nothing imported")
    _nothing_written(home)


def test_a_lone_surrogate_escape_is_one_line_naming_the_question(
    cli, home: Path, tmp_path: Path, valid_export
) -> None:
    doc = copy.deepcopy(valid_export)
    first = _reviewed(doc)[0]
    doc["questions"][first]["reviews"][0]["answer"] = "\udc00"  # json.dumps writes it as an escape
    result = cli("import", str(_write(tmp_path, doc)))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"questions[{first}]: not valid UTF-8 text" in line and line.endswith("; nothing imported")
    _nothing_written(home)


def test_a_missing_section_or_key_is_named(cli, home: Path, tmp_path: Path, valid_export) -> None:
    doc = copy.deepcopy(valid_export)
    del doc["sessions"]
    (line,) = cli("import", str(_write(tmp_path, doc))).stderr.strip().splitlines()
    assert "malformed export: sessions: missing" in line
    doc = copy.deepcopy(valid_export)
    del doc["questions"][_reviewed(doc)[0]]["reviews"][0]["rating"]
    (line,) = cli("import", str(_write(tmp_path, doc))).stderr.strip().splitlines()
    assert f"questions[{_reviewed(doc)[0]}].reviews[0].rating: missing" in line
    doc = copy.deepcopy(valid_export)
    doc["questions"] = {"not": "a list"}
    (line,) = cli("import", str(_write(tmp_path, doc))).stderr.strip().splitlines()
    assert '"questions" must be a list (got an object)' in line
    _nothing_written(home)


# Values that break something somewhere: types, ranges, encodings, shapes.
hostile_values = st.sampled_from(
    [None, -1, 0, 7, 2**63, 2**70, 1.5, True, "", " ", "x", "\ud800", "2026-13-45T00:00:00+00:00",
     "0001-01-01T00:00:00+01:00", [], [1], {}, {"a": 1}]
)  # fmt: skip


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in [(*path, k), *_leaves(v, (*path, k))]]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in [(*path, i), *_leaves(v, (*path, i))]]
    return []


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_any_damaged_field_is_refused_in_one_line_or_imports_and_works(
    cli, home: Path, tmp_path: Path, valid_export, data
) -> None:
    doc = copy.deepcopy(valid_export)
    reviewed = set(_reviewed(doc))
    # Everything but the unreviewed questions (the same shape again and again).
    paths = [p for p in _leaves(doc) if p[0] != "questions" or (len(p) > 1 and p[1] in reviewed)]
    path = data.draw(st.sampled_from(paths))
    _set(doc, path, data.draw(hostile_values))
    import shutil

    shutil.rmtree(home, ignore_errors=True)
    result = cli("import", str(_write(tmp_path, doc)))
    assert "Traceback" not in result.stderr
    if result.exit_code != 0:
        assert result.exit_code == 2, result
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"mockprep: error: {tmp_path / 'export.json'}: "), line
        if (home / "mockprep.db").exists():
            _nothing_written(home)
        return
    # Accepted: then every command that reads it works.
    for args in (
        ["history"],
        ["stats", "--json"],
        ["bank", "list"],
        ["story", "list"],
        ["export", "-o", "-"],
    ):
        follow = cli(*args)
        assert follow.exit_code == 0, (path, args, follow)
    for (session_id,) in db_rows(home, "SELECT id FROM sessions"):
        assert cli("history", str(session_id)).exit_code == 0
    for (story_id,) in db_rows(home, "SELECT id FROM stories"):
        assert cli("story", "show", str(story_id)).exit_code == 0
    follow = cli("session", "--limit", "2", input="a\n\n3\nb\n\n3\n")
    assert follow.exit_code == 0, (path, follow)


# -- what import leaves alone ---------------------------------------------------------------------


def test_import_into_a_home_with_stories_refuses_and_keeps_them(
    cli, home: Path, tmp_path: Path, valid_export, monkeypatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    made = cli("story", "new", input="# My only story\n\nwhat happened\n")
    assert made.exit_code == 0, made.stderr
    result = cli("import", str(_write(tmp_path, valid_export)))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "already holds 1 story;" in line and "empty home" in line
    assert db_rows(home, "SELECT title FROM story_versions") == [("My only story",)]


def test_import_keeps_the_bank_folders_already_registered(
    cli, home: Path, tmp_path: Path, valid_export
) -> None:
    mine = write_bank(tmp_path / "mine.toml", "mine")
    assert cli("bank", "add", str(mine)).exit_code == 0
    assert cli("import", str(_write(tmp_path, valid_export))).exit_code == 0
    sources = {p for (p,) in db_rows(home, "SELECT path FROM bank_sources")}
    assert str(mine.resolve()) in sources and len(sources) == 2


def test_bank_sources_that_are_devices_or_pipes_are_never_opened_by_import(
    home: Path, tmp_path: Path, valid_export
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    doc = copy.deepcopy(valid_export)
    doc["bank_sources"] += [
        {"path": "/dev/zero", "added_at": "2026-03-02T09:00:00+00:00"},
        {"path": str(fifo), "added_at": "2026-03-02T09:00:00+00:00"},
    ]
    env = {**os.environ, "MOCKPREP_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "mockprep", "import", str(_write(tmp_path, doc))],
        capture_output=True,
        text=True,
        timeout=60,  # opening the pipe would wait for a writer for ever; reading /dev/zero never ends
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    paths = {p for (p,) in db_rows(home, "SELECT path FROM bank_sources")}
    assert {"/dev/zero", str(fifo)} <= paths


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_importing_something_that_is_not_a_regular_file_says_so(cli, tmp_path: Path, kind: str) -> None:
    target = {"device": Path(os.devnull), "folder": tmp_path}.get(kind, tmp_path / "fifo")
    if kind == "fifo":
        os.mkfifo(target)
    result = cli("import", str(target))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"mockprep: error: {target}: not a regular file"]


# -- reading a very long string -------------------------------------------------------------------


class _CountingFile:
    def __init__(self, handle):
        self.handle = handle
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return self.handle.read(size)

    def readinto(self, buffer) -> int:
        self.reads += 1
        return self.handle.readinto(buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.mark.parametrize("where", ["head", "questions"])
def test_one_very_long_string_is_read_in_a_few_growing_chunks(
    tmp_path: Path, valid_export, monkeypatch, where: str
) -> None:
    """yajl re-scans a string from its start each time a chunk ends inside it, so the cost is the
    string's length times the number of chunks it spans: that number must stay logarithmic (it was
    length / 64 KB: 2,560 chunks, 128 s, for 160 MB)."""
    long = "x" * (48 * 2**20)
    doc = copy.deepcopy(valid_export)
    if where == "head":
        doc["stories"][0]["versions"][0]["situation"] = long
    else:
        doc["questions"][_reviewed(doc)[0]]["reviews"][0]["answer"] = long
    path = _write(tmp_path, doc)
    opened: list[_CountingFile] = []
    real_open = Path.open

    def counting_open(self, *args, **kwargs):
        handle = _CountingFile(real_open(self, *args, **kwargs))
        opened.append(handle)
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    head, questions = read_export(path)
    items = list(questions)
    assert len(items) == len(doc["questions"])
    found = head["stories"][0]["versions"][0]["situation"] if where == "head" else None
    if where == "questions":
        found = items[_reviewed(doc)[0]]["reviews"][0]["answer"]
    assert found == long
    reads = opened[0].reads if where == "head" else opened[1].reads
    assert reads < 40, reads  # 48 MB in 64 KB chunks would be 768


review_values = {
    "id": st.sampled_from([1, 7, 0, -1, 2**63 - 1, 2**63, True, None, "1", 1.0]),
    "rated_at": st.sampled_from(
        ["2026-03-02T09:00:00.123456+00:00", "2026-03-02T09:00:00+01:00", "2026-03-02T09:00:00", "x", None,
         "9999-12-31T23:59:59.999999+00:00", "2026-13-02T09:00:00.123456+00:00", 5]
    ),
    "rating": st.sampled_from([1, 4, 0, 5, None, True, 2.0]),
    "state_before": st.sampled_from([0, 3, -1, 4, None, False]),
    "duration_ms": st.sampled_from([0, 10, -1, 2**63, None, 1.5]),
    "session": st.sampled_from([None, 1, 2, 99, "1", True]),
    "answer": st.sampled_from(["", "text", "é", "\ud800", None, 3]),
    "time_limit_ms": st.sampled_from([None, 0, 60_000, -5, "60"]),
    "coverage": st.sampled_from([None, [], [True, False], [1, 0], "yes", [True, None]]),
    "suggested": st.sampled_from([None, 1, 4, 0, 5, False]),
    "grader": st.sampled_from([None, "key points and meaning", "mine ✓", "", "\ud800", 3, ["x"]]),
    "proposed": st.sampled_from([None, [], ["covered", "partly"], ["yes"], "covered", [None], [["covered"]]]),
    "checklist": st.sampled_from([None, ["missing", "contradicted"], ["Covered"], {"covered": 1}, [1]]),
}  # fmt: skip


VALID_REVIEW = {
    "id": 7,
    "rated_at": "2026-03-02T09:00:00.123456+00:00",
    "rating": 3,
    "state_before": 2,
    "duration_ms": 10,
    "session": 1,
    "answer": "text",
    "time_limit_ms": 60_000,
    "coverage": [True, False],
    "suggested": 3,
    "grader": "key points and meaning",
    "proposed": ["covered", "missing"],
    "checklist": ["covered", "partly"],
}


def test_the_quick_review_test_reads_the_exports_review_fields_but_the_rare_ones() -> None:
    from mockprep.core.export_checks import REVIEW
    from mockprep.core.plain_reviews import PLAIN_KEYS

    rare = {"code_runs", "code_result", "delivery", "model", "model_proposed", "model_suggested"}
    assert set(REVIEW) - PLAIN_KEYS == rare | {"model_errors", "model_failure"} and PLAIN_KEYS <= set(REVIEW)
    assert set(review_values) == PLAIN_KEYS - {"cram", "params", "uid"}


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(st.sampled_from(sorted(review_values)), st.booleans(), max_size=3),
    st.data(),
)
def test_the_quick_review_test_agrees_with_the_full_one(changes: dict[str, bool], data) -> None:
    """One to three fields of a valid review replaced by a hostile value (True) or removed (False)."""
    from mockprep.core.export_checks import REVIEW, RecordProblem, check_fields
    from mockprep.core.plain_reviews import PLAIN_FIELDS, plain_review

    review = dict(VALID_REVIEW)
    for name, replace in changes.items():
        if replace:
            review[name] = data.draw(review_values[name])
        else:
            del review[name]
    sessions = {1, 2}
    try:
        check_fields(review, REVIEW, "r")
        full = review.get("session") is None or review["session"] in sessions
    except RecordProblem:
        full = False
    values = plain_review(review, sessions)
    assert (values is not None) == full
    if values is not None:  # and what it read is the review's own values
        read = dict(zip(PLAIN_FIELDS, values, strict=True))
        assert read.pop("answer") == review.get("answer", "")
        assert read.pop("coverage") == (None if review.get("coverage") is None else tuple(review["coverage"]))
        assert read.pop("cram") is (review.get("cram") is True)
        assert read == {name: review.get(name) for name in read}
