"""Shell completion for bash, zsh and fish: the root options that show or install the script, and the
candidates for bank ids, topics, roles, story ids and question keys.

The shell calls ``mockprep`` with ``_MOCKPREP_COMPLETE`` set at every Tab (typer's protocol); commands,
options and rounds come from the command definitions, the rest from :mod:`mockprep.db.lookup`, which
reads the database without writing to it, so pressing Tab is quick, prints no warning and changes
nothing. This module is imported at start-up: it imports nothing heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from typer._click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import BashComplete, FishComplete, ZshComplete
from typer.completion import get_completion_script

from mockprep.core.sanitize import clean

PROG = "mockprep"
COMPLETE_VAR = "_MOCKPREP_COMPLETE"
SHELLS = ("bash", "zsh", "fish")
RAW_ARGS = "mockprep.raw_args"  # ctx.meta key: the root's arguments before parsing (see app.RootGroup)


# typer's completion protocol (its classes live in private modules: typer is pinned below 1.0).
# Its zsh and fish formats pass every description through rich, which would double the time a Tab
# takes; mockprep's descriptions are plain text already (help text has no markup, titles are cleaned).
class _ZshComplete(ZshComplete):
    def format_completion(self, item: CompletionItem) -> str:
        def escape(s: str) -> str:
            for old, new in (('"', '""'), ("'", "''"), ("$", "\\$"), ("`", "\\`"), (":", r"\\:")):
                s = s.replace(old, new)
            return s

        about = f':"{escape(item.help)}"' if item.help else ""
        return f'"{escape(item.value)}"{about}'


class _FishComplete(FishComplete):
    def format_completion(self, item: CompletionItem) -> str:
        return item.value + ("\t" + " ".join(item.help.split()) if item.help else "")


for _shell, _class in (("bash", BashComplete), ("zsh", _ZshComplete), ("fish", _FishComplete)):
    add_completion_class(_class, _shell)


# -- candidates -----------------------------------------------------------------------------------


def _candidates(kind: str, incomplete: str) -> list[tuple[str, str]]:
    from mockprep.db.lookup import lookup
    from mockprep.paths import DB_NAME, home_dir

    found = []
    for value, about in lookup(home_dir() / DB_NAME, kind):
        if value.startswith(incomplete):
            found.append((value, " ".join(clean(about).split())))  # one line, no escape sequences
    return found


def complete_banks(incomplete: str) -> list[tuple[str, str]]:
    return _candidates("banks", incomplete)


def complete_topics(incomplete: str) -> list[tuple[str, str]]:
    return _candidates("topics", incomplete)


def complete_roles(incomplete: str) -> list[tuple[str, str]]:
    return _candidates("roles", incomplete)


def complete_stories(incomplete: str) -> list[tuple[str, str]]:
    return _candidates("stories", incomplete)


def complete_behavioral_keys(incomplete: str) -> list[tuple[str, str]]:
    return _candidates("behavioral-questions", incomplete)


# -- --show-completion and --install-completion ---------------------------------------------------


def detect_shell() -> str | None:
    """The shell mockprep runs in (its parent process), else the login shell from ``$SHELL``."""
    try:
        import shellingham

        name = shellingham.detect_shell()[0]
    except Exception:  # shellingham.ShellDetectionFailure, or no /proc to read
        name = os.path.basename(os.environ.get("SHELL", ""))
    return name.lower() or None


def _chosen_shell(ctx: typer.Context, option: str) -> str:
    """The shell named right after ``option`` (``--show-completion zsh``), else the detected one."""
    raw = ctx.meta.get(RAW_ARGS, [])
    following = raw[raw.index(option) + 1] if option in raw[:-1] else ""
    shell = following.lower() if following and not following.startswith("-") else detect_shell()
    if shell not in SHELLS:
        raise typer.BadParameter(
            f"cannot complete for shell {shell or '(unknown)'}; name one of {', '.join(SHELLS)}: "
            f"mockprep {option} bash",
            ctx=ctx,
            param_hint=f"'{option}'",
        )
    return shell


def completion_script(shell: str) -> str:
    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)


def show_completion(ctx: typer.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    typer.echo(completion_script(_chosen_shell(ctx, "--show-completion")))
    raise typer.Exit()


def install_completion(ctx: typer.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    shell = _chosen_shell(ctx, "--install-completion")
    script, how = install(shell, Path.home())
    typer.echo(f"Installed {shell} completion in {script}; {how}")
    raise typer.Exit()


def _add_line(rc: Path, line: str) -> None:
    """Append ``line`` to the shell start-up file ``rc`` unless it is there already."""
    text = rc.read_text(encoding="utf-8") if rc.is_file() else ""
    if line not in text.splitlines():
        with rc.open("a", encoding="utf-8") as handle:
            handle.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")


def install(shell: str, home: Path) -> tuple[Path, str]:
    """Write the completion script where ``shell`` loads it; ``(script path, what to do next)``."""
    if shell == "bash":
        script = home / ".bash_completions" / f"{PROG}.sh"
        _add_line(home / ".bashrc", f"source '{script}'")
        how = f"open a new terminal, or run: source '{script}'"
    elif shell == "zsh":
        script = home / ".zfunc" / f"_{PROG}"
        _add_line(home / ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit")
        how = "open a new terminal to use it"
    else:
        script = home / ".config" / "fish" / "completions" / f"{PROG}.fish"
        how = "open a new terminal to use it"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(completion_script(shell) + "\n", encoding="utf-8")
    return script, how
