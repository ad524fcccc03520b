"""Statements that reuse a question's vocabulary but say the opposite of the reference. Pure.

Two kinds are found, each checked against the reference (the model answer and the key points):

**Denials.** "The identity path doesn't carry the gradient itself", "Platt scaling isn't needed",
"reporting the best seed is legitimate": a clause that states most of a key point's words with the
opposite polarity of the reference clause it matches best (one has a negation, the other not), when no
reference clause of its own polarity matches nearly as well. "Not just"/"isn't only" are no negation;
"X is not Y" where Y repeats X's words ("statistical significance is not practical significance") is a
distinction, not a denial; "invariant" and "independent" count as negations ("does not depend"), "with
no" does not ("trained with no labels"), as "without" does not. A negation both sides apply to the
same word ("a value never seen with a class ...") is no difference between them.
Double negatives affirm: a negation followed in its clause by "without"/"until"/"unless" ("never
learned anything without sharing it", "can't lower α without lowering power") or by a second negation
in a relative clause ("no objection that I hadn't anticipated") is cancelled, "no matter" is none, and
a negated clause holding the opposite of one of the point's words ("none of it is fit outside the
fold" for "fit inside each fold") is not a denial.

**Reversals.** "exp underflows for large logits", "large C gives a wider margin": a clause that states
at least a third of a key point's words with a directional word whose opposite (overflow/underflow,
wider/narrower, stable/unstable..., and WordNet's antonyms: same/different, forward/reverse) stands in
the reference clause it matches, when no reference clause
with the word itself matches nearly as well. The clause must share two words besides the directional
one with that reference clause, and an even number of reversals (two directional words flipped, or
one flipped under a negation of either side: "power rises with lower variance", "to match" against
"avoids a mismatch") agree with it rather than reverse it.

**Misattributions.**

A wrong answer that is keyword-stuffed often swaps what belongs to two parallel entities: "L1 corresponds
to a Gaussian prior and L2 to a Laplace prior", "β1 = 0.999 and β2 = 0.9", "stage 1 shards the
parameters ... stage 3 the optimizer states". Word matching and a bag-of-words embedding cannot see the
swap; the reference (the model answer and the key points) can.

Entities (:mod:`mockprep.core.entities`) are the indexed forms of one name that the reference uses side
by side (L1/L2, β1/β2, stage 1/stage 3, type I/type II), the things the prompt lists side by side (never
a number: "at 10x and at 100x"), and the one-word names of key points written "Name: …" ("BFS: …", "DFS:
…"). An entity the reference describes nowhere (a word of the prompt only) has no foreign attribute. An
attribute belongs to an entity when it follows the entity in a reference sentence that names no sibling,
or in the entity's own stretch of a sentence that names several. An answer's sentence that names two
siblings and puts, in one sibling's stretch of a clause, a key-point word (or a number stated as its
value, right after it) that the reference gives only to another sibling the sentence also names,
misattributes it, unless the sentence also applies the word to that other sibling (brackets split
clauses: "log(1 + e^z) − y z, and avoid log(sigmoid(z))"). A sentence that names one entity
misattributes when a clause of it, not negated, gives the entity a key-point word the reference gives it
with a negative prefix turned ("PCA is supervised" where PCA is unsupervised; only un- and non-:
WordNet's other antonyms took other senses on correct answers, "lies above", "the true class", and in-
or dis- made false pairs, "inform", "discount"). Misattribution sees no other kind of wrong answer
(negated claims and reversed comparisons are the denials and reversals above); wider rules measured on
the development set fired on correct answers (see benchmarks/grading). A broad formula check and a
"disavowal" check were tried on branch g15 and removed: they falsely contradicted 20 points of an
independent reviewer's correct answers (tests/data/grading_probes). Formulas with one symbol changed are
found by the strict rule of :mod:`mockprep.core.formulas`, whose reference each Reference holds
(``formulas``)."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from mockprep.core.entities import anchors, point_entities, prompt_entities, siblings, stretches
from mockprep.core.formulas import FormulaReference
from mockprep.core.polarity import NEGATING, NOT_JUST, hedged, negated, negating_stems
from mockprep.core.textnorm import NEGATIONS, STOPWORDS, content_stems, stem, words

NEAR = 5  # tokens after an entity that belong to it in an answer's clause
# ... and a number no key point names belongs to it only this close: its value ("β1 = 0.999", "β1 of 0.9"),
# not a value of something else the clause goes on to ("size grows as compute to the 0.73", "label the
# first subword and mask the rest with -100")
NUMBER_NEAR = 2
_CLAUSE = re.compile(r"[,:;()]")
_JOINED = re.compile(r"\b(?:and|but|while|whereas)\b", re.IGNORECASE)
# Where a claim ends and the next begins, for denials.
_CLAUSES = re.compile(
    r"[,;:()]|\b(?:but|while|whereas|although|though|because|since|so|which)\b", re.IGNORECASE
)
_COORDINATED = re.compile(r"\b(?:and|or)\b", re.IGNORECASE)
# Directional words and their opposites, beyond the judge's own table (directions.OPPOSITES).
_REVERSED = [
    ("overflow", "underflow"), ("stable", "unstable"), ("easy", "hard"), ("maximum", "minimum"),
    ("max", "min"), ("maximise", "minimise"), ("large", "small"), ("early", "late"),
    ("before", "after"), ("rare", "common"), ("wide", "narrow"), ("high", "low"), ("raise", "lower"),
    ("rises", "falls"), ("grows", "falls"), ("biased", "unbiased"), ("always", "never"),
    ("harmful", "harmless"), ("offline", "online"), ("divides", "multiplies"), ("first", "last"),
    ("increasing", "decreasing"), ("overestimate", "underestimate"), ("inside", "outside"),
]  # fmt: skip
REVERSAL_SHARE = 0.34  # share of a key point's words a clause must state for a reversal
POINT_SHARE = 0.5  # share of a key point's words a clause must state to be a claim about it
CLAUSE_SHARE = 0.5  # share of the clause's words the reference clause of the other polarity must hold
CLEARER = 0.2  # ... by this much more than any reference clause of the clause's own polarity


@dataclass(frozen=True)
class Denial:
    """``clause`` of the answer says the opposite of ``reference`` (a clause of the model answer or
    of the key point)."""

    clause: str
    reference: str


_CALL = re.compile(r"\b([A-Za-z]+)\s*\(")


def _negates_a_point_word(clause: str, point_stems: AbstractSet[str]) -> bool:
    """The clause says "non-X" or "unX" of a word X of the point."""
    tokens = words(clause)
    for i, token in enumerate(tokens):
        if token == "non" and i + 1 < len(tokens) and stem(tokens[i + 1]) in point_stems:
            return True
        if token.startswith("un") and len(token) > 5 and stem(token[2:]) in point_stems:
            return True
    return False


def called_in(clause: str, whole: str = "") -> frozenset[str]:
    """The stems of the functions a clause calls ("max(0, 1 - y f(x))"), its last word too when the
    ``whole`` text goes on with a bracket after it: a function's name states no direction, so the
    hinge loss's "max" does not reverse an objective's "minimise"."""
    if whole and _bracket_follows(clause.rstrip(), whole):
        clause += "("
    return frozenset(stem(name.lower()) for name in _CALL.findall(clause))


def _bracket_follows(clause: str, whole: str) -> bool:
    """Whether ``clause`` appears in ``whole`` followed by a bracket, spaces aside (a search for the
    clause as a regular expression, compiled anew for every clause, cost more than the rest of it)."""
    at = whole.find(clause)
    while at >= 0:
        rest = whole[at + len(clause) :].lstrip()
        if rest.startswith("("):
            return True
        at = whole.find(clause, at + 1)
    return False


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    """A clause's content stems (cached: each clause is compared with every key point). "Subject to" a
    constraint is a connective: its "subject" is no antonym of an "objective"."""
    return frozenset(content_stems(_SUBJECT_TO.sub(" ", text)))


_SUBJECT_TO = re.compile(r"\bsubject\s+to\b", re.IGNORECASE)


def claims(text: str, coordinated: bool = False, least: int = 2) -> list[str]:
    """A text's clauses with at least ``least`` content words (split at "and"/"or" too when
    ``coordinated``)."""
    from mockprep.core.keypoints import sentences

    out = []
    for sentence in sentences(text):
        for clause in _CLAUSES.split(sentence):
            parts = _COORDINATED.split(clause) if coordinated and clause else [clause]
            out += [c.strip() for c in parts if c and len(_stems(c.strip())) >= least]
    return out


@lru_cache(maxsize=1)
def _opposites() -> dict[str, set[str]]:
    """Word stems and their opposites: the judge's directional words, :data:`_REVERSED` and WordNet's
    antonyms (``wordnet_antonyms.txt``, with their stems, made by ``python -m
    benchmarks.grading.wordnet_antonyms``)."""
    from pathlib import Path

    from mockprep.core.directions import OPPOSITES

    pairs = [(stem(a), stem(b)) for a, b in [*OPPOSITES, *_REVERSED]]
    for line in (Path(__file__).parent / "wordnet_antonyms.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            pairs.append(tuple(line.split()[2:]))  # the stems, made with the file
    table: dict[str, set[str]] = {}
    for first, second in pairs:
        if first != second:
            table.setdefault(first, set()).add(second)
            table.setdefault(second, set()).add(first)
    return table


@lru_cache(maxsize=8192)
def _governed(clause: str) -> frozenset[str]:
    """The word each negation of a clause applies to: the first content word after it."""
    tokens = words(NOT_JUST.sub(" ", clause))
    out = set()
    for i, token in enumerate(tokens):
        if token in NEGATING:
            after = (t for t in tokens[i + 1 :] if t not in STOPWORDS and t not in NEGATIONS)
            if (word := next(after, None)) is not None:
                out.add(stem(word))
    return frozenset(out)


# "X isn't needed / a concern / important": the negation dismisses X itself, whatever else is said.
_DISMISSED = frozenset(
    stem(w)
    for w in "need needed necessary required concern matter matters important worth useful relevant "
    "problem issue bother worry care".split()
)


def _applies(negative: str, positive: AbstractSet[str]) -> bool:
    """A negation in ``negative`` applies to something the positive side states (or dismisses it).
    The positive side's words are those no negation of its own governs: a negation both sides apply
    to the same word ("a value never seen with a class") is none of their difference."""
    governed = _governed(negative)
    return bool(governed & positive or governed & _DISMISSED)


def _share(part: AbstractSet[str], whole: AbstractSet[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _applied(sentence: str, entity: str, word: str) -> bool:
    """Whether the sentence applies ``word`` to ``entity`` as a function: "log(sigmoid(z))"."""
    return re.search(rf"\b{re.escape(word)}\s*\(\s*{re.escape(entity)}", sentence, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Misattribution:
    """``attribute`` stands with ``entity`` in the answer, but the reference gives it to ``owner``."""

    entity: str
    attribute: str
    owner: str
    sentence: str


# A line that lists weak answers ("Weak answers to avoid: no evidence gathered before committing; ...")
_WEAK_ANSWERS = re.compile(r"^[ \t]*weak answers\b[^:\n]*:.*$", re.MULTILINE | re.IGNORECASE)


def asserted(text: str) -> str:
    """``text`` without its lines of weak answers, which say what a good answer does not: a model answer's
    list is no reference for what an answer should say, and an answer that quotes one (a pasted model
    answer) denies nothing by it."""
    return _WEAK_ANSWERS.sub("", text)


def _reverses(clause: str, reference: str, reference_negative: bool) -> bool:
    """Whether a clause says the opposite of ``reference``: an odd number of its words flipped against
    the reference's, counting each side's negation as one more. A flip to or from a word that itself
    negates ("doesn't depend" against "independent") is counted once, in that side's negation."""
    stems, theirs = _stems(clause), _stems(reference)
    negators = negating_stems(clause) | negating_stems(reference)
    flipped = [
        w
        for w in stems
        if (flips := _opposites().get(w, set()) & theirs) and w not in theirs and not {w, *flips} & negators
    ]
    return (len(flipped) + negated(clause) + reference_negative) % 2 == 1


class Reference:
    """The model answer's and key points' claims with their polarity, and what they attach to each
    indexed entity; built once per question."""

    def reversal(self, point: str, answer_claims: list[str], answer: str = "") -> Denial | None:
        """The first clause of the answer that states ``point`` with a directional word reversed (not
        the name of a function it calls: "max(0, 1 - y f(x))", which ``answer``, the whole text, shows
        where a clause was cut at the bracket)."""
        point_stems = _stems(point)
        references = self._model_claims + self._point_claims.get(point, [])
        for clause in answer_claims:
            stems = _stems(clause)
            if _share(point_stems, stems) < REVERSAL_SHARE:
                continue
            for word in sorted(stems - called_in(clause, answer)):
                flips = _opposites().get(word, set())
                if not flips or flips & stems:
                    continue
                rest = stems - {word}
                # two words besides the reversed one in common, as a denial needs: "power rises with
                # n" shares only "power" with "β grows and power falls"
                other = [
                    (_share(rest, r), c, p)
                    for c, r, p in references
                    if flips & r and word not in r and len(rest & r) >= 2
                ]
                same = max((_share(rest, r) for _c, r, _p in references if word in r), default=0.0)
                share = max((o[0] for o in other), default=0.0)
                if not other or share < CLAUSE_SHARE or share <= same + CLEARER:
                    continue
                # Two reversals agree: "power rises with lower variance", "none outside", and a negated
                # reference ("avoids a mismatch" against "to match"). Every reference clause that
                # matches best must find it reversed: which of them is quoted decides nothing.
                closest = sorted(c for s_, c, _p in other if s_ == share)
                if all(_reverses(clause, c, p) for s_, c, p in other if s_ == share):
                    return Denial(clause, closest[0])
        return None

    def denial(self, point: str, answer_claims: list[str]) -> Denial | None:
        """The first clause of the answer that states ``point`` with the opposite polarity, when no
        other clause of the answer states it with the reference's own (an answer that says the point
        rightly somewhere does not deny it: "unseeded workers vary; seed them" is not a denial)."""
        point_stems = _stems(point)
        if len(point_stems) < 2:
            return None
        references = self._model_claims + self._point_claims.get(point, [])
        parts = [point_stems] + [r for _c, r, _p in self._point_claims.get(point, [])]
        found = None
        for clause in answer_claims:
            stems = _stems(clause)
            if not any(_share(part, stems) >= POINT_SHARE and len(part & stems) >= 2 for part in parts):
                continue
            if hedged(clause):
                continue  # "rarely helps" neither states nor denies "helps" (core/polarity.hedged)
            polarity = negated(clause)
            if polarity and any(_opposites().get(stem(w), set()) & point_stems for w in words(clause)):
                continue  # a negated opposite ("none fitted outside" for "fit inside") affirms
            if polarity and _negates_a_point_word(clause, point_stems):
                continue  # so does a negated negative: "non-diagonalisable matrices have none" for "needs
                # diagonalisable", "an unseeded run is not reproducible" for "seed it to reproduce"
            # Parts of a reference clause joined by "and"/"or" support the answer's own polarity too
            # (they are not used to contradict it: a negation's scope can cross "and").
            supports = references + self._model_parts
            same = max((_share(stems, r) for _c, r, p in supports if p == polarity), default=0.0)
            # The word a negation governs must be stated on the other side: "if the model is confidently
            # wrong" does not deny "does not vanish when the model is confidently wrong".
            other = [
                (_share(stems, r) + 0.001 * _share(point_stems, r), c)
                for c, r, p in references
                if p != polarity
                and not hedged(c)
                and (
                    _applies(clause, r - _governed(c)) if polarity else _applies(c, stems - _governed(clause))
                )
            ]
            share, text = max(other) if other else (0.0, "")
            # ... and it must be the reference clause closest to what the answer says
            closest = max(_share(stems, r) for _c, r, _p in references)
            if other and share >= CLAUSE_SHARE and share > same + CLEARER and share >= closest:
                found = found or Denial(clause, text)
            elif same >= CLAUSE_SHARE:
                return None  # stated rightly here
        return found

    def __init__(self, sentences: list[str], key_points: list[str], prompt: str = ""):
        self._model_claims = [(c, _stems(c), negated(c)) for s in sentences for c in claims(s)]
        self._model_parts = [
            (c, _stems(c), negated(c)) for s in sentences for c in claims(s, coordinated=True)
        ]
        self._point_claims = {
            point: [(c, _stems(c), negated(c)) for c in claims(point) or [point]] for point in key_points
        }
        self.formulas = FormulaReference(key_points, sentences, prompt)
        tokens = [anchors(s) for s in [*key_points, *sentences]]
        self.siblings = siblings(tokens)
        for group in [*prompt_entities(prompt), *point_entities(key_points)]:
            for name in group:
                self.siblings.setdefault(name, set()).update(group - {name})
        self.keys = {t for point in key_points for t in anchors(point)}
        entities = set(self.siblings)
        self.belongs: dict[str, set[str]] = {}
        for sentence in tokens:
            named = {t for t in sentence if t in entities}
            if len(named) == 1:
                self.belongs.setdefault(named.pop(), set()).update(sentence)
            else:
                for entity, stretch in stretches(sentence, entities, len(sentence)).items():
                    self.belongs.setdefault(entity, set()).update(stretch)

    def misattribution(self, sentence: str) -> Misattribution | None:
        """The first attribute ``sentence`` gives to the wrong one of two siblings it names, or the
        opposite of one the reference gives the entity it names ("PCA is supervised"), if any."""
        if not self.siblings:
            return None
        entities = set(self.siblings)
        named = {t for t in anchors(sentence) if t in entities}
        if len(named) < 2:
            return self._opposite_attribute(sentence, entities) if named else None
        for clause in _clauses(sentence, entities):
            tokens = anchors(clause)
            after = stretches(tokens, entities, NEAR)
            valued = stretches(tokens, entities, NUMBER_NEAR)
            for entity, stretch in after.items():
                if not self.belongs.get(entity):
                    continue  # the reference says nothing of it (only the prompt names it)
                for word in sorted(stretch):
                    if word in entities or len(word) < 2 or word in self.belongs[entity]:
                        continue
                    if word not in self.keys and not (word[0].isdigit() and word in valued[entity]):
                        continue  # only what a key point names, or a number given as its value, is telling
                    owners = sorted(
                        other
                        for other in self.siblings[entity] & named
                        if word in self.belongs.get(other, ()) and word not in after.get(other, ())
                    )
                    # ... and not applied to the owner too ("log(1 + e^z) − y z, and avoid
                    # log(sigmoid(z))": brackets split clauses, so the owner's stretch misses it)
                    owners = [o for o in owners if not _applied(sentence, o, word)]
                    if owners:
                        return Misattribution(entity, word, owners[0], sentence)
        return None

    def _opposite_attribute(self, sentence: str, entities: set[str]) -> Misattribution | None:
        """A clause, not negated, that gives an entity a key-point word the reference gives it with a
        negative prefix, or the reverse, and not the word itself: "PCA is supervised" where PCA is
        "unsupervised". (Other antonyms take other senses too often: "lies above", "true class".)"""
        for clause in _CLAUSE.split(sentence):
            if negated(clause):
                continue
            for entity, stretch in stretches(anchors(clause), entities, NEAR).items():
                own = self.belongs.get(entity, set())
                for word in sorted(stretch - own):
                    telling = word in self.keys  # (a key point names the word or its opposite)
                    flipped = {f for f in own if _prefixed(word, f) and (telling or f in self.keys)}
                    if flipped and not flipped & stretch:
                        return Misattribution(entity, word, entity, sentence)
        return None


def _clauses(sentence: str, entities: set[str]) -> list[str]:
    """The sentence's clauses, split at punctuation and at an "and"/"but"/"while"/"whereas" that begins
    one naming an entity of its own: "a Gaussian prior gives the L2 penalty and a Laplace prior gives
    L1" is two, so "Laplace" is not in L2's stretch (a correct answer was contradicted); "clips the
    ratio and takes the minimum" stays one."""
    out = []
    for part in _CLAUSE.split(sentence):
        pieces = _JOINED.split(part)
        current = pieces[0]
        for piece in pieces[1:]:
            if any(t in entities for t in anchors(piece)):
                out.append(current)
                current = piece
            else:
                current = f"{current} and {piece}"
        out.append(current)
    return out


def _prefixed(one: str, other: str) -> bool:
    """One stem is the other with a negative prefix: "unsuperv"/"superv", "nonconvex"/"convex"."""
    short, long = sorted((one, other), key=len)
    # (not in-, im-, dis-: "inform"/"form", "discount"/"count", "independent" of what a sentence negates)
    return len(short) >= 4 and any(long == prefix + short for prefix in ("un", "non"))
