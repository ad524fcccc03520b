"""Every code question of the shipped ml-coding bank: its reference solution passes all its tests and
each of its wrong solutions fails at least one (numpy questions are skipped, with the reason, where
numpy is not installed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from mockprep.core.banks import parse_bank
from mockprep.services.code_runner import CodeRunner

BANK = Path(__file__).parent.parent / "question_banks" / "technical" / "ml-coding.toml"
SPECS = {q.spec.id: q.spec for q in parse_bank(BANK.read_bytes(), str(BANK)).questions}


def test_the_bank_has_at_least_30_code_questions_each_with_a_wrong_solution() -> None:
    assert len(SPECS) >= 30
    for spec in SPECS.values():
        assert spec.kind == "code"
        assert spec.wrong_solutions, spec.id
        assert sum(not t.hidden for t in spec.tests) >= 2 and sum(t.hidden for t in spec.tests) >= 2, spec.id


@pytest.mark.parametrize("question_id", sorted(SPECS))
def test_reference_passes_and_every_wrong_solution_fails(question_id: str) -> None:
    spec = SPECS[question_id]
    for module in spec.requires or ():
        if importlib.util.find_spec(module) is None:
            pytest.skip(
                f"{question_id} needs {module}, which is not installed (pip install 'mockprep[numpy]')"
            )
    reference, *wrong = CodeRunner().run_programs(spec, [spec.solution, *spec.wrong_solutions])
    failing = [(o.name, o.status.value, o.message) for o in reference.outcomes if not o.passed]
    assert reference.all_passed, (reference.problem, failing)
    for number, run in enumerate(wrong, start=1):
        assert not run.all_passed, f"wrong solution {number} passes every test"
