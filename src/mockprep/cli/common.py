"""What every command shares: the Typer apps, errors as one line, the store, the console."""

from __future__ import annotations

import enum
import os
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from mockprep import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from mockprep.storage import Store

app = typer.Typer(
    name="mockprep",
    help="Interview practice in the terminal: question banks, spaced repetition, timed sessions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
bank_app = typer.Typer(
    help="List, inspect, validate, add and remove question banks.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
story_app = typer.Typer(
    help="Write, check, link and rehearse STAR stories for the behavioral round.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
backup_app = typer.Typer(
    help="List, make and restore backups of your data (made automatically once a day and before upgrades).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(bank_app, name="bank")
app.add_typer(backup_app, name="backup")
app.add_typer(story_app, name="story")


class UserError(Exception):
    """A problem the person can fix; printed as one line. Exit 2 for bad input, 1 otherwise."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class Round(enum.StrEnum):
    technical = "technical"
    project = "project"
    behavioral = "behavioral"


def utc_now() -> datetime:
    return datetime.now(UTC)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mockprep {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Interview practice in the terminal: question banks, spaced repetition, timed sessions.

    Data lives in one SQLite file under $MOCKPREP_HOME, or the platform's user data folder
    (see `mockprep where`).
    """


# -- helpers ------------------------------------------------------------------------------------


def make_console(stderr: bool = False) -> Console:
    from mockprep import ui

    return ui.make_console(stderr=stderr)


def open_store(sync: bool = True) -> Store:
    from mockprep.paths import home_dir
    from mockprep.storage import Store, StoreError

    try:
        store = Store.open(home_dir())
    except StoreError as exc:
        raise UserError(str(exc), exit_code=1) from None
    from mockprep.session import process_alive

    store.recover_sessions(process_alive)  # sessions whose process was killed outright
    if sync:
        from mockprep.bank_sync import sync_banks

        report = sync_banks(store, utc_now())
        if report.problems:
            err = make_console(stderr=True)
            from mockprep.ui import safe

            for problem in report.problems:
                err.print(safe(f"warning: {problem} (its last good version is used)"), style="yellow")
    return store


def check_filter_values(store: Store, kind: str, values: list[str]) -> None:
    import difflib

    known = store.known_values()[kind]
    for value in values:
        if value not in known:
            close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            singular = kind.rstrip("s")
            raise UserError(
                f"unknown {singular} {value!r}{hint} (known: {', '.join(sorted(known)) or 'none'})"
            )


def timing_options(
    minutes: float | None, time_limit: str | None, no_timer: bool
) -> tuple[float | None, float | None]:
    """Validate --minutes, --time-limit and --no-timer; return (minutes, limit seconds)."""
    from mockprep.durations import parse_duration
    from mockprep.timer import parse_minutes

    if minutes is not None:
        try:
            parse_minutes(minutes)
        except ValueError as exc:
            raise UserError(f"--minutes {minutes:g}: {exc}") from None
    limit_seconds = None
    if time_limit is not None:
        if no_timer:
            raise UserError("--time-limit and --no-timer contradict each other; use one")
        try:
            limit_seconds = parse_duration(time_limit)
        except ValueError as exc:
            raise UserError(f"--time-limit: {exc}") from None
        if not 5 <= limit_seconds <= 3 * 3600:
            raise UserError(f"--time-limit {time_limit}: must be between 5 seconds and 3 hours")
    return minutes, limit_seconds


class signals_interrupt:
    """While active, SIGTERM and SIGHUP end a session the way Ctrl-C does (ratings kept)."""

    def __enter__(self) -> None:
        import signal

        from mockprep.session import SessionInterrupted

        def _raise(signum: int, _frame: object) -> None:
            raise SessionInterrupted(signum)

        self._old = {}
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                self._old[sig] = signal.signal(sig, _raise)

    def __exit__(self, *exc: object) -> None:
        import signal

        for sig, handler in self._old.items():
            signal.signal(sig, handler)


RoundOption = Annotated[
    Round | None,
    typer.Option(
        "--round",
        "-r",
        metavar="ROUND",
        help="Only this round: technical, project or behavioral.",
        case_sensitive=False,
    ),
]
BankOption = Annotated[
    list[str] | None, typer.Option("--bank", "-b", metavar="BANK", help="Only this bank (repeatable).")
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to this file (default: stdout).")
]
Force = Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")]


@contextmanager
def output_stream(output: Path | None, force: bool) -> Iterator[TextIO]:
    """Standard output, or a private (0600) file that replaces ``output`` only once fully written.

    An existing file is never overwritten without ``force``; a failure leaves it as it was.
    """
    if output is None:
        yield sys.stdout
        return
    if output.exists() and not force:
        raise UserError(f"{output} already exists; use --force to overwrite it")
    if output.is_dir():
        raise UserError(f"{output} is a folder")
    partial = output.with_name(f".{output.name}.partial")
    try:
        fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, output)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}", exit_code=1) from None
    finally:
        partial.unlink(missing_ok=True)


def session_rng() -> random.Random:
    """The randomness of sessions and mocks; ``$MOCKPREP_SEED`` makes them repeatable (for scripts)."""
    seed = os.environ.get("MOCKPREP_SEED")
    if seed is None or not seed.strip():
        return random.Random()
    try:
        return random.Random(int(seed))
    except ValueError:
        raise UserError(f"MOCKPREP_SEED must be a whole number, not {seed!r}") from None


def plain(text: str) -> str:
    """Text for plain output: escape sequences and control characters removed."""
    from mockprep.sanitize import clean

    return clean(text)
