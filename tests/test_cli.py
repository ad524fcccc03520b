"""The command line through its real entry point: output, exit codes, and the database afterwards."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from mockprep import __version__
from mockprep.paths import DB_NAME
from tests.conftest import FIXTURES, db_rows, write_bank


def test_version_and_help(cli) -> None:
    assert cli("--version").stdout.strip() == f"mockprep {__version__}"
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("session", "bank", "export", "import", "where"):
        assert command in result.stdout


def test_unknown_option_is_one_line_exit_2(cli) -> None:
    result = cli("session", "--bogus")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "mockprep: error: No such option: --bogus (see 'mockprep session --help')"
    ]


def test_unknown_round_topic_role_bank(cli) -> None:
    assert cli("session", "--round", "tech").exit_code == 2
    for args, word in (
        (["--topic", "statistic"], "topic"),
        (["--role", "ceo"], "role"),
        (["--bank", "nope"], "bank"),
    ):
        result = cli("session", *args)
        assert result.exit_code == 2, result
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"mockprep: error: unknown {word} ")
    assert "did you mean statistics" in cli("session", "--topic", "statistic").stderr


def test_an_unknown_topic_or_tag_among_many_says_where_to_see_them(cli) -> None:
    """Found by an exploratory tester: with more than 40 topics or tags the line said only
    "(known: 60 of them)", and nothing said where to see them."""
    (topic,) = cli("session", "--topic", "nonexistent").stderr.strip().splitlines()
    assert re.fullmatch(
        r"mockprep: error: unknown topic 'nonexistent' \(\d+ topics; see them with: mockprep bank list\)",
        topic,
    )
    (tag,) = cli("session", "--tag", "nope").stderr.strip().splitlines()
    assert "tags; mockprep question show KEY shows a question's" in tag and "of them" not in tag


def test_scripted_session_over_stdin(cli, home: Path) -> None:
    # Project questions are all open: answer lines, then an empty line (a number or a choice takes one).
    script = "my first answer\nsecond line\n\n3\n\n1\nq\n"
    result = cli("session", "--round", "project", input=script)
    assert result.exit_code == 0, result.stderr
    assert "Question 1" in result.stdout and "Model answer" in result.stdout
    assert "Session ended early" in result.stdout and "2 answered" in result.stdout  # the q
    rows = db_rows(home, "SELECT rating, review_answer(answer), state_before FROM reviews ORDER BY id")
    assert rows == [(3, "my first answer\nsecond line", 0), (1, "", 0)]
    assert db_rows(home, "SELECT status, kind FROM sessions") == [("ended_early", "drill")]
    assert db_rows(
        home, "SELECT DISTINCT q.round FROM reviews r JOIN questions q ON q.id = r.question_id"
    ) == [("project",)]


def test_invalid_rating_reprompts_and_end_of_input_ends_cleanly(cli, home: Path) -> None:
    result = cli("session", input="answer\n\n7\nokay\n2\n")
    assert result.exit_code == 0
    assert result.stdout.count("Type 1-4") == 2
    assert db_rows(home, "SELECT rating FROM reviews") == [(2,)]


def test_markup_and_escapes_in_bank_and_answer_are_shown_literally(cli, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    write_bank(
        folder / "h.toml",
        bank_id="hostile",
        n=1,
        prompt_prefix="[bold red]Styled[/bold red] [link=http://x]y[/link]",
    )
    assert cli("bank", "add", str(folder)).exit_code == 0
    result = cli("session", "--bank", "hostile", input="\x1b]0;pwned\x07[red]mine[/red]\n\n3\n")
    assert "[bold red]Styled[/bold red] [link=http://x]y[/link]" in result.stdout
    assert "[red]mine[/red]" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    # Stored exactly as typed.
    assert db_rows(home, "SELECT review_answer(answer) FROM reviews") == [
        ("\x1b]0;pwned\x07[red]mine[/red]",)
    ]


def test_bank_list_show_and_schema(cli) -> None:
    listing = cli("bank", "list")
    assert listing.exit_code == 0
    assert "statistics" in listing.stdout
    topics = re.search(r"technical\s+\d+ questions\s+(\d+) topics", listing.stdout)
    assert topics and int(topics.group(1)) >= 16, listing.stdout
    shown = cli("bank", "show", "statistics")
    assert shown.exit_code == 0 and "round technical" in shown.stdout
    missing = cli("bank", "show", "nope")
    assert missing.exit_code == 2 and "no bank with id 'nope'" in missing.stderr
    schema = json.loads(cli("bank", "schema").stdout)
    assert schema["title"] == "mockprep question bank"


def test_bank_validate(cli, tmp_path: Path) -> None:
    good = cli("bank", "validate", str(FIXTURES / "banks"))
    assert good.exit_code == 0 and "ok " in good.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\ntitle = "t"\nround = "nope"\n')
    result = cli("bank", "validate", str(bad), str(tmp_path / "missing.toml"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith(f"{bad}:3: field 'round'") for line in lines)
    assert any(line.startswith(f"{bad}: field 'questions': missing") for line in lines)
    assert any("missing.toml: no such file" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_a_markdown_or_csv_file_given_as_a_bank_says_to_import_it(cli, tmp_path: Path) -> None:
    notes = tmp_path / "rl.md"
    notes.write_text("# RL\n\n## What is TD learning?\nBootstrapping from the next estimate.\n")
    result = cli("bank", "validate", str(notes))
    assert result.exit_code == 2 and "not valid TOML" in result.stderr
    assert f"{notes} is not a bank file: make one from it with mockprep bank import {notes}" in result.stderr
    # bank add: one line (found by an exploratory tester: three, the first two TOML's errors)
    result = cli("bank", "add", str(notes))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "not valid TOML" not in result.stderr
    assert "not added" in result.stderr and f"mockprep bank import {notes}" in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\n')
    assert "bank import" not in cli("bank", "validate", str(bad)).stderr  # a TOML file gets no such line


def test_bank_add_bad_file_changes_nothing(cli, home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'id = "x"\ntitle = "t\xff"\n')
    result = cli("bank", "add", str(bad))
    assert result.exit_code == 2 and "not UTF-8" in result.stderr
    assert db_rows(home, "SELECT COUNT(*) FROM bank_sources") == [(0,)]


def test_bank_add_remove_and_restore(cli, home: Path, tmp_path: Path) -> None:
    path = write_bank(tmp_path / "mine.toml", bank_id="mine", n=2)
    added = cli("bank", "add", str(path))
    assert added.exit_code == 0 and "mine" in added.stdout
    assert cli("session", "--bank", "mine", input="a\n\n4\nq\n").exit_code == 0
    assert cli("bank", "remove", "mine").exit_code == 0
    result = cli("session", "--bank", "mine")
    assert result.exit_code == 2  # no longer a known bank
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(1,)]  # history kept
    assert cli("bank", "add", "mine").exit_code == 0
    assert "mine" in cli("bank", "list").stdout


def test_export_import_round_trip_through_the_cli(cli, home: Path, tmp_path: Path, monkeypatch) -> None:
    cli("session", input="a\n\n3\nb\n\n1\nq\n")
    out = tmp_path / "backup.json"
    assert cli("export", "-o", str(out)).exit_code == 0
    doc = json.loads(out.read_text())
    assert doc["format"] == "mockprep-export" and doc["version"] == 1
    reviewed = [q for q in doc["questions"] if q["reviews"]]
    assert len(reviewed) == 2
    assert set(reviewed[0]["card"]) == {
        "card_id",
        "state",
        "step",
        "stability",
        "difficulty",
        "due",
        "last_review",
    }
    assert set(reviewed[0]["reviews"][0]) >= {"rated_at", "rating", "duration_ms"}
    refused = cli("export", "-o", str(out))
    assert refused.exit_code == 2 and "--force" in refused.stderr

    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(out))
    assert result.exit_code == 0, result.stderr
    again = tmp_path / "again.json"
    cli("export", "-o", str(again))
    first, second = json.loads(out.read_text()), json.loads(again.read_text())
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second
    # Importing over history is refused.
    refused = cli("import", str(out))
    assert refused.exit_code == 2 and "empty home" in refused.stderr


def test_import_rejects_non_exports(cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{nope")
    assert "not JSON" in cli("import", str(junk)).stderr
    junk.write_text('{"format": "other"}')
    assert "not a mockprep export" in cli("import", str(junk)).stderr
    junk.write_text('{"format": "mockprep-export", "version": 1, "banks": [{}]}')
    result = cli("import", str(junk))
    assert result.exit_code == 2 and "malformed export" in result.stderr


def test_corrupt_database_is_one_line_exit_1(cli, home: Path) -> None:
    home.mkdir(mode=0o700, parents=True)
    (home / DB_NAME).write_bytes(b"garbage" * 1000)
    result = cli("bank", "list")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "is not a usable mockprep database" in line and "There is no backup of it" in line


def test_real_process_piped_session(home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mockprep", "session", "--limit", "1"],
        input="an answer\n\n4\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 answered" in proc.stdout and proc.stderr == ""
    assert db_rows(home, "SELECT rating FROM reviews") == [(4,)]


def test_bad_timing_options_are_one_line_exit_2(cli) -> None:
    for args, fragment in (
        (["--minutes", "-5"], "--minutes -5: must be more than 0"),
        (["--minutes", "100000"], "must be at most 600"),
        (["--time-limit", "soon"], "--time-limit: 'soon' is not a duration"),
        (["--time-limit", "1s"], "must be between 5 seconds and 3 hours"),
        (["--time-limit", "90s", "--no-timer"], "contradict"),
    ):
        result = cli("session", *args)
        assert result.exit_code == 2, (args, result)
        (line,) = result.stderr.strip().splitlines()
        assert fragment in line, line


def test_session_shows_timing_and_score(cli) -> None:
    result = cli("session", "--limit", "1", input="an answer\n\n3\n")
    assert "⏱" in result.stdout and "Score 80/100" in result.stdout


def test_every_role_and_technical_topic_gives_a_session(cli) -> None:
    for role in ("ml-researcher", "research-scientist", "ml-engineer", "data-scientist"):
        result = cli("session", "--role", role, "--limit", "1", input="a\n\n3\n")
        assert result.exit_code == 0 and "1 answered" in result.stdout, role
    for topic in ("statistics", "ml-systems", "summary", "leadership"):
        result = cli("session", "--topic", topic, "--new", "1", "--limit", "1", input="a\n\n3\n")
        assert result.exit_code == 0 and "1 answered" in result.stdout, topic


def test_mockprep_seed_makes_the_question_order_repeatable(cli, monkeypatch, tmp_path: Path) -> None:
    firsts = []
    for run in range(2):
        monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / f"home{run}"))
        out = cli("session", "--limit", "1", input="a\n\n3\n").stdout
        firsts.append(re.search(r"\S+/\S+", out.split("Question 1")[1]).group())
    assert firsts[0] == firsts[1]
    monkeypatch.setenv("MOCKPREP_SEED", "soon")
    bad = cli("session")
    assert bad.exit_code == 2 and "MOCKPREP_SEED must be a whole number" in bad.stderr


_LOAD_AT_EXIT = """
import sys, threading, time
from pathlib import Path
from mockprep import cli
from mockprep.core.background_loads import start_load

mark, release = Path(sys.argv[1]), threading.Event()
cli.LOADS_WAIT_SECONDS = float(sys.argv[2])
def load():
    release.wait(float(sys.argv[3]))  # a model still loading when the command is over
    mark.write_text("loaded")
start_load(load, "test-load")
cli.main(["--bogus-option"])
"""


def test_the_command_waits_for_a_model_still_loading_before_it_exits(tmp_path: Path) -> None:
    """A daemon thread still inside a Rust or C++ extension at interpreter shutdown aborted the process
    ("FATAL: exception not rethrown"); the command now lets such a load finish first."""
    mark = tmp_path / "mark"
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_AT_EXIT, str(mark), "15", "0.5"], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("mockprep: error: No such option: --bogus-option")
    assert mark.read_text() == "loaded"  # the interpreter did not shut down while it ran


def test_a_load_that_never_ends_does_not_hold_the_command_and_keeps_its_exit_code(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_AT_EXIT, str(mark), "0.2", "60"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [
        "mockprep: error: No such option: --bogus-option (see 'mockprep --help')"
    ]
    assert not mark.exists()


_LOAD_AT_ENTRY = """
import atexit, sys, threading
from pathlib import Path
from mockprep.__main__ import main
from mockprep.core.background_loads import start_load

folder = Path(sys.argv[1])
def load():
    threading.Event().wait(60)  # a model still loading when the command is over
    (folder / "loaded").write_text("loaded")
start_load(load, "test-load")
atexit.register(lambda: (folder / "atexit").write_text("ran"))
main(["--bogus-option"])
"""


def test_the_mockprep_command_does_not_wait_for_a_load_nothing_needs_any_more(tmp_path: Path) -> None:
    """Found by an exploratory tester: q at the first question waited 0.4-0.7 s (1.2 s under load) for
    the grading model to finish loading. The process now ends without the interpreter's shutdown (the
    abort the wait avoided), after its atexit functions, keeping its exit code."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_AT_ENTRY, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert time.monotonic() - started < 10  # waiting meant the 15 s limit
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "mockprep: error: No such option: --bogus-option (see 'mockprep --help')"
    ]
    assert (tmp_path / "atexit").read_text() == "ran" and not (tmp_path / "loaded").exists()


def test_a_value_that_is_not_a_number_says_so_plainly(cli) -> None:
    """Click's "'abc' is not a valid int range." reads like jargon."""
    for args, says in (
        (["session", "--limit", "abc"], "'abc' is not a whole number."),
        (["session", "--minutes", "x"], "'x' is not a number."),
    ):
        result = cli(*args)
        assert result.exit_code == 2 and says in result.stderr, result.stderr
        assert "int range" not in result.stderr and "float" not in result.stderr
