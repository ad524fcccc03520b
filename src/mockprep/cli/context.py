"""What commands share at run time: settings, the store (synced and recovered), the console, the
clock and randomness, signals, and output files."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from mockprep.cli.app import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from mockprep.core.settings import Settings
    from mockprep.db.store import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


def load_settings() -> Settings:
    """The settings for this run (today: the defaults)."""
    from mockprep.core.settings import DEFAULT_SETTINGS

    return DEFAULT_SETTINGS


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
    from mockprep.paths import home_dir
    from mockprep.practice.pipeline import process_alive

    try:
        store = Store.open(home_dir(), settings=load_settings())
    except StoreError as exc:
        raise UserError(str(exc), exit_code=1) from None
    store.sessions.recover(process_alive)  # sessions whose process was killed outright
    if sync:
        from mockprep.services.bank_sync import sync_banks

        report = sync_banks(store, utc_now())
        if report.problems:
            err = make_console(stderr=True)
            from mockprep.terminal.console import safe

            for problem in report.problems:
                err.print(safe(f"warning: {problem}"), style="yellow")
    return store


def check_filter_values(store: Store, kind: str, values: list[str]) -> None:
    """Refuse a round, topic, role or bank no active question has, with the closest known ones."""
    import difflib

    known = store.banks.known_values()[kind]
    for value in values:
        if value not in known:
            close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            singular = kind.rstrip("s")
            raise UserError(
                f"unknown {singular} {value!r}{hint} (known: {', '.join(sorted(known)) or 'none'})"
            )


def session_rng() -> random.Random:
    """The randomness of sessions and mocks; ``$MOCKPREP_SEED`` makes them repeatable (for scripts)."""
    seed = os.environ.get("MOCKPREP_SEED")
    if seed is None or not seed.strip():
        return random.Random()
    try:
        return random.Random(int(seed))
    except ValueError:
        raise UserError(f"MOCKPREP_SEED must be a whole number, not {seed!r}") from None


class signals_interrupt:
    """While active, SIGTERM and SIGHUP end a session the way Ctrl-C does (ratings kept)."""

    def __enter__(self) -> None:
        import signal

        from mockprep.practice.pipeline import SessionInterrupted

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
