"""Reading a choice question's answer as people write it: the letter ("b", "(b)", "option b"), the
option's own text, or a letter or place named in a sentence ("I'd go with B", "the second one"). Pure.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import TYPE_CHECKING

from mockprep.core.autograde import LETTERS, AutoGrade, Unreadable

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionSpec


def choice_letter(index: int) -> str:
    return LETTERS[index]


# -- choices -----------------------------------------------------------------------------------

_LETTER_FORMS = re.compile(
    r"^\W*(?:(?:option|answer|choice)\s*[:=]?\s*)?\(?([a-h])\)?(?:[.):,;]|\s|$)", re.IGNORECASE
)
# A letter named inside a sentence, as people say it: "it's option b", "I'd go with C", "I think
# it's D." A capital after such a word is a letter; a small one only where the sentence ends after it
# ("it's a." but not "it's a trick").
_NAMED = re.compile(r"\b(?:option|answer|choice)\s*(?:is\s*)?[:=]?\s*\(?([a-h])\)?(?![\w'])", re.IGNORECASE)
_CUE = r"\b(?:is|it's|its|go\s+with|going\s+with|went\s+with|pick|choose|select|go\s+for|say)\s+\(?"
_SAID = re.compile(_CUE + r"([A-H])\)?(?![\w'])")
_SAID_SMALL = re.compile(_CUE + r"([a-h])\)?(?=\s*(?:[.,;:!)]|$))")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)}|last)\s+(?:one|option|choice|answer)\b", re.IGNORECASE)


def _as_typed(text: str) -> str:
    """``text`` as compared whole: Unicode-normalised, case and spacing ignored, symbols kept."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _plain(text: str) -> str:
    """The words of ``text`` (letters and digits of any script), lower case: "Θ(√n) — 平方根" is
    "θ n 平方根"."""
    return " ".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold()))


def read_choice(spec: QuestionSpec, answer: str) -> str:
    """The letter chosen: "b", "B", "(b)", "b)", "option b", the option's own text, or a letter or
    place named in a sentence ("I'd go with B", "it's option b, since...", "the second one").

    Raises :class:`Unreadable` when it is neither.
    """
    assert spec.choices is not None
    text = answer.strip()
    letters = LETTERS[: len(spec.choices)]
    match = _LETTER_FORMS.match(text)
    bare = match is not None and not text[match.end() :].strip()  # "c", "(c)", "option c": a letter
    # An option's own text, symbols and all: "Θ(n)" is not "Θ(√n)", though their words are the same.
    exact = [_as_typed(c) for c in spec.choices]
    if not bare and exact.count(_as_typed(text)) == 1:
        return letters[exact.index(_as_typed(text))]
    if match and match.group(1).lower() in letters:
        rest = text[match.end() :].strip()
        if (
            not rest
            or _plain(rest) == _plain(spec.choices[letters.index(match.group(1).lower())])
            or len(rest) < 3
        ):
            return match.group(1).lower()
    said = _plain(text)
    options = [_plain(c) for c in spec.choices]
    if said and said in options:
        return letters[options.index(said)]
    close = difflib.get_close_matches(said, options, n=2, cutoff=0.85)
    if len(close) == 1:
        return letters[options.index(close[0])]
    named = _named_letters(text, letters)
    if match and match.group(1).lower() in letters:
        start = match.group(1).lower()
        other = _OR_LETTER.match(text[match.end() :])
        if other and other.group(1).lower() != start:  # "b or c", "option a or option b"
            raise Unreadable(f"that names {start} and {other.group(1).lower()}: type one letter")
        # "B." or "B: because..." is the choice, whatever its reason names; "A dropout layer..., so
        # I'd go with B" starts with a word, and the letter the sentence names is the choice
        if not _STARTS_WITH_WORD.match(text[match.start(1) :]) or len(named - {start}) != 1:
            return start
    if len(named) == 1:
        return named.pop()
    if len(named) > 1:
        raise Unreadable(f"that names {' and '.join(sorted(named))}: type the one letter you choose")
    if (by_name := _by_name(said, options)) is not None:
        return letters[by_name]
    raise Unreadable(f"type the letter of your choice ({letters[0]}-{letters[-1]}) or the option's text")


# Words around a choice's name that name nothing ("I'd say ALiBi", "it's the RoPE one").
_FILLER = frozenset(
    "a an the i d s ll m it its is my say go with pick choose select answer option choice one that this"
    " would".split()  # (as _plain writes them: "i'd" is "i d")
)


def _by_name(said: str, options: list[str]) -> int | None:
    """The one option a short answer names by its own words ("ALiBi", "the RoPE one"): every word is
    that option's and one of them no other option has. None for anything else (two options named, a
    reason given, a longer sentence)."""
    words = [w for w in said.split() if w not in _FILLER]
    if not words or len(words) > 4:
        return None
    owned = [set(option.split()) for option in options]
    found = [i for i, own in enumerate(owned) if set(words) <= own]
    if len(found) != 1:
        return None
    others = set().union(*(own for i, own in enumerate(owned) if i != found[0]))
    return found[0] if set(words) - others else None


_STARTS_WITH_WORD = re.compile(r"[a-h]\s+[A-Za-z]", re.IGNORECASE)  # "A dropout", "C is tempting"
_OR_LETTER = re.compile(r"\s*(?:or|/)\s*(?:(?:option|choice)\s*)?\(?([a-h])\)?(?![\w'])", re.IGNORECASE)
# A negation in the letter's own phrase (no punctuation between): "not option a", "wouldn't pick a".
_DENIED = re.compile(
    r"(?:\bnot|n't|\bnever|\brule\s+out|\brules\s+out|\bexcept)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)


def _named_letters(text: str, letters: str) -> set[str]:
    """The choices a sentence names ("it's option b", "the second one"), those it rules out ("not
    option a") left out; more than one is a hedge."""
    found: set[str] = set()
    for pattern in (_NAMED, _SAID, _SAID_SMALL, _ORDINAL):
        for m in pattern.finditer(text):
            if _DENIED.search(text[max(0, m.start() - 40) : m.start()]):
                continue
            word = m.group(1).lower()
            if pattern is _ORDINAL:
                word = letters[-1] if word == "last" else LETTERS[_ORDINALS.index(word)]
            found.add(word)
    return {letter for letter in found if letter in letters}


def grade_choice(spec: QuestionSpec, answer: str) -> AutoGrade:
    assert spec.correct is not None and spec.choices is not None
    try:
        given: str | None = read_choice(spec, answer)
    except Unreadable:
        given = None
    expected = f"{spec.correct}) {spec.choices[LETTERS.index(spec.correct)]}"
    return AutoGrade(given == spec.correct, given, expected)


# -- numbers -----------------------------------------------------------------------------------


def check_choice(spec: QuestionSpec, answer: str) -> str | None:
    """What to ask the person to retype, or None when the answer can be read (blank: no answer)."""
    if not answer.strip():
        return None
    try:
        read_choice(spec, answer)
    except Unreadable as exc:
        return str(exc)
    return None
