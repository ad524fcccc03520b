"""A review whose language model gave no verdict keeps which model was asked and why it gave none
(m029), shown in history, counted by stats, carried by an export (against tests/llm_stub.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mockprep.core.grader_agreement import ModelAnswers, model_figures
from mockprep.core.grading import KeyPointGrader
from mockprep.services.llm_grader import ModelGrader
from mockprep.services.openai_server import OpenAICompatibleModel
from tests.conftest import ScriptedUI, db_rows, write_bank
from tests.llm_stub import StubServer

ANSWER = "The first point holds, but the second point runs the other way."


def mock_round(store, clock, tmp_path: Path, model: OpenAICompatibleModel, answers: int = 1):
    """A mock round of ``answers`` questions graded by ``model`` (its checklists kept, rated hard)."""
    from fsrs import Rating

    from mockprep.core.questions import QuestionFilter
    from mockprep.practice.mock import MockOptions, MockRound
    from mockprep.services.bank_sync import sync_banks

    folder = tmp_path / "mine"
    folder.mkdir(exist_ok=True)
    write_bank(folder / "demo.toml", n=answers)
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    ui = ScriptedUI([ANSWER] * answers, [Rating.Hard] * answers, clock=clock, answer_seconds=20)
    grader = ModelGrader(KeyPointGrader(), model, timeout=20)
    options = MockOptions(10 * answers, filter=QuestionFilter(banks=("demo",)))
    return MockRound(store, ui, clock, random.Random(1), "technical", options, grader=grader).run()


def test_a_review_keeps_the_model_asked_and_why_it_gave_no_verdict(
    stub_server: StubServer, store, clock, tmp_path: Path, home: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an exploratory tester: a review whose model gave no verdict kept no trace of it
    (reviews.model, model_proposed, model_suggested, model_errors all empty), so nobody could count how
    often their model failed."""
    stub_server.answer("grading", "grading_malformed")
    report = mock_round(store, clock, tmp_path, OpenAICompatibleModel(stub_server.url, "smollm2"))
    rows = db_rows(
        home, "SELECT model, model_failure, model_proposed, model_suggested, model_errors FROM reviews"
    )
    assert rows == [("smollm2", "its reply was not JSON", None, None, None)]
    history = " ".join(cli("history", str(report.session_id)).stdout.split())
    assert "smollm2 gave no verdict (its reply was not JSON)" in history
    stats = cli("stats", "--json")
    assert json.loads(stats.stdout)["grader"]["models"] == [
        {
            "model": "smollm2",
            "asked": 1,
            "verdicts": 0,
            "no_verdict": 1,
            "most_often": "its reply was not JSON",
        }
    ]
    shown = " ".join(cli("stats").stdout.split())
    assert (
        "Model smollm2: a verdict on 0 of 1 answer it was asked to grade; none on 1, most often: its reply"
        in shown
    )
    exported = tmp_path / "export.json"
    assert cli("export", "-o", str(exported)).exit_code == 0
    (review,) = [r for q in json.loads(exported.read_text())["questions"] for r in q.get("reviews", [])]
    assert (review["model"], review["model_failure"]) == ("smollm2", "its reply was not JSON")
    assert "model_proposed" not in review
    other = tmp_path / "other-home"
    monkeypatch.setenv("MOCKPREP_HOME", str(other))
    assert cli("import", str(exported)).exit_code == 0
    assert db_rows(other, "SELECT model, model_failure FROM reviews") == [
        ("smollm2", "its reply was not JSON")
    ]
    # ... and by a merge (a second review found import --merge dropped every model field)
    third = tmp_path / "third-home"
    monkeypatch.setenv("MOCKPREP_HOME", str(third))
    assert cli("bank", "add", str(tmp_path / "mine")).exit_code == 0
    assert cli("import", str(exported), "--merge").exit_code == 0
    assert db_rows(third, "SELECT model, model_failure FROM reviews") == [
        ("smollm2", "its reply was not JSON")
    ]


def test_a_review_with_a_verdict_keeps_no_failure(
    stub_server: StubServer, store, clock, tmp_path, home
) -> None:
    mock_round(store, clock, tmp_path, OpenAICompatibleModel(stub_server.url, "qwen3:8b"))
    ((model, failure, proposed),) = db_rows(home, "SELECT model, model_failure, model_proposed FROM reviews")
    assert (model, failure) == ("qwen3:8b", None) and proposed is not None


def test_each_model_is_counted_with_its_most_frequent_reason() -> None:
    rows = [
        ModelAnswers("a", None, 3),
        ModelAnswers("a", "it did not answer within 30s", 2),
        ModelAnswers("a", "its reply was not JSON", 1),
        ModelAnswers("b", "its reply was not JSON", 9),
    ]
    assert model_figures(rows) == [
        {"model": "b", "asked": 9, "verdicts": 0, "no_verdict": 9, "most_often": "its reply was not JSON"},
        {
            "model": "a",
            "asked": 6,
            "verdicts": 3,
            "no_verdict": 3,
            "most_often": "it did not answer within 30s",
        },
    ]
