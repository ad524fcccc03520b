"""Lexical key-point matching: does an answer contain most of a key point's content words, fuzzily?

Fuzzy word matching (difflib's ratio) tolerates typos and word endings ("varaince", "increases"/
"increase"); synonyms are left to the person. The cost stays bounded for any answer, even a pasted
10 MB one: the answer is read once, exact matches are set look-ups, fuzzy matching compares a key
point's word only with answer words of a length that could reach the threshold, among the first
:data:`FUZZY_VOCABULARY` distinct words, and evidence is looked for only in sentences holding a hit.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Sentences end where whitespace follows . ! or ?, and at line breaks: r"(?<=[.!?])\s+|\n+", which
# sentences() finds faster by looking only where one of those characters is.
_BOUNDARY_CHAR = re.compile(r"[.!?\n]")
_SPACES = re.compile(r"\s+")
_NEWLINES = re.compile(r"\n+")
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from has have how if in into is it its of on or so than "
    "that the their then there these this those to was were what when which while who why will with "
    "you your i we our not no".split()
)
WORD_MATCH = 0.8  # difflib ratio at which two words count as the same (tolerates typos and endings)
POINT_COVERED = 0.6  # share of a key point's content words that must appear in the answer
# Distinct answer words (in order of appearance) that fuzzy matching compares against. Answers of a
# few hundred words have far fewer; past it only exact matches count. A bound on work, not a tunable.
FUZZY_VOCABULARY = 5_000


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class PointMatch:
    covered: bool
    share: float  # of the key point's content words found in the answer
    evidence: str | None  # the answer's sentence holding most of them


def sentences(text: str) -> Iterator[str]:
    """The pieces of ``text`` between sentence ends, as ``re.split`` would give them, one at a time."""
    start = end = 0
    for candidate in _BOUNDARY_CHAR.finditer(text):
        at = candidate.start()
        if at < end:
            continue  # inside the whitespace of the last boundary
        if text[at] == "\n":
            boundary = _NEWLINES.match(text, at)
        else:
            boundary = _SPACES.match(text, at + 1)
        if boundary is None:
            continue
        yield text[start : boundary.start()]
        start = end = boundary.end()
    yield text[start:]


class _Vocabulary:
    """The answer's distinct words, and for each key-point word the answer word that matches it."""

    def __init__(self, answer: str):
        tokens = _WORD.findall(answer.lower())
        # Filtering the distinct tokens, not every token: content_words(answer) as a set, faster.
        self.words = {w for w in set(tokens) if w not in _STOPWORDS and len(w) > 1}
        # The fuzzy pool: every distinct word, or the first FUZZY_VOCABULARY of them, by length.
        pool = self.words if len(self.words) <= FUZZY_VOCABULARY else _first_distinct(tokens, self.words)
        self.by_length: dict[int, list[str]] = {}
        for word in pool:
            self.by_length.setdefault(len(word), []).append(word)
        self.found: dict[str, str | None] = {}

    def match(self, word: str) -> str | None:
        if word not in self.found:
            self.found[word] = word if word in self.words else self._closest(word)
        return self.found[word]

    def _closest(self, word: str) -> str | None:
        # difflib's ratio is at most 2·min(a, b)/(a + b) (its real_quick_ratio), so words of other
        # lengths can never reach WORD_MATCH: they are not handed to it. Same comparison, same result
        # (get_close_matches ranks by score, then word, whatever the pool's order).
        size = len(word)
        pool = [
            candidate
            for length, words in self.by_length.items()
            if 2.0 * min(size, length) / (size + length) >= WORD_MATCH
            for candidate in words
        ]
        close = difflib.get_close_matches(word, pool, n=1, cutoff=WORD_MATCH)
        return close[0] if close else None


def _first_distinct(tokens: list[str], words: set[str]) -> set[str]:
    first: set[str] = set()
    for token in tokens:
        if token in words:
            first.add(token)
            if len(first) == FUZZY_VOCABULARY:
                break
    return first


def _evidence(answer: str, point_hits: list[set[str]]) -> list[str | None]:
    """Per key point, the first of the answer's sentences holding the most of its hits (None: none).

    Long answers stay cheap: a repeated sentence cannot beat its first appearance and is skipped, one
    regular expression skips sentences holding no hit before they are split into words, and reading
    stops once every key point has a sentence holding all its hits.
    """
    wanted = set().union(*point_hits)
    best: list[tuple[int, str | None]] = [(0, None)] * len(point_hits)
    if not wanted:
        return [None] * len(point_hits)
    any_hit = re.compile("|".join(map(re.escape, sorted(wanted, key=len, reverse=True))))
    seen: set[str] = set()
    for sentence in sentences(answer):
        sentence = sentence.strip()
        if not sentence or sentence in seen:
            continue
        seen.add(sentence)
        lowered = sentence.lower()
        if any_hit.search(lowered) is None:
            continue
        held = wanted.intersection(_WORD.findall(lowered))  # hits are content words already
        for index, hits in enumerate(point_hits):
            score = len(hits & held)
            if score > best[index][0]:
                best[index] = (score, sentence)
        if all(score == len(hits) for (score, _), hits in zip(best, point_hits, strict=True)):
            break
    return [sentence for _, sentence in best]


def match_key_points(key_points: list[str], answer: str) -> list[PointMatch]:
    """For each key point: whether most of its content words appear in the answer, and where."""
    vocabulary = _Vocabulary(answer)
    if not vocabulary.words:
        return [PointMatch(False, 0.0, None) for _ in key_points]
    shares = []
    point_hits = []
    for point in key_points:
        words = content_words(point)
        hits = [hit for hit in map(vocabulary.match, words) if hit is not None]  # repeats count
        shares.append((bool(words), len(hits) / len(words) if words else 0.0))
        point_hits.append(set(hits))
    evidence = _evidence(answer, point_hits)
    return [
        PointMatch(has_words and share >= POINT_COVERED, share, where)
        for (has_words, share), where in zip(shares, evidence, strict=True)
    ]
