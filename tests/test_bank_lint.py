"""bank validate's note on key points a question's own model answer does not cover agrees with the
grader a session uses (found by an exploratory tester: 'deviation from the mean' was noted as missing
by the word-only grader while `mockprep grade` ticked it by meaning, so the note's advice could not be
followed), and grading many model answers embeds their texts in batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.bank_files import load_banks
from mockprep.core.bank_lint import lint_bank
from mockprep.core.grading import Verdict, default_grader
from mockprep.core.keypoints import judge
from mockprep.paths import builtin_banks_dir

BANK = """id = "lint"
title = "L"
round = "technical"
topic = "stats"

[[questions]]
id = "a"
prompt = "What is variance?"
answer = "Expected squared deviation from the mean."
key_points = ["expected squared deviation", "deviation from the mean"]

[[questions]]
id = "b"
prompt = "Why is the sky blue?"
answer = "Rayleigh scattering sends short wavelengths sideways."
key_points = ["Rayleigh scattering", "clouds are white"]
"""


@pytest.fixture(scope="module")
def embedder():
    from mockprep.core.embedding import load_wordllama

    return load_wordllama()


def _covered(grader, spec) -> dict[int, str]:
    """Key point number -> verdict, of the points the grader does not find covered by the model answer."""
    points = grader.assess(spec, spec.answer).points
    return {n: p.verdict.value for n, p in enumerate(points, start=1) if p.verdict is not Verdict.COVERED}


def _noted(notes) -> set[tuple[str, int]]:
    return {(n.question, int(n.message.split()[2])) for n in notes if "is not covered" in n.message}


@pytest.mark.parametrize("with_meaning", [True, False])
def test_the_note_is_about_exactly_the_points_a_sessions_grader_leaves_unticked(
    embedder, with_meaning: bool, tmp_path: Path
) -> None:
    """Over the built-in banks and a small one: a note for a point iff the grader passed in (as a
    session's) does not cover it with the model answer, naming that grader."""
    path = tmp_path / "lint.toml"
    path.write_text(BANK, encoding="utf-8")
    banks, problems = load_banks([builtin_banks_dir(), path])
    assert not problems
    grader = default_grader(lambda: embedder) if with_meaning else default_grader()
    for bank in banks:
        _found, notes = lint_bank(bank, grader)
        expected = {
            (q.spec.id, n) for q in bank.questions if q.spec.kind == "open" for n in _covered(grader, q.spec)
        }
        assert _noted(notes) == expected, bank.id
        named = "key points and meaning" if with_meaning else "key points"
        assert all(
            f"a session's grader ({named}) finds it" in n.message for n in notes if "covered" in n.message
        )


def test_a_point_the_session_ticks_by_meaning_gets_no_note(cli, tmp_path: Path) -> None:
    path = tmp_path / "lint.toml"
    path.write_text(BANK, encoding="utf-8")
    assert cli("bank", "add", str(path)).exit_code == 0
    graded = cli("grade", "lint/a", "--answer", "Expected squared deviation from the mean.", "--json")
    assert [p["verdict"] for p in json.loads(graded.stdout)["key_points"]] == ["covered", "covered"]
    validated = cli("bank", "validate", str(path))
    stderr = " ".join(validated.stderr.split())
    assert validated.exit_code == 0
    assert "'deviation from the mean' is not covered" not in stderr  # the session ticks it
    assert "'clouds are white' is not covered" in stderr  # nothing ticks it
    # with the word-only grader chosen, the note and the session agree on that grader's verdict
    words = " ".join(cli("-c", "grader=words", "bank", "validate", str(path)).stderr.split())
    answer = "Expected squared deviation from the mean."
    graded = json.loads(cli("-c", "grader=words", "grade", "lint/a", "--answer", answer, "--json").stdout)
    verdict = graded["key_points"][1]["verdict"]
    said = "'deviation from the mean' is not covered by the question's own model answer"
    assert (said in words) is (verdict != "covered")
    assert all("a session's grader (key points) finds it" in line for line in [words] if said in words)


class _OneCallEach:
    """A meaning model that counts its calls and embeds nothing ahead (no warm)."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def similarities(self, left, right):
        self.calls += 1
        return self.inner.similarities(left, right)


def test_warming_many_answers_changes_no_verdict(embedder) -> None:
    banks, _problems = load_banks([builtin_banks_dir()])
    bank = max(banks, key=lambda b: len(b.questions))
    plain = _OneCallEach(embedder)
    assert lint_bank(bank, default_grader(lambda: embedder)) == lint_bank(bank, default_grader(lambda: plain))
    assert plain.calls >= len([q for q in bank.questions if q.spec.kind == "open"])


@given(st.sampled_from(["mean", "sum", "max", "min", "log"]))
def test_a_points_own_word_that_names_an_operator_still_counts_by_words(operator: str) -> None:
    """The word-only grader took 'mean', the one word of 'deviation from the mean' no other key point
    has, for a formula's operator said alone, so the model answer left the point missing."""
    points = ["expected squared deviation", f"deviation from the {operator}"]
    judged = judge(points, f"Expected squared deviation from the {operator}.", prompt="What is variance?")
    assert [j.verdict for j in judged] == ["covered", "covered"]
