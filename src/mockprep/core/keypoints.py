"""Judging an answer against its key points: words, meaning, and statements of the opposite. Pure.

For each key point the answer is searched sentence by sentence (and pairs of neighbouring sentences):

- **words**: the share of the point's stems found (symbols spelled out, word forms and compounds folded,
  typos tolerated; see :mod:`mockprep.core.textnorm`), in the best passage and in the whole answer, and
  the share of the stems the question's prompt does not already give (an answer that repeats the
  question's words has shown nothing yet);
- **meaning**: the cosine similarity of the point and the best passage under a small embedding model
  (:mod:`mockprep.core.embedding`), when it is loaded;
- **opposite**: the passage that matches the point's words uses the antonym of one of its directional
  words (higher/lower, increases/decreases...): the point is contradicted. A negation that applies to a
  shared word in only one of the two is a weaker sign: such a point counts as partly covered at most;
- **specifics**: a point whose numbers or names written with a digit the answer leaves out is partly
  covered at most (:mod:`mockprep.core.specifics`): no other word or number stands for them.

A logistic model over those features, fitted on the development set in ``benchmarks/grading``
(``python -m benchmarks.grading.fit``), gives the probability that an interviewer would count the point
as covered. The sentence it rests on is kept as evidence.
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mockprep.core.acronyms import capitals, expansion
from mockprep.core.directions import opposite
from mockprep.core.number_words import with_digits
from mockprep.core.passages import (
    MAX_ANSWER_CHARS,
    Passage,
    flat,
    negated_stems,
    passage,
    passages,
    sentences,
)
from mockprep.core.specifics import left_out, stated
from mockprep.core.textnorm import STOPWORDS, as_written, content_stems, joined_forms, stem, words

if TYPE_CHECKING:
    from mockprep.core.contradictions import Misattribution, Reference
    from mockprep.core.embedding import Embedder
    from mockprep.core.misconceptions import Misconceptions

FUZZY = 0.86  # difflib ratio at which two stems of five or more letters count as the same word

# Fitted by benchmarks/grading/fit.py on the development set; see the module docstring.
WEIGHTS = {
    "bias": -1.45,
    "words_best": 1.36,
    "words_all": 1.83,
    "words_new": 2.93,
    "meaning": 0.78,
    "meaning_all": -2.00,
    "short_point": -1.27,
}
# ... and without the embedding model (words only), the fallback when it cannot load.
WORD_WEIGHTS = {
    "bias": -1.59,
    "words_best": 1.13,
    "words_all": 1.59,
    "words_new": 3.06,
    "short_point": -1.25,
}
COVERED = 0.5  # probability from which a point counts as covered
PARTLY = 0.4  # ... and as partly covered
OWN_WORDS_MEANING = (
    0.4  # meaning similarity that stands in for the point's own words (fitted on the development set)
)


@dataclass(frozen=True)
class PointFeatures:
    words_best: float  # share of the point's stems in the best passage
    words_all: float  # share anywhere in the answer
    words_new: float  # share anywhere of the stems the question's prompt does not already give
    meaning: float  # best cosine similarity with a passage (0 without an embedder)
    meaning_all: float  # cosine similarity with the whole answer
    short_point: float  # 1 when the point has at most two stems
    with_meaning: bool  # the embedding model was used
    distinct: float  # share of the point's own words (those no other key point has) found anywhere
    evidence: str | None
    opposite: str | None  # the best passage uses the antonym of one of the point's directional words: why
    negation: bool  # a negation applies to a shared word in one of the two and not the other
    specifics: tuple[int, int] = (0, 0)  # the point's numbers and names the answer gives, and leaves out


@dataclass(frozen=True)
class PointJudgement:
    probability: float
    verdict: str  # covered | partly | missing | contradicted
    evidence: str | None
    features: PointFeatures
    reason: str | None = None  # one line saying why, where the verdict is more than a match


def _weights(point_stems: list[str], spread: dict[str, int]) -> dict[str, float]:
    """How much each of a point's stems says: a single letter or digit ("p - y", "k / t") weighs half a
    word, and a word shared by several of the question's key points tells them apart less."""
    return {s: (0.5 if len(s) == 1 else 1.0) / spread.get(s, 1) for s in dict.fromkeys(point_stems)}


def _beyond(weights: dict[str, float], asked: frozenset[str]) -> dict[str, float]:
    """The weights of the stems the question's prompt does not give: repeating the question's own words
    shows nothing (all of them when the point has no others)."""
    new = {s: w for s, w in weights.items() if s not in asked}
    return new or weights


# A number is a token that starts with a digit ("900", "40", "3x"), not a name's ("p99", "h100s", "q3").
# A formula's operators and functions, spoken or written ("λ·sum" is "lambda times sum"): a passage
# that shares only these with a point states none of it ("At test time ...", "... log V").
_OPERATORS = frozenset(
    stem(w) for w in "times plus minus over equals divided log ln exp sum max min sqrt mean".split()
)
_QUANTIFIED = frozenset({stem("quantified"), stem("quantify"), stem("quantitative"), stem("measurable")})


def _spellings(
    point: str,
    point_stems: list[str],
    whole: Passage,
    answer_words: list[str],
    answer_capitals: list[tuple[str, str]],
) -> dict[str, frozenset[str]]:
    """For each of a point's stems, the answer's words that count as it (itself, near misses,
    compounds written apart or together, and an acronym for the words it stands for or the reverse),
    found once per answer so that each passage is then a set intersection."""
    pool = sorted(whole.stems)
    # The point writes apart what the answer writes together: "co-authors" and "coauthors".
    together: dict[str, str] = {}
    tokens = [w for w in words(point) if w not in STOPWORDS]
    for a, b in zip(tokens, tokens[1:], strict=False):
        joined = stem(a + b)
        if joined in whole.stems:
            together[stem(a)] = together[stem(b)] = joined
    out = {}
    for s in dict.fromkeys(point_stems):
        near = {s}
        if s in together:
            near.add(together[s])
        if len(s) >= 5 and s not in whole.stems:
            near.update(j for j in whole.joined if j.startswith(s))  # "backpoint" in "back pointers"
            candidates = [w for w in pool if w[:2] == s[:2] and abs(len(w) - len(s)) <= 3]
            near.update(difflib.get_close_matches(s, candidates, n=3, cutoff=FUZZY))
        out[s] = near
    _acronyms(point, out, answer_words, answer_capitals)
    return {s: frozenset(near) for s, near in out.items()}


def _acronyms(
    point: str, out: dict[str, set[str]], answer_words: list[str], answer_capitals: list[tuple[str, str]]
) -> None:
    """Acronyms as spellings: the answer's "IQM" for each word of the point's "interquartile mean", and
    for the point's "IQM" the answer's "interquartile mean" (as its first two words written together,
    a form every passage holding them has: see :func:`mockprep.core.textnorm.joined_forms`)."""
    point_words = words(point)
    for letters, written in answer_capitals:
        if len(letters) == 2:
            continue  # an answer's "BN" would be a short point's "batch noise": two letters say too little
        for word in expansion(letters, point_words) or ():
            if word not in STOPWORDS and stem(word) in out:
                out[stem(word)].add(stem(written))
    for letters, written in capitals(point):
        if stem(written) not in out or len(letters) == 2:
            continue  # two letters say too little this way round too: a point's "EM" is no "every model"
        spelled = [w for w in expansion(letters, answer_words) or () if w not in STOPWORDS]
        if len(spelled) >= 2:
            out[stem(written)].add(spelled[0] + spelled[1])


def _passage_share(weights: dict[str, float], spellings: dict[str, frozenset[str]], p: Passage) -> float:
    """The weighted share of a point's stems found in a passage (a number stands in for "quantified")."""
    total = sum(weights.values())
    if not total:
        return 0.0
    words = p.stems | p.joined
    found = [
        s
        for s in weights
        if spellings[s] & words
        or (s in _QUANTIFIED and p.counted)
        or (s[:2] == "un" and len(s) > 5 and s[2:] in p.negates)  # "unchanged": "does not change"
    ]
    if all(s in _OPERATORS for s in found):
        return 0.0  # "log" or "times" alone says nothing of a formula ("O of V plus E, log V")
    return sum(weights[s] for s in found) / total


def _negation_differs(point_text: str, point_stems: set[str], passage: Passage) -> bool:
    """A negation applies to a shared word in one text and not the other (a weak sign of the reverse)."""
    shared = point_stems & passage.stems
    flipped = negated_stems(point_text) ^ negated_stems(passage.text)
    return bool(flipped & shared) and len(shared) >= 2


def meaning_texts(points: list[str], answer: str) -> list[str]:
    """What :func:`features` hands the meaning model: points, passages, the whole answer, numbers as
    digits (as textnorm.fold: "two" meets "2"). One batch of many answers' texts first is much quicker
    than a call each (``bank validate`` grades every model answer)."""
    found = passages(answer := answer.strip())
    texts = [*points, *(p.text for p in found), answer[:MAX_ANSWER_CHARS]]
    return [_digits(t) for t in texts] if found else []


@functools.lru_cache(maxsize=4096)  # the same texts again once a batch was embedded first
def _digits(text: str) -> str:
    return with_digits(text, compounds=False)


def features(
    points: list[str], answer: str, embedder: Embedder | None = None, prompt: str = ""
) -> list[PointFeatures]:
    """The features of each key point against the answer (see the module docstring)."""
    # Blank lines around the answer say nothing, but the meaning model reads them (a pasted answer's
    # final newline moved a point across a threshold): graded the same however it was typed or piped.
    answer = answer.strip()
    found = passages(answer)
    if not found:
        empty = PointFeatures(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, embedder is not None, 0.0, None, None, False)
        return [empty for _ in points]
    whole = passage(answer[:MAX_ANSWER_CHARS])
    meanings: list[list[float]] = [[0.0] * (len(found) + 1) for _ in points]
    if embedder is not None:
        texts = meaning_texts(points, answer)
        meanings = embedder.similarities(texts[: len(points)], texts[len(points) :])
    point_stems = [content_stems(point) for point in points]
    given, asked_specifics = stated(whole.text), stated(prompt)
    # the first 200 distinct acronyms: an answer holds a few; a paste of thousands would cost time
    answer_words, answer_capitals = words(whole.text), capitals(whole.text)[:200]
    # the prompt's words, and its compounds written together ("fine tuning" is "finetuning" too)
    asked = frozenset(content_stems(prompt)) | {stem(j) for j in joined_forms(prompt)}
    spread: dict[str, int] = {}
    for stems in point_stems:
        for s in set(stems):
            spread[s] = spread.get(s, 0) + 1
    out = []
    for index, point in enumerate(points):
        stems = point_stems[index]
        weights = _weights(stems, spread)
        # its own words; the others at no weight, so that an own "mean" is not a formula's operator alone
        own = {s: w if spread.get(s, 1) == 1 else 0.0 for s, w in weights.items()}
        spellings = _spellings(point, stems, whole, answer_words, answer_capitals)
        shares = [_passage_share(weights, spellings, p) for p in found]
        best_words = max(range(len(found)), key=lambda i: (shares[i], meanings[index][i]))
        best_meaning = max(range(len(found)), key=lambda i: meanings[index][i])
        # The evidence is the passage that matches best by words, or by meaning when no words match.
        evidence_index = best_words if shares[best_words] >= 0.34 or embedder is None else best_meaning
        evidence = found[evidence_index]
        out.append(
            PointFeatures(
                words_best=shares[best_words],
                words_all=_passage_share(weights, spellings, whole),
                words_new=_passage_share(_beyond(weights, asked), spellings, whole),
                meaning=max(meanings[index][: len(found)]),
                meaning_all=meanings[index][len(found)],
                short_point=1.0 if len(weights) <= 2 else 0.0,
                with_meaning=embedder is not None,
                distinct=_passage_share(own, spellings, whole) if any(own.values()) else 1.0,
                evidence=evidence.text if shares[evidence_index] > 0 or embedder is not None else None,
                opposite=opposite(point, set(stems), evidence.text, evidence.stems)
                if shares[evidence_index] >= 0.5
                else None,
                negation=shares[evidence_index] >= 0.5 and _negation_differs(point, set(stems), evidence),
                specifics=left_out(point, given, asked_specifics, evidence.text),
            )
        )
    return out


def probability(f: PointFeatures) -> float:
    weights = WEIGHTS if f.with_meaning else WORD_WEIGHTS
    z = weights["bias"] + sum(weights[name] * getattr(f, name) for name in weights if name != "bias")
    return 1.0 / (1.0 + math.exp(-z))


def judge(
    points: list[str],
    answer: str,
    embedder: Embedder | None = None,
    reference: Reference | None = None,
    prompt: str = "",
    misconceptions: Misconceptions | None = None,
) -> list[PointJudgement]:
    """A verdict per key point, with the probability and the evidence it rests on. ``prompt`` is the
    question's: the words a point shares with it count apart (the weights were fitted with it; without
    it every word counts as the answer's own). With a ``reference`` (the model answer's), a sentence
    that gives one entity's attribute to its sibling contradicts the point it matched
    (:mod:`mockprep.core.contradictions`), and one that states a point's equation with one symbol
    changed contradicts that point, with the reason (:mod:`mockprep.core.formulas`). A sentence that
    states one of the question's ``misconceptions`` contradicts the covered point closest to it
    (:mod:`mockprep.core.misconceptions`)."""
    judged = []
    for f in features(points, answer, embedder, prompt):
        p = probability(f)
        if f.distinct == 0.0 and f.meaning < OWN_WORDS_MEANING:
            p = min(p, PARTLY - 0.01)  # only words other key points share: nothing of this one
        if f.specifics[1]:
            p = min(p, COVERED - 0.01)  # a number or name of the point left out: partly at most
        reason = None
        if p >= PARTLY and f.opposite:
            verdict, reason = "contradicted", f.opposite
        elif p >= COVERED:
            verdict = "covered"
        elif p >= PARTLY:
            verdict = "partly"
        else:
            verdict = "missing"
        judged.append(PointJudgement(p, verdict, f.evidence, f, reason))
    if reference is not None:
        judged = _against_reference(points, answer, judged, reference)
    if misconceptions:
        judged = _against_misconceptions(points, answer, judged, misconceptions, embedder)
    return judged


def _against_misconceptions(
    points: list[str],
    answer: str,
    judged: list[PointJudgement],
    misconceptions: Misconceptions,
    embedder: Embedder | None,
) -> list[PointJudgement]:
    """The judgements with, for each sentence that states a misconception, the covered (or partly
    covered) point closest to that misconception contradicted, the sentence its evidence."""
    from mockprep.core.contradictions import asserted

    out = list(judged)
    for found in misconceptions.stated(sentences(asserted(answer)[:MAX_ANSWER_CHARS]), embedder):
        open_points = [i for i, j in enumerate(out) if j.verdict in ("covered", "partly")]
        if not open_points:
            break
        if embedder is not None:
            near = embedder.similarities([found.misconception], [points[i] for i in open_points])[0]
        else:
            stated = set(content_stems(found.misconception))
            near = [len(stated & set(content_stems(points[i]))) for i in open_points]
        i = open_points[max(range(len(open_points)), key=near.__getitem__)]
        why = f"this reads as a common misconception: {found.misconception}"
        out[i] = replace(out[i], verdict="contradicted", evidence=found.sentence, reason=why)
    return out


def _against_reference(
    points: list[str], answer: str, judged: list[PointJudgement], reference: Reference
) -> list[PointJudgement]:
    """The judgements with a point contradicted where the answer denies it or gives one entity's
    attribute to its sibling (:mod:`mockprep.core.contradictions`); the evidence is that sentence."""
    from mockprep.core.contradictions import anchors, asserted, claims

    out = list(judged)
    told = sentences(answer)
    # An answer's claims are split at "and"/"or" too and need three content words: a fragment
    # ("or hi if nothing is true") says too little to deny anything.
    stated = claims(asserted(answer), coordinated=True, least=3)
    for i, point in enumerate(points):
        # an equation of the point with one symbol changed, matched by words or not
        if changed := reference.formulas.changed(point, told):
            why = f"the answer has {changed.stated} where the key point has {changed.expected}"
            out[i] = replace(out[i], verdict="contradicted", evidence=changed.sentence, reason=why)
            continue
        if out[i].verdict not in ("covered", "partly"):
            continue
        if denial := reference.denial(point, stated) or reference.reversal(point, stated, answer):
            where = next((s for s in told if denial.clause in s), denial.clause)
            why = f"it says the reverse of '{flat(denial.reference)}'"
            out[i] = replace(out[i], verdict="contradicted", evidence=where, reason=why)
    for sentence in told:
        found = reference.misattribution(sentence)
        if found is None:
            continue
        resting = [
            i
            for i, j in enumerate(out)
            if j.verdict in ("covered", "partly") and flat(sentence) in flat(j.evidence)
        ]
        named = {found.attribute, found.entity, found.owner}
        telling = [i for i in resting if named & set(anchors(points[i]))]
        for i in (telling or resting)[:1]:
            out[i] = replace(out[i], verdict="contradicted", evidence=sentence, reason=_misplaced(found))
    return out


def _misplaced(found: Misattribution) -> str:
    """Why a misattribution contradicts: whose attribute the answer gave to whom, in its words."""
    entity, attribute = as_written(found.sentence, found.entity), as_written(found.sentence, found.attribute)
    if found.owner == found.entity:  # the opposite of an attribute the reference gives it
        return f"it calls {entity} '{attribute}', the opposite of what the model answer says of it"
    owner = as_written(found.sentence, found.owner)
    return f"it gives {entity} '{attribute}', which the model answer gives {owner}"
