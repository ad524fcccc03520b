"""TERM=dumb (Emacs's shell, IDE consoles): what the person sees on the line is what is kept."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mockprep.core.timer import Countdown
from mockprep.terminal import input as terminal_input
from mockprep.terminal.dumb_input import NO_CLOCK, DumbTerminalReader, typed_line
from tests.test_interrupt_exit import CtrlCAfter

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def reader(text: str) -> tuple[DumbTerminalReader, io.StringIO]:
    out = io.StringIO()
    return DumbTerminalReader(Console(file=out, width=80), io.StringIO(text)), out


@pytest.mark.parametrize(("term", "dumb"), [("dumb", True), ("unknown", True), ("xterm-256color", False)])
def test_a_dumb_terminal_is_read_in_lines_not_through_prompt_toolkit(
    monkeypatch, term: str, dumb: bool
) -> None:
    monkeypatch.setenv("TERM", term)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    chosen = terminal_input.stdin_reader(Console(file=io.StringIO()), lambda: START)
    assert isinstance(chosen, DumbTerminalReader) is dumb
    assert chosen.interactive  # a person is there either way: pages wait, the checklist is asked


def test_the_answer_is_its_lines_unechoed_and_the_clock_is_explained_once() -> None:
    keys = "abcdXY\x1b[D\x1b[DZ\x01S\x05E\nsecond line\n\n42\n\n"
    dumb, out = reader(keys)
    assert dumb.answer(Countdown(60, START)) == "abcdXYZSE\nsecond line"
    assert dumb.answer(Countdown(60, START), one_line=True) == "42"
    screen = out.getvalue()
    assert screen.count("cannot redraw a line") == 1 and NO_CLOCK.split()[0] in screen
    assert "abcd" not in screen and "second line" not in screen  # the terminal shows what was typed


class TypedAt(io.StringIO):
    """Keys typed at a terminal (stdin is one)."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("typed", [True, False])
def test_typing_at_a_terminal_whose_output_is_piped_says_once_that_no_clock_ticks(
    monkeypatch, typed: bool
) -> None:
    """Found by an exploratory tester: with `mockprep mock ... | tee log` the clock silently never
    appeared and answers were read line by line; a dumb terminal says so once, this did not."""
    keys = "first\n\nsecond\n\n"
    monkeypatch.setattr(sys, "stdin", TypedAt(keys) if typed else io.StringIO(keys))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    out = io.StringIO()
    chosen = terminal_input.stdin_reader(Console(file=out, width=80), lambda: START)
    assert chosen.answer(Countdown(60, START)) == "first"
    assert chosen.answer(Countdown(60, START)) == "second"
    said = " ".join(out.getvalue().split())
    assert said.count("the clock does not tick") == (1 if typed else 0)  # piped input: a script
    assert said.count("each answer is its lines up to an empty one") == (1 if typed else 0)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\t")))
def test_typed_text_is_kept_exactly(text: str) -> None:
    assert typed_line(text) == text


@given(
    st.lists(st.sampled_from(["\x1b[D", "\x1b[C", "\x1bOH", "\x1b[3~", "\x01", "\x05", "\x1b\x1b[A"])),
    st.text("ab c"),
)
def test_keys_the_terminal_could_not_act_on_are_left_out(codes: list[str], text: str) -> None:
    assert typed_line("".join(codes) + text + "".join(codes)) == text


def test_ctrl_c_keeps_the_lines_already_entered() -> None:
    from mockprep.terminal.practice import TerminalUI

    out = io.StringIO()
    dumb = DumbTerminalReader(Console(file=out, width=80), CtrlCAfter("first line\nsecond line\n"))
    ui = TerminalUI(Console(file=out, width=80), dumb, interactive=True)
    with pytest.raises(KeyboardInterrupt):
        ui.read_answer(None)
    assert ui.answer_so_far() == "first line\nsecond line"


def _read_until(fd: int, screen: bytearray, wanted: tuple[bytes, ...], timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    start = len(screen)
    while time.monotonic() < deadline:
        for want in wanted:
            if want in screen[start:]:
                return want
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            screen += chunk
    raise AssertionError(f"waited for {wanted}: {bytes(screen[-400:])!r}")


def test_a_session_at_a_dumb_terminal_keeps_the_line_as_the_terminal_shows_it(cli) -> None:
    """Typed as the exploratory tester typed it: prompt_toolkit echoed every key and never erased, so the
    screen said 'abcdefedXYZSE' and 'SabcdZXYE' was saved. Now the terminal edits the line: Backspace
    erases, and the keys it cannot act on (arrows, Ctrl-A, Ctrl-E) show as ^[[D, ^A and are left out."""
    import pty

    env = {**os.environ, "TERM": "dumb", "COLUMNS": "100", "LINES": "40"}
    main, sub = pty.openpty()
    command = [sys.executable, "-m", "mockprep", "session", "--round", "behavioral"]
    process = subprocess.Popen(command, stdin=sub, stdout=sub, stderr=sub, env=env)
    os.close(sub)
    screen = bytearray()
    try:
        _read_until(main, screen, (b"> ",))
        os.write(main, b"abcdef\x7f\x7fXY\x1b[D\x1b[DZ\x01S\x05E\r")
        _read_until(main, screen, (b". ",))
        os.write(main, b"\r")
        replies = {b"s skips: ": b"s\r", b"checklist> ": b"\r", b"rating> ": b"\r"}
        while (seen := _read_until(main, screen, (*replies, b"q as the first line quits"))) in replies:
            os.write(main, replies[seen])
        os.write(main, b"q\r")
        assert process.wait(timeout=60) == 0, bytes(screen[-400:])
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert b"edXYZSE" not in screen and b"cannot redraw a line" in screen
    assert b"abcdXY^[[D^[[DZ^AS^EE" in screen.replace(b"\x08 \x08", b"").replace(b"ef", b"")
    csv = cli("history", "--csv").stdout
    assert '"abcdXYZSE"' in csv or ",abcdXYZSE" in csv, csv


def test_the_starter_draft_is_shown_as_reference_since_what_is_typed_replaces_it() -> None:
    """Found by an independent review: 'Starting from:' said the typed lines continue the draft; they
    are the whole answer."""
    dumb, out = reader("def f():\n    return 1\n\n")
    assert dumb.code("def f():\n    pass\n", None) == "def f():\n    return 1"
    screen = out.getvalue()
    assert "type your solution in full" in screen and "Starting from" not in screen
