"""Keys typed at a terminal while nothing asks for them (a model grading): not echoed while they are
typed, and dropped when the next prompt comes, so that they answer nothing the person has not seen."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


def discard_typeahead(stream: IO[str] | None = None) -> int:
    """Drop the keys typed at a terminal before a prompt was shown (while a model graded, say), so
    an Enter meant for nothing does not accept what the person has not yet seen; how many bytes were
    dropped. Not for a pipe."""
    stream = sys.stdin if stream is None else stream
    try:
        import fcntl
        import termios
    except ImportError:  # (Windows)
        return 0
    try:
        if not stream.isatty():
            return 0
        waiting = bytearray(4)
        fcntl.ioctl(stream.fileno(), termios.FIONREAD, waiting)
        termios.tcflush(stream.fileno(), termios.TCIFLUSH)
        return int.from_bytes(waiting, sys.byteorder)
    except (OSError, ValueError, termios.error):  # (a closed stream)
        return 0


@contextmanager
def keys_held(stream: IO[str] | None = None) -> Iterator[None]:
    """While a terminal waits with no prompt (a model grading), keys typed are not echoed: they answer
    nothing, and the prompt that follows drops them (:func:`discard_typeahead`). Echo comes back however
    the wait ends (Ctrl-C included: signals still work). Nothing for a pipe."""
    stream = sys.stdin if stream is None else stream
    try:
        import termios
    except ImportError:  # (Windows)
        yield
        return
    saved = None
    try:
        if stream.isatty():
            saved = termios.tcgetattr(stream.fileno())
            quiet = list(saved)
            quiet[3] &= ~(termios.ECHO | termios.ECHONL)  # the local modes
            termios.tcsetattr(stream.fileno(), termios.TCSANOW, quiet)
    except (OSError, ValueError, termios.error):  # (a closed stream)
        saved = None
    try:
        yield
    finally:
        if saved is not None:
            try:
                termios.tcsetattr(stream.fileno(), termios.TCSANOW, saved)
            except (OSError, ValueError, termios.error):
                pass
