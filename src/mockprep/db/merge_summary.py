"""What a merge (:mod:`mockprep.db.merge`) added, removed, left waiting or refused: for the summary a
person reads (``cli/merge_report.py``) and for the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MergeSummary:
    """What a merge added, for the person and for the tests."""

    sessions: int = 0
    reviews: int = 0
    stories: int = 0
    versions: int = 0
    links: int = 0
    rehearsals: int = 0
    mock_answers: int = 0  # answers of mock rounds (and of sessions, kept unrated when cut short)
    deleted: int = 0
    # of ``deleted``, the reviews, sessions and plans removed, by kind ("review", "session", "plan"); the
    # rest are stories' records (a story, its versions, links, rehearsals)
    removed: dict[str, int] = field(default_factory=dict)
    undone: int = 0  # made, then undone or deleted on their device, both read now: neither added nor removed
    cards: int = 0  # cards replayed
    marks: int = 0  # questions whose suspended / buried / flagged marks changed
    aliases: int = 0  # keys renamed questions had, added
    plans: int = 0  # interview plans added
    moved: int = 0  # reviews here on a question whose id was given to another since, moved back
    conflicts: list[str] = field(default_factory=list)  # titles of stories edited on two devices
    kept: list[str] = field(
        default_factory=list
    )  # stories deleted elsewhere, kept for a version the delete did not know
    revived: list[str] = field(
        default_factory=list
    )  # stories deleted, back for a version the delete did not know
    waiting: list[dict[str, Any]] = field(default_factory=list)  # events whose session/question is not here
    homeless: list[str] = field(default_factory=list)  # keys of those waiting for a question (not a session)
    # Sessions whose sync line was skipped (a wrong value), not here: kept to be told of again.
    skipped_sessions: list[dict[str, Any]] = field(default_factory=list)
    detached: dict[str, int] = field(default_factory=dict)  # file: reviews added without their session
    refused: list[tuple[dict[str, Any], str]] = field(
        default_factory=list
    )  # events (or parts) not merged, why
    # The events of the kinds that can wait (reviews, marks, mock answers) this merge added or applied: a
    # sync says which that waited are merged now from these, not from what stopped waiting (a review
    # undone on its device stops waiting and is dropped)
    merged: list[dict[str, Any]] = field(default_factory=list)

    def added(self) -> bool:
        return any(
            (
                self.sessions,
                self.reviews,
                self.stories,
                self.versions,
                self.links,
                self.rehearsals,
                self.mock_answers,
                self.marks,
                self.plans,
                self.aliases,
                self.moved,
            )
        )
