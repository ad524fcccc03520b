"""While a person's code runs at a terminal: a line saying which test is under way, with the clock,
and Ctrl-C stopping that run alone (found by an exploratory tester: a looping solution froze the
screen for 10 s, the clock gone, and Ctrl-C ended the whole session)."""

from __future__ import annotations

import io
import os
import signal
import time
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mockprep.cli.context import signals_interrupt
from mockprep.core.code_format import CodeTest
from mockprep.core.questions import QuestionSpec
from mockprep.core.timer import Countdown
from mockprep.practice import code_answer
from mockprep.services.code_runner import CodeRunner, RunLimits
from mockprep.terminal.code_run import running_line
from tests.conftest import START, FakeClock


@given(tests=st.integers(1, 100), steps=st.lists(st.one_of(st.none(), st.integers(0, 99)), max_size=8))
def test_the_line_names_the_test_under_way_with_the_clock_and_is_cleared(tests: int, steps: list) -> None:
    clock = FakeClock(START, tick=timedelta(seconds=1))
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with running_line(console, tests, Countdown(300, START), clock) as show:
        for test in steps:
            show(None if test is None else test % tests)
    written = out.getvalue()
    for test in steps:
        said = "Starting Python..." if test is None else f"Running test {test % tests + 1} of {tests}..."
        assert said in written
    if steps:
        assert "left of 5:00" in written and "(Ctrl-C stops the run)" in written
        assert written.endswith("\r\x1b[2K")  # the line is gone once the run is over
    else:
        assert written == ""


def test_no_line_when_the_output_is_no_terminal() -> None:
    out = io.StringIO()
    with running_line(Console(file=out, force_terminal=False), 3, None, None) as show:
        show(0)
    assert out.getvalue() == ""


def test_the_runner_tells_which_test_is_under_way() -> None:
    spec = QuestionSpec(
        id="q",
        prompt="p",
        answer="a",
        key_points=["x", "y"],
        kind="code",
        solution="def f():\n    return 1\n",
        tests=[CodeTest(code="import time; time.sleep(0.3)"), CodeTest(code="import time; time.sleep(0.3)")],
    )
    runner = CodeRunner(RunLimits(test_seconds=5.0))
    seen: list[int | None] = []
    runner.watch = seen.append
    run = runner.run(spec, spec.solution or "")
    assert run.all_passed
    shown = [test for n, test in enumerate(seen) if n == 0 or seen[n - 1] != test]
    assert shown == [None, 0, 1]  # starting, then each test in turn


def test_ctrl_c_while_code_runs_is_run_stopped_and_otherwise_ends_the_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with signals_interrupt():
        monkeypatch.setattr(code_answer._Run, "open", True)
        with pytest.raises(code_answer.RunStopped):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # (the handler raises as soon as the signal arrives)
        monkeypatch.setattr(code_answer._Run, "open", False)
        with pytest.raises(KeyboardInterrupt):  # at any other time Ctrl-C ends the session, as before
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # (the handler raises as soon as the signal arrives)
