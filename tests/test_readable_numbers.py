"""Numbers shown at a numeric question's reveal and in question show: in full, with separators, never
in the exponent form a whole number of millions took ("expected 4.1943e+06" for 4,194,304)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.autograde import grade_numeric, readable_number
from mockprep.core.questions import QuestionSpec


@given(st.integers(-(10**15) + 1, 10**15 - 1))
def test_a_whole_number_is_shown_in_full_with_separators(n: int) -> None:
    shown = readable_number(float(n))
    assert "e" not in shown and shown.replace(",", "") == str(n)
    assert all(len(group) == 3 for group in shown.lstrip("-").split(",")[1:])


@given(st.floats(1e-4, 1e15, exclude_max=True) | st.floats(-1e15, -1e-4, exclude_min=True))
def test_other_values_are_shown_without_an_exponent_and_read_back(value: float) -> None:
    shown = readable_number(value)
    assert "e" not in shown
    assert math.isclose(float(shown.replace(",", "")), value, rel_tol=1e-11)


def test_the_reveal_of_a_numeric_question_says_the_value_in_full() -> None:
    """Found by an exploratory tester: a numeric reveal said "expected 4.1943e+06" for 4,194,304."""
    spec = QuestionSpec(
        id="kv",
        prompt="How many bytes?",
        answer="4,194,304.",
        key_points=["2^22"],
        kind="numeric",
        value=4194304.0,
        unit="bytes",
    )
    grade = grade_numeric(spec, "4194304")
    assert grade.correct and grade.given == "4,194,304" and grade.expected.startswith("4,194,304 bytes")
