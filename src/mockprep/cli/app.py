"""The Typer apps, the error every command raises for the person to fix, and the root options.

Small classes shape the help: :class:`Command` writes usage lines as people write them
(``story diff ID [V1] [V2]``), :class:`Group` never shortens a command's summary, and the root group
lists the daily commands first.
"""

from __future__ import annotations

import enum
import shutil
from typing import Annotated, Any

import typer
from click.formatting import HelpFormatter, term_len, wrap_text
from typer.core import TyperArgument, TyperCommand, TyperGroup

from mockprep import __version__
from mockprep.cli import completion

# Narrower than this, an option's or command's description goes on the lines below its name.
MIN_HELP_TEXT = 20


class NarrowHelpFormatter(HelpFormatter):
    """click's help layout, which a terminal too narrow for two columns gets as one: each option or
    command on its line, its description indented on the lines below."""

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((term_len(term) for term, _text in rows), default=0), col_max) + col_spacing
        if self.width - self.current_indent - first >= MIN_HELP_TEXT:
            super().write_dl(rows, col_max, col_spacing)
            return
        indent = self.current_indent + 4
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}\n")
            for line in wrap_text(text, max(self.width - indent, 10), preserve_paragraphs=True).splitlines():
                self.write(f"{'':>{indent}}{line}\n" if line else "\n")

    def getvalue(self) -> str:
        """The help without spaces at the ends of lines (click leaves one after a usage line's command
        when a narrow terminal puts its arguments on the next line)."""
        return "\n".join(line.rstrip(" ") for line in super().getvalue().split("\n"))


class Context(typer.Context):
    """A context whose help is laid out at the terminal's width: click's own never goes below 50
    columns, so a narrower terminal wrapped every line of it ("Show the version" / ".")."""

    formatter_class = NarrowHelpFormatter

    def make_formatter(self) -> HelpFormatter:
        width = self.terminal_width
        if width is None:  # click's margin of 2 and its most of 80, without its least of 50
            width = max(min(shutil.get_terminal_size().columns, self.max_content_width or 80) - 2, 10)
        return self.formatter_class(width=width, max_width=self.max_content_width)


class Command(TyperCommand):
    """A command whose usage line reads normally: required arguments bare, optional ones in brackets."""

    context_class = Context

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

    context_class = Context
    daily: tuple[str, ...] = ()

    def list_commands(self, ctx: typer.Context) -> list[str]:
        names = list(self.commands)  # names only: the root group builds a command when it is used
        return [n for n in self.daily if n in names] + [n for n in names if n not in self.daily]

    def summary(self, ctx: typer.Context, name: str) -> str | None:
        """A command's line in the help (its first sentence, never cut); None when it is hidden."""
        command = self.get_command(ctx, name)
        if command is None or command.hidden:
            return None
        return command.get_short_help_str(limit=10_000)

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        rows: dict[bool, list[tuple[str, str]]] = {True: [], False: []}
        for name in self.list_commands(ctx):
            summary = self.summary(ctx, name)
            if summary is not None:
                rows[name in self.daily].append((name, summary))
        for daily, heading in ((True, "Daily commands"), (False, "Other commands")):
            if rows[daily]:
                with formatter.section(heading if rows[not daily] else "Commands"):
                    formatter.write_dl(rows[daily])


# Every command and group of `mockprep`: the cli modules that define it, in the order they register
# its commands, and its line in `mockprep --help`. A command's module is imported only when that
# command is run, completed or asked for its own --help, so `mockprep session` never builds the other
# fifty commands. tests/test_cli_lazy.py keeps this table equal to the commands themselves.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "export": (
        ("data",),
        "Write all your data (progress, reviews, sessions, stories) as one JSON document, or as a package "
        "(--package).",
    ),
    "import": (
        ("data",),
        "Restore a `mockprep export` file into a home without reviews, sessions or stories, or merge it "
        "into one that has them (--merge).",
    ),
    "where": (("data",), "Show where mockprep keeps its data."),
    "undo": (
        ("questions",),
        "Undo the last rating: the question's schedule goes back exactly to what it was, and the rating "
        "leaves history and stats.",
    ),
    "grade": (
        ("grade",),
        "Grade an answer to one question: each key point's verdict with the sentence it rests on, the "
        "auto-grade of choice and numeric questions, and the suggested rating.",
    ),
    "history": (
        ("history",),
        "Past sessions and mock rounds, newest first; or one of them in full; or the review log as CSV.",
    ),
    "stats": (
        ("history",),
        "Progress at a glance: activity heatmap and streaks, retention, score trends, due forecast, "
        "weakest topics and leeches, practice time, and how often the grader agreed with you.",
    ),
    "optimize": (
        ("optimize",),
        "Fit the scheduler's parameters to your own review log (needs the optimizer extra).",
    ),
    "plan": (
        ("plan",),
        "Prepare for a dated interview: record its date, or see how ready you are for each one.",
    ),
    "session": (
        ("practice",),
        "Practise: answer due and new questions, see the model answer, rate yourself.",
    ),
    "mock": (
        ("practice",),
        "Simulate an interview round: timed questions across topics, follow-ups, no model answers until "
        "the end, then a report card.",
    ),
    "sync": (
        ("sync",),
        "Write this device's new practice to its own files in the sync folder and merge every other "
        "device's: reviews, sessions and stories, each once; cards recomputed from the merged reviews.",
    ),
    "bank": (("bank_transfer", "banks"), "List, inspect, validate, add and remove question banks."),
    "backup": (
        ("backup",),
        "List, make and restore backups of your data (made automatically once a day and before upgrades).",
    ),
    "story": (
        ("story_drafts", "story", "rehearse"),
        "Write, check, link and rehearse STAR stories for the behavioral round.",
    ),
    "question": (
        ("questions",),
        "Browse questions (show, search, list), suspend, bury or flag them, carry a renamed id's history.",
    ),
    "config": (
        ("config",),
        "Show and change settings: config.toml in the data folder (list, get, set, unset, edit, path).",
    ),
}


class _LazyCommands(dict):
    """A group's commands by name, each built on first access: for the root group every name in
    :data:`COMMANDS` (its modules imported then), for a group its registered commands (building all
    nine of ``bank`` took 15 ms of ``bank sync``). Listing the names builds nothing."""

    def __init__(self, built: dict[str, Any], names: list[str] | None = None, build: Any = None):
        super().__init__(built)
        known = list(COMMANDS) if names is None else names
        self.order = [*known, *(name for name in built if name not in known)]
        self.build = build or _build

    def __iter__(self) -> Any:
        return iter(self.order)

    def keys(self) -> Any:  # names only: what typer's "did you mean" reads
        return list(self.order)

    def __contains__(self, name: object) -> bool:
        return name in self.order

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self.order:
            self.order.append(name)  # a command added later (click's add_command) is listed too
        super().__setitem__(name, command)

    def __len__(self) -> int:
        return len(self.order)

    def get(self, name: str, default: Any = None) -> Any:
        if not dict.__contains__(self, name):
            if name not in self.order:
                return default
            self[name] = self.build(name)
        return dict.get(self, name, default)

    def __getitem__(self, name: str) -> Any:
        command = self.get(name)
        if command is None:
            raise KeyError(name)
        return command

    def items(self) -> Any:
        return [(name, self[name]) for name in self.order]

    def values(self) -> Any:
        return [self[name] for name in self.order]


def _build(name: str) -> Any:
    """The click command or group ``name``, its modules imported and its parameters read."""
    import importlib

    from typer.main import get_command_from_info, get_command_name, get_group_from_info
    from typer.models import TyperInfo

    modules = COMMANDS[name][0]
    for module in modules:
        importlib.import_module(f"mockprep.cli.{module}")
    if name in _GROUPS:
        sub = _GROUPS[name]
        # The order the modules are listed in, whatever order something else imported them in.
        where = [f"mockprep.cli.{module}" for module in modules]
        sub.registered_commands.sort(key=lambda info: where.index(info.callback.__module__))
        infos = {
            info.name or get_command_name(info.callback.__name__): info for info in sub.registered_commands
        }
        registered, sub.registered_commands = sub.registered_commands, []  # built one by one, when used
        try:
            group = get_group_from_info(
                TyperInfo(sub, name=name),
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
        finally:
            sub.registered_commands = registered

        def command(sub_name: str) -> Any:
            return get_command_from_info(
                infos[sub_name],
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )

        group.commands = _LazyCommands(dict(group.commands), list(infos), command)
        return group
    for info in reversed(app.registered_commands):  # the latest registration wins, as in typer
        if (info.name or get_command_name(info.callback.__name__)) == name:
            return get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
    raise LookupError(f"mockprep.cli.{modules[0]} defines no command {name!r}")


class RootGroup(Group):
    """``mockprep`` itself: the daily commands first, each command built only when it is needed, and
    the raw arguments kept for completion."""

    daily = ("session", "mock", "story", "stats", "history")

    def __init__(self, *, commands: Any = None, **kwargs: Any):
        super().__init__(commands=_LazyCommands(dict(commands or {})), **kwargs)

    def summary(self, ctx: typer.Context, name: str) -> str | None:
        if name in COMMANDS and not dict.__contains__(self.commands, name):
            return COMMANDS[name][1]  # the help lists every command without building any
        return super().summary(ctx, name)

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
# The groups' commands register on these when their modules are imported; the root group builds a
# group (RootGroup, _build) only when it is used.
bank_app = _Typer(help=COMMANDS["bank"][1], no_args_is_help=True)
story_app = _Typer(help=COMMANDS["story"][1], no_args_is_help=True)
backup_app = _Typer(help=COMMANDS["backup"][1], no_args_is_help=True)
config_app = _Typer(help=COMMANDS["config"][1], no_args_is_help=True)
question_app = _Typer(help=COMMANDS["question"][1], no_args_is_help=True)
_GROUPS = {
    "bank": bank_app,
    "backup": backup_app,
    "story": story_app,
    "question": question_app,
    "config": config_app,
}


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
