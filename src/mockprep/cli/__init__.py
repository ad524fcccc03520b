"""The ``mockprep`` command line: parse options, call the core, render.

Heavy modules (sqlalchemy via :mod:`mockprep.db`, rich via :mod:`mockprep.terminal`) are imported inside
the commands that use them, so ``mockprep --help`` stays fast. Each submodule registers its commands.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import typer

from mockprep.cli import backup, banks, data, history, practice, questions, story  # noqa: F401  (register commands)
from mockprep.cli.app import UserError, app
from mockprep.cli.context import plain

__all__ = ["app", "main"]

# -- entry point --------------------------------------------------------------------------------


def _fail(message: str, code: int) -> NoReturn:
    try:
        sys.stderr.write(f"mockprep: error: {plain(message)}\n")
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
    except Exception as exc:
        # A database damaged while in use (e.g. truncated) surfaces in the middle of a command.
        if "sql" in type(exc).__module__ and type(exc).__name__ in ("DatabaseError", "OperationalError"):
            from mockprep.paths import DB_NAME, home_dir

            detail = str(getattr(exc, "orig", exc)).splitlines()[0]
            _fail(
                f"{home_dir() / DB_NAME} cannot be read ({detail}). Restore a backup "
                "(mockprep backup list, then mockprep backup restore NAME).",
                1,
            )
        raise
    if isinstance(result, int) and result:
        sys.exit(result)
    return result
