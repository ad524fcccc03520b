"""A question as the rest of mockprep sees it, and the filter a session draws questions with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockprep.core.banks import QuestionSpec


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


@dataclass(frozen=True)
class QuestionFilter:
    """Which questions a session draws from; an empty tuple means no restriction."""

    rounds: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    banks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # a question with any of these tags

    def to_dict(self) -> dict[str, list[str]]:
        return {name: list(value) for name, value in vars(self).items() if value}
