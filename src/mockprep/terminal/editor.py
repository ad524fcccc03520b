"""The $VISUAL/$EDITOR round trip: text to a private file, the editor run on it (no shell), read back."""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

MAX_DRAFT_BYTES = 1024 * 1024  # a two-minute story is a few kB; this only stops accidents


class EditorError(Exception):
    """The editor could not be run or the draft is unusable; the message says why.

    ``exit_code`` is 1 for a problem with the environment, 2 for a draft that cannot be taken;
    ``kept`` is the file that holds the person's text when it was kept.
    """

    def __init__(self, message: str, exit_code: int = 1, kept: Path | None = None):
        super().__init__(message)
        self.exit_code = exit_code
        self.kept = kept


def editor_argv(configured: str = "") -> list[str] | None:
    """The editor command — the ``editor`` setting, else $VISUAL or $EDITOR — split like a shell would
    (None when none is set)."""
    command = configured if configured.strip() else os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command or not command.strip():
        return None
    origin = "the editor setting" if configured.strip() else "$VISUAL/$EDITOR"
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise EditorError(f"cannot parse {origin} {command!r}: {exc}", 2) from None


def edit_text(
    argv: list[str],
    text: str,
    folder: Path,
    kind: str = "story",
    suffix: str = ".md",
    so_far: list[str] | None = None,
    name: str | None = None,
    opening: Callable[[Path], None] | None = None,
) -> str:
    """Open ``text`` in the editor (a private temporary file in ``folder``, handed to ``opening`` just
    before, for the caller to name it); return what was saved.

    When the editor fails or the draft cannot be taken, text the person changed is not thrown away: the
    file stays in ``folder`` as ``unsaved-story-*.md`` (``unsaved-NAME-*SUFFIX``, private; NAME is
    ``kind`` unless given) and the error names it.
    """
    fd, temporary = tempfile.mkstemp(prefix=f"{name or kind}-", suffix=suffix, dir=folder)
    path = Path(temporary)
    kept: Path | None = None
    # The whole edit, the keeping of the text included, is under the handler: a closed terminal's second
    # SIGHUP (the shell's, after the kernel's) came once it had been put back and killed mockprep while
    # the editor saved, the draft left under its temporary name.
    with _signals_end_the_edit() as signals:
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            if opening is not None:
                opening(path)
            editor: subprocess.Popen[bytes] | None = None
            try:
                editor = subprocess.Popen([*argv, str(path)])
                status = signals.wait(editor)
            except _Stopped as stop:
                _let_finish(editor, stop.signum)  # the editor saves what it can (nano's FILE.save, say)
                status = 128 + stop.signum  # kept below like any failed edit, and said so
            except FileNotFoundError:
                raise EditorError(
                    f"editor {argv[0]!r} was not found; check the editor setting, $VISUAL or $EDITOR"
                ) from None
            except OSError as exc:
                raise EditorError(f"cannot run editor {argv[0]!r}: {exc.strerror}") from None
            except BaseException:  # a session's interruption (its own signal handler), say
                _let_finish(editor, signal.SIGTERM)  # the editor saves what it can and quits
                now = path.read_text("utf-8", "replace") if path.exists() else text
                if so_far is not None:
                    so_far.append(now)  # for the caller to keep (a code answer cut short)
                kept = _keep_if_changed(path, text)
                raise
            if status < 0:  # the editor was ended by a signal (the terminal's SIGHUP reached it first)
                status = 128 - status
            if status == 0 and signals.signum is not None:  # one that came as the editor was quitting
                status = 128 + signals.signum
            size = path.stat().st_size
            if status != 0 or size > MAX_DRAFT_BYTES:
                kept = _keep_if_changed(path, text)
                raise _edit_failed(path, kind, status, size, kept)
            return path.read_text(encoding="utf-8", errors="replace")
        finally:
            if kept is None:
                path.unlink(missing_ok=True)


def _edit_failed(path: Path, kind: str, status: int, size: int, kept: Path | None) -> EditorError:
    """Why an edit saved nothing, with where the text is kept."""
    keep_note = f"; your text is kept in {kept}" if kept else ""
    if status > 128 and status - 128 in _STOPPING:
        rescue = Path(f"{path}.save")  # what an editor told of the signal saved (nano does)
        if rescue.exists():
            keep_note += f"; your editor saved its buffer in {rescue}"
        message = f"stopped by {signal.Signals(status - 128).name}; nothing was saved{keep_note}"
        return EditorError(message, kept=kept)
    if status != 0:
        return EditorError(f"the editor exited with status {status}; nothing was saved{keep_note}", kept=kept)
    return EditorError(
        f"the draft is {size // 1024} kB, over the 1 MB limit for a {kind}; nothing was saved{keep_note}",
        2,
        kept,
    )


def _keep_if_changed(path: Path, text: str) -> Path | None:
    """Keep the draft file as ``unsaved-NAME`` when it no longer holds ``text``; the kept path or None."""
    if not path.exists():
        return None
    changed = path.stat().st_size != len(text.encode("utf-8")) or path.read_text("utf-8", "replace") != text
    if not changed:
        return None
    kept = path.with_name(f"unsaved-{path.name}")
    os.replace(path, kept)
    return kept


EDITOR_GRACE_SECONDS = 5.0  # how long an editor told of a signal has to save and quit


def _let_finish(editor: subprocess.Popen[bytes] | None, signum: int) -> None:
    """Pass the signal on to the editor (a kill of mockprep alone never reached it) and give it a few
    seconds to save its buffer and quit, instead of killing it mid-way."""
    if editor is None or editor.poll() is not None:
        return
    try:
        editor.send_signal(signum)
        editor.wait(timeout=EDITOR_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        editor.kill()
        editor.wait()
    except OSError:
        pass


_STOPPING = (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGTERM,)


class _Stopped(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _EditSignals:
    """The stopping signal an edit received (the first; those after it are let pass), raised as
    :class:`_Stopped` only while the editor is waited for: elsewhere it would cut the keeping of the text
    in half."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.waiting = False

    def received(self, signum: int, _frame: object) -> None:
        if self.signum is not None:
            return  # a closed terminal's second SIGHUP (the shell passes it on after the kernel)
        self.signum = signum
        if self.waiting:
            raise _Stopped(signum)

    def wait(self, editor: subprocess.Popen[bytes]) -> int:
        """The editor's exit status; :class:`_Stopped` when a signal came meanwhile or before."""
        self.waiting = True
        try:
            if self.signum is not None:
                raise _Stopped(self.signum)
            return editor.wait()
        finally:
            self.waiting = False


@contextmanager
def _signals_end_the_edit() -> Iterator[_EditSignals]:
    """While the editor runs, a closed terminal (SIGHUP) or a kill (SIGTERM) ends the edit through the
    path that keeps changed text, instead of ending the process with the draft left under a temporary
    name nobody is told of. (Only the main thread can take signals, and only signals nothing else
    handles are taken: elsewhere nothing changes.)"""
    signals = _EditSignals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    # only where nothing else handles them (a session turns them into its own interruption)
    unhandled = [signum for signum in _STOPPING if signal.getsignal(signum) is signal.SIG_DFL]
    previous = {signum: signal.signal(signum, signals.received) for signum in unhandled}
    try:
        yield signals
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def read_draft_stream(stream: IO[Any] | None, name: str = "standard input") -> str:
    """The text of a draft given on standard input (``story new --from -``) or another pipe: at most
    1 MB; bytes that are not UTF-8 are read as U+FFFD."""
    if stream is None:  # (standard input closed: nothing given)
        return ""
    raw = getattr(stream, "buffer", None)  # the bytes, so nothing undecodable stops the read
    try:
        data: str | bytes = (raw or stream).read(MAX_DRAFT_BYTES + 1)
    except OSError as exc:
        raise EditorError(f"{name}: cannot be read ({exc.strerror})", 2) from None
    if len(data) > MAX_DRAFT_BYTES:
        raise EditorError(f"{name}: over the 1 MB limit for a story", 2)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_draft(path: Path) -> str:
    """The text of a draft file (``story new --from``): a regular file or a pipe, of at most 1 MB."""
    try:
        info = path.stat()
    except OSError as exc:
        raise EditorError(f"{path}: {exc.strerror}", 2) from None
    if stat.S_ISFIFO(info.st_mode):  # a pipe: --from /dev/stdin, or <(...)
        try:
            with path.open("rb") as pipe:
                return read_draft_stream(pipe, str(path))
        except OSError as exc:
            raise EditorError(f"{path}: cannot be read ({exc.strerror})", 2) from None
    if not stat.S_ISREG(info.st_mode):
        raise EditorError(f"{path}: not a regular file", 2)
    if info.st_size > MAX_DRAFT_BYTES:
        raise EditorError(f"{path}: {info.st_size // 1024} kB, over the 1 MB limit for a story", 2)
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise EditorError(f"{path}: cannot be read ({exc.strerror})", 2) from None
