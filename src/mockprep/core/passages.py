"""An answer cut into passages: its sentences and bullet items, and pairs of neighbours, each with its
stems, its compounds and its negations, as the key-point judge reads them (:mod:`mockprep.core.keypoints`).
Pure."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from mockprep.core.quantities import find_quantity
from mockprep.core.textnorm import NEGATIONS, STOPWORDS, content_stems, joined_forms, stem, words

MAX_ANSWER_CHARS = 60_000  # a longer paste is judged on its first 60,000 characters
# Sentence ends, semicolons, line breaks and "•" bullets. A dash or star inside a line is a minus, a
# product or an aside ("(f(x+h) - f(x-h)) / 2h"), not a bullet: bullets typed with them start a line.
_SEGMENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|[;\n]+|\s+•\s+")
_BULLET = " -•*\t\r"


@dataclass(frozen=True)
class Passage:
    text: str
    stems: frozenset[str]
    joined: frozenset[str]
    negated: bool

    @functools.cached_property
    def counted(self) -> bool:
        """It states a quantity (not a year, a date or a version: :mod:`mockprep.core.quantities`), which
        stands in for "quantified"; worked out only for a point that asks for one."""
        return find_quantity(self.text) is not None

    @functools.cached_property
    def negates(self) -> frozenset[str]:
        """The stems a negation in it applies to (:func:`negated_stems`)."""
        return frozenset(negated_stems(self.text))


def _spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence or bullet item of ``text`` starts and ends (bullet marks left out)."""
    out = []
    start = 0
    for end, following in [(m.start(), m.end()) for m in _SEGMENT.finditer(text)] + [(len(text), 0)]:
        piece = text[start:end]
        stripped = piece.lstrip(_BULLET)
        left = start + len(piece) - len(stripped)
        right = left + len(stripped.rstrip(_BULLET))
        if right > left:
            out.append((left, right))
        start = following
    return out


def sentences(text: str) -> list[str]:
    """A text's sentences and bullet items (the first 60,000 characters), as written."""
    text = text[:MAX_ANSWER_CHARS]
    return [text[a:b] for a, b in _spans(text)]


def flat(text: str | None) -> str:
    """Text with each run of whitespace as one space (how a pair of passages is quoted)."""
    return " ".join((text or "").split())


def passages(answer: str) -> list[Passage]:
    """The answer's sentences (and bullet items), each with its stems; pairs of neighbours too, quoted
    as written (the evidence a person reads is the answer's own text)."""
    return list(_passages(answer))


@functools.lru_cache(maxsize=512)  # read again by features() after meaning_texts() (bank validate)
def _passages(answer: str) -> tuple[Passage, ...]:
    text = answer[:MAX_ANSWER_CHARS]
    spans = _spans(text)
    if len(spans) > 400:  # a huge paste: merge into ~400 passages so the work stays bounded
        size = math.ceil(len(spans) / 400)
        spans = [(spans[i][0], spans[min(i + size, len(spans)) - 1][1]) for i in range(0, len(spans), size)]
    singles = [passage(text[a:b]) for a, b in spans]
    pairs = [
        _joined(flat(text[spans[i][0] : spans[i + 1][1]]), singles[i], singles[i + 1])
        for i in range(len(spans) - 1)
    ]
    return (*singles, *pairs)


def _joined(text: str, first: Passage, second: Passage) -> Passage:
    """Two neighbouring passages read as one (their words are those of each: read once, not twice)."""
    return Passage(
        text,
        first.stems | second.stems,
        first.joined | second.joined,
        first.negated or second.negated,
    )


def passage(text: str) -> Passage:
    tokens = words(text)
    return Passage(
        text,
        frozenset(content_stems(text)),
        frozenset(joined_forms(text)),
        any(t in NEGATIONS for t in tokens),
    )


NEGATION_SCOPE = 2  # content words after a negation that it applies to
_SCOPE_ENDS = frozenset("but because while whereas although though unless so".split())


def negated_stems(text: str) -> set[str]:
    """Stems that a negation in ``text`` applies to ("does not depend on" → {"depend"})."""
    tokens = words(text)
    out: set[str] = set()
    for i, token in enumerate(tokens):
        if token not in NEGATIONS or token == "without":
            continue
        taken = 0
        for follower in tokens[i + 1 :]:
            if follower in _SCOPE_ENDS or follower in NEGATIONS or taken == NEGATION_SCOPE:
                break
            if follower not in STOPWORDS:
                out.add(stem(follower))
                taken += 1
    return out
