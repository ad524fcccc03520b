"""Which competencies and behavioral questions the person's stories cover. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mockprep.core.stories import StoryDraft


@dataclass(frozen=True)
class StoryMatrix:
    competencies: list[str]  # the standard ones first, then any the stories add
    stories: list[tuple[int, StoryDraft]]
    missing: list[str]  # competencies no story shows
    uncovered: list[str]  # behavioral question keys with no linked story and no story of their competencies
    questions: int  # behavioral questions considered

    def shows(self, draft: StoryDraft, competency: str) -> bool:
        return competency in draft.competencies


def story_matrix(
    stories: Sequence[tuple[int, StoryDraft]],
    links: Sequence[tuple[int, str]],
    questions: Sequence[tuple[str, Sequence[str]]],
    standard: Sequence[str],
) -> StoryMatrix:
    """Competencies × stories, and what no story covers yet.

    ``links`` are ``(story id, question key)``; ``questions`` the behavioral ``(key, competencies)``.
    """
    competencies = list(dict.fromkeys([*standard, *(c for _i, d in stories for c in d.competencies)]))
    covered = {c for _i, d in stories for c in d.competencies}
    linked = {key for _s, key in links}
    uncovered = [
        key for key, comps in questions if key not in linked and not any(c in covered for c in comps)
    ]
    return StoryMatrix(
        competencies,
        list(stories),
        [c for c in competencies if c not in covered],
        uncovered,
        len(questions),
    )
