"""What a mock round asks: questions drawn to spread over topics within the round's minutes. Pure."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mockprep.core.timer import fitting

ROUND_ORDER = ("technical", "project", "behavioral")
# A project round opens with a question of this topic (the two-minute pitch); a bank marks its own so
OPENING_TOPIC = "summary"


@dataclass(frozen=True)
class Candidate:
    question_id: int
    group: str  # topic, or primary competency for behavioral questions
    limit: float
    has_follow_up: bool
    due: bool  # already studied and due for review: preferred, as the weakest material


def group_of(round: str, topic: str, competencies: Sequence[str]) -> str:
    return competencies[0] if round == "behavioral" and competencies else topic


def question_cost(candidate: Candidate, *, follow_up_seconds: float, transition_seconds: float) -> float:
    """Seconds a question takes in a round: its limit, its follow-up if it has one, and the transition."""
    return candidate.limit + transition_seconds + (follow_up_seconds if candidate.has_follow_up else 0.0)


def spread_order(
    candidates: Sequence[Candidate], rng: random.Random, first_group: str | None = None
) -> list[Candidate]:
    """Every candidate in the order a round asks them: one group at a time in turn (so topics are
    spread), due ones first within a group, ``first_group`` opening the round.

    The groups' turn is drawn in proportion to their size, so that what a selection holds most of comes
    up most often: with --role data-scientist, statistics (28 questions) before reinforcement learning
    (4), where a uniform draw gave each the same chance of a place in the round."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.group, []).append(candidate)
    for members in groups.values():
        rng.shuffle(members)
        members.sort(key=lambda c: not c.due)  # stable: due first, random within each part
    # a weighted draw without replacement (Efraimidis-Spirakis: each group's key is u ** (1 / size))
    keys = {group: rng.random() ** (1 / len(groups[group])) for group in sorted(groups)}
    order = sorted(groups, key=lambda group: -keys[group])
    if first_group in groups:
        order.remove(first_group)
        order.insert(0, first_group)
    ordered: list[Candidate] = []
    while any(groups[g] for g in order):
        for group in order:
            if groups[group]:
                ordered.append(groups[group].pop(0))
    return ordered


def draw_questions(
    candidates: Sequence[Candidate],
    budget: float,
    rng: random.Random,
    *,
    follow_up_seconds: float,
    transition_seconds: float,
    first_group: str | None = None,
) -> list[Candidate]:
    """The questions a round plans to ask: :func:`spread_order`, kept by the time-box rule of
    :func:`mockprep.core.timer.fitting` (plus follow-ups and transitions) within ``budget`` seconds."""
    order = spread_order(candidates, rng, first_group)
    costs = [
        question_cost(c, follow_up_seconds=follow_up_seconds, transition_seconds=transition_seconds)
        for c in order
    ]
    return [order[i] for i in fitting(costs, budget)]


def choose_follow_up(follow_ups: Sequence[str], last: str | None, rng: random.Random) -> str | None:
    """Which of a question's follow-ups a round asks: one drawn by ``rng``, other than ``last`` (the
    one asked when the question last came up in a mock) while there is another; None without any."""
    fresh = [f for f in follow_ups if f != last] or list(follow_ups)
    return rng.choice(fresh) if fresh else None


def lacks_opener(questions: Iterable[tuple[str, str]]) -> bool:
    """Whether a bank's questions, as ``(round, topic)`` pairs, include project questions but none of
    :data:`OPENING_TOPIC`: a project round of that bank alone opens with whichever comes up."""
    pairs = list(questions)
    project = [topic for round, topic in pairs if round == "project"]
    return bool(project) and OPENING_TOPIC not in project


def opener_note(bank_id: str) -> str:
    """What to do about :func:`lacks_opener`, in one line."""
    return (
        f'no project question has topic = "{OPENING_TOPIC}", so mockprep mock --bank {bank_id} does not'
        f' open with your two-minute pitch: set topic = "{OPENING_TOPIC}" on that question'
    )
