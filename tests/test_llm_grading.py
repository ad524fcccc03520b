"""Language-model grading without the llm extra: the checks of a reply (pure), a plain OpenAI-compatible
server through llm_base_url (standard library HTTP, against the stub on 127.0.0.1), the benchmark mode,
and core mockprep never importing llm."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.banks import parse_question
from mockprep.core.grading import KeyPointGrader, Verdict
from mockprep.core.llm_grading import ModelReplyError, find_quote, load_reply, parse_grading
from mockprep.core.questions import QuestionSpec
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.services.llm_grader import ModelGrader
from mockprep.services.models import ModelUnavailable, open_model
from mockprep.services.openai_server import OpenAICompatibleModel
from tests.llm_stub import StubServer, recording

POINTS = ["first point", "second point"]
ANSWER = "The first point holds, but the second point runs the other way."


def reply(points: list[dict], errors: list[dict] | None = None, rating: int = 3) -> str:
    return json.dumps({"key_points": points, "factual_errors": errors or [], "suggested_rating": rating})


def point(number: int, text: str, verdict: str = "covered", quote: str = "", reason: str = "ok") -> dict:
    return {"number": number, "key_point": text, "verdict": verdict, "quote": quote, "reason": reason}


def test_a_reply_is_checked_against_the_questions_key_points() -> None:
    good = reply([point(2, "second point", "missing"), point(1, "First point.", quote="first point holds")])
    grading = parse_grading(f"```json\n{good}\n```", POINTS, ANSWER)  # a fenced block is tolerated
    assert [(p.point, p.verdict, p.evidence) for p in grading.points] == [
        ("first point", Verdict.COVERED, "first point holds"),
        ("second point", Verdict.MISSING, None),
    ]
    invented = reply([point(1, "first point"), point(2, "uses a held-out test set")])
    with pytest.raises(
        ModelReplyError, match="as 'uses a held-out test set', which is not the question's key"
    ):
        parse_grading(invented, POINTS, ANSWER)
    with pytest.raises(ModelReplyError, match="numbered 3"):
        parse_grading(reply([point(1, "first point"), point(3, "second point")]), POINTS, ANSWER)
    with pytest.raises(ModelReplyError, match="it graded key point 1 twice"):  # not "does not have 1"
        parse_grading(reply([point(1, "first point"), point(1, "first point")]), POINTS, ANSWER)
    with pytest.raises(ModelReplyError, match=r"schema \(key_points\[0\]\.verdict\)"):
        parse_grading(reply([point(1, "first point", "excellent"), point(2, "second point")]), POINTS, ANSWER)
    with pytest.raises(ModelReplyError, match="suggested_rating"):
        parse_grading(reply([point(1, "first point"), point(2, "second point")], rating=7), POINTS, ANSWER)


@pytest.mark.parametrize(
    ("verdicts", "said", "overtime", "kept"),
    [
        (("missing", "missing"), 4, False, 2),  # easy with nothing covered: a step above again
        (("covered", "covered"), 1, False, 3),  # again with everything covered: a step below easy
        (("covered", "missing"), 3, False, 3),  # within a step: the model's own
        # over time costs a step from good or easy, on the model's rating and on its verdicts' alike
        (("missing", "missing"), 4, True, 2),  # easy less a step is good; the verdicts give again
        (("covered", "covered"), 1, True, 2),  # the verdicts give easy, over time good; kept a step below
        (("covered", "missing"), 3, True, 2),  # good over time is hard, the verdicts' own
    ],
)
def test_a_models_rating_stays_within_a_step_of_its_own_verdicts(
    verdicts: tuple[str, str], said: int, overtime: bool, kept: int
) -> None:
    from mockprep.core.llm_grading import model_assessment

    quotes = ["first point holds", "second point runs"]
    points = [
        point(n, p, v, quote=q if v == "covered" else "")
        for n, (p, v, q) in enumerate(zip(POINTS, verdicts, quotes, strict=True), start=1)
    ]
    grading = parse_grading(reply(points, rating=said), POINTS, ANSWER)
    offline = KeyPointGrader().assess(spec(), ANSWER)
    assert model_assessment(offline, grading, "m", 1.0, overtime=overtime).suggested == kept


JUNK = "Expected error is bias squared plus variance plus noise. The expectation is over training sets."
JUNK_POINTS = ["assumes zero-mean noise independent of D", "add and subtract the average prediction"]


@pytest.mark.parametrize(
    ("quote", "why"),
    [
        # found by an exploratory tester: a quote not in the answer was said to be no quote at all
        ("the candidate explained this point in careful detail with an example", "does not contain"),
        ("the ... and ... of", "only words such as"),  # words the answer has, none that carries meaning
        ("", "gave no quote from the answer"),
    ],
)
@pytest.mark.parametrize("verdict", ["covered", "partly"])
def test_a_models_claim_without_a_quote_from_the_answer_keeps_the_offline_verdict(
    quote: str, why: str, verdict: str
) -> None:
    """Found by an exploratory tester: a model that ticked every point with quotes the answer does
    not hold turned a junk answer into a suggested easy."""
    from mockprep.core.llm_grading import model_assessment

    question = parse_question(
        {"id": "q", "prompt": "Derive it.", "answer": "The full derivation.", "key_points": JUNK_POINTS},
        strict=False,
    )
    offline = KeyPointGrader().assess(question, JUNK)
    assert [p.verdict for p in offline.points] == [Verdict.MISSING, Verdict.MISSING]
    claims = [point(n, p, verdict, quote=quote) for n, p in enumerate(JUNK_POINTS, start=1)]
    grading = parse_grading(reply(claims, rating=4), JUNK_POINTS, JUNK)
    final = model_assessment(offline, grading, "m", 1.0, overtime=False)
    assert [p.verdict for p in final.points] == [Verdict.MISSING, Verdict.MISSING]
    assert final.suggested == 1 and final.offline == offline
    said = "covered" if verdict == "covered" else "partly covered"
    assert all(p.reason and f"m said {said} but " in p.reason and why in p.reason for p in final.points)
    assert final.set_aside == len(final.points)


def test_a_heading_never_gives_the_offline_graders_ticks_as_the_models() -> None:
    """Found by an exploratory tester: "graded by fake", "fake ticks 5 of 6", every tick the offline
    grader's (the model's quotes were not in the answer)."""
    from mockprep.core.llm_grading import model_assessment
    from mockprep.terminal.grade import graded_by
    from mockprep.terminal.reveal import checklist_heading

    offline = KeyPointGrader().assess(spec(), ANSWER)
    invented = "words this answer never had in it at all"
    for verdicts, who in (
        (["covered", "covered"], "the offline grader"),
        (["covered", "missing"], "m and the offline grader"),
        (["missing", "missing"], "m"),
    ):
        claims = [
            point(n, p, v, invented) for n, (p, v) in enumerate(zip(POINTS, verdicts, strict=True), start=1)
        ]
        final = model_assessment(offline, parse_grading(reply(claims), POINTS, ANSWER), "m", 1.0, False)
        heading = checklist_heading([p.verdict for p in final.points], False, final).plain
        assert heading.startswith(f"Key points — {who} tick")
        assert graded_by(final).startswith(who) and (("set aside" in heading) == (who != "m"))


def test_a_models_rating_keeps_the_offline_graders_ceiling_and_its_note() -> None:
    """A bare list of terms is hard at most whoever grades it (an independent review: a model's
    rating, or one recomputed from its checklist, dropped the ceiling and the note)."""
    from dataclasses import replace as with_

    from mockprep.core.grading import TERMS_ONLY
    from mockprep.core.llm_grading import model_assessment

    offline = with_(KeyPointGrader().assess(spec(), ANSWER), ceiling=2, note=TERMS_ONLY, suggested=2)
    claims = [
        point(1, "first point", quote="first point holds"),
        point(2, "second point", quote="second point"),
    ]
    final = model_assessment(offline, parse_grading(reply(claims, rating=4), POINTS, ANSWER), "m", 1.0, False)
    assert final.suggested == 2 and final.note == TERMS_ONLY and final.ceiling == 2
    unquoted = [point(1, "first point"), point(2, "second point")]
    fallback = model_assessment(
        offline, parse_grading(reply(unquoted, rating=4), POINTS, ANSWER), "m", 1.0, False
    )
    assert fallback.suggested == 2


def test_a_quoted_claim_stands_and_an_unquoted_one_never_beats_the_offline_grader() -> None:
    from mockprep.core.llm_grading import model_assessment

    offline = KeyPointGrader().assess(spec(), ANSWER)
    assert [p.verdict for p in offline.points] == [Verdict.COVERED, Verdict.COVERED]
    claims = [point(1, "first point", "partly"), point(2, "second point", "covered", "second point runs")]
    final = model_assessment(offline, parse_grading(reply(claims, rating=4), POINTS, ANSWER), "m", 1.0, False)
    assert [(p.verdict, p.evidence) for p in final.points] == [
        (Verdict.PARTLY, offline.points[0].evidence),  # no more than the model claimed
        (Verdict.COVERED, "second point runs"),
    ]


def test_a_quote_the_answer_does_not_contain_is_never_evidence() -> None:
    assert find_quote("the SECOND point   runs", ANSWER) == "the SECOND point runs"
    assert find_quote("first point … other way", ANSWER) == "first point … other way"
    assert find_quote("the third point", ANSWER) is None
    assert find_quote("the ... and ... of", "the sum of the bias and the variance") is None  # no content
    assert find_quote("the ... bias", "the sum of the bias and the variance") == "the ... bias"
    assert find_quote("ian", "the variance") is None  # a piece is found as whole words only
    made_up = reply([point(1, "first point", quote="as Breiman showed"), point(2, "second point")])
    assert parse_grading(made_up, POINTS, ANSWER).points[0].evidence is None


@given(st.text(max_size=300))
def test_any_reply_is_a_verdict_or_a_reason_never_a_crash(text: str) -> None:
    try:
        grading = parse_grading(text, POINTS, ANSWER)
    except ModelReplyError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert len(grading.points) == len(POINTS)


def test_load_reply_names_what_is_wrong() -> None:
    for text, why in [("", "empty"), ("I cannot do that", "not JSON"), ("[1, 2]", "not a JSON object")]:
        with pytest.raises(ModelReplyError, match=why):
            load_reply(text)


def spec() -> QuestionSpec:
    return parse_question(
        {"id": "q", "prompt": "Which way?", "answer": "Both hold.", "key_points": POINTS}, strict=False
    )


def test_a_plain_openai_compatible_server_grades_without_llm(stub_server: StubServer) -> None:
    settings = replace(
        DEFAULT_SETTINGS, llm_base_url=stub_server.url, llm_model="qwen3:8b", llm_api_key="k-1"
    )
    model = open_model(settings)
    assert isinstance(model, OpenAICompatibleModel) and model.local
    final = ModelGrader(KeyPointGrader(), model, timeout=20).assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]
    assert [p.verdict for p in final.points] == [Verdict.COVERED, Verdict.CONTRADICTED]
    assert final.model == "qwen3:8b" and final.suggested == 2
    (request,) = stub_server.requests
    assert request["model"] == "qwen3:8b" and request["response_format"]["type"] == "json_schema"
    assert stub_server.headers[0]["Authorization"] == "Bearer k-1"


@pytest.mark.parametrize(
    ("name", "extra", "why"),
    [
        ("grading_refusal", {}, "it refused: I'm sorry, but I can't help with grading this request."),
        ("grading_malformed", {}, "its reply was not JSON"),
        ("grading_valid", {"status": 503}, "the server answered HTTP 503"),
        ("grading_valid", {"delay": 30}, "it did not answer within 0.5s"),
        (
            "grading_valid",
            {"status": 401},
            "the server answered HTTP 401, the key refused: set llm_api_key or MOCKPREP_LLM_API_KEY",
        ),
    ],
)
def test_a_plain_server_that_fails_leaves_the_offline_verdict(
    stub_server: StubServer, name: str, extra: dict, why: str
) -> None:
    stub_server.answer("grading", name, **extra)
    model = OpenAICompatibleModel(stub_server.url, "qwen3:8b")
    final = ModelGrader(KeyPointGrader(), model, timeout=0.5).assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]
    assert final.note == f"qwen3:8b gave no verdict ({why}); the offline grader's ticks stand."
    assert final.model is None and final.model_failure == ("qwen3:8b", why)
    assert replace(final, note=None, model_failure=None) == KeyPointGrader().assess(spec(), ANSWER)


def test_a_server_nobody_listens_on_is_a_reason() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    model = OpenAICompatibleModel(f"http://127.0.0.1:{port}/v1", "m")
    final = ModelGrader(KeyPointGrader(), model, timeout=10).assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]
    assert final.note is not None and "could not be reached" in final.note


def test_settings_that_name_no_usable_model_say_why() -> None:
    with pytest.raises(ModelUnavailable, match="must be an http"):
        open_model(replace(DEFAULT_SETTINGS, llm_base_url="localhost:11434", llm_model="m"))
    with pytest.raises(ModelUnavailable, match="llm_model is not"):
        open_model(replace(DEFAULT_SETTINGS, llm_base_url="http://localhost:11434/v1"))
    # blank is unset, as the settings check reads it: the llm library is asked, not a server ''
    for blank in ("", "   "):
        try:
            open_model(replace(DEFAULT_SETTINGS, llm_base_url=blank, llm_model="m"))
        except ModelUnavailable as exc:
            assert "not an http" not in str(exc), exc


def test_core_mockprep_never_imports_llm() -> None:
    """Every module but the one that opens a model, the CLI with them, and an offline grade: no llm."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import mockprep\n"
        "for m in pkgutil.walk_packages(mockprep.__path__, 'mockprep.'):\n"
        "    importlib.import_module(m.name)\n"
        "from mockprep.cli import main\n"
        "try:\n"
        "    main(['grade', 'random-forest-decorrelation', '--no-llm', '--answer', 'bagging'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('llm', 'openai'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_recordings_are_chat_completions() -> None:
    for name in (
        "grading_valid",
        "grading_malformed",
        "grading_invented",
        "grading_refusal",
        "follow_up",
        "story",
    ):
        body = recording(name)
        assert body["object"] == "chat.completion" and body["choices"][0]["message"]["role"] == "assistant"


def test_a_model_is_told_the_questions_misconceptions_as_false_claims() -> None:
    from mockprep.core.llm_grading import grading_request
    from mockprep.core.settings import Strictness

    wrong = "Dropout is applied at inference too, with the same rate as in training."
    listed = grading_request(replace(spec(), misconceptions=[wrong]), ANSWER, Strictness.NORMAL).prompt
    assert (
        f"Common misconceptions (each is false; an answer stating one contradicts a point):\n- {wrong}\n\n"
        in listed
    )
    assert listed.index(wrong) < listed.index("The candidate's answer:")
    assert "misconceptions" not in grading_request(spec(), ANSWER, Strictness.NORMAL).prompt


def test_the_checklist_heading_shows_partly_and_where_the_offline_grader_disagrees() -> None:
    """Found by an exploratory tester: six "partly" read "ticks 0 of 6", and the offline grader's
    count was never shown beside a model's that differed from it."""
    from mockprep.core.llm_grading import model_assessment
    from mockprep.terminal.reveal import checklist_heading

    offline = KeyPointGrader().assess(spec(), ANSWER)
    claims = [point(1, "first point", "partly", "first point holds"), point(2, "second point", "missing")]
    final = model_assessment(offline, parse_grading(reply(claims), POINTS, ANSWER), "m", 1.0, False)
    heading = checklist_heading([p.verdict for p in final.points], False, final).plain
    assert heading.startswith("Key points — m ticks 0 of 2, 1 partly")
    assert heading.endswith("· the offline grader: 2 of 2")
    agreed = replace(final, points=offline.points)
    assert "offline grader" not in checklist_heading([p.verdict for p in offline.points], False, agreed).plain


def test_keys_typed_while_a_model_grades_do_not_answer_the_checklist(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by an exploratory tester: `a` Enter typed during "ctl is still grading your answer…" ticked
    every point once the checklist prompt came, and a plain Enter accepted a checklist not yet seen."""
    import os
    import select
    from types import SimpleNamespace

    pty = pytest.importorskip("pty")
    from mockprep.terminal.reveal import confirm_checklist

    master, slave = pty.openpty()
    with os.fdopen(slave, "r", closefd=True) as terminal, os.fdopen(master, "wb", buffering=0) as keyboard:
        monkeypatch.setattr("sys.stdin", terminal)
        keyboard.write(b"a\n")  # typed during the wait, before the prompt
        select.select([terminal], [], [], 2)  # (the line has reached the terminal's queue)

        def read_line(prompt: str, countdown: object) -> str:
            if select.select([terminal], [], [], 0)[0]:
                return os.read(terminal.fileno(), 100).decode().strip()  # what was typed ahead
            return ""  # the person presses Enter at the prompt

        offline = KeyPointGrader().assess(spec(), "nothing relevant")
        attempt = SimpleNamespace(assessment=offline)
        assert confirm_checklist(read_line, attempt, lambda _line: None) == [Verdict.MISSING, Verdict.MISSING]  # type: ignore[arg-type]


def test_a_request_that_timed_out_on_its_socket_says_it_did_not_answer_in_time() -> None:
    """Found by an exploratory tester: a mock's reveal (after the round, when the socket's own timeout
    had ended the request) said "the server could not be reached (timed out)" of a slow server."""
    import urllib.error

    from mockprep.services.models import describe_failure

    assert (
        describe_failure(urllib.error.URLError(TimeoutError("timed out")), 30)
        == "it did not answer within 30s"
    )
    assert describe_failure(TimeoutError(), 2.5) == "it did not answer within 2.5s"
    assert (
        describe_failure(json.JSONDecodeError("Expecting value", "<html>", 0))
        == "the server's response was not JSON"
    )
    assert describe_failure(ConnectionRefusedError(111, "refused")).startswith(
        "the server could not be reached"
    )


def test_saying_no_at_the_first_use_question_is_said_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by an exploratory tester: answering n went on offline without a word."""
    from mockprep.cli.models import agreed

    model = OpenAICompatibleModel("http://127.0.0.1:9/v1", "m")
    assert agreed(DEFAULT_SETTINGS, model, ask=lambda _question: False) is False
    err = capsys.readouterr().err
    assert (
        err.splitlines()[-1] == "warning: nothing is sent to m: you said no (you are asked again next time)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--llm", "--no-llm"], "--llm and --no-llm say opposite things: give one of them"),
        (["--no-llm", "--llm"], "--llm and --no-llm say opposite things: give one of them"),
        (
            ["--model", "m", "--no-llm"],
            "--model chooses a model to use and --no-llm uses none: give one of them",
        ),
    ],
)
def test_options_that_contradict_each_other_are_refused(cli, args: list[str], message: str) -> None:
    """Found by an exploratory tester: the last of them silently won."""
    result = cli("grade", "random-forest-decorrelation", *args, "--answer", "bagging")
    assert result.exit_code == 2 and result.stderr.strip() == f"mockprep: error: {message}"


def test_an_answer_that_reads_like_an_option_is_not_one(cli) -> None:
    result = cli("grade", "random-forest-decorrelation", "--no-llm", "--answer", "--llm")
    assert result.exit_code == 0, result.stderr


def meets(schema: dict, value: object) -> bool:
    """Whether ``value`` meets ``schema``, for the keywords a reply's schema uses (as a server that
    holds its model to a schema with a grammar reads them)."""
    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        return False
    if kind == "object":
        properties = schema.get("properties", {})
        return (
            isinstance(value, dict)
            and all(key in value for key in schema.get("required", ()))
            and (schema.get("additionalProperties", True) or set(value) <= set(properties))
            and all(meets(properties[k], v) for k, v in value.items() if k in properties)
        )
    if kind == "array":
        return (
            isinstance(value, list)
            and schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value))
            and all(meets(schema["items"], item) for item in value)
        )
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str) if kind == "string" else True


@given(st.integers(2, 6), st.data())  # a question has 2 to 6 key points
def test_the_schema_holds_a_reply_to_exactly_the_questions_key_points(n: int, data: st.DataObject) -> None:
    """Found by an exploratory tester: a server holding SmolLM2 to the schema returned a schema-valid
    reply grading 2 of 4 key points, which mockprep then refused."""
    from mockprep.core.llm_grading import grading_request
    from mockprep.core.settings import Strictness

    points = [f"key point {i}" for i in range(1, n + 1)]
    question = parse_question(
        {"id": "q", "prompt": "Why?", "answer": "So.", "key_points": points}, strict=False
    )
    schema = grading_request(question, ANSWER, Strictness.NORMAL).schema
    order = data.draw(st.permutations(range(1, n + 1)))
    graded = [point(number, points[number - 1], "missing") for number in order]
    assert meets(schema, json.loads(reply(graded)))
    assert len(parse_grading(reply(graded), points, ANSWER).points) == n  # what it admits is accepted
    assert not meets(schema, json.loads(reply(graded[:-1])))
    assert not meets(schema, json.loads(reply([*graded, point(1, points[0])])))
    assert not meets(schema, json.loads(reply([point(n + 1, "invented"), *graded[1:]])))


WORDS = st.lists(
    st.sampled_from(["the", "variance", "is", "not", "unbiased", "estimate", "of", "x"]), min_size=8
)


@given(WORDS, WORDS, st.integers(30, 90))
def test_long_error_strongest_and_next_edit_lines_keep_their_indent(first, second, width) -> None:
    """Found by an exploratory tester: a long "Factual errors" item, "Strongest:" or "Next edit:" line of
    `grade` and `story check --llm` wrapped to column 0."""
    import io

    from rich.console import Console

    from mockprep.core.grading import Assessment
    from mockprep.core.llm_interviewer import StoryFeedback
    from mockprep.terminal.reveal import error_lines
    from mockprep.terminal.stories import render_story_feedback

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for line in error_lines(Assessment((), None, 2, "m", errors=(" ".join(first), " ".join(second)))):
        console.print(line)
    render_story_feedback(console, "m", 1.0, StoryFeedback((), " ".join(first), " ".join(second)))
    shown = out.getvalue().splitlines()
    errors = shown[1 : shown.index("")]  # (the story feedback starts after a blank line)
    assert errors[0].startswith("  ✗ ") and all(line.startswith(("  ✗ ", " " * 4)) for line in errors), shown
    after = shown[shown.index(next(line for line in shown if line.startswith("Strongest: "))) :]
    assert all(line.startswith(("Strongest: ", "Next edit: ", " " * 11)) for line in after if line), after
