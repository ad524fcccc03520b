"""Your data in and out: `export`, `import`, `where`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mockprep import __version__
from mockprep.cli.app import UserError, app
from mockprep.cli.context import open_store, output_stream, plain, utc_now
from mockprep.cli.options import Force, Output
from mockprep.core.wording import plural


@app.command("export")
def export(output: Output = None, force: Force = False) -> None:
    """Write all your data (progress, reviews, sessions, stories) as one JSON document."""
    from mockprep.services.exchange import write_export

    store = open_store(sync=False)
    try:
        with output_stream(output, force) as handle:
            counts = write_export(store, handle, utc_now(), __version__)
    finally:
        store.close()
    if output is not None:
        typer.echo(
            f"Exported {plural(counts['questions'], 'question')}, {plural(counts['reviews'], 'review')} and "
            f"{plural(counts.get('sessions', 0), 'session')} to {output}",
            err=True,
        )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by mockprep export.")],
) -> None:
    """Restore a `mockprep export` file into an empty home."""
    from mockprep.db.bulk import EXPORT_FORMAT, EXPORT_VERSION
    from mockprep.db.bulk_import import ImportRefused
    from mockprep.services.exchange import read_export

    if not file.is_file():
        raise UserError(f"{file}: no such file")
    try:
        head, questions = read_export(file)
    except OSError as exc:
        raise UserError(f"{file}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise UserError(f"{file}: {exc}") from None
    if head.get("format") != EXPORT_FORMAT:
        raise UserError(f'{file}: not a mockprep export (no "format": "{EXPORT_FORMAT}")')
    if head.get("version") != EXPORT_VERSION:
        raise UserError(
            f"{file}: export version {head.get('version')!r} is not supported "
            f"(this mockprep reads version {EXPORT_VERSION})"
        )
    store = open_store(sync=False)
    try:
        counts = store.bulk.import_data(head, questions)
    except ImportRefused as exc:
        raise UserError(str(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UserError(f"{file}: malformed export ({type(exc).__name__}: {exc}); nothing imported") from None
    except Exception as exc:  # ijson reports a file that breaks off midway with its own error type
        if type(exc).__module__.startswith("ijson"):
            raise UserError(f"{file}: not valid JSON ({exc}); nothing imported") from None
        raise
    finally:
        store.close()
    typer.echo(
        f"Imported {plural(counts['questions'], 'question')}, {plural(counts['reviews'], 'review')}, "
        f"{plural(counts['sessions'], 'session')} and {plural(counts.get('stories', 0), 'story')}."
    )


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
