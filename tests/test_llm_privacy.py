"""What the person is told about where their text goes is true: a local server is reached directly, not
through a proxy; only loopback and unspecified addresses count as local; the first-use question names
everything a request carries (against tests/llm_stub.py)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.banks import parse_question
from mockprep.core.grading import KeyPointGrader
from mockprep.core.llm_grading import grading_request
from mockprep.core.llm_interviewer import follow_up_request
from mockprep.core.settings import Strictness
from mockprep.services.llm_grader import ModelGrader
from mockprep.services.models import is_local_url
from mockprep.services.openai_server import OpenAICompatibleModel
from tests.llm_stub import StubServer


def spec():
    return parse_question(
        {
            "id": "q",
            "prompt": "Which way?",
            "answer": "Both.",
            "key_points": ["first point", "second point"],
            "misconceptions": ["it only goes one way"],
        },
        strict=False,
    )


def grade(model: OpenAICompatibleModel):
    return ModelGrader(KeyPointGrader(), model, timeout=10).assess(spec(), "first point").pending.result()  # type: ignore[union-attr]


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch):
    """A second stub standing in for the environment's HTTP proxy (it answers what it is sent)."""
    with StubServer() as server:
        address = server.url.removesuffix("/v1")
        for name in ("no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", address)
        monkeypatch.setenv("HTTP_PROXY", address)
        yield server


def test_a_local_server_is_reached_directly_whatever_the_proxy(stub_server: StubServer, proxy) -> None:
    """Found by an exploratory tester: with http_proxy set, the whole grading request for
    http://localhost:…/v1 went to the proxy, while the person was told it stays on this machine."""
    url = stub_server.url.replace("127.0.0.1", "localhost")
    model = OpenAICompatibleModel(url, "m")
    assert model.local
    assert grade(model).model == "m"
    assert len(stub_server.requests) == 1 and proxy.requests == []


def test_a_server_elsewhere_goes_through_the_proxy(proxy) -> None:
    model = OpenAICompatibleModel("http://models.example.invalid/v1", "m")
    assert not model.local
    assert grade(model).model == "m"
    assert len(proxy.requests) == 1  # the proxy was asked for it: the environment's choice is kept


LOOPBACK = st.ip_addresses(v=4, network="127.0.0.0/8") | st.just(ipaddress.ip_address("::1"))


@given(LOOPBACK, st.sampled_from(["http", "https"]), st.integers(1, 65535))
def test_loopback_addresses_and_localhost_are_local(address, scheme: str, port: int) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    assert is_local_url(f"{scheme}://{host}:{port}/v1")
    assert is_local_url(f"{scheme}://[::ffff:{address}]/v1") is (address.version == 4)
    assert is_local_url(f"{scheme}://LocalHost:{port}/v1")


@pytest.mark.parametrize("host", ["0.0.0.0", "[::]", "127.1", "0x7f.1", "2130706433", "localhost."])
def test_what_servers_print_and_short_loopback_forms_are_reached_directly(
    stub_server: StubServer, proxy, host: str
) -> None:
    """Found by a reviewer: 0.0.0.0 (what vLLM and uvicorn print), 127.1 and localhost. counted as
    elsewhere, so with http_proxy set the request went to the proxy and failed. A connection to any of
    them reaches this machine, so they are local: reached directly (the stub listens on 127.0.0.1)."""
    if host in ("[::]", "localhost."):  # (judged only: no IPv6 here, and no resolver that knows the dot)
        assert is_local_url(f"http://{host}:8000/v1")
        return
    model = OpenAICompatibleModel(stub_server.url.replace("127.0.0.1", host), "m")
    assert model.local
    assert grade(model).model == "m"
    assert len(stub_server.requests) == 1 and proxy.requests == []


@given(
    st.from_regex(r"127\.[a-z0-9]{1,12}(\.[a-z]{2,8}){1,2}", fullmatch=True)
    | st.from_regex(r"(127\.){1,3}[a-z][a-z0-9-]{0,10}", fullmatch=True)
    | st.ip_addresses(v=4).filter(lambda a: not a.is_loopback and not a.is_unspecified).map(str)
    | st.ip_addresses(v=6)
    .filter(lambda a: not (a.ipv4_mapped or a).is_loopback and not (a.ipv4_mapped or a).is_unspecified)
    .map(lambda a: f"[{a}]")
    | st.sampled_from(["localhost.example", "localhost..", "127.0.0.1.example", "0x7f.attacker", "1"])
)
def test_a_host_is_local_only_when_its_address_is_loopback(host: str) -> None:
    """Found by an exploratory tester: http://127.attacker.example/v1 was said to stay on this machine."""
    assert not is_local_url(f"http://{host}/v1")


def test_the_first_use_question_names_everything_a_request_carries_of_the_question() -> None:
    """Found by an exploratory tester: the question's misconceptions were sent, and not named."""
    from mockprep.cli.models import consent_text

    question = spec()
    sent = grading_request(question, "x", Strictness.NORMAL).prompt + follow_up_request(question, "x").prompt
    fields = {
        "key points": question.key_points,
        "model answer": [question.answer],
        "misconceptions": question.misconceptions,
    }
    model = OpenAICompatibleModel("http://localhost:1/v1", "m")
    told = consent_text(model)
    for name, values in fields.items():
        if any(value in sent for value in values):
            assert name in told, name
