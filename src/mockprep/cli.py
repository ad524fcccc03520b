"""The ``mockprep`` command line: parse options, call the core, render.

Heavy modules (sqlmodel/sqlalchemy via :mod:`mockprep.storage`, rich via :mod:`mockprep.ui`) are
imported inside the commands that use them, so ``mockprep --help`` stays fast.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

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
app.add_typer(bank_app, name="bank")


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


def _console(stderr: bool = False) -> Console:
    from mockprep.ui import make_console

    return make_console(stderr=stderr)


def _open_store(sync: bool = True) -> Store:
    from mockprep.paths import home_dir
    from mockprep.storage import Store, StoreError

    try:
        store = Store.open(home_dir())
    except StoreError as exc:
        raise UserError(str(exc), exit_code=1) from None
    if sync:
        from mockprep.bank_sync import sync_banks

        report = sync_banks(store, utc_now())
        if report.problems:
            err = _console(stderr=True)
            from mockprep.ui import safe

            for problem in report.problems:
                err.print(safe(f"warning: {problem} (its last good version is used)"), style="yellow")
    return store


def _check_filter_values(store: Store, kind: str, values: list[str]) -> None:
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


# -- session ------------------------------------------------------------------------------------


@app.command()
def session(
    round: Annotated[
        Round | None, typer.Option("--round", "-r", help="Only this round.", case_sensitive=False)
    ] = None,
    topic: Annotated[
        list[str] | None, typer.Option("--topic", "-t", help="Only this topic (repeatable).")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(help="Only questions for this role, e.g. ml-engineer, data-scientist."),
    ] = None,
    bank: Annotated[
        list[str] | None, typer.Option("--bank", "-b", help="Only this bank (repeatable).")
    ] = None,
    new: Annotated[
        int | None,
        typer.Option(
            "--new",
            min=0,
            max=1000,
            help="New questions to introduce in this session (default: what is left of 10 a day).",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, max=10000, help="Stop after this many answers."),
    ] = None,
    minutes: Annotated[
        float | None,
        typer.Option("--minutes", "-m", help="Plan the session to fit this many minutes."),
    ] = None,
    time_limit: Annotated[
        str | None,
        typer.Option(
            "--time-limit", help="Time for every question, e.g. 90s or 2m30s (default: per question/round)."
        ),
    ] = None,
    no_timer: Annotated[bool, typer.Option("--no-timer", help="Do not time answers.")] = False,
) -> None:
    """Practise: answer due and new questions, see the model answer, rate yourself.

    Type an answer over as many lines as you like; an empty line ends it. Then rate it:
    1/again, 2/hard, 3/good, 4/easy (Enter takes the suggested rating). A line with just q
    quits. Ctrl-C stops at once; every rating given so far is already saved.

    Each answer is timed against its limit (technical and project 3m, behavioral 2m30s,
    unless the question sets its own); running over is recorded, never cut off.
    """
    import random

    from mockprep.banks import QuestionFilter
    from mockprep.session import Session, SessionOptions
    from mockprep.ui import TerminalUI, stdin_reader

    minutes_value, limit_seconds = _timing_options(minutes, time_limit, no_timer)
    store = _open_store()
    try:
        topics, banks = topic or [], bank or []
        _check_filter_values(store, "topics", topics)
        _check_filter_values(store, "roles", [role] if role else [])
        _check_filter_values(store, "banks", banks)
        flt = QuestionFilter(
            rounds=(round.value,) if round else (),
            topics=tuple(topics),
            roles=(role,) if role else (),
            banks=tuple(banks),
        )
        console = _console()
        ui = TerminalUI(console, stdin_reader(console, utc_now))
        options = SessionOptions(
            flt, new, limit, timer=not no_timer, time_limit=limit_seconds, minutes=minutes_value
        )
        runner = Session(store, ui, utc_now, random.Random(), options)
        with _signals_interrupt():
            runner.run()
    finally:
        store.close()


@app.command()
def mock(
    round: Annotated[
        Round | None,
        typer.Option("--round", "-r", help="The round to simulate.", case_sensitive=False),
    ] = None,
    loop: Annotated[
        bool, typer.Option("--loop", help="All three rounds in a row, with a break between them.")
    ] = False,
    minutes: Annotated[
        float | None,
        typer.Option("--minutes", "-m", help="Length of each round (default technical 45, others 30)."),
    ] = None,
    time_limit: Annotated[
        str | None, typer.Option("--time-limit", help="Time for every question, e.g. 2m30s.")
    ] = None,
    no_timer: Annotated[bool, typer.Option("--no-timer", help="Do not time answers.")] = False,
) -> None:
    """Simulate an interview round: timed questions across topics, follow-ups, no model answers
    until the end, then a report card. Ratings feed the scheduler like any session."""
    import random

    from mockprep.mock import ROUND_ORDER, MockPlanError, MockRound, run_loop
    from mockprep.ui import MockTerminalUI, stdin_reader

    if loop == (round is not None):
        raise UserError("choose one: --round technical|project|behavioral, or --loop for all three")
    minutes_value, limit_seconds = _timing_options(minutes, time_limit, no_timer)
    store = _open_store()
    try:
        console = _console()
        ui = MockTerminalUI(console, stdin_reader(console, utc_now))
        options = {"minutes": minutes_value, "time_limit": limit_seconds, "timer": not no_timer}
        rounds = ROUND_ORDER if loop else (round.value,)  # type: ignore[union-attr]
        with _signals_interrupt():
            try:
                run_loop(MockRound, store, ui, utc_now, random.Random(), rounds, **options)
            except MockPlanError as exc:
                raise UserError(str(exc)) from None
    finally:
        store.close()


def _timing_options(
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


class _signals_interrupt:
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


# -- banks --------------------------------------------------------------------------------------


@bank_app.command("list")
def bank_list() -> None:
    """Every bank: round, questions, new and due today, and its topics."""
    from rich.table import Table
    from rich.text import Text

    from mockprep.scheduler import local_midnight
    from mockprep.ui import safe

    store = _open_store()
    try:
        now = utc_now()
        summaries = store.bank_summaries(now, local_midnight(now, days=1))
    finally:
        store.close()
    console = _console()
    if not summaries:
        console.print("No banks yet. Add your own with: mockprep bank add PATH")
        return
    table = Table(title="Question banks", title_justify="left", expand=False, box=None, pad_edge=False)
    table.add_column("bank", no_wrap=True)
    table.add_column("round", no_wrap=True)
    for column in ("questions", "new", "due today"):
        table.add_column(column, justify="right", no_wrap=True)
    per_round: dict[str, tuple[int, set[str]]] = {}
    for s in summaries:
        table.add_row(
            safe(s.id + (" (removed)" if s.removed else "")),
            s.round,
            str(s.questions),
            str(s.new),
            str(s.due_today),
            style="dim" if s.removed else "",
        )
        if not s.removed:
            count, names = per_round.get(s.round, (0, set()))
            per_round[s.round] = (count + s.questions, names | set(s.topics))
    console.print(table)
    console.print()
    coverage = Table.grid(padding=(0, 2))
    coverage.add_column(no_wrap=True)
    coverage.add_column(justify="right", no_wrap=True)
    coverage.add_column()
    for round_name, (count, names) in sorted(per_round.items()):
        coverage.add_row(
            round_name, f"{count} questions", safe(f"{len(names)} topics: " + ", ".join(sorted(names)))
        )
    console.print(coverage)
    console.print(Text("Drill one topic: mockprep session --topic statistics", style="dim"))


@bank_app.command("show")
def bank_show(bank_id: Annotated[str, typer.Argument(metavar="ID", help="The bank's id.")]) -> None:
    """One bank: its details and every question."""
    from rich.table import Table

    from mockprep.ui import safe

    store = _open_store()
    try:
        row = store.bank_row(bank_id)
        if row is None:
            raise UserError(f"no bank with id {bank_id!r} (see mockprep bank list)")
        records = store.questions_in_bank(bank_id)
    finally:
        store.close()
    console = _console()
    console.print(safe(f"{row.title}  ({row.id})", "bold"))
    details = (
        f"round {row.round} · {len(records)} questions · roles {', '.join(json.loads(row.roles)) or '-'}"
    )
    console.print(safe(details))
    console.print(safe(f"source {row.source}" + ("  (removed)" if row.removed else ""), "dim"))
    if row.description:
        console.print(safe(row.description))
    table = Table(expand=False, show_lines=False)
    for column in ("id", "topic", "diff", "kind", "prompt"):
        table.add_column(column, overflow="fold" if column == "prompt" else "ellipsis")
    for rec in records:
        spec = rec.question.spec
        prompt = spec.prompt.strip().splitlines()[0]
        table.add_row(
            safe(spec.id),
            safe(rec.question.topic),
            str(spec.difficulty),
            spec.kind,
            safe(prompt[:100] + ("…" if len(prompt) > 100 else "")),
        )
    console.print(table)


@bank_app.command("validate")
def bank_validate(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Bank files or folders.")],
) -> None:
    """Check bank files without changing anything; one line per problem, exit 2 if any."""
    from mockprep.banks import load_banks

    banks, problems = load_banks(paths)
    for problem in problems:
        typer.echo(_plain(str(problem)), err=True)
    for bank in banks:
        typer.echo(_plain(f"ok  {bank.source}: bank {bank.id!r}, {len(bank.questions)} questions"))
    if problems:
        raise typer.Exit(2)


@bank_app.command("add")
def bank_add(
    path: Annotated[
        Path,
        typer.Argument(metavar="PATH", help="A bank file or a folder of them (or a removed bank's id)."),
    ],
) -> None:
    """Register your own bank file or folder; it is re-read whenever it changes."""
    from mockprep.bank_sync import sync_banks
    from mockprep.banks import load_banks

    store = _open_store()
    try:
        if not path.exists():
            row = store.bank_row(str(path))
            if row is not None and row.removed:
                store.set_bank_removed(row.id, False)
                typer.echo(f"Restored bank {row.id!r}.")
                return
            raise UserError(f"{path}: no such file or folder")
        banks, problems = load_banks([path])
        if problems:
            for problem in problems:
                typer.echo(_plain(str(problem)), err=True)
            raise UserError(f"{path}: not added (fix the problems above)")
        owners = store.bank_owners()
        for bank in banks:
            owner = owners.get(bank.id)
            if owner and not owner[1] and owner[0] != str(Path(bank.source).resolve()):
                raise UserError(f"{bank.source}: bank id {bank.id!r} is already used by {owner[0]}")
        now = utc_now()
        resolved = path.resolve()
        store.add_bank_source(resolved, now)
        for bank in banks:
            if owners.get(bank.id, ("", False))[1]:
                store.set_bank_removed(bank.id, False)
        report = sync_banks(store, now)
        for problem in report.problems:
            typer.echo(_plain(f"warning: {problem}"), err=True)
        total = sum(len(b.questions) for b in banks)
        typer.echo(
            f"Added {len(banks)} bank(s) with {total} questions from {resolved}: "
            + ", ".join(b.id for b in banks)
        )
    finally:
        store.close()


@bank_app.command("remove")
def bank_remove(
    bank_id: Annotated[str, typer.Argument(metavar="ID", help="The bank's id.")],
) -> None:
    """Stop asking a bank's questions. Its history is kept; `bank add ID` brings it back."""
    store = _open_store()
    try:
        row = store.bank_row(bank_id)
        if row is None:
            raise UserError(f"no bank with id {bank_id!r} (see mockprep bank list)")
        if row.removed:
            typer.echo(f"Bank {bank_id!r} was already removed.")
            return
        store.set_bank_removed(bank_id, True)
        typer.echo(
            f"Removed bank {bank_id!r}; its review history is kept. "
            f"Bring it back with: mockprep bank add {bank_id}"
        )
    finally:
        store.close()


@bank_app.command("schema")
def bank_schema() -> None:
    """Print the JSON Schema of the bank format (for editor completion and checks)."""
    from mockprep.banks import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


# -- export / import ----------------------------------------------------------------------------


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write all your data (progress, reviews, sessions) as one JSON document."""
    if output is not None and output.exists() and not force:
        raise UserError(f"{output} already exists; use --force to overwrite it")
    store = _open_store(sync=False)
    try:
        doc = store.export_data(utc_now(), __version__)
    finally:
        store.close()
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    tmp = output.with_name(output.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, output)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}", exit_code=1) from None
    typer.echo(
        f"Exported {len(doc['questions'])} questions and {len(doc['sessions'])} sessions to {output}",
        err=True,
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by mockprep export.")],
) -> None:
    """Restore a `mockprep export` file into an empty home."""
    from mockprep.storage import EXPORT_FORMAT, EXPORT_VERSION, StoreError

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{file}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise UserError(f'{file}: not a mockprep export (no "format": "{EXPORT_FORMAT}")')
    if doc.get("version") != EXPORT_VERSION:
        raise UserError(
            f"{file}: export version {doc.get('version')!r} is not supported "
            f"(this mockprep reads version {EXPORT_VERSION})"
        )
    store = _open_store(sync=False)
    try:
        counts = store.import_data(doc)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{file}: malformed export ({type(exc).__name__}: {exc}); nothing imported") from None
    finally:
        store.close()
    typer.echo(
        f"Imported {counts['questions']} questions, {counts['reviews']} reviews and "
        f"{counts['sessions']} sessions."
    )


@app.command()
def history(
    session_id: Annotated[
        int | None, typer.Argument(metavar="[SESSION-ID]", help="Open one session or mock.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many sessions to list.")] = 30,
    all_: Annotated[bool, typer.Option("--all", help="List every session.")] = False,
    csv_: Annotated[bool, typer.Option("--csv", help="Write the whole review log as CSV instead.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="With --csv: write to this file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")] = False,
) -> None:
    """Past sessions and mock rounds, newest first; or one of them in full; or the review log as CSV."""
    if csv_:
        _write_csv(output, force)
        return
    from mockprep.views import render_history, render_session

    store = _open_store(sync=False)
    try:
        console = _console()
        if session_id is not None:
            row = store.session_row(session_id)
            if row is None:
                raise UserError(f"no session with id {session_id} (see mockprep history)")
            render_session(console, row, store.session_answers(session_id))
            return
        rows = store.session_history(None if all_ else limit)
        if not rows:
            console.print("No sessions yet. Start one with: mockprep session")
            return
        render_history(console, rows)
    finally:
        store.close()


def _write_csv(output: Path | None, force: bool) -> None:
    import csv

    if output is not None and output.exists() and not force:
        raise UserError(f"{output} already exists; use --force to overwrite it")
    store = _open_store(sync=False)
    try:
        handle = sys.stdout if output is None else open(output, "w", newline="", encoding="utf-8")
        try:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "review_id",
                    "rated_at",
                    "question",
                    "round",
                    "topic",
                    "bank",
                    "rating",
                    "state_before",
                    "duration_ms",
                    "time_limit_ms",
                    "suggested",
                    "session_id",
                    "session_kind",
                    "answer",
                ]
            )
            for row in store.review_log():
                rated = row.rated_at
                writer.writerow([row.id, _iso_utc(rated), *row[2:]])
        finally:
            if output is not None:
                handle.close()
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}", exit_code=1) from None
    finally:
        store.close()


def _iso_utc(value: Any) -> str:
    from mockprep.storage import from_db_time

    moment = from_db_time(value)
    return moment.isoformat() if moment else ""


@app.command()
def stats(
    round: Annotated[
        Round | None, typer.Option("--round", "-r", help="Only this round.", case_sensitive=False)
    ] = None,
    bank: Annotated[
        list[str] | None, typer.Option("--bank", "-b", help="Only this bank (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only answers from this date on (YYYY-MM-DD).")
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=7, max=3660, help="Days shown by the heatmap and trends.")
    ] = 182,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Progress at a glance: activity heatmap and streaks, retention, score trends, due forecast,
    weakest topics and leeches, practice time."""
    from mockprep.stats import collect

    since_at = None
    if since is not None:
        from mockprep.views import parse_since

        try:
            since_at = parse_since(since)
        except ValueError:
            raise UserError(f"--since {since!r}: not a date (use YYYY-MM-DD)") from None
    store = _open_store(sync=False)
    try:
        _check_filter_values(store, "banks", bank or [])
        now = utc_now()
        offset = now.astimezone().utcoffset()
        offset_minutes = round(offset.total_seconds() / 60) if offset else 0
        data = collect(
            store, now, offset_minutes, (round.value,) if round else (), tuple(bank or ()), since_at, days
        )
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    from mockprep.views import render_empty_stats, render_stats

    console = _console()
    if data["reviews"] == 0:
        render_empty_stats(console)
        return
    render_stats(console, data)


@app.command()
def where() -> None:
    """Show where mockprep keeps its data."""
    from mockprep.paths import DB_NAME, builtin_banks_dir, home_dir

    home = home_dir()
    typer.echo(f"home      {home}")
    typer.echo(f"database  {home / DB_NAME}")
    typer.echo(f"built-in banks  {builtin_banks_dir()}")


# -- entry point --------------------------------------------------------------------------------


def _plain(text: str) -> str:
    from mockprep.sanitize import clean

    return clean(text)


def _fail(message: str, code: int) -> NoReturn:
    try:
        sys.stderr.write(f"mockprep: error: {_plain(message)}\n")
        sys.stderr.flush()
    except OSError:
        pass
    sys.exit(code)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; every failure ends as one line on stderr and a non-zero exit code."""
    try:
        result = app(args=argv, prog_name="mockprep", standalone_mode=False)
    except UserError as exc:
        _fail(str(exc), exc.exit_code)
    except typer.TyperException as exc:  # typer's (vendored click) usage and parameter errors
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(exc.format_message())
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        message = exc.format_message().replace("Value error, ", "")
        _fail(message + hint, getattr(exc, "exit_code", 2))
    except (typer.Abort, KeyboardInterrupt):
        _fail("interrupted", 130)
    except BrokenPipeError:
        # Output piped into e.g. `head` that closed early: not an error worth a traceback.
        os._exit(0)
    except OSError as exc:
        _fail(f"{exc.strerror or exc}", 1)
    if isinstance(result, int) and result:
        sys.exit(result)
    return result
