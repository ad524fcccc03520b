"""Typing answers: the piped line protocol, the terminal's editable buffer, the clock beside it, one Enter
for choice and numeric answers, the paged reveal, and input that is not valid UTF-8."""

from __future__ import annotations

import errno
import gc
import io
import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output
from rich.console import Console

from mockprep.core.banks import parse_question
from mockprep.core.grading import LexicalGrader
from mockprep.core.questions import Question, QuestionRecord, QuestionSpec
from mockprep.core.timer import AnswerTiming, Countdown
from mockprep.practice.ui import Attempt, Progress
from mockprep.terminal import input as answer_input
from mockprep.terminal.input import PipeReader, TerminalReader, clock_line
from mockprep.terminal.practice import TerminalUI
from tests.conftest import START, FakeClock, db_rows

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
UP, DOWN, END, SHIFT_TAB = "\x1b[A", "\x1b[B", "\x1b[F", "\x1b[Z"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


def pipe(text: str) -> PipeReader:
    return PipeReader(Console(file=io.StringIO(), width=80), io.StringIO(text))


# -- the piped line protocol ------------------------------------------------------------------------


def test_piped_answer_is_its_lines_up_to_an_empty_one() -> None:
    reader = pipe("first\n  indented\n\nnext prompt\n")
    assert reader.answer(None) == "first\n  indented"
    assert reader("rating> ", None) == "next prompt"


def test_q_quits_only_as_the_first_line_of_an_answer() -> None:
    # q is a common name in code and maths: after the first line it is answer text.
    reader = pipe("q = k @ w\nq\nreturn q\n\nq\n")
    assert reader.answer(None) == "q = k @ w\nq\nreturn q"
    assert reader.answer(None) is None
    # A story part has no quitting at all.
    assert pipe("q\n\n").answer(None, quits=False) == "q"


def test_end_of_input_keeps_the_lines_already_read() -> None:
    assert pipe("half an answer\n").answer(None) == "half an answer"
    assert pipe("").answer(None) is None


@given(st.lists(st.text(alphabet="abq =\t", min_size=1).filter(lambda line: line.strip()), min_size=1))
def test_piped_answers_round_trip_any_non_empty_lines(lines: list[str]) -> None:
    reader = pipe("\n".join(lines) + "\n\n")
    expected = None if lines[0].strip() == "q" else "\n".join(lines)
    assert reader.answer(None) == expected


@pytest.mark.parametrize(
    ("script", "answer", "next_line"),
    [
        ("b\n\n3\n", "b", "3"),  # as scripts send today: the answer, an empty line, the rating
        ("b\n3\n", "b", "3"),  # one Enter: the answer, then the rating
        ("b\n\n\n", "b", ""),  # today's "accept the suggestion" still reads as an empty rating
        ("\n3\n", "", "3"),  # nothing typed: the empty line was the answer
    ],
)
def test_one_line_answer_takes_one_line_and_tolerates_the_old_empty_line(
    script: str, answer: str, next_line: str
) -> None:
    reader = pipe(script)
    assert reader.answer(None, one_line=True) == answer
    assert reader("rating> ", None) == next_line


def test_the_tolerated_empty_line_is_only_the_one_right_after() -> None:
    reader = pipe("0.5\n\nnext\n\n\n")
    assert reader.answer(None, one_line=True) == "0.5"
    assert reader.answer(None) == "next"  # a mock's next question: its own answer, not the empty line
    assert reader("rating> ", None) == ""


NUMERIC_BANK = """id = "arith"
title = "Arithmetic"
round = "technical"
topic = "arith"

[[questions]]
id = "half"
kind = "numeric"
prompt = "1/2 as a decimal?"
answer = "0.5"
value = 0.5
key_points = ["one half", "a decimal"]

[[questions]]
id = "pick"
kind = "choice"
prompt = "Which is even?"
choices = ["1", "2", "3"]
correct = "b"
answer = "2"
key_points = ["two", "even"]
"""


@pytest.mark.parametrize(
    "script",
    [
        "0.5\n\n4\nb\n\n3\n",  # the README's protocol: each answer ends with an empty line
        "0.5\n4\nb\n3\n",  # one Enter after a number or a letter
    ],
)
def test_piped_session_with_one_line_answers(cli, home: Path, tmp_path: Path, script: str) -> None:
    folder = tmp_path / "arith"
    folder.mkdir()
    (folder / "arith.toml").write_text(NUMERIC_BANK, encoding="utf-8")
    assert cli("bank", "add", str(folder)).exit_code == 0
    result = cli("session", "--bank", "arith", input=script)
    assert result.exit_code == 0, result.stderr
    assert "Type 1-4" not in result.stdout
    # Whichever question came first, each answer is one line and each rating the one typed after it.
    assert db_rows(home, "SELECT review_answer(answer), rating FROM reviews ORDER BY id") == [
        ("0.5", 4),
        ("b", 3),
    ]


def test_a_q_line_inside_an_answer_is_kept_and_the_session_goes_on(cli, home: Path) -> None:
    script = "def attend(q, k):\nq\nreturn q @ k.T\n\n3\n"
    result = cli("session", "--round", "project", "--limit", "1", input=script)
    assert result.exit_code == 0, result.stderr
    assert db_rows(home, "SELECT review_answer(answer), rating FROM reviews") == [
        ("def attend(q, k):\nq\nreturn q @ k.T", 3)
    ]


# -- input that is not UTF-8 ----------------------------------------------------------------------


def run_with_bytes(monkeypatch, capsys, args: list[str], data: bytes, errors: str) -> int:
    from mockprep.cli import main

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors=errors))
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        capsys.readouterr()
    return 0


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])  # a UTF-8 locale; the C locale
def test_invalid_utf8_answer_is_kept_with_replacement_characters(
    monkeypatch, capsys, home: Path, errors: str
) -> None:
    data = b"caf\xe9 \xff\xfe answer\nline two\n\n3\n"
    code = run_with_bytes(
        monkeypatch, capsys, ["session", "--round", "project", "--limit", "1"], data, errors
    )
    assert code == 0
    assert db_rows(home, "SELECT review_answer(answer), rating FROM reviews") == [
        ("caf\ufffd \ufffd\ufffd answer\nline two", 3)
    ]


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_invalid_utf8_in_a_story_draft_saves_the_draft(monkeypatch, capsys, home: Path, errors: str) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    data = b"# Launch \xff\nCompetencies: leadership\n## Situation\nThe situation \xc3.\n## Task\nThe task.\n"
    data += b"## Action\nI acted.\n## Result\nWe won.\n"  # piped in, the draft (as --from -)
    assert run_with_bytes(monkeypatch, capsys, ["story", "new"], data, errors) == 0
    assert db_rows(home, "SELECT title, situation FROM story_versions") == [
        ("Launch \ufffd", "The situation \ufffd.")
    ]


def test_valid_text_replaces_only_what_cannot_be_encoded() -> None:
    assert answer_input.valid_text("plain ünïcode ✓") == "plain ünïcode ✓"
    assert answer_input.valid_text("a\udcffb") == "a\ufffdb"
    assert answer_input.valid_text("lone \ud800 high") == "lone ? high"


# -- the terminal: one editable buffer -------------------------------------------------------------


@pytest.fixture
def terminal(clock: FakeClock, monkeypatch):
    """A TerminalReader on prompt_toolkit's pipe input; ``send`` queues keys as if typed at once."""
    monkeypatch.setenv("TERM", "xterm-256color")  # the full prompt, not the dumb-terminal one
    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        yield TerminalReader(Console(file=io.StringIO()), clock), keys.send_text


@pytest.fixture
def typed(monkeypatch):
    """Keys arrive one by one, as typed (not as one burst, which reads as a paste)."""
    monkeypatch.setattr(answer_input, "keys_pending", lambda event: False)


def test_arrows_move_between_the_lines_already_typed(terminal, typed) -> None:
    reader, send = terminal
    send(f"first\rsecond{UP}{END} edited{DOWN}{END}\r\r")
    assert reader.answer(None) == "first edited\nsecond"


def test_tab_indents_and_enter_keeps_the_indentation(terminal, typed) -> None:
    reader, send = terminal
    send("def f(q):\r\treturn q\r\r")
    assert reader.answer(None) == "def f(q):\n    return q"
    send(f"\t\tx{SHIFT_TAB}\r\r")
    assert reader.answer(None) == "    x"


def test_up_does_not_recall_an_earlier_answer(terminal, typed) -> None:
    reader, send = terminal
    send("my first answer\r\r")
    assert reader.answer(None) == "my first answer"
    send(f"{UP}{UP}second\r\r")
    assert reader.answer(None) == "second"


def test_q_alone_quits_and_q_later_is_text(terminal, typed) -> None:
    reader, send = terminal
    send("q\r")
    assert reader.answer(None) is None
    send("x = 1\rq\r\r")
    assert reader.answer(None) == "x = 1\nq"


def test_enter_on_an_empty_answer_submits_it_and_ctrl_d_quits(terminal, typed) -> None:
    reader, send = terminal
    send("\r")
    assert reader.answer(None) == ""
    send("\x04")
    assert reader.answer(None) is None


def test_a_bracketed_paste_with_empty_lines_does_not_submit(terminal) -> None:
    reader, send = terminal
    send(f"{PASTE_START}line one\n\nline three\n{PASTE_END}\r")
    assert reader.answer(None) == "line one\n\nline three"


def test_a_burst_of_keys_is_a_paste_even_without_brackets(terminal) -> None:
    # A terminal without bracketed paste sends the pasted newlines as Enter keys, all in one read.
    reader, send = terminal
    send("line one\r\rline three\r\r")
    assert reader.answer(None) == "line one\n\nline three"


def test_terminal_answer_with_invalid_utf8_is_kept(clock: FakeClock, monkeypatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        reader = TerminalReader(Console(file=io.StringIO()), clock)
        keys.send_bytes(b"caf\xff\r\r")
        assert reader.answer(None) == "caf\ufffd"


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])  # prompt_toolkit's two prompt paths
def test_one_line_answer_submits_on_enter_and_a_second_enter_is_not_a_rating(
    terminal, typed, clock: FakeClock, monkeypatch, term: str
) -> None:
    monkeypatch.setenv("TERM", term)
    reader, send = terminal
    send("b\r\r3\r")
    assert reader.answer(None, one_line=True) == "b"
    assert reader("rating> ", None) == "3"  # the habitual second Enter was not taken as "accept"
    send("c\r")
    assert reader.answer(None, one_line=True) == "c"
    clock.advance(seconds=5)
    send("\r")
    assert reader("rating> ", None) == ""  # a deliberate Enter later accepts the suggestion


# -- the clock beside the answer --------------------------------------------------------------------


def rendered(width: int, countdown: Countdown, clock: FakeClock, keys_text: str) -> tuple[str, str]:
    out = io.StringIO()
    output = Vt100_Output(out, lambda: Size(rows=40, columns=width), term="xterm", enable_cpr=False)
    with create_pipe_input() as keys, create_app_session(input=keys, output=output):
        reader = TerminalReader(Console(file=io.StringIO()), clock)
        keys.send_text(keys_text)
        answer = reader.answer(countdown)
    return answer or "", ANSI.sub("", out.getvalue())


def test_the_clock_is_drawn_on_the_line_above_the_answer(clock: FakeClock, monkeypatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    countdown = Countdown(180, START - timedelta(seconds=170))
    answer, screen = rendered(34, countdown, clock, "my answer\r\r")
    assert answer == "my answer"
    first_line, rest = screen.split("\r\n", 1)
    assert first_line.strip() == "⏱ 0:10 left of 3:00 · wrap up"
    assert rest.lstrip("\x08").startswith(">")  # the input starts right under it


@pytest.mark.parametrize(
    ("seconds", "phase", "text"),
    [
        (10, "ok", "⏱ 2:50 left of 3:00"),
        (170, "warning", "⏱ 0:10 left of 3:00 · wrap up"),
        (3725, "overtime", "⏱ +59:05 over 3:00"),
    ],
)
def test_clock_colours_and_fits_34_columns(seconds: int, phase: str, text: str) -> None:
    from prompt_toolkit.utils import get_cwidth

    countdown = Countdown(180, START)
    ((style, shown),) = clock_line(countdown, START + timedelta(seconds=seconds), 34)
    assert style == f"class:clock.{phase}" and shown.strip() == text
    assert get_cwidth(shown) <= 34
    ((_, wide),) = clock_line(countdown, START + timedelta(seconds=seconds), 100)
    if phase == "overtime":
        assert wide.strip() == f"{text} · over time: keep going or finish"


def test_clock_styles_are_yellow_and_red(terminal) -> None:
    reader, _ = terminal
    style = reader._answers.style
    assert "ansiyellow" in str(style.style_rules) and "ansired" in str(style.style_rules)
    assert reader._answers.bottom_toolbar is None and reader._lines.bottom_toolbar is None


# -- the reveal: key points first, the model answer paged in a terminal -----------------------------


@dataclass
class ScriptedReader:
    """A reader that replays lines; ``interactive`` says whether it stands for a terminal."""

    lines: list[str] = field(default_factory=list)
    interactive: bool = True
    prompts: list[str] = field(default_factory=list)
    console: Console | None = None
    screens: list[str] = field(default_factory=list)

    def __call__(self, prompt: str, countdown=None) -> str | None:
        self.prompts.append(prompt)
        if self.console is not None:
            self.screens.append(self.console.file.getvalue())
        return self.lines.pop(0) if self.lines else None

    def answer(self, countdown, *, one_line=False, quits=True) -> str | None:
        return self.lines.pop(0) if self.lines else None


LONG_ANSWER = "\n".join(f"Model answer line {n}." for n in range(1, 61))


def attempt_for(spec: QuestionSpec, answer: str) -> Attempt:
    question = Question("demo/long", "demo", "technical", "demo-topic", (), spec)
    record = QuestionRecord(1, question)
    return Attempt(record, answer, AnswerTiming(42, 180), LexicalGrader().assess(spec, answer), START)


def long_spec() -> QuestionSpec:
    return parse_question(
        {
            "id": "long",
            "prompt": "THE QUESTION: explain the thing.",
            "answer": LONG_ANSWER,
            "key_points": ["first point", "second point"],
            "follow_ups": ["And then?"],
        }
    )


def terminal_ui(reader: ScriptedReader, height: int = 30) -> tuple[TerminalUI, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=60, height=height, force_terminal=True, color_system=None)
    reader.console = console
    return TerminalUI(console, reader), out


def test_terminal_reveal_shows_key_points_first_and_keeps_the_question_on_screen() -> None:
    reader = ScriptedReader(lines=["my answer covers the first point", "", "s"])
    ui, out = terminal_ui(reader, height=30)
    spec = long_spec()
    ui.show_question(
        QuestionRecord(1, Question("demo/long", "demo", "technical", "t", (), spec)), Progress(1, 0)
    )
    answer = ui.read_answer(None)
    ui.show_reveal(attempt_for(spec, answer))
    screen = reader.screens[0]  # what is on screen when the first "more" prompt waits
    last_rows = "\n".join(screen.splitlines()[-29:])  # the prompt's own row is the 30th
    assert "THE QUESTION" in last_rows
    assert screen.index("Key points") < screen.index("Model answer") < screen.index("Model answer line 1.")
    assert "Model answer line 60." not in out.getvalue()  # "s" skipped the rest
    assert reader.prompts[0].endswith("Enter shows more, s skips: ")
    assert len(reader.prompts) == 2


def test_terminal_reveal_pages_to_the_end_on_enter() -> None:
    reader = ScriptedReader(lines=[""] * 20)
    ui, out = terminal_ui(reader, height=24)
    ui.show_reveal(attempt_for(long_spec(), "an answer"))
    text = out.getvalue()
    for n in range(1, 61):
        assert f"Model answer line {n}." in text
    assert "\n" not in "".join(reader.prompts)


def test_a_short_model_answer_needs_no_paging() -> None:
    reader = ScriptedReader()
    ui, out = terminal_ui(reader)
    spec = parse_question({"id": "s", "prompt": "p", "answer": "Short.", "key_points": ["x", "y"]})
    ui.show_reveal(attempt_for(spec, "x"))
    assert reader.prompts == [] and "Short." in out.getvalue()


def test_piped_reveal_prints_everything_in_the_usual_order() -> None:
    reader = ScriptedReader(interactive=False)
    ui, out = terminal_ui(reader, height=10)
    ui.show_reveal(attempt_for(long_spec(), "an answer"))
    text = out.getvalue()
    assert reader.prompts == []
    assert all(f"Model answer line {n}." in text for n in range(1, 61))
    assert text.index("Model answer line 60.") < text.index("Key points") < text.index("And then?")


def test_one_line_kinds_and_follow_ups_choose_the_answer_mode() -> None:
    seen = []

    class Recorder(ScriptedReader):
        def answer(self, countdown, *, one_line=False, quits=True):
            seen.append(one_line)
            return "x"

    from mockprep.terminal.mock import MockTerminalUI

    ui = MockTerminalUI(Console(file=io.StringIO()), Recorder())
    choice = parse_question(
        {
            "id": "c",
            "prompt": "p",
            "answer": "a",
            "key_points": ["x", "y"],
            "choices": ["1", "2"],
            "correct": "a",
            "kind": "choice",
        }
    )
    ui.show_question(QuestionRecord(1, Question("d/c", "d", "technical", "t", (), choice)), Progress(1, 0))
    ui.read_answer(None)
    ui.show_follow_up("Why?", None)
    ui.read_answer(None)
    assert seen == [True, False]


def test_mock_reveal_start_resets_the_row_count() -> None:
    from mockprep.terminal.mock import MockTerminalUI

    reader = ScriptedReader(lines=["s"])
    out = io.StringIO()
    console = Console(file=out, width=60, height=30, force_terminal=True, color_system=None)
    reader.console = console
    ui = MockTerminalUI(console, reader)
    ui.show_reveal(attempt_for(long_spec(), "an answer"))
    screen = reader.screens[0]
    assert "THE QUESTION" in "\n".join(screen.splitlines()[-29:])


# -- a signal at a terminal prompt (SIGTERM, a closed window's SIGHUP, kill -INT) --------------------


class GoneOutput(DummyOutput):
    """A terminal whose window closes: once ``gone``, every flush fails as a closed pty's does."""

    gone = False

    def flush(self) -> None:
        if self.gone:
            raise OSError(errno.EIO, "Input/output error")


def signal_on_draw(
    clock: FakeClock, output: GoneOutput, signals: list[int], close: bool, draw: int, handled: list[int]
):
    """A clock for a prompt's countdown that, when the running prompt reads it for its ``draw``-th
    drawing (the second: its twice-a-second refresh, inside its event loop as it waits), sends each of
    ``signals`` to this process, the terminal first closed when ``close``; ``handled`` records each
    signal whose handler returned instead of raising there."""
    from prompt_toolkit.application.current import get_app_or_none

    sent = []

    def now():
        app = get_app_or_none()
        if app is not None and app.is_running and app.render_counter >= draw and not sent:
            sent.append(True)
            output.gone = close
            for sig in signals:
                os.kill(os.getpid(), sig)
                handled.append(sig)
        return clock()

    return now


@contextmanager
def hang_guard(seconds: float = 20) -> Iterator[None]:
    """Fail instead of hanging the suite: a prompt whose event loop was raised into could wait forever
    (the fault these tests guard against). A guard, not a timer."""

    def _hung(_signum: int, _frame: object) -> None:
        raise TimeoutError("the prompt hung")

    old = signal.signal(signal.SIGALRM, _hung)
    # Again each second after the first: an alarm that lands in one of asyncio's callbacks is swallowed.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _prompt_with_signals(clock, monkeypatch, term: str, signals: list[int], close: bool):
    """Read a terminal prompt while ``signals`` arrive in its event loop; what it raised, and the signals
    whose handler returned."""
    from mockprep.cli.context import signals_interrupt

    monkeypatch.setenv("TERM", term)
    output, handled = GoneOutput(), []
    # A dumb terminal's prompt draws once (it is an application of its own, without the refresh).
    now = signal_on_draw(clock, output, signals, close, 1 if term == "dumb" else 2, handled)
    with create_pipe_input() as keys, create_app_session(input=keys, output=output):
        reader = TerminalReader(Console(file=io.StringIO()), now)
        with hang_guard(), signals_interrupt(), pytest.raises(BaseException) as raised:
            reader("rating> ", Countdown(60, START))
        assert not isinstance(raised.value, TimeoutError), "the prompt hung"
        if not close:  # the reader still works for the next prompt
            keys.send_text("3\r")
            assert reader("rating> ", None) == "3"
    return raised.value, handled


# (A SIGINT is prompt_toolkit's own while it reads: in a window that is still open, kill -INT.)
@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])  # (a dumb terminal's prompt is its own app)
@pytest.mark.parametrize(
    ("sig", "close"),
    [(signal.SIGTERM, False), (signal.SIGTERM, True), (signal.SIGHUP, False), (signal.SIGHUP, True)]
    + [(signal.SIGINT, False)],
)
def test_a_signal_at_a_terminal_prompt_ends_it_with_the_sessions_interruption(
    clock: FakeClock, monkeypatch, caplog, term: str, sig: int, close: bool
) -> None:
    """The prompt's event loop is asked to exit and the prompt raises what the signal means. Raised by
    the handler inside that loop instead, with the terminal gone, the loop's shutdown could wait
    forever (a hung process holding its session's lock), or its I/O error ended the session."""
    from mockprep.practice.pipeline import SessionInterrupted

    raised, handled = _prompt_with_signals(clock, monkeypatch, term, [sig], close)
    assert type(raised) is (KeyboardInterrupt if sig == signal.SIGINT else SessionInterrupted)
    assert raised.args == (() if sig == signal.SIGINT else (sig,))
    assert handled == [sig]  # nothing was raised inside prompt_toolkit's event loop
    gc.collect()  # (a future whose exception nobody took is logged as it is collected)
    assert not [r.getMessage() for r in caplog.records if r.name == "asyncio"]


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])
def test_a_signal_while_the_prompts_event_loop_closes_is_sent_again_not_lost(
    clock: FakeClock, monkeypatch, term: str
) -> None:
    """A signal that lands in asyncio's own closing of a prompt's loop, after the prompt has its answer,
    was raised into one of asyncio's callbacks, which swallow it: the session went on, and ignored every
    later signal. Now it is sent again a moment later, and ends the session then."""
    import asyncio

    from mockprep.cli.context import signals_interrupt
    from mockprep.practice.pipeline import SessionInterrupted

    closing = asyncio.BaseEventLoop.shutdown_asyncgens

    async def signalled_while_closing(loop):
        loop.call_soon(os.kill, os.getpid(), signal.SIGTERM)  # handled inside one of asyncio's callbacks
        await asyncio.sleep(0)
        await closing(loop)

    monkeypatch.setenv("TERM", term)
    monkeypatch.setattr(asyncio.BaseEventLoop, "shutdown_asyncgens", signalled_while_closing)
    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        reader = TerminalReader(Console(file=io.StringIO()), clock)
        keys.send_text("3\r")
        with hang_guard(), signals_interrupt(), pytest.raises(BaseException) as raised:
            assert reader("rating> ", None) == "3"  # its answer came before the signal
            signal.pause()  # until the signal, sent again, arrives
    assert type(raised.value) is SessionInterrupted and raised.value.args == (signal.SIGTERM,)


def test_undecodable_bytes_in_arguments_are_one_line_and_file_names_still_work(cli, tmp_path) -> None:
    """Bytes the locale cannot decode reach Python as lone surrogates. As text (a search, a label) they
    raised in an encoder (a traceback): now one line. As a file name they still name the file (the
    bytes round-trip), and an answer piped to grade is read with U+FFFD, as sessions read it."""
    search = cli("question", "search", "caf\udce9")
    assert search.exit_code == 2 and "holds bytes that are not UTF-8 text" in search.stderr, search.stderr
    assert len(search.stderr.strip().splitlines()) == 1
    odd = tmp_path / "caf\udce9.toml"
    odd.write_text('id = "odd"\ntitle = "Odd"\nround = "technical"\ntopic = "t"\n', encoding="utf-8")
    validated = cli("bank", "validate", str(odd))
    assert "field 'questions': missing" in validated.stderr  # the file itself was found and read
    graded = cli("grade", "rope", input="caf\udce9 rotates the queries and keys\n")
    assert graded.exit_code == 0, graded.stderr
    assert "Suggested rating" in graded.stdout


def test_ctrl_c_leaves_what_was_typed_with_the_reader(terminal, typed) -> None:
    """Ctrl-C threw away the answer being typed; the reader now keeps it for the session to store."""
    reader, send = terminal
    send("When my co-author and I\rboth wanted first authorship\x03")
    with pytest.raises(KeyboardInterrupt):
        reader.answer(None)
    assert reader.partial == "When my co-author and I\nboth wanted first authorship"
    send("next\r\r")
    assert reader.answer(None) == "next" and reader.partial == ""


def test_the_input_closing_with_text_typed_is_not_a_quit(clock: FakeClock, monkeypatch) -> None:
    """Ctrl-D ends input only on an empty line; an end of input with text in the buffer is the terminal
    going away, and was read as a quit (the text then never kept)."""
    monkeypatch.setenv("TERM", "xterm-256color")
    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        reader = TerminalReader(Console(file=io.StringIO()), clock)
        keys.send_text("three minutes of an answer")
        keys.close()
        with pytest.raises(OSError, match="the input closed"):
            reader.answer(None)
    assert reader.partial == "three minutes of an answer"


def test_an_untouched_starter_is_no_answer(terminal, typed, monkeypatch) -> None:
    """Ctrl-C (or the input closing) on a code prompt still holding its starter kept the starter as the
    person's answer, and the end of input was taken for a closed terminal instead of a quit."""
    from mockprep.terminal.practice import TerminalUI

    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    reader, send = terminal
    ui = TerminalUI(Console(file=io.StringIO()), reader)
    starter = "def two_sum(nums, target):\n    ...\n"
    send("\x03")
    with pytest.raises(KeyboardInterrupt):
        ui.read_code(starter)
    assert ui.answer_so_far() == ""
    send("# mine\x03")  # something typed: that is kept
    with pytest.raises(KeyboardInterrupt):
        ui.read_code(starter)
    assert "# mine" in ui.answer_so_far()
