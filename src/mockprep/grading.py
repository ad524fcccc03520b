"""Auto-grading of choice and numeric answers. Pure: a function of the question and the answer text."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from fractions import Fraction

from mockprep.banks import QuestionSpec

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


def auto_grade(spec: QuestionSpec, answer: str) -> AutoGrade | None:
    """Grade a choice or numeric answer; None for open questions."""
    if spec.kind == "choice":
        assert spec.correct is not None and spec.choices is not None
        match = _LETTER.match(answer.strip())
        given = match.group(1).lower() if match else None
        expected = f"{spec.correct}) {spec.choices[ord(spec.correct) - ord('a')]}"
        return AutoGrade(given == spec.correct, given, expected)
    if spec.kind == "numeric":
        assert spec.value is not None
        value = parse_number(answer)
        tolerance = spec.tolerance if spec.tolerance is not None else 0.0
        # A hair of slack so that "0.1" matches 0.1 despite binary floating point.
        slack = tolerance + 1e-9 * max(1.0, abs(spec.value))
        correct = value is not None and abs(value - spec.value) <= slack
        unit = f" {spec.unit}" if spec.unit else ""
        expected = f"{spec.value:g}{unit}" + (f" (± {tolerance:g})" if tolerance else "")
        return AutoGrade(correct, None if value is None else f"{value:g}", expected)
    return None


# -- key-point coverage of free-text answers ------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from has have how if in into is it its of on or so than "
    "that the their then there these this those to was were what when which while who why will with "
    "you your i we our not no".split()
)
WORD_MATCH = 0.8  # difflib ratio at which two words count as the same (tolerates typos and endings)
POINT_COVERED = 0.6  # share of a key point's content words that must appear in the answer


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1]


def key_point_coverage(key_points: list[str], answer: str) -> list[bool]:
    """For each key point, whether the answer covers it: most of its content words appear, fuzzily.

    Fuzzy word matching (difflib's ratio, which answers of a few hundred words afford easily) tolerates
    typos and word endings ("varaince", "increases"/"increase"); synonyms are left to the person.
    """
    answer_words = set(content_words(answer))
    if not answer_words:
        return [False] * len(key_points)
    pool = sorted(answer_words)
    found: dict[str, bool] = {}

    def present(word: str) -> bool:
        if word not in found:
            found[word] = word in answer_words or bool(
                difflib.get_close_matches(word, pool, n=1, cutoff=WORD_MATCH)
            )
        return found[word]

    covered = []
    for point in key_points:
        words = content_words(point)
        hits = sum(present(w) for w in words)
        covered.append(bool(words) and hits / len(words) >= POINT_COVERED)
    return covered


def suggest_rating(coverage: list[bool], overtime: bool) -> int:
    """A rating (1-4) from key-point coverage and time: what the person confirms or overrides."""
    share = sum(coverage) / len(coverage) if coverage else 0.0
    if share >= 0.9 and not overtime:
        return 4
    if share >= 0.6:
        return 3 if not overtime else 2
    if share >= 0.3:
        return 2
    return 1
