"""`bank add` and the sync of an edited file run the solutions of the code questions they add or change
(found by an exploratory tester: a reference solution that failed its own tests, and tests that caught
none of the wrong solutions, were added silently), warning of each such question; a sync that reads
nothing new runs nothing."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from mockprep.core.bank_files import load_bank_file
from mockprep.core.settings import Settings
from mockprep.services import code_checks
from mockprep.services.code_runner import CodeRunner
from tests.test_code_session import BANK

BROKEN_REFERENCE = BANK.replace("    return x + 1\n", "    return x + 2\n", 1)
# a wrong solution right for positive numbers, and tests that only try positive numbers
LENIENT = BANK.replace("    return x\n", "    return x + 1 if x > 0 else x\n").replace(
    "(-1) == 0", "(5) == 6"
)


def _runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the questions whose solutions are run from now on."""
    ran: list[str] = []
    real = CodeRunner.run_programs

    def counted(self: CodeRunner, spec, programs, **options):  # type: ignore[no-untyped-def]
        ran.append(spec.id)
        return real(self, spec, programs, **options)

    monkeypatch.setattr(CodeRunner, "run_programs", counted)
    return ran


def test_bank_add_warns_of_a_reference_solution_that_fails_and_adds_the_question(cli, tmp_path: Path) -> None:
    path = tmp_path / "coding.toml"
    path.write_text(BROKEN_REFERENCE, encoding="utf-8")
    result = cli("bank", "add", str(path))
    assert result.exit_code == 0 and "Added 1 bank with 1 question" in result.stdout
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert f"{path.resolve()}:" in warning and "question 'add-one': the reference solution fails" in warning
    assert f"mockprep bank validate {path.resolve()}" in warning
    assert "add-one" in cli("bank", "show", "coding").stdout  # added all the same


def test_an_edit_runs_only_the_questions_it_changed_and_an_unchanged_sync_runs_none(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "coding.toml"
    other = BANK.split("[[questions]]")[1].replace('id = "add-one"', 'id = "add-two"')
    path.write_text(BANK + "[[questions]]" + other, encoding="utf-8")
    ran = _runs(monkeypatch)
    first = cli("bank", "add", str(path))
    assert first.exit_code == 0 and "warning" not in first.stderr
    assert sorted(ran) == ["add-one", "add-two"]  # the built-in banks' code questions are not run
    ran.clear()
    path.write_text(LENIENT + "[[questions]]" + other, encoding="utf-8")  # add-one's tests weakened
    edited = cli("bank", "sync")
    assert ran == ["add-one"]
    assert "question 'add-one': field 'wrong_solutions': wrong solution 1 passes every test" in edited.stderr
    ran.clear()
    assert cli("bank", "sync").stdout.strip() == "All banks are up to date."
    assert cli("question", "list").exit_code == 0  # (every command's sync before it)
    assert ran == []


def test_the_sync_before_a_session_warns_of_an_edit_that_breaks_a_question(cli, tmp_path: Path) -> None:
    path = tmp_path / "coding.toml"
    path.write_text(BANK, encoding="utf-8")
    assert cli("bank", "add", str(path)).stderr == ""
    path.write_text(BROKEN_REFERENCE, encoding="utf-8")
    result = cli("session", "--bank", "coding", "--limit", "1", input="q\n")
    assert "warning:" in result.stderr and "'add-one': the reference solution fails" in result.stderr


@pytest.mark.parametrize("step", [0.0, 2.0, 3.0, 6.0])
def test_a_sync_runs_new_code_questions_for_a_few_seconds_at_most(step: float, tmp_path: Path) -> None:
    """A file of many new code questions is not all run by the sync (validate runs them): what was not
    run is one line naming the file and how many."""
    questions = [BANK.split("[[questions]]")[1].replace("add-one", f"q{n}") for n in range(4)]
    path = tmp_path / "many.toml"
    path.write_text(BANK.split("[[questions]]")[0] + "".join(f"[[questions]]{q}" for q in questions), "utf-8")
    bank = load_bank_file(path)
    ticks = itertools.count(0.0, step)  # the clock moves `step` seconds at each look
    warnings, stopped = code_checks.check_new_code(
        [(bank, tuple(q.key for q in bank.questions))], Settings(), clock=lambda: next(ticks)
    )
    run = sum(1 for n in range(1, 5) if n * step <= code_checks.NEW_CODE_SECONDS)
    assert not stopped
    if run == 4:
        assert warnings == []
    else:
        [left] = warnings
        more = " more" if run else ""
        assert str(left).startswith(f"{path}: {4 - run}{more} new or changed code question")
        # (not "not run yet": no later sync runs them, since it finds the file unchanged)
        assert str(left).endswith(
            f"not checked (a sync runs solutions for 5 s at most): mockprep bank validate {path} checks every one"
        )


def test_a_merge_that_registers_a_code_bank_runs_none_of_its_code(
    store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`import --merge` registers the bank files the merged file had (services/merge_banks.py): that
    runs no code (found by an independent review: it ran every solution, 31 s for a looping one, and
    threw the warnings away)."""
    from datetime import UTC, datetime

    from mockprep.services.merge_banks import register_sources

    path = tmp_path / "coding.toml"
    path.write_text(BROKEN_REFERENCE, encoding="utf-8")
    ran = _runs(monkeypatch)
    doc = {"banks": [{"id": "coding", "source": str(path)}], "bank_sources": [{"path": str(path)}]}
    merged = register_sources(store, doc, datetime(2026, 1, 5, tzinfo=UTC))
    assert merged.added == [path] and merged.problems == []
    assert store.banks.active_questions("coding") == 1
    assert ran == []


LOOPING = BANK.replace("    return x + 1\n", "    while True:\n        pass\n", 1).replace(
    "    return x\n", "    while True:\n        pass\n"
)  # its reference and its wrong solution loop: each test would run out of its 5 s


def test_a_looping_question_stops_when_the_syncs_seconds_are_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync's time for running solutions bounds each run, not only the start of the next question
    (found by an independent review: a question whose reference and two wrong solutions loop made
    `bank add` take 30 s under a "5 s at most"); a question the time cut short is counted as not run,
    not warned of as failing."""
    import time

    path = tmp_path / "hang.toml"
    path.write_text(LOOPING, encoding="utf-8")
    bank = load_bank_file(path)
    monkeypatch.setattr(code_checks, "NEW_CODE_SECONDS", 1.0)
    began = time.monotonic()
    [left], _stopped = code_checks.check_new_code([(bank, (bank.questions[0].key,))], Settings())
    assert time.monotonic() - began < 4.0  # (1 s, and the kill; it took 2 × 5 s and more before)
    assert str(left).startswith(f"{path}: 1 new or changed code question not checked")
    assert "fails" not in str(left)


def test_a_syncs_check_runs_no_wrong_solution_once_the_reference_fails(tmp_path: Path) -> None:
    """A reference that fails makes the wrong solutions' results say nothing: they are not run then
    (each could take the tests' whole time, as the looping one here would)."""
    from mockprep.core.code_results import TestStatus

    spec = load_bank_file(_written(tmp_path, LOOPING)).questions[0].spec
    wrong_reference = "def add_one(x):\n    return x + 2\n"
    runner = CodeRunner()
    reference, wrong = runner.run_programs(
        spec, [wrong_reference, *spec.wrong_solutions], first_must_pass=True
    )
    assert not reference.all_passed and reference.outcomes[0].status is TestStatus.FAILED
    assert {o.status for o in wrong.outcomes} == {TestStatus.NOT_RUN}
    # the same after a new process within the reference (one of its tests ended the process)
    ended = "import os\ndef add_one(x):\n    if x == 1:\n        os._exit(3)\n    return x + 1\n"
    reference, wrong = runner.run_programs(spec, [ended, *spec.wrong_solutions], first_must_pass=True)
    assert reference.outcomes[0].status is TestStatus.CRASHED and reference.outcomes[1].passed
    assert {o.status for o in wrong.outcomes} == {TestStatus.NOT_RUN}


def _written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bank.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_ctrl_c_while_bank_add_runs_the_solutions_says_what_was_added_and_what_was_not_checked(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an independent review: Ctrl-C there exited 130 with no output, the bank added, and the
    broken question never warned of (a later sync finds the file unchanged)."""
    path = tmp_path / "coding.toml"
    path.write_text(BROKEN_REFERENCE, encoding="utf-8")

    def interrupted(self: CodeRunner, spec, programs, **options):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    real = CodeRunner.run_programs
    monkeypatch.setattr(CodeRunner, "run_programs", interrupted)
    result = cli("bank", "add", str(path))
    assert result.exit_code == 130
    assert "Added 1 bank with 1 question" in result.stdout
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert "stopped (Ctrl-C): 1 new or changed code question not checked" in warning
    assert f"mockprep bank validate {path.resolve()} checks every one" in warning
    monkeypatch.setattr(CodeRunner, "run_programs", real)
    assert "add-one" in cli("bank", "show", "coding").stdout  # added: bank validate checks it


@pytest.mark.parametrize(
    ("before", "after", "runs"),
    [
        ('prompt = "Implement add_one(x)."', 'prompt = "Write add_one(x)."', False),
        ('answer = "Return x + 1."', 'answer = "Return the sum of x and 1."', False),
        ('key_points = ["add one", "return the sum"]', 'key_points = ["add one", "return x + 1"]', False),
        ("def add_one(x):\n    ...", "def add_one(x):\n    pass", False),  # the starter
        ('time_limit = "5m"', 'time_limit = "10m"', False),
        ("    return x + 1\n", "    return 1 + x\n", True),  # the solution
        ("    return x\n", "    return x - 1\n", True),  # a wrong solution
        ('expected = "2"', 'expected = "1 + 1"', True),  # a test
        ("difficulty = 1", 'requires = ["math"]\ndifficulty = 1', True),
    ],
)
def test_an_edit_runs_the_solutions_only_when_it_changes_what_they_run(
    before: str, after: str, runs: bool, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an independent review: a change to a code question's prompt or answer alone ran its
    solutions again, which only its code fields (solution, wrong_solutions, tests, setup, imports,
    requires) can change the verdict of."""
    path = tmp_path / "coding.toml"
    path.write_text(BANK, encoding="utf-8")
    assert cli("bank", "add", str(path)).exit_code == 0
    assert before in BANK
    path.write_text(BANK.replace(before, after, 1), encoding="utf-8")
    ran = _runs(monkeypatch)
    result = cli("bank", "sync")
    assert result.exit_code == 0 and "coding: 1 updated" in result.stdout
    assert ran == (["add-one"] if runs else [])
