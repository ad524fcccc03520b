"""Keys typed at a terminal while nothing asks for them (a model grading): not echoed while they are
typed, and dropped when the next prompt comes, so that they answer nothing the person has not seen.

While keys are held the terminal is out of canonical (line) mode: in line mode a line not yet ended by
Enter is invisible to FIONREAD (it reports 0), so keys typed without Enter were dropped unsaid. Out of
it every key typed is counted, then dropped as the wait ends; the next prompt says so."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

_held_dropped: dict[int, int] = {}  # bytes dropped as a wait with keys held ended (by descriptor)


def _waiting(fd: int) -> int:
    import fcntl
    import termios

    waiting = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, waiting)
    return int.from_bytes(waiting, sys.byteorder)


def discard_typeahead(stream: IO[str] | None = None) -> int:
    """Drop the keys typed at a terminal before a prompt was shown (while a model graded, say), so
    an Enter meant for nothing does not accept what the person has not yet seen; how many bytes were
    dropped. Not for a pipe."""
    stream = sys.stdin if stream is None else stream
    try:
        import fcntl  # noqa: F401  (with termios: what FIONREAD needs)
        import termios
    except ImportError:  # (Windows)
        return 0
    try:
        if not stream.isatty():
            return 0
        fd = stream.fileno()
        waiting = _waiting(fd) + _held_dropped.pop(fd, 0)
        termios.tcflush(fd, termios.TCIFLUSH)
        return waiting
    except (OSError, ValueError, termios.error):  # (a closed stream)
        return 0


@contextmanager
def keys_held(stream: IO[str] | None = None) -> Iterator[None]:
    """While a terminal waits with no prompt (a model grading), keys typed are not echoed: they answer
    nothing. The terminal is out of line mode meanwhile, so a line without Enter is counted too; what was
    typed is dropped as the wait ends, and the prompt that follows says so (:func:`discard_typeahead`).
    Echo and line mode come back however the wait ends (Ctrl-C included: signals still work). Nothing
    for a pipe."""
    stream = sys.stdin if stream is None else stream
    try:
        import termios
    except ImportError:  # (Windows)
        yield
        return
    saved = None
    try:
        if stream.isatty():
            # What an earlier wait dropped was for the prompt after it; a wait that none followed (Ctrl-C)
            # must not have the next prompt say keys were dropped.
            _held_dropped.pop(stream.fileno(), None)
            saved = termios.tcgetattr(stream.fileno())
            quiet = list(saved)
            quiet[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON)  # the local modes
            quiet[6] = list(quiet[6])
            quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 1, 0
            termios.tcsetattr(stream.fileno(), termios.TCSANOW, quiet)
    except (OSError, ValueError, termios.error):  # (a closed stream)
        saved = None
    try:
        yield
    finally:
        if saved is not None:
            try:
                fd = stream.fileno()
                typed = _waiting(fd)  # every key, a line without its Enter too
                _held_dropped[fd] = _held_dropped.get(fd, 0) + typed
            except (OSError, ValueError, termios.error):
                pass
            try:
                # Drop what was typed and restore the modes in one step (a flush, then a restore, kept
                # the keys typed between them for the next prompt, which dropped them uncounted).
                termios.tcsetattr(stream.fileno(), termios.TCSAFLUSH, saved)
            except (OSError, ValueError, termios.error):
                pass
