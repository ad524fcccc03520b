"""A numeric answer's magnitude and unit (found by an exploratory tester: "14.75k" read as 14.75, "1280
MiB" not 1.25 GiB, "14750 ms" accepted for 14,750 users): a magnitude multiplies, a unit of the
question's kind converts, a unit of another kind is told and not marked correct."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.autograde import check_numeric, grade_numeric, readable_number
from mockprep.core.questions import QuestionSpec

MAGNITUDES = {
    "k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "mn": 1e6, "million": 1e6, "Million": 1e6,
    "bn": 1e9, "billion": 1e9, "B": 1e9, "T": 1e12, "trillion": 1e12, "lakh": 1e5, "crore": 1e7,
}  # fmt: skip
# (name, kind, size in the kind's base unit), independently of the table in core/units.py
UNITS = [
    ("ns", "time", 1e-9), ("µs", "time", 1e-6), ("ms", "time", 1e-3), ("milliseconds", "time", 1e-3),
    ("s", "time", 1), ("seconds", "time", 1), ("min", "time", 60), ("minutes", "time", 60),
    ("h", "time", 3600), ("hours", "time", 3600), ("days", "time", 86400), ("weeks", "time", 604800),
    ("bits", "info", 1), ("nats", "info", 1 / math.log(2)), ("bytes", "info", 8), ("B", "info", 8),
    ("KB", "info", 8e3), ("MB", "info", 8e6), ("GB", "info", 8e9), ("TB", "info", 8e12),
    ("KiB", "info", 8 * 2**10), ("MiB", "info", 8 * 2**20), ("GiB", "info", 8 * 2**30),
    ("%", "percent", 1), ("percentage points", "percent", 1), ("pp", "percent", 1),
]  # fmt: skip
NOUNS = ["users", "users per arm", "tokens", "billion parameters", "replicas", "$"]


def numeric(value: float, unit: str | None, tolerance: float | None = None) -> QuestionSpec:
    return QuestionSpec(
        id="q", prompt="How much?", answer="so much", key_points=["a", "b"], kind="numeric",
        value=value, tolerance=tolerance, unit=unit,
    )  # fmt: skip


amounts = st.decimals(min_value="0.01", max_value="999.99", places=2).map(float)


@given(amounts, st.sampled_from(sorted(MAGNITUDES)), st.sampled_from(["", " "]), st.sampled_from(NOUNS))
def test_a_magnitude_after_the_number_multiplies_it(x: float, word: str, space: str, unit: str) -> None:
    total = x * MAGNITUDES[word]
    expected = total / (1e9 if unit.startswith("billion") else 1)
    spec = numeric(expected, unit, tolerance=abs(expected) * 1e-9)
    for answer in (f"{x}{space}{word}", f"n = 16 * 0.25 / 0.01^2 ≈ {x}{space}{word} {unit}"):
        grade = grade_numeric(spec, answer)
        assert grade.correct and grade.unread is None, (answer, grade)
    if MAGNITUDES[word] != (1e9 if unit.startswith("billion") else 1):  # the magnitude made it right
        assert not grade_numeric(spec, str(x)).correct


@given(
    st.floats(min_value=1e-3, max_value=1e6),
    st.sampled_from(UNITS),
    st.sampled_from(UNITS),
    st.sampled_from(["", " "]),
)
def test_a_unit_of_the_same_kind_converts_and_another_kind_is_told(
    quantity: float, said: tuple[str, str, float], asked: tuple[str, str, float], space: str
) -> None:
    name, kind, size = said
    if name == "B" and asked[1] != "info":
        kind = asked[1]  # "B" is a billion where the question is not about bytes: not a unit of another kind
        size = 1e9 * asked[2]
    in_asked = quantity / asked[2]
    spec = numeric(in_asked, asked[0], tolerance=in_asked * 1e-6)
    answer = f"{quantity / size:.12g}{'' if name.isalpha() and len(name) > 3 else space}{name}"
    grade = grade_numeric(spec, answer)
    if kind == asked[1]:
        assert grade.correct and grade.unread is None, (answer, asked, grade)
        assert check_numeric(spec, answer) is None
    else:
        assert not grade.correct and grade.given is None, (answer, asked, grade)
        assert f"'{unicodedata.normalize('NFKC', name)}'" in grade.unread and asked[0] in grade.unread
        assert check_numeric(spec, answer) == grade.unread  # asked again at a terminal


@given(amounts, st.sampled_from([u for u in UNITS if u[1] != "percent"]), st.sampled_from(NOUNS[:-1]))
def test_a_unit_where_the_question_counts_things_is_not_accepted(
    x: float, said: tuple[str, str, float], noun: str
) -> None:
    spec = numeric(x, noun)
    grade = grade_numeric(spec, f"{x} {said[0]}")
    name = unicodedata.normalize("NFKC", said[0])  # (the micro sign µ is read as the Greek μ)
    if said[0] == "B":
        return  # a billion here (see test_a_magnitude_after_the_number_multiplies_it)
    assert not grade.correct and f"'{name}'" in grade.unread and noun in grade.unread
    assert grade_numeric(spec, f"{x} {noun}").correct and grade_numeric(spec, str(x)).correct


@given(st.decimals(min_value="0.01", max_value="1", places=2).map(float))
def test_percentage_points_under_one_are_not_read_as_a_proportion(x: float) -> None:
    assert grade_numeric(numeric(x, "percentage points"), f"{x}%").correct
    assert grade_numeric(numeric(x / 100, None), f"{x}%").correct  # no unit: a proportion, as before


def test_the_tester_s_answers_by_grade(cli, tmp_path: Path) -> None:
    bank = tmp_path / "n.toml"
    bank.write_text(
        'id = "n"\ntitle = "N"\nround = "technical"\ntopic = "stats"\n\n[[questions]]\nid = "arm"\n'
        'kind = "numeric"\nprompt = "How many users per arm?"\nvalue = 14750\ntolerance = 100\n'
        'unit = "users"\nanswer = "16 * 0.25 / 0.01^2 * 0.0922 = 14,750."\nkey_points = ["a", "b"]\n',
        encoding="utf-8",
    )
    assert cli("bank", "add", str(bank)).exit_code == 0
    for answer in ("14.75k", "14.75 thousand", "fourteen thousand seven hundred fifty", "14750"):
        out = " ".join(cli("grade", "n/arm", "--answer", answer).stdout.split())
        assert "✓ Correct" in out and f"read {readable_number(14750)}" in out, (answer, out)
        assert "Suggested rating: 3" in out
    out = " ".join(cli("grade", "n/arm", "--answer", "14750 ms").stdout.split())
    assert "✗ Not correct" in out and "'ms' is a time, not users" in out and "Suggested rating: 1" in out


@pytest.mark.parametrize(("answer", "correct"), [("1280 MiB", True), ("1.25 GB", False), ("1.25", True)])
def test_a_size_in_another_scale_converts(answer: str, correct: bool) -> None:
    grade = grade_numeric(numeric(1.25, "GiB", 0.01), answer)
    assert grade.correct is correct and (grade.given == "1.25" or "GiB)" in grade.given)
