"""Reading what the person types: single lines, and whole answers.

From a pipe the protocol is lines: an answer is its lines up to an empty one, and every prompt and line
read is echoed so that a transcript reads like a session. A terminal that cannot move its cursor
(TERM=dumb) is read the same way, without the echo (see :mod:`mockprep.terminal.dumb_input`). In
another terminal an answer is one editable buffer (prompt_toolkit): arrows move through the lines
typed, Tab indents, a paste is inserted whole, and Enter on an empty last line submits. The live
countdown sits on the line right above the input.

Undecodable bytes never end a session: they arrive as U+FFFD, and the rest of the text is kept.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Protocol

from rich.console import Console
from rich.text import Text

from mockprep.core.sanitize import shorten
from mockprep.core.timer import Countdown
from mockprep.terminal.console import safe

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.document import Document
    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

Clock = Callable[[], datetime]
QUIT = "q"  # as the first line of an answer (or at a one-line prompt): quit
FENCE = re.compile(r"^\s*```[\w+-]*\s*$")  # piped, code with empty lines comes between fences
INDENT = "    "  # what Tab inserts in an answer
# After a one-line answer, an empty line this soon is the old habit of ending every answer with an
# empty line (a second Enter), not input for the next prompt.
HABIT_WINDOW = timedelta(seconds=1)
_CLOCK_NOTES = {"ok": "", "warning": "wrap up", "overtime": "over time: keep going or finish"}


class LineReader(Protocol):
    """What the practice and story screens read through."""

    interactive: bool  # a person at a terminal (pages can wait for Enter); False for a pipe
    edits_in_place: bool  # the answer is an editable buffer (keys such as Esc Enter); False: plain lines

    def __call__(self, prompt: str, countdown: Countdown | None) -> str | None:
        """One line after ``prompt``; None at the end of input."""

    def answer(
        self, countdown: Countdown | None, *, one_line: bool = False, quits: bool = True
    ) -> str | None:
        """An answer: its lines (one line when ``one_line``), or None when the person quits with
        ``q`` as its first line (when ``quits``) or input ends before anything was typed."""

    def code(self, draft: str, countdown: Countdown | None) -> str | None:
        """A code answer starting from ``draft``; None when the person quits (``q`` alone)."""


ReadLine = LineReader  # the name the screens know it by

NO_CLOCK_PIPED = (
    "The output goes to a pipe or a file, not this terminal: the clock does not tick while you answer"
    " and each answer is its lines up to an empty one, but your time is measured and shown with the answer."
)


def stdin_reader(console: Console, clock: Clock, stream: IO[str] | None = None) -> LineReader:
    """The reader for this process: the terminal editor when both ends are a terminal that can redraw,
    lines as the terminal edits them at a dumb one, else lines (typed at a terminal whose output goes
    to a pipe, ``mockprep mock | tee log``, saying once why no clock ticks)."""
    if stream is None and sys.stdin.isatty() and sys.stdout.isatty():
        if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):  # (prompt_toolkit's test)
            from mockprep.terminal.dumb_input import DumbTerminalReader

            return DumbTerminalReader(console)
        return TerminalReader(console, clock)
    if stream is None and sys.stdin.isatty():
        return PipeReader(console, sys.stdin, clock_notice=NO_CLOCK_PIPED)
    return PipeReader(console, sys.stdin if stream is None else stream)


def valid_text(text: str) -> str:
    """``text`` with undecodable input (lone surrogates, as ``surrogateescape`` leaves it) as U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def answer_lines(text: str) -> str:
    """The submitted buffer without the empty lines that ended it."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


class PipeReader:
    """Lines from a stream, each prompt and line echoed to the console.

    After a one-line answer (a choice or a number), one empty line may follow, as scripts written for
    "answer lines, then an empty line" send; it ends that answer and is not read as the next prompt's
    input. Nothing waits for it: it is recognised when the next prompt reads.
    """

    interactive = False
    edits_in_place = False
    echo = True  # each line read is printed after its prompt (a terminal shows it already)

    def __init__(self, console: Console, stream: IO[str], clock_notice: str | None = None):
        self.console = console
        self.stream = stream
        self.clock_notice = clock_notice  # why no clock ticks, said once at the first timed answer
        self.partial = ""  # the lines of the answer being read, for when a signal ends it
        self._blank_may_follow = False
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a stream that cannot change now: valid_text still applies
                pass

    def _next(self) -> str | None:
        line = self.stream.readline()
        return None if line == "" else valid_text(line.rstrip("\r\n"))

    def __call__(self, prompt: str, countdown: Countdown | None = None) -> str | None:
        self.console.print(Text(prompt, style="bold"), end="")
        line = self._next()
        if self._blank_may_follow:
            self._blank_may_follow = False
            if line is not None and not line.strip():
                line = self._next()
        if line is None:
            self.console.print()
            return None
        if self.echo:
            self.console.print(safe(shorten(line)))
        return line

    def answer(
        self, countdown: Countdown | None, *, one_line: bool = False, quits: bool = True
    ) -> str | None:
        self.partial = ""
        if countdown is not None and self.clock_notice:
            self.console.print(Text(self.clock_notice, style="dim"))
            self.clock_notice = None
        first = self("> ", countdown)
        if first is None or (quits and first.strip() == QUIT):
            return None
        if one_line:
            self._blank_may_follow = bool(first.strip())
            return first
        return self._lines_from(first, countdown)

    def _lines_from(self, first: str, countdown: Countdown | None) -> str:
        """``first`` and the lines after it up to an empty one (or the end of input), each kept in
        ``partial`` as it comes."""
        lines: list[str] = []
        line: str | None = first
        while line is not None and line.strip():
            lines.append(line)
            self.partial = "\n".join(lines)
            line = self(". ", countdown)
        return "\n".join(lines)

    def code(self, draft: str, countdown: Countdown | None) -> str | None:
        """Piped, code keeps the answer protocol: its lines up to an empty one, or, for code with empty
        lines, a block fenced with ``` (up to the closing fence). The draft is not shown."""
        self.partial = ""
        if countdown is not None and self.clock_notice:
            self.console.print(Text(self.clock_notice, style="dim"))
            self.clock_notice = None
        first = self("> ", countdown)
        if first is None or first.strip() == QUIT:
            return None
        if not FENCE.match(first):
            return self._lines_from(first, countdown)
        lines = [first]
        while (line := self(". ", countdown)) is not None:
            lines.append(line)
            self.partial = "\n".join(lines)
            if line.strip() == "```":
                self._blank_may_follow = True  # the empty line that ends every other answer
                break
        return "\n".join(lines)


def clock_line(
    countdown: Countdown, now: datetime, width: int, encoding: str = "utf-8"
) -> StyleAndTextTuples:
    """The countdown as drawn above the input: yellow in the last 30 s, red in overtime, and its
    advice only where the terminal is wide enough for it on the same line; in ASCII stand-ins where the
    terminal's ``encoding`` lacks its glyphs (prompt_toolkit writes it, not the console)."""
    from prompt_toolkit.utils import get_cwidth

    from mockprep.terminal.glyphs import fitted

    phase = countdown.phase(now)
    text = f" ⏱ {countdown.label(now)} "
    note = _CLOCK_NOTES[phase]
    if note and get_cwidth(text) + len(note) + 3 <= width:
        text += f"· {note} "
    return [(f"class:clock.{phase}", fitted(text, encoding))]


def prompt_message(
    prompt: str, countdown: Countdown | None, now: datetime, width: int, encoding: str = "utf-8"
) -> StyleAndTextTuples:
    """What prompt_toolkit draws before the input: the clock's line (when timed) and the prompt, both in
    ASCII stand-ins where the terminal's ``encoding`` lacks their glyphs (the voice prompt's "●", "—")."""
    from mockprep.terminal.glyphs import fitted

    label = [("bold", fitted(prompt, encoding))]
    if countdown is None:
        return label
    return [*clock_line(countdown, now, width, encoding), ("", "\n"), *label]


class _OpenPrompt:
    """Whether a prompt is being read now (one at a time, on the main thread), and the exception a signal
    asked it to end with."""

    reading = False
    ending: BaseException | None = None


_open = _OpenPrompt()


def prompt_open() -> bool:
    """Whether a terminal prompt is being read (for signal handlers: see :func:`end_prompt`)."""
    return _open.reading


def end_prompt(exc: BaseException) -> bool:
    """For signal handlers: while a prompt is being read, end it with ``exc`` the way its own Ctrl-C
    does (its event loop is asked to exit, then ``exc`` is raised where the prompt was called), and
    return True. Otherwise return False: with no prompt open the handler raises ``exc`` itself; with one
    whose event loop is starting or closing (asyncio's own callbacks run then, and swallow what is raised
    in them) it sends the signal again a moment later.

    Raised by the handler inside prompt_toolkit's event loop instead (in a redraw, say), an exception
    could leave that loop's shutdown waiting forever for a future nobody completes: the process hung,
    holding its session's lock, and further signals were ignored since the session was ending.
    """
    if not _open.reading or _open.ending is not None:
        return False
    from prompt_toolkit.application.current import get_app_or_none

    app = get_app_or_none()  # the running prompt's (a dumb terminal's prompt is an application of its own)
    loop = None if app is None else app.loop
    if loop is None:
        return False

    def end() -> None:
        future = app.future
        if app.is_running and future is not None and not future.done():
            app.exit(exception=exc)
            future.exception()  # taken: not logged if the closed terminal's I/O error ends the prompt first

    try:
        loop.call_soon_threadsafe(end)  # (safe in a signal handler: it only writes to the loop's pipe)
    except RuntimeError:  # the loop closed just now: the prompt is over
        return False
    _open.ending = exc
    return True


class TerminalReader:
    """prompt_toolkit prompts: one session for single lines, one (without history) for answers."""

    interactive = True
    edits_in_place = True

    def __init__(self, console: Console, clock: Clock):
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import DummyHistory
        from prompt_toolkit.layout.processors import TabsProcessor
        from prompt_toolkit.styles import Style

        self.console = console
        self.clock = clock
        self.partial = ""  # what was typed when Ctrl-C or a signal ended the last prompt
        self._one_line = False
        self._code = False  # reading code: Enter always starts a new line, Esc Enter submits
        self._habit_until: datetime | None = None
        style = Style.from_dict(
            {
                "clock.ok": "bold",
                "clock.warning": "bold bg:ansiyellow fg:ansiblack",
                "clock.overtime": "bold bg:ansired fg:ansiwhite",
            }
        )
        self._lines: PromptSession[str] = PromptSession(
            reserve_space_for_menu=0, key_bindings=self._habit_bindings(), style=style
        )
        # Up and Down move through the answer's lines; there is no history to recall.
        self._answers: PromptSession[str] = PromptSession(
            reserve_space_for_menu=0,
            history=DummyHistory(),
            key_bindings=self._answer_bindings(),
            prompt_continuation=". ",
            input_processors=[TabsProcessor(tabstop=len(INDENT), char1=" ", char2=" ")],
            style=style,
        )

    def __call__(self, prompt: str, countdown: Countdown | None = None) -> str | None:
        return self._read(self._lines, prompt, countdown, multiline=False)

    def answer(
        self, countdown: Countdown | None, *, one_line: bool = False, quits: bool = True
    ) -> str | None:
        self._one_line = one_line
        text = self._read(self._answers, "> ", countdown, multiline=not one_line)
        if text is None:
            return None
        text = answer_lines(text)
        if quits and text.strip() == QUIT:
            return None
        if one_line and text.strip():
            self._habit_until = self.clock() + HABIT_WINDOW
        return text

    def code(self, draft: str, countdown: Countdown | None) -> str | None:
        self._one_line, self._code = False, True
        try:
            text = self._read(self._answers, "> ", countdown, multiline=True, default=draft)
        finally:
            self._code = False
        if text is None or text.strip() == QUIT:
            return None
        return answer_lines(text)

    def _read(
        self,
        session: PromptSession[str],
        prompt: str,
        countdown: Countdown | None,
        multiline: bool,
        default: str = "",
    ) -> str | None:
        from prompt_toolkit.application import get_app

        self.console.file.flush()

        def message() -> StyleAndTextTuples:
            app = get_app()
            # Once the input is accepted the clock is not left behind in the transcript.
            shown = None if app.is_done else countdown
            width = app.output.get_size().columns
            return prompt_message(prompt, shown, self.clock(), width, app.output.encoding())

        _open.ending = None
        text: str | None = None
        self.partial = ""
        try:
            _open.reading = True
            text = session.prompt(
                message,
                multiline=multiline,
                refresh_interval=0.5 if countdown is not None else 0,
                default=default,
            )
        except BaseException as exc:
            # kept by the caller, if it will: also at the end of input a signal's ending may follow
            self.partial = valid_text(session.default_buffer.text)
            if _open.ending is None and not isinstance(exc, EOFError):
                raise
            # The end of input (a quit); or a signal ended the prompt, and whatever else ended it with
            # it (the closed terminal's input/output error, say) gives way to the signal's exception.
            if _open.ending is not None and exc is not _open.ending:
                _open.ending.__context__ = exc
        finally:
            _open.reading = False
            self._habit_until = None  # the window covers one prompt only
        ending, _open.ending = _open.ending, None
        if ending is not None:  # (also one that came as the prompt was returning anyway)
            raise ending
        if text is None and self.partial.strip() and self.partial != default:  # (a code prompt's starter)
            # Ctrl-D ends input only on an empty line: an end of input with text typed is the terminal
            # going away (before its signal, or without one), not a quit; the text is kept by the caller
            raise OSError(errno.EIO, "the input closed while an answer was being typed")
        return None if text is None else valid_text(text)

    def _habit_enter(self) -> bool:
        """An Enter on an empty input just after a one-line answer: the answer's old second Enter."""
        from prompt_toolkit.application import get_app

        if self._habit_until is None or self.clock() > self._habit_until:
            return False
        return not get_app().current_buffer.text

    def _habit_bindings(self) -> KeyBindings:
        from prompt_toolkit.filters import Condition
        from prompt_toolkit.key_binding import KeyBindings

        bindings = KeyBindings()

        # Eager: wins over every other Enter binding, in the dumb-terminal prompt too.
        @bindings.add("enter", filter=Condition(self._habit_enter), eager=True)
        @bindings.add("c-j", filter=Condition(self._habit_enter), eager=True)
        def _ignore(event: KeyPressEvent) -> None:
            self._habit_until = None

        return bindings

    def _answer_bindings(self) -> KeyBindings:
        from prompt_toolkit.document import Document
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

        bindings = KeyBindings()

        @bindings.add("enter")
        @bindings.add("c-j")
        def _enter(event: KeyPressEvent) -> None:
            buffer = event.current_buffer
            if self._one_line or (not self._code and submits(buffer.document, keys_pending(event))):
                buffer.validate_and_handle()
            else:
                buffer.newline(copy_margin=True)

        @bindings.add("escape", "enter")
        def _submit(event: KeyPressEvent) -> None:
            event.current_buffer.validate_and_handle()

        @bindings.add("tab")
        def _indent(event: KeyPressEvent) -> None:
            event.current_buffer.insert_text(INDENT)

        @bindings.add("s-tab")
        def _dedent(event: KeyPressEvent) -> None:
            buffer = event.current_buffer
            document = buffer.document
            line = document.current_line
            remove = min(len(line) - len(line.lstrip(" ")), len(INDENT))
            start = document.cursor_position + document.get_start_of_line_position()
            text = document.text[:start] + document.text[start + remove :]
            buffer.document = Document(text, max(start, document.cursor_position - remove))

        # The habit bindings come last so that they win over Enter's.
        return merge_key_bindings([bindings, self._habit_bindings()])


def keys_pending(event: KeyPressEvent) -> bool:
    """More keys already read behind this one: a paste the terminal did not bracket, not typing."""
    from prompt_toolkit.keys import Keys

    return any(
        press.key != Keys.CPRResponse and press.data != "_Flush"
        for press in event.app.key_processor.input_queue
    )


def submits(document: Document, keys_pending: bool) -> bool:
    """Whether Enter submits the answer: on an empty (or blank) last line with the cursor there, or on
    an answer that is just ``q``, and never in the middle of a paste. Elsewhere it starts a new line."""
    if keys_pending:
        return False
    if document.text.strip() == QUIT and document.line_count == 1:
        return True
    on_last_line = document.cursor_position_row == document.line_count - 1
    return on_last_line and not document.current_line.strip()
