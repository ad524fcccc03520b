"""Question kinds: the fields each adds to the bank format, its rounds, and how its answers are read.

A new kind is registered here (and its fields declared on :class:`~mockprep.core.banks.QuestionSpec`);
validation, auto-grading and the answer hint shown under the question all look it up in :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockprep.core.wording import plural

if TYPE_CHECKING:
    from mockprep.core.autograde import AutoGrade
    from mockprep.core.questions import QuestionSpec


@dataclass(frozen=True)
class Kind:
    name: str
    fields: tuple[str, ...]  # spec fields that only this kind may set
    rounds: tuple[str, ...] | None  # rounds that may use it; None: every round
    answer_hint: str  # shown under the question
    validate: Callable[[QuestionSpec], None]  # raise ValueError naming what is wrong
    auto_grade: Callable[[QuestionSpec, str], AutoGrade] | None = None  # None: judged by key points
    # What to ask the person to retype when an answer cannot be read (None: it can be read)
    check_answer: Callable[[QuestionSpec, str], str | None] | None = None
    one_line: bool = False  # the answer is one line: Enter submits it (no empty line needed)
    runs_code: bool = False  # the answer is code, run against the question's tests (and re-run)


def _later(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called: the answer parsers (autograde, about 8 ms to load)
    are not needed to show a question, only to read its answer."""

    def call(*args: Any) -> Any:
        from importlib import import_module

        return getattr(import_module(module), name)(*args)

    call.__name__ = call.__qualname__ = name
    return call


class KindFieldError(ValueError):
    """A kind's check that failed on one of its fields, named so that a bank file's problem points at
    that field's line (not the question's ``kind``)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # (pickled whole, e.g. from a worker process)
        return type(self), (self.field, str(self))


def _no_checks(_spec: QuestionSpec) -> None:
    return None


def _check_choice(spec: QuestionSpec) -> None:
    if spec.choices is None or spec.correct is None:
        raise ValueError("a choice question needs 'choices' and 'correct'")
    if ord(spec.correct.lower()) - ord("a") >= len(spec.choices):
        choices = plural(len(spec.choices), "choice")
        raise KindFieldError("correct", f"'correct' is {spec.correct!r} but there are only {choices}")


def _check_numeric(spec: QuestionSpec) -> None:
    if spec.value is None:
        raise ValueError("a numeric question needs 'value' (and usually 'tolerance')")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("open", (), None, "Type your answer; an empty line ends it.", _no_checks),
        Kind(
            "choice",
            ("choices", "correct"),
            ("technical",),
            "Type the letter of your choice and press Enter.",
            _check_choice,
            _later("mockprep.core.choice_answers", "grade_choice"),
            _later("mockprep.core.choice_answers", "check_choice"),
            one_line=True,
        ),
        Kind(
            "numeric",
            ("value", "tolerance", "unit"),
            ("technical",),
            "Type a number (fractions like 3/8 are fine) and press Enter.",
            _check_numeric,
            _later("mockprep.core.autograde", "grade_numeric"),
            _later("mockprep.core.autograde", "check_numeric"),
            one_line=True,
        ),
        Kind(
            "code",
            ("starter", "solution", "setup", "wrong_solutions", "tests", "requires", "imports"),
            ("technical",),
            "Write your solution; it runs against the tests, and you may fix it and run it again.",
            _later("mockprep.core.code_format", "check_code"),
            runs_code=True,
        ),
    )
}


def kind_of(spec: QuestionSpec) -> Kind:
    return KINDS[spec.kind]


def check_kind_fields(spec: QuestionSpec) -> None:
    """Raise ValueError when a spec's kind-specific fields are missing, wrong, or set on another kind."""
    kind = kind_of(spec)
    kind.validate(spec)
    for other in KINDS.values():
        if other.name == kind.name:
            continue
        present = [name for name in other.fields if getattr(spec, name) is not None]
        if present:
            raise ValueError(f'{", ".join(present)} only apply to kind = "{other.name}" questions')
