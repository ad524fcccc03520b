"""The Typer apps, the error every command raises for the person to fix, and the root options."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from mockprep import __version__

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
question_app = typer.Typer(
    help="Browse questions (show, search, list) and suspend, bury or flag them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(bank_app, name="bank")
app.add_typer(backup_app, name="backup")
app.add_typer(story_app, name="story")
app.add_typer(question_app, name="question")


class UserError(Exception):
    """A problem the person can fix; printed as one line. Exit 2 for bad input, 1 otherwise."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class Round(enum.StrEnum):
    technical = "technical"
    project = "project"
    behavioral = "behavioral"


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
