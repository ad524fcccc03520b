"""The filter a session, a drill or a plan draws questions with; ``stats`` builds one for its card counts.

A module of its own, so that ``stats`` (which only narrows by round and bank) does not load the
question records of :mod:`mockprep.core.questions` (about 2.7 ms), which re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass


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
