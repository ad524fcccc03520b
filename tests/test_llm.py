"""The language-model grader, interviewer and story coach through the real `llm` library (the extra
mockprep[llm]): its model registry, its OpenAI client over real HTTP and its JSON-schema path, against an
OpenAI-compatible server on 127.0.0.1 that replays recorded responses (tests/llm_stub.py).

Skipped as a whole when the extra is not installed (.ci/run installs it).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("llm", reason="the llm extra is not installed: pip install -e '.[test,llm]'")

from mockprep.core.banks import parse_question  # noqa: E402
from mockprep.core.grading import KeyPointGrader, Verdict  # noqa: E402
from mockprep.core.llm_grading import (  # noqa: E402
    POINT_TOKENS,
    REPLY_TOKENS,
    STRICTNESS_RULES,
    grading_schema,
)
from mockprep.core.questions import QuestionSpec  # noqa: E402
from mockprep.core.settings import DEFAULT_SETTINGS, Strictness  # noqa: E402
from mockprep.db import review_codec
from mockprep.db.review_codec import verdict_list
from mockprep.services.llm_grader import ModelGrader, ModelInterviewer  # noqa: E402
from mockprep.services.model_worker import LlmLibraryModel  # noqa: E402
from mockprep.services.models import open_model, record_consent  # noqa: E402
from tests.conftest import START, write_bank  # noqa: E402
from tests.llm_stub import StubServer  # noqa: E402

ANSWER = "The first point holds, but the second point runs the other way."
MODEL = "stub-grader"


@pytest.fixture
def llm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stub_server: StubServer) -> Path:
    """llm's user folder with one OpenAI-compatible model, ``stub-grader``, served by the stub."""
    folder = tmp_path / "llm-user"
    folder.mkdir()
    (folder / "extra-openai-models.yaml").write_text(
        f"- model_id: {MODEL}\n"
        "  model_name: recorded-gpt-4o-mini\n"
        f"  api_base: {stub_server.url}\n"
        "  supports_schema: true\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LLM_USER_PATH", str(folder))
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "")  # only llm's own models, whatever else is installed
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return folder


def spec() -> QuestionSpec:
    return parse_question(
        {
            "id": "q",
            "prompt": "Which way?",
            "answer": "Both hold.",
            "key_points": ["first point", "second point"],
        },
        strict=False,
    )


def grader(timeout: float = 20.0, strictness: Strictness = Strictness.NORMAL) -> ModelGrader:
    model = open_model(replace(DEFAULT_SETTINGS, llm_model=MODEL))
    return ModelGrader(KeyPointGrader(), model, strictness, timeout)


def test_the_model_is_reached_through_llm_and_named_with_where_the_text_goes(llm_home: Path) -> None:
    model = open_model(replace(DEFAULT_SETTINGS, llm_model=MODEL))
    assert isinstance(model, LlmLibraryModel)
    assert model.local and "127.0.0.1" in model.destination


def test_a_valid_reply_grades_each_key_point_through_the_json_schema(
    llm_home: Path, stub_server: StubServer
) -> None:
    offline = KeyPointGrader().assess(spec(), ANSWER)
    pending = grader().assess(spec(), ANSWER).pending
    assert pending is not None and pending.model == MODEL
    final = pending.result()
    assert [p.verdict for p in final.points] == [Verdict.COVERED, Verdict.CONTRADICTED]
    assert final.points[1].evidence == "the second point runs the other way"  # a real quote of the answer
    assert final.points[1].reason == "It states the opposite of the second point."
    assert final.errors == (
        "“the second point runs the other way” — The second point holds as stated; it does not run the other way.",
    )
    assert final.suggested == 2 and final.model == MODEL and final.note is None
    assert final.seconds is not None and final.seconds >= 0
    assert final.offline == offline  # the offline verdict is kept beside it
    (request,) = stub_server.requests
    assert request["model"] == "recorded-gpt-4o-mini"
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["schema"] == grading_schema(2)
    assert request["max_tokens"] == REPLY_TOKENS + 2 * POINT_TOKENS  # a model that rambles on is stopped
    system, user = request["messages"]
    assert STRICTNESS_RULES[Strictness.NORMAL] in system["content"]
    assert ANSWER in user["content"] and "1. first point" in user["content"]


@pytest.mark.parametrize("strictness", list(Strictness))
def test_strictness_is_part_of_the_instructions(
    llm_home: Path, stub_server: StubServer, strictness: Strictness
) -> None:
    grader(strictness=strictness).assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]
    system = stub_server.requests[0]["messages"][0]["content"]
    assert STRICTNESS_RULES[strictness] in system
    assert all(rule not in system for s, rule in STRICTNESS_RULES.items() if s != strictness)


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ({"name": "grading_malformed"}, "its reply was not JSON"),
        ({"name": "grading_invented"}, "it graded 3 key points; the question has 2"),
        ({"name": "grading_refusal"}, "it refused: I'm sorry, but I can't help with grading this request."),
        ({"name": "grading_valid", "status": 400}, "the server answered HTTP 400"),
        ({"name": "grading_valid", "delay": 30}, "it did not answer within 0.5s"),
        # found by an exploratory tester: "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
        ({"body": "<html>not json</html>"}, "the server's response was not JSON"),
        (
            {"name": "grading_valid", "status": 401},
            "the server answered HTTP 401, the key refused: see: llm keys",
        ),
    ],
    ids=["malformed", "invented-key-point", "refusing", "http-error", "slow", "not-json", "key-refused"],
)
def test_no_usable_reply_leaves_the_offline_verdict_with_one_line(
    llm_home: Path, stub_server: StubServer, reply: dict, why: str
) -> None:
    stub_server.answer("grading", **reply)
    offline = KeyPointGrader().assess(spec(), ANSWER)
    timeout = 0.5 if reply.get("delay") else 20.0  # the first request in a process loads openai's client
    final = grader(timeout=timeout).assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]
    assert final.note == f"{MODEL} gave no verdict ({why}); the offline grader's ticks stand."
    assert replace(final, note=None, model_failure=None) == offline and final.model is None
    assert final.model_failure == (MODEL, why)  # the model asked and why, for the review to keep


def test_the_interviewer_writes_a_follow_up_from_the_answer(llm_home: Path, stub_server: StubServer) -> None:
    pending = ModelInterviewer(grader()).start(spec(), ANSWER)
    follow_up = pending.result()
    assert follow_up is not None and follow_up.probes == "error"
    assert follow_up.text.startswith("You said the second point runs the other way.")
    (request,) = stub_server.requests
    assert "follow_up" in request["response_format"]["json_schema"]["schema"]["properties"]
    assert ANSWER in request["messages"][1]["content"]


def test_a_mock_round_asks_the_interviewers_follow_up_and_stores_who_wrote_it(
    llm_home: Path, stub_server: StubServer, store, clock, tmp_path: Path, home: Path
) -> None:
    from fsrs import Rating

    from mockprep.core.questions import QuestionFilter
    from mockprep.practice.mock import MockOptions, MockRound
    from mockprep.services.bank_sync import sync_banks
    from tests.conftest import ScriptedUI, db_rows

    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=1)
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    model_grader = grader()
    ui = ScriptedUI([ANSWER, "I would see the reverse."], [Rating.Hard], clock=clock, answer_seconds=20)
    report = MockRound(
        store,
        ui,
        clock,
        random.Random(1),
        "technical",
        MockOptions(10, filter=QuestionFilter(banks=("demo",))),
        grader=model_grader,
        interviewer=ModelInterviewer(model_grader),
    ).run()
    assert ui.follow_ups == [recorded_follow_up()]
    assert report.answers[0].follow_up_answer == "I would see the reverse."
    ((follow_up, who, model, model_proposed, grader_name, proposed),) = db_rows(
        home,
        "SELECT m.follow_up, m.follow_up_model, r.model, r.model_proposed, r.grader, r.proposed"
        " FROM mock_answers m JOIN reviews r ON r.id = m.review_id",
    )
    assert (follow_up, who, model) == (recorded_follow_up(), MODEL, MODEL)
    assert verdict_list(model_proposed) == ["covered", "contradicted"]
    assert (
        review_codec.grader_name(grader_name).startswith("key points")
        and verdict_list(proposed)[0] == "covered"
    )
    # history shows the key points the rating rests on (the model's), not the answer-time grading
    (stored,) = store.sessions.answers(report.session_id)
    assert stored.coverage == report.answers[0].attempt.assessment.coverage


def recorded_follow_up() -> str:
    from tests.llm_stub import recording

    content = recording("follow_up")["choices"][0]["message"]["content"]
    return json.loads(content)["follow_up"]


# The command line: the first-use question, --llm/--no-llm, and the verdict shown and stored.


@pytest.fixture
def demo_cli(cli, tmp_path: Path, llm_home: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=1)
    assert cli("bank", "add", str(folder)).exit_code == 0
    monkeypatch.setenv("MOCKPREP_LLM_MODEL", MODEL)
    return cli


def _agree(home: Path) -> None:
    from mockprep.paths import ensure_home

    record_consent(ensure_home(home), open_model(replace(DEFAULT_SETTINGS, llm_model=MODEL)), START)


def test_nothing_is_sent_before_the_person_agrees(demo_cli, stub_server: StubServer) -> None:
    """Found by an exploratory tester: piped, `grade --llm` said "mockprep: error: nothing was sent to
    M" and graded nothing, where the README (and `session`) go on offline; exit 1 still tells a script
    that no model was asked, as the README's command table says."""
    result = demo_cli("grade", "demo/q1", "--llm", "--answer", ANSWER)
    assert result.exit_code == 1
    said = " ".join(result.stderr.split())
    assert f"would send your answers to {MODEL}, at the server at {stub_server.url}" in said
    assert "it stays on this machine" in said
    assert max(map(len, result.stderr.splitlines()[:-2])) <= 100  # the question, wrapped
    assert result.stderr.strip().splitlines()[-1].startswith(f"warning: nothing was sent to {MODEL}: ")
    assert "the grader ticks" in result.stdout  # graded offline all the same
    assert stub_server.requests == []


def test_grade_with_the_model_prints_its_verdict_and_latency(
    demo_cli, stub_server: StubServer, home: Path
) -> None:
    _agree(home)
    data = json.loads(demo_cli("grade", "demo/q1", "--llm", "--json", "--answer", ANSWER).stdout)
    assert data["model"] == MODEL and data["model_seconds"] >= 0
    assert [p["verdict"] for p in data["key_points"]] == ["covered", "contradicted"]
    assert data["factual_errors"] and data["suggested"] == 2
    assert data["offline"]["grader"].startswith("key points")
    shown = demo_cli("grade", "demo/q1", "--model", MODEL, "--answer", ANSWER).stdout
    assert f"{MODEL} ticks 1 of 2" in shown and "Factual errors" in shown
    offline = demo_cli("grade", "demo/q1", "--no-llm", "--answer", ANSWER)
    assert MODEL not in offline.stdout + offline.stderr
    assert len(stub_server.requests) == 2  # --no-llm sent nothing


def test_grade_says_in_one_line_when_the_model_gives_no_verdict(
    demo_cli, stub_server: StubServer, home: Path
) -> None:
    _agree(home)
    stub_server.answer("grading", "grading_malformed")
    result = demo_cli("grade", "demo/q1", "--llm", "--answer", ANSWER)
    assert result.exit_code == 0
    line = f"{MODEL} gave no verdict (its reply was not JSON); the offline grader's ticks stand."
    assert " ".join((result.stdout + result.stderr).split()).count(line) == 1
    assert "the grader ticks" in result.stdout


def test_an_unknown_model_is_one_line(demo_cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKPREP_LLM_MODEL", "no-such-model")
    result = demo_cli("grade", "demo/q1", "--llm", "--answer", ANSWER)
    assert result.exit_code == 1
    assert result.stderr == "warning: Unknown model: no-such-model (see: llm models); grading offline\n"
    assert "the grader ticks" in result.stdout


def test_story_check_adds_the_models_feedback_without_changing_the_score(
    demo_cli, stub_server: StubServer, home: Path, tmp_path: Path
) -> None:
    _agree(home)
    story = tmp_path / "story.md"
    story.write_text(STORY, encoding="utf-8")
    assert demo_cli("story", "new", "--from", str(story)).exit_code == 0
    plain = demo_cli("story", "check", "1")
    with_model = demo_cli("story", "check", "1", "--llm")
    assert with_model.exit_code == 0
    assert with_model.stdout.startswith(plain.stdout)  # the rubric's check, unchanged, comes first
    feedback = with_model.stdout[len(plain.stdout) :]
    assert f"Feedback from {MODEL}" in feedback and "it does not change the score" in feedback
    assert "Add a number: by how much did the latency drop?" in feedback
    assert "Next edit: Quantify the result in one sentence." in feedback
    (request,) = stub_server.requests
    assert "Cut p99 latency" in request["messages"][1]["content"]


def test_story_check_and_grade_agree_on_a_model_that_gives_nothing(
    demo_cli, stub_server: StubServer, home: Path, tmp_path: Path
) -> None:
    """Found by an exploratory tester: `story check ID --model M` with no feedback exited 1, `grade`
    with no verdict 0. Asked and silent is exit 0 with one line; never asked is exit 1."""
    story = tmp_path / "story.md"
    story.write_text(STORY, encoding="utf-8")
    assert demo_cli("story", "new", "--from", str(story)).exit_code == 0
    rubric = demo_cli("story", "check", "1").stdout
    unagreed = demo_cli("story", "check", "1", "--llm")  # never asked (no terminal to agree at)
    assert unagreed.exit_code == 1 and unagreed.stdout == rubric
    assert unagreed.stderr.strip().splitlines()[-1].startswith(f"warning: nothing was sent to {MODEL}")
    _agree(home)
    stub_server.answer("story", "grading_malformed")
    stub_server.answer("grading", "grading_malformed")
    silent_story = demo_cli("story", "check", "1", "--model", MODEL)
    silent_grade = demo_cli("grade", "demo/q1", "--model", MODEL, "--answer", ANSWER)
    assert silent_story.exit_code == silent_grade.exit_code == 0
    assert silent_story.stdout == rubric
    assert silent_story.stderr == (
        f"warning: {MODEL} gave no feedback (its reply was not JSON); the rubric's check above stands\n"
    )
    assert f"{MODEL} gave no verdict (its reply was not JSON)" in " ".join(silent_grade.stdout.split())


STORY = """# Cut p99 latency

Competencies: ownership

## Situation
Our ranking service missed its latency target before a launch.

## Task
I owned bringing p99 latency under 200 ms within two weeks.

## Action
I profiled the service, found a slow feature join, and I cached it per request.

## Result
p99 latency fell from 450 ms to 180 ms and the launch went ahead on time.

## Reflection
I now profile before I optimise.
"""


def test_a_broken_models_file_is_named(llm_home: Path) -> None:
    """Found by an exploratory tester: "llm could not load the model: ParserError: while parsing a flow
    sequence", without the file."""
    from mockprep.services.models import ModelUnavailable

    (llm_home / "extra-openai-models.yaml").write_text("- model_id: broken\n  api_base: [unclosed\n")
    with pytest.raises(ModelUnavailable) as caught:
        open_model(replace(DEFAULT_SETTINGS, llm_model="broken"))
    message = str(caught.value)
    assert f"{llm_home / 'extra-openai-models.yaml'}, line 3 is not valid YAML" in message
    assert "\n" not in message
