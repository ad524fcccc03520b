"""Reading auto-graded answers: the letter of a choice, the number of a numeric question. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockprep.core.banks import QuestionSpec

_LETTER = re.compile(r"^\W*([a-h])\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"[-+]?(?:\d+(?:[.,]\d+)*(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?(?:\s*/\s*[-+]?\d+(?:\.\d+)?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AutoGrade:
    """The verdict on an auto-graded answer: what was read from it and what was expected."""

    correct: bool
    given: str | None
    expected: str


def choice_letter(index: int) -> str:
    return "abcdefgh"[index]


def parse_number(text: str) -> float | None:
    """The first number in ``text``: ``0.25``, ``-3e-2``, ``1,000`` or a fraction such as ``35/12``."""
    match = _NUMBER.search(text)
    if not match:
        return None
    token = match.group().replace(" ", "")
    try:
        if "/" in token:
            num, den = token.split("/")
            return float(Fraction(num.replace(",", "")) / Fraction(den))
        return float(token.replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None


def grade_choice(spec: QuestionSpec, answer: str) -> AutoGrade:
    assert spec.correct is not None and spec.choices is not None
    match = _LETTER.match(answer.strip())
    given = match.group(1).lower() if match else None
    expected = f"{spec.correct}) {spec.choices[ord(spec.correct) - ord('a')]}"
    return AutoGrade(given == spec.correct, given, expected)


def grade_numeric(spec: QuestionSpec, answer: str) -> AutoGrade:
    assert spec.value is not None
    value = parse_number(answer)
    tolerance = spec.tolerance if spec.tolerance is not None else 0.0
    # A hair of slack so that "0.1" matches 0.1 despite binary floating point.
    slack = tolerance + 1e-9 * max(1.0, abs(spec.value))
    correct = value is not None and abs(value - spec.value) <= slack
    unit = f" {spec.unit}" if spec.unit else ""
    expected = f"{spec.value:g}{unit}" + (f" (± {tolerance:g})" if tolerance else "")
    return AutoGrade(correct, None if value is None else f"{value:g}", expected)
