"""Checks of a valid bank that the format cannot express: key points the grader can match at all,
and key points the question's own model answer covers. Pure."""

from __future__ import annotations

from mockprep.core.banks import Bank, BankProblem
from mockprep.core.grading import Grader, KeyPointGrader, Verdict
from mockprep.core.textnorm import content_stems


def lint_bank(bank: Bank, grader: Grader | None = None) -> tuple[list[BankProblem], list[BankProblem]]:
    """``(problems, notes)``: a key point with nothing to match (no word, number or symbol) can never
    be ticked, and one that repeats another is graded twice, so each is a problem; one its own model
    answer does not cover is a note (the wording may need the answer's words), and so is an anki_guid
    another question gives too (one Anki note cannot be both). ``grader`` is the one a session grades
    with (``bank validate`` passes it, so that a note is never about a point a session ticks); words
    only without it."""
    problems: list[BankProblem] = []
    notes: list[BankProblem] = []
    grader = grader or KeyPointGrader()
    claimed: dict[str, list[str]] = {}  # anki_guid -> the questions giving it
    for question in bank.questions:
        spec = question.spec
        seen: dict[str, int] = {}
        for number, point in enumerate(spec.key_points, start=1):
            if not content_stems(point):
                problems.append(
                    BankProblem(bank.source, f"key point {number} {point!r} has no word to match", spec.id)
                )
            same = " ".join(point.casefold().split())
            if same in seen:  # graded twice: one answer sentence would tick (or miss) both
                problems.append(
                    BankProblem(
                        bank.source, f"key point {number} {point!r} repeats key point {seen[same]}", spec.id
                    )
                )
            seen.setdefault(same, number)
        if spec.anki_guid:
            claimed.setdefault(spec.anki_guid, []).append(spec.id)
    notes += _uncovered(bank, grader)
    for guid, ids in claimed.items():
        for other in sorted(ids)[1:]:  # the first by key keeps the note (bank export's rule)
            notes.append(
                BankProblem(
                    bank.source,
                    f"anki_guid {guid!r} is also question {sorted(ids)[0]!r}'s: bank export gives that Anki"
                    " note to that question, and this one a note of its own",
                    other,
                )
            )
    return problems, notes


WARMED = 300  # questions whose grading texts the meaning model embeds in one batch


def _uncovered(bank: Bank, grader: Grader) -> list[BankProblem]:
    """A note for each key point of an open question that the grader does not find covered by the
    question's own model answer."""
    specs = [question.spec for question in bank.questions if question.spec.kind == "open"]
    warm = getattr(grader, "warm", None)  # one batch for many answers: far quicker than one call each
    notes = []
    for start, spec in enumerate(specs):
        if warm is not None and start % WARMED == 0:
            warm([(s, s.answer) for s in specs[start : start + WARMED]])
        assessment = grader.assess(spec, spec.answer)
        for number, verdict in enumerate(assessment.points, start=1):
            if verdict.verdict is not Verdict.COVERED and content_stems(verdict.point):
                notes.append(
                    BankProblem(
                        bank.source,
                        f"key point {number} {verdict.point!r} is not covered by the question's own model"
                        f" answer: a session's grader ({assessment.grader}) finds it {verdict.verdict.value};"
                        " use the answer's words",
                        spec.id,
                    )
                )
    return notes
