"""An import whose questions are parsed, checked and made into rows on worker processes
(mockprep.db.import_workers) writes what an import without them writes, and names the same problems."""

from __future__ import annotations

import copy
import json
import sqlite3
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from mockprep.core.field_checks import RecordProblem
from mockprep.db import import_workers
from mockprep.db.store import Store
from mockprep.services.exchange import read_export
from tests.conftest import START
from tests.test_import_checks import valid_export  # noqa: F401 - the fixture

TABLES = ("questions", "cards", "reviews", "sessions", "mock_answers", "stories", "story_versions")
ROLLUP = ("stats_days", "stats_topic_days", "stats_topic_months", "stats_times")


def _laid_out(doc: dict[str, Any], path: Path) -> Path:
    """``doc`` written as write_export lays a file out: the questions one per line, last."""
    head = [
        f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc.items() if k != "questions"
    ]
    lines = ",\n  ".join(json.dumps(q, ensure_ascii=False) for q in doc["questions"])
    path.write_text(
        "{\n" + ",\n".join(head) + ',\n "questions": [\n  ' + lines + "\n ]\n}\n", encoding="utf-8"
    )
    return path


def _import(tmp_path: Path, name: str, file: Path, workers: int) -> Path:
    home = tmp_path / name
    head, questions = read_export(file, raw=workers > 0)
    with Store.open(home, backups=False) as store:
        store.bulk.import_data(head, questions, START, workers)
    return home


def _contents(home: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = sqlite3.connect(home / "mockprep.db")
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in TABLES + ROLLUP}
    finally:
        con.close()


def _by_workers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each question whose batch went to a worker, in order: whether the worker prepared it."""
    prepared: list[bool] = []
    outcome = import_workers._outcome

    def counted(future: Any, count: int) -> list[Any]:
        results = outcome(future, count)
        prepared.extend(r is not None for r in results)
        return results

    monkeypatch.setattr(import_workers, "_outcome", counted)
    return prepared


def _varied(doc: dict[str, Any]) -> dict[str, Any]:
    """The export with more questions answered, one review with a model's verdict (the general rows)
    and one without a uid (derived on import)."""
    doc = copy.deepcopy(doc)
    reviewed = [q for q in doc["questions"] if q["reviews"]]
    reviewed[0]["reviews"][0]["model"] = "a local model"
    del reviewed[-1]["reviews"][0]["uid"]
    return doc


def test_workers_write_what_an_import_without_them_writes(
    tmp_path: Path,
    valid_export,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = _laid_out(_varied(valid_export), tmp_path / "export.json")
    alone = _contents(_import(tmp_path, "alone", file, 0))
    assert alone["reviews"] and alone["stats_days"]
    by_workers = _by_workers(monkeypatch)
    assert _contents(_import(tmp_path, "workers", file, 2)) == alone
    assert by_workers == [True] * len(valid_export["questions"])


CASES = [
    (("reviews", 0, "rating"), 7, "reviews[0].rating: must be 1-4 (got 7)"),
    (("reviews", 0, "session"), 999, "reviews[0].session: no session 999 in sessions"),
    (("reviews", 0, "model"), "", "reviews[0].model: must not be empty"),
    (("card", "state"), 9, "card.state: must be 1-3 (got 9)"),
    (("bank",), "ghost", "bank: no bank 'ghost' in banks"),
]


@pytest.mark.parametrize(("where", "value", "expected"), CASES, ids=[c[2].split(":")[0] for c in CASES])
def test_a_problem_a_worker_meets_is_named_as_without_workers(
    tmp_path: Path,
    valid_export,  # noqa: F811
    where: tuple[Any, ...],
    value: Any,
    expected: str,
) -> None:
    doc = copy.deepcopy(valid_export)
    index = next(i for i, q in enumerate(doc["questions"]) if q["reviews"])
    target = doc["questions"][index]
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    file = _laid_out(doc, tmp_path / "export.json")
    for workers in (0, 2):
        with pytest.raises(RecordProblem) as problem:
            _import(tmp_path, f"home{workers}", file, workers)
        assert str(problem.value) == f"questions[{index}].{expected}"


@pytest.mark.parametrize(
    ("field", "expected"),
    [("key", "key: key {!r} is used twice"), ("card", "card.card_id: card id {!r} is used twice")],
)
def test_what_needs_the_other_questions_is_checked_by_the_importing_process(
    tmp_path: Path,
    valid_export,  # noqa: F811
    field: str,
    expected: str,
) -> None:
    """A key or card id used twice: each worker sees one question, the importing process both."""
    doc = copy.deepcopy(valid_export)
    first, second = doc["questions"][0], doc["questions"][1]
    if field == "key":
        second["key"], second["question"]["id"] = first["key"], first["question"]["id"]
        repeated = first["key"]
    else:
        second["card"]["card_id"] = repeated = first["card"]["card_id"]
    file = _laid_out(doc, tmp_path / "export.json")
    messages = set()
    for workers in (0, 2):
        with pytest.raises(RecordProblem) as problem:
            _import(tmp_path, f"home{workers}", file, workers)
        messages.add(str(problem.value))
    assert messages == {f"questions[1].{expected.format(repeated)}"}


@pytest.mark.parametrize(
    ("change", "imports"),
    [
        (lambda line: line[:40] + ",", False),  # cut off
        (lambda line: line + "  ", True),  # valid JSON, but not the layout export writes
        (lambda line: line.replace('"key"', '"k\\u00e9y-\\ud800"', 1), False),  # a lone surrogate
    ],
    ids=["cut-off", "trailing-blanks", "lone-surrogate"],
)
def test_a_line_the_workers_cannot_take_is_read_as_without_them(
    cli,
    home: Path,
    tmp_path: Path,
    valid_export,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    change: Any,
    imports: bool,
) -> None:
    """The file is read again without workers: accepted, or refused with the same line, as a small one."""
    file = _laid_out(valid_export, tmp_path / "export.json")
    text = file.read_text(encoding="utf-8").splitlines()
    text[-4] = change(text[-4])  # the second-to-last question's line
    file.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(import_workers.ReadAgain):
        _import(tmp_path, "direct", file, 2)
    with sqlite3.connect(tmp_path / "direct" / "mockprep.db") as con:  # nothing was written
        assert con.execute("SELECT COUNT(*) FROM questions").fetchone() == (0,)
    results = []
    for workers in (0, 2):
        monkeypatch.setattr(import_workers, "worker_count", lambda size, workers=workers: workers)
        monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / f"home{workers}"))
        results.append(cli("import", str(file)))
    assert results[0].exit_code == results[1].exit_code == (0 if imports else 2)
    assert results[0].stdout == results[1].stdout
    assert results[0].stderr == results[1].stderr


def test_without_workers_the_lines_are_prepared_in_process(
    tmp_path: Path,
    valid_export,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where processes cannot start, or a worker dies, the importing process does the work itself."""
    file = _laid_out(valid_export, tmp_path / "export.json")
    expected = _contents(_import(tmp_path, "alone", file, 0))
    monkeypatch.setattr(import_workers, "_start", lambda checker, workers: None)
    assert _contents(_import(tmp_path, "no-pool", file, 2)) == expected
    died: Future[list[Any]] = Future()
    died.set_exception(BrokenProcessPool("a worker was killed"))
    assert import_workers._outcome(died, 3) == [None, None, None]


def test_small_files_and_single_cpus_use_no_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockprep.db import processes

    monkeypatch.setattr(
        processes.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False
    )
    assert import_workers.worker_count(1 << 20) == 0
    assert import_workers.worker_count(400 << 20) == processes.MOST_WORKERS
    monkeypatch.setattr(processes.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert import_workers.worker_count(400 << 20) == 0


@pytest.mark.parametrize("compressed", [False, True], ids=["json", "gzip"])
def test_the_import_command_hands_a_large_file_to_workers(
    cli,
    home: Path,
    tmp_path: Path,
    valid_export,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    compressed: bool,
) -> None:
    import gzip

    file = _laid_out(valid_export, tmp_path / "export.json")
    if compressed:
        packed = tmp_path / "export.json.gz"
        packed.write_bytes(gzip.compress(file.read_bytes()))
        file = packed
    asked = []
    monkeypatch.setattr(import_workers, "worker_count", lambda size: asked.append(size) or 2)
    by_workers = _by_workers(monkeypatch)
    result = cli("import", str(file))
    assert result.exit_code == 0, result.stderr
    assert asked == [len(_laid_out(valid_export, tmp_path / "again.json").read_bytes())]  # (gzip: unpacked)
    assert by_workers and all(by_workers[-len(valid_export["questions"]) :])
    assert "3 reviews, 2 sessions and 2 stories" in result.stdout
    assert cli("history").exit_code == 0


def test_the_roll_up_counted_beside_the_copy_equals_a_rebuild(tmp_path: Path, valid_export) -> None:  # noqa: F811
    from mockprep.db import stats_rollup

    home = _import(tmp_path, "home", _laid_out(_varied(valid_export), tmp_path / "export.json"), 0)
    imported = _contents(home)
    con = sqlite3.connect(home / "mockprep.db")
    try:
        stats_rollup.rebuild(con)
        rebuilt = {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in ROLLUP}
    finally:
        con.rollback()
        con.close()
    assert rebuilt["stats_days"]
    assert {t: imported[t] for t in ROLLUP} == rebuilt


def test_a_count_that_fails_fails_the_import_and_a_stopped_worker_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A count that fails on its worker is run again here, where its error is raised; a worker still
    counting when the import stops is ended at once."""
    import time

    from mockprep.db import import_staging, processes
    from mockprep.db.worker_jobs import WorkerJobs

    monkeypatch.setattr(processes, "worker_count", lambda: 2)
    sqlite3.connect(tmp_path / "empty.db").close()
    args = (str(tmp_path / "empty.db"), str(tmp_path / "counted.db"), [(START, 0)], ("r", "q"))
    failed = WorkerJobs([(import_staging.count_job, args)], in_workers=True)
    assert failed.workers[0] is not None
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        failed.finish()
    failed.stop()
    with sqlite3.connect(tmp_path / "big.db") as con:  # a count that runs for minutes
        con.execute("CREATE TABLE q (id INTEGER PRIMARY KEY, round, topic, bank_id)")
        con.execute("CREATE TABLE r (question_id, rated_us, rating, duration_ms, session_id,"
                    " time_limit_ms, state_before, cram)")  # fmt: skip
        con.execute(
            "INSERT INTO r WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 3000000)"
            " SELECT 1, 1767225600000000, 3, x, NULL, NULL, 2, 0 FROM n"
        )
        con.execute("INSERT INTO q VALUES (1, 'technical', 't', 'b')")
    running = WorkerJobs([(import_staging.count_job, (str(tmp_path / "big.db"), *args[1:]))], in_workers=True)
    process = running.workers[0][0]
    time.sleep(1.0)
    started = time.monotonic()
    running.stop()
    assert not process.is_alive() and time.monotonic() - started < 5


def test_a_pool_that_cannot_start_a_worker_leaves_the_work_here() -> None:
    class NoProcesses:
        def submit(self, *args: Any) -> None:
            raise OSError(11, "Resource temporarily unavailable")

    assert import_workers._submit(NoProcesses(), [b"{}"]) is None
    assert import_workers._outcome(None, 2) == [None, None]


def test_a_long_import_counts_the_questions_on_one_line() -> None:
    import io

    from mockprep.cli.data import counted

    ticks = iter([0.0, 0.1, 0.6, 0.7])
    out = io.StringIO()
    assert list(counted(["a", "b", "c", "d"], out, lambda: next(ticks))) == ["a", "b", "c", "d"]
    assert out.getvalue() == (
        "\rreading the export: 1 question\rreading the export: 3 questions"
        "\rread 4 questions; writing the database...\n"
    )
    broken = io.StringIO()
    reading = counted(iter(["a", "b"]), broken, lambda: 0.0)
    next(reading)
    reading.close()  # the import failed: the line ends before the error is shown
    assert broken.getvalue() == "\rreading the export: 1 question\n"


def test_a_long_import_of_lines_says_how_much_of_the_file_is_read() -> None:
    import io

    from mockprep.cli.data import counted

    lines = [b"x" * 29, b"y" * 29, b"z" * 29, b"w" * 9]  # 30, 60, 90 and 100 bytes with their newlines
    ticks = iter([0.0, 0.6, 1.2, 1.3])
    out = io.StringIO()
    assert list(counted(lines, out, lambda: next(ticks), size=100)) == lines
    assert out.getvalue() == (
        "\rreading the export: 1 question (30%)\rreading the export: 2 questions (60%)"
        "\rreading the export: 3 questions (90%)\rread 4 questions; writing the database...\n"
    )
    whole = io.StringIO()  # all of it read: 99% until the line says so
    list(counted([b"x" * 99], whole, lambda: 0.0, size=100))
    assert whole.getvalue().startswith("\rreading the export: 1 question (99%)")


def test_a_worker_ends_once_the_importing_process_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from mockprep.db import processes

    ended = []
    monkeypatch.setattr(processes.os, "_exit", ended.append)
    processes._exit_with(os.getppid() + 1, every=0)  # a parent other than its own: gone
    assert ended == [0]
