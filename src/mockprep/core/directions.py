"""Directional words: a key point's direction stated the other way round ("it says 'lower' where the key
point says 'higher'"), for the judge of :mod:`mockprep.core.keypoints`. Pure.

A passage reverses a point when it uses the opposite of one of the point's directional words and not the
word itself, unless the point names both sides ("large γ ... small γ"), or the passage says the point's
direction of the point's subject with another verb of change and the opposite only in clauses that
say nothing of the point before that verb: "Power increases with n, since the standard error falls
with n" keeps "power rises with n"; "power falls as n increases" and "power increases as the sample
size falls" still reverse it (a rule that let any verb of the point's direction excuse the opposite
was reverted for that).
"""

from __future__ import annotations

import re

from mockprep.core.textnorm import as_written, content_stems, stem, words

# Directional words and their opposites (stems on both sides after folding).
OPPOSITES = [
    ("higher", "lower"), ("increase", "decrease"), ("more", "less"), ("larger", "smaller"),
    ("bigger", "smaller"), ("above", "below"), ("upper", "lower"), ("maximize", "minimize"),
    ("overestimate", "underestimate"), ("overfit", "underfit"), ("positive", "negative"),
    ("faster", "slower"), ("grow", "shrink"), ("rise", "fall"), ("improve", "worsen"),
    ("wider", "narrower"), ("stronger", "weaker"), ("biased", "unbiased"), ("convex", "nonconvex"),
    ("independent", "dependent"), ("sparse", "dense"), ("underestimates", "overestimates"),
    ("necessary", "sufficient"), ("reduces", "increases"), ("lowers", "raises"),
]  # fmt: skip
# Verbs of change that say one direction, and where a clause ends.
_DIRECTIONS = [("increase", "rise", "grow", "raise"), ("decrease", "fall", "shrink", "drop", "reduce")]
_SAME_DIRECTION = {stem(w): {stem(v) for v in group} - {stem(w)} for group in _DIRECTIONS for w in group}
_CLAUSE_END = re.compile(
    r"[(),;:]|\b(?:as|while|whereas|because|since|when|so|but|yet|though|although)\b", re.IGNORECASE
)
# A clause whose subject is a pronoun may be about the point's subject: "... but in fact it falls".
_PRONOUN = re.compile(r"\b(?:it|its|they|them|this|these|that|those|which)\b", re.IGNORECASE)
_ANTONYMS: dict[str, set[str]] | None = None


def _antonyms() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for a, b in OPPOSITES:
        table.setdefault(stem(a), set()).add(stem(b))
        table.setdefault(stem(b), set()).add(stem(a))
    return table


def opposite(point_text: str, point_stems: set[str], text: str, stems: frozenset[str]) -> str | None:
    """Why a passage (``text``, its content ``stems``) reverses the point, if it does."""
    global _ANTONYMS
    if _ANTONYMS is None:
        _ANTONYMS = _antonyms()
    for word in sorted(point_stems):
        flips = _ANTONYMS.get(word, set())
        if flips & stems and word not in stems and not flips & point_stems:
            if _said_of_subject(point_text, word, flips, text):
                continue
            said = as_written(text, min(flips & stems))
            return f"it says '{said}' where the key point says '{as_written(point_text, word)}'"
    return None


def _said_of_subject(point_text: str, word: str, flips: set[str], text: str) -> bool:
    """The passage says ``word``'s direction of the point's subject (its first word) with another verb,
    and the opposite ``flips`` only in clauses whose subject shares no word with the point: of something
    else ("the standard error falls with n"), not of the point's own terms ("as the sample size falls")."""
    stems = content_stems(point_text)
    subject = next(iter(stems), word)
    terms = set(stems) - {word} - flips
    same = _SAME_DIRECTION.get(word, set())
    parts = [c for c in _CLAUSE_END.split(text) if c.strip()]
    clauses = [content_stems(c) for c in parts]
    about = [set(c) for c in clauses if subject in c and subject != word]
    opposed = [
        (_subject(c, part, flips), part) for c, part in zip(clauses, parts, strict=True) if flips & set(c)
    ]
    # a clause with nothing before its verb has the sentence's subject ("... but falls with n")
    return any(same & c for c in about) and not any(
        not c or c & terms or _PRONOUN.search(p) for c, p in opposed
    )


def _subject(clause: list[str], part: str, flips: set[str]) -> set[str]:
    """What the opposite word of a clause is said of: what the clause says before it ("the standard
    error" of "the standard error falls with n", which is about the error, not about n), or, for a
    participle that opens the clause, the two words after it ("shrinking learning rates slow ...")."""
    at = next(i for i, s in enumerate(clause) if s in flips)
    if at == 0 and (opening := [w for w in words(part) if stem(w) in flips]) and opening[0].endswith("ing"):
        return set(clause[1:3])
    return set(clause[:at])
