"""`bank validate` for code questions: each reference solution must pass every test, and each wrong
solution must fail at least one (else the tests would not catch that mistake). A question whose
requirements are missing here is skipped with a note naming what to install."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mockprep.core.banks import Bank, BankProblem
from mockprep.core.code_format import missing_text
from mockprep.core.code_results import TestStatus
from mockprep.core.kinds import kind_of

if TYPE_CHECKING:
    from mockprep.core.code_results import CodeRun
    from mockprep.core.questions import QuestionSpec
    from mockprep.core.settings import Settings
    from mockprep.core.toml_lines import Location
    from mockprep.services.code_runner import CodeRunner


def check_code_bank(
    bank: Bank, runner: CodeRunner, progress: Callable[[str], None] | None = None
) -> tuple[list[BankProblem], list[BankProblem]]:
    """``(problems, notes)`` of running the code questions of ``bank``; ``progress`` hears each id.
    Each names the line in the file of what it is about, as the parser's problems do."""
    return check_code_questions(
        bank.source, [(index, q.spec) for index, q in enumerate(bank.questions)], runner, progress
    )


def check_code_questions(
    source: str,
    questions: list[tuple[int, QuestionSpec]],
    runner: CodeRunner,
    progress: Callable[[str], None] | None = None,
    within: float | None = None,
) -> tuple[list[BankProblem], list[BankProblem]]:
    """``(problems, notes)`` of running the code questions among ``questions`` (each with its place in
    the file ``source``): those of a valid bank, or those valid on their own in a refused file.
    ``within`` (a sync's check): the seconds each question's run may take, and its wrong solutions are
    run only once its reference passes (they say nothing otherwise)."""
    problems: list[tuple[BankProblem, Location]] = []
    notes: list[tuple[BankProblem, Location]] = []
    for index, spec in questions:
        if not kind_of(spec).runs_code or spec.solution is None:
            continue
        missing = runner.missing(spec)
        if missing:
            notes.append(
                (BankProblem(source, f"not run: {missing_text(missing)}", spec.id), ("questions", index))
            )
            continue
        if progress is not None:
            progress(spec.id)
        programs = [spec.solution, *(spec.wrong_solutions or ())]
        quick = within is not None
        reference, *others = runner.run_programs(spec, programs, within=within, first_must_pass=quick)
        if not reference.all_passed:
            message = f"the reference solution fails: {_failure(reference)}"
            problems.append((BankProblem(source, message, spec.id), ("questions", index, "solution")))
        for number, run in enumerate(others, start=1):
            if run.all_passed:
                message = f"wrong solution {number} passes every test: the tests do not catch it"
                problem = BankProblem(source, message, spec.id, "wrong_solutions")
                problems.append((problem, ("questions", index, "wrong_solutions")))
    return _placed(source, problems), _placed(source, notes)


NEW_CODE_SECONDS = 5.0  # what a sync spends at most running new code questions' solutions


def check_new_code(
    new: list[tuple[Bank, tuple[str, ...]]],
    settings: Settings,
    running: Callable[[str], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> tuple[list[BankProblem], bool]:
    """One warning per code question (of ``new``: a bank and the keys of its questions a sync added or
    changed) whose reference solution fails or whose tests miss a wrong solution, and one per file
    whose questions were not all run within :data:`NEW_CODE_SECONDS` (each run is given the time left;
    one the time cut short counts as not run) or before a Ctrl-C; and whether a Ctrl-C stopped it
    (the caller says what it did, then ends as interrupted). ``running`` hears each file."""
    import time

    from mockprep.services.code_runner import CodeRunner, RunLimits, RunnerUnavailable

    clock = clock or time.monotonic
    runner = CodeRunner(RunLimits.from_settings(settings))
    started = clock()
    warnings: list[BankProblem] = []
    stopped = False
    for bank, keys in new:
        wanted = set(keys)
        questions = [(i, q.spec) for i, q in enumerate(bank.questions) if q.key in wanted]
        ran = 0
        try:
            for place in questions:
                left = NEW_CODE_SECONDS - (clock() - started)
                if left <= 0 or stopped:
                    break
                if ran == 0 and running is not None:
                    running(bank.source)
                problems, _notes = check_code_questions(bank.source, [place], runner, within=left)
                if problems and clock() - started >= NEW_CODE_SECONDS:
                    break  # the time ran out during its run: what failed may only be that
                ran += 1
                warnings += _as_one(problems, bank.source)
        except RunnerUnavailable:  # (code cannot run here at all: a session says so when asked)
            return warnings, stopped
        except KeyboardInterrupt:  # (the run's child is killed as at any end of a run)
            stopped = True
        if ran < len(questions):
            warnings.append(_not_run(bank.source, len(questions) - ran, ran, stopped))
    return warnings, stopped


def _not_run(source: str, left: int, ran: int, stopped: bool) -> BankProblem:
    """The line for the new or changed code questions of a file whose solutions were not run (a later
    sync does not run them: it finds the file unchanged)."""
    questions = f"{' more' if ran else ''} new or changed code question{'s' if left > 1 else ''}"
    why = "running the solutions was stopped (Ctrl-C): " if stopped else ""
    limit = "" if stopped else f" (a sync runs solutions for {NEW_CODE_SECONDS:g} s at most)"
    message = f"{why}{left}{questions} not checked{limit}: mockprep bank validate {source} checks every one"
    return BankProblem(source, message)


def _as_one(problems: list[BankProblem], source: str) -> list[BankProblem]:
    """A question's problems in one line, saying that it is asked all the same and what checks it."""
    if not problems:
        return []
    first = problems[0]
    said = "; ".join(p.message for p in problems)
    after = f"; it is asked as it is: fix it, then mockprep bank validate {source} checks it"
    field = first.field if len(problems) == 1 else None
    return [first._replace(message=said + after, field=field)]


def refused_file_questions(source: str) -> list[tuple[int, QuestionSpec]]:
    """The questions valid on their own in the bank file ``source``, which was refused as a whole."""
    from pathlib import Path

    from mockprep.core.bank_files import read_bank_bytes
    from mockprep.core.banks import BankError, valid_questions

    path = Path(source)
    if not path.is_file():
        return []
    try:
        return valid_questions(read_bank_bytes(path))
    except BankError:  # (too big, unreadable: its problem is said already)
        return []


def _placed(source: str, found: list[tuple[BankProblem, Location]]) -> list[BankProblem]:
    """The problems, each with the file's line of its location (the file read again only when there is
    something to say)."""
    if not found:
        return []
    from pathlib import Path

    from mockprep.core.toml_lines import key_lines, line_of

    try:
        text = Path(source).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    except OSError:
        return [problem for problem, _where in found]
    lines = key_lines(text)
    return [problem._replace(line=line_of(lines, where)) for problem, where in found]


def _failure(run: CodeRun) -> str:
    """The first reason a run did not pass, and the names of the other tests it failed, in one line."""
    if run.problem is not None:
        return run.problem
    first, *others = [o for o in run.outcomes if not o.passed]
    failed = [o.name for o in others if o.status is not TestStatus.NOT_RUN]
    not_run = len(others) - len(failed)
    notes = [f"also fails {', '.join(failed)}"] if failed else []
    notes += [f"{not_run} not run"] if not_run else []
    also = f" ({'; '.join(notes)})" if notes else ""
    return (
        f"{first.name}: {first.status.value}: {first.message.splitlines()[0] if first.message else ''}{also}"
    )
