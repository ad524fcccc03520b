"""Reading lines: from a pipe (echoed, so a transcript reads like a session) or, in a terminal, through
prompt_toolkit with the live countdown in a toolbar."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.text import Text

from mockprep.core.sanitize import shorten
from mockprep.core.timer import Countdown
from mockprep.terminal.console import safe

# (prompt, countdown or None) -> the line, or None at end of input
ReadLine = Callable[[str, Countdown | None], str | None]
Clock = Callable[[], datetime]


def stdin_reader(console: Console, clock: Clock) -> ReadLine:
    """Read one line from standard input (None at end of input) after showing a prompt.

    In a terminal, the prompt is drawn by the line editor (so editing keeps the line intact), and while
    a countdown runs, prompt_toolkit shows it ticking in a bottom toolbar that turns yellow in the last
    30 seconds and red in overtime. From a pipe, nothing is drawn live: the prompt and the line read
    are echoed to ``console`` so that a transcript reads like a session; timing is recorded the same.
    """
    if sys.stdin.isatty() and sys.stdout.isatty():
        return _terminal_reader(console, clock)

    def read_pipe(prompt: str, _countdown: Countdown | None) -> str | None:
        console.print(Text(prompt, style="bold"), end="")
        line = sys.stdin.readline()
        if line == "":
            console.print()
            return None
        line = line.rstrip("\r\n")
        console.print(safe(shorten(line)))
        return line

    return read_pipe


def _terminal_reader(console: Console, clock: Clock) -> ReadLine:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.styles import Style

    # No reserved menu space: the clock sits right under the line being typed.
    session: PromptSession[str] = PromptSession(reserve_space_for_menu=0)
    style = Style.from_dict(
        {
            "bottom-toolbar": "noreverse",
            "clock.ok": "bold",
            "clock.warning": "bold bg:ansiyellow fg:ansiblack",
            "clock.overtime": "bold bg:ansired fg:ansiwhite",
        }
    )

    def read(prompt: str, countdown: Countdown | None) -> str | None:
        console.file.flush()

        def toolbar() -> list[tuple[str, str]]:
            assert countdown is not None
            now = clock()
            phase = countdown.phase(now)
            note = {"ok": "", "warning": "  wrap up", "overtime": "  over time: keep going or finish"}
            return [(f"class:clock.{phase}", f" ⏱ {countdown.label(now)}{note[phase]} ")]

        try:
            if countdown is None:
                # PromptSession keeps the last call's toolbar (passing None does not clear it).
                session.bottom_toolbar = None
                return session.prompt(prompt, refresh_interval=0)
            return session.prompt(prompt, bottom_toolbar=toolbar, refresh_interval=0.5, style=style)
        except EOFError:
            return None

    return read
