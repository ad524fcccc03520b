"""What a mock round asks: questions drawn to spread over topics within the round's minutes. Pure."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

ROUND_ORDER = ("technical", "project", "behavioral")


@dataclass(frozen=True)
class Candidate:
    question_id: int
    group: str  # topic, or primary competency for behavioral questions
    limit: float
    has_follow_up: bool
    due: bool  # already studied and due for review: preferred, as the weakest material


def group_of(round: str, topic: str, competencies: Sequence[str]) -> str:
    return competencies[0] if round == "behavioral" and competencies else topic


def draw_questions(
    candidates: Sequence[Candidate],
    budget: float,
    rng: random.Random,
    *,
    follow_up_seconds: float,
    transition_seconds: float,
    first_group: str | None = None,
) -> list[Candidate]:
    """Questions for a round: one group at a time in turn (so topics are spread), due ones first
    within a group, until the time limits (plus follow-ups and transitions) fill ``budget`` seconds."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.group, []).append(candidate)
    for members in groups.values():
        rng.shuffle(members)
        members.sort(key=lambda c: not c.due)  # stable: due first, random within each part
    order = sorted(groups)
    rng.shuffle(order)
    if first_group in groups:
        order.remove(first_group)
        order.insert(0, first_group)
    chosen: list[Candidate] = []
    used = 0.0
    while any(groups[g] for g in order):
        for group in order:
            if not groups[group]:
                continue
            candidate = groups[group].pop(0)
            cost = (
                candidate.limit + transition_seconds + (follow_up_seconds if candidate.has_follow_up else 0)
            )
            if used + cost > budget:
                return chosen
            chosen.append(candidate)
            used += cost
    return chosen
