"""The quick paths of export and import: reviews written from their stored values by one f-string, the file read line by line, gzip, and
an import built in a fresh file that replaces the live one only when complete."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.db import export_lines
from mockprep.db.export_lines import review
from mockprep.db.fresh_file import PARTIAL_DIR
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from mockprep.services.exchange import GZIP_MAGIC, gzipped, read_export, write_export
from tests.conftest import START, db_rows, write_bank


def _home_with_answers(root: Path, answers: list[tuple[str, int, int | None]]) -> Store:
    (root / "banks").mkdir(parents=True)
    write_bank(root / "banks" / "b.toml", "gen", n=3)
    store = Store.open(root / "a", backups=False)
    store.banks.add_source(root / "banks", START)
    sync_banks(store, START)
    ids = store.cards.new_question_ids(QuestionFilter())
    session = store.sessions.start("drill", {}, START, 1)
    for i, (text, micro, limit) in enumerate(answers):
        qid = ids[i % len(ids)]
        at = START + timedelta(minutes=i, microseconds=micro)
        store.cards.record_review(
            ReviewRecord(qid, session if i % 2 else None, store.cards.card(qid), at, 3, 0, text, 900, limit)
        )
    return store


def _export(store: Store) -> str:
    out = io.StringIO()
    write_export(store, out, START + timedelta(days=9), "test")
    return out.getvalue()


answers = st.lists(
    st.tuples(
        st.text(max_size=30),  # any Unicode: quotes, backslashes, control characters, astral planes
        st.sampled_from([0, 1, 250, 999_999]),  # a time whose microseconds are zero is written without them
        st.one_of(st.none(), st.integers(0, 400_000)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_reviews_written_quickly_are_what_json_dumps_writes_and_gzip_round_trips(log) -> None:
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix="mockprep-speed-"))
    try:
        with _home_with_answers(root, log) as store:
            text = _export(store)
        bulk = text[text.index('"questions": [') :].split("\n")[1:-3]  # (not splitlines: \x85 is data)
        for line in bulk:  # each question (reviews written quickly) is exactly json.dumps of its value
            body = line.strip().removesuffix(",")
            assert body == json.dumps(json.loads(body), ensure_ascii=False)
        packed = root / "export.bin"  # no .gz: gzip is known by its first bytes
        with packed.open("wb") as raw, gzipped(raw) as handle:
            handle.write(text)
        assert packed.read_bytes()[:2] == GZIP_MAGIC
        head, questions = read_export(packed)
        with Store.open(root / "b", backups=False) as other:
            other.bulk.import_data(head, questions)
            assert _export(other) == text
    finally:
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _scratch_home(prefix: str) -> Iterator[Path]:
    """A scratch folder for a hypothesis example (no fixtures there), with no built-in banks."""
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


def _reviews_written_quickly(store: Store) -> list[dict]:
    """The exported reviews of the question that has some, each checked to be written by the quick path in
    exactly the text of the general, field-by-field form."""
    general_calls: list[int] = []
    export_lines.review = lambda raw, rid: general_calls.append(rid) or review(raw, rid)
    try:
        text = _export(store)
    finally:
        export_lines.review = review
    assert general_calls == []  # every one written by the quick path
    line = next(x for x in text.split("\n") if '"reviews": [{' in x)
    reviews = json.loads(line.strip().removesuffix(","))["reviews"]
    general = ", ".join(json.dumps(review(store.conn.raw, r["id"]), ensure_ascii=False) for r in reviews)
    assert f'"reviews": [{general}]' in line
    return reviews


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 30)).map(
            lambda moment: moment.replace(tzinfo=UTC)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_review_times_written_quickly_are_the_general_forms_text(times) -> None:
    """The quick path writes a review's time from its microseconds: any time from 1970 to the year 9999, with or
    without microseconds, reads exactly as the general, field-by-field form writes it."""
    with (
        _scratch_home("mockprep-times-") as root,
        _home_with_answers(root, [("an answer", 0, None)]) as store,
    ):
        (qid,) = {r[0] for r in db_rows(root / "a", "SELECT question_id FROM reviews")}
        for at in times:
            store.cards.record_review(
                ReviewRecord(qid, None, store.cards.card(qid), at, 3, 2, "a", 900, None)
            )
        reviews = _reviews_written_quickly(store)
        assert sorted(r["rated_at"] for r in reviews) == sorted(
            [START.isoformat()] + [at.isoformat() for at in times]
        )


def test_a_file_whose_layout_changes_midway_is_read_on_by_the_event_parser(tmp_path: Path) -> None:
    with _home_with_answers(tmp_path, [("one", 0, None), ('two, "quoted"', 5, 60_000)] * 3) as store:
        text = _export(store)
    lines = [line + "\n" for line in text.split("\n")]
    start = next(i for i, line in enumerate(lines) if line.startswith(' "questions"'))
    # The third question spread over two lines: still JSON, no longer one question per line.
    lines[start + 3] = lines[start + 3].replace(', "reviews": [', ',\n   "reviews": [', 1)
    path = tmp_path / "reformatted.json"
    path.write_text("".join(lines)[:-1])
    head, questions = read_export(path)
    expected = json.loads(text)["questions"]
    assert list(questions) == expected


def _exported(cli, tmp_path: Path, *options: str) -> Path:
    assert cli("session", input="a, b\n\n3\nq\n").exit_code == 0
    out = tmp_path / "backup.json.gz"
    result = cli("export", "-o", str(out), *options)
    assert result.exit_code == 0, result.stderr
    return out


def test_export_to_a_gz_file_is_gzip_and_imports_back(cli, home: Path, tmp_path: Path, monkeypatch) -> None:
    out = _exported(cli, tmp_path)
    assert out.read_bytes()[:2] == GZIP_MAGIC
    plain = tmp_path / "plain.json"
    assert cli("export", "-o", str(plain)).exit_code == 0
    first = json.loads(gzip.decompress(out.read_bytes()))
    second = json.loads(plain.read_text())
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second
    renamed = tmp_path / "backup.dat"  # named anything: gzip is known by its content
    renamed.write_bytes(out.read_bytes())
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(renamed))
    assert result.exit_code == 0, result.stderr
    assert db_rows(tmp_path / "new-home", "SELECT review_answer(answer) FROM reviews") == [("a, b",)]


def test_compress_option_writes_gzip_whatever_the_name(cli, home: Path, tmp_path: Path) -> None:
    cli("session", input="a\n\n3\nq\n")
    out = tmp_path / "backup.json"
    assert cli("export", "--compress", "-o", str(out)).exit_code == 0
    assert json.loads(gzip.decompress(out.read_bytes()))["format"] == "mockprep-export"


@pytest.mark.parametrize("damage", ["cut", "garbage"])
def test_a_broken_gzip_file_is_one_line_naming_it(
    cli, home: Path, tmp_path: Path, monkeypatch, damage: str
) -> None:
    out = _exported(cli, tmp_path)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) // 2] if damage == "cut" else data[:10] + b"\x00garbage" * 50)
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(out))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"{out}: " in line and "gzip" in line
    assert not (tmp_path / "new-home" / PARTIAL_DIR).exists()


def test_an_interrupted_import_leaves_the_home_as_it_was(
    cli, home: Path, tmp_path: Path, monkeypatch
) -> None:
    out = _exported(cli, tmp_path)
    target = tmp_path / "new-home"
    monkeypatch.setenv("MOCKPREP_HOME", str(target))
    assert cli("bank", "list").exit_code == 0  # the home exists, with its built-in banks
    before = db_rows(target, "SELECT id, content_hash FROM banks ORDER BY id")
    files = sorted(p.name for p in target.iterdir())

    def interrupt(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("mockprep.db.bulk_import._mock_answers", interrupt)
    result = cli("import", str(out))
    assert result.exit_code != 0
    assert db_rows(target, "SELECT id, content_hash FROM banks ORDER BY id") == before
    assert db_rows(target, "SELECT COUNT(*) FROM reviews") == [(0,)]
    assert sorted(p.name for p in target.iterdir()) == files  # no half-built file left
    monkeypatch.undo()
    monkeypatch.setenv("MOCKPREP_HOME", str(target))
    assert cli("import", str(out)).exit_code == 0
    assert db_rows(target, "SELECT COUNT(*) FROM reviews") == [(1,)]
    assert (target / DB_NAME).stat().st_mode & 0o777 == 0o600


def test_a_full_disk_while_compressing_is_one_line_and_leaves_no_file(
    cli, home: Path, tmp_path: Path, monkeypatch
) -> None:
    import errno

    cli("session", input="a\n\n3\nq\n")

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gzip.GzipFile, "write", full)
    out = tmp_path / "backup.json.gz"
    result = cli("export", "-o", str(out))
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "No space left" in line
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == []


graded = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(["key points", "key points and meaning"]), st.text(max_size=12)),
        st.one_of(st.none(), st.lists(st.sampled_from(["covered", "partly", "missing", "contradicted"]))),
        st.one_of(st.none(), st.lists(st.sampled_from(["covered", "missing"]), max_size=4)),
        st.booleans(),  # a cram rating
        st.one_of(st.none(), st.lists(st.booleans(), max_size=5)),  # key-point coverage
        st.one_of(st.none(), st.integers(1, 4)),  # the suggested rating
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graded)
def test_graded_reviews_written_quickly_are_the_general_forms_text(log) -> None:
    """A review from a session carries the grader's name, its proposal and the checklist (m019 packs
    them), the key points covered and the suggested rating: the quick path writes it, and the text is
    exactly what the general, field-by-field form gives."""
    with (
        _scratch_home("mockprep-graded-") as root,
        _home_with_answers(root, [("an answer", 0, None)]) as store,
    ):
        (qid,) = {r[0] for r in db_rows(root / "a", "SELECT question_id FROM reviews")}
        for i, (grader, proposed, checklist, cram, coverage, suggested) in enumerate(log, start=1):
            at = START + timedelta(hours=i)
            record = ReviewRecord(qid, None, store.cards.card(qid), at, 3, 2, "a", 900, None)
            store.cards.record_review(
                replace(
                    record,
                    grader=grader,
                    proposed=proposed,
                    checklist=checklist,
                    cram=cram,
                    coverage=coverage,
                    suggested=suggested,
                )
            )
        assert len(_reviews_written_quickly(store)) == len(log) + 1


# Stored values mockprep never writes, of a type SQLite keeps as given (a crafted or damaged file can hold
# them): each such review goes the general way, and its text is the general form's.
UNUSUAL = [
    "rating = 'three'",
    "state_before = 2.5",
    "duration_ms = 'long'",
    "suggested = 3.5",
    "cram = 'yes'",
    "proposed = '[\"covered\"]'",
    "rated_us = 'yesterday'",
    "rated_us = 253402300800000000",
    "code_runs = 0",
    "delivery = '{}'",
]


@pytest.mark.parametrize("change", UNUSUAL)
def test_a_review_in_another_shape_is_written_the_general_way(tmp_path: Path, change: str) -> None:
    with _home_with_answers(tmp_path, [("one", 0, None), ("two", 5, 60_000)]) as store:
        raw = store.conn.raw
        raw.execute("DROP TRIGGER stats_review_changed")  # (the roll-up's arithmetic is not the point)
        raw.execute(f"UPDATE reviews SET {change} WHERE id = 2")
        general_calls: list[int] = []
        export_lines.review = lambda raw, rid: general_calls.append(rid) or review(raw, rid)
        try:
            lines = [line for line, _count in export_lines.question_lines(raw)]
        finally:
            export_lines.review = review
        assert general_calls == [2]
        reviewed = [line for line in lines if '"reviews": [{' in line]
        for rid in (1, 2):
            text = json.dumps(review(raw, rid), ensure_ascii=False)
            assert sum(text in line for line in reviewed) == 1
