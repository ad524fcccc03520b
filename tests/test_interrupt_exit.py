"""An interrupted session, drill or mock ends with the shell's code for its signal (130 for Ctrl-C),
after its summary, so a script can tell it from one that finished (found by an exploratory tester: it
exited 0)."""

from __future__ import annotations

import io
import random
import signal
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating

from mockprep.core.questions import QuestionFilter
from mockprep.db.store import Store
from mockprep.practice.pipeline import SessionInterrupted
from mockprep.practice.session import Session, SessionOptions
from tests.conftest import FakeClock, ScriptedUI


class CtrlCAfter(io.StringIO):
    """Standard input that gives its lines, then a Ctrl-C where the next would be read."""

    def readline(self, *args) -> str:  # type: ignore[override]
        line = super().readline(*args)
        if not line:
            raise KeyboardInterrupt
        return line

    def read(self, *args) -> str:  # type: ignore[override]
        raise KeyboardInterrupt

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("interrupt", "code"),
    [(KeyboardInterrupt(), signal.SIGINT), (SessionInterrupted(signal.SIGTERM), signal.SIGTERM)],
)
def test_the_summary_records_the_signal(demo: Store, clock: FakeClock, interrupt, code: int) -> None:
    ui = ScriptedUI(["a", interrupt], [Rating.Good], clock=clock)
    opts = SessionOptions(filter=QuestionFilter(banks=("demo",)), tz=ZoneInfo("UTC"))
    summary = Session(demo, ui, clock, random.Random(1), opts).run()
    assert summary.status == "interrupted" and summary.signal == code
    finished = Session(
        demo, ScriptedUI(["a"] * 9, [Rating.Easy] * 9, clock=clock), clock, random.Random(1), opts
    )
    assert finished.run().signal is None


@pytest.mark.parametrize(
    "args",
    [
        ("session", "--round", "technical"),
        ("session", "--cram", "--round", "technical"),  # a drill
        ("mock", "--round", "technical", "--no-timer"),
    ],
)
def test_ctrl_c_exits_130_after_the_summary(
    cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args
) -> None:
    from mockprep.cli import main

    monkeypatch.setattr("sys.stdin", CtrlCAfter("an answer\n\n"))
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code
    assert code == 128 + signal.SIGINT == 130
    out = capsys.readouterr().out
    assert "interrupted" in out.lower() and "Traceback" not in out


def test_a_session_that_finishes_exits_0(cli) -> None:
    result = cli("session", "--round", "technical", "--limit", "1", input="an answer\n\n3\n")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("args", [["mock", "--rate", "1"], ["history"], ["history", "1"]])
def test_output_piped_into_a_reader_that_closed_early_exits_0(cli, home, args: list[str]) -> None:
    """Found by an exploratory tester: `mockprep mock --rate 2 | head` of a fully rated mock exited 1,
    the code README keeps for a failing environment (rich and click both turn the closed pipe into 1)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    result = cli("mock", "--round", "behavioral", "--minutes", "5", input="my story\n\nreply\n\n3\n")
    assert result.exit_code == 0, result.stderr
    read, write = os.pipe()
    os.close(read)  # the reader is gone before mockprep writes a line
    src = str(Path(__file__).parents[1] / "src")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mockprep", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "MOCKPREP_HOME": str(home), "PYTHONPATH": src},
            timeout=120,
        )
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
