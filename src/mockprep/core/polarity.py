"""Whether a clause denies what it states: its negations ("not", "never", "independent", a flag set
to False), once "not just", "X is not Y" distinctions and double negatives ("never ... without") are
read as they mean. Pure; the denials of :mod:`mockprep.core.contradictions` and the misconceptions read it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mockprep.core.textnorm import NEGATIONS, content_stems, stem, words

NEGATING = (NEGATIONS - {"rather", "instead", "unlike", "without"}) | {
    "invariant", "independent", "unaffected", "unchanged", "removes", "removed", "remove", "eliminates",
    "eliminated", "eliminate", "avoids", "avoid", "avoided", "lacks", "lack", "disables", "disable",
    "disabled", "prevents", "prevent", "prevented", "stops", "stop", "stopped", "blocks", "block", "blocked",
    "mask", "masks", "masked", "masking",
}  # fmt: skip
# A flag turned off in code ("requires_grad=False", "requires_grad_(False)") says "not" in words.
_CODE_FALSE = re.compile(r"(?:=\s*|\(\s*)False\b")
# ("isn't just": no word boundary falls inside a contraction, so "n't" is matched without one)
NOT_JUST = re.compile(r"(?:\bnot|n['’]t)\s+(?:just|only|merely|simply|necessarily)\b", re.IGNORECASE)
_IS_NOT = re.compile(r"^(?P<a>.*)\b(?:is|are)\s+not\s+(?P<b>.*)$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def negated(clause: str) -> bool:
    """Whether a clause denies what it states (see the module docstring)."""
    clause = NOT_JUST.sub(" ", clause)
    distinction = _IS_NOT.match(clause)
    if distinction and set(content_stems(distinction["a"])) & set(content_stems(distinction["b"])):
        return False  # "statistical significance is not practical significance"
    if _CODE_FALSE.search(clause):
        return True
    # "trained with no labels" states how it was trained, as "without labels" does; dropped rather than
    # read as "without", which would cancel a negation before it ("doesn't diverge with no warmup")
    clause = _WITH_NO.sub("with", clause)
    return _standing_negation(tuple(words(_NO_MATTER.sub(" ", _UNBOUNDED.sub(" unboundedly", clause)))))


_CANCELLING = frozenset({"without", "until", "unless"})
_RELATIVE = frozenset({"that", "who", "which", "i", "we", "you", "they"})
_NO_MATTER = re.compile(r"\bno\s+matter\b", re.IGNORECASE)
_WITH_NO = re.compile(r"\bwith\s+no\b", re.IGNORECASE)
# "grows without bound" says how it grows; it cancels no negation ("prevents ... without bound")
_UNBOUNDED = re.compile(r"\bwithout\s+(?:bounds?|limits?|end)\b", re.IGNORECASE)


def _standing_negation(tokens: tuple[str, ...]) -> bool:
    """Whether a negation stands once double negatives cancel: a negation followed in its clause by
    "without"/"until"/"unless" ("never ... without", "didn't ... until"), or by a second negation
    inside a relative clause ("no objection that I hadn't anticipated"), affirms."""
    spent: set[int] = set()
    for i, token in enumerate(tokens):
        if token not in NEGATING or i in spent:
            continue
        later = [j for j in range(i + 1, len(tokens)) if j not in spent]
        cancel = next((j for j in later if tokens[j] in _CANCELLING), None)
        if cancel is None:
            cancel = next(
                (j for j in later if tokens[j] in NEGATING and _RELATIVE & set(tokens[i + 1 : j])), None
            )
        if cancel is None:
            return True
        spent.update((i, cancel))
    return False


@lru_cache(maxsize=8192)
def negating_stems(text: str) -> frozenset[str]:
    """The stem of the one word of ``text`` that negates it (:data:`NEGATING`: "independent", ...), as
    its polarity counts it; none when two do ("not independent" is "dependent": the flip counts)."""
    negating = [w for w in words(text) if w in NEGATING]
    return frozenset(stem(w) for w in negating) if len(negating) == 1 else frozenset()


# Words that deny in part ("little help", "hurts little", "barely changes", "rarely converges"): a clause
# with one is neither plainly stated nor plainly denied, so no contradiction is read from it, either way.
# "little help on recall tasks" was taken as stated, so "it does not help on recall tasks" was said to
# reverse it. "little" and "few" that count a thing ("little data", "few clusters", "a little help",
# Little's law) deny nothing: only "little" as the amount of an effect is a hedge.
_EFFECTS = r"help|effect|benefit|gain|impact|difference|improvement|value|use|change|influence|advantage|harm"
_VERBS = r"helps?|hurts?|matters?|changes?|gains?|improves?|affects?|loses?|costs?|adds?"
_HEDGE = re.compile(
    rf"\b(?:hardly|barely|scarcely|seldom|rarely)\b|(?<!\ba )(?<!')\blittle\s+(?:{_EFFECTS})s?\b"
    rf"|\b(?:{_VERBS})\s+(?:very\s+)?little\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def hedged(clause: str) -> bool:
    """Whether ``clause`` denies in part (see :data:`_HEDGE`)."""
    return _HEDGE.search(" ".join(clause.split())) is not None
