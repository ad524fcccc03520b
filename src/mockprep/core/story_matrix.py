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
    asked = (c for _key, comps in questions for c in comps)  # what the banks' questions look for
    competencies = list(dict.fromkeys([*standard, *asked, *(c for _i, d in stories for c in d.competencies)]))
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


def unknown_competencies(named: Sequence[str], known: Sequence[str]) -> list[tuple[str, str | None]]:
    """The competencies in ``named`` that no question looks for (and none of ``known``), each with the
    nearest known one when there is a likely one ('colaboration' -> 'collaboration'): such a story
    matches no question by competency."""
    import difflib

    return [
        (name, next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.75)), None))
        for name in named
        if name not in known
    ]
