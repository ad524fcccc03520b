"""How often the grader's proposal was what the person confirmed, from their own reviews. Pure.

Each graded answer keeps the checklist the grader proposed per key point (``proposed``, a model's
when one graded it), what the person confirmed (``checklist``), and the rating suggested to them (the
model's, or the one that follows from the confirmed checklist and the time) beside the one recorded.
Over the recent ones this says how far the checklist and the suggestion can be taken on trust for
this person's answers: the share of key points left as proposed, of the grader's ticks the person
kept and of the person's ticks the grader had made, and how often the recorded rating was the
suggested one (or one step from it). Each language model asked over the same answers is counted too:
how many it gave a verdict on, and why it most often gave none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

RECENT = 2000  # the last reviews looked at (by id): recent use, and a bound on the work


class GradedReview(NamedTuple):
    proposed: list[Any] | None  # the verdicts the checklist was pre-ticked with
    checklist: list[Any] | None  # the verdicts the person confirmed
    suggested: int | None
    rating: int


class ModelAnswers(NamedTuple):
    """How many recent answers a model was asked to grade and, with ``failure``, gave no verdict on."""

    model: str
    failure: str | None  # why it gave none (None: the answers it gave a verdict on)
    answers: int


def model_figures(rows: Iterable[ModelAnswers]) -> list[dict[str, Any]]:
    """The ``grader.models`` figures of ``mockprep stats --json``: per model asked, the answers, those
    it gave a verdict on, and its most frequent reason for giving none; the most asked first."""
    models: dict[str, dict[str, Any]] = {}
    for row in rows:
        figures = models.setdefault(row.model, {"model": row.model, "asked": 0, "verdicts": 0, "reasons": {}})
        figures["asked"] += row.answers
        if row.failure is None:
            figures["verdicts"] += row.answers
        else:
            figures["reasons"][row.failure] = figures["reasons"].get(row.failure, 0) + row.answers
    out = []
    for figures in sorted(models.values(), key=lambda f: (-f["asked"], f["model"])):
        reasons = figures.pop("reasons")
        common = min(reasons.items(), key=lambda kv: (-kv[1], kv[0]), default=(None, 0))
        out.append(figures | {"no_verdict": figures["asked"] - figures["verdicts"], "most_often": common[0]})
    return out


def _verdicts(value: list[Any] | None) -> list[str] | None:
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def agreement(rows: Iterable[GradedReview]) -> dict[str, Any]:
    """The ``grader`` figures of ``mockprep stats --json`` (shares are percentages, None with no data)."""
    answers = points = same = ticked = kept = confirmed = 0
    rated = accepted = close = 0
    for row in rows:
        proposed, checklist = _verdicts(row.proposed), _verdicts(row.checklist)
        if not proposed or checklist is None or len(proposed) != len(checklist):
            continue
        answers += 1
        for grader, person in zip(proposed, checklist, strict=True):
            points += 1
            grader_ticked, person_ticked = grader == "covered", person == "covered"
            same += grader == person  # partly or contradicted changed to missing is a change too
            ticked += grader_ticked
            kept += grader_ticked and person_ticked
            confirmed += person_ticked
        if row.suggested is not None:
            rated += 1
            accepted += row.suggested == row.rating
            close += abs(row.suggested - row.rating) <= 1
    return {
        "answers": answers,
        "key_points": points,
        "points_as_proposed": _share(same, points),
        "ticks_kept": _share(kept, ticked),
        "ticks_found": _share(kept, confirmed),
        "suggestions": rated,
        "rating_as_suggested": _share(accepted, rated),
        "rating_within_one": _share(close, rated),
    }


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
