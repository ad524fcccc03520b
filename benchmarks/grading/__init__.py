"""How well the grader agrees with an interviewer, on labelled answers: ``python -m benchmarks.grading``.

The labelled sets (TOML, one item per answer) were written and labelled independently of the grader:
``devset_a1.toml`` and ``devset_a2.toml`` (40 questions × four kinds of answer) are the development set;
``holdout_b.toml`` (30 other questions) is kept for checking that tuning on the development set carried
over; ``devset_g13.toml`` (6 more questions, ``--extra``) was written to check that the contradiction
detectors of ``core/contradictions.py`` carry over to answers they were not designed on. Each item names a built-in question, the kind of answer (own_words, standard, half, wrong_vocab),
the interviewer's rating 1-4 and a label per key point (covered, partly, missing, contradicted).
"""

from __future__ import annotations

import statistics
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
DEVELOPMENT = ("devset_a1.toml", "devset_a2.toml")
HOLDOUT = ("holdout_b.toml",)
EXTRA = ("devset_g13.toml",)  # written after the contradiction detectors were designed; never fitted on
FORMULAS = ("formulas_fa.toml", "formulas_fb.toml")  # formula-heavy questions, after core/formulas.py
STYLES = ("own_words", "standard", "half", "wrong_vocab")


@dataclass(frozen=True)
class Item:
    question: str
    style: str
    rating: int
    points: tuple[str, ...]
    answer: str


def load_items(names: Sequence[str]) -> list[Item]:
    items = []
    for name in names:
        for raw in tomllib.loads((HERE / name).read_text(encoding="utf-8"))["items"]:
            items.append(
                Item(raw["question"], raw["style"], raw["rating"], tuple(raw["points"]), raw["answer"])
            )
    return items


def builtin_specs() -> dict[str, Any]:
    return {key: spec for key, (spec, _round) in _builtin().items()}


def builtin_rounds() -> dict[str, str]:
    """Each built-in question's round (technical, project, behavioral)."""
    return {key: rnd for key, (_spec, rnd) in _builtin().items()}


def _builtin() -> dict[str, tuple[Any, str]]:
    from mockprep.core.bank_files import load_banks
    from mockprep.paths import builtin_banks_dir

    banks, problems = load_banks([builtin_banks_dir()])
    assert not problems, problems
    return {q.key: (q.spec, q.round) for bank in banks for q in bank.questions}


@dataclass
class Report:
    items: int = 0
    within_one: float = 0.0
    exact: float = 0.0
    mean_by_style: dict[str, tuple[float, float]] = field(default_factory=dict)  # style -> (expert, grader)
    recall: float = 0.0  # of key points the interviewer marked covered, share the grader ticked
    precision: float = 0.0  # of key points the grader ticked, share the interviewer marked covered
    recall_own_words: float = 0.0
    own_words_by_round: dict[str, float] = field(default_factory=dict)  # recall of own-words answers
    contradictions_found: float = 0.0  # of points labelled contradicted, share the grader called so
    false_contradictions: int = 0  # points of correct answers the grader called contradicted
    paraphrase_beats_stuffing: float = 0.0  # questions where own_words is suggested above wrong_vocab
    ms_per_answer: float = 0.0

    def lines(self) -> list[str]:
        out = [f"answers {self.items}: within one {self.within_one:.2f}, exact {self.exact:.2f}"]
        for style, (expert, grader) in self.mean_by_style.items():
            out.append(f"  {style:<12} interviewer {expert:.2f}  grader {grader:.2f}")
        out.append(
            f"key points: recall {self.recall:.2f} (own words {self.recall_own_words:.2f}), "
            f"precision {self.precision:.2f}; contradictions found {self.contradictions_found:.2f}, "
            f"false contradictions on correct answers {self.false_contradictions}"
        )
        if self.own_words_by_round:
            shares = ", ".join(f"{r} {v:.2f}" for r, v in self.own_words_by_round.items())
            out.append(f"own words recall by round: {shares}")
        out.append(
            f"own words suggested above keyword-stuffed wrong answers: {self.paraphrase_beats_stuffing:.2f} "
            f"of questions; {self.ms_per_answer:.1f} ms per answer"
        )
        return out


Assess = Callable[[Any, str], Any]  # (spec, answer) -> Assessment


def evaluate(
    items: Sequence[Item], assess: Assess, specs: dict[str, Any], rounds: dict[str, str] | None = None
) -> Report:
    """Grade every item and compare with the interviewer (and, given each question's round, the
    recall of own-words answers per round)."""
    report = Report(items=len(items))
    suggested: dict[tuple[str, str], int] = {}
    close = same = 0
    by_style: dict[str, list[tuple[int, int]]] = {s: [] for s in STYLES}
    tp = fn = fp = own_tp = own_fn = found = labelled_contra = 0
    per_round: dict[str, list[int]] = {}
    started = time.perf_counter()
    for item in items:
        spec = specs[item.question]
        assessment = assess(spec, item.answer)
        rating = assessment.suggested or 1
        suggested[(item.question, item.style)] = rating
        close += abs(rating - item.rating) <= 1
        same += rating == item.rating
        by_style[item.style].append((item.rating, rating))
        for label, verdict in zip(item.points, assessment.points, strict=True):
            ticked = verdict.verdict == "covered"
            covered = label == "covered"
            tp += ticked and covered
            fn += covered and not ticked
            fp += ticked and label in ("missing", "contradicted")
            if item.style == "own_words":
                own_tp += ticked and covered
                own_fn += covered and not ticked
                if rounds is not None and covered:
                    tally = per_round.setdefault(rounds[item.question], [0, 0])
                    tally[0] += ticked
                    tally[1] += 1
            if label == "contradicted":
                labelled_contra += 1
                found += verdict.verdict == "contradicted"
            if item.style in ("own_words", "standard") and verdict.verdict == "contradicted":
                report.false_contradictions += 1
    report.ms_per_answer = (time.perf_counter() - started) * 1000 / max(1, len(items))
    report.within_one = close / len(items)
    report.exact = same / len(items)
    report.mean_by_style = {
        s: (statistics.mean(e for e, _g in pairs), statistics.mean(g for _e, g in pairs))
        for s, pairs in by_style.items()
        if pairs
    }
    report.recall = tp / max(1, tp + fn)
    report.precision = tp / max(1, tp + fp)
    report.recall_own_words = own_tp / max(1, own_tp + own_fn)
    report.own_words_by_round = {r: hit / total for r, (hit, total) in sorted(per_round.items())}
    report.contradictions_found = found / max(1, labelled_contra)
    questions = {q for q, _s in suggested}
    wins = [
        suggested[(q, "own_words")] > suggested[(q, "wrong_vocab")]
        for q in questions
        if (q, "own_words") in suggested and (q, "wrong_vocab") in suggested
    ]
    report.paraphrase_beats_stuffing = sum(wins) / max(1, len(wins))
    return report
