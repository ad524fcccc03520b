"""Start-up does only what the command needs: each command's module is imported when it is used, and a
session whose banks are unchanged never loads pydantic (the bank file parser)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
import typer.main

from mockprep.cli import app
from mockprep.cli.app import COMMANDS

CLI_MODULES = sorted({module for modules, _summary in COMMANDS.values() for module in modules})

# Runs mockprep in a fresh interpreter and writes the modules it loaded to the file named by argv[1]:
# when a session shows its first question (the meaning model starts loading in the background only
# then), or at exit.
PROBE = """
import atexit, os, sys
out, args = sys.argv[1], sys.argv[2:]
def dump():
    names = sorted(sys.modules)  # (before this probe loads json to write them)
    import json
    with open(out, "w") as f:
        json.dump(names, f)
atexit.register(dump)
if args[0] == "session":
    import mockprep.terminal.practice as practice
    def first_question(self, *a, **k):
        dump()
        os._exit(0)
    practice.TerminalUI.show_question = first_question
from mockprep.cli import main
main(args)
"""


def loaded_modules(tmp_path: Path, *args: str, stdin: str = "") -> set[str]:
    out = tmp_path / "modules.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(out.read_text()))


def test_the_table_lists_every_command_with_its_own_summary() -> None:
    for module in CLI_MODULES:
        importlib.import_module(f"mockprep.cli.{module}")
    registered = {
        info.name or typer.main.get_command_name(info.callback.__name__) for info in app.registered_commands
    }
    assert registered <= set(COMMANDS)
    assert set(COMMANDS) - registered == {"bank", "backup", "story", "question", "config"}
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    for name, (modules, summary) in COMMANDS.items():
        command = root.get_command(ctx, name)
        assert command is not None
        assert command.get_short_help_str(limit=10_000) == summary, name
        callbacks = [command.callback] if name in registered else []
        if name not in registered:  # a group: every subcommand comes from one of its modules
            sub = typer.Context(command, parent=ctx)
            callbacks = [command.get_command(sub, n).callback for n in command.list_commands(sub)]
        assert callbacks
        for callback in callbacks:
            origin = getattr(callback, "__wrapped__", callback)
            assert origin.__module__.removeprefix("mockprep.cli.") in modules, (name, origin.__module__)


@pytest.mark.parametrize("order", [CLI_MODULES, CLI_MODULES[::-1]])
def test_a_group_lists_its_commands_in_one_order_whatever_imported_them_first(order: list[str]) -> None:
    script = (
        "import importlib, typer, typer.main\n"
        f"for m in {order!r}: importlib.import_module('mockprep.cli.' + m)\n"
        "from mockprep.cli import app\n"
        "root = typer.main.get_command(app); ctx = typer.Context(root)\n"
        "for g in ('bank', 'story'):\n"
        "    group = root.get_command(ctx, g)\n"
        "    print(g, ' '.join(group.list_commands(typer.Context(group, parent=ctx))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "bank import export list show validate add remove sync schema",
        "story new edit list show history diff delete check link unlink matrix export rehearse rehearsals",
    ]


def test_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    modules = loaded_modules(tmp_path, "--help")
    assert "mockprep.cli.app" in modules
    assert not {f"mockprep.cli.{m}" for m in CLI_MODULES} & modules
    assert "pydantic" not in modules and "mockprep.db.store" not in modules


def test_a_session_with_unchanged_banks_loads_neither_pydantic_nor_other_commands(tmp_path: Path) -> None:
    first = loaded_modules(tmp_path, "session")  # the first run reads the built-in banks
    assert "pydantic" in first
    modules = loaded_modules(tmp_path, "session")
    assert "mockprep.cli.practice" in modules and "mockprep.practice.session" in modules
    loaded = {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")}
    assert not loaded, "a session with unchanged banks imported pydantic"
    assert "mockprep.core.banks" not in modules
    others = {f"mockprep.cli.{m}" for m in CLI_MODULES} - {
        "mockprep.cli.practice",
        "mockprep.cli.sync",  # the sync after a session, when turned on
    }
    assert not others & modules


def test_an_open_question_is_shown_before_the_answer_parsers_load(tmp_path: Path) -> None:
    """Choice and numeric answers are read by core.autograde (and its number words): loaded when an
    answer is read, not to show the first question (behavioral questions are all open)."""
    loaded_modules(tmp_path, "session", "--round", "behavioral")  # the first run reads the banks
    modules = loaded_modules(tmp_path, "session", "--round", "behavioral")
    assert "mockprep.practice.session" in modules and "mockprep.core.kinds" in modules
    assert not {"mockprep.core.autograde", "mockprep.core.number_words", "mockprep.core.matching"} & modules


@pytest.mark.parametrize("command", [["stats"], ["history"]])
def test_tables_whose_cells_fit_are_drawn_without_rich_table(tmp_path: Path, command: list[str]) -> None:
    """rich.table (and the fractions and decimal modules it loads) only for a table that needs rich's
    layout engine; history's titled table and stats' tables are composed by print_table."""
    answered = subprocess.run(
        [sys.executable, "-m", "mockprep", "session", "--limit", "1", "--round", "behavioral"],
        input="an answer\n\n3\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answered.returncode == 0 and "Stopped at the --limit you set" in answered.stdout, answered.stderr
    modules = loaded_modules(tmp_path, *command)
    assert "mockprep.terminal.plain_table" in modules
    assert not {"rich.table", "fractions"} & modules


def test_a_sync_with_nothing_new_loads_neither_pydantic_nor_the_import_checks(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    loaded_modules(tmp_path, "sync", "--folder", str(folder))  # the first reads the banks and writes all
    modules = loaded_modules(tmp_path, "sync", "--folder", str(folder))
    assert "mockprep.db.merge" in modules and "mockprep.services.folder_sync" in modules
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")}
    assert not {"mockprep.core.banks", "mockprep.core.export_checks", "mockprep.practice.pipeline"} & modules


@pytest.mark.parametrize("command", [["stats"], ["history"], ["bank", "sync"]])
def test_commands_that_only_read_or_sync_leave_the_practice_pipeline_and_its_graders(
    tmp_path: Path, command: list[str]
) -> None:
    loaded_modules(tmp_path, "bank", "sync")  # the first run reads the built-in banks
    modules = loaded_modules(tmp_path, *command)
    assert "mockprep.liveness" in modules  # sessions of killed processes are still closed
    assert not {"mockprep.practice.pipeline", "mockprep.core.grading", "mockprep.core.autograde"} & modules


@pytest.mark.parametrize("command", [["stats"], ["bank", "sync"]])
def test_a_current_database_opens_without_the_migrations_code(tmp_path: Path, command: list[str]) -> None:
    first = loaded_modules(tmp_path, "bank", "sync")  # the first run creates the database
    assert "mockprep.db.upgrade" in first and "mockprep.db.migrations" in first
    modules = loaded_modules(tmp_path, *command)
    assert not {"mockprep.db.upgrade", "mockprep.db.migrations", "mockprep.db.review_times"} & modules


def test_a_sync_with_nothing_new_loads_no_scheduler_and_stats_no_plan_code_without_plans(
    tmp_path: Path,
) -> None:
    loaded_modules(tmp_path, "bank", "sync")  # the first run reads the built-in banks
    synced = loaded_modules(tmp_path, "bank", "sync")
    assert "mockprep.db.banks" in synced
    assert not {"fsrs", "mockprep.core.questions", "mockprep.core.code_format"} & synced
    assert "random" not in synced  # (only the commands that practise draw at random)
    assert "mockprep.db.sessions" not in synced  # (no session marked running to look at)
    assert "json" not in synced  # (read and written only by what changes a bank, or shows one)
    assert "hashlib" not in synced  # (only to name a question set aside: b5c4d09 loaded it, ~3 ms)
    plan_code = {"mockprep.practice.plans", "mockprep.core.plans", "mockprep.terminal.plans"}
    assert not plan_code & loaded_modules(tmp_path, "stats")
    soon = (date.today() + timedelta(days=20)).isoformat()
    subprocess.run(
        [sys.executable, "-m", "mockprep", "plan", "--date", soon], capture_output=True, check=True
    )
    assert plan_code <= loaded_modules(tmp_path, "stats")  # with a plan, its countdown is shown


def test_the_store_knows_the_newest_migration_and_their_number() -> None:
    from mockprep.db.migrations import MIGRATIONS
    from mockprep.db.store import LATEST_MIGRATION

    assert LATEST_MIGRATION == (MIGRATIONS[-1].__name__, len(MIGRATIONS))
    assert len({m.__name__ for m in MIGRATIONS}) == len(MIGRATIONS)


def test_a_group_builds_only_the_subcommand_that_runs() -> None:
    cli_app = importlib.import_module("mockprep.cli.app")
    group = cli_app._build("bank")
    assert dict.keys(group.commands) == set()  # nothing built yet, every name listed
    assert list(group.commands) == [
        c.name or c.callback.__name__ for c in cli_app.bank_app.registered_commands
    ]
    assert group.commands.get("sync").name == "sync"
    assert set(dict.keys(group.commands)) == {"sync"}
    assert group.commands.get("no-such-command") is None
