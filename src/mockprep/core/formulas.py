"""Equations an answer states differently from a key point. Pure.

A keyword-stuffed wrong answer often keeps a formula's symbols and changes what it says:
"y = x · F(x)" for "y = x + F(x)", "power = 1 − α" for "power = 1 − β", "P(kept) = k/(t(t+1))" for
"P(kept) = k/(t+1)", "P ≈ 0.42" for "P ≈ 0.042". Words and a bag-of-words embedding cannot see the
change; the equation can.

An equation is a chain of expressions joined by ``=``, ``≈`` (or "is" before a formula), read from
a sentence up to the first plain word (a word of three or more letters that is no function name)
outside brackets. Expressions are compared in a loose normal form (no spaces, brackets or
multiplication signs; symbols and superscripts folded), so that differently typeset forms of one
formula meet. An answer **conflicts** with a key point's equation when it states one of the point's
expressions (the anchor, usually the left-hand side) equal to something else, that something is
*close* to the point's own right-hand side (the same symbols rearranged, an operator or a letter
changed, another number) and the point's right-hand side is nowhere in the answer. A correct answer
that writes the formula in another form uses other symbols ("z − log Σ exp z" for "z − logsumexp z")
and is not close; one that writes it in words has no equation to compare.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from mockprep.core.textnorm import GREEK

# Words that belong to a formula (function names and the like); any other word of three or more
# letters ends an expression when it stands outside brackets.
_MATH_WORDS = frozenset(
    "log ln exp sum max min argmax argmin sqrt softmax logsumexp sigmoid tanh relu var cov std "
    "corr det tr diag sin cos abs mean kl e".split()
)
_RELATION = re.compile(r"(?<![=<>!+\-*/])(?:=|≈|~=)(?!=)|\b(?:is|equals)\b(?=\s*[-−(√\d.])")
_TOKEN = re.compile(r"[A-Za-z]+|\d+(?:[.,]\d+)*|\s+|.", re.UNICODE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])|\n+|;\s")
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ", "0123456789+-n")
_SUPERSCRIPTS = re.compile("([⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ]+)")
_FOLD = {
    "−": "-", "–": "-", "—": "-", "·": "", "×": "", "*": "", "⋅": "", "@": "", "∑": "sum", "Σ": "sum",
    "√": "sqrt", "∏": "prod", "≈": "=", "ᵀ": "^t", ".T": "^t", "’": "'", "∣": "|", "‖": "||",
}  # fmt: skip
# Greek letters spelled out are folded to the letter, so that each is one symbol.
_NAMES = sorted(set(GREEK.values()) - {"sum"}, key=len, reverse=True)
_GREEK_NAMES = re.compile(r"\b(" + "|".join(_NAMES) + r")\b")
_BY_NAME = {name: letter for letter, name in GREEK.items() if letter.islower()}
_DROP = re.compile(r"[\s()\[\]{}_,]")
# What a typesetting adds without changing the formula: single-letter subscripts and arguments.
_INDEX = re.compile(r"_(?:\{[^}]*\}|\w)|\((?:[a-z]|[a-z]_?\w)\)")
_MEAN = re.compile(r"1/nsum")  # the mean written out
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
CLOSE = 0.75  # difflib ratio at which a right-hand side is the expected one changed, not another formula


@dataclass(frozen=True)
class Conflict:
    """``sentence`` of the answer states ``stated`` where the key point has ``expected``."""

    sentence: str
    stated: str
    expected: str


def _folded(expression: str) -> str:
    text = _SUPERSCRIPTS.sub(lambda m: "^" + m.group(1).translate(_SUPER), expression)
    text = text.replace("ᵀ", "^t")  # before NFKC, which makes the superscript T a plain "T"
    text = unicodedata.normalize("NFKC", text)
    for symbol, plain in _FOLD.items():
        text = text.replace(symbol, plain)
    text = _GREEK_NAMES.sub(lambda m: _BY_NAME.get(m.group(1), m.group(1)), text)
    return re.sub(r"(?<=\d),(?=\d{3})", "", text).lower().replace("**", "^")


def normal(expression: str) -> str:
    """The loose normal form two typesettings of one expression share."""
    return _DROP.sub("", _folded(expression)).rstrip(".")


def lenient(expression: str) -> str:
    """The normal form without single-letter subscripts and arguments ("sum_x p(x)" → "sum p")."""
    text = _MEAN.sub("mean", _DROP.sub("", _INDEX.sub("", _folded(expression))))
    return text.rstrip(".")


# Short words that are no variables.
_SHORT_WORDS = frozenset("it is so to of in as at we or on by be if no do up an".split())


def _plain(token: str) -> bool:
    if not token.isalpha():
        return False
    lowered = token.lower()
    if lowered in _BY_NAME:
        return False
    return (len(token) >= 3 and lowered not in _MATH_WORDS) or lowered in _SHORT_WORDS


def _side(tokens: list[str], backwards: bool) -> str:
    """The expression next to a relation: tokens up to a plain word or punctuation outside brackets.
    A plain word right next to the relation is the expression itself ("power = 1 − β")."""
    out: list[str] = []
    depth = 0
    opening, closing = ("([{", ")]}") if not backwards else (")]}", "([{")
    seq = reversed(tokens) if backwards else iter(tokens)
    for token in seq:
        if token.strip() == "" and not out:
            continue
        if token in opening:
            depth += 1
        elif token in closing:
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (token in ",;:!?#" or (token == "." and not out)):
            break
        elif depth == 0 and _plain(token):
            if backwards and not [t for t in out if t.strip()]:
                out.append(token)
            break
        out.append(token)
    if backwards:
        out.reverse()
    return "".join(out).strip()


def _split(sentence: str) -> list[str]:
    """A sentence split at its relations outside brackets."""
    depth = 0
    masked = []
    for ch in sentence:
        depth += ch in "([{"
        depth -= ch in ")]}" and depth > 0
        masked.append(ch if depth == 0 else "\0")
    text = "".join(masked)
    pieces, last = [], 0
    for match in _RELATION.finditer(text):
        pieces.append(sentence[last : match.start()])
        last = match.end()
    return [*pieces, sentence[last:]]


@lru_cache(maxsize=4096)
def equations(sentence: str) -> tuple[tuple[str, ...], ...]:
    """The chains of expressions a sentence equates, each expression as written (2+ expressions)."""
    pieces = _split(sentence)
    chains: list[list[str]] = []
    chain: list[str] = []
    for i in range(len(pieces) - 1):
        lhs = _side(_TOKEN.findall(pieces[i]), True)
        rhs = _side(_TOKEN.findall(pieces[i + 1]), False)
        if not normal(lhs) or not normal(rhs):
            chain = []
            continue
        # a middle piece whose whole text is one expression continues the chain ("a = b = c")
        if chain and chain[-1] == lhs and normal(pieces[i]) == normal(lhs):
            chain.append(rhs)
        else:
            if len(chain) >= 2:
                chains.append(chain)
            chain = [lhs, rhs]
    if len(chain) >= 2:
        chains.append(chain)
    return tuple(tuple(c) for c in chains)


def _same(stated: str, expected: str) -> bool:
    """One expression in two typesettings: equal loosely, or with numbers that round to each other."""
    a, b = lenient(stated), lenient(expected)
    if a == b:
        return True
    numbers_a, numbers_b = _NUMBERS.findall(a), _NUMBERS.findall(b)
    if _NUMBERS.sub("#", a) != _NUMBERS.sub("#", b) or len(numbers_a) != len(numbers_b):
        return False
    for x, y in zip(numbers_a, numbers_b, strict=True):
        places = min(len(n.partition(".")[2]) for n in (x, y))
        if round(float(x), places) != round(float(y), places):
            return False
    return True


def _close(stated: str, expected: str) -> bool:
    """A right-hand side that is the expected one with its symbols rearranged ("V(s) − V(s')" for
    "V(s') − V(s)"), or with a symbol, an operator or a number changed; not one that only adds
    to it (an expanded form) or stops short of it (a trailing annotation)."""
    a, b = lenient(stated), lenient(expected)
    if not re.search(r"[a-z0-9]", a) or a.startswith(b) or b.startswith(a):
        return False
    if sorted(a) == sorted(b):
        return True
    matcher = difflib.SequenceMatcher(None, a, b)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    changed = sum(max(i2 - i1, j2 - j1) for _op, i1, i2, j1, j2 in changes)
    if all(op[0] == "delete" for op in changes) and changed > 2:
        return False  # the answer's form only adds to the point's: an expansion
    return changed <= max(2, len(b) // 4) or matcher.ratio() >= CLOSE


def sentences(text: str) -> list[str]:
    """A text's sentences, split only where no formula can be cut ("x_i - x̄" stays whole)."""
    return [s.strip() for s in _SENTENCES.split(text) if s.strip()]


@lru_cache(maxsize=8)
def _statements(answer: str) -> tuple[list[tuple[str, tuple[str, ...]]], str]:
    """An answer's equations (with their sentences) and its whole text in the lenient form."""
    if not _RELATION.search(answer):
        return [], ""
    return [(s, chain) for s in sentences(answer) for chain in equations(s)], lenient(answer)


def conflict(point: str, answer: str) -> Conflict | None:
    """The first sentence of ``answer`` that equates one of ``point``'s left-hand sides with a
    changed form of its right-hand side, when the answer nowhere states the point's own."""
    point_chains = equations(point)
    if not point_chains:
        return None
    stated, written = _statements(answer)
    for lhs, *rest in point_chains:
        if lenient(lhs) in ("", "mean") or not re.search(r"[^\W\d_]", lenient(lhs)):
            continue  # a bare number or a generic word is no quantity to anchor on
        if any(lenient(e) in written or any(_same(c, e) for _s, ch in stated for c in ch) for e in rest):
            continue  # the answer states the point's own right-hand side somewhere
        for sentence, chain in stated:
            if normal(chain[0]) != normal(lhs):
                continue
            for given in chain[1:]:
                for expected in rest:
                    if _close(given, expected):
                        return Conflict(sentence, given, expected)
    return None
