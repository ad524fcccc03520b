"""The grading seam: a grader takes a question and an answer and returns an :class:`Assessment`.

An assessment holds a verdict per key point (with the part of the answer that supports it), the
auto-grade of kinds that have one, and the rating mockprep suggests. Sessions and mocks only ever call
:meth:`Grader.assess`; a new grader (semantic, LLM, code runner) implements that and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from mockprep.core.kinds import kind_of

if TYPE_CHECKING:
    from mockprep.core.autograde import AutoGrade
    from mockprep.core.code_results import CodeRun
    from mockprep.core.contradictions import Reference
    from mockprep.core.embedding import Embedder
    from mockprep.core.misconceptions import Misconceptions
    from mockprep.core.questions import QuestionSpec


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
    reason: str | None = None  # one line saying why (a model's graders give one)

    @property
    def covered(self) -> bool:
        return self.verdict is Verdict.COVERED


@dataclass(frozen=True)
class Assessment:
    """What a grader concluded about one answer."""

    points: tuple[PointVerdict, ...]  # empty when the kind is auto-graded instead
    auto: AutoGrade | None
    suggested: int | None  # 1 again .. 4 easy; None when there is nothing to judge (a blank answer)
    grader: str
    note: str | None = None  # one line the person should see once (e.g. a fallback)
    code: CodeRun | None = None  # a code answer's run against the question's tests
    errors: tuple[str, ...] = ()  # factual errors in the answer, one line each (a model names them)
    model: str | None = None  # the language model whose verdict this is (None: the offline grader's)
    model_failure: tuple[str, str] | None = None  # a model asked that gave no verdict, and why
    seconds: float | None = None  # how long the model took
    offline: Assessment | None = None  # the offline grader's own assessment, when a model's replaced it
    ceiling: int | None = None  # the highest rating to suggest whatever the checklist (a bare term list: 2)
    set_aside: int = 0  # key points a model called covered without a real quote: the offline verdict stands
    # A grader still at work (a model, off the main thread) hands over the final assessment here.
    pending: PendingAssessment | None = field(default=None, compare=False, repr=False)

    @property
    def coverage(self) -> list[bool] | None:
        """The stored form: one flag per key point, or None for auto-graded and code answers."""
        if self.auto is not None or not self.points:
            return None
        return [p.covered for p in self.points]

    @property
    def proposed(self) -> list[str] | None:
        """The verdict per key point, as stored (None for auto-graded answers)."""
        return [p.verdict.value for p in self.points] or None


TESTS = "tests"  # the grader name of an assessment made by running code
NOT_RUN = "not run"  # a code answer that could not be run (no runner, or a requirement missing)


def code_assessment(run: CodeRun, overtime: bool) -> Assessment:
    """The assessment of a code answer: its run, and the rating the tests and the time suggest."""
    from mockprep.core.code_results import code_rating

    return Assessment((), None, code_rating(run, overtime), TESTS, code=run)


def not_run(note: str) -> Assessment:
    """A code answer that was not run: nothing is suggested, the person rates it against the solution."""
    return Assessment((), None, None, NOT_RUN, note)


class PendingAssessment(Protocol):
    """The rest of a grader's work, running while the person reads the model answer."""

    model: str  # who is working on it

    def done(self) -> bool: ...

    def left(self) -> float:
        """Seconds :meth:`result` may still wait."""

    def result(self) -> Assessment:
        """The final assessment; it waits no longer than the grader's timeout, and falls back to the
        assessment it refines (with a one-line note saying why) when the work fails."""


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


# What each verdict counts towards the share of an answer's key points.
CREDIT = {Verdict.COVERED: 1.0, Verdict.PARTLY: 0.5, Verdict.MISSING: 0.0, Verdict.CONTRADICTED: -0.5}


def rating_from_checklist(verdicts: list[Verdict], overtime: bool, ceiling: int | None = None) -> int:
    """The suggested rating for a (confirmed) checklist: the share of key points covered, a partly
    covered one counting half and a contradicted one against (one caps it at hard, two make it
    again); over time costs a step from easy or good; never above ``ceiling`` (the assessment's: a
    bare list of terms stays hard at most, however it is ticked)."""
    if not verdicts:
        return 1
    if ceiling is not None:
        return min(rating_from_checklist(verdicts, overtime), ceiling)
    share = sum(CREDIT[v] for v in verdicts) / len(verdicts)
    contradicted = sum(v is Verdict.CONTRADICTED for v in verdicts)
    if share >= 0.8 and not contradicted:
        rating = 4
    elif share >= 0.6:
        rating = 3
    elif share > 0.25 or (share >= 0.2 and not contradicted):  # one point of five, nothing wrong: hard
        rating = 2
    else:
        rating = 1
    if contradicted:
        rating = min(rating, 2 if contradicted == 1 else 1)  # two points stated wrongly: again
    if overtime and rating >= 3:
        rating -= 1
    return rating


CANNOT_RUN = "This grader does not run code: compare your answer with the reference solution."


class LexicalGrader:
    """Auto-grades choice and numeric answers; judges open ones by fuzzy word matching of key points."""

    name = "lexical"

    def assess(self, spec: QuestionSpec, answer: str, overtime: bool = False) -> Assessment:
        if kind_of(spec).runs_code:
            return not_run(CANNOT_RUN)
        auto_grade = kind_of(spec).auto_grade
        if auto_grade is not None:
            grade = auto_grade(spec, answer)
            return Assessment((), grade, 3 if grade.correct else 1, self.name)
        from mockprep.core.matching import match_key_points

        matches = match_key_points(list(spec.key_points), answer)
        points = tuple(
            PointVerdict(point, Verdict.COVERED if m.covered else Verdict.MISSING, m.evidence)
            for point, m in zip(spec.key_points, matches, strict=True)
        )
        suggested = suggest_rating([p.covered for p in points], overtime)
        return Assessment(points, None, suggested, self.name)


@lru_cache(maxsize=64)
def _misconceptions(
    model_answer: str, key_points: tuple[str, ...], prompt: str, listed: tuple[str, ...]
) -> Misconceptions:
    """A question's misconceptions beside what its model answer asserts and its key points (built once)."""
    from mockprep.core.contradictions import asserted
    from mockprep.core.keypoints import sentences
    from mockprep.core.misconceptions import Misconceptions

    return Misconceptions(listed, sentences(asserted(model_answer)) + list(key_points), prompt)


def misconceptions_of(spec: QuestionSpec) -> Misconceptions:
    """The misconceptions of a question the grader looks for (built once per question)."""
    return _misconceptions(spec.answer, tuple(spec.key_points), spec.prompt, tuple(spec.misconceptions))


@lru_cache(maxsize=64)
def _reference(model_answer: str, key_points: tuple[str, ...], prompt: str = "") -> Reference:
    """What a question's model answer and key points attach to each of its entities (built once), from
    what the model answer asserts (:func:`~mockprep.core.contradictions.asserted`)."""
    from mockprep.core.contradictions import Reference, asserted
    from mockprep.core.keypoints import sentences

    return Reference(sentences(asserted(model_answer)), list(key_points), prompt)


class KeyPointGrader:
    """Judges key points by words (symbol- and morphology-aware), meaning (a small embedding model,
    when it has loaded) and statements of the opposite; auto-grades choice and numeric answers."""

    name = "key points"

    def __init__(
        self,
        embedder: Callable[[], Embedder | None] | None = None,
        prepare: Callable[[], object] | None = None,
    ):
        self._embedder = embedder
        self._prepare = prepare
        self._fallback_said = False

    def prepare(self) -> None:
        """Start loading what grading needs (called when a question is shown, off the start-up path)."""
        if self._prepare is not None:
            self._prepare()

    def warm(self, answers: list[tuple[QuestionSpec, str]]) -> None:
        """Have the meaning model embed what grading these answers needs in one batch (a few hundred at
        a time: ``bank validate`` grades every model answer; one call each costs the most)."""
        from mockprep.core.keypoints import meaning_texts

        embedder = self._embedder() if self._embedder is not None else None
        warm = getattr(embedder, "warm", None)
        if warm is not None:
            warm([text for spec, answer in answers for text in meaning_texts(list(spec.key_points), answer)])

    def assess(self, spec: QuestionSpec, answer: str, overtime: bool = False) -> Assessment:
        from mockprep.core.keypoints import judge

        if kind_of(spec).runs_code:
            return not_run(CANNOT_RUN)
        auto_grade = kind_of(spec).auto_grade
        if auto_grade is not None:
            grade = auto_grade(spec, answer)
            return Assessment((), grade, 3 if grade.correct else 1, self.name)
        if not answer.strip():  # answered aloud: nothing to judge, nothing pre-selected
            points = tuple(PointVerdict(p, Verdict.MISSING) for p in spec.key_points)
            return Assessment(points, None, None, self.name)
        embedder = self._embedder() if self._embedder is not None else None
        note = None
        if self._embedder is not None and embedder is None and not self._fallback_said:
            self._fallback_said = True
            note = "The meaning model is not available, so key points are matched by words only."
        judged = judge(
            list(spec.key_points),
            answer,
            embedder,
            _reference(spec.answer, tuple(spec.key_points), spec.prompt),
            spec.prompt,
            misconceptions_of(spec) if spec.misconceptions else None,  # none listed: nothing to build
        )
        points = tuple(
            PointVerdict(point, Verdict(j.verdict), j.evidence, j.reason)
            for point, j in zip(spec.key_points, judged, strict=True)
        )
        suggested = rating_from_checklist([p.verdict for p in points], overtime)
        ceiling = None
        if names_terms_only(answer, spec.prompt):  # (said even when the points alone suggest less: it is why)
            ceiling = 2
            suggested = min(suggested, ceiling)
            note = f"{note} {TERMS_ONLY}" if note else TERMS_ONLY
        grader = self.name + (" and meaning" if embedder else "")
        return Assessment(points, None, suggested, grader, note, ceiling=ceiling)


TERMS_ONLY = (
    "This answer names terms without saying how they connect, so it is suggested hard at most: "
    "an interviewer would ask what each one does and why."
)
# An answer's items: what commas, semicolons, line breaks, sentence ends and bullet marks separate.
_ITEMS = re.compile(r"[,;\n]|(?<=[.!?:])\s+|^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
_RELATION = re.compile(r"[=<>→⇒≈≤≥]|->|\bvs\.?\b|\bversus\b")  # a relation stated, however tersely
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)  # "1. Compute the batch mean": steps, in order
_ASKS_FOR_NAMES = re.compile(r"\b(?:name|list|enumerate)\b", re.IGNORECASE)  # "Name the inductive biases"


def names_terms_only(answer: str, prompt: str = "") -> bool:
    """Whether an answer is a bare list of terms ("momentum, RMSprop, bias correction, ..."): six items
    or more, three in four of them three words or fewer with no relation written between them
    ("low temp = sharper" states one), and at most one item of six words or more; not numbered steps,
    and not for a ``prompt`` that asks to name or list things. Word and meaning matching credit such a
    list with every point it names; what it says about them is nothing. (Checked on every labelled
    correct answer and every built-in model answer: none is read as one.)"""
    items = [item for item in _ITEMS.split(answer) if item and _WORD.search(item)]
    if len(items) < 6 or _ASKS_FOR_NAMES.search(prompt) or len(_NUMBERED.findall(answer)) >= 3:
        return False
    bare = sum(len(_WORD.findall(item)) <= 3 and not _RELATION.search(item) for item in items)
    sentences = sum(len(_WORD.findall(item)) >= 6 for item in items)
    return bare >= 0.75 * len(items) and sentences <= 1


def default_grader(
    embedder: Callable[[], Embedder | None] | None = None, prepare: Callable[[], object] | None = None
) -> Grader:
    """The offline grader; ``embedder`` gives the meaning model when it is ready (None: words only),
    and ``prepare`` starts loading it."""
    return KeyPointGrader(embedder, prepare)
