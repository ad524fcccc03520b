"""Lexical key-point matching: does an answer contain most of a key point's content words, fuzzily?

Fuzzy word matching (difflib's ratio, which answers of a few hundred words afford easily) tolerates
typos and word endings ("varaince", "increases"/"increase"); synonyms are left to the person.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from has have how if in into is it its of on or so than "
    "that the their then there these this those to was were what when which while who why will with "
    "you your i we our not no".split()
)
WORD_MATCH = 0.8  # difflib ratio at which two words count as the same (tolerates typos and endings)
POINT_COVERED = 0.6  # share of a key point's content words that must appear in the answer


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class PointMatch:
    covered: bool
    share: float  # of the key point's content words found in the answer
    evidence: str | None  # the answer's sentence holding most of them


def match_key_points(key_points: list[str], answer: str) -> list[PointMatch]:
    """For each key point: whether most of its content words appear in the answer, and where."""
    answer_words = set(content_words(answer))
    if not answer_words:
        return [PointMatch(False, 0.0, None) for _ in key_points]
    pool = sorted(answer_words)
    found: dict[str, str | None] = {}

    def present(word: str) -> str | None:
        """The answer's word that matches ``word``, if any."""
        if word not in found:
            if word in answer_words:
                found[word] = word
            else:
                close = difflib.get_close_matches(word, pool, n=1, cutoff=WORD_MATCH)
                found[word] = close[0] if close else None
        return found[word]

    sentences = [s.strip() for s in _SENTENCE.split(answer) if s.strip()]
    sentence_words = [set(content_words(s)) for s in sentences]
    matches = []
    for point in key_points:
        words = content_words(point)
        hits = [hit for hit in (present(w) for w in words) if hit is not None]
        share = len(hits) / len(words) if words else 0.0
        evidence = None
        if hits:
            scores = [len(set(hits) & ws) for ws in sentence_words]
            best = max(range(len(sentences)), key=lambda i: scores[i])
            evidence = sentences[best] if scores[best] else None
        matches.append(PointMatch(bool(words) and share >= POINT_COVERED, share, evidence))
    return matches
