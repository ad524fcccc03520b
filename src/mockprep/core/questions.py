"""A question as the rest of mockprep sees it, and the filter a session draws questions with.

:class:`QuestionSpec` is a plain record: core/banks.py validates bank files (with pydantic) and makes
these, and a stored question is read back into one without validating again, so a session that
finds its banks unchanged never loads pydantic. The filter is defined in
:mod:`mockprep.core.question_filter` (``stats`` needs it without the rest) and imported from here too.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockprep.core.durations import parse_duration
from mockprep.core.question_filter import QuestionFilter as QuestionFilter  # (re-exported)

if TYPE_CHECKING:
    from mockprep.core.code_format import CodeTest


@dataclass(frozen=True, kw_only=True)
class QuestionSpec:
    """One question as written in a bank file (checked: see core/banks.py's QuestionModel)."""

    id: str
    prompt: str
    answer: str
    key_points: list[str]
    topic: str | None = None
    difficulty: int = 2
    kind: str = "open"
    tags: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    misconceptions: list[str] = field(default_factory=list)  # wrong claims candidates commonly make
    time_limit: int | float | str | None = None
    competencies: list[str] = field(default_factory=list)
    roles: list[str] | None = None
    choices: list[str] | None = None
    correct: str | None = None
    value: float | None = None
    tolerance: float | None = None
    unit: str | None = None
    # kind = "code" (see core/code_format.py)
    starter: str | None = None
    solution: str | None = None
    setup: str | None = None
    wrong_solutions: list[str] | None = None
    tests: list[CodeTest] | None = None
    requires: list[str] | None = None
    imports: list[str] | None = None
    anki_guid: str | None = None  # the Anki note it was imported from (bank export gives it that GUID)

    @property
    def time_limit_seconds(self) -> float | None:
        return None if self.time_limit is None else parse_duration(self.time_limit)

    def to_dict(self) -> dict[str, Any]:
        """The fields that differ from their defaults (the form the database stores)."""
        return _non_default(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuestionSpec:
        """A spec from :meth:`to_dict`'s form, trusted (it was checked when its bank was read)."""
        values = dict(data)
        if values.get("tests") is not None:
            from mockprep.core.code_format import CodeTest  # only a code question's tests need it

            values["tests"] = [CodeTest(**_floats(test, ("tolerance",))) for test in values["tests"]]
        return cls(**_floats(values, ("value", "tolerance")))


# what running a code question's solutions uses (bank validate's check): a change elsewhere (its prompt,
# answer, key points, starter) leaves that check's verdict as it was
CODE_FIELDS = ("kind", "solution", "setup", "wrong_solutions", "tests", "requires", "imports")


def code_differs(stored: str | None, data: str) -> bool:
    """Whether two stored forms of a question (the JSON of :meth:`QuestionSpec.to_dict`; ``stored``
    None: it is new) differ in a field of :data:`CODE_FIELDS`."""
    if stored is None or stored == data:
        return stored is None
    import json

    before, after = json.loads(stored), json.loads(data)
    return any(before.get(name) != after.get(name) for name in CODE_FIELDS)


def _floats(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """``values`` with these number fields as floats (the bank format reads 3 as 3.0)."""
    out = dict(values)
    for name in names:
        number = out.get(name)
        if isinstance(number, int) and not isinstance(number, bool):
            out[name] = float(number)
    return out


def _non_default(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, default in _defaults(type(record)):
        value = getattr(record, name)
        if default is not _NO_DEFAULT and value == default:
            continue
        if isinstance(value, list):
            value = [_non_default(v) if dataclasses.is_dataclass(v) else v for v in value]
        out[name] = value
    return out


_NO_DEFAULT = object()


@functools.cache
def _defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """Each field's name and default (a factory's value, made once; only compared, never handed out)."""
    defaults = []
    for spec_field in dataclasses.fields(cls):
        if spec_field.default is not dataclasses.MISSING:
            default = spec_field.default
        elif spec_field.default_factory is not dataclasses.MISSING:
            default = spec_field.default_factory()
        else:
            default = _NO_DEFAULT
        defaults.append((spec_field.name, default))
    return tuple(defaults)


@dataclass(frozen=True)
class Question:
    """A question resolved against its bank: key, round, topic and roles filled in."""

    key: str  # bank-id/question-id: the identity that keeps review progress across edits
    bank_id: str
    round: str
    topic: str
    roles: tuple[str, ...]
    spec: QuestionSpec

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class QuestionRecord:
    """A stored question: its row id and the question as its bank defines it."""

    id: int
    question: Question
    retired: bool = False
