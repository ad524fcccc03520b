"""Statements that reuse a question's vocabulary but attach it to the wrong entity. Pure.

A wrong answer that is keyword-stuffed often swaps what belongs to two parallel entities: "L1 corresponds
to a Gaussian prior and L2 to a Laplace prior", "β1 = 0.999 and β2 = 0.9", "stage 1 shards the
parameters ... stage 3 the optimizer states". Word matching and a bag-of-words embedding cannot see the
swap; the reference (the model answer and the key points) can.

Entities are the indexed forms of one name that the reference uses side by side (L1/L2, β1/β2,
stage 1/stage 3, type I/type II). An attribute belongs to an entity when it follows the entity in a
reference sentence that names no sibling, or in the entity's own stretch of a sentence that names
several. An answer's sentence that names two siblings and puts, in one sibling's stretch of a clause, a
key-point word (or a number) that the reference gives only to another sibling the sentence also names,
misattributes it. Other kinds of wrong answer (negated claims, reversed comparisons without indexed
entities, wrong formulas) are not detected here: measured on the development set, the candidates tried
fired on correct answers (see benchmarks/grading).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockprep.core.textnorm import NEGATIONS, STOPWORDS, fold, stem

NEAR = 5  # tokens after an entity that belong to it in an answer's clause
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")
_INDEX = re.compile(r"^(?:\d|i{1,3}|iv)$")  # "L1", "stage 3", "type II", "β2"
# Words that symbols are spelled out as ("≥ 0" → "at least 0"): a number after them is no index.
_NOT_NAMES = frozenset("least most than times plus minus approx equal to from in at".split())
_CLAUSE = re.compile(r"[,:;()]")


@dataclass(frozen=True)
class Misattribution:
    """``attribute`` stands with ``entity`` in the answer, but the reference gives it to ``owner``."""

    entity: str
    attribute: str
    owner: str
    sentence: str


def anchors(text: str) -> list[str]:
    """Content stems in order, an index joined to the name before it ("stage 1" → "stage_1")."""
    raw = _TOKEN.findall(fold(text))
    out: list[str] = []
    i = 0
    while i < len(raw):
        token = raw[i]
        indexed = (
            token.isalpha()
            and token not in _NOT_NAMES
            and not _INDEX.match(token)
            and i + 1 < len(raw)
            and _INDEX.match(raw[i + 1])
            and not (i + 2 < len(raw) and raw[i + 2].isdigit())  # "½" → "1 2", "0.9" stays whole
        )
        if indexed:
            out.append(stem(token) + "_" + raw[i + 1])
            i += 2
            continue
        if token not in STOPWORDS and token not in NEGATIONS:
            out.append(stem(token) if token.isalpha() else token)
        i += 1
    return out


def _siblings(reference: list[list[str]]) -> dict[str, set[str]]:
    """Each indexed entity of the reference and the other indices of its name."""
    by_name: dict[str, set[str]] = {}
    for tokens in reference:
        for t in tokens:
            if "_" in t:
                by_name.setdefault(t.split("_", 1)[0], set()).add(t)
    return {t: group - {t} for group in by_name.values() if len(group) >= 2 for t in group}


def _stretches(tokens: list[str], entities: set[str], near: int) -> dict[str, set[str]]:
    """The tokens after each mention of an entity, up to the next entity or ``near`` tokens."""
    out: dict[str, set[str]] = {}
    at = [i for i, t in enumerate(tokens) if t in entities]
    for k, i in enumerate(at):
        end = min(at[k + 1] if k + 1 < len(at) else len(tokens), i + 1 + near)
        out.setdefault(tokens[i], set()).update(tokens[i + 1 : end])
    return out


class Reference:
    """What the model answer and key points attach to each indexed entity, built once per question."""

    def __init__(self, sentences: list[str], key_points: list[str]):
        tokens = [anchors(s) for s in [*key_points, *sentences]]
        self.siblings = _siblings(tokens)
        self.keys = {t for point in key_points for t in anchors(point)}
        entities = set(self.siblings)
        self.belongs: dict[str, set[str]] = {}
        for sentence in tokens:
            named = {t for t in sentence if t in entities}
            if len(named) == 1:
                self.belongs.setdefault(named.pop(), set()).update(sentence)
            else:
                for entity, stretch in _stretches(sentence, entities, len(sentence)).items():
                    self.belongs.setdefault(entity, set()).update(stretch)

    def misattribution(self, sentence: str) -> Misattribution | None:
        """The first attribute ``sentence`` gives to the wrong one of two siblings it names, if any."""
        if not self.siblings:
            return None
        entities = set(self.siblings)
        named = {t for t in anchors(sentence) if t in entities}
        if len(named) < 2:
            return None
        for clause in _CLAUSE.split(sentence):
            stretches = _stretches(anchors(clause), entities, NEAR)
            for entity, stretch in stretches.items():
                for word in sorted(stretch):
                    if word in entities or len(word) < 2 or word in self.belongs.get(entity, ()):
                        continue
                    if word not in self.keys and not word[0].isdigit():
                        continue  # only what a key point names, or a number, is telling
                    owners = sorted(
                        other
                        for other in self.siblings[entity] & named
                        if word in self.belongs.get(other, ()) and word not in stretches.get(other, ())
                    )
                    if owners:
                        return Misattribution(entity, word, owners[0], sentence)
        return None
