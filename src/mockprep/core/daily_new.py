"""Which new questions a session may introduce today: the selection's daily limit, the own limits of
banks and rounds, and the pace an interview plan needs.

Pure: the counts of what was introduced today come in; the answer is the ids, in the order asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class NewCandidate:
    question_id: int
    bank: str
    round: str


@dataclass(frozen=True)
class PlanQuota:
    """What an interview plan still needs introduced today, and which questions count for it."""

    question_ids: frozenset[int]
    left: int
    pace: int = 0  # the new questions a day it needs (today's figure, ``left`` of which remain)


def drawn_order(question_ids: Sequence[int], salt: int) -> list[int]:
    """The new questions in the order ``salt`` draws, each placed by its own id and the salt alone: a
    question answered (gone from the list) or added moves no other, so the same salt offers the rest of
    the day's questions in the same order after a restart (a shuffle of the shorter list drew others)."""

    def place(question_id: int) -> bytes:
        return hashlib.blake2b(f"{salt}:{question_id}".encode(), digest_size=8).digest()

    return sorted(question_ids, key=place)


def allowed_new(
    candidates: Sequence[NewCandidate],
    selection_left: int,
    bank_left: Mapping[str, int] | None = None,
    round_left: Mapping[str, int] | None = None,
    plans: Sequence[PlanQuota] = (),
) -> list[int]:
    """The new questions that may be introduced, in order: the plans' questions first, each plan
    taking what its pace still needs today (beyond the limits: the date comes first), then the
    others while the selection's limit lasts and their bank's and round's own limits allow.

    ``candidates`` are in the order they would be asked (shuffled); ``bank_left`` and ``round_left``
    hold what is left today of the banks and rounds that have their own limit.
    """
    banks = dict(bank_left or {})
    rounds = dict(round_left or {})
    quotas = [quota.left for quota in plans]
    in_plan = [
        next((i for i, p in enumerate(plans) if c.question_id in p.question_ids), None) for c in candidates
    ]
    chosen: list[int] = []
    regular = selection_left
    for index in sorted(range(len(candidates)), key=lambda i: in_plan[i] is None):
        candidate, plan = candidates[index], in_plan[index]
        by_plan = plan is not None and quotas[plan] > 0
        fits = regular > 0 and banks.get(candidate.bank, 1) > 0 and rounds.get(candidate.round, 1) > 0
        if not (by_plan or fits):
            continue
        if by_plan:
            quotas[plan] -= 1  # type: ignore[index]
        chosen.append(candidate.question_id)
        regular -= 1
        for left, key in ((banks, candidate.bank), (rounds, candidate.round)):
            if key in left:
                left[key] -= 1
    return chosen


def plan_taken(allowed: Sequence[int], earlier: frozenset[int], plans: Sequence[PlanQuota]) -> int:
    """How many of a selection's new questions today an interview plan took: of each plan's questions,
    those introduced ``earlier`` today in the selection (at most what the plan took today) and those
    its quota takes of ``allowed`` now. Questions outside every plan (or taken beyond a plan's pace,
    with --new) are not the plans'."""
    taken, seen = 0, set()
    for p in plans:
        before = len((earlier & p.question_ids) - seen)
        now = sum(1 for q in allowed if q in p.question_ids and q not in seen)
        taken += min(before, max(0, p.pace - p.left)) + min(now, p.left)
        seen |= p.question_ids
    return taken


def day_figure(limit: int, introduced: int, allowed: int, by_plans: int) -> tuple[int, bool]:
    """Today's new questions for a selection, as the session says they are done, and whether an
    interview plan set it: the daily ``limit``, and beyond it the selection's questions a plan took
    today (``by_plans``, see :func:`plan_taken`) while today holds more than the limit
    (``introduced`` before the session, ``allowed`` in it)."""
    beyond = min(introduced + allowed - limit, by_plans)
    if beyond <= 0:
        return limit, False
    return limit + beyond, True


def _plan_of(question_id: int, plans: Sequence[PlanQuota]) -> int | None:
    return next((i for i, p in enumerate(plans) if question_id in p.question_ids), None)


def selection_limit(
    daily_new: int,
    per_bank: Mapping[str, int],
    per_round: Mapping[str, int],
    banks: Sequence[str],
    rounds: Sequence[str],
) -> int:
    """The daily limit of a session's selection: a session of exactly one bank (or one round) with
    its own limit has that limit; any other selection has ``daily_new``."""
    if len(banks) == 1 and banks[0] in per_bank:
        return per_bank[banks[0]]
    if not banks and len(rounds) == 1 and rounds[0] in per_round:
        return per_round[rounds[0]]
    return daily_new
