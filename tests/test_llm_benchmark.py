"""``python -m benchmarks.grading --grader llm``: a model's figures are its own or absent, its reasons for
giving no verdict are grouped, and Ctrl-C prints what was graded so far (against the stub server)."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from benchmarks.grading.__main__ import main
from benchmarks.grading.model import group_reasons
from tests.llm_stub import StubServer, completion


def point(number: int, text: str) -> dict:
    return {"number": number, "key_point": text, "verdict": "covered", "quote": "", "reason": "ok"}


def all_covered(request: dict) -> dict:
    """A perfect model: every key point listed in the prompt covered, rating 4."""
    prompt = request["messages"][1]["content"]
    rubric = prompt.split("Key points (the rubric):\n", 1)[1].split("\n\n", 1)[0]
    points = [re.match(r"(\d+)\. (.*)", line).groups() for line in rubric.splitlines()]  # type: ignore[union-attr]
    reply = {"key_points": [point(int(n), t) for n, t in points], "factual_errors": [], "suggested_rating": 4}
    return completion(json.dumps(reply))


def run(stub_server: StubServer, *more: str) -> int:
    return main(["--grader", "llm", "--base-url", stub_server.url, "--model", "stub", *more])


def test_the_benchmark_grades_the_labelled_answers_with_a_model(stub_server: StubServer, capsys) -> None:
    stub_server.answer("grading", body=all_covered)
    assert run(stub_server, "--limit", "3") == 0
    out = capsys.readouterr().out
    assert out.startswith("grader stub (normal), development set\n")
    assert "over the 3 of 3 answers it gave a verdict on\nanswers 3: within one" in out
    assert "model verdicts: 3 of 3 answers graded by the model" in out
    assert len(stub_server.requests) == 3


def test_a_model_that_graded_nothing_has_no_figures(stub_server: StubServer, capsys) -> None:
    """Found by an exploratory tester: SmolLM2 graded none of 20 answers, and the headline 'within one
    0.85, exact 0.60' was the offline grader's."""
    stub_server.answer("grading", "grading_valid")  # two key points: the dev set's questions have more
    assert run(stub_server, "--limit", "4") == 0
    out = capsys.readouterr().out
    assert "no figures: stub gave a usable verdict on 0 of 4 answers" in out
    assert "within one" not in out and "latency: median" not in out
    reasons = [line for line in out.splitlines() if line.startswith("  no verdict")]
    assert sum(int(re.search(r"\): (\d+),", line).group(1)) for line in reasons) == 4  # type: ignore[union-attr]
    assert all(re.search(r"after median \d+ ms, slowest \d+ ms$", line) for line in reasons), reasons


def test_only_the_answers_the_model_graded_make_its_figures(stub_server: StubServer, capsys) -> None:
    graded = []

    def every_other(request: dict) -> dict:
        graded.append(1)
        return all_covered(request) if len(graded) % 2 else completion("not json")

    stub_server.answer("grading", body=every_other)
    assert run(stub_server, "--limit", "4") == 0
    out = capsys.readouterr().out
    assert "over the 2 of 4 answers it gave a verdict on\nanswers 2: within one" in out
    assert "model verdicts: 2 of 4" in out and "  no verdict (its reply was not JSON): 2, after" in out


def test_ctrl_c_prints_the_figures_so_far(stub_server: StubServer, capsys, monkeypatch) -> None:
    from mockprep.services.llm_grader import ModelGrader

    stub_server.answer("grading", body=all_covered)
    calls = []
    assess = ModelGrader.assess

    def interrupted_third(self, spec, answer, overtime=False):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return assess(self, spec, answer, overtime)

    monkeypatch.setattr(ModelGrader, "assess", interrupted_third)
    assert run(stub_server, "--limit", "5") == 130
    out = capsys.readouterr().out
    assert "interrupted: 2 of 5 answers graded" in out and "answers 2: within one" in out


TEMPLATES = ["ValueError: Requested tokens ({}) exceed context window of {}", "it answered HTTP {} after {}s"]
NUMBER = st.integers(0, 10**6)


@given(st.lists(st.tuples(st.sampled_from(TEMPLATES), NUMBER, NUMBER)))
def test_reasons_that_differ_only_in_numbers_are_one_line_with_their_range(cases) -> None:
    grouped = group_reasons([(template.format(a, b), 1.0) for template, a, b in cases])
    assert sum(len(seconds) for _why, seconds in grouped) == len(cases)
    assert len(grouped) == len({template for template, _a, _b in cases})
    for why, _seconds in grouped:
        (template,) = [t for t in TEMPLATES if why.startswith(t[:10])]
        pairs = [(a, b) for t, a, b in cases if t == template]
        for position, shown in enumerate(re.findall(r"\d+(?:-\d+)?", why)):
            low, high = min(p[position] for p in pairs), max(p[position] for p in pairs)
            assert shown == (str(low) if low == high else f"{low}-{high}")


def test_base_url_and_model_alone_grade_with_the_model(stub_server: StubServer, capsys) -> None:
    """Found by an exploratory tester: without --grader llm, --base-url and --model were ignored and the
    offline grader's figures printed, no request sent."""
    stub_server.answer("grading", body=all_covered)
    assert main(["--base-url", stub_server.url, "--model", "stub", "--limit", "2"]) == 0
    assert len(stub_server.requests) == 2
    assert "model verdicts: 2 of 2 answers graded by the model" in capsys.readouterr().out


@given(st.sampled_from(["default", "words", "lexical"]))
def test_a_model_with_another_grader_is_refused_in_one_line(grader: str) -> None:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stderr(out):
        assert main(["--grader", grader, "--model", "stub", "--base-url", "http://127.0.0.1:9/v1"]) == 2
    (line,) = out.getvalue().splitlines()
    assert grader in line and "--model" in line


def keys_sent(stub_server: StubServer) -> set[str | None]:
    return {headers.get("Authorization") for headers in stub_server.headers}


def test_the_key_comes_from_where_mockprep_reads_it(stub_server: StubServer, monkeypatch, capsys) -> None:
    """Found by an exploratory tester: the benchmark sent no key, while its 401 line said to set
    llm_api_key or MOCKPREP_LLM_API_KEY. The key mockprep reads goes only to the server it is for,
    llm_base_url (found by a reviewer: it went to whatever --base-url named)."""
    import os
    from pathlib import Path

    from mockprep.services.settings_file import config_path, set_value

    stub_server.answer("grading", body=all_covered)
    home = Path(os.environ["MOCKPREP_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    set_value(config_path(home), "llm_api_key", "sk-from-the-file")
    set_value(config_path(home), "llm_base_url", stub_server.url + "/")  # (a trailing slash is the same)
    assert run(stub_server, "--limit", "1") == 0
    assert keys_sent(stub_server) == {"Bearer sk-from-the-file"}
    monkeypatch.setenv("MOCKPREP_LLM_API_KEY", "sk-from-the-variable")
    stub_server.headers.clear()
    assert run(stub_server, "--limit", "1") == 0
    assert keys_sent(stub_server) == {"Bearer sk-from-the-variable"}
    monkeypatch.setenv("SERVER_KEY", "sk-named")
    stub_server.headers.clear()
    assert run(stub_server, "--limit", "1", "--api-key-env", "SERVER_KEY") == 0
    assert keys_sent(stub_server) == {"Bearer sk-named"}


def test_another_server_is_sent_no_key_of_mockprep(stub_server: StubServer, monkeypatch, capsys) -> None:
    """--base-url naming a server other than llm_base_url is sent neither llm_api_key nor
    MOCKPREP_LLM_API_KEY (found by a reviewer: both went to any --base-url), only an --api-key-env key;
    its 401 line says to name one."""
    import os
    from pathlib import Path

    from mockprep.services.settings_file import config_path, set_value

    home = Path(os.environ["MOCKPREP_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    set_value(config_path(home), "llm_api_key", "sk-from-the-file")
    set_value(config_path(home), "llm_base_url", "http://127.0.0.1:9/v1")
    stub_server.answer("grading", body=all_covered)
    assert run(stub_server, "--limit", "1") == 0
    monkeypatch.setenv("MOCKPREP_LLM_API_KEY", "sk-from-the-variable")
    assert run(stub_server, "--limit", "1") == 0
    assert keys_sent(stub_server) == {None}
    monkeypatch.setenv("SERVER_KEY", "sk-named")
    assert run(stub_server, "--limit", "1", "--api-key-env", "SERVER_KEY") == 0
    assert keys_sent(stub_server) == {None, "Bearer sk-named"}
    capsys.readouterr()
    stub_server.answer("grading", status=401, body={"error": {"message": "no key"}})
    assert run(stub_server, "--limit", "1") == 0
    assert "the key refused: name the variable that holds this server's key with --api-key-env" in (
        capsys.readouterr().out
    )


def test_a_refused_key_names_where_this_run_read_it(stub_server: StubServer, monkeypatch, capsys) -> None:
    stub_server.answer("grading", status=401, body={"error": {"message": "bad key"}})
    monkeypatch.setenv("SERVER_KEY", "sk-wrong")
    assert run(stub_server, "--limit", "1", "--api-key-env", "SERVER_KEY") == 0
    assert "the key refused: set SERVER_KEY" in capsys.readouterr().out
    assert run(stub_server, "--limit", "1", "--api-key-env", "UNSET_KEY_VARIABLE") == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "UNSET_KEY_VARIABLE" in line
