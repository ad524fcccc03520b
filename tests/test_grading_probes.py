"""An independent reviewer's probe answers (tests/data/grading_probes, see its README.txt).

Correct answers must have no key point contradicted: a false "contradicted" costs a correct answer its
rating, so a check that cannot meet this is removed rather than tuned. Wrong answers are caught where
the grader can (a floor, not a goal tuned to these phrasings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "grading_probes"


@pytest.fixture(scope="module")
def grade():
    from benchmarks.grading import builtin_specs
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    specs = builtin_specs()
    by_short = {key.rsplit("/", 1)[-1]: key for key in specs}
    return lambda key, answer: grader.assess(specs[by_short.get(key, key)], answer)


def _probes(name: str) -> list[tuple[str, str]]:
    return [(key, answer) for key, answer in json.loads((DATA / name).read_text(encoding="utf-8"))]


@pytest.mark.parametrize("name", ["fp1.json", "fp2.json", "bank.json", "extra.json"])
def test_no_point_of_a_correct_probe_answer_is_contradicted(grade, name: str) -> None:
    flagged = [
        (key, verdict.point, verdict.evidence)
        for key, answer in _probes(name)
        for verdict in grade(key, answer).points
        if verdict.verdict.value == "contradicted"
    ]
    assert flagged == []


def test_the_behavioural_model_answers_of_the_original_bank_are_suggested_easy(grade) -> None:
    for key, answer in _probes("bank.json"):
        assessment = grade(key, answer)
        assert assessment.suggested == 4, (key, [v.verdict.value for v in assessment.points])


def test_wrong_probe_answers_are_not_suggested_easy(grade) -> None:
    suggested = [grade(key, answer).suggested for key, answer in _probes("wrong.json")]
    # 7 of 14 suggested hard or worse today (missing points, one contradicted); 3 still look easy:
    # the offline grader cannot see a changed formula (the formula check was removed, see README).
    # (8 until numbers in words were read as numbers: "I asked for two GPUs" now reads as "2 GPUs"
    # always did, a number, which stands in for the "quantified outcome" point.)
    assert sum(s <= 2 for s in suggested) >= 7
    assert sum(s == 4 for s in suggested) <= 3


def test_correct_answers_written_after_the_misconceptions_are_rarely_contradicted(grade) -> None:
    """correct_c.json: 160 correct answers the grader was never tuned on. Measured 2026-12-05: 4 points
    contradicted by a misconception and 10 by the older checks (14 of 864 key points); 2 by a
    misconception once connectives stopped counting as a misconception's own words (written after
    reading these flags); 6 in all (4 by the older checks) once a misattribution needed the reference
    to describe the entity and a number stated as its value, numbers stopped being a prompt's
    entities, a reversal counted the reference's negation and a negation both sides apply stopped
    counting (after reading these flags and one met in a session). A ceiling, so that a change that
    flags more correct answers is seen."""
    flagged = [
        verdict.reason or ""
        for key, answer in _probes("correct_c.json")
        for verdict in grade(key, answer).points
        if verdict.verdict.value == "contradicted"
    ]
    by_misconception = [reason for reason in flagged if "misconception" in reason]
    assert len(by_misconception) <= 2 and len(flagged) <= 6


def test_correct_answers_to_questions_that_compare_things_are_rarely_contradicted(grade) -> None:
    """correct_d.json: 80 correct answers to 40 questions with entities set side by side. Measured
    2026-12-05: 4 points of 4 answers contradicted, 2 once a reversal counted the reference's own
    negation and "with no" read as "without" (rules written after reading those flags). A ceiling."""
    flagged = [
        (key, verdict.point)
        for key, answer in _probes("correct_d.json")
        for verdict in grade(key, answer).points
        if verdict.verdict.value == "contradicted"
    ]
    assert len(flagged) <= 2, flagged


def test_answers_that_swap_two_compared_things_are_sometimes_caught(grade) -> None:
    """swaps_d.json: 17 answers that give one compared thing's property to another. A floor, not a goal
    tuned to these phrasings: 5 had a point contradicted on 2026-12-05, each one it was labelled with."""
    swaps = json.loads((DATA / "swaps_d.json").read_text(encoding="utf-8"))
    caught = 0
    for key, answer, contradicted in swaps:
        flagged = {v.point for v in grade(key, answer).points if v.verdict.value == "contradicted"}
        caught += bool(flagged & set(contradicted))
    assert caught >= 5


def test_the_hold_out_of_correct_and_wrong_answers_keeps_its_measured_rates(grade) -> None:
    """correct_e.json / wrong_e.json, never used to change the grader. Measured 2026-12-05: 10 points
    of 9 of the 80 correct answers contradicted (one answer in nine capped at hard by a false flag);
    11 of the 40 wrong answers have a point they contradict found, 13 of their 102 such points (12 since
    "says" stopped counting as a word a misconception adds: it was all that one true catch and one false
    flag of an independent tester's correct answer shared with their misconceptions). A ceiling and a
    floor, so that a change is seen either way."""
    flagged = [
        (number, verdict.point)
        for number, (key, answer) in enumerate(_probes("correct_e.json"))
        for verdict in grade(key, answer).points
        if verdict.verdict.value == "contradicted"
    ]
    assert len(flagged) <= 10 and len({number for number, _point in flagged}) <= 9, flagged
    caught = found = 0
    for key, answer, contradicted in json.loads((DATA / "wrong_e.json").read_text(encoding="utf-8")):
        flagged_points = {v.point for v in grade(key, answer).points if v.verdict.value == "contradicted"}
        caught += bool(flagged_points & set(contradicted))
        found += len(flagged_points & set(contradicted))
    assert caught >= 11 and found >= 12


def test_an_independent_testers_rated_answers_keep_their_agreement(grade) -> None:
    """rated_f.json: 88 answers rated by an independent tester (see README.txt). Measured 2026-12-05
    after the fixes it led to: exact 64, within one 86 (before them: 57 and 83 of 88); a bare keyword
    list is never suggested easy (one was); one of the 23 fluent but wrong answers is suggested good
    (a LoRA answer whose wrong claims no check knows), none easy."""
    data = json.loads((DATA / "rated_f.json").read_text(encoding="utf-8"))["answers"]
    rated = [(kind, label, grade(key, answer).suggested) for key, kind, label, answer in data]
    assert sum(label == got for _k, label, got in rated) >= 64
    assert sum(abs(label - got) <= 1 for _k, label, got in rated) >= 85
    assert all(got <= 3 for kind, _l, got in rated if kind == "K")
    wrong = [got for kind, _l, got in rated if kind == "W"]
    assert max(wrong) <= 3 and wrong.count(3) <= 1
