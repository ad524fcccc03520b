"""The grading seam: a grader takes a question and an answer and returns an :class:`Assessment`.

An assessment holds a verdict per key point (with the part of the answer that supports it), the
auto-grade of kinds that have one, and the rating mockprep suggests. Sessions and mocks only ever call
:meth:`Grader.assess`; a new grader (semantic, LLM, code runner) implements that and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from mockprep.core.autograde import AutoGrade
from mockprep.core.kinds import kind_of
from mockprep.core.matching import match_key_points

if TYPE_CHECKING:
    from mockprep.core.banks import QuestionSpec


class Verdict(StrEnum):
    COVERED = "covered"
    PARTLY = "partly"
    MISSING = "missing"
    CONTRADICTED = "contradicted"


@dataclass(frozen=True)
class PointVerdict:
    point: str
    verdict: Verdict
    evidence: str | None = None  # the sentence of the answer that the verdict rests on

    @property
    def covered(self) -> bool:
        return self.verdict is Verdict.COVERED


@dataclass(frozen=True)
class Assessment:
    """What a grader concluded about one answer."""

    points: tuple[PointVerdict, ...]  # empty when the kind is auto-graded instead
    auto: AutoGrade | None
    suggested: int  # 1 again .. 4 easy
    grader: str

    @property
    def coverage(self) -> list[bool] | None:
        """The stored form: one flag per key point, or None for auto-graded answers."""
        return None if self.auto is not None else [p.covered for p in self.points]


class Grader(Protocol):
    name: str

    def assess(self, spec: QuestionSpec, answer: str, overtime: bool = False) -> Assessment: ...


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


class LexicalGrader:
    """Auto-grades choice and numeric answers; judges open ones by fuzzy word matching of key points."""

    name = "lexical"

    def assess(self, spec: QuestionSpec, answer: str, overtime: bool = False) -> Assessment:
        auto_grade = kind_of(spec).auto_grade
        if auto_grade is not None:
            grade = auto_grade(spec, answer)
            return Assessment((), grade, 3 if grade.correct else 1, self.name)
        matches = match_key_points(list(spec.key_points), answer)
        points = tuple(
            PointVerdict(point, Verdict.COVERED if m.covered else Verdict.MISSING, m.evidence)
            for point, m in zip(spec.key_points, matches, strict=True)
        )
        suggested = suggest_rating([p.covered for p in points], overtime)
        return Assessment(points, None, suggested, self.name)


def default_grader() -> Grader:
    return LexicalGrader()
