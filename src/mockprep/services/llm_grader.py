"""A language model behind the grading seam, as a mock interviewer, and as a story coach.

:class:`ModelGrader` is a :class:`~mockprep.core.grading.Grader`: it grades offline at once and asks
the model on a background thread, so the offline assessment comes back straight away with the model's
work pending; the practice pipeline collects it after the person has read the model answer. When the
model gives no usable verdict, the offline assessment stands, with one line saying why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING

from mockprep.core.grading import Assessment
from mockprep.core.kinds import kind_of
from mockprep.core.llm_grading import ModelReplyError, grading_request, model_assessment, parse_grading
from mockprep.core.llm_interviewer import (
    FollowUp,
    StoryFeedback,
    follow_up_request,
    parse_follow_up,
    parse_story_feedback,
    story_request,
)
from mockprep.core.settings import Strictness
from mockprep.services.models import ChatModel, ModelCall

if TYPE_CHECKING:
    from mockprep.core.grading import Grader
    from mockprep.core.questions import QuestionSpec
    from mockprep.core.stories import StoryDraft
    from mockprep.core.story_check import StoryCheck

Clock = Callable[[], float]


def no_verdict(model: str, why: str, what: str = "the offline grader's ticks stand") -> str:
    """The one line a person sees when a model gave nothing usable."""
    return f"{model} gave no verdict ({why}); {what}."


class PendingGrade:
    """A model grading one answer; :meth:`result` is the model's assessment or the offline one."""

    def __init__(
        self, call: ModelCall, offline: Assessment, key_points: list[str], answer: str, overtime: bool
    ):
        self.model = call.model_id
        self._call = call
        self._offline = offline
        self._key_points = key_points
        self._answer = answer
        self._overtime = overtime
        self._result: Assessment | None = None
        self._lock = threading.Lock()

    def done(self) -> bool:
        return self._result is not None or self._call.done()

    def left(self) -> float:
        return 0.0 if self._result is not None else self._call.left()

    def result(self) -> Assessment:
        with self._lock:
            if self._result is None:
                self._result = self._settle()
            return self._result

    def _settle(self) -> Assessment:
        try:
            grading = parse_grading(self._call.text(), self._key_points, self._answer)
        except ModelReplyError as exc:
            note = no_verdict(self.model, str(exc))
            return replace(self._offline, note=note, pending=None, model_failure=(self.model, str(exc)))
        seconds = self._call.seconds or 0.0
        return model_assessment(self._offline, grading, self.model, seconds, self._overtime)


class ModelGrader:
    """The offline grader's assessment at once, and a model's verdict while the person reads on."""

    def __init__(
        self,
        offline: Grader,
        model: ChatModel,
        strictness: Strictness = Strictness.NORMAL,
        timeout: float = 30.0,
        clock: Clock | None = None,
    ):
        self.offline = offline
        self.model = model
        self.strictness = strictness
        self.timeout = timeout
        self._clock = clock
        self.name = f"{offline.name} + {model.model_id}"

    def prepare(self) -> None:
        prepare = getattr(self.offline, "prepare", None)
        if prepare is not None:
            prepare()

    def watched(self, progress: Callable[[int | None], None]) -> AbstractContextManager[None]:
        """The offline grader's (a code run's progress), or nothing to watch."""
        return getattr(self.offline, "watched", lambda _progress: nullcontext())(progress)

    def call(self, request: object) -> ModelCall:
        if self._clock is None:
            return ModelCall(self.model, request, self.timeout)  # type: ignore[arg-type]
        return ModelCall(self.model, request, self.timeout, self._clock)  # type: ignore[arg-type]

    def assess(self, spec: QuestionSpec, answer: str, overtime: bool = False) -> Assessment:
        offline = self.offline.assess(spec, answer, overtime)
        # Auto-graded kinds are marked exactly already, and a blank answer has nothing to send.
        if kind_of(spec).auto_grade is not None or not answer.strip() or not offline.points:
            return offline
        call = self.call(grading_request(spec, answer, self.strictness))
        return replace(offline, pending=PendingGrade(call, offline, list(spec.key_points), answer, overtime))


class PendingFollowUp:
    """A model writing a follow-up question; :meth:`result` is it, or None with :attr:`note` saying why."""

    def __init__(self, call: ModelCall):
        self.model = call.model_id
        self._call = call
        self.note: str | None = None

    def done(self) -> bool:
        return self._call.done()

    def left(self) -> float:
        return self._call.left()

    def result(self) -> FollowUp | None:
        try:
            return parse_follow_up(self._call.text())
        except ModelReplyError as exc:
            self.note = f"{self.model} wrote no follow-up ({exc}); the bank's is asked instead."
            return None


class ModelInterviewer:
    """Follow-up questions written by a model from what the person said."""

    def __init__(self, grader: ModelGrader):
        self._grader = grader
        self.model = grader.model.model_id

    def start(self, spec: QuestionSpec, answer: str) -> PendingFollowUp:
        return PendingFollowUp(self._grader.call(follow_up_request(spec, answer)))


def story_feedback(
    model: ChatModel, draft: StoryDraft, check: StoryCheck, timeout: float
) -> tuple[StoryFeedback, float]:
    """A model's feedback on a story against the rubric, and the seconds it took; raise
    ModelReplyError when there is none (no reply within ``timeout``, or an unusable one)."""
    call = ModelCall(model, story_request(draft, check), timeout)
    feedback = parse_story_feedback(call.text())
    return feedback, call.seconds or 0.0
