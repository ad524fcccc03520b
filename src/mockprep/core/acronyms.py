"""Acronyms and the words they stand for, so that "IQM" meets "interquartile mean" either way. Pure.

A key point written with an acronym ("stratified bootstrap CIs") is covered by an answer that spells it
out ("confidence intervals"), and a point written out by an answer that abbreviates it. An acronym is a
word written in capitals (2 to 6 letters, an "s" of a plural allowed); the words it stands for are found
as Schwartz and Hearst find a definition beside its abbreviation: each letter in order, each word
beginning with the next letter, the second part of a compound giving one too (*I*nter*Q*uartile *M*ean),
small words such as "of" or "the" skipped or counted ("area under the curve", "mixture of experts").
"""

from __future__ import annotations

import re
from functools import lru_cache

from mockprep.core.textnorm import STOPWORDS

_CAPITALS = re.compile(r"(?<![\w-])([A-Z]{2,6})(s?)(?![\w-])")
# The small words an expansion may hold ("mixture of experts", "area under the curve"), counted or not.
_SMALL = frozenset("of the a an from to for in on with by under over".split())
# Where a letter from inside a word may be taken: after a prefix that makes it a compound
# (*I*nter*Q*uartile, *H*yper*P*arameter); "cluster" gives no "T" (nor "CTR" "cluster robust").
_PREFIXES = (
    "inter", "intra", "multi", "hyper", "super", "sub", "over", "under", "cross", "semi", "non",
    "pre", "post", "auto", "back", "micro", "macro", "meta", "mini", "bi", "tri", "self", "out",
)  # fmt: skip


def capitals(text: str) -> list[tuple[str, str]]:
    """The acronyms written in ``text``: each as its letters (lower case, no plural "s") and as the
    word the matcher reads ("CIs" → ("ci", "cis"))."""
    return list(dict.fromkeys((m[1].lower(), (m[1] + m[2]).lower()) for m in _CAPITALS.finditer(text)))


def expansion(letters: str, tokens: list[str]) -> list[str] | None:
    """The first run of ``tokens`` (folded words, small words included) that ``letters`` abbreviates,
    or None. Two-letter acronyms must be two words of five letters or more, each giving its initial:
    "CI" is "confidence interval", not "can increase"; "PR" is not the "positive rate" of "false
    positive rate" (the price: "LR" does not find "learning rate")."""
    for start, word in enumerate(tokens):
        if word[:1] == letters[0] and word not in STOPWORDS:
            end = _spelled(letters, tuple(tokens[start : start + len(letters) + 3]))
            if end is not None:
                return tokens[start : start + end]
    return None


@lru_cache(maxsize=4096)
def _spelled(letters: str, window: tuple[str, ...]) -> int | None:
    """How many of ``window``'s words spell ``letters`` from its first word, or None."""
    short = len(letters) == 2

    def walk(at: int, word_at: int, content: int) -> int | None:
        if at == len(letters):
            return word_at if content >= 2 else None
        if word_at == len(window):
            return None
        word = window[word_at]
        small = word in STOPWORDS
        if small and (word_at == 0 or short or word not in _SMALL):
            return None
        if small and word_at + 1 < len(window) and window[word_at + 1] not in STOPWORDS:
            skipped = walk(at, word_at + 1, content)
            if skipped is not None:
                return skipped
        if word[:1] != letters[at] or not word.isalpha() or (short and len(word) < 5):
            return None
        end = walk(at + 1, word_at + 1, content + (not small))
        if end is None and not short and at + 1 < len(letters):
            inner = _inner_letter(word)  # *I*nter*Q*uartile: the compound's second initial
            if inner == letters[at + 1]:
                end = walk(at + 2, word_at + 1, content + 1)
        return end

    return walk(0, 0, 0)


def _inner_letter(word: str) -> str | None:
    """The first letter after a prefix that makes ``word`` a compound ("interquartile" → "q")."""
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) >= len(prefix) + 4:
            return word[len(prefix)]
    return None
