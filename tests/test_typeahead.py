"""Keys typed while a model grades: not echoed while the session waits, dropped at the checklist's
prompt with a line saying so (on a pseudo-terminal)."""

from __future__ import annotations

import os
import select
import time
from contextlib import contextmanager
from dataclasses import replace
from types import SimpleNamespace

import pytest

from mockprep.core.banks import parse_question
from mockprep.core.grading import KeyPointGrader

pty = pytest.importorskip("pty")
termios = pytest.importorskip("termios")


@contextmanager
def terminal():
    """A pseudo-terminal: (what the program reads, the keyboard, what the screen receives)."""
    master, slave = pty.openpty()
    with os.fdopen(slave, "r", closefd=True) as tty, os.fdopen(master, "r+b", buffering=0) as keyboard:
        yield tty, keyboard


def on_screen(keyboard, wait: float = 0.5) -> bytes:
    shown = b""
    while select.select([keyboard], [], [], wait)[0]:
        shown += os.read(keyboard.fileno(), 1024)
        wait = 0.1
    return shown


def test_keys_typed_while_a_model_grades_are_not_echoed_and_echo_comes_back() -> None:
    """Found by an exploratory tester: keys typed while waiting for the model's verdict appeared on
    screen, then were dropped at the checklist's prompt, so what they saw typed counted for nothing."""
    from mockprep.terminal.typeahead import discard_typeahead, keys_held

    with terminal() as (tty, keyboard):
        keyboard.write(b"1\n")  # at a prompt-less moment without it: the terminal echoes
        assert on_screen(keyboard) == b"1\r\n"
        discard_typeahead(tty)
        echoing = termios.tcgetattr(tty.fileno())
        with keys_held(tty):
            keyboard.write(b"2 3\n")
            assert on_screen(keyboard) == b""
        assert termios.tcgetattr(tty.fileno()) == echoing
        assert discard_typeahead(tty) == 4  # what was typed blind is dropped, and counted


def test_echo_comes_back_when_the_wait_is_interrupted() -> None:
    from mockprep.terminal.typeahead import keys_held

    with terminal() as (tty, _keyboard):
        echoing = termios.tcgetattr(tty.fileno())
        with pytest.raises(KeyboardInterrupt), keys_held(tty):
            raise KeyboardInterrupt
        assert termios.tcgetattr(tty.fileno()) == echoing


def test_no_key_typed_during_the_wait_outlives_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a reviewer: the wait's end counted, flushed, then restored line mode, so a key typed
    between the flush and the restore stayed for the next prompt. Keys arrive here at the last moment
    before the modes are restored; none is left to be read afterwards."""
    from mockprep.terminal.typeahead import _waiting, keys_held

    real = termios.tcsetattr
    with terminal() as (tty, keyboard):
        restoring: list[bool] = []

        def typed_at_the_last_moment(fd, when, attributes):
            if restoring:
                before = _waiting(fd)
                keyboard.write(b"2")
                for _ in range(100):  # until the terminal has it
                    if _waiting(fd) > before:
                        break
                    time.sleep(0.01)
            return real(fd, when, attributes)

        monkeypatch.setattr(termios, "tcsetattr", typed_at_the_last_moment)
        with keys_held(tty):
            keyboard.write(b"1")
            select.select([tty], [], [], 0.5)
            restoring.append(True)
        monkeypatch.setattr(termios, "tcsetattr", real)
        keyboard.write(b"\n")
        assert tty.readline() == "\n"


def test_keys_dropped_by_a_wait_no_prompt_followed_are_not_told_at_the_next() -> None:
    """Found by a reviewer: keys typed during a wait cut short by Ctrl-C were still counted at the
    checklist of a later wait, which said keys were dropped though none was typed then."""
    from mockprep.terminal.typeahead import discard_typeahead, keys_held

    with terminal() as (tty, keyboard):
        with pytest.raises(KeyboardInterrupt), keys_held(tty):
            keyboard.write(b"123")
            select.select([tty], [], [], 0.5)
            raise KeyboardInterrupt
        with keys_held(tty):
            pass
        assert discard_typeahead(tty) == 0
        with keys_held(tty):
            keyboard.write(b"45")
            select.select([tty], [], [], 0.5)
        assert discard_typeahead(tty) == 2


def test_the_checklist_says_keys_typed_before_it_were_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockprep.terminal.reveal import confirm_checklist
    from mockprep.terminal.typeahead import keys_held

    spec = parse_question(
        {"id": "q", "prompt": "Why?", "answer": "So.", "key_points": ["first point", "second point"]},
        strict=False,
    )
    attempt = SimpleNamespace(assessment=KeyPointGrader().assess(spec, "nothing relevant"))
    # found by an exploratory tester: "123" typed without Enter was dropped, and nothing said so
    for typed, told in ((b"1\n", True), (b"123", True), (b"", False)):
        with terminal() as (tty, keyboard):
            monkeypatch.setattr("sys.stdin", tty)
            with keys_held(tty):
                keyboard.write(typed)
                select.select([tty], [], [], 0.5 if typed else 0)
            lines: list[str] = []
            confirm_checklist(lambda _p, _c: "", attempt, lambda line, shown=lines: shown.append(line.plain))  # type: ignore[arg-type]
            assert any("typed while it graded was dropped" in line for line in lines) is told
            keyboard.write(b"\n")  # the next line read holds nothing typed during the wait
            assert tty.readline() == "\n"


def test_the_pipeline_waits_for_a_verdict_with_keys_held(store, clock) -> None:
    """The session holds keys while it waits for a model (the terminal's UI), not while it shows."""
    from mockprep.core.settings import DEFAULT_SETTINGS
    from mockprep.core.timer import AnswerTiming
    from mockprep.practice.pipeline import Pipeline
    from mockprep.practice.ui import Attempt
    from tests.conftest import ScriptedUI

    spec = parse_question(
        {"id": "q", "prompt": "Why?", "answer": "So.", "key_points": ["first point", "second point"]},
        strict=False,
    )
    offline = KeyPointGrader().assess(spec, "nothing")

    class UI(ScriptedUI):
        @contextmanager
        def held_keys(self):
            self.events.append("held")
            yield
            self.events.append("released")

    class Pending:
        model = "m"

        def done(self) -> bool:
            return False

        def left(self) -> float:
            return 1.0

        def result(self):
            ui.events.append("waited")
            return offline

    ui = UI(clock=clock)
    question = SimpleNamespace(key="demo/q", round="technical", spec=SimpleNamespace(prompt="Why?"))
    record = SimpleNamespace(question=question)
    attempt = Attempt(
        record, "nothing", AnswerTiming(10, None), replace(offline, pending=Pending()), clock.now
    )  # type: ignore[arg-type]
    Pipeline(store, ui, clock, DEFAULT_SETTINGS).reveal(attempt)
    assert [
        e
        for e in ui.events
        if "model answer" in e or e in ("held", "waited", "released") or "key points" in e
    ] == ["model answer demo/q", "held", "waited", "released", "key points demo/q"]
