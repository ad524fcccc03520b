"""Your data in and out: `export`, `import`, `where`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from mockprep import __version__
from mockprep.cli.app import UserError, app
from mockprep.cli.context import STDOUT, dated_output, open_store, output_stream, plain, utc_now
from mockprep.cli.options import Force, OutSpelling, output_file
from mockprep.core.wording import plural

if TYPE_CHECKING:
    from mockprep.db.store import Store


@app.command("export")
def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to this file; - for standard output. Default: standard output when it is "
            "piped, else a new file mockprep-export-DATE.json in the current folder.",
        ),
    ] = None,
    out: OutSpelling = None,
    force: Force = False,
    compress: Annotated[
        bool,
        typer.Option(
            "--compress",
            "-z",
            help="Write gzip (about a fifth of the size); implied by a FILE ending in .gz. "
            "import reads it back whatever the file is called.",
        ),
    ] = False,
    package: Annotated[
        bool,
        typer.Option(
            "--package",
            help="Write a package: one database file, the quickest to write and to import (into an "
            "empty home, or with import --merge); implied by a FILE ending in .mockprep.",
        ),
    ] = False,
) -> None:
    """Write all your data (progress, reviews, sessions, stories) as one JSON document, or as a
    package (--package)."""
    import sys

    from mockprep.services.exchange import write_export

    output = output_file(output, out)
    if package or (output is not None and output.name.endswith(".mockprep")):
        _export_package(output, force, compress)
        return
    compress = compress or (output is not None and output.name.endswith(".gz"))
    if output is None and sys.stdout.isatty():
        suffix = ".json.gz" if compress else ".json"
        output = dated_output("mockprep-export", suffix, utc_now())  # not a megabyte on the screen
    store = open_store(sync=False)
    try:
        with output_stream(output, force, compress) as handle:
            counts = write_export(store, handle, utc_now(), __version__)
    finally:
        store.close()
    if output is not None and output != STDOUT:
        typer.echo(_exported(counts, output), err=True)


def _exported(counts: dict[str, int], output: Path) -> str:
    """What an export wrote, as import says what it read (the stories were left out of it)."""
    return (
        f"Exported {plural(counts['questions'], 'question')}, {plural(counts['reviews'], 'review')}, "
        f"{plural(counts.get('sessions', 0), 'session')} and {plural(counts.get('stories', 0), 'story')} "
        f"to {output}"
    )


def _export_package(output: Path | None, force: bool, compress: bool) -> None:
    from mockprep.cli.context import check_output_target
    from mockprep.db.package import SUFFIX, write_package

    if compress:
        raise UserError("--compress writes gzip JSON; a package is a database file (leave out one of them)")
    if output == STDOUT or (output is None and not sys.stdout.isatty()):
        raise UserError("a package is a database file, not a stream: name it with -o FILE.mockprep")
    if output is None:
        output = dated_output("mockprep-export", SUFFIX, utc_now())
    check_output_target(output, force)
    store = open_store(sync=False)
    try:
        counts = write_package(store, output, utc_now(), __version__)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}", exit_code=1) from None
    finally:
        store.close()
    typer.echo(_exported(counts, output), err=True)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A file written by mockprep export: JSON (plain or gzip-compressed) or a package "
            "(--package; a mockprep database or backup is read as one).",
        ),
    ],
    merge: Annotated[
        bool,
        typer.Option(
            "--merge",
            help="Add the file's history to this home's (another device's export): what is already here "
            "is kept, the same file twice adds nothing, cards are recomputed from the merged reviews.",
        ),
    ] = False,
) -> None:
    """Restore a `mockprep export` file into a home without reviews, sessions or stories, or merge it
    into one that has them (--merge).

    Every record is checked first; the first one that cannot be imported is named (e.g.
    questions[12].reviews[3].rating) and nothing is written.
    """
    from mockprep.cli.merge_report import home_bank_sources, merge_report
    from mockprep.core.export_checks import RecordProblem
    from mockprep.db.bulk import EXPORT_FORMAT, EXPORT_VERSION
    from mockprep.db.bulk_import import ImportRefused
    from mockprep.db.import_workers import ReadAgain, worker_count
    from mockprep.db.package import is_package
    from mockprep.services.exchange import read_export

    if is_package(file):
        _import_package(file, merge)
        return
    try:
        # a large file's questions are parsed and checked on worker processes (not for a merge)
        size = _content_size(file)
        workers = 0 if merge else worker_count(size)
        head, questions = read_export(file, raw=workers > 0)
    except OSError as exc:
        raise UserError(f"{file}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise UserError(f"{file}: {exc}{_stories_hint(file, exc)}") from None
    if head.get("format") != EXPORT_FORMAT:
        raise UserError(f'{file}: not a mockprep export (no "format": "{EXPORT_FORMAT}")')
    if head.get("version") != EXPORT_VERSION:
        raise UserError(
            f"{file}: export version {head.get('version')!r} is not supported "
            f"(this mockprep reads version {EXPORT_VERSION})"
        )
    progress = sys.stderr.isatty() and size >= PROGRESS_FROM
    if progress:
        questions = counted(questions, sys.stderr, size=size)
    store = open_store()  # an import, and a merge, need the banks of the questions they add reviews to
    try:
        if merge:
            missing = _merge_banks(store, head)
            summary = store.bulk.merge_data(head, questions, utc_now())
            banks = home_bank_sources(store, summary)
            typer.echo(plain(merge_report(summary, f"Merged {file}", missing, banks, in_file=True)))
            _parameters_note(store, head)
            return
        try:
            counts = store.bulk.import_data(head, questions, utc_now(), workers)
        except ReadAgain:  # a line the workers' reader cannot take: read as any file is (nothing written)
            _close(questions)
            head, questions = read_export(file)
            counts = store.bulk.import_data(
                head, counted(questions, sys.stderr) if progress else questions, utc_now()
            )
    except ImportRefused as exc:
        raise UserError(str(exc)) from None
    except RecordProblem as exc:
        raise UserError(f"{file}: malformed export: {exc}; nothing imported") from None
    except ValueError as exc:  # the file breaks off midway, or is not valid JSON further on
        raise UserError(f"{file}: {exc}; nothing imported") from None
    except OSError as exc:
        raise UserError(f"{file}: cannot be read ({exc.strerror}); nothing imported", exit_code=1) from None
    except (KeyError, TypeError, AttributeError) as exc:  # a shape the checks do not know yet
        raise UserError(f"{file}: malformed export ({type(exc).__name__}: {exc}); nothing imported") from None
    finally:
        store.close()
        _close(questions)  # a progress line ends before the error is shown
    typer.echo(
        f"Imported {plural(counts['questions'], 'question')}, {plural(counts['reviews'], 'review')}, "
        f"{plural(counts['sessions'], 'session')} and {plural(counts.get('stories', 0), 'story')}."
    )
    _not_registered(counts.get("not_here", []))


def _stories_hint(file: Path, exc: ValueError) -> str:
    """For a file that is not JSON because it is STAR stories in Markdown (a `story export`, say), where
    they go instead: `import stories.md` said only "not JSON (...)" (found by an exploratory tester)."""
    from mockprep.core.stories import REQUIRED_PARTS, label_of, parse_markdown

    if not str(exc).startswith("not JSON"):
        return ""
    try:
        with file.open("rb") as handle:
            text = handle.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        return ""
    draft = parse_markdown(text)  # (text that names no parts is all Situation)
    # Two parts, each with text and named at a line's start (a heading or a label, outside code
    # fences): notes that quote labels ("`Situation: ...`") or have one "Result:" line are no story, and
    # their text before it is no Situation (the hint on the tester's findings: found by a review).
    named, fenced = set(), False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (label := label_of(line)):
            named.add(label[0])
    if sum(bool(getattr(draft, part)) and part in named for part in REQUIRED_PARTS) < 2:
        return ""
    return f"; it reads as STAR stories, which are added with: mockprep story new --from {file}"


def _import_package(file: Path, merge: bool) -> None:
    import errno

    from mockprep.cli.context import note
    from mockprep.cli.merge_report import home_bank_sources, merge_report
    from mockprep.core.export_checks import RecordProblem
    from mockprep.db.bulk_import import ImportRefused
    from mockprep.db.fresh_file import FileInUse
    from mockprep.db.package import PackageError, import_package, records

    # a restore replaces every bank and question with the package's (the next command syncs the bank
    # files): reading them first took a third of a second; a merge needs them, as a JSON one does
    store = open_store(sync=merge)
    try:
        size = file.stat().st_size

        def started() -> None:  # a few seconds of work ahead: say what goes on
            if sys.stderr.isatty() and size >= PROGRESS_FROM:
                sys.stderr.write(f"copying and checking the package ({size / 2**20:.0f} MB)...\n")
                sys.stderr.flush()

        if merge:
            started()
            with records(file, store.path.parent, utc_now(), __version__, salvaged=note) as (head, questions):
                missing = _merge_banks(store, head)
                summary = store.bulk.merge_data(head, questions, utc_now())
            banks = home_bank_sources(store, summary)
            typer.echo(plain(merge_report(summary, f"Merged {file}", missing, banks, in_file=True)))
            _parameters_note(store, head)
            return
        counts = import_package(store, file, started)
    except (ImportRefused, FileInUse) as exc:
        raise UserError(str(exc)) from None
    except (PackageError, RecordProblem) as exc:
        raise UserError(f"{file}: {exc}; nothing imported") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            where = store.path.parent
            raise UserError(
                f"no space left on the device holding {where}; nothing imported", exit_code=1
            ) from None
        raise UserError(f"{file}: cannot be read ({exc.strerror}); nothing imported", exit_code=1) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a merge meeting what the checks miss
        raise UserError(
            f"{file}: malformed package ({type(exc).__name__}: {exc}); nothing imported"
        ) from None
    finally:
        store.close()
    typer.echo(
        f"Imported {plural(counts['questions'], 'question')}, {plural(counts['reviews'], 'review')}, "
        f"{plural(counts['sessions'], 'session')} and {plural(counts['stories'], 'story')}."
    )
    _not_registered(counts.get("not_here", []))


def _not_registered(paths: list[str]) -> None:
    """The bank files and folders the imported home had registered that are not on this machine."""
    import shlex

    from mockprep.cli.context import note

    for path in paths:
        note(
            f"{path}, a bank file or folder the imported home had registered, is not on this machine, so it"
            " is not registered here; its banks keep their questions. Once it is here: mockprep bank add"
            f" {shlex.quote(path)}"
        )


def _parameters_note(store: Store, head: dict[str, Any]) -> None:
    """Say that the merged file's own FSRS parameters stay on its device, when it had some of its own."""
    from mockprep.cli.merge_report import parameters_note

    note = parameters_note(head, store.scheduling.weights())
    if note:
        typer.echo(plain(note))


def _merge_banks(store: Store, head: dict[str, Any]) -> dict[str, str]:
    """Register and read the bank files the merged file had registered and this home has not (each
    said in a line); the banks whose file is not on this machine, each with its file."""
    from mockprep.cli.context import note, tell_sync, warn
    from mockprep.services.merge_banks import register_sources

    if not isinstance(head.get("bank_sources"), list) or not isinstance(head.get("banks"), list):
        return {}  # (merge_data names what is wrong with the file)
    merged = register_sources(store, head, utc_now())
    for path in merged.added:
        note(f"registered {path}, which the merged file had registered (its banks' questions are read)")
    for problem in merged.problems:
        warn(problem)
    tell_sync(merged.changed, implicit=True)
    return merged.missing


def _close(questions: Iterable[Any]) -> None:
    """End a generator of questions early (what it holds open is closed, a progress line ended)."""
    close = getattr(questions, "close", None)
    if close is not None:
        close()


def _content_size(file: Path) -> int:
    """The bytes of JSON in an export file: its size, or for gzip the size its trailer records (modulo
    4 GiB, as gzip keeps it); 0 for what is not a regular file (read_export names the problem)."""
    try:
        if not file.is_file():
            return 0
        with file.open("rb") as handle:
            if handle.read(2) != b"\x1f\x8b":
                return file.stat().st_size
            handle.seek(-4, 2)
            return int.from_bytes(handle.read(4), "little")
    except OSError:
        return 0


# From what size of file an import says on a terminal how far it has read (a few seconds of work).
PROGRESS_FROM = 4 << 20


def counted(
    questions: Iterable[Any], out: IO[str], clock: Callable[[], float] = time.monotonic, size: int = 0
) -> Iterator[Any]:
    """The questions as read, counted on one line of ``out`` (redrawn at most twice a second), which
    says when they are all read that the database is being written; the line ends before any error.
    Questions given as their JSON lines, out of ``size`` bytes of JSON, also say how much of the file
    is read (never 100% before the end: the count of bytes leaves out what comes before the questions)."""
    shown = -1.0
    number = 0
    read = 0
    try:
        for number, question in enumerate(questions, start=1):
            if size and isinstance(question, bytes):
                read += len(question) + 1
            now = clock()
            if now - shown >= 0.5:
                shown = now
                part = f" ({min(99, read * 100 // size)}%)" if read and size else ""
                out.write(f"\rreading the export: {plural(number, 'question')}{part}")
                out.flush()
            yield question
    except BaseException:
        out.write("\n")
        raise
    out.write(f"\rread {plural(number, 'question')}; writing the database...\n")
    out.flush()


@app.command()
def where() -> None:
    """Show where mockprep keeps its data."""
    from mockprep.db.backups import DIR_NAME
    from mockprep.paths import DB_NAME, builtin_banks_dir, home_dir

    home = home_dir()
    places = {
        "home": home,
        "database": home / DB_NAME,
        "backups": home / DIR_NAME,
        "built-in banks": builtin_banks_dir(),
    }
    width = max(map(len, places))
    for label, path in places.items():
        typer.echo(plain(f"{label:<{width}}  {path}"))
