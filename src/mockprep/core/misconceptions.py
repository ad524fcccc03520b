"""A bank's common misconceptions of a question, found in an answer. Pure.

A question may list the wrong claims candidates commonly make (``misconceptions`` in its bank file: one
sentence each, stated as a candidate would state it). A keyword-stuffed wrong answer shares a key point's
words and its meaning as a bag of words, so word matching and the embedding model credit it; a stated
misconception is what tells it apart. A sentence of the answer states a misconception when

- it matches the misconception closely: half the mean share of stems each has of the other plus half
  their cosine similarity under the meaning model (the share alone without it) reaches :data:`CLOSE`;
- it matches it more closely than any sentence of the reference (the model answer and the key points),
  by :data:`CLEARER`, and states at least :data:`COVER` of its stems: "it saves memory, since one
  micro-batch's activations are kept" shares the topic of "accumulation needs k times the activation
  memory, since all micro-batches' activations are kept", not its claim;
- it shares with it a word the question's own text (prompt, model answer, key points) never uses and
  that is more than a connective or a light verb ("because", "like", "makes"), nor two of its words
  written as one ("BatchNorm" for "batch normalisation"): what makes the claim wrong is mostly what
  it adds;
- both or neither are negated, and the sentence does not call what it says a mistake ("a common
  myth is that ..."; a denial of a misconception is right).

A misconception with no word of its own that says a reference sentence without its negation ("the
p-value is the probability that the null hypothesis is true" of the key point "not the probability that
the null is true", as bank authors write them) is looked for where a sentence says that reference
sentence nearly word for word (:func:`_within`), with the misconception's polarity. Any other
misconception that only rearranges the reference's words is not looked for (it is still shown to the
person with the question): one with no word of its own, or whose stems lie mostly (:data:`FAR`) in one
reference sentence ("a large C gives a wider margin" beside "a small C gives a wider margin"),
matches a correct sentence about as well as a wrong one, and is left to the reversal and
misattribution checks of :mod:`mockprep.core.contradictions`. The thresholds were chosen on the
development set of ``benchmarks/grading``, with misconceptions written without seeing its answers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockprep.core.polarity import negated
from mockprep.core.textnorm import NEGATIONS, STOPWORDS, content_stems, joined_forms, words

if TYPE_CHECKING:
    from mockprep.core.embedding import Embedder

CLOSE = 0.5  # how closely a sentence must match a misconception (see the module docstring)
CLEARER = 0.05  # ... and by how much more closely than any reference sentence
COVER = 0.5  # ... and the share of the misconception's stems it must state
FAR = 0.7  # a misconception with this share of its stems in one reference sentence is a small edit of it
LEAST_STEMS = 3  # a sentence with fewer content words states nothing to check
# A sentence that names what it states as a mistake is not stating it.
_DISOWNED = re.compile(
    r"\b(?:mistakes?|myths?|misconceptions?|wrong(?:ly)?|incorrect(?:ly)?|false|fallac\w*|pitfalls?|"
    r"traps?|naive(?:ly)?|misleading|misread|confus\w*|common (?:belief|claim|assumption|error))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Stated:
    """A sentence of an answer that states one of the question's misconceptions."""

    sentence: str
    misconception: str
    closeness: float  # how closely they match
    reference: float  # how closely the sentence matches the reference at best


def _stems(text: str) -> frozenset[str]:
    return frozenset(content_stems(text))


def _share(part: frozenset[str], whole: frozenset[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _closeness(a: frozenset[str], b: frozenset[str], meaning: float | None) -> float:
    """Half the mean share of stems each has of the other, half the meaning (the share alone without)."""
    words = (_share(a, b) + _share(b, a)) / 2
    return words if meaning is None else (words + meaning) / 2


def _phrase(text: str) -> tuple[str, ...]:
    """A sentence's words without its negations, from its first content word to its last."""
    kept = [w for w in words(text) if w not in NEGATIONS]
    content = [i for i, w in enumerate(kept) if w not in STOPWORDS]
    return tuple(kept[content[0] : content[-1] + 1]) if content else ()


def _within(said: list[str], phrase: tuple[str, ...], slack: int = 2) -> int | None:
    """Where ``said`` holds ``phrase`` in order, with at most ``slack`` other words among it ("the
    probability that the null hypothesis is true" holds "probability that the null is true")."""
    for start, word in enumerate(said):
        if word != phrase[0]:
            continue
        at, end = 1, start + 1
        while at < len(phrase) and end < len(said) and end - start < len(phrase) + slack:
            at += said[end] == phrase[at]
            end += 1
        if at == len(phrase):
            return start
    return None


# "X rather than Y", "unlike p-values, ...": a sentence that sets the phrase against something else
_CONTRAST = re.compile(r"\b(?:rather than|instead of|as opposed to|unlike|in contrast|versus|vs)\b", re.I)


def _says_phrase(sentence: str, phrase: tuple[str, ...], claim: frozenset[str]) -> bool:
    """The sentence says ``phrase`` as its own claim: of the misconception's subject or a pronoun (what it
    says before the phrase holds no content word the misconception lacks), and not set against it."""
    said = words(sentence)
    start = _within(said, phrase)
    if start is None or _CONTRAST.search(sentence):
        return False
    return set(content_stems(" ".join(said[:start]))) <= claim | _plain_words()


# Words that never make a claim wrong on their own (connectives, hedges, light verbs, operators spelled
# out): a sentence sharing only these with a misconception adds nothing of its claim. Written after
# reading the false flags of tests/data/grading_probes/correct_c.json ("because", "like", "minus"); the
# reporting verbs after an independent tester's ("the law of large numbers says ...").
_PLAIN = """because since so thus hence therefore like unlike simply just only also even still always never
often usually really actually basically exactly entirely whole every each any all make makes made making
give gives given gave get gets got use uses used using way ways thing things rule rules need needs needed
minus plus times over equals equal divided per say says said saying tell tells told"""


# Notation and the words it is read as: "σ_max / σ_min" is "the ratio of the largest to the smallest
# singular value", so those words are the question's own, not what a misconception adds (a tester's
# correct answer in words was taken for "the ratio of the largest to the smallest entry").
_READINGS = (
    (re.compile(r"(?<![A-Za-z])max(?![A-Za-z])|_max|\bmaxim"), "largest maximum biggest highest greatest"),
    (re.compile(r"(?<![A-Za-z])min(?![A-Za-z])|_min|\bminim"), "smallest minimum lowest least"),
    (re.compile(r"\w\)?\s*/\s*\(?\w|÷"), "ratio quotient"),
    (re.compile(r"\^2|²"), "squared square squares squaring"),
)


# A numbered kind of a thing: "type I", "type II error", "stage 2", "phase III".
_LABEL = re.compile(r"\b(type|phase|stage|class|tier|level|grade)[ -](IV|I{1,3}|V|[1-9])\b", re.IGNORECASE)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}


def _labels(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for noun, number in _LABEL.findall(text):
        out.setdefault(noun.lower(), set()).add(_ROMAN.get(number.lower(), number))
    return out


def _other_labels(sentence: str, misconception: str) -> bool:
    """The sentence and the misconception name other numbered kinds of one thing ("a type I error is
    rejecting a true null" is not "a type II error is rejecting a true null"): the sentence speaks of
    something else."""
    said, wrong = _labels(sentence), _labels(misconception)
    return any(noun in said and not said[noun] & numbers for noun, numbers in wrong.items())


def _read_aloud(text: str) -> frozenset[str]:
    """The stems of the words ``text``'s notation is read as (see :data:`_READINGS`)."""
    return frozenset(s for pattern, said in _READINGS if pattern.search(text) for s in content_stems(said))


@functools.cache
def _plain_words() -> frozenset[str]:
    return frozenset(stem for word in _PLAIN.split() for stem in content_stems(word))


class Misconceptions:
    """A question's misconceptions beside its reference sentences (built once per question)."""

    def __init__(self, misconceptions: Sequence[str], reference: Sequence[str], prompt: str = ""):
        self.reference = [(text, _stems(text)) for text in reference if text.strip()]
        known = _stems(prompt).union(*(r for _t, r in self.reference)) | _plain_words()
        known |= _read_aloud(" ".join([prompt, *(t for t, _r in self.reference)]))
        # two words of the question's text written as one ("BatchNorm" for "batch normalisation") are
        # its own name, not a word the misconception adds
        joined = {j for text in [prompt, *(t for t, _r in self.reference)] for j in joined_forms(text)}
        # (text, its stems, the stems the question's own text never uses, the reference's words it
        # says the other way round when it has none of its own)
        self.items: list[tuple[str, frozenset[str], frozenset[str], tuple[str, ...]]] = []
        for text in misconceptions:
            stems = _stems(text)
            if len(stems) < LEAST_STEMS:
                continue
            own = {w for w in stems - known if not any(j.startswith(w) for j in joined)}
            if own and max((_share(stems, r) for _t, r in self.reference), default=0.0) < FAR:
                self.items.append((text, stems, frozenset(own), ()))
            elif phrase := self._flipped(text):
                self.items.append((text, stems, frozenset(), phrase))

    def _flipped(self, text: str) -> tuple[str, ...]:
        """The words of a reference sentence of the other polarity that the misconception says nearly
        word for word without its negation ("the probability that the null is true" of the key point
        "not the probability that the null is true"), or nothing."""
        polarity, said = negated(text), words(text)
        for r_text, r in self.reference:
            if negated(r_text) == polarity or len(r) < LEAST_STEMS:
                continue
            phrase = _phrase(r_text)
            if len(phrase) >= LEAST_STEMS and _within(said, phrase) is not None:
                return phrase
        return ()

    def __bool__(self) -> bool:
        return bool(self.items)

    def stated(self, sentences: Sequence[str], embedder: Embedder | None = None) -> list[Stated]:
        """The sentences that state a misconception (each with the one it matches best), in order."""
        told = [(s, _stems(s)) for s in sentences if not _DISOWNED.search(s)]
        told = [(s, stems) for s, stems in told if len(stems) >= LEAST_STEMS]
        if not self.items or not told:
            return []
        texts = [s for s, _ in told]
        if embedder is not None:
            against_items = embedder.similarities(texts, [item[0] for item in self.items])
            against_reference = (
                embedder.similarities(texts, [t for t, _ in self.reference])
                if self.reference
                else [[] for _ in texts]
            )
        else:
            against_items = [[None] * len(self.items) for _ in texts]
            against_reference = [[None] * len(self.reference) for _ in texts]
        out = []
        for i, (sentence, stems) in enumerate(told):
            scores = [_closeness(stems, item[1], against_items[i][j]) for j, item in enumerate(self.items)]
            best = max(range(len(scores)), key=scores.__getitem__)
            reference = max(
                (_closeness(stems, r, against_reference[i][k]) for k, (_t, r) in enumerate(self.reference)),
                default=0.0,
            )
            text, stated, new, phrase = self.items[best]
            if (
                scores[best] >= CLOSE
                and scores[best] >= reference + CLEARER
                and (_says_phrase(sentence, phrase, stated) if phrase else stems & new)
                and _share(stated, stems) >= COVER
                and negated(sentence) == negated(text)
                and not _other_labels(sentence, text)
            ):
                out.append(Stated(sentence, text, scores[best], reference))
        return out
