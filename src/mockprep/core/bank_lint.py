"""Checks of a valid bank that the format cannot express: key points the grader can match at all,
and key points the question's own model answer covers. Pure."""

from __future__ import annotations

from collections.abc import Iterator

from mockprep.core.banks import Bank, BankProblem
from mockprep.core.grading import Grader, KeyPointGrader, Verdict
from mockprep.core.questions import QuestionSpec
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


# Texts the meaning model embeds in one batch: a quarter of the texts its cache keeps (embedding.CACHED,
# 4,096), so that a batch is never evicted before the gradings that follow it read it, and few enough
# answers (at least 3 texts each) for keypoints' cache of their passages (512) to hold them.
WARM_TEXTS = 1024


def has_open_question(banks: list[Bank]) -> bool:
    """Whether any of ``banks`` has an open question, the only kind the lint grades (by meaning too)."""
    return any(question.spec.kind == "open" for bank in banks for question in bank.questions)


def _uncovered(bank: Bank, grader: Grader) -> list[BankProblem]:
    """A note for each key point of an open question that the grader does not find covered by the
    question's own model answer."""
    specs = [question.spec for question in bank.questions if question.spec.kind == "open"]
    warm = getattr(grader, "warm", None)  # one batch for many answers: far quicker than one call each
    notes = []
    for batch in _batches(specs) if warm is not None else iter([specs]):
        if warm is not None:
            warm([(spec, spec.answer) for spec in batch])
        notes += [note for spec in batch for note in _notes(bank, spec, grader)]
    return notes


def _batches(specs: list[QuestionSpec]) -> Iterator[list[QuestionSpec]]:
    """``specs`` in runs whose grading texts number at most :data:`WARM_TEXTS` (one answer more when
    one alone has more), each read just before it is graded."""
    from mockprep.core.keypoints import meaning_texts

    batch: list[QuestionSpec] = []
    size = 0
    for spec in specs:
        texts = len(meaning_texts(list(spec.key_points), spec.answer))
        if batch and size + texts > WARM_TEXTS:
            yield batch
            batch, size = [], 0
        batch.append(spec)
        size += texts
    if batch:
        yield batch


def _notes(bank: Bank, spec: QuestionSpec, grader: Grader) -> list[BankProblem]:
    assessment = grader.assess(spec, spec.answer)
    return [
        BankProblem(
            bank.source,
            f"key point {number} {verdict.point!r} is not covered by the question's own model answer:"
            f" a session's grader ({assessment.grader}) finds it {verdict.verdict.value};"
            " use the answer's words",
            spec.id,
        )
        for number, verdict in enumerate(assessment.points, start=1)
        if verdict.verdict is not Verdict.COVERED and content_stems(verdict.point)
    ]
