"""A question whose id changed in its bank file: found, and told.

A sync that retires a question (its key left every file) and adds one with the same prompt in the same
run treats the pair as one question renamed (or moved to another bank), so the new key takes over the
old one's card and reviews. Prompts are compared after Unicode compatibility folding, case folding and
collapsing white space, nothing looser: two questions whose prompts differ by a word stay two questions
(the person can join them by hand, ``mockprep question rename OLD NEW``). A prompt shared by two retired
or two added questions is ambiguous and renames nothing.

Ids swapped or passed along (A takes B's id while B takes a new one) keep every key, so no question is
retired or added: the questions whose prompt changed (:class:`Reworded`) take part too. History follows
a prompt from the one question that had it to the one that has it now; :func:`find_moves` carries a set
of such moves only when it is a permutation: every question whose key another takes moves on itself,
and every key a question leaves is taken, so a chain starts at a retired key and ends at an added one,
or closes on itself (a swap). Anything else (a prompt edited on the way, a question deleted whose id
another took) moves nothing, and :func:`sync_lines` says which question has the prompt another had.

:func:`sync_lines` says what a person must know of a sync: the renames that kept progress, and the
questions with reviews that were retired (a few by name, with the way to carry their history over).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockprep.core.wording import plural, shortened

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
class Reworded:
    """A question whose key stays but whose prompt (as :func:`prompt_key` compares it) changed."""

    question_id: int
    key: str
    prompt: str  # the one it had
    new_prompt: str
    reviews: int


@dataclass(frozen=True)
class SetAside:
    """A retired question whose id a bank file gave to another prompt: the id is a new question's, and the
    retired one keeps its history, still retired, under the key ``kept_as``."""

    key: str
    kept_as: str
    prompt: str  # the retired question's
    new_prompt: str  # the one the file gives its id now
    reviews: int


Move = tuple["Gone | Reworded", str]  # a question (its row) and the key it takes


@dataclass(frozen=True)
class Rename:
    """A question that took a new key and kept its card and ``reviews``."""

    old: str
    new: str
    reviews: int


def prompt_key(prompt: str) -> str:
    """A prompt as renames compare it: compatibility-folded, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", prompt).casefold().split())


def aside_id(question_id: str, prompt: str, attempt: int = 1) -> str:
    """The id a retired question is kept under when a bank file gives its id to another prompt: made
    from its id and its prompt alone, so every device that sees the same files gives it the same key
    (``attempt`` > 1 only when that key is taken)."""
    import hashlib  # (~3 ms to load: not for a bank sync that finds nothing to set aside)

    digest = hashlib.sha256(prompt_key(prompt).encode()).hexdigest()[:6]
    suffix = f"-retired-{digest}" + (f"-{attempt}" if attempt > 1 else "")
    return question_id[: 64 - len(suffix)].rstrip("-") + suffix


def find_renames(gone: Iterable[Gone], arrived: Iterable[Arrival]) -> list[tuple[Gone, Arrival]]:
    """The retired questions each matched to the added question with the same prompt, where that prompt
    belongs to exactly one of each; in the order of ``gone``."""
    arrivals = {question.key: question for question in arrived}
    return [(old, arrivals[key]) for old, key in find_moves(gone, arrivals.values(), ())]  # (all Gone)


def find_moves(gone: Iterable[Gone], arrived: Iterable[Arrival], reworded: Iterable[Reworded]) -> list[Move]:
    """The questions whose history moves to another key in this sync, each with that key: a prompt had
    by one retired or reworded question and had now by one added or reworded question is a move, and a
    set of moves is taken only where it is a permutation (see the module's docstring). In the order of
    ``gone`` then ``reworded``, so every device that sees the same change decides the same."""
    reworded = list(reworded)
    sources: dict[str, list[Gone | Reworded]] = {}
    for question in [*gone, *reworded]:
        sources.setdefault(prompt_key(question.prompt), []).append(question)
    targets: dict[str, list[str]] = {}
    for key, prompt in [(q.key, q.prompt) for q in arrived] + [(q.key, q.new_prompt) for q in reworded]:
        targets.setdefault(prompt_key(prompt), []).append(key)
    step = {  # key -> (its question, the key that question's prompt went to)
        olds[0].key: (olds[0], targets[prompt][0])
        for prompt, olds in sources.items()
        if len(olds) == 1 and len(targets.get(prompt, ())) == 1
    }
    both = {q.key for q in reworded}  # keys left and taken: a move there needs the moves beside it
    came = {new: key for key, (_q, new) in step.items()}
    valid: set[str] = set()
    walked: set[str] = set()
    for key in step:
        if key in walked:
            continue
        start = key
        while start in came and came[start] != key:
            start = came[start]
        path, at = [start], step[start][1]
        while at in step and at != start:
            path.append(at)
            at = step[at][1]
        # a swap (or longer cycle) closes on itself; a chain starts at a retired key, ends at an added one
        walked.update(path)
        if at == start or start not in both and at not in both:
            valid.update(path)
    moves: list[Move] = [step[key] for key in step if key in valid]
    return moves


def likely_successor(question: Gone, arrived: Sequence[Arrival]) -> Arrival | None:
    """The one added question whose prompt is close to ``question``'s (a suggestion for the person), if
    exactly one is."""
    matcher = difflib.SequenceMatcher(None, b=prompt_key(question.prompt), autojunk=False)
    close = []
    for candidate in arrived:
        matcher.set_seq1(prompt_key(candidate.prompt))
        if _close(matcher):
            close.append(candidate)
            if len(close) > 1:
                return None
    return close[0] if close else None


def _close(matcher: difflib.SequenceMatcher) -> bool:
    return matcher.real_quick_ratio() >= SUGGEST_FROM and matcher.ratio() >= SUGGEST_FROM


def close_prompts(one: str, other: str) -> bool:
    """Whether two prompts are close enough that one may be the other reworded (a suggestion only)."""
    return _close(difflib.SequenceMatcher(None, prompt_key(one), prompt_key(other), autojunk=False))


def sync_lines(results: Sequence[SyncResult], every_rename: bool = True) -> tuple[list[str], list[str]]:
    """What a sync's ``results`` must tell: lines of renames (only those that kept reviews unless
    ``every_rename``), warnings of retired questions that have reviews, and warnings of questions that
    now have the prompt another had (history with either) but were not taken for renames; one of each
    per bank."""
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
        took = {rename.new for rename in result.renamed}  # (its key holds another history now)
        warnings += [_aside_line(result.bank_id, q, q.key not in took) for q in result.set_aside if q.reviews]
    had = {prompt_key(q.prompt): q for result in results for q in (*result.gone, *result.reworded)}
    for result in results:
        taken = [
            (q.key, was.key)
            for q in result.reworded
            if (was := had.get(prompt_key(q.new_prompt))) is not None and (q.reviews or was.reviews)
        ]
        if taken:
            warnings.append(_taken_line(result.bank_id, taken))
    for result in results:
        if result.rechoiced:
            named = [f"{key} ({plural(reviews, 'review')})" for key, reviews in result.rechoiced]
            warnings.append(
                f"{result.bank_id}: options or correct letter changed for {_few(named, len(named))}: its past"
                " answers were to the old options, so a letter in its history may now read as another option"
            )
    return notes, warnings


def _taken_line(bank_id: str, taken: list[tuple[str, str]]) -> str:
    """The questions whose new prompt another question of the sync had, their histories left by key."""
    if len(taken) == 1:
        head = f"{bank_id}: {taken[0][0]} now has the prompt {taken[0][1]} had, and each kept its own history"
    else:
        named = [f"{key} (had by {was})" for key, was in taken]
        head = (
            f"{bank_id}: {len(taken)} questions now have the prompt another had, and each kept its own"
            f" history: {_few(named, len(taken))}"
        )
    return (
        f"{head}; if you swapped ids, or deleted a question and gave its id to another, put the bank files"
        " back as they were, let them sync, then change the ids alone (a deletion in an edit of its own,"
        " prompts in another) and the histories follow the prompts"
    )


def _aside_line(bank_id: str, q: SetAside, joinable: bool) -> str:
    """A retired question's id given to another prompt: the history stays with the question it was
    given to, and how to join them when they are one question reworded."""
    line = (
        f"{bank_id}: {q.key} is now another question ({shortened(q.new_prompt)!r}) than the retired one"
        f" that had this id ({shortened(q.prompt)!r}, {plural(q.reviews, 'review')}): that history stays"
        f" apart, retired as {q.kept_as}"
    )
    if joinable and close_prompts(q.prompt, q.new_prompt):
        line += f"; if they are one question reworded, carry it over with: {RENAME_COMMAND} {q.kept_as}"
        line += f" {q.key}"
    return line


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
