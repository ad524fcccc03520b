"""The ``mockprep`` command line: parse options, call the core, render.

Heavy modules (the database layer :mod:`mockprep.db`, rich via :mod:`mockprep.terminal`) are imported inside
the commands that use them, so ``mockprep --help`` stays fast. Each submodule registers its commands, and
is imported only when one of them is used (``COMMANDS`` in :mod:`mockprep.cli.app`).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, NoReturn

import typer

from mockprep.cli.app import UserError, app
from mockprep.cli.context import plain, set_arguments
from mockprep.paths import HomeError

__all__ = ["app", "main"]

# -- entry point --------------------------------------------------------------------------------


def one_line(message: str) -> str:
    """``message`` as one line: a parser's multi-line excerpt or a wrapped text joined with spaces."""
    return " ".join(plain(message).split())


def _fail(message: str, code: int) -> NoReturn:
    try:
        sys.stderr.write(f"mockprep: error: {one_line(message)}\n")
        sys.stderr.flush()
    except OSError:
        pass
    sys.exit(code)


def main(argv: list[str] | None = None, *, ends_process: bool = False) -> Any:
    """Run the CLI; every failure ends as one line on stderr and a non-zero exit code.

    ``ends_process``: the process ends with the command (the ``mockprep`` entry point), so a model
    still loading in the background, which nothing needs any more, is not waited for."""
    try:
        result = _run(argv)
    except SystemExit as exc:
        _after_loads(exc.code, ends_process)
        raise
    _after_loads(0, ends_process)
    return result


LOADS_WAIT_SECONDS = 15.0


def _after_loads(code: int | str | None, ends_process: bool = False) -> None:
    """A model still loading in the background must not be inside its extension when the interpreter
    shuts down, which would abort the process (:mod:`mockprep.core.background_loads`). At the end of the
    process the shutdown is skipped (:func:`_end_process`): `q` at the first question took 0.4-0.7 s
    more, waiting for a grading model nothing needed. Called in a process that goes on (tests), the load
    is let finish, Ctrl-C ignored for that short wait (the command is already over), and past the limit
    the process ends at once."""
    loads = sys.modules.get("mockprep.core.background_loads")
    if loads is None or not loads.loads_running():
        return
    if ends_process:
        _end_process(code)
    import signal
    import threading

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        finished = loads.wait_for_loads(LOADS_WAIT_SECONDS)
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if not finished:
        _end_process(code)


def _end_process(code: int | str | None) -> NoReturn:
    """End the process as its shutdown would, but for the interpreter's finalization (which unwinds a
    daemon thread still inside an extension): the threads that are no daemons joined, the atexit
    functions run (temporary folders, child processes), the streams flushed; then ``os._exit``."""
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    if isinstance(code, str):  # as Python prints SystemExit("message")
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def _writable_output() -> None:
    """Messages (stderr) always reach the person: what the encoding lacks is escaped. On a terminal
    whose locale is not UTF-8 (``LC_ALL=C`` with ``PYTHONUTF8=0``, a Latin-1 one), a character it lacks
    ('·', a story's 'é') is shown as '?'. Output piped or written to a file is data (an export, a CSV):
    never changed silently, it fails with one line instead (see :func:`_encoding_problem`)."""
    # a closed stream (`mockprep stats >&-`): what would be written to it goes nowhere, as asked
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (for the process's life)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    streams = [(sys.stderr, "backslashreplace")]
    if sys.stdout.isatty() and _encoding(sys.stdout) not in ("utf8", "utf8sig"):
        streams.append((sys.stdout, "replace"))
    for stream, errors in streams:
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors=errors)
            except (ValueError, OSError):
                pass


def _encoding(stream: Any) -> str:
    return (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")


def _encoding_problem(exc: UnicodeEncodeError) -> tuple[str, int]:
    """One line for text that could not be encoded: bytes in an argument or the input that are not
    UTF-8 (Python keeps them as lone surrogates), or output the locale's encoding cannot hold."""
    found = exc.object[exc.start : exc.end] if isinstance(exc.object, str) else ""
    if found and all("\udc80" <= ch <= "\udcff" for ch in found):
        return f"an argument or the input holds bytes that are not UTF-8 text ({found!r}); use UTF-8", 2
    return (
        f"the output's encoding ({exc.encoding}) cannot hold {found!r}: use a UTF-8 locale (e.g."
        " LC_ALL=C.UTF-8) or set PYTHONUTF8=1; nothing further was written",
        1,
    )


_VALUE_KINDS = (
    ("int range", "a whole number"),
    ("integer range", "a whole number"),
    ("integer", "a whole number"),
    ("float range", "a number"),
    ("float", "a number"),
)


def _run(argv: list[str] | None) -> Any:
    _writable_output()
    set_arguments(sys.argv[1:] if argv is None else list(argv))
    try:
        result = app(args=argv, prog_name="mockprep", standalone_mode=False)
    except UserError as exc:
        _fail(str(exc), exc.exit_code)
    except UnicodeEncodeError as exc:
        _fail(*_encoding_problem(exc))
    except HomeError as exc:
        _fail(str(exc), 1)
    except typer.TyperException as exc:  # typer's (vendored click) usage and parameter errors
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(exc.format_message())
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        message = exc.format_message().replace("Value error, ", "")
        for kind, plain_kind in _VALUE_KINDS:  # "'abc' is not a valid int range." says little
            message = message.replace(f"is not a valid {kind}.", f"is not {plain_kind}.")
        _fail(message + hint, getattr(exc, "exit_code", 2))
    except (typer.Abort, KeyboardInterrupt):
        _fail("interrupted", 130)
    except BrokenPipeError:
        # Output piped into e.g. `head` that closed early: not an error worth a traceback.
        os._exit(0)
    except SystemExit as exc:
        if _closed_output(exc):  # the same, once rich or click has turned it into exit code 1
            os._exit(0)
        raise
    except BaseException as exc:
        # SIGTERM/SIGHUP during a session end it as Ctrl-C does; one that arrives while the session is
        # already closing (its answers stored) ends the command here.
        if type(exc).__name__ == "SessionInterrupted":
            _fail("interrupted", 128 + int(exc.args[0]) if exc.args else 130)
        if not isinstance(exc, Exception) or isinstance(exc, typer.Exit | SystemExit):
            raise
        _fail_spoken(exc)
        _fail_unstored(exc)
        _fail_unexpected(exc)
    if isinstance(result, int) and result:
        sys.exit(result)
    return result


def _closed_output(exc: SystemExit) -> bool:
    """Whether an exit is rich's or click's answer to output piped into a reader that closed early
    (``mockprep history | head -1``): both end the process with code 1 while handling the EPIPE, which
    README keeps for a failing environment; a closed pipe ends a command as a finished one (0)."""
    cause = exc.__context__
    return exc.code == 1 and isinstance(cause, OSError) and cause.errno == errno.EPIPE


def _fail_spoken(exc: Exception) -> None:
    """Spoken answers' failures: no extra, model or microphone here (1), or an --audio file that cannot
    be graded (2). Only a run that loaded core/speech can raise them (it is not imported otherwise)."""
    speech = sys.modules.get("mockprep.core.speech")
    if speech is not None and isinstance(exc, speech.VoiceUnavailable):
        _fail(str(exc), 1)
    if speech is not None and isinstance(exc, speech.AudioProblem):  # named as a session names it
        _fail(f"--audio {exc}", 2)


def _fail_unstored(exc: Exception) -> None:
    """A session's answer the database would not take (a full disk, say), raised after the summary:
    kept in a file (or printed), then said. Only a run that loaded practice/ui can raise it."""
    ui = sys.modules.get("mockprep.practice.ui")
    if ui is not None and isinstance(exc, ui.AnswerNotStored):
        from mockprep.cli.kept_answer import kept_answer

        error = kept_answer(exc)
        _fail(str(error), error.exit_code)


def _fail_unexpected(exc: Exception) -> NoReturn:
    """An OSError or a database error in the middle of a command: say what is really wrong."""
    from mockprep.db.errors import is_database_error

    if is_database_error(exc):
        # e.g. a database damaged while in use, a full disk, a lock held too long
        from mockprep.db.store import explain_db_error
        from mockprep.paths import DB_NAME, home_dir

        _fail(explain_db_error(home_dir() / DB_NAME, exc), 1)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _fail(f"{where}{exc.strerror or exc}", 1)
    raise exc
