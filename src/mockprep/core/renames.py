"""A question whose id changed in its bank file: found, and told.

A sync that retires a question (its key left every file) and adds one with the same prompt in the same
run treats the pair as one question renamed (or moved to another bank), so the new key takes over the
old one's card and reviews. Prompts are compared after Unicode compatibility folding, case folding and
collapsing white space, nothing looser: two questions whose prompts differ by a word stay two questions
(the person can join them by hand, ``mockprep question rename OLD NEW``). A prompt shared by two retired
or two added questions is ambiguous and renames nothing.

:func:`sync_lines` says what a person must know of a sync: the renames that kept progress, and the
questions with reviews that were retired (a few by name, with the way to carry their history over).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockprep.core.wording import plural

if TYPE_CHECKING:
    from mockprep.core.records import SyncResult

SHOWN = 3  # questions named in a line; the rest are counted ("and 2 more")
# How like a retired question's prompt an added one must be to be suggested as its new id (difflib's
# ratio of the folded prompts): a suggestion only, never acted on.
SUGGEST_FROM = 0.75
RENAME_COMMAND = "mockprep question rename"


@dataclass(frozen=True)
class Gone:
    """A question a sync retired: its row, key, prompt and how many reviews it has."""

    question_id: int
    key: str
    prompt: str
    reviews: int


@dataclass(frozen=True)
class Arrival:
    """A question a sync added (a key no question had)."""

    key: str
    prompt: str


@dataclass(frozen=True)
class Rename:
    """A question that took a new key and kept its card and ``reviews``."""

    old: str
    new: str
    reviews: int


def prompt_key(prompt: str) -> str:
    """A prompt as renames compare it: compatibility-folded, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", prompt).casefold().split())


def find_renames(gone: Iterable[Gone], arrived: Iterable[Arrival]) -> list[tuple[Gone, Arrival]]:
    """The retired questions each matched to the added question with the same prompt, where that prompt
    belongs to exactly one of each; in the order of ``gone``."""
    retired: dict[str, list[Gone]] = {}
    for question in gone:
        retired.setdefault(prompt_key(question.prompt), []).append(question)
    added: dict[str, list[Arrival]] = {}
    for question in arrived:
        added.setdefault(prompt_key(question.prompt), []).append(question)
    return [
        (olds[0], added[prompt][0])
        for prompt, olds in retired.items()
        if len(olds) == 1 and len(added.get(prompt, ())) == 1
    ]


def likely_successor(question: Gone, arrived: Sequence[Arrival]) -> Arrival | None:
    """The one added question whose prompt is close to ``question``'s (a suggestion for the person), if
    exactly one is."""
    matcher = difflib.SequenceMatcher(None, b=prompt_key(question.prompt), autojunk=False)
    close = []
    for candidate in arrived:
        matcher.set_seq1(prompt_key(candidate.prompt))
        if matcher.real_quick_ratio() >= SUGGEST_FROM and matcher.ratio() >= SUGGEST_FROM:
            close.append(candidate)
            if len(close) > 1:
                return None
    return close[0] if close else None


def sync_lines(results: Sequence[SyncResult], every_rename: bool = True) -> tuple[list[str], list[str]]:
    """What a sync's ``results`` must tell: lines of renames (only those that kept reviews unless
    ``every_rename``) and warnings of retired questions that have reviews, one of each per bank."""
    arrived = [question for result in results for question in result.arrived]
    notes, warnings = [], []
    for result in results:
        renames = [r for r in result.renamed if every_rename or r.reviews]
        if renames:
            shown = [f"{r.old} → {r.new}" + (" (progress kept)" if r.reviews else "") for r in renames]
            notes.append(f"{result.bank_id}: renamed {_few(shown, len(shown))}")
        kept = [question for question in result.gone if question.reviews]
        if kept:
            warnings.append(_retired_line(result.bank_id, kept, arrived))
    return notes, warnings


def _retired_line(bank_id: str, kept: list[Gone], arrived: Sequence[Arrival]) -> str:
    named = [f"{q.key} ({plural(q.reviews, 'review')})" for q in kept[:SHOWN]]
    if len(kept) == 1:
        head = f"{bank_id}: {named[0]} is in no bank file any more: retired, its history kept"
        successor = likely_successor(kept[0], arrived)
        new = successor.key if successor is not None else "NEW-KEY"
        return f"{head}; if it was renamed, carry its history over with: {RENAME_COMMAND} {kept[0].key} {new}"
    head = (
        f"{bank_id}: {len(kept)} questions with reviews are in no bank file any more: retired, their"
        f" history kept: {_few(named, len(kept))}"
    )
    return f"{head}; if one was renamed, carry its history over with: {RENAME_COMMAND} OLD-KEY NEW-KEY"


def _few(shown: list[str], total: int) -> str:
    """The first :data:`SHOWN` of ``shown`` joined, and how many more of ``total`` there are."""
    listed = ", ".join(shown[:SHOWN])
    return listed if total <= SHOWN else f"{listed} and {total - SHOWN} more"
