"""An equation of a key point stated with one symbol changed. Pure.

A keyword-stuffed wrong answer often keeps a formula and changes one symbol in it: "power = 1 − α"
for "power = 1 − β", "H(p) = −Σ p log q" for "H(p) = −Σ p log p", "(n + 1)/n σ²" for "(n − 1)/n σ²".
Words and a bag-of-words embedding cannot see the change; the equation can.

An equation is a chain of expressions joined by ``=`` or ``≈`` (or "is"/"equals" before a formula),
each read up to the first plain word (three or more letters, no function name) outside brackets, or a
comma, semicolon or colon. Expressions are compared as symbol sequences: spaces, multiplication signs
and subscripts dropped, minus signs, superscripts and Greek letters spelled out folded.

The rule is strict, because a correct answer may typeset a formula in many ways and a flag on it caps
its rating: an answer **changes** a key point's equation when it gives one of the point's expressions
(the same symbols) an expression that differs from the point's in exactly one symbol, where the two are
two of + − · /, or two single letters the question's key points or prompt use, and
the answer states the point's own expression nowhere. Numbers are never compared (examples, rounding);
rearranged, renamed or rewritten formulas are not "changed" (they differ in more than one symbol).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from mockprep.core.textnorm import GREEK, powers

# Words that belong to a formula; any other word of three or more letters outside brackets ends one.
MATH_WORDS = frozenset(
    "log ln exp sum max min argmax argmin sqrt softmax logsumexp sigmoid tanh relu var cov std "
    "corr det tr diag sin cos abs kl prod".split()
)
_FOLD = {
    "−": "-", "–": "-", "—": "-", "·": "*", "×": "*", "⋅": "*", "∑": " sum ", "Σ": " sum ",
    "√": " sqrt ", "∏": " prod ", "≈": "=", "’": "'", "‖": "||", "∣": "|",
}  # fmt: skip
_SUBSCRIPT_CHARS = re.compile("[₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₜ]+")
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₜ", "0123456789ijkt")
_BY_NAME = {name: letter for letter, name in GREEK.items() if letter.islower() and name != "sum"}
_GREEK_NAMES = re.compile(r"\b(" + "|".join(sorted(_BY_NAME, key=len, reverse=True)) + r")\b")
# Latin names whole ("log", "Var"), other letters one at a time ("ρσ" is ρ times σ), numbers, signs.
_TOKEN = re.compile(r"(?:[A-Za-z]+|[^\W\d_])(?:_(?:\{[^}]*\}|[^\W_]+))?|\d+(?:\.\d+)?|\S")
# Short words of English, which end a formula as a longer word does.
_SHORT_WORDS = frozenset("is of to in as at be we so if or an on by it no do up my me he us am go".split())
_RELATION = re.compile(r"(?<![=<>!+\-*/])=(?!=)|\b(?:is|equals)\b(?=\s*[-(\d])")
_ENDS = frozenset(",;:")
_SHOWN = {"sqrt": "√", "sum": "Σ", "prod": "∏"}
_OPERATORS = frozenset("+-*/")  # written out: "x · F(x)" for "x + F(x)" changes one
_DROPPED = frozenset("+-'")  # a sign or a prime, dropped or added, changes a formula


@dataclass(frozen=True)
class ChangedFormula:
    """``sentence`` of the answer states ``stated`` where the key point has ``expected``."""

    sentence: str
    expected: str
    stated: str


def _folded(text: str) -> str:
    text = _SUBSCRIPT_CHARS.sub(lambda m: "_" + m.group().translate(_SUB), powers(text))  # pᵢ is p_i
    text = unicodedata.normalize("NFKC", "".join(_FOLD.get(c, c) for c in text))
    return _GREEK_NAMES.sub(lambda m: _BY_NAME[m.group(1)], text)


def _norm(token: str) -> str:
    """Names of two or more letters in lower case ("Var", "var"); a single letter keeps its case."""
    return token.lower() if len(token) > 1 and token[0].isalpha() else token


def _is_symbol(token: str) -> bool:
    """A token that can stand in a formula: a number, a sign, a short name, a function name."""
    if not token[0].isalpha():
        return True
    lower = token.split("_", 1)[0].lower()  # "E_q" is E with a subscript
    return (len(lower) <= 2 and lower not in _SHORT_WORDS) or lower in MATH_WORDS


def _expression(tokens: list[str], backwards: bool = False) -> tuple[str, ...]:
    """The formula at the start of ``tokens`` (at their end, ``backwards``)."""
    seq = tokens[::-1] if backwards else tokens
    opening, closing = (")]}", "([{") if backwards else ("([{", ")]}")
    out: list[str] = []
    depth = 0
    outermost = 0  # where the outermost open bracket stands in ``out``
    for token in seq:
        if depth and not backwards and token[0].isalpha() and not _is_symbol(token):
            return tuple(out[:outermost])  # "σ'(a) (diagonal Jacobian)": an aside in words ends it
        if token in opening:
            outermost = outermost if depth else len(out)
            depth += 1
        elif token in closing:
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (token in _ENDS or token in ".!?" or not _is_symbol(token)):
            if not out and backwards and token[0].isalpha():
                out.append(token.lower())  # "power = 1 − β": a word names the left-hand side
            break
        out.append(_norm(token))
    if depth:
        return ()
    return tuple(out[::-1] if backwards else out)


Equation = tuple[tuple[str, ...], tuple[str, ...]]  # (left, right), as symbol sequences


@lru_cache(maxsize=4096)  # an answer's sentences are read once for all of a question's key points
def equations(text: str) -> tuple[Equation, ...]:
    """Each pair of expressions ``text`` states equal."""
    pieces = _RELATION.split(_folded(text))
    chain: list[Equation] = []
    for left, right in pairwise(pieces):
        lhs = _expression(_TOKEN.findall(left), backwards=True)
        rhs = _expression(_TOKEN.findall(right))
        if lhs and rhs:
            chain.append((lhs, rhs))
    return tuple(chain)


def _symbols(texts: list[str]) -> frozenset[str]:
    return frozenset(t for text in texts for t in _TOKEN.findall(_folded(text)) if t[0].isalpha())


def _one_change(expected: tuple[str, ...], stated: tuple[str, ...], known: frozenset[str]) -> bool:
    """``stated`` is ``expected`` with one symbol changed, dropped or added, or two letters swapped."""
    if abs(len(expected) - len(stated)) == 1:  # a sign or a prime dropped or added: "σ(a)" for "σ'(a)"
        longer, shorter = (expected, stated) if len(expected) > len(stated) else (stated, expected)
        return any(
            longer[i] in _DROPPED and longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer))
        )
    if len(expected) != len(stated):
        return False
    changed = [i for i, (a, b) in enumerate(zip(expected, stated, strict=True)) if a != b]
    if len(changed) == 2:  # two letters swapped where order matters: "−H/(G+λ)" for "−G/(H+λ)"
        i, j = changed
        a, b = expected[i], expected[j]
        return (stated[i], stated[j]) == (b, a) and _letters(a, b, known) and not _commuting(expected, i, j)
    if len(changed) != 1:
        return False
    a, b = expected[changed[0]], stated[changed[0]]
    return (a in _OPERATORS and b in _OPERATORS) or _letters(a, b, known)


def _commuting(tokens: tuple[str, ...], i: int, j: int) -> bool:
    """Swapping the letters at ``i`` and ``j`` changes nothing: they are terms of one sum or factors of
    one product ("x + y", "a + b·c + d", "xy"), with nothing binding tighter on either side."""
    between = tokens[i + 1 : j]
    plain = all(t in "+*" or (len(t) <= 2 and t.isalnum()) for t in between)
    operators = {t for t in between if t in "+*"}
    before = tokens[i - 1] if i else ""
    after = tokens[j + 1] if j + 1 < len(tokens) else ""
    binding = before in ("/", "^", "-") or after in ("/", "^", "'", "(")
    return plain and len(operators) <= 1 and not binding


def _letters(a: str, b: str, known: frozenset[str]) -> bool:
    """Two single letters ("α" and "β", "p" and "q") the question uses: not "ln" and "log", not "σ_p"
    and "τ" (another name for the same thing), not a letter only the model answer mentions."""
    return len(a) == len(b) == 1 and a.isalpha() and b.isalpha() and a in known and b in known


def _shown(tokens: tuple[str, ...]) -> str:
    """An expression written back compactly: "1-β", "-Σ p log q", "(n+1)/n σ^2", "s/√n"."""
    out = ""
    for token in tokens:
        token = _SHOWN.get(token, token)
        if out and (out[-1].isalnum() or out[-1] == "Σ") and token[0].isalnum():
            out += " "
        out += token
    return out


class FormulaReference:
    """A question's key-point equations and the symbols it uses; built once per question."""

    def __init__(self, key_points: list[str], model_sentences: list[str], prompt: str = ""):
        self.points = {point: equations(point) for point in key_points}
        # the letters the key points and the prompt use: a letter only the model answer mentions (an
        # estimate "s" of "σ") may stand for the same thing
        self.known = _symbols([*key_points, prompt])
        self.stated_right = {pair for s in [*model_sentences, *key_points] for pair in equations(s)}

    def changed(self, point: str, answer_sentences: list[str]) -> ChangedFormula | None:
        """The first sentence of the answer that states one of ``point``'s equations with one symbol
        changed, unless the answer also states the point's own equation."""
        expected = self.points.get(point)
        if not expected:
            return None
        stated = [(sentence, pair) for sentence in answer_sentences for pair in equations(sentence)]
        said = {pair for _sentence, pair in stated}
        for sentence, (lhs, rhs) in stated:
            for left, right in expected:
                if lhs != left or rhs == right or (lhs, rhs) in self.stated_right or (left, right) in said:
                    continue
                if _one_change(right, rhs, self.known):
                    return ChangedFormula(sentence, _shown(right), _shown(rhs))
        return None
