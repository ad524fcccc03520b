"""A plain OpenAI-compatible server (llm_base_url) as servers really differ: one that refuses a JSON
schema as llama-cpp-python's does, one that refuses max_tokens, error messages in their own words, a
reply cut at its cap, and a request given up whose connection is closed (against tests/llm_stub.py)."""

from __future__ import annotations

import json
import time

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.banks import parse_question
from mockprep.core.grading import KeyPointGrader
from mockprep.core.llm_grading import POINT_TOKENS, REPLY_TOKENS
from mockprep.services.llm_grader import ModelGrader
from mockprep.services.models import MESSAGE_CHARS, error_message
from mockprep.services.openai_server import OpenAICompatibleModel
from tests.llm_stub import StubServer, completion, recording

ANSWER = "The first point holds, but the second point runs the other way."

# llama-cpp-python 0.3's server, asked for response_format json_schema (its body, as it answers)
LLAMA_CPP_PYTHON_REFUSAL = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
        "'ctx': {'expected': \"'text' or 'json_object'\"}}",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}


def spec():
    return parse_question(
        {"id": "q", "prompt": "Which way?", "answer": "Both.", "key_points": ["first point", "second point"]},
        strict=False,
    )


def grade(model: OpenAICompatibleModel, timeout: float = 20):
    return ModelGrader(KeyPointGrader(), model, timeout=timeout).assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]


def like_llama_cpp_python(request: dict):
    if request["response_format"]["type"] != "json_object":
        return 500, LLAMA_CPP_PYTHON_REFUSAL
    return recording("grading_valid")


def test_a_server_that_refuses_a_json_schema_is_asked_for_a_json_object_once_for_the_run(
    stub_server: StubServer,
) -> None:
    """Found by an exploratory tester: against llama-cpp-python's server every answer got "the server
    answered HTTP 500", and nothing said why."""
    stub_server.answer("grading", body=like_llama_cpp_python)
    model = OpenAICompatibleModel(stub_server.url, "smollm2")
    first, second = grade(model), grade(model)
    assert first.model == second.model == "smollm2" and first.note is None
    formats = [r["response_format"] for r in stub_server.requests]
    assert [f["type"] for f in formats] == ["json_schema", "json_object", "json_object"]  # remembered
    assert formats[1]["schema"] == stub_server.requests[0]["response_format"]["json_schema"]["schema"]
    assert '"suggested_rating"' in stub_server.requests[1]["messages"][0]["content"]  # and in words


def test_a_server_that_refuses_even_a_json_object_says_why_in_its_words(stub_server: StubServer) -> None:
    stub_server.answer("grading", body=lambda _request: (500, LLAMA_CPP_PYTHON_REFUSAL))
    final = grade(OpenAICompatibleModel(stub_server.url, "smollm2"))
    assert final.note == (
        "smollm2 gave no verdict (the server answered HTTP 500: response_format.type: Input should be"
        " 'text' or 'json_object'); the offline grader's ticks stand."
    )
    assert len(stub_server.requests) == 3  # each format once, never a loop


def test_the_reply_is_capped_by_the_number_of_key_points(stub_server: StubServer) -> None:
    grade(OpenAICompatibleModel(stub_server.url, "m"))
    assert stub_server.requests[0]["max_tokens"] == REPLY_TOKENS + 2 * POINT_TOKENS
    cut = completion(recording("grading_valid")["choices"][0]["message"]["content"][:200])
    cut["choices"][0]["finish_reason"] = "length"
    stub_server.answer("grading", body=cut)
    final = grade(OpenAICompatibleModel(stub_server.url, "m"))
    assert (
        final.note is not None and f"its reply was cut off at the {REPLY_TOKENS + 512} tokens" in final.note
    )


def test_a_server_that_refuses_max_tokens_is_asked_without_it(stub_server: StubServer) -> None:
    def no_max_tokens(request: dict):
        if "max_tokens" in request:
            message = "Unsupported parameter: 'max_tokens' is not supported with this model."
            return 400, {"error": {"message": message, "type": "invalid_request_error"}}
        return recording("grading_valid")

    stub_server.answer("grading", body=no_max_tokens)
    model = OpenAICompatibleModel(stub_server.url, "o-model")
    assert grade(model).model == grade(model).model == "o-model"
    assert ["max_tokens" in r for r in stub_server.requests] == [True, False, False]


def test_a_servers_error_message_is_shown_in_one_line(stub_server: StubServer) -> None:
    message = "Requested tokens (1706) exceed context window of 512"
    stub_server.answer("grading", body=lambda _r: (400, {"error": {"message": message}}))
    final = grade(OpenAICompatibleModel(stub_server.url, "m"))
    assert (
        final.note
        == f"m gave no verdict (the server answered HTTP 400: {message}); the offline grader's ticks stand."
    )


def test_a_request_given_up_closes_its_connection(stub_server: StubServer) -> None:
    stub_server.answer("grading", "grading_valid", delay=30)
    final = grade(OpenAICompatibleModel(stub_server.url, "m"), timeout=0.5)
    gave_up = time.monotonic()
    assert final.note is not None and "it did not answer within 0.5s" in final.note
    while not stub_server.hung_up and time.monotonic() < gave_up + 3:  # not at the socket's 5.5 s
        time.sleep(0.05)
    assert stub_server.hung_up and stub_server.hung_up[0] - gave_up < 2


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: (
            st.lists(inner)
            | st.dictionaries(st.sampled_from(["error", "message", "detail", "loc", "msg", "x"]), inner)
        ),
    )
)
def test_any_error_body_is_one_short_line_or_none(data: object) -> None:
    for form in (data, json.dumps(data)):
        message = error_message(form)
        assert message is None or ("\n" not in message and 0 < len(message) <= MESSAGE_CHARS)


def test_error_messages_in_the_shapes_servers_use() -> None:
    assert error_message({"detail": [{"loc": ["body", "max_tokens"], "msg": "must be positive"}]}) == (
        "max_tokens: must be positive"
    )
    assert error_message({"error": "model 'x' not found"}) == "model 'x' not found"
    assert (
        error_message(LLAMA_CPP_PYTHON_REFUSAL)
        == "response_format.type: Input should be 'text' or 'json_object'"
    )
    assert error_message({"error": {"message": ""}}) is None


def test_a_reply_too_large_is_no_verdict_and_never_read_whole(stub_server: StubServer) -> None:
    """Found by an exploratory tester: a 60 MB reply was read whole (311 MB of memory) before it was
    found not to be JSON."""
    from mockprep.services.models import REPLY_BYTES

    stub_server.answer("grading", body=completion("A" * (REPLY_BYTES + 1)))
    final = grade(OpenAICompatibleModel(stub_server.url, "m"))
    assert final.model is None and final.note is not None and "its reply was too large" in final.note


class Unannounced:
    """A response without a Content-Length (chunked), ``size`` bytes long, counting what is read."""

    def __init__(self, size: int):
        self.headers: dict[str, str] = {}
        self.size, self.read_bytes = size, 0

    def read(self, amount: int) -> bytes:
        self.read_bytes = min(amount, self.size)
        return b"x" * self.read_bytes


@given(st.integers(0, 4000), st.integers(1, 2000))
def test_a_body_is_read_up_to_the_cap_and_refused_beyond_it(size: int, limit: int) -> None:
    from mockprep.core.llm_grading import ModelReplyError
    from mockprep.services.openai_server import read_capped

    response = Unannounced(size)
    try:
        assert read_capped(response, limit) == b"x" * size and size <= limit
    except ModelReplyError as exc:
        assert size > limit and "too large" in str(exc)
    assert response.read_bytes <= limit + 1


def test_a_404_names_the_address_asked_and_a_missing_v1(stub_server: StubServer) -> None:
    """Found by an exploratory tester: a base address without /v1 gave 'the server answered HTTP 404: 404
    page not found' at every answer, naming no address."""
    stub_server.answer("grading", body=lambda _request: (404, "404 page not found"))
    bare = stub_server.url.removesuffix("/v1")
    note = grade(OpenAICompatibleModel(bare, "m")).note or ""
    assert f"HTTP 404 for {bare}/chat/completions" in note and "ends in /v1" in note
    note = grade(OpenAICompatibleModel(stub_server.url, "m")).note or ""  # (a model not found, say)
    assert f"HTTP 404 for {stub_server.url}/chat/completions" in note and "ends in /v1" not in note
