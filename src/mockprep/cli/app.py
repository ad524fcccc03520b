"""The Typer apps, the error every command raises for the person to fix, and the root options.

Small classes shape the help: :class:`Command` writes usage lines as people write them
(``story diff ID [V1] [V2]``), :class:`Group` never shortens a command's summary, and the root group
lists the daily commands first.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from mockprep import __version__
from mockprep.cli import completion


class Command(TyperCommand):
    """A command whose usage line reads normally: required arguments bare, optional ones in brackets."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not isinstance(param, TyperArgument):
                pieces.extend(param.get_usage_pieces(ctx))
                continue
            raw = param.make_metavar(ctx)  # a metavar may already carry "[...]" or "..."
            many = param.nargs != 1 or raw.endswith("...")
            name = raw.removesuffix("...").strip("[]") + ("..." if many else "")
            pieces.append(name if param.required else f"[{name}]")
        return pieces


class Group(TyperGroup):
    """A command group whose help lists ``daily`` commands first, then the rest, each summary in full."""

    daily: tuple[str, ...] = ()

    def list_commands(self, ctx: typer.Context) -> list[str]:
        names = super().list_commands(ctx)
        return [n for n in self.daily if n in names] + [n for n in names if n not in self.daily]

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        rows: dict[bool, list[tuple[str, str]]] = {True: [], False: []}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                summary = command.get_short_help_str(limit=10_000)  # the first sentence, never cut
                rows[name in self.daily].append((name, summary))
        for daily, heading in ((True, "Daily commands"), (False, "Other commands")):
            if rows[daily]:
                with formatter.section(heading if rows[not daily] else "Commands"):
                    formatter.write_dl(rows[daily])


class RootGroup(Group):
    """``mockprep`` itself: the daily commands first, and the raw arguments kept for completion."""

    daily = ("session", "mock", "story", "stats", "history")

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        ctx.meta[completion.RAW_ARGS] = list(args)  # for `--show-completion SHELL` (see completion)
        return super().parse_args(ctx, args)


class _Typer(typer.Typer):
    """A Typer app whose commands are :class:`Command` and whose groups are :class:`Group`."""

    def __init__(self, cls: type[Group] = Group, **kwargs: Any):
        super().__init__(cls=cls, rich_markup_mode=None, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


app = _Typer(
    cls=RootGroup,
    name="mockprep",
    help="Interview practice in the terminal: question banks, spaced repetition, timed sessions.",
    no_args_is_help=True,
    add_completion=False,  # our own --install-completion / --show-completion: see _root
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
bank_app = _Typer(help="List, inspect, validate, add and remove question banks.", no_args_is_help=True)
story_app = _Typer(
    help="Write, check, link and rehearse STAR stories for the behavioral round.", no_args_is_help=True
)
backup_app = _Typer(
    help="List, make and restore backups of your data (made automatically once a day and before upgrades).",
    no_args_is_help=True,
)
config_app = _Typer(
    help="Show and change settings: config.toml in the data folder (list, get, set, unset, edit, path).",
    no_args_is_help=True,
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
app.add_typer(config_app, name="config")


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
    install_completion: Annotated[
        bool,
        typer.Option(
            "--install-completion",
            callback=completion.install_completion,
            is_eager=True,
            expose_value=False,
            help="Install Tab completion for your shell (bash, zsh or fish; or name one after the option).",
        ),
    ] = False,
    show_completion: Annotated[
        bool,
        typer.Option(
            "--show-completion",
            callback=completion.show_completion,
            is_eager=True,
            expose_value=False,
            help="Print the completion script for your shell (or the one named after the option).",
        ),
    ] = False,
    setting: Annotated[
        list[str] | None,
        typer.Option(
            "-c",
            "--set",
            metavar="KEY=VALUE",
            help="Use this setting for this command only, over the settings file and MOCKPREP_* variables "
            "(repeatable; see `mockprep config list`).",
        ),
    ] = None,
) -> None:
    """Interview practice in the terminal: question banks, spaced repetition, timed sessions.

    Data lives in one SQLite file under $MOCKPREP_HOME, or the platform's user data folder
    (see `mockprep where`); settings in config.toml beside it (see `mockprep config`).
    """
    from mockprep.cli.context import set_option_settings

    set_option_settings(setting)
