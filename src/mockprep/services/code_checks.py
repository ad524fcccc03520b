"""`bank validate` for code questions: each reference solution must pass every test, and each wrong
solution must fail at least one (else the tests would not catch that mistake). A question whose
requirements are missing here is skipped with a note naming what to install."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mockprep.core.banks import Bank, BankProblem
from mockprep.core.code_format import missing_text
from mockprep.core.kinds import kind_of

if TYPE_CHECKING:
    from mockprep.core.code_results import CodeRun
    from mockprep.services.code_runner import CodeRunner


def check_code_bank(
    bank: Bank, runner: CodeRunner, progress: Callable[[str], None] | None = None
) -> tuple[list[BankProblem], list[BankProblem]]:
    """``(problems, notes)`` of running the code questions of ``bank``; ``progress`` hears each id."""
    problems: list[BankProblem] = []
    notes: list[BankProblem] = []
    for question in bank.questions:
        spec = question.spec
        if not kind_of(spec).runs_code or spec.solution is None:
            continue
        missing = runner.missing(spec)
        if missing:
            notes.append(BankProblem(bank.source, f"not run: {missing_text(missing)}", spec.id))
            continue
        if progress is not None:
            progress(spec.id)
        wrong = list(spec.wrong_solutions or ())
        reference, *others = runner.run_programs(spec, [spec.solution, *wrong])
        if not reference.all_passed:
            problems.append(
                BankProblem(bank.source, f"the reference solution fails: {_failure(reference)}", spec.id)
            )
        for number, run in enumerate(others, start=1):
            if run.all_passed:
                problems.append(
                    BankProblem(
                        bank.source,
                        f"wrong solution {number} passes every test: the tests do not catch it",
                        spec.id,
                        "wrong_solutions",
                    )
                )
    return problems, notes


def _failure(run: CodeRun) -> str:
    """The first reason a run did not pass, in one line."""
    if run.problem is not None:
        return run.problem
    first = next(o for o in run.outcomes if not o.passed)
    more = run.total - run.passed - 1
    also = f" (and {more} more)" if more > 0 else ""
    return (
        f"{first.name}: {first.status.value}: {first.message.splitlines()[0] if first.message else ''}{also}"
    )
