"""Reading at a terminal that cannot move its cursor (TERM=dumb: Emacs's shell, IDE consoles).

prompt_toolkit's dumb-terminal mode echoes each key and never erases or moves, so after a Backspace or
an arrow the screen showed ``abcdefedXYZSE`` while ``SabcdZXYE`` was kept. Here lines are read as
piped input is, and the terminal (or Emacs) does the line editing and shows the line: what is on the
screen is what is kept. The clock cannot tick in place; the time is still measured.
"""

from __future__ import annotations

import re
import sys
from typing import IO

from rich.console import Console
from rich.text import Text

from mockprep.core.timer import Countdown
from mockprep.terminal.console import safe
from mockprep.terminal.input import PipeReader

# What a key the terminal's line editing does not handle leaves in the line: an escape sequence (an
# arrow, Home, a function key) or a control character (Ctrl-A), which the terminal shows as ^[[D or ^A.
_KEY_CODES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|[^\x1b])?|[\x00-\x08\x0b-\x1f\x7f]")
NO_CLOCK = (
    "This terminal (TERM=dumb) cannot redraw a line: the clock does not tick while you answer, "
    "but your time is measured and shown with the answer."
)


def typed_line(line: str) -> str:
    """``line`` without the codes of keys that did nothing at this terminal (tabs are kept)."""
    return _KEY_CODES.sub("", line)


class DumbTerminalReader(PipeReader):
    """Lines from a dumb terminal: a person is there (pages wait, checklists are asked), but nothing is
    echoed (the terminal shows what was typed) and keys it could not act on are left out."""

    interactive = True
    echo = False

    def __init__(self, console: Console, stream: IO[str] | None = None):
        super().__init__(console, sys.stdin if stream is None else stream, clock_notice=NO_CLOCK)

    def _next(self) -> str | None:
        self.console.file.flush()  # (the prompt, which ends no line, is on screen before the wait)
        line = super()._next()
        return None if line is None else typed_line(line)

    def code(self, draft: str, countdown: Countdown | None) -> str | None:
        """As piped (lines up to an empty one, or between ``` fences), after the starter draft: shown for
        reference, as what is typed is the whole answer (a line editor cannot edit the draft in place)."""
        if draft.strip():
            self.console.print(Text("The code so far (type your solution in full):", style="dim"))
            self.console.print(safe(draft.rstrip("\n")))
        return super().code(draft, countdown)
