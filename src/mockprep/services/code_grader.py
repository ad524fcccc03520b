"""The grader that runs the answers of code questions against their tests; every other kind goes to
the grader it wraps. The command layer plugs it in where it builds the grader."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from mockprep.core.code_format import missing_text, strip_fences
from mockprep.core.code_results import CodeRun
from mockprep.core.grading import Assessment, code_assessment, not_run
from mockprep.core.kinds import kind_of
from mockprep.services.code_runner import CodeRunner, RunnerUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mockprep.core.grading import Grader
    from mockprep.core.questions import QuestionSpec


class CodeGrader:
    """:class:`~mockprep.core.grading.Grader` for every kind: code answers are run, the rest are
    assessed by ``fallback``."""

    def __init__(self, fallback: Grader, runner: CodeRunner):
        self.fallback = fallback
        self.runner = runner
        self.name = fallback.name

    def prepare(self) -> None:
        prepare = getattr(self.fallback, "prepare", None)
        if prepare is not None:
            prepare()

    @contextmanager
    def watched(self, progress: Callable[[int | None], None]) -> Iterator[None]:
        """While it lasts, ``progress`` hears the index of the test a run is on (None while it starts),
        many times a second."""
        self.runner.watch = progress
        try:
            yield
        finally:
            self.runner.watch = None

    def unavailable(self, spec: QuestionSpec) -> str | None:
        """Why this question cannot be asked here (a code question whose requirements are missing)."""
        if not kind_of(spec).runs_code:
            return None
        missing = self.runner.missing(spec)
        return missing_text(missing) if missing else None

    def assess(self, spec: QuestionSpec, answer: str, overtime: bool = False) -> Assessment:
        if not kind_of(spec).runs_code:
            return self.fallback.assess(spec, answer, overtime)
        reason = self.unavailable(spec)
        if reason is not None:
            return not_run(f"Not run: {reason}.")
        code = strip_fences(answer)
        if not code.strip():
            return code_assessment(CodeRun.nothing(spec.tests or (), "no code was written"), overtime)
        try:
            run = self.runner.run(spec, code)
        except RunnerUnavailable as exc:
            return not_run(f"Not run: {exc}.")
        return code_assessment(run, overtime)
