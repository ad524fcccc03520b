"""What commands share at run time: settings, the store (synced and recovered), the console, the
clock and randomness, signals, and output files."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mockprep.cli.app import UserError

if TYPE_CHECKING:
    import random

    from rich.console import Console

    from mockprep.core.config import Resolved
    from mockprep.core.grading import Grader
    from mockprep.core.records import SyncResult
    from mockprep.core.settings import Settings
    from mockprep.db.store import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


class _RunSettings:
    """The ``-c KEY=VALUE`` options of this run, and the settings resolved from them, kept while the
    file, the environment and the options stay the same."""

    options: tuple[str, ...] = ()
    arguments: tuple[str, ...] = ()  # the command line as given (for options typer lets the last win)
    key: tuple[Any, ...] | None = None
    resolved: Resolved | None = None


_run = _RunSettings()


def set_arguments(argv: list[str]) -> None:
    """Record the command line of this run (called before the command is parsed)."""
    _run.arguments = tuple(argv)


def given(*options: str) -> bool:
    """Whether the command line names any of ``options`` as an option: not as the value of another
    (``--answer --llm``), nor after ``--``."""
    from typer._click.globals import get_current_context

    takes_value: set[str] = set()
    ctx = get_current_context(silent=True)
    while ctx is not None:
        for param in ctx.command.params:
            if param.param_type_name == "option" and not getattr(param, "is_flag", False):
                takes_value.update(param.opts)
        ctx = ctx.parent
    args = iter(_run.arguments)
    for arg in args:
        if arg == "--":
            return False
        if arg in options or arg.startswith(tuple(f"{o}=" for o in options)):
            return True
        if arg in takes_value:
            next(args, None)  # (its value, whatever it looks like)
    return False


def set_option_settings(options: list[str] | None) -> None:
    """Record the root ``-c`` options (called by the root command before any subcommand runs)."""
    _run.options = tuple(options or ())
    _run.resolved = None


def resolve_settings() -> Resolved:
    """The settings for this run and where each value comes from: the defaults, the settings file in
    the data folder, ``MOCKPREP_*`` variables, then ``-c`` options. A bad value is one line naming the
    file and line (or the variable, or the option) and the key; exit 2."""
    from mockprep.paths import home_dir
    from mockprep.services.settings_file import SettingsFileError, config_path, load

    home = home_dir()
    try:
        info = config_path(home).stat()
        stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = None
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("MOCKPREP_")))
    key = (str(home), stamp, env, _run.options)
    if _run.resolved is None or _run.key != key:
        try:
            resolved, warnings = load(home, os.environ, _run.options)
        except SettingsFileError as exc:
            raise UserError(str(exc)) from None
        for warning in warnings:
            warn(warning)
        _run.key, _run.resolved = key, resolved
    assert _run.resolved is not None
    return _run.resolved


def load_settings() -> Settings:
    """The settings for this run (see :func:`resolve_settings`)."""
    return resolve_settings().settings


MODEL_WAIT_SECONDS = 10.0  # at most this long for the meaning model when an answer is graded


def make_grader(settings: Settings | None = None) -> Grader:
    """The offline grader the ``grader`` setting chooses: by words and meaning, the meaning model
    loading in the background once a question shows; or by words only. Code answers are run against
    their question's tests either way."""
    from mockprep.services.code_grader import CodeGrader
    from mockprep.services.code_runner import CodeRunner, RunLimits

    settings = settings or load_settings()
    return CodeGrader(offline_grader(settings), CodeRunner(RunLimits.from_settings(settings)))


def offline_grader(settings: Settings) -> Grader:
    """The grader of every answer but code: by words and meaning (the meaning model loading in the
    background once asked to prepare), or by words only, as the ``grader`` setting says."""
    from mockprep.core.grading import default_grader

    if settings.grader == "words":
        return default_grader()
    from mockprep.core.embedding import shared_loader

    loader = shared_loader()
    return default_grader(lambda: loader.get(MODEL_WAIT_SECONDS), loader.start)


def make_console(stderr: bool = False) -> Console:
    from mockprep.terminal.console import make_console as console

    return console(stderr=stderr)


def plain(text: str) -> str:
    """Text for plain output: escape sequences and control characters removed."""
    from mockprep.core.sanitize import clean

    return clean(text)


def open_store(sync: bool = True) -> Store:
    """The person's database, with sessions of killed processes closed and (``sync``) banks re-read."""
    from mockprep.db.store import Store, StoreError
    from mockprep.liveness import process_alive
    from mockprep.paths import home_dir

    try:
        store = Store.open(home_dir(), settings=load_settings(), warn=warn, notice=_notice)
    except StoreError as exc:
        raise UserError(str(exc), exit_code=1) from None
    from mockprep.db.damage_note import damage_noted

    if (damaged := damage_noted(store.path)) is not None:  # found by an earlier command, not since checked
        warn(damaged)
    store.recover_sessions(process_alive)  # sessions whose process was killed outright
    if sync:
        from mockprep.services.bank_sync import sync_banks

        report = sync_banks(store, utc_now(), running_code, run_code=True)
        for problem in report.problems:
            warn(str(problem))
        if report.changed:
            tell_sync(report.changed, implicit=True)
        if report.stopped:  # (Ctrl-C while it ran new code questions: the warning says so)
            raise KeyboardInterrupt
    return store


def tell_sync(results: list[SyncResult], implicit: bool = False) -> None:
    """What a bank sync must not do silently, one line of each per bank: questions renamed (on stdout;
    for the sync before a command, on stderr and only those that kept reviews) and questions with
    reviews retired (a warning)."""
    from mockprep.core.renames import sync_lines

    notes, warnings = sync_lines(results, every_rename=not implicit)
    for line in notes:
        note(line, stderr=implicit)
    for line in warnings:
        warn(line)


def running_code(source: str) -> None:
    """Why a sync takes seconds: it runs the solutions of new code questions (said on a terminal)."""
    if sys.stderr.isatty():
        _notice(f"running the solutions of the new and changed code questions of {source}...")


def _notice(line: str) -> None:
    """Why this command takes longer than usual (a migration at work), on stderr."""
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    """One warning line on stderr: yellow on a terminal, never wrapped, escape sequences removed."""
    note(f"warning: {message}", "yellow")


def note(message: str, style: str = "", stderr: bool = True) -> None:
    """One line on stderr (or stdout), never wrapped, escape sequences removed; on a terminal, a glyph
    its encoding lacks is shown as its ASCII stand-in."""
    line = " ".join(plain(message).split())
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        from mockprep.terminal.console import safe

        make_console(stderr=stderr).print(safe(line), style=style, soft_wrap=True)
    else:
        stream.write(f"{line}\n")


def check_filter_values(store: Store, kind: str, values: list[str]) -> None:
    """Refuse a round, topic, role, bank or tag no active question has, with the closest known ones."""
    if not values:
        return  # nothing to check: no query (a million-review home has thousands of questions to scan)
    import difflib

    known = store.banks.known_values()[kind]
    for value in values:
        if value not in known:
            if kind == "banks" and (bank := store.banks.get(value)) is not None and bank.removed:
                raise UserError(f"bank {value!r} was removed; bring it back with: mockprep bank add {value}")
            close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            singular = kind.rstrip("s")
            if len(known) <= 40:
                raise UserError(
                    f"unknown {singular} {value!r}{hint} (known: {', '.join(sorted(known)) or 'none'})"
                )
            raise UserError(f"unknown {singular} {value!r}{hint} ({len(known)} {kind}; {WHERE_LISTED[kind]})")


# Where a filter's values are seen, for an unknown one when there are too many to name in its error.
WHERE_LISTED = {
    "topics": "see them with: mockprep bank list",
    "banks": "see them with: mockprep bank list",
    "roles": "see a bank's with: mockprep bank show BANK",
    "tags": "mockprep question show KEY shows a question's; mockprep question search WORD searches them",
    "rounds": "technical, project or behavioral",
}


def session_rng(daily: str | None = None) -> random.Random:
    """The randomness of sessions and mocks; ``$MOCKPREP_SEED`` makes them repeatable (for scripts).
    Without it, ``daily`` (the home and the local day, for a session's new questions) seeds it: each
    run of that day draws the same."""
    import random  # (only the commands that practise need it)

    seed = os.environ.get("MOCKPREP_SEED")
    if seed is None or not seed.strip():
        return random.Random(daily)  # (None: from the system)
    try:
        return random.Random(int(seed))
    except ValueError:
        raise UserError(f"MOCKPREP_SEED must be a whole number, not {seed!r}") from None


class signals_interrupt:
    """While active, SIGTERM and SIGHUP end a session the way Ctrl-C does (ratings kept).

    A signal that arrives while a rating (or any write) is being stored takes effect the moment the
    transaction has ended, so it never cuts a statement in half; Ctrl-C is handled the same way. Once
    one has taken effect the session is ending, and further signals are not raised again in the middle
    of its closing writes. At a terminal prompt the prompt is asked to end instead of being raised
    into (terminal.input.end_prompt). One that Python could not raise (it arrived inside a finalizer,
    where exceptions are ignored) is sent again a moment later. Ctrl-C while the person's code runs
    stops that run alone (practice.code_answer.RunStopped).
    """

    def __enter__(self) -> None:
        import signal

        from mockprep.db.write_guard import defer_while_writing
        from mockprep.practice.pipeline import SessionInterrupted

        self.raised = False

        def interrupt(signum: int) -> None:
            self.raised = True
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise SessionInterrupted(signum)

        def handle(signum: int, _frame: object) -> None:
            if self.raised:
                return  # the session is already ending
            if defer_while_writing(lambda: interrupt(signum)):
                return
            coding = sys.modules.get("mockprep.practice.code_answer")
            if signum == signal.SIGINT and coding is not None and coding.run_open():
                raise coding.RunStopped  # the person's code is running: Ctrl-C stops that run alone
            reading = sys.modules.get("mockprep.terminal.input")  # (loaded by a terminal's prompts)
            if reading is not None and reading.prompt_open():
                if reading.end_prompt(
                    KeyboardInterrupt() if signum == signal.SIGINT else SessionInterrupted(signum)
                ):
                    self.raised = True  # the prompt raises it, once its event loop has closed
                else:  # its event loop is starting or closing: not raised into it, sent again shortly
                    again(signum)
                return
            interrupt(signum)

        def again(signum: int) -> None:
            import threading

            threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()

        def unraisable(info: Any) -> None:
            exc = info.exc_value
            if isinstance(exc, KeyboardInterrupt | SessionInterrupted):
                self.raised = False
                again(exc.args[0] if isinstance(exc, SessionInterrupted) else signal.SIGINT)
                return
            self._old_hook(info)

        self._old: dict[int, Any] = {}
        self._old_hook = sys.unraisablehook
        try:
            sys.unraisablehook = unraisable
            for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
                if sig is not None:
                    self._old[sig] = signal.signal(sig, handle)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        import signal

        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        sys.unraisablehook = self._old_hook


STDOUT = Path("-")


def check_output_target(output: Path, force: bool) -> None:
    """Refuse an ``-o`` target that must not be replaced: anything but a regular file (a device, a
    pipe, a folder), mockprep's own database files and backups, or an existing file without --force;
    and one in a folder that does not exist (exit 1): no writer creates folders (a typo in a path
    would make a tree of them)."""
    from mockprep.db.backups import DIR_NAME
    from mockprep.paths import DB_NAME, home_dir

    home = home_dir()
    protected = [home / f"{DB_NAME}{suffix}" for suffix in ("", "-wal", "-shm", "-journal", ".restoring")]
    target = output.resolve()
    backups = (home / DIR_NAME).resolve()
    if (
        target in {p.resolve() for p in protected}
        or target.parent == backups
        or any(p.exists() and output.exists() and os.path.samefile(p, output) for p in protected)
    ):
        raise UserError(f"{output} is mockprep's own data; write the output somewhere else")
    folder = output.parent
    if not folder.is_dir():
        what = f"{folder} is a file, not a folder" if folder.exists() else f"no such folder {folder}"
        raise UserError(f"cannot write {output}: {what}", exit_code=1)
    if not output.exists():
        return
    if output.is_dir():
        raise UserError(f"{output} is a folder")
    if not output.is_file():
        raise UserError(
            f"{output} is not a regular file (a device or a pipe); "
            "use -o - to write to standard output, or name a file"
        )
    if not force:
        raise UserError(f"{output} already exists; use --force to overwrite it")


@contextmanager
def output_stream(output: Path | None, force: bool, compress: bool = False) -> Iterator[TextIO]:
    """Standard output (no ``output``, or ``-``), or a private (0600) file that replaces ``output``
    only once fully written; with ``compress``, the text is written as gzip.

    An existing file is never overwritten without ``force``, and never one that is not a regular file
    or is mockprep's own database (see :func:`check_output_target`); a failure leaves it as it was.
    """
    if compress:
        from mockprep.services.exchange import gzipped
    if output is None or output == STDOUT:
        if compress:
            with gzipped(sys.stdout.buffer) as packed:
                yield packed  # type: ignore[misc]
            sys.stdout.buffer.flush()
        else:
            yield sys.stdout
        return
    check_output_target(output, force)
    partial = output.with_name(f".{output.name}.partial")
    try:
        fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        if compress:
            with os.fdopen(fd, "wb") as raw:
                with _written_back(fd), gzipped(raw) as packed:
                    yield packed  # type: ignore[misc]
                raw.flush()
                os.fsync(raw.fileno())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                with _written_back(fd):
                    yield handle
                    handle.flush()
                os.fsync(handle.fileno())
        os.replace(partial, output)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}", exit_code=1) from None
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _written_back(fd: int, every: float = 0.5) -> Iterator[None]:
    """While a large file is being written, a thread has the system write what has reached ``fd`` so
    far every ``every`` seconds: the disk works beside the export instead of after it, and the fsync
    before the file replaces its target finds little left."""
    import threading

    sync = getattr(os, "fdatasync", os.fsync)
    stop = threading.Event()

    def write_back() -> None:
        while not stop.wait(every):
            try:
                sync(fd)
            except OSError:  # the final fsync reports what matters
                return

    thread = threading.Thread(target=write_back, name="write-back", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def dated_output(stem: str, suffix: str, now: datetime) -> Path:
    """A new file in the current folder named after today's date: ``stem-YYYY-MM-DD[-N]suffix``."""
    day = now.astimezone().strftime("%Y-%m-%d")
    folder = Path.cwd()
    path = folder / f"{stem}-{day}{suffix}"
    number = 1
    while path.exists() or path.is_symlink():
        number += 1
        path = folder / f"{stem}-{day}-{number}{suffix}"
    return path


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to the new file ``path``, private to the user (0600) from the first byte and synced;
    on any failure nothing is left behind (never an empty or half-written file)."""
    data = text.encode("utf-8", "surrogateescape")
    partial = path.with_name(f".{path.name}.partial")
    try:
        fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if os.path.lexists(path):
            raise FileExistsError(17, "File exists", str(path))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def keep_rescue_file(name: str, text: str, now: datetime, suffix: str = ".md") -> Path:
    """Keep ``text`` (work that could not be saved) in a new private file in the data folder, named
    ``name-YYYYmmdd-HHMMSS[-N].md`` (or ``suffix``); raises OSError when even that fails (nothing is
    left behind)."""
    from mockprep.paths import ensure_home, home_dir

    folder = ensure_home(home_dir())
    stamp = f"{name}-{now.astimezone():%Y%m%d-%H%M%S}"
    path = folder / f"{stamp}{suffix}"
    number = 1
    while True:
        try:
            write_private_file(path, text)
            return path
        except FileExistsError:
            number += 1
            path = folder / f"{stamp}-{number}{suffix}"
